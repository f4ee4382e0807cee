"""The client card: the card with its tabs and timeline, its groups edited in place, the form,
deletion, notes and contacts.

A card page reads a constant number of rows sets whatever the card holds: the client with its
references, its lists in one prefetch (queries.prefetch_card), one timeline page, the visible
contact links once (the header, the tab's count and the Contacts tab share them).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carte.clients import card, queries, services
from carte.clients.forms import (
    CARD_LISTS,
    SECTIONS,
    ClientForm,
    ContactForm,
    NoteForm,
    Section,
    custom_name,
    list_formsets,
    number_text,
    rows_from,
    sections_of,
)
from carte.clients.models import DEFAULT_STATUS, Client, CustomField, FieldValue, ReferenceValue
from carte.core import policy
from carte.core.errors import Conflict, DomainError, Invalid, NotFound
from carte.core.htmx import is_fragment, show_refusal
from carte.core.models import changes_of

KEY_CONTACTS = 3


def _card_url(client: Client, **params) -> str:
    query = urlencode({key: value for key, value in params.items() if value})
    return reverse("clients:card", args=[client.pk]) + (f"?{query}" if query else "")


# What the card shows around its tabs


def _contacts_count(request, client: Client) -> int:
    """How many contact links of the card the user may see, counted once per request."""
    count = getattr(client, "_visible_contacts_count", None)
    if count is None:
        count = client._visible_contacts_count = queries.count_contacts(request.user, client)
    return count


def _key_contacts(request, client: Client) -> list[tuple]:
    """(link, the other client) for the first contacts of the card, with their phones and emails.

    Only these few rows are read: a company with hundreds of contacts opens as fast as any.
    """
    side = "person" if client.is_company else "company"
    shown = [(contact, getattr(contact, side)) for contact in queries.contacts_of(request.user, client, KEY_CONTACTS)]
    prefetch_related_objects([other for _contact, other in shown], "phones", "emails")
    return shown


def _merge_url(request, client: Client) -> str | None:
    """Merging keeps this card and deletes others: offered to whoever may edit it and delete clients."""
    user = request.user
    if not (policy.can(user, policy.Action.EDIT, client) and policy.can(user, policy.Action.DELETE, Client)):
        return None
    return f"{reverse('clients:merge')}?{urlencode({'ids': client.pk})}"


def _header_context(request, client: Client) -> dict:
    phones, emails = queries.phones_and_emails(client)
    return {
        "client": client,
        "phones": phones,
        "emails": emails,
        "key_contacts": _key_contacts(request, client),
        "more_contacts": max(0, _contacts_count(request, client) - KEY_CONTACTS),
        "can_edit": policy.can(request.user, policy.Action.EDIT, client),
        "can_delete": policy.can(request.user, policy.Action.DELETE, client),
        "merge_url": _merge_url(request, client),
        "facts": card.facts_for(request, client),
    }


def _tabs_context(request, client: Client, tab: card.Tab) -> dict:
    base = {
        "client": client,
        "tabs": card.tabs_for(request, client, tab),
        "active_tab": tab,
        "can_edit": policy.can(request.user, policy.Action.EDIT, client),
    }
    return card.tab_context(request, client, tab) | base


def _timeline_context(request, client: Client, note_form=None, *, kind=None, before=None) -> dict:
    kind = request.GET.get("kind", "") if kind is None else kind
    before = request.GET.get("before", "") if before is None else before
    timeline = queries.timeline_for(request.user, client, kind=kind, before=before)
    return {
        "client": client,
        "timeline": timeline,
        "timeline_rows": [
            {"entry": entry, "label": card.timeline_kind_label(entry.kind)} for entry in timeline.entries
        ],
        "timeline_kind": kind,
        "timeline_before": before,
        "timeline_kinds": card.timeline_kinds(),
        "note_form": note_form or NoteForm(),
        "can_edit": policy.can(request.user, policy.Action.EDIT, client),
    }


def _card_context(request, client: Client, tab: card.Tab, note_form=None) -> dict:
    return (
        _timeline_context(request, client, note_form)
        | _tabs_context(request, client, tab)
        | _header_context(request, client)
    )


def _tab_of(request):
    key = request.GET.get("tab")
    return card.tab_for(request.user, key) if key else card.default_tab()


def _card_for(request, pk, action: str = policy.Action.VIEW) -> Client:
    """The client with everything its card shows beside its fields, read once."""
    return queries.prefetch_card(queries.get_client_for(request.user, pk, action))


def client_card(request, pk):
    client = _card_for(request, pk)
    return render(request, "clients/card.html", _card_context(request, client, _tab_of(request)))


def client_tab(request, pk, key):
    """One tab of the card, for htmx; without htmx, the card opened on that tab."""
    client = _card_for(request, pk)
    tab = card.tab_for(request.user, key)
    if not is_fragment(request):
        return redirect(_card_url(client, tab=key, page=request.GET.get("page"), find=request.GET.get("find")))
    return render(request, "clients/card.html#card-tabs", _tabs_context(request, client, tab))


def client_timeline(request, pk):
    """The next page of the timeline (or the first, for another kind), for htmx."""
    client = queries.get_client_for(request.user, pk)
    if not is_fragment(request):
        return redirect(_card_url(client, kind=request.GET.get("kind"), before=request.GET.get("before")) + "#timeline")
    return render(request, "clients/card.html#timeline-page", _timeline_context(request, client))


@require_POST
def note_add(request, pk):
    client = queries.get_client_for(request.user, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.add_note(actor=request.user, client=client, text=form.cleaned_data["text"])
        except Invalid as exc:
            show_refusal(form, exc)
        else:
            if not is_fragment(request):
                messages.success(request, _("Note added."))
                return redirect(_card_url(client) + "#timeline")
            form = None
    if is_fragment(request):
        return render(request, "clients/card.html#timeline-panel", _timeline_context(request, client, form))
    client = queries.prefetch_card(client)
    return render(request, "clients/card.html", _card_context(request, client, card.default_tab(), form))


# Contacts


def _contacts_done(request, client: Client):
    if is_fragment(request):
        tab = card.tab_for(request.user, "contacts")
        return render(request, "clients/card.html#card-tabs", _tabs_context(request, client, tab))
    return redirect(_card_url(client, tab="contacts"))


@require_POST
def contact_add(request, pk):
    client = queries.get_client_for(request.user, pk)
    form = ContactForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whom to link."))
        return _contacts_done(request, client)
    other = queries.get_client_for(request.user, form.cleaned_data["other"])
    company, person = (client, other) if client.kind == Client.Kind.COMPANY else (other, client)
    try:
        services.link_contact(actor=request.user, company=company, person=person, role=form.cleaned_data["role"])
    except Invalid as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("%(person)s is now a contact of %(company)s.") % {"person": person, "company": company}
        )
    return _contacts_done(request, client)


@require_POST
def contact_remove(request, pk, contact_pk):
    client = queries.get_client_for(request.user, pk)
    contact = queries.get_contact_for(request.user, contact_pk)
    if client.pk not in (contact.company_id, contact.person_id):
        return redirect(_card_url(client, tab="contacts"))
    services.unlink_contact(actor=request.user, contact=contact)
    messages.success(request, _("Contact removed."))
    return _contacts_done(request, client)


# The client form: creating, editing, and one group of the card at a time


def _references() -> list[ReferenceValue]:
    """Every reference value, in one query: the form's selects pick their lists from it."""
    return [value for reference_list in queries.reference_lists() for value in reference_list.values]


