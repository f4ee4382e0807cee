"""Filling document templates: DOCX (docxtpl) and HTML printed to PDF (WeasyPrint).

Both formats use the same Jinja language in a sandbox: a template reaches only the values it
is given (no attributes of Python objects, no files, no network), and a placeholder that
does not exist stops the rendering with a message naming it ("Unknown placeholder
“client.nmae”") instead of printing nothing. A PDF's images come only from `data:` URLs and
the files the caller hands over (the company's logo, signature and stamp).

This module knows nothing of sales: callers give it a context of plain dicts, lists and
values, and get bytes back, or a `TemplateProblem` (an `Invalid`) whose message a person
can act on.
"""

import html.parser
import io
import logging
import re
import urllib.request
import zipfile
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from carte.core.errors import Invalid
from carte.core.uploads import CONTENT_TYPES, kind_of

# Where the caller's files appear to live: a reserved domain (RFC 2606) that is never looked up.
BASE_URL = "https://files.carte.invalid/"
MAX_OUTPUT = 20 * 1024 * 1024  # characters a filled template may reach
MAX_REPEAT = 100_000  # the longest string or list a template may build with * (and ** exponents ≤ 100)


class _QuietPrinting(logging.Filter):
    """WeasyPrint's progress steps and its advice about font subsetting are not news for a server log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Using fontTools instead of HarfBuzz")


# fontTools reports every table it prunes while WeasyPrint subsets fonts, at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
logging.getLogger("weasyprint").addFilter(_QuietPrinting())


class TemplateProblem(Invalid):
    """A template that cannot be filled; the message says what is wrong and where."""

    def __init__(self, message: str, field: str = "file"):
        super().__init__(message, errors={field: [message]})


class Record:
    """A group of named values a template reads (`client.name`), knowing its own name.

    Unlike a dict it has no methods a key could hide behind (`items`, `values`…), and a
    missing key is reported with its full name ("client.nmae"). Empty groups (no contact
    person) are false in `{% if contact %}` but still answer their keys with "".
    """

    __slots__ = ("_path", "_values", "_present")

    def __init__(self, path: str, values: Mapping[str, Any], present: bool = True):
        self._path = path
        self._values = dict(values)
        self._present = present

    def __getattr__(self, name: str):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str):
        return self._values[name]

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __bool__(self) -> bool:
        return self._present

    def __str__(self) -> str:
        return str(self._values.get("name", ""))

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))


def _singular(path: str) -> str:
    """The name of one item of a list, as loops usually call it: "lines" → "line", "taxes" → "tax"."""
    last = path.rsplit(".", 1)[-1]
    for plural, single in (("ies", "y"), ("xes", "x"), ("s", "")):
        if last.endswith(plural):
            return last[: -len(plural)] + single
    return last


def as_records(value: Any, path: str) -> Any:
    """Dicts become Records named after their place in the context; lists keep their items' names."""
    if isinstance(value, Record):
        return value
    if isinstance(value, Mapping):
        present = bool(value.get("_present", True))
        values = {key: as_records(item, f"{path}.{key}") for key, item in value.items() if key != "_present"}
        return Record(path, values, present)
    if isinstance(value, (list, tuple)):
        return [as_records(item, _singular(path)) for item in value]
    return value


class _Missing(StrictUndefined):
    """An unknown placeholder; its message is the placeholder's full name, read by `_problem`."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        owner = self._undefined_obj
        if isinstance(owner, Record):
            return f"{object.__getattribute__(owner, '_path')}.{self._undefined_name}"
        return str(self._undefined_name)


class _Environment(SandboxedEnvironment):
    """The sandbox, also refusing to build huge strings or numbers (`"x" * 10**9`)."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context, operator, left, right):
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > 100:
            raise SecurityError(_("Powers above 100 are not allowed."))
        if operator == "*":
            for sized, count in ((left, right), (right, left)):
                if isinstance(sized, (str, list, tuple)) and isinstance(count, int) and len(sized) * count > MAX_REPEAT:
                    raise SecurityError(_("This repetition builds too long a text."))
        return super().call_binop(context, operator, left, right)


def environment(loader=None) -> SandboxedEnvironment:
    """The sandboxed Jinja environment of every document template (autoescaped: HTML and Word's XML alike)."""
    env = _Environment(autoescape=True, undefined=_Missing, loader=loader, keep_trailing_newline=True)
    env.policies["truncate.leeway"] = 0
    return env


_ENV = environment()


def _problem(error: Exception, source_lines: list[str] | None = None) -> TemplateProblem:
    """A person's message for what went wrong while filling a template."""
    if isinstance(error, UndefinedError):
        text = str(error.message or "")
        if text.startswith("'") or " " in text:
            return TemplateProblem(_("The template uses something that does not exist: %(error)s") % {"error": text})
        return TemplateProblem(_("Unknown placeholder “%(name)s”.") % {"name": text})
    if isinstance(error, SecurityError):
        return TemplateProblem(_("The template uses something not allowed: %(error)s") % {"error": error})
    if isinstance(error, TemplateSyntaxError):
        near = " ".join(" ".join(source_lines or []).split())[:120]
        if near:
            return TemplateProblem(
                _("Syntax error in the template: %(error)s (near “%(text)s”).") % {"error": error.message, "text": near}
            )
        message = _("Syntax error in the template on line %(line)d: %(error)s")
        return TemplateProblem(message % {"line": error.lineno, "error": error.message})
    if isinstance(error, TemplateError):
        return TemplateProblem(_("The template cannot be filled: %(error)s") % {"error": error.message or error})
    return TemplateProblem(_("The template cannot be filled: %(error)s") % {"error": error})


