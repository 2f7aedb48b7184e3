//! The four stored tables (incidents, contacts, patients, actions) as Parquet files written
//! with arrow-rs, in record batches of bounded size. `docs/DATA.md` documents every column.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use akutt_model::{Incident, Instant};
use arrow_array::builder::{
    BooleanBuilder, Int32Builder, Int64Builder, StringBuilder, TimestampMillisecondBuilder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{TimestampMillisecondType, TimestampSecondType};
use arrow_array::{Array, ArrayRef, RecordBatch, TimestampMillisecondArray, TimestampSecondArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::{io_err, Result};

/// The table names, which are also the file stems (`incidents.parquet`, …).
pub const TABLES: [&str; 4] = ["incidents", "contacts", "patients", "actions"];

const BATCH_ROWS: usize = 32 * 1024;
const ROW_GROUP_ROWS: usize = 128 * 1024;

#[derive(Clone, Copy)]
enum Kind {
    Str,
    Ts,
    I32,
    I64,
    Bool,
}

fn data_type(k: Kind) -> DataType {
    match k {
        Kind::Str => DataType::Utf8,
        // Milliseconds, not seconds: Parquet's TIMESTAMP type has no seconds unit, and a
        // column written in seconds is a bare INT64 to readers that ignore the embedded Arrow
        // schema (DuckDB, Spark). Instants are whole seconds; the last three digits are 0.
        Kind::Ts => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        Kind::I32 => DataType::Int32,
        Kind::I64 => DataType::Int64,
        Kind::Bool => DataType::Boolean,
    }
}

const INCIDENT_COLUMNS: &[(&str, Kind)] = &[
    ("submission_id", Kind::I64),
    ("centre", Kind::Str),
    ("incident_id", Kind::Str),
    ("t0", Kind::Ts),
    ("created_at", Kind::Ts),
    ("execute_at", Kind::Ts),
    ("ready_at", Kind::Ts),
    ("hendelsestype", Kind::Str),
    ("pickup_place", Kind::Str),
    ("pickup_municipality", Kind::Str),
    ("urban", Kind::Bool),
    ("risk", Kind::Str),
    ("city_district", Kind::Str),
    ("urgency", Kind::Str),
    ("first_channel", Kind::Str),
    ("first_caller", Kind::Str),
    ("prebooked", Kind::Bool),
    ("lv_only", Kind::Bool),
    ("n_contacts", Kind::I32),
    ("n_patients", Kind::I32),
    ("n_actions", Kind::I32),
    ("n_missions", Kind::I32),
    ("warnings", Kind::Str),
    ("source_line", Kind::I64),
    ("t0_month", Kind::I32),
    ("reaction_s", Kind::I64),
    ("response_s", Kind::I64),
    ("alert_to_arrival_s", Kind::I64),
    ("n_road_missions", Kind::I32),
    ("n_air_missions", Kind::I32),
    ("n_ambulance_actions", Kind::I32),
    ("pickup_municipality_sent", Kind::Str),
];

const CONTACT_COLUMNS: &[(&str, Kind)] = &[
    ("submission_id", Kind::I64),
    ("centre", Kind::Str),
    ("incident_id", Kind::Str),
    ("contact_id", Kind::Str),
    ("received_at", Kind::Ts),
    ("sequence", Kind::I32),
    ("innringer", Kind::Str),
    ("sambandsvei", Kind::Str),
];

const PATIENT_COLUMNS: &[(&str, Kind)] = &[
    ("submission_id", Kind::I64),
    ("centre", Kind::Str),
    ("incident_id", Kind::Str),
    ("patient_number", Kind::I32),
    ("urgency", Kind::Str),
    ("criterion", Kind::Str),
    ("consciousness", Kind::Str),
    ("respiration", Kind::Str),
    ("sex", Kind::Str),
    ("pseudonym", Kind::Str),
    ("home_municipality", Kind::Str),
    ("insurance_nation", Kind::Str),
    ("home_municipality_sent", Kind::Str),
];

const ACTION_COLUMNS: &[(&str, Kind)] = &[
    ("submission_id", Kind::I64),
    ("centre", Kind::Str),
    ("incident_id", Kind::Str),
    ("action_number", Kind::I32),
    ("created_at", Kind::Ts),
    ("name", Kind::Str),
    ("tiltak", Kind::Str),
    ("action_type", Kind::Str),
    ("patient_number", Kind::I32),
    ("resource", Kind::Str),
    ("mission_id", Kind::Str),
    ("mission_type", Kind::Str),
    ("is_mission", Kind::Bool),
    ("alerted_at", Kind::Ts),
    ("departed_at", Kind::Ts),
    ("at_scene_at", Kind::Ts),
    ("left_scene_at", Kind::Ts),
    ("delivered_at", Kind::Ts),
    ("free_at", Kind::Ts),
    ("free_at_station_at", Kind::Ts),
    ("wanted_delivered_at", Kind::Ts),
    ("delivery_municipality", Kind::Str),
    ("delivery_place", Kind::Str),
    ("mission_time_s", Kind::I64),
    ("delivery_municipality_sent", Kind::Str),
];

/// `nemsis_records`: one row per NEMSIS patient care report (docs/NEMSIS.md). Code lists are
/// space-separated; times are UTC instants. No patient identity is stored.
const NEMSIS_COLUMNS: &[(&str, Kind)] = &[
    ("submission_id", Kind::I64),
    ("agency", Kind::Str),
    ("uuid", Kind::Str),
    ("source_line", Kind::I64),
    ("pcr_number", Kind::Str),
    ("incident_number", Kind::Str),
    ("response_number", Kind::Str),
    ("type_of_service", Kind::Str),
    ("unit_capability", Kind::Str),
    ("response_mode", Kind::Str),
    ("unit_disposition", Kind::Str),
    ("psap_call_at", Kind::Ts),
    ("unit_notified_at", Kind::Ts),
    ("en_route_at", Kind::Ts),
    ("on_scene_at", Kind::Ts),
    ("at_patient_at", Kind::Ts),
    ("left_scene_at", Kind::Ts),
    ("at_destination_at", Kind::Ts),
    ("back_in_service_at", Kind::Ts),
    ("symptoms_impressions", Kind::Str),
    ("ecg", Kind::Str),
    ("stroke_scale", Kind::Str),
    ("protocols", Kind::Str),
    ("team_activation", Kind::Str),
    ("arrest", Kind::Str),
    ("arrest_etiology", Kind::Str),
];

/// The NEMSIS table's name (a separate file per NEMSIS submission).
pub const NEMSIS_TABLE: &str = "nemsis_records";

/// `calls`: one row per accepted 113 call (DOMAIN.md §11), times as UTC instants.
const CALL_COLUMNS: &[(&str, Kind)] = &[
    ("submission_id", Kind::I64),
    ("centre", Kind::Str),
    ("call_id", Kind::Str),
    ("source_line", Kind::I64),
    ("queue", Kind::Str),
    ("linje", Kind::Str),
    ("received_at", Kind::Ts),
    ("answered_at", Kind::Ts),
    ("ended_at", Kind::Ts),
    ("outcome", Kind::Str),
    ("moved_to", Kind::Str),
    ("contact_id", Kind::Str),
];

/// The call table's name (a file per call-log submission).
pub const CALL_TABLE: &str = "calls";

fn columns_of(table: &str) -> Option<&'static [(&'static str, Kind)]> {
    Some(match table {
        NEMSIS_TABLE => NEMSIS_COLUMNS,
        CALL_TABLE => CALL_COLUMNS,
        "incidents" => INCIDENT_COLUMNS,
        "contacts" => CONTACT_COLUMNS,
        "patients" => PATIENT_COLUMNS,
        "actions" => ACTION_COLUMNS,
        _ => return None,
    })
}

