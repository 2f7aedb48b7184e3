//! The catalog (SQLite): submissions and their versions, the global data version, mapping
//! tables per centre, and each submission's data-quality report.
//!
//! The data version is a counter that grows by one with every accepted submission; a
//! submission version is visible at data version V when it became current at or before V
//! and was not superseded at or before V. That is what makes `--as-of` reproducible.

use std::collections::HashMap;
use std::path::Path;

use akutt_model::centre_area::CentreAreas;
use akutt_model::municipality::{parse_changes, parse_municipalities, Register, RegisterError};
use akutt_model::CodeList;
use akutt_rules::{MappingEntry, MappingTable};
use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::{Result, StoreError};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    centre TEXT,
    period_from TEXT,
    period_to TEXT,
    version INTEGER,
    status TEXT NOT NULL,             -- writing | accepted | rejected | aborted
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    store_dir TEXT,
    mapping_version INTEGER,
    received_at TEXT NOT NULL,
    data_version INTEGER,             -- the data version at which it became current
    superseded_at INTEGER,            -- the data version at which a newer one replaced it
    rows INTEGER, incidents_accepted INTEGER, incidents_rejected INTEGER,
    report TEXT
);
CREATE INDEX IF NOT EXISTS submissions_key ON submissions (centre, period_from, period_to);
CREATE TABLE IF NOT EXISTS data_versions (
    version INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    submission_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS mapping_versions (
    id INTEGER PRIMARY KEY,
    centre TEXT NOT NULL,
    version INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    source TEXT NOT NULL,
    loaded_at TEXT NOT NULL,
    UNIQUE (centre, version)
);
CREATE TABLE IF NOT EXISTS mapping_entries (
    mapping_version_id INTEGER NOT NULL REFERENCES mapping_versions(id),
    kodeverk TEXT NOT NULL,
    local_code TEXT NOT NULL,
    national_code TEXT NOT NULL,
    valid_from TEXT,
    valid_to TEXT
);
-- Population per municipality and year (SSB table 07459 shape). Each load is a new data
-- version (data_versions.submission_id = 0), so `--as-of` reproduces rates exactly.
CREATE TABLE IF NOT EXISTS population_versions (
    id INTEGER PRIMARY KEY,
    data_version INTEGER NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    loaded_at TEXT NOT NULL
);
-- Users of the restricted area: the token is kept only as its SHA-256.
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,               -- admin | analyst | centre:CODE
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
-- Signed-in sessions of the restricted area: the cookie's id is kept only as its SHA-256.
-- Times are Unix seconds; a session ends when idle or old (the server decides), at logout,
-- and with its user's disabling or token rotation.
CREATE TABLE IF NOT EXISTS sessions (
    id_sha256 TEXT PRIMARY KEY,
    user_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL
);
-- Every restricted request.
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_name TEXT,
    role TEXT,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL
);
-- The municipality register's loaded files (`akutt municipalities load`), beside the
-- shipped 2020 and 2024 structures: a structure in force from a date, or a change list
-- effective on a date (DOMAIN.md §4, §8). Kept as the text loaded, read at open.
CREATE TABLE IF NOT EXISTS municipality_files (
    id INTEGER PRIMARY KEY,
    data_version INTEGER,             -- the data version the load made (NULL: before versions)
    kind TEXT NOT NULL,               -- structure | changes
    year INTEGER,                     -- a structure's name
    valid_from TEXT NOT NULL,         -- YYYY-MM-DD: in force from / effective on
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    text TEXT NOT NULL,
    loaded_at TEXT NOT NULL
);
-- Which centre serves which municipality, with validity dates (`akutt centres load-areas`;
-- DOMAIN.md §8): each load replaces the previous one and is a new data version.
CREATE TABLE IF NOT EXISTS centre_area_files (
    id INTEGER PRIMARY KEY,
    data_version INTEGER NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    text TEXT NOT NULL,
    loaded_at TEXT NOT NULL
);
-- The months (YYYYMM) of a submission's stored incidents: a question skips the
-- submissions it does not need without opening their files (issue 17).
CREATE TABLE IF NOT EXISTS submission_months (
    submission_id INTEGER PRIMARY KEY,
    first_month INTEGER NOT NULL,
    last_month INTEGER NOT NULL
);
-- Municipality boundaries of a structure (GeoJSON, WGS 84; `akutt municipalities
-- load-boundaries`): the map draws the latest load of a structure, else the shipped ones.
CREATE TABLE IF NOT EXISTS boundary_files (
    id INTEGER PRIMARY KEY,
    data_version INTEGER NOT NULL,
    structure INTEGER NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    text TEXT NOT NULL,
    loaded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS population_entries (
    population_version_id INTEGER NOT NULL REFERENCES population_versions(id),
    kommune TEXT NOT NULL,
    year INTEGER NOT NULL,
    inhabitants INTEGER NOT NULL
);
-- Releases (DOMAIN.md §12): a data version frozen for publication through a month, the
-- months through `final_through` final, the rest provisional; `changes` is the JSON list of
-- public figures that differ from the previous release. Immutable: SQLite refuses an
-- update or a delete.
CREATE TABLE IF NOT EXISTS releases (
    id INTEGER PRIMARY KEY,
    data_version INTEGER NOT NULL,
    through TEXT NOT NULL,
    final_through TEXT,
    created_at TEXT NOT NULL,
    note TEXT NOT NULL,
    changes TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS releases_immutable_update BEFORE UPDATE ON releases
BEGIN SELECT RAISE(ABORT, 'a release is immutable'); END;
CREATE TRIGGER IF NOT EXISTS releases_immutable_delete BEFORE DELETE ON releases
BEGIN SELECT RAISE(ABORT, 'a release is immutable'); END;
";

/// Opens the next data version for a load of reference data (population, municipality
/// register, centre areas: `submission_id` 0) inside `tx`; returns it.
fn new_reference_version(tx: &rusqlite::Transaction<'_>) -> Result<i64> {
    let dv: i64 =
        tx.query_row("SELECT COALESCE(MAX(version), 0) + 1 FROM data_versions", [], |r| r.get(0))?;
    tx.execute(
        "INSERT INTO data_versions (version, created_at, submission_id) VALUES (?1, ?2, 0)",
        params![dv, now()],
    )?;
    Ok(dv)
}

/// A file of the municipality register: a structure (`year` set) in force from
/// `valid_from`, or a change list effective on it.
#[derive(Debug, Clone, PartialEq)]
pub struct MunicipalityFile {
    pub year: Option<i32>,
    pub valid_from: NaiveDate,
    pub source: String,
    pub sha256: String,
    pub text: String,
}

impl MunicipalityFile {
    /// The register with this file added (fails as the file's reader does).
    pub fn apply(&self, r: Register) -> Result<Register, RegisterError> {
        Ok(match self.year {
            Some(y) => r.with_structure(y, self.valid_from, parse_municipalities(&self.text)?),
            None => r.with_changes(parse_changes(&self.text, self.valid_from)?),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmissionStatus {
    Writing,
    Accepted,
    Rejected,
    Aborted,
}

impl SubmissionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SubmissionStatus::Writing => "writing",
            SubmissionStatus::Accepted => "accepted",
            SubmissionStatus::Rejected => "rejected",
            SubmissionStatus::Aborted => "aborted",
        }
    }

    fn parse(s: &str) -> SubmissionStatus {
        match s {
            "accepted" => SubmissionStatus::Accepted,
            "rejected" => SubmissionStatus::Rejected,
            "writing" => SubmissionStatus::Writing,
            _ => SubmissionStatus::Aborted,
        }
    }
}

/// One submission version as the catalog knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub id: i64,
    pub centre: Option<String>,
    pub period_from: Option<String>,
    pub period_to: Option<String>,
    pub version: Option<i64>,
    pub status: SubmissionStatus,
    pub file_name: String,
    pub sha256: String,
    pub bytes: i64,
    pub store_dir: Option<String>,
    pub mapping_version: Option<i64>,
    pub received_at: String,
    pub data_version: Option<i64>,
    pub superseded_at: Option<i64>,
    pub rows: Option<i64>,
    pub incidents_accepted: Option<i64>,
    pub incidents_rejected: Option<i64>,
    /// `amk` (import format v1, superseded per centre and period), `anrop` (a 113 call log,
    /// likewise) or `nemsis` (NEMSIS v3.5 EMSDataSet: records replace earlier ones by
    /// agency + UUID, files never supersede).
    pub kind: String,
}

/// The kinds of submission.
pub const KIND_AMK: &str = "amk";
pub const KIND_NEMSIS: &str = "nemsis";
/// A 113 switchboard call log (DOMAIN.md §11): superseded per centre and period, as `amk`.
pub const KIND_ANROP: &str = "anrop";

impl Submission {
    /// Current at the latest data version.
    pub fn is_current(&self) -> bool {
        self.status == SubmissionStatus::Accepted && self.superseded_at.is_none()
    }
}

/// A user of the restricted area (never its token).
#[derive(Debug, Clone, PartialEq)]
pub struct UserRow {
    pub name: String,
    pub role: String,
    pub created_at: String,
    pub disabled_at: Option<String>,
}

/// One restricted request as the audit log keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub at: String,
    pub user: Option<String>,
    pub role: Option<String>,
    pub method: String,
    pub path: String,
    pub status: u16,
    /// The client's address, when the server knew it.
    pub client: Option<String>,
    /// What else the request did (an upload: its submission, file and SHA-256).
    pub detail: Option<String>,
}

/// A line to write to the audit log.
#[derive(Debug, Clone, Copy)]
pub struct NewAudit<'a> {
    /// Name and role; `None` for an anonymous request.
    pub user: Option<(&'a str, &'a str)>,
    pub method: &'a str,
    pub path: &'a str,
    pub status: u16,
    pub client: Option<&'a str>,
    pub detail: Option<&'a str>,
}

