"""Writing the knowledge base: articles, categories, and the starter articles Carte ships.

Every write checks the "knowledge" rights (create, edit, delete), runs in one transaction,
is audited and announces itself once committed ("knowledge.article_saved" …). An article's
text is Markdown of at most MAX_ARTICLE_LENGTH characters: a longer one is refused with a
message and nothing is saved. The search document (carte.core.search) is rebuilt on every
save.

The starter articles live in carte/knowledge/starter/<language>/<key>.md. The loader runs
after every `migrate`: it adds the missing ones and brings untouched ones up to date, but
never overwrites an article an employee edited, nor brings back one an employee deleted.
"Untouched" means its `updated_at` is still its `created_at`: the loader writes both the
same, and every edit moves `updated_at`.
"""

import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carte.core import audit, events, policy
from carte.core import search as engine
from carte.core.errors import Invalid
from carte.core.models import AuditEntry
from carte.knowledge import markdown
from carte.knowledge.models import MAX_ARTICLE_LENGTH, Article, Category

log = logging.getLogger(__name__)

Action, Verb = policy.Action, audit.Verb
ARTICLE_FIELDS = ["title", "body", "category", "language", "help_for", "for_newcomers"]
CATEGORY_FIELDS = ["name", "order"]
MODULE_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
STARTER_FOLDER = Path(__file__).resolve().parent.parent / "starter"


def _languages() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def _field_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _clean_article(values: dict) -> dict:
    """The values of an article, tidied and checked; Invalid lists every field that is wrong."""
    errors: dict[str, list[str]] = {}
    title = " ".join(str(values.get("title") or "").replace("\x00", "").split())
    body = str(values.get("body") or "").replace("\x00", "").replace("\r\n", "\n")
    language = str(values.get("language") or "")
    help_for = str(values.get("help_for") or "").strip().lower()
    category = values.get("category")
    if not title:
        errors["title"] = [_("Give the article a title.")]
    elif len(title) > _field_length(Article, "title"):
        errors["title"] = [_("A title has at most %(limit)d characters.") % {"limit": _field_length(Article, "title")}]
    if len(body) > MAX_ARTICLE_LENGTH:
        errors["body"] = [
            _(
                "The text is too long: %(length)s characters, at most %(limit)s. "
                "Split it into several articles, or link to a document instead of pasting it."
            )
            % {"length": f"{len(body):,}", "limit": f"{MAX_ARTICLE_LENGTH:,}"}
        ]
    if language not in _languages():
        errors["language"] = [_("Choose one of the languages: %(codes)s.") % {"codes": ", ".join(sorted(_languages()))}]
    if help_for and (len(help_for) > _field_length(Article, "help_for") or not MODULE_KEY.match(help_for)):
        errors["help_for"] = [_("A module is named by a short key in small letters, such as “clients” or “deals”.")]
    if category is not None and not isinstance(category, Category):
        errors["category"] = [_("Choose one of the categories.")]
    if errors:
        raise Invalid(errors=errors)
    return {
        "title": title,
        "body": body,
        "category": category,
        "language": language,
        "help_for": help_for,
        "for_newcomers": bool(values.get("for_newcomers")),
    }


def document_of(article: Article) -> str:
    """The text an article is found by: its title, then its category, module and words."""
    category = article.category.name if article.category_id and article.category else ""
    return engine.document(article.title, category, article.help_for, markdown.plain_text(article.body))


def _refresh_documents(articles) -> None:
    for article in articles:
        document = document_of(article)
        if document != article.search_document:
            article.search_document = document
            Article.objects.filter(pk=article.pk).update(search_document=document)


@transaction.atomic
def create_article(
    *,
    actor,
    title: str,
    body: str = "",
    language: str,
    category: Category | None = None,
    help_for: str = "",
    for_newcomers: bool = False,
) -> Article:
    """Write a new article (needs knowledge/create). Too long a text, or any bad value, is refused: nothing saved."""
    policy.require(actor, Action.CREATE, Article)
    values = _clean_article(
        {
            "title": title,
            "body": body,
            "language": language,
            "category": category,
            "help_for": help_for,
            "for_newcomers": for_newcomers,
        }
    )
    now = timezone.now()
    article = Article(**values, author=actor, created_at=now, updated_at=now)
    article.search_document = document_of(article)
    article.save()
    audit.record(actor, Verb.CREATE, article, changes=audit.diff({}, audit.snapshot(article, ARTICLE_FIELDS)))
    events.emit("knowledge.article_saved", actor=actor, article_id=article.pk, created=True)
    return article


