"""A pandas DataFrame of SSH events: `.to_arrow()` against `to_dict()` (#18).

    python benches/compare/arrow_pandas.py AUTH_LOG [YEAR]

Prints wall and CPU seconds (CPU time is what to compare on a loaded
machine) for: parsing alone (iterating Event objects), the DataFrame
through `to_dict()` per event, the DataFrame through `.to_arrow()` of the
iterator, and through `parse_ssh_batch` over the lines. Run it with a
release build of the module (`maturin develop --release`).
"""

import sys
import time

import pandas as pd
import pyarrow as pa

import soc_core


def timed(label, f):
    t, c = time.perf_counter(), time.process_time()
    out = f()
    dt, dc = time.perf_counter() - t, time.process_time() - c
    print(f"{label:<44} {dt:7.2f} s wall {dc:7.2f} s cpu  rows={len(out):,}", flush=True)
    return out


def main():
    path = sys.argv[1]
    year = int(sys.argv[2]) if len(sys.argv) > 2 else 2026
    timed("parse only (Event objects)", lambda: list(soc_core.parse_ssh(path, year=year)))
    timed(
        "DataFrame via to_dict()",
        lambda: pd.DataFrame([e.to_dict() for e in soc_core.parse_ssh(path, year=year)]),
    )
    timed(
        "DataFrame via parse_ssh(...).to_arrow()",
        lambda: pa.table(soc_core.parse_ssh(path, year=year).to_arrow()).to_pandas(),
    )
    with open(path) as f:
        lines = f.read().splitlines()
    timed(
        "DataFrame via parse_ssh_batch(lines)",
        lambda: pa.table(soc_core.parse_ssh_batch(lines, year=year)).to_pandas(),
    )


if __name__ == "__main__":
    main()
