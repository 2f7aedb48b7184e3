//! One ingest, end to end: scan, fold, validate, pseudonymise, write, commit.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

use akutt_extract::{fold, scan, scan_and_fold, scan_head, Column, Event, Folded, Scan};
use akutt_model::municipality::Register;
use akutt_model::time::format_oslo;
use akutt_model::{Finding, Severity};
use akutt_rules::{
    is_valid_fnr, missing_incident_id, reporting_period, validate, Context, MappingStats,
    MappingTable, Pseudonymiser, MASKED,
};
use akutt_store::catalog::{Completion, NewSubmission};
use akutt_store::{Catalog, DataDir, StoreError, TableSet};
use sha2::Digest;

use crate::archive::ArchiveWriter;
use crate::report::{
    Counts, Coverage, FindingOut, Period, Report, SubmissionOut, MAX_LISTED_FINDINGS,
};

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}")]
    Io { path: String, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{path}: {message}")]
    Mapping { path: String, message: String },
    #[error("XML Schema validation")]
    Xsd(#[from] akutt_xsd::XsdError),
    /// The file is byte for byte the current version of its centre and period: storing it
    /// again would make a new data version with nothing new.
    #[error("{path}: identisk med innsending {submission} (versjon {version}), ikke lagret på nytt / identical to submission {submission} (version {version}, SHA-256 {sha256}), not stored again")]
    Identical { path: String, submission: i64, version: i64, sha256: String },
}

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> IngestError + '_ {
    move |source| IngestError::Io { path: path.display().to_string(), source }
}

/// What a submitted file is, decided once by its first bytes: every path that takes a file
/// (the CLI, the server's upload and its access rule) asks this, so a file cannot be judged
/// as one kind and ingested as another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A centre extract, import format v1 (DOMAIN.md §5).
    Extract,
    /// A NEMSIS v3.5 EMSDataSet (XML: the first byte that is not white space is `<`).
    Nemsis,
    /// A 113 switchboard call log, import format `anrop` v1 (§11: the header names
    /// `Anrops-ID`).
    CallLog,
}

impl FileKind {
    pub fn of(path: &Path) -> Result<FileKind, IngestError> {
        Ok(if crate::nemsis::looks_like_xml(path)? {
            FileKind::Nemsis
        } else if crate::calls::looks_like_call_log(path)? {
            FileKind::CallLog
        } else {
            FileKind::Extract
        })
    }
}

/// The result of an ingest: the report, and whether the file was accepted.
#[derive(Debug)]
pub struct IngestOutcome {
    pub report: Report,
    pub accepted: bool,
}