/// A data version: the state of the registry after one accepted submission.
#[derive(Debug, Clone, PartialEq)]
pub struct DataVersion {
    pub version: i64,
    pub created_at: String,
    pub submission_id: i64,
}

/// A loaded mapping table version.
#[derive(Debug, Clone, PartialEq)]
pub struct MappingVersion {
    pub centre: String,
    pub version: i64,
    pub sha256: String,
    pub source: String,
    pub loaded_at: String,
    pub entries: usize,
}

/// What an ingest registers before writing its files.
#[derive(Debug, Clone, Default)]
pub struct NewSubmission {
    pub centre: Option<String>,
    pub period_from: Option<String>,
    pub period_to: Option<String>,
    pub file_name: String,
    pub sha256: String,
    pub bytes: i64,
    pub mapping_version: Option<i64>,
    /// [`KIND_AMK`] (also when empty) or [`KIND_NEMSIS`].
    pub kind: String,
}

/// How an ingest ends.
#[derive(Debug, Clone, Default)]
pub struct Completion {
    pub accepted: bool,
    pub store_dir: Option<String>,
    pub rows: i64,
    pub incidents_accepted: i64,
    pub incidents_rejected: i64,
    pub report_json: String,
    /// First and last `t0_month` (YYYYMM) of the stored incidents, from its `facts.bin`.
    pub months: Option<(i32, i32)>,
}

