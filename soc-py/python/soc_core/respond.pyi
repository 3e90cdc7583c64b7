"""Response: firewall blocking (nftables, ipset, iptables) and host isolation over SSH.

Both classes are dry-run by default: actions return a record with the exact
argv of every command and change nothing. Pass ``dry_run=False`` to act.
Rust: ``soc_core::respond::firewall::Firewall``, ``soc_core::respond::isolate::SshIsolator``.
"""

from os import PathLike
from typing import Any, Literal, Optional, Sequence, Union, final

from typing_extensions import Self

_Backend = Literal["nft", "nftables", "ipset", "iptables"]

@final
class Firewall:
    """Blocks addresses on the local firewall; dry-run by default.

    Targets are parsed and checked before any command is built: the
    allow-list, loopback, link-local and (unless ``permit_private``) private
    addresses are refused with ``RefusedError``. Live actions are audited in
    the state store ``state`` like ``soc block``.
    """

    def __new__(
        cls,
        backend: _Backend = "nft",
        dry_run: bool = True,
        allow: Sequence[str] = ...,
        permit_private: bool = False,
        default_duration: str = "1h",
        netns: Optional[str] = None,
        state: Optional[str] = None,
    ) -> Self:
        """``backend`` as in ``soc block --backend``; ``allow``: IPs/CIDRs never blocked;
        ``netns``: run every command in that network namespace; ``state``: the state store file."""
    @property
    def backend(self) -> Literal["nft", "ipset", "iptables"]:
        """The backend: ``nft``, ``ipset`` or ``iptables``."""
    @property
    def dry_run(self) -> bool:
        """Whether actions only describe what they would do."""
    @property
    def allow(self) -> list[str]:
        """Addresses and CIDRs never blocked."""
    @property
    def permit_private(self) -> bool:
        """Whether private ranges may be blocked."""
    @property
    def default_duration(self) -> str:
        """Block duration when none is given."""
    @property
    def netns(self) -> Optional[str]:
        """Network namespace the commands run in, if any."""
    @property
    def state(self) -> Optional[str]:
        """State store path, if any."""
    def check_target(self, ip: str) -> str:
        """The canonical address, or ``RefusedError`` saying why it is protected or invalid."""
    def block(self, ip: str, duration: Optional[str] = None, reason: str = "python") -> dict[str, Any]:
        """Blocks ``ip`` for ``duration`` (``30s``, ``1h``, ``2d``, ``0``/``permanent``); returns the action record."""
    def unblock(self, ip: str) -> dict[str, Any]:
        """Removes the block of ``ip``; returns the action record."""
    def expire(self) -> list[dict[str, Any]]:
        """Removes expired blocks recorded in the state store; one record each."""
    def blocks(self) -> list[dict[str, Any]]:
        """Active blocks recorded in the state store (empty without one)."""
    def to_dict(self) -> dict[str, Any]:
        """The configuration."""
    def __reduce__(self) -> Any: ...

@final
class SshIsolator:
    """Runs a configured isolation command on a host over SSH (host keys checked strictly); dry-run by default."""

    def __new__(
        cls,
        mgmt_ip: str,
        user: str = "root",
        port: int = 22,
        identity_file: Union[str, PathLike[str], None] = None,
        known_hosts: Union[str, PathLike[str], None] = None,
        command: Optional[list[str]] = None,
        connect_timeout: int = 10,
        timeout: int = 60,
        dry_run: bool = True,
    ) -> Self:
        """``mgmt_ip`` is the address kept reachable; ``command`` the argv run on the host."""
    @property
    def dry_run(self) -> bool:
        """Whether ``isolate`` only describes what it would do."""
    @property
    def mgmt_ip(self) -> str:
        """The management address kept reachable."""
    def ssh_argv(self, host: str) -> list[str]:
        """The exact ssh argv that isolates ``host``."""
    def isolate(self, host: str) -> dict[str, Any]:
        """Isolates ``host``; returns the action record."""
    def to_dict(self) -> dict[str, Any]:
        """The configuration."""
    def __reduce__(self) -> Any: ...
