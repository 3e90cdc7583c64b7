//! Windows as the state store holds them (see [`super::persist`]): item
//! times, distinct values and evidence as indexes into the row's events,
//! each event once however many of the row's windows keep it.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::arena::EvId;
use super::maps::Map;
use super::stamp::Stamp;
use super::window::{Episode, Windowed};

/// Evidence events of one saved row, each once however many of the row's
/// windows share it (the windows refer to them by index).
#[derive(Debug, Default)]
pub(crate) struct EventTable {
    pub events: Vec<EvId>,
    index: Map<EvId, u32>,
}

impl EventTable {
    pub fn add(&mut self, e: EvId) -> u32 {
        let events = &mut self.events;
        *self.index.entry(e).or_insert_with(|| {
            events.push(e);
            events.len() as u32 - 1
        })
    }
}

/// A window as written to the state store (see [`super::persist`]).
#[derive(Debug, Serialize)]
pub(crate) struct SavedWindowOut<'a> {
    /// Item times.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    t: Vec<DateTime<Utc>>,
    /// Item distinct values (empty for counting windows).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    v: Vec<&'a str>,
    /// Evidence, as indexes into the row's events.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    e: Vec<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    open: Option<SavedEpisodeOut>,
}

#[derive(Debug, Serialize)]
pub(crate) struct SavedEpisodeOut {
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    count: u64,
    reported: u64,
    distinct: Vec<String>,
    e: Vec<u32>,
}

/// A window as read back from the state store.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SavedWindow {
    #[serde(default)]
    t: Vec<DateTime<Utc>>,
    #[serde(default)]
    v: Vec<String>,
    #[serde(default)]
    e: Vec<u32>,
    #[serde(default)]
    last: Option<DateTime<Utc>>,
    #[serde(default)]
    open: Option<SavedEpisode>,
}

#[derive(Debug, Deserialize)]
struct SavedEpisode {
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    count: u64,
    #[serde(default)]
    reported: u64,
    #[serde(default)]
    distinct: Vec<String>,
    #[serde(default)]
    e: Vec<u32>,
}

/// A saved window's parts (see [`SavedWindow::into_parts`]).
pub(crate) struct WindowParts {
    pub times: Vec<Stamp>,
    pub values: Vec<String>,
    pub evidence: Vec<EvId>,
    pub last: Option<Stamp>,
    pub open: Option<Episode>,
}

impl SavedWindowOut<'_> {
    /// The persisted form of a window's parts; evidence goes into `table`.
    pub fn of_parts<'a>(
        times: Vec<Stamp>,
        values: Vec<&'a str>,
        evidence: &VecDeque<EvId>,
        last: Option<Stamp>,
        open: Option<&'a Episode>,
        table: &mut EventTable,
    ) -> SavedWindowOut<'a> {
        SavedWindowOut {
            t: times.into_iter().map(Stamp::time).collect(),
            v: values,
            e: evidence.iter().map(|&e| table.add(e)).collect(),
            last: last.map(Stamp::time),
            open: open.map(|ep| {
                let mut distinct: Vec<String> = ep.distinct.strings().collect();
                distinct.sort_unstable();
                SavedEpisodeOut {
                    first: ep.first.time(),
                    last: ep.last.time(),
                    count: ep.count,
                    reported: ep.reported,
                    distinct,
                    e: ep.events.iter().map(|&e| table.add(e)).collect(),
                }
            }),
        }
    }
}

impl SavedWindow {
    /// The window's parts, evidence indexes resolved against its row's
    /// `events`; `None` when one is out of range.
    pub fn into_parts(self, events: &[EvId]) -> Option<WindowParts> {
        let pick = |ix: Vec<u32>| -> Option<Vec<EvId>> {
            ix.into_iter()
                .map(|i| events.get(i as usize).copied())
                .collect()
        };
        let open = match self.open {
            None => None,
            Some(ep) => Some(Episode {
                first: Stamp::of(ep.first),
                last: Stamp::of(ep.last),
                count: ep.count,
                distinct: ep.distinct.into_iter().collect(),
                events: pick(ep.e)?,
                reported: ep.reported,
            }),
        };
        Some(WindowParts {
            times: self.t.into_iter().map(Stamp::of).collect(),
            values: self.v,
            evidence: pick(self.e)?,
            last: self.last.map(Stamp::of),
            open,
        })
    }
}

impl Windowed {
    /// The persisted form; evidence goes into `table`.
    pub fn save<'a>(&'a self, table: &mut EventTable) -> SavedWindowOut<'a> {
        let has_values = self.items.iter().any(|x| x.1 != 0);
        let values = if has_values {
            self.items.iter().map(|x| self.values.get(x.1)).collect()
        } else {
            Vec::new()
        };
        let times = self.items.iter().map(|x| x.0).collect();
        SavedWindowOut::of_parts(
            times,
            values,
            &self.evidence,
            self.last,
            self.open.as_deref(),
            table,
        )
    }

    /// A window from its persisted form and its row's `events`; `None`
    /// when an evidence index is out of range.
    pub fn restore(s: SavedWindow, events: &[EvId]) -> Option<Windowed> {
        let p = s.into_parts(events)?;
        let mut w = Windowed {
            last: p.last,
            ..Default::default()
        };
        for (i, t) in p.times.into_iter().enumerate() {
            let slot = w.values.acquire(p.values.get(i).map_or("", String::as_str));
            w.items.push_back((t, slot));
        }
        w.evidence = p.evidence.into();
        w.open = p.open.map(Box::new);
        Some(w)
    }
}
