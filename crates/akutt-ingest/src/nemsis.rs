//! The ingest of a NEMSIS v3.5 EMSDataSet file (docs/NEMSIS.md): read and check it
//! (akutt-nemsis: well-formed, no DOCTYPE, the right root and namespace), validate it against
//! the XSD (akutt-xsd, libxml2), then store its records as a new NEMSIS submission. Records
//! are identified by agency + UUID: a re-sent record replaces the earlier one when read.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use akutt_model::{Finding, RuleCode};
use akutt_nemsis::{read, Limits, PcrRecord};
use akutt_store::catalog::{Completion, NewSubmission};
use akutt_store::{Catalog, DataDir, NemsisWriter, KIND_NEMSIS};
use sha2::Digest;

use crate::pipeline::{add_finding, commit_accepted, io, IngestError, IngestOutcome};
use crate::report::{Counts, Period, Report, SubmissionOut};

/// Where the embedded NEMSIS schemas are written for libxml2 to read.
pub fn schema_dir(data: &DataDir) -> std::path::PathBuf {
    data.root().join("reference").join("nemsis-xsd-3.5.0")
}

/// True when the file's first significant byte (after a BOM and white space) is `<`: an
/// XML document, never an import-format-v1 CSV (whose header starts with a column name).
pub fn looks_like_xml(path: &Path) -> Result<bool, IngestError> {
    let mut head = [0u8; 512];
    let mut f = File::open(path).map_err(io(path))?;
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]).map_err(io(path))? {
            0 => break,
            k => n += k,
        }
    }
    let bytes = head[..n].strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head[..n]);
    Ok(bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<'))
}

fn sha256_of(path: &Path) -> Result<(String, u64), IngestError> {
    let mut f = BufReader::with_capacity(1 << 20, File::open(path).map_err(io(path))?);
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(io(path))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((hex::encode(h.finalize()), bytes))
}

fn utc_date(t: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(t, 0).map(|d| d.format("%Y-%m-%d").to_string())
}