@transaction.atomic
def update_article(*, actor, article: Article, **values) -> Article:
    """Change an article (needs knowledge/edit); the values not given stay. Refused values save nothing."""
    policy.require(actor, Action.EDIT, article)
    unknown = set(values) - set(ARTICLE_FIELDS)
    if unknown:
        raise Invalid(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    before = audit.snapshot(article, ARTICLE_FIELDS)
    current = {name: getattr(article, name) for name in ARTICLE_FIELDS}
    cleaned = _clean_article(current | values)
    if (
        article.starter_key
        and Article.objects.filter(starter_key=article.starter_key, language=cleaned["language"])
        .exclude(pk=article.pk)
        .exists()
    ):
        raise Invalid(errors={"language": [_("This article already exists in that language: edit that one.")]})
    for name, value in cleaned.items():
        setattr(article, name, value)
    changes = audit.diff(before, audit.snapshot(article, ARTICLE_FIELDS))
    if not changes:
        return article
    article.updated_at = max(timezone.now(), article.created_at + timedelta(microseconds=1))
    article.search_document = document_of(article)
    article.save()
    audit.record(actor, Verb.UPDATE, article, changes=changes)
    events.emit("knowledge.article_saved", actor=actor, article_id=article.pk, created=False)
    return article


@transaction.atomic
def delete_article(*, actor, article: Article) -> None:
    """Delete an article (needs knowledge/delete). A starter article deleted stays deleted on upgrades."""
    policy.require(actor, Action.DELETE, article)
    changes = {}
    if article.starter_key:
        # The loader reads this to leave a deleted starter article deleted.
        changes = {"starter_key": [article.starter_key, None], "language": [article.language, None]}
    audit.record(actor, Verb.DELETE, article, changes=changes)
    article_id = article.pk
    article.delete()
    events.emit("knowledge.article_deleted", actor=actor, article_id=article_id)


def _clean_category_name(name, category: Category | None = None) -> str:
    name = " ".join(str(name or "").replace("\x00", "").split())
    limit = _field_length(Category, "name")
    if not name:
        raise Invalid(errors={"name": [_("Give the category a name.")]})
    if len(name) > limit:
        raise Invalid(errors={"name": [_("A name has at most %(limit)d characters.") % {"limit": limit}]})
    others = Category.objects.filter(name__iexact=name)
    if category is not None:
        others = others.exclude(pk=category.pk)
    if others.exists():
        raise Invalid(errors={"name": [_("There is already a category named “%(name)s”.") % {"name": name}]})
    return name


def _clean_order(order) -> int:
    try:
        value = int(order)
    except (TypeError, ValueError):
        raise Invalid(errors={"order": [_("The order is a whole number.")]}) from None
    if not 0 <= value <= 1_000_000:
        raise Invalid(errors={"order": [_("The order is a whole number from 0 to 1,000,000.")]})
    return value


@transaction.atomic
def create_category(*, actor, name: str, order: int = 100) -> Category:
    """Add a category (needs knowledge/create); names are unique, whatever their case."""
    policy.require(actor, Action.CREATE, Category)
    category = Category(name=_clean_category_name(name), order=_clean_order(order))
    category.save()
    audit.record(actor, Verb.CREATE, category, changes=audit.diff({}, audit.snapshot(category, CATEGORY_FIELDS)))
    return category


@transaction.atomic
def rename_category(*, actor, category: Category, name: str, order: int | None = None) -> Category:
    """Rename a category or move it in the list (needs knowledge/edit); its articles are found by the new name."""
    policy.require(actor, Action.EDIT, category)
    before = audit.snapshot(category, CATEGORY_FIELDS)
    category.name = _clean_category_name(name, category)
    if order is not None:
        category.order = _clean_order(order)
    changes = audit.diff(before, audit.snapshot(category, CATEGORY_FIELDS))
    if not changes:
        return category
    category.save()
    audit.record(actor, Verb.UPDATE, category, changes=changes)
    _refresh_documents(Article.objects.filter(category=category).select_related("category"))
    return category


@transaction.atomic
def delete_category(*, actor, category: Category) -> int:
    """Delete a category (needs knowledge/delete); its articles stay, without a category. Returns how many."""
    policy.require(actor, Action.DELETE, category)
    articles = list(Article.objects.filter(category=category))
    audit.record(actor, Verb.DELETE, category, changes={"articles": [len(articles), 0]} if articles else None)
    category.delete()
    for article in articles:
        article.category = None
    _refresh_documents(articles)
    return len(articles)


# ---------------------------------------------------------------------------------------------
# Starter articles
# ---------------------------------------------------------------------------------------------

FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<head>.*?)\n---[ \t]*(?:\n|\Z)(?P<body>.*)\Z", re.DOTALL)
YES = {"yes", "true", "1", "oui", "да"}
NO = {"no", "false", "0", "non", "нет", ""}


@dataclass(frozen=True)
class StarterArticle:
    """One starter file, read: carte/knowledge/starter/<language>/<key>.md."""

    key: str
    language: str
    title: str
    category: str
    help_for: str
    for_newcomers: bool
    body: str