/// Ingests one extract file into the data directory. `progress` is called with
/// (bytes read, bytes in all) while the file is read.
pub fn ingest(
    data: &DataDir,
    key: &[u8],
    path: &Path,
    mut progress: impl FnMut(u64, u64),
) -> Result<IngestOutcome, IngestError> {
    match FileKind::of(path)? {
        FileKind::Nemsis => return crate::nemsis::ingest_nemsis(data, path),
        FileKind::CallLog => return crate::calls::ingest_calls(data, path),
        FileKind::Extract => {}
    }
    let _lock = data.lock()?;
    let mut catalog = Catalog::open(&data.catalog_path())?;
    catalog.abort_unfinished()?;
    data.collect_garbage(&catalog.referenced_store_dirs()?)?;

    let file_name = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let open = || File::open(path).map(|f| BufReader::with_capacity(1 << 20, f)).map_err(io(path));
    // The header and first row say which centre and period this is. A file they already
    // reject is scanned whole, for the complete list of file-level findings (without a usable
    // header the head has read it whole already).
    let head = scan_head(open()?);
    let head = if head.is_rejected() && head.header.is_some() { scan(open()?) } else { head };
    let bytes = std::fs::metadata(path).map_err(io(path))?.len();
    let centre = head.submission.centre().map(str::to_string);
    let iso = |d: Option<chrono::NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
    let mapping = match &centre {
        Some(c) => catalog.mapping(c)?,
        None => None,
    };
    let new = NewSubmission {
        centre: centre.clone(),
        period_from: iso(head.submission.period_from),
        period_to: iso(head.submission.period_to),
        file_name: file_name.clone(),
        // Known once the whole file is read; set when the submission is completed.
        sha256: if head.is_rejected() { head.sha256.clone() } else { String::new() },
        bytes: bytes as i64,
        mapping_version: mapping.as_ref().map(|(v, _)| *v),
        kind: akutt_store::KIND_AMK.into(),
    };
    // The same bytes as the current version of this centre and period: refused, nothing
    // stored (DOMAIN.md §12). One extra read of the file, before any work.
    if !head.is_rejected() {
        let digest = file_digest(path)?;
        let period = (new.period_from.as_deref(), new.period_to.as_deref());
        if let Some((submission, version)) = catalog.current_with_digest(
            akutt_store::KIND_AMK,
            centre.as_deref(),
            period,
            &digest,
        )? {
            return Err(IngestError::Identical {
                path: path.display().to_string(),
                submission,
                version,
                sha256: digest,
            });
        }
    }
    let (id, version) = catalog.begin_submission(&new)?;
    let mut report = Report {
        submission: SubmissionOut {
            id,
            centre: centre.clone(),
            period: Period { from: new.period_from.clone(), to: new.period_to.clone() },
            version,
            status: "rejected".into(),
            file: file_name,
            sha256: head.sha256.clone(),
            encoding: head.header.as_ref().map(|_| head.encoding.name().to_string()),
            mapping_version: new.mapping_version,
            data_version: None,
        },
        counts: Counts { rows: head.rows, ..Counts::default() },
        findings: Vec::new(),
        findings_not_listed: 0,
        findings_per_rule: BTreeMap::new(),
        completeness: BTreeMap::new(),
        mapping_coverage: BTreeMap::new(),
        time_range: None,
        notices: head.notices.clone(),
        synthetic: false,
    };
    if head.is_rejected() {
        return reject_file(&mut catalog, id, report, &head);
    }

    let table = mapping.map(|(_, t)| t).unwrap_or_default();
    let pseudonymiser = Pseudonymiser::new(key);
    let register = catalog.register()?;
    let fresh = report.clone();
    let job = Job {
        register: &register,
        path,
        id,
        centre: centre.as_deref().unwrap_or(""),
        mapping: &table,
        pseudonymiser: &pseudonymiser,
        bytes,
    };
    // The submission (centre, period, mapping) was chosen from the head: the whole read must
    // agree with it.
    let changed = |s: &Scan| {
        (s.header.is_none()
            || s.submission.centre() != head.submission.centre()
            || s.submission.period_from != head.submission.period_from
            || s.submission.period_to != head.submission.period_to)
            .then(|| IngestError::Io {
                path: path.display().to_string(),
                source: std::io::Error::other("the file changed while it was being read"),
            })
    };
    // One pass when the rows of each incident stand together (the usual extract); two when
    // they do not, or when the file turns out to be rejected.
    let work = data.new_work_dir(&format!("ingest-{id}"))?;
    let (work, s, written) =
        match write_version(&job, Pass::Single(&head), &work, &mut report, &mut progress)? {
            Written::All(s, counts) => (work, s, counts),
            Written::Stopped(s) => {
                std::fs::remove_dir_all(&work).map_err(io(&work))?;
                report = fresh;
                if let Some(e) = changed(&s) {
                    return Err(e);
                }
                if s.is_rejected() {
                    report.counts.rows = s.rows;
                    return reject_file(&mut catalog, id, report, &s);
                }
                let work = data.new_work_dir(&format!("ingest-{id}"))?;
                match write_version(
                    &job,
                    Pass::Second(Box::new(s)),
                    &work,
                    &mut report,
                    &mut progress,
                )? {
                    Written::All(s, counts) => (work, s, counts),
                    // The second pass folds every row; stopping would be a bug, not bad input.
                    Written::Stopped(_) => {
                        return Err(internal(path, "the second pass stopped early"))
                    }
                }
            }
        };
    if let Some(e) = changed(&s) {
        return Err(e);
    }
    finish(data, &mut catalog, &work, id, report, &s, written)
}

/// The SHA-256 of a file, as the catalog records it (lowercase hex).
fn file_digest(path: &Path) -> Result<String, IngestError> {
    use sha2::Digest;
    let mut f = File::open(path).map_err(io(path))?;
    let mut h = sha2::Sha256::new();
    std::io::copy(&mut f, &mut h).map_err(io(path))?;
    Ok(hex::encode(h.finalize()))
}

