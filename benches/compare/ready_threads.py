#!/usr/bin/env python3
"""How long a process had fewer than two threads ready to run.

Reads `perf sched timehist` text and, for the threads whose name holds
COMM, adds up the time (from the first event to the last) during which
0, 1, or 2+ of them were ready: running or runnable (waiting for a CPU).
On a 2-core machine the time with fewer than two ready threads is the
idle a pipeline leaves, and unlike wall clock it changes little with
the load of other processes (they delay ready threads; they do not make
them ready).

    perf sched record -o s.data soc ssh auth.log --summary --format jsonl
    perf sched timehist -i s.data > s.txt
    python3 benches/compare/ready_threads.py s.txt soc
"""
import sys


def main() -> None:
    path, comm = sys.argv[1], sys.argv[2]
    events = []
    for line in open(path, encoding="utf-8", errors="replace"):
        f = line.split()
        if len(f) < 6 or comm not in f[2]:
            continue
        try:
            end = float(f[0].rstrip(":"))
            delay, run = float(f[4]), float(f[5])
        except ValueError:
            continue
        # Ready from its wake-up (sch delay before it ran) to its switch-out.
        events.append((end - (run + delay) / 1000.0, 1))
        events.append((end, -1))
    if not events:
        sys.exit(f"no events of {comm!r} in {path}")
    events.sort()
    spent = [0.0, 0.0, 0.0]
    ready, last = 0, events[0][0]
    for t, d in events:
        spent[min(ready, 2)] += t - last
        ready, last = ready + d, t
    span = sum(spent)
    print(
        f"span {span * 1000:.1f} ms; ready threads 0: {spent[0] * 1000:.1f} ms, "
        f"1: {spent[1] * 1000:.1f} ms, >=2: {spent[2] * 1000:.1f} ms "
        f"({spent[2] / span * 100:.0f} %)"
    )


if __name__ == "__main__":
    main()
