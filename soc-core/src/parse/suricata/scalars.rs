//! Fast paths for the scalars every EVE line carries: dotted-quad IPv4
//! addresses and timestamps in Suricata's own shape. Anything else goes
//! to the general parsers, which also define the results (the fast paths
//! are property-tested against them).

use std::cell::Cell;
use std::net::IpAddr;

use chrono::{DateTime, Utc};

use crate::parse::dotted_quad::ipv4;

/// An address as Suricata writes it (a `%zone` suffix is dropped).
pub(super) fn ip_of(t: &str) -> Option<IpAddr> {
    if let Some(v4) = ipv4(t.as_bytes()) {
        return Some(IpAddr::V4(v4));
    }
    // A short string: a plain loop beats a memchr call here.
    let t = match t.bytes().position(|b| b == b'%') {
        Some(i) => t.get(..i).unwrap_or(t),
        None => t,
    };
    t.parse::<IpAddr>().ok().map(|i| i.to_canonical())
}

thread_local! {
    /// The last minute read by [`eve_time`]: its text (date, hour, minute
    /// and offset) and its start in seconds since the epoch.
    static MINUTE: Cell<Option<([u8; 21], i64)>> = const { Cell::new(None) };
}

/// `YYYY-MM-DDTHH:MM:SS.ffffff±hhmm` as Suricata writes it: lines come in
/// time order, so the minute (date, hour, minute, offset) is read once
/// by `general` and kept; seconds and microseconds are added to it.
/// Any other shape, or a second of 60, goes to `general`.
pub(super) fn eve_time(
    t: &str,
    general: impl Fn(&str) -> Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    let b = t.as_bytes();
    // Seconds and fraction: `:SS.ffffff` at 16..26.
    let (Some(sec), Some(key_head), Some(key_tail)) = (b.get(16..26), b.get(..16), b.get(26..))
    else {
        return general(t);
    };
    if b.len() != 31 || sec.first() != Some(&b':') || sec.get(3) != Some(&b'.') {
        return general(t);
    }
    let mut n = [0i64; 2];
    for (k, &d) in sec.iter().enumerate() {
        if k == 0 || k == 3 {
            continue;
        }
        if !d.is_ascii_digit() {
            return general(t);
        }
        let slot = usize::from(k > 3);
        if let Some(v) = n.get_mut(slot) {
            *v = *v * 10 + i64::from(d - b'0');
        }
    }
    let [ss, us] = n;
    if ss >= 60 {
        return general(t);
    }
    let mut key = [0u8; 21];
    key[..16].copy_from_slice(key_head);
    key[16..].copy_from_slice(key_tail);
    let base = match MINUTE.get() {
        Some((k, base)) if k == key => base,
        _ => {
            // The rest of the shape is checked once per minute.
            const SHAPE: &[u8; 31] = b"dddd-dd-ddTdd:dd:dd.dddddd+dddd";
            let shaped = b.iter().zip(SHAPE).all(|(&c, &s)| match s {
                b'd' => c.is_ascii_digit(),
                b'+' => c == b'+' || c == b'-',
                _ => c == s,
            });
            let (Some(head), Some(tail)) = (t.get(..17), t.get(26..)) else {
                return general(t);
            };
            if !shaped {
                return general(t);
            }
            let Some(base) = general(&format!("{head}00.000000{tail}")) else {
                return general(t);
            };
            if base.timestamp_subsec_nanos() != 0 {
                return general(t);
            }
            let base = base.timestamp();
            MINUTE.set(Some((key, base)));
            base
        }
    };
    // `us` has six digits, so the nanoseconds fit.
    DateTime::from_timestamp(base + ss, u32::try_from(us * 1000).ok()?)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn general(t: &str) -> Option<DateTime<Utc>> {
        super::super::eve_record::iso_time(t)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// Whenever the dotted-quad path answers, the general parser
        /// gives the same address.
        #[test]
        fn ipv4_fast_path_is_the_std_parser(s in "[0-9.%a:]{0,18}", a in 0u16..300, b in 0u16..300, lead in 0u8..3) {
            let z = if lead == 0 { "0" } else { "" };
            for t in [s, format!("{a}.{b}.{z}{a}.{b}"), format!("{z}{b}.0.0.{a}")] {
                let want = t.parse::<IpAddr>().ok();
                if let Some(v4) = ipv4(t.as_bytes()) {
                    prop_assert_eq!(Some(IpAddr::V4(v4)), want, "{}", t);
                }
                let plain = t.split('%').next().unwrap_or("").parse::<IpAddr>().ok().map(|i| i.to_canonical());
                prop_assert_eq!(ip_of(&t), plain, "{}", t);
            }
        }

        /// The minute cache gives what the general parser gives, for
        /// valid and invalid dates, seconds and offsets, in any order.
        #[test]
        fn eve_time_is_the_general_parser(
            stamps in prop::collection::vec((2023u32..2025, 0u32..14, 0u32..32, 22u32..25, 58u32..61, 0u32..61, 0u32..1_000_000, 0usize..5), 1..40)
        ) {
            for (y, mo, d, h, mi, s, us, off) in stamps {
                let off = ["+0000", "-0500", "+0530", "+2400", "Z0000"][off];
                let t = format!("{y}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{us:06}{off}");
                prop_assert_eq!(eve_time(&t, general), general(&t), "{}", t);
            }
        }
    }

    /// Within one cached minute: every second, fractions, and damaged
    /// seconds/fraction text (the part not covered by the cache key).
    #[test]
    fn cached_minute_reads_like_the_general_parser() {
        for head in ["2026-11-21T02:14", "2024-02-29T23:59", "2023-02-29T10:00"] {
            for tail in ["+0000", "-0130", "+2400"] {
                for ss in 0..=61 {
                    for frac in ["000000", "999999", "123456", "12345x", "1234567"] {
                        let t = format!("{head}:{ss:02}.{frac}{tail}");
                        assert_eq!(eve_time(&t, general), general(&t), "{t}");
                    }
                }
                for mid in [
                    ":1a.000000",
                    ";10.000000",
                    ":10,000000",
                    ":10.00 000",
                    "x10.000000",
                ] {
                    let t = format!("{head}{mid}{tail}");
                    assert_eq!(eve_time(&t, general), general(&t), "{t}");
                }
            }
        }
    }

    #[test]
    fn other_shapes_go_to_the_general_parser() {
        for t in [
            "2026-11-21T02:14:40.5+0100",
            "2026-11-21T02:14:40.123456Z",
            "2026-11-21T02:14:40.123456+00:00",
            "2026-11-21T02:14:4x.123456+0000",
            "2026-11-21 02:14:40.123456+0000",
            "",
        ] {
            assert_eq!(eve_time(t, general), general(t), "{t}");
        }
        let t = "2026-11-21T02:14:40.123456+0000";
        assert_eq!(eve_time(t, general), general(t));
        assert!(general(t).is_some());
    }
}
