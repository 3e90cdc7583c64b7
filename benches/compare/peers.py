#!/usr/bin/env python3
"""Runs soc and its peers on one auth.log with planted attackers and prints
one table: lines/s, peak RSS, and the attacking sources each one found out
of those planted, per attack kind. Called by peers.sh (which installs the
peers and generates the log); standard library only.

usage: peers.py LOG TRUTH SOC_BINARY WORKDIR

How each tool's "found" is decided (what a user of it would get):
- fail2ban 1.0: `fail2ban-regex -o row LOG sshd` (and sshd[mode=aggressive])
  gives every failure with its address and time; the jail's ban rule is
  applied to them with Debian's defaults (maxretry 5 within findtime 10m).
- sshguard 2.4: `sshg-parser` on stdin gives each attack with its
  dangerousness; the blocker's rule is applied with Debian's
  sshguard.conf (THRESHOLD 30 within DETECTION_TIME 1800 s). The parser
  prints no times, so a sentinel line after every log line (an attack from
  a reserved address) ties each attack to its line's time.
- CrowdSec 1.4: `crowdsec -dsn file://LOG -type syslog -no-capi` (replay)
  with the Debian package's offline hub (crowdsecurity/sshd collection:
  sshd-logs parser, ssh-bf and ssh-slow-bf scenarios) and a throwaway local
  API on loopback whose SQLite database is read afterwards. `-no-api` is not
  usable in 1.4: the agent then cannot push its alerts and exits.
- soc: `soc run --once` (offline, dry-run, its own state store; alerts from
  `soc report --format json`) and `soc ssh --alerts --format jsonl`; a source
  is found when an alert names it as src_ip.
Peak RSS is the child's maximum resident set (getrusage); lines/s is the
log's lines over the wall time of the whole command, start-up included.
"""

import collections
import json
import os
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import time

MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}
SENTINEL_IP = "192.0.2.254"


def run(cmd, stdin=None, stdout=subprocess.PIPE, env=None):
    """Runs cmd in a fresh child; returns (stdout bytes, seconds, peak RSS MiB)."""
    # getrusage(RUSAGE_CHILDREN) is a maximum over all children so far: measure
    # each command through its own python process.
    probe = (
        "import resource,subprocess,sys,time\n"
        "t=time.monotonic()\n"
        "r=subprocess.run(sys.argv[1:],stdin=sys.stdin,stdout=sys.stdout,stderr=subprocess.DEVNULL)\n"
        "e=time.monotonic()-t\n"
        "m=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(f'{e} {m} {r.returncode}',file=sys.stderr)\n"
    )
    p = subprocess.run(
        [sys.executable, "-c", probe, *cmd],
        stdin=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=env,
    )
    secs, kib, rc = p.stderr.decode().strip().splitlines()[-1].split()
    if int(rc) != 0:
        print(f"warning: {' '.join(cmd[:3])} exited {rc}", file=sys.stderr)
    return p.stdout or b"", float(secs), int(kib) / 1024


def syslog_time(line):
    """Seconds since Jan 1 of a BSD syslog timestamp (no year)."""
    m = re.match(r"(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d)", line)
    if not m:
        return None
    mon, day, h, mi, s = m.groups()
    return ((MONTHS.get(mon, 0) * 31 + int(day)) * 24 + int(h)) * 3600 + int(mi) * 60 + int(s)


def windowed(events, threshold, window, weight=lambda e: 1):
    """Addresses whose weight within `window` seconds reaches `threshold`."""
    by_ip = collections.defaultdict(list)
    for ip, t, w in events:
        by_ip[ip].append((t, w))
    found = set()
    for ip, evs in by_ip.items():
        evs.sort()
        q, total = collections.deque(), 0
        for t, w in evs:
            q.append((t, w))
            total += w
            while q and q[0][0] <= t - window:
                total -= q.popleft()[1]
            if total >= threshold:
                found.add(ip)
                break
    return found


def fail2ban(log, mode):
    flt = "sshd" if mode == "normal" else "sshd[mode=aggressive]"
    out, secs, rss = run(["fail2ban-regex", "-o", "row", log, flt])
    rows = re.findall(rb"^\['([^']+)',\s+([\d.]+)", out, re.M)
    events = [(ip.decode(), float(t), 1) for ip, t in rows]
    return windowed(events, 5, 600), secs, rss


def sshguard(log, parser, workdir):
    with open(log, "rb") as f:
        _, secs, rss = run([parser], stdin=f, stdout=subprocess.DEVNULL)
    # Detection: a sentinel attack after every line ties attacks to times.
    tagged = os.path.join(workdir, "sshguard-tagged.log")
    times = []
    with open(log, encoding="utf-8", errors="replace") as src, open(tagged, "w") as dst:
        for line in src:
            times.append(syslog_time(line))
            dst.write(line)
            dst.write(f"Dec  1 00:00:00 server1 sshd[1]: Failed password for root from {SENTINEL_IP} port 1 ssh2\n")
    with open(tagged, "rb") as f:
        out, _, _ = run([parser], stdin=f)
    events, i = [], 0
    for row in out.decode().splitlines():
        parts = row.split()
        if len(parts) < 4:
            continue
        if parts[1] == SENTINEL_IP:
            i += 1
            continue
        if i < len(times) and times[i] is not None:
            events.append((parts[1], times[i], int(parts[3])))
    os.remove(tagged)
    return windowed(events, 30, 1800), secs, rss


