//! Golden tests of the ingest pipeline: one small extract per rule code of DOMAIN.md §6 with
//! its expected findings, encodings, daylight-saving days, resubmission and privacy.
//!
//! `check(rows, expected)` builds an extract from a valid base row with per-row overrides,
//! ingests it into a fresh data directory and compares the findings, written as
//! `"CODE line incident column"`.

use std::collections::BTreeMap;
use std::path::Path;

use akutt_extract::{fold, scan, Event};
use akutt_ingest::{ingest, load_mappings, IngestOutcome};
use akutt_model::time::parse_datetime;
use akutt_model::Incident;
use akutt_rules::fnr::complete_fnr;
use akutt_rules::{validate, Context, MappingStats, MappingTable, Pseudonymiser};
use akutt_store::{Catalog, DataDir};
use sha2::Digest;

const MAPPING: &str = "kodeverk;lokal_kode;nasjonal_kode;gyldig_fra;gyldig_til
innringer;Publikum;PUB;;
innringer;Nødetat;BPH;;
sambandsvei;113;113;;
sambandsvei;LV;LV;;
hendelsestype;Sykdom;SYK;;
hendelsestype;Skade;SKA;;
hendelsestype;Feil;FEIL;;
sted;Hjem;HJEM;;
sted;SH;SH;;
sted;Retur;RETUR;;
tiltak;Amb;AMB_BIL;;
tiltak;Luft;AMB_LUFT;;
tiltak;Utgår;AMB_UTGAR;;
";

const COLUMNS: &[&str] = &[
    "Dato fra",
    "Dato til",
    "Helseforetak/institusjonsnummer",
    "Kode for helseforetak/Enhet",
    "Navn på AMK-sentral",
    "Hendelsesnummer",
    "Hendelse opprettet dato/tid",
    "Utføres dato/tid",
    "Type hendelse",
    "Type hentested (gruppering)",
    "Kommunenummer hentested",
    "Hentested tettbygd",
    "Henvendelse dato/tid",
    "Henvendelsesnummer",
    "Henvendelsesnummer på hendelsen",
    "Type innringer",
    "Type sambandsvei",
    "Pasientkontakt nummer",
    "Hastegrad (pasientkontakt) A",
    "Hastegrad (pasientkontakt) B",
    "Hastegrad (pasientkontakt) C",
    "Kriterietype",
    "Kjønn",
    "Fødselsnummer",
    "Folkeregisterkommune",
    "Tiltaksnummer",
    "Tiltak kategori",
    "Navn på tiltakets ressurs (VaktID)",
    "Varslet dato/tid",
    "Rykker ut dato/tid",
    "Ankomst hentested dato/tid (Fremme)",
    "Avreist hentested dato/tid",
    "Ankomst leveringssted dato/tid (leveres)",
    "Ledig dato/tid",
    "Kommunenummer leveringssted",
    "Type leveringssted (gruppering)",
];

fn fnr() -> String {
    (100..999).find_map(|n| complete_fnr(&format!("150388{n}"))).unwrap()
}

/// A valid red, urban incident with one contact, one patient and one road mission.
fn base() -> BTreeMap<&'static str, String> {
    let v: &[(&str, &str)] = &[
        ("Dato fra", "01.03.2024"),
        ("Dato til", "31.03.2024"),
        ("Helseforetak/institusjonsnummer", "974703300"),
        ("Kode for helseforetak/Enhet", "OSL"),
        ("Navn på AMK-sentral", "AMK Oslo"),
        ("Hendelsesnummer", "H1"),
        ("Hendelse opprettet dato/tid", "05.03.2024 10:00:20"),
        ("Utføres dato/tid", "05.03.2024 10:00:00"),
        ("Type hendelse", "Sykdom"),
        ("Type hentested (gruppering)", "Hjem"),
        ("Kommunenummer hentested", "0301"),
        ("Hentested tettbygd", "J"),
        ("Henvendelse dato/tid", "05.03.2024 10:00:00"),
        ("Henvendelsesnummer", "K1"),
        ("Henvendelsesnummer på hendelsen", "1"),
        ("Type innringer", "Publikum"),
        ("Type sambandsvei", "113"),
        ("Pasientkontakt nummer", "1"),
        ("Hastegrad (pasientkontakt) A", "X"),
        ("Hastegrad (pasientkontakt) B", ""),
        ("Hastegrad (pasientkontakt) C", ""),
        ("Kriterietype", "A.10.01"),
        ("Kjønn", "1"),
        ("Folkeregisterkommune", "0301"),
        ("Tiltaksnummer", "1"),
        ("Tiltak kategori", "Amb"),
        ("Navn på tiltakets ressurs (VaktID)", "A11"),
        ("Varslet dato/tid", "05.03.2024 10:01:30"),
        ("Rykker ut dato/tid", "05.03.2024 10:02:00"),
        ("Ankomst hentested dato/tid (Fremme)", "05.03.2024 10:09:00"),
        ("Avreist hentested dato/tid", "05.03.2024 10:25:00"),
        ("Ankomst leveringssted dato/tid (leveres)", "05.03.2024 10:40:00"),
        ("Ledig dato/tid", "05.03.2024 11:00:00"),
        ("Kommunenummer leveringssted", "0301"),
        ("Type leveringssted (gruppering)", "SH"),
    ];
    let mut m: BTreeMap<&str, String> = v.iter().map(|(k, v)| (*k, v.to_string())).collect();
    m.insert("Fødselsnummer", fnr());
    m
}

