//! The distinct values of a window's items (the users a source tried, the
//! sources that failed on a user), each once with the number of items that
//! have it: an item holds a slot number, not a string.

/// Value slots whose buffers [`ValueCounts::clear`] keeps, at most.
const KEPT_SLOTS: usize = 4;

/// Distinct values with their item counts (see the module docs). Slot 0 is
/// the empty value; slot `i + 1` is `values[i]`, free when its count is 0.
#[derive(Debug, Default)]
pub(crate) struct ValueCounts {
    values: Vec<(String, u32)>,
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
        for (v, n) in &mut self.values {
            v.clear();
            *n = 0;
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
        for (i, (v, n)) in self.values.iter_mut().enumerate() {
            if *n > 0 && v == value {
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
                i as u32 + 1
            }
            None => {
                self.values.push((value.to_string(), 1));
                self.values.len() as u32
            }
        }
    }
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
}
