"""A small phone system that takes click-to-call requests over HTTP, for the placing tests and the rights matrix.

It listens on 127.0.0.1 on a free port (a real socket), checks each request's signature with
the secret it is given, records what it received, and answers with the status a test sets
(202 by default), after `delay` seconds, or with a redirect to `redirect_to`.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from carte.calls.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, BadSignature, verify


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def do_POST(self):
        phone = self.server.phone
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            verify(phone.secret, body, self.headers.get(TIMESTAMP_HEADER), self.headers.get(SIGNATURE_HEADER))
            signed = True
        except BadSignature:
            signed = False
        phone.requests.append({"path": self.path, "body": json.loads(body or b"null"), "signed": signed})
        if phone.delay:
            threading.Event().wait(phone.delay)
        if phone.redirect_to:
            self.send_response(302)
            self.send_header("Location", phone.redirect_to)
            self.end_headers()
            return
        status = phone.status if signed else 401
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}' if status < 400 else b'{"error": "refused"}')

    def log_message(self, *args):  # quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    phone: "PhoneSystem"


class PhoneSystem:
    """`with PhoneSystem(secret) as phone:` … `phone.url` is where to post; `phone.requests` what came."""

    def __init__(self, secret: str):
        self.secret = secret
        self.requests: list[dict] = []
        self.status = 202
        self.delay = 0.0
        self.redirect_to = ""
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.phone = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/originate"

    def start(self) -> "PhoneSystem":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "PhoneSystem":
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False
