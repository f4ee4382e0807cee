"""Articles and categories: writing them (rights, limits, audit), finding them, help links, the starter loader."""

from pathlib import Path

import pytest
from django.utils import translation

from carte.core.errors import Invalid, NotAllowed, NotFound
from carte.core.models import AuditEntry
from carte.core.testing import database_state
from carte.knowledge.models import MAX_ARTICLE_LENGTH, Article, Category
from carte.knowledge.queries import articles as queries
from carte.knowledge.services import articles as services


@pytest.fixture(autouse=True)
def no_starter_articles(db):
    """Tests start from an empty knowledge base (the starter articles the migration installed are set aside)."""
    Article.objects.all().delete()
    Category.objects.all().delete()


def write(actor, title="Calling a client", body="Dial from the **card**.", language="en", **values):
    return services.create_article(actor=actor, title=title, body=body, language=language, **values)


def test_a_manager_writes_an_article_and_it_is_audited(mia):
    category = services.create_category(actor=mia, name="Sales")
    article = write(mia, category=category, help_for="calls", for_newcomers=True)
    article.refresh_from_db()
    assert (article.title, article.category, article.author, article.help_for) == (
        "Calling a client",
        category,
        mia,
        "calls",
    )
    assert article.for_newcomers and article.created_at == article.updated_at
    entry = AuditEntry.objects.get(model="knowledge.article", object_id=str(article.pk))
    assert entry.verb == "create" and entry.actor == mia


def test_editing_an_article_moves_its_date_and_is_audited(ada):
    article = write(ada)
    services.update_article(actor=ada, article=article, body="Dial from the card, then log the call.")
    article.refresh_from_db()
    assert article.body == "Dial from the card, then log the call."
    assert article.updated_at > article.created_at
    entry = AuditEntry.objects.filter(model="knowledge.article", verb="update").get()
    assert entry.changes["body"][1] == "Dial from the card, then log the call."


def test_saving_an_article_unchanged_writes_nothing(ada):
    article = write(ada)
    before = database_state()
    services.update_article(actor=ada, article=article, title="Calling a client")
    assert database_state() == before


def test_a_megabyte_of_text_is_refused_with_a_message_and_nothing_is_saved(mia):
    before = database_state()
    with pytest.raises(Invalid) as refused:
        write(mia, body="a" * 1_048_576)
    assert "too long" in str(refused.value.errors["body"][0])
    assert database_state() == before
    article = write(mia)
    before = database_state()
    with pytest.raises(Invalid):
        services.update_article(actor=mia, article=article, body="b" * (MAX_ARTICLE_LENGTH + 1))
    assert database_state() == before


def test_an_article_of_the_longest_length_is_accepted(mia):
    assert len(write(mia, body="a" * MAX_ARTICLE_LENGTH).body) == MAX_ARTICLE_LENGTH


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "t" * 201}, "title"),
        ({"language": "de"}, "language"),
        ({"help_for": "Clients & deals"}, "help_for"),
        ({"category": "Sales"}, "category"),
    ],
)
def test_bad_values_are_refused_field_by_field(mia, values, field):
    before = database_state()
    with pytest.raises(Invalid) as refused:
        write(mia, **values)
    assert field in refused.value.errors
    assert database_state() == before


def test_null_characters_are_dropped(mia):
    article = write(mia, title="Null\x00 title", body="body\x00")
    assert (article.title, article.body) == ("Null title", "body")


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie", "rita"])
def test_readers_cannot_write_edit_or_delete(people, persona, mia):
    article = write(mia)
    category = services.create_category(actor=mia, name="Sales")
    reader = people[persona]
    before = database_state()
    with pytest.raises(NotAllowed):
        write(reader)
    with pytest.raises(NotAllowed):
        services.update_article(actor=reader, article=article, title="Mine")
    with pytest.raises(NotAllowed):
        services.delete_article(actor=reader, article=article)
    with pytest.raises(NotAllowed):
        services.create_category(actor=reader, name="Other")
    with pytest.raises(NotAllowed):
        services.rename_category(actor=reader, category=category, name="Other")
    with pytest.raises(NotAllowed):
        services.delete_category(actor=reader, category=category)
    assert database_state() == before


@pytest.mark.parametrize("persona", ["ada", "mia", "alice", "bob", "charlie", "rita"])
def test_every_employee_reads_every_article(people, persona, mia):
    article = write(mia)
    assert queries.get_article_for(people[persona], article.pk) == article


