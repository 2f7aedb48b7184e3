//! Golden tests of the ingest pipeline around the rules: what a submission becomes in a data
//! directory (report, counts, stored tables, versions, the archive) for encodings, line ends,
//! daylight-saving days, resubmission and privacy. The rules themselves, one test per rule
//! code, are checked at their pure boundary in `akutt-rules/tests/rules.rs`.
//!
//! `check(csv, expect)` ingests an extract (see the shared `fixture` for the base row and its
//! overrides) into a fresh data directory and compares the report's findings, one line each
//! as `CODE line incident column`, with the snapshot (`UPDATE_EXPECT=1` rewrites it).

use std::path::Path;

use akutt_ingest::{ingest, load_mappings, IngestOutcome};
use akutt_store::{Catalog, DataDir};
use expect_test::{expect, Expect};
use sha2::Digest;

#[path = "../../akutt-rules/tests/fixture/mod.rs"]
mod fixture;

use fixture::{extract, finding_line, fnr, MAPPING};

struct Env {
    dir: tempfile::TempDir,
    data: DataDir,
    key: Vec<u8>,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::open(dir.path().join("data")).unwrap();
    let key =
        akutt_store::key::load_or_create(&dir.path().join("secret/key"), data.root()).unwrap();
    let m = dir.path().join("mapping.csv");
    std::fs::write(&m, MAPPING).unwrap();
    load_mappings(&data, &m, "OSL").unwrap();
    Env { dir, data, key }
}

impl Env {
    fn ingest_bytes(&self, name: &str, bytes: &[u8]) -> IngestOutcome {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        ingest(&self.data, &self.key, &p, |_, _| {}).unwrap()
    }
}

/// The report's findings, one sorted line each.
fn summary(o: &IngestOutcome) -> String {
    let mut lines: Vec<String> = o
        .report
        .findings
        .iter()
        .map(|f| finding_line(&f.code, f.line, f.incident.as_deref(), f.column.as_deref()))
        .collect();
    lines.sort();
    lines.concat()
}

#[track_caller]
fn check(csv: impl AsRef<[u8]>, expect: Expect) -> IngestOutcome {
    let o = env().ingest_bytes("extract.csv", csv.as_ref());
    expect.assert_eq(&summary(&o));
    // Every finding names its rule and has both messages.
    for f in &o.report.findings {
        assert!(!f.message.is_empty() && !f.message_en.is_empty());
    }
    o
}

// ---- a valid file ----

#[test]
fn valid_extract_is_accepted_without_findings() {
    let o = check(extract(&[&[]]), expect![[""]]);
    assert!(o.accepted);
    let c = &o.report.counts;
    assert_eq!((c.rows, c.incidents, c.incidents_accepted, c.incidents_rejected), (1, 1, 1, 0));
    assert_eq!((c.contacts, c.patients, c.actions, c.missions), (1, 1, 1, 1));
    assert_eq!(o.report.submission.status, "accepted");
    assert_eq!(o.report.submission.version, Some(1));
    assert_eq!(o.report.submission.centre.as_deref(), Some("OSL"));
    assert_eq!(o.report.submission.period.from.as_deref(), Some("2024-03-01"));
    assert_eq!(o.report.completeness["Hendelsesnummer"], 1.0);
    assert_eq!(o.report.mapping_coverage["tiltak"].share, 1.0);
}

