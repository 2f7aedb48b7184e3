//! The rules of DOMAIN.md §6 at their pure boundary: an extract (bytes) is scanned, folded
//! into incidents and validated exactly as the ingest does it, with no data directory, no
//! catalog and no Parquet, so each rule test runs in milliseconds.
//!
//! `check(csv, expect)` compares the findings, one line each as `CODE line incident column`
//! sorted by line and code, with the snapshot; `UPDATE_EXPECT=1 cargo test -p akutt-rules`
//! rewrites the snapshots. The pipeline around these rules (reports, storage, privacy on
//! disk) is tested in `akutt-ingest/tests/ingest.rs`.

mod fixture;

use akutt_extract::{fold, scan, Event};
use akutt_model::time::parse_datetime;
use akutt_model::{CodeList, Finding, Incident};
use akutt_rules::{
    missing_incident_id, reporting_period, validate, Context, MappingStats, MappingTable,
    Pseudonymiser,
};
use expect_test::{expect, Expect};
use fixture::{extract, finding_line, fnr};

/// What validation made of an extract.
struct Checked {
    /// File-level findings, or every incident's, sorted by line and code like the report.
    findings: Vec<Finding>,
    accepted: Vec<Incident>,
    rejected: usize,
    /// A file-level rule (F0xx) rejected the whole file.
    file_rejected: bool,
    stats: MappingStats,
}

/// Scans, folds and validates an extract as `akutt_ingest::ingest` does, in memory.
fn run(bytes: &[u8]) -> Checked {
    let s = scan(bytes);
    let mut out = Checked {
        findings: s.findings.clone(),
        accepted: Vec::new(),
        rejected: 0,
        file_rejected: s.is_rejected(),
        stats: MappingStats::default(),
    };
    if let (false, Some(header)) = (s.is_rejected(), s.header.as_ref()) {
        let mapping = MappingTable::parse(fixture::MAPPING).unwrap();
        let pseudonymiser = Pseudonymiser::new(b"test key");
        let period = reporting_period(s.submission.period_from, s.submission.period_to);
        let ctx = Context {
            header,
            mapping: &mapping,
            pseudonymiser: &pseudonymiser,
            period,
            register: akutt_model::municipality::Register::standard(),
        };
        fold(bytes, &s, |e| match e {
            Event::Incident(raw) => {
                let o = validate(&raw, &ctx, &mut out.stats);
                out.findings.extend(o.findings);
                match o.incident {
                    Some(inc) => out.accepted.push(inc),
                    None => out.rejected += 1,
                }
            }
            Event::MissingId(row) => out.findings.push(missing_incident_id(row.line)),
            Event::Row { .. } => {}
        })
        .unwrap();
    }
    out.findings.sort_by(|a, b| (a.line, a.code.code()).cmp(&(b.line, b.code.code())));
    out
}

#[track_caller]
fn check(csv: impl AsRef<[u8]>, expect: Expect) -> Checked {
    let o = run(csv.as_ref());
    let mut lines: Vec<String> = o
        .findings
        .iter()
        .map(|f| finding_line(f.code.code(), f.line, f.incident.as_deref(), f.column.as_deref()))
        .collect();
    lines.sort();
    expect.assert_eq(&lines.concat());
    // Every finding names its rule and has both messages.
    for f in &o.findings {
        assert!(!f.message_nb.is_empty() && !f.message_en.is_empty(), "{f:?}");
    }
    o
}

#[test]
fn a_valid_extract_has_no_findings() {
    let o = check(extract(&[&[]]), expect![[""]]);
    assert_eq!((o.accepted.len(), o.rejected, o.file_rejected), (1, 0, false));
}

// ---- file-level rules ----

