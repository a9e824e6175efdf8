#!/usr/bin/env python3
"""Move two queues of a bench/mkredis.py database while doctor runs (python3 stdlib only):
RPUSH to GROW and LPOP from DRAIN, each RATE times a second, until killed.

    redis_trend.py PORT DB GROW DRAIN [RATE]

Both queues first get 3 000 messages (over the backlog threshold, so that doctor's
queues.backlog finding says "growing by" or "draining"), and one more connection waits in BRPOP
as a worker would.
"""

import socket
import sys
import time


def cmd(*args: str) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


def main() -> None:
    port, db, grow, drain = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    rate = float(sys.argv[5]) if len(sys.argv) > 5 else 50.0
    s = socket.create_connection(("127.0.0.1", port))
    f = s.makefile("rb")
    body = '{"body": "e30=", "headers": {"task": "bench.add"}, "properties": {"priority": 0}}'

    def call(*args: str) -> None:
        s.sendall(cmd(*args))
        line = f.readline()
        if line.startswith(b"$") and not line.startswith(b"$-1"):
            f.read(int(line[1:]) + 2)

    call("SELECT", db)
    # A client blocked in BRPOP (on a list nobody pushes to), as a worker's would be: with no
    # consumer at all the finding is queues.no-consumers, which says nothing of the trend.
    idle = socket.create_connection(("127.0.0.1", port))
    idle.sendall(cmd("SELECT", db) + cmd("BRPOP", "bench.trend.idle", "0"))
    for q in (grow, drain):
        call("RPUSH", q, *([body] * 3000))
    print("ready", flush=True)
    step = 1.0 / rate
    t = time.monotonic()
    while True:
        call("RPUSH", grow, body)
        call("LPOP", drain)
        t += step
        time.sleep(max(0.0, t - time.monotonic()))


if __name__ == "__main__":
    main()
