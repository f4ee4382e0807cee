"""The knowledge side of the setup checklist: the company's own knowledge base started."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carte.core.models import AuditEntry
from carte.core.setup import SetupStep, add_step
from carte.knowledge.models import Article


def knowledge_started() -> bool:
    """An article written by someone, or a starter article someone edited (starter articles have no author)."""
    if Article.objects.filter(Q(starter_key="") | Q(author__isnull=False)).exists():
        return True
    return AuditEntry.objects.filter(model="knowledge.article", actor__isnull=False).exists()


def register() -> None:
    """Called by KnowledgeConfig.ready()."""
    add_step(
        SetupStep(
            "knowledge",
            _("Knowledge base"),
            _(
                "Carte's starter articles explain Carte; your own explain how your company sells, prices and answers. "
                "Write the first one, so that newcomers learn your ways without asking the same questions."
            ),
            "knowledge:article_list",
            knowledge_started,
            order=110,
        )
    )
