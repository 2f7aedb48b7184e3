//! Domain model of the Akutt registry: incidents, contacts, patients, actions, the national
//! code lists (DOMAIN.md §3–§4), findings with stable rule codes (§6) and Oslo time handling.
//!
//! Invariant: this crate does no I/O. It knows nothing of CSV, Parquet, SQL or HTTP.

pub mod call;
pub mod centre;
pub mod centre_area;
pub mod codes;
pub mod finding;
pub mod fnr;
pub mod month;
pub mod municipality;
pub mod record;
pub mod time;

pub use call::{CallRecord, Outcome};
pub use centre::Centre;
pub use codes::{
    CodeList, Hastegrad, Hendelsestype, Innringer, Kjonn, Linje, Sambandsvei, Sted, Tiltak,
};
pub use finding::{Finding, RuleCode, Severity};
pub use month::{Month, MonthError, MonthRange, ReversedRange};
pub use record::{Action, Contact, Incident, Patient, UNKNOWN_AMBULANCE};
pub use time::{Instant, LocalResolution};
