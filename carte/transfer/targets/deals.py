"""Importing deals: the pipeline and stage each is at, its client, amount, owner and chances.

A row names its client by name, tax id, email or the id it had in the old system, among the
clients the importer may see; its pipeline by name (the default pipeline when the row names
none) and its stage by name within it, in any language for the seeded ones ("Proposition" is
"Proposal"). A stage, pipeline, source or reason for losing that Carte lacks is created when
the user chose so and may change those settings, or the row is refused.

Every write goes through the deals services, so the rules of the deal screens hold: a seller
with "own" scope imports only deals she owns on clients she sees, a lost deal names why, the
stage history and the client's timeline are written. A row is the same deal as one in Carte
when it has the same id in the old system (recorded by an earlier import).
"""

from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carte.clients.models import Client, ReferenceValue
from carte.core import policy
from carte.core.errors import Conflict, DomainError, Invalid, NotAllowed
from carte.core.money import parse_decimal, rounded
from carte.sales.models import Deal, Pipeline, SalesDocument, Stage
from carte.sales.services.deals import (
    change_pipeline,
    create_deal,
    default_currency,
    delete_deal,
    move_deal,
    update_deal,
)
from carte.transfer.models import ImportRow
from carte.transfer.targets.base import Context, Field, Outcome, Row
from carte.transfer.targets.finding import (
    day,
    default_employee,
    find_client,
    find_currency,
    find_employee,
    find_pipeline,
    find_reference,
    find_stage,
    forget_keys,
    number,
    raw_shown,
    refusal,
    skipped_message,
    text_within,
    whole_percent,
)
from carte.transfer.targets.one_by_one import OneByOneTarget, old_id_field

Action = policy.Action
List = ReferenceValue.List
# The values an update may change through update_deal (the stage moves through move_deal / change_pipeline).
CHANGED_BY_UPDATE = (
    "title",
    "client",
    "owner",
    "amount",
    "currency",
    "expected_close",
    "probability",
    "source",
    "notes",
)


def _amount(deal: Deal) -> str:
    return str(rounded(deal.amount, deal.currency.digits))


