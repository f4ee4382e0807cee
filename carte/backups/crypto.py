"""Archive encryption: AES-256-GCM over 1 MiB chunks, streamed (never the whole archive in memory).

Layout: a header (magic, format version, chunk size, a random 96-bit nonce base, a key check),
then chunks, each the ciphertext of up to CHUNK bytes followed by its 16-byte tag. Chunk i uses
the nonce base with i folded into its last 8 bytes; its associated data holds the header, i and
a "last chunk" flag, so a reordered, dropped, truncated or altered chunk (or header) fails its tag.
The key check (an HMAC of the nonce base) tells a wrong key apart from a damaged archive.
"""

import base64
import binascii
import hashlib
import hmac
import os
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.utils.translation import gettext as _

from carte.backups.errors import BackupError

MAGIC = b"CARTE-BACKUP-ENC"
VERSION = 1
CHUNK = 1 << 20
TAG = 16
HEADER_SIZE = len(MAGIC) + 1 + 4 + 12 + 16


def new_key() -> str:
    """A fresh key as text: what goes in the key file."""
    return base64.b64encode(os.urandom(32)).decode("ascii")


def parse_key(text: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise BackupError(_("the backup key is not valid (it must be the text written by `carte backup key`)"))
    return key


def is_encrypted(stream: BinaryIO) -> bool:
    """Whether the stream starts with the encryption header; the stream is put back where it was."""
    position = stream.tell()
    start = stream.read(len(MAGIC))
    stream.seek(position)
    return start == MAGIC


def _key_check(key: bytes, nonce: bytes) -> bytes:
    return hmac.new(key, b"carte backup key check" + nonce, hashlib.sha256).digest()[:16]


def _nonce(base: bytes, index: int) -> bytes:
    return base[:4] + (int.from_bytes(base[4:], "big") ^ index).to_bytes(8, "big")


def _associated(header: bytes, index: int, last: bool) -> bytes:
    return header + index.to_bytes(8, "big") + (b"\x01" if last else b"\x00")


class EncryptingWriter:
    """A write-only file object encrypting into `raw`; close() writes the last chunk (raw stays open)."""

    def __init__(self, raw: BinaryIO, key: bytes):
        self.raw, self.aes = raw, AESGCM(key)
        self.base = os.urandom(12)
        self.header = MAGIC + bytes([VERSION]) + CHUNK.to_bytes(4, "big") + self.base + _key_check(key, self.base)
        raw.write(self.header)
        self.buffer = bytearray()
        self.index = 0
        self.closed = False

    def write(self, data) -> int:
        self.buffer += data
        # A full chunk is sealed only once more data follows it: the last chunk carries the flag.
        while len(self.buffer) > CHUNK:
            self._seal(bytes(self.buffer[:CHUNK]), last=False)
            del self.buffer[:CHUNK]
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self.buffer), last=True)
            self.buffer.clear()
            self.closed = True

    def _seal(self, plain: bytes, last: bool) -> None:
        nonce = _nonce(self.base, self.index)
        self.raw.write(self.aes.encrypt(nonce, plain, _associated(self.header, self.index, last)))
        self.index += 1


class DecryptingReader:
    """A read-only file object giving the plaintext of an encrypted archive, checking every chunk."""

    def __init__(self, raw: BinaryIO, key: bytes | None):
        header = raw.read(HEADER_SIZE)
        if len(header) < HEADER_SIZE or not header.startswith(MAGIC):
            raise BackupError(_("the archive is truncated or is not an encrypted Carte backup"))
        if header[len(MAGIC)] != VERSION:
            raise BackupError(_("this archive is encrypted with a newer format than this Carte reads"))
        if key is None:
            raise BackupError(_("this archive is encrypted: the backup key is needed to read it"))
        offset = len(MAGIC) + 1
        self.chunk = int.from_bytes(header[offset : offset + 4], "big")
        self.base = header[offset + 4 : offset + 16]
        if not 0 < self.chunk <= 64 * CHUNK:
            raise BackupError(_("the archive is damaged (its encryption header is not valid)"))
        if not hmac.compare_digest(header[offset + 16 :], _key_check(key, self.base)):
            raise BackupError(_("the key does not open this archive"))
        self.raw, self.header, self.aes = raw, header, AESGCM(key)
        self.index = 0
        self.pending = raw.read(self.chunk + TAG)
        self.plain = b""
        self.finished = False

    def read(self, size: int = -1) -> bytes:
        while not self.finished and (size < 0 or len(self.plain) < size):
            self.plain += self._open_next()
        if size < 0:
            size = len(self.plain)
        data, self.plain = self.plain[:size], self.plain[size:]
        return data

    def _open_next(self) -> bytes:
        following = self.raw.read(self.chunk + TAG)
        last = not following
        sealed, nonce = self.pending, _nonce(self.base, self.index)
        try:
            plain = self.aes.decrypt(nonce, sealed, _associated(self.header, self.index, last))
        except InvalidTag:
            raise self._failure(sealed, nonce, last) from None
        self.index += 1
        self.pending = following
        self.finished = last
        return plain

    def _failure(self, sealed: bytes, nonce: bytes, last: bool) -> BackupError:
        if last:
            try:  # the chunk opens as a middle one: what followed it is missing
                self.aes.decrypt(nonce, sealed, _associated(self.header, self.index, False))
                return BackupError(_("the archive is truncated (its end is missing)"))
            except InvalidTag:
                pass
        if last:
            return BackupError(_("the archive is truncated or damaged (its last encrypted block does not check)"))
        return BackupError(
            _("the archive is damaged or was altered (encrypted block %(index)s does not check)")
            % {"index": self.index + 1}
        )
