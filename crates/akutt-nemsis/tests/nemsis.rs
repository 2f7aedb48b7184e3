//! The NEMSIS reader and case definitions against the NEMSIS v3.5 compliance sample files
//! (data/nemsis/samples) and against malformed, hostile and huge inputs.

use std::path::{Path, PathBuf};

use akutt_model::{RuleCode, Severity};
use akutt_nemsis::{read, read_all, Condition, Limits, PcrRecord};

fn samples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/nemsis/samples");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    v.sort();
    assert!(v.len() >= 28, "the 28 compliance samples are in data/nemsis/samples");
    v
}

fn is_valid_case(p: &Path) -> bool {
    let name = p.file_name().unwrap().to_string_lossy();
    !name.contains("Fail")
}

fn read_file(p: &Path) -> (akutt_nemsis::Summary, Vec<PcrRecord>) {
    read_all(std::io::BufReader::new(std::fs::File::open(p).unwrap()))
}

/// The text of the first `<tag>…</tag>` inside the `PatientCareReport` (independent of the reader).
fn element_text(xml: &str, tag: &str) -> Option<String> {
    let pcr = &xml[xml.find("<PatientCareReport")?..];
    let open = format!("<{tag}>");
    let start = pcr.find(&open)? + open.len();
    let end = pcr[start..].find(&format!("</{tag}>"))?;
    Some(pcr[start..start + end].trim().to_string())
}

fn seconds(xml: &str, tag: &str) -> Option<i64> {
    element_text(xml, tag).map(|t| chrono::DateTime::parse_from_rfc3339(&t).unwrap().timestamp())
}

#[test]
fn every_sample_reads_and_its_times_are_those_written() {
    for p in samples() {
        let (s, recs) = read_file(&p);
        let name = p.display();
        assert!(!s.is_rejected(), "{name}: {:?}", s.findings);
        assert_eq!(s.reports_seen, 1, "{name}");
        assert_eq!(recs.len(), 1, "{name}");
        let r = &recs[0];
        let xml = std::fs::read_to_string(&p).unwrap();
        assert!(!r.uuid.is_empty(), "{name}: UUID");
        assert_eq!(r.incident_number, element_text(&xml, "eResponse.03"), "{name}");
        assert_eq!(r.type_of_service, element_text(&xml, "eResponse.05"), "{name}");
        assert_eq!(r.response_mode, element_text(&xml, "eResponse.23"), "{name}");
        for (tag, got) in r.times.in_order() {
            assert_eq!(got, seconds(&xml, tag), "{name}: {tag}");
        }
        assert_eq!(
            r.agency,
            element_text(&xml, "eResponse.01"),
            "{name}: the agency is eResponse.01"
        );
    }
}

#[test]
fn cardiac_transport_sample_gives_133_and_180_seconds() {
    let p =
        samples().into_iter().find(|p| p.to_string_lossy().contains("2022-EMS-1-Cardiac")).unwrap();
    let (_, recs) = read_file(&p);
    let r = &recs[0];
    assert!(r.is_emergency_response());
    let (call, notified) = (r.times.psap_call.unwrap(), r.times.unit_notified.unwrap());
    let scene = r.times.on_scene.unwrap();
    assert_eq!(scene - notified, 133);
    assert_eq!(scene - call, 180);
    assert_eq!(r.agency.as_deref(), Some("350-TGCON058"));
}

