"""Duplicates and merging: the warning beside the client form, and the merge screen."""

import re
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carte.clients import queries, services
from carte.core import policy
from carte.core.errors import Conflict, DomainError, Invalid

# The rows of the client form's formsets: phones-0-number, emails-1-address, tax_ids-2-value.
FORM_ROW = re.compile(r"^(?P<prefix>phones|emails|tax_ids)-(?P<index>\d+)-(?P<name>number|address|value)$")


def _form_lists(data) -> dict[str, list[str]]:
    """The phones, emails and tax ids typed in the client form, without the rows ticked for deletion."""
    lists: dict[str, list[str]] = {"phones": [], "emails": [], "tax_ids": []}
    for key in data:
        row = FORM_ROW.match(key)
        if row and data.get(key, "").strip() and not data.get(f"{row['prefix']}-{row['index']}-DELETE"):
            lists[row["prefix"]].append(data[key])
    return lists


def _typed_name(data) -> str:
    name = data.get("name", "").strip()
    return name or " ".join(part for part in (data.get("first_name", ""), data.get("last_name", "")) if part.strip())


def client_duplicates(request):
    """Likely duplicates of what is typed in the client form (the form asks for them as you type)."""
    data = request.GET
    edited = data.get("pk") or data.get("exclude") or ""
    edited = edited if edited.isdigit() else ""
    found = queries.likely_duplicates(request.user, name=_typed_name(data), exclude=edited, **_form_lists(data))
    rows = [
        {
            "client": client,
            "reasons": reasons,
            "can_merge": bool(edited) and policy.can(request.user, policy.Action.DELETE, client),
        }
        for client, reasons in found
    ]
    return render(request, "clients/_duplicates.html", {"duplicates": rows, "edited": edited})


def _merge_url(ids, survivor=None, **params) -> str:
    query = [("ids", pk) for pk in ids] + ([("survivor", survivor)] if survivor else [])
    query += [(key, value) for key, value in params.items() if value]
    return reverse("clients:merge") + (f"?{urlencode(query)}" if query else "")


def client_merge(request):
    """The merge screen: the cards side by side, a value to pick for each differing field, one Merge button."""
    if request.method == "POST":
        return _merge(request)
    ids = queries.merge_ids(request.GET.getlist("ids"))
    plan = queries.merge_plan(request.user, ids, survivor=request.GET.get("survivor"))
    find = request.GET.get("find", "").strip()
    return render(request, "clients/merge.html", _screen(request, plan, find))


def _screen(request, plan, find: str) -> dict:
    """The merge screen's context: the plan, and the links that add or remove a card."""
    ids = [card.pk for card in plan.cards]
    survivor = plan.survivor.pk if plan.survivor else None
    summaries = {summary.card.pk: summary for summary in plan.summaries}
    columns = [
        {
            "card": card,
            "summary": summaries.get(card.pk),
            "remove_url": _merge_url([pk for pk in ids if pk != card.pk], survivor if survivor != card.pk else None),
        }
        for card in plan.cards
    ]

    def adding(client, reasons=()):
        return {"client": client, "reasons": reasons, "add_url": _merge_url([*ids, client.pk], survivor)}

    return {
        "plan": plan,
        "columns": columns,
        "ids": ids,
        "find": find,
        "candidates": [adding(client) for client in queries.merge_candidates(request.user, plan, find)],
        "suggestions": [adding(*duplicate) for duplicate in queries.merge_suggestions(request.user, plan)],
    }


def _merge(request):
    data = request.POST
    cards = queries.clients_to_merge(request.user, queries.merge_ids(data.getlist("ids")))
    survivor = next((card for card in cards if str(card.pk) == data.get("survivor")), cards[0] if cards else None)
    ids = [card.pk for card in cards]
    if survivor is None:
        messages.error(request, _("Choose the cards to merge."))
        return redirect(_merge_url(ids))
    choices = {key.removeprefix("choice_"): value for key, value in data.items() if key.startswith("choice_")}
    versions = {key.removeprefix("version_"): value for key, value in data.items() if key.startswith("version_")}
    others = [card for card in cards if card != survivor]
    try:
        result = services.merge_clients(
            actor=request.user, survivor=survivor, others=others, choices=choices, versions=versions
        )
    except (Invalid, Conflict) as exc:
        messages.error(request, _refusal(exc))
        return redirect(_merge_url(ids, survivor.pk))
    messages.success(
        request,
        ngettext("%(names)s was merged into this card.", "%(names)s were merged into this card.", len(result.merged))
        % {"names": ", ".join(result.merged)},
    )
    return redirect("clients:card", result.survivor.pk)


def _refusal(error: DomainError) -> str:
    """A refusal as one message: what went wrong, then each field's problem."""
    details = [str(message) for messages_ in error.errors.values() for message in messages_]
    details = [detail for detail in details if detail != str(error.message)]
    return " ".join([str(error.message), *details])
