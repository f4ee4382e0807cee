"""The knowledge base's screens: the list with its search, an article, writing one, categories, help links.

Thin: parse, call one query or service, render. Reading needs the "knowledge" view right
(every built-in role); writing needs create/edit/delete (managers and administrators by default).
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carte.core import policy
from carte.core.htmx import is_fragment, save_posted
from carte.knowledge import markdown
from carte.knowledge.forms import ArticleFilterForm, ArticleForm, CategoryForm
from carte.knowledge.models import Article, Category
from carte.knowledge.queries import articles as queries
from carte.knowledge.services import articles as services
from carte.knowledge.services.onboarding import note_article_read

Action = policy.Action


@require_GET
def article_list(request):
    """The articles, by category, or the matches of a search; filtered by language, category and module."""
    categories = queries.category_list(request.user)
    form = ArticleFilterForm(request.GET or None, categories=categories)
    filters = form.cleaned_data if form.is_valid() else {}
    page = queries.article_page(
        request.user,
        request.GET.get("page"),
        text=filters.get("q"),
        language=filters.get("language"),
        category=filters.get("category"),
        help_for=filters.get("module"),
    )
    for article in page.items:
        article.module_label = queries.HELP_MODULES.get(article.help_for, article.help_for)
    context = {
        "form": form,
        "page": page,
        "searching": bool(filters.get("q")),
        "reader_language": queries.reader_language(),
        "may_create": policy.can(request.user, Action.CREATE, Article),
        "may_manage_categories": policy.can(request.user, Action.EDIT, Category),
    }
    template = "knowledge/article_list.html#results" if is_fragment(request) else "knowledge/article_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
def article_detail(request, pk):
    """One article, its Markdown rendered safely; reading it ticks it on the reader's onboarding list."""
    article = queries.get_article_for(request.user, pk)
    note_article_read(employee=request.user, article=article)
    context = {
        "article": article,
        "html": markdown.render(article.body),
        "module_label": queries.HELP_MODULES.get(article.help_for, article.help_for),
        "may_edit": policy.can(request.user, Action.EDIT, article),
        "may_delete": policy.can(request.user, Action.DELETE, article),
    }
    return render(request, "knowledge/article_detail.html", context)


@require_http_methods(["GET", "POST"])
def article_create(request):
    """Write a new article; the language is the writer's and the module the one asked for (?module=), to start with."""
    policy.require(request.user, Action.CREATE, Article)
    initial = {"language": queries.reader_language(), "help_for": request.GET.get("module", "")}
    form = ArticleForm(request.POST or None, initial=initial)
    saved = save_posted(request, form, lambda: services.create_article(actor=request.user, **_article_values(form)))
    if saved:
        messages.success(request, _("The article “%(title)s” has been published.") % {"title": saved.value.title})
        return redirect("knowledge:article_detail", pk=saved.value.pk)
    return render(request, "knowledge/article_form.html", {"form": form}, status=_status(request, form))


@require_http_methods(["GET", "POST"])
def article_edit(request, pk):
    article = queries.get_article_for(request.user, pk, Action.EDIT)
    initial = {name: getattr(article, name) for name in services.ARTICLE_FIELDS}
    form = ArticleForm(request.POST or None, initial=initial, article=article)
    saved = save_posted(
        request, form, lambda: services.update_article(actor=request.user, article=article, **_article_values(form))
    )
    if saved:
        messages.success(request, _("The article “%(title)s” has been saved.") % {"title": article.title})
        return redirect("knowledge:article_detail", pk=article.pk)
    context = {"form": form, "article": article}
    return render(request, "knowledge/article_form.html", context, status=_status(request, form))


@require_http_methods(["GET", "POST"])
def article_delete(request, pk):
    """GET asks to confirm; POST deletes and goes back to the list."""
    article = queries.get_article_for(request.user, pk, Action.DELETE)
    if request.method != "POST":
        return render(request, "knowledge/article_confirm_delete.html", {"article": article})
    services.delete_article(actor=request.user, article=article)
    messages.success(request, _("The article “%(title)s” has been deleted.") % {"title": article.title})
    return redirect("knowledge:article_list")


