#!/usr/bin/python3
"""Measures what each new connection costs the server in memory.

Usage: tests/tools/connection-memory.py BUILD_DIR [ROUNDS]

Starts BUILD_DIR/sync-server/teamchat-server on a fresh database of the
test team and sends ROUNDS (default 6) × 20,000 requests
"GET /api/v1/health" with "Connection: close", each on its own connection,
printing the server's resident memory and open file descriptors after each
round. A measurement for docs/RELIABILITY.md (findings 15 and 16), not a
test.
"""
import os
import socket
import subprocess
import sys
import tempfile
import time

build = sys.argv[1]
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 6
server = os.path.join(build, "sync-server", "teamchat-server")
team = os.path.join(os.path.dirname(__file__), "..", "server", "data", "team.csv")
request = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "teamchat.db")
    subprocess.run([server, "import-associates", "--db", db, team], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc = subprocess.Popen([server, "serve", "--db", db, "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = int(proc.stdout.readline().strip().rsplit(":", 1)[1])

        def rss_kib():
            with open(f"/proc/{proc.pid}/status") as status:
                return int(status.read().split("VmRSS:")[1].split()[0])

        print(f"at start: {rss_kib() / 1024:.1f} MiB")
        for n in range(rounds):
            for _ in range(20000):
                sock = socket.create_connection(("127.0.0.1", port))
                sock.sendall(request)
                while sock.recv(4096):
                    pass
                sock.close()
            time.sleep(0.3)
            fds = len(os.listdir(f"/proc/{proc.pid}/fd"))
            print(f"after {(n + 1) * 20000} connections: {rss_kib() / 1024:.1f} MiB, {fds} open files")
    finally:
        proc.terminate()
        proc.wait()
