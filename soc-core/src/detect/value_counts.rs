//! The distinct values of a window's items (the users a source tried, the
//! sources that failed on a user), each once with the number of items that
//! have it: an item holds a slot number, not a string.
//!
//! Each value is kept with a [`tag`] of its length and first bytes, so a
//! look-up compares the text of a value (a pointer away, a likely cache
//! miss) only when its tag matches.

/// Value slots whose buffers [`ValueCounts::clear`] keeps, at most.
const KEPT_SLOTS: usize = 4;

/// Distinct values with their item counts (see the module docs). Slot 0 is
/// the empty value; slot `i + 1` is `values[i]`, free when its count is 0.
#[derive(Debug, Default)]
pub(crate) struct ValueCounts {
    /// Values with their counts and tags.
    values: Vec<(String, u32, u64)>,
    /// Non-empty values with a count.
    live: u32,
    /// Items whose value is empty.
    empty: u32,
}

impl ValueCounts {
    /// Empties the values, keeping the buffers of the first few as free
    /// slots (a window's next values reuse them instead of allocating).
    pub fn clear(&mut self) {
        self.values.truncate(KEPT_SLOTS);
        for (v, n, tag) in &mut self.values {
            v.clear();
            *n = 0;
            *tag = 0;
        }
        self.live = 0;
        self.empty = 0;
    }

    /// Distinct values (the empty value counts as one).
    pub fn distinct(&self) -> u64 {
        u64::from(self.live) + u64::from(self.empty > 0)
    }

    /// The value of `slot` ("" for slot 0 or a free one).
    pub fn get(&self, slot: u32) -> &str {
        match slot {
            0 => "",
            s => self.values.get(s as usize - 1).map_or("", |v| v.0.as_str()),
        }
    }

    /// The non-empty values with a count.
    pub fn live(&self) -> impl Iterator<Item = &String> {
        self.values.iter().filter(|v| v.1 > 0).map(|v| &v.0)
    }

    /// Counts `n` more items with the empty value.
    pub fn add_empty(&mut self, n: u32) {
        self.empty += n;
    }

    /// One item of `slot` fewer.
    pub fn release(&mut self, slot: u32) {
        if slot == 0 {
            self.empty = self.empty.saturating_sub(1);
        } else if let Some(v) = self.values.get_mut(slot as usize - 1) {
            v.1 = v.1.saturating_sub(1);
            if v.1 == 0 {
                v.0.clear();
                self.live = self.live.saturating_sub(1);
            }
        }
    }

    /// The slot of `value` (counted once more), allocating one if new.
    pub fn acquire(&mut self, value: &str) -> u32 {
        if value.is_empty() {
            self.empty += 1;
            return 0;
        }
        let mut free = None;
        let want = tag(value);
        for (i, (v, n, t)) in self.values.iter_mut().enumerate() {
            if *n > 0 && *t == want && v == value {
                *n += 1;
                return i as u32 + 1;
            }
            if *n == 0 && free.is_none() {
                free = Some(i);
            }
        }
        self.live += 1;
        match free {
            Some(i) => {
                // A freed slot keeps its buffer: refill it in place.
                let slot = &mut self.values[i];
                slot.0.clear();
                slot.0.push_str(value);
                slot.1 = 1;
                slot.2 = want;
                i as u32 + 1
            }
            None => {
                self.values.push((value.to_string(), 1, want));
                self.values.len() as u32
            }
        }
    }
}

/// The length of `value` and its first bytes in one word: equal values
/// have equal tags (a tag is a filter, never a proof of equality).
fn tag(value: &str) -> u64 {
    let b = value.as_bytes();
    let mut head = [0u8; 8];
    let n = b.len().min(7);
    head[..n].copy_from_slice(&b[..n]);
    head[7] = b.len() as u8;
    u64::from_le_bytes(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cleared table (its first buffers kept) answers as a new one:
    /// same slots, values and counts, on random acquires and releases.
    #[test]
    fn cleared_is_new() {
        let mut next = crate::detect::test_rng::seeded(5);
        let mut reused = ValueCounts::default();
        for round in 0..200 {
            reused.clear();
            let mut fresh = ValueCounts::default();
            let mut held: Vec<u32> = Vec::new();
            for _ in 0..next(30) {
                if next(3) == 0 && !held.is_empty() {
                    let slot = held.swap_remove(next(held.len() as u64) as usize);
                    fresh.release(slot);
                    reused.release(slot);
                } else {
                    let v = match next(6) {
                        0 => String::new(),
                        n => format!("v{n}"),
                    };
                    let slot = fresh.acquire(&v);
                    assert_eq!(reused.acquire(&v), slot, "round {round}");
                    assert_eq!(reused.get(slot), v);
                    held.push(slot);
                }
                assert_eq!(reused.distinct(), fresh.distinct(), "round {round}");
                let live = |c: &ValueCounts| {
                    let mut l: Vec<String> = c.live().cloned().collect();
                    l.sort();
                    l
                };
                assert_eq!(live(&reused), live(&fresh), "round {round}");
            }
        }
    }

    /// Values whose tags are equal (the same first seven bytes and the
    /// same length, or lengths 256 apart) are still told apart by their text.
    #[test]
    fn equal_tags_are_distinct_values() {
        let long = |c: char| format!("abcdefg{}", c.to_string().repeat(300));
        let values = [
            "abcdefgX".to_string(),
            "abcdefgY".to_string(),
            format!("abcdefg{}", "x".repeat(44)),
            format!("abcdefg{}", "x".repeat(300)),
            long('y'),
            long('z'),
        ];
        assert_eq!(tag(&values[0]), tag(&values[1]));
        assert_eq!(tag(&values[2]), tag(&values[3]));
        assert_eq!(tag(&values[4]), tag(&values[5]));
        let mut c = ValueCounts::default();
        let slots: Vec<u32> = values.iter().map(|v| c.acquire(v)).collect();
        assert_eq!(c.distinct(), values.len() as u64);
        for (v, &slot) in values.iter().zip(&slots) {
            assert_eq!(c.acquire(v), slot);
            assert_eq!(c.get(slot), v);
        }
        c.release(slots[0]);
        c.release(slots[0]);
        assert_eq!(c.acquire(&values[1]), slots[1]);
        assert_eq!(c.distinct(), values.len() as u64 - 1);
    }
}
