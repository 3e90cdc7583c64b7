"""Small generated inputs for the Dask and Ray tests, and the single-machine
answers they are compared with."""

import random
from pathlib import Path

import pyarrow as pa

import soc_core

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "python"
DATA = ROOT / "examples" / "data"
YEAR = 2026

USERS = ["root", "admin", "alice", "bob", "oracle", "git", "ubuntu", "deploy"]


def _source(rng):
    if rng.random() < 0.15:
        return f"2001:db8:{rng.randrange(16):x}::{rng.randrange(1, 400):x}"
    return f"203.0.113.{rng.randrange(1, 60)}"


def auth_log(path, lines, seed):
    """An auth.log of about `lines` sshd lines: failed and accepted logins,
    invalid users and multi-line connections (same pid), from a few dozen
    sources, so the detectors fire."""
    rng = random.Random(seed)
    out, pid, sec = [], 1000 + seed, 0
    while len(out) < lines:
        pid += 1
        sec += rng.randrange(0, 4)
        stamp = f"Nov {1 + sec // 86400:2d} {sec // 3600 % 24:02d}:{sec // 60 % 60:02d}:{sec % 60:02d} web01"
        ip, user, port = _source(rng), rng.choice(USERS), rng.randrange(1024, 65535)
        roll = rng.random()
        if roll < 0.55:
            out.append(f"{stamp} sshd[{pid}]: Failed password for {user} from {ip} port {port} ssh2")
            out.append(f"{stamp} sshd[{pid}]: Connection closed by authenticating user {user} {ip} port {port} [preauth]")
        elif roll < 0.75:
            out.append(f"{stamp} sshd[{pid}]: Invalid user {user}x from {ip} port {port}")
            out.append(f"{stamp} sshd[{pid}]: Failed password for invalid user {user}x from {ip} port {port} ssh2")
        elif roll < 0.9:
            out.append(f"{stamp} sshd[{pid}]: Accepted password for {user} from {ip} port {port} ssh2")
            out.append(f"{stamp} sshd[{pid}]: pam_unix(sshd:session): session opened for user {user}(uid=1000) by (uid=0)")
        else:
            out.append(f"{stamp} sshd[{pid}]: Received disconnect from {ip} port {port}:11: Bye Bye [preauth]")
        if rng.random() < 0.02:
            out.append(f"{stamp} sshd[{pid}]: \x1b[31mgarbage \u202e line")
    Path(path).write_text("\n".join(out) + "\n")
    return Path(path)


def auth_logs(tmp_path, files=3, lines=2000):
    """`files` generated logs plus the bundled sample, in path order."""
    paths = [auth_log(tmp_path / f"auth{i}.log", lines, seed=i) for i in range(files)]
    return paths + [DATA / "auth.log"]


def texts():
    """Texts with indicators, defanged ones and empty lines."""
    report = (DATA / "threat-report.txt").read_text().splitlines()
    return report + ["", "beacon hxxp://evil-cdn[.]com/x to 198.51.100.7", "nothing here"]


def single_machine_events(paths):
    """`soc_core.parse_ssh` over each file, as rows of plain values."""
    rows = []
    for p in paths:
        rows += pa.table(soc_core.parse_ssh(str(p), year=YEAR).to_arrow()).to_pylist()
    return rows


def single_machine_iocs(texts):
    """`soc_core.extract_iocs` over each text: (row, kind, value, start, end, defanged)."""
    return sorted(
        (row, i.kind, i.value, i.start, i.end, i.defanged)
        for row, text in enumerate(texts)
        for i in soc_core.extract_iocs(text)
    )


def ioc_keys(rows):
    return sorted((r["row"], r["kind"], r["value"], r["start"], r["end"], r["defanged"]) for r in rows)


def event_order(paths):
    """A sort key putting rows in the order of `paths`, then by line (the
    order `single_machine_events` gives, wherever the checkout lives)."""
    index = {str(q): i for i, p in enumerate(paths) for q in (p, Path(p).resolve())}
    return lambda row: (index[row["file"]], row["line"])


def failed_logins_line(path=DATA / "auth.log"):
    """The examples' summary line for `path`, from `parse_ssh`'s Event objects."""
    failed = [e.to_dict() for e in soc_core.parse_ssh(str(path), year=YEAR)]
    failed = [e for e in failed if e.get("attempt") == "failure"]
    return f"{len(failed)} failed logins from {len({e['src_ip'] for e in failed})} sources"
