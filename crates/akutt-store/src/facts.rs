//! Reads the indicator facts of the stored incidents and actions (the columns written from
//! `akutt_indicators::facts` at ingest) into an `akutt_indicators::Dataset`, for the
//! submissions visible at a data version.

use std::collections::HashMap;
use std::fs::File;

use akutt_disclosure::{IncidentKeys, Part, RecordKeyer};
use akutt_indicators::{Dataset, MissionTime, Row, RowKeys};
use akutt_model::{Hastegrad, Hendelsestype, Month, Sambandsvei};
use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;

use crate::catalog::Catalog;
use crate::layout::DataDir;
use crate::{io_err, Result, StoreError};

const INCIDENT_FIELDS: &[&str] = &[
    "centre",
    "incident_id",
    "t0_month",
    "pickup_municipality",
    "urgency",
    "hendelsestype",
    "first_channel",
    "urban",
    "prebooked",
    "n_contacts",
    "n_missions",
    "n_road_missions",
    "n_air_missions",
    "n_ambulance_actions",
    "reaction_s",
    "response_s",
    "alert_to_arrival_s",
];
const ACTION_FIELDS: &[&str] = &["incident_id", "is_mission", "mission_time_s"];

fn opt_s(a: &arrow_array::StringArray, i: usize) -> Option<&str> {
    (!a.is_null(i)).then(|| a.value(i))
}

fn read(path: &std::path::Path, fields: &[&str]) -> Result<Vec<RecordBatch>> {
    let file = File::open(path).map_err(io_err(path))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)?;
    let mask = ProjectionMask::columns(builder.parquet_schema(), fields.iter().copied());
    let reader = builder.with_projection(mask).with_batch_size(64 * 1024).build()?;
    Ok(reader.collect::<std::result::Result<Vec<_>, _>>()?)
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a dyn Array> {
    batch.column_by_name(name).map(|a| a.as_ref()).ok_or_else(|| StoreError::Invalid(format!("column {name} missing: ingested before indicator facts were stored? Re-ingest the file.")))
}

/// The dataset of the submissions visible at `as_of` (latest when `None`), and that data
/// version. With a keyer (derived from the registry's secret) every row carries the record
/// keys of the cell-key method (DOMAIN.md §9) and the dataset may be published; without one
/// (exact figures for the CLI and the restricted area) it may not.
pub fn load_dataset(
    data: &DataDir,
    catalog: &Catalog,
    as_of: Option<i64>,
    keyer: Option<&RecordKeyer>,
) -> Result<(Dataset, i64)> {
    let version = match as_of {
        Some(v) => v,
        None => catalog.latest_data_version()?,
    };
    let mut out = Dataset {
        keyed: keyer.is_some(),
        register: Some(std::sync::Arc::new(catalog.register_at(version)?)),
        ..Dataset::default()
    };
    for sub in catalog.visible_at(Some(version))? {
        let Some(dir) = sub.store_dir.as_deref() else { continue };
        let dir = data.store_dir(dir);
        // Row of each incident id, and its missions seen so far (the k-th mission's key).
        let mut index: HashMap<String, (u32, u32, Option<IncidentKeys>)> = HashMap::new();
        for batch in read(&dir.join("incidents.parquet"), INCIDENT_FIELDS)? {
            let s = |n: &str| column(&batch, n).map(|a| a.as_string::<i32>());
            let i32s = |n: &str| column(&batch, n).map(|a| a.as_primitive::<Int32Type>());
            let i64s = |n: &str| column(&batch, n).map(|a| a.as_primitive::<Int64Type>());
            let b = |n: &str| column(&batch, n).map(|a| a.as_boolean());
            let (centre, id, month, kommune, urgency, typ, channel) = (
                s("centre")?,
                s("incident_id")?,
                i32s("t0_month")?,
                s("pickup_municipality")?,
                s("urgency")?,
                s("hendelsestype")?,
                s("first_channel")?,
            );
            let (urban, prebooked) = (b("urban")?, b("prebooked")?);
            let (contacts, missions, road, air, amb) = (
                i32s("n_contacts")?,
                i32s("n_missions")?,
                i32s("n_road_missions")?,
                i32s("n_air_missions")?,
                i32s("n_ambulance_actions")?,
            );
            let (reaction, response, alert) =
                (i64s("reaction_s")?, i64s("response_s")?, i64s("alert_to_arrival_s")?);
            let opt_i64 =
                |a: &arrow_array::Int64Array, i: usize| (!a.is_null(i)).then(|| a.value(i));
            let count = |a: &arrow_array::Int32Array, i: usize| {
                if a.is_null(i) {
                    0
                } else {
                    a.value(i).max(0).unsigned_abs()
                }
            };
            for i in 0..batch.num_rows() {
                let (n_contacts, n_missions, n_road, n_air) =
                    (count(contacts, i), count(missions, i), count(road, i), count(air, i));
                let incident_keys = keyer.map(|k| k.incident(centre.value(i), id.value(i)));
                let keys = incident_keys.as_ref().map_or_else(RowKeys::default, |k| {
                    RowKeys::from_incident(k, n_contacts, n_missions, n_road, n_air)
                });
                let row = Row {
                    centre: out.dict.centre(centre.value(i)),
                    month: (!month.is_null(i)).then(|| month.value(i)).and_then(Month::from_yyyymm),
                    kommune: out.dict.kommune(opt_s(kommune, i)),
                    urgency: opt_s(urgency, i).and_then(Hastegrad::parse),
                    hendelsestype: opt_s(typ, i).and_then(Hendelsestype::parse),
                    sambandsvei: opt_s(channel, i).and_then(Sambandsvei::parse),
                    urban: (!urban.is_null(i)).then(|| urban.value(i)),
                    prebooked: !prebooked.is_null(i) && prebooked.value(i),
                    contacts: n_contacts,
                    missions: n_missions,
                    road_missions: n_road,
                    air_missions: n_air,
                    ambulance_actions: count(amb, i),
                    reaction_s: opt_i64(reaction, i),
                    response_s: opt_i64(response, i),
                    alert_to_arrival_s: opt_i64(alert, i),
                    keys,
                };
                let at = out.push_row(row);
                index.insert(id.value(i).to_string(), (at, 0, incident_keys));
            }
        }
        for batch in read(&dir.join("actions.parquet"), ACTION_FIELDS)? {
            let id = column(&batch, "incident_id")?.as_string::<i32>();
            let is_mission = column(&batch, "is_mission")?.as_boolean();
            let time = column(&batch, "mission_time_s")?.as_primitive::<Int64Type>();
            for i in 0..batch.num_rows() {
                if is_mission.is_null(i) || !is_mission.value(i) {
                    continue;
                }
                if let Some((row, seen, keys)) = index.get_mut(id.value(i)) {
                    // The k-th mission in the order of the extract, as `push_incident` counts.
                    let key = keys.map_or_else(Default::default, |k| k.part(Part::Mission, *seen));
                    *seen += 1;
                    out.mission_times.push(MissionTime {
                        row: *row,
                        time_s: (!time.is_null(i)).then(|| time.value(i)),
                        key,
                    });
                }
            }
        }
    }
    Ok((out, version))
}