/// An error that is a bug of the registry, not a problem of the file.
fn internal(path: &Path, what: &str) -> IngestError {
    IngestError::Io {
        path: path.display().to_string(),
        source: std::io::Error::other(format!("internal error: {what}")),
    }
}

/// What an ingest needs besides the rows.
struct Job<'a> {
    path: &'a Path,
    id: i64,
    centre: &'a str,
    mapping: &'a MappingTable,
    pseudonymiser: &'a Pseudonymiser,
    /// Municipality numbers are judged by it (E108, W211).
    register: &'a Register,
    /// The file's size, for progress.
    bytes: u64,
}

/// Ends a file-level rejection: the report lists the file findings only.
fn reject_file(
    catalog: &mut Catalog,
    id: i64,
    mut report: Report,
    s: &Scan,
) -> Result<IngestOutcome, IngestError> {
    for f in &s.findings {
        add_finding(&mut report, f);
    }
    report.submission.sha256 = s.sha256.clone();
    catalog.set_file_digest(id, &s.sha256, s.bytes as i64)?;
    let completion = Completion {
        accepted: false,
        rows: s.rows as i64,
        report_json: report.to_json(),
        ..Completion::default()
    };
    catalog.complete_submission(id, &completion)?;
    Ok(IngestOutcome { report, accepted: false })
}

fn finish(
    data: &DataDir,
    catalog: &mut Catalog,
    work: &Path,
    id: i64,
    mut report: Report,
    s: &Scan,
    written: (u64, u64),
) -> Result<IngestOutcome, IngestError> {
    report.submission.sha256 = s.sha256.clone();
    report.counts.rows = s.rows;
    catalog.set_file_digest(id, &s.sha256, s.bytes as i64)?;
    commit_accepted(data, catalog, work, id, report, s.rows, written)
}

/// Publishes a finished work directory as submission `id` and makes it current in one
/// catalog transaction; the report names the data version it became visible at.
pub(crate) fn commit_accepted(
    data: &DataDir,
    catalog: &mut Catalog,
    work: &Path,
    id: i64,
    mut report: Report,
    rows: u64,
    (accepted, rejected): (u64, u64),
) -> Result<IngestOutcome, IngestError> {
    let store_name = format!("submission-{id}");
    data.publish(work, &store_name)?;
    report.submission.status = "accepted".into();
    // The report names its own data version: under the writer lock it is the next one.
    report.submission.data_version = Some(catalog.latest_data_version()? + 1);
    let months = akutt_store::compact::month_range(&data.store_dir(&store_name));
    let completion = Completion {
        accepted: true,
        store_dir: Some(store_name),
        rows: rows as i64,
        incidents_accepted: accepted as i64,
        incidents_rejected: rejected as i64,
        report_json: report.to_json(),
        months,
    };
    let dv = catalog.complete_submission(id, &completion)?;
    debug_assert_eq!(
        dv, report.submission.data_version,
        "the writer lock makes the next data version predictable"
    );
    report.submission.data_version = dv;
    Ok(IngestOutcome { report, accepted: true })
}

pub(crate) fn add_finding(report: &mut Report, f: &Finding) {
    *report.findings_per_rule.entry(f.code.code().to_string()).or_default() += 1;
    if report.findings.len() < MAX_LISTED_FINDINGS {
        report.findings.push(FindingOut::from(f));
    } else {
        report.findings_not_listed += 1;
    }
}

/// Which reading [`write_version`] does.
enum Pass<'s> {
    /// Scan and fold at once ([`scan_and_fold`]), given the head of the file.
    Single(&'s Scan),
    /// Fold after a whole-file scan ([`fold`]); the scan is handed back when done.
    Second(Box<Scan>),
}

/// What [`write_version`] produced.
enum Written {
    /// Every row folded, validated and written: the whole-file scan and (incidents
    /// accepted, incidents rejected).
    All(Scan, (u64, u64)),
    /// The single pass stopped folding (rows of an incident apart, or a file-level finding):
    /// the work directory is to be discarded; the scan covers the whole file.
    Stopped(Scan),
}

