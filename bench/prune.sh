#!/usr/bin/env bash
# prune-tmp benchmark: `celtool prune-tmp COPY --older-than 1440m` against
# `find COPY -mindepth 1 -type f -mmin +1440 -delete` on identical copies of one tree of FILES
# empty files in 200 directories, half of them 2 days old (so half go).
#
#   bench/prune.sh [FILES] [FILESYSTEMS] [ROUNDS]
#       FILES        default 200000 (1000000 is the big option)
#       FILESYSTEMS  default "ext4 tmpfs": ext4 = a scratch dir under /var/tmp, tmpfs = a tmpfs
#                    this script mounts (needs root; skipped otherwise)
#       ROUNDS       default 3
#
# Before every timed run the copy is rebuilt with `cp -a TEMPLATE COPY` (untimed), so every run
# starts from the same tree with warm dentry/inode caches. Everything is removed (and the tmpfs
# unmounted) on exit. Reports; exits 0 even when a target is missed.
set -euo pipefail

FILES=${1:-200000}
FILESYSTEMS=${2:-ext4 tmpfs}
ROUNDS=${3:-3}
DIRS=200
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
CELTOOL=${CELTOOL:-${CARGO_TARGET_DIR:-$ROOT/target}/release/celtool}
[[ -x $CELTOOL ]] || { echo "no celtool binary at $CELTOOL (cargo build --release)" >&2; exit 0; }

WORK=$(mktemp -d /var/tmp/celtool-bench-prune.XXXXXX)
TMPFS=$WORK/tmpfs-mnt
MOUNTED=0
cleanup() {
    if [[ $MOUNTED == 1 ]]; then umount "$TMPFS" || echo "WARNING: could not unmount $TMPFS" >&2; fi
    rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

make_tree() { # DIR: FILES empty files in DIRS dirs, every other one aged 2 days
    python3 - "$1" "$FILES" "$DIRS" <<'EOF'
import os, sys, time
root, files, dirs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
old = time.time() - 2 * 86400
per = files // dirs
for d in range(dirs):
    dp = os.path.join(root, f"d{d:03}")
    os.mkdir(dp)
    for f in range(per):
        p = os.path.join(dp, f"f{f:07}.tmp")
        os.close(os.open(p, os.O_CREAT | os.O_WRONLY, 0o644))
        if f % 2 == 0:
            os.utime(p, (old, old))
EOF
}

count() { find "$1" -type f | wc -l; }

bench_fs() { # FSNAME BASE
    local fs=$1 base=$2
    echo "== prune benchmark on $fs ($(stat -f -c %T "$base") at $base): $FILES files in $DIRS dirs, half older than 1440m"
    local t0 t1
    t0=$(date +%s.%N)
    mkdir "$base/template"
    make_tree "$base/template"
    t1=$(date +%s.%N)
    echo "  tree built in $(python3 -c "print(round($t1 - $t0, 1))") s: $(count "$base/template") files"

    local copy=$base/copy
    local find_cmd="exec find '$copy' -mindepth 1 -type f -mmin +1440 -delete"
    local celtool_cmd="exec '$CELTOOL' prune-tmp '$copy' --older-than 1440m"
    # Both must leave exactly the young half.
    local name cmd
    for name in find celtool; do
        if [[ $name == find ]]; then cmd=$find_cmd; else cmd=$celtool_cmd; fi
        rm -rf "$copy" && cp -a "$base/template" "$copy"
        bash -c "$cmd" || echo "  ($name exit code $?)"
        echo "  check: $name left $(count "$copy") files (expected $((FILES / 2)))"
    done

    python3 "$HERE/alternate.py" --label "prune, $fs, $FILES files" --rounds "$ROUNDS" --warmup 0 \
        --baseline find ${BENCH_JSON:+--json "$BENCH_JSON"} \
        --prep "rm -rf '$copy' && cp -a '$base/template' '$copy' && sync -f '$base'" \
        "find=$find_cmd" "celtool=$celtool_cmd"
    rm -rf "$copy" "$base/template"
}

for fs in $FILESYSTEMS; do
    case $fs in
        ext4)
            mkdir "$WORK/ext4"
            bench_fs ext4 "$WORK/ext4"
            ;;
        tmpfs)
            if [[ $(id -u) != 0 ]]; then echo "== tmpfs skipped: mounting needs root"; continue; fi
            mkdir "$TMPFS"
            mount -t tmpfs -o size=4g,nr_inodes=$((FILES * 3 + 10000)) celtool-bench "$TMPFS"
            MOUNTED=1
            bench_fs tmpfs "$TMPFS"
            umount "$TMPFS"
            MOUNTED=0
            ;;
        *) echo "unknown filesystem $fs (ext4 or tmpfs)" >&2 ;;
    esac
done
echo "targets: celtool/find <= 1.0x; celtool peak RSS < 32 MiB at any file count"
