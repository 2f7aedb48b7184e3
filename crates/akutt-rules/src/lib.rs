//! Validation of folded extract rows into incidents (DOMAIN.md §6), mapping of local codes to
//! national ones (§4–§5), and pseudonymisation of the fødselsnummer (§9).
//!
//! Invariant: no I/O. Mapping tables arrive as text, keys as bytes; findings are returned,
//! never printed or thrown.

pub mod fnr;
pub mod mapping;
pub mod validate;

pub use fnr::{is_valid_fnr, Pseudonymiser};
pub use mapping::{MappingEntry, MappingError, MappingTable};
pub use validate::{
    missing_incident_id, reporting_period, validate, Context, MappingStats, Outcome, MASKED,
};
