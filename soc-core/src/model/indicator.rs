//! Indicators of compromise.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::IocError;

/// The kind of an indicator. The `snake_case` names (`ipv4`, `sha256`,
/// `attack_technique`, ...) are the names used in every output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IndicatorKind {
    /// IPv4 address.
    Ipv4,
    /// IPv6 address (canonical form).
    Ipv6,
    /// CIDR network.
    Cidr,
    /// Domain name ending in a public suffix.
    Domain,
    /// URL.
    Url,
    /// E-mail address.
    Email,
    /// MD5 hash.
    Md5,
    /// SHA-1 hash.
    Sha1,
    /// SHA-256 hash.
    Sha256,
    /// SHA-512 hash.
    Sha512,
    /// ssdeep fuzzy hash.
    Ssdeep,
    /// CVE id.
    Cve,
    /// MITRE ATT&CK technique (T1059, T1059.001).
    AttackTechnique,
    /// MITRE ATT&CK tactic (TA0001).
    AttackTactic,
    /// Autonomous system number, normalized `AS1234`.
    Asn,
    /// MAC address.
    Mac,
    /// Bitcoin address (base58 or bech32, checksum-validated).
    Btc,
    /// Ethereum address.
    Eth,
    /// Monero address.
    Xmr,
    /// Windows registry key.
    RegistryKey,
    /// File path (Windows or POSIX).
    FilePath,
    /// Tor onion address.
    Onion,
    /// PE import hash (md5 shape, labelled `imphash` / `import hash`).
    Imphash,
    /// PE Authenticode hash (sha256 shape, labelled `authentihash`).
    Authentihash,
    /// AWS Amazon Resource Name (`arn:aws:iam::123456789012:user/Bob`).
    Arn,
    /// Traffic Light Protocol label, upper case (`TLP:AMBER+STRICT`).
    Tlp,
    /// Google Analytics id (`UA-000000-2`, `G-XXXXXXXXXX`).
    GoogleAnalyticsId,
    /// Google AdSense publisher id (`pub-1234567891234567`).
    GoogleAdsenseId,
    /// HTTP User-Agent string (`Mozilla/5.0 (...) ...`).
    UserAgent,
    /// XMPP (Jabber) address on a known XMPP service.
    Xmpp,
    /// MITRE ATT&CK mitigation (`M1036`).
    AttackMitigation,
    /// Litecoin address (base58check or bech32 `ltc1`, checksum-validated).
    Ltc,
    /// Bitcoin Cash CashAddr address (checksum-validated), `bitcoincash:` prefix dropped.
    Bch,
    /// Dogecoin address (base58check, checksum-validated).
    Doge,
    /// Dash address (base58check, checksum-validated).
    Dash,
    /// Ripple (XRP) address (Ripple base58check, checksum-validated).
    Xrp,
    /// Cardano address (Shelley bech32 `addr1` or Byron base58 with CRC32, validated).
    Ada,
    /// Solana address (base58 of a 32-byte key; no checksum in the format).
    Sol,
    /// Tezos address (`tz1`/`tz2`/`tz3`/`KT1`, base58check, checksum-validated).
    Xtz,
    /// Zcash transparent address (`t1`/`t3`, base58check, checksum-validated).
    Zec,
    /// Tron address (`T...`, base58check, checksum-validated).
    Trx,
}

