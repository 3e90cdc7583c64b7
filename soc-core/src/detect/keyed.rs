//! Per-key detector state with a bound and change tracking, for any
//! detector: a map from a key (source, user, ...) to a state value that
//! knows its last event time.
//!
//! * **Bounded**: at most `cap` keys. Past the cap the keys whose last event
//!   is oldest are evicted (an LRU by event time, not wall time), a tenth of
//!   the cap at once so the cost per insert stays constant; evictions are
//!   counted. The caller decides what an evicted value still reports.
//! * **Persistable**: keys touched since the last [`KeyedState::take_changes`]
//!   are reported with their new state, removed keys as deletions, so the
//!   state store writes only what changed.

use std::hash::BuildHasher;

use hashbrown::HashTable;

use super::stamp::Stamp;

/// What a per-key state value tells [`KeyedState`].
pub(crate) trait KeyState: Default {
    /// Time of the last event seen under this key.
    fn last_time(&self) -> Option<Stamp>;

    /// Makes the value a new one (as `Default`), keeping small buffers:
    /// a forgotten key's value is reused for the next new key.
    fn reset(&mut self);
}

/// Forgotten keys' values (and key strings) kept for reuse, at most.
const SPARE: usize = 1024;

/// One key's slot: the key, the state, whether it changed since the last
/// save and whether a saved row exists.
#[derive(Debug)]
struct Slot<V> {
    key: String,
    /// The key's hash (see [`KeyedState::hash`]).
    hash: u32,
    value: V,
    dirty: bool,
    saved: bool,
}

/// A bounded, change-tracked map of detector state (see the module docs).
///
/// Keys are interned: the table gives a key's slot number, looked up once
/// per event, and the states live in a `Vec` of slots (freed slots are
/// reused), so sweeps walk a vector rather than a hash table. The key's
/// text is kept once, in its slot; the table holds `(slot, hash)` pairs
/// (the top 32 bits of the key's hash), so a look-up reads a key only
/// when the hashes match, and removing a slot reads no key at all.
#[derive(Debug)]
pub(crate) struct KeyedState<V> {
    ids: HashTable<(u32, u32)>,
    /// Seeded per process (keys are chosen by attackers).
    hasher: foldhash::fast::RandomState,
    slots: Vec<Option<Slot<V>>>,
    free: Vec<u32>,
    cap: usize,
    evictions: u64,
    /// Saved keys removed since the last `take_changes`.
    removed: Vec<String>,
    /// Whether anything may have changed since the last `take_changes`.
    touched: bool,
    /// Values and key strings of removed keys, for new keys (keys come
    /// and go all the time: an attacker back after a quiet spell).
    spare: Vec<V>,
    spare_keys: Vec<String>,
    /// Per slot, how many times it was emptied: a slot number cached with
    /// its generation names the same key while the generation is unchanged
    /// (a cache of slots must be dropped with the map).
    generations: Vec<u32>,
}

impl<V: KeyState> KeyedState<V> {
    /// An empty map holding at most `cap` keys (at least 1).
    pub fn new(cap: usize) -> Self {
        KeyedState {
            ids: HashTable::new(),
            hasher: foldhash::fast::RandomState::default(),
            slots: Vec::new(),
            free: Vec::new(),
            cap: cap.max(1),
            evictions: 0,
            removed: Vec::new(),
            touched: false,
            spare: Vec::new(),
            spare_keys: Vec::new(),
            generations: Vec::new(),
        }
    }