def _client_form(request, client: Client | None = None, section: Section | None = None, data=None):
    """The client form (or one section of it) with its list formsets, bound to `data` or the POST."""
    if data is None and request.method == "POST":
        data = request.POST
    fields = section.fields if section else ("owner", "tags", "status")
    owners = None
    if "owner" in fields:
        action = policy.Action.EDIT if client else policy.Action.CREATE
        owners = queries.assignable_owners(request.user, action, current=client.owner if client else None)
    if client is not None:
        initial = ClientForm.initial_from(client)
    else:
        initial = {"owner": request.user.pk, "status": DEFAULT_STATUS, "kind": request.GET.get("kind") or "company"}
        # The incoming-call pop-up and the call log open "new client" with the caller's number (and name).
        if name := request.GET.get("name", "").strip()[:200]:
            initial["name"] = name
    form = ClientForm(
        data,
        initial=initial,
        client=client,
        owners=owners,
        references=_references() if {"status", "tags"} & set(fields) else [],
        custom_fields=list(queries.custom_fields(archived=False)) if section is None or section.custom else [],
        employees=queries.owner_choices(request.user),
        only=section,
    )
    if client is not None:
        form.fields["version"].required = True
    formsets = list_formsets(section.lists if section else CARD_LISTS, data, client)
    phone = request.GET.get("phone", "").strip()[:50] if client is None and data is None else ""
    if phone and "phones" in formsets:
        formsets["phones"].initial = [{"kind": "work", "number": phone}]
    return form, formsets


def _is_valid(form, formsets: dict) -> bool:
    results = [form.is_valid(), *(formset.is_valid() for formset in formsets.values())]
    return all(results)


