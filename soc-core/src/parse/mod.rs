//! Parsers: OpenSSH auth logs, Suricata EVE JSON, generic JSON/CSV alerts.