    /// Whether anything may have changed since the last
    /// [`take_changes`](Self::take_changes) (cheap; may say yes when a
    /// change was undone).
    pub fn has_changes(&self) -> bool {
        self.touched || !self.removed.is_empty()
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Keys evicted because of the cap, since creation.
    pub fn evictions(&self) -> u64 {
        self.evictions
    }

    /// Whether inserting a new key would pass the cap.
    pub fn is_full(&self) -> bool {
        self.ids.len() >= self.cap
    }

    /// The top 32 bits of `key`'s hash.
    fn hash(&self, key: &str) -> u32 {
        (self.hasher.hash_one(key) >> 32) as u32
    }

    /// The slot number of `key` (hashed to `h`), if tracked.
    fn find(&self, key: &str, h: u32) -> Option<u32> {
        let slots = &self.slots;
        let same = |&(id, hh): &(u32, u32)| {
            hh == h
                && slots
                    .get(id as usize)
                    .and_then(Option::as_ref)
                    .is_some_and(|s| s.key == key)
        };
        self.ids.find(spread(h), same).map(|&(id, _)| id)
    }

    /// A new slot for `key` (not present, hashed to `h`), returning its number.
    fn insert(&mut self, key: String, h: u32, value: V, dirty: bool, saved: bool) -> u32 {
        let slot = Slot {
            key,
            hash: h,
            value,
            dirty,
            saved,
        };
        let id = match self.free.pop() {
            Some(id) => {
                self.slots[id as usize] = Some(slot);
                id
            }
            None => {
                self.slots.push(Some(slot));
                self.generations.push(0);
                // At most `cap` keys plus one tenth: far below u32::MAX
                // for any cap that fits in memory.
                u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
            }
        };
        self.ids
            .insert_unique(spread(h), (id, h), |&(_, hh)| spread(hh));
        id
    }

    /// The live slot `id` (ids from `ids` always name one).
    fn slot_mut(&mut self, id: u32) -> Option<&mut Slot<V>> {
        self.slots.get_mut(id as usize).and_then(Option::as_mut)
    }

    /// Removes slot `id`, returning it.
    fn remove_slot(&mut self, id: u32) -> Option<Slot<V>> {
        let slot = self.slots.get_mut(id as usize)?.take()?;
        if let Some(g) = self.generations.get_mut(id as usize) {
            *g = g.wrapping_add(1);
        }
        if let Ok(entry) = self.ids.find_entry(spread(slot.hash), |&(i, _)| i == id) {
            entry.remove();
        }
        self.free.push(id);
        Some(slot)
    }

    /// Keeps a removed slot's value and key for reuse (saved keys are
    /// reported as deleted).
    fn recycle(&mut self, slot: Slot<V>) {
        let Slot {
            key,
            mut value,
            saved,
            ..
        } = slot;
        if saved {
            self.removed.push(key);
        } else if self.spare_keys.len() < SPARE {
            self.spare_keys.push(key);
        }
        if self.spare.len() < SPARE {
            value.reset();
            self.spare.push(value);
        }
    }

    /// The slot number of `key` (stable while the key is tracked) and its
    /// state, created if absent, marked changed.
    pub fn get_or_insert_id(&mut self, key: &str) -> (u32, &mut V) {
        let h = self.hash(key);
        let id = match self.find(key, h) {
            Some(id) => id,
            None => {
                let value = self.spare.pop().unwrap_or_default();
                let mut owned = self.spare_keys.pop().unwrap_or_default();
                owned.clear();
                owned.push_str(key);
                self.insert(owned, h, value, false, false)
            }
        };
        self.touched = true;
        let slot = self.slots[id as usize]
            .as_mut()
            .expect("an interned id names a live slot");
        slot.dirty = true;
        (id, &mut slot.value)
    }

    /// The generation of live slot `id` (see `generations`).
    pub fn generation(&self, id: u32) -> u32 {
        self.generations.get(id as usize).copied().unwrap_or(0)
    }

    /// The state in slot `id` if it is live and still in generation
    /// `generation`, marked changed (as [`get_or_insert_id`](Self::get_or_insert_id)).
    pub fn get_cached(&mut self, id: u32, generation: u32) -> Option<&mut V> {
        if self.generations.get(id as usize) != Some(&generation) {
            return None;
        }
        let slot = self.slots.get_mut(id as usize)?.as_mut()?;
        self.touched = true;
        slot.dirty = true;
        Some(&mut slot.value)
    }

    /// The key and state in slot `id`, if live, not marked changed.
    pub fn slot(&mut self, id: u32) -> Option<(&String, &mut V)> {
        self.slot_mut(id).map(|s| (&s.key, &mut s.value))
    }

    /// Marks slot `id` changed.
    pub fn mark_changed(&mut self, id: u32) {
        if let Some(s) = self.slot_mut(id) {
            s.dirty = true;
            self.touched = true;
        }
    }

    /// Removes slot `id` as [`retain`](Self::retain) removes a key.
    pub fn remove(&mut self, id: u32) {
        if let Some(slot) = self.remove_slot(id) {
            self.recycle(slot);
        }
    }

    /// Every live slot number with its state.
    pub fn slots(&self) -> impl Iterator<Item = (u32, &V)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(id, s)| s.as_ref().map(|s| (id as u32, &s.value)))
    }

    /// Every live slot number with its state, mutably, not marked changed.
    pub fn slots_mut(&mut self) -> impl Iterator<Item = (u32, &mut V)> {
        self.slots
            .iter_mut()
            .enumerate()
            .filter_map(|(id, s)| s.as_mut().map(|s| (id as u32, &mut s.value)))
    }

    /// The state of `key` if present, marked changed.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        let id = self.find(key, self.hash(key))?;
        self.touched = true;
        let slot = self.slot_mut(id)?;
        slot.dirty = true;
        Some(&mut slot.value)
    }

    /// Every state, mutably, without marking changes (for reading).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&String, &mut V)> {
        self.slots
            .iter_mut()
            .flatten()
            .map(|s| (&s.key, &mut s.value))
    }

    /// Keeps the entries for which `keep` returns `(true, _)`; `keep` may
    /// change the value and says so with `(_, true)`.
    pub fn retain(&mut self, mut keep: impl FnMut(&String, &mut V) -> (bool, bool)) {
        for id in 0..self.slots.len() {
            let Some(slot) = self.slots[id].as_mut() else {
                continue;
            };
            let (kept, changed) = keep(&slot.key, &mut slot.value);
            slot.dirty |= changed;
            self.touched |= changed;
            if !kept {
                if let Some(slot) = self.remove_slot(id as u32) {
                    self.recycle(slot);
                }
            }
        }
    }

    /// Makes room for one new key: evicts the oldest tenth of the cap by
    /// last event time when full, handing each evicted `(key, value)` to
    /// `gone`. Ties are broken by key, so the choice is deterministic.
    pub fn make_room(&mut self, mut gone: impl FnMut(String, V)) {
        if self.ids.len() < self.cap {
            return;
        }
        let excess = self.ids.len() + 1 - self.cap;
        let n = excess.max(self.cap / 10).min(self.ids.len());
        let mut ages: Vec<(Option<Stamp>, &String, u32)> = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(id, s)| s.as_ref().map(|s| (s.value.last_time(), &s.key, id as u32)))
            .collect();
        if n < ages.len() {
            ages.select_nth_unstable(n);
            ages.truncate(n);
        }
        let victims: Vec<u32> = ages.into_iter().map(|(_, _, id)| id).collect();
        for id in victims {
            if let Some(s) = self.remove_slot(id) {
                self.evictions += 1;
                if s.saved {
                    self.removed.push(s.key.clone());
                }
                gone(s.key, s.value);
            }
        }
    }

    /// Removes everything (saved keys are reported as deleted).
    pub fn clear(&mut self) {
        self.retain(|_, _| (false, false));
    }

    /// The changes since the last call: `(key, Some(value))` for changed
    /// keys, `(key, None)` for removed ones. Everything is then clean.
    pub fn take_changes(&mut self) -> Vec<(String, Option<&V>)> {
        self.touched = false;
        let mut out: Vec<(String, Option<&V>)> =
            self.removed.drain(..).map(|k| (k, None)).collect();
        let mut changed = Vec::new();
        for (id, s) in self.slots.iter_mut().enumerate() {
            if let Some(s) = s.as_mut().filter(|s| s.dirty) {
                s.dirty = false;
                s.saved = true;
                changed.push(id);
            }
        }
        // Second pass for the values (the first needed `&mut` for the flags).
        let slots = &self.slots;
        let values = changed.into_iter().filter_map(|id| slots[id].as_ref());
        out.extend(values.map(|s| (s.key.clone(), Some(&s.value))));
        out
    }

    /// Inserts a restored value under `key` as saved and clean.
    pub fn restore(&mut self, key: String, value: V) {
        let h = self.hash(&key);
        match self.find(&key, h) {
            Some(id) => {
                if let Some(s) = self.slot_mut(id) {
                    (s.value, s.dirty, s.saved) = (value, false, true);
                }
            }
            None => {
                self.insert(key, h, value, false, true);
            }
        }
    }
}

