#!/usr/bin/env python3
"""Simulate N Celery workers' remote control in one process, with kombu's own pidbox code.

    pidbox_sim.py BROKER_URL N [--silent K] [--ready FILE]

Declares N mailboxes `simI@bench.celery.pidbox` on the fanout exchange celery.pidbox as Celery 5.7
does (kombu Mailbox('celery', type='fanout'), exclusive, auto-delete, x-expires 10 s, x-message-ttl
300 s), consumes them and the task queue `celery` all on one connection, and answers `ping`
({"ok": "pong"}), `stats`, `conf`, `active_queues` (`celery`), `active`, `reserved`, `scheduled`
and `report` as each node (what `celtool fleet` and `probe readiness` ask), through kombu.pidbox.Node.handle_message and Node.reply (so destination, pattern,
matcher, the ticket and clock headers are exactly a worker's). K further nodes consume their
mailbox and never answer (hung workers). Writes FILE when every mailbox is consumed; runs until
killed.

Requests are handled outside the delivery callback: py-amqp drains the connection inside every
publish and declare, and with N nodes on one connection handling them inline would recurse once
per node (a real worker has a connection of its own).
"""

import argparse
import collections
import os
import pathlib
import socket
import sys

from kombu import Connection, Consumer, Exchange, Queue
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

    def conf(state, **kwargs):
        return {"worker_prefetch_multiplier": 4, "task_acks_late": False}

    def active_queues(state, **kwargs):
        return [{"name": "celery", "exchange": {"name": "celery", "type": "direct"},
                 "routing_key": "celery", "durable": True, "exclusive": False,
                 "auto_delete": False, "no_ack": False, "queue_arguments": None}]

    def nothing(state, **kwargs):
        return []

    def report(state, **kwargs):
        return {"ok": "software -> celery:5.7.0 (bench) kombu:5.7.0 py:3.11.7\nplatform -> system:Linux"}

    handlers_all = {"ping": ping, "stats": stats, "conf": conf, "active_queues": active_queues,
                    "active": nothing, "reserved": nothing, "scheduled": nothing, "report": report}

    pending = collections.deque()
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
            answering = i < a.n
            handlers = handlers_all if answering else {}
            node = mailbox.Node(f"sim{i}@bench", handlers=handlers, channel=chan)

            def on_message(body, message, node=node, answering=answering):
                if answering:
                    pending.append((node, body, message))

            consumers.append(node.listen(channel=chan, callback=on_message))
        # The task queue the nodes say they consume, consumed on the same connection.
        task_queue = Queue("celery", Exchange("celery", type="direct"), routing_key="celery")
        consumers.append(Consumer(chan, [task_queue], callbacks=[lambda body, message: None]))
        consumers[-1].consume()
        if a.ready:
            pathlib.Path(a.ready).write_text(f"{a.n + a.silent}\n")
        print(f"simulating {a.n} answering and {a.silent} silent nodes", file=sys.stderr, flush=True)
        while True:
            try:
                conn.drain_events(timeout=0.05)
            except socket.timeout:
                pass
            while pending:
                node, body, message = pending.popleft()
                try:
                    node.handle_message(body, message)
                except KeyError:
                    pass  # a method the simulator does not implement: no reply, like a worker


if __name__ == "__main__":
    sys.exit(main())
