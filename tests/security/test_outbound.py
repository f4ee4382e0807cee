"""Outbound requests: one guarded fetcher, against real HTTP servers on 127.0.0.1 and 127.0.0.2.

Only DNS is faked (a monkeypatched getaddrinfo); every connection in these tests is real.
"""

import asyncio
import ipaddress
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from carte.calls.ami import originate
from carte.calls.ami.protocol import Link, Session
from carte.calls.models import Connection
from carte.calls.services import create_connection, place_call
from carte.core import outbound
from carte.core.errors import Conflict, Invalid
from carte.documents.rendering import BASE_URL, _fetcher

BIG = 100_000


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def _answer(self):
        site = self.server.site
        parts = urlsplit(self.path)
        site.requests.append({"path": parts.path, "headers": dict(self.headers)})
        if self.command == "POST":
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if parts.path == "/redirect":
            self.send_response(int(parse_qs(parts.query).get("status", ["302"])[0]))
            self.send_header("Location", parse_qs(parts.query)["to"][0])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif parts.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif parts.path == "/big":
            self.send_response(200)
            self.send_header("Content-Length", str(BIG))
            self.end_headers()
            self.wfile.write(b"x" * BIG)
        elif parts.path == "/big-unsized":
            self.close_connection = True
            self.send_response(200)
            self.end_headers()
            for _ in range(BIG // 1000):
                self.wfile.write(b"x" * 1000)
        elif parts.path == "/slow":
            threading.Event().wait(1.0)
            self._ok()
        elif parts.path == "/drip":
            # Headers one byte at a time: every single read is quick, the whole answer never is.
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            self.wfile.flush()
            try:
                for byte in b"X-Slow: " + b"a" * 40:
                    threading.Event().wait(0.1)
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                site.drip = "finished"
            except OSError:
                site.drip = "cut"
            site.drip_done.set()
        else:
            self._ok()

    def _ok(self):
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"hello")

    def do_GET(self):
        self._answer()

    def do_POST(self):
        self._answer()

    def log_message(self, *args):
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: "Site"


class Site:
    """A web server on a loopback address recording what it received."""

    def __init__(self, host: str):
        self.requests: list[dict] = []
        self.drip = ""
        self.drip_done = threading.Event()
        self._server = _Server((host, 0), _Handler)
        self._server.site = self
        self.host, self.port = host, self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()

    def url(self, path: str = "/ok") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def close(self):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def site():
    server = Site("127.0.0.1")
    yield server
    server.close()


@pytest.fixture
def other_site():
    server = Site("127.0.0.2")
    yield server
    server.close()


