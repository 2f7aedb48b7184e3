//! The ingest pipeline: a centre extract is scanned, folded into incidents, validated
//! against DOMAIN.md §6, pseudonymised (§9) and stored as a new submission version, and the
//! centre gets a data-quality report (§6, last paragraph).

mod archive;
mod calls;
pub mod fuzzing;
mod municipalities;
mod nemsis;
mod pipeline;
mod population;
mod report;

pub use calls::call_log_centre;
pub use municipalities::{
    check_boundaries, check_municipality_file, load_boundaries, load_centre_areas,
    load_municipality_file, Boundaries,
};
pub use pipeline::{ingest, load_mappings, FileKind, IngestError, IngestOutcome};
pub use population::{check_population, load_population, parse_population};
pub use report::{Counts, FindingOut, Period, Report, SubmissionOut, MAX_LISTED_FINDINGS};