def _article_values(form) -> dict:
    data = form.cleaned_data
    return {name: data.get(name) for name in services.ARTICLE_FIELDS}


def _status(request, form) -> int:
    """422 for a posted form shown again with its errors, so htmx and tests tell it from a success."""
    return 422 if request.method == "POST" and form.errors else 200


@require_GET
def category_list(request):
    """The categories with their number of articles, and the form to add one."""
    return _category_page(request, CategoryForm(initial={"order": 100}))


def _category_page(request, form, status: int = 200):
    policy.require(request.user, Action.VIEW, Category)
    context = {
        "categories": queries.categories_with_counts(request.user),
        "form": form,
        "may_create": policy.can(request.user, Action.CREATE, Category),
        "may_edit": policy.can(request.user, Action.EDIT, Category),
        "may_delete": policy.can(request.user, Action.DELETE, Category),
    }
    return render(request, "knowledge/category_list.html", context, status=status)


@require_POST
def category_create(request):
    policy.require(request.user, Action.CREATE, Category)
    form = CategoryForm(request.POST)
    saved = save_posted(request, form, lambda: services.create_category(actor=request.user, **form.cleaned_data))
    if saved:
        messages.success(request, _("The category “%(name)s” has been added.") % {"name": saved.value.name})
        return redirect("knowledge:category_list")
    return _category_page(request, form, status=422)


@require_http_methods(["GET", "POST"])
def category_edit(request, pk):
    category = queries.get_category_for(request.user, pk, Action.EDIT)
    form = CategoryForm(request.POST or None, initial={"name": category.name, "order": category.order})
    saved = save_posted(
        request, form, lambda: services.rename_category(actor=request.user, category=category, **form.cleaned_data)
    )
    if saved:
        messages.success(request, _("The category “%(name)s” has been saved.") % {"name": category.name})
        return redirect("knowledge:category_list")
    context = {"form": form, "category": category}
    return render(request, "knowledge/category_form.html", context, status=_status(request, form))


@require_http_methods(["GET", "POST"])
def category_delete(request, pk):
    """GET asks to confirm; POST deletes (its articles stay, without a category)."""
    category = queries.get_category_for(request.user, pk, Action.DELETE)
    if request.method != "POST":
        count = category.articles.count()
        return render(request, "knowledge/category_confirm_delete.html", {"category": category, "count": count})
    services.delete_category(actor=request.user, category=category)
    messages.success(request, _("The category “%(name)s” has been deleted.") % {"name": category.name})
    return redirect("knowledge:category_list")


@require_GET
def help_for_module(request, module):
    """A module's help link: its article in the reader's language (else English), or the list of its articles."""
    answer = queries.help_article_for(request.user, module)
    if answer.article is not None:
        return redirect("knowledge:article_detail", pk=answer.article.pk)
    label = queries.HELP_MODULES.get(module, module)
    if answer.count:
        messages.info(request, _("Several articles explain “%(module)s”: choose one.") % {"module": label})
        query = {"module": module, "language": answer.language}
    else:
        messages.info(request, _("No article explains “%(module)s” yet.") % {"module": label})
        query = {"module": module, "language": queries.ALL_LANGUAGES}
    return redirect(f"{reverse('knowledge:article_list')}?{urlencode(query)}")


urlpatterns = [
    path("", article_list, name="article_list"),
    path("articles/new/", article_create, name="article_create"),
    path("articles/<int:pk>/", article_detail, name="article_detail"),
    path("articles/<int:pk>/edit/", article_edit, name="article_edit"),
    path("articles/<int:pk>/delete/", article_delete, name="article_delete"),
    path("categories/", category_list, name="category_list"),
    path("categories/new/", category_create, name="category_create"),
    path("categories/<int:pk>/edit/", category_edit, name="category_edit"),
    path("categories/<int:pk>/delete/", category_delete, name="category_delete"),
    path("help/<slug:module>/", help_for_module, name="help"),
]
