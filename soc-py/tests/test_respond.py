import os
import pickle
import shutil
import subprocess

import pytest

import soc_core
from soc_core import Firewall, RefusedError, SshIsolator


def test_dry_run_block_returns_exact_commands():
    fw = Firewall(backend="nft")
    assert fw.dry_run is True
    rec = fw.block("198.51.100.23", duration="10m", reason="nb")
    assert rec["action"] == "block"
    assert rec["target"] == "198.51.100.23"
    assert rec["mode"] == "dry_run"
    assert rec["outcome"] == {"status": "dry_run"}
    assert rec["commands"][-1] == [
        "nft", "add", "element", "inet", "soc", "block4", "{ 198.51.100.23 timeout 600s }",
    ]
    assert rec["commands"][0] == ["nft", "add", "table", "inet", "soc"]
    assert "expires_at" in rec


def test_backends_and_families():
    rec = Firewall(backend="ipset").block("2001:db8::9", duration="permanent")
    assert rec["commands"][-1] == ["ipset", "-exist", "add", "soc-block6", "2001:db8::9", "timeout", "0"]
    rec = Firewall(backend="iptables").unblock("198.51.100.23")
    assert rec["commands"] == [["iptables", "-w", "-D", "soc-block", "-s", "198.51.100.23", "-j", "DROP"]]
    with pytest.raises(soc_core.RespondError):
        Firewall(backend="pf")


@pytest.mark.parametrize(
    "ip,why",
    [
        ("127.0.0.1", "127.0.0.1 is loopback"),
        ("10.1.2.3", "private"),
        ("203.0.113.4", "allow-listed"),
        ("1.2.3.4; rm", "'1.2.3.4; rm' is not an IP address"),
    ],
)
def test_protected_targets_are_refused(ip, why):
    fw = Firewall(allow=["203.0.113.0/24"])
    with pytest.raises(RefusedError, match=why.replace("(", r"\(")):
        fw.block(ip)
    with pytest.raises(RefusedError):
        fw.check_target(ip)


def test_permit_private_and_check_target():
    fw = Firewall(permit_private=True)
    assert fw.check_target("::ffff:10.1.2.3") == "10.1.2.3"
    assert fw.block("10.1.2.3")["outcome"]["status"] == "dry_run"


def test_bad_duration_and_allow_entry():
    with pytest.raises(soc_core.RespondError, match="not a duration"):
        Firewall().block("198.51.100.23", duration="soon")
    with pytest.raises(soc_core.RespondError, match="not-a-net"):
        Firewall(allow=["not-a-net"])


def test_state_store_expire_and_blocks(tmp_path):
    fw = Firewall(backend="iptables", state=str(tmp_path / "s.db"))
    assert fw.blocks() == []
    assert fw.expire() == []
    assert fw.state == str(tmp_path / "s.db")


def test_repr_to_dict_and_pickle():
    fw = Firewall(backend="ipset", allow=["192.0.2.0/24"], permit_private=True)
    assert repr(fw) == "Firewall(backend='ipset', dry_run=True, allow=['192.0.2.0/24'], permit_private=True, state=None)"
    d = fw.to_dict()
    assert d["backend"] == "ipset" and d["allow"] == ["192.0.2.0/24"] and d["dry_run"] is True
    clone = pickle.loads(pickle.dumps(fw))
    assert clone.to_dict() == d


def test_isolator_dry_run_and_validation():
    iso = SshIsolator("192.0.2.10", port=2222, known_hosts="/k/known_hosts", identity_file="/k/id",
                      command=["touch", "/tmp/isolated-{host}"])
    argv = iso.ssh_argv("web01")
    assert argv[0] == "ssh" and "StrictHostKeyChecking=yes" in argv and "BatchMode=yes" in argv
    assert argv[-3:] == ["web01", "touch", "/tmp/isolated-web01"]
    rec = iso.isolate("web01")
    assert rec["outcome"] == {"status": "dry_run"}
    assert rec["commands"] == [argv]
    with pytest.raises(RefusedError):
        iso.isolate("web01; reboot")
    with pytest.raises(soc_core.RespondError, match="mgmt_ip"):
        SshIsolator("not-an-ip")
    clone = pickle.loads(pickle.dumps(iso))
    assert clone.to_dict() == iso.to_dict()
    assert "SshIsolator(mgmt_ip='192.0.2.10'" in repr(iso)


def _root_with(*tools):
    return os.geteuid() == 0 and all(shutil.which(t) or os.path.exists(f"/usr/sbin/{t}") for t in tools)


@pytest.mark.skipif(not _root_with("ip", "nft"), reason="needs root, ip and nft")
def test_live_block_in_a_namespace(tmp_path):
    ns = f"socpy{os.getpid()}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        fw = Firewall(dry_run=False, netns=ns, state=str(tmp_path / "s.db"))
        rec = fw.block("198.51.100.23", duration="5m")
        assert rec["outcome"] == {"status": "done"}
        listing = subprocess.run(["ip", "netns", "exec", ns, "nft", "list", "set", "inet", "soc", "block4"],
                                 capture_output=True, text=True, check=True).stdout
        assert "198.51.100.23 timeout 5m" in listing
        again = fw.block("198.51.100.23")
        assert again["outcome"]["status"] == "skipped"
        assert [b["ip"] for b in fw.blocks()] == ["198.51.100.23"]
        assert fw.unblock("198.51.100.23")["outcome"] == {"status": "done"}
        # Operator actions are audited the way `soc block` audits them.
        store = soc_core.Pipeline.from_config({"store": {"path": str(tmp_path / "s.db")}, "run": {"offline": True}})
        audited = {(a["action"], a["target"]) for a in store.actions()}
        assert {("block", "198.51.100.23"), ("unblock", "198.51.100.23")} <= audited, audited
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)
