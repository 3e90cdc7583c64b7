//! IOC extraction: finds indicators of compromise in free text, defang-aware.
//!
//! One linear pass over the text (see `scan`) finds candidate tokens with
//! a byte-class table, refangs them (`hxxp`, `[.]`, `(dot)`, ` at `,
//! `example [.] com`, `example[.com`, ...), and classifies each by its
//! shape; validators (octet ranges, the Public Suffix List, coin
//! checksums, ...) run only on candidates of the right shape. Results are
//! deduplicated per (kind, value) with a count and the first occurrence's
//! offsets, and ordered by first offset.
//!
//! Kinds: `ipv4`, `ipv6`, `cidr`, `domain`, `url`, `email`, `md5`, `sha1`,
//! `sha256`, `sha512`, `ssdeep`, `imphash`, `authentihash`, `cve`,
//! `attack_technique`, `attack_tactic`, `attack_mitigation`, `asn`, `mac`,
//! `btc`, `eth`, `xmr`, `ltc`, `bch`, `doge`, `dash`, `xrp`, `ada`, `sol`,
//! `xtz`, `zec`, `trx`, `registry_key`, `file_path`, `onion`, `arn`, `tlp`,
//! `google_analytics_id`, `google_adsense_id`, `user_agent`, `xmpp`.
//! A URL also yields its host (tagged `from_url`). URLs need no scheme (`example.com/x` is `http://example.com/x`);
//! a URL inside another URL, and hashes, ATT&CK ids and addresses in a
//! URL's path, are reported too. Base64, hex and percent-encoded URLs are
//! decoded where the encoded form of `://` appears (tagged `base64`, `hex`,
//! `percent_encoded`; see `encoded`), base64 also when wrapped across
//! lines or split by single spaces (see `wrapped`).
//!
//! E-mail local parts may be quoted or escaped (`"john doe"@example.com`,
//! `john\ doe@example.com`); they are reported in one canonical form,
//! bare when they can be, else quoted (`"john doe"@example.com`; see
//! `local_part`). TLP labels are found bare in prose too (`TLP AMBER`,
//! `TLP-RED`, `tlp: amber` -> `TLP:AMBER`; see `tlp`).
//!
//! Degenerate hex runs (all letters or all digits, such as `aaaa...` or
//! `0000...`) are not reported as hashes: they are placeholders and
//! padding, never a real digest, and would only waste enrichment lookups.
//!
//! ```
//! use soc_core::ioc::extract;
//! let found = extract("C2 at hxxps://evil[.]example[.]com/gate.php and 203.0.113[.]7");
//! let kv: Vec<_> = found.iter().map(|i| (i.kind.as_str(), i.value.as_str())).collect();
//! assert_eq!(kv, [
//!     ("url", "https://evil.example.com/gate.php"),
//!     ("domain", "evil.example.com"),
//!     ("ipv4", "203.0.113.7"),
//! ]);
//! assert!(found[0].defanged);
//! ```
//!
//! Non-ASCII bytes never belong to an indicator (internationalized names
//! are not reported), so every offset is a char boundary.

mod allow;
mod altcoins;
mod classify;
mod classify_ids;
mod classify_ip;
mod coins;
mod collect;
mod config;
mod domain;
mod encoded;
mod files;
mod found;
mod ids;
mod local_part;
mod memo;
mod normalize;
mod pass;
mod prose;
mod read_ahead;
mod refang;
mod scan;
mod shape;
mod spaced;
mod stream;
mod tlp;
mod url;
mod validate;
mod winpath;
mod wrapped;

pub use allow::AllowList;
pub use config::{parse_kinds, ExtractOptions, IocConfig};
pub use found::{Found, IndicatorRef};
pub use refang::{defang, defang_value, refang};

use crate::model::Indicator;
use collect::{kind_mask, Collector};
use pass::Pass;
use scan::scan_groups;

/// An indicator extractor with fixed options; cheap to create, reusable,
/// `Send + Sync`.
#[derive(Debug, Clone)]
pub struct Extractor {
    opts: ExtractOptions,
    mask: u64,
}

impl Default for Extractor {
    /// All kinds, no allow-list, private addresses kept.
    fn default() -> Self {
        Extractor::new(ExtractOptions::default())
    }
}

impl Extractor {
    /// An extractor with these options.
    ///
    /// ```
    /// use soc_core::ioc::{Extractor, ExtractOptions};
    /// use soc_core::model::IndicatorKind;
    /// let ex = Extractor::new(ExtractOptions {
    ///     kinds: Some(vec![IndicatorKind::Ipv4]),
    ///     no_private: true,
    ///     ..Default::default()
    /// });
    /// let found = ex.extract("10.0.0.1 8.8.8.8 evil.com");
    /// assert_eq!(found.len(), 1);
    /// assert_eq!(found[0].value, "8.8.8.8");
    /// ```
    pub fn new(opts: ExtractOptions) -> Self {
        let mask = kind_mask(opts.kinds.as_deref());
        Extractor { opts, mask }
    }

    /// The options this extractor uses.
    pub fn options(&self) -> &ExtractOptions {
        &self.opts
    }

    /// Extracts indicators from `text`: deduplicated, ordered by first offset.
    ///
    /// ```
    /// use soc_core::ioc::Extractor;
    /// let found = Extractor::default().extract("8.8.8.8, then 8.8.8.8 again");
    /// assert_eq!((found[0].count, found[0].start, found[0].end), (2, 0, 7));
    /// ```
    pub fn extract(&self, text: &str) -> Vec<Indicator> {
        let mut col = Collector::new(&self.opts, self.mask);
        col.reserve_for(text.len());
        let mut pass = Pass::default();
        scan_groups::<true>(text, 0, text.len(), pass.sink(&mut col, text));
        tlp::bare_labels(text, 0, text.len(), &mut col);
        col.finish().into_indicators()
    }
}

/// Extracts all kinds of indicators from `text` with default options.
///
/// ```
/// let found = soc_core::ioc::extract("bob[@]evil[.]example[.]org sent CVE-2021-44228");
/// assert_eq!(found[0].kind.as_str(), "email");
/// assert_eq!(found[0].value, "bob@evil.example.org");
/// assert_eq!(found[1].value, "CVE-2021-44228");
/// ```
pub fn extract(text: &str) -> Vec<Indicator> {
    Extractor::default().extract(text)
}
