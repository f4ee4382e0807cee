"""The one way Carte calls out over the network: a guarded HTTP fetcher and a guarded TCP connect.

Whatever Carte asks for on a server's behalf (a click-to-call request, an Asterisk manager
link) goes through here, so a URL or host name an attacker can influence, or a redirect a
remote server answers with, never reaches the machine's own services, the office network
or a cloud provider's metadata service (server-side request forgery).

How an address is judged:

- The host is resolved once with `socket.getaddrinfo` (a numeric host in any notation the C
  library accepts — "2130706433", "0177.0.0.1", "0x7f.1", "127.1" — is read here first, the
  same way), and EVERY resolved address is checked; an IPv6 address that carries an IPv4 one
  (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, 6to4, Teredo, NAT64) is judged by
  that IPv4 address too.
- Public addresses pass. Loopback, private, link-local, shared (100.64/10), multicast,
  reserved and unspecified ones pass only when `allowed` names them: the hosts or networks
  the administrator configured for this very call (the phone system of one connection).
- Cloud metadata addresses (169.254.169.254 and its kin) never pass, even when allowed.
- The socket then connects to the checked address itself, never to the name again, so a
  second DNS answer (DNS rebinding) cannot swap in another address; the Host header and the
  TLS server name stay the URL's name, and certificates are verified.
- Redirects are followed by hand, each new address checked the same way, up to
  `max_redirects` (0: a redirect is refused); headers the caller gave are not sent to
  another origin.
- One deadline covers the whole exchange (connect, headers, body, redirects), and the body
  is cut off with an error beyond `max_bytes`.

The administrator's own mail server (SMTP) is not an outbound request in this sense: it is
configured in the environment, not by data, and Django's mail backend talks to it.
"""

import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import urljoin, urlsplit

from django.utils.translation import gettext as _

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_TIMEOUT = 5.0  # seconds for the whole exchange, redirects included
DEFAULT_MAX_BYTES = 1024 * 1024  # of a response body
DEFAULT_MAX_REDIRECTS = 3
CHUNK = 64 * 1024
REDIRECTS = {301, 302, 303, 307, 308}

# Instance metadata services: they hand out cloud credentials, so nothing may ever reach them.
METADATA = tuple(
    ipaddress.ip_network(network)
    for network in (
        "169.254.169.254/32",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle…
        "169.254.170.2/32",  # AWS ECS task credentials
        "169.254.169.123/32",  # AWS time service (same link)
        "100.100.100.200/32",  # Alibaba Cloud
        "168.63.129.16/32",  # Azure WireServer (a public address)
        "fd00:ec2::254/128",  # AWS over IPv6
    )
)
# Ranges `ipaddress` does not flag on every Python version, named here so the rule does not depend on it.
NOT_PUBLIC = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",  # shared address space (carrier-grade NAT)
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_NUMERIC_PART = re.compile(r"^(0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*)$")


class OutboundError(OSError):
    """A request Carte did not make or that did not succeed; `reason` says why, in the user's words.

    An OSError, so code that already handles a network failure handles these the same way.
    """

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class Refused(OutboundError):
    """Carte does not send this: a URL it does not speak, an address it may not reach, a redirect too many."""


class Failed(OutboundError):
    """The other side could not be reached or did not answer properly (unknown name, refused, time-out, too big)."""


@dataclass(frozen=True)
class Response:
    """A whole answer: status, headers, body (at most the cap) and the URL that gave it."""

    url: str
    status: int
    reason: str
    headers: Message = field(repr=False)
    body: bytes = field(repr=False)


@dataclass(frozen=True)
class Allowed:
    """The host names and networks one call may reach although they are not public."""

    names: frozenset[str]
    networks: tuple[Network, ...]

    @classmethod
    def of(cls, entries: Iterable[str]) -> "Allowed":
        """Entries are host names ("pbx.office.lan"), addresses ("10.0.0.5", "::1") or networks ("10.0.0.0/8")."""
        names: set[str] = set()
        networks: list[Network] = []
        for entry in entries:
            text = _bare_host(str(entry or ""))
            if not text:
                continue
            numeric = numeric_ipv4(text)
            if numeric is not None:
                networks.append(ipaddress.ip_network(numeric))
                continue
            try:
                networks.append(ipaddress.ip_network(text, strict=False))
            except ValueError:
                names.add(text)
        return cls(frozenset(names), tuple(networks))

    def admits(self, host: str, address: Address) -> bool:
        if host in self.names:
            return True
        return any(candidate in network for candidate in _forms_of(address) for network in self.networks)


def _bare_host(host: str) -> str:
    """A host as compared and resolved: lower case, no brackets around IPv6, no final dot."""
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host[:-1] if host.endswith(".") and not host.endswith("..") else host


def numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a numeric host stands for, read as inet_aton reads it; None for a name.

    "2130706433", "0177.0.0.1", "0x7f.1" and "127.1" are all 127.0.0.1: one to four parts,
    each decimal, octal (leading 0) or hexadecimal (0x), the last one filling the rest.
    """
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_NUMERIC_PART.match(part) for part in parts):
        return None
    values = [_part_value(part) for part in parts]
    *leading, last = values
    if any(value > 255 for value in leading) or last >= 1 << (8 * (4 - len(leading))):
        return None
    number = last
    for position, value in enumerate(leading):
        number |= value << (8 * (3 - position))
    return ipaddress.IPv4Address(number)


def _part_value(part: str) -> int:
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8)
    return int(part)


def _forms_of(address: Address) -> list[Address]:
    """The address and the IPv4 address an IPv6 one carries (mapped, compatible, 6to4, Teredo, NAT64)."""
    forms: list[Address] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        embedded: ipaddress.IPv4Address | None = None
        if address.ipv4_mapped is not None:
            embedded = address.ipv4_mapped
        elif address.sixtofour is not None:
            embedded = address.sixtofour
        elif address.teredo is not None:
            embedded = address.teredo[1]
        elif address in NAT64 or (address in IPV4_COMPATIBLE and int(address) > 1):
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            forms.append(embedded)
    return forms


def is_metadata(address: Address) -> bool:
    """Is this (or the IPv4 address it carries) a cloud metadata service?"""
    return any(form in network for form in _forms_of(address) for network in METADATA)


def is_public(address: Address) -> bool:
    """May anyone's request reach this address: globally routable, and so is any IPv4 address it carries.

    An IPv4-mapped, IPv4-compatible or NAT64 address is only another way to reach an IPv4 one: that one is judged.
    """
    forms = _forms_of(address)
    if isinstance(address, ipaddress.IPv6Address) and (
        address.ipv4_mapped is not None or address in IPV4_COMPATIBLE or address in NAT64
    ):
        forms = forms[1:] or forms
    for form in forms:
        if (
            form.is_loopback
            or form.is_private
            or form.is_link_local
            or form.is_multicast
            or form.is_reserved
            or form.is_unspecified
            or not form.is_global
            or any(form in network for network in NOT_PUBLIC if network.version == form.version)
        ):
            return False
    return not is_metadata(address)


def check_address(host: str, address: Address, allowed: Allowed) -> None:
    """Refused unless the address is public or allowed for this call; metadata addresses never pass."""
    if is_metadata(address):
        raise Refused(_("%(host)s is a cloud metadata address, which Carte never contacts.") % {"host": host})
    if not is_public(address) and not allowed.admits(host, address):
        raise Refused(
            _("%(host)s is a local or private address (%(address)s): only one an administrator configured may be.")
            % {"host": host, "address": address}
        )


def is_metadata_host(host: str) -> bool:
    """Is this host written as a metadata address (in any notation)? No DNS lookup: for checking settings."""
    host = _bare_host(host)
    address: Address | None = numeric_ipv4(host)
    if address is None:
        try:
            address = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return host in {"metadata", "metadata.google.internal", "instance-data", "instance-data.ec2.internal"}
    return is_metadata(address)


Resolved = tuple[socket.AddressFamily, tuple]


def resolve(host: str, port: int, *, allowed: Iterable[str] | Allowed = ()) -> list[Resolved]:
    """The (family, socket address) pairs to connect to, every one of them checked.

    Refused when any address the name resolves to may not be reached (a name answering with
    one public and one private address is refused as a whole); Failed when the name is unknown.
    """
    rules = allowed if isinstance(allowed, Allowed) else Allowed.of(allowed)
    host = _bare_host(host)
    if not host:
        raise Refused(_("The address has no host."))
    numeric = numeric_ipv4(host)
    if numeric is not None:  # read here, whatever the C library would make of it
        check_address(host, numeric, rules)
        return [(socket.AF_INET, (str(numeric), port))]
    try:
        host.encode("idna")
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (UnicodeError, ValueError):
        raise Refused(_("%(host)s is not a valid host name.") % {"host": host[:100]}) from None
    except OSError:
        raise Failed(_("its host name %(host)s is unknown") % {"host": host[:100]}) from None
    targets: list[Resolved] = []
    for family, _type, _proto, _canonical, sockaddr in found:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        check_address(host, address, rules)
        if (family, sockaddr) not in targets:
            targets.append((family, sockaddr))
    if not targets:
        raise Failed(_("its host name %(host)s is unknown") % {"host": host[:100]})
    return targets


def connect(host: str, port: int, *, timeout: float, allowed: Iterable[str] | Allowed = ()) -> socket.socket:
    """A TCP socket to a checked address of `host` (tried in the resolver's order); OSError when none answers."""
    targets = resolve(host, port, allowed=allowed)
    deadline = time.monotonic() + timeout
    last: OSError | None = None
    for family, sockaddr in targets:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(remaining)
            sock.connect(sockaddr)
            return sock
        except OSError as error:
            sock.close()
            last = error
    raise last or TimeoutError(_("no answer in time"))


class _PinnedConnection(http.client.HTTPConnection):
    """HTTP(S) over a socket already connected to a checked address; the Host header keeps the URL's name."""

    def __init__(self, host: str, port: int, *, socket_to: socket.socket, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._socket_to = socket_to

    def connect(self):
        self.sock = self._socket_to


def _parse(url: str) -> tuple[str, str, int, str]:
    """scheme, host, port and the request target of an http(s) URL; Refused otherwise."""
    try:
        parts = urlsplit(str(url).strip())
        port = parts.port
    except ValueError:
        raise Refused(_("This is not a valid web address.")) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Refused(_("Only http:// and https:// addresses are contacted."))
    if parts.username is not None or parts.password is not None:
        raise Refused(_("A web address with a user name or password in it is not contacted."))
    host = _bare_host(parts.hostname or "")
    if not host:
        raise Refused(_("The address has no host."))
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if any(ord(char) < 33 or ord(char) == 127 for char in target):
        raise Refused(_("This is not a valid web address."))
    return scheme, host, port or (443 if scheme == "https" else 80), target


def _origin(url: str) -> tuple[str, str, int]:
    scheme, host, port, _target = _parse(url)
    return scheme, host, port


def fetch(
    url: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    allowed: Iterable[str] = (),
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_redirects: int = DEFAULT_MAX_REDIRECTS,
) -> Response:
    """Send one HTTP(S) request under the rules above and return the final answer, whatever its status.

    `allowed` lists the hosts or networks the administrator configured for this call that may
    be private (e.g. the address of an on-premises phone system); everything else must be
    public. Raises Refused (nothing was sent there) or Failed (no proper answer in time).
    """
    rules = Allowed.of(allowed)
    deadline = time.monotonic() + timeout
    given = dict(headers or {})
    first = _origin(url)
    for hop in range(max_redirects + 1):
        same_origin = _origin(url) == first
        sent = given if same_origin else {k: v for k, v in given.items() if k.lower() == "user-agent"}
        response = _exchange(method, url, body, sent, rules, deadline, max_bytes)
        if response.status not in REDIRECTS:
            return response
        location = response.headers.get("Location")
        if not location:
            return response
        if hop == max_redirects:
            raise Refused(
                _("it answered with a redirect (HTTP %(status)d), which Carte does not follow here")
                % {"status": response.status}
                if max_redirects == 0
                else _("it redirected more than %(count)d times") % {"count": max_redirects}
            )
        url = urljoin(url, location.strip())
        if response.status in (301, 302, 303) and method not in ("GET", "HEAD"):
            method, body = "GET", None
    raise AssertionError("unreachable")  # the loop returns or raises


def _exchange(
    method: str,
    url: str,
    body: bytes | None,
    headers: Mapping[str, str],
    rules: Allowed,
    deadline: float,
    max_bytes: int,
) -> Response:
    """One request and its answer, within the deadline and the size cap."""
    scheme, host, port, target = _parse(url)

    def remaining() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise Failed(_("no answer in time"))
        return left

    try:
        sock = connect(host, port, timeout=remaining(), allowed=rules)
    except OutboundError:
        raise
    except TimeoutError:
        raise Failed(_("no answer in time")) from None
    except ConnectionRefusedError:
        raise Failed(_("the connection was refused")) from None
    except OSError as error:
        raise Failed(str(error.strerror or error)) from None
    # A server sending one byte at a time would keep each read alive: this cuts the socket at the deadline.
    held = [sock]
    watchdog = threading.Timer(remaining(), lambda: _cut(held[0]))
    watchdog.daemon = True
    watchdog.start()
    connection: _PinnedConnection | None = None
    try:
        if scheme == "https":  # the certificate is checked against the URL's name, which is also the SNI
            sock.settimeout(remaining())
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
            held[0] = sock
        connection = _PinnedConnection(host, port, socket_to=sock, timeout=remaining())
        connection.request(method, target, body=body, headers=dict(headers))
        answer = connection.getresponse()
        declared = answer.getheader("Content-Length")
        if declared and declared.strip().isdigit() and int(declared) > max_bytes:
            raise Failed(_("its answer is larger than %(count)d bytes") % {"count": max_bytes})
        chunks: list[bytes] = []
        size = 0
        while True:
            if connection.sock is not None:
                connection.sock.settimeout(remaining())
            chunk = answer.read(min(CHUNK, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                raise Failed(_("its answer is larger than %(count)d bytes") % {"count": max_bytes})
        remaining()
        return Response(url, answer.status, answer.reason, answer.headers, b"".join(chunks))
    except OutboundError:
        raise
    except TimeoutError:
        raise Failed(_("no answer in time")) from None
    except ssl.SSLError as error:
        raise Failed(_("its secure connection failed: %(reason)s") % {"reason": error.reason or error}) from None
    except (http.client.HTTPException, OSError, ValueError) as error:
        if time.monotonic() >= deadline:
            raise Failed(_("no answer in time")) from None
        raise Failed(_("it did not answer properly: %(reason)s") % {"reason": error or type(error).__name__}) from None
    finally:
        watchdog.cancel()
        if connection is not None:
            connection.close()
        sock.close()


def _cut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed: nothing left to cut
