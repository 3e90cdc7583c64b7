//! Checksum validation for the other coin addresses: Litecoin, Bitcoin
//! Cash, Dogecoin, Dash, Ripple, Cardano, Solana, Tezos, Zcash and Tron.
//!
//! * Base58check (`bs58`, double SHA-256) with each coin's version bytes:
//!   Litecoin `L`/`M`, Dogecoin `D`/`A`/`9`, Dash `X`/`7`, Zcash `t1`/`t3`
//!   (two version bytes), Tron `T` (0x41), Tezos `tz1`/`tz2`/`tz3`/`KT1`
//!   (three prefix bytes), Ripple (its own alphabet).
//! * Bech32 (`bech32`): Litecoin `ltc1` (segwit), Cardano Shelley `addr1`.
//! * Cardano Byron (`Ae2`, `Ddz`): base58 of CBOR `[tag 24 bytes, crc32]`,
//!   the CRC-32 checked (`crc32fast`).
//! * Bitcoin Cash CashAddr: BCH-code polymod over `bitcoincash:` + payload.
//! * Solana has no checksum: a base58 string of 32 to 44 characters that
//!   decodes to exactly 32 bytes, with digits and both cases (random keys
//!   have them; words and identifiers seldom do).

use crate::model::IndicatorKind as K;

/// Decodes base58check with the Bitcoin alphabet: the payload with its
/// version bytes, without the checksum.
fn b58check(s: &str) -> Option<Vec<u8>> {
    bs58::decode(s).with_check(None).into_vec().ok()
}

/// A base58check payload of `len` bytes starting with one of `versions`.
fn versioned(s: &str, len: usize, versions: &[&[u8]]) -> bool {
    b58check(s).is_some_and(|v| v.len() == len && versions.iter().any(|p| v.starts_with(p)))
}

/// Which coin address `s` is (a whole piece of letters and digits, plus
/// `:` for `bitcoincash:`), validated; `None` when it is none of them.
pub(crate) fn alt_coin(s: &str) -> Option<K> {
    let b = s.as_bytes();
    let n = b.len();
    let kind = match b.first()? {
        b'L' | b'M' if (26..=34).contains(&n) => {
            versioned(s, 21, &[&[0x30], &[0x32]]).then_some(K::Ltc)
        }
        b'l' if n > 40 && s.starts_with("ltc1") => {
            matches!(bech32::segwit::decode(s), Ok((hrp, _, _)) if hrp.as_str() == "ltc")
                .then_some(K::Ltc)
        }
        b'D' | b'A' | b'9' if n == 34 => versioned(s, 21, &[&[0x1e], &[0x16]]).then_some(K::Doge),
        b'X' | b'7' if n == 34 => versioned(s, 21, &[&[0x4c], &[0x10]]).then_some(K::Dash),
        b'r' if (25..=35).contains(&n) => bs58::decode(s)
            .with_alphabet(bs58::Alphabet::RIPPLE)
            .with_check(None)
            .into_vec()
            .is_ok_and(|v| v.len() == 21 && v[0] == 0)
            .then_some(K::Xrp),
        b't' if n == 36 && s.starts_with("tz") => {
            versioned(s, 23, &[&[6, 161, 159], &[6, 161, 161], &[6, 161, 164]]).then_some(K::Xtz)
        }
        b'K' if n == 36 && s.starts_with("KT1") => {
            versioned(s, 23, &[&[2, 90, 121]]).then_some(K::Xtz)
        }
        b't' if n == 35 => versioned(s, 22, &[&[0x1c, 0xb8], &[0x1c, 0xbd]]).then_some(K::Zec),
        b'T' if n == 34 => versioned(s, 21, &[&[0x41]]).then_some(K::Trx),
        b'a' if n > 50 && s.starts_with("addr1") => {
            matches!(bech32::decode(s), Ok((hrp, _)) if hrp.as_str() == "addr").then_some(K::Ada)
        }
        b'A' | b'D' if n > 50 && (s.starts_with("Ae2") || s.starts_with("Ddz")) => {
            byron(s).then_some(K::Ada)
        }
        b'q' | b'p' | b'b' => cashaddr(s).then_some(K::Bch),
        _ => None,
    };
    kind.or_else(|| solana(s).then_some(K::Sol))
}

/// Cardano Byron: base58 of CBOR `[24(h'payload'), crc32(payload)]`.
fn byron(s: &str) -> bool {
    let Ok(v) = bs58::decode(s).into_vec() else {
        return false;
    };
    // 0x82: array of 2; 0xd8 0x18: tag 24; then a byte string.
    let Some(rest) = v.strip_prefix(&[0x82, 0xd8, 0x18]) else {
        return false;
    };
    let (len, rest) = match rest {
        [0x58, l, r @ ..] => (usize::from(*l), r),
        [0x59, h, l, r @ ..] => (usize::from(*h) << 8 | usize::from(*l), r),
        _ => return false,
    };
    if rest.len() < len {
        return false;
    }
    let (payload, crc) = rest.split_at(len);
    let want = match crc {
        [0x1a, a, b, c, d] => u32::from_be_bytes([*a, *b, *c, *d]),
        [0x19, a, b] => u32::from(u16::from_be_bytes([*a, *b])),
        [0x18, a] => u32::from(*a),
        [a] if *a < 24 => u32::from(*a),
        _ => return false,
    };
    crc32fast::hash(payload) == want
}