#[test]
fn case_definitions_classify_the_samples() {
    for p in samples().into_iter().filter(|p| is_valid_case(p)) {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let (_, recs) = read_file(&p);
        let got: Vec<Condition> =
            Condition::ALL.into_iter().filter(|c| c.matches(&recs[0])).collect();
        let want: Vec<Condition> = if name.contains("STEMI") {
            vec![Condition::Stemi]
        } else if name.contains("Stroke") {
            vec![Condition::Stroke]
        } else if name.contains("Cardiac") {
            vec![Condition::CardiacArrest]
        } else {
            vec![]
        };
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn pertinent_negatives_and_not_values_are_not_codes() {
    let p =
        samples().into_iter().find(|p| p.to_string_lossy().contains("2022-EMS-3-Trauma")).unwrap();
    let (_, recs) = read_file(&p);
    // eSituation.10 R51 carries PN="8801031" (symptom not present): left out.
    assert!(
        !recs[0].symptoms_impressions.iter().any(|c| c == "R51"),
        "{:?}",
        recs[0].symptoms_impressions
    );
    assert!(recs[0].symptoms_impressions.iter().any(|c| c == "R53.1"));
    let p = samples()
        .into_iter()
        .find(|p| p.to_string_lossy().contains("2020-EMS-1-NoPatient"))
        .unwrap();
    let (_, recs) = read_file(&p);
    assert!(recs[0].symptoms_impressions.is_empty(), "xsi:nil with NV is missing");
    assert_eq!(recs[0].arrest, None);
}

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<EMSDataSet xmlns="http://www.nemsis.org" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<Header><DemographicGroup><dAgency.01>1</dAgency.01><dAgency.02>AG-1</dAgency.02></DemographicGroup>
"#;

fn pcr(uuid: &str, inner: &str) -> String {
    format!("<PatientCareReport UUID=\"{uuid}\">{inner}</PatientCareReport>\n")
}

fn doc(body: &str) -> String {
    format!("{HEAD}{body}</Header>\n</EMSDataSet>\n")
}

fn codes(s: &akutt_nemsis::Summary) -> Vec<&'static str> {
    s.findings.iter().map(|f| f.code.code()).collect()
}

#[test]
fn check_inputs() {
    // Each input with the rule codes its findings must carry, in order.
    let times = "<eTimes><eTimes.01>2024-03-01T10:00:00+01:00</eTimes.01><eTimes.03>2024-03-01T10:01:00+01:00</eTimes.03><eTimes.06>2024-03-01T09:59:00+01:00</eTimes.06></eTimes>";
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        ("valid", doc(&pcr("u1", "")), vec![]),
        (
            "wrong namespace",
            doc(&pcr("u1", "")).replace("http://www.nemsis.org", "http://example.org"),
            vec!["F102"],
        ),
        ("other data set", "<DEMDataSet xmlns=\"http://www.nemsis.org\"/>".into(), vec!["F102"]),
        ("truncated", doc(&pcr("u1", ""))[..HEAD.len() + 30].to_string(), vec!["F101"]),
        ("mismatched end tag", doc(&pcr("u1", "<eRecord></eResponse>")), vec!["F101"]),
        (
            "doctype",
            format!("<!DOCTYPE x [<!ENTITY a \"aaaa\">]>{}", doc(&pcr("u1", ""))),
            vec!["F101"],
        ),
        ("not xml", "kommune;år\n0301;2024\n".into(), vec!["F101"]),
        ("empty", String::new(), vec!["F101"]),
        ("no records", doc(""), vec!["F104"]),
        ("duplicate uuid", doc(&(pcr("u1", "") + &pcr("u1", ""))), vec!["E151"]),
        ("times out of order", doc(&pcr("u1", times)), vec!["W251"]),
        (
            "unreadable time",
            doc(&pcr("u1", "<eTimes><eTimes.01>yesterday</eTimes.01></eTimes>")),
            vec!["W252"],
        ),
    ];
    for (name, input, want) in cases {
        let (s, recs) = read_all(input.as_bytes());
        assert_eq!(codes(&s), want, "{name}: {:?}", s.findings);
        if want.iter().any(|c| RuleCode::parse(c).unwrap().severity() == Severity::File) {
            assert!(s.is_rejected(), "{name}");
        } else {
            assert_eq!(recs.len() as u64, s.records_accepted, "{name}");
        }
        for f in &s.findings {
            assert!(f.line.is_some_and(|l| l >= 1), "{name}: every finding names its line");
        }
    }
}

#[test]
fn findings_name_the_line() {
    let input = doc(&(pcr("u1", "") + &pcr("u1", "")));
    let (s, _) = read_all(input.as_bytes());
    let line_of_second =
        input.lines().position(|l| l.contains("<PatientCareReport")).unwrap() as u64 + 2;
    assert_eq!(s.findings[0].line, Some(line_of_second));
}

#[test]
fn hostile_inputs_are_bounded() {
    // A text node far over the limit is refused without buffering it.
    let huge =
        format!("{HEAD}<PatientCareReport UUID=\"u\"><eRecord><eRecord.01>{}", "x".repeat(9 << 20));
    let (s, _) = read_all(huge.as_bytes());
    assert_eq!(codes(&s), vec!["F101"]);
    assert!(s.findings[0].message_en.contains("longer than"), "{}", s.findings[0].message_en);
    // Deep nesting.
    let deep = format!("{HEAD}{}", "<a>".repeat(10_000));
    let (s, _) = read_all(deep.as_bytes());
    assert_eq!(codes(&s), vec!["F101"]);
    assert!(s.findings[0].message_en.contains("deeper"));
}

#[test]
fn many_records_stream_through_a_callback() {
    // 20,000 records, read without keeping them: the callback sees every one.
    let body: String = (0..20_000)
        .map(|i| pcr(&format!("u{i}"), "<eResponse><eResponse.03>x</eResponse.03></eResponse>"))
        .collect();
    let input = doc(&body);
    let mut n = 0u64;
    let s =
        read(std::io::BufReader::with_capacity(4096, input.as_bytes()), Limits::default(), |_| {
            n += 1
        });
    assert_eq!((n, s.records_accepted, s.reports_seen), (20_000, 20_000, 20_000));
    assert!(s.findings.is_empty());
}

#[test]
fn fuzz_corpus_replays() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/nemsis");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(e.unwrap().path()).unwrap();
        for cut in [bytes.len(), bytes.len() / 2, bytes.len() / 3] {
            akutt_nemsis::fuzzing::run(&bytes[..cut]);
        }
        n += 1;
    }
    assert!(n >= 6, "the seed corpus is in fuzz/corpus/nemsis ({n} files)");
}
