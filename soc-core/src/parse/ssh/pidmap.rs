//! The map behind the stateful mode's per-`sshd[pid]` memory: open
//! addressing with linear probing over a dense array of `u64` keys (eight
//! to a cache line) and backward-shift deletion, so a lookup is a multiply,
//! a shift and usually one key comparison. Property-tested against
//! `HashMap`.

/// Marks an empty slot. Keys are `host id << 32 | pid` with host ids
/// below 2^31, so no key takes this value.
const EMPTY: u64 = u64::MAX;

/// Smallest table (a power of two).
const MIN_CAP: usize = 16;

/// A map from `u64` keys (never [`EMPTY`]) to `V`.
#[derive(Debug)]
pub(crate) struct PidMap<V> {
    keys: Vec<u64>,
    vals: Vec<V>,
    len: usize,
    /// `64 - log2(capacity)`: the hash is the top bits of a multiply.
    shift: u32,
}

impl<V: Default> Default for PidMap<V> {
    fn default() -> Self {
        PidMap {
            keys: Vec::new(),
            vals: Vec::new(),
            len: 0,
            shift: 64,
        }
    }
}

impl<V: Default> PidMap<V> {
    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Removes every entry (keeps the allocation).
    pub(crate) fn clear(&mut self) {
        self.keys.fill(EMPTY);
        for v in &mut self.vals {
            *v = V::default();
        }
        self.len = 0;
    }

    fn mask(&self) -> usize {
        self.keys.len().wrapping_sub(1)
    }

    /// Home slot of `key` (Fibonacci hashing).
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift.min(63)) as usize & self.mask()
    }

    /// Slot holding `key`, if any.
    fn find(&self, key: u64) -> Option<usize> {
        if self.keys.is_empty() {
            return None;
        }
        let mask = self.mask();
        let mut i = self.home(key);
        loop {
            match *self.keys.get(i)? {
                k if k == key => return Some(i),
                EMPTY => return None,
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// The value of `key`, inserting `V::default()` when absent.
    pub(crate) fn entry(&mut self, key: u64) -> &mut V {
        // Load at most 3/4 (linear probing stays short).
        if (self.len + 1) * 4 > self.keys.len() * 3 {
            self.grow();
        }
        let mask = self.mask();
        let mut i = self.home(key);
        while let Some(&k) = self.keys.get(i) {
            if k == EMPTY {
                self.keys[i] = key;
                self.vals[i] = V::default();
                self.len += 1;
                break;
            }
            if k == key {
                break;
            }
            i = (i + 1) & mask;
        }
        &mut self.vals[i]
    }

    /// Removes `key` (moving later entries of its probe run back, so no
    /// tombstones are needed).
    pub(crate) fn remove(&mut self, key: u64) {
        let Some(mut hole) = self.find(key) else {
            return;
        };
        let mask = self.mask();
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let k = self.keys[j];
            if k == EMPTY {
                break;
            }
            // The entry at j may fill the hole when the hole lies on its
            // probe path (from its home slot to j).
            let home = self.home(k);
            if j.wrapping_sub(home) & mask >= j.wrapping_sub(hole) & mask {
                self.keys[hole] = k;
                self.vals.swap(hole, j);
                hole = j;
            }
        }
        self.keys[hole] = EMPTY;
        self.vals[hole] = V::default();
        self.len -= 1;
    }

    /// Doubles the table and reinserts every entry.
    fn grow(&mut self) {
        let cap = (self.keys.len() * 2).max(MIN_CAP);
        let old_keys = std::mem::replace(&mut self.keys, vec![EMPTY; cap]);
        let old_vals = std::mem::take(&mut self.vals);
        self.vals.resize_with(cap, V::default);
        self.shift = 64 - cap.trailing_zeros();
        let mask = cap - 1;
        for (k, v) in old_keys.into_iter().zip(old_vals) {
            if k == EMPTY {
                continue;
            }
            let mut i = self.home(k);
            while self.keys[i] != EMPTY {
                i = (i + 1) & mask;
            }
            self.keys[i] = k;
            self.vals[i] = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    #[derive(Debug, Clone)]
    enum Op {
        Entry(u64, u32),
        Remove(u64),
        Clear,
    }

    fn op() -> impl Strategy<Value = Op> {
        // Few distinct keys (collisions, long probe runs), some far apart.
        let key = prop_oneof![
            0u64..40,
            (0u64..3).prop_map(|h| (h << 32) | 7),
            any::<u32>().prop_map(u64::from)
        ];
        prop_oneof![
            6 => (key.clone(), any::<u32>()).prop_map(|(k, v)| Op::Entry(k, v)),
            3 => key.prop_map(Op::Remove),
            1 => Just(Op::Clear),
        ]
    }

    proptest! {
        #[test]
        fn behaves_like_hashmap(ops in prop::collection::vec(op(), 0..400)) {
            let mut m: PidMap<u32> = PidMap::default();
            let mut model: HashMap<u64, u32> = HashMap::new();
            for o in ops {
                match o {
                    Op::Entry(k, v) => {
                        let got = m.entry(k);
                        let want = model.entry(k).or_default();
                        prop_assert_eq!(*got, *want);
                        *got = got.wrapping_add(v);
                        *want = want.wrapping_add(v);
                    }
                    Op::Remove(k) => {
                        m.remove(k);
                        model.remove(&k);
                    }
                    Op::Clear => {
                        m.clear();
                        model.clear();
                    }
                }
                prop_assert_eq!(m.len(), model.len());
            }
            for (k, v) in &model {
                prop_assert_eq!(m.find(*k).map(|i| m.vals[i]), Some(*v));
            }
        }
    }
}
