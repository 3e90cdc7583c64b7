"""Response: firewall blocking (nftables, ipset, iptables) and host isolation over SSH.

Both classes are dry-run by default: actions return a record with the exact
argv of every command and change nothing. Pass ``dry_run=False`` to act.
"""

from ._native import Firewall, SshIsolator  # noqa: F401 (re-exported)
