"""The setup checklist, filled by the apps: each registers the steps it knows how to check.

A step is done when the data says so (a company filled in, a verified backup), never
because someone ticked it. Each app adds its steps in its AppConfig.ready(); the
knowledge app shows them (Settings → Getting started, and a card on the admin's home).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class SetupStep:
    """One step of setting Carte up: what it is, why it matters (two sentences), where it is done."""

    key: str
    label: str | Promise
    why: str | Promise
    url_name: str
    done: Callable[[], bool]
    order: int = 100


steps: list[SetupStep] = []


def add_step(step: SetupStep) -> None:
    steps[:] = sorted([item for item in steps if item.key != step.key] + [step], key=lambda item: item.order)


def checklist() -> list[tuple[SetupStep, bool]]:
    """Every step with whether it is done: one or two small queries each."""
    return [(step, bool(step.done())) for step in steps]
