#!/usr/bin/env python3
"""Scratch-vhost helper for bench/broker.sh (python3 stdlib only).

    mkvhost.py create VHOST QUEUES MESSAGES   make the vhost, QUEUES queues, MESSAGES messages
    mkvhost.py settle VHOST QUEUES MESSAGES CONSUMERS   wait until the stats show all of them
    mkvhost.py delete VHOST                   delete the vhost (and everything in it)

Env: BENCH_MGMT_PORT (management port, default 15672); BENCH_SKIP (create: the vhost already
has SKIP queues of this mix; add QUEUES - SKIP more in the same mix, without the fixed names:
`create V 50000 300` then `BENCH_SKIP=50000 create V 100000 300` gives 100 000 queues).

The queues come in POST /api/definitions/VHOST (one request per 25 000 queues, seconds for
10 000); messages are published with POST /api/exchanges/VHOST/amq.default/publish over one
keep-alive connection. The mix looks like a Celery vhost with a result flood: task queues,
worker mailboxes, celeryev.* event queues (half with TTL/expiry) and 32-hex result queues.
"""

import base64
import http.client
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import uuid

# BENCH_MGMT_PORT: the management port of a private node (bench/bignode.sh); default the machine's.
HOST, PORT = "127.0.0.1", int(os.environ.get("BENCH_MGMT_PORT", "15672"))
AUTH = "Basic " + base64.b64encode(b"guest:guest").decode()


class Api:
    def __init__(self) -> None:
        self.conn = http.client.HTTPConnection(HOST, PORT, timeout=300)

    def call(self, method: str, path: str, body=None):
        headers = {"Authorization": AUTH}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in range(3):
            try:
                self.conn.request(method, "/api/" + path, body=data, headers=headers)
                r = self.conn.getresponse()
                payload = r.read()
                return r.status, (json.loads(payload) if payload else None)
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, PORT, timeout=300)
                if attempt == 2:
                    raise
        raise RuntimeError("unreachable")


def q(s: str) -> str:
    return urllib.parse.quote(s, safe="")


def queue_names(n: int, other_from: int = 0) -> list:
    names = ["celery"] + [f"tasks.q{i}" for i in range(19)]
    names += [f"w{i}@benchhost.celery.pidbox" for i in range(10)]
    rest = n - len(names)
    n_ev = rest // 10
    n_res = rest * 6 // 10
    names += [f"celeryev.{uuid.uuid4()}" for _ in range(n_ev)]
    names += [uuid.uuid4().hex for _ in range(n_res)]
    names += [f"bench.other.{other_from + i}" for i in range(n - len(names))]
    return names[:n]


def create(vhost: str, n: int, msgs: int) -> None:
    api = Api()
    st, _ = api.call("PUT", f"vhosts/{q(vhost)}", {})
    assert st in (201, 204), f"PUT vhost: {st}"
    st, _ = api.call("PUT", f"permissions/{q(vhost)}/guest", {"configure": ".*", "write": ".*", "read": ".*"})
    assert st in (201, 204), f"PUT permissions: {st}"
    skip = int(os.environ.get("BENCH_SKIP", "0"))
    # Growing a vhost: n - skip more queues in the same mix, without the 30 fixed names.
    # (the numbered bench.other.* names continue after the first SKIP, not again from 0).
    names = queue_names(n - skip + 30, other_from=skip)[30:] if skip else queue_names(n)
    queues = []
    for name in names:
        args = {}
        if name.startswith("celeryev.") and int(name[-1], 16) % 2 == 0:
            args = {"x-message-ttl": 5000, "x-expires": 6000000}
        elif name.endswith(".celery.pidbox"):
            args = {"x-message-ttl": 300000}
        queues.append({"name": name, "vhost": vhost, "durable": False, "auto_delete": False, "arguments": args})
    t0 = time.time()
    # The management API refuses request bodies over its max_body_size (20 MB by default):
    # 100 000 queue definitions are more, so they go in batches.
    batch = 25000
    for start in range(0, len(queues), batch):
        st, body = api.call("POST", f"definitions/{q(vhost)}", {"queues": queues[start:start + batch]})
        assert st in (201, 204), f"POST definitions: {st} {body}"
    imports = (len(queues) + batch - 1) // batch
    print(f"  {n} queues declared in {time.time() - t0:.1f} s ({imports} definitions import(s))")
    # Messages: spread over task, event (no-TTL ones keep them) and result queues.
    targets = [nm for nm in names if not nm.endswith(".celery.pidbox")]
    targets = [targets[(i * 7919) % len(targets)] for i in range(msgs)] if msgs else []
    t0 = time.time()
    for name in targets:
        st, body = api.call(
            "POST",
            f"exchanges/{q(vhost)}/amq.default/publish",
            {"properties": {}, "routing_key": name, "payload": "x" * 200, "payload_encoding": "string"},
        )
        assert st == 200, f"publish: {st} {body}"
    if msgs:
        print(f"  {msgs} messages published in {time.time() - t0:.1f} s")


