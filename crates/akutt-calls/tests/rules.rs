//! Golden tests of the call-log reader: every rule of DOMAIN.md §11 and the file-level
//! rules, each on a small hand-written log, through one `check` helper.

use akutt_calls::read;
use akutt_rules::MappingTable;
use expect_test::{expect, Expect};

const HEADER: &str = "Dato fra;Dato til;Kode for helseforetak/Enhet;Anrops-ID;Kø;Anrop mottatt dato/tid;Besvart dato/tid;Avsluttet dato/tid;Utfall;Overflyttet til;Henvendelsesnummer";

/// A log for OSL, March 2024, with these rows after the header.
fn log(rows: &[&str]) -> String {
    let mut s = format!("{HEADER}\n");
    for r in rows {
        s.push_str("01.03.2024;31.03.2024;OSL;");
        s.push_str(r);
        s.push('\n');
    }
    s
}

fn render(input: &[u8], mapping: &str) -> String {
    let table = if mapping.is_empty() {
        MappingTable::default()
    } else {
        MappingTable::parse(mapping).expect("mapping")
    };
    let l = read(input, |_| table);
    let mut out = format!(
        "encoding={} centre={} rows={} calls={} accepted={} rejected={}\n",
        l.encoding.unwrap_or("-"),
        l.centre.as_deref().unwrap_or("-"),
        l.rows,
        l.calls_seen,
        l.calls.len(),
        l.calls_rejected()
    );
    for f in &l.findings {
        out.push_str(&format!(
            "{} line {} [{}] id={}: {}\n",
            f.code.code(),
            f.line.unwrap_or(0),
            f.column.as_deref().unwrap_or("-"),
            f.incident.as_deref().unwrap_or("-"),
            f.message_en
        ));
    }
    for c in &l.calls {
        out.push_str(&format!(
            "call {} line {} {} {} wait={} duration={}\n",
            c.id,
            c.line,
            c.linje.code(),
            c.outcome,
            c.wait_s().map_or("-".into(), |w| w.to_string()),
            c.duration_s()
        ));
    }
    for n in &l.notices {
        out.push_str(&format!("notice: {n}\n"));
    }
    out
}

fn check(input: &str, expect: Expect) {
    expect.assert_eq(&render(input.as_bytes(), ""));
}

