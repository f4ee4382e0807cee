"""Settings screens of our company's side: legal entities, currencies and rates, taxes.

Parse, call one query or service, render. Every page works without JavaScript: each action is
a form that posts and comes back to its page with a message. Refusals of the rights become
403 pages (carte.core.middleware); bad values are shown beside the fields they concern.
"""

from decimal import Decimal

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from carte.core import policy
from carte.core.errors import Conflict, Invalid
from carte.core.htmx import refusal_text, save_posted, show_refusal
from carte.core.listing import page_of
from carte.core.uploads import CONTENT_TYPES, EXTENSIONS
from carte.sales.currencies import name_of
from carte.sales.forms.company import (
    CurrencySwitchForm,
    ImageForm,
    LegalEntityForm,
    MoveForm,
    RateForm,
    RateImportForm,
    TaxForm,
    plain,
)
from carte.sales.queries import company as queries
from carte.sales.queries.company import IMAGES, MODULE
from carte.sales.services import company as services
from carte.sales.services import money

Action = policy.Action
RATES_PER_PAGE = 50


def _rights(user) -> dict:
    return {
        "may_create": policy.can_in_module(user, MODULE, Action.CREATE),
        "may_edit": policy.can_in_module(user, MODULE, Action.EDIT),
        "may_delete": policy.can_in_module(user, MODULE, Action.DELETE),
    }


def _require(request, action: str) -> None:
    policy.require_in_module(request.user, MODULE, action)


def _act(request, act, done: str, back: str, *args):
    """Run one action posted from a list; a refusal comes back to the page as a message."""
    try:
        record = act()
    except (Conflict, Invalid) as refused:
        messages.error(request, refusal_text(refused))
    else:
        if done:
            messages.success(request, done % {"name": record})
    return redirect(back, *args)


def shown(number) -> str:
    """A rate or percentage for reading: without trailing zeros, in the reader's format (5,5 in French)."""
    return formats.number_format(Decimal(plain(number)))


# ---------------------------------------------------------------------------------------------
# Legal entities
# ---------------------------------------------------------------------------------------------

IMAGE_LABELS = {"logo": gettext_lazy("Logo"), "signature": gettext_lazy("Signature"), "stamp": gettext_lazy("Stamp")}


@require_GET
def entity_list(request):
    context = {"entities": list(queries.legal_entities_for(request.user)), **_rights(request.user)}
    return render(request, "sales/company/entities.html", context)


def entity_create(request):
    _require(request, Action.CREATE)
    form = LegalEntityForm(request.POST or None, initial=services.new_entity_defaults())
    saved = save_posted(request, form, lambda: services.create_legal_entity(actor=request.user, **form.values()))
    if saved:
        entity = saved.value
        messages.success(request, _("“%(name)s” has been added.") % {"name": entity})
        return redirect("sales:entity_edit", entity.pk)
    return render(request, "sales/company/entity_form.html", {"form": form}, status=400 if form.errors else 200)


def entity_edit(request, pk):
    _require(request, Action.EDIT)
    entity = queries.get_legal_entity_for(request.user, pk)
    form = LegalEntityForm(request.POST or None, initial=LegalEntityForm.initial_for(entity), entity=entity)
    if save_posted(
        request, form, lambda: services.update_legal_entity(actor=request.user, entity=entity, **form.values())
    ):
        messages.success(request, _("“%(name)s” has been saved.") % {"name": entity})
        return redirect("sales:entity_edit", entity.pk)
    return _entity_page(request, entity, form)


def _entity_page(request, entity, form, *, image_forms: dict | None = None, status: int | None = None):
    images = []
    for which in IMAGES:
        stored = getattr(entity, which)
        images.append(
            {
                "which": which,
                "label": IMAGE_LABELS[which],
                "stored": bool(stored),
                "form": (image_forms or {}).get(which) or ImageForm(auto_id=f"id_{which}_%s"),
            }
        )
    context = {"form": form, "entity": entity, "images": images, **_rights(request.user)}
    failed = bool(form.errors) or any(image["form"].errors for image in images)
    return render(request, "sales/company/entity_form.html", context, status=status or (400 if failed else 200))


def _entity_act(request, pk, service, done: str):
    """Run `service(actor=, entity=)` on an entity from the list (needs "edit"), back to the list."""
    _require(request, Action.EDIT)
    entity = queries.get_legal_entity_for(request.user, pk)
    return _act(request, lambda: service(actor=request.user, entity=entity), done, "sales:entity_list")


