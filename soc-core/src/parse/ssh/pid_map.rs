//! [`PidMap`]: the per-`sshd[pid]` states of [`super::state`], in one
//! array of `(key, state)` slots probed linearly.
//!
//! The joiner looks up one connection per line, at random in a table of
//! up to 65,536 connections (megabytes): each look-up is a cache miss.
//! A general hash map reads a group of control bytes, then the slot: two
//! misses. Here the key sits in the slot, so a look-up reads one slot (and
//! the next ones only on a collision, at most half the slots being used),
//! and the hash is one multiplication. Slots are 32-byte aligned, so the
//! parser's (32 bytes) each lie in one cache line. Removal shifts the slots after the
//! removed one back (no tombstones), so probes stay short however many
//! connections come and go.

/// The key of an unused slot. A real key equal to it lives in
/// [`PidMap::odd`].
const EMPTY: (u32, u32) = (u32::MAX, u32::MAX);

/// Fewest slots of a table that holds anything.
const MIN_SLOTS: usize = 64;

/// One slot: a key ([`EMPTY`] when unused) and its value. Aligned to 32
/// bytes: a slot of up to 32 bytes (the parser's) lies in one cache line,
/// so a look-up misses once, not twice for the slots across a line end.
#[derive(Debug, Clone, Copy)]
#[repr(align(32))]
struct Slot<V> {
    key: (u32, u32),
    value: V,
}

/// A map from `(pid, host id)` to small `Copy` values, at most half full.
#[derive(Debug, Clone)]
pub(super) struct PidMap<V> {
    /// A power of two of slots, or none.
    slots: Vec<Slot<V>>,
    /// The value of the key [`EMPTY`], which no slot can hold.
    odd: Option<V>,
    /// Keys held, `odd` included.
    len: usize,
}

impl<V> Default for PidMap<V> {
    fn default() -> Self {
        PidMap {
            slots: Vec::new(),
            odd: None,
            len: 0,
        }
    }
}

impl<V: Copy + Default> PidMap<V> {
    /// Keys held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// The home slot of `key` in a table of `mask + 1` slots (Fibonacci
    /// hashing: the top bits of the product, so that pids counting up
    /// spread over the table).
    fn home(key: (u32, u32), mask: usize) -> usize {
        let k = (u64::from(key.0) << 32) | u64::from(key.1);
        let h = k.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (h >> 32) as usize & mask
    }

    /// The slot holding `key`, if any (`key` is not [`EMPTY`]).
    fn find(&self, key: (u32, u32)) -> Option<usize> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut i = Self::home(key, mask);
        loop {
            let k = self.slots.get(i)?.key;
            if k == key {
                return Some(i);
            }
            if k == EMPTY {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: (u32, u32)) -> Option<&V> {
        if key == EMPTY {
            return self.odd.as_ref();
        }
        let i = self.find(key)?;
        self.slots.get(i).map(|s| &s.value)
    }

    /// The value of `key`, a default one added when there is none.
    pub fn get_or_default(&mut self, key: (u32, u32)) -> &mut V {
        if key == EMPTY {
            if self.odd.is_none() {
                self.len += 1;
            }
            return self.odd.get_or_insert_with(V::default);
        }
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow_to((self.len + 1) * 2);
        }
        let mask = self.slots.len() - 1;
        let mut i = Self::home(key, mask);
        // At most half the slots are used: the probe ends on the key or
        // on an empty slot.
        while self.slots[i].key != key && self.slots[i].key != EMPTY {
            i = (i + 1) & mask;
        }
        let slot = &mut self.slots[i];
        if slot.key == EMPTY {
            *slot = Slot {
                key,
                value: V::default(),
            };
            self.len += 1;
        }
        &mut slot.value
    }

    /// Removes `key` and its value.
    pub fn remove(&mut self, key: (u32, u32)) {
        if key == EMPTY {
            if self.odd.take().is_some() {
                self.len -= 1;
            }
            return;
        }
        let Some(mut hole) = self.find(key) else {
            return;
        };
        let mask = self.slots.len() - 1;
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let k = self.slots[j].key;
            if k == EMPTY {
                break;
            }
            // The slot at `j` moves back into the hole unless its home
            // lies after the hole (cyclically): then a probe from its
            // home never passes the hole.
            let home = Self::home(k, mask);
            if j.wrapping_sub(home) & mask >= j.wrapping_sub(hole) & mask {
                self.slots[hole] = self.slots[j];
                hole = j;
            }
        }
        self.slots[hole].key = EMPTY;
        self.len -= 1;
    }

    /// Makes room for `additional` more keys at once.
    pub fn reserve(&mut self, additional: usize) {
        let want = (self.len + additional) * 2;
        if want > self.slots.len() {
            self.grow_to(want);
        }
    }

    /// Forgets every key (the slots are kept).
    pub fn clear(&mut self) {
        if self.len > 0 {
            for s in &mut self.slots {
                s.key = EMPTY;
            }
        }
        self.odd = None;
        self.len = 0;
    }

    /// Every value, in no order.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        let slots = self.slots.iter_mut().filter(|s| s.key != EMPTY);
        slots.map(|s| &mut s.value).chain(self.odd.as_mut())
    }

    /// Moves the keys into a table of at least `slots` slots.
    fn grow_to(&mut self, slots: usize) {
        let n = slots.next_power_of_two().max(MIN_SLOTS);
        let empty = Slot {
            key: EMPTY,
            value: V::default(),
        };
        let old = std::mem::replace(&mut self.slots, vec![empty; n]);
        let mask = n - 1;
        for s in old.into_iter().filter(|s| s.key != EMPTY) {
            let mut i = Self::home(s.key, mask);
            while self.slots[i].key != EMPTY {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// A slot of a 24-byte value fills 32 bytes and is aligned to them.
    #[test]
    fn slots_of_small_values_stay_in_one_line() {
        assert_eq!(std::mem::size_of::<Slot<[u32; 6]>>(), 32);
        assert_eq!(std::mem::align_of::<Slot<[u32; 6]>>(), 32);
    }

    /// Random inserts, updates and removals (many keys on few home slots,
    /// and the key that marks empty slots) agree with a `HashMap`.
    #[test]
    fn agrees_with_a_hash_map() {
        // Knuth's MMIX generator: the same keys on every run.
        let mut x = 7u64;
        let mut below = |m: u64| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 33) % m
        };
        let mut m = PidMap::<u64>::default();
        let mut model = HashMap::new();
        for step in 0..200_000u64 {
            let key = match below(50) {
                0 => EMPTY,
                1 => (u32::MAX, below(3) as u32),
                _ => (below(3000) as u32, below(2) as u32),
            };
            match below(4) {
                0 => {
                    m.remove(key);
                    model.remove(&key);
                }
                _ => {
                    *m.get_or_default(key) += step;
                    *model.entry(key).or_insert(0) += step;
                }
            }
            if step % 50_000 == 0 {
                m.reserve(10_000);
            }
            assert_eq!(m.len(), model.len());
            assert_eq!(m.get(key), model.get(&key), "{key:?}");
        }
        for (k, v) in &model {
            assert_eq!(m.get(*k), Some(v));
        }
        let mut sum = 0;
        for v in m.values_mut() {
            sum += *v;
        }
        assert_eq!(sum, model.values().sum::<u64>());
        m.clear();
        assert_eq!((m.len(), m.get((1, 0)), m.get(EMPTY)), (0, None, None));
    }
}