/// Ingests one NEMSIS EMSDataSet file. Exit semantics as for extracts: accepted unless a
/// file-level finding (F101–F104) rejects it.
pub fn ingest_nemsis(data: &DataDir, path: &Path) -> Result<IngestOutcome, IngestError> {
    let _lock = data.lock()?;
    let mut catalog = Catalog::open(&data.catalog_path())?;
    catalog.abort_unfinished()?;
    data.collect_garbage(&catalog.referenced_store_dirs()?)?;
    let file_name = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let (sha256, bytes) = sha256_of(path)?;

    // Pass 1: the streaming reader (refuses DOCTYPE before libxml2 ever sees the file).
    let mut records: Vec<PcrRecord> = Vec::new();
    let summary = read(
        BufReader::with_capacity(1 << 20, File::open(path).map_err(io(path))?),
        Limits::default(),
        |r| records.push(r),
    );
    let mut findings: Vec<Finding> = summary.findings.clone();
    // Pass 2: the XML Schema, only for a file the reader could read.
    if !summary.is_rejected() {
        let schema = akutt_xsd::Schema::nemsis_v350(&schema_dir(data))?;
        let (violations, total) = schema.validate_file(path)?;
        for v in &violations {
            let mut f = Finding::new(RuleCode::F103, &v.message, &v.message);
            f.line = v.line;
            f.column = v.element.clone();
            findings.push(f);
        }
        if total > violations.len() as u64 {
            let more = total - violations.len() as u64;
            findings.push(Finding::new(
                RuleCode::F103,
                format!("og {more} brudd til"),
                format!("and {more} more violations"),
            ));
        }
    }
    let rejected = findings.iter().any(|f| f.severity() == akutt_model::Severity::File);
    let agency = summary.agency.clone().or_else(|| records.iter().find_map(|r| r.agency.clone()));
    let (from, to) = match summary.time_range {
        Some((a, b)) => (utc_date(a), utc_date(b)),
        None => (None, None),
    };
    let new = NewSubmission {
        centre: agency.clone(),
        period_from: from.clone(),
        period_to: to.clone(),
        file_name: file_name.clone(),
        sha256: sha256.clone(),
        bytes: bytes as i64,
        mapping_version: None,
        kind: KIND_NEMSIS.into(),
    };
    let (id, version) = catalog.begin_submission(&new)?;
    let incidents: HashSet<String> = records.iter().map(PcrRecord::incident_key).collect();
    let rejected_records = summary.reports_seen.saturating_sub(summary.records_accepted);
    let mut report = Report {
        submission: SubmissionOut {
            id,
            centre: agency,
            period: Period { from, to },
            version,
            status: "rejected".into(),
            file: file_name,
            sha256,
            encoding: Some("UTF-8".into()),
            mapping_version: None,
            data_version: None,
        },
        counts: Counts {
            rows: summary.reports_seen,
            incidents: incidents.len() as u64,
            incidents_accepted: if rejected { 0 } else { summary.records_accepted },
            incidents_rejected: if rejected { summary.reports_seen } else { rejected_records },
            contacts: 0,
            patients: records.iter().filter(|r| r.unit_disposition.as_deref() == Some("4227001")).count() as u64,
            actions: 0,
            missions: records.len() as u64,
            ..Counts::default()
        },
        findings: Vec::new(),
        findings_not_listed: 0,
        findings_per_rule: BTreeMap::new(),
        completeness: completeness(&records),
        mapping_coverage: BTreeMap::new(),
        time_range: None,
        notices: vec![
            "NEMSIS v3.5 EMSDataSet: rows = PatientCareReports read, incidents = distinct agency + eResponse.03, \
             incidents_accepted/rejected = records (PCRs) accepted/rejected, missions = unit responses stored, \
             patients = records with patient contact (eDisposition.27 = 4227001)."
                .into(),
        ],
        synthetic: false,
    };
    for f in &findings {
        add_finding(&mut report, f);
    }
    if rejected {
        let completion = Completion {
            accepted: false,
            rows: summary.reports_seen as i64,
            report_json: report.to_json(),
            ..Completion::default()
        };
        catalog.complete_submission(id, &completion)?;
        return Ok(IngestOutcome { report, accepted: false });
    }
    let (earlier, _) = akutt_store::nemsis::load_nemsis(data, &catalog, None)?;
    let earlier: HashSet<(Option<String>, String)> =
        earlier.into_iter().map(|r| (r.agency, r.uuid)).collect();
    let replaced =
        records.iter().filter(|r| earlier.contains(&(r.agency.clone(), r.uuid.clone()))).count();
    if replaced > 0 {
        report.notices.push(format!("{replaced} record(s) replace records sent earlier (same agency and UUID) / {replaced} journal(er) erstatter tidligere innsendte"));
    }
    let work = data.new_work_dir(&format!("nemsis-{id}"))?;
    let mut writer = NemsisWriter::create(&work, id)?;
    for r in &records {
        writer.push(r)?;
    }
    writer.finish()?;
    commit_accepted(
        data,
        &mut catalog,
        &work,
        id,
        report,
        summary.reports_seen,
        (summary.records_accepted, rejected_records),
    )
}

/// Share of records with each element the benchmark reads.
fn completeness(records: &[PcrRecord]) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    if records.is_empty() {
        return out;
    }
    let n = records.len() as f64;
    let share = |f: &dyn Fn(&PcrRecord) -> bool| records.iter().filter(|r| f(r)).count() as f64 / n;
    out.insert("eResponse.03".into(), share(&|r| r.incident_number.is_some()));
    out.insert("eResponse.05".into(), share(&|r| r.type_of_service.is_some()));
    out.insert("eResponse.23".into(), share(&|r| r.response_mode.is_some()));
    out.insert("eTimes.01".into(), share(&|r| r.times.psap_call.is_some()));
    out.insert("eTimes.03".into(), share(&|r| r.times.unit_notified.is_some()));
    out.insert("eTimes.06".into(), share(&|r| r.times.on_scene.is_some()));
    out.insert("eSituation.11".into(), share(&|r| !r.symptoms_impressions.is_empty()));
    out
}
