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


def batch_example_args(doc, argv, workers_help):
    """The command line of the Dask and Ray examples: logs, parser options
    (`args.options`), worker count and the texts (`args.lines`)."""
    import argparse

    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("logs", nargs="*", default=[str(DATA / "auth.log")])
    ap.add_argument("--year", type=int, default=None)
    ap.add_argument("--tz", default=None)
    ap.add_argument("--workers", type=int, default=2, help=workers_help)
    ap.add_argument("--texts", default=str(DATA / "threat-report.txt"), help="one text per line")
    args = ap.parse_args(argv)
    args.options = {k: v for k, v in (("year", args.year), ("tz", args.tz)) if v is not None}
    args.lines = Path(args.texts).read_text(errors="replace").splitlines()
    return args


def print_events_and_iocs(events, found, texts):
    """The Dask and Ray examples' report, from pandas DataFrames of
    `soc.events` and `soc.indicators`."""
    failed = events[events["attempt"] == "failure"]
    print(f"{len(events)} sshd events, {len(failed)} failed logins from {failed['src_ip'].nunique()} sources")
    for ip, n in failed["src_ip"].value_counts().head(5).items():
        print(f"    {ip:<40} {n:>6}")
    print(f"{len(found)} indicators in {len(texts)} texts")
    for kind, n in found["kind"].value_counts().items():
        print(f"    {kind:<18} {n:>6}")
