"""A small server that speaks Asterisk's manager protocol, for the AMI connector's tests.

It listens on 127.0.0.1 on a free port, greets with a banner, accepts one user and secret
(refusing others and then closing, as Asterisk does), answers Ping, Originate (Success, or
Error when told to) and Logoff, records every action it receives, and pushes the events a
test gives it to every logged-in client. `drop_clients()` cuts the links, to test reconnects.
`incoming_call()`, `outgoing_call()` and `internal_call()` script the events of typical calls.
"""

import socket
import socketserver
import threading
import time

BANNER = "Asterisk Call Manager/9.0.0"


def wire(fields: dict) -> bytes:
    return ("".join(f"{key}: {value}\r\n" for key, value in fields.items()) + "\r\n").encode()


class _Handler(socketserver.StreamRequestHandler):
    server: "_TCPServer"

    def handle(self):
        ami = self.server.ami
        self.wfile.write(f"{BANNER}\r\n".encode())
        logged_in = False
        try:
            while True:
                action = self._read_message()
                if action is None:
                    return
                ami.record(action)
                name = action.get("Action", "").lower()
                answer = {"ActionID": action.get("ActionID", "")}
                if name == "login":
                    if (action.get("Username"), action.get("Secret")) != (ami.username, ami.secret):
                        self._send({"Response": "Error", **answer, "Message": "Authentication failed"})
                        return  # Asterisk closes the session after a refused login
                    self._send({"Response": "Success", **answer, "Message": "Authentication accepted"})
                    logged_in = True
                    ami.joined(self)
                elif not logged_in:
                    self._send({"Response": "Error", **answer, "Message": "Permission denied"})
                elif name == "ping":
                    self._send({"Response": "Success", **answer, "Ping": "Pong", "Timestamp": f"{time.time():.6f}"})
                elif name == "originate":
                    if ami.originate_error:
                        self._send({"Response": "Error", **answer, "Message": ami.originate_error})
                    elif not ami.originate_silent:
                        self._send({"Response": "Success", **answer, "Message": "Originate successfully queued"})
                elif name == "logoff":
                    self._send({"Response": "Goodbye", **answer, "Message": "Thanks for all the fish."})
                    return
                else:
                    self._send({"Response": "Error", **answer, "Message": "Invalid/unknown command"})
        except OSError:
            return
        finally:
            ami.left(self)

    def _read_message(self) -> dict | None:
        message: dict = {}
        while True:
            raw = self.rfile.readline()
            if not raw:
                return None
            line = raw.decode().rstrip("\r\n")
            if not line:
                if message:
                    return message
                continue
            key, _, value = line.partition(":")
            message[key.strip()] = value.strip()

    def _send(self, fields: dict) -> None:
        with self.server.ami.writing:
            self.wfile.write(wire(fields))


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    ami: "AmiServer"


class AmiServer:
    """`with AmiServer(username, secret) as server:` — a running server on `server.port`."""

    def __init__(self, username: str = "carte", secret: str = "manager-secret"):
        self.username = username
        self.secret = secret
        self.originate_error = ""  # when set, Originate is answered with this error
        self.originate_silent = False  # when set, Originate gets no answer at all
        self.actions: list[dict] = []
        self.logins = 0
        self._clients: list[_Handler] = []
        self._changed = threading.Condition()
        self.writing = threading.Lock()
        self._server = _TCPServer(("127.0.0.1", 0), _Handler)
        self._server.ami = self
        self.port = self._server.server_address[1]

    def __enter__(self) -> "AmiServer":
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self.drop_clients()
        self._server.server_close()

    # Called by the handlers.
    def record(self, action: dict) -> None:
        with self._changed:
            self.actions.append(action)
            self._changed.notify_all()

    def joined(self, handler: _Handler) -> None:
        with self._changed:
            self._clients.append(handler)
            self.logins += 1
            self._changed.notify_all()

    def left(self, handler: _Handler) -> None:
        with self._changed:
            if handler in self._clients:
                self._clients.remove(handler)
            self._changed.notify_all()

    # Used by the tests.
    def wait_for(self, condition, timeout: float = 5.0) -> None:
        """Wait until `condition(server)` holds; AssertionError after `timeout` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: condition(self), timeout):
                raise AssertionError("the AMI test server did not see what was expected in time")

    def wait_for_logins(self, count: int, timeout: float = 5.0) -> None:
        self.wait_for(lambda server: server.logins >= count and server._clients, timeout)

    def push(self, *events: dict) -> None:
        """Send these events, in order, to every logged-in client."""
        with self._changed:
            clients = list(self._clients)
        for handler in clients:
            for fields in events:
                handler._send(fields)

    def drop_clients(self) -> None:
        """Cut every client's connection, as a restarting Asterisk would."""
        with self._changed:
            clients = list(self._clients)
        for handler in clients:
            try:
                handler.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Scripted event sequences of typical calls, as an Asterisk 18 with PJSIP phones and a trunk sends them.
