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

use chrono::{DateTime, Utc};

use super::Map;

/// What a per-key state value tells [`KeyedState`].
pub(crate) trait KeyState: Default {
    /// Time of the last event seen under this key.
    fn last_time(&self) -> Option<DateTime<Utc>>;
}

/// One key's entry: the state plus whether it changed since the last save
/// and whether a saved row exists.
#[derive(Debug, Default)]
struct Entry<V> {
    value: V,
    dirty: bool,
    saved: bool,
}

/// A bounded, change-tracked map of detector state (see the module docs).
#[derive(Debug)]
pub(crate) struct KeyedState<V> {
    map: Map<String, Entry<V>>,
    cap: usize,
    evictions: u64,
    /// Saved keys removed since the last `take_changes`.
    removed: Vec<String>,
    /// Whether anything may have changed since the last `take_changes`.
    touched: bool,
}

impl<V: KeyState> KeyedState<V> {
    /// An empty map holding at most `cap` keys (at least 1).
    pub fn new(cap: usize) -> Self {
        KeyedState {
            map: Map::default(),
            cap: cap.max(1),
            evictions: 0,
            removed: Vec::new(),
            touched: false,
        }
    }

    /// Whether anything may have changed since the last
    /// [`take_changes`](Self::take_changes) (cheap; may say yes when a
    /// change was undone).
    pub fn has_changes(&self) -> bool {
        self.touched || !self.removed.is_empty()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Keys evicted because of the cap, since creation.
    pub fn evictions(&self) -> u64 {
        self.evictions
    }

    /// Whether inserting a new key would pass the cap.
    pub fn is_full(&self) -> bool {
        self.map.len() >= self.cap
    }

    /// The state of `key`, created if absent, marked changed.
    pub fn get_or_insert(&mut self, key: &str) -> &mut V {
        if !self.map.contains_key(key) {
            self.map.insert(key.to_string(), Entry::default());
        }
        let e = self.map.get_mut(key).expect("inserted above");
        e.dirty = true;
        self.touched = true;
        &mut e.value
    }

    /// The state of `key` if present, marked changed.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        let e = self.map.get_mut(key)?;
        e.dirty = true;
        self.touched = true;
        Some(&mut e.value)
    }

    /// Every state, mutably, without marking changes (for reading).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&String, &mut V)> {
        self.map.iter_mut().map(|(k, e)| (k, &mut e.value))
    }

    /// Keeps the entries for which `keep` returns `(true, _)`; `keep` may
    /// change the value and says so with `(_, true)`.
    pub fn retain(&mut self, mut keep: impl FnMut(&String, &mut V) -> (bool, bool)) {
        let removed = &mut self.removed;
        let touched = &mut self.touched;
        self.map.retain(|k, e| {
            let (kept, changed) = keep(k, &mut e.value);
            if !kept && e.saved {
                removed.push(k.clone());
            }
            e.dirty |= changed;
            *touched |= changed;
            kept
        });
    }

    /// Makes room for one new key: evicts the oldest tenth of the cap by
    /// last event time when full, handing each evicted `(key, value)` to
    /// `gone`. Ties are broken by key, so the choice is deterministic.
    pub fn make_room(&mut self, mut gone: impl FnMut(String, V)) {
        if self.map.len() < self.cap {
            return;
        }
        let excess = self.map.len() + 1 - self.cap;
        let n = excess.max(self.cap / 10).min(self.map.len());
        let mut ages: Vec<(Option<DateTime<Utc>>, &String)> = self
            .map
            .iter()
            .map(|(k, e)| (e.value.last_time(), k))
            .collect();
        if n < ages.len() {
            ages.select_nth_unstable(n);
            ages.truncate(n);
        }
        let victims: Vec<String> = ages.into_iter().map(|(_, k)| k.clone()).collect();
        for k in victims {
            if let Some(e) = self.map.remove(&k) {
                self.evictions += 1;
                if e.saved {
                    self.removed.push(k.clone());
                }
                gone(k, e.value);
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
        for (k, e) in self.map.iter_mut() {
            if e.dirty {
                e.dirty = false;
                e.saved = true;
                out.push((k.clone(), None));
            }
        }
        // Second pass for the values (the first needed `&mut` for the flags).
        for (k, v) in out.iter_mut() {
            if let Some(e) = self.map.get(k.as_str()) {
                if e.saved && v.is_none() && !e.dirty {
                    *v = Some(&e.value);
                }
            }
        }
        out
    }

    /// Inserts a restored value under `key` as saved and clean.
    pub fn restore(&mut self, key: String, value: V) {
        self.map.insert(
            key,
            Entry {
                value,
                dirty: false,
                saved: true,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default)]
    struct T(Option<DateTime<Utc>>);
    impl KeyState for T {
        fn last_time(&self) -> Option<DateTime<Utc>> {
            self.0
        }
    }

    fn at(s: i64) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(s, 0)
    }

    #[test]
    fn evicts_the_oldest_by_event_time_and_counts() {
        let mut m: KeyedState<T> = KeyedState::new(10);
        for i in 0..10 {
            // Inserted newest first: eviction must follow event time, not order.
            m.get_or_insert(&format!("k{i}")).0 = at(100 - i);
        }
        let mut gone = Vec::new();
        m.make_room(|k, _| gone.push(k));
        gone.sort();
        assert_eq!(gone, vec!["k9".to_string()]);
        assert_eq!(m.evictions(), 1);
        assert_eq!(m.len(), 9);
    }

    #[test]
    fn reports_changed_and_removed_keys_once() {
        let mut m: KeyedState<T> = KeyedState::new(10);
        m.get_or_insert("a").0 = at(1);
        m.get_or_insert("b").0 = at(2);
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
