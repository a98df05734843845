#!/usr/bin/env python3
"""A loopback TCP proxy in front of every node's Raft port, for the cluster
tests: it can cut one or more nodes off from all the others, both ways.

    raftproxy.py CONTROL LISTEN:TARGET:ID ...

Each route listens on 127.0.0.1:LISTEN (the raft_address the peers dial) and
forwards to 127.0.0.1:TARGET (the node's raft_bind). libraft's TCP transport
opens one connection per direction and starts it with a handshake (8 bytes
protocol, 8 bytes the sender's id, little-endian, ...), so the proxy knows
both ends of every connection. CONTROL is a file holding the ids that are
cut off, space-separated ("" = none); it is read every 50 ms, and a change
closes every connection that touches a node now cut off.
"""
import asyncio
import os
import struct
import sys

control = sys.argv[1]
routes = [tuple(int(x) for x in r.split(":")) for r in sys.argv[2:]]
cut = set()
conns = set()  # (src, dst, writer_a, writer_b)


def read_cut():
    try:
        with open(control) as f:
            return {int(x) for x in f.read().split()}
    except (OSError, ValueError):
        return set()


async def pipe(r, w):
    try:
        while True:
            b = await r.read(65536)
            if not b:
                break
            w.write(b)
            await w.drain()
    except (OSError, asyncio.CancelledError):
        pass
    finally:
        try:
            w.close()
        except OSError:
            pass


def serve(target, dst):
    async def handle(r, w):
        try:
            head = await r.readexactly(24)
        except (asyncio.IncompleteReadError, OSError):
            w.close()
            return
        src = struct.unpack("<Q", head[8:16])[0]
        if src in cut or dst in cut:
            w.close()
            return
        try:
            tr, tw = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            w.close()
            return
        tw.write(head)
        c = (src, dst, w, tw)
        conns.add(c)
        await asyncio.gather(pipe(r, tw), pipe(tr, w))
        conns.discard(c)
    return handle


async def watch():
    global cut
    while True:
        now = read_cut()
        if now != cut:
            cut = now
            for c in list(conns):
                if c[0] in cut or c[1] in cut:
                    for wr in (c[2], c[3]):
                        try:
                            wr.transport.abort()
                        except OSError:
                            pass
                    conns.discard(c)
        await asyncio.sleep(0.05)


async def main():
    for listen, target, dst in routes:
        await asyncio.start_server(serve(target, dst), "127.0.0.1", listen)
    print("raftproxy: ready", flush=True)
    await watch()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        os._exit(0)
