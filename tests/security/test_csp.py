"""The Content-Security-Policy: on every HTML response, strict (no inline or eval'd script or style), and
the pages themselves need nothing it forbids (no inline <script>, no style attributes).

The screens are those of the rights matrix (tests/test_rights_matrix.py), fetched in its world as
the administrator, who may open them all; a fragment that a plain visit sends to its page is
fetched the way htmx asks for it. Error pages and the pages reachable before login are checked too.
"""

import pytest
from django.urls import reverse

from tests.security.html_check import script_problems
from tests.test_rights_matrix import PUBLIC, ROWS

UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "'wasm-unsafe-eval'", "*", "http:", "https:", "data:")
ADA_PAGES = [row for row in ROWS if row.method == "GET" and not row.is_api and "ada" in row.allowed]
PUBLIC_PAGES = ["accounts:login", "accounts:password_reset", "accounts:password_reset_done"]


def directives(policy: str) -> dict[str, list[str]]:
    """A CSP header as {directive: [sources]} (the first of a repeated directive counts, as in browsers)."""
    found: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words and words[0].lower() not in found:
            found[words[0].lower()] = [word.lower() for word in words[1:]]
    return found


def policy_problems(response) -> list[str]:
    """What is missing from, or too loose in, a response's Content-Security-Policy."""
    header = response.get("Content-Security-Policy")
    if not header:
        return ["no Content-Security-Policy header"]
    policy = directives(header)
    if "sandbox" in policy and policy.get("default-src") == ["'none'"]:
        return []  # a file shown inline (a logo): nothing in it may run at all
    problems = []
    default = policy.get("default-src")
    for name in ("script-src", "style-src"):
        sources = policy.get(name, default)
        if sources is None:
            problems.append(f"neither {name} nor default-src")
            continue
        problems += [f"{name} allows {source}" for source in sources if source in UNSAFE]
    for name, wanted in (("object-src", ["'none'"]), ("base-uri", ["'self'"]), ("frame-ancestors", ["'none'"])):
        if policy.get(name) not in (wanted, ["'none'"]):
            problems.append(f"{name} is {policy.get(name)}, not {wanted}")
    return problems


def _html(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", errors="replace")


def _inline_only(problems: list[str]) -> list[str]:
    """The problems the CSP itself would block: inline script, handlers, inline style."""
    words = ("script not from our static files", "event handler", "style attribute", "inline <style>")
    return [problem for problem in problems if problem.split(": ", 1)[-1].startswith(words)]


@pytest.mark.parametrize("row", ADA_PAGES, ids=str)
def test_every_screen_has_a_strict_policy_and_needs_nothing_it_forbids(client, world, row):
    world.make_named(row)
    client.force_login(world.people["ada"])
    url = row.url(world)
    response = client.get(url)
    if response.status_code == 302:
        response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code in (200, 204, 302), url
    assert policy_problems(response) == [], url
    html_page = "html" in response.get("Content-Type", "") and response.status_code == 200
    downloaded = response.get("Content-Disposition", "").startswith("attachment")
    if html_page and not downloaded and "sandbox" not in response.get("Content-Security-Policy", ""):
        assert _inline_only(script_problems(_html(response))) == [], url


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_pages_before_login_have_the_policy_too(client, name):
    assert name in PUBLIC
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert policy_problems(response) == []
    assert _inline_only(script_problems(_html(response))) == []


def test_error_pages_have_the_policy(client, world):
    client.force_login(world.people["rita"])
    responses = {
        "not found": client.get("/no-such-page/"),
        "refused": client.get(reverse("accounts:employee_create")),
        "api problem": client.get("/api/v1/clients/999999"),
    }
    assert responses["not found"].status_code == 404
    assert responses["refused"].status_code in (403, 404)
    for what, response in responses.items():
        assert policy_problems(response) == [], what
        if "html" in response.get("Content-Type", ""):
            assert _inline_only(script_problems(_html(response))) == [], what


def test_the_csrf_failure_page_has_the_policy_and_no_inline_style(world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.people["ada"])
    response = strict.post(reverse("accounts:department_create"), {"name": "West"})
    assert response.status_code == 403
    assert policy_problems(response) == []
    assert _inline_only(script_problems(_html(response))) == []


def test_the_policy_check_finds_a_loose_policy():
    """The check itself: a policy with inline script, or none at all, is reported."""

    class Response(dict):
        pass

    loose = Response({"Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'"})
    assert "script-src allows 'unsafe-inline'" in policy_problems(loose)
    assert policy_problems(Response()) == ["no Content-Security-Policy header"]
    eval_style = Response({"Content-Security-Policy": "default-src 'self' 'unsafe-eval'; object-src 'none'"})
    assert "style-src allows 'unsafe-eval'" in policy_problems(eval_style)
