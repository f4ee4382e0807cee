"""The setup checklist in the REST API (who holds the "setup" rights: administrators by default)."""

from django.http import HttpRequest
from ninja import Router, Schema

from carte.knowledge.queries import setup as queries

router = Router(tags=["setup"])


class SetupStepOut(Schema):
    key: str
    label: str
    why: str
    url: str
    done: bool


class SetupChecklistOut(Schema):
    steps: list[SetupStepOut]
    done: int
    total: int
    percent: int
    complete: bool


@router.get("/setup/checklist", response=SetupChecklistOut, summary="The setup checklist")
def setup_checklist(request: HttpRequest):
    """Every step of setting Carte up, in order: whether it is done (read from the data), why it matters and
    the screen that does it; `percent` of the steps are done."""
    checklist = queries.checklist_for(request.user)
    return {
        "steps": checklist.steps,
        "done": checklist.done,
        "total": checklist.total,
        "percent": checklist.percent,
        "complete": checklist.complete,
    }