def _context(context: Mapping[str, Any]) -> dict[str, Any]:
    return {key: as_records(value, key) for key, value in context.items()}


def fill_html(html_text: str, context: Mapping[str, Any], *, env: SandboxedEnvironment | None = None) -> str:
    """The HTML template filled with the context (TemplateProblem when it cannot be)."""
    try:
        if env is not None and env.loader is not None and html_text in env.list_templates():
            template = env.get_template(html_text)
        else:
            template = (env or _ENV).from_string(html_text)
        filled = template.render(_context(context))
    except Exception as error:  # a template can fail in many ways; each becomes a message
        raise _problem(error) from None
    if len(filled) > MAX_OUTPUT:
        raise TemplateProblem(_("The filled template is too large."))
    return filled


class _TextOf(html.parser.HTMLParser):
    """The text a reader would see in an HTML page (not its styles, scripts or head)."""

    HIDDEN = {"style", "script", "head", "title", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.text.append(data)


def visible_text(html_text: str) -> str:
    reader = _TextOf()
    reader.feed(html_text)
    reader.close()
    return " ".join("".join(reader.text).split())


def _nothing() -> TemplateProblem:
    return TemplateProblem(_("The template renders to nothing: the filled document has no text."))


def _fetcher(base_files: Mapping[str, bytes]):
    """WeasyPrint's fetcher: `data:` URLs and the given files only; every other URL fetches nothing."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class OnlyGivenFiles(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                with urllib.request.DataHandler().data_open(urllib.request.Request(url)) as response:
                    body = response.read()
                    content_type = response.headers.get("Content-Type", "application/octet-stream")
                return URLFetcherResponse(url, body, {"Content-Type": content_type})
            name = url.removeprefix(BASE_URL) if url.startswith(BASE_URL) else None
            if name is not None and name in base_files:
                content = base_files[name]
                content_type = CONTENT_TYPES.get(kind_of(content), "application/octet-stream")
                return URLFetcherResponse(url, content, {"Content-Type": content_type})
            raise ValueError(f"Documents fetch nothing from {url[:100]!r}")

    return OnlyGivenFiles(timeout=1, allowed_protocols=("data", "https"), allow_redirects=False)


def render_pdf(html_text: str, context: Mapping[str, Any], base_files: Mapping[str, bytes], *, env=None) -> bytes:
    """Fill an HTML template and print it to PDF; `base_files` are the only files it may show (by name).

    `env` is for Carte's own templates (with a loader for their shared layout); uploaded
    templates always use the bare sandbox.
    """
    import weasyprint

    filled = fill_html(html_text, context, env=env)
    if not visible_text(filled):
        raise _nothing()
    try:
        document = weasyprint.HTML(string=filled, base_url=BASE_URL, url_fetcher=_fetcher(base_files))
        return document.write_pdf()
    except Exception as error:  # WeasyPrint's own failures (a broken style sheet…)
        raise TemplateProblem(_("The PDF cannot be made from this template: %(error)s") % {"error": error}) from None


WORD_TEXT = re.compile(rb"<w:t(?:\s[^>]*)?>([^<]*)</w:t>")


def _docx_text(content: bytes) -> str:
    """The text of a Word document's body (enough to tell whether it says anything)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        body = archive.read("word/document.xml")
    return " ".join(b"".join(WORD_TEXT.findall(body)).decode("utf-8", "replace").split())


def render_docx(
    template_bytes: bytes, context: Mapping[str, Any], base_files: Mapping[str, bytes] | None = None
) -> bytes:
    """Fill a DOCX template; the `images` of the context whose value names a given file become pictures."""
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage

    try:
        template = DocxTemplate(io.BytesIO(template_bytes))
        template.init_docx()
    except Exception:  # python-docx's many ways to say "not a document"
        raise TemplateProblem(_("This file is not a Word document that can be read.")) from None
    values = _context(context)
    images = context.get("images")
    if isinstance(images, Mapping):
        given = base_files or {}
        values["images"] = Record(
            "images",
            {
                key: InlineImage(template, io.BytesIO(given[name]), height=Mm(18)) if name in given else ""
                for key, name in images.items()
            },
        )
    try:
        template.render(values, jinja_env=_ENV)
        output = io.BytesIO()
        template.save(output)
    except Exception as error:
        raise _problem(error, list(getattr(error, "docx_context", None) or [])) from None
    content = output.getvalue()
    if not _docx_text(content):
        raise _nothing()
    return content


def check_template(format: str, content: bytes, sample_context: Mapping[str, Any], base_files=None) -> None:
    """Fill an uploaded template once with a sample context: TemplateProblem when it cannot be used."""
    if format == "docx":
        render_docx(content, sample_context, base_files)
        return
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TemplateProblem(_("An HTML template must be UTF-8 text.")) from None
    render_pdf(text, sample_context, base_files or {})
