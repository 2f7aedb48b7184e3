//! The ingest of a 113 call log (DOMAIN.md §11, import format `anrop` v1): read and validate
//! it (akutt-calls, the queue mapped through kodeverk `linje` of the centre's mapping table),
//! then store its accepted calls as a new version of the centre and period; an identical
//! file is refused, as for extracts.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use akutt_model::time::format_oslo;
use akutt_store::catalog::{Completion, NewSubmission};
use akutt_store::{CallWriter, Catalog, DataDir, KIND_ANROP};

use crate::pipeline::{add_finding, commit_accepted, io, IngestError, IngestOutcome};
use crate::report::{Counts, Coverage, Period, Report, SubmissionOut};

/// True when the file's header names `Anrops-ID` (a call log, §11).
pub fn looks_like_call_log(path: &Path) -> Result<bool, IngestError> {
    let mut head = Vec::with_capacity(4096);
    File::open(path).map_err(io(path))?.take(4096).read_to_end(&mut head).map_err(io(path))?;
    Ok(akutt_calls::looks_like_call_log(&head))
}

/// Ingests one call log. Accepted unless a file-level finding (F001–F004) rejects it; an
/// error rejects its call only.
pub fn ingest_calls(data: &DataDir, path: &Path) -> Result<IngestOutcome, IngestError> {
    let _lock = data.lock()?;
    let mut catalog = Catalog::open(&data.catalog_path())?;
    catalog.abort_unfinished()?;
    data.collect_garbage(&catalog.referenced_store_dirs()?)?;
    let file_name = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let mut mapping_version = None;
    let mut lookup_error = None;
    let log = akutt_calls::read(
        BufReader::with_capacity(1 << 20, File::open(path).map_err(io(path))?),
        |centre| match centre.map(|c| catalog.mapping(c)) {
            Some(Ok(Some((v, t)))) => {
                mapping_version = Some(v);
                t
            }
            Some(Err(e)) => {
                lookup_error = Some(e);
                akutt_rules::MappingTable::default()
            }
            _ => akutt_rules::MappingTable::default(),
        },
    );
    if let Some(e) = lookup_error {
        return Err(e.into());
    }
    let iso = |d: Option<chrono::NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
    let (from, to) = (iso(log.period_from), iso(log.period_to));
    if !log.is_rejected() {
        if let Some((submission, version)) = catalog.current_with_digest(
            KIND_ANROP,
            log.centre.as_deref(),
            (from.as_deref(), to.as_deref()),
            &log.sha256,
        )? {
            return Err(IngestError::Identical {
                path: path.display().to_string(),
                submission,
                version,
                sha256: log.sha256.clone(),
            });
        }
    }
    let new = NewSubmission {
        centre: log.centre.clone(),
        period_from: from.clone(),
        period_to: to.clone(),
        file_name: file_name.clone(),
        sha256: log.sha256.clone(),
        bytes: log.bytes as i64,
        mapping_version,
        kind: KIND_ANROP.into(),
    };
    let (id, version) = catalog.begin_submission(&new)?;
    let rejected = log.is_rejected();
    let accepted_calls = if rejected { 0 } else { log.calls.len() as u64 };
    let mut mapping_coverage = BTreeMap::new();
    if log.queues_looked_up > 0 {
        mapping_coverage.insert(
            "linje".to_string(),
            Coverage {
                looked_up: log.queues_looked_up,
                mapped: log.queues_mapped,
                share: log.queues_mapped as f64 / log.queues_looked_up as f64,
            },
        );
    }
    let range = log.calls.iter().map(|c| c.received).fold(None, |r: Option<(i64, i64)>, t| {
        Some(r.map_or((t, t), |(a, b)| (a.min(t), b.max(t))))
    });
    let mut report = Report {
        submission: SubmissionOut {
            id,
            centre: log.centre.clone(),
            period: Period { from, to },
            version,
            status: "rejected".into(),
            file: file_name,
            sha256: log.sha256.clone(),
            encoding: log.encoding.map(str::to_string),
            mapping_version,
            data_version: None,
        },
        counts: Counts {
            rows: log.rows,
            calls: Some(log.calls_seen),
            calls_accepted: Some(accepted_calls),
            calls_rejected: Some(log.calls_seen - accepted_calls),
            ..Counts::default()
        },
        findings: Vec::new(),
        findings_not_listed: 0,
        findings_per_rule: BTreeMap::new(),
        completeness: log.completeness.iter().map(|(c, v)| ((*c).to_string(), *v)).collect(),
        mapping_coverage,
        time_range: range
            .map(|(a, b)| Period { from: Some(format_oslo(a)), to: Some(format_oslo(b)) }),
        notices: log.notices.clone(),
        synthetic: false,
    };
    for f in &log.findings {
        add_finding(&mut report, f);
    }
    if rejected {
        let completion = Completion {
            accepted: false,
            rows: log.rows as i64,
            report_json: report.to_json(),
            ..Completion::default()
        };
        catalog.complete_submission(id, &completion)?;
        return Ok(IngestOutcome { report, accepted: false });
    }
    let work = data.new_work_dir(&format!("anrop-{id}"))?;
    let mut writer = CallWriter::create(&work, id, log.centre.as_deref().unwrap_or(""))?;
    for c in &log.calls {
        writer.push(c)?;
    }
    writer.finish()?;
    commit_accepted(
        data,
        &mut catalog,
        &work,
        id,
        report,
        log.rows,
        (accepted_calls, log.calls_seen - accepted_calls),
    )
}

/// The centre a call log is for (`Kode for helseforetak/Enhet` of its first row), for the
/// access rule of an upload: a centre user submits its own logs only.
pub fn call_log_centre(path: &Path) -> Result<Option<String>, IngestError> {
    let file = BufReader::new(File::open(path).map_err(io(path))?);
    Ok(akutt_calls::read(file, |_| akutt_rules::MappingTable::default()).centre)
}
