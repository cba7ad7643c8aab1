"""A webhook receiver on loopback: a tiny http.server in a thread that records what
arrives and answers as the test plans (a status code, or silence past the timeout)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Receiver:
    url: str
    received: list[tuple[dict, bytes]] = field(default_factory=list)
    # What the next requests get: a status code, or "hang" (no answer until released).
    plan: list = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def receiver():
    box: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            this = box["receiver"]
            with this.lock:
                this.received.append((dict(self.headers), body))
                answer = this.plan.pop(0) if this.plan else 200
            if answer == "hang":
                this.release.wait(5)
                answer = 200
            payload = b'{"ok": true}' if answer < 300 else b"x" * 5000
            self.send_response(answer)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    box["receiver"] = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield box["receiver"]
    box["receiver"].release.set()
    server.shutdown()
    server.server_close()
