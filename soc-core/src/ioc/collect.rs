//! Deduplication, tagging and filtering of found indicators.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::net::IpAddr;

use super::ExtractOptions;
use crate::model::{ip_tags, Indicator, IndicatorKind, IndicatorTag};

const DROPPED: u32 = u32::MAX;

/// A small multiplicative hasher (FxHash): the keys are our own values,
/// not attacker-chosen table keys in a long-lived service, and SipHash
/// dominated the profile.
#[derive(Default)]
struct Fx(u64);

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl Fx {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type Seen = HashMap<Box<str>, u32, BuildHasherDefault<Fx>>;

/// Collects indicators: one entry per (kind, value), with counts and the
/// first occurrence's position.
pub(crate) struct Collector<'o> {
    opts: &'o ExtractOptions,
    mask: u32,
    seen: Vec<Seen>,
    found: Vec<Indicator>,
    /// Offset of the current chunk in the whole input.
    pub(crate) base: usize,
}

/// Bit mask of the kinds to report.
pub(crate) fn kind_mask(kinds: Option<&[IndicatorKind]>) -> u32 {
    match kinds {
        None => u32::MAX,
        Some(ks) => ks.iter().fold(0, |m, &k| m | 1 << (k as u32)),
    }
}

impl<'o> Collector<'o> {
    pub(crate) fn new(opts: &'o ExtractOptions, mask: u32) -> Self {
        Collector {
            opts,
            mask,
            seen: (0..IndicatorKind::ALL.len())
                .map(|_| Seen::default())
                .collect(),
            found: Vec::new(),
            base: 0,
        }
    }

    /// Whether `kind` is reported at all.
    pub(crate) fn wants(&self, kind: IndicatorKind) -> bool {
        self.mask & (1 << (kind as u32)) != 0
    }

    /// Records one occurrence (offsets relative to the current chunk).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn emit(
        &mut self,
        kind: IndicatorKind,
        value: &str,
        raw: &str,
        start: usize,
        end: usize,
        defanged: bool,
        from_url: bool,
    ) {
        let seen = &mut self.seen[kind as usize];
        if let Some(&ix) = seen.get(value) {
            if ix != DROPPED {
                let ind = &mut self.found[ix as usize];
                ind.count += 1;
                if from_url && !ind.has_tag(IndicatorTag::FromUrl) {
                    ind.tags.push(IndicatorTag::FromUrl);
                }
            }
            return;
        }
        let mut tags = match kind {
            IndicatorKind::Ipv4 | IndicatorKind::Ipv6 => {
                value.parse::<IpAddr>().map(ip_tags).unwrap_or_default()
            }
            IndicatorKind::Cidr => value
                .split('/')
                .next()
                .and_then(|ip| ip.parse::<IpAddr>().ok())
                .map(ip_tags)
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let internal = tags.iter().any(|t| {
            matches!(
                t,
                IndicatorTag::Private
                    | IndicatorTag::Loopback
                    | IndicatorTag::LinkLocal
                    | IndicatorTag::Reserved
            )
        });
        if from_url {
            tags.push(IndicatorTag::FromUrl);
        }
        let ind = Indicator {
            kind,
            value: value.to_string(),
            raw: raw.to_string(),
            start: self.base + start,
            end: self.base + end,
            defanged,
            tags,
            count: 1,
        };
        let drop = (self.opts.no_private && internal) || self.opts.allow.contains(&ind);
        let ix = if drop {
            DROPPED
        } else {
            self.found.push(ind);
            (self.found.len() - 1) as u32
        };
        seen.insert(value.into(), ix);
    }

    /// The indicators, ordered by first offset.
    pub(crate) fn finish(mut self) -> Vec<Indicator> {
        self.found.sort_by_key(|i| (i.start, i.kind));
        self.found
    }
}
