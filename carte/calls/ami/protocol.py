"""The Asterisk Manager Interface (AMI) wire format, and the two ways Carte talks it.

AMI is a line protocol over TCP: the server first sends one banner line ("Asterisk Call
Manager/5.0.1"); after that every message, in either direction, is a block of "Key: Value"
lines ended by CR LF, and a blank line ends the block. The client sends actions ("Action:
Login"), each with an ActionID; the server answers with a "Response:" carrying the same
ActionID, and sends "Event:" messages about the calls at any time.

`Link` is the long-lived asyncio session the listener reads events from; `Session` is the
short blocking session that places one call (a web request waits for it).

Both connect through carte.core.outbound: the connection's host is what the administrator
configured, so it may be a private or local address, but never a cloud metadata one, and the
socket goes to the address that was checked (no second DNS lookup).
"""

import asyncio
import time
from collections.abc import Mapping
from itertools import count

from carte.core import outbound

BANNER_PREFIX = "Asterisk Call Manager"
# Longer lines than this are not AMI; the link is dropped rather than grown without bound.
LINE_LIMIT = 64 * 1024

Message = dict[str, str]

_action_ids = count(1)


class ProtocolError(Exception):
    """The other side does not speak AMI as expected (no banner, a broken message, an unknown answer)."""


class LoginRefused(Exception):
    """The phone system refused the user name or the password."""


def next_action_id(prefix: str = "carte") -> str:
    """An ActionID unique in this process, so each answer is matched to its own action."""
    return f"{prefix}-{next(_action_ids)}"


def encode(fields: Mapping[str, str]) -> bytes:
    """One message on the wire; a value with a line break would smuggle in another header, so it is refused."""
    lines = []
    for key, value in fields.items():
        text = str(value)
        if any(mark in text or mark in key for mark in ("\r", "\n")):
            raise ValueError(f"An AMI value cannot hold a line break ({key!r}).")
        lines.append(f"{key}: {text}\r\n")
    return ("".join(lines) + "\r\n").encode("utf-8")


def parse_line(line: str, into: Message) -> None:
    """Add one "Key: Value" line to a message; the first value of a repeated key is kept."""
    key, colon, value = line.partition(":")
    if not colon:
        # Asterisk sends a few free-text lines (old "Response: Follows" output); they carry nothing for Carte.
        return
    into.setdefault(key.strip(), value.strip())


def is_answer_to(message: Message, action_id: str) -> bool:
    return "Response" in message and message.get("ActionID") == action_id


def check_banner(line: str) -> str:
    """The banner line, or ProtocolError when the server is not an Asterisk manager interface."""
    banner = line.strip()
    if not banner.startswith(BANNER_PREFIX):
        raise ProtocolError(f"not an Asterisk manager interface (it said {banner[:60]!r})")
    return banner


def login_action(username: str, secret: str, *, events: str) -> Message:
    return {"Action": "Login", "ActionID": next_action_id(), "Username": username, "Secret": secret, "Events": events}


def check_login(answer: Message) -> None:
    if answer.get("Response", "").lower() != "success":
        raise LoginRefused(answer.get("Message") or "authentication failed")


class Link:
    """A long-lived AMI session over asyncio streams: open, log in, then read messages one by one."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, banner: str):
        self.reader = reader
        self.writer = writer
        self.banner = banner
        # Kept between calls: a read cancelled by a time-out half-way through a message resumes it.
        self.pending: Message = {}

    @classmethod
    async def open(cls, host: str, port: int, *, timeout: float) -> "Link":
        """Connect and read the banner; OSError / TimeoutError when the server cannot be reached."""
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for may swallow a cancellation that
        # comes as the awaited answer arrives, and the listener would then never stop.
        async with asyncio.timeout(timeout):
            sock = await asyncio.to_thread(outbound.connect, host, port, timeout=timeout, allowed=[host])
            try:
                reader, writer = await asyncio.open_connection(sock=sock, limit=LINE_LIMIT)
            except BaseException:
                sock.close()
                raise
        try:
            async with asyncio.timeout(timeout):
                line = await reader.readline()
            banner = check_banner(line.decode("utf-8", "replace"))
        except BaseException:
            writer.close()
            raise
        return cls(reader, writer, banner)

    async def login(self, username: str, secret: str, *, timeout: float, events: str = "call") -> None:
        """Log in and receive the events of the given classes; LoginRefused when the server says no."""
        action = login_action(username, secret, events=events)
        await self.send(action)
        async with asyncio.timeout(timeout):
            answer = await self.answer_to(action["ActionID"])
        check_login(answer)

    async def send(self, fields: Mapping[str, str]) -> None:
        self.writer.write(encode(fields))
        await self.writer.drain()

    async def read(self) -> Message:
        """The next whole message; ConnectionError when the server closed the link."""
        while True:
            try:
                raw = await self.reader.readline()
            except ValueError as exc:  # a line over LINE_LIMIT
                raise ProtocolError(str(exc)) from None
            if not raw:
                raise ConnectionError("the phone system closed the connection")
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if line:
                parse_line(line, self.pending)
            elif self.pending:
                message, self.pending = self.pending, {}
                return message

    async def answer_to(self, action_id: str) -> Message:
        """Read until the response to this action; events read on the way are skipped (none come before login)."""
        while True:
            message = await self.read()
            if is_answer_to(message, action_id):
                return message

    async def close(self) -> None:
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except (OSError, ConnectionError):
            pass  # already gone: closing is all that was wanted


class Session:
    """A short blocking AMI session with one deadline for all of it (used to place a call)."""

    def __init__(self, host: str, port: int, *, timeout: float):
        self.deadline = time.monotonic() + timeout
        self.buffer = b""
        self.socket = outbound.connect(host, port, timeout=timeout, allowed=[host])
        try:
            self.banner = check_banner(self._line())
        except BaseException:
            self.socket.close()
            raise

    def login(self, username: str, secret: str) -> None:
        # No events: this session only waits for its own answers.
        answer = self.ask(login_action(username, secret, events="off"))
        check_login(answer)

    def ask(self, action: Message) -> Message:
        """Send an action (it must have an ActionID) and return the server's response to it."""
        self.socket.sendall(encode(action))
        while True:
            message = self._message()
            if is_answer_to(message, action["ActionID"]):
                return message

    def close(self) -> None:
        try:
            self.socket.sendall(encode({"Action": "Logoff", "ActionID": next_action_id()}))
        except OSError:
            pass  # the server may have closed first; logging off is a courtesy
        finally:
            self.socket.close()

    def _message(self) -> Message:
        message: Message = {}
        while True:
            line = self._line()
            if line:
                parse_line(line, message)
            elif message:
                return message

    def _line(self) -> str:
        while b"\n" not in self.buffer:
            if len(self.buffer) > LINE_LIMIT:
                raise ProtocolError("a line longer than the protocol allows")
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no answer in time")
            self.socket.settimeout(remaining)
            chunk = self.socket.recv(4096)
            if not chunk:
                raise ConnectionError("the phone system closed the connection")
            self.buffer += chunk
        raw, _, self.buffer = self.buffer.partition(b"\n")
        return raw.decode("utf-8", "replace").rstrip("\r")