impl IndicatorKind {
    /// Every kind, in output order.
    pub const ALL: [IndicatorKind; 41] = [
        IndicatorKind::Ipv4,
        IndicatorKind::Ipv6,
        IndicatorKind::Cidr,
        IndicatorKind::Domain,
        IndicatorKind::Url,
        IndicatorKind::Email,
        IndicatorKind::Md5,
        IndicatorKind::Sha1,
        IndicatorKind::Sha256,
        IndicatorKind::Sha512,
        IndicatorKind::Ssdeep,
        IndicatorKind::Cve,
        IndicatorKind::AttackTechnique,
        IndicatorKind::AttackTactic,
        IndicatorKind::Asn,
        IndicatorKind::Mac,
        IndicatorKind::Btc,
        IndicatorKind::Eth,
        IndicatorKind::Xmr,
        IndicatorKind::RegistryKey,
        IndicatorKind::FilePath,
        IndicatorKind::Onion,
        IndicatorKind::Imphash,
        IndicatorKind::Authentihash,
        IndicatorKind::Arn,
        IndicatorKind::Tlp,
        IndicatorKind::GoogleAnalyticsId,
        IndicatorKind::GoogleAdsenseId,
        IndicatorKind::UserAgent,
        IndicatorKind::Xmpp,
        IndicatorKind::AttackMitigation,
        IndicatorKind::Ltc,
        IndicatorKind::Bch,
        IndicatorKind::Doge,
        IndicatorKind::Dash,
        IndicatorKind::Xrp,
        IndicatorKind::Ada,
        IndicatorKind::Sol,
        IndicatorKind::Xtz,
        IndicatorKind::Zec,
        IndicatorKind::Trx,
    ];

    /// The output name of this kind.
    ///
    /// ```
    /// use soc_core::IndicatorKind;
    /// assert_eq!(IndicatorKind::AttackTechnique.as_str(), "attack_technique");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorKind::Ipv4 => "ipv4",
            IndicatorKind::Ipv6 => "ipv6",
            IndicatorKind::Cidr => "cidr",
            IndicatorKind::Domain => "domain",
            IndicatorKind::Url => "url",
            IndicatorKind::Email => "email",
            IndicatorKind::Md5 => "md5",
            IndicatorKind::Sha1 => "sha1",
            IndicatorKind::Sha256 => "sha256",
            IndicatorKind::Sha512 => "sha512",
            IndicatorKind::Ssdeep => "ssdeep",
            IndicatorKind::Cve => "cve",
            IndicatorKind::AttackTechnique => "attack_technique",
            IndicatorKind::AttackTactic => "attack_tactic",
            IndicatorKind::Asn => "asn",
            IndicatorKind::Mac => "mac",
            IndicatorKind::Btc => "btc",
            IndicatorKind::Eth => "eth",
            IndicatorKind::Xmr => "xmr",
            IndicatorKind::RegistryKey => "registry_key",
            IndicatorKind::FilePath => "file_path",
            IndicatorKind::Onion => "onion",
            IndicatorKind::Imphash => "imphash",
            IndicatorKind::Authentihash => "authentihash",
            IndicatorKind::Arn => "arn",
            IndicatorKind::Tlp => "tlp",
            IndicatorKind::GoogleAnalyticsId => "google_analytics_id",
            IndicatorKind::GoogleAdsenseId => "google_adsense_id",
            IndicatorKind::UserAgent => "user_agent",
            IndicatorKind::Xmpp => "xmpp",
            IndicatorKind::AttackMitigation => "attack_mitigation",
            IndicatorKind::Ltc => "ltc",
            IndicatorKind::Bch => "bch",
            IndicatorKind::Doge => "doge",
            IndicatorKind::Dash => "dash",
            IndicatorKind::Xrp => "xrp",
            IndicatorKind::Ada => "ada",
            IndicatorKind::Sol => "sol",
            IndicatorKind::Xtz => "xtz",
            IndicatorKind::Zec => "zec",
            IndicatorKind::Trx => "trx",
        }
    }

    /// True for `ipv4` and `ipv6`.
    pub fn is_ip(self) -> bool {
        matches!(self, IndicatorKind::Ipv4 | IndicatorKind::Ipv6)
    }

    /// True for the file-hash kinds (md5, sha1, sha256, sha512, ssdeep).
    pub fn is_hash(self) -> bool {
        matches!(
            self,
            IndicatorKind::Md5
                | IndicatorKind::Sha1
                | IndicatorKind::Sha256
                | IndicatorKind::Sha512
                | IndicatorKind::Ssdeep
        )
    }

    /// Comma-separated list of all kind names (for error messages and help).
    pub fn all_names() -> String {
        Self::ALL
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl fmt::Display for IndicatorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IndicatorKind {
    type Err = IocError;

    /// Parses a kind name; `ip` is not a kind (use `ipv4`/`ipv6`), but a few
    /// common aliases are accepted (`hash` is not, it is ambiguous).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        let alias = match norm.as_str() {
            "technique" | "attack" => "attack_technique",
            "tactic" => "attack_tactic",
            "registry" => "registry_key",
            "path" | "filepath" => "file_path",
            "bitcoin" => "btc",
            "ethereum" => "eth",
            "monero" => "xmr",
            "litecoin" => "ltc",
            "bitcoincash" | "bitcoin_cash" => "bch",
            "dogecoin" => "doge",
            "ripple" => "xrp",
            "cardano" => "ada",
            "solana" => "sol",
            "tezos" => "xtz",
            "zcash" => "zec",
            "tron" => "trx",
            "mitigation" => "attack_mitigation",
            "useragent" => "user_agent",
            other => other,
        };
        IndicatorKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == alias)
            .ok_or_else(|| IocError::UnknownKind {
                name: s.to_string(),
                known: IndicatorKind::all_names(),
            })
    }
}

