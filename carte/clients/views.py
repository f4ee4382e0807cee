"""The client screens: list, card with its tabs and timeline, form, deletion, notes and contacts.

Each view parses the request, calls one query or service and renders; refusals raised by
services (NotAllowed, NotFound…) are rendered by carte.core.middleware.domain_errors,
except field errors, which go back into the form. htmx requests get a named partial of
the same template, so every screen also works without JavaScript.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carte.clients import card, queries, services
from carte.clients.forms import (
    ClientFilterForm,
    ClientForm,
    ContactForm,
    EmailFormSet,
    NoteForm,
    PhoneFormSet,
    emails_from,
    phones_from,
)
from carte.clients.models import Client
from carte.core import policy
from carte.core.errors import Conflict, Invalid
from carte.core.htmx import is_fragment, show_refusal
from carte.core.listing import page_of


def _card_url(client: Client, **params) -> str:
    query = urlencode({key: value for key, value in params.items() if value})
    return reverse("clients:card", args=[client.pk]) + (f"?{query}" if query else "")


# The list


def client_list(request):
    form = ClientFilterForm(request.GET, owners=queries.owner_choices(request.user))
    page, error = None, None
    if form.is_valid():
        try:
            page = page_of(queries.clients_visible_to(request.user, **form.filters()), request.GET.get("page"))
        except Invalid as exc:
            error = exc.message
    context = {"form": form, "page": page, "error": error, "can_create": policy.can(request.user, "create", Client)}
    template = "clients/list.html#results" if is_fragment(request) else "clients/list.html"
    return render(request, template, context)


# The card


def _tabs_context(request, client: Client, tab: card.Tab) -> dict:
    base = {
        "client": client,
        "tabs": card.tabs_for(request, client, tab),
        "active_tab": tab,
        "can_edit": policy.can(request.user, "edit", client),
    }
    return card.tab_context(request, client, tab) | base


def _timeline_context(request, client: Client, note_form=None) -> dict:
    kind, before = request.GET.get("kind") or "", request.GET.get("before") or ""
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
        "can_edit": policy.can(request.user, "edit", client),
    }


def _card_context(request, client: Client, tab: card.Tab, note_form=None) -> dict:
    phones, emails = queries.phones_and_emails(client)
    return (
        _timeline_context(request, client, note_form)
        | _tabs_context(request, client, tab)
        | {"phones": phones, "emails": emails, "can_delete": policy.can(request.user, "delete", client)}
    )


def _tab_of(request):
    key = request.GET.get("tab")
    return card.tab_for(request.user, key) if key else card.default_tab()


def client_card(request, pk):
    client = queries.get_client_for(request.user, pk)
    return render(request, "clients/card.html", _card_context(request, client, _tab_of(request)))


def client_tab(request, pk, key):
    """One tab of the card, for htmx; without htmx, the card opened on that tab."""
    client = queries.get_client_for(request.user, pk)
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


# Creating, editing and deleting


def _formsets(request, client: Client | None = None):
    data = request.POST if request.method == "POST" else None
    phones = [{"kind": p.kind, "number": p.number} for p in client.phones.all()] if client else []
    emails = [{"kind": e.kind, "address": e.address} for e in client.emails.all()] if client else []
    return PhoneFormSet(data, prefix="phones", initial=phones), EmailFormSet(data, prefix="emails", initial=emails)


def _render_form(request, form, phones, emails, client=None, status=200):
    context = {"form": form, "phones": phones, "emails": emails, "client": client}
    return render(request, "clients/form.html", context, status=status)


def client_create(request):
    policy.require(request.user, "create", Client)
    owners = queries.assignable_owners(request.user)
    form = ClientForm(request.POST or None, owners=owners, initial={"owner": request.user.pk})
    phones, emails = _formsets(request)
    if request.method == "POST" and form.is_valid() and phones.is_valid() and emails.is_valid():
        try:
            client = services.create_client(
                actor=request.user, **form.fields_for_service(), phones=phones_from(phones), emails=emails_from(emails)
            )
        except Invalid as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Client created."))
            return redirect(_card_url(client))
    return _render_form(request, form, phones, emails)


def client_edit(request, pk):
    client = queries.get_client_for(request.user, pk, "edit")
    owners = queries.assignable_owners(request.user, "edit", current=client.owner)
    form = ClientForm(request.POST or None, owners=owners, initial=ClientForm.initial_from(client))
    form.fields["version"].required = True
    phones, emails = _formsets(request, client)
    if request.method == "POST" and form.is_valid() and phones.is_valid() and emails.is_valid():
        try:
            services.update_client(
                actor=request.user,
                client=client,
                **form.fields_for_service(),
                version=form.cleaned_data["version"],
                phones=phones_from(phones),
                emails=emails_from(emails),
            )
        except Conflict as exc:
            return _show_conflict(request, exc, client, owners, phones, emails)
        except Invalid as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(_card_url(client))
    return _render_form(request, form, phones, emails, client)


def _show_conflict(request, exc: Conflict, client: Client, owners, phones, emails):
    """Their values stay in the form, the current ones are shown beside; saving again overrides."""
    current = queries.get_client_for(request.user, client.pk, "edit")
    data = request.POST.copy()
    data["version"] = current.version
    form = ClientForm(data, owners=owners)
    form.is_valid()
    show_refusal(form, exc)
    messages.warning(request, exc.message)
    return _render_form(request, form, phones, emails, current, status=409)


def client_delete(request, pk):
    client = queries.get_client_for(request.user, pk, "delete")
    if request.method == "POST":
        services.delete_client(actor=request.user, client=client)
        messages.success(request, _("Client %(name)s deleted.") % {"name": client.name})
        return redirect("clients:list")
    return render(request, "clients/delete.html", {"client": client})


# The card's own tabs (registered in ClientsConfig.ready)


def overview_tab(request, client: Client) -> dict:
    phones, emails = queries.phones_and_emails(client)
    return {"phones": phones, "emails": emails}


def contacts_tab(request, client: Client) -> dict:
    find = request.GET.get("find", "").strip()
    side = "person" if client.kind == Client.Kind.COMPANY else "company"
    return {
        "contacts": [(contact, getattr(contact, side)) for contact in queries.contacts_of(request.user, client)],
        "find": find,
        "candidates": queries.link_candidates(request.user, client, find),
        "contact_form": ContactForm(),
    }


def contacts_count(request, client: Client) -> int:
    return queries.count_contacts(request.user, client)


def history_tab(request, client: Client) -> dict:
    history = queries.history_of(request.user, client, request.GET.get("page"))
    return {"history": history, "history_rows": [{"entry": e, "changes": e.changed_fields()} for e in history.items]}
