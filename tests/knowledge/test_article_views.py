"""The knowledge base's screens and API: thin checks (status, rights, one happy path), query budgets, help links."""

import json

import pytest
from django.template import Context, Template
from django.urls import reverse

from carte.core.testing import database_state
from carte.knowledge.models import MAX_ARTICLE_LENGTH, Article, Category
from carte.knowledge.services import articles as services
from tests.screens import assert_csp_safe

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def no_starter_articles(db):
    Article.objects.all().delete()
    Category.objects.all().delete()


@pytest.fixture
def article(mia):
    category = services.create_category(actor=mia, name="Sales")
    return services.create_article(
        actor=mia,
        title="Calling a client",
        body="## Dial\n\nPress **call** on the card.\n\n<script>alert(1)</script>",
        language="en",
        category=category,
        help_for="calls",
    )


def browser(client, user):
    client.force_login(user)
    return client


def test_the_list_shows_articles_and_searches_them(client, alice, article):
    page = browser(client, alice).get(reverse("knowledge:article_list"))
    assert page.status_code == 200
    assert "Calling a client" in page.text and "New article" not in page.text
    assert_csp_safe(page.text)
    found = client.get(reverse("knowledge:article_list"), {"q": "pres call"}, headers=HTMX)
    assert "Calling a client" in found.text and "<html" not in found.text
    missed = client.get(reverse("knowledge:article_list"), {"q": "invoice"}, headers=HTMX)
    assert "Calling a client" not in missed.text


def test_a_bad_filter_is_said_and_the_list_still_shows(client, alice, article):
    page = browser(client, alice).get(reverse("knowledge:article_list"), {"language": "xx", "category": "abc"})
    assert page.status_code == 200
    assert "Calling a client" in page.text


def test_the_list_runs_the_same_queries_for_3_or_60_articles(client, alice, mia, django_assert_max_num_queries):
    for number in range(3):
        services.create_article(actor=mia, title=f"Article {number}", body="text", language="en")
    reader = browser(client, alice)
    reader.get(reverse("knowledge:article_list"))  # warm the caches (sessions, content types)
    with django_assert_max_num_queries(12) as few:
        reader.get(reverse("knowledge:article_list"))
    category = services.create_category(actor=mia, name="Bulk")
    for number in range(57):
        services.create_article(actor=mia, title=f"More {number}", body="text", language="en", category=category)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = reader.get(reverse("knowledge:article_list"), {"q": "more"})
    assert page.text.count('href="/knowledge/articles/') == 50


def test_an_article_renders_safely_and_counts_as_read(client, alice, article, monkeypatch):
    read = []
    monkeypatch.setattr(
        "carte.knowledge.views.articles.note_article_read",
        lambda *, employee, article: read.append((employee, article)),
    )
    page = browser(client, alice).get(reverse("knowledge:article_detail", args=[article.pk]))
    assert page.status_code == 200
    assert '<h3 id="kb-dial">Dial</h3>' in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert_csp_safe(page.text)
    assert read == [(alice, article)]


def test_a_manager_writes_an_article_from_the_form(client, mia):
    response = browser(client, mia).post(
        reverse("knowledge:article_create"),
        {"title": "Quotes", "language": "fr", "help_for": "deals", "body": "# Devis"},
    )
    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("knowledge:article_detail", args=[article.pk])
    assert (article.language, article.help_for, article.author) == ("fr", "deals", mia)


def test_a_megabyte_of_text_is_refused_on_the_form_with_a_message(client, mia, article):
    writer = browser(client, mia)
    before = database_state()
    response = writer.post(
        reverse("knowledge:article_edit", args=[article.pk]),
        {"title": "Calling a client", "language": "en", "body": "a" * 1_048_576},
    )
    assert response.status_code == 422
    assert "The text is too long" in response.text
    assert database_state() == before


def test_a_seller_cannot_open_the_editor(client, alice, article):
    assert browser(client, alice).get(reverse("knowledge:article_create")).status_code == 403
    assert client.get(reverse("knowledge:article_edit", args=[article.pk])).status_code == 403


def test_the_help_route_opens_the_modules_article(client, alice, article):
    response = browser(client, alice).get(reverse("knowledge:help", args=["calls"]))
    assert response.status_code == 302 and response["Location"] == reverse(
        "knowledge:article_detail", args=[article.pk]
    )


def test_the_help_route_of_a_module_without_article_lists_its_articles_with_a_message(client, alice, article):
    response = browser(client, alice).get(reverse("knowledge:help", args=["deals"]), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("knowledge:article_list") + "?module=deals")
    assert "No article explains" in response.text


