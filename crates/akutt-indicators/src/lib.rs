//! The national indicators of DOMAIN.md §7–§8 as pure code: per-incident [`facts`],
//! exact nearest-rank [`percentile`]s, and [`compute`] over any filter and grouping.
//!
//! Invariant: no I/O. The store turns its columns into [`compute::Row`]s; tests build them
//! from incidents with [`compute::Dataset::push_incident`], through the same [`facts`].

pub mod compute;
pub mod disclosure;
pub mod facts;
pub mod indicator;
pub mod percentile;
pub mod request;

pub use compute::{
    compute, Dataset, Dict, Figure, GroupValue, Key, Population, Query, Row, Values,
};
pub use facts::{facts, Facts};
pub use indicator::Indicator;
pub use request::{Param, RawRequest, Request, RequestError};
