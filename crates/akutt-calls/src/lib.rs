//! The 113 switchboard call log, import format `anrop` v1 (DOMAIN.md §11): recognising a
//! call log by its header, reading it (UTF-8 with or without BOM, or Windows-1252), and the
//! rules of §11 per call. An error rejects the call, not the file; a file-level finding
//! (F001–F004) rejects the file. Pure: reads what it is given, stores nothing.

mod columns;
pub mod fuzzing;
mod reader;

pub use columns::CallColumn;
pub use reader::{looks_like_call_log, read, CallLog};
