"""The shapes of articles and categories in the REST API (parsing and answers; the rules live in the services)."""

from datetime import datetime

from ninja import Field, Schema

from carte.knowledge import markdown
from carte.knowledge.models import MAX_ARTICLE_LENGTH, Article


class CategoryOut(Schema):
    id: int
    name: str
    order: int


class CategoryIn(Schema):
    name: str = Field(description="Unique, whatever its case; at most 100 characters.")
    order: int = Field(100, description="Categories are listed by this number, then by name.")


class ArticleIn(Schema):
    title: str = Field(description="At most 200 characters.")
    body: str = Field(
        "",
        description=f"Markdown, at most {MAX_ARTICLE_LENGTH:,} characters. Raw HTML is shown as text; links may "
        "only be http, https, mailto or relative; images only from this site (others become links).",
    )
    language: str | None = Field(None, description="en, fr or ru; the caller's language when left out.")
    category_id: int | None = None
    help_for: str = Field("", description="The module whose help link opens this article: clients, deals …")
    for_newcomers: bool = Field(False, description="On the reading list of every new employee's onboarding.")


class ArticleSummaryOut(Schema):
    id: int
    title: str
    category: CategoryOut | None
    language: str
    help_for: str
    for_newcomers: bool
    starter: bool = Field(description="Whether the article came with Carte.")
    updated_at: datetime

    @staticmethod
    def resolve_starter(article: Article) -> bool:
        return bool(article.starter_key)


class ArticleOut(ArticleSummaryOut):
    body: str = Field(description="The Markdown as written.")
    html: str = Field(description="The Markdown rendered to safe HTML, as the screens show it.")
    created_at: datetime

    @staticmethod
    def resolve_html(article: Article) -> str:
        return str(markdown.render(article.body))