#[test]
fn f001_required_column_missing() {
    let o = check(
        extract(&[&[("-Type hendelse", "")]]),
        expect![[r#"
            F001 1 - Type hendelse
        "#]],
    );
    assert!(o.file_rejected && o.accepted.is_empty());
}

#[test]
fn f002_submission_columns_differ() {
    check(
        extract(&[&[], &[("Hendelsesnummer", "H2"), ("Dato til", "30.03.2024")]]),
        expect![[r#"
            F002 3 - Dato til
        "#]],
    );
}

#[test]
fn f003_unreadable_files() {
    check(
        b"",
        expect![[r#"
            F003 1 - -
        "#]],
    );
    check(
        b"\xff\xfeD\x00a\x00t\x00o\x00",
        expect![[r#"
            F003 1 - -
        "#]],
    );
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
    let o = check(
        &mixed,
        expect![[r#"
            F003 3 - Type innringer
        "#]],
    );
    assert!(o.file_rejected);
}

#[test]
fn f004_no_data_rows() {
    check(
        extract(&[]).as_bytes(),
        expect![[r#"
            F004 1 - -
        "#]],
    );
}

#[test]
fn file_level_findings_exit_two_in_the_cli_sense() {
    let o = check(
        b"not;a;header\n1;2;3\n",
        expect![[r#"
            F003 1 - -
        "#]],
    );
    assert!(o.file_rejected);
}

// ---- errors: each rejects its incident only ----

#[test]
fn e101_missing_incident_id_rejects_the_row_only() {
    let o = check(
        extract(&[&[], &[("Hendelsesnummer", "")]]),
        expect![[r#"
            E101 3 - Hendelsesnummer
        "#]],
    );
    assert!(!o.file_rejected);
    assert_eq!(o.accepted.len(), 1);
}

#[test]
fn e102_unparseable_values() {
    let o = check(
        extract(&[
            &[("Varslet dato/tid", "05.03.2024 25:00")],
            &[("Hendelsesnummer", "H2"), ("Kjønn", "3")],
            &[("Hendelsesnummer", "H3"), ("Hentested tettbygd", "Q")],
            &[("Hendelsesnummer", "H4")],
        ]),
        expect![[r#"
            E102 2 H1 Varslet dato/tid
            E102 3 H2 Kjønn
            E102 4 H3 Hentested tettbygd
        "#]],
    );
    assert_eq!((o.accepted.len(), o.rejected), (1, 3));
    assert_eq!(o.findings[0].value.as_deref(), Some("05.03.2024 25:00"));
}

#[test]
fn e103_no_contact_time() {
    check(
        extract(&[&[("Henvendelse dato/tid", "")]]),
        expect![[r#"
            E103 2 H1 Henvendelse dato/tid
        "#]],
    );
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
    check(
        extract(&refs),
        expect![[r#"
            E104 2 H1 Henvendelse dato/tid
            E104 3 H2 Henvendelse dato/tid
        "#]],
    );
}

#[test]
fn e105_local_code_not_mapped() {
    let o = check(
        extract(&[&[("Type hendelse", "Ukjent")]]),
        expect![[r#"
            E105 2 H1 Type hendelse
        "#]],
    );
    assert!(o.findings[0].message_en.contains("hendelsestype"));
    let coverage = o.stats.coverage();
    assert!(coverage.contains(&(CodeList::Hendelsestype, 1, 0)), "{coverage:?}");
}

#[test]
fn e106_repeated_columns_disagree() {
    check(
        extract(&[
            &[],
            &[
                ("Tiltaksnummer", "2"),
                ("Navn på tiltakets ressurs (VaktID)", "A12"),
                ("Type hendelse", "Skade"),
            ],
        ]),
        expect![[r#"
            E106 3 H1 Type hendelse
        "#]],
    );
    // Patient level: same patient, different sex.
    check(
        extract(&[
            &[],
            &[
                ("Tiltaksnummer", "2"),
                ("Navn på tiltakets ressurs (VaktID)", "A12"),
                ("Kjønn", "2"),
            ],
        ]),
        expect![[r#"
            E106 3 H1 Kjønn
        "#]],
    );
}

#[test]
fn e107_action_key_twice_with_different_content() {
    check(
        extract(&[&[], &[("Navn på tiltakets ressurs (VaktID)", "A12")]]),
        expect![[r#"
            E107 3 H1 Navn på tiltakets ressurs (VaktID)
        "#]],
    );
    // An identical repeat (another contact's row) is the same action, not an error.
    let o = check(
        extract(&[
            &[],
            &[("Henvendelsesnummer", "K2"), ("Henvendelse dato/tid", "05.03.2024 10:03:00")],
        ]),
        expect![[""]],
    );
    let inc = &o.accepted[0];
    assert_eq!((inc.contacts.len(), inc.actions.len(), inc.missions().count()), (2, 1, 1));
}

#[test]
fn e108_invalid_municipality() {
    check(
        extract(&[
            &[("Kommunenummer hentested", "0000")],
            &[("Hendelsesnummer", "H2"), ("Folkeregisterkommune", "9999")],
            &[("Hendelsesnummer", "H3"), ("Kommunenummer leveringssted", "9999")],
        ]),
        expect![[r#"
            E108 2 H1 Kommunenummer hentested
            E108 4 H3 Kommunenummer leveringssted
        "#]],
    );
}

/// A row of incident `id` on `day` (`dd.mm.yyyy`, every time point moved to it) in a file
/// of December 2023 and January 2024, with its municipality columns set.
fn reform_row(
    id: &'static str,
    day: &'static str,
    pickup: &'static str,
    home: &'static str,
    delivery: &'static str,
) -> Vec<(&'static str, String)> {
    let mut row: Vec<(&'static str, String)> = fixture::base()
        .into_iter()
        .filter(|(k, v)| k.contains("dato/tid") && !v.is_empty())
        .map(|(k, v)| (k, format!("{day}{}", &v[10..])))
        .collect();
    row.extend([
        ("Dato fra", "01.12.2023".to_string()),
        ("Dato til", "31.01.2024".to_string()),
        ("Hendelsesnummer", id.to_string()),
        ("Kommunenummer hentested", pickup.to_string()),
        ("Folkeregisterkommune", home.to_string()),
        ("Kommunenummer leveringssted", delivery.to_string()),
    ]);
    row
}

/// DOMAIN.md §4, §6: municipality numbers are judged on the incident's date, across the
/// 2024 reform (3001 Halden became 3101; 1507 Ålesund split into 1508 and 1580).
#[test]
fn e108_w211_municipality_numbers_are_judged_on_the_incidents_date() {
    let rows = [
        // Both numberings, each valid on its date.
        reform_row("H1", "31.12.2023", "3001", "1507", "3003"),
        reform_row("H2", "01.01.2024", "3101", "1508", "3105"),
        // An expired number with one successor: kept as the successor (W211).
        reform_row("H3", "01.01.2024", "3001", "3001", "3003"),
        // The Ålesund split after the reform: which successor is meant is unknown (E108).
        reform_row("H4", "01.01.2024", "1507", "0301", "0301"),
        // A 2024 number used in 2023 (E108), as home and delivery municipality too.
        reform_row("H5", "31.12.2023", "3101", "0301", "0301"),
        reform_row("H6", "31.12.2023", "0301", "1580", "3105"),
        // Special home codes are valid on any date.
        reform_row("H7", "01.01.2024", "0301", "9900", "0301"),
    ];
    let borrowed: Vec<Vec<(&str, &str)>> =
        rows.iter().map(|r| r.iter().map(|(k, v)| (*k, v.as_str())).collect()).collect();
    let overrides: Vec<&[(&str, &str)]> = borrowed.iter().map(Vec::as_slice).collect();
    let o = check(
        extract(&overrides),
        expect![[r#"
            E108 5 H4 Kommunenummer hentested
            E108 6 H5 Kommunenummer hentested
            E108 7 H6 Folkeregisterkommune
            E108 7 H6 Kommunenummer leveringssted
            W211 4 H3 Folkeregisterkommune
            W211 4 H3 Kommunenummer hentested
            W211 4 H3 Kommunenummer leveringssted
        "#]],
    );
    let ids: Vec<&str> = o.accepted.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["H1", "H2", "H3", "H7"]);
    let h3 = &o.accepted[2];
    assert_eq!(
        (h3.pickup_municipality.as_deref(), h3.pickup_municipality_sent.as_deref()),
        (Some("3101"), Some("3001"))
    );
    assert_eq!(
        (
            h3.patients[0].home_municipality.as_deref(),
            h3.patients[0].home_municipality_sent.as_deref()
        ),
        (Some("3101"), Some("3001"))
    );
    let delivery = &h3.actions[0];
    assert_eq!(
        (delivery.delivery_municipality.as_deref(), delivery.delivery_municipality_sent.as_deref()),
        (Some("3105"), Some("3003"))
    );
    // Numbers valid on their date are kept as sent, with nothing beside them.
    assert_eq!(o.accepted[0].pickup_municipality.as_deref(), Some("3001"));
    assert_eq!(o.accepted[0].pickup_municipality_sent, None);
    assert_eq!(o.accepted[3].patients[0].home_municipality.as_deref(), Some("9900"));
    // The messages name both numbers and the date, or the split's successors.
    let w211 = o.findings.iter().find(|f| f.code.code() == "W211").unwrap();
    assert!(w211.message_en.contains("3001") && w211.message_en.contains("3101"), "{w211:?}");
    assert!(w211.message_en.contains("01.01.2024"), "{w211:?}");
    let split = o.findings.iter().find(|f| f.incident.as_deref() == Some("H4")).unwrap();
    assert!(split.message_en.contains("1508, 1580"), "{split:?}");
    let early = o.findings.iter().find(|f| f.incident.as_deref() == Some("H5")).unwrap();
    assert!(early.message_en.contains("only valid from 01.01.2024"), "{early:?}");
}

// ---- warnings: the record is kept ----

#[test]
fn w201_time_points_out_of_order() {
    let o = check(
        extract(&[&[("Rykker ut dato/tid", "05.03.2024 10:10:00")]]),
        expect![[r#"
            W201 2 H1 Ankomst hentested dato/tid (Fremme)
        "#]],
    );
    assert!(o.findings[0].message_en.contains("Rykker ut"), "names the pair");
    assert_eq!(o.accepted.len(), 1);
}

#[test]
fn w202_implausible_interval() {
    check(
        extract(&[&[("Ledig dato/tid", "06.03.2024 11:00:00")]]),
        expect![[r#"
            W202 2 H1 Ledig dato/tid
        "#]],
    );
    // Negative: arrival before the alert is out of order and a negative interval.
    check(
        extract(&[&[
            ("Rykker ut dato/tid", ""),
            ("Ankomst hentested dato/tid (Fremme)", "05.03.2024 10:01:00"),
        ]]),
        expect![[r#"
            W201 2 H1 Ankomst hentested dato/tid (Fremme)
            W202 2 H1 Ankomst hentested dato/tid (Fremme)
        "#]],
    );
    // A pre-booked transport may take longer than 24 hours.
    check(
        extract(&[&[
            ("Utføres dato/tid", "07.03.2024 08:00:00"),
            ("Varslet dato/tid", "07.03.2024 08:00:00"),
            ("Rykker ut dato/tid", "07.03.2024 08:01:00"),
            ("Ankomst hentested dato/tid (Fremme)", "07.03.2024 08:20:00"),
            ("Avreist hentested dato/tid", "07.03.2024 08:30:00"),
            ("Ankomst leveringssted dato/tid (leveres)", "07.03.2024 09:00:00"),
            ("Ledig dato/tid", "07.03.2024 09:10:00"),
        ]]),
        expect![[""]],
    );
}

#[test]
fn w203_ambulance_without_alert() {
    check(
        extract(&[&[("Varslet dato/tid", "")]]),
        expect![[r#"
            W203 2 H1 Varslet dato/tid
        "#]],
    );
}

#[test]
fn w204_mission_without_arrival() {
    check(
        extract(&[&[("Ankomst hentested dato/tid (Fremme)", "")]]),
        expect![[r#"
            W204 2 H1 Ankomst hentested dato/tid (Fremme)
        "#]],
    );
    // Not when the mission returned without patient.
    check(
        extract(&[&[
            ("Ankomst hentested dato/tid (Fremme)", ""),
            ("Type leveringssted (gruppering)", "Retur"),
        ]]),
        expect![[""]],
    );
}

#[test]
fn w205_bad_fnr_is_dropped_and_masked() {
    let mut bad = fnr().into_bytes();
    bad[10] = b'0' + (bad[10] - b'0' + 1) % 10;
    let bad = String::from_utf8(bad).unwrap();
    let o = check(
        extract(&[&[("Fødselsnummer", &bad)]]),
        expect![[r#"
            W205 2 H1 Fødselsnummer
        "#]],
    );
    assert_eq!(o.findings[0].value.as_deref(), Some(akutt_rules::MASKED));
    assert!(!format!("{:?}", o.findings).contains(&bad));
}

#[test]
fn w206_urgency_missing_or_several() {
    check(
        extract(&[&[("Hastegrad (pasientkontakt) A", "")]]),
        expect![[r#"
            W206 2 H1 Hastegrad (pasientkontakt) A
        "#]],
    );
    check(
        extract(&[&[("Hastegrad (pasientkontakt) B", "1")]]),
        expect![[r#"
            W206 2 H1 Hastegrad (pasientkontakt) A
        "#]],
    );
}

#[test]
fn w207_criterion_missing_or_malformed() {
    check(
        extract(&[&[("Kriterietype", "")]]),
        expect![[r#"
            W207 2 H1 Kriterietype
        "#]],
    );
    check(
        extract(&[&[("Kriterietype", "A.99.01")]]),
        expect![[r#"
            W207 2 H1 Kriterietype
        "#]],
    );
}

#[test]
fn w210_red_incident_without_urban_flag() {
    check(
        extract(&[&[("Hentested tettbygd", "")]]),
        expect![[r#"
            W210 2 H1 Hentested tettbygd
        "#]],
    );
    // Not for a yellow incident.
    check(
        extract(&[&[
            ("Hentested tettbygd", ""),
            ("Hastegrad (pasientkontakt) A", ""),
            ("Hastegrad (pasientkontakt) B", "X"),
        ]]),
        expect![[""]],
    );
}

// ---- daylight saving: W208 / W209 and the instants they give ----

/// The accepted incidents and the findings as `CODE column`, in line and rule order.
fn incidents_of(text: &str) -> (Vec<Incident>, Vec<String>) {
    let o = run(text.as_bytes());
    assert!(!o.file_rejected, "{:?}", o.findings);
    let codes = o
        .findings
        .iter()
        .map(|f| format!("{} {}", f.code, f.column.clone().unwrap_or_default()))
        .collect();
    (o.accepted, codes)
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

// ---- privacy: a valid fødselsnummer outside its column (DOMAIN.md §9) ----

#[test]
fn a_fodselsnummer_shifted_by_a_stray_semicolon_reaches_no_finding_in_clear() {
    let clear = fnr();
    let o = check(
        extract(&[&[("Fødselsnummer", &format!(";{clear}"))]]),
        expect![[r#"
        E102 2 H1 Varslet dato/tid
        E105 2 H1 Tiltak kategori
        E105 2 H1 Type leveringssted (gruppering)
        E108 2 H1 Folkeregisterkommune
        E108 2 H1 Kommunenummer leveringssted
    "#]],
    );
    for f in &o.findings {
        let text = format!("{f:?}");
        assert!(!text.contains(&clear), "{text}");
    }
    assert!(o.findings.iter().any(|f| f.value.as_deref() == Some("***********")));
    // Stored values are masked too: the incident holds no clear number either.
    assert!(!format!("{:?}", o.accepted).contains(&clear));
}
