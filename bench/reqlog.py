#!/usr/bin/env python3
"""The floors of bench/broker.sh: which requests celtool makes, and curl command lines for them.

    reqlog.py record UPSTREAM LOG -- CMD...   run CMD with CELTOOL_URL pointing at a logging
                                              proxy in front of UPSTREAM; LOG gets one request
                                              target (path?query) a line, in arrival order
    reqlog.py floor UPSTREAM LOG OUT [--today COLUMNS]
                                              write to OUT a shell script that fetches the same
                                              requests with curl: every first-wave request at
                                              once, then the node memory breakdowns and the
                                              single-queue statistics (celtool's second wave, four
                                              at a time as celtool sends them). With --today, the
                                              queue listing is the full-columns one celtool sent
                                              before issue 24 (also when doctor read the definitions
                                              instead: they and the vhosts' totals are left out), and
                                              the single-queue reads are left out: the floor of
                                              "today's 21 requests".

python3 stdlib only; the proxy forwards GETs only (celtool's doctor sends nothing else).
"""

import http.client
import http.server
import os
import shlex
import subprocess
import sys
import threading
import urllib.parse


def record(upstream: str, log: str, cmd: list) -> int:
    target = urllib.parse.urlsplit(upstream)
    lines = []
    lock = threading.Lock()

    class Proxy(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 (http.server's name)
            with lock:
                lines.append(self.path)
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=600)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            conn.request("GET", self.path, headers=headers)
            r = conn.getresponse()
            body = r.read()
            self.send_response(r.status)
            for k, v in r.getheaders():
                if k.lower() not in ("transfer-encoding", "content-length", "connection"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(os.environ, CELTOOL_URL=f"http://127.0.0.1:{server.server_address[1]}")
    code = subprocess.call(cmd, env=env, stdout=subprocess.DEVNULL)
    server.shutdown()
    with open(log, "w") as f:
        f.write("\n".join(lines) + "\n")
    return code


def second_wave(path: str) -> bool:
    """The node memory breakdowns and the single-queue statistics: asked after the first wave."""
    parts = path.split("?")[0].split("/")
    one_queue = len(parts) == 5 and parts[1:3] == ["api", "queues"]
    return path.split("?")[0].endswith("/memory") or one_queue


def today(paths: list) -> list:
    """The requests of before issue 24 among `paths`: without the definitions and the vhosts'
    message totals (read when the definitions stand in for the queue listing), and with the
    queue listing that doctor then did not ask for (the light one, replaced by the caller)."""
    base = lambda p: p.split("?")[0]  # noqa: E731
    defs = [base(p) for p in paths if base(p).startswith("/api/definitions")]
    kept = [
        p
        for p in paths
        if not base(p).startswith("/api/definitions")
        and not (base(p).startswith("/api/vhosts") and "messages" in p.split("?")[-1])
    ]
    listed = any("disable_stats=true" in p for p in kept)
    if defs and not listed:
        vhost = defs[0][len("/api/definitions"):]  # "/VHOST", or "" for the node
        kept.insert(0, "/api/queues" + vhost + "?disable_stats=true")
    return kept


def floor(upstream: str, log: str, today_columns) -> str:
    paths = [p for p in open(log).read().split("\n") if p]
    # One GET whose answer counts: 200, or 404 (doctor asks for endpoints of later RabbitMQ
    # versions on purpose and takes a 404 as "not there"); anything else, a cut-off answer
    # (000) included, fails it.
    get = "g "
    define = (
        "g() { c=$(curl -s -o /dev/null -w '%{http_code}' -u guest:guest \"$1\"); "
        '[[ $c == 200 || $c == 404 ]]; }; export -f g; '
    )
    if today_columns is not None:
        paths = today(paths)
    first, second = [], []
    seen = set()
    for p in paths:
        if today_columns is not None:
            if second_wave(p) and not p.split("?")[0].endswith("/memory"):
                continue
            if "disable_stats=true" in p:
                base = p.split("?")[0]
                p = base + "?columns=" + urllib.parse.quote(today_columns, safe=",")
        if p in seen:  # the connections' light read and full listing differ by columns
            continue
        seen.add(p)
        (second if second_wave(p) else first).append(shlex.quote(upstream + p))
    # Every request's own status counts, so a floor that did not get every answer exits
    # non-zero, as doctor would.
    cmd = define + "fail=0; pids=(); " + " ".join(f"{get}{u} & pids+=($!);" for u in first)
    cmd += ' for p in "${pids[@]}"; do wait "$p" || fail=1; done'
    if second:
        cmd += "; printf '%s\\n' " + " ".join(second)
        cmd += " | xargs -P 4 -n 1 bash -c 'g \"$0\"' || fail=1"
    return cmd + "; exit $fail"


def main() -> int:
    if len(sys.argv) >= 5 and sys.argv[1] == "record" and "--" in sys.argv:
        at = sys.argv.index("--")
        return record(sys.argv[2], sys.argv[3], sys.argv[at + 1 :])
    if len(sys.argv) >= 5 and sys.argv[1] == "floor":
        today = None
        if len(sys.argv) == 7 and sys.argv[5] == "--today":
            today = sys.argv[6]
        with open(sys.argv[4], "w") as f:
            f.write(floor(sys.argv[2], sys.argv[3], today) + "\n")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
