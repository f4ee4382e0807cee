"""The catalogue screens: products and services, price lists and their prices, the product picker,
and the client card's "Prices" tab.

Each view parses the request, calls one query or service (carte.sales.queries.catalogue,
carte.sales.services.catalogue) and renders. Refusals (NotAllowed, NotFound…) are rendered by
carte.core.middleware; field errors go back into the form. htmx requests get a named partial
of the same template, so every screen also works without JavaScript.

The product picker (`sales:product_picker`, GET ?q=…&price_list=…&limit=…) is for the line
editors of deals and documents. It answers the fragment `sales/catalogue/picker.html`: `<option>`
elements, one per active product matching `q` (name or SKU fragment, best first, 20 by
default, at most 50). Each option has
`value` = the product id and these data attributes:

- `data-product`: the product id;
- `data-description`: what a new line says (the product's name);
- `data-sku`, `data-unit`: the SKU and the unit ("" when none);
- `data-tax`: the id of the product's usual tax, or "";
- `data-price`: the unit price in `price_list` as a plain number ("1250.00"), or "" when the
  list has no price for it or no list was given.

The options come inside a list box (`<select class="picker" size=…>`, nothing selected), so that
choosing any of them fires "change"; take the options out to use them elsewhere. When nothing
matches, the list box holds one disabled option without `data-product`. An unknown
`price_list` is refused (400 fragment).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carte.clients import queries as client_queries
from carte.clients.models import Client
from carte.clients.views.lists import page_numbers
from carte.core import policy
from carte.core.errors import Invalid
from carte.core.htmx import is_fragment, refusal_text, save_posted, show_refusal
from carte.core.listing import page_of
from carte.sales.forms.catalogue import (
    UNIT_SUGGESTIONS,
    ClientPriceListForm,
    PriceForm,
    PriceListFilterForm,
    PriceListForm,
    PriceRowFilterForm,
    ProductFilterForm,
    ProductForm,
)
from carte.sales.models import PriceList, Product
from carte.sales.queries import catalogue as queries
from carte.sales.services import catalogue as services

Action = policy.Action
PAGE_SIZE = 50


def _may(user, action: str) -> bool:
    return policy.can_in_module(user, queries.MODULE, action)


def _render(request, template: str, context: dict, *, partial: str = "", status: int = 200):
    """The page, or its named partial for an htmx request (Vary: HX-Request either way)."""
    name = f"{template}#{partial}" if partial and is_fragment(request) else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _filters(form) -> dict:
    """The cleaned filter values, or the raw ones when the form refused them (the query says why)."""
    if form.is_valid():
        return form.cleaned_data
    return {name: form.data.get(name, "") for name in form.fields}


# ---------------------------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------------------------


def product_list(request):
    """Products and services: search by name or SKU, filter by kind and archived, sort, pages of 50."""
    form = ProductFilterForm(request.GET)
    values = _filters(form)
    context = {
        "form": form,
        "may_create": _may(request.user, Action.CREATE),
        "page": None,
        "error": "",
    }
    try:
        products = queries.products_for(
            request.user,
            text=values.get("q") or "",
            kind=values.get("kind") or "",
            archived=values.get("archived") or "no",
            ordering=values.get("ordering") or "name",
        )
        page = page_of(products, request.GET.get("page"), PAGE_SIZE)
    except Invalid as refused:
        show_refusal(form, refused)
        context["error"] = refused.message
    else:
        context |= {"page": page, "page_numbers": page_numbers(page)}
    return _render(request, "sales/catalogue/product_list.html", context, partial="results")


def _product_form(request, product: Product | None) -> ProductForm:
    taxes = queries.taxes_in_use(keep=product.tax if product else None)
    initial = ProductForm.initial_for(product) if product else None
    return ProductForm(request.POST or None, taxes=taxes, initial=initial)


def _product_values(form: ProductForm) -> dict:
    data = dict(form.cleaned_data)
    data["tax"] = queries.tax_by_id(data.get("tax"))
    return data


def _render_product_form(request, form: ProductForm, product: Product | None, status: int = 200):
    context = {"form": form, "product": product, "units": UNIT_SUGGESTIONS}
    return render(request, "sales/catalogue/product_form.html", context, status=status)


def product_create(request):
    policy.require_in_module(request.user, queries.MODULE, Action.CREATE)
    form = _product_form(request, None)
    saved = save_posted(request, form, lambda: services.create_product(actor=request.user, **_product_values(form)))
    if saved:
        product = saved.value
        messages.success(request, _("“%(name)s” has been added to the catalogue.") % {"name": product.name})
        return redirect("sales:product_detail", pk=product.pk)
    return _render_product_form(request, form, None, status=400 if form.errors else 200)


def product_detail(request, pk):
    """A product's values and its price in every price list."""
    product = queries.get_product_for(request.user, pk)
    context = {
        "product": product,
        "price_lists": queries.product_prices(product),
        "may_edit": _may(request.user, Action.EDIT),
    }
    return render(request, "sales/catalogue/product_detail.html", context)


