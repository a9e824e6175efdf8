#!/usr/bin/env python3
"""Run several shell commands alternately, N rounds each, and report median wall time and peak RSS.

Usage:
    alternate.py [--rounds N] [--warmup W] [--prep CMD] [--baseline NAME] [--json FILE]
                 NAME=CMD [NAME=CMD ...]

Each round runs every command once, in the given order, rotated by one each round so that no
command always runs first. Each run is `bash -c CMD` under GNU time (`/usr/bin/time -f %M`), so
peak RSS is that of the biggest process of the run (bash execs a single command, so for
`exec celtool ...` it is celtool's own); CPU s is user + system time of the run and its children. `--prep CMD` runs (untimed) before every run, with
$BENCH_NAME and $BENCH_RUN set: use it to make a fresh copy of a tree to delete.
A run that exits non-zero is reported (its exit code counts) but still timed: the scripts
report, they do not fail.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--prep", default=None)
    ap.add_argument("--baseline", default=None, help="name the ratios are computed against")
    ap.add_argument("--json", default=None, help="append the results as one JSON line here")
    ap.add_argument("--label", default="")
    ap.add_argument("commands", nargs="+")
    a = ap.parse_args()

    cmds = []
    for c in a.commands:
        name, _, cmd = c.partition("=")
        if not cmd:
            print(f"bad command {c!r}: want NAME=CMD", file=sys.stderr)
            return 2
        cmds.append((name, cmd))
    baseline = a.baseline or cmds[0][0]

    rss_file = tempfile.NamedTemporaryFile(prefix="bench-rss-", delete=False)
    rss_file.close()
    results = {name: {"wall": [], "rss_kb": [], "cpu": [], "rc": []} for name, _ in cmds}

    def run(name: str, cmd: str, i: int, record: bool) -> None:
        env = dict(os.environ, BENCH_NAME=name, BENCH_RUN=str(i))
        if a.prep:
            subprocess.run(["bash", "-c", a.prep], env=env, check=False)
        t0 = time.perf_counter()
        p = subprocess.run(
            ["/usr/bin/time", "-f", "%M %U %S", "-o", rss_file.name, "bash", "-c", cmd],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        wall = time.perf_counter() - t0
        if not record:
            return
        try:
            with open(rss_file.name) as f:
                lines = [ln for ln in f.read().split("\n") if ln.strip()]
            rss_s, user_s, sys_s = lines[-1].split()
            rss, cpu = int(rss_s), float(user_s) + float(sys_s)
        except (OSError, ValueError, IndexError):
            rss, cpu = -1, -1.0
        results[name]["wall"].append(wall)
        results[name]["rss_kb"].append(rss)
        results[name]["cpu"].append(cpu)
        results[name]["rc"].append(p.returncode)

    for w in range(a.warmup):
        for name, cmd in cmds:
            run(name, cmd, -1 - w, False)
    for r in range(a.rounds):
        k = r % len(cmds)
        for name, cmd in cmds[k:] + cmds[:k]:
            run(name, cmd, r, True)
    os.unlink(rss_file.name)

    base = statistics.median(results[baseline]["wall"])
    title = f"{a.label}: " if a.label else ""
    print(f"\n{title}{a.rounds} alternating rounds, {a.warmup} warm-up; ratio = median / median({baseline})")
    print(f"{'command':<22} {'median s':>9} {'min s':>8} {'max s':>8} {'ratio':>6} {'peak RSS MiB':>13} {'CPU s':>6}  exit codes")
    out = {"label": a.label, "rounds": a.rounds, "baseline": baseline, "results": {}}
    for name, _ in cmds:
        r = results[name]
        med = statistics.median(r["wall"])
        rss = max(r["rss_kb"]) / 1024
        rcs = sorted(set(r["rc"]))
        print(
            f"{name:<22} {med:9.3f} {min(r['wall']):8.3f} {max(r['wall']):8.3f} "
            f"{med / base:6.2f} {rss:13.1f} {statistics.median(r['cpu']):6.2f}  {rcs}"
        )
        out["results"][name] = {
            "median_s": round(med, 4),
            "min_s": round(min(r["wall"]), 4),
            "max_s": round(max(r["wall"]), 4),
            "ratio": round(med / base, 3),
            "peak_rss_mib": round(rss, 1),
            "median_cpu_s": round(statistics.median(r["cpu"]), 3),
            "exit_codes": rcs,
            "walls": [round(x, 4) for x in r["wall"]],
        }
    if a.json:
        with open(a.json, "a") as f:
            f.write(json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
