"""What the screen tests share: a browser logged in as someone, and the check that a page's markup
passes the Content-Security-Policy (carte.core.middleware)."""

import re

from django.test import Client as Browser


def browser_for(user) -> Browser:
    """A test browser with `user`'s session."""
    browser = Browser()
    browser.force_login(user)
    return browser


def assert_csp_safe(html: str) -> None:
    """No inline script, style attribute or on* handler: the CSP would block them."""
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html
    assert not re.search(r"\son[a-z]+\s*=", html)