#[test]
fn w208_in_the_cli_report() {
    check(
        extract(&[&[
            ("Dato fra", "01.10.2024"),
            ("Dato til", "31.10.2024"),
            ("Henvendelse dato/tid", "27.10.2024 02:30:00"),
            ("Hendelse opprettet dato/tid", "27.10.2024 02:30:20"),
            ("Utføres dato/tid", ""),
            ("Varslet dato/tid", "27.10.2024 02:31:00"),
            ("Rykker ut dato/tid", "27.10.2024 02:32:00"),
            ("Ankomst hentested dato/tid (Fremme)", "27.10.2024 02:40:00"),
            ("Avreist hentested dato/tid", "27.10.2024 02:55:00"),
            ("Ankomst leveringssted dato/tid (leveres)", "27.10.2024 03:10:00"),
            ("Ledig dato/tid", "27.10.2024 03:30:00"),
        ]]),
        expect![[r#"
            W208 2 H1 Ankomst hentested dato/tid (Fremme)
            W208 2 H1 Avreist hentested dato/tid
            W208 2 H1 Hendelse opprettet dato/tid
            W208 2 H1 Henvendelse dato/tid
            W208 2 H1 Rykker ut dato/tid
            W208 2 H1 Varslet dato/tid
        "#]],
    );
}

#[test]
fn the_report_counts_covers_and_masks_what_the_rules_found() {
    let mut bad = fnr().into_bytes();
    bad[10] = b'0' + (bad[10] - b'0' + 1) % 10;
    let bad = String::from_utf8(bad).unwrap();
    let o = check(
        extract(&[
            &[("Fødselsnummer", &bad)],
            &[("Hendelsesnummer", "H2"), ("Type hendelse", "Ukjent")],
            &[("Hendelsesnummer", "H3"), ("Kjønn", "3")],
        ]),
        expect![[r#"
            E102 4 H3 Kjønn
            E105 3 H2 Type hendelse
            W205 2 H1 Fødselsnummer
        "#]],
    );
    assert!(o.accepted);
    assert_eq!(o.report.submission.status, "accepted");
    let c = &o.report.counts;
    assert_eq!((c.incidents, c.incidents_accepted, c.incidents_rejected), (3, 1, 2));
    assert_eq!(o.report.findings_per_rule["W205"], 1);
    assert_eq!(o.report.mapping_coverage["hendelsestype"].share, 0.6667);
    let w205 = o.report.findings.iter().find(|f| f.code == "W205").unwrap();
    assert_eq!(w205.value.as_deref(), Some(akutt_rules::MASKED));
    assert!(!o.report.to_json().contains(&bad) && !o.report.to_text().contains(&bad));
}

#[test]
fn a_file_level_rejection_is_a_rejected_submission() {
    let o = check(
        extract(&[&[("-Type hendelse", "")]]),
        expect![[r#"
            F001 1 - Type hendelse
        "#]],
    );
    assert!(!o.accepted);
    assert_eq!(o.report.submission.status, "rejected");
    assert_eq!(o.report.counts.incidents, 0);
}

// ---- encodings ----

#[test]
fn windows_1252_extract_is_read() {
    let text = extract(&[&[("Type innringer", "Nødetat")]]);
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    let o = check(&bytes, expect![[""]]);
    assert_eq!(o.report.submission.encoding.as_deref(), Some("Windows-1252"));
    assert_eq!(o.report.mapping_coverage["innringer"].share, 1.0);
}

#[test]
fn utf8_with_bom_is_read() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(extract(&[&[]]).as_bytes());
    let o = check(&bytes, expect![[""]]);
    assert_eq!(o.report.submission.encoding.as_deref(), Some("UTF-8 (BOM)"));
}

#[test]
fn crlf_quoted_fields_and_unknown_columns() {
    let text =
        extract(&[&[("Navn på tiltakets ressurs (VaktID)", "\"A;11\"")]]).replace('\n', "\r\n");
    let text = text.replacen("Dato fra;", "Ekstra kolonne;Dato fra;", 1).replacen(
        "\r\n01.03",
        "\r\nx;01.03",
        1,
    );
    let o = check(text.as_bytes(), expect![[""]]);
    assert_eq!(o.report.notices.len(), 1, "{:?}", o.report.notices);
}

/// csv's `Position::line` is one short after a CRLF terminator (BurntSushi/rust-csv#395);
/// findings must still name the physical line. Found by the synthetic world's ground truth.
#[test]
fn crlf_findings_name_the_physical_line() {
    let rows: &[&[(&str, &str)]] = &[
        &[],
        &[("Hendelsesnummer", "H2"), ("Kjønn", "7")],
        &[("Hendelsesnummer", "")],
        &[("Hendelsesnummer", "H4"), ("Type hendelse", "Ukjent")],
    ];
    let lf = check(
        extract(rows),
        expect![[r#"
            E101 4 - Hendelsesnummer
            E102 3 H2 Kjønn
            E105 5 H4 Type hendelse
        "#]],
    );
    let crlf = env().ingest_bytes("crlf.csv", extract(rows).replace('\n', "\r\n").as_bytes());
    assert_eq!(summary(&crlf), summary(&lf));
}

#[test]
fn rows_of_an_incident_need_not_be_adjacent() {
    let o = check(
        extract(&[
            &[],
            &[("Hendelsesnummer", "H2")],
            &[("Tiltaksnummer", "2"), ("Navn på tiltakets ressurs (VaktID)", "A12")],
        ]),
        expect![[""]],
    );
    assert_eq!(
        (o.report.counts.incidents, o.report.counts.actions, o.report.counts.missions),
        (2, 3, 3)
    );
}

/// The stored incidents table of a submission, row by row, as text.
fn stored_incidents(e: &Env, o: &IngestOutcome) -> Vec<String> {
    let cat = Catalog::open(&e.data.catalog_path()).unwrap();
    let sub = cat.submission(o.report.submission.id).unwrap().unwrap();
    let path = e.data.store_dir(sub.store_dir.as_deref().unwrap()).join("incidents.parquet");
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(path).unwrap(),
    )
    .unwrap()
    .build()
    .unwrap();
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        for row in 0..batch.num_rows() {
            // Every column but submission_id and source_line, which differ by design.
            let cells: Vec<String> = (0..batch.num_columns())
                .filter(|c| {
                    !matches!(
                        batch.schema().field(*c).name().as_str(),
                        "submission_id" | "source_line"
                    )
                })
                .map(|c| format!("{:?}", batch.column(c).slice(row, 1)))
                .collect();
            out.push(cells.join("|"));
        }
    }
    out.sort();
    out
}

#[test]
fn stored_instants_are_parquet_timestamps_in_utc() {
    // DuckDB and Spark read a column as a timestamp only from Parquet's own TIMESTAMP type
    // (they ignore the embedded Arrow schema), and that type has no seconds unit.
    let e = env();
    let o = e.ingest_bytes("x.csv", extract(&[&[]]).as_bytes());
    let cat = Catalog::open(&e.data.catalog_path()).unwrap();
    let sub = cat.submission(o.report.submission.id).unwrap().unwrap();
    let path = e.data.store_dir(sub.store_dir.as_deref().unwrap()).join("incidents.parquet");
    let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(path).unwrap(),
    )
    .unwrap();
    let column = builder
        .parquet_schema()
        .columns()
        .iter()
        .find(|c| c.name() == "created_at")
        .unwrap()
        .clone();
    assert_eq!(
        column.logical_type_ref(),
        Some(&parquet::basic::LogicalType::timestamp(true, parquet::basic::TimeUnit::MILLIS))
    );
    let batch = builder.build().unwrap().next().unwrap().unwrap();
    // «05.03.2024 10:00:20» in Oslo (CET, UTC+1) is 09:00:20 UTC.
    let expected = chrono::NaiveDate::from_ymd_opt(2024, 3, 5)
        .unwrap()
        .and_hms_opt(9, 0, 20)
        .unwrap()
        .and_utc()
        .timestamp();
    let created = batch.column_by_name("created_at").unwrap();
    let raw = created.as_any().downcast_ref::<arrow_array::TimestampMillisecondArray>().unwrap();
    assert_eq!(raw.value(0), expected * 1000);
    assert_eq!(
        akutt_store::tables::InstantColumn::new(created.as_ref()).unwrap().get(0),
        Some(expected)
    );
}

#[test]
fn single_pass_and_two_pass_fallback_store_the_same() {
    // H1, H1, H2 is read in one pass; H1, H2, H1 makes H1 reappear, so the single pass
    // stops and the two passes run. Both store the same incidents and the file's digest.
    let action2: &[(&str, &str)] =
        &[("Tiltaksnummer", "2"), ("Navn på tiltakets ressurs (VaktID)", "A12")];
    let together = extract(&[&[], action2, &[("Hendelsesnummer", "H2")]]);
    let apart = extract(&[&[], &[("Hendelsesnummer", "H2")], action2]);
    let e = env();
    let one = e.ingest_bytes("together.csv", together.as_bytes());
    let two = e.ingest_bytes("apart.csv", apart.as_bytes());
    for (o, text) in [(&one, &together), (&two, &apart)] {
        assert!(o.accepted && o.report.findings.is_empty(), "{:?}", o.report.findings);
        let sha = hex::encode(sha2::Sha256::digest(text.as_bytes()));
        assert_eq!(o.report.submission.sha256, sha);
        let cat = Catalog::open(&e.data.catalog_path()).unwrap();
        let sub = cat.submission(o.report.submission.id).unwrap().unwrap();
        assert_eq!(
            (sub.sha256.as_str(), sub.bytes),
            (sha.as_str(), text.len() as i64),
            "the catalog holds the file's digest"
        );
    }
    assert_eq!(
        (one.report.counts.incidents, one.report.counts.actions, one.report.counts.rows),
        (2, 3, 3)
    );
    assert_eq!(
        (two.report.counts.incidents, two.report.counts.actions, two.report.counts.rows),
        (2, 3, 3)
    );
    assert_eq!(one.report.completeness, two.report.completeness);
    assert_eq!(stored_incidents(&e, &one), stored_incidents(&e, &two));
}

#[test]
fn file_rejected_after_valid_rows_stores_nothing_and_keeps_its_digest() {
    // F002 on the third row: the single pass has already folded two rows when it finds it.
    let text = extract(&[
        &[],
        &[("Hendelsesnummer", "H2")],
        &[("Hendelsesnummer", "H3"), ("Kode for helseforetak/Enhet", "BGO")],
    ]);
    let e = env();
    let o = e.ingest_bytes("bad.csv", text.as_bytes());
    assert!(!o.accepted);
    assert_eq!(summary(&o), "F002 4 - Kode for helseforetak/Enhet\n");
    assert_eq!((o.report.counts.incidents, o.report.counts.rows), (0, 3));
    let cat = Catalog::open(&e.data.catalog_path()).unwrap();
    let sub = cat.submission(o.report.submission.id).unwrap().unwrap();
    assert_eq!(sub.sha256, hex::encode(sha2::Sha256::digest(text.as_bytes())));
    assert!(sub.store_dir.is_none());
    let tmp: Vec<_> = std::fs::read_dir(e.data.root().join("tmp")).unwrap().collect();
    assert!(tmp.is_empty(), "no work directory is left behind");
}

// ---- counting rules at ingest ----

#[test]
fn borrowed_units_and_cancelled_orders_are_not_missions() {
    let o = check(
        extract(&[
            &[("Navn på tiltakets ressurs (VaktID)", "Ukjent ambulanse")],
            &[
                ("Tiltaksnummer", "2"),
                ("Tiltak kategori", "Utgår"),
                ("Varslet dato/tid", ""),
                ("Rykker ut dato/tid", ""),
                ("Ankomst hentested dato/tid (Fremme)", ""),
                ("Avreist hentested dato/tid", ""),
                ("Ankomst leveringssted dato/tid (leveres)", ""),
                ("Ledig dato/tid", ""),
                ("Navn på tiltakets ressurs (VaktID)", ""),
            ],
        ]),
        expect![[""]],
    );
    assert_eq!((o.report.counts.actions, o.report.counts.missions), (2, 0));
}

// ---- storage, versions, privacy ----

fn all_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            all_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn clear_fnr_reaches_no_file_in_the_data_directory() {
    let e = env();
    let clear = fnr();
    let mut bad = clear.clone().into_bytes();
    bad[10] = b'0' + (bad[10] - b'0' + 1) % 10;
    let bad = String::from_utf8(bad).unwrap();
    let text = extract(&[&[], &[("Hendelsesnummer", "H2"), ("Fødselsnummer", &bad)]]);
    let o = e.ingest_bytes("extract.csv", text.as_bytes());
    assert!(o.accepted);
    let mut files = Vec::new();
    all_files(e.data.root(), &mut files);
    assert!(files.iter().any(|f| f.ends_with("patients.parquet")));
    assert!(files.iter().any(|f| f.ends_with("archive.csv")));
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        for needle in [&clear, &bad] {
            assert!(
                !bytes.windows(11).any(|w| w == needle.as_bytes()),
                "{} contains a clear fødselsnummer",
                f.display()
            );
        }
    }
    let archive = files.iter().find(|f| f.ends_with("archive.csv")).unwrap();
    let archived = std::fs::read_to_string(archive).unwrap();
    assert!(archived.contains("PSEUDONYM:") && archived.contains(akutt_rules::MASKED));
}

/// The attack of issue 14: a stray `;` moves a valid fødselsnummer into
/// `Folkeregisterkommune` (and every later cell one column on); others stand in a free-text
/// cell with a dash, and past the last column. None may reach a file, the report or a finding
/// in clear (DOMAIN.md §9).
#[test]
fn a_shifted_fodselsnummer_is_masked_everywhere() {
    let e = env();
    let clear = fnr();
    let (birth, person) = clear.split_at(6);
    let dashed = format!("{birth}-{person}");
    let shifted = format!(";{clear}");
    let text = extract(&[
        &[("Fødselsnummer", &shifted)],
        &[("Hendelsesnummer", "H2"), ("Navn på tiltakets ressurs (VaktID)", &dashed)],
        &[("Hendelsesnummer", "H3"), ("Type leveringssted (gruppering)", &format!("SH;{clear}"))],
    ]);
    let o = e.ingest_bytes("extract.csv", text.as_bytes());
    assert!(o.report.findings.iter().any(|f| f.value.as_deref() == Some("***********")));
    let (json, report) = (o.report.to_json(), o.report.to_text());
    let mut files = Vec::new();
    all_files(e.data.root(), &mut files);
    assert!(files.iter().any(|f| f.ends_with("archive.csv")));
    let mut places: Vec<(String, Vec<u8>)> =
        files.iter().map(|f| (f.display().to_string(), std::fs::read(f).unwrap())).collect();
    places.push(("the report (JSON)".into(), json.into_bytes()));
    places.push(("the report (text)".into(), report.into_bytes()));
    let spaced = format!("{birth} {person}");
    for (place, bytes) in &places {
        for needle in [&clear, &dashed, &spaced] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{place} shows the fødselsnummer in clear as {needle}"
            );
        }
    }
}

/// Issue 14: the data directory was world-readable (catalog with audit log and reports,
/// archive copies, `patients.parquet`: 0644/0755). Now every folder is 0700, every file 0600.
#[test]
fn the_data_directory_is_private_to_its_user() {
    use std::os::unix::fs::PermissionsExt;
    let e = env();
    let o = e.ingest_bytes("extract.csv", extract(&[&[], &[("Hendelsesnummer", "H2")]]).as_bytes());
    assert!(o.accepted);
    let mut files = Vec::new();
    all_files(e.data.root(), &mut files);
    assert!(files.iter().any(|f| f.ends_with("patients.parquet")));
    assert!(files.iter().any(|f| f.ends_with("catalog.sqlite")));
    for f in &files {
        let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} is {mode:o}", f.display());
        let mut dir = f.parent();
        while let Some(d) = dir.filter(|d| d.starts_with(e.data.root())) {
            let mode = std::fs::metadata(d).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{} is {mode:o}", d.display());
            dir = d.parent();
        }
    }
    assert!(akutt_store::private::wider_than_private(e.data.root()).is_empty());
}