/// Reads the extract, validates every incident and writes the Parquet tables and the
/// pseudonymised archive copy into `work`.
fn write_version(
    job: &Job<'_>,
    pass: Pass<'_>,
    work: &Path,
    report: &mut Report,
    progress: &mut impl FnMut(u64, u64),
) -> Result<Written, IngestError> {
    let known: &Scan = match &pass {
        Pass::Single(head) => head,
        Pass::Second(s) => s,
    };
    let path = job.path;
    let Some(header) = known.header.as_ref() else {
        return Err(internal(job.path, "an accepted scan without a header"));
    };
    let tables = TableSet::create(work, job.id, job.centre)?;
    let archive_path = work.join("archive.csv");
    let mut archive = ArchiveWriter::new(BufWriter::with_capacity(
        1 << 20,
        akutt_store::private::create_file(&archive_path).map_err(io(&archive_path))?,
    ));
    let raw_header = crate::archive::screened(&header.raw, None);
    archive.write(raw_header.as_ref().unwrap_or(&header.raw), None).map_err(io(&archive_path))?;
    let fnr_pos = header.position(Column::Fodselsnummer);
    let present: Vec<(usize, String)> = header
        .columns()
        .filter_map(|c| header.position(c).map(|p| (p, c.name().to_string())))
        .collect();
    let mut filled = vec![0u64; present.len()];
    let period = reporting_period(known.submission.period_from, known.submission.period_to);
    let pseudonymiser = job.pseudonymiser;
    let ctx =
        Context { header, mapping: job.mapping, pseudonymiser, period, register: job.register };
    let mut failure: Option<IngestError> = None;
    // (fødselsnummer as read, its replacement in the archive) for the last row that had one.
    let mut last_fnr: (Vec<u8>, String) = (Vec::new(), String::new());
    let total = job.bytes;
    let mut rows_seen = 0u64;
    // Three threads: this one reads (CSV, decoding, archive copy, completeness); a worker
    // validates, and hands accepted incidents to a third that encodes the tables. Batches
    // cross bounded channels, so memory stays bounded whatever the file size.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Work>>(CHANNEL_DEPTH);
    let (worker_result, read) = std::thread::scope(|scope| {
        let report_ref = &mut *report;
        let ctx_ref = &ctx;
        let worker = scope.spawn(move || validate_and_write(rx, ctx_ref, tables, report_ref));
        let mut batch: Batch<Work> = Batch::default();
        let mut handle = |event: Event<'_>| {
            if failure.is_some() {
                return;
            }
            let full = match event {
                Event::Row { record, offset, .. } => {
                    rows_seen += 1;
                    if rows_seen.is_multiple_of(4096) {
                        progress(offset, total);
                    }
                    for (k, (p, _)) in present.iter().enumerate() {
                        if record
                            .get(*p)
                            .is_some_and(|v| v.iter().any(|b| !b.is_ascii_whitespace()))
                        {
                            filled[k] += 1;
                        }
                    }
                    // The archive copy: the original row with the fødselsnummer pseudonymised
                    // and any valid number in another field masked.
                    let masked = crate::archive::screened(record, fnr_pos);
                    let record = masked.as_ref().unwrap_or(record);
                    let result = match fnr_pos
                        .and_then(|p| record.get(p))
                        .filter(|v| v.iter().any(|b| !b.is_ascii_whitespace()))
                    {
                        None => archive.write(record, None),
                        Some(field) => {
                            // The rows of a patient follow each other: the last replacement
                            // is kept (in memory only) so each number is hashed once in a row.
                            if last_fnr.0.as_slice() != field {
                                let v = String::from_utf8_lossy(field);
                                let v = v.trim();
                                last_fnr.1 = if is_valid_fnr(v) {
                                    format!("PSEUDONYM:{}", pseudonymiser.pseudonym(v))
                                } else {
                                    MASKED.to_string()
                                };
                                last_fnr.0.clear();
                                last_fnr.0.extend_from_slice(field);
                            }
                            archive.write(record, fnr_pos.map(|p| (p, last_fnr.1.as_bytes())))
                        }
                    };
                    if let Err(e) = result {
                        failure = Some(io(&archive_path)(e));
                    }
                    None
                }
                Event::MissingId(row) => batch.push(Work::MissingId(row.line), 1),
                Event::Incident(raw) => {
                    let rows = raw.rows.len();
                    batch.push(Work::Incident(raw), rows)
                }
            };
            if full.is_some_and(|full| tx.send(full).is_err()) {
                failure = Some(IngestError::Io {
                    path: path.display().to_string(),
                    source: std::io::Error::other("the validation thread stopped"),
                });
            }
        };
        let input =
            File::open(path).map(|f| BufReader::with_capacity(1 << 20, f)).map_err(io(path));
        let read: Result<Option<(Scan, Folded)>, IngestError> =
            input.and_then(|input| match &pass {
                Pass::Single(_) => Ok(Some(scan_and_fold(input, &mut handle))),
                Pass::Second(s) => fold(input, s, &mut handle).map(|()| None).map_err(io(path)),
            });
        if let Some(rest) = batch.rest() {
            let _ = tx.send(rest);
        }
        drop(tx);
        // The archive copy is complete once reading is: flush and sync it while the worker
        // finishes the last batches (unless this version is to be discarded).
        let keep = matches!(read, Ok(Some((_, Folded::All)) | None));
        let archived = keep.then(|| -> Result<(), IngestError> {
            let mut w = archive.into_inner();
            w.flush().map_err(io(&archive_path))?;
            w.get_ref().sync_all().map_err(io(&archive_path))
        });
        let written = worker.join().map_err(|_| IngestError::Io {
            path: path.display().to_string(),
            source: std::io::Error::other("the validation thread panicked"),
        });
        (written, (read, archived))
    });
    let (read, archived) = read;
    let scanned = read?;
    // The worker's own error (a failed table write) explains a stopped channel best.
    let (accepted, rejected, range, stats) = worker_result??;
    if let Some(e) = failure {
        return Err(e);
    }
    let scanned = match scanned {
        Some((s, Folded::Stopped)) => return Ok(Written::Stopped(s)),
        Some((s, Folded::All)) => Some(s),
        None => None,
    };
    let rows = scanned.as_ref().unwrap_or(known).rows;
    progress(total, total);
    archived.unwrap_or_else(|| {
        Err(io(&archive_path)(std::io::Error::other("the archive copy was not finished")))
    })?;
    akutt_store::layout::sync_dir(work)?;

    report.findings.sort_by(|a, b| (a.line, &a.code).cmp(&(b.line, &b.code)));
    report.counts.incidents_accepted = accepted;
    report.counts.incidents_rejected = rejected;
    let rows = rows.max(1) as f64;
    for ((_, name), n) in present.iter().zip(filled) {
        report.completeness.insert(name.clone(), round4(n as f64 / rows));
    }
    for (list, looked, mapped) in stats.coverage() {
        report.mapping_coverage.insert(
            list.name().to_string(),
            Coverage { looked_up: looked, mapped, share: round4(mapped as f64 / looked as f64) },
        );
    }
    report.time_range =
        range.map(|(a, b)| Period { from: Some(format_oslo(a)), to: Some(format_oslo(b)) });
    let s = match (scanned, pass) {
        (Some(s), _) => s,
        (None, Pass::Second(s)) => *s,
        (None, Pass::Single(_)) => return Err(internal(path, "the single pass made no scan")),
    };
    Ok(Written::All(s, (accepted, rejected)))
}

