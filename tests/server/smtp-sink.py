#!/usr/bin/python3
"""A real SMTP server for the tests (Debian's python3-aiosmtpd).

Usage: smtp-sink.py PORT OUTDIR [USER:PASSWORD]

Every message it accepts is written to OUTDIR/<time>.eml (atomically), with
X-Envelope-From and X-Envelope-To lines in front. With USER:PASSWORD, AUTH
is required (over plain text: loopback only). Prints "ready" once it
listens; runs until killed.
"""
import os
import signal
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, outdir):
        self.outdir = outdir

    async def handle_DATA(self, server, session, envelope):
        name = os.path.join(self.outdir, "%020d.eml" % time.time_ns())
        with open(name + ".tmp", "wb") as f:
            f.write(b"X-Envelope-From: " + envelope.mail_from.encode() + b"\r\n")
            f.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.rename(name + ".tmp", name)
        return "250 OK"


def main():
    port = int(sys.argv[1])
    outdir = sys.argv[2]
    kwargs = {}
    if len(sys.argv) > 3:
        user, password = sys.argv[3].split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword)
                  and auth_data.login.decode() == user
                  and auth_data.password.decode() == password)
            return AuthResult(success=ok)

        kwargs = dict(authenticator=authenticator, auth_required=True,
                      auth_require_tls=False)
    controller = Controller(Handler(outdir), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    print("ready", flush=True)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    try:
        while True:
            signal.pause()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