#[test]
fn resubmission_supersedes_and_keeps_the_old_version() {
    let e = env();
    let first = e.ingest_bytes("v1.csv", extract(&[&[]]).as_bytes());
    let second = e.ingest_bytes("v2.csv", extract(&[&[], &[("Hendelsesnummer", "H2")]]).as_bytes());
    assert_eq!(
        (first.report.submission.version, second.report.submission.version),
        (Some(1), Some(2))
    );
    assert_eq!(
        (first.report.submission.data_version, second.report.submission.data_version),
        (Some(1), Some(2))
    );
    let cat = Catalog::open(&e.data.catalog_path()).unwrap();
    let now: Vec<i64> = cat.visible_at(None).unwrap().iter().map(|s| s.id).collect();
    let then: Vec<i64> = cat.visible_at(Some(1)).unwrap().iter().map(|s| s.id).collect();
    assert_eq!(now, vec![second.report.submission.id]);
    assert_eq!(then, vec![first.report.submission.id]);
    // The old version's files stay for audit and reproducibility.
    for s in cat.submissions().unwrap() {
        assert!(e
            .data
            .store_dir(s.store_dir.as_deref().unwrap())
            .join("incidents.parquet")
            .exists());
    }
    // A rejected file gets a version but supersedes nothing.
    let rejected = e.ingest_bytes("v3.csv", extract(&[&[("-Type hendelse", "")]]).as_bytes());
    assert!(!rejected.accepted);
    assert_eq!(rejected.report.submission.version, Some(3));
    assert_eq!(cat.visible_at(None).unwrap().len(), 1);
    assert_eq!(cat.latest_data_version().unwrap(), 2);
    // Another period of the same centre is a separate submission.
    let other = e.ingest_bytes(
        "apr.csv",
        extract(&[&[
            ("Dato fra", "01.04.2024"),
            ("Dato til", "30.04.2024"),
            ("Henvendelse dato/tid", "05.04.2024 10:00:00"),
            ("Hendelse opprettet dato/tid", "05.04.2024 10:00:20"),
            ("Utføres dato/tid", ""),
            ("Varslet dato/tid", "05.04.2024 10:01:30"),
            ("Rykker ut dato/tid", "05.04.2024 10:02:00"),
            ("Ankomst hentested dato/tid (Fremme)", "05.04.2024 10:09:00"),
            ("Avreist hentested dato/tid", "05.04.2024 10:25:00"),
            ("Ankomst leveringssted dato/tid (leveres)", "05.04.2024 10:40:00"),
            ("Ledig dato/tid", "05.04.2024 11:00:00"),
        ]])
        .as_bytes(),
    );
    assert_eq!(other.report.findings.len(), 0, "{:?}", other.report.findings);
    assert_eq!(other.report.submission.version, Some(1));
    assert_eq!(cat.visible_at(None).unwrap().len(), 2);
}