def product_edit(request, pk):
    product = queries.get_product_for(request.user, pk, Action.EDIT)
    form = _product_form(request, product)
    if save_posted(
        request, form, lambda: services.update_product(actor=request.user, product=product, **_product_values(form))
    ):
        messages.success(request, _("“%(name)s” has been saved.") % {"name": product.name})
        return redirect("sales:product_detail", pk=product.pk)
    return _render_product_form(request, form, product, status=400 if form.errors else 200)


def _product_act(request, pk, service, done: str):
    """Run `service(actor=, product=)` on a product (needs "edit"), back to its page with `done`."""
    product = queries.get_product_for(request.user, pk, Action.EDIT)
    service(actor=request.user, product=product)
    messages.success(request, done % {"name": product.name})
    return redirect("sales:product_detail", pk=product.pk)


@require_POST
def product_archive(request, pk):
    return _product_act(
        request, pk, services.archive_product, _("“%(name)s” is archived: new lines no longer offer it.")
    )


@require_POST
def product_unarchive(request, pk):
    return _product_act(request, pk, services.unarchive_product, _("“%(name)s” is offered on new lines again."))


@require_GET
def product_picker(request):
    """Active products for a line editor (see the module's docstring for the fragment's contract)."""
    price_list = queries.price_list_by_id(request.user, request.GET.get("price_list"))
    limit = queries.record_id(request.GET.get("limit")) or 20
    products = queries.products_for_picker(request.user, request.GET.get("q", ""), limit)
    prices = queries.prices_for([product.pk for product in products], price_list)
    digits = price_list.currency.digits if price_list else 2
    choices = [{"product": product, "price": _plain(prices.get(product.pk), digits)} for product in products]
    context = {"choices": choices, "price_list": price_list, "size": min(max(len(choices), 2), 8)}
    response = render(request, "sales/catalogue/picker.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _plain(amount, digits: int) -> str:
    """A price as a plain number with the currency's decimals, for data attributes ("" for none)."""
    if amount is None:
        return ""
    return f"{amount:.{digits}f}"


# ---------------------------------------------------------------------------------------------
# Price lists
# ---------------------------------------------------------------------------------------------


def price_list_list(request):
    form = PriceListFilterForm(request.GET)
    values = _filters(form)
    lists = queries.price_lists_for(request.user, archived=values.get("archived") or "no")
    context = {
        "form": form,
        "price_lists": list(lists),
        "may_create": _may(request.user, Action.CREATE),
        "default_list": queries.default_price_list(),
    }
    return render(request, "sales/catalogue/price_list_list.html", context)


def _price_list_form(request, price_list: PriceList | None) -> PriceListForm:
    currencies = queries.currencies_in_use(keep=price_list.currency if price_list else None)
    locked = price_list is not None and queries.has_prices(price_list)
    initial = PriceListForm.initial_for(price_list) if price_list else None
    return PriceListForm(request.POST or None, currencies=currencies, currency_locked=locked, initial=initial)


def _price_list_values(form: PriceListForm, price_list: PriceList | None) -> dict:
    data = dict(form.cleaned_data)
    data["currency"] = queries.currency_for(data["currency"], keep=price_list.currency if price_list else None)
    return data


def _render_price_list_form(request, form, price_list: PriceList | None, status: int = 200):
    context = {"form": form, "price_list": price_list}
    return render(request, "sales/catalogue/price_list_form.html", context, status=status)


def price_list_create(request):
    policy.require_in_module(request.user, queries.MODULE, Action.CREATE)
    form = _price_list_form(request, None)
    saved = save_posted(
        request, form, lambda: services.create_price_list(actor=request.user, **_price_list_values(form, None))
    )
    if saved:
        price_list = saved.value
        messages.success(request, _("The price list “%(name)s” has been created.") % {"name": price_list.name})
        return redirect("sales:price_list_detail", pk=price_list.pk)
    return _render_price_list_form(request, form, None, status=400 if form.errors else 200)


def price_list_edit(request, pk):
    price_list = queries.get_price_list_for(request.user, pk, Action.EDIT)
    form = _price_list_form(request, price_list)
    if save_posted(
        request,
        form,
        lambda: services.update_price_list(
            actor=request.user, price_list=price_list, **_price_list_values(form, price_list)
        ),
    ):
        messages.success(request, _("The price list “%(name)s” has been saved.") % {"name": price_list.name})
        return redirect("sales:price_list_detail", pk=price_list.pk)
    return _render_price_list_form(request, form, price_list, status=400 if form.errors else 200)


def _refused_here(request, price_list: PriceList, refused: Invalid):
    """A refusal of a button on the list's page: back to the page with the reason."""
    if is_fragment(request):
        raise refused
    messages.error(request, refusal_text(refused))
    return redirect("sales:price_list_detail", pk=price_list.pk)


def _price_list_act(request, pk, service, done: str, *, refusable: bool = False):
    """Run `service(actor=, price_list=)` (needs "edit"), back to the list's page with `done`.

    With `refusable`, a refusal comes back to the page as a message (see _refused_here).
    """
    price_list = queries.get_price_list_for(request.user, pk, Action.EDIT)
    try:
        service(actor=request.user, price_list=price_list)
    except Invalid as refused:
        if not refusable:
            raise
        return _refused_here(request, price_list, refused)
    messages.success(request, done % {"name": price_list.name})
    return redirect("sales:price_list_detail", pk=price_list.pk)


@require_POST
def price_list_archive(request, pk):
    done = _("The price list “%(name)s” is archived.")
    return _price_list_act(request, pk, services.archive_price_list, done, refusable=True)


@require_POST
def price_list_unarchive(request, pk):
    return _price_list_act(request, pk, services.unarchive_price_list, _("The price list “%(name)s” is in use again."))


def price_list_detail(request, pk):
    """A price list and its products' prices (paged), each price set, changed or removed inline."""
    price_list = queries.get_price_list_for(request.user, pk)
    form = PriceRowFilterForm(request.GET)
    values = _filters(form)
    context = {
        "price_list": price_list,
        "form": form,
        "may_edit": _may(request.user, Action.EDIT),
        "page": None,
        "error": "",
        "back": request.GET.urlencode(),
    }
    try:
        rows = queries.price_rows(
            request.user,
            price_list,
            text=values.get("q") or "",
            priced_only=values.get("show") == "priced",
            ordering=values.get("ordering") or "name",
        )
        page = page_of(rows, request.GET.get("page"), PAGE_SIZE)
    except Invalid as refused:
        show_refusal(form, refused)
        context["error"] = refused.message
    else:
        context |= {"page": page, "page_numbers": page_numbers(page)}
    return _render(request, "sales/catalogue/price_list_detail.html", context, partial="results")


def _back_to_prices(request, price_list: PriceList):
    """The list's page as it was shown (its filters and page, sent along as `back`)."""
    shown = QueryDict(request.POST.get("back", ""))
    kept = {name: shown.getlist(name) for name in ("q", "show", "ordering", "page") if name in shown}
    address = reverse("sales:price_list_detail", args=[price_list.pk])
    return redirect(f"{address}?{urlencode(kept, doseq=True)}" if kept else address)


def _price_row(request, price_list: PriceList, product: Product, *, form=None, status: int = 200):
    context = {
        "price_list": price_list,
        "row": queries.price_row(request.user, price_list, product),
        "may_edit": _may(request.user, Action.EDIT),
        "row_form": form,
        "back": request.POST.get("back", ""),
    }
    response = render(request, "sales/catalogue/price_list_detail.html#price-row", context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
def price_set(request, pk, product_pk):
    """Set or change one product's price in the list; htmx gets the row back, with the error if any."""
    price_list = queries.get_price_list_for(request.user, pk, Action.EDIT)
    product = queries.get_product_for(request.user, product_pk)
    form = PriceForm(request.POST)
    if form.is_valid():
        try:
            services.set_price(
                actor=request.user, price_list=price_list, product=product, unit_price=form.cleaned_data["unit_price"]
            )
        except Invalid as refused:
            show_refusal(form, refused)
    if is_fragment(request):
        if form.errors:
            return _price_row(request, price_list, product, form=form, status=422)
        return _price_row(request, price_list, product)
    if form.errors:
        reasons = " ".join(str(message) for field in form.errors.values() for message in field)
        messages.error(request, f"{product.name}: {reasons}")
    else:
        messages.success(request, _("The price of “%(name)s” has been saved.") % {"name": product.name})
    return _back_to_prices(request, price_list)


@require_POST
def price_remove(request, pk, product_pk):
    """Take one product's price out of the list."""
    price_list = queries.get_price_list_for(request.user, pk, Action.EDIT)
    product = queries.get_product_for(request.user, product_pk)
    services.remove_price(actor=request.user, price_list=price_list, product=product)
    if is_fragment(request):
        return _price_row(request, price_list, product)
    messages.success(request, _("The price of “%(name)s” has been removed.") % {"name": product.name})
    return _back_to_prices(request, price_list)


# ---------------------------------------------------------------------------------------------
# The client card's "Prices" tab
# ---------------------------------------------------------------------------------------------


def prices_tab(request, client: Client) -> dict:
    """The tab's context: the client's own list, the list it buys from today, and the form to change it."""
    own = queries.client_price_list(client)
    form = ClientPriceListForm(
        initial={"price_list": str(own.pk) if own else ""},
        price_lists=queries.price_list_choices(request.user, keep=own),
    )
    return {
        "own_list": own,
        "current_list": queries.price_list_for(client),
        "price_list_form": form,
        "may_change_price_list": policy.can(request.user, Action.EDIT, client),
    }


@require_POST
def client_price_list(request, client_pk):
    """Give the client its own price list, or let it buy from the default one."""
    client = client_queries.get_client_for(request.user, client_pk, Action.EDIT)
    form = ClientPriceListForm(
        request.POST, price_lists=queries.price_list_choices(request.user, keep=queries.client_price_list(client))
    )
    try:
        if not form.is_valid():
            raise Invalid(errors={"price_list": [_("Choose one of the price lists offered.")]})
        price_list = queries.price_list_by_id(request.user, form.cleaned_data["price_list"])
        services.set_client_price_list(actor=request.user, client=client, price_list=price_list)
    except Invalid as refused:
        if is_fragment(request):
            raise
        messages.error(request, " ".join(str(m) for field in refused.errors.values() for m in field))
    else:
        if not is_fragment(request):
            messages.success(request, _("The client's price list has been saved."))
    if is_fragment(request):
        context = {"client": client, "request": request, **prices_tab(request, client), "saved": True}
        response = render(request, "sales/catalogue/client_tab.html#price-list-panel", context)
        patch_vary_headers(response, ["HX-Request"])
        return response
    return redirect(f"{reverse('clients:card', args=[client.pk])}?tab=prices")
