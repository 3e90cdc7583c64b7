"""Times the Python IOC extractors on a corpus; run by ioc_compare.sh."""

import sys
import time

big, small = sys.argv[1], sys.argv[2]


def timed(name, path, fn):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    mib = len(text.encode()) / (1 << 20)
    t = time.perf_counter()
    try:
        n = fn(text)
    except Exception as exc:  # a broken tool should not stop the others
        print(f"{name}: failed: {exc!r}")
        return
    dt = time.perf_counter() - t
    print(f"{name}: {dt:.2f}s on {mib:.1f} MiB  {mib / dt:.2f} MiB/s  ({n} results)")


def run_iocextract(text):
    import iocextract

    return sum(1 for _ in iocextract.extract_iocs(text, refang=True))


def run_ioc_finder(text):
    from ioc_finder import find_iocs

    return sum(len(v) for v in find_iocs(text).values() if hasattr(v, "__len__"))


def run_msticpy(text):
    from msticpy.transform.iocextract import IoCExtract

    return len(IoCExtract().extract(src=text))


timed("iocextract (1 MiB slice)", small, run_iocextract)
timed("ioc-finder (1 MiB slice)", small, run_ioc_finder)
timed("msticpy", big, run_msticpy)
