#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The host's clock for a test VM: a timer the guest asks for by serial.

    host-clock.py PORTFILE

Listens on 127.0.0.1 (a port the kernel picks), writes that port to
PORTFILE and accepts one connection: the emulator's second serial port
(test-vm.sh --host-clock), the guest's /dev/ttyS1. For each line
"start TOKEN SECONDS" the guest sends, it answers "stop TOKEN" once
SECONDS of host time have passed. The guest's clock under Bochs follows
the instruction count, not the host's, so a guest that waits for "stop"
is bounded by host wall time instead (the ioctl fuzzer under make fuzz).
The token lets the guest tell its own answer from anything older.
"""
import os
import select
import socket
import sys
import time


def main():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(tmp, sys.argv[1])
    conn, _ = srv.accept()
    srv.close()
    buf = b""
    timers = []  # (host deadline, token)
    while True:
        now = time.monotonic()
        for when, token in [t for t in timers if t[0] <= now]:
            timers.remove((when, token))
            conn.sendall(b"stop " + token + b"\n")
        wait = min([t[0] for t in timers], default=now + 60) - now
        ready, _, _ = select.select([conn], [], [], max(0.0, wait))
        if not ready:
            continue
        data = conn.recv(4096)
        if not data:
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            words = line.strip().split()
            if len(words) == 3 and words[0] == b"start" and words[2].isdigit():
                timers.append((time.monotonic() + int(words[2]), words[1]))
                print("host-clock: start %s %s s" % (words[1].decode(errors="replace"),
                                                      words[2].decode()), flush=True)


if __name__ == "__main__":
    main()
