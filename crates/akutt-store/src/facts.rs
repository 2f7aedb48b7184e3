//! Reads the indicator facts of the stored incidents and actions (the columns written from
//! `akutt_indicators::facts` at ingest) into an `akutt_indicators::Dataset`, for the
//! submissions visible at a data version.

use std::collections::HashMap;
use std::fs::File;

use akutt_disclosure::{IncidentKeys, Part, RecordKeyer};
use akutt_indicators::{Dataset, MissionTime, Row, RowKeys};
use akutt_model::{Hastegrad, Hendelsestype, Innringer, Month, MonthRange, Sambandsvei, Sted};
use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;

use crate::catalog::Catalog;
use crate::compact;
use crate::layout::DataDir;
use crate::{io_err, Result, StoreError};

pub(crate) const INCIDENT_FIELDS: &[&str] = &[
    "centre",
    "incident_id",
    "t0_month",
    "pickup_municipality",
    "urgency",
    "hendelsestype",
    "first_channel",
    "first_caller",
    "pickup_place",
    "t0",
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
pub(crate) const PATIENT_FIELDS: &[&str] = &["incident_id", "urgency", "criterion"];
pub(crate) const ACTION_FIELDS: &[&str] =
    &["incident_id", "is_mission", "mission_time_s", "alerted_at", "delivery_place", "tiltak"];

pub(crate) fn opt_s(a: &arrow_array::StringArray, i: usize) -> Option<&str> {
    (!a.is_null(i)).then(|| a.value(i))
}

pub(crate) fn read(path: &std::path::Path, fields: &[&str]) -> Result<Vec<RecordBatch>> {
    let file = File::open(path).map_err(io_err(path))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)?;
    let mask = ProjectionMask::columns(builder.parquet_schema(), fields.iter().copied());
    let reader = builder.with_projection(mask).with_batch_size(64 * 1024).build()?;
    Ok(reader.collect::<std::result::Result<Vec<_>, _>>()?)
}

pub(crate) fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a dyn Array> {
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
    load_dataset_months(data, catalog, as_of, keyer, None)
}

/// [`load_dataset`] of the submissions with incidents in `months` only (all when `None`):
/// a question reads what it needs, not the archive. Rows of other months that those
/// submissions hold are loaded too (a submission is read whole); the engine selects by month.
pub fn load_dataset_months(
    data: &DataDir,
    catalog: &Catalog,
    as_of: Option<i64>,
    keyer: Option<&RecordKeyer>,
    months: Option<MonthRange>,
) -> Result<(Dataset, i64)> {
    let version = match as_of {
        Some(v) => v,
        None => catalog.latest_data_version()?,
    };
    let needed = needed_submissions(data, catalog, version, months)?;
    Ok((load_submissions(catalog, version, keyer, &needed)?, version))
}

/// The dataset of submissions chosen by [`needed_submissions`] at `version` (a caller that
/// looks at the choice first, as the server does to make room, does not choose twice).
pub fn load_submissions(
    catalog: &Catalog,
    version: i64,
    keyer: Option<&RecordKeyer>,
    needed: &[(std::path::PathBuf, i64)],
) -> Result<Dataset> {
    let mut out = Dataset::default();
    out.keyed = keyer.is_some();
    out.register = Some(std::sync::Arc::new(catalog.register_at(version)?));
    // Room for all rows at once: growing by doubling would copy (and the kernel zero) the
    // rows of a decade several times over.
    let rows: i64 = needed.iter().map(|(_, n)| n).sum();
    out.reserve(usize::try_from(rows).unwrap_or(0));
    // Two readers decode files (read, Snappy, columns) while this thread appends them in
    // submission order (row order, so every answer is the same however the threads ran).
    let with_ids = keyer.is_some();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Result<compact::SubmissionFacts>)>(8);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 4);
    let mut failed = None;
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let (tx, next) = (tx.clone(), &next);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((dir, _)) = needed.get(i) else { break };
                if tx.send((i, compact::load(dir, with_ids))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let mut pending = std::collections::BTreeMap::new();
        let mut want = 0;
        for (i, facts) in &rx {
            pending.insert(i, facts);
            while let Some(facts) = pending.remove(&want) {
                match facts {
                    Ok(f) => append(&mut out, &f, keyer),
                    Err(e) => {
                        if failed.is_none() {
                            failed = Some(e);
                        }
                    }
                }
                want += 1;
            }
            if failed.is_some() {
                // Stop the readers: their next send fails.
                next.store(usize::MAX / 2, std::sync::atomic::Ordering::Relaxed);
                break;
            }
        }
        drop(rx);
    });
    if let Some(e) = failed {
        return Err(e);
    }
    Ok(out)
}