@require_POST
def entity_archive(request, pk):
    return _entity_act(
        request, pk, services.archive_legal_entity, _("“%(name)s” is archived: new documents no longer offer it.")
    )


@require_POST
def entity_restore(request, pk):
    return _entity_act(request, pk, services.restore_legal_entity, _("“%(name)s” is offered for new documents again."))


@require_POST
def entity_default(request, pk):
    return _entity_act(request, pk, services.set_default_entity, _("“%(name)s” now issues documents by default."))


@require_POST
def entity_delete(request, pk):
    _require(request, Action.DELETE)
    entity = queries.get_legal_entity_for(request.user, pk)

    def delete():
        services.delete_legal_entity(actor=request.user, entity=entity)
        return entity

    return _act(request, delete, _("“%(name)s” has been deleted."), "sales:entity_list")


@require_GET
def entity_image(request, pk, which):
    """An entity's logo, signature or stamp, shown inline: only a checked image is ever served."""
    entity = queries.get_legal_entity_for(request.user, pk)
    content, kind = queries.entity_image(request.user, entity, which)
    response = HttpResponse(content, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'inline; filename="{which}.{EXTENSIONS.get(kind, kind)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-cache"
    return response


@require_POST
def entity_image_upload(request, pk, which):
    _require(request, Action.EDIT)
    entity = queries.get_legal_entity_for(request.user, pk)
    image_form = ImageForm(request.POST, request.FILES, auto_id=f"id_{which}_%s")
    if save_posted(
        request,
        image_form,
        lambda: services.set_entity_image(
            actor=request.user, entity=entity, which=which, file=image_form.cleaned_data["file"]
        ),
    ):
        messages.success(request, _("%(image)s saved.") % {"image": IMAGE_LABELS.get(which, which)})
        return redirect("sales:entity_edit", entity.pk)
    form = LegalEntityForm(initial=LegalEntityForm.initial_for(entity), entity=entity)
    return _entity_page(request, entity, form, image_forms={which: image_form}, status=400)


@require_POST
def entity_image_remove(request, pk, which):
    _require(request, Action.EDIT)
    entity = queries.get_legal_entity_for(request.user, pk)
    services.remove_entity_image(actor=request.user, entity=entity, which=which)
    messages.success(request, _("%(image)s removed.") % {"image": IMAGE_LABELS.get(which, which)})
    return redirect("sales:entity_edit", entity.pk)


# ---------------------------------------------------------------------------------------------
# Currencies and rates
# ---------------------------------------------------------------------------------------------


@require_GET
def currency_list(request):
    currencies = list(queries.currencies_for(request.user))
    rows = [
        {
            "currency": currency,
            "name": name_of(currency),
            "latest": shown(currency.latest_rate) if currency.latest_rate is not None else "",
        }
        for currency in currencies
    ]
    base = next((currency for currency in currencies if currency.is_base), None)
    context = {"rows": rows, "base": base, **_rights(request.user)}
    return render(request, "sales/company/currencies.html", context)


@require_POST
def currency_in_use(request, code):
    _require(request, Action.EDIT)
    currency = queries.get_currency_for(request.user, code)
    form = CurrencySwitchForm(request.POST)
    active = form.is_valid() and form.cleaned_data["active"]
    done = _("%(name)s is in use.") if active else _("%(name)s is no longer in use.")
    return _act(
        request,
        lambda: money.set_currency_in_use(actor=request.user, currency=currency, active=active),
        done,
        "sales:currency_list",
    )


@require_POST
def currency_base(request, code):
    _require(request, Action.EDIT)
    currency = queries.get_currency_for(request.user, code)
    return _act(
        request,
        lambda: money.set_base_currency(actor=request.user, currency=currency),
        _("%(name)s is now the base currency. Enter or import rates against it."),
        "sales:currency_list",
    )


def _rates_page(request, currency, form, *, status: int = 200):
    base = queries.base_currency()
    page = page_of(queries.rates_of(request.user, currency), request.GET.get("page"), RATES_PER_PAGE)
    context = {
        "currency": currency,
        "name": name_of(currency),
        "base": base,
        "page": page,
        "rates": [{"rate": rate, "value": shown(rate.rate)} for rate in page.items],
        "form": form,
        **_rights(request.user),
    }
    return render(request, "sales/company/rates.html", context, status=status)


@require_GET
def currency_rates(request, code):
    currency = queries.get_currency_for(request.user, code)
    return _rates_page(request, currency, RateForm())


@require_POST
def rate_add(request, code):
    _require(request, Action.CREATE)
    currency = queries.get_currency_for(request.user, code)
    form = RateForm(request.POST)
    if save_posted(request, form, lambda: money.add_rate(actor=request.user, currency=currency, **form.cleaned_data)):
        messages.success(request, _("The rate has been added."))
        return redirect("sales:currency_rates", currency.code)
    return _rates_page(request, currency, form, status=400)


def rate_edit(request, pk):
    _require(request, Action.EDIT)
    rate = queries.get_rate_for(request.user, pk)
    form = RateForm(request.POST or None, initial={"date": rate.date.isoformat(), "rate": plain(rate.rate)})
    if save_posted(
        request,
        form,
        lambda: money.change_rate(
            actor=request.user, rate=rate, date=form.cleaned_data["date"], value=form.cleaned_data["rate"]
        ),
    ):
        messages.success(request, _("The rate has been saved."))
        return redirect("sales:currency_rates", rate.currency_id)
    context = {"form": form, "rate": rate}
    return render(request, "sales/company/rate_form.html", context, status=400 if form.errors else 200)


@require_POST
def rate_delete(request, pk):
    _require(request, Action.DELETE)
    rate = queries.get_rate_for(request.user, pk)
    money.delete_rate(actor=request.user, rate=rate)
    messages.success(request, _("The rate has been deleted."))
    return redirect("sales:currency_rates", rate.currency_id)


def rate_import(request):
    """Upload a CSV of rates: all rows are saved, or none and the page lists the bad ones."""
    _require(request, Action.CREATE)
    form = RateImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            done = money.import_rates(actor=request.user, file=form.cleaned_data["file"])
        except money.RatesRefused as refused:
            report = refused.report
            form.add_error("file", str(refused.message))
        except Invalid as refused:
            show_refusal(form, refused)
        else:
            message = ngettext(
                "%(count)d rate imported: %(created)d new, %(updated)d changed.",
                "%(count)d rates imported: %(created)d new, %(updated)d changed.",
                done.rows,
            ) % {"count": done.rows, "created": done.created, "updated": done.updated}
            messages.success(request, message)
            return redirect("sales:currency_list")
    context = {"form": form, "report": report, "base": queries.base_currency()}
    return render(request, "sales/company/rate_import.html", context, status=400 if form.errors else 200)


# ---------------------------------------------------------------------------------------------
# Taxes
# ---------------------------------------------------------------------------------------------


@require_GET
def tax_list(request):
    rows = [{"tax": tax, "rate": shown(tax.rate)} for tax in queries.taxes_for(request.user)]
    context = {"rows": rows, **_rights(request.user)}
    return render(request, "sales/company/taxes.html", context)


def _tax_form_page(request, form, save, *, tax=None, saved: str):
    done = save_posted(request, form, lambda: save(form.cleaned_data), refusals=(Invalid, Conflict))
    if done:
        messages.success(request, saved % {"name": done.value})
        return redirect("sales:tax_list")
    context = {"form": form, "tax": tax}
    return render(request, "sales/company/tax_form.html", context, status=400 if form.errors else 200)


def tax_create(request):
    _require(request, Action.CREATE)
    return _tax_form_page(
        request,
        TaxForm(request.POST or None),
        lambda values: money.create_tax(actor=request.user, **values),
        saved=_("“%(name)s” has been added."),
    )


def tax_edit(request, pk):
    _require(request, Action.EDIT)
    tax = queries.get_tax_for(request.user, pk)
    return _tax_form_page(
        request,
        TaxForm(request.POST or None, initial=TaxForm.initial_for(tax)),
        lambda values: money.update_tax(actor=request.user, tax=tax, **values),
        tax=tax,
        saved=_("“%(name)s” has been saved."),
    )


def _tax_act(request, pk, service, done: str):
    """Run `service(actor=, tax=)` on a tax from the list (needs "edit"), back to the list."""
    _require(request, Action.EDIT)
    tax = queries.get_tax_for(request.user, pk)
    return _act(request, lambda: service(actor=request.user, tax=tax), done, "sales:tax_list")


@require_POST
def tax_archive(request, pk):
    return _tax_act(request, pk, money.archive_tax, _("“%(name)s” is archived: new lines no longer offer it."))


@require_POST
def tax_restore(request, pk):
    return _tax_act(request, pk, money.restore_tax, _("“%(name)s” is offered again."))


@require_POST
def tax_move(request, pk):
    _require(request, Action.EDIT)
    tax = queries.get_tax_for(request.user, pk)
    form = MoveForm(request.POST)
    step = form.step() if form.is_valid() else 0
    return _act(request, lambda: money.move_tax(actor=request.user, tax=tax, step=step), "", "sales:tax_list")
