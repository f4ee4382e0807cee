"""What the end-to-end tests do again and again: sign in (collecting the browser's errors), keep screenshots."""

from pathlib import Path

from carte.core.testing import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def log_in(page, live_server, username: str) -> list:
    """Log in and collect the browser's errors (a failed htmx swap or a blocked script shows there)."""
    problems: list = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    return problems