pub struct Catalog {
    pub(crate) conn: Connection,
}

pub(crate) fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

const SUBMISSION_COLUMNS: &str = "id, centre, period_from, period_to, version, status, file_name, sha256, bytes, store_dir, \
     mapping_version, received_at, data_version, superseded_at, rows, incidents_accepted, incidents_rejected, kind";

/// Whether `table` has `column` (false when the table does not exist).
fn column_exists(conn: &Connection, table: &str, column: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT COUNT(*) > 0 FROM pragma_table_info(?1) WHERE name = ?2",
        [table, column],
        |r| r.get(0),
    )?)
}

fn submission_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Submission> {
    Ok(Submission {
        id: r.get(0)?,
        centre: r.get(1)?,
        period_from: r.get(2)?,
        period_to: r.get(3)?,
        version: r.get(4)?,
        status: SubmissionStatus::parse(&r.get::<_, String>(5)?),
        file_name: r.get(6)?,
        sha256: r.get(7)?,
        bytes: r.get(8)?,
        store_dir: r.get(9)?,
        mapping_version: r.get(10)?,
        received_at: r.get(11)?,
        data_version: r.get(12)?,
        superseded_at: r.get(13)?,
        rows: r.get(14)?,
        incidents_accepted: r.get(15)?,
        incidents_rejected: r.get(16)?,
        kind: r.get(17)?,
    })
}