def _lists_from(formsets: dict) -> dict:
    return {name: rows_from(name, formset) for name, formset in formsets.items()}


def _has_errors(form, formsets: dict) -> bool:
    return bool(form.errors) or any(
        formset.total_error_count() or getattr(formset, "refusal", None) for formset in formsets.values()
    )


def _show_errors(form, formsets: dict, error: DomainError) -> None:
    """A service's field errors beside their fields, a list's above its rows, the others above the form."""
    for name, formset in formsets.items():
        formset.refusal = [str(message) for message in error.errors.get(name, [])]
    rest = {name: errors for name, errors in error.errors.items() if name not in formsets}
    if rest or not error.errors:
        show_refusal(form, type(error)(error.message, errors=rest))


def _form_context(request, form, formsets: dict, client: Client | None = None, **extra) -> dict:
    return {
        "form": form,
        "formsets": formsets,
        "client": client,
        "custom_fields": [form[custom_name(field)] for field in form.custom_fields],
        "refused": form.is_bound and _has_errors(form, formsets),
        **extra,
    }


def _render_form(request, form, formsets: dict, client=None, status=200, **extra):
    context = _form_context(request, form, formsets, client, **extra)
    return render(request, "clients/form.html", context, status=status)


def client_create(request):
    policy.require(request.user, policy.Action.CREATE, Client)
    form, formsets = _client_form(request)
    if request.method == "POST" and _is_valid(form, formsets):
        try:
            client = services.create_client(actor=request.user, **form.values_for_service(), **_lists_from(formsets))
        except Invalid as exc:
            _show_errors(form, formsets, exc)
        else:
            messages.success(request, _("Client created."))
            return redirect(_card_url(client))
    return _render_form(request, form, formsets, status=400 if form.is_bound else 200)


def _update(request, client: Client, form, formsets: dict) -> Client:
    """Save the form's values on the card: one call of the service with only what the form holds."""
    return services.update_client(
        actor=request.user,
        client=client,
        version=form.cleaned_data["version"],
        **form.values_for_service(changed_custom_only=True),
        **_lists_from(formsets),
    )


def _after_conflict(request, client: Client, section: Section | None, error: Conflict):
    """Their values stay in the form, the card's current ones beside them, and the current version:
    saving again deliberately overwrites."""
    current = _card_for(request, client.pk, policy.Action.EDIT)
    data = request.POST.copy()
    data["version"] = current.version
    form, formsets = _client_form(request, current, section, data=data)
    _is_valid(form, formsets)
    _show_errors(form, formsets, error)
    return current, form, formsets


