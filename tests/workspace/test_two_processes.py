"""Two separate web processes (no shared memory) and Redis: an event raised in one reaches a browser on the other.

Process A and process B are `carte serve` on the same (temporary SQLite) database and the same
Redis. Alice logs in to B like a browser (login form, cookies) and listens on B's /events/;
Mia, on A, writes a note on Alice's client that mentions @alice through the REST API with her
token. The mention becomes a notification in A, published on Redis, and B pushes it to Alice's
stream: it must arrive within a second.
"""

import http.client
import http.cookiejar
import json
import os
import queue
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import pytest

from tests import own_sqlite_database

pytestmark = [pytest.mark.slow, own_sqlite_database]

SETUP = """
from carte.accounts.services import create_token
from carte.core.testing import ClientFactory, make_personas
people = make_personas()
client = ClientFactory(name="Alice's Bakery", owner=people["alice"])
_token, plain = create_token(actor=people["mia"], name="two processes")
print(client.pk, plain)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def environment(tmp_path):
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "carte.settings",
        "CARTE_VAR_DIR": str(tmp_path / "var"),
        "CARTE_DATABASE_URL": f"sqlite:///{tmp_path / 'carte.sqlite3'}",
        "CARTE_REDIS_URL": f"redis://127.0.0.1:6379/{random.randint(1, 15)}",
        "CARTE_LOG_LEVEL": "WARNING",
    }


def run(environment, *args) -> str:
    result = subprocess.run(
        [sys.executable, *args], env=environment, capture_output=True, text=True, timeout=180, cwd=os.getcwd()
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture
def servers(environment):
    """Processes A and B, stopped (and killed if need be) at the end."""
    run(environment, "-m", "carte.cli", "init", "--no-demo")  # migrate, collect static files
    started = []
    for _ in range(2):
        port = free_port()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "carte.cli",
                "serve",
                "--no-jobs",
                "--no-ami",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append((process, f"http://127.0.0.1:{port}"))
    try:
        for process, base in started:
            wait_until_up(process, base)
        yield [base for _process, base in started]
    finally:
        for process, _base in started:
            process.terminate()
        for process, _base in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def wait_until_up(process, base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"carte serve stopped: {process.stderr.read().decode()[-3000:]}")
        try:
            with urllib.request.urlopen(base + "/accounts/login/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{base} did not start")


def log_in(base: str, username: str, password: str) -> str:
    """Log in through the form like a browser; the Cookie header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
    opener.open(urllib.request.Request(base + "/accounts/login/", data=form.encode(), headers={"Referer": base}))
    cookies = {cookie.name: cookie.value for cookie in jar}
    assert "sessionid" in cookies, "the login failed"
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


class Stream:
    """A browser's EventSource: the lines of /events/ as they arrive, read in a thread."""

    def __init__(self, base: str, cookie: str):
        address = urllib.parse.urlsplit(base)
        self.connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        self.connection.request("GET", "/events/", headers={"Cookie": cookie, "Accept": "text/event-stream"})
        self.response = self.connection.getresponse()
        assert self.response.status == 200 and self.response.getheader("Content-Type").startswith("text/event-stream")
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        try:
            while line := self.response.readline():
                self.lines.put((time.monotonic(), line.decode().rstrip("\n")))
        except Exception:
            pass

    def next_line(self, timeout: float):
        return self.lines.get(timeout=timeout)

    def close(self):
        self.connection.sock.shutdown(socket.SHUT_RDWR)
        self.connection.close()


def test_an_event_raised_in_one_process_reaches_a_browser_on_the_other(environment, servers):
    from carte.core.testing import PASSWORD

    client_id, token = run(environment, "-c", "import django; django.setup()\n" + SETUP).split()
    process_a, process_b = servers
    stream = Stream(process_b, log_in(process_b, "alice", PASSWORD))
    try:
        assert stream.next_line(10)[1] == "retry: 3000"  # B listens on Redis for Alice from now on

        note = json.dumps({"text": "@alice the ovens are in stock"}).encode()
        request = urllib.request.Request(
            f"{process_a}/api/v1/clients/{client_id}/notes",
            data=note,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answered = time.monotonic()
            assert response.status in (200, 201)

        while True:
            arrived, line = stream.next_line(5)
            if line.startswith("data: "):
                break
        payload = json.loads(line.removeprefix("data: "))
        assert payload["type"] == "notification" and payload["kind"] == "mention"
        assert payload["title"] == "Mia Manager mentioned you on Alice's Bakery"
        assert arrived - answered < 1.0, f"took {arrived - answered:.3f} s"
    finally:
        stream.close()
