//! The in-memory body of the extract fuzz target (`fuzz/fuzz_targets/extract.rs`), shared
//! with the test that replays the seed corpus: scan, fold and validate arbitrary bytes, and
//! check the invariants that must hold for any input.

use crate::archive;
use akutt_extract::{fold, scan, scan_and_fold, Event, Folded, RawIncident};
use akutt_model::Severity;
use akutt_rules::{validate, Context, MappingStats, MappingTable, Pseudonymiser, MASKED};

/// Runs the whole reading and validation path over `data`. Panics only when an invariant
/// is broken (which is what the fuzzer looks for).
pub fn run(data: &[u8]) {
    let s = scan(data);
    // The single pass scans exactly as the first pass does, and when it folds every row it
    // hands over the same incidents in the same order as the second pass.
    let mut single: Vec<RawIncident> = Vec::new();
    let mut single_missing = Vec::new();
    let (one, folded) = scan_and_fold(data, |e| match e {
        Event::Incident(raw) => single.push(raw),
        Event::MissingId(row) => single_missing.push(row.line),
        Event::Row { .. } => {}
    });
    assert_eq!(
        (&one.sha256, one.rows, one.bytes, &one.findings),
        (&s.sha256, s.rows, s.bytes, &s.findings),
        "the single pass scans like the first"
    );
    if s.is_rejected() {
        assert_eq!(folded, Folded::Stopped, "a rejected file is never folded whole");
    }
    if folded == Folded::All {
        let mut two: Vec<RawIncident> = Vec::new();
        let mut two_missing = Vec::new();
        fold(data, &s, |e| match e {
            Event::Incident(raw) => two.push(raw),
            Event::MissingId(row) => two_missing.push(row.line),
            Event::Row { .. } => {}
        })
        .expect("reading from memory cannot fail");
        let key = |v: &[RawIncident]| {
            v.iter().map(|i| (i.id.clone(), i.rows.clone())).collect::<Vec<_>>()
        };
        assert_eq!(key(&single), key(&two), "one pass and two passes fold alike");
        assert_eq!(single_missing, two_missing);
    }
    if s.is_rejected() {
        assert!(s.findings.iter().all(|f| f.severity() == Severity::File));
        return;
    }
    let mapping = MappingTable::default();
    let p = Pseudonymiser::new(b"fuzz");
    let Some(header) = s.header.as_ref() else { panic!("an accepted scan has a header") };
    let ctx = Context {
        header,
        mapping: &mapping,
        pseudonymiser: &p,
        period: Some((0, i64::MAX / 2)),
        register: akutt_model::municipality::Register::standard(),
    };
    let mut stats = MappingStats::default();
    let mut rows = 0u64;
    let mut rows_in_incidents = 0u64;
    fold(data, &s, |e| match e {
        Event::Row { record, .. } => {
            rows += 1;
            // The archive copy writes each row as the csv writer would, with or without a
            // replaced field.
            for replace in [
                None,
                Some((0, &b"PSEUDONYM:0a"[..])),
                Some((record.len().saturating_sub(1), &b";\""[..])),
            ] {
                assert_eq!(
                    archive::written(record, replace),
                    archive::written_by_csv_writer(record, replace),
                    "archive row {replace:?}"
                );
            }
        }
        Event::MissingId(_) => rows_in_incidents += 1,
        Event::Incident(raw) => {
            rows_in_incidents += raw.rows.len() as u64;
            let o = validate(&raw, &ctx, &mut stats);
            let has_error = o.findings.iter().any(|f| f.severity() == Severity::Error);
            assert_eq!(o.incident.is_some(), !has_error, "accepted exactly when no error");
            for f in &o.findings {
                assert!(f.severity() != Severity::File);
                if f.column.as_deref() == Some("Fødselsnummer") {
                    assert_eq!(
                        f.value.as_deref().unwrap_or(MASKED),
                        MASKED,
                        "a fødselsnummer is never shown"
                    );
                }
            }
        }
    })
    .expect("reading from memory cannot fail");
    assert_eq!(rows, s.rows, "both passes see the same rows");
    assert_eq!(rows_in_incidents, rows, "every row lands in exactly one incident or E101");
}

/// The body of the reference-data fuzz target (`fuzz/fuzz_targets/reference.rs`): the same
/// bytes as a municipality structure, a change list, centre areas, population and map
/// boundaries, read and checked as their loads do, then used (judged, translated, served)
/// when accepted. Panics only when an invariant is broken.
pub fn reference(data: &[u8]) {
    use akutt_model::centre_area::CentreAreas;
    use akutt_model::municipality::{parse_changes, parse_municipalities, Register};
    use akutt_store::MunicipalityFile;
    use chrono::NaiveDate;

    let text = akutt_extract::decode_text(data);
    let register = Register::standard();
    let reform = NaiveDate::from_ymd_opt(2028, 1, 1).unwrap_or_default();
    if let Ok(list) = parse_municipalities(&text) {
        for m in &list {
            assert!(
                m.number.len() == 4 && m.number.bytes().all(|b| b.is_ascii_digit()),
                "a structure's number is four digits: {:?}",
                m.number
            );
        }
    }
    let _ = parse_changes(&text, reform);
    let structure = MunicipalityFile {
        year: Some(2028),
        valid_from: reform,
        source: "fuzz".into(),
        sha256: String::new(),
        text: text.clone(),
    };
    let changes = MunicipalityFile { year: None, ..structure.clone() };
    let mut registers = Vec::new();
    if let Ok(r) = crate::check_municipality_file(register, &structure) {
        assert_eq!(r.newest().map(|s| s.year), Some(2028), "a loaded structure is the newest");
        if let Ok(r2) = crate::check_municipality_file(&r, &changes) {
            registers.push(r2);
        }
        registers.push(r);
    }
    if let Ok(r) = crate::check_municipality_file(register, &changes) {
        registers.push(r);
    }
    for r in &registers {
        let Some(newest) = r.newest() else { continue };
        for s in register.structures() {
            for m in &s.municipalities {
                let _ = r.judge(&m.number, reform);
                if let Some(t) = r.translate(&m.number, newest) {
                    assert!(newest.contains(&t.number), "a translation lands in its structure");
                }
                let _ = r.overlapping(&m.number, newest);
            }
        }
    }
    if let Ok(areas) = CentreAreas::parse(&text) {
        let newest = register.newest().expect("the shipped register has structures");
        for date in areas.change_dates().into_iter().take(8) {
            for p in areas.periods.iter().take(32) {
                for m in areas.served_by(&p.centre, date, register, newest) {
                    assert!(newest.contains(&m), "served places are of the structure asked");
                }
                let _ = areas.centres_of(&p.municipality, date, register);
            }
        }
    }
    if let Ok(rows) = crate::parse_population(&text) {
        let _ = crate::check_population(&rows, register);
    }
    if let Ok(b) = crate::check_boundaries(register, 2024, &text) {
        assert_eq!(b.municipalities, 357, "accepted boundaries cover the structure");
    }
}