/// The Arrow schema of a table.
pub fn schema(table: &str) -> Option<SchemaRef> {
    columns_of(table).map(schema_of)
}

/// A table's columns as (name, type) with type one of `utf8`, `timestamp_ms_utc`, `int32`,
/// `int64`, `bool`: for readers built on another Arrow version (DataFusion) and for docs.
pub fn columns(table: &str) -> Option<Vec<(&'static str, &'static str)>> {
    let name = |k: Kind| match k {
        Kind::Str => "utf8",
        Kind::Ts => "timestamp_ms_utc",
        Kind::I32 => "int32",
        Kind::I64 => "int64",
        Kind::Bool => "bool",
    };
    columns_of(table).map(|cols| cols.iter().map(|(n, k)| (*n, name(*k))).collect())
}

fn schema_of(cols: &[(&str, Kind)]) -> SchemaRef {
    let nullable = |n: &str| {
        !matches!(
            n,
            "submission_id"
                | "centre"
                | "incident_id"
                | "uuid"
                | "call_id"
                | "linje"
                | "received_at"
                | "ended_at"
                | "outcome"
        )
    };
    Arc::new(Schema::new(
        cols.iter().map(|(n, k)| Field::new(*n, data_type(*k), nullable(n))).collect::<Vec<_>>(),
    ))
}