class DealsTarget(OneByOneTarget):
    key = "deals"
    label = gettext_lazy("Deals")
    module = "deals"
    model = Deal
    select_related = ("client", "pipeline", "stage", "currency", "owner", "source", "lost_reason")
    match_related = ("pipeline", "stage", "owner", "currency", "client")
    hidden_match = gettext_lazy("A deal you may not see has this id in the old system.")

    def fields(self) -> list[Field]:
        return [
            old_id_field("deal id", "id affaire", "id сделки"),
            Field(
                "title",
                gettext_lazy("Title"),
                names=(
                    *("title", "deal", "deal name", "name", "subject", "opportunity", "opportunity name"),
                    *("titre", "affaire", "nom de l'affaire", "opportunité", "название", "сделка", "название сделки"),
                ),
                required=True,
                text=lambda deal: deal.title,
            ),
            Field(
                "client",
                gettext_lazy("Client"),
                names=(
                    *("client", "company", "account", "account name", "customer", "organization", "organisation"),
                    *("société", "entreprise", "клиент", "компания", "контрагент", "организация"),
                ),
                required=True,
                text=lambda deal: deal.client.name,
            ),
            Field(
                "pipeline",
                gettext_lazy("Pipeline"),
                names=("pipeline", "funnel", "sales pipeline", "pipeline de vente", "entonnoir", "воронка"),
                text=lambda deal: deal.pipeline.name,
            ),
            Field(
                "stage",
                gettext_lazy("Stage"),
                names=("stage", "deal stage", "status", "étape", "statut", "этап", "стадия", "статус"),
                text=lambda deal: deal.stage.name,
            ),
            Field(
                "amount",
                gettext_lazy("Amount"),
                names=("amount", "value", "deal value", "sum", "total", "montant", "valeur", "сумма", "бюджет"),
                text=_amount,
            ),
            Field(
                "currency",
                gettext_lazy("Currency"),
                names=("currency", "devise", "monnaie", "валюта"),
                text=lambda deal: deal.currency_id,
            ),
            Field(
                "owner",
                gettext_lazy("Owner"),
                names=(
                    *("owner", "deal owner", "responsible", "salesperson", "sales rep", "assigned to"),
                    *("propriétaire", "responsable", "commercial", "ответственный", "менеджер", "владелец"),
                ),
                text=lambda deal: str(deal.owner),
            ),
            Field(
                "expected_close",
                gettext_lazy("Expected close"),
                names=(
                    *("expected close", "expected close date", "close date", "closing date"),
                    *("date de clôture", "clôture prévue", "дата закрытия", "ожидаемая дата закрытия"),
                ),
                text=lambda deal: deal.expected_close.isoformat() if deal.expected_close else "",
            ),
            Field(
                "probability",
                gettext_lazy("Probability, %"),
                names=("probability", "chance", "probabilité", "вероятность"),
                text=lambda deal: str(deal.probability),
            ),
            Field(
                "source",
                gettext_lazy("Source"),
                names=("source", "lead source", "origine", "источник"),
                text=lambda deal: str(deal.source) if deal.source else "",
            ),
            Field(
                "lost_reason",
                gettext_lazy("Reason lost"),
                names=("lost reason", "reason lost", "raison de la perte", "motif de perte", "причина проигрыша"),
                text=lambda deal: str(deal.lost_reason) if deal.lost_reason else "",
            ),
            Field(
                "notes",
                gettext_lazy("Notes"),
                names=(
                    *("notes", "note", "description", "comment", "comments", "remarques", "commentaire"),
                    *("примечание", "комментарий", "описание"),
                ),
                text=lambda deal: deal.notes,
            ),
        ]

    # Checking and saving

    def _row(self, context: Context, row: Row, keyed: dict, keys: list, *, writing: bool) -> Outcome:
        found = self._by_old_id(context, row, keyed)
        duplicates = context.options.duplicates
        if found is not None and duplicates == "skip":
            message = skipped_message(
                found if isinstance(found, Deal) else row.first("title"), self.match_keys["external_id"]
            )
            object_id = found.pk if isinstance(found, Deal) else found
            shown = raw_shown(self.fields(), row)
            return Outcome(row.number, ImportRow.Outcome.SKIPPED, object_id=object_id, message=message, shown=shown)
        if found is not None and duplicates == "update":
            return self._update(context, row, found, keys, writing=writing)
        return self._create(context, row, keys, writing=writing)

    def _read(self, context: Context, row: Row, deal: Deal | None, *, writing: bool) -> dict:
        """The row's values as the deals services take them; Invalid with every field's message at once.

        Cells left empty are left out. For a new deal the pipeline is always there (the default
        one when the row names none) and the stage when the row names one.
        """
        values: dict = {}
        errors: dict = {}

        def read(key: str, reader) -> None:
            text = row.first(key)
            if text.strip():
                try:
                    values[key] = reader(text)
                except Invalid as refused:
                    errors.update(refused.errors)

        read("title", lambda text: text_within(text, Deal, "title", "title"))
        read("client", lambda text: find_client(context, text))
        read("owner", lambda text: find_employee(context, text, "owner"))
        read("amount", lambda text: number(context, text, "amount"))
        read("currency", lambda text: find_currency(context, text))
        read("expected_close", lambda text: day(context, text, "expected_close"))
        read("probability", lambda text: whole_percent(context, text, "probability"))
        current_source = deal.source if deal else None
        read(
            "source",
            lambda text: find_reference(context, List.SOURCE, text, "source", writing=writing, current=current_source),
        )
        current_reason = deal.lost_reason if deal else None
        read(
            "lost_reason",
            lambda text: find_reference(
                context, List.LOST_REASON, text, "lost_reason", writing=writing, current=current_reason
            ),
        )
        read("notes", lambda text: text_within(text, Deal, "notes", "notes", lines=True))
        self._read_stage(context, row, deal, values, errors, writing=writing)
        if deal is None:
            if not values.get("title") and "title" not in errors:
                errors["title"] = [_("A deal needs a title.")]
            if "client" not in values and "client" not in errors:
                errors["client"] = [_("Choose a client.")]
            if "owner" not in values and "owner" not in errors:
                try:
                    values["owner"] = default_employee(context)
                except Invalid as refused:
                    errors.update(refused.errors)
        self._check_amount(context, deal, values, errors)
        self._check_closing(deal, values, errors)
        if errors:
            raise Invalid(errors=errors)
        return values

    def _read_stage(self, context: Context, row: Row, deal: Deal | None, values: dict, errors: dict, *, writing: bool):
        """The pipeline (the deal's own, or the default one for a new deal, unless the row names one) and the stage."""
        try:
            if row.first("pipeline").strip() or deal is None:
                values["pipeline"] = find_pipeline(context, row.first("pipeline"), writing=writing)
            pipeline = values.get("pipeline", deal.pipeline if deal else None)
            if row.first("stage").strip() and pipeline is not None:
                values["stage"] = find_stage(context, pipeline, row.first("stage"), writing=writing)
        except Invalid as refused:
            errors.update(refused.errors)
            return
        pipeline = values.get("pipeline")
        if isinstance(pipeline, Pipeline) and pipeline.archived and (deal is None or deal.pipeline_id != pipeline.pk):
            errors["pipeline"] = [_("This pipeline is archived: choose another one.")]

    def _check_amount(self, context: Context, deal: Deal | None, values: dict, errors: dict) -> None:
        """The amount has no more decimals than the deal's currency has (checked here too, for the dry run)."""
        if "amount" not in values:
            return
        currency = values.get("currency") or (deal.currency if deal else None)
        if currency is None:
            if "default currency" not in context.cache:
                context.cache["default currency"] = default_currency()
            currency = context.cache["default currency"]
        digits = currency.digits if currency is not None else 2
        try:
            values["amount"] = parse_decimal(values["amount"], "amount", digits=digits, minimum=Decimal(0))
        except Invalid as refused:
            errors.update(refused.errors)

    @staticmethod
    def _check_closing(deal: Deal | None, values: dict, errors: dict) -> None:
        """A deal at a lost stage says why it was lost; one at another stage has no such reason.

        The stage is the row's, else the deal's own while it stays in its pipeline, else the
        first stage (open) of the pipeline; a stage the import is to make is open too.
        """
        stage = values.get("stage")
        pipeline = values.get("pipeline")
        if stage is None and deal is not None and (pipeline is None or pipeline.pk == deal.pipeline_id):
            stage = deal.stage
        lost = isinstance(stage, Stage) and stage.outcome == Stage.Outcome.LOST
        staying = deal is not None and stage is not None and stage.pk == deal.stage_id
        reason = values.get("lost_reason", deal.lost_reason if deal is not None and staying else None)
        if lost and reason is None and "lost_reason" not in errors:
            errors["lost_reason"] = [_("Say why the deal was lost.")]
        elif not lost and "lost_reason" in values:
            errors["lost_reason"] = [_("Only a lost deal has a reason for being lost.")]

    def _shown(self, values: dict, row: Row) -> dict:
        """The row as it will be saved: what it names by the names they have in Carte."""
        labels = self._labels()
        shown = raw_shown(self.fields(), row)
        for key, value in values.items():
            if key == "currency":
                value = value.code
            elif isinstance(value, date):
                value = value.isoformat()
            shown[labels[key]] = str(value)
        return shown

    def _create(self, context: Context, row: Row, keys: list, *, writing: bool) -> Outcome:
        values = self._read(context, row, None, writing=writing)
        shown = self._shown(values, row)
        if not policy.can(context.actor, Action.CREATE, Deal(owner=values["owner"])):
            raise NotAllowed()
        if not writing:
            object_id, stamp = context.next_placeholder(), ""
        else:
            deal = create_deal(actor=context.actor, **values)
            object_id, stamp = deal.pk, str(deal.version)
        self._made(context, row, object_id, keys, writing=writing)
        return Outcome(row.number, ImportRow.Outcome.CREATED, object_id=object_id, stamp=stamp, shown=shown)

    def _update(self, context: Context, row: Row, found, keys: list, *, writing: bool) -> Outcome:
        deal = found if isinstance(found, Deal) else None
        values = self._read(context, row, deal, writing=writing)
        shown = self._shown(values, row)
        if deal is None:  # a deal an earlier row of this dry run makes
            return Outcome(row.number, ImportRow.Outcome.UPDATED, object_id=found, shown=shown)
        owner = values.get("owner", deal.owner)
        if not policy.can(context.actor, Action.EDIT, deal) or not policy.can(
            context.actor, Action.EDIT, Deal(owner=owner)
        ):
            raise NotAllowed()
        before = self._before(deal)
        if writing:
            deal = self._change(context.actor, deal, values)
            self._made(context, row, deal.pk, keys, writing=writing)
        return Outcome(
            row.number,
            ImportRow.Outcome.UPDATED,
            object_id=deal.pk,
            stamp=str(deal.version),
            before=before,
            shown=shown,
        )

    @staticmethod
    def _change(actor, deal: Deal, values: dict) -> Deal:
        """Move the deal to the row's pipeline and stage, then change its other values: each through its service."""
        pipeline, stage = values.get("pipeline", deal.pipeline), values.get("stage")
        reason = values.get("lost_reason")
        moved = False
        if pipeline.pk != deal.pipeline_id:
            deal = change_pipeline(actor=actor, deal=deal, pipeline=pipeline, stage=stage, lost_reason=reason)
            moved = True
        elif stage is not None and stage.pk != deal.stage_id:
            deal = move_deal(actor=actor, deal=deal, stage=stage, lost_reason=reason)
            moved = True
        changes = {key: values[key] for key in CHANGED_BY_UPDATE if key in values}
        if "lost_reason" in values and not moved:
            changes["lost_reason"] = reason
        if changes:
            deal = update_deal(actor=actor, deal=deal, version=None, **changes)
        return deal

    @staticmethod
    def _before(deal: Deal) -> dict:
        """What an update may replace, as `undo` puts it back."""
        return {
            "title": deal.title,
            "client": deal.client_id,
            "owner": deal.owner_id,
            "amount": str(deal.amount),
            "currency": deal.currency_id,
            "expected_close": deal.expected_close.isoformat() if deal.expected_close else None,
            "probability": deal.probability,
            "source": deal.source_id,
            "notes": deal.notes,
            "pipeline": deal.pipeline_id,
            "stage": deal.stage_id,
            "lost_reason": deal.lost_reason_id,
        }

    # Undoing

    def moved(self, ids_and_stamps) -> set[int]:
        stamps = dict(ids_and_stamps)
        now = dict(Deal.objects.filter(pk__in=list(stamps)).values_list("pk", "version"))
        return {pk for pk, stamp in stamps.items() if pk not in now or str(now[pk]) != stamp}

    @transaction.atomic
    def undo(self, actor, created: list[int], updated: list[tuple[int, dict]]) -> None:
        """Delete the deals the import made and put back the values and stages it replaced.

        A deal that quotes, invoices or other documents were made from since cannot be deleted:
        the undo is then refused, naming those deals, before anything changes.
        """
        deals = list(Deal.objects.filter(pk__in=created).select_related("client"))
        kept = set(SalesDocument.objects.filter(deal__in=deals).values_list("deal_id", flat=True))
        if kept:
            names = ", ".join(f"“{deal}”" for deal in deals if deal.pk in kept)
            raise Conflict(
                _("Documents were made from these deals since the import, so they cannot be deleted: %(names)s.")
                % {"names": names}
            )
        for deal in deals:
            delete_deal(actor=actor, deal=deal)
        forget_keys(self.key, [deal.pk for deal in deals])
        for pk, before in updated:
            changed = Deal.objects.filter(pk=pk).first()
            if changed is not None:
                self._restore(actor, changed, before)

    @staticmethod
    def _restore(actor, deal: Deal, before: dict) -> None:
        try:
            values = {
                "pipeline": Pipeline.objects.get(pk=before["pipeline"]),
                "stage": Stage.objects.get(pk=before["stage"]),
                "lost_reason": ReferenceValue.objects.filter(pk=before["lost_reason"] or 0).first(),
                "title": before["title"],
                "client": Client.objects.get(pk=before["client"]),
                "owner": get_user_model().objects.get(pk=before["owner"]),
                "amount": before["amount"],
                "currency": before["currency"],
                "expected_close": date.fromisoformat(before["expected_close"]) if before["expected_close"] else None,
                "probability": before["probability"],
                "source": ReferenceValue.objects.filter(pk=before["source"] or 0).first(),
                "notes": before["notes"],
            }
            DealsTarget._change(actor, deal, values)
        except DomainError as refused:
            message = _("“%(record)s” cannot be put back as it was: %(reason)s")
            raise Conflict(message % {"record": deal, "reason": refusal(refused, {})}) from None
        except (Pipeline.DoesNotExist, Stage.DoesNotExist, Client.DoesNotExist, get_user_model().DoesNotExist):
            message = _("“%(record)s” cannot be put back as it was: what it named before was deleted since.")
            raise Conflict(message % {"record": deal}) from None
