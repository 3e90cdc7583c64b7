"""Times the Python IOC extractors on a corpus; run by ioc_compare.sh."""

import logging
import sys
import time

# msticpy's tldextract tries to download the Public Suffix List and logs a
# traceback per URL when offline; it then uses its bundled snapshot.
logging.getLogger("tldextract").setLevel(logging.CRITICAL)

big, small, tiny = sys.argv[1], sys.argv[2], sys.argv[3]


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
    print(f"{name}: {dt:.2f}s on {mib:.2f} MiB  {mib / dt:.3f} MiB/s  ({n} results)", flush=True)


def run_iocextract(text):
    import iocextract

    return sum(1 for _ in iocextract.extract_iocs(text, refang=True))


def run_ioc_finder(text):
    from ioc_finder import find_iocs

    return sum(len(v) for v in find_iocs(text).values() if hasattr(v, "__len__"))


def run_msticpy(text):
    from msticpy.transform.iocextract import IoCExtract

    # extract() returns {ioc_type: set_of_values}
    return sum(len(v) for v in IoCExtract().extract(src=text).values())


timed("iocextract (256 KiB slice)", tiny, run_iocextract)
timed("ioc-finder (1 MiB slice)", small, run_ioc_finder)
timed("msticpy", big, run_msticpy)
