"""Rows of the rights matrix for the setup checklist and the first-run wizard: administrators only.

The "setup" module has no default rights but the administrator's, so Ada alone reads
Getting started, its card, the mail page and the API, and runs the wizard; everyone else is
refused before anything is read or written. Each screen of the wizard that saves has a row
with data that really changes something (the company, the base currency, the language, one
invitation, whose email would leave only after a commit the matrix never makes).
"""

from tests.rights import ADMIN, row

TEAM = {"first_name_0": "Nora", "last_name_0": "New", "email_0": "nora@example.com", "role_0": ""}

ROWS = [
    row("knowledge:setup_checklist", allowed=ADMIN),
    row("knowledge:setup_card", allowed=ADMIN),
    row("knowledge:setup_mail", allowed=ADMIN),
    row("knowledge:wizard", allowed=ADMIN),
    row("knowledge:wizard_step", allowed=ADMIN, args=("company",)),
    row("knowledge:wizard_step", allowed=ADMIN, args=("team",)),
    row("knowledge:wizard_step", allowed=ADMIN, args=("done",)),
    row(
        "knowledge:wizard_step",
        "POST",
        allowed=ADMIN,
        args=("company",),
        data={"name": "Matrix", "legal_name": "Matrix SAS", "address": "1 rue du Test, Paris"},
    ),
    row("knowledge:wizard_step", "POST", allowed=ADMIN, args=("money",), data={"currency": "CHF", "tax_rate": "8.1"}),
    row(
        "knowledge:wizard_step",
        "POST",
        allowed=ADMIN,
        args=("language",),
        data={"language": "fr", "time_zone": "Europe/Paris"},
    ),
    row("knowledge:wizard_step", "POST", allowed=ADMIN, args=("team",), data=TEAM),
    row("knowledge:wizard_skip", "POST", allowed=ADMIN, data={"step": "money"}),
    row("knowledge:wizard_finish", "POST", allowed=ADMIN),
    row("GET /api/v1/setup/checklist", allowed=ADMIN),
]


def records(world: dict) -> dict:
    return {}
