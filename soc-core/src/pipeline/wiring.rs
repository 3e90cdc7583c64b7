//! Where the pipeline meets the other modules' APIs: kept in one small file
//! so an API change elsewhere is a change here only.

use crate::model::Indicator;
use crate::source::LogSource;

/// A source checkpoint to persist with `store::put_checkpoint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointRow {
    /// Source key.
    pub source: String,
    /// File identity.
    pub identity: String,
    /// Byte offset of the last consumed complete record.
    pub offset: u64,
}

/// Indicators the IOC extractor finds in `text`.
pub(crate) fn text_indicators(text: &str) -> Vec<Indicator> {
    crate::ioc::extract(text)
}

/// The checkpoints reflecting everything `source` yielded so far.
pub(crate) fn checkpoints_of(source: &dyn LogSource) -> Vec<CheckpointRow> {
    source
        .checkpoints()
        .into_iter()
        .map(|c| CheckpointRow {
            source: c.source_key,
            identity: c.identity,
            offset: c.offset,
        })
        .collect()
}
