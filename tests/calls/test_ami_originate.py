"""Click-to-call through Asterisk: `originate` against a real AMI-speaking server on a real socket."""

import socket
import threading
import time

import pytest

from carte.calls.ami import originate
from carte.calls.models import Connection
from carte.core.errors import Conflict, Invalid
from tests.calls.ami_server import AmiServer, free_port


def asterisk(port: int, *, password: str = "manager-secret", host: str = "127.0.0.1") -> Connection:
    """An AMI connection as an administrator sets it up (not saved: originate only reads it)."""
    return Connection(
        name="Office Asterisk",
        kind=Connection.Kind.AMI,
        key="asterisk",
        ami_host=host,
        ami_port=port,
        ami_username="carte",
        ami_password=password,
        ami_context="from-internal",
    )


def test_originate_rings_the_extension_and_dials_the_number_through_the_context():
    with AmiServer() as server:
        originate(asterisk(server.port), extension="101", number="06 12 34 56 78")
        server.wait_for(lambda s: any(a["Action"] == "Logoff" for a in s.actions))

    login, action, logoff = server.actions
    assert (login["Action"], login["Username"], login["Secret"]) == ("Login", "carte", "manager-secret")
    assert {key: action[key] for key in ("Action", "Channel", "Context", "Exten", "Priority", "Async")} == {
        "Action": "Originate",
        "Channel": "PJSIP/101",
        "Context": "from-internal",
        "Exten": "0612345678",
        "Priority": "1",
        "Async": "true",
    }
    assert action["CallerID"] == '"0612345678" <101>'
    assert action["ActionID"] and action["ActionID"] != login["ActionID"]
    assert logoff["Action"] == "Logoff"


def test_an_extension_given_with_its_technology_is_rung_as_it_is():
    with AmiServer() as server:
        originate(asterisk(server.port), extension="SIP/201", number="+33612345678")

    originated = [action for action in server.actions if action["Action"] == "Originate"]
    assert (originated[0]["Channel"], originated[0]["Exten"], originated[0]["CallerID"]) == (
        "SIP/201",
        "+33612345678",
        '"+33612345678" <201>',
    )


def test_an_error_from_asterisk_is_a_conflict_with_its_message():
    with AmiServer() as server:
        server.originate_error = "Extension does not exist."
        with pytest.raises(Conflict) as refused:
            originate(asterisk(server.port), extension="101", number="0612345678")

    assert str(refused.value.message) == "The phone system could not place the call: Extension does not exist."


def test_a_refused_login_is_a_conflict_that_names_the_user_and_password():
    with AmiServer() as server:
        with pytest.raises(Conflict) as refused:
            originate(asterisk(server.port, password="wrong"), extension="101", number="0612345678")

    assert "refused Carte's login (Authentication failed)" in str(refused.value.message)
    assert [action["Action"] for action in server.actions] == ["Login"]


def test_a_closed_port_is_a_conflict_not_a_traceback():
    with pytest.raises(Conflict) as refused:
        originate(asterisk(free_port()), extension="101", number="0612345678")

    assert str(refused.value.message) == "The phone system did not answer: the connection was refused"


def test_an_unknown_host_is_a_conflict():
    with pytest.raises(Conflict) as refused:
        originate(asterisk(5038, host="pbx.invalid"), extension="101", number="0612345678")

    assert str(refused.value.message).startswith("The phone system did not answer:")


def test_a_server_that_never_answers_is_a_conflict_within_the_timeout():
    with AmiServer() as server:
        server.originate_silent = True
        started = time.monotonic()
        with pytest.raises(Conflict) as refused:
            originate(asterisk(server.port), extension="101", number="0612345678", timeout=0.5)

    assert time.monotonic() - started < 3
    assert str(refused.value.message) == "The phone system did not answer: no answer in time"


def test_a_server_that_is_not_asterisk_is_a_conflict():
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()

        def greet_as_a_web_server():
            peer, _address = listening.accept()
            with peer:
                peer.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")

        threading.Thread(target=greet_as_a_web_server, daemon=True).start()
        with pytest.raises(Conflict) as refused:
            originate(asterisk(listening.getsockname()[1]), extension="101", number="0612345678")

    assert "does not speak the Asterisk manager protocol" in str(refused.value.message)


@pytest.mark.parametrize("number", ["", "call me", "0612\r\nAction: Command", "+"])
def test_a_number_that_cannot_be_dialled_is_refused_before_anything_is_sent(number):
    with AmiServer() as server:
        with pytest.raises(Invalid) as refused:
            originate(asterisk(server.port), extension="101", number=number)

    assert "number" in refused.value.errors
    assert server.actions == []


@pytest.mark.parametrize("extension", ["", "101\r\nAction: Command", "1 0 1"])
def test_an_extension_that_cannot_be_rung_is_refused_before_anything_is_sent(extension):
    with AmiServer() as server:
        with pytest.raises(Invalid) as refused:
            originate(asterisk(server.port), extension=extension, number="0612345678")

    assert "extension" in refused.value.errors
    assert server.actions == []