/// Tags attached to indicators, mostly to IP addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IndicatorTag {
    /// RFC 1918 / RFC 4193 private address.
    Private,
    /// Loopback (127/8, ::1).
    Loopback,
    /// Link-local (169.254/16, fe80::/10).
    LinkLocal,
    /// Multicast.
    Multicast,
    /// Documentation ranges (RFC 5737, RFC 3849).
    Documentation,
    /// Other reserved / special-purpose ranges (0/8, 240/4, CGNAT, benchmarking, ...).
    Reserved,
    /// The indicator came from inside a URL (host part).
    FromUrl,
    /// Found by decoding base64 text (the raw text is the encoded run).
    Base64,
    /// Found by decoding hex text.
    Hex,
    /// Found by decoding percent-encoded text (`http%3A%2F%2F...`).
    PercentEncoded,
}

impl IndicatorTag {
    /// The output name of this tag.
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorTag::Private => "private",
            IndicatorTag::Loopback => "loopback",
            IndicatorTag::LinkLocal => "link_local",
            IndicatorTag::Multicast => "multicast",
            IndicatorTag::Documentation => "documentation",
            IndicatorTag::Reserved => "reserved",
            IndicatorTag::FromUrl => "from_url",
            IndicatorTag::Base64 => "base64",
            IndicatorTag::Hex => "hex",
            IndicatorTag::PercentEncoded => "percent_encoded",
        }
    }
}

/// An indicator of compromise: what it is, its normalized value, and where
/// and how it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    /// The kind.
    pub kind: IndicatorKind,
    /// The normalized value (refanged, lower-cased where case does not matter,
    /// IPv6 in canonical form, ASNs as `AS1234`).
    pub value: String,
    /// The text as written in the input (possibly defanged).
    pub raw: String,
    /// Byte offset of the first occurrence's start in the input.
    pub start: usize,
    /// Byte offset of the first occurrence's end (exclusive).
    pub end: usize,
    /// Whether the first occurrence was defanged.
    pub defanged: bool,
    /// Tags (private, loopback, ...).
    #[serde(default)]
    pub tags: Vec<IndicatorTag>,
    /// How many times it occurred (after deduplication).
    #[serde(default = "one")]
    pub count: u64,
}

fn one() -> u64 {
    1
}

impl Indicator {
    /// An indicator with the given kind and value, as if written plainly once.
    pub fn new(kind: IndicatorKind, value: impl Into<String>) -> Self {
        let value = value.into();
        Indicator {
            kind,
            raw: value.clone(),
            end: value.len(),
            value,
            start: 0,
            defanged: false,
            tags: Vec::new(),
            count: 1,
        }
    }

    /// The address, for `ipv4`/`ipv6` indicators.
    pub fn ip(&self) -> Option<IpAddr> {
        if self.kind.is_ip() {
            self.value.parse().ok()
        } else {
            None
        }
    }

    /// Whether the indicator carries `tag`.
    pub fn has_tag(&self, tag: IndicatorTag) -> bool {
        self.tags.contains(&tag)
    }
}
