#!/usr/bin/env python3
"""A webhook receiver for ucfence's tests (also what stands for an
Alertmanager peer, or sits behind one): plain HTTP on loopback (the
config allows http only to a loopback host). Logs every POST as a JSON line
{"t", "status", "idempotency_key", "alert_id", "authorization",
"authorization_sha256", "body"} to --log (the Authorization header's value
only as a SHA-256, so a test can check it without writing it down) and answers
--fail-status (503) to the first --fail-first POSTs, then 200. Binds port 0 and writes the
port to --port-file (or reuses --port, to come back on the same address)."""
import argparse
import hashlib
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode("utf-8", "replace")
        srv = self.server
        with LOCK:
            srv.count += 1
            status = srv.args.fail_status if srv.count <= srv.args.fail_first else 200
            try:
                alert_id = json.loads(body).get("id")
            except (ValueError, AttributeError):  # not JSON, or not an object (Alertmanager's array)
                alert_id = None
            with open(srv.args.log, "a") as f:
                f.write(json.dumps({"t": time.time(), "status": status,
                                    "idempotency_key": self.headers.get("Idempotency-Key"),
                                    "content_type": self.headers.get("Content-Type"),
                                    "authorization": self.headers.get("Authorization") is not None,
                                    "authorization_sha256": hashlib.sha256(
                                        self.headers.get("Authorization", "").encode()).hexdigest(),
                                    "alert_id": alert_id, "body": body}) + "\n")
        data = b'{"ok": true}' if status == 200 else b'{"error": "busy"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--fail-status", type=int, default=503)
    args = ap.parse_args()
    ThreadingHTTPServer.allow_reuse_address = True
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.args = args
    srv.count = 0
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