const CASHADDR: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// CashAddr polymod (a BCH code over GF(32), 40-bit checksum).
fn polymod(values: impl Iterator<Item = u8>) -> u64 {
    const GEN: [u64; 5] = [
        0x98_f2bc_8e61,
        0x79_b76d_99e2,
        0xf3_3e5f_b3c4,
        0xae_2eab_e2a8,
        0x1e_4f43_e470,
    ];
    let mut c: u64 = 1;
    for d in values {
        let c0 = (c >> 35) as u8;
        c = ((c & 0x07_ffff_ffff) << 5) ^ u64::from(d);
        for (k, g) in GEN.iter().enumerate() {
            if c0 >> k & 1 != 0 {
                c ^= g;
            }
        }
    }
    c ^ 1
}

/// A Bitcoin Cash CashAddr address (`bitcoincash:q...` or bare `q...`/`p...`,
/// 42 characters after the prefix), checksum-validated.
pub(crate) fn cashaddr(s: &str) -> bool {
    let body = match s.get(..12) {
        Some(p) if p.eq_ignore_ascii_case("bitcoincash:") => &s[12..],
        _ => s,
    };
    let b = body.as_bytes();
    if b.len() != 42 || !matches!(b[0], b'q' | b'p') {
        return false;
    }
    let mut data = Vec::with_capacity(42);
    for &c in b {
        match CASHADDR.iter().position(|&a| a == c) {
            Some(v) => data.push(v as u8),
            None => return false,
        }
    }
    let prefix = b"bitcoincash".iter().map(|c| c & 0x1f);
    polymod(prefix.chain(std::iter::once(0)).chain(data)) == 0
}

/// A Solana address: 32 to 44 base58 characters with a digit, an upper
/// and a lower case letter, decoding to exactly 32 bytes.
pub(crate) fn solana(s: &str) -> bool {
    let b = s.as_bytes();
    if !(32..=44).contains(&b.len())
        || !b.iter().any(u8::is_ascii_digit)
        || !b.iter().any(u8::is_ascii_uppercase)
        || !b.iter().any(u8::is_ascii_lowercase)
    {
        return false;
    }
    let mut out = [0u8; 32];
    matches!(bs58::decode(s).onto(&mut out[..]), Ok(32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_addresses() {
        for (s, k) in [
            ("LM2WMpR1Rp6j3Sa59cMXMs1SPzj9eXpGc1", K::Ltc),
            ("MTf4tP1TCNBn8dNkyxeBVoPrFCcVzxJvvh", K::Ltc),
            ("ltc1qr07zu594qf63xm7l7x6pu3a2v39m2z6hh5pp4t", K::Ltc),
            ("qqeht8vnwag20yv8dvtcrd4ujx09fwxwsqqqw93w88", K::Bch),
            (
                "bitcoincash:qp3wjpa3tjlj042z2wv7hahsldgwhwy0rq9sywjpyy",
                K::Bch,
            ),
            ("DEgDVFa2DoW1533dxeDVdTxQFhMzs1pMke", K::Doge),
            ("9xqCpm3DpUYSzcoQSPb5SEGDwn9NRqwZnH", K::Doge),
            ("XdAUmwtig27HBG6WfYyHAzP8n6XC9jESEw", K::Dash),
            ("7qd1hqQqZzMRaJA5drqkpEZL41s3JktRuZ", K::Dash),
            ("rMQ98K56yXJbDGv49ZSmW51sLn94Xe1mu1", K::Xrp),
            (
                "addr1vx2fxv2umyhttkxyxp8x0dlpdt3k6cwng5pxj3jhsydzers66hrl8",
                K::Ada,
            ),
            (
                "Ae2tdPwUPEYwFx4dmJheyNPPYXtvHbJLeCaA96o6Y2iiUL18cAt7AizN2zG",
                K::Ada,
            ),
            ("tz1Lc2qBKEWCBeDU8npG6zCeCqpmaegRi6Jg", K::Xtz),
            ("KT1KLbEeEgW5h1QLkPuPvqdgurHx6v4hGyic", K::Xtz),
            ("t1TFPJkun5SAEVPgRsT5fbVv7uinBPux49h", K::Zec),
            ("t3Sk98eMdExVc47gqvq6dgfK6ZXdjsS4QYD", K::Zec),
            ("TNUC9Qb1rRpS5CbWLmNMxXBjyFoydXjWFR", K::Trx),
            ("So11111111111111111111111111111111111111112", K::Sol),
            ("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", K::Sol),
        ] {
            assert_eq!(alt_coin(s), Some(k), "{s}");
        }
    }

    #[test]
    fn one_changed_character_fails() {
        for s in [
            "LM2WMpR1Rp6j3Sa59cMXMs1SPzj9eXpGc2",
            "qqeht8vnwag20yv8dvtcrd4ujx09fwxwsqqqw93w89",
            "DEgDVFa2DoW1533dxeDVdTxQFhMzs1pMkf",
            "rMQ98K56yXJbDGv49ZSmW51sLn94Xe1mu2",
            "tz1Lc2qBKEWCBeDU8npG6zCeCqpmaegRi6Jh",
            "TNUC9Qb1rRpS5CbWLmNMxXBjyFoydXjWFS",
            "Ae2tdPwUPEYwFx4dmJheyNPPYXtvHbJLeCaA96o6Y2iiUL18cAt7AizN2zH",
        ] {
            assert_eq!(alt_coin(s), None, "{s}");
        }
        assert_eq!(alt_coin("ThisIsJustAnIdentifierNameOfSomeLength1"), None);
    }
}
