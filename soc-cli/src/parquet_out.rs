//! `--format parquet -o FILE`: the rows of `soc ssh`, `soc eve`,
//! `soc alerts`, `soc iocs` and `soc enrich` as a Parquet file of soc's
//! columnar schemas (see `soc_core::columnar`), written in row groups as
//! they come (bounded memory), to `FILE.partial` renamed to `FILE` once
//! complete.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use arrow_array::builder::{Int32Builder, ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use serde_json::Value;
use soc_core::columnar::{
    BatchBuilder, BatchCounts, ColumnarError, ParquetSink, DEFAULT_ROWS_PER_GROUP,
};

use crate::cmd::UsageError;
use crate::output::Format;

/// `--format` of the commands that also write Parquet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for people (default on a terminal).
    Table,
    /// One JSON array.
    Json,
    /// One JSON object per line (default when piped).
    Jsonl,
    /// CSV with a header row.
    Csv,
    /// A Parquet file (needs `-o FILE`).
    Parquet,
}

/// `--format` and `-o`.
#[derive(Debug, Clone, clap::Args)]
pub struct OutputArgs {
    /// Output format (default: table on a terminal, jsonl otherwise;
    /// `parquet` writes the file given with `-o`).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Output file, for `--format parquet`.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl OutputArgs {
    /// The Parquet file to write, when `--format parquet`; a usage error
    /// when `-o` is missing, or given without `--format parquet`.
    pub fn parquet(&self) -> anyhow::Result<Option<&Path>> {
        match (self.format, &self.output) {
            (Some(OutputFormat::Parquet), Some(p)) => Ok(Some(p)),
            (Some(OutputFormat::Parquet), None) => {
                Err(UsageError("--format parquet needs -o FILE".into()).into())
            }
            (_, Some(_)) => Err(UsageError(
                "-o is for --format parquet; redirect standard output for the other formats".into(),
            )
            .into()),
            (_, None) => Ok(None),
        }
    }

    /// The row format (`None` asks for the default).
    pub fn rows(&self) -> Option<Format> {
        match self.format? {
            OutputFormat::Table => Some(Format::Table),
            OutputFormat::Json => Some(Format::Json),
            OutputFormat::Jsonl => Some(Format::Jsonl),
            OutputFormat::Csv => Some(Format::Csv),
            OutputFormat::Parquet => None,
        }
    }
}

/// A Parquet file being written through a batch builder.
pub struct ParquetOut<B: BatchBuilder> {
    sink: ParquetSink<B, BufWriter<File>>,
    partial: PathBuf,
    path: PathBuf,
}

impl<B: BatchBuilder> ParquetOut<B> {
    /// Starts writing `path` (as `path.partial` until [`finish`](Self::finish)).
    pub fn create(path: &Path, builder: B) -> anyhow::Result<Self> {
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        let file = File::create(&partial)
            .map_err(|e| UsageError(format!("{}: cannot create: {e}", partial.display())))?;
        let sink = ParquetSink::new(BufWriter::new(file), builder, DEFAULT_ROWS_PER_GROUP)?;
        Ok(ParquetOut {
            sink,
            partial,
            path: path.to_path_buf(),
        })
    }

    /// Appends through the builder.
    pub fn append(&mut self, f: impl FnOnce(&mut B)) -> anyhow::Result<()> {
        self.sink.append_with(f).map_err(anyhow::Error::from)
    }

    /// Writes the last row group and the footer, renames the file into
    /// place and says how many rows it has on standard error.
    pub fn finish(self) -> anyhow::Result<u64> {
        let (out, rows) = self.sink.close()?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()
            .with_context(|| format!("writing {}", self.partial.display()))?;
        std::fs::rename(&self.partial, &self.path)
            .with_context(|| format!("renaming to {}", self.path.display()))?;
        crate::esay!("soc: wrote {rows} rows to {}", self.path.display());
        Ok(rows)
    }
}