/// Builds an extract: one row per override list (applied to the base row). A key starting
/// with `-` removes that column from the header.
fn extract(rows: &[&[(&str, &str)]]) -> String {
    let dropped: Vec<&str> =
        rows.iter().flat_map(|r| r.iter()).filter_map(|(k, _)| k.strip_prefix('-')).collect();
    let cols: Vec<&str> = COLUMNS.iter().copied().filter(|c| !dropped.contains(c)).collect();
    let mut out = cols.join(";") + "\n";
    for overrides in rows {
        let mut row = base();
        for (k, v) in *overrides {
            if !k.starts_with('-') {
                assert!(COLUMNS.contains(k), "unknown column {k}");
                row.insert(k, v.to_string());
            }
        }
        out += &cols.iter().map(|c| row[c].clone()).collect::<Vec<_>>().join(";");
        out += "\n";
    }
    out
}

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

fn summary(o: &IngestOutcome) -> Vec<String> {
    o.report
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {}",
                f.code,
                f.line.map_or("-".into(), |l| l.to_string()),
                f.incident.as_deref().unwrap_or("-"),
                f.column.as_deref().unwrap_or("-")
            )
        })
        .collect()
}

#[track_caller]
fn check(rows: &[&[(&str, &str)]], expected: &[&str]) -> IngestOutcome {
    check_bytes(extract(rows).as_bytes(), expected)
}

#[track_caller]
fn check_bytes(bytes: &[u8], expected: &[&str]) -> IngestOutcome {
    let e = env();
    let o = e.ingest_bytes("extract.csv", bytes);
    let mut got = summary(&o);
    got.sort();
    let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(got, want, "\nfindings: {:#?}", o.report.findings);
    // Every finding names its rule and has both messages.
    for f in &o.report.findings {
        assert!(!f.message.is_empty() && !f.message_en.is_empty());
    }
    o
}

// ---- a valid file ----