enum Builder {
    Str(StringBuilder),
    Ts(TimestampMillisecondBuilder),
    I32(Int32Builder),
    I64(Int64Builder),
    Bool(BooleanBuilder),
}

impl Builder {
    fn new(k: Kind) -> Builder {
        match k {
            Kind::Str => Builder::Str(StringBuilder::new()),
            Kind::Ts => Builder::Ts(TimestampMillisecondBuilder::new().with_timezone("UTC")),
            Kind::I32 => Builder::I32(Int32Builder::new()),
            Kind::I64 => Builder::I64(Int64Builder::new()),
            Kind::Bool => Builder::Bool(BooleanBuilder::new()),
        }
    }

    /// The array built so far; the builder starts again with room for a whole batch, so
    /// that a batch is filled without growing (and copying) its buffers.
    fn finish(&mut self) -> ArrayRef {
        let (array, fresh): (ArrayRef, Builder) = match self {
            Builder::Str(b) => {
                let a = b.finish();
                let bytes = a.value_data().len();
                (Arc::new(a), Builder::Str(StringBuilder::with_capacity(BATCH_ROWS, bytes)))
            }
            Builder::Ts(b) => (
                Arc::new(b.finish()),
                Builder::Ts(
                    TimestampMillisecondBuilder::with_capacity(BATCH_ROWS).with_timezone("UTC"),
                ),
            ),
            Builder::I32(b) => {
                (Arc::new(b.finish()), Builder::I32(Int32Builder::with_capacity(BATCH_ROWS)))
            }
            Builder::I64(b) => {
                (Arc::new(b.finish()), Builder::I64(Int64Builder::with_capacity(BATCH_ROWS)))
            }
            Builder::Bool(b) => {
                (Arc::new(b.finish()), Builder::Bool(BooleanBuilder::with_capacity(BATCH_ROWS)))
            }
        };
        *self = fresh;
        array
    }
}

