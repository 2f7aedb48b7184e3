//! The national indicators of DOMAIN.md §7–§8 as pure code: per-incident [`facts`],
//! exact nearest-rank [`percentile`]s, [`compute`] over any filter and grouping, and
//! [`disclosure::publish`], the one way a figure becomes public (DOMAIN.md §9), and the
//! programme's [`analysis`] (§13) on top of them.
//!
//! Invariant: no I/O. The store turns its columns into [`compute::Row`]s; tests build them
//! from incidents with [`compute::Dataset::push_incident`], through the same [`facts`].

pub mod analysis;
pub mod calls;
pub mod compute;
pub mod disclosure;
pub mod facts;
pub mod geography;
pub mod indicator;
pub mod percentile;
pub mod request;

pub use compute::{
    compute, compute_answer, finish_streams, Computed, Dataset, Dict, Figure, GroupValue, Key,
    MissionTime, Population, Query, Row, RowKeys, Stream, Values,
};
pub use disclosure::{publish, PublicFigure, PublicValues};
pub use facts::{facts, Facts};
pub use geography::{Places, SplitNote, UnknownStructure};
pub use indicator::Indicator;
pub use request::{Param, RawRequest, Request, RequestError};