/// The `soc.enrichments` schema of `soc enrich --format parquet`: the
/// row `soc enrich` prints, with the per-provider summaries, enrichments
/// and errors as JSON text.
fn enrichment_schema() -> SchemaRef {
    let meta = std::collections::HashMap::from([
        ("soc.schema".to_string(), "soc.enrichments".to_string()),
        (
            "soc.schema_version".to_string(),
            soc_core::columnar::SCHEMA_VERSION.to_string(),
        ),
    ]);
    let s = |n: &str, null| Field::new(n, DataType::Utf8, null);
    Arc::new(
        Schema::new(vec![
            s("indicator", false),
            s("kind", false),
            s("verdict", false),
            Field::new("score", DataType::Int32, false),
            s("country", true),
            s("as_owner", true),
            Field::new(
                "tags",
                DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
                false,
            ),
            s("providers", false),
            s("enrichments", false),
            s("errors", true),
        ])
        .with_metadata(meta),
    )
}

/// Builds `soc.enrichments` batches from the rows `soc enrich` prints.
pub struct EnrichmentRows {
    counts: BatchCounts,
    providers: Vec<String>,
    text: [StringBuilder; 5],
    score: Int32Builder,
    tags: ListBuilder<StringBuilder>,
    json: [StringBuilder; 3],
}

impl EnrichmentRows {
    /// A builder; `providers` are the per-provider columns of the rows.
    pub fn new(providers: &[String]) -> Self {
        EnrichmentRows {
            counts: BatchCounts::new(enrichment_schema()),
            providers: providers.to_vec(),
            text: Default::default(),
            score: Int32Builder::new(),
            tags: ListBuilder::new(StringBuilder::new()),
            json: Default::default(),
        }
    }

    /// Appends one row as `soc enrich` builds it.
    pub fn append(&mut self, row: &Value) {
        let get = |k: &str| row.get(k).and_then(Value::as_str);
        for (b, k) in self.text.iter_mut().zip(["indicator", "kind", "verdict"]) {
            b.append_value(get(k).unwrap_or_default());
        }
        for (b, k) in self.text[3..].iter_mut().zip(["country", "as_owner"]) {
            b.append_option(get(k));
        }
        let score = row.get("score").and_then(Value::as_i64).unwrap_or(0);
        self.score
            .append_value(i32::try_from(score).unwrap_or(i32::MAX));
        let tags = row.get("tags").and_then(Value::as_array);
        self.tags
            .append_value(tags.into_iter().flatten().map(Value::as_str));
        let providers: serde_json::Map<String, Value> = self
            .providers
            .iter()
            .filter_map(|p| Some((p.clone(), row.get(p)?.clone())))
            .collect();
        let texts = [
            Some(Value::Object(providers).to_string()),
            Some(row.get("enrichments").unwrap_or(&Value::Null).to_string()),
            row.get("errors").map(Value::to_string),
        ];
        for (b, t) in self.json.iter_mut().zip(texts) {
            self.counts.add_text(t.as_ref().map_or(0, String::len));
            b.append_option(t);
        }
        self.counts.add_row(0);
    }
}

impl BatchBuilder for EnrichmentRows {
    fn counts(&self) -> &BatchCounts {
        &self.counts
    }

    fn finish(&mut self) -> Result<RecordBatch, ColumnarError> {
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(10);
        for b in &mut self.text {
            columns.push(Arc::new(b.finish()));
        }
        columns.insert(3, Arc::new(self.score.finish()));
        columns.push(Arc::new(self.tags.finish()));
        for b in &mut self.json {
            columns.push(Arc::new(b.finish()));
        }
        self.counts.batch(columns)
    }
}

/// Writes `alerts` to the Parquet file `path`.
pub fn write_alerts(path: &Path, alerts: &[soc_core::Alert]) -> anyhow::Result<u64> {
    let mut out = ParquetOut::create(path, soc_core::columnar::AlertBatchBuilder::new())?;
    for a in alerts {
        out.append(|b| b.append(a))?;
    }
    out.finish()
}