/// A stored instant column read back as instants (seconds since the epoch, UTC): files
/// written since 2026-11-23 hold milliseconds, earlier ones seconds; both are read.
pub enum InstantColumn<'a> {
    Seconds(&'a TimestampSecondArray),
    Milliseconds(&'a TimestampMillisecondArray),
}

impl<'a> InstantColumn<'a> {
    /// `None` when the array is not a timestamp column of either unit.
    pub fn new(array: &'a dyn Array) -> Option<InstantColumn<'a>> {
        array
            .as_primitive_opt::<TimestampMillisecondType>()
            .map(InstantColumn::Milliseconds)
            .or_else(|| array.as_primitive_opt::<TimestampSecondType>().map(InstantColumn::Seconds))
    }

    /// The instant in row `i`, `None` when null.
    pub fn get(&self, i: usize) -> Option<Instant> {
        match self {
            InstantColumn::Seconds(a) => (!a.is_null(i)).then(|| a.value(i)),
            InstantColumn::Milliseconds(a) => (!a.is_null(i)).then(|| a.value(i).div_euclid(1000)),
        }
    }
}

/// Columns whose values rarely repeat: identifiers, instants, durations, line numbers.
fn is_near_unique(name: &str, kind: Kind) -> bool {
    matches!(kind, Kind::Ts)
        || name.ends_with("_s")
        || matches!(
            name,
            "incident_id"
                | "contact_id"
                | "mission_id"
                | "pseudonym"
                | "source_line"
                | "uuid"
                | "call_id"
                | "pcr_number"
                | "incident_number"
                | "response_number"
        )
}

/// One Parquet file being written: values are appended column by column, row by row.
struct TableWriter {
    path: PathBuf,
    schema: SchemaRef,
    builders: Vec<Builder>,
    col: usize,
    rows: usize,
    total: u64,
    writer: ArrowWriter<File>,
}

impl TableWriter {
    fn create(path: PathBuf, cols: &[(&str, Kind)]) -> Result<TableWriter> {
        let schema = schema_of(cols);
        let file = crate::private::create_file(&path).map_err(io_err(&path))?;
        // Min/max per row group (what readers prune by), not per page: page statistics cost a
        // comparison per value and no reader of these files uses them.
        let mut props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_statistics_enabled(EnabledStatistics::Chunk);
        // Dictionary encoding pays for repeated values (codes, centres, municipalities); for
        // near-unique columns it only costs a hash per value and then falls back to plain.
        for (name, kind) in cols {
            if is_near_unique(name, *kind) {
                props = props.set_column_dictionary_enabled(ColumnPath::from(*name), false);
            }
            // Instants and durations: delta encoding packs them into a few bits each, and
            // general-purpose compression finds little left to do after it.
            if matches!(kind, Kind::Ts | Kind::I64) {
                props = props
                    .set_column_encoding(ColumnPath::from(*name), Encoding::DELTA_BINARY_PACKED)
                    .set_column_compression(ColumnPath::from(*name), Compression::UNCOMPRESSED);
            }
        }
        let props = props.build();
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(props))?;
        Ok(TableWriter {
            path,
            schema,
            builders: cols.iter().map(|(_, k)| Builder::new(*k)).collect(),
            col: 0,
            rows: 0,
            total: 0,
            writer,
        })
    }

    fn next(&mut self) -> &mut Builder {
        let b = &mut self.builders[self.col];
        self.col += 1;
        b
    }

    fn str(&mut self, v: Option<&str>) {
        if let Builder::Str(b) = self.next() {
            b.append_option(v);
        }
    }

    fn ts(&mut self, v: Option<Instant>) {
        if let Builder::Ts(b) = self.next() {
            b.append_option(v.map(|s| s.saturating_mul(1000)));
        }
    }

    fn i32(&mut self, v: Option<i32>) {
        if let Builder::I32(b) = self.next() {
            b.append_option(v);
        }
    }

    fn i64(&mut self, v: Option<i64>) {
        if let Builder::I64(b) = self.next() {
            b.append_option(v);
        }
    }

    fn bool(&mut self, v: Option<bool>) {
        if let Builder::Bool(b) = self.next() {
            b.append_option(v);
        }
    }

    fn end_row(&mut self) -> Result<()> {
        debug_assert_eq!(
            self.col,
            self.builders.len(),
            "{}: row has the wrong number of values",
            self.path.display()
        );
        self.col = 0;
        self.rows += 1;
        if self.rows >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> = self.builders.iter_mut().map(Builder::finish).collect();
        let batch = RecordBatch::try_new(self.schema.clone(), arrays)?;
        self.writer.write(&batch)?;
        self.total += self.rows as u64;
        self.rows = 0;
        Ok(())
    }

    fn close(mut self) -> Result<u64> {
        self.flush()?;
        let file = self.writer.into_inner()?;
        file.sync_all().map_err(io_err(&self.path))?;
        Ok(self.total)
    }
}

/// Writes the NEMSIS records of one submission to `dir/nemsis_records.parquet`.
pub struct NemsisWriter {
    submission_id: i64,
    table: TableWriter,
}

impl NemsisWriter {
    pub fn create(dir: &Path, submission_id: i64) -> Result<NemsisWriter> {
        Ok(NemsisWriter {
            submission_id,
            table: TableWriter::create(
                dir.join(format!("{NEMSIS_TABLE}.parquet")),
                NEMSIS_COLUMNS,
            )?,
        })
    }

    pub fn push(&mut self, r: &akutt_nemsis::PcrRecord) -> Result<()> {
        let w = &mut self.table;
        let join = |v: &[String]| (!v.is_empty()).then(|| v.join(" "));
        w.i64(Some(self.submission_id));
        w.str(r.agency.as_deref());
        w.str(Some(&r.uuid));
        w.i64(Some(r.line as i64));
        for v in [
            &r.pcr_number,
            &r.incident_number,
            &r.response_number,
            &r.type_of_service,
            &r.unit_capability,
            &r.response_mode,
            &r.unit_disposition,
        ] {
            w.str(v.as_deref());
        }
        for (_, t) in r.times.in_order() {
            w.ts(t);
        }
        for v in
            [&r.symptoms_impressions, &r.ecg, &r.stroke_scale, &r.protocols, &r.team_activation]
        {
            w.str(join(v).as_deref());
        }
        w.str(r.arrest.as_deref());
        w.str(r.arrest_etiology.as_deref());
        w.end_row()
    }

    /// Closes and syncs the file; returns the rows written.
    pub fn finish(self) -> Result<u64> {
        self.table.close()
    }
}

/// Writes the accepted calls of one call log to `dir/calls.parquet`.
pub struct CallWriter {
    submission_id: i64,
    centre: String,
    table: TableWriter,
}

impl CallWriter {
    pub fn create(dir: &Path, submission_id: i64, centre: &str) -> Result<CallWriter> {
        Ok(CallWriter {
            submission_id,
            centre: centre.to_string(),
            table: TableWriter::create(dir.join(format!("{CALL_TABLE}.parquet")), CALL_COLUMNS)?,
        })
    }

    pub fn push(&mut self, c: &akutt_model::CallRecord) -> Result<()> {
        let w = &mut self.table;
        w.i64(Some(self.submission_id));
        w.str(Some(&self.centre));
        w.str(Some(&c.id));
        w.i64(Some(c.line as i64));
        w.str(Some(&c.queue));
        w.str(Some(c.linje.code()));
        w.ts(Some(c.received));
        w.ts(c.answered);
        w.ts(Some(c.ended));
        w.str(Some(c.outcome.code()));
        w.str(c.moved_to.as_deref());
        w.str(c.contact.as_deref());
        w.end_row()
    }

    /// Closes and syncs the file; returns the rows written.
    pub fn finish(self) -> Result<u64> {
        self.table.close()
    }
}

/// The four tables of one submission version, written side by side.
pub struct TableSet {
    dir: PathBuf,
    submission_id: i64,
    centre: String,
    incidents: TableWriter,
    contacts: TableWriter,
    patients: TableWriter,
    actions: TableWriter,
}

/// Rows written per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableCounts {
    pub incidents: u64,
    pub contacts: u64,
    pub patients: u64,
    pub actions: u64,
}

