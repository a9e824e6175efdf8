#!/usr/bin/env python3
"""A generated management API for benchmarks that must not depend on the broker's speed
(python3 stdlib only).

    replay.py QUEUES [--port P] [--hold-queues SECONDS]

Serves, on 127.0.0.1:P (default: a free port, printed as the first line `url http://...`),
the endpoints `celtool doctor --only broker` and `celtool queues` read, for one vhost
`celtool-bench` holding QUEUES queues in the mix of bench/mkvhost.py (task queues, worker
mailboxes, celeryev.* event queues half without TTL, 32-hex result queues, others), with
messages in some of them and a few consumers. Bodies are generated once, in the shape
RabbitMQ 3.10 sends for celtool's `columns=` (other columns are not cut). The queue listing
answers as RabbitMQ does to `disable_stats=true&enable_queue_totals=true` (no consumers,
effective policy or message_stats) and to a paged name filter (`page`, `page_size`, `name`,
`use_regex`: the envelope with the matching queues), and a single queue
(`/api/queues/VHOST/NAME`) with its record; the vhost's definitions (`/api/definitions/VHOST`)
and totals (`/api/vhosts/VHOST`) too.
`--hold-queues S` answers /api/queues only after S seconds, like a slow proxy or a busy
broker gathering a big list (nothing is sent until then, as RabbitMQ does).
Stops on SIGTERM/SIGINT.
"""

import argparse
import json
import re
import socketserver
import sys
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

VHOST = "celtool-bench"