#[test]
fn answered_abandoned_and_overflowed_calls_are_read() {
    check(
        &log(&[
            "A1;113;04.03.2024 10:00:00;04.03.2024 10:00:10;04.03.2024 10:03:00;BESVART;;",
            "A2;113;04.03.2024 10:01:00;;04.03.2024 10:01:04;AVBRUTT;;",
            "A3;113;04.03.2024 10:02:00;;04.03.2024 10:02:20;OVERFLYTTET;VTE;",
            "A4;LV;04.03.2024 10:02:00;04.03.2024 10:02:30;04.03.2024 10:04:00;BESVART;;H-77",
        ]),
        expect![[r#"
            encoding=UTF-8 centre=OSL rows=4 calls=4 accepted=4 rejected=0
            call A1 line 2 113 BESVART wait=10 duration=180
            call A2 line 3 113 AVBRUTT wait=- duration=4
            call A3 line 4 113 OVERFLYTTET wait=- duration=20
            call A4 line 5 LV BESVART wait=30 duration=120
        "#]],
    );
}

#[test]
fn e121_answer_time_and_outcome_must_agree() {
    check(
        &log(&[
            "B1;113;04.03.2024 10:00:00;;04.03.2024 10:03:00;BESVART;;",
            "B2;113;04.03.2024 10:01:00;04.03.2024 10:01:05;04.03.2024 10:01:09;AVBRUTT;;",
        ]),
        expect![[r#"
            encoding=UTF-8 centre=OSL rows=2 calls=2 accepted=0 rejected=2
            E121 line 2 [Besvart dato/tid] id=B1: BESVART without 'Besvart dato/tid', or 'Besvart dato/tid' on a call that is not BESVART: «Utfall» is BESVART but «Besvart dato/tid» is empty
            E121 line 3 [Besvart dato/tid] id=B2: BESVART without 'Besvart dato/tid', or 'Besvart dato/tid' on a call that is not BESVART: «Besvart dato/tid» is filled in but «Utfall» is AVBRUTT
        "#]],
    );
}

#[test]
fn e122_times_out_of_order() {
    check(
        &log(&[
            "C1;113;04.03.2024 10:00:10;04.03.2024 10:00:00;04.03.2024 10:03:00;BESVART;;",
            "C2;113;04.03.2024 10:00:00;04.03.2024 10:00:08;04.03.2024 10:00:05;BESVART;;",
            "C3;113;04.03.2024 10:00:00;;04.03.2024 09:59:59;AVBRUTT;;",
        ]),
        expect![[r#"
            encoding=UTF-8 centre=OSL rows=3 calls=3 accepted=0 rejected=3
            E122 line 2 [Besvart dato/tid] id=C1: Times out of order (answered before received, or ended before either): answered 2024-03-04T10:00:00+01:00 before received 2024-03-04T10:00:10+01:00
            E122 line 3 [Avsluttet dato/tid] id=C2: Times out of order (answered before received, or ended before either): ended 2024-03-04T10:00:05+01:00 before answered 2024-03-04T10:00:08+01:00
            E122 line 4 [Avsluttet dato/tid] id=C3: Times out of order (answered before received, or ended before either): ended 2024-03-04T09:59:59+01:00 before received 2024-03-04T10:00:00+01:00
        "#]],
    );
}

#[test]
fn e123_overflow_needs_another_known_centre() {
    check(
        &log(&[
            "D1;113;04.03.2024 10:00:00;;04.03.2024 10:00:30;OVERFLYTTET;;",
            "D2;113;04.03.2024 10:00:00;;04.03.2024 10:00:30;OVERFLYTTET;XYZ;",
            "D3;113;04.03.2024 10:00:00;;04.03.2024 10:00:30;OVERFLYTTET;OSL;",
            "D4;113;04.03.2024 10:00:00;;04.03.2024 10:00:30;OVERFLYTTET;INN;",
        ]),
        expect![[r#"
            encoding=UTF-8 centre=OSL rows=4 calls=4 accepted=1 rejected=3
            E123 line 2 [Overflyttet til] id=D1: OVERFLYTTET without a known centre code in 'Overflyttet til' (or naming its own centre): «Overflyttet til» is empty
            E123 line 3 [Overflyttet til] id=D2: OVERFLYTTET without a known centre code in 'Overflyttet til' (or naming its own centre): «XYZ» is not a known centre code
            E123 line 4 [Overflyttet til] id=D3: OVERFLYTTET without a known centre code in 'Overflyttet til' (or naming its own centre): «OSL» is the centre itself
            call D4 line 5 113 OVERFLYTTET wait=- duration=30
        "#]],
    );
}

#[test]
fn w221_implausible_waits_and_durations_warn_but_keep_the_call() {
    check(
        &log(&[
            "E1;113;04.03.2024 10:00:00;04.03.2024 10:15:00;04.03.2024 10:20:00;BESVART;;",
            "E2;113;04.03.2024 10:00:00;04.03.2024 10:15:01;04.03.2024 10:20:00;BESVART;;",
            "E3;113;04.03.2024 10:00:00;04.03.2024 10:00:05;04.03.2024 14:00:06;BESVART;;",
        ]),
        expect![[r#"
            encoding=UTF-8 centre=OSL rows=3 calls=3 accepted=3 rejected=0
            W221 line 3 [Besvart dato/tid] id=E2: Implausible: waited more than 15 minutes before answer, or a call longer than 4 hours: waited 901 s before answer (over 15 minutes)
            W221 line 4 [Avsluttet dato/tid] id=E3: Implausible: waited more than 15 minutes before answer, or a call longer than 4 hours: the call lasted 14406 s (over 4 hours)
            call E1 line 2 113 BESVART wait=900 duration=1200
            call E2 line 3 113 BESVART wait=901 duration=1200
            call E3 line 4 113 BESVART wait=5 duration=14406
        "#]],
    );
}

#[test]
fn e102_missing_and_unreadable_values_and_seconds_required() {
    check(
        &log(&[
            ";113;04.03.2024 10:00:00;;04.03.2024 10:00:30;AVBRUTT;;",
            "F1;;04.03.2024 10:00:00;;04.03.2024 10:00:30;AVBRUTT;;",
            "F2;113;04.03.2024 10:00;;04.03.2024 10:00:30;AVBRUTT;;",
            "F3;113;04.03.2024 10:00:00;;;AVBRUTT;;",
            "F4;113;04.03.2024 10:00:00;;04.03.2024 10:00:30;LAGT PÅ;;",
            "F5;113;2024-03-04T10:00:00+01:00;;2024-03-04T10:00:30;AVBRUTT;;",
        ]),
        expect![[r#"
            encoding=UTF-8 centre=OSL rows=6 calls=6 accepted=1 rejected=5
            E102 line 2 [Anrops-ID] id=-: A value cannot be parsed: «Anrops-ID» is missing
            E102 line 3 [Kø] id=F1: A value cannot be parsed: «Kø» is missing
            E102 line 4 [Anrop mottatt dato/tid] id=F2: A value cannot be parsed: «04.03.2024 10:00» in «Anrop mottatt dato/tid» is not a date and time with seconds (dd.mm.yyyy hh:mm:ss)
            E102 line 5 [Avsluttet dato/tid] id=F3: A value cannot be parsed: «Avsluttet dato/tid» is missing
            E102 line 6 [Utfall] id=F4: A value cannot be parsed: «LAGT PÅ» in «Utfall» is not BESVART, AVBRUTT or OVERFLYTTET
            call F5 line 7 113 AVBRUTT wait=- duration=30
        "#]],
    );
}

#[test]
fn e104_calls_outside_the_period_are_rejected() {
    check(
        &log(&[
            "G1;113;29.02.2024 23:59:59;;01.03.2024 00:00:10;AVBRUTT;;",
            "G2;113;01.03.2024 00:00:00;;01.03.2024 00:00:10;AVBRUTT;;",
            "G3;113;31.03.2024 23:59:59;;01.04.2024 00:00:10;AVBRUTT;;",
            "G4;113;01.04.2024 00:00:00;;01.04.2024 00:00:10;AVBRUTT;;",
        ]),
        expect![[r#"
            encoding=UTF-8 centre=OSL rows=4 calls=4 accepted=2 rejected=2
            E104 line 2 [Anrop mottatt dato/tid] id=G1: Incident's first contact lies outside the reporting period: «Anrop mottatt» 2024-02-29T23:59:59+01:00 lies outside the period 01.03.2024–31.03.2024
            E104 line 5 [Anrop mottatt dato/tid] id=G4: Incident's first contact lies outside the reporting period: «Anrop mottatt» 2024-04-01T00:00:00+02:00 lies outside the period 01.03.2024–31.03.2024
            call G2 line 3 113 AVBRUTT wait=- duration=10
            call G3 line 4 113 AVBRUTT wait=- duration=11
        "#]],
    );
}

#[test]
fn e105_unmapped_queue_with_a_linje_table_and_national_codes_without() {
    let rows = log(&[
        "H1;K1;04.03.2024 10:00:00;04.03.2024 10:00:03;04.03.2024 10:01:00;BESVART;;",
        "H2;K9;04.03.2024 10:00:00;04.03.2024 10:00:03;04.03.2024 10:01:00;BESVART;;",
        "H3;113;04.03.2024 10:00:00;04.03.2024 10:00:03;04.03.2024 10:01:00;BESVART;;",
    ]);
    let table = "kodeverk;lokal_kode;nasjonal_kode\nlinje;K1;113\nlinje;K2;LV\n";
    expect![[r#"
        encoding=UTF-8 centre=OSL rows=3 calls=3 accepted=1 rejected=2
        E105 line 3 [Kø] id=H2: Local code not in the centre's mapping table: code list linje, code «K9»
        E105 line 4 [Kø] id=H3: Local code not in the centre's mapping table: code list linje, code «113»
        call H1 line 2 113 BESVART wait=3 duration=60
    "#]].assert_eq(&render(rows.as_bytes(), table));
    // Without linje entries the queues are national codes: K1 and K9 are not.
    check(
        &rows,
        expect![[r#"
        encoding=UTF-8 centre=OSL rows=3 calls=3 accepted=1 rejected=2
        E105 line 2 [Kø] id=H1: Local code not in the centre's mapping table: code list linje, code «K1»
        E105 line 3 [Kø] id=H2: Local code not in the centre's mapping table: code list linje, code «K9»
        call H3 line 4 113 BESVART wait=3 duration=60
    "#]],
    );
}

#[test]
fn e107_a_repeated_id_counts_once_when_identical_and_rejects_when_not() {
    check(
        &log(&[
            "I1;113;04.03.2024 10:00:00;04.03.2024 10:00:03;04.03.2024 10:01:00;BESVART;;",
            "I1;113;04.03.2024 10:00:00;04.03.2024 10:00:03;04.03.2024 10:01:00;BESVART;;",
            "I2;113;04.03.2024 10:00:00;04.03.2024 10:00:03;04.03.2024 10:01:00;BESVART;;",
            "I2;113;04.03.2024 10:00:00;04.03.2024 10:00:04;04.03.2024 10:01:00;BESVART;;",
        ]),
        expect![[r#"
            encoding=UTF-8 centre=OSL rows=4 calls=2 accepted=1 rejected=1
            E107 line 5 [Anrops-ID] id=I2: The same action key appears twice with different content: Anrops-ID «I2» also stands on line 4 with other content
            call I1 line 2 113 BESVART wait=3 duration=60
            notice: 1 rad(er) gjentar en tidligere rad nøyaktig (samme Anrops-ID og innhold) og telles én gang / 1 row(s) repeat an earlier row exactly (same Anrops-ID and content) and are counted once
        "#]],
    );
}

/// Spring forward (31 March 2024, 02:00 → 03:00): 01:59:55 to 03:00:05 is 10 seconds. A
/// time in the missing hour is W209, shifted forward one hour.
#[test]
fn dst_spring_forward_night() {
    check(
        &log(&[
            "J1;113;31.03.2024 01:59:55;31.03.2024 03:00:05;31.03.2024 03:02:00;BESVART;;",
            "J2;113;31.03.2024 02:30:00;;31.03.2024 03:30:10;AVBRUTT;;",
        ]),
        expect![[r#"
            encoding=UTF-8 centre=OSL rows=2 calls=2 accepted=2 rejected=0
            W209 line 3 [Anrop mottatt dato/tid] id=J2: Non-existent local time (spring-forward gap), shifted forward one hour: moved to 2024-03-31T03:30:00+02:00
            call J1 line 2 113 BESVART wait=10 duration=125
            call J2 line 3 113 AVBRUTT wait=- duration=10
        "#]],
    );
}

/// Fall back (27 October 2024, 03:00 → 02:00): an answer read at 02:00:03 after ringing at
/// 02:59:58 (summer time) is the later 02:00:03 (winter time): a wait of 5 seconds.
#[test]
fn dst_fall_back_night() {
    let text = format!(
        "{HEADER}\n01.10.2024;31.10.2024;OSL;K1;113;27.10.2024 02:59:58;27.10.2024 02:00:03;27.10.2024 02:01:00;BESVART;;\n"
    );
    check(
        &text,
        expect![[r#"
        encoding=UTF-8 centre=OSL rows=1 calls=1 accepted=1 rejected=0
        W208 line 2 [Anrop mottatt dato/tid] id=K1: Ambiguous local time (fall-back hour): read as the earlier (2024-10-27T02:59:58+02:00)
        W208 line 2 [Besvart dato/tid] id=K1: Ambiguous local time (fall-back hour): read as the later (2024-10-27T02:00:03+01:00)
        W208 line 2 [Avsluttet dato/tid] id=K1: Ambiguous local time (fall-back hour): read as the later (2024-10-27T02:01:00+01:00)
        call K1 line 2 113 BESVART wait=5 duration=62
    "#]],
    );
}

#[test]
fn file_level_rules_reject_the_file() {
    // F001: a required column missing.
    check("Dato fra;Dato til;Kode for helseforetak/Enhet;Anrops-ID;Kø\n01.03.2024;31.03.2024;OSL;A;113\n", expect![[r#"
        encoding=UTF-8 centre=OSL rows=1 calls=1 accepted=0 rejected=1
        F001 line 1 [Anrop mottatt dato/tid] id=-: A required column is missing: «Anrop mottatt dato/tid»
        F001 line 1 [Avsluttet dato/tid] id=-: A required column is missing: «Avsluttet dato/tid»
        F001 line 1 [Utfall] id=-: A required column is missing: «Utfall»
    "#]]);
    // F002: the centre differs between rows.
    let mut two = log(&["A1;113;04.03.2024 10:00:00;;04.03.2024 10:00:30;AVBRUTT;;"]);
    two.push_str(
        "01.03.2024;31.03.2024;VTE;A2;113;04.03.2024 10:00:00;;04.03.2024 10:00:30;AVBRUTT;;\n",
    );
    check(
        &two,
        expect![[r#"
        encoding=UTF-8 centre=OSL rows=2 calls=2 accepted=0 rejected=2
        F002 line 3 [Kode for helseforetak/Enhet] id=-: Submission-level columns differ between rows: «Kode for helseforetak/Enhet» is «VTE» here but «OSL» on line 2
    "#]],
    );
    // F003: not a header; F004: no rows.
    check(
        "hello;world\n1;2\n",
        expect![[r#"
        encoding=- centre=- rows=0 calls=0 accepted=0 rejected=0
        F003 line 1 [-] id=-: Not readable as CSV in a supported encoding, or no header: the first line is not a recognisable header row
        notice: ukjent kolonne «hello» ignoreres / unknown column «hello» ignored
        notice: ukjent kolonne «world» ignoreres / unknown column «world» ignored
    "#]],
    );
    check(
        &format!("{HEADER}\n"),
        expect![[r#"
        encoding=UTF-8 centre=- rows=0 calls=0 accepted=0 rejected=0
        F004 line 2 [-] id=-: No data rows
    "#]],
    );
    check(
        "",
        expect![[r#"
        encoding=- centre=- rows=0 calls=0 accepted=0 rejected=0
        F003 line 1 [-] id=-: Not readable as CSV in a supported encoding, or no header: the file is empty
    "#]],
    );
}

#[test]
fn windows_1252_and_bom_and_unknown_columns() {
    let utf8 = log(&["A1;113;04.03.2024 10:00:00;;04.03.2024 10:00:30;AVBRUTT;;"]);
    let cp1252: Vec<u8> =
        utf8.chars().map(|c| u8::try_from(u32::from(c)).expect("Latin-1")).collect();
    expect![[r#"
        encoding=Windows-1252 centre=OSL rows=1 calls=1 accepted=1 rejected=0
        call A1 line 2 113 AVBRUTT wait=- duration=30
    "#]]
    .assert_eq(&render(&cp1252, ""));
    let bom =
        format!("\u{feff}{}", utf8.replacen("Henvendelsesnummer", "Henvendelsesnummer;Merknad", 1));
    check(
        &bom,
        expect![[r#"
        encoding=UTF-8 centre=OSL rows=1 calls=1 accepted=1 rejected=0
        call A1 line 2 113 AVBRUTT wait=- duration=30
        notice: ukjent kolonne «Merknad» ignoreres / unknown column «Merknad» ignored
    "#]],
    );
}

/// A fødselsnummer in any column never leaves the reader in clear.
#[test]
fn a_fodselsnummer_in_any_column_is_masked() {
    let fnr = akutt_model::fnr::complete_fnr("010190123")
        .or_else(|| akutt_model::fnr::complete_fnr("010190124"))
        .expect("a valid number");
    let text =
        log(&[&format!("{fnr};113;04.03.2024 10:00:00;;04.03.2024 10:00:30;AVBRUTT;{fnr};")]);
    let rendered = render(text.as_bytes(), "");
    assert!(!rendered.contains(&fnr), "{rendered}");
    assert!(rendered.contains("call *********** line 2"), "{rendered}");
    let l = read(text.as_bytes(), |_| MappingTable::default());
    assert_eq!(l.calls[0].moved_to.as_deref(), Some("***********"));
    for f in &l.findings {
        assert!(!format!("{f:?}").contains(&fnr), "{f:?}");
    }
}

#[test]
fn fuzz_corpus_replays() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/calls");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let bytes = std::fs::read(e.path()).unwrap();
        akutt_calls::fuzzing::run(&bytes);
        // Every prefix, too: a truncated upload must never panic.
        for cut in (0..bytes.len()).step_by(41) {
            akutt_calls::fuzzing::run(&bytes[..cut]);
        }
        n += 1;
    }
    assert!(n >= 6, "the seed corpus is in fuzz/corpus/calls ({n} files)");
}

#[test]
fn the_rules_corpus_file_trips_every_rule_and_masks_the_fødselsnummer() {
    let bytes = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/calls/rules.csv"),
    )
    .unwrap();
    let out = render(&bytes, "");
    for code in ["E102", "E104", "E105", "E107", "E121", "E122", "E123", "W221"] {
        assert!(out.contains(code), "{code} missing:\n{out}");
    }
    assert!(!out.contains("15076500565") && !out.contains("01019012345"), "{out}");
}

#[test]
fn lines_are_counted_right_with_cr_lf_and_blank_lines() {
    // Windows line ends and a blank line: the finding of the call on physical line 5 says 5
    // (the csv crate alone would say 3: rust-csv #395 and #208).
    let text = log(&[
        "A1;113;05.03.2024 10:00:00;05.03.2024 10:00:04;05.03.2024 10:02:00;BESVART;;",
        "",
        "A2;113;05.03.2024 10:00:00;;05.03.2024 10:02:00;BESVART;;",
    ])
    .replace("01.03.2024;31.03.2024;OSL;\n", "\n")
    .replace('\n', "\r\n");
    check(
        &text,
        expect![[r#"
            encoding=UTF-8 centre=OSL rows=2 calls=2 accepted=1 rejected=1
            E121 line 4 [Besvart dato/tid] id=A2: BESVART without 'Besvart dato/tid', or 'Besvart dato/tid' on a call that is not BESVART: «Utfall» is BESVART but «Besvart dato/tid» is empty
            call A1 line 2 113 BESVART wait=4 duration=120
        "#]],
    );
}

#[test]
fn a_quoted_line_break_keeps_the_next_lines_right() {
    // Line 2's call spans lines 2–3 (a quoted line feed); the next call starts on line 4.
    check(
        &log(&[
            "A1;113;05.03.2024 10:00:00;05.03.2024 10:00:04;05.03.2024 10:02:00;BESVART;;\"K\n1\"",
            "A2;113;05.03.2024 10:00:00;;05.03.2024 10:02:00;BESVART;;",
        ]),
        expect![[r#"
            encoding=UTF-8 centre=OSL rows=2 calls=2 accepted=1 rejected=1
            E121 line 4 [Besvart dato/tid] id=A2: BESVART without 'Besvart dato/tid', or 'Besvart dato/tid' on a call that is not BESVART: «Utfall» is BESVART but «Besvart dato/tid» is empty
            call A1 line 2 113 BESVART wait=4 duration=120
        "#]],
    );
}
