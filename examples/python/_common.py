"""Shared helpers of the example scripts: paths and tiny local mock servers
(Splunk export, VirusTotal) on 127.0.0.1 for the offline demos and tests."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

DATA = Path(__file__).resolve().parent.parent / "data"


class _Handler(BaseHTTPRequestHandler):
    routes = {}

    def log_message(self, *args):  # keep the examples' output clean
        pass

    def _reply(self, status, body, ctype="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.server.requests.append(("GET", self.path, dict(self.headers)))
        for prefix, fn in self.server.get_routes.items():
            if self.path.startswith(prefix):
                status, body = fn(self.path[len(prefix):])
                return self._reply(status, body)
        self._reply(404, json.dumps({"error": {"code": "NotFoundError", "message": "not found"}}))

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode())
        self.server.requests.append(("POST", self.path, dict(self.headers)))
        fn = self.server.post_routes.get(self.path)
        if fn is None:
            return self._reply(404, "")
        status, body = fn(form)
        self._reply(status, body, "application/json")


class MockServer:
    """An HTTP server on 127.0.0.1 (random port) answering from Python callables."""

    def __init__(self, get_routes=None, post_routes=None):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.get_routes = get_routes or {}
        self.httpd.post_routes = post_routes or {}
        self.httpd.requests = []
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def requests(self):
        return self.httpd.requests

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def toml_str(value):
    """A TOML basic string."""
    return json.dumps(str(value))
