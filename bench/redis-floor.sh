#!/usr/bin/env bash
# The reads `celtool doctor --url redis://...` makes, done with redis-cli: the baselines of
# bench/redis.sh.  Usage: redis-floor.sh PORT DB WORKDIR [pipe|plain]
#   pipe  (the floor): batches whose replies are not needed later (LLEN, TTL, OBJECT IDLETIME)
#         go through `redis-cli --pipe`, which sends them at wire speed and reads and counts the
#         replies; SCAN and SMEMBERS, whose replies the next step needs, are read normally.
#   plain: every batch through redis-cli's normal mode, one command and reply at a time.
set -euo pipefail
PORT=$1 DB=$2 W=$3 MODE=${4:-pipe}
R=(redis-cli -p "$PORT" -n "$DB")
batch() { if [[ $MODE == pipe ]]; then "${R[@]}" --pipe >/dev/null; else "${R[@]}" >/dev/null; fi; }
"${R[@]}" CLIENT LIST >/dev/null
for k in maxmemory maxmemory-policy client-output-buffer-limit maxclients; do
    echo "CONFIG GET $k"
done | "${R[@]}" >/dev/null
"${R[@]}" DBSIZE >/dev/null
# redis-cli 7.0 has no --count for --scan (its COUNT is 10); a shell loop of SCAN ... COUNT 1000
# calls, one redis-cli each, took 11 s here against 0.5 s for --scan, so the floor uses --scan.
"${R[@]}" --scan >"$W/keys"
grep -a '^_kombu\.binding\.' "$W/keys" | sed 's/^/SMEMBERS /' | "${R[@]}" >"$W/members" || true
# Queue = third field of each member (routing_key SEP pattern SEP queue); four LLENs per queue.
awk -F $'\x06\x16' 'NF >= 3 { q = $3; printf "LLEN \"%s\"\nLLEN \"%s\\x06\\x163\"\nLLEN \"%s\\x06\\x166\"\nLLEN \"%s\\x06\\x169\"\n", q, q, q, q }' \
    "$W/members" >"$W/llen"
batch <"$W/llen"
{ echo "TIME"; echo "HLEN unacked"; echo "ZRANGE unacked_index 0 0 WITHSCORES"; echo "ZCOUNT unacked_index -inf +inf"; } | "${R[@]}" >/dev/null
{ grep -a -m 1000 '\.reply\.celery\.pidbox$' "$W/keys" || true; } |
    awk '{ printf "LLEN %s\nOBJECT IDLETIME %s\nTTL %s\n", $0, $0, $0 }' | batch
{ grep -a -m 1000 '^celery-task-meta-' "$W/keys" || true; } | sed 's/^/TTL /' | batch
"${R[@]}" INFO >/dev/null
"${R[@]}" INFO stats >/dev/null
batch <"$W/llen"
