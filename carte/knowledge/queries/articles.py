"""Reading the knowledge base, scoped to the reader through the access policy.

Articles and categories have no owner: the "knowledge" module's view right (every built-in
role holds it) reaches all of them, and a role without it sees none. The HTML list, the REST
list, the help links and the global search all go through `articles_visible_to`.

Languages: the list shows the reader's language unless asked for all of them. A help link
opens the article for the module in the reader's language, else in English. The global
search finds the company's own articles in any language, and Carte's starter articles only
in the reader's language (each exists in three: one hit is enough).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from carte.core import policy
from carte.core import search as engine
from carte.core.errors import Invalid, NotFound
from carte.core.listing import DEFAULT_PAGE_SIZE, Page, address_of, page_of
from carte.core.navigation import SearchHit
from carte.knowledge.models import Article, Category

ALL_LANGUAGES = "all"
# The modules whose screens have a help link ({% help_link "clients" %}): the key is an article's `help_for`.
HELP_MODULES = {
    "workspace": _lazy("Workspace"),
    "clients": _lazy("Clients"),
    "deals": _lazy("Deals"),
    "products": _lazy("Products"),
    "planner": _lazy("Planner"),
    "calls": _lazy("Calls"),
    "documents": _lazy("Documents"),
    "payments": _lazy("Payments"),
    "reports": _lazy("Reports"),
    "import": _lazy("Import"),
    "backups": _lazy("Backups"),
    "rights": _lazy("Employees and rights"),
}
FALLBACK_LANGUAGE = "en"
FIELD = "search_document"
MAX_RESULTS = 50


def reader_language() -> str:
    """The language the reader sees Carte in (the request's), as one of settings.LANGUAGES."""
    codes = [code for code, _name in settings.LANGUAGES]
    current = (translation.get_language() or settings.LANGUAGE_CODE).lower()
    for code in (current, current.split("-")[0]):
        if code in codes:
            return code
    return FALLBACK_LANGUAGE if FALLBACK_LANGUAGE in codes else codes[0]


def articles_visible_to(actor, action: str = policy.Action.VIEW) -> QuerySet:
    return policy.visible(actor, Article.objects.all(), action)


def categories_visible_to(actor, action: str = policy.Action.VIEW) -> QuerySet:
    return policy.visible(actor, Category.objects.all(), action)


def get_article_for(actor, pk, action: str = policy.Action.VIEW) -> Article:
    """The article with this id if the reader may see it (NotFound otherwise) and do `action` to it."""
    try:
        article = articles_visible_to(actor).select_related("category", "author").get(pk=int(pk))
    except (Article.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None
    if action != policy.Action.VIEW:
        policy.require(actor, action, article)
    return article


def get_category_for(actor, pk, action: str = policy.Action.VIEW) -> Category:
    """The category with this id if the reader may see it (NotFound otherwise) and do `action` to it."""
    try:
        category = categories_visible_to(actor).get(pk=int(pk))
    except (Category.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None
    if action != policy.Action.VIEW:
        policy.require(actor, action, category)
    return category


def category_list(actor) -> list[Category]:
    """Every category, in their order (one query)."""
    policy.require(actor, policy.Action.VIEW, Category)
    return list(categories_visible_to(actor))


def categories_with_counts(actor) -> list[Category]:
    """Every category with `article_count`, the number of its articles (one query)."""
    policy.require(actor, policy.Action.VIEW, Category)
    return list(categories_visible_to(actor).annotate(article_count=Count("articles")))


def language_filter(value: str | None) -> str:
    """The language asked for: empty means the reader's, "all" every language; anything else is refused."""
    value = (value or "").strip().lower()
    if not value:
        return reader_language()
    codes = [code for code, _name in settings.LANGUAGES]
    if value != ALL_LANGUAGES and value not in codes:
        raise Invalid(
            errors={"language": [_("Choose one of the languages: %(codes)s.") % {"codes": ", ".join([*codes, "all"])}]}
        )
    return value


def article_list(
    actor,
    *,
    text: str | None = None,
    language: str | None = None,
    category=None,
    help_for: str | None = None,
) -> QuerySet:
    """The articles the reader may see, filtered; best matches first for a search, else by category and title.

    `language`: see `language_filter`. `category`: an id ("none": the articles without one).
    """
    policy.require(actor, policy.Action.VIEW, Article)
    articles = articles_visible_to(actor).select_related("category").defer("body", FIELD)
    chosen = language_filter(language)
    if chosen != ALL_LANGUAGES:
        articles = articles.filter(language=chosen)
    if category not in (None, ""):
        if str(category) == "none":
            articles = articles.filter(category__isnull=True)
        else:
            try:
                articles = articles.filter(category_id=int(category))
            except (TypeError, ValueError, OverflowError):
                raise Invalid(errors={"category": [_("Choose one of the categories.")]}) from None
    if help_for:
        articles = articles.filter(help_for=help_for.strip().lower())
    if (text or "").strip():
        query = engine.read(text)
        return engine.matching(articles, FIELD, query).order_by(engine.rank(FIELD, query), "title", "id")
    return articles.order_by(F("category__order").asc(nulls_last=True), "category__name", "title", "id")


def article_page(actor, number=1, size=DEFAULT_PAGE_SIZE, **filters) -> Page:
    """A page of `article_list` (two queries)."""
    return page_of(article_list(actor, **filters), number, size)


@dataclass(frozen=True)
class HelpAnswer:
    """Where a module's help link leads: the one article for it, or none (`count` says how many were found)."""

    article: Article | None
    count: int
    language: str


def help_article_for(actor, module: str, language: str | None = None) -> HelpAnswer:
    """The article tagged for a module, in the reader's language, else in English (at most two queries).

    When there is none, or several in the language tried, `article` is None: the caller shows
    the list of the module's articles instead.
    """
    policy.require(actor, policy.Action.VIEW, Article)
    module = (module or "").strip().lower()[:50]
    wanted = language or reader_language()
    tried = [wanted] if wanted == FALLBACK_LANGUAGE else [wanted, FALLBACK_LANGUAGE]
    count = 0
    for code in tried:
        found = list(articles_visible_to(actor).filter(help_for=module, language=code).order_by("id")[:2])
        count = len(found)
        if count == 1:
            return HelpAnswer(found[0], 1, code)
        if count > 1:
            return HelpAnswer(None, count, code)
    return HelpAnswer(None, 0, wanted)


def find_articles(actor, text: str | None, limit: int = 10) -> list[Article]:
    """Articles the reader may see that a search text finds, best first: the company's in any language,
    Carte's starter articles in the reader's language only. At most two queries."""
    limit = max(1, min(int(limit), MAX_RESULTS))
    articles = articles_visible_to(actor).filter(Q(language=reader_language()) | Q(starter_key=""))
    articles = articles.select_related("category").defer("body")
    return engine.best_first(articles, FIELD, engine.read(text), order=("title", "id"), limit=limit)


def search_hits(user, text: str, limit: int = 10) -> list[SearchHit]:
    """The global search's article results (registered with carte.core.navigation)."""
    if not policy.can(user, policy.Action.VIEW, Article):
        return []
    address = address_of("knowledge:article_detail")
    if address is None:
        return []
    return [
        SearchHit(
            kind=str(_("Knowledge base")),
            title=article.title,
            detail=" · ".join(filter(None, [article.category.name if article.category else "", article.language])),
            url=address(article.pk),
        )
        for article in find_articles(user, text, limit)
    ]
