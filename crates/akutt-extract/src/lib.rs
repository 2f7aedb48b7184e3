//! Reader of import format v1 (DOMAIN.md §5): the centre extract as CSV.
//!
//! Reading is two streaming passes over the file, so memory stays bounded by the number of
//! incidents open at once, whatever the file size or row order:
//! 1. [`scan`] hashes the bytes (SHA-256), detects the encoding (UTF-8 with or without BOM,
//!    else Windows-1252), matches the header, checks the file-level rules F001–F004 and
//!    notes the last row of every incident.
//! 2. [`fold`] reads the rows again and hands each incident over, with all its rows, as soon
//!    as its last row has been read.
//!
//! This crate decides file-level validity only; everything about the values of an incident
//! is the job of `akutt-rules`.

mod columns;
mod reader;

pub use columns::{Column, Level};
pub use reader::{
    decode_text, fold, scan, scan_and_fold, scan_head, Encoding, Event, Folded, Header,
    RawIncident, RawRow, Scan, SubmissionInfo,
};
