#!/usr/bin/env python3
"""Fill a Redis database the way Celery would, as RESP on stdout for `redis-cli --pipe`.

    mkredis.py QUEUES RESULTS | redis-cli -p PORT -n DB --pipe

QUEUES task queues, each with its `_kombu.binding.NAME` set (Celery's default: one direct
exchange per queue) and 3 messages in bucket 0 and 1 in bucket 9 for every tenth queue;
RESULTS `celery-task-meta-<uuid>` keys, half with a one-day TTL, half without; 20 reply lists;
one unacked message.
"""

import sys
import uuid

SEP = "\x06\x16"


def cmd(*args: str) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


def main() -> None:
    queues, results = int(sys.argv[1]), int(sys.argv[2])
    w = sys.stdout.buffer
    body = '{"body": "e30=", "headers": {"task": "bench.add"}, "properties": {"priority": 0}}'
    for i in range(queues):
        q = f"bench.q{i}"
        w.write(cmd("SADD", f"_kombu.binding.{q}", f"{q}{SEP}{SEP}{q}"))
        if i % 10 == 0:
            w.write(cmd("RPUSH", q, body, body, body))
            w.write(cmd("RPUSH", f"{q}{SEP}9", body))
    for i in range(results):
        key = f"celery-task-meta-{uuid.UUID(int=i)}"
        value = '{"status": "SUCCESS", "result": 3, "traceback": null, "children": []}'
        if i % 2:
            w.write(cmd("SET", key, value))
        else:
            w.write(cmd("SETEX", key, "86400", value))
    for i in range(20):
        w.write(cmd("RPUSH", f"{uuid.UUID(int=i + 1 << 64)}.reply.celery.pidbox", body))
    w.write(cmd("HSET", "unacked", "tag1", body))
    w.write(cmd("ZADD", "unacked_index", "1700000000", "tag1"))


if __name__ == "__main__":
    main()
