//! [`ColumnarError`], the columnar layer's one error type (a leaf: the
//! builders, the reader and the Parquet sink use it).

/// Errors of the columnar layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ColumnarError {
    /// Arrow refused a batch (a bug in a builder, or a malformed input batch).
    #[error("arrow: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    /// Writing Parquet failed.
    #[cfg(feature = "parquet")]
    #[error("parquet: {0}")]
    Parquet(#[from] ::parquet::errors::ParquetError),
    /// An input batch lacks a required column.
    #[error("the batch has no column {column:?}")]
    MissingColumn {
        /// The column.
        column: String,
    },
    /// An input column has a type soc cannot read.
    #[error("column {column:?} is {found}, expected {expected}")]
    ColumnType {
        /// The column.
        column: String,
        /// Its type.
        found: String,
        /// What soc reads there.
        expected: String,
    },
    /// A value in an input batch is invalid.
    #[error("column {column:?} row {row}: {reason}")]
    BadValue {
        /// The column.
        column: String,
        /// 0-based row.
        row: usize,
        /// What is wrong.
        reason: String,
    },
}