/// The Norwegian side of the NEMSIS benchmark: per incident the facts the common set needs
/// and its patients' index criteria, for the submissions visible at `as_of`; with a keyer,
/// each incident's record key (the indicators' own).
pub fn load_benchmark_incidents(
    data: &DataDir,
    catalog: &Catalog,
    as_of: Option<i64>,
    keyer: Option<&RecordKeyer>,
) -> Result<(Vec<akutt_benchmark::NoIncident>, i64)> {
    const FIELDS: &[&str] = &[
        "centre",
        "incident_id",
        "t0_month",
        "urgency",
        "hendelsestype",
        "first_channel",
        "prebooked",
        "n_ambulance_actions",
        "response_s",
        "alert_to_arrival_s",
    ];
    let version = match as_of {
        Some(v) => v,
        None => catalog.latest_data_version()?,
    };
    let mut out = Vec::new();
    for sub in catalog.visible_at(Some(version))? {
        let Some(dir) = sub.store_dir.as_deref() else { continue };
        let dir = data.store_dir(dir);
        let mut index: HashMap<String, usize> = HashMap::new();
        for batch in read(&dir.join("incidents.parquet"), FIELDS)? {
            let s = |n: &str| column(&batch, n).map(|a| a.as_string::<i32>());
            let (centre, id, urgency, typ, channel) = (
                s("centre")?,
                s("incident_id")?,
                s("urgency")?,
                s("hendelsestype")?,
                s("first_channel")?,
            );
            let month = column(&batch, "t0_month")?.as_primitive::<Int32Type>();
            let amb = column(&batch, "n_ambulance_actions")?.as_primitive::<Int32Type>();
            let prebooked = column(&batch, "prebooked")?.as_boolean();
            let (response, alert) = (
                column(&batch, "response_s")?.as_primitive::<Int64Type>(),
                column(&batch, "alert_to_arrival_s")?.as_primitive::<Int64Type>(),
            );
            for i in 0..batch.num_rows() {
                let ambulance_actions =
                    if amb.is_null(i) { 0 } else { amb.value(i).max(0).unsigned_abs() };
                let hendelsestype = opt_s(typ, i).and_then(Hendelsestype::parse);
                index.insert(id.value(i).to_string(), out.len());
                out.push(akutt_benchmark::NoIncident {
                    centre: centre.value(i).to_string(),
                    month: (!month.is_null(i)).then(|| month.value(i)).and_then(Month::from_yyyymm),
                    urgency: opt_s(urgency, i).and_then(Hastegrad::parse),
                    prebooked: !prebooked.is_null(i) && prebooked.value(i),
                    misdial: akutt_indicators::facts::is_misdial(hendelsestype),
                    reported: akutt_indicators::facts::is_reported(
                        opt_s(channel, i).and_then(Sambandsvei::parse),
                        ambulance_actions,
                    ),
                    response_s: (!response.is_null(i)).then(|| response.value(i)),
                    alert_to_arrival_s: (!alert.is_null(i)).then(|| alert.value(i)),
                    criteria: Vec::new(),
                    key: keyer.map_or_else(Default::default, |k| {
                        k.incident(centre.value(i), id.value(i)).key
                    }),
                });
            }
        }
        for batch in read(&dir.join("patients.parquet"), &["incident_id", "criterion"])? {
            let id = column(&batch, "incident_id")?.as_string::<i32>();
            let criterion = column(&batch, "criterion")?.as_string::<i32>();
            for i in 0..batch.num_rows() {
                if let (Some(&at), Some(c)) = (index.get(id.value(i)), opt_s(criterion, i)) {
                    out[at].criteria.push(c.to_string());
                }
            }
        }
    }
    Ok((out, version))
}

/// The benchmark's condition table: `DATA/benchmark-conditions.csv` when a registry user has
/// put one there (edited from `akutt benchmark --print-conditions`), else the default.
pub fn condition_table(data: &DataDir) -> Result<akutt_benchmark::ConditionTable> {
    let path = data.root().join("benchmark-conditions.csv");
    match std::fs::read_to_string(&path) {
        Ok(text) => akutt_benchmark::ConditionTable::parse(&text)
            .map_err(|e| StoreError::Invalid(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok(akutt_benchmark::ConditionTable::default_table())
        }
        Err(e) => Err(io_err(&path)(e)),
    }
}
