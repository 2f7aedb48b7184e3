//! Reads the stored 113 calls (DOMAIN.md §11) visible at a data version back into
//! `akutt_model::CallRecord`s: the current call log of each centre and period.

use std::fs::File;

use akutt_model::call::{CallRecord, Outcome};
use akutt_model::Linje;
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::Array;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::catalog::Catalog;
use crate::layout::DataDir;
use crate::tables::{InstantColumn, CALL_TABLE};
use crate::{io_err, Result, StoreError};

/// A stored call and the centre whose log it came from (the receiving centre).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCall {
    pub centre: String,
    pub call: CallRecord,
}

/// The calls visible at `as_of` (latest when `None`), in submission and file order; and that
/// data version.
pub fn load_calls(
    data: &DataDir,
    catalog: &Catalog,
    as_of: Option<i64>,
) -> Result<(Vec<StoredCall>, i64)> {
    let version = match as_of {
        Some(v) => v,
        None => catalog.latest_data_version()?,
    };
    let mut out = Vec::new();
    for sub in catalog.calls_visible_at(Some(version))? {
        let Some(dir) = sub.store_dir.as_deref() else { continue };
        let path = data.store_dir(dir).join(format!("{CALL_TABLE}.parquet"));
        let file = File::open(&path).map_err(io_err(&path))?;
        let reader =
            ParquetRecordBatchReaderBuilder::try_new(file)?.with_batch_size(16 * 1024).build()?;
        for batch in reader {
            let batch = batch?;
            let col = |n: &str| {
                batch.column_by_name(n).ok_or_else(|| {
                    StoreError::Invalid(format!("{}: column {n} missing", path.display()))
                })
            };
            let wrong = |n: &str, what: &str| {
                StoreError::Invalid(format!("{}: column {n} is not {what}", path.display()))
            };
            let s = |n: &str| {
                col(n).and_then(|a| a.as_string_opt::<i32>().ok_or_else(|| wrong(n, "text")))
            };
            let ts = |n: &str| {
                col(n).and_then(|a| {
                    InstantColumn::new(a.as_ref()).ok_or_else(|| wrong(n, "a timestamp"))
                })
            };
            let line = col("source_line")?
                .as_primitive_opt::<Int64Type>()
                .ok_or_else(|| wrong("source_line", "a 64-bit integer"))?;
            let (centre, id, queue, linje, outcome, moved_to, contact) = (
                s("centre")?,
                s("call_id")?,
                s("queue")?,
                s("linje")?,
                s("outcome")?,
                s("moved_to")?,
                s("contact_id")?,
            );
            let (received, answered, ended) =
                (ts("received_at")?, ts("answered_at")?, ts("ended_at")?);
            for i in 0..batch.num_rows() {
                let opt =
                    |a: &arrow_array::StringArray| (!a.is_null(i)).then(|| a.value(i).to_string());
                let bad =
                    |n: &str| StoreError::Invalid(format!("{}: row {i}: {n}", path.display()));
                let call = CallRecord {
                    line: line.value(i).max(0).unsigned_abs(),
                    id: id.value(i).to_string(),
                    queue: queue.value(i).to_string(),
                    linje: Linje::parse(linje.value(i)).ok_or_else(|| bad("linje"))?,
                    received: received.get(i).ok_or_else(|| bad("received_at"))?,
                    answered: answered.get(i),
                    ended: ended.get(i).ok_or_else(|| bad("ended_at"))?,
                    outcome: Outcome::parse(outcome.value(i)).ok_or_else(|| bad("outcome"))?,
                    moved_to: opt(moved_to),
                    contact: opt(contact),
                };
                out.push(StoredCall { centre: centre.value(i).to_string(), call });
            }
        }
    }
    Ok((out, version))
}

/// The calls visible at `as_of` as the facts of `answer_time` (DOMAIN.md §11); with a keyer,
/// each carries its record key (centre and `Anrops-ID`) for disclosure control.
pub fn load_call_facts(
    data: &DataDir,
    catalog: &Catalog,
    as_of: Option<i64>,
    keyer: Option<&akutt_disclosure::RecordKeyer>,
) -> Result<(Vec<akutt_indicators::calls::CallFact>, i64)> {
    let (calls, version) = load_calls(data, catalog, as_of)?;
    let facts = calls
        .iter()
        .filter_map(|s| {
            let key = keyer.map_or(akutt_disclosure::RecordKey::default(), |k| {
                k.unit(akutt_disclosure::Unit::Call, &[&s.centre, &s.call.id])
            });
            akutt_indicators::calls::CallFact::of(&s.centre, &s.call, key)
        })
        .collect();
    Ok((facts, version))
}
