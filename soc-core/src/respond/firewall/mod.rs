//! Firewall blocking (nftables, ipset, iptables).