def settle(vhost: str, n: int, msgs: int, consumers: int) -> None:
    """Wait until the management stats show every queue, message and consumer, then two more
    collection intervals (5 s each by default) so rates and counts are stable."""
    api = Api()
    deadline = time.time() + 600
    have_q = have_m = have_c = 0
    while True:
        try:
            _, qs = api.call("GET", f"queues/{q(vhost)}?columns=name,messages")
            _, cs = api.call("GET", f"consumers/{q(vhost)}?columns=consumer_tag")
        except (http.client.HTTPException, OSError) as e:
            # A broker busy with 100 000 queues may close a slow listing: ask again.
            print(f"  (settle: {e!r}; asking again)", file=sys.stderr)
            if time.time() > deadline:
                break
            time.sleep(5)
            continue
        have_q = len(qs or [])
        have_m = sum((x.get("messages") or 0) for x in (qs or []))
        have_c = len(cs or [])
        # Messages in TTL'd event queues expire; count only what can be checked.
        if have_q >= n and have_c >= consumers and (msgs == 0 or have_m > 0):
            break
        if time.time() > deadline:
            print(f"  stats did not settle: {have_q} queues, {have_m} messages, {have_c} consumers", file=sys.stderr)
            break
        time.sleep(2)
    time.sleep(11)
    print(f"  settled: {have_q} queues, {have_m} messages, {have_c} consumers")


def delete(vhost: str) -> None:
    assert vhost.startswith("celtool-bench-"), "refusing to delete a vhost not named celtool-bench-*"
    api = Api()
    try:
        st, _ = api.call("DELETE", f"vhosts/{q(vhost)}")
        print(f"  vhost {vhost} deleted (HTTP {st})")
        return
    except (http.client.HTTPException, OSError) as e:
        # Deleting 100 000 queues outlasts the API's request timeout on a busy node, which
        # then closes the connection: finish with the CLI, which waits.
        print(f"  DELETE vhosts/{vhost}: {e!r}; trying rabbitmqctl delete_vhost", file=sys.stderr)
    if shutil.which("rabbitmqctl") is None:
        print(f"WARNING: vhost {vhost} may remain: rabbitmqctl delete_vhost {vhost}", file=sys.stderr)
        return
    r = subprocess.run(["rabbitmqctl", "delete_vhost", vhost], check=False)
    print(f"  vhost {vhost} deleted by rabbitmqctl (exit {r.returncode})")


def main() -> int:
    cmd, vhost = sys.argv[1], sys.argv[2]
    if not vhost.startswith("celtool-bench-"):
        print("scratch vhosts must be named celtool-bench-*", file=sys.stderr)
        return 2
    if cmd == "create":
        create(vhost, int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "settle":
        settle(vhost, int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    elif cmd == "delete":
        delete(vhost)
    else:
        print(f"unknown command {cmd}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
