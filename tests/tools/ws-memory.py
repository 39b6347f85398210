#!/usr/bin/python3
"""Measures what hostile WebSocket clients cost the server in memory.

Usage: tests/tools/ws-memory.py BUILD_DIR MODE [MEGABYTES]

Starts BUILD_DIR/sync-server/teamchat-server on a fresh database of the
test team, logs in as alice (and bob), opens a WebSocket over a plain
socket and, by MODE:

  inflate    offers permessage-deflate and, if the server takes it, sends
             one text frame under 64 KiB on the wire that inflates to
             MEGABYTES (default 60) of zeros;
  fragments  sends a text message in 16 KiB fragments without ever ending
             it, MEGABYTES (default 200) in all;
  slow       bob's socket reads nothing; alice sends bob messages of 3,900
             characters over HTTP until MEGABYTES (default 20) of events
             were meant for him.

Prints the server's resident memory before and after, and its peak
(VmHWM). A measurement for docs/RELIABILITY.md, not a test: the test
suite checks the behaviour (tests/server/test-ws-limits.c).
"""
import http.client
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
import uuid
import zlib

build, mode = sys.argv[1], sys.argv[2]
megabytes = int(sys.argv[3]) if len(sys.argv) > 3 else {"inflate": 60, "fragments": 200,
                                                        "slow": 20}[mode]
server = os.path.join(build, "sync-server", "teamchat-server")
team = os.path.join(os.path.dirname(__file__), "..", "server", "data", "team.csv")


def memory_kb(pid, field):
    with open(f"/proc/{pid}/status") as status:
        return int(status.read().split(field + ":")[1].split()[0])


def login(port, login_name, password):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("POST", "/api/v1/session",
                 json.dumps({"login": login_name, "password": password, "device": "probe"}),
                 {"Content-Type": "application/json"})
    return json.loads(conn.getresponse().read())["token"]


def frame(first_byte, payload):
    mask = b"\x12\x34\x56\x78"
    size = len(payload)
    if size < 126:
        head = struct.pack("!BB", first_byte, 0x80 | size)
    elif size < 65536:
        head = struct.pack("!BBH", first_byte, 0x80 | 126, size)
    else:
        head = struct.pack("!BBQ", first_byte, 0x80 | 127, size)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def open_ws(port, token, extensions=None, rcvbuf=0):
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect(("127.0.0.1", port))
    head = ("GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            f"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n")
    if extensions:
        head += f"Sec-WebSocket-Extensions: {extensions}\r\n"
    sock.sendall((head + "\r\n").encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(4096)
    return sock, answer.split(b"\r\n\r\n")[0].decode()


with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "teamchat.db")
    config = os.path.join(tmp, "server.conf")
    with open(config, "w") as f:
        f.write("[limits]\nmessages_per_minute=0\n")
    subprocess.run([server, "import-associates", "--db", db, team], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc = subprocess.Popen([server, "serve", "--db", db, "--port", "0", "--config", config],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = int(proc.stdout.readline().strip().rsplit(":", 1)[1])
        alice = login(port, "alice", "password-A")
        bob = login(port, "bob", "password-B")
        time.sleep(0.5)
        with open(f"/proc/{proc.pid}/clear_refs", "w") as f:
            f.write("5")   # the peak so far (argon2id at login) does not count
        before = memory_kb(proc.pid, "VmRSS")
        if mode == "inflate":
            sock, head = open_ws(port, alice, "permessage-deflate")
            taken = "permessage-deflate" in head
            compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
            data = compressor.compress(b"\0" * (megabytes << 20))
            data += compressor.flush(zlib.Z_SYNC_FLUSH)
            data = data[:-4]   # RFC 7692: without the trailing 00 00 ff ff
            sock.sendall(frame(0x80 | 0x40 | 0x1, data))
            what = (f"compression {'taken' if taken else 'refused'}; one frame of "
                    f"{len(data)} bytes inflating to {megabytes} MiB")
        elif mode == "fragments":
            sock, head = open_ws(port, alice)
            piece = b" " * 16384
            sent = 0
            try:
                sock.sendall(frame(0x1, piece))
                while sent < megabytes << 20:
                    sock.sendall(frame(0x0, piece))
                    sent += len(piece)
            except OSError as error:
                what = f"the server closed after {sent >> 20} MiB ({error})"
            else:
                what = f"sent {sent >> 20} MiB of fragments"
        else:
            sock, head = open_ws(port, bob, rcvbuf=4096)
            conn = http.client.HTTPConnection("127.0.0.1", port)
            body = "x" * 3900
            sent = 0
            while sent < megabytes << 20:
                conn.request("POST", "/api/v1/messages",
                             json.dumps({"client_id": str(uuid.uuid4()), "to": ["B"],
                                         "body": body}),
                             {"Content-Type": "application/json",
                              "Authorization": f"Bearer {alice}"})
                conn.getresponse().read()
                sent += len(body)
            what = f"{sent >> 20} MiB of messages for a client that reads nothing"
        time.sleep(1)
        after = memory_kb(proc.pid, "VmRSS")
        peak = memory_kb(proc.pid, "VmHWM")
        print(f"{mode}: {what}; server RSS {before // 1024} MiB -> {after // 1024} MiB, "
              f"peak {peak // 1024} MiB")
    finally:
        proc.terminate()
        proc.wait()