def test_a_role_without_the_view_right_sees_no_article(alice, mia):
    from carte.accounts.models import Right

    article = write(mia)
    Right.objects.filter(role=alice.role, module="knowledge").delete()
    alice = type(alice).objects.get(pk=alice.pk)
    with pytest.raises(NotFound):
        queries.get_article_for(alice, article.pk)
    with pytest.raises(NotAllowed):
        queries.article_list(alice)
    assert queries.search_hits(alice, "calling", 10) == []


def test_an_unknown_article_is_not_found(alice):
    for pk in (999_999, "abc", 10**30):
        with pytest.raises(NotFound):
            queries.get_article_for(alice, pk)


def test_search_finds_articles_by_fragment_case_and_accents(mia, alice):
    wanted = write(
        mia, title="Société générale: relances", body="Rappeler le **client** après trois jours.", language="fr"
    )
    write(mia, title="Backups", body="Archives every night.", language="fr")
    for text in ("societe", "GÉNÉR", "relanc", "rappel", "apres trois"):
        assert list(queries.article_list(alice, text=text, language="fr")) == [wanted], text
    assert list(queries.article_list(alice, text="nothing like this", language="fr")) == []


def test_search_ranks_titles_first(mia, alice):
    in_body = write(mia, title="Calls", body="How to write a good quote.")
    in_title = write(mia, title="Quotes", body="Prices and taxes.")
    assert list(queries.article_list(alice, text="quote")) == [in_title, in_body]


def test_the_list_shows_the_readers_language_unless_asked_for_all(mia, alice):
    english = write(mia, title="Deals")
    french = write(mia, title="Les affaires", language="fr")
    with translation.override("fr"):
        assert list(queries.article_list(alice)) == [french]
    assert list(queries.article_list(alice, language="en")) == [english]
    assert set(queries.article_list(alice, language="all")) == {english, french}
    with pytest.raises(Invalid):
        queries.article_list(alice, language="xx")


def test_the_list_filters_by_category_and_module(mia, alice):
    sales = services.create_category(actor=mia, name="Sales")
    filed = write(mia, title="Deals", category=sales, help_for="deals")
    loose = write(mia, title="Calls")
    assert list(queries.article_list(alice, category=sales.pk)) == [filed]
    assert list(queries.article_list(alice, category="none")) == [loose]
    assert list(queries.article_list(alice, help_for="deals")) == [filed]
    with pytest.raises(Invalid):
        queries.article_list(alice, category="sales")


def test_the_global_search_finds_articles(mia, alice):
    article = write(mia, title="Logging calls", body="Press the green button.")
    hits = queries.search_hits(alice, "green butt", 10)
    assert [(hit.title, hit.url) for hit in hits] == [("Logging calls", f"/knowledge/articles/{article.pk}/")]


def test_the_global_search_shows_starter_articles_in_the_readers_language_only(mia, alice):
    own = write(mia, title="Nos relances", body="client", language="fr")
    english = Article.objects.create(title="The client card", body="client", language="en", starter_key="client-card")
    Article.objects.create(title="La fiche client", body="client", language="fr", starter_key="client-card")
    for article in Article.objects.all():
        Article.objects.filter(pk=article.pk).update(search_document=services.document_of(article))
    assert {hit.title for hit in queries.search_hits(alice, "client", 10)} == {english.title, own.title}


def test_a_help_link_opens_the_article_in_the_readers_language_else_english(mia, alice):
    english = write(mia, title="The client card", help_for="clients")
    french = write(mia, title="La fiche client", help_for="clients", language="fr")
    with translation.override("fr"):
        assert queries.help_article_for(alice, "clients").article == french
    with translation.override("ru"):
        assert queries.help_article_for(alice, "clients").article == english
    answer = queries.help_article_for(alice, "deals")
    assert (answer.article, answer.count) == (None, 0)


def test_a_help_link_with_several_articles_leads_to_none_of_them(mia, alice):
    write(mia, title="Cards 1", help_for="clients")
    write(mia, title="Cards 2", help_for="clients")
    answer = queries.help_article_for(alice, "clients")
    assert (answer.article, answer.count) == (None, 2)


def test_categories_are_unique_whatever_the_case(mia):
    services.create_category(actor=mia, name="Sales")
    before = database_state()
    with pytest.raises(Invalid) as refused:
        services.create_category(actor=mia, name=" sales ")
    assert "name" in refused.value.errors
    assert database_state() == before


def test_renaming_a_category_makes_its_articles_found_by_the_new_name(mia, alice):
    category = services.create_category(actor=mia, name="Sales")
    article = write(mia, category=category)
    services.rename_category(actor=mia, category=category, name="Vente directe")
    assert list(queries.article_list(alice, text="vente directe")) == [article]


