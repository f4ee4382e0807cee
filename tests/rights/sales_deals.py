"""Rows of the rights matrix for deals and pipelines.

Alice's deal is seen by Ada, Mia (her department's manager), Alice and Rita (who reads
everything); it is hidden from Bob (sellers see their own deals only) and Charlie. Those who
see it change it, but Rita. Anyone who may create deals creates one on a client they see
(Charlie does not see Alice's client). Pipelines and stages are read by everyone and changed
by the administrator only.
"""

from carte.sales.models import Pipeline, Stage
from carte.sales.services.deals import create_deal
from carte.sales.testing import currency, pipeline, stage
from tests.rights import ADMIN, CREATORS, EVERYONE, row

SEE = {"ada", "mia", "alice", "rita"}
EDIT = {"ada", "mia", "alice"}
HIDDEN = {"bob", "charlie"}
DEAL = ("@alices_sales_deal",)
NEW_DEAL = {"client": "@alices_client", "title": "Matrix deal", "owner": "@me", "currency": "EUR"}
EDITED = {"title": "Renamed", "owner": "@alice", "currency": "EUR", "amount": "5", "probability": "10", "version": 1}
LINE = {"lines-0-description": "Oven", "lines-0-quantity": "1", "lines-0-unit_price": "10"}
STAGE = {"name": "Demo", "probability": "40", "colour": "#336699", "outcome": "open"}