def client_edit(request, pk):
    client = _card_for(request, pk, policy.Action.EDIT)
    form, formsets = _client_form(request, client)
    if request.method == "POST" and _is_valid(form, formsets):
        try:
            _update(request, client, form, formsets)
        except Conflict as exc:
            current, form, formsets = _after_conflict(request, client, None, exc)
            return _render_form(request, form, formsets, current, status=409, conflict=exc.message)
        except Invalid as exc:
            _show_errors(form, formsets, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(_card_url(client))
    return _render_form(request, form, formsets, client, status=400 if form.is_bound else 200)


def _section_of(client: Client, key: str) -> Section:
    section = SECTIONS.get(key)
    if section is None or not section.applies_to(client):
        raise NotFound(_("This card has no such section."))
    return section


def section_show(request, pk, section):
    """One group of the Overview as the card shows it (what "Cancel" brings back), for htmx."""
    client = _card_for(request, pk)
    shown = _section_of(client, section)
    if not is_fragment(request):
        return redirect(_card_url(client) + f"#section-{shown.key}")
    return render(request, "clients/_section.html", _section_context(request, client, shown))


def section_edit(request, pk, section):
    """One group of the Overview as a small form (GET), saved with only that group's values (POST).

    htmx swaps the form in place of the group and, once saved, the group back with the header
    and the timeline; without JavaScript the same form is a page of its own.
    """
    client = _card_for(request, pk, policy.Action.EDIT)
    shown = _section_of(client, section)
    form, formsets = _client_form(request, client, shown)
    extra: dict = {}
    if request.method == "POST" and _is_valid(form, formsets):
        try:
            _update(request, client, form, formsets)
        except Conflict as exc:
            client, form, formsets = _after_conflict(request, client, shown, exc)
            extra = {"conflict": exc.message, "status": 409}
        except Invalid as exc:
            _show_errors(form, formsets, exc)
        else:
            return _section_saved(request, pk, shown, old_version=form.cleaned_data["version"])
    status = extra.pop("status", 400 if form.is_bound else 200)
    context = _form_context(request, form, formsets, client, section=shown, **extra)
    template = "clients/_section_form.html" if is_fragment(request) else "clients/_section_page.html"
    return render(request, template, context, status=status)


def _section_saved(request, pk, section: Section, *, old_version: int):
    if not is_fragment(request):
        messages.success(request, _("Changes saved."))
        return redirect(_card_url(queries.get_client_for(request.user, pk)) + f"#section-{section.key}")
    client = _card_for(request, pk)
    context = (
        _timeline_context(request, client, kind="", before="")
        | _header_context(request, client)
        | _section_context(request, client, section)
        | {"old_version": old_version}
    )
    return render(request, "clients/_section_saved.html", context)


def client_delete(request, pk):
    client = queries.get_client_for(request.user, pk, policy.Action.DELETE)
    if request.method == "POST":
        services.delete_client(actor=request.user, client=client)
        messages.success(request, _("Client %(name)s deleted.") % {"name": client.name})
        return redirect("clients:list")
    return render(request, "clients/delete.html", {"client": client})


# The Overview: the card's fields by group


def _shown_custom(field: CustomField, rows: list[FieldValue]) -> str:
    """A custom value as people read it: money with its currency, dates and numbers localized, yes/no in words."""
    kinds = CustomField.Kind
    if field.kind == kinds.MONEY:
        amount = formats.number_format(rows[0].number, decimal_pos=2, use_l10n=True, force_grouping=True)
        return f"{amount} {field.currency}".strip()
    if field.kind == kinds.NUMBER:
        return formats.number_format(number_text(field, rows[0].number), use_l10n=True, force_grouping=True)
    if field.kind == kinds.DATE:
        return formats.date_format(rows[0].date)
    if field.kind == kinds.BOOLEAN:
        return _("Yes") if rows[0].flag else _("No")
    if field.kind == kinds.EMPLOYEE:
        return str(rows[0].employee) if rows[0].employee else "—"
    return ", ".join(row.text for row in rows)


def custom_rows(client: Client) -> list[tuple[str, str]]:
    """(label, value) of the card's custom values, by field in display order (from the card's prefetch)."""
    by_field: dict[CustomField, list[FieldValue]] = {}
    for row in client.field_values.all():
        if not row.field.archived:
            by_field.setdefault(row.field, []).append(row)
    fields = sorted(by_field, key=lambda field: (field.order, field.pk))
    return [(field.label, _shown_custom(field, by_field[field])) for field in fields]


def _is_filled(client: Client, section: Section, custom: list) -> bool:
    if section.custom:
        return bool(custom)
    lists = section.lists + (("tags",) if "tags" in section.fields else ())
    scalars = [name for name in section.fields if name != "tags"]
    return any(getattr(client, name) for name in scalars) or any(getattr(client, name).all() for name in lists)


def _section_context(request, client: Client, section: Section, custom: list | None = None) -> dict:
    custom = custom_rows(client) if custom is None else custom
    return {
        "client": client,
        "section": section,
        "custom_rows": custom,
        "filled": _is_filled(client, section, custom),
        "can_edit": policy.can(request.user, policy.Action.EDIT, client),
    }


def overview_tab(request, client: Client) -> dict:
    queries.prefetch_card(client)
    custom = custom_rows(client)
    has_custom_fields = bool(custom) or queries.custom_fields(archived=False).exists()
    shown = [section for section in sections_of(client) if not section.custom or has_custom_fields]
    return {"sections": [_section_context(request, client, section, custom) for section in shown]}


# The other tabs of the card's own (registered in ClientsConfig.ready)


def contacts_tab(request, client: Client) -> dict:
    find = request.GET.get("find", "").strip()
    side = "person" if client.kind == Client.Kind.COMPANY else "company"
    roles = [value for value in _references() if value.list == ReferenceValue.List.CONTACT_ROLE]
    return {
        "contacts": [(contact, getattr(contact, side)) for contact in queries.contacts_of(request.user, client)],
        "find": find,
        "candidates": queries.link_candidates(request.user, client, find),
        "contact_form": ContactForm(roles=roles),
    }


def contacts_count(request, client: Client) -> int:
    return _contacts_count(request, client)


def history_tab(request, client: Client) -> dict:
    history = queries.history_of(request.user, client, request.GET.get("page"))
    changes = changes_of(history.items)
    return {
        "history": history,
        "history_rows": [{"entry": e, "changes": c} for e, c in zip(history.items, changes, strict=True)],
    }