def test_deleting_a_category_keeps_its_articles(mia):
    category = services.create_category(actor=mia, name="Sales")
    article = write(mia, category=category)
    assert services.delete_category(actor=mia, category=category) == 1
    article.refresh_from_db()
    assert article.category is None
    assert AuditEntry.objects.filter(model="knowledge.category", verb="delete").exists()


def test_deleting_an_article_is_audited(mia):
    article = write(mia)
    pk = article.pk
    services.delete_article(actor=mia, article=article)
    assert not Article.objects.exists()
    assert AuditEntry.objects.filter(model="knowledge.article", verb="delete", object_id=str(pk)).exists()


# --- the starter loader --------------------------------------------------------------------------

STARTER = """---
title: {title}
category: Using Carte
help_for: clients
newcomers: yes
---
{body}
"""


def starter_folder(tmp_path: Path, title="The client card", body="Open a card from the **list**.") -> Path:
    for language, text in {"en": title, "fr": "La fiche client"}.items():
        folder = tmp_path / language
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "client-card.md").write_text(STARTER.format(title=text, body=body), encoding="utf-8")
    return tmp_path


def test_the_loader_installs_each_language_and_makes_the_category(tmp_path):
    report = services.install_starter_articles(folder=starter_folder(tmp_path))
    assert sorted(report.created) == ["en/client-card", "fr/client-card"]
    english = Article.objects.get(starter_key="client-card", language="en")
    assert (english.title, english.category.name, english.help_for, english.for_newcomers) == (
        "The client card",
        "Using Carte",
        "clients",
        True,
    )
    assert english.body == "Open a card from the **list**.\n"
    assert Category.objects.filter(name="Using Carte").count() == 1


def test_the_loader_is_idempotent(tmp_path):
    folder = starter_folder(tmp_path)
    services.install_starter_articles(folder=folder)
    before = database_state()
    report = services.install_starter_articles(folder=folder)
    assert (report.created, report.updated) == ([], [])
    assert database_state() == before


def test_the_loader_updates_untouched_articles(tmp_path):
    services.install_starter_articles(folder=starter_folder(tmp_path))
    report = services.install_starter_articles(folder=starter_folder(tmp_path, body="A newer text."))
    assert sorted(report.updated) == ["en/client-card", "fr/client-card"]
    assert Article.objects.get(starter_key="client-card", language="en").body == "A newer text.\n"


def test_the_loader_never_overwrites_an_article_an_employee_edited(tmp_path, mia):
    services.install_starter_articles(folder=starter_folder(tmp_path))
    article = Article.objects.get(starter_key="client-card", language="en")
    services.update_article(actor=mia, article=article, body="Our own way of doing it.")
    report = services.install_starter_articles(folder=starter_folder(tmp_path, body="A newer text."))
    assert report.kept == ["en/client-card"]
    article.refresh_from_db()
    assert article.body == "Our own way of doing it."
    assert Article.objects.get(starter_key="client-card", language="fr").body == "A newer text.\n"


def test_the_loader_does_not_bring_back_a_deleted_article(tmp_path, mia):
    folder = starter_folder(tmp_path)
    services.install_starter_articles(folder=folder)
    services.delete_article(actor=mia, article=Article.objects.get(starter_key="client-card", language="fr"))
    report = services.install_starter_articles(folder=folder)
    assert report.kept == ["fr/client-card"]
    assert not Article.objects.filter(starter_key="client-card", language="fr").exists()


def test_the_loader_leaves_out_broken_files_and_says_which(tmp_path):
    folder = starter_folder(tmp_path)
    (folder / "en" / "broken.md").write_text("no front matter here", encoding="utf-8")
    (folder / "en" / "huge.md").write_text(STARTER.format(title="Huge", body="x" * (MAX_ARTICLE_LENGTH + 1)))
    (folder / "en" / "yesno.md").write_text(STARTER.replace("newcomers: yes", "newcomers: maybe"))
    report = services.install_starter_articles(folder=folder)
    assert sorted(report.created) == ["en/client-card", "fr/client-card"]
    assert len(report.problems) == 3
    assert any("broken.md" in problem and "front matter" in problem for problem in report.problems)


def test_the_starter_files_shipped_with_carte_all_read():
    articles, problems = services.read_starter_folder(services.STARTER_FOLDER)
    assert problems == []
    keys = {(article.key, article.language) for article in articles}
    assert {key for key, _language in keys} <= {
        "workspace", "client-card", "deals", "planner", "calls", "import", "backups", "rights",
        "products", "documents", "payments", "adoption",
    }  # fmt: skip
    assert all(article.help_for for article in articles)
    assert {article.help_for for article in articles} <= set(queries.HELP_MODULES)
