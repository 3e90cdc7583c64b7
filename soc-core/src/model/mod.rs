//! The shared data model: every stage of soc speaks these types.
//!
//! * [`Event`]: one normalized log record (an sshd line, a Suricata event, an alert row).
//! * [`Indicator`]: an observable (IP, domain, hash, ...) with where it was found.
//! * [`Alert`]: what a detector or a sensor raised, with its evidence.
//! * [`Enrichment`]: what a threat-intelligence provider said about an indicator.
//! * [`Score`]: a triage result that explains itself.
//! * [`ActionRecord`]: what a responder did (or would do, in dry-run).
//!
//! All types are `serde` serializable; enums serialize as `snake_case` strings.

mod action;
mod addr_class;
mod alert;
mod enrichment;
mod event;
mod indicator;
mod indicator_parse;
mod score;

pub use action::{ActionOutcome, ActionRecord, Mode};
pub use addr_class::{ip_tags, AddrClass};
pub use alert::{Alert, AttackRef, Severity};
pub use enrichment::{Enrichment, Facts, Verdict};
pub use event::{Attempt, Event, EventOutcome, Origin};
pub use indicator::{Indicator, IndicatorKind, IndicatorTag};
pub use score::{RiskLevel, Score, ScoreFactor};
