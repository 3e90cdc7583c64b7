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

/// Indicators the IOC extractor finds in `text` (TEMP: IOC module pending).
pub(crate) fn text_indicators(_text: &str) -> Vec<Indicator> {
    Vec::new()
}

/// The checkpoints reflecting everything `source` yielded so far (TEMP).
pub(crate) fn checkpoints_of(_source: &dyn LogSource) -> Vec<CheckpointRow> {
    Vec::new()
}
