"""Articles' Markdown turned into HTML that is safe to put in a page, whoever wrote it.

Two passes, each enough on its own for the usual attacks:

1. markdown-it (CommonMark, tables, strikethrough) with raw HTML off: `<script>`, `<iframe>`,
   `<img onerror>` … are shown as text. Links keep only http, https, mailto and relative
   addresses, checked after the entities and escapes a browser would decode and the
   whitespace and control characters it would drop (`&#106;avascript:`, `java\tscript:`,
   `JaVaScRiPt:`); a link to anything else stays plain text. Images come only from Carte's
   own site (relative addresses): an image elsewhere becomes a plain link, so reading an
   article never makes the reader's browser call an address nobody configured.
2. nh3 (ammonia) on the result with an allow-list of tags, attributes, classes and URL
   schemes; it also gives every link rel="noopener noreferrer nofollow".

Headings start at h2 (the page's h1 is the title) and get ids for anchors, prefixed (`kb-…`)
so an article can never take the id of an element of the page around it; a link to "#setup"
goes to the heading "Setup". Images carry the class `article-image` (max-width: 100% in
carte.css: the policy forbids style attributes), so a huge image cannot break the page.
"""

import hashlib
import html
import re
from urllib.parse import unquote, urlsplit

import nh3
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from markdown_it import MarkdownIt
from markdown_it.token import Token

# Change RENDERING whenever the rules below change: the cached renderings of the old rules are then unused.
RENDERING = 2
CACHE_SECONDS = 7 * 24 * 3600
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
ANCHOR_PREFIX = "kb-"
# What browsers drop from an address before reading its scheme, and what they treat as a slash.
INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028\u2029\u2060\ufeff]+")
SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")

TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "loading"},
    "ol": {"start"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
CLASSES = {"img": {"article-image"}, "a": {"article-image-link"}}


def _decoded(url: str) -> str:
    """The address as a browser reads its scheme: entities and %-escapes decoded, invisible characters gone."""
    text = url
    for _round in range(3):  # "&amp;#106;" or "%256a": decode until it stops changing
        decoded = unquote(html.unescape(text))
        if decoded == text:
            break
        text = decoded
    return INVISIBLE.sub("", text).lower()


def safe_link(url: str) -> bool:
    """May a link go to this address? http, https, mailto, or a relative address (same site)."""
    if not url:
        return False
    for form in (INVISIBLE.sub("", url).lower(), _decoded(url)):
        scheme = SCHEME.match(form)
        if scheme and scheme.group(1) not in SAFE_SCHEMES:
            return False
    return True


def own_site(url: str) -> bool:
    """Is this image address on Carte's own site: relative, no scheme, no host (nor "//host", "/\\host")?"""
    if not safe_link(url):
        return False
    decoded = _decoded(url)
    if "\\" in decoded or decoded.startswith("//") or SCHEME.match(decoded):
        return False
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable(["table", "strikethrough"])
    parser.validateLink = safe_link  # type: ignore[method-assign]  # markdown-it's documented hook
    rules = parser.add_render_rule
    rules("image", _render_image)
    rules("heading_open", _render_heading_open)
    rules("heading_close", _render_heading_close)
    rules("link_open", _render_link_open)
    return parser


def _below_the_page_title(token: Token) -> None:
    """The page's h1 is the article's title: a heading of the text starts one level lower ("#" is an h2)."""
    token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"


def _render_image(self, tokens: list[Token], idx: int, options, env) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = self.renderInlineAsText(token.children or [], options, env)
    if own_site(src):
        title = token.attrGet("title")
        extra = f' title="{html.escape(str(title))}"' if title else ""
        return f'<img src="{html.escape(src)}" alt="{html.escape(alt)}"{extra} class="article-image" loading="lazy">'
    # An image elsewhere: a link the reader may choose to follow, never a request made for them.
    return f'<a href="{html.escape(src)}" class="article-image-link">{html.escape(alt or src)}</a>'


def _render_heading_open(self, tokens: list[Token], idx: int, options, env) -> str:
    inline = tokens[idx + 1] if idx + 1 < len(tokens) else None
    text = self.renderInlineAsText(inline.children or [], options, env) if inline else ""
    slug = slugify(text, allow_unicode=True)[:60] or "section"
    taken = env.setdefault("heading_ids", {})
    count = taken[slug] = taken.get(slug, 0) + 1
    tokens[idx].attrSet("id", f"{ANCHOR_PREFIX}{slug}" + (f"-{count}" if count > 1 else ""))
    _below_the_page_title(tokens[idx])
    return self.renderToken(tokens, idx, options, env)


def _render_heading_close(self, tokens: list[Token], idx: int, options, env) -> str:
    _below_the_page_title(tokens[idx])
    return self.renderToken(tokens, idx, options, env)


def _render_link_open(self, tokens: list[Token], idx: int, options, env) -> str:
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    if href.startswith("#") and not href.startswith(f"#{ANCHOR_PREFIX}"):
        token.attrSet("href", f"#{ANCHOR_PREFIX}{href[1:]}")
    return self.renderToken(tokens, idx, options, env)


PARSER = _parser()


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    """The second pass's own checks of addresses (nh3 checks the schemes again)."""
    if attribute == "href" and not safe_link(value):
        return None
    if tag == "img" and attribute == "src" and not own_site(value):
        return None
    if tag == "img" and attribute == "loading" and value != "lazy":
        return None
    return value


def clean(markup: str) -> str:
    """The allow-list pass: any tag, attribute, class or address not listed above is dropped."""
    return nh3.clean(
        markup,
        tags=TAGS,
        clean_content_tags={"script", "style"},
        attributes=ATTRIBUTES,
        allowed_classes=CLASSES,
        attribute_filter=_attribute_filter,
        url_schemes=set(SAFE_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render(text: str | None) -> SafeString:
    """An article's Markdown as safe HTML (both passes), kept in the cache by the text's digest.

    Most texts render in milliseconds, but a contrived one of the longest length ("[[[[…",
    "*a*a*a…") takes seconds: the cache makes that the cost of its first reader only.
    """
    text = text or ""
    key = f"carte-knowledge-html:{RENDERING}:{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()}"
    html_text = cache.get(key)
    if not isinstance(html_text, str):
        html_text = clean(PARSER.render(text, {}))
        cache.set(key, html_text, CACHE_SECONDS)
    return mark_safe(html_text)  # cleaned by the allow-list (here, or before it was cached)


def plain_text(text: str | None) -> str:
    """The words of an article without its Markdown, for the search document and excerpts."""
    words: list[str] = []
    for token in PARSER.parse(text or "", {}):
        if token.type == "inline":
            for child in token.children or []:
                if child.type in {"text", "code_inline"}:
                    words.append(child.content)
                elif child.type == "image":
                    words.append(child.content)
                elif child.type in {"softbreak", "hardbreak"}:
                    words.append(" ")
            words.append(" ")
        elif token.type in {"code_block", "fence"}:
            words.append(token.content)
            words.append(" ")
    return re.sub(r"\s+", " ", "".join(words)).strip()


def excerpt(text: str | None, length: int = 160) -> str:
    """The first words of an article, cut at a word, for lists and search results."""
    words = plain_text((text or "")[: length * 20])
    if len(words) <= length:
        return words
    return words[:length].rsplit(" ", 1)[0] + "…"
