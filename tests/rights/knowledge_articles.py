"""Rows of the rights matrix for the knowledge base's articles and categories.

Every employee reads every article and category (the "knowledge" view right of every
built-in role); writing, editing and deleting are for managers and administrators (Ada and
Mia). Nothing is hidden: a reader asking to edit is refused (403), not told it does not exist.
"""

from carte.knowledge.models import Article, Category
from tests.rights import EVERYONE, MANAGERS, row

ARTICLE = ("@kb_article",)
CATEGORY = ("@kb_category",)
ARTICLE_FORM = {"title": "Matrix article", "language": "en", "help_for": "deals", "body": "# Matrix"}

ROWS = [
    row("knowledge:article_list"),
    row("knowledge:article_list", query="?q=matrix&language=all&category=none&module=calls"),
    row("knowledge:article_detail", args=ARTICLE),
    row("knowledge:article_create", allowed=MANAGERS),
    row("knowledge:article_create", "POST", allowed=MANAGERS, data=ARTICLE_FORM),
    row("knowledge:article_edit", allowed=MANAGERS, args=ARTICLE),
    row("knowledge:article_edit", "POST", allowed=MANAGERS, args=ARTICLE, data=ARTICLE_FORM),
    row("knowledge:article_delete", allowed=MANAGERS, args=ARTICLE),
    row("knowledge:article_delete", "POST", allowed=MANAGERS, args=ARTICLE),
    row("knowledge:category_list"),
    row("knowledge:category_create", "POST", allowed=MANAGERS, data={"name": "Matrix shelf", "order": 3}),
    row("knowledge:category_edit", allowed=MANAGERS, args=CATEGORY),
    row("knowledge:category_edit", "POST", allowed=MANAGERS, args=CATEGORY, data={"name": "Renamed", "order": 1}),
    row("knowledge:category_delete", allowed=MANAGERS, args=CATEGORY),
    row("knowledge:category_delete", "POST", allowed=MANAGERS, args=CATEGORY),
    row("knowledge:help", args=("calls",)),
    row("knowledge:help", args=("nothing-here",)),
    row("GET /api/v1/knowledge/articles", allowed=EVERYONE),
    row("GET /api/v1/knowledge/articles", query="?q=matrix&language=all"),
    row("POST /api/v1/knowledge/articles", "POST", allowed=MANAGERS, data=ARTICLE_FORM),
    row("GET /api/v1/knowledge/articles/{article_id}", args=ARTICLE),
    row("PUT /api/v1/knowledge/articles/{article_id}", "PUT", allowed=MANAGERS, args=ARTICLE, data=ARTICLE_FORM),
    row("DELETE /api/v1/knowledge/articles/{article_id}", "DELETE", allowed=MANAGERS, args=ARTICLE),
    row("GET /api/v1/knowledge/categories"),
    row("POST /api/v1/knowledge/categories", "POST", allowed=MANAGERS, data={"name": "Matrix shelf"}),
    row(
        "PUT /api/v1/knowledge/categories/{category_id}",
        "PUT",
        allowed=MANAGERS,
        args=CATEGORY,
        data={"name": "Renamed", "order": 1},
    ),
    row("DELETE /api/v1/knowledge/categories/{category_id}", "DELETE", allowed=MANAGERS, args=CATEGORY),
]


def records(world: dict) -> dict:
    """An article in a category of its own, written by Mia, help for calls."""
    category = Category.objects.create(name="Matrix category")
    article = Article.objects.create(
        title="Matrix calls", body="Press **call**.", language="en", category=category, help_for="calls",
        author=world["mia"],
    )  # fmt: skip
    return {"kb_article": article, "kb_category": category}