#[test]
fn an_identical_resubmission_is_refused_and_stores_nothing() {
    let e = env();
    let v1 = extract(&[&[]]);
    let v2 = extract(&[&[], &[("Hendelsesnummer", "H2")]]);
    let first = e.ingest_bytes("v1.csv", v1.as_bytes());
    assert!(first.accepted);
    let cat = Catalog::open(&e.data.catalog_path()).unwrap();
    let before = (cat.submissions().unwrap().len(), cat.latest_data_version().unwrap());
    // The same bytes under another name: refused, naming the submission it equals.
    let again = e.dir.path().join("v1-again.csv");
    std::fs::write(&again, v1.as_bytes()).unwrap();
    match ingest(&e.data, &e.key, &again, |_, _| {}) {
        Err(akutt_ingest::IngestError::Identical { submission, version, sha256, .. }) => {
            assert_eq!((submission, version), (first.report.submission.id, 1));
            assert_eq!(sha256, first.report.submission.sha256);
        }
        other => panic!("not refused: {:?}", other.map(|o| o.report.submission)),
    }
    assert_eq!((cat.submissions().unwrap().len(), cat.latest_data_version().unwrap()), before);
    // A changed file is a new version; then the first file again differs from the current
    // one and is a new version too (going back is a real resubmission).
    assert_eq!(e.ingest_bytes("v2.csv", v2.as_bytes()).report.submission.version, Some(2));
    let back = ingest(&e.data, &e.key, &again, |_, _| {}).unwrap();
    assert_eq!(back.report.submission.version, Some(3));
    assert_eq!(cat.latest_data_version().unwrap(), 3);
}

