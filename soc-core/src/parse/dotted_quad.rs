//! Dotted-quad IPv4 addresses read straight from bytes, with exactly the
//! rules of `Ipv4Addr::from_str`: the SSH and EVE parsers' fast path (std's
//! parser goes through a general, slower reader). Property-tested against
//! std in `parse::ssh` and `parse::suricata`.

use std::net::Ipv4Addr;

/// Dotted-quad IPv4 with the same rules as `Ipv4Addr::from_str` (four
/// decimal octets of 1-3 digits, no leading zeros, each <= 255).
pub(crate) fn ipv4(b: &[u8]) -> Option<Ipv4Addr> {
    ipv4_prefix(b).and_then(|(a, n)| (n == b.len()).then_some(a))
}

/// A dotted quad at the start of `b` (see [`ipv4`]) and its length.
pub(crate) fn ipv4_prefix(b: &[u8]) -> Option<(Ipv4Addr, usize)> {
    // The longest quad is 15 bytes: read them from a 16-byte window (zero
    // after the end, which is no digit and no '.'), indexed without bounds
    // checks by masking.
    let w: [u8; 16] = match b.get(..16) {
        Some(head) => head.try_into().ok()?,
        None => {
            let mut w = [0u8; 16];
            w[..b.len()].copy_from_slice(b);
            w
        }
    };
    // A digit's value, or 10+ for anything else (and the end).
    let dig = |i: usize| w[i & 15].wrapping_sub(b'0');
    let mut oct = [0u8; 4];
    let mut i = 0;
    for (k, o) in oct.iter_mut().enumerate() {
        if k > 0 {
            if w[i & 15] != b'.' {
                return None;
            }
            i += 1;
        }
        let d0 = dig(i);
        if d0 > 9 {
            return None;
        }
        i += 1;
        let mut v = u32::from(d0);
        // A leading zero ends the octet ("01" is then rejected by the caller).
        if d0 != 0 {
            let d1 = dig(i);
            if d1 <= 9 {
                v = v * 10 + u32::from(d1);
                i += 1;
                let d2 = dig(i);
                if d2 <= 9 {
                    v = v * 10 + u32::from(d2);
                    i += 1;
                }
            }
        }
        *o = u8::try_from(v).ok()?;
    }
    Some((Ipv4Addr::from(oct), i))
}