/// Incidents per batch handed from one thread to the next.
const BATCH: usize = 512;

/// At most about this many rows per batch (a batch of large incidents is sent early), so
/// that what waits in the channels is bounded in rows, not only in incidents.
const BATCH_ROWS: usize = 4096;

/// A batch being gathered for the next thread.
struct Batch<T> {
    items: Vec<T>,
    rows: usize,
}

impl<T> Default for Batch<T> {
    fn default() -> Self {
        Batch { items: Vec::with_capacity(BATCH), rows: 0 }
    }
}

impl<T> Batch<T> {
    /// Adds an item of `rows` rows; returns the batch to send once it is full ([`BATCH`]
    /// items or [`BATCH_ROWS`] rows).
    fn push(&mut self, item: T, rows: usize) -> Option<Vec<T>> {
        self.items.push(item);
        self.rows += rows;
        (self.items.len() >= BATCH || self.rows >= BATCH_ROWS).then(|| std::mem::take(self).items)
    }

    /// What is left at the end, if anything.
    fn rest(self) -> Option<Vec<T>> {
        (!self.items.is_empty()).then_some(self.items)
    }
}

/// Batches waiting in each channel between threads.
const CHANNEL_DEPTH: usize = 32;

/// What the reading thread hands over.
enum Work {
    Incident(akutt_extract::RawIncident),
    MissingId(u64),
}

type Validated = (u64, u64, Option<(i64, i64)>, MappingStats);

