"""Files people upload, and files we hand back: checked by content, stored under generated names.

`check_upload` reads what a file really is (never its name or the browser's word), refuses
what is too large or not of an accepted kind with a message for the user, and returns the
file's kind. `stored_name` gives the name it is saved under, so no uploaded name ever
reaches the disk. `attachment` serves a stored file as a download that browsers do not
try to render or sniff.
"""

import io
import uuid
import zipfile
from dataclasses import dataclass

from django.http import FileResponse
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from carte.core.errors import Invalid

MEGABYTE = 1024 * 1024
IMAGE_KINDS = ("png", "jpeg", "gif", "webp")
# A zip (DOCX) may not unpack to more than this, nor hold more entries: a zip bomb is refused unread.
ZIP_MAX_UNPACKED = 50 * MEGABYTE
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_RATIO = 100

_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpeg",
    b"GIF87a": "gif",
    b"GIF89a": "gif",
}
CONTENT_TYPES = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}
EXTENSIONS = {"jpeg": "jpg"}


@dataclass(frozen=True)
class Upload:
    """A checked upload: its kind ("png", "docx"…) and its bytes."""

    kind: str
    content: bytes

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(self.kind, self.kind)


def check_upload(file, *, field: str, kinds: tuple[str, ...], max_size: int) -> Upload:
    """Read an uploaded file and make sure it is one of `kinds` and at most `max_size` bytes.

    `kinds` among "png", "jpeg", "gif", "webp", "docx", "html". Raises Invalid naming `field`.
    """
    size = getattr(file, "size", None)
    if size is not None and size > max_size:
        raise Invalid(errors={field: [too_large(max_size)]})
    content = file.read(max_size + 1)
    if len(content) > max_size:
        raise Invalid(errors={field: [too_large(max_size)]})
    if not content:
        raise Invalid(errors={field: [_("The file is empty.")]})
    kind = kind_of(content)
    if kind not in kinds:
        raise Invalid(errors={field: [not_accepted(kinds)]})
    if kind in IMAGE_KINDS:
        _check_image(content, field)
    if kind == "docx":
        _check_docx(content, field)
    return Upload(kind, content)


def kind_of(content: bytes) -> str:
    """What the bytes are, by their first bytes and structure; "" when none we accept."""
    for signature, kind in _SIGNATURES.items():
        if content.startswith(signature):
            return kind
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "webp"
    if content.startswith(b"PK\x03\x04"):
        return "docx" if _zip_has(content, "word/document.xml") else ""
    if content.startswith(b"%PDF-"):
        return "pdf"
    return "html" if _is_text(content) else ""


def too_large(max_size: int) -> str:
    return _("The file is too large: at most %(size)d MB.") % {"size": max(1, max_size // MEGABYTE)}


def not_accepted(kinds: tuple[str, ...]) -> str:
    return _("This kind of file is not accepted here. Accepted: %(kinds)s.") % {
        "kinds": ", ".join(EXTENSIONS.get(kind, kind).upper() for kind in kinds)
    }


def _is_text(content: bytes) -> bool:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return "\x00" not in text


def _zip_has(content: bytes, name: str) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return name in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _check_docx(content: bytes, field: str) -> None:
    """A DOCX is a zip: refuse bombs (size, ratio, entry count) and odd paths before anyone unpacks it."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        entries = archive.infolist()
        unpacked = sum(entry.file_size for entry in entries)
        packed = max(1, sum(entry.compress_size for entry in entries))
        odd_path = any(entry.filename.startswith(("/", "\\")) or ".." in entry.filename.split("/") for entry in entries)
        if len(entries) > ZIP_MAX_ENTRIES or unpacked > ZIP_MAX_UNPACKED or unpacked / packed > ZIP_MAX_RATIO:
            raise Invalid(errors={field: [_("This document unpacks to too much data to be a real Word document.")]})
        if odd_path:
            raise Invalid(errors={field: [_("This document holds files with unsafe paths.")]})


def _check_image(content: bytes, field: str) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.width * image.height > 40_000_000:
                raise Invalid(errors={field: [_("This image is too large.")]})
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise Invalid(errors={field: [_("This image cannot be read.")]}) from None


def stored_name(prefix: str, extension: str) -> str:
    """A fresh name for a stored file under `prefix` ("company", "templates"): nothing of the upload's own."""
    return f"{prefix}/{uuid.uuid4().hex}.{extension}"


def attachment(content_or_file, filename: str, kind: str) -> FileResponse:
    """Serve bytes or an open file as a download named `filename`, never rendered inline nor sniffed."""
    stream = io.BytesIO(content_or_file) if isinstance(content_or_file, bytes) else content_or_file
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=get_valid_filename(filename) or "download",
        content_type=CONTENT_TYPES.get(kind, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