def queue_names(n: int) -> list:
    names = ["celery"] + [f"tasks.q{i}" for i in range(19)]
    names += [f"w{i}@benchhost.celery.pidbox" for i in range(10)]
    rest = max(0, n - len(names))
    names += [f"celeryev.{uuid.UUID(int=i)}" for i in range(rest // 10)]
    names += [uuid.UUID(int=10**9 + i).hex for i in range(rest * 6 // 10)]
    names += [f"bench.other.{i}" for i in range(n - len(names))]
    return names[:n]


def queues_records(n: int) -> list:
    out = []
    for i, name in enumerate(queue_names(n)):
        args = {}
        if name.startswith("celeryev.") and i % 2 == 0:
            args = {"x-message-ttl": 5000, "x-expires": 6000000}
        elif name.endswith(".celery.pidbox"):
            args = {"x-message-ttl": 300000}
        ready = 1 if i % 97 == 0 else 0
        q = {
            "arguments": args,
            "consumers": 1 if name in CONSUMED else 0,
            "effective_policy_definition": {},
            "messages_ready": ready,
            "messages_unacknowledged": 0,
            "name": name,
            "policy": None,
            "state": "running",
            "type": "classic",
            "vhost": VHOST,
        }
        if i % 3 == 0:
            q["message_stats"] = {
                "publish_details": {"rate": 0.0},
                "deliver_get_details": {"rate": 0.0},
                "redeliver_details": {"rate": 0.0},
                "ack_details": {"rate": 0.0},
            }
        out.append(q)
    return out


def light(q: dict) -> dict:
    return {k: v for k, v in q.items()
            if k not in ("consumers", "effective_policy_definition", "message_stats")}


def queue_answer(records: list, full: bytes, lite: bytes, query: str) -> bytes:
    """The queue listing for this query, as RabbitMQ 3.10 answers it."""
    qs = urllib.parse.parse_qs(query)
    if "page" not in qs:
        return lite if qs.get("disable_stats") == ["true"] else full
    page, size = int(qs["page"][0]), int(qs.get("page_size", ["100"])[0])
    name = qs.get("name", [""])[0]
    pattern = re.compile(name, re.IGNORECASE) if name and qs.get("use_regex") == ["true"] else None
    match = [q for q in records
             if not name or (pattern.search(q["name"]) if pattern else name.lower() in q["name"].lower())]
    if qs.get("disable_stats") == ["true"]:
        match = [light(q) for q in match]
    items = match[(page - 1) * size: page * size]
    return json.dumps({"filtered_count": len(match), "item_count": len(items), "items": items,
                       "page": page, "page_count": (len(match) + size - 1) // size,
                       "page_size": size, "total_count": len(records)},
                      separators=(",", ":")).encode()


CONSUMED = {"celery", "tasks.q0", "tasks.q1", "w0@benchhost.celery.pidbox"}
CONN = "127.0.0.1:50956 -> 127.0.0.1:5672"


def bodies(n: int) -> dict:
    node = "rabbit@localhost"
    return {
        "/api/overview": {
            "cluster_name": "rabbit@bench", "management_version": "3.10.8", "node": node,
            "product_version": "3.10.8", "rabbitmq_version": "3.10.8",
            "object_totals": {"channels": 1, "connections": 1, "consumers": len(CONSUMED),
                              "exchanges": 7, "queues": n},
        },
        "/api/nodes": [{
            "disk_free": 78452822016, "disk_free_alarm": False, "disk_free_limit": 50000000,
            "fd_total": 1024, "fd_used": 50, "mem_alarm": False, "mem_limit": 10110600806,
            "mem_used": 160104448, "name": node, "proc_total": 1048576, "proc_used": 714,
            "running": True,
        }],
        "/api/nodes/rabbit%40localhost/memory": {"memory": {
            "mgmt_db": 1326928, "metrics": 1128008, "queue_procs": 2842232,
            "total": {"allocated": 94019584, "erlang": 80000000, "rss": 120000000},
        }},
        f"/api/vhosts/{VHOST}": {"name": VHOST},
        f"/api/vhosts/{VHOST}/connections": [{
            "channels": 1, "client_properties": {"product": "py-amqp", "product_version": "5.4.2"},
            "name": CONN, "peer_host": "127.0.0.1", "peer_port": 50956,
            "recv_oct_details": {"rate": 0.0}, "send_oct_details": {"rate": 10.0},
            "state": "running", "timeout": 60, "user": "guest", "vhost": VHOST,
        }],
        f"/api/consumers/{VHOST}": [
            {"channel_details": {"connection_name": CONN}, "queue": {"name": q, "vhost": VHOST}}
            for q in sorted(CONSUMED)
        ],
        f"/api/exchanges/{VHOST}": [
            {"name": x, "type": "direct", "vhost": VHOST} for x in ("", "amq.direct", "celery")
        ] + [{"name": "celeryev", "type": "topic", "vhost": VHOST}],
        f"/api/policies/{VHOST}": [],
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("queues", type=int)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--hold-queues", type=float, default=0.0)
    a = ap.parse_args()
    t0 = time.time()
    served = {k: json.dumps(v).encode() for k, v in bodies(a.queues).items()}
    records = queues_records(a.queues)
    full = json.dumps(records, separators=(",", ":")).encode()
    lite = json.dumps([light(q) for q in records], separators=(",", ":")).encode()
    served[f"/api/queues/{VHOST}"] = full
    # The vhost's definitions (what doctor reads first on a node of 50 000 queues or more) and
    # its message total, for the view the definitions stand in for.
    served[f"/api/definitions/{VHOST}"] = json.dumps({
        "rabbit_version": "3.10.8", "policies": [], "exchanges": [], "bindings": [],
        "queues": [{"name": q["name"], "durable": True, "auto_delete": False,
                    "arguments": q["arguments"]} for q in records],
    }, separators=(",", ":")).encode()
    served[f"/api/vhosts/{VHOST}"] = json.dumps(
        {"name": VHOST, "messages": sum(q["messages_ready"] for q in records)}).encode()
    by_name = {q["name"]: q for q in records}
    hold = a.hold_queues

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 (http.server's name)
            path, _, query = self.path.partition("?")
            body = served.get(path)
            if path == f"/api/queues/{VHOST}":
                body = queue_answer(records, full, lite, query)
            elif path.startswith(f"/api/queues/{VHOST}/"):
                one = by_name.get(urllib.parse.unquote(path.rsplit("/", 1)[1]))
                body = json.dumps(one).encode() if one else None
            if path.startswith("/api/queues") and hold:
                time.sleep(hold)
            if body is None:
                self.send_response(404)
                body = b'{"error":"Object Not Found","reason":"Not Found"}'
            else:
                self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Server(socketserver.ThreadingMixIn, HTTPServer):
        daemon_threads = True

    srv = Server(("127.0.0.1", a.port), Handler)
    print(f"url http://127.0.0.1:{srv.server_address[1]}", flush=True)
    print(f"  {a.queues} queues, queue body {len(served[f'/api/queues/{VHOST}'])} B, "
          f"generated in {time.time() - t0:.1f} s", file=sys.stderr, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