/// A 32-bit hash spread over the 64 bits the table reads (its top bits
/// pick the control byte, its low bits the group).
fn spread(h: u32) -> u64 {
    u64::from(h).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default)]
    struct T(Option<Stamp>);
    impl KeyState for T {
        fn last_time(&self) -> Option<Stamp> {
            self.0
        }
        fn reset(&mut self) {
            self.0 = None;
        }
    }

    fn at(s: i64) -> Option<Stamp> {
        chrono::DateTime::from_timestamp(s, 0).map(Stamp::of)
    }

    #[test]
    fn evicts_the_oldest_by_event_time_and_counts() {
        let mut m: KeyedState<T> = KeyedState::new(10);
        for i in 0..10 {
            // Inserted newest first: eviction must follow event time, not order.
            m.get_or_insert_id(&format!("k{i}")).1 .0 = at(100 - i);
        }
        let mut gone = Vec::new();
        m.make_room(|k, _| gone.push(k));
        gone.sort();
        assert_eq!(gone, vec!["k9".to_string()]);
        assert_eq!(m.evictions(), 1);
        assert_eq!(m.len(), 9);
    }

    /// A cached (slot, generation) finds its key's state until the key is
    /// removed, never the state of a later key given the same slot.
    #[test]
    fn cached_slots_never_name_a_later_key() {
        let mut m: KeyedState<T> = KeyedState::new(10);
        let (a, _) = m.get_or_insert_id("a");
        let cached = (a, m.generation(a));
        m.get_cached(cached.0, cached.1).unwrap().0 = at(5);
        m.retain(|k, _| (k != "a", false));
        assert!(m.get_cached(cached.0, cached.1).is_none());
        let (b, _) = m.get_or_insert_id("b");
        assert_eq!(b, a, "the freed slot is reused");
        assert!(m.get_cached(cached.0, cached.1).is_none());
        assert!(m.get_cached(b, m.generation(b)).is_some());
    }

    #[test]
    fn reports_changed_and_removed_keys_once() {
        let mut m: KeyedState<T> = KeyedState::new(10);
        m.get_or_insert_id("a").1 .0 = at(1);
        m.get_or_insert_id("b").1 .0 = at(2);
        assert!(m.has_changes());
        let ch = m.take_changes();
        assert_eq!(ch.len(), 2);
        assert!(ch.iter().all(|(_, v)| v.is_some()));
        assert!(!m.has_changes());
        assert!(m.take_changes().is_empty());
        m.retain(|k, _| (k != "a", false));
        assert!(m.has_changes());
        let ch = m.take_changes();
        assert_eq!(ch.len(), 1);
        assert_eq!(ch[0].0, "a");
        assert!(ch[0].1.is_none());
    }
}