impl TableSet {
    pub fn create(dir: &Path, submission_id: i64, centre: &str) -> Result<TableSet> {
        let p = |n: &str| dir.join(format!("{n}.parquet"));
        Ok(TableSet {
            dir: dir.to_path_buf(),
            submission_id,
            centre: centre.to_string(),
            incidents: TableWriter::create(p("incidents"), INCIDENT_COLUMNS)?,
            contacts: TableWriter::create(p("contacts"), CONTACT_COLUMNS)?,
            patients: TableWriter::create(p("patients"), PATIENT_COLUMNS)?,
            actions: TableWriter::create(p("actions"), ACTION_COLUMNS)?,
        })
    }

    /// Appends one accepted incident to the four tables.
    pub fn push(&mut self, inc: &Incident) -> Result<()> {
        let (sid, centre) = (Some(self.submission_id), Some(self.centre.as_str()));
        let n = |x: usize| Some(i32::try_from(x).unwrap_or(i32::MAX));
        let num = |x: Option<u32>| x.and_then(|v| i32::try_from(v).ok());
        let w = &mut self.incidents;
        w.i64(sid);
        w.str(centre);
        w.str(Some(&inc.id));
        w.ts(inc.t0());
        w.ts(inc.created_at);
        w.ts(inc.execute_at);
        w.ts(inc.ready_at);
        w.str(inc.hendelsestype.map(|c| c.code()));
        w.str(inc.pickup_place.map(|c| c.code()));
        w.str(inc.pickup_municipality.as_deref());
        w.bool(inc.urban);
        w.str(inc.risk.as_deref());
        w.str(inc.city_district.as_deref());
        w.str(inc.urgency().map(|c| c.code()));
        let first = inc.first_contact();
        w.str(first.and_then(|c| c.sambandsvei).map(|c| c.code()));
        w.str(first.and_then(|c| c.innringer).map(|c| c.code()));
        w.bool(Some(inc.is_prebooked()));
        w.bool(Some(inc.is_lv_only()));
        w.i32(n(inc.contacts.len()));
        w.i32(n(inc.patients.len()));
        w.i32(n(inc.actions.len()));
        w.i32(n(inc.missions().count()));
        let warnings: Vec<&str> = inc.warnings.iter().map(|c| c.code()).collect();
        w.str((!warnings.is_empty()).then(|| warnings.join(",")).as_deref());
        w.i64(Some(inc.line as i64));
        // The indicator facts (DOMAIN.md §8), derived once by `akutt-indicators`.
        let f = akutt_indicators::facts(inc);
        // `t0_month` is stored as `yyyymm` (docs/DATA.md).
        w.i32(f.month.map(akutt_model::Month::yyyymm));
        w.i64(f.reaction_s);
        w.i64(f.response_s);
        w.i64(f.alert_to_arrival_s);
        w.i32(n(f.road_missions as usize));
        w.i32(n(f.air_missions as usize));
        w.i32(n(f.ambulance_actions as usize));
        w.str(inc.pickup_municipality_sent.as_deref());
        w.end_row()?;

        for c in &inc.contacts {
            let w = &mut self.contacts;
            w.i64(sid);
            w.str(centre);
            w.str(Some(&inc.id));
            w.str(Some(&c.id));
            w.ts(c.received_at);
            w.i32(num(c.sequence));
            w.str(c.innringer.map(|x| x.code()));
            w.str(c.sambandsvei.map(|x| x.code()));
            w.end_row()?;
        }
        for p in &inc.patients {
            let w = &mut self.patients;
            w.i64(sid);
            w.str(centre);
            w.str(Some(&inc.id));
            w.i32(num(p.number));
            w.str(p.urgency.map(|x| x.code()));
            w.str(p.criterion.as_deref());
            w.str(p.consciousness.as_deref());
            w.str(p.respiration.as_deref());
            w.str(p.sex.map(|x| x.code()));
            w.str(p.pseudonym.as_deref());
            w.str(p.home_municipality.as_deref());
            w.str(p.insurance_nation.as_deref());
            w.str(p.home_municipality_sent.as_deref());
            w.end_row()?;
        }
        for a in &inc.actions {
            let w = &mut self.actions;
            w.i64(sid);
            w.str(centre);
            w.str(Some(&inc.id));
            w.i32(num(a.number));
            w.ts(a.created_at);
            w.str(a.name.as_deref());
            w.str(a.tiltak.map(|x| x.code()));
            w.str(a.action_type.as_deref());
            w.i32(num(a.patient_number));
            w.str(a.resource.as_deref());
            w.str(a.mission_id.as_deref());
            w.str(a.mission_type.as_deref());
            w.bool(Some(a.is_mission()));
            w.ts(a.alerted_at);
            w.ts(a.departed_at);
            w.ts(a.at_scene_at);
            w.ts(a.left_scene_at);
            w.ts(a.delivered_at);
            w.ts(a.free_at);
            w.ts(a.free_at_station_at);
            w.ts(a.wanted_delivered_at);
            w.str(a.delivery_municipality.as_deref());
            w.str(a.delivery_place.map(|x| x.code()));
            w.i64(
                a.is_mission().then(|| a.alerted_at.zip(a.free_at).map(|(v, l)| l - v)).flatten(),
            );
            w.str(a.delivery_municipality_sent.as_deref());
            w.end_row()?;
        }
        Ok(())
    }