/// The answer to `q` over the submissions chosen by [`needed_submissions`] at `version`,
/// computed while they stream past (`akutt_indicators::Stream`): each of two or more
/// threads reads a submission (file, Snappy, columns), turns it into rows and accumulates
/// them before it takes the next, so memory follows the answer, not the archive, and the
/// threads share all of the work. The figures equal
/// [`akutt_indicators::compute_answer`]'s over [`load_submissions`]'s dataset.
/// `Ok(Err(_))`: the query's structure is not in the register of that version.
pub fn stream_answer(
    catalog: &Catalog,
    version: i64,
    keyer: Option<&RecordKeyer>,
    needed: &[(std::path::PathBuf, i64)],
    q: &akutt_indicators::Query,
    population: Option<&akutt_indicators::Population>,
    only: &[akutt_indicators::Indicator],
) -> Result<Result<akutt_indicators::Computed, akutt_indicators::UnknownStructure>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let register = catalog.register_at(version)?;
    // Twice as many threads as cores: while one waits for its file to be read (cold), another
    // computes; the disk serves parallel reads faster than one at a time.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let workers = (2 * cores).clamp(2, 8);
    let mut streams = Vec::with_capacity(workers);
    for _ in 0..workers {
        match akutt_indicators::Stream::new(&register, q, only, population.is_some()) {
            Ok(mut s) => {
                s.data.keyed = keyer.is_some();
                streams.push(s);
            }
            Err(e) => return Ok(Err(e)),
        }
    }
    let with_ids = keyer.is_some();
    let next = AtomicUsize::new(0);
    let failed: std::sync::Mutex<Option<StoreError>> = std::sync::Mutex::new(None);
    std::thread::scope(|scope| {
        // Cold, the files come from disk: asked for all at once, the kernel reads them
        // while the workers compute instead of one worker's read at a time.
        scope.spawn(|| prefetch(needed));
        for stream in &mut streams {
            let (next, failed) = (&next, &failed);
            scope.spawn(move || {
                let mut room = compact::Room::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((dir, _)) = needed.get(i) else { break };
                    match compact::load_into(dir, with_ids, &mut room) {
                        Ok(()) => {
                            append(&mut stream.data, &room.facts, keyer);
                            stream.add_rows();
                        }
                        Err(e) => {
                            // The first error is the answer; the others stop at their next file.
                            if let Ok(mut slot) = failed.lock() {
                                slot.get_or_insert(e);
                            }
                            next.store(usize::MAX / 2, Ordering::Relaxed);
                            break;
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = failed.into_inner().ok().flatten() {
        return Err(e);
    }
    Ok(Ok(akutt_indicators::finish_streams(streams, population)))
}

/// Asks the kernel to read the submissions' facts files into the page cache ahead of use
/// (`POSIX_FADV_WILLNEED`); a hint only, so any failure is ignored.
fn prefetch(needed: &[(std::path::PathBuf, i64)]) {
    #[cfg(target_os = "linux")]
    for (dir, _) in needed {
        if let Ok(file) = File::open(dir.join(compact::FILE_NAME)) {
            let _ = rustix::fs::fadvise(&file, 0, None, rustix::fs::Advice::WillNeed);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = needed;
}

/// The store directories (and incident counts) of the submissions visible at `version`
/// with incidents in `months` (all when `None`), in submission order.
pub fn needed_submissions(
    data: &DataDir,
    catalog: &Catalog,
    version: i64,
    months: Option<MonthRange>,
) -> Result<Vec<(std::path::PathBuf, i64)>> {
    let wanted = months.map(|m| (m.from().yyyymm(), m.to().yyyymm()));
    // The catalog knows the months of what was ingested since it records them; older
    // submissions tell from their file's header.
    let known = if wanted.is_some() { catalog.submission_months()? } else { HashMap::new() };
    let mut needed = Vec::new();
    for sub in catalog.visible_at(Some(version))? {
        let Some(dir) = sub.store_dir.as_deref() else { continue };
        let dir = data.store_dir(dir);
        let range = || known.get(&sub.id).copied().or_else(|| compact::month_range(&dir));
        if let (Some((from, to)), Some((lo, hi))) = (wanted, wanted.and_then(|_| range())) {
            // No incident of the question's months (0: none has a month at all).
            if lo == 0 || hi < from || lo > to {
                continue;
            }
        }
        needed.push((dir, sub.incidents_accepted.unwrap_or(0).max(0)));
    }
    Ok(needed)
}

/// Adds one submission's facts to the dataset (the rows in file order, then the missions,
/// the k-th mission of an incident keyed as the k-th part, as `push_incident` does).
fn append(out: &mut Dataset, f: &compact::SubmissionFacts, keyer: Option<&RecordKeyer>) {
    let strings = &f.strings;
    let mut centres: Vec<Option<u16>> = vec![None; strings.len()];
    let mut kommuner: Vec<Option<u16>> = vec![None; strings.len()];
    let get = |i: u16| (i != compact::NONE).then(|| strings.get(usize::from(i))).flatten();
    let urgency: Vec<Option<Hastegrad>> = strings.iter().map(|s| Hastegrad::parse(s)).collect();
    let types: Vec<Option<Hendelsestype>> =
        strings.iter().map(|s| Hendelsestype::parse(s)).collect();
    let channels: Vec<Option<Sambandsvei>> =
        strings.iter().map(|s| Sambandsvei::parse(s)).collect();
    let callers: Vec<Option<Innringer>> = strings.iter().map(|s| Innringer::parse(s)).collect();
    let places: Vec<Option<Sted>> = strings.iter().map(|s| Sted::parse(s)).collect();
    let code = |i: u16| usize::from(i);
    let time = |v: i64| (v != compact::NO_TIME).then_some(v);
    let mut first: Vec<(u32, Option<IncidentKeys>)> = Vec::with_capacity(f.rows());
    for i in 0..f.rows() {
        let centre_ix = code(f.centre[i]);
        let centre =
            *centres[centre_ix].get_or_insert_with(|| out.dict.centre(&strings[centre_ix]));
        let kommune = match get(f.kommune[i]) {
            None => out.dict.kommune(None),
            Some(k) => {
                *kommuner[code(f.kommune[i])].get_or_insert_with(|| out.dict.kommune(Some(k)))
            }
        };
        let pick = |col: &[u16]| (col[i] != compact::NONE).then(|| code(col[i]));
        let incident_keys =
            keyer.zip(f.ids.get(i)).map(|(k, id)| k.incident(&strings[centre_ix], id));
        let (n_contacts, n_missions, n_road, n_air) =
            (f.contacts[i], f.missions[i], f.road_missions[i], f.air_missions[i]);
        let keys = incident_keys.as_ref().map_or_else(RowKeys::default, |k| {
            RowKeys::from_incident(k, n_contacts, n_missions, n_road, n_air)
        });
        let row = Row {
            centre,
            month: (f.month[i] != 0).then(|| Month::from_yyyymm(f.month[i])).flatten(),
            kommune,
            urgency: pick(&f.urgency).and_then(|c| urgency[c]),
            hendelsestype: pick(&f.hendelsestype).and_then(|c| types[c]),
            sambandsvei: pick(&f.channel).and_then(|c| channels[c]),
            innringer: pick(&f.caller).and_then(|c| callers[c]),
            hour_of_week: Row::hour_of_week(
                (f.hour[i] != compact::NO_HOUR).then_some(f.hour[i]),
                (f.weekday[i] != compact::NO_HOUR).then_some(f.weekday[i]),
            ),
            hentested: pick(&f.pickup_place).and_then(|c| places[c]),
            leveringssted: pick(&f.delivery_place).and_then(|c| places[c]),
            kriteriekapittel: f.criterion_chapter[i],
            urban: match f.urban[i] {
                0 => None,
                v => Some(v == 2),
            },
            prebooked: f.prebooked[i] != 0,
            contacts: n_contacts,
            missions: n_missions,
            road_missions: n_road,
            air_missions: n_air,
            ambulance_actions: f.ambulance_actions[i],
            reaction_s: time(f.reaction_s[i]).into(),
            response_s: time(f.response_s[i]).into(),
            alert_to_arrival_s: time(f.alert_to_arrival_s[i]).into(),
            keys,
        };
        let at = out.push_row(row);
        first.push((at, incident_keys));
    }
    // Per incident: missions, road missions and air missions seen so far (the k-th of each
    // is keyed as the k-th part, as `push_incident` does).
    let mut seen = vec![(0u32, 0u32, 0u32); f.rows()];
    for (j, (&row, &t)) in f.mission_row.iter().zip(&f.mission_time_s).enumerate() {
        let r = row as usize;
        let (at, keys) = &first[r];
        let (n, road, air) = &mut seen[r];
        let flies = f.mission_air.get(j).is_some_and(|a| *a != 0);
        let key = keys.map_or_else(Default::default, |k| k.part(Part::Mission, *n));
        let kind_key = keys.map_or_else(Default::default, |k| {
            if flies {
                k.part(Part::AirMission, *air)
            } else {
                k.part(Part::RoadMission, *road)
            }
        });
        *n += 1;
        if flies {
            *air += 1;
        } else {
            *road += 1;
        }
        let place = f
            .mission_place
            .get(j)
            .and_then(|&p| (p != compact::NONE).then(|| places[usize::from(p)]).flatten());
        out.mission_times.push(MissionTime {
            row: *at,
            time_s: time(t).into(),
            key,
            kind_key,
            place: MissionTime::place_of(place),
            air: flies,
        });
    }
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
