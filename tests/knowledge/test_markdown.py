"""Articles' Markdown renders to HTML that cannot run script, call another site or break the page."""

from html.parser import HTMLParser

import pytest

from carte.knowledge.markdown import excerpt, own_site, plain_text, render, safe_link
from carte.knowledge.models import MAX_ARTICLE_LENGTH

SAFE_SCHEMES = ("http:", "https:", "mailto:")
ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip

XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=https://evil.example></iframe>",
    "<object data=javascript:alert(1)></object>",
    "<a href=javascript:alert(1)>x</a>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{display:none}</style>",
    "<!-- <script>alert(1)</script> -->",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript&colon;alert(1))",
    "[x](&#0000106&#0000097vascript:alert(1))",
    "[x](java&#09;script:alert(1))",
    "[x](<java\tscript:alert(1)>)",
    "[x](java%0ascript:alert(1))",
    "[x](%6A%61vascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](file:///etc/passwd)",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    '![x](javascript:alert(1) "t")',
    "![x](https://evil.example/x.png)",
    "![x](//evil.example/x.png)",
    "![x](/\\evil.example/x.png)",
    "![x](http:evil.example/x.png)",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "[x][1]\n\n[1]: javascript:alert(1)",
    "[x][1]\n\n[1]: <data:text/html,x> 'title'",
    '[x](https://ok.example "a\\" onmouseover=\\"alert(1)")',
    '[x](https://ok.example/" onmouseover="alert(1))',
    '![a" onerror="alert(1)](/x.png)',
    "# <img src=x onerror=alert(1)>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "| a |\n|---|\n| <script>alert(1)</script> |",
    "> <iframe src=javascript:alert(1)>",
    "[<img src=x onerror=alert(1)>](https://ok.example)",
    "**[x](javascript:alert(1))**",
]


class Parsed(HTMLParser):
    """Every element and attribute of the output."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def parsed(markdown: str) -> list[tuple[str, dict]]:
    parser = Parsed()
    parser.feed(str(render(markdown)))
    parser.close()
    return parser.elements


def _compact(url: str) -> str:
    return "".join(ch for ch in url if ch > " ").lower()


@pytest.mark.parametrize("attack", XSS)
def test_no_attack_survives_rendering(attack):
    for tag, attributes in parsed(attack):
        assert tag in ALLOWED_TAGS, tag
        assert not any(name.startswith("on") for name in attributes), attributes
        assert "style" not in attributes
        for name in ("href", "src"):
            url = attributes.get(name)
            if url is None:
                continue
            compact = _compact(url)
            assert ":" not in compact.split("/")[0] or compact.startswith(SAFE_SCHEMES), url
            if tag == "img":
                assert own_site(url) and not compact.startswith(("//", "/\\")), url


def test_raw_html_is_shown_as_text():
    html = str(render("<script>alert(1)</script> and <b>bold</b>"))
    assert "&lt;script&gt;" in html
    assert "<script" not in html and "<b>" not in html


def test_an_external_image_becomes_a_plain_link():
    elements = parsed("![The logo](https://evil.example/logo.png)")
    assert [tag for tag, _attributes in elements] == ["p", "a"]
    link = elements[1][1]
    assert link["href"] == "https://evil.example/logo.png"
    assert link["rel"] == "noopener noreferrer nofollow"
    assert "The logo" in str(render("![The logo](https://evil.example/logo.png)"))


def test_an_image_of_our_own_site_is_shown_within_the_page_width():
    (_p, (tag, attributes)) = parsed("![Screen](/static/carte/favicon.svg)")
    assert tag == "img"
    assert attributes["src"] == "/static/carte/favicon.svg"
    assert attributes["class"] == "article-image"  # max-width: 100% in carte.css
    assert attributes["loading"] == "lazy"


def test_links_get_rel_noopener_noreferrer_nofollow():
    for markdown in ("[Site](https://example.com)", "<https://example.com>", "[me](mailto:a@example.com)"):
        links = [attributes for tag, attributes in parsed(markdown) if tag == "a"]
        assert links and links[0]["rel"] == "noopener noreferrer nofollow"


def test_relative_and_anchor_links_work():
    links = [a for tag, a in parsed("## Set up\n\n[setup](#set-up) [card](/clients/1/)") if tag == "a"]
    assert [link["href"] for link in links] == ["#kb-set-up", "/clients/1/"]


def test_headings_get_unique_ids_for_anchors():
    headings = [a.get("id") for tag, a in parsed("# Start\n\n## Start\n\n### Счёт клиента") if tag.startswith("h")]
    assert headings == ["kb-start", "kb-start-2", "kb-счёт-клиента"]


def test_tables_lists_and_code_render():
    tags = {tag for tag, _a in parsed("- one\n- two\n\n1. a\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\n```\ncode\n```")}
    assert {"ul", "ol", "li", "table", "th", "td", "pre", "code"} <= tags


def test_safe_link_accepts_http_mailto_and_relative_only():
    assert all(safe_link(url) for url in ("https://a.example", "http://a.example", "mailto:a@b.c", "/x", "x/y", "#h"))
    refused = (
        "javascript:x",
        "JAVASCRIPT:x",
        " javascript:x",
        "java\nscript:x",
        "&#106;avascript:x",
        "data:x",
        "vbscript:x",
    )
    assert not any(safe_link(url) for url in refused)


@pytest.mark.parametrize(
    "text",
    [
        "a" * MAX_ARTICLE_LENGTH,
        "[" * MAX_ARTICLE_LENGTH,
        "> " * (MAX_ARTICLE_LENGTH // 2),
        "*a" * (MAX_ARTICLE_LENGTH // 2),
        "- " * (MAX_ARTICLE_LENGTH // 2),
        "![x](" * (MAX_ARTICLE_LENGTH // 5),
        "<" * MAX_ARTICLE_LENGTH,
        "`" * MAX_ARTICLE_LENGTH,
    ],
    ids=["letters", "brackets", "quotes", "emphasis", "lists", "images", "angles", "backticks"],
)
def test_the_longest_pathological_article_renders_safely(text):
    """Nested and unclosed constructs at the largest size allowed end in plain, safe HTML (no recursion error)."""
    html = str(render(text))
    assert "<script" not in html


def test_a_rendering_is_cached_by_the_texts_digest(monkeypatch):
    text = "# Cached\n\n" + "[" * 1000
    first = render(text)
    monkeypatch.setattr("carte.knowledge.markdown.PARSER.render", lambda *args: pytest.fail("rendered again"))
    assert render(text) == first


def test_plain_text_and_excerpt_keep_the_words_only():
    text = "# Title\n\nSome **bold** text with [a link](https://x.example) and `code`.\n\n" + "word " * 100
    assert plain_text(text).startswith("Title Some bold text with a link and code.")
    short = excerpt(text, 40)
    assert len(short) <= 41 and short.endswith("…")


def test_headings_start_below_the_page_title():
    html = str(render("# Orders\n\n## Delivery\n\n###### Small print"))

    assert '<h2 id="kb-orders">Orders</h2>' in html
    assert '<h3 id="kb-delivery">Delivery</h3>' in html
    assert '<h6 id="kb-small-print">Small print</h6>' in html
    assert "<h1" not in html
