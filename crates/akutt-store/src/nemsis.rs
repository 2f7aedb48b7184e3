//! Reads the stored NEMSIS records visible at a data version back into
//! `akutt_nemsis::PcrRecord`s, a re-sent record (same agency + UUID) replacing the earlier one.

use std::collections::HashMap;
use std::fs::File;

use akutt_nemsis::PcrRecord;
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::Array;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::catalog::Catalog;
use crate::layout::DataDir;
use crate::tables::{InstantColumn, NEMSIS_TABLE};
use crate::{io_err, Result, StoreError};

/// The NEMSIS records visible at `as_of` (latest when `None`), one per agency + UUID (the
/// latest submission's), in submission and file order; and that data version.
pub fn load_nemsis(
    data: &DataDir,
    catalog: &Catalog,
    as_of: Option<i64>,
) -> Result<(Vec<PcrRecord>, i64)> {
    let version = match as_of {
        Some(v) => v,
        None => catalog.latest_data_version()?,
    };
    let mut records: Vec<PcrRecord> = Vec::new();
    let mut at: HashMap<(Option<String>, String), usize> = HashMap::new();
    for sub in catalog.nemsis_visible_at(Some(version))? {
        let Some(dir) = sub.store_dir.as_deref() else { continue };
        let path = data.store_dir(dir).join(format!("{NEMSIS_TABLE}.parquet"));
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
            let (agency, uuid) = (s("agency")?, s("uuid")?);
            let texts: Vec<_> = [
                "pcr_number",
                "incident_number",
                "response_number",
                "type_of_service",
                "unit_capability",
                "response_mode",
                "unit_disposition",
                "arrest",
                "arrest_etiology",
            ]
            .iter()
            .map(|n| s(n))
            .collect::<Result<_>>()?;
            let lists: Vec<_> =
                ["symptoms_impressions", "ecg", "stroke_scale", "protocols", "team_activation"]
                    .iter()
                    .map(|n| s(n))
                    .collect::<Result<_>>()?;
            let times: Vec<_> = [
                "psap_call_at",
                "unit_notified_at",
                "en_route_at",
                "on_scene_at",
                "at_patient_at",
                "left_scene_at",
                "at_destination_at",
                "back_in_service_at",
            ]
            .iter()
            .map(|n| ts(n))
            .collect::<Result<_>>()?;
            for i in 0..batch.num_rows() {
                let opt =
                    |a: &arrow_array::StringArray| (!a.is_null(i)).then(|| a.value(i).to_string());
                let list = |a: &arrow_array::StringArray| {
                    if a.is_null(i) {
                        Vec::new()
                    } else {
                        a.value(i)
                            .split(' ')
                            .filter(|c| !c.is_empty())
                            .map(str::to_string)
                            .collect()
                    }
                };
                let t = |k: usize| times[k].get(i);
                let mut r = PcrRecord {
                    uuid: uuid.value(i).to_string(),
                    line: line.value(i).max(0).unsigned_abs(),
                    agency: opt(agency),
                    pcr_number: opt(texts[0]),
                    incident_number: opt(texts[1]),
                    response_number: opt(texts[2]),
                    type_of_service: opt(texts[3]),
                    unit_capability: opt(texts[4]),
                    response_mode: opt(texts[5]),
                    unit_disposition: opt(texts[6]),
                    arrest: opt(texts[7]),
                    arrest_etiology: opt(texts[8]),
                    symptoms_impressions: list(lists[0]),
                    ecg: list(lists[1]),
                    stroke_scale: list(lists[2]),
                    protocols: list(lists[3]),
                    team_activation: list(lists[4]),
                    ..PcrRecord::default()
                };
                for (k, (name, _)) in r.times.clone().in_order().iter().enumerate() {
                    r.times.set(name, t(k));
                }
                let key = (r.agency.clone(), r.uuid.clone());
                match at.get(&key) {
                    Some(&j) => records[j] = r,
                    None => {
                        at.insert(key, records.len());
                        records.push(r);
                    }
                }
            }
        }
    }
    Ok((records, version))
}
