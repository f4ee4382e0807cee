"""The knowledge base (articles in categories), the onboarding of new employees, and the rollout's state."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# An article is for reading, not a file store: 200,000 characters is a long manual chapter.
MAX_ARTICLE_LENGTH = 200_000


class Category(models.Model):
    """A shelf of the knowledge base ("Sales", "Getting started")."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    order = models.PositiveIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["order", "name", "id"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name


class Article(models.Model):
    """An article of the knowledge base, written in Markdown and rendered safely.

    `help_for` names the module whose screens link to it (`clients`, `deals` …): a module's
    help link opens the article tagged for it in the reader's language. Articles Carte
    ships carry a `starter_key` (the same for the three languages of one article); the
    articles the company writes leave it empty. `for_newcomers` puts the article on the
    reading list of every onboarding.
    """

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="en")
    help_for = models.CharField(_("help for the module"), max_length=50, blank=True)
    starter_key = models.CharField(max_length=50, blank=True, editable=False)
    for_newcomers = models.BooleanField(_("on the reading list of new employees"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    search_document = models.TextField(blank=True, default="", editable=False)  # see carte.core.search

    class Meta:
        ordering = ["title", "id"]
        indexes = [
            models.Index(fields=["help_for", "language"], name="article_help_for"),
            models.Index(fields=["category", "title"], name="article_category"),
            models.Index(fields=["-updated_at"], name="article_updated"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["starter_key", "language"], condition=~Q(starter_key=""), name="one_starter_per_language"
            )
        ]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self):
        return self.title


class FirstTask(models.Model):
    """One of the first tasks every onboarding gives the new employee ("Log a call"), due `days` after the start."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    days = models.PositiveSmallIntegerField(_("due after (days)"), default=3)
    order = models.PositiveIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("first task")
        verbose_name_plural = _("first tasks")

    def __str__(self):
        return self.title


class Onboarding(models.Model):
    """A new employee's onboarding: the articles to read and the first tasks, and when all were done."""

    employee = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("employee"), on_delete=models.CASCADE, related_name="onboarding"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["finished_at", "-started_at"], name="onboarding_finished")]
        verbose_name = _("onboarding")
        verbose_name_plural = _("onboardings")

    def __str__(self):
        return str(self.employee)


class OnboardingItem(models.Model):
    """One thing a new employee has to do: read an article, or do a first task (a task in their planner)."""

    class Kind(models.TextChoices):
        READ = "read", _("Read")
        TASK = "task", _("Task")

    onboarding = models.ForeignKey(Onboarding, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    task = models.ForeignKey("planner.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    order = models.PositiveIntegerField(default=100)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["onboarding", "order", "id"]
        indexes = [
            models.Index(fields=["article", "done_at"], name="onboarding_item_article"),
            models.Index(fields=["task"], name="onboarding_item_task"),
        ]
        verbose_name = _("onboarding item")
        verbose_name_plural = _("onboarding items")

    def __str__(self):
        return self.title


class Rollout(models.Model):
    """The installation's rollout, one row: where the first-run wizard stands and the company's defaults.

    `language` and `time_zone` are what the wizard chose for the company: new employees
    start with them.
    """

    wizard_step = models.CharField(max_length=20, blank=True)
    wizard_finished_at = models.DateTimeField(null=True, blank=True)
    wizard_skipped_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=60, blank=True)
    onboard_new_employees = models.BooleanField(_("start an onboarding for every new employee"), default=True)

    ONLY = 1  # the one row's id: two first saves at the same moment cannot make two rows

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="rollout_is_one_row")]
        verbose_name = _("rollout")
        verbose_name_plural = _("rollout")

    def __str__(self):
        return "rollout"

    @classmethod
    def current(cls) -> "Rollout":
        """The row as it stands, or the defaults when nothing was saved yet (not written)."""
        return cls.objects.filter(pk=cls.ONLY).first() or cls(pk=cls.ONLY)

    @classmethod
    def locked(cls) -> "Rollout":
        """The row, made if missing and locked for the caller's transaction, to change it."""
        return cls.objects.select_for_update().get_or_create(pk=cls.ONLY)[0]
