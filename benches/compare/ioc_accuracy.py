"""Precision and recall of soc and the Python IOC extractors on the
conformance tables (soc-core/tests/ioc_conformance/*.jsonl); run by
ioc_accuracy.sh.

    python ioc_accuracy.py SOC_BINARY TABLE_DIR

Each table holds cases from one peer's own test suite: an input, the kinds
the case judges and the right answer (`expect`) in soc's canonical form.
Every tool is scored on every table over the judged kinds it extracts;
peer outputs are normalized to soc's canonical forms first (refanged,
lower-cased hosts, canonical IPv6, `AS1234`, ...). A tool that fails on an
input scores that case as found nothing.
"""

import ipaddress
import json
import logging
import re
import subprocess
import sys
from pathlib import Path

logging.getLogger("tldextract").setLevel(logging.CRITICAL)
logging.disable(logging.WARNING)

SOC, TABLES = sys.argv[1], Path(sys.argv[2])
PEERS = ["ioc_finder", "iocextract", "iocsearcher", "msticpy"]

# The kinds each tool extracts, in soc's names (same lists as the Rust runner).
SUPPORTED = {
    "ioc_finder": "ipv4 ipv6 cidr domain url email md5 sha1 sha256 sha512 ssdeep cve attack_technique "
    "attack_tactic attack_mitigation asn mac btc xmr registry_key file_path imphash authentihash tlp "
    "google_analytics_id google_adsense_id user_agent xmpp",
    "iocextract": "ipv4 ipv6 url email md5 sha1 sha256 sha512",
    "iocsearcher": "ipv4 ipv6 cidr domain url email md5 sha1 sha256 cve attack_technique btc bch ada dash "
    "doge eth ltc xmr xrp sol xtz trx zec onion google_adsense_id google_analytics_id arn registry_key",
    "msticpy": "ipv4 ipv6 domain url email md5 sha1 sha256 file_path",
}
SUPPORTED = {k: set(v.split()) for k, v in SUPPORTED.items()}


def refang(v):
    """The common defangs undone (for peers that report values as written)."""
    v = re.sub(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)", ".", v, flags=re.I)
    v = re.sub(r"\[at\]|\(at\)|\[@\]", "@", v, flags=re.I)
    v = v.replace("[:]", ":").replace("[/]", "/")
    v = re.sub(r"^h[xX]{2}p", "http", v)
    return re.sub(r"^(s?)f[xX]p", r"\1ftp", v)


def canon(kind, value):
    """A peer's value in soc's canonical form (best effort): refanged, and
    a URL without the quote or punctuation a peer may keep at its end."""
    v = value.strip()
    if kind in ("ipv4", "ipv6", "domain", "email", "url"):
        v = refang(v)
    if kind == "url":
        v = v.rstrip("'\".,;")
    try:
        if kind == "ipv4":
            return str(ipaddress.IPv4Address(".".join(str(int(p)) for p in v.split("."))))
        if kind == "ipv6":
            return str(ipaddress.IPv6Address(v.split("%")[0]))
        if kind == "cidr":
            ip, bits = v.split("/")
            return f"{ipaddress.ip_address(ip)}/{int(bits)}"
    except ValueError:
        return v
    if kind in ("domain", "onion"):
        return v.lower().rstrip(".")
    if kind in ("md5", "sha1", "sha256", "sha512", "imphash", "authentihash", "eth"):
        return v.lower()
    if kind in ("email", "xmpp") and "@" in v:
        local, _, dom = v.rpartition("@")
        return f"{local}@{dom.lower()}"
    if kind == "url":
        if "://" not in v:
            v = "http://" + v
        scheme, _, rest = v.partition("://")
        host_end = min([i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0] or [len(rest)])
        return f"{scheme.lower()}://{rest[:host_end].lower()}{rest[host_end:]}"
    if kind == "asn":
        digits = re.sub(r"\D", "", v)
        return f"AS{int(digits)}" if digits else v
    if kind == "mac":
        hexes = re.sub(r"[^0-9a-fA-F]", "", v).lower()
        return ":".join(hexes[i : i + 2] for i in range(0, len(hexes), 2))
    if kind in ("cve", "attack_technique", "attack_tactic", "attack_mitigation"):
        return v.upper()
    if kind == "tlp":
        colour = re.sub(r"(?i)^tlp[\s:_-]*", "", v).upper()
        return f"TLP:{colour}"
    if kind == "bch":
        return v.split(":")[-1].lower()
    if kind == "btc" and v.lower().startswith("bc1"):
        return v.lower()
    return v


def run_soc(text):
    out = subprocess.run([SOC, "iocs", "--format", "jsonl"], input=text.encode(), capture_output=True, check=True)
    return {(r["kind"], r["value"]) for r in map(json.loads, out.stdout.decode().splitlines())}


def flat(values):
    if isinstance(values, dict):
        for v in values.values():
            yield from flat(v)
    elif isinstance(values, (list, set, tuple)):
        for v in values:
            yield from flat(v)
    elif values is not None:
        yield str(values)


IOC_FINDER_KINDS = {
    "ipv4s": "ipv4", "ipv6s": "ipv6", "ipv4_cidrs": "cidr", "domains": "domain", "urls": "url",
    "email_addresses": "email", "md5s": "md5", "sha1s": "sha1", "sha256s": "sha256", "sha512s": "sha512",
    "ssdeeps": "ssdeep", "cves": "cve", "attack_techniques": "attack_technique", "attack_tactics": "attack_tactic",
    "attack_mitigations": "attack_mitigation", "asns": "asn", "mac_addresses": "mac", "bitcoin_addresses": "btc",
    "monero_addresses": "xmr", "registry_key_paths": "registry_key", "file_paths": "file_path",
    "imphashes": "imphash", "authentihashes": "authentihash", "tlp_labels": "tlp",
    "google_analytics_tracker_ids": "google_analytics_id", "google_adsense_publisher_ids": "google_adsense_id",
    "user_agents": "user_agent", "xmpp_addresses": "xmpp",
}


