#!/usr/bin/env python3
"""Run a command and print its peak resident memory in parts, in KiB:

    peak_anon_kib peak_file_kib

the highest RssAnon (heap, stacks, written data) and RssFile (pages of the binary and the
libraries) seen by polling /proc/PID/status every millisecond, so they can miss a peak shorter
than that; GNU time's %M (the kernel's own peak of the whole) is the number to quote for the
total (the child of a Python process starts with Python's pages counted in ru_maxrss). The
command's stdout and stderr go to /dev/null; its exit status is this script's.

    bench/peakrss.py CMD [ARGS...]
"""
import os
import subprocess
import sys
import time


def parts(pid: int):
    anon = file = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    anon = int(line.split()[1])
                elif line.startswith("RssFile:"):
                    file = int(line.split()[1])
    except OSError:
        pass
    return anon, file


def main() -> int:
    proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak_anon = peak_file = 0
    while True:
        anon, file = parts(proc.pid)
        peak_anon, peak_file = max(peak_anon, anon), max(peak_file, file)
        pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.001)
    print(peak_anon, peak_file)
    return os.waitstatus_to_exitcode(status) if status else 0


if __name__ == "__main__":
    sys.exit(main())
