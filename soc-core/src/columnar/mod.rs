//! Columnar results: events, EVE records, alerts and indicators as Arrow
//! record batches (arrow-rs), and (feature `parquet`) Parquet files of them.
//!
//! Enabled by the cargo feature `arrow` (off by default). Builders append
//! row by row straight into column builders, no per-row objects in
//! between; `finish` hands back a [`RecordBatch`] and starts the next one.
//!
//! # Schemas
//!
//! Every schema carries metadata `soc.schema` (its name) and
//! `soc.schema_version` ([`SCHEMA_VERSION`]); a change that renames,
//! removes or retypes a column bumps the version, adding a column at the
//! end does not. Timestamps are `timestamp[us, UTC]`; addresses are their
//! canonical text; enums (kinds, severities, attempt classes) are
//! `dictionary<int32, utf8>`; integers are signed (`int32` ports, `int64`
//! counts, lines and ids) so Spark, Java and pandas read them unchanged.
//! Log text is stored as read: escape it wherever it is displayed.
//!
//! ## `soc.events` ([`EventBatchBuilder`], `soc ssh --events`)
//!
//! | column | type | null | meaning |
//! |---|---|---|---|
//! | file | dict | yes | file the line was read from (null for a batch of lines) |
//! | line | int64 | yes | 1-based line number (in a batch: position) |
//! | time | timestamp | yes | event time |
//! | source | dict | no | parser: `ssh`, `suricata`, ... |
//! | host | utf8 | yes | host that logged it |
//! | kind | dict | no | `ssh.failed_password`, ... |
//! | user | utf8 | yes | user name |
//! | src_ip | utf8 | yes | source address |
//! | src_host | utf8 | yes | source host name (when the log gives a name) |
//! | src_port | int32 | yes | source port |
//! | dst_ip | utf8 | yes | destination address |
//! | dst_port | int32 | yes | destination port |
//! | outcome | dict | no | `failure`, `success`, `unknown` |
//! | attempt | dict | yes | `failure`, `probe`, `success` (see [`Attempt`](crate::model::Attempt)) |
//! | continues | dict | yes | `failure` or `probe`: the line continues an attempt counted on an earlier line of its connection |
//! | failure | bool | no | outcome is `failure` (the JSONL `failure`) |
//! | method | dict | yes | authentication method (`password`, `publickey`, ...) |
//! | fields | utf8 | yes | the other parser fields, a JSON object (null when none) |
//! | raw | utf8 | no | the line |
//!
//! ## `soc.eve_events` ([`EveBatchBuilder`], `soc eve --events`)
//!
//! | column | type | null | meaning |
//! |---|---|---|---|
//! | file, line | dict, int64 | yes | where the record was read |
//! | time | timestamp | yes | `timestamp` |
//! | event_type | dict | no | `alert`, `flow`, `dns`, ... |
//! | flow_id, tx_id | int64 | yes | ids |
//! | in_iface | dict | yes | capture interface |
//! | src_ip, dest_ip | utf8 | yes | addresses |
//! | src_port, dest_port | int32 | yes | ports |
//! | proto, app_proto | dict | yes | protocols |
//! | community_id | utf8 | yes | Community ID flow hash |
//! | vlan | list\<int64\> | yes | VLAN ids |
//! | direction | dict | yes | `to_server`, `to_client` |
//! | host | utf8 | yes | sensor name |
//! | alert_action, alert_category | dict | yes | the `alert` object's fields |
//! | alert_gid, alert_signature_id, alert_rev, alert_severity | int64 | yes | (idem) |
//! | alert_signature | utf8 | yes | (idem) |
//! | detail | utf8 | yes | signature, DNS name, URL, SNI or file name |
//! | raw | utf8 | no | the line (every other field is in it) |
//!
//! ## `soc.alerts` ([`AlertBatchBuilder`], `--alerts`, `soc alerts`)
//!
//! | column | type | null | meaning |
//! |---|---|---|---|
//! | id | utf8 | no | stable id |
//! | kind, severity, source | dict | no | `ssh.brute_force`, `high`, detector |
//! | title | utf8 | no | one-line title |
//! | src_ip, dst_ip | utf8 | yes | addresses |
//! | dst_port | int32 | yes | destination port |
//! | user, host | utf8 | yes | user, host the alert is about |
//! | first_seen, last_seen | timestamp | yes | evidence times |
//! | count | int64 | no | events behind it |
//! | attack | list\<struct\<technique_id, technique_name, tactic_id, tactic_name\>\> | no | ATT&CK |
//! | indicators | list\<struct\<kind, value\>\> | no | indicators involved |
//! | evidence_lines | list\<int64\> | no | line numbers of the evidence events kept |
//! | enrichments | utf8 | yes | JSON array of enrichments (null when none) |
//! | fields | utf8 | yes | extra fields, a JSON object (null when none) |
//!
//! ## `soc.indicators` ([`IndicatorBatchBuilder`], `soc iocs`)
//!
//! | column | type | null | meaning |
//! |---|---|---|---|
//! | row | int64 | yes | 0-based index of the input text in a batch |
//! | file | dict | yes | input file |
//! | kind | dict | no | `ipv4`, `domain`, `sha256`, ... |
//! | value | utf8 | no | normalized value |
//! | raw | utf8 | no | as written (possibly defanged) |
//! | start, end | int64 | no | byte offsets of the first occurrence |
//! | defanged | bool | no | first occurrence was defanged |
//! | count | int64 | no | occurrences |
//! | tags | list\<utf8\> | no | `private`, `from_url`, ... |

mod alerts;
mod build;
mod error;
mod eve;
mod events;
mod indicators;
#[cfg(feature = "parquet")]
mod parquet;
mod read;

pub use alerts::{alert_schema, AlertBatchBuilder};
pub use arrow_array::RecordBatch;
pub use arrow_schema::SchemaRef;
pub use build::{
    finish_all, BatchBuilder, BatchCounts, SCHEMA_KEY, SCHEMA_VERSION, SCHEMA_VERSION_KEY,
};
pub use error::ColumnarError;
pub use eve::{eve_schema, EveBatchBuilder};
pub use events::{event_schema, EventBatchBuilder};
pub use indicators::{indicator_schema, IndicatorBatchBuilder};
#[cfg(feature = "parquet")]
pub use parquet::{ParquetSink, DEFAULT_ROWS_PER_GROUP};
pub use read::{events_from_batch, string_at, times_of};