def test_the_help_tag_costs_no_query_and_names_the_route(alice, django_assert_num_queries):
    alice.rights  # the page's menu has read them already  # noqa: B018
    template = Template('{% load help %}{% help_link "clients" %}')
    with django_assert_num_queries(0):
        html = template.render(Context({"user": alice}))
    assert 'href="/knowledge/help/clients/"' in html


def test_module_screens_show_their_help_link(client, ada):
    reader = browser(client, ada)
    for name, module in [
        ("clients:list", "clients"),
        ("workspace:home", "workspace"),
        ("backups:backup_list", "backups"),
        ("accounts:role_list", "rights"),
        ("calls:call_list", "calls"),
        ("planner:task_list", "planner"),
        ("sales:product_list", "products"),
        ("sales:document_list", "documents"),
        ("sales:payment_list", "payments"),
        ("reports:adoption", "reports"),
    ]:
        assert f'href="/knowledge/help/{module}/"' in reader.get(reverse(name)).text, name


def test_the_menu_has_the_knowledge_base(client, alice):
    page = browser(client, alice).get(reverse("workspace:home"))
    assert f'href="{reverse("knowledge:article_list")}"' in page.text


def test_categories_are_added_renamed_and_deleted(client, mia):
    reader = browser(client, mia)
    assert reader.post(reverse("knowledge:category_create"), {"name": "Sales", "order": 5}).status_code == 302
    category = Category.objects.get()
    assert reader.post(reverse("knowledge:category_create"), {"name": "sales", "order": 5}).status_code == 422
    reader.post(reverse("knowledge:category_edit", args=[category.pk]), {"name": "Ventes", "order": 5})
    category.refresh_from_db()
    assert category.name == "Ventes"
    assert reader.post(reverse("knowledge:category_delete", args=[category.pk])).status_code == 302
    assert not Category.objects.exists()


# --- the API -------------------------------------------------------------------------------------


def test_the_api_lists_reads_and_searches_articles(client, alice, article):
    reader = browser(client, alice)
    listed = reader.get("/api/v1/knowledge/articles").json()
    assert [row["title"] for row in listed["results"]] == ["Calling a client"]
    assert listed["results"][0]["category"]["name"] == "Sales"
    assert reader.get("/api/v1/knowledge/articles", {"q": "dial"}).json()["count"] == 1
    one = reader.get(f"/api/v1/knowledge/articles/{article.pk}").json()
    assert "<script" not in one["html"] and one["body"].startswith("## Dial")


def test_the_api_writes_replaces_and_deletes_articles(client, mia):
    writer = browser(client, mia)
    category = writer.post("/api/v1/knowledge/categories", {"name": "Sales"}, "application/json").json()
    created = writer.post(
        "/api/v1/knowledge/articles",
        {"title": "Quotes", "body": "text", "category_id": category["id"], "language": "en"},
        "application/json",
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    replaced = writer.put(f"/api/v1/knowledge/articles/{pk}", {"title": "Quotes v2"}, "application/json")
    assert replaced.status_code == 200 and replaced.json()["category"] is None
    assert writer.delete(f"/api/v1/knowledge/articles/{pk}").status_code == 204
    assert not Article.objects.exists()


def test_the_api_refuses_a_megabyte_of_text_as_a_problem(client, mia):
    writer = browser(client, mia)
    before = database_state()
    response = writer.post(
        "/api/v1/knowledge/articles",
        json.dumps({"title": "Huge", "body": "a" * 1_048_576, "language": "en"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "too long" in response.json()["errors"]["body"][0]
    assert database_state() == before


def test_the_api_refuses_an_unknown_category(client, mia):
    response = browser(client, mia).post(
        "/api/v1/knowledge/articles", {"title": "x", "category_id": 999_999}, "application/json"
    )
    assert response.status_code == 400 and "category_id" in response.json()["errors"]


def test_the_api_refuses_writing_to_a_seller(client, alice, article):
    writer = browser(client, alice)
    before = database_state()
    assert writer.post("/api/v1/knowledge/articles", {"title": "x"}, "application/json").status_code == 403
    assert writer.put(f"/api/v1/knowledge/articles/{article.pk}", {"title": "x"}, "application/json").status_code == 403
    assert writer.delete(f"/api/v1/knowledge/articles/{article.pk}").status_code == 403
    assert database_state() == before


def test_the_longest_text_is_accepted_through_the_api(client, mia):
    response = browser(client, mia).post(
        "/api/v1/knowledge/articles",
        json.dumps({"title": "Long", "body": "a" * MAX_ARTICLE_LENGTH, "language": "en"}),
        content_type="application/json",
    )
    assert response.status_code == 201


def test_the_global_search_lists_articles(client, alice, article):
    page = browser(client, alice).get(reverse("workspace:search"), {"q": "calling"})
    assert page.status_code == 200
    assert f'href="{reverse("knowledge:article_detail", args=[article.pk])}"' in page.text