    /// Flushes, closes and syncs the four files, then writes the submission's compact
    /// indicator facts from them (`facts.bin`, [`crate::compact`]).
    pub fn finish(self) -> Result<TableCounts> {
        let counts = TableCounts {
            incidents: self.incidents.close()?,
            contacts: self.contacts.close()?,
            patients: self.patients.close()?,
            actions: self.actions.close()?,
        };
        crate::compact::write(&self.dir)?;
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instant_columns_of_either_unit_read_as_seconds() {
        let ms = TimestampMillisecondArray::from(vec![Some(1_709_629_220_000), None, Some(-1_500)])
            .with_timezone("UTC");
        let s = TimestampSecondArray::from(vec![Some(1_709_629_220), None, Some(-2)])
            .with_timezone("UTC");
        for array in [&ms as &dyn Array, &s] {
            let c = InstantColumn::new(array).unwrap();
            assert_eq!((c.get(0), c.get(1), c.get(2)), (Some(1_709_629_220), None, Some(-2)));
        }
        assert!(InstantColumn::new(&arrow_array::Int64Array::from(vec![1i64])).is_none());
    }

    /// Every stored column is documented in docs/DATA.md, under its table.
    #[test]
    fn data_md_documents_every_column() {
        let doc = include_str!("../../../docs/DATA.md");
        for table in TABLES.into_iter().chain([NEMSIS_TABLE, CALL_TABLE]) {
            let section = doc
                .split(&format!("### `{table}`"))
                .nth(1)
                .unwrap_or_else(|| panic!("no section for {table}"));
            let section = section.split("\n### ").next().unwrap_or("");
            for (name, _) in columns(table).unwrap() {
                assert!(
                    section.contains(&format!("| `{name}` |")),
                    "docs/DATA.md: {table}.{name} is not documented"
                );
            }
        }
    }
}
