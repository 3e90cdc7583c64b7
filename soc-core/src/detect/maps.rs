//! The hash maps of the detectors: keys are user names and addresses an
//! attacker chooses, so the hash is seeded per process (foldhash: much
//! cheaper than SipHash on short keys, still not predictable from outside).

use std::collections::{HashMap, HashSet};

/// A map of the detectors (see the module docs).
pub(crate) type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
/// A set of the detectors (see the module docs).
pub(crate) type Set<T> = HashSet<T, foldhash::fast::RandomState>;
