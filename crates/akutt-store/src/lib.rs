//! Storage of the registry: accepted records as Parquet files (readable as they are by
//! DuckDB, pandas, R and Spark), a transactional SQLite catalog of submissions and their
//! versions, and the pseudonymisation key kept outside the data directory.
//!
//! Invariants:
//! - A version's files are written under `tmp/`, synced, and renamed into `store/` before
//!   the catalog transaction that makes them visible; readers find files only through the
//!   catalog. A crash at any moment leaves the old or the new version visible, never a mix.
//! - Nothing here ever receives a clear fødselsnummer: patients arrive pseudonymised.

pub mod calls;
pub mod catalog;
pub mod compact;
pub mod facts;
pub mod key;
pub mod layout;
pub mod nemsis;
pub mod private;
pub mod releases;
pub mod tables;

pub use catalog::{
    AuditEntry, Catalog, DataVersion, MappingVersion, MunicipalityFile, NewAudit, Submission,
    SubmissionStatus, UserRow, KIND_AMK, KIND_ANROP, KIND_NEMSIS,
};
pub use layout::DataDir;
pub use tables::{CallWriter, NemsisWriter, TableSet, CALL_TABLE, NEMSIS_TABLE, TABLES};

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}")]
    Io { path: String, source: std::io::Error },
    #[error("catalog")]
    Catalog(#[from] rusqlite::Error),
    #[error("parquet")]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error("arrow")]
    Arrow(#[from] arrow_schema::ArrowError),
    #[error("pseudonymisation key: {0}")]
    Key(String),
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub(crate) fn io_err(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io { path: path.display().to_string(), source }
}