TRUNK_CONTEXT = "from-trunk"
PHONE_CONTEXT = "from-internal"
T0 = 1795770000.0  # 2026-11-27 09:00:00 UTC


def channel(name: str, uniqueid: str, linkedid: str, *, context: str, number: str, exten: str, prefix: str = ""):
    """The channel fields Asterisk puts in each event (with "Dest" before them for the channel dialled)."""
    return {
        f"{prefix}Channel": name,
        f"{prefix}ChannelState": "4",
        f"{prefix}CallerIDNum": number,
        f"{prefix}CallerIDName": "<unknown>",
        f"{prefix}ConnectedLineNum": "<unknown>",
        f"{prefix}Context": context,
        f"{prefix}Exten": exten,
        f"{prefix}Priority": "1",
        f"{prefix}Uniqueid": uniqueid,
        f"{prefix}Linkedid": linkedid,
    }


def event(name: str, seconds: float, *parts: dict, **fields) -> dict:
    message = {"Event": name, "Privilege": "call,all", "Timestamp": f"{T0 + seconds:.6f}"}
    for part in parts:
        message.update(part)
    return message | fields


def incoming_call(
    call: str = "1795770000.1", *, caller: str = "+33612345678", extension: str = "101", answered: bool = True
) -> list[dict]:
    """`caller` calls in on the trunk and rings `extension`: answered at 5 s and talked 60 s, or given up at 20 s."""
    trunk = channel("PJSIP/trunk-00000001", call, call, context=TRUNK_CONTEXT, number=caller, exten="0140000000")
    phone_id = f"{call}1"
    phone = channel(
        f"PJSIP/{extension}-00000002", phone_id, call, context=PHONE_CONTEXT, number=extension, exten="s", prefix="Dest"
    )
    phone_alone = channel(
        f"PJSIP/{extension}-00000002", phone_id, call, context=PHONE_CONTEXT, number=extension, exten="s"
    )
    events = [
        event("Newchannel", 0, trunk),
        event("Newexten", 0, trunk, Application="Dial", AppData=f"PJSIP/{extension},30"),
        event("Newchannel", 0.1, phone_alone),
        event("DialBegin", 0.1, trunk, phone, DialString=extension),
    ]
    if answered:
        events += [
            event("DialEnd", 5, trunk, phone, DialStatus="ANSWER"),
            event("BridgeEnter", 5, trunk, BridgeUniqueid="b-1", BridgeNumChannels="1"),
            event("BridgeEnter", 5, phone_alone, BridgeUniqueid="b-1", BridgeNumChannels="2"),
            event("Hangup", 65, phone_alone, Cause="16", **{"Cause-txt": "Normal Clearing"}),
            event("Hangup", 65, trunk, Cause="16", **{"Cause-txt": "Normal Clearing"}),
        ]
    else:
        events += [
            event("DialEnd", 20, trunk, phone, DialStatus="CANCEL"),
            event("Hangup", 20, phone_alone, Cause="26", **{"Cause-txt": "Answered elsewhere"}),
            event("Hangup", 20, trunk, Cause="16", **{"Cause-txt": "Normal Clearing"}),
        ]
    return events


def outgoing_call(
    call: str = "1795770100.5", *, extension: str = "102", number: str = "0612345678", dial_status: str = "BUSY"
) -> list[dict]:
    """Extension `extension` dials `number` through the trunk; the far end answers or not (DialStatus)."""
    phone = channel(f"PJSIP/{extension}-00000005", call, call, context=PHONE_CONTEXT, number=extension, exten=number)
    trunk_id = f"{call}1"
    trunk = channel(
        "PJSIP/trunk-00000006", trunk_id, call, context=TRUNK_CONTEXT, number=extension, exten="s", prefix="Dest"
    )
    events = [
        event("Newchannel", 0, phone),
        event("DialBegin", 0.2, phone, trunk, DialString=f"trunk/{number}"),
        event("DialEnd", 4, phone, trunk, DialStatus=dial_status),
    ]
    if dial_status == "ANSWER":
        events.append(event("Hangup", 34, phone, Cause="16"))
    else:
        events.append(event("Hangup", 6, phone, Cause="16"))
    return events


def internal_call(call: str = "1795770200.9", *, caller: str = "101", callee: str = "102") -> list[dict]:
    """Extension `caller` calls extension `callee`, who answers."""
    first = channel(f"PJSIP/{caller}-00000009", call, call, context=PHONE_CONTEXT, number=caller, exten=callee)
    second = channel(
        f"PJSIP/{callee}-0000000a", f"{call}1", call, context=PHONE_CONTEXT, number=callee, exten="s", prefix="Dest"
    )
    return [
        event("Newchannel", 0, first),
        event("DialBegin", 0.1, first, second, DialString=callee),
        event("DialEnd", 3, first, second, DialStatus="ANSWER"),
        event("Hangup", 30, first, Cause="16"),
    ]
