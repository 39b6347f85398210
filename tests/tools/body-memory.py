#!/usr/bin/python3
"""Measures what a request body the server refuses costs it in memory.

Usage: tests/tools/body-memory.py BUILD_DIR [CONTENT_LENGTH] [MEGABYTES]

Starts BUILD_DIR/sync-server/teamchat-server on a fresh database, sends
"POST /api/v1/read-all" with the given Content-Length header (default -1,
which libsoup cannot parse) and then streams up to MEGABYTES (default 200)
of body, and prints the server's resident memory before and after and the
answer it gave. A measurement for docs/RELIABILITY.md, not a test: the
test suite checks the behaviour (tests/server/test-hostile.c).
"""
import os
import socket
import subprocess
import sys
import tempfile
import time

build = sys.argv[1]
length = sys.argv[2] if len(sys.argv) > 2 else "-1"
megabytes = int(sys.argv[3]) if len(sys.argv) > 3 else 200
server = os.path.join(build, "sync-server", "teamchat-server")
team = os.path.join(os.path.dirname(__file__), "..", "server", "data", "team.csv")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        return int(status.read().split("VmRSS:")[1].split()[0])


with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "teamchat.db")
    subprocess.run([server, "import-associates", "--db", db, team], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc = subprocess.Popen([server, "serve", "--db", db, "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = int(proc.stdout.readline().strip().rsplit(":", 1)[1])
        before = rss_kb(proc.pid)
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"POST /api/v1/read-all HTTP/1.1\r\nHost: x\r\nContent-Length: "
                     + length.encode() + b"\r\n\r\n")
        chunk = b"x" * 65536
        sent = 0
        try:
            for _ in range(megabytes * 16):
                sock.sendall(chunk)
                sent += len(chunk)
        except OSError as error:
            print(f"the server stopped reading: {error}")
        time.sleep(0.5)
        after = rss_kb(proc.pid)
        sock.settimeout(2)
        try:
            answer = sock.recv(200).split(b"\r\n", 1)[0].decode()
        except OSError as error:
            answer = f"none ({error})"
        print(f"Content-Length: {length}: sent {sent >> 20} MiB of body; "
              f"server RSS {before // 1024} MiB -> {after // 1024} MiB; answer: {answer}")
    finally:
        proc.terminate()
        proc.wait()
