//! Checksum validation for cryptocurrency addresses and Tor v3 onion names.
//!
//! * Bitcoin: base58check (versions 0x00 and 0x05) or segwit bech32/bech32m (`bc1`).
//! * Ethereum: `0x` + 40 hex digits; mixed case must pass the EIP-55 checksum.
//! * Monero: Monero's block base58 (8 bytes -> 11 chars) with a Keccak-256 checksum.
//! * Onion v3: base32 of pubkey | checksum | version, checksum by SHA3-256.

use sha3::{Digest, Keccak256, Sha3_256};

const B58: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

fn b58_digit(c: u8) -> Option<u64> {
    B58.iter().position(|&a| a == c).map(|p| p as u64)
}

/// True for a mainnet Bitcoin address whose checksum is valid.
pub(crate) fn is_btc(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() >= 3 && b[..3].eq_ignore_ascii_case(b"bc1") {
        return b.len() <= 90
            && matches!(bech32::segwit::decode(s), Ok((hrp, _, _)) if hrp == bech32::hrp::BC);
    }
    if !(26..=35).contains(&b.len()) || !(b[0] == b'1' || b[0] == b'3') {
        return false;
    }
    match bs58::decode(s).with_check(None).into_vec() {
        Ok(v) => v.len() == 21 && (v[0] == 0x00 || v[0] == 0x05),
        Err(_) => false,
    }
}

/// True for `0x` + 40 hex digits, EIP-55 checksummed when mixed case.
pub(crate) fn is_eth(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 42 || !(b[0] == b'0' && (b[1] == b'x' || b[1] == b'X')) {
        return false;
    }
    let hex = &b[2..];
    if !hex.iter().all(u8::is_ascii_hexdigit) {
        return false;
    }
    let has_upper = hex.iter().any(u8::is_ascii_uppercase);
    let has_lower = hex.iter().any(u8::is_ascii_lowercase);
    if !(has_upper && has_lower) {
        return true;
    }
    let lower: Vec<u8> = hex.iter().map(u8::to_ascii_lowercase).collect();
    let hash = Keccak256::digest(&lower);
    hex.iter().enumerate().all(|(i, &c)| {
        if c.is_ascii_digit() {
            return true;
        }
        let nibble = (hash[i / 2] >> if i % 2 == 0 { 4 } else { 0 }) & 0xf;
        (nibble >= 8) == c.is_ascii_uppercase()
    })
}

/// Encoded length of a final partial block of `n` bytes (Monero base58).
const XMR_BLOCK_LEN: [usize; 9] = [0, 2, 3, 5, 6, 7, 9, 10, 11];

fn xmr_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 8 / 11 + 8);
    for chunk in s.chunks(11) {
        let nbytes = XMR_BLOCK_LEN.iter().position(|&l| l == chunk.len())?;
        let mut num: u128 = 0;
        for &c in chunk {
            num = num * 58 + u128::from(b58_digit(c)?);
        }
        if nbytes < 8 && num >> (8 * nbytes) != 0 || num > u128::from(u64::MAX) {
            return None;
        }
        let bytes = (num as u64).to_be_bytes();
        out.extend_from_slice(&bytes[8 - nbytes..]);
    }
    Some(out)
}

/// True for a Monero mainnet address (standard, subaddress or integrated)
/// whose Keccak checksum is valid.
pub(crate) fn is_xmr(s: &str) -> bool {
    let b = s.as_bytes();
    if !(b.len() == 95 || b.len() == 106) || !(b[0] == b'4' || b[0] == b'8') {
        return false;
    }
    let Some(data) = xmr_decode(b) else {
        return false;
    };
    let expected_len = if b.len() == 95 { 69 } else { 77 };
    if data.len() != expected_len || !matches!(data[0], 0x12 | 0x13 | 0x2a) {
        return false;
    }
    let (body, check) = data.split_at(data.len() - 4);
    Keccak256::digest(body)[..4] == *check
}

fn base32_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in s {
        let v = match c {
            b'a'..=b'z' => c - b'a',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        acc = (acc << 5) | u32::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// True when `label` (lower case, without `.onion`) is a valid v3 onion
/// name (checksummed) or a v2 name (16 base32 characters).
pub(crate) fn is_onion_label(label: &str) -> bool {
    let b = label.as_bytes();
    match b.len() {
        16 => b.iter().all(|c| matches!(c, b'a'..=b'z' | b'2'..=b'7')),
        56 => {
            let Some(raw) = base32_decode(b) else {
                return false;
            };
            if raw.len() != 35 || raw[34] != 3 {
                return false;
            }
            let mut h = Sha3_256::new();
            h.update(b".onion checksum");
            h.update(&raw[..32]);
            h.update([3u8]);
            h.finalize()[..2] == raw[32..34]
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn btc() {
        assert!(is_btc("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"));
        assert!(is_btc("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"));
        assert!(is_btc("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"));
        assert!(is_btc(
            "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297"
        ));
        assert!(!is_btc("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3"));
        assert!(!is_btc("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdx"));
    }

    #[test]
    fn eth() {
        assert!(is_eth("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"));
        assert!(is_eth("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"));
        assert!(!is_eth("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"));
        assert!(!is_eth("0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea"));
    }

    #[test]
    fn xmr() {
        let good = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";
        assert!(is_xmr(good));
        let mut bad = good.to_string();
        bad.replace_range(10..11, "T");
        assert!(!is_xmr(&bad));
    }

    #[test]
    fn onion() {
        assert!(is_onion_label(
            "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad"
        ));
        assert!(!is_onion_label(
            "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczaa"
        ));
        assert!(is_onion_label("3g2upl4pq6kufc4m"));
    }
}
