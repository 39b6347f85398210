#!/usr/bin/python3
"""A TCP proxy that breaks connections on purpose, for the app's fault tests.

Usage: chaos-proxy.py TARGET_PORT SEED

Listens on a free port of 127.0.0.1, prints "ready PORT", and forwards
every connection to 127.0.0.1:TARGET_PORT. While faults are on, after
every random number of bytes (up to MAX_BYTES_BEFORE, both directions
counted) each connection draws what happens next, from a generator seeded
with SEED:

  nothing    forwarded untouched until the next draw;
  stall      nothing forwarded either way for 0.2-1.5 s, then on again;
  reset      both sides reset (RST, SO_LINGER 0);
  drop       both sides closed cleanly (FIN);
  blackhole  from then on everything is read and thrown away, as when a
             route dies; the endpoints must notice by themselves.

Commands, one per line on stdin: "faults on", "faults off", "stats"
(prints "stats {JSON}" with counts of connections and fates). Exits when
stdin closes.
"""
import asyncio
import json
import random
import socket
import struct
import sys
import threading

EVENTS = [("nothing", 40), ("stall", 25), ("reset", 15), ("drop", 12), ("blackhole", 8)]
MAX_BYTES_BEFORE = 3000

target_port = int(sys.argv[1])
rng = random.Random(int(sys.argv[2]))
faults = {"on": False}
stats = {"connections": 0, "nothing": 0, "reset": 0, "drop": 0, "stall": 0, "blackhole": 0,
         "refused_upstream": 0}


def draw():
    """What happens next to a connection: nothing while faults are off."""
    if not faults["on"]:
        return "nothing"
    total = sum(weight for _, weight in EVENTS)
    pick = rng.uniform(0, total)
    for event, weight in EVENTS:
        pick -= weight
        if pick <= 0:
            return event
    return "nothing"


def reset(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.transport.abort()


class Link:
    def __init__(self):
        self.seen = 0
        self.next_draw = rng.randint(0, MAX_BYTES_BEFORE)
        self.black = False
        self.stall_until = 0.0
        self.writers = []

    def end(self, how):
        for writer in self.writers:
            if how == "reset":
                reset(writer)
            else:
                writer.close()


async def pipe(link, reader, writer):
    loop = asyncio.get_running_loop()
    try:
        while True:
            data = await reader.read(16384)
            if not data:
                break
            if link.black:
                continue
            link.seen += len(data)
            if link.seen >= link.next_draw:
                link.next_draw = link.seen + rng.randint(1, MAX_BYTES_BEFORE)
                event = draw()
                stats[event] += 1
                if event in ("reset", "drop"):
                    link.end(event)
                    return
                if event == "blackhole":
                    link.black = True
                    continue
                if event == "stall":
                    link.stall_until = max(link.stall_until, loop.time() + rng.uniform(0.2, 1.5))
            delay = link.stall_until - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        for other in link.writers:
            try:
                other.close()
            except (ConnectionError, OSError):
                pass


async def handle(client_reader, client_writer):
    stats["connections"] += 1
    try:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target_port)
    except OSError:
        stats["refused_upstream"] += 1
        reset(client_writer)
        return
    link = Link()
    link.writers = [client_writer, server_writer]
    await asyncio.gather(pipe(link, client_reader, server_writer),
                         pipe(link, server_reader, client_writer))


def commands(loop, stop):
    for line in sys.stdin:
        command = line.strip()
        if command == "faults on":
            faults["on"] = True
        elif command == "faults off":
            faults["on"] = False
        elif command == "stats":
            print("stats " + json.dumps(stats), flush=True)
    loop.call_soon_threadsafe(stop.set_result, None)


async def main():
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print("ready %d" % server.sockets[0].getsockname()[1], flush=True)
    threading.Thread(target=commands, args=(loop, stop), daemon=True).start()
    await stop
    server.close()


asyncio.run(main())
