"""Find what could run as script in a page: the check behind the XSS corpus and the CSP tests.

`script_problems(html)` parses the HTML with the standard library's parser (the way a browser
tokenises tags and decodes entities in attribute values) and lists, one line each:
- a <script> that is not `<script src="/static/...">` (our own static files);
- any event-handler attribute (on*), and htmx's hx-on* (htmx evaluates them as code);
- a javascript:, data: or vbscript: URL in an attribute a browser follows or loads (href, src,
  action, formaction, xlink:href, …), after entity decoding and with whitespace and control
  characters removed, as browsers do before reading the scheme; htmx's hx-vals / hx-headers
  starting with "js:" or "javascript:" (evaluated by htmx);
- <iframe>, <object>, <embed>, <base>, <meta http-equiv="refresh">, an <svg> holding a <script>
  or any <foreignObject>/<animate>/<set> that can rewrite an href;
- a style attribute or a <style> element (the CSP forbids inline style).

Text that merely looks like a tag (escaped as &lt;script&gt;) is text, not an element, and is
not reported: that is the point of escaping.
"""

import re
from html.parser import HTMLParser

STATIC_PREFIX = "/static/"
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "poster",
    "background",
    "srcset",
    "ping",
    "codebase",
    "cite",
    "hx-get",
    "hx-post",
    "hx-put",
    "hx-patch",
    "hx-delete",
}
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")
FORBIDDEN_ELEMENTS = {"iframe", "object", "embed", "base", "frame", "frameset", "applet"}
SVG_ACTIVE = {"script", "foreignobject", "animate", "set", "handler"}
# Browsers drop ASCII whitespace and control characters inside a URL's scheme ("java\tscript:").
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")


def bad_url(value: str) -> bool:
    """True when a URL attribute's value (already entity-decoded by the parser) runs or embeds code."""
    compact = _IGNORED_IN_SCHEME.sub("", value).lower()
    if any(compact.startswith(scheme) for scheme in BAD_SCHEMES):
        return True
    # srcset / ping hold several URLs separated by commas or spaces.
    return any(scheme in compact for scheme in BAD_SCHEMES) and ("," in value or " " in value.strip())


class _ScriptFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.svg_depth = 0

    def _report(self, what: str) -> None:
        line, _column = self.getpos()
        self.problems.append(f"line {line}: {what}")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "svg":
            self.svg_depth = max(0, self.svg_depth - 1)

    def handle_starttag(self, tag, attrs):
        tag = tag.lower()
        values = {name.lower(): value or "" for name, value in attrs}
        shown = self.get_starttag_text() or f"<{tag}>"
        if tag == "script":
            src = values.get("src", "")
            if not src.startswith(STATIC_PREFIX) or src.startswith("//"):
                self._report(f"script not from our static files: {shown[:200]}")
        if tag in FORBIDDEN_ELEMENTS:
            self._report(f"<{tag}> element: {shown[:200]}")
        if tag == "meta" and values.get("http-equiv", "").strip().lower() == "refresh":
            self._report(f"meta refresh: {shown[:200]}")
        if tag == "style":
            self._report("inline <style> element")
        if tag == "svg":
            self.svg_depth += 1
        elif self.svg_depth and tag in SVG_ACTIVE:
            self._report(f"<{tag}> inside <svg>: {shown[:200]}")
        for name, value in values.items():
            if name.startswith("on") or name.startswith("hx-on"):
                self._report(f"event handler attribute {name}: {shown[:200]}")
            elif name == "style":
                self._report(f"style attribute: {shown[:200]}")
            elif name in URL_ATTRIBUTES and bad_url(value):
                self._report(f"{name} with a script or data URL: {shown[:200]}")
            elif name in {"hx-vals", "hx-headers"} and _IGNORED_IN_SCHEME.sub("", value).lower().startswith(
                ("js:", "javascript:")
            ):
                self._report(f"{name} evaluated as code: {shown[:200]}")
            elif name == "srcdoc":
                self._report(f"srcdoc attribute: {shown[:200]}")

    def handle_endtag(self, tag):
        if tag.lower() == "svg" and self.svg_depth:
            self.svg_depth -= 1


def script_problems(html: str | bytes) -> list[str]:
    """Everything in `html` that could run as script, load foreign content or style inline; [] when clean."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    finder = _ScriptFinder()
    finder.feed(html)
    finder.close()
    return finder.problems