#[test]
fn valid_extract_is_accepted_without_findings() {
    let o = check(&[&[]], &[]);
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

// ---- file-level rules ----

#[test]
fn f001_required_column_missing() {
    let o = check(&[&[("-Type hendelse", "")]], &["F001 1 - Type hendelse"]);
    assert!(!o.accepted);
    assert_eq!(o.report.submission.status, "rejected");
}

#[test]
fn f002_submission_columns_differ() {
    check(&[&[], &[("Hendelsesnummer", "H2"), ("Dato til", "30.03.2024")]], &["F002 3 - Dato til"]);
}

#[test]
fn f003_unreadable_files() {
    check_bytes(b"", &["F003 1 - -"]);
    check_bytes(b"\xff\xfeD\x00a\x00t\x00o\x00", &["F003 1 - -"]);
    // A UTF-8 header followed by a Windows-1252 row.
    let mut mixed = extract(&[&[]]).into_bytes();
    mixed.extend(
        extract(&[&[("Hendelsesnummer", "H2"), ("Type innringer", "N\u{f8}detat")]])
            .lines()
            .nth(1)
            .unwrap()
            .replace('ø', "\u{1}")
            .as_bytes(),
    );
    let pos = mixed.iter().position(|b| *b == 1).unwrap();
    mixed[pos] = 0xF8;
    let o = check_bytes(&mixed, &["F003 3 - Type innringer"]);
    assert!(!o.accepted);
}

#[test]
fn f004_no_data_rows() {
    check_bytes(extract(&[]).as_bytes(), &["F004 1 - -"]);
}

#[test]
fn file_level_findings_exit_two_in_the_cli_sense() {
    let o = check_bytes(b"not;a;header\n1;2;3\n", &["F003 1 - -"]);
    assert!(!o.accepted);
}

// ---- errors: each rejects its incident only ----

#[test]
fn e101_missing_incident_id_rejects_the_row_only() {
    let o = check(&[&[], &[("Hendelsesnummer", "")]], &["E101 3 - Hendelsesnummer"]);
    assert!(o.accepted);
    assert_eq!(o.report.counts.incidents_accepted, 1);
}

#[test]
fn e102_unparseable_values() {
    let o = check(
        &[
            &[("Varslet dato/tid", "05.03.2024 25:00")],
            &[("Hendelsesnummer", "H2"), ("Kjønn", "3")],
            &[("Hendelsesnummer", "H3"), ("Hentested tettbygd", "Q")],
            &[("Hendelsesnummer", "H4")],
        ],
        &["E102 2 H1 Varslet dato/tid", "E102 3 H2 Kjønn", "E102 4 H3 Hentested tettbygd"],
    );
    assert_eq!((o.report.counts.incidents_accepted, o.report.counts.incidents_rejected), (1, 3));
    assert_eq!(o.report.findings[0].value.as_deref(), Some("05.03.2024 25:00"));
}

#[test]
fn e103_no_contact_time() {
    check(&[&[("Henvendelse dato/tid", "")]], &["E103 2 H1 Henvendelse dato/tid"]);
}

#[test]
fn e104_first_contact_outside_period() {
    const NO_MISSION: &[(&str, &str)] = &[
        ("Utføres dato/tid", ""),
        ("Tiltak kategori", "Utgår"),
        ("Navn på tiltakets ressurs (VaktID)", ""),
        ("Varslet dato/tid", ""),
        ("Rykker ut dato/tid", ""),
        ("Ankomst hentested dato/tid (Fremme)", ""),
        ("Avreist hentested dato/tid", ""),
        ("Ankomst leveringssted dato/tid (leveres)", ""),
        ("Ledig dato/tid", ""),
    ];
    let row = |id: &'static str,
               contact: &'static str,
               created: &'static str|
     -> Vec<(&'static str, &'static str)> {
        let mut r = vec![
            ("Hendelsesnummer", id),
            ("Henvendelse dato/tid", contact),
            ("Hendelse opprettet dato/tid", created),
        ];
        r.extend_from_slice(NO_MISSION);
        r
    };
    let rows = [
        row("H1", "01.04.2024 00:00:00", "01.04.2024 00:00:10"),
        row("H2", "29.02.2024 23:59:59", "01.03.2024 00:00:10"),
        // Both ends of the period are inside (local time, inclusive days).
        row("H3", "31.03.2024 23:59:59", "31.03.2024 23:59:59"),
        row("H4", "01.03.2024 00:00:00", "01.03.2024 00:00:01"),
    ];
    let refs: Vec<&[(&str, &str)]> = rows.iter().map(|r| r.as_slice()).collect();
    check(&refs, &["E104 2 H1 Henvendelse dato/tid", "E104 3 H2 Henvendelse dato/tid"]);
}

#[test]
fn e105_local_code_not_mapped() {
    let o = check(&[&[("Type hendelse", "Ukjent")]], &["E105 2 H1 Type hendelse"]);
    assert!(o.report.findings[0].message_en.contains("hendelsestype"));
    assert_eq!(o.report.mapping_coverage["hendelsestype"].share, 0.0);
}

#[test]
fn e106_repeated_columns_disagree() {
    check(
        &[
            &[],
            &[
                ("Tiltaksnummer", "2"),
                ("Navn på tiltakets ressurs (VaktID)", "A12"),
                ("Type hendelse", "Skade"),
            ],
        ],
        &["E106 3 H1 Type hendelse"],
    );
    // Patient level: same patient, different sex.
    check(
        &[
            &[],
            &[
                ("Tiltaksnummer", "2"),
                ("Navn på tiltakets ressurs (VaktID)", "A12"),
                ("Kjønn", "2"),
            ],
        ],
        &["E106 3 H1 Kjønn"],
    );
}

#[test]
fn e107_action_key_twice_with_different_content() {
    check(
        &[&[], &[("Navn på tiltakets ressurs (VaktID)", "A12")]],
        &["E107 3 H1 Navn på tiltakets ressurs (VaktID)"],
    );
    // An identical repeat (another contact's row) is the same action, not an error.
    let o = check(
        &[&[], &[("Henvendelsesnummer", "K2"), ("Henvendelse dato/tid", "05.03.2024 10:03:00")]],
        &[],
    );
    assert_eq!(
        (o.report.counts.contacts, o.report.counts.actions, o.report.counts.missions),
        (2, 1, 1)
    );
}

#[test]
fn e108_invalid_municipality() {
    check(
        &[
            &[("Kommunenummer hentested", "0000")],
            &[("Hendelsesnummer", "H2"), ("Folkeregisterkommune", "9999")],
            &[("Hendelsesnummer", "H3"), ("Kommunenummer leveringssted", "9999")],
        ],
        &["E108 2 H1 Kommunenummer hentested", "E108 4 H3 Kommunenummer leveringssted"],
    );
}

// ---- warnings: the record is kept ----

#[test]
fn w201_time_points_out_of_order() {
    let o = check(
        &[&[("Rykker ut dato/tid", "05.03.2024 10:10:00")]],
        &["W201 2 H1 Ankomst hentested dato/tid (Fremme)"],
    );
    assert!(o.report.findings[0].message_en.contains("Rykker ut"), "names the pair");
    assert_eq!(o.report.counts.incidents_accepted, 1);
}

#[test]
fn w202_implausible_interval() {
    check(&[&[("Ledig dato/tid", "06.03.2024 11:00:00")]], &["W202 2 H1 Ledig dato/tid"]);
    // Negative: arrival before the alert is out of order and a negative interval.
    check(
        &[&[
            ("Rykker ut dato/tid", ""),
            ("Ankomst hentested dato/tid (Fremme)", "05.03.2024 10:01:00"),
        ]],
        &[
            "W201 2 H1 Ankomst hentested dato/tid (Fremme)",
            "W202 2 H1 Ankomst hentested dato/tid (Fremme)",
        ],
    );
    // A pre-booked transport may take longer than 24 hours.
    check(
        &[&[
            ("Utføres dato/tid", "07.03.2024 08:00:00"),
            ("Varslet dato/tid", "07.03.2024 08:00:00"),
            ("Rykker ut dato/tid", "07.03.2024 08:01:00"),
            ("Ankomst hentested dato/tid (Fremme)", "07.03.2024 08:20:00"),
            ("Avreist hentested dato/tid", "07.03.2024 08:30:00"),
            ("Ankomst leveringssted dato/tid (leveres)", "07.03.2024 09:00:00"),
            ("Ledig dato/tid", "07.03.2024 09:10:00"),
        ]],
        &[],
    );
}

#[test]
fn w203_ambulance_without_alert() {
    check(&[&[("Varslet dato/tid", "")]], &["W203 2 H1 Varslet dato/tid"]);
}

#[test]
fn w204_mission_without_arrival() {
    check(
        &[&[("Ankomst hentested dato/tid (Fremme)", "")]],
        &["W204 2 H1 Ankomst hentested dato/tid (Fremme)"],
    );
    // Not when the mission returned without patient.
    check(
        &[&[
            ("Ankomst hentested dato/tid (Fremme)", ""),
            ("Type leveringssted (gruppering)", "Retur"),
        ]],
        &[],
    );
}

#[test]
fn w205_bad_fnr_is_dropped_and_masked() {
    let mut bad = fnr().into_bytes();
    bad[10] = b'0' + (bad[10] - b'0' + 1) % 10;
    let bad = String::from_utf8(bad).unwrap();
    let o = check(&[&[("Fødselsnummer", &bad)]], &["W205 2 H1 Fødselsnummer"]);
    assert_eq!(o.report.findings[0].value.as_deref(), Some(akutt_rules::MASKED));
    assert!(!o.report.to_json().contains(&bad));
}

#[test]
fn w206_urgency_missing_or_several() {
    check(&[&[("Hastegrad (pasientkontakt) A", "")]], &["W206 2 H1 Hastegrad (pasientkontakt) A"]);
    check(&[&[("Hastegrad (pasientkontakt) B", "1")]], &["W206 2 H1 Hastegrad (pasientkontakt) A"]);
}

#[test]
fn w207_criterion_missing_or_malformed() {
    check(&[&[("Kriterietype", "")]], &["W207 2 H1 Kriterietype"]);
    check(&[&[("Kriterietype", "A.99.01")]], &["W207 2 H1 Kriterietype"]);
}

#[test]
fn w210_red_incident_without_urban_flag() {
    check(&[&[("Hentested tettbygd", "")]], &["W210 2 H1 Hentested tettbygd"]);
    // Not for a yellow incident.
    check(
        &[&[
            ("Hentested tettbygd", ""),
            ("Hastegrad (pasientkontakt) A", ""),
            ("Hastegrad (pasientkontakt) B", "X"),
        ]],
        &[],
    );
}

// ---- daylight saving: W208 / W209 and the instants they give ----

fn incidents_of(text: &str) -> (Vec<Incident>, Vec<String>) {
    let s = scan(text.as_bytes());
    assert!(!s.is_rejected(), "{:?}", s.findings);
    let mapping = MappingTable::parse(MAPPING).unwrap();
    let p = Pseudonymiser::new(b"test key");
    let ctx = Context {
        header: s.header.as_ref().unwrap(),
        mapping: &mapping,
        pseudonymiser: &p,
        period: None,
    };
    let mut out = Vec::new();
    let mut codes = Vec::new();
    let mut stats = MappingStats::default();
    fold(text.as_bytes(), &s, |e| {
        if let Event::Incident(raw) = e {
            let o = validate(&raw, &ctx, &mut stats);
            codes.extend(
                o.findings
                    .iter()
                    .map(|f| format!("{} {}", f.code, f.column.clone().unwrap_or_default())),
            );
            out.extend(o.incident);
        }
    })
    .unwrap();
    (out, codes)
}

fn utc(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp()
}

#[test]
fn w209_spring_forward_gap_is_shifted_one_hour() {
    // 31 March 2024, 02:00 → 03:00. A call at 02:58 (winter time, real) and an arrival
    // written as 02:10 (does not exist) → 03:10 CEST = 01:10 UTC: 12 minutes later.
    let text = extract(&[&[
        ("Henvendelse dato/tid", "31.03.2024 01:58:00"),
        ("Hendelse opprettet dato/tid", "31.03.2024 01:58:20"),
        ("Utføres dato/tid", ""),
        ("Varslet dato/tid", "31.03.2024 01:59:00"),
        ("Rykker ut dato/tid", "31.03.2024 03:01:00"),
        ("Ankomst hentested dato/tid (Fremme)", "31.03.2024 02:10:00"),
        ("Avreist hentested dato/tid", "31.03.2024 03:25:00"),
        ("Ankomst leveringssted dato/tid (leveres)", "31.03.2024 03:40:00"),
        ("Ledig dato/tid", "31.03.2024 04:00:00"),
    ]]);
    let (incs, codes) = incidents_of(&text);
    assert_eq!(codes, vec!["W209 Ankomst hentested dato/tid (Fremme)"]);
    let a = &incs[0].actions[0];
    assert_eq!(a.at_scene_at, Some(utc("2024-03-31T01:10:00Z")));
    assert_eq!(
        a.at_scene_at.unwrap() - incs[0].t0().unwrap(),
        12 * 60,
        "response time across the gap"
    );
}

fn fall_back_incident(
    contact: &str,
    created: &str,
    alerted: &str,
    at_scene: &str,
    left: &str,
) -> String {
    extract(&[&[
        ("Dato fra", "01.10.2024"),
        ("Dato til", "31.10.2024"),
        ("Henvendelse dato/tid", contact),
        ("Hendelse opprettet dato/tid", created),
        ("Utføres dato/tid", ""),
        ("Varslet dato/tid", alerted),
        ("Rykker ut dato/tid", ""),
        ("Ankomst hentested dato/tid (Fremme)", at_scene),
        ("Avreist hentested dato/tid", left),
        ("Ankomst leveringssted dato/tid (leveres)", "27.10.2024 03:10:00"),
        ("Ledig dato/tid", "27.10.2024 03:30:00"),
    ]])
}

#[test]
fn w208_fall_back_hour_resolved_on_the_time_axis() {
    // 27 October 2024: 03:00 CEST → 02:00 CET, so 02:00–02:59 happens twice.
    // A call at 02:50 (ambiguous: earlier reading 00:50 UTC) and an arrival written 02:05:
    // its earlier reading (00:05 UTC) would precede the call, so it is the later one
    // (01:05 UTC): a 15-minute response, not a negative one.
    let (incs, codes) = incidents_of(&fall_back_incident(
        "27.10.2024 02:50:00",
        "27.10.2024 02:50:20",
        "27.10.2024 02:51:00",
        "27.10.2024 02:05:00",
        "27.10.2024 02:25:00",
    ));
    let w208 = |c: &str| format!("W208 {c}");
    assert_eq!(
        codes,
        vec![
            w208("Henvendelse dato/tid"),
            w208("Hendelse opprettet dato/tid"),
            w208("Varslet dato/tid"),
            w208("Ankomst hentested dato/tid (Fremme)"),
            w208("Avreist hentested dato/tid")
        ]
    );
    let (inc, a) = (&incs[0], &incs[0].actions[0]);
    assert_eq!(inc.t0(), Some(utc("2024-10-27T00:50:00Z")));
    assert_eq!(a.alerted_at, Some(utc("2024-10-27T00:51:00Z")));
    assert_eq!(
        a.at_scene_at,
        Some(utc("2024-10-27T01:05:00Z")),
        "the earlier reading would precede the call"
    );
    assert_eq!(a.left_scene_at, Some(utc("2024-10-27T01:25:00Z")));
    assert_eq!(a.at_scene_at.unwrap() - inc.t0().unwrap(), 15 * 60);

    // A call at 01:50 CEST (not ambiguous) and an arrival at 02:05: the earlier reading
    // (00:05 UTC) follows the call, so it stands.
    let (incs, codes) = incidents_of(&fall_back_incident(
        "27.10.2024 01:50:00",
        "27.10.2024 01:50:20",
        "27.10.2024 01:51:00",
        "27.10.2024 02:05:00",
        "27.10.2024 02:25:00",
    ));
    assert_eq!(
        codes,
        vec![w208("Ankomst hentested dato/tid (Fremme)"), w208("Avreist hentested dato/tid")]
    );
    assert_eq!(incs[0].actions[0].at_scene_at, Some(utc("2024-10-27T00:05:00Z")));
    assert_eq!(incs[0].actions[0].at_scene_at.unwrap() - incs[0].t0().unwrap(), 15 * 60);
    // Without a constraint the earlier instant is chosen.
    let r = parse_datetime("27.10.2024 02:05:00").unwrap();
    assert_eq!(r.resolve_after(None), utc("2024-10-27T00:05:00Z"));
}

#[test]
fn w208_in_the_cli_report() {
    check(
        &[&[
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
        ]],
        &[
            "W208 2 H1 Henvendelse dato/tid",
            "W208 2 H1 Hendelse opprettet dato/tid",
            "W208 2 H1 Varslet dato/tid",
            "W208 2 H1 Rykker ut dato/tid",
            "W208 2 H1 Ankomst hentested dato/tid (Fremme)",
            "W208 2 H1 Avreist hentested dato/tid",
        ],
    );
}

// ---- encodings ----

#[test]
fn windows_1252_extract_is_read() {
    let text = extract(&[&[("Type innringer", "Nødetat")]]);
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    let o = check_bytes(&bytes, &[]);
    assert_eq!(o.report.submission.encoding.as_deref(), Some("Windows-1252"));
    assert_eq!(o.report.mapping_coverage["innringer"].share, 1.0);
}

#[test]
fn utf8_with_bom_is_read() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(extract(&[&[]]).as_bytes());
    let o = check_bytes(&bytes, &[]);
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
    let o = check_bytes(text.as_bytes(), &[]);
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
    let expected = ["E102 3 H2 Kjønn", "E101 4 - Hendelsesnummer", "E105 5 H4 Type hendelse"];
    check_bytes(extract(rows).as_bytes(), &expected);
    check_bytes(extract(rows).replace('\n', "\r\n").as_bytes(), &expected);
}

#[test]
fn rows_of_an_incident_need_not_be_adjacent() {
    let o = check(
        &[
            &[],
            &[("Hendelsesnummer", "H2")],
            &[("Tiltaksnummer", "2"), ("Navn på tiltakets ressurs (VaktID)", "A12")],
        ],
        &[],
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
    assert_eq!(summary(&o), vec!["F002 4 - Kode for helseforetak/Enhet".to_string()]);
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
        &[
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
        ],
        &[],
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