// ---- fuzzing ----

#[test]
fn fuzz_corpus_replays() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/extract");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let bytes = std::fs::read(e.path()).unwrap();
        akutt_ingest::fuzzing::run(&bytes);
        // Every prefix, too: a truncated upload must never panic.
        for cut in (0..bytes.len()).step_by(97) {
            akutt_ingest::fuzzing::run(&bytes[..cut]);
        }
        n += 1;
    }
    assert!(n >= 8, "the seed corpus is in fuzz/corpus/extract ({n} files)");
}

#[test]
fn reference_fuzz_corpus_replays() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/reference");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let bytes = std::fs::read(e.path()).unwrap();
        akutt_ingest::fuzzing::reference(&bytes);
        for cut in (0..bytes.len()).step_by(211) {
            akutt_ingest::fuzzing::reference(&bytes[..cut]);
        }
        n += 1;
    }
    assert!(n >= 6, "the seed corpus is in fuzz/corpus/reference ({n} files)");
}

/// Issue 17: an accepted submission gets its compact facts and its months in the catalog
/// (a question skips it without opening a file when it needs other months).
#[test]
fn an_accepted_submission_records_its_facts_and_months() {
    let e = env();
    let o = e.ingest_bytes("extract.csv", extract(&[&[], &[("Hendelsesnummer", "H2")]]).as_bytes());
    assert!(o.accepted);
    let id = o.report.submission.id;
    let catalog = Catalog::open(&e.data.catalog_path()).unwrap();
    assert_eq!(catalog.submission_months().unwrap().get(&id), Some(&(202_403, 202_403)));
    let dir = e.data.store_dir(&format!("submission-{id}"));
    let facts = akutt_store::compact::load(&dir, true).unwrap();
    assert_eq!(facts, akutt_store::compact::SubmissionFacts::from_parquet(&dir).unwrap());
    assert_eq!(
        (facts.rows(), facts.ids.as_slice()),
        (2, &["H1".to_string(), "H2".to_string()][..])
    );
}
