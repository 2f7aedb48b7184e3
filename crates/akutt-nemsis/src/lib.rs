//! NEMSIS v3.5 (the US National EMS Information System) for the Akutt benchmark: a
//! streaming, bounded reader of EMSDataSet files into [`PcrRecord`]s and the NEMSIS case
//! definitions (STEMI, stroke, cardiac arrest).
//!
//! Invariants: no I/O beyond the reader it is given; never panics on input; no patient
//! identity (name, SSN, address, birth date) is ever read into a record.

pub mod cases;
pub mod fuzzing;
pub mod reader;
pub mod record;

pub use cases::Condition;
pub use reader::{parse_time, read, read_all, Limits, Summary, NAMESPACE};
pub use record::{Instant, PcrRecord, Times};
