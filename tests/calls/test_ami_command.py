"""`carte ami` run as `carte serve` runs it: a separate process that records calls and stops on SIGTERM."""

import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.calls.ami_server import AmiServer, incoming_call

CREATE_CONNECTION = """
from carte.calls.models import Connection
Connection.objects.create(
    name="Office Asterisk", kind="ami", key="asterisk", secret="unused", ami_host="127.0.0.1",
    ami_port={port}, ami_username="carte", ami_password="manager-secret",
)
"""


def carte(*args, tmp_path, **popen):
    env = {"PATH": "/usr/bin:/bin", "CARTE_VAR_DIR": str(tmp_path / "var"), "HOME": str(tmp_path)}
    return subprocess.Popen([sys.executable, "-m", "carte.cli", *args], env=env, text=True, **popen)


@pytest.mark.slow
def test_carte_ami_records_an_incoming_call_and_stops_cleanly_on_sigterm(tmp_path):
    with AmiServer() as server:
        for setup in (["migrate", "--verbosity", "0"], ["shell", "-c", CREATE_CONNECTION.format(port=server.port)]):
            assert carte(*setup, tmp_path=tmp_path).wait(timeout=120) == 0
        listener = carte("ami", "--refresh", "1", tmp_path=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            server.wait_for_logins(1, timeout=30)
            server.push(*incoming_call("1795770000.7"))
            database = sqlite3.connect(tmp_path / "var" / "carte.sqlite3", timeout=10)
            deadline = time.monotonic() + 15
            row = None
            while row is None and time.monotonic() < deadline:
                row = database.execute(
                    "select direction, status, duration from calls_call where external_id = ? and ended_at is not null",
                    ["1795770000.7"],
                ).fetchone()
                time.sleep(0.1)
            database.close()
        finally:
            listener.send_signal(signal.SIGTERM)
            _out, errors = listener.communicate(timeout=15)

    assert row == ("in", "answered", 60)
    assert listener.returncode == 0
    assert "Traceback" not in errors
    assert "AMI connection Office Asterisk: logged in to 127.0.0.1" in errors
