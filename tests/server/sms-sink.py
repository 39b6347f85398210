#!/usr/bin/python3
"""A local HTTP receiver standing in for the SMS provider's Messages API.

Usage: sms-sink.py PORT OUTDIR ACCOUNT_SID AUTH_TOKEN [--fail-first=N] [REJECTED_NUMBER...]

POSTs with the right HTTP Basic auth are written to OUTDIR/<time>.json as
{"path", "fields"} and answered 201 {"sid": ...}; a To in REJECTED_NUMBER
gets 400 with a Twilio-like error; a wrong or missing auth gets 401 and is
not recorded. With --fail-first=N, the first N authenticated posts get
503, as from a provider in trouble, and are not recorded either. Prints
"ready" once it listens; runs until killed.
"""
import base64
import json
import os
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer


def main():
    port = int(sys.argv[1])
    outdir = sys.argv[2]
    expected = "Basic " + base64.b64encode(
        ("%s:%s" % (sys.argv[3], sys.argv[4])).encode()).decode()
    rest = sys.argv[5:]
    failures = [0]
    if rest and rest[0].startswith("--fail-first="):
        failures[0] = int(rest.pop(0).split("=", 1)[1])
    rejected = set(rest)

    class Handler(BaseHTTPRequestHandler):
        def answer(self, status, obj):
            body = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode("utf-8")
            if self.headers.get("Authorization") != expected:
                self.answer(401, {"code": 20003, "message": "Authenticate"})
                return
            if failures[0] > 0:
                failures[0] -= 1
                self.answer(503, {"code": 20503, "message": "Service Unavailable"})
                return
            fields = {k: v[0] for k, v in
                      urllib.parse.parse_qs(body, keep_blank_values=True).items()}
            if fields.get("To") in rejected:
                self.answer(400, {"code": 21211,
                                  "message": "The 'To' number is not a valid phone number."})
                return
            name = os.path.join(outdir, "%020d.json" % time.time_ns())
            with open(name + ".tmp", "w", encoding="utf-8") as f:
                json.dump({"path": self.path, "fields": fields}, f)
            os.rename(name + ".tmp", name)
            self.answer(201, {"sid": "SM%032x" % time.time_ns(), "status": "queued"})

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", port), Handler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
