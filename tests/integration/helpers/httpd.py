#!/usr/bin/env python3
"""httpd.py DIR: a test HTTP server on 127.0.0.1 for health probes and
webhooks.  It writes its port to DIR/port and each request it gets as one
JSON line to DIR/requests (time, method, path, headers, body).  What it
answers on a path is the word in DIR/mode.NAME, where NAME is the first
part of the path ("/health" -> mode.health), or 200 without that file:
a status such as 200 or 500 (with a Location header: "302 /other"), "hang" (no answer at all), "endless" (200
and a body that never ends) or "huge" (200 and a Content-Length of 1 GB
it goes on to send); for those two, how many bytes of the body were
sent before the client closed is written to DIR/sent.NAME."""

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]
LOCK = threading.Lock()


def mode(path):
    name = path.strip("/").split("/")[0].split("?")[0] or "root"
    try:
        with open(os.path.join(DIR, "mode." + name)) as f:
            return f.read().strip()
    except OSError:
        return "200"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):
        pass

    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace") if n else ""
        rec = {"time": time.time(), "method": self.command,
               "path": self.path, "headers": dict(self.headers.items()),
               "body": body}
        with LOCK, open(os.path.join(DIR, "requests"), "a") as f:
            f.write(json.dumps(rec) + "\n")
        m = mode(self.path)
        if m == "hang":
            time.sleep(3600)
            return
        if m in ("endless", "huge"):
            self.stream(m)
            return
        status, _, location = m.partition(" ")
        self.send_response(int(status))
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")

    def stream(self, m):
        name = self.path.strip("/").split("/")[0].split("?")[0] or "root"
        self.send_response(200)
        if m == "huge":
            self.send_header("Content-Length", str(1 << 30))
        self.end_headers()
        chunk, sent = b"x" * 65536, 0
        try:
            while sent < (1 << 30):
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            pass
        with open(os.path.join(DIR, "sent." + name + ".tmp"), "w") as f:
            f.write(str(sent))
        os.rename(os.path.join(DIR, "sent." + name + ".tmp"),
                  os.path.join(DIR, "sent." + name))

    do_GET = answer
    do_POST = answer


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
server.serve_forever()