ROWS = [
    # The board, the list, the card and its actions
    row("sales:deal_board"),
    row("sales:deal_board", query="?owner=me&close_from=2024-01-01&close_to=2035-12-31"),
    row("sales:deal_list"),
    row("sales:deal_list", query="?state=open&q=Ovens&ordering=-amount"),
    row("sales:deal_create", allowed=CREATORS),
    row(
        "sales:deal_create",
        "POST",
        allowed=CREATORS - {"charlie"},
        hidden={"charlie"},
        data=NEW_DEAL | {"pipeline": "@sales_pipeline"},
    ),
    row("sales:deal_detail", allowed=SEE, hidden=HIDDEN, args=DEAL),
    row("sales:deal_edit", allowed=EDIT, hidden=HIDDEN, args=DEAL),
    row("sales:deal_edit", "POST", allowed=EDIT, hidden=HIDDEN, args=DEAL, data=EDITED),
    row("sales:deal_delete", allowed=EDIT, hidden=HIDDEN, args=DEAL),
    row("sales:deal_delete", "POST", allowed=EDIT, hidden=HIDDEN, args=DEAL),
    row("sales:deal_move", "POST", allowed=EDIT, hidden=HIDDEN, args=DEAL, data={"stage": "@won_stage"}),
    row("sales:deal_lines", allowed=EDIT, hidden=HIDDEN, args=DEAL),
    row("sales:deal_lines", "POST", allowed=EDIT, hidden=HIDDEN, args=DEAL, data=LINE),
    row("clients:tab", allowed=EVERYONE - {"charlie"}, hidden={"charlie"}, args=("@alices_client", "deals")),
    # Settings → Pipelines
    row("sales:pipeline_list"),
    row("sales:pipeline_create", allowed=ADMIN),
    row("sales:pipeline_create", "POST", allowed=ADMIN, data={"name": "Matrix"}),
    row("sales:pipeline_edit", allowed=ADMIN, args=("@other_pipeline",)),
    row("sales:pipeline_edit", "POST", allowed=ADMIN, args=("@other_pipeline",), data={"name": "Renamed"}),
    row("sales:pipeline_archive", "POST", allowed=ADMIN, args=("@other_pipeline",)),
    row("sales:pipeline_restore", "POST", allowed=ADMIN, args=("@archived_pipeline",)),
    row("sales:pipeline_delete", "POST", allowed=ADMIN, args=("@other_pipeline",)),
    row("sales:pipeline_move", "POST", allowed=ADMIN, args=("@other_pipeline",), data={"direction": "up"}),
    row("sales:stage_create", allowed=ADMIN, args=("@other_pipeline",)),
    row("sales:stage_create", "POST", allowed=ADMIN, args=("@other_pipeline",), data=STAGE),
    row("sales:stage_edit", allowed=ADMIN, args=("@spare_stage",)),
    row("sales:stage_edit", "POST", allowed=ADMIN, args=("@spare_stage",), data=STAGE | {"name": "Renamed"}),
    row("sales:stage_move", "POST", allowed=ADMIN, args=("@spare_stage",), data={"direction": "up"}),
    row("sales:stage_delete", allowed=ADMIN, args=("@spare_stage",)),
    row("sales:stage_delete", "POST", allowed=ADMIN, args=("@spare_stage",)),
    # The API
    row("GET /api/v1/pipelines"),
    row("POST /api/v1/pipelines", "POST", allowed=ADMIN, data={"name": "Matrix"}),
    row("GET /api/v1/pipelines/{pipeline_id}", args=("@other_pipeline",)),
    row("PATCH /api/v1/pipelines/{pipeline_id}", "PATCH", allowed=ADMIN, args=("@other_pipeline",), data={"name": "X"}),
    row("DELETE /api/v1/pipelines/{pipeline_id}", "DELETE", allowed=ADMIN, args=("@other_pipeline",)),
    row(
        "POST /api/v1/pipelines/{pipeline_id}/stages",
        "POST",
        allowed=ADMIN,
        args=("@other_pipeline",),
        data={"name": "Demo", "probability": 40},
    ),
    row(
        "PUT /api/v1/pipelines/{pipeline_id}/order",
        "PUT",
        allowed=ADMIN,
        args=("@other_pipeline",),
        data={"stages": ["@other_lost", "@other_won", "@spare_stage", "@other_new"]},
    ),
    row("PATCH /api/v1/stages/{stage_id}", "PATCH", allowed=ADMIN, args=("@spare_stage",), data={"name": "Renamed"}),
    row("DELETE /api/v1/stages/{stage_id}", "DELETE", allowed=ADMIN, args=("@spare_stage",)),
    row("GET /api/v1/deals"),
    row("GET /api/v1/deals", query="?state=open&owner=me&ordering=-amount"),
    row(
        "POST /api/v1/deals",
        "POST",
        allowed=CREATORS - {"charlie"},
        hidden={"charlie"},
        data={"client": "@alices_client", "title": "Matrix deal"},
    ),
    row("GET /api/v1/deals/board"),
    row("GET /api/v1/deals/{deal_id}", allowed=SEE, hidden=HIDDEN, args=DEAL),
    row(
        "PATCH /api/v1/deals/{deal_id}",
        "PATCH",
        allowed=EDIT,
        hidden=HIDDEN,
        args=DEAL,
        data={"version": 1, "title": "Renamed"},
    ),
    row("DELETE /api/v1/deals/{deal_id}", "DELETE", allowed=EDIT, hidden=HIDDEN, args=DEAL),
    row(
        "POST /api/v1/deals/{deal_id}/move",
        "POST",
        allowed=EDIT,
        hidden=HIDDEN,
        args=DEAL,
        data={"stage": "@won_stage"},
    ),
    row(
        "PUT /api/v1/deals/{deal_id}/lines",
        "PUT",
        allowed=EDIT,
        hidden=HIDDEN,
        args=DEAL,
        data={"lines": [{"description": "Oven", "quantity": "1", "unit_price": "10"}]},
    ),
    row("GET /api/v1/deals/{deal_id}/history", allowed=SEE, hidden=HIDDEN, args=DEAL),
]


def records(world: dict) -> dict:
    currency("EUR")
    sales = pipeline()
    other = Pipeline.objects.create(name="Other", order=9)
    stages = {
        "other_new": Stage.objects.create(pipeline=other, name="New", order=1, probability=10),
        "spare_stage": Stage.objects.create(pipeline=other, name="Spare", order=2, probability=20),
        "other_won": Stage.objects.create(pipeline=other, name="Won", order=3, probability=100, outcome="won"),
        "other_lost": Stage.objects.create(pipeline=other, name="Lost", order=4, outcome="lost"),
    }
    archived = Pipeline.objects.create(name="Archived", order=10, archived=True)
    deal = create_deal(actor=world["alice"], client=world["alices_client"], title="Ovens", amount="1200")
    return {
        "sales_pipeline": sales,
        "other_pipeline": other,
        "archived_pipeline": archived,
        "won_stage": stage("Won", sales),
        "alices_sales_deal": deal,
        **stages,
    }