def fake_dns(monkeypatch, answers: dict[str, list[str]], calls: list | None = None):
    """getaddrinfo answering `answers[name]` (each call pops the first list when several are given)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        if calls is not None:
            calls.append(host)
        address = answers[host][0] if len(answers[host]) == 1 else answers[host].pop(0)
        addresses = address.split(",")
        return [
            (
                socket.AF_INET6 if ":" in one else socket.AF_INET,
                socket.SOCK_STREAM,
                socket.IPPROTO_TCP,
                "",
                (one, port, 0, 0) if ":" in one else (one, port),
            )
            for one in addresses
        ]

    monkeypatch.setattr(outbound.socket, "getaddrinfo", getaddrinfo)


# The rule, address by address


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "2a00:1450:4007:80a::200e", "::ffff:8.8.8.8", "2002:808:808::1", "64:ff9b::808:808"],
)
def test_public_addresses_are_public(address):
    assert outbound.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.0.9",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.1.1",
        "100.64.0.1",  # shared (carrier-grade NAT)
        "0.0.0.0",
        "0.1.2.3",
        "192.0.0.8",
        "198.18.0.1",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.0.0.1",
        "::127.0.0.1",  # IPv4-compatible
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    ],
)
def test_local_private_and_special_addresses_are_not_public(address):
    assert not outbound.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "host",
    ["169.254.169.254", "2852039166", "0251.0376.0251.0376", "0xa9.0xfe.0xa9.0xfe", "0xa9fea9fe", "169.254.43518"],
)
def test_metadata_addresses_are_known_in_every_notation(host):
    assert outbound.is_metadata_host(host)
    assert outbound.is_metadata(ipaddress.ip_address("::ffff:169.254.169.254"))


@pytest.mark.parametrize(
    ("host", "address"),
    [("2130706433", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"), ("0x7f.1", "127.0.0.1"), ("127.1", "127.0.0.1")],
)
def test_numeric_hosts_are_read_as_the_c_library_reads_them(host, address):
    assert outbound.numeric_ipv4(host) == ipaddress.ip_address(address)
    assert outbound.numeric_ipv4("example.com") is None and outbound.numeric_ipv4("1.2.3.4.5") is None


# The fetcher against real servers


def test_a_local_server_is_refused_by_default(site):
    with pytest.raises(outbound.Refused, match="local or private"):
        outbound.fetch(site.url())
    assert site.requests == []


def test_the_address_an_administrator_configured_is_reached(site):
    response = outbound.fetch(site.url(), method="POST", body=b"{}", allowed=["127.0.0.1"], timeout=2)
    assert (response.status, response.body) == (200, b"hello")
    assert [request["path"] for request in site.requests] == ["/ok"]


def test_a_configured_address_allows_that_address_only(site):
    for allowed in (["127.0.0.2"], ["10.0.0.0/8"], ["pbx.office.lan"]):
        with pytest.raises(outbound.Refused):
            outbound.fetch(site.url(), allowed=allowed)
    assert site.requests == []
    assert outbound.fetch(site.url(), allowed=["127.0.0.0/30"]).status == 200


@pytest.mark.parametrize(
    "address",
    [
        "http://2130706433:{port}/",
        "http://0177.0.0.1:{port}/",
        "http://0x7f.1:{port}/",
        "http://0x7f000001:{port}/",
        "http://127.1:{port}/",
        "http://127.0.0.1.:{port}/",
        "http://localhost:{port}/",
        "http://LOCALHOST.:{port}/",
        "http://0.0.0.0:{port}/",
        "http://0:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "http://[::ffff:7f00:1]:{port}/",
        "http://[::1]:{port}/",
        "http://[::]:{port}/",
    ],
)
def test_loopback_is_refused_in_every_notation(site, address):
    with pytest.raises(outbound.Refused):
        outbound.fetch(address.format(port=site.port), timeout=1)
    assert site.requests == []


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch):
    fake_dns(monkeypatch, {"intranet.example.com": ["10.20.30.40"], "mixed.example.com": ["93.184.215.14,10.0.0.1"]})
    with pytest.raises(outbound.Refused, match="10.20.30.40"):
        outbound.fetch("http://intranet.example.com/")
    with pytest.raises(outbound.Refused, match="10.0.0.1"):  # every address counts, not only the first
        outbound.fetch("https://mixed.example.com/")


def test_the_name_is_resolved_once_and_the_checked_address_is_the_one_connected(site, monkeypatch):
    """DNS rebinding: a second answer (here 10.9.9.9) must never be asked for, let alone used."""
    calls: list[str] = []
    fake_dns(monkeypatch, {"pbx.example.com": ["127.0.0.1", "10.9.9.9"]}, calls)
    response = outbound.fetch(f"http://pbx.example.com:{site.port}/ok", allowed=["127.0.0.1"], timeout=2)
    assert response.status == 200
    assert calls == ["pbx.example.com"]
    assert site.requests[0]["headers"]["Host"] == f"pbx.example.com:{site.port}"


def test_a_configured_host_name_is_allowed_by_name(site, monkeypatch):
    fake_dns(monkeypatch, {"pbx.office.lan": ["127.0.0.1"]})
    assert outbound.fetch(f"http://pbx.office.lan:{site.port}/ok", allowed=["PBX.office.lan."]).status == 200


def test_a_metadata_address_is_refused_even_when_configured(monkeypatch):
    fake_dns(monkeypatch, {"pbx.example.com": ["169.254.169.254"]})
    for address, allowed in (
        ("http://169.254.169.254/latest/meta-data/", ["169.254.169.254"]),
        ("http://[::ffff:a9fe:a9fe]/", ["::/0"]),
        ("http://pbx.example.com/", ["pbx.example.com"]),
    ):
        with pytest.raises(outbound.Refused, match="metadata"):
            outbound.fetch(address, allowed=allowed, timeout=0.5)


@pytest.mark.parametrize("target", ["http://127.0.0.2:{other}/ok", "http://169.254.169.254:{other}/latest/meta-data/"])
def test_a_redirect_from_an_allowed_server_to_a_local_address_is_refused(site, other_site, target):
    target = target.format(other=other_site.port)
    with pytest.raises(outbound.Refused):
        outbound.fetch(site.url(f"/redirect?to={target}"), allowed=["127.0.0.1"], timeout=1)
    assert [request["path"] for request in site.requests] == ["/redirect"]
    assert other_site.requests == []


def test_a_redirect_to_another_scheme_is_refused(site):
    for target in ("file:///etc/passwd", "gopher://127.0.0.1:70/", "ftp://example.com/"):
        with pytest.raises(outbound.Refused, match="http"):
            outbound.fetch(site.url(f"/redirect?to={target}"), allowed=["127.0.0.1"])


def test_allowed_redirects_are_followed_and_their_number_is_bounded(site):
    response = outbound.fetch(site.url("/redirect?to=/ok&status=303"), method="POST", body=b"{}", allowed=["127.0.0.1"])
    assert (response.status, response.url, response.body) == (200, site.url("/ok"), b"hello")
    with pytest.raises(outbound.Refused, match="more than 3"):
        outbound.fetch(site.url("/loop"), allowed=["127.0.0.1"])
    assert len(site.requests) == 2 + 4
    with pytest.raises(outbound.Refused, match="redirect"):
        outbound.fetch(site.url("/redirect?to=/ok"), allowed=["127.0.0.1"], max_redirects=0)


def test_the_callers_headers_do_not_follow_a_redirect_to_another_origin(site, other_site):
    target = other_site.url("/ok")
    outbound.fetch(
        site.url(f"/redirect?to={target}"),
        headers={"X-Signature": "secret", "User-Agent": "Carte"},
        allowed=["127.0.0.1", "127.0.0.2"],
    )
    assert site.requests[0]["headers"]["X-Signature"] == "secret"
    [seen] = other_site.requests
    assert "X-Signature" not in seen["headers"] and seen["headers"]["User-Agent"] == "Carte"


def test_an_answer_larger_than_the_cap_is_refused(site):
    for path in ("/big", "/big-unsized"):
        with pytest.raises(outbound.Failed, match="larger than 10000 bytes"):
            outbound.fetch(site.url(path), allowed=["127.0.0.1"], max_bytes=10_000)
    assert len(outbound.fetch(site.url("/big"), allowed=["127.0.0.1"], max_bytes=BIG).body) == BIG


def test_a_server_that_does_not_answer_in_time_is_given_up(site):
    with pytest.raises(outbound.Failed, match="in time"):
        outbound.fetch(site.url("/slow"), allowed=["127.0.0.1"], timeout=0.3)


def test_a_server_answering_byte_by_byte_is_cut_at_the_deadline(site):
    with pytest.raises(outbound.Failed, match="in time"):
        outbound.fetch(site.url("/drip"), allowed=["127.0.0.1"], timeout=0.5)
    assert site.drip_done.wait(5)
    assert site.drip == "cut"


@pytest.mark.parametrize(
    "address",
    [
        "file:///etc/passwd",
        "ftp://example.com/",
        "gopher://127.0.0.1/",
        "http://user:password@example.com/",
        "http:///no-host",
        "http://[::1/",
        "http://example.com:99999/",
        "http://example.com/a b",
        "http://example.com/\r\nX-Injected: 1",
        "javascript:alert(1)",
    ],
)
def test_addresses_that_are_not_plain_web_addresses_are_refused(address):
    with pytest.raises(outbound.Refused):
        outbound.fetch(address, timeout=0.5)


# Its users: click-to-call, Asterisk, the connection settings, PDF printing


@pytest.mark.django_db
def test_click_to_call_reaches_only_its_connections_configured_address(alice, monkeypatch):
    alice.phone_extension = "101"
    alice.save()
    Connection.objects.create(name="PBX", key="pbx", secret="s", originate_url="http://169.254.169.254/originate")
    with pytest.raises(Conflict, match="metadata"):
        place_call(actor=alice, number="+33612345678", timeout=0.5)


def test_asterisk_is_never_reached_at_a_metadata_address():
    with pytest.raises(outbound.Refused, match="metadata"):
        Session("169.254.169.254", 5038, timeout=0.5)
    with pytest.raises(outbound.Refused, match="metadata"):
        asyncio.run(Link.open("0xa9fea9fe", 5038, timeout=0.5))
    metadata = Connection(name="Asterisk", kind="ami", key="ast", ami_host="169.254.169.254", ami_port=5038)
    with pytest.raises(Conflict, match="metadata"):
        originate(metadata, extension="101", number="0612345678", timeout=0.5)


@pytest.mark.django_db
def test_a_metadata_address_cannot_be_configured_for_a_connection(ada):
    with pytest.raises(Invalid) as refused:
        create_connection(
            actor=ada,
            name="PBX",
            kind="ami",
            originate_url="http://169.254.169.254/latest/",
            ami_host="0xa9fea9fe",
        )
    assert set(refused.value.errors) >= {"originate_url", "ami_host"}
    assert not Connection.objects.exists()


def test_printing_a_pdf_fetches_nothing_but_data_and_the_given_files(site):
    fetcher = _fetcher({"logo.png": b"\x89PNG\r\n\x1a\n"})
    for address in (
        "file:///etc/passwd",
        site.url("/ok"),
        "https://169.254.169.254/latest/meta-data/",
        "ftp://example.com/x",
        BASE_URL + "../../etc/passwd",
        BASE_URL + "other.png",
    ):
        with pytest.raises(ValueError, match="fetch nothing"):
            fetcher.fetch(address)
    assert site.requests == []
    assert fetcher.fetch(BASE_URL + "logo.png").read() == b"\x89PNG\r\n\x1a\n"
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