def run_ioc_finder(text):
    from ioc_finder import find_iocs

    try:  # 9.x parses a few common kinds by default: ask for all of them
        from ioc_finder.ioc_finder import SUPPORTED_IOC_TYPES

        found = find_iocs(text, included_ioc_types=SUPPORTED_IOC_TYPES)
    except ImportError:
        found = find_iocs(text)
    return {(k, canon(k, v)) for key, k in IOC_FINDER_KINDS.items() for v in flat(found.get(key))}


def run_iocextract(text):
    import iocextract as ie

    got = set()
    for kind, fn in [("url", ie.extract_urls), ("ipv4", ie.extract_ipv4s), ("email", ie.extract_emails)]:
        got |= {(kind, canon(kind, v)) for v in fn(text, refang=True)}
    for kind, fn in [("ipv6", ie.extract_ipv6s), ("md5", ie.extract_md5_hashes), ("sha1", ie.extract_sha1_hashes),
                     ("sha256", ie.extract_sha256_hashes), ("sha512", ie.extract_sha512_hashes)]:
        got |= {(kind, canon(kind, v)) for v in fn(text)}
    return got


IOCSEARCHER_KINDS = {
    "ip4": "ipv4", "ip6": "ipv6", "ip4Net": "cidr", "fqdn": "domain", "url": "url", "email": "email",
    "md5": "md5", "sha1": "sha1", "sha256": "sha256", "cve": "cve", "ttp": "attack_technique", "bitcoin": "btc",
    "bitcoincash": "bch", "cardano": "ada", "dashcoin": "dash", "dogecoin": "doge", "ethereum": "eth",
    "litecoin": "ltc", "monero": "xmr", "ripple": "xrp", "solana": "sol", "tezos": "xtz", "tronix": "trx",
    "zcash": "zec", "onionAddress": "onion", "googleAdsense": "google_adsense_id",
    "googleAnalytics": "google_analytics_id", "arn": "arn", "registry": "registry_key",
}
_searcher = None


def run_iocsearcher(text):
    global _searcher
    if _searcher is None:
        from iocsearcher.searcher import Searcher

        _searcher = Searcher()
    got = set()
    for ioc in _searcher.search_data(text):
        kind = IOCSEARCHER_KINDS.get(ioc.name)
        if kind:
            value = ioc.value + ".onion" if kind == "onion" and not ioc.value.endswith(".onion") else ioc.value
            got.add((kind, canon(kind, value)))
    return got


MSTICPY_KINDS = {
    "ipv4": "ipv4", "ipv6": "ipv6", "dns": "domain", "url": "url", "email": "email", "md5_hash": "md5",
    "sha1_hash": "sha1", "sha256_hash": "sha256", "windows_path": "file_path", "linux_path": "file_path",
}
_msticpy = None


def run_msticpy(text):
    global _msticpy
    if _msticpy is None:
        from msticpy.transform.iocextract import IoCExtract

        _msticpy = IoCExtract()
    found = _msticpy.extract(src=text, include_paths=True)
    return {(MSTICPY_KINDS[k], canon(MSTICPY_KINDS[k], v)) for k, vs in found.items() if k in MSTICPY_KINDS for v in vs}


TOOLS = {"soc": run_soc, "ioc_finder": run_ioc_finder, "iocextract": run_iocextract,
         "iocsearcher": run_iocsearcher, "msticpy": run_msticpy}


def score(tool, cases, kinds_of):
    tp = fp = fn = failed = 0
    fn_run = TOOLS[tool]
    for case in cases:
        judged = set(case["kinds"]) & kinds_of
        if not judged:
            continue
        truth = {tuple(p) for p in case["expect"] if p[0] in judged}
        try:
            got = {p for p in fn_run(case["input"]) if p[0] in judged}
        except Exception:  # a broken tool should not stop the others
            got, failed = set(), failed + 1
        tp += len(got & truth)
        fp += len(got - truth)
        fn += len(truth - got)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, failed


def main():
    tables = {peer: [json.loads(l) for l in (TABLES / f"{peer}.jsonl").read_text().splitlines() if l.strip()] for peer in PEERS}
    available = ["soc"]
    for tool in PEERS:
        try:
            TOOLS[tool]("probe 1.2.3.4")
            available.append(tool)
        except Exception as exc:
            print(f"{tool}: not available ({exc!r})")
    print("Each cell: precision / recall on the table's cases, over the judged kinds the table's peer extracts.")
    print(f"{'table':12} {'cases':>5}  " + "  ".join(f"{t:>17}" for t in available))
    for peer, cases in tables.items():
        cells = []
        for tool in available:
            kinds = SUPPORTED[peer] if tool in ("soc", peer) else SUPPORTED[peer] & SUPPORTED[tool]
            p, r, failed = score(tool, cases, kinds)
            cells.append(f"{p:.3f} / {r:.3f}" + ("!" if failed else " "))
        print(f"{peer:12} {len(cases):5}  " + "  ".join(f"{c:>17}" for c in cells), flush=True)
    all_cases = [c for cs in tables.values() for c in cs]
    all_kinds = {k for c in all_cases for k in c["kinds"]}
    p, r, _ = score("soc", all_cases, all_kinds)
    print(f"soc overall, all {len(all_cases)} cases and judged kinds: precision {p:.3f} recall {r:.3f}")
    print("(! = the tool raised on some inputs; those cases count as found nothing)")


main()