@dataclass
class StarterReport:
    """What the loader did; `problems` names the files it could not read (they were left out)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_starter_file(path: Path, language: str) -> StarterArticle:
    """Read one starter file: a front matter block (title, category, help_for, newcomers) and Markdown.

    Raises ValueError saying what is wrong with the file.
    """
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n").lstrip("\ufeff")
    found = FRONT_MATTER.match(text)
    if not found:
        raise ValueError("no front matter: the file must start with a line '---'")
    head: dict[str, str] = {}
    for line in found["head"].splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise ValueError(f"front matter line without 'name: value': {line!r}")
        head[name.strip().lower()] = value.strip().strip("\"'")
    newcomers = head.get("newcomers", "").lower()
    if newcomers not in YES | NO:
        raise ValueError(f"newcomers must be yes or no, not {newcomers!r}")
    key = path.stem
    if not head.get("title"):
        raise ValueError("no title")
    if len(key) > _field_length(Article, "starter_key") or not MODULE_KEY.match(key):
        raise ValueError(f"the file name {key!r} is not a key (small letters, digits, '-')")
    values = _clean_article(
        {
            "title": head["title"],
            "body": found["body"].strip() + "\n",
            "language": language,
            "help_for": head.get("help_for", ""),
            "for_newcomers": newcomers in YES,
        }
    )
    category = " ".join(head.get("category", "").split())[: _field_length(Category, "name")]
    return StarterArticle(
        key=key,
        language=language,
        title=values["title"],
        category=category,
        help_for=values["help_for"],
        for_newcomers=values["for_newcomers"],
        body=values["body"],
    )


def read_starter_folder(folder: Path) -> tuple[list[StarterArticle], list[str]]:
    """Every starter file of the folder (one sub-folder per language), and what could not be read."""
    found: list[StarterArticle] = []
    problems: list[str] = []
    if not folder.is_dir():
        return found, problems
    for language in sorted(_languages()):
        for path in sorted((folder / language).glob("*.md")):
            try:
                found.append(read_starter_file(path, language))
            except (ValueError, OSError, UnicodeDecodeError, Invalid) as error:
                reason = (
                    "; ".join(str(m) for ms in error.errors.values() for m in ms)
                    if isinstance(error, Invalid)
                    else error
                )
                problems.append(f"{language}/{path.name}: {reason}")
    return found, problems


def _deleted_starters() -> set[tuple[str, str]]:
    """(key, language) of the starter articles an employee deleted, from the audit log."""
    entries = AuditEntry.objects.filter(model=Article._meta.label_lower, verb=Verb.DELETE).exclude(changes={})
    deleted = set()
    for changes in entries.values_list("changes", flat=True):
        key, language = (changes or {}).get("starter_key"), (changes or {}).get("language")
        if isinstance(key, list) and isinstance(language, list) and key and language:
            deleted.add((str(key[0]), str(language[0])))
    return deleted


def _untouched(article: Article) -> bool:
    return article.updated_at == article.created_at


@transaction.atomic
def install_starter_articles(*, folder: Path | None = None) -> StarterReport:
    """Add the starter articles that are missing and update the untouched ones; idempotent.

    Matched by (starter key, language). An article an employee edited is kept as it is; one
    they deleted is not brought back. Categories are found or made by name. Files that cannot
    be read are left out and named in the report (and the log): an upgrade never stops on them.
    Not audited: Carte installs these, nobody did (like the built-in reference values); the
    report lists what changed, and employees' edits of them are audited as any edit.
    """
    report = StarterReport()
    starters, report.problems = read_starter_folder(folder or STARTER_FOLDER)
    for problem in report.problems:
        log.warning("Starter article left out: %s", problem)
    if not starters:
        return report
    existing = {
        (a.starter_key, a.language): a for a in Article.objects.exclude(starter_key="").select_related("category")
    }
    deleted = _deleted_starters()
    categories = {category.name.casefold(): category for category in Category.objects.all()}
    for starter in starters:
        name = f"{starter.language}/{starter.key}"
        article = existing.get((starter.key, starter.language))
        if article is None and (starter.key, starter.language) in deleted:
            report.kept.append(name)
            continue
        if article is not None and not _untouched(article):
            report.kept.append(name)
            continue
        category = None
        if starter.category:
            category = categories.get(starter.category.casefold())
            if category is None:
                category = categories[starter.category.casefold()] = Category.objects.create(name=starter.category)
        values = {
            "title": starter.title,
            "body": starter.body,
            "category": category,
            "help_for": starter.help_for,
            "for_newcomers": starter.for_newcomers,
        }
        now = timezone.now()
        if article is None:
            article = Article(starter_key=starter.key, language=starter.language, created_at=now, updated_at=now)
            verb = Verb.CREATE
        elif any(getattr(article, name) != value for name, value in values.items()):
            article.created_at = article.updated_at = now
            verb = Verb.UPDATE
        else:
            continue
        for attribute, value in values.items():
            setattr(article, attribute, value)
        article.search_document = document_of(article)
        article.save()
        (report.created if verb == Verb.CREATE else report.updated).append(name)
    return report


def on_post_migrate(sender, using: str = "default", **kwargs) -> None:
    """After `migrate`: put back a SQLite search index a migration dropped, then install the starter articles."""
    connection = connections[using]
    engine.restore_index(connection, Article._meta.db_table, "search_document")
    if using != "default" or Article._meta.db_table not in connection.introspection.table_names():
        return
    install_starter_articles()