impl Catalog {
    pub fn open(path: &Path) -> Result<Catalog> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // SQLite creates its files by the umask: the catalog holds the audit log and reports.
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            crate::private::restrict_file(Path::new(&p)).map_err(crate::io_err(Path::new(&p)))?;
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        // Columns added since the first release, each with what older rows mean:
        // before NEMSIS import every submission was an AMK extract; register loads before
        // they were data versions count from the start; the audit log's client and detail,
        // and the users' disabled_at, are simply empty.
        for (table, column, kind) in [
            ("submissions", "kind", "TEXT NOT NULL DEFAULT 'amk'"),
            ("municipality_files", "data_version", "INTEGER"),
            ("audit_log", "client", "TEXT"),
            ("audit_log", "detail", "TEXT"),
            ("users", "disabled_at", "TEXT"),
        ] {
            if !column_exists(&conn, table, column)? {
                conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind}"))?;
            }
        }
        Ok(Catalog { conn })
    }

    /// Opens an existing catalog for reading only.
    pub fn open_read_only(path: &Path) -> Result<Catalog> {
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        Ok(Catalog { conn })
    }

    /// The last month (YYYYMM) with incidents among the submissions visible at
    /// `data_version`; `None` when none is recorded (nothing ingested, or a catalog from
    /// before months were recorded, unless `akutt upgrade` ran).
    pub fn last_month_at(&self, data_version: i64) -> Result<Option<i32>> {
        if !self.has_column("submission_months", "last_month")? {
            return Ok(None);
        }
        let (missing, last): (i64, Option<i32>) = self.conn.query_row(
            "SELECT COUNT(*) - COUNT(m.last_month), MAX(NULLIF(m.last_month, 0))
             FROM submissions s LEFT JOIN submission_months m ON m.submission_id = s.id
             WHERE s.status = 'accepted' AND s.data_version <= ?1
             AND (s.superseded_at IS NULL OR s.superseded_at > ?1) AND s.kind = 'amk'
             AND s.store_dir IS NOT NULL",
            [data_version],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(if missing > 0 { None } else { last })
    }

    /// Records the months of a submission's stored incidents (`akutt upgrade`).
    pub fn set_submission_months(&mut self, id: i64, (first, last): (i32, i32)) -> Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO submission_months (submission_id, first_month, last_month) VALUES (?1, ?2, ?3)",
            params![id, first, last],
        )?;
        Ok(())
    }

    /// The months of each submission's stored incidents that the catalog knows (those
    /// ingested since it records them), by submission id.
    pub fn submission_months(&self) -> Result<HashMap<i64, (i32, i32)>> {
        if !self.has_column("submission_months", "first_month")? {
            return Ok(HashMap::new());
        }
        let mut st = self
            .conn
            .prepare("SELECT submission_id, first_month, last_month FROM submission_months")?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, (r.get(1)?, r.get(2)?))))?
            .collect::<rusqlite::Result<HashMap<_, _>>>()?;
        Ok(rows)
    }

    /// Whether `table` has `column`: a catalog of an older release opened read-only is not
    /// migrated, so the readers of newer tables and columns ask first.
    pub(crate) fn has_column(&self, table: &str, column: &str) -> Result<bool> {
        column_exists(&self.conn, table, column)
    }

    /// Opens a catalog that exists already (an `akutt serve` request: the server created it
    /// at start), for reading and writing, without creating tables or migrating: what a
    /// request needs is a connection, not the schema work of [`Catalog::open`].
    pub fn connect(path: &Path) -> Result<Catalog> {
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        Ok(Catalog { conn })
    }

    /// Marks submissions left in `writing` by a crashed process as `aborted`. Call with the
    /// write lock held.
    pub fn abort_unfinished(&self) -> Result<usize> {
        Ok(self
            .conn
            .execute("UPDATE submissions SET status = 'aborted' WHERE status = 'writing'", [])?)
    }

    /// Registers an ingest before its files are written; returns its id and version.
    pub fn begin_submission(&mut self, s: &NewSubmission) -> Result<(i64, Option<i64>)> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: Option<i64> = match (&s.centre, &s.period_from, &s.period_to) {
            (Some(c), Some(f), Some(t)) => Some(
                tx.query_row(
                    "SELECT COALESCE(MAX(version), 0) + 1 FROM submissions WHERE centre = ?1 AND period_from = ?2 AND period_to = ?3",
                    params![c, f, t],
                    |r| r.get(0),
                )?,
            ),
            _ => None,
        };
        tx.execute(
            "INSERT INTO submissions (centre, period_from, period_to, version, status, file_name, sha256, bytes, mapping_version, received_at, kind)
             VALUES (?1, ?2, ?3, ?4, 'writing', ?5, ?6, ?7, ?8, ?9, ?10)",
            params![s.centre, s.period_from, s.period_to, version, s.file_name, s.sha256, s.bytes, s.mapping_version, now(), if s.kind.is_empty() { KIND_AMK } else { s.kind.as_str() }],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok((id, version))
    }

    /// Ends an ingest in one transaction. When accepted, the submission becomes current,
    /// supersedes the previous current version of the same centre and period, and a new
    /// data version is created. Returns the data version it is visible at.
    pub fn complete_submission(&mut self, id: i64, c: &Completion) -> Result<Option<i64>> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut data_version = None;
        if c.accepted {
            let (centre, from, to): (Option<String>, Option<String>, Option<String>) = tx
                .query_row(
                    "SELECT centre, period_from, period_to FROM submissions WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?;
            let dv: i64 =
                tx.query_row("SELECT COALESCE(MAX(version), 0) + 1 FROM data_versions", [], |r| {
                    r.get(0)
                })?;
            tx.execute("INSERT INTO data_versions (version, created_at, submission_id) VALUES (?1, ?2, ?3)", params![dv, now(), id])?;
            tx.execute(
                "UPDATE submissions SET superseded_at = ?1 WHERE status = 'accepted' AND superseded_at IS NULL
                 AND kind = (SELECT kind FROM submissions WHERE id = ?5) AND kind IN ('amk', 'anrop')
                 AND centre IS ?2 AND period_from IS ?3 AND period_to IS ?4 AND id != ?5",
                params![dv, centre, from, to, id],
            )?;
            data_version = Some(dv);
        }
        let status = if c.accepted { "accepted" } else { "rejected" };
        let n = tx.execute(
            "UPDATE submissions SET status = ?1, store_dir = ?2, data_version = ?3, rows = ?4, incidents_accepted = ?5,
             incidents_rejected = ?6, report = ?7 WHERE id = ?8 AND status = 'writing'",
            params![status, c.store_dir, data_version, c.rows, c.incidents_accepted, c.incidents_rejected, c.report_json, id],
        )?;
        if n != 1 {
            return Err(StoreError::Invalid(format!("submission {id} is not being written")));
        }
        if let (true, Some((first, last))) = (c.accepted, c.months) {
            tx.execute(
                "INSERT OR REPLACE INTO submission_months (submission_id, first_month, last_month) VALUES (?1, ?2, ?3)",
                params![id, first, last],
            )?;
        }
        tx.commit()?;
        Ok(data_version)
    }

    /// Records the SHA-256 and size of a submission's file, known only once it has been
    /// read whole.
    pub fn set_file_digest(&mut self, id: i64, sha256: &str, bytes: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE submissions SET sha256 = ?1, bytes = ?2 WHERE id = ?3",
            params![sha256, bytes, id],
        )?;
        Ok(())
    }

    pub fn submissions(&self) -> Result<Vec<Submission>> {
        let mut st = self
            .conn
            .prepare(&format!("SELECT {SUBMISSION_COLUMNS} FROM submissions ORDER BY id"))?;
        let rows = st.query_map([], submission_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    pub fn submission(&self, id: i64) -> Result<Option<Submission>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE id = ?1"),
                [id],
                submission_from_row,
            )
            .optional()?)
    }

    pub fn report(&self, id: i64) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT report FROM submissions WHERE id = ?1", [id], |r| r.get(0))
            .optional()?
            .flatten())
    }

    /// Stores a population table as a new data version; returns that data version.
    pub fn save_population(
        &mut self,
        entries: &[(String, i32, u64)],
        sha256: &str,
        source: &str,
    ) -> Result<i64> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let dv = new_reference_version(&tx)?;
        tx.execute("INSERT INTO population_versions (data_version, source, sha256, loaded_at) VALUES (?1, ?2, ?3, ?4)", params![dv, source, sha256, now()])?;
        let id = tx.last_insert_rowid();
        {
            let mut st = tx.prepare("INSERT INTO population_entries (population_version_id, kommune, year, inhabitants) VALUES (?1, ?2, ?3, ?4)")?;
            for (k, y, n) in entries {
                st.execute(params![id, k, y, *n as i64])?;
            }
        }
        tx.commit()?;
        Ok(dv)
    }

    /// Keeps a loaded file of the municipality register (read back by [`Catalog::register`])
    /// as a new data version, since answers by municipality change with it; returns it.
    pub fn save_municipality_file(&mut self, file: &MunicipalityFile) -> Result<i64> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let dv = new_reference_version(&tx)?;
        tx.execute(
            "INSERT INTO municipality_files (kind, year, valid_from, source, sha256, text, loaded_at, data_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                if file.year.is_some() { "structure" } else { "changes" },
                file.year,
                file.valid_from.to_string(),
                file.source,
                file.sha256,
                file.text,
                now(),
                dv
            ],
        )?;
        tx.commit()?;
        Ok(dv)
    }

    /// Keeps a centre-area file (checked by the caller) as a new data version; returns it.
    pub fn save_centre_areas(&mut self, text: &str, sha256: &str, source: &str) -> Result<i64> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let dv = new_reference_version(&tx)?;
        tx.execute(
            "INSERT INTO centre_area_files (data_version, source, sha256, text, loaded_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![dv, source, sha256, text, now()],
        )?;
        tx.commit()?;
        Ok(dv)
    }

    /// Keeps the boundaries of a structure (checked by the caller) as a new data version.
    pub fn save_boundaries(
        &mut self,
        structure: i32,
        text: &str,
        sha256: &str,
        source: &str,
    ) -> Result<i64> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let dv = new_reference_version(&tx)?;
        tx.execute(
            "INSERT INTO boundary_files (data_version, structure, source, sha256, text, loaded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![dv, structure, source, sha256, text, now()],
        )?;
        tx.commit()?;
        Ok(dv)
    }

    /// The latest loaded boundaries of a structure: `(sha256, GeoJSON text)`.
    pub fn boundaries(&self, structure: i32) -> Result<Option<(String, String)>> {
        if !self.has_column("boundary_files", "text")? {
            return Ok(None);
        }
        Ok(self
            .conn
            .query_row(
                "SELECT sha256, text FROM boundary_files WHERE structure = ?1 ORDER BY data_version DESC LIMIT 1",
                [structure],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// The SHA-256 of the latest loaded boundaries of a structure (cheap: to tell whether a
    /// cached projection is still current).
    pub fn boundaries_sha256(&self, structure: i32) -> Result<Option<String>> {
        if !self.has_column("boundary_files", "sha256")? {
            return Ok(None);
        }
        Ok(self
            .conn
            .query_row(
                "SELECT sha256 FROM boundary_files WHERE structure = ?1 ORDER BY data_version DESC LIMIT 1",
                [structure],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The structures with loaded boundaries.
    pub fn boundary_structures(&self) -> Result<Vec<i32>> {
        if !self.has_column("boundary_files", "structure")? {
            return Ok(Vec::new());
        }
        let mut st = self
            .conn
            .prepare("SELECT DISTINCT structure FROM boundary_files ORDER BY structure")?;
        let rows = st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<i32>>>()?;
        Ok(rows)
    }

    /// The centres' areas in force at a data version (the latest load at or before it).
    pub fn centre_areas_at(&self, data_version: i64) -> Result<Option<CentreAreas>> {
        if !self.has_column("centre_area_files", "text")? {
            return Ok(None);
        }
        let row: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT source, text FROM centre_area_files WHERE data_version <= ?1 ORDER BY data_version DESC LIMIT 1",
                [data_version],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(source, text)| {
            CentreAreas::parse(&text)
                .map_err(|e| StoreError::Invalid(format!("centre areas {source}: {e}")))
        })
        .transpose()
    }

    /// The files loaded into the municipality register, oldest first.
    pub fn municipality_files(&self) -> Result<Vec<MunicipalityFile>> {
        self.municipality_files_at(i64::MAX)
    }

    /// The files loaded into the municipality register by `data_version`, oldest first.
    pub fn municipality_files_at(&self, data_version: i64) -> Result<Vec<MunicipalityFile>> {
        // A catalog from before register loads were versioned, opened read-only (so not
        // migrated), has no data_version column: its loads count from the start.
        if !self.has_column("municipality_files", "text")? {
            return Ok(Vec::new());
        }
        let versioned = self.has_column("municipality_files", "data_version")?;
        let mut st = self.conn.prepare(if versioned {
            "SELECT year, valid_from, source, sha256, text FROM municipality_files WHERE COALESCE(data_version, 0) <= ?1 ORDER BY id"
        } else {
            "SELECT year, valid_from, source, sha256, text FROM municipality_files WHERE ?1 = ?1 ORDER BY id"
        })?;
        let rows = st
            .query_map([data_version], |r| {
                Ok((
                    r.get::<_, Option<i32>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(year, from, source, sha256, text)| {
                let valid_from = from.parse().map_err(|_| {
                    StoreError::Invalid(format!("municipality file {source}: date {from:?}"))
                })?;
                Ok(MunicipalityFile { year, valid_from, source, sha256, text })
            })
            .collect()
    }

    /// The municipality register: the shipped structures and changes with every loaded file
    /// on top (a loaded structure of a shipped year replaces it).
    pub fn register(&self) -> Result<Register> {
        self.register_at(i64::MAX)
    }

    /// The register as it was at `data_version` (the shipped structures and what had been
    /// loaded by then): an answer `--as-of` a version is given in that version's structures.
    pub fn register_at(&self, data_version: i64) -> Result<Register> {
        let mut r = Register::standard().clone();
        for f in self.municipality_files_at(data_version)? {
            r = f
                .apply(r)
                .map_err(|e| StoreError::Invalid(format!("municipality file {}: {e}", f.source)))?;
        }
        Ok(r)
    }

    /// The population in force at a data version (the latest load at or before it).
    pub fn population_at(&self, data_version: i64) -> Result<Option<Vec<(String, i32, u64)>>> {
        let id: Option<i64> = self
            .conn
            .query_row("SELECT id FROM population_versions WHERE data_version <= ?1 ORDER BY data_version DESC LIMIT 1", [data_version], |r| r.get(0))
            .optional()?;
        let Some(id) = id else { return Ok(None) };
        let mut st = self.conn.prepare("SELECT kommune, year, inhabitants FROM population_entries WHERE population_version_id = ?1")?;
        let rows = st
            .query_map([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i32>(1)?,
                    r.get::<_, i64>(2)?.max(0).unsigned_abs(),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Some(rows))
    }

    /// Adds a user with a role (`admin`, `analyst` or `centre:CODE`) and the SHA-256 of its
    /// token (the token itself is never stored).
    pub fn add_user(&mut self, name: &str, role: &str, token_sha256: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO users (name, role, token_sha256, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![name, role, token_sha256, now()],
            )
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    StoreError::Invalid(format!("a user named «{name}» exists already"))
                }
                e => e.into(),
            })?;
        Ok(())
    }

    /// The user (name, role) holding a token, by the token's SHA-256.
    pub fn user_by_token(&self, token_sha256: &str) -> Result<Option<(String, String)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT name, role FROM users WHERE token_sha256 = ?1 AND disabled_at IS NULL",
                [token_sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Every user: name, role, created, disabled (when), in name order.
    pub fn users(&self) -> Result<Vec<UserRow>> {
        let mut st = self
            .conn
            .prepare("SELECT name, role, created_at, disabled_at FROM users ORDER BY name")?;
        let rows = st
            .query_map([], |r| {
                Ok(UserRow {
                    name: r.get(0)?,
                    role: r.get(1)?,
                    created_at: r.get(2)?,
                    disabled_at: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Disables a user at once: its token and every session of it stop working. Returns
    /// false when there is no such (enabled) user.
    pub fn disable_user(&mut self, name: &str) -> Result<bool> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute(
            "UPDATE users SET disabled_at = ?2 WHERE name = ?1 AND disabled_at IS NULL",
            params![name, now()],
        )?;
        tx.execute("DELETE FROM sessions WHERE user_name = ?1", [name])?;
        tx.commit()?;
        Ok(n > 0)
    }

    /// Gives a user a new token (by its SHA-256): the old token and every session end.
    /// Returns false when there is no such (enabled) user.
    pub fn rotate_token(&mut self, name: &str, token_sha256: &str) -> Result<bool> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute(
            "UPDATE users SET token_sha256 = ?2 WHERE name = ?1 AND disabled_at IS NULL",
            params![name, token_sha256],
        )?;
        tx.execute("DELETE FROM sessions WHERE user_name = ?1", [name])?;
        tx.commit()?;
        Ok(n > 0)
    }

    /// Starts a session of a user (by the SHA-256 of its id) at `now` (Unix seconds), and
    /// ends the sessions that have expired (`idle`, `max_age` as in [`Catalog::session_user`]).
    pub fn create_session(
        &self,
        id_sha256: &str,
        user: &str,
        now: i64,
        idle: i64,
        max_age: i64,
    ) -> Result<()> {
        self.conn.execute(
            "DELETE FROM sessions WHERE last_seen < ?1 OR created_at < ?2",
            params![now - idle, now - max_age],
        )?;
        self.conn.execute(
            "INSERT INTO sessions (id_sha256, user_name, created_at, last_seen) VALUES (?1, ?2, ?3, ?3)",
            params![id_sha256, user, now],
        )?;
        Ok(())
    }

    /// The user (name, role) of a live session: not idle longer than `idle` seconds, not
    /// older than `max_age`, its user enabled. A read; the session is marked seen at most
    /// once a minute, so a signed-in page costs no catalog write (idle time is thus exact
    /// to a minute).
    pub fn session_user(
        &self,
        id_sha256: &str,
        now: i64,
        idle: i64,
        max_age: i64,
    ) -> Result<Option<(String, String)>> {
        let found: Option<(String, String, i64)> = self
            .conn
            .query_row(
                "SELECT u.name, u.role, s.last_seen FROM sessions s \
                 JOIN users u ON u.name = s.user_name \
                 WHERE s.id_sha256 = ?1 AND u.disabled_at IS NULL \
                 AND s.last_seen >= ?2 AND s.created_at >= ?3",
                params![id_sha256, now - idle, now - max_age],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((name, role, last_seen)) = found else { return Ok(None) };
        if now - last_seen >= 60 {
            self.conn.execute(
                "UPDATE sessions SET last_seen = ?2 WHERE id_sha256 = ?1",
                params![id_sha256, now],
            )?;
        }
        Ok(Some((name, role)))
    }

    /// Ends a session (logout).
    pub fn end_session(&self, id_sha256: &str) -> Result<()> {
        self.conn.execute("DELETE FROM sessions WHERE id_sha256 = ?1", [id_sha256])?;
        Ok(())
    }

    /// Writes one line of the audit log.
    pub fn audit(
        &self,
        user: Option<(&str, &str)>,
        method: &str,
        path: &str,
        status: u16,
    ) -> Result<()> {
        self.record(&NewAudit { user, method, path, status, client: None, detail: None })
    }

    /// Writes one line of the audit log, with the client's address and a detail (an
    /// upload's submission and SHA-256).
    pub fn record(&self, a: &NewAudit<'_>) -> Result<()> {
        self.conn.execute(
            "INSERT INTO audit_log (at, user_name, role, method, path, status, client, detail) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                now(),
                a.user.map(|u| u.0),
                a.user.map(|u| u.1),
                a.method,
                a.path,
                a.status,
                a.client,
                a.detail
            ],
        )?;
        Ok(())
    }

    /// The audit log, oldest first.
    pub fn audit_log(&self) -> Result<Vec<AuditEntry>> {
        let mut st = self.conn.prepare(
            "SELECT at, user_name, role, method, path, status, client, detail FROM audit_log ORDER BY id",
        )?;
        let rows = st
            .query_map([], |r| {
                Ok(AuditEntry {
                    at: r.get(0)?,
                    user: r.get(1)?,
                    role: r.get(2)?,
                    method: r.get(3)?,
                    path: r.get(4)?,
                    status: r.get(5)?,
                    client: r.get(6)?,
                    detail: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The latest data version (0 when nothing has been accepted).
    pub fn latest_data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT COALESCE(MAX(version), 0) FROM data_versions", [], |r| r.get(0))?)
    }

    /// Submission versions visible at a data version (default: the latest).
    pub fn visible_at(&self, data_version: Option<i64>) -> Result<Vec<Submission>> {
        let v = match data_version {
            Some(v) => v,
            None => self.latest_data_version()?,
        };
        let mut st = self.conn.prepare(&format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE status = 'accepted' AND data_version <= ?1
             AND (superseded_at IS NULL OR superseded_at > ?1) AND kind = 'amk' ORDER BY id"
        ))?;
        let rows = st.query_map([v], submission_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// 113 call logs visible at a data version (default: the latest): the current version of
    /// each centre and period at that data version.
    pub fn calls_visible_at(&self, data_version: Option<i64>) -> Result<Vec<Submission>> {
        let v = match data_version {
            Some(v) => v,
            None => self.latest_data_version()?,
        };
        let mut st = self.conn.prepare(&format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE status = 'accepted' AND data_version <= ?1
             AND (superseded_at IS NULL OR superseded_at > ?1) AND kind = 'anrop' ORDER BY id"
        ))?;
        let rows = st.query_map([v], submission_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// NEMSIS submissions visible at a data version (default: the latest), oldest first:
    /// a record in a later one replaces the same agency + UUID in an earlier one.
    pub fn nemsis_visible_at(&self, data_version: Option<i64>) -> Result<Vec<Submission>> {
        let v = match data_version {
            Some(v) => v,
            None => self.latest_data_version()?,
        };
        let mut st = self.conn.prepare(&format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE status = 'accepted' AND data_version <= ?1 AND kind = 'nemsis' ORDER BY data_version, id"
        ))?;
        let rows = st.query_map([v], submission_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Store directories any submission still names (everything else may be collected).
    pub fn referenced_store_dirs(&self) -> Result<Vec<String>> {
        let mut st =
            self.conn.prepare("SELECT store_dir FROM submissions WHERE store_dir IS NOT NULL")?;
        let rows = st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(rows)
    }

    /// Saves a new mapping-table version for a centre; returns its version number.
    pub fn save_mapping(
        &mut self,
        centre: &str,
        table: &MappingTable,
        sha256: &str,
        source: &str,
    ) -> Result<i64> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM mapping_versions WHERE centre = ?1",
            [centre],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO mapping_versions (centre, version, sha256, source, loaded_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![centre, version, sha256, source, now()],
        )?;
        let mv = tx.last_insert_rowid();
        {
            let mut st = tx.prepare(
                "INSERT INTO mapping_entries (mapping_version_id, kodeverk, local_code, national_code, valid_from, valid_to) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for e in table.entries() {
                let d = |x: Option<NaiveDate>| x.map(|d| d.format("%Y-%m-%d").to_string());
                st.execute(params![
                    mv,
                    e.list.name(),
                    e.local,
                    e.national,
                    d(e.valid_from),
                    d(e.valid_to)
                ])?;
            }
        }
        tx.commit()?;
        Ok(version)
    }

    /// The latest mapping table of a centre, with its version.
    pub fn mapping(&self, centre: &str) -> Result<Option<(i64, MappingTable)>> {
        let Some((id, version)): Option<(i64, i64)> = self
            .conn
            .query_row("SELECT id, version FROM mapping_versions WHERE centre = ?1 ORDER BY version DESC LIMIT 1", [centre], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
        else {
            return Ok(None);
        };
        let mut st = self.conn.prepare(
            "SELECT kodeverk, local_code, national_code, valid_from, valid_to FROM mapping_entries WHERE mapping_version_id = ?1",
        )?;
        let date =
            |s: Option<String>| s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok());
        let entries = st
            .query_map([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .filter_map(|(l, local, national, f, t)| {
                Some(MappingEntry {
                    list: CodeList::parse(&l)?,
                    local,
                    national,
                    valid_from: date(f),
                    valid_to: date(t),
                })
            });
        let table = MappingTable::from_entries(entries).map_err(StoreError::Invalid)?;
        Ok(Some((version, table)))
    }

    pub fn mapping_versions(&self) -> Result<Vec<MappingVersion>> {
        let mut st = self.conn.prepare(
            "SELECT m.centre, m.version, m.sha256, m.source, m.loaded_at, (SELECT COUNT(*) FROM mapping_entries e WHERE e.mapping_version_id = m.id)
             FROM mapping_versions m ORDER BY m.centre, m.version",
        )?;
        let rows = st
            .query_map([], |r| {
                Ok(MappingVersion {
                    centre: r.get(0)?,
                    version: r.get(1)?,
                    sha256: r.get(2)?,
                    source: r.get(3)?,
                    loaded_at: r.get(4)?,
                    entries: usize::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// When a data version was made (RFC 3339, UTC); `None` for a version that does not exist.
    pub fn data_version_created_at(&self, version: i64) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT created_at FROM data_versions WHERE version = ?1", [version], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn data_versions(&self) -> Result<Vec<DataVersion>> {
        let mut st = self.conn.prepare(
            "SELECT version, created_at, submission_id FROM data_versions ORDER BY version",
        )?;
        let rows = st
            .query_map([], |r| {
                Ok(DataVersion {
                    version: r.get(0)?,
                    created_at: r.get(1)?,
                    submission_id: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A catalog of an older release, opened read-only (so not migrated), still answers:
    /// no register loads, centre areas or boundaries yet.
    #[test]
    fn an_older_catalog_reads_without_migration() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.sqlite");
        drop(Catalog::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "DROP TABLE boundary_files; DROP TABLE centre_area_files;
             ALTER TABLE municipality_files DROP COLUMN data_version;",
        )
        .unwrap();
        drop(conn);
        let c = Catalog::open_read_only(&path).unwrap();
        assert_eq!(c.register().unwrap().structures().len(), 2);
        assert!(c.centre_areas_at(1).unwrap().is_none());
        assert!(c.boundary_structures().unwrap().is_empty());
        assert!(c.boundaries(2024).unwrap().is_none());
        // Opened for writing, it is migrated.
        drop(c);
        let c = Catalog::open(&path).unwrap();
        assert!(c.has_column("municipality_files", "data_version").unwrap());
        assert!(c.has_column("boundary_files", "text").unwrap());
    }
}
