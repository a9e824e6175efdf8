#!/usr/bin/env python3
"""Simulate N Celery workers' remote control in one process, with kombu's own pidbox code.

    pidbox_sim.py BROKER_URL N [--silent K] [--ready FILE]

Declares N mailboxes `simI@bench.celery.pidbox` on the fanout exchange celery.pidbox as Celery 5.7
does (kombu Mailbox('celery', type='fanout'), exclusive, auto-delete, x-expires 10 s, x-message-ttl
300 s), consumes them all on one channel, and answers `ping` ({"ok": "pong"}) and `stats` as
each node, through kombu.pidbox.Node.handle_message (so destination, pattern and matcher are
honoured exactly as a worker honours them). K further nodes consume their mailbox and never answer
(hung workers). Writes FILE when every mailbox is consumed; runs until killed.
"""

import argparse
import os
import pathlib
import sys

from kombu import Connection
from kombu.pidbox import Mailbox


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("n", type=int)
    ap.add_argument("--silent", type=int, default=0)
    ap.add_argument("--ready", default=None)
    a = ap.parse_args()

    def ping(state, **kwargs):
        return {"ok": "pong"}

    def stats(state, **kwargs):
        return {"pid": os.getpid(), "pool": {"max-concurrency": 1, "processes": []}, "total": {}}

    with Connection(a.url) as conn:
        chan = conn.channel()
        mailbox = Mailbox(
            "celery",
            type="fanout",
            accept=["json"],
            serializer="json",
            queue_ttl=300.0,
            queue_expires=10.0,
            reply_queue_ttl=300.0,
            reply_queue_expires=10.0,
        )(conn)
        consumers = []
        for i in range(a.n + a.silent):
            hostname = f"sim{i}@bench"
            handlers = {"ping": ping, "stats": stats} if i < a.n else {}
            node = mailbox.Node(hostname, handlers=handlers, channel=chan)

            def on_message(body, message, node=node):
                try:
                    node.handle_message(body, message)
                except KeyError:
                    pass  # a silent node has no handlers

            consumers.append(node.listen(channel=chan, callback=on_message))
        if a.ready:
            pathlib.Path(a.ready).write_text(f"{a.n + a.silent}\n")
        print(f"simulating {a.n} answering and {a.silent} silent nodes", file=sys.stderr, flush=True)
        while True:
            conn.drain_events()


if __name__ == "__main__":
    sys.exit(main())