/// The worker thread: validates incidents and fills the report; accepted incidents go on to
/// a third thread that encodes the Parquet tables.
fn validate_and_write(
    rx: std::sync::mpsc::Receiver<Vec<Work>>,
    ctx: &Context<'_>,
    mut tables: TableSet,
    report: &mut Report,
) -> Result<Validated, IngestError> {
    let mut stats = MappingStats::default();
    let (mut accepted, mut rejected) = (0u64, 0u64);
    let mut range: Option<(i64, i64)> = None;
    let (to_writer, from_validator) =
        std::sync::mpsc::sync_channel::<Vec<akutt_model::Incident>>(CHANNEL_DEPTH);
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || -> Result<(), IngestError> {
            for batch in from_validator {
                for inc in &batch {
                    tables.push(inc)?;
                }
            }
            tables.finish()?;
            Ok(())
        });
        let mut out: Batch<akutt_model::Incident> = Batch::default();
        let mut writer_gone = false;
        for batch in rx {
            for work in batch {
                let raw = match work {
                    Work::MissingId(line) => {
                        add_finding(report, &missing_incident_id(line));
                        continue;
                    }
                    Work::Incident(raw) => raw,
                };
                let outcome = validate(&raw, ctx, &mut stats);
                report.counts.incidents += 1;
                for f in &outcome.findings {
                    add_finding(report, f);
                }
                match outcome.incident {
                    Some(inc) => {
                        accepted += 1;
                        let c = &mut report.counts;
                        c.contacts += inc.contacts.len() as u64;
                        c.patients += inc.patients.len() as u64;
                        c.actions += inc.actions.len() as u64;
                        c.missions += inc.missions().count() as u64;
                        if let Some(t0) = inc.t0() {
                            range = Some(range.map_or((t0, t0), |(a, b)| (a.min(t0), b.max(t0))));
                        }
                        let rows = 1 + inc.contacts.len() + inc.patients.len() + inc.actions.len();
                        if let Some(full) = out.push(inc, rows) {
                            writer_gone = writer_gone || to_writer.send(full).is_err();
                        }
                    }
                    None => {
                        debug_assert!(outcome
                            .findings
                            .iter()
                            .any(|f| f.severity() == Severity::Error));
                        rejected += 1;
                    }
                }
            }
            if writer_gone {
                break; // the writer failed; its error is returned below
            }
        }
        if let Some(rest) = out.rest() {
            let _ = to_writer.send(rest);
        }
        drop(to_writer);
        writer.join().map_err(|_| IngestError::Io {
            path: "parquet".into(),
            source: std::io::Error::other("the table writer panicked"),
        })?
    })?;
    Ok((accepted, rejected, range, stats))
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Loads a centre's mapping table file (UTF-8 or Windows-1252) into the catalog as a new
/// version; returns (version, entries).
pub fn load_mappings(
    data: &DataDir,
    path: &Path,
    centre: &str,
) -> Result<(i64, usize), IngestError> {
    let bytes = std::fs::read(path).map_err(io(path))?;
    let sha = hex::encode(sha2::Sha256::digest(&bytes));
    let text = akutt_extract::decode_text(&bytes);
    let table = MappingTable::parse(&text).map_err(|errs| IngestError::Mapping {
        path: path.display().to_string(),
        message: errs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"),
    })?;
    let _lock = data.lock()?;
    let mut catalog = Catalog::open(&data.catalog_path())?;
    let source = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let v = catalog.save_mapping(centre, &table, &sha, &source)?;
    Ok((v, table.len()))
}

#[cfg(test)]
mod tests {
    use super::{Batch, BATCH, BATCH_ROWS};

    #[test]
    fn a_batch_is_full_at_its_item_or_row_limit() {
        let mut b: Batch<u32> = Batch::default();
        for _ in 1..BATCH {
            assert_eq!(b.push(7, 1), None);
        }
        assert_eq!(b.push(9, 1).map(|v| v.len()), Some(BATCH));
        // Large incidents: sent by rows, long before BATCH of them.
        let per = BATCH_ROWS / 4;
        for i in 0..3 {
            assert_eq!(b.push(i, per), None);
        }
        assert_eq!(b.push(3, per), Some(vec![0, 1, 2, 3]));
        assert_eq!(b.push(7, 1), None);
        assert_eq!(b.rest(), Some(vec![7]));
        assert_eq!(Batch::<u32>::default().rest(), None);
    }
}
