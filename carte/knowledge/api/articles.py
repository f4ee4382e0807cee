"""The knowledge base in the REST API: articles and categories; thin, it calls the services the screens call."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from carte.core import policy
from carte.core.api import PageOut, paged
from carte.core.errors import Invalid, NotFound
from carte.core.listing import DEFAULT_PAGE_SIZE
from carte.knowledge.queries import articles as queries
from carte.knowledge.schemas import ArticleIn, ArticleOut, ArticleSummaryOut, CategoryIn, CategoryOut
from carte.knowledge.services import articles as services

router = Router(tags=["knowledge"])
Action = policy.Action


class ArticleFilters(Schema):
    q: str | None = None
    language: str | None = None  # the caller's language when left out; "all" for every language
    category: str | None = None  # a category id, or "none" for the articles without one
    help_for: str | None = None
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


def _values(actor, payload: ArticleIn) -> dict:
    """The payload as the services take it: the category's id becomes the category (one the caller may see)."""
    values = payload.dict()
    category_id = values.pop("category_id")
    try:
        values["category"] = queries.get_category_for(actor, category_id) if category_id is not None else None
    except NotFound:
        raise Invalid(errors={"category_id": [_("There is no such category.")]}) from None
    values["language"] = values["language"] or queries.reader_language()
    return values


@router.get("/knowledge/articles", response=PageOut[ArticleSummaryOut], summary="List or search articles")
def list_articles(request: HttpRequest, filters: Query[ArticleFilters]):
    """The articles the caller may read, in their language unless `language` says otherwise; best matches
    first when `q` is given (fragments, accents and case do not matter), else by category and title."""
    page = queries.article_page(
        request.auth,
        filters.page,
        filters.page_size,
        text=filters.q,
        language=filters.language,
        category=filters.category,
        help_for=filters.help_for,
    )
    return paged(page, page.items)


@router.post("/knowledge/articles", response={201: ArticleOut}, summary="Write an article")
def create_article(request: HttpRequest, payload: ArticleIn):
    article = services.create_article(actor=request.auth, **_values(request.auth, payload))
    return Status(201, queries.get_article_for(request.auth, article.pk))


@router.get("/knowledge/articles/{int:article_id}", response=ArticleOut, summary="Read an article")
def get_article(request: HttpRequest, article_id: int):
    return queries.get_article_for(request.auth, article_id)


@router.put("/knowledge/articles/{int:article_id}", response=ArticleOut, summary="Replace an article")
def update_article(request: HttpRequest, article_id: int, payload: ArticleIn):
    """Every field is replaced by the payload's (those left out take their defaults)."""
    article = queries.get_article_for(request.auth, article_id, Action.EDIT)
    services.update_article(actor=request.auth, article=article, **_values(request.auth, payload))
    return queries.get_article_for(request.auth, article_id)


@router.delete("/knowledge/articles/{int:article_id}", response={204: None}, summary="Delete an article")
def delete_article(request: HttpRequest, article_id: int):
    article = queries.get_article_for(request.auth, article_id, Action.DELETE)
    services.delete_article(actor=request.auth, article=article)
    return HttpResponse(status=204)


@router.get("/knowledge/categories", response=list[CategoryOut], summary="List categories")
def list_categories(request: HttpRequest):
    return queries.category_list(request.auth)


@router.post("/knowledge/categories", response={201: CategoryOut}, summary="Add a category")
def create_category(request: HttpRequest, payload: CategoryIn):
    return Status(201, services.create_category(actor=request.auth, **payload.dict()))


@router.put("/knowledge/categories/{int:category_id}", response=CategoryOut, summary="Rename a category")
def rename_category(request: HttpRequest, category_id: int, payload: CategoryIn):
    category = queries.get_category_for(request.auth, category_id, Action.EDIT)
    return services.rename_category(actor=request.auth, category=category, **payload.dict())


@router.delete("/knowledge/categories/{int:category_id}", response={204: None}, summary="Delete a category")
def delete_category(request: HttpRequest, category_id: int):
    """Its articles stay, without a category."""
    category = queries.get_category_for(request.auth, category_id, Action.DELETE)
    services.delete_category(actor=request.auth, category=category)
    return HttpResponse(status=204)
