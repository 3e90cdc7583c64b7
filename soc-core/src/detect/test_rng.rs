//! A seeded pseudo-random stream for the detectors' unit tests (Knuth's
//! MMIX linear congruential generator): the same seed gives the same
//! events on every machine, so a failing case can be replayed.

/// Returns `next(m)`, a number in `0..m` from the stream seeded by `seed`.
pub(crate) fn seeded(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut x = seed;
    move |m: u64| {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) % m
    }
}
