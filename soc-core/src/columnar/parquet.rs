//! Parquet files of soc's batches, written as they are built: every
//! `rows_per_group` rows (or 256 MiB of text) the builder's batch becomes
//! one row group and is flushed, so memory stays bounded whatever the
//! input size.

use std::io::Write;

use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::build::BatchBuilder;
use super::error::ColumnarError;

/// Rows per row group unless asked otherwise.
pub const DEFAULT_ROWS_PER_GROUP: usize = 64 * 1024;

/// Text bytes that end a row group early (long raw lines).
const MAX_GROUP_TEXT_BYTES: usize = 256 << 20;

/// A Parquet writer fed through a [`BatchBuilder`] (Snappy-compressed; the
/// Arrow schema with soc's metadata is stored in the file).
///
/// ```
/// use soc_core::columnar::{ParquetSink, AlertBatchBuilder};
/// use soc_core::{Alert, Severity};
/// let mut sink = ParquetSink::new(Vec::new(), AlertBatchBuilder::new(), 1024).unwrap();
/// let a = Alert::new("ssh.brute_force", "203.0.113.45", "SSH brute force", Severity::High);
/// sink.append_with(|b| b.append(&a)).unwrap();
/// let (bytes, rows) = sink.close().unwrap();
/// assert_eq!(rows, 1);
/// assert_eq!(&bytes[..4], b"PAR1");
/// ```
pub struct ParquetSink<B: BatchBuilder, W: Write + Send> {
    builder: B,
    writer: ArrowWriter<W>,
    rows_per_group: usize,
    rows: u64,
}

impl<B: BatchBuilder, W: Write + Send> ParquetSink<B, W> {
    /// A sink writing to `out`, one row group per `rows_per_group` rows
    /// (at least 1).
    pub fn new(out: W, builder: B, rows_per_group: usize) -> Result<Self, ColumnarError> {
        let rows_per_group = rows_per_group.max(1);
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_size(rows_per_group)
            .build();
        let writer = ArrowWriter::try_new(out, builder.schema(), Some(props))?;
        Ok(ParquetSink {
            builder,
            writer,
            rows_per_group,
            rows: 0,
        })
    }

    /// Appends through the builder (`f` appends one row, or several), then
    /// writes a row group when one is full.
    pub fn append_with(&mut self, f: impl FnOnce(&mut B)) -> Result<(), ColumnarError> {
        f(&mut self.builder);
        if self.builder.len() >= self.rows_per_group
            || self.builder.text_bytes() >= MAX_GROUP_TEXT_BYTES
        {
            self.write_group()?;
        }
        Ok(())
    }

    fn write_group(&mut self) -> Result<(), ColumnarError> {
        if self.builder.is_empty() {
            return Ok(());
        }
        let batch = self.builder.finish()?;
        self.rows += batch.num_rows() as u64;
        self.writer.write(&batch)?;
        self.writer.flush()?;
        Ok(())
    }

    /// Writes the last row group and the footer; returns the output and
    /// the number of rows written.
    pub fn close(mut self) -> Result<(W, u64), ColumnarError> {
        self.write_group()?;
        let out = self.writer.into_inner()?;
        Ok((out, self.rows))
    }
}
