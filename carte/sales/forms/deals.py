"""Forms of the deal screens and of Settings → Pipelines: parsing only, the services check the rules.

Choices (owners, contact persons, pipelines and stages, currencies, reference values) are read
once by the view and given to the form, which hands the service the chosen records.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from carte.sales.models import Stage

COLOUR_INPUT = forms.TextInput(attrs={"type": "color"})


def _by_pk(records) -> dict[str, object]:
    return {str(record.pk): record for record in records}


class DealForm(forms.Form):
    """A deal's fields. Creating adds the client (hidden), pipeline and stage; editing the version.

    `amount` is left out when the deal has lines (its amount is their total); `lost_reason`
    is there only for a lost deal.
    """

    title = forms.CharField(label=_("title"), max_length=300)
    contact = forms.ChoiceField(label=_("contact person"), required=False)
    owner = forms.ChoiceField(label=_("owner"))
    pipeline = forms.ChoiceField(label=_("pipeline"), required=False)
    stage = forms.ChoiceField(label=_("stage"), required=False, help_text=_("The pipeline's first stage when empty."))
    currency = forms.ChoiceField(label=_("currency"))
    amount = forms.CharField(label=_("amount"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    price_list = forms.ChoiceField(label=_("price list"), required=False)
    expected_close = forms.DateField(
        label=_("expected close"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    probability = forms.CharField(
        label=_("probability, %"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text=_("Leave empty to follow the stage's."),
    )
    source = forms.ChoiceField(label=_("source"), required=False)
    lost_reason = forms.ChoiceField(label=_("reason lost"), required=False)
    notes = forms.CharField(label=_("notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    client = forms.IntegerField(widget=forms.HiddenInput, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args,
        deal=None,
        has_lines: bool = False,
        owners=(),
        contacts=(),
        pipelines=(),
        currencies=(),
        price_lists=(),
        sources=(),
        lost_reasons=(),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.deal = deal
        self._records = {
            "owner": _by_pk(owners),
            "contact": _by_pk(contacts),
            "pipeline": _by_pk(pipelines),
            "stage": _by_pk(stage for pipeline in pipelines for stage in pipeline.stages.all()),
            "price_list": _by_pk(price_lists),
        }
        fields = self.fields
        fields["owner"].choices = [(str(e.pk), str(e)) for e in owners]
        fields["contact"].choices = [("", _("Nobody"))] + [(str(c.pk), c.name) for c in contacts]
        fields["currency"].choices = [
            (c.code, f"{c.code} · {c.name}" if c.name != c.code else c.code) for c in currencies
        ]
        fields["price_list"].choices = [("", _("None"))] + [
            (str(p.pk), f"{p.name} ({p.currency_id})") for p in price_lists
        ]
        fields["source"].choices = [("", "—")] + [(v.key, str(v)) for v in sources]
        fields["lost_reason"].choices = [("", "—")] + [(v.key, str(v)) for v in lost_reasons]
        if deal is None:
            fields["pipeline"].choices = [(str(p.pk), p.name) for p in pipelines]
            fields["stage"].choices = [("", _("First stage"))] + [
                (p.name, [(str(s.pk), s.name) for s in p.stages.all()]) for p in pipelines
            ]
            del fields["version"], fields["lost_reason"]
        else:
            del fields["pipeline"], fields["stage"], fields["client"]
            fields["version"].required = True
            if deal.stage.outcome != Stage.Outcome.LOST:
                del fields["lost_reason"]
        if has_lines:
            del fields["amount"]

    @staticmethod
    def initial_for(deal) -> dict:
        return {
            "title": deal.title,
            "contact": str(deal.contact_id or ""),
            "owner": str(deal.owner_id),
            "currency": deal.currency_id,
            "amount": format(deal.amount.normalize(), "f") if deal.amount else "",
            "price_list": str(deal.price_list_id or ""),
            "expected_close": deal.expected_close,
            "probability": str(deal.probability),
            "source": deal.source.key if deal.source else "",
            "lost_reason": deal.lost_reason.key if deal.lost_reason else "",
            "notes": deal.notes,
            "version": deal.version,
        }

    def values(self) -> dict:
        """Keyword arguments for create_deal / update_deal: the chosen records, the rest as typed."""
        data = self.cleaned_data
        values = {
            name: data[name]
            for name in ("title", "currency", "amount", "expected_close", "probability", "source", "notes")
            if name in self.fields
        }
        if "lost_reason" in self.fields:
            values["lost_reason"] = data["lost_reason"]
        for name in ("owner", "contact", "price_list", "pipeline", "stage"):
            if name in self.fields:
                values[name] = self._records[name].get(data.get(name) or "")
        if self.deal is not None and values.get("probability") in (None, ""):
            values["probability"] = self.deal.stage.probability  # empty: follow the stage again
        return values


class MoveForm(forms.Form):
    """A move to another stage (of the deal's pipeline, or of `pipeline` when it is given)."""

    stage = forms.IntegerField()
    lost_reason = forms.CharField(required=False, max_length=60)
    pipeline = forms.IntegerField(required=False)
    change_pipeline = forms.BooleanField(required=False)  # the stage names the other pipeline
    version = forms.IntegerField(required=False)


class PipelineForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    is_default = forms.BooleanField(
        label=_("default pipeline"), required=False, help_text=_("New deals go to the default pipeline.")
    )


class StageForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    probability = forms.CharField(
        label=_("probability, %"), widget=forms.TextInput(attrs={"inputmode": "numeric"}), initial="0"
    )
    colour = forms.CharField(label=_("colour"), max_length=7, widget=COLOUR_INPUT, initial="#6b7280")
    outcome = forms.ChoiceField(
        label=_("outcome"),
        choices=Stage.Outcome.choices,
        help_text=_("Won and lost stages end a deal; open ones keep it on the board."),
    )

    @staticmethod
    def initial_for(stage: Stage) -> dict:
        return {
            "name": stage.name,
            "probability": str(stage.probability),
            "colour": stage.colour,
            "outcome": stage.outcome,
        }


class StageDeleteForm(forms.Form):
    move_to = forms.ChoiceField(label=_("move its deals to"), required=False)

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = _by_pk(targets)
        self.fields["move_to"].choices = [("", "—")] + [(str(s.pk), s.name) for s in targets]

    def target(self):
        return self.targets.get(self.cleaned_data.get("move_to") or "")


class DirectionForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])

    def step(self) -> int:
        return -1 if self.cleaned_data["direction"] == "up" else 1