def crowdsec(log, workdir):
    cs = os.path.join(workdir, "crowdsec")
    shutil.rmtree(cs, ignore_errors=True)
    data = os.path.join(cs, "data")
    os.makedirs(data)
    for name in os.listdir("/var/lib/crowdsec/data"):
        if name.endswith((".txt", ".regex")):
            shutil.copy(os.path.join("/var/lib/crowdsec/data", name), data)
    port = 18391
    with open("/etc/crowdsec/config.yaml") as f:
        cfg = f.read()
    cfg = cfg.replace("/var/lib/crowdsec/data/", data + "/")
    cfg = cfg.replace("127.0.0.1:8080", f"127.0.0.1:{port}")
    cfg = cfg.replace("/etc/crowdsec/local_api_credentials.yaml", os.path.join(cs, "creds.yaml"))
    cfg = cfg.replace("daemonize: true", "daemonize: false").replace("log_media: file", "log_media: stdout")
    cfg = re.sub(r"\n\s*online_client:[^\n]*\n[^\n]*credentials_path[^\n]*", "", cfg)
    cfg = re.sub(r"(prometheus:\s*\n\s*enabled:) true", r"\1 false", cfg)
    conf = os.path.join(cs, "config.yaml")
    with open(conf, "w") as f:
        f.write(cfg)
    creds = os.path.join(cs, "creds.yaml")
    subprocess.run(["cscli", "-c", conf, "machines", "add", "peers", "--auto", "-f", creds, "--force"],
                   check=True, capture_output=True)
    with open(creds) as f:
        text = re.sub(r"(?m)^url: .*$", f"url: http://127.0.0.1:{port}/", f.read())
    with open(creds, "w") as f:
        f.write(text)
    _, secs, rss = run(["crowdsec", "-c", conf, "-dsn", "file://" + os.path.abspath(log), "-type", "syslog", "-no-capi"],
                       stdout=subprocess.DEVNULL)
    db = sqlite3.connect(os.path.join(data, "crowdsec.db"))
    found = {ip for (ip,) in db.execute("SELECT DISTINCT source_ip FROM alerts WHERE source_ip != ''")}
    db.close()
    return found, secs, rss


def soc_run(log, soc, workdir):
    d = os.path.join(workdir, "soc-run")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    conf = os.path.join(d, "soc.toml")
    with open(conf, "w") as f:
        f.write(f'[store]\npath = "{d}/state.db"\n\n[run]\noffline = true\n\n[[sources]]\nkind = "ssh"\n'
                f'path = "{os.path.abspath(log)}"\n\n[response]\ndry_run = true\n')
    _, secs, rss = run([soc, "run", "--once", "-q", "--config", conf], stdout=subprocess.DEVNULL)
    rep = subprocess.run([soc, "report", "--since", "all", "--format", "json", "--config", conf],
                         check=True, capture_output=True).stdout
    alerts = json.loads(rep)["alerts"]
    return {a["src_ip"] for a in alerts if a.get("src_ip")}, secs, rss


def soc_ssh(log, soc):
    out, secs, rss = run([soc, "ssh", log, "--alerts", "--format", "jsonl"])
    found = set()
    for line in out.decode().splitlines():
        a = json.loads(line)
        if a.get("src_ip"):
            found.add(a["src_ip"])
    return found, secs, rss


def main():
    log, truth_path, soc, workdir = sys.argv[1:5]
    os.makedirs(workdir, exist_ok=True)
    truth = {}
    with open(truth_path) as f:
        for row in f:
            ip, kind = row.split()
            truth[ip] = kind
    kinds = list(dict.fromkeys(truth.values()))
    planted = collections.Counter(truth.values())
    with open(log, "rb") as f:
        lines = sum(1 for _ in f)

    tools = []
    if shutil.which("fail2ban-regex"):
        tools.append(("fail2ban 1.0 sshd (normal)", lambda: fail2ban(log, "normal")))
        tools.append(("fail2ban 1.0 sshd (aggressive)", lambda: fail2ban(log, "aggressive")))
    parser = "/usr/libexec/sshguard/sshg-parser"
    if os.access(parser, os.X_OK):
        tools.append(("sshguard 2.4 (sshg-parser)", lambda: sshguard(log, parser, workdir)))
    if shutil.which("crowdsec") and shutil.which("cscli"):
        tools.append(("CrowdSec 1.4 (replay, sshd collection)", lambda: crowdsec(log, workdir)))
    tools.append(("soc run --once", lambda: soc_run(log, soc, workdir)))
    tools.append(("soc ssh --alerts", lambda: soc_ssh(log, soc)))

    head = ["tool", "lines/s", "peak RSS MiB"] + [f"{k} /{planted[k]}" for k in kinds] + ["benign flagged"]
    rows = []
    for name, f in tools:
        found, secs, rss = f()
        per = collections.Counter(truth[ip] for ip in found if ip in truth)
        false_pos = len([ip for ip in found if ip not in truth])
        rows.append([name, f"{lines / secs:,.0f}", f"{rss:.0f}"] + [str(per[k]) for k in kinds] + [str(false_pos)])
        print(f"done: {name} ({secs:.1f} s)", file=sys.stderr)
    print(f"{lines:,} lines, {len(truth)} planted attackers ({', '.join(f'{planted[k]} {k}' for k in kinds)})\n")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
