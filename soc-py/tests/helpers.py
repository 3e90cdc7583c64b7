"""What several test files share: a local HTTP server for the tests of
soc's HTTP clients (subclass `Handler`, answer with `reply`, serve it with
the `http_server` fixture of conftest.py) and a pipeline config."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    """A request handler that logs nothing and answers with `reply`."""

    def reply(self, status, body, content_type="application/json"):
        """Answers the request with `status` and `body` (bytes)."""
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def start(handler):
    """Serves `handler` on 127.0.0.1 in a thread; the server and its base URL."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"


def stop(srv):
    srv.shutdown()
    srv.server_close()


def run_config(tmp_path, log):
    """A dry-run, offline pipeline config reading the SSH log `log`, with
    its state under `tmp_path`."""
    return {
        "store": {"path": str(tmp_path / "state.db")},
        "run": {"offline": True},
        "sources": [{"kind": "ssh", "path": str(log)}],
        "response": {"dry_run": True},
    }
