//! The command-line contract of `akutt`, run as a real process: the JSON shape of
//! `ingest --json`, exit codes, `submissions --json`, and crash safety under `kill -9`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env { dir: tempfile::tempdir().unwrap() }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_akutt"));
        c.arg("--data")
            .arg(self.data())
            .env("AKUTT_KEY_FILE", self.dir.path().join("key/pseudonym.key"))
            .env_remove("AKUTT_DATA");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    /// OSL's mapping table and its March 2024 example extract, loaded and ingested.
    fn osl_example(&self) {
        let o = self.run(&[
            "mappings",
            "load",
            &repo_file("examples/mapping-OSL.csv"),
            "--centre",
            "OSL",
        ]);
        assert!(o.status.success());
        assert!(self
            .run(&["ingest", &repo_file("examples/extract-OSL-2024-03.csv")])
            .status
            .success());
    }

    /// The example extract again with CR LF line ends: the same data, other bytes (an
    /// identical file would be refused).
    fn example_resubmitted(&self) -> PathBuf {
        let text = std::fs::read_to_string(repo_file("examples/extract-OSL-2024-03.csv")).unwrap();
        self.write(
            "extract-OSL-2024-03-crlf.csv",
            &text.replace("\r\n", "\n").replace('\n', "\r\n"),
        )
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

fn repo_file(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(rel).to_string_lossy().into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

#[test]
fn ingest_json_contract_and_exit_codes() {
    let e = Env::new();
    let m = e.run(&["mappings", "load", &repo_file("examples/mapping-OSL.csv"), "--centre", "OSL"]);
    assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
    let o = e.run(&["ingest", &repo_file("examples/extract-OSL-2024-03.csv"), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    let s = &v["submission"];
    for k in ["id", "centre", "version", "status"] {
        assert!(!s[k].is_null(), "submission.{k}");
    }
    assert_eq!(s["status"], "accepted");
    assert_eq!(s["centre"], "OSL");
    assert_eq!(s["period"]["from"], "2024-03-01");
    assert_eq!(s["period"]["to"], "2024-03-31");
    for k in [
        "rows",
        "incidents",
        "incidents_accepted",
        "incidents_rejected",
        "contacts",
        "patients",
        "actions",
        "missions",
    ] {
        assert!(v["counts"][k].is_u64(), "counts.{k}");
    }
    assert_eq!(v["counts"]["missions"], 2);
    let f = &v["findings"][0];
    for k in ["code", "severity", "line", "incident", "column", "value", "message"] {
        assert!(f.get(k).is_some(), "finding.{k}");
    }
    assert_eq!(f["severity"], "warning");
    let share = v["completeness"]["Hendelsesnummer"].as_f64().unwrap();
    assert_eq!(share, 1.0);

    // A rejected file: exit 2, status rejected, the F-code in the findings.
    let bad = e.write("bad.csv", "Dato fra;Dato til\n01.03.2024;31.03.2024\n");
    let o = e.run(&["ingest", bad.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(2));
    let v = json(&o);
    assert_eq!(v["submission"]["status"], "rejected");
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["severity"] == "file" && f["code"] == "F001"));

    // The same file again is refused: nothing stored, exit 2, the submission it equals named.
    let o = e.run(&["ingest", &repo_file("examples/extract-OSL-2024-03.csv")]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("identical to submission 1 (version 1"), "{err}");
    assert_eq!(
        json(&e.run(&["submissions", "--json"]))["submissions"].as_array().unwrap().len(),
        2
    );
    // The same data with other bytes (CR LF line ends) is a new version: the text report and
    // the list of submissions.
    let changed = e.example_resubmitted();
    let o = e.run(&["ingest", changed.to_str().unwrap()]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("W209"));
    let o = e.run(&["submissions", "--json"]);
    assert!(o.status.success());
    let v = json(&o);
    let subs = v["submissions"].as_array().unwrap();
    assert_eq!(subs.len(), 3);
    assert_eq!(subs[0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(subs.iter().filter(|s| s["current"] == true).count(), 1);
    assert_eq!(subs[2]["version"], 2);
    // The stored report of a submission.
    let o = e.run(&["report", "1", "--json"]);
    assert_eq!(json(&o)["submission"]["id"], 1);
    // A missing file is an error (exit 1) that names the file.
    let o = e.run(&["ingest", "/nonexistent/file.csv"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/file.csv"));
}

#[test]
fn a_call_log_is_ingested_and_its_answer_times_computed() {
    // The example 113 log of OSL, March 2024 (DOMAIN.md §11): eleven calls, one rejected
    // (E121: BESVART without an answer time). Line 113's accepted calls: waits 4, 10, 25, 2
    // and 10 s (the last across the spring-forward night: 01:59:55 → 03:00:05), a short
    // abandon (3 s), a long one (40 s), one overflowed to VVI; one LV and one AMB call.
    let e = Env::new();
    let m = e.run(&["mappings", "load", &repo_file("examples/mapping-OSL.csv"), "--centre", "OSL"]);
    assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
    let log = repo_file("examples/anrop-OSL-2024-03.csv");
    let o = e.run(&["ingest", &log, "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    assert_eq!(v["counts"]["rows"], 11);
    assert_eq!(v["counts"]["calls"], 11);
    assert_eq!(v["counts"]["calls_accepted"], 10);
    assert_eq!(v["counts"]["calls_rejected"], 1);
    let f = &v["findings"][0];
    assert_eq!(
        (f["code"].as_str(), f["incident"].as_str(), f["line"].as_u64()),
        (Some("E121"), Some("A10"), Some(11))
    );
    let answer = json(&e.run(&[
        "indicators",
        "--from",
        "2024-03",
        "--to",
        "2024-03",
        "--indicator",
        "answer_time",
        "--by",
        "centre",
        "--json",
    ]));
    let figures = answer["indicators"].as_array().unwrap();
    assert_eq!(figures.len(), 1);
    let a = &figures[0];
    assert_eq!(a["id"], "answer_time");
    assert_eq!(a["group"]["centre"], "OSL");
    let got: Vec<_> = [
        "n",
        "median_s",
        "p90_s",
        "within_10s",
        "abandoned",
        "short_abandoned",
        "overflowed",
        "offered",
    ]
    .iter()
    .map(|k| a[*k].as_i64().unwrap())
    .collect();
    assert_eq!(got, [5, 10, 25, 4, 1, 1, 1, 8]);
    assert_eq!(a["mean_s"].as_f64(), Some(10.2));
    assert_eq!(a["share_within_10s"].as_f64(), Some(0.6667), "4 / (5 + 1)");
    // Groupings the call log does not have are refused, naming the indicator.
    let o = e.run(&[
        "indicators",
        "--from",
        "2024-03",
        "--to",
        "2024-03",
        "--indicator",
        "answer_time",
        "--by",
        "urgency",
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("answer_time"));
    // The same log again is refused; a corrected one supersedes it.
    assert_eq!(e.run(&["ingest", &log]).status.code(), Some(2));
    let text = std::fs::read_to_string(&log).unwrap();
    let fixed = text.replace(
        ";08.03.2024 09:00:00;;08.03.2024 09:03:00;BESVART",
        ";08.03.2024 09:00:00;08.03.2024 09:00:30;08.03.2024 09:03:00;BESVART",
    );
    let fixed = e.write("anrop-OSL-2024-03-v2.csv", &fixed);
    let o = e.run(&["ingest", fixed.to_str().unwrap(), "--json"]);
    assert_eq!(json(&o)["counts"]["calls_rejected"], 0);
    let answer = json(&e.run(&[
        "indicators",
        "--from",
        "2024-03",
        "--to",
        "2024-03",
        "--indicator",
        "answer_time",
        "--json",
    ]));
    let a = &answer["indicators"][0];
    assert_eq!(
        (a["n"].as_i64(), a["offered"].as_i64(), a["p90_s"].as_i64()),
        (Some(6), Some(9), Some(30))
    );
}

#[test]
fn an_error_names_each_cause_once() {
    let e = Env::new();
    let missing = e.dir.path().join("no-such-extract.csv");
    let o = e.run(&["ingest", &missing.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.starts_with("akutt: error: "), "{stderr}");
    assert!(stderr.contains("no-such-extract.csv"), "{stderr}");
    assert_eq!(stderr.matches("No such file or directory").count(), 1, "{stderr}");
}

#[test]
fn sql_without_the_feature_explains_itself() {
    if cfg!(feature = "sql") {
        return;
    }
    let e = Env::new();
    let o = e.run(&["sql", "SELECT 1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--features sql"));
}

/// A large valid extract: `n` incidents of two rows (two missions) each.
fn big_extract(n: usize, tag: &str) -> String {
    let header = "Dato fra;Dato til;Helseforetak/institusjonsnummer;Kode for helseforetak/Enhet;Navn på AMK-sentral;Hendelsesnummer;\
Hendelse opprettet dato/tid;Type hendelse;Henvendelse dato/tid;Henvendelsesnummer;Type innringer;Type sambandsvei;Hentested tettbygd;\
Pasientkontakt nummer;Hastegrad (pasientkontakt) A;Kriterietype;Tiltaksnummer;Tiltak kategori;Navn på tiltakets ressurs (VaktID);\
Varslet dato/tid;Ankomst hentested dato/tid (Fremme);Type leveringssted (gruppering)\n";
    let mut s = String::with_capacity(n * 400);
    s += header;
    for i in 0..n {
        let day = 1 + (i % 28);
        let (h, m) = ((i / 60) % 24, i % 60);
        for a in 1..=2 {
            s += &format!(
                "01.03.2024;31.03.2024;974703300;OSL;AMK Oslo;{tag}{i};{day:02}.03.2024 {h:02}:{m:02}:10;SYK;{day:02}.03.2024 {h:02}:{m:02}:00;C{i};PUB;113;J;1;X;A.10.01;{a};AMB_BIL;U{a};{day:02}.03.2024 {h:02}:{m:02}:50;{day:02}.03.2024 {:02}:{m:02}:50;SH\n",
                (h + 1) % 24
            );
        }
    }
    s
}

fn visible_ids(e: &Env) -> (Vec<i64>, Vec<Value>) {
    let o = e.run(&["submissions", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    let subs = v["submissions"].as_array().unwrap().clone();
    (
        subs.iter().filter(|s| s["current"] == true).map(|s| s["id"].as_i64().unwrap()).collect(),
        subs,
    )
}

fn parquet_rows(path: &Path) -> i64 {
    let f = std::fs::File::open(path).unwrap();
    let r = parquet::file::reader::SerializedFileReader::new(f).unwrap();
    use parquet::file::reader::FileReader;
    r.metadata().file_metadata().num_rows()
}

#[test]
fn killed_ingest_leaves_the_store_intact_and_the_next_one_succeeds() {
    let e = Env::new();
    let small = e.write("small.csv", &big_extract(10, "S"));
    let o = e.run(&["ingest", small.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let (before, _) = visible_ids(&e);
    assert_eq!(before.len(), 1);
    let big = e.write("big.csv", &big_extract(60_000, "B"));

    // Kill -9 at different moments of the ingest: scanning, writing, publishing.
    let mut killed = 0;
    for delay_ms in [30u64, 120, 300, 600, 1000, 1500] {
        let mut child = e
            .cmd()
            .args(["ingest", big.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL on Unix: no destructor runs
            killed += 1;
        }
        child.wait().unwrap();
        // Whatever the moment, a consistent store: the visible version's files are complete.
        let (now, subs) = visible_ids(&e);
        assert_eq!(now.len(), 1, "exactly one current version");
        for s in subs.iter().filter(|s| s["current"] == true) {
            let dir = e.data().join("store").join(format!("submission-{}", s["id"]));
            let incidents = parquet_rows(&dir.join("incidents.parquet"));
            assert_eq!(incidents, s["incidents_accepted"].as_i64().unwrap());
            assert_eq!(parquet_rows(&dir.join("actions.parquet")), 2 * incidents);
        }
    }
    assert!(killed >= 3, "the ingest was too fast to be killed mid-way ({killed} kills)");

    // The next ingest cleans up and succeeds.
    let start = Instant::now();
    let o = e.run(&["ingest", big.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    assert_eq!(v["counts"]["incidents_accepted"], 60_000);
    let (now, subs) = visible_ids(&e);
    assert!(now.iter().any(|id| *id == v["submission"]["id"].as_i64().unwrap()));
    assert_eq!(now.len(), 1, "the big file (same centre and period) superseded the small one");
    assert!(subs.iter().all(|s| s["status"] != "writing"), "killed attempts are marked aborted");
    assert_eq!(std::fs::read_dir(e.data().join("tmp")).unwrap().count(), 0, "no work left behind");
    let referenced: Vec<String> = subs
        .iter()
        .filter_map(|s| s["status"].as_str().filter(|s| *s == "accepted").map(|_| ()))
        .map(|_| String::new())
        .collect();
    let dirs = std::fs::read_dir(e.data().join("store")).unwrap().count();
    assert_eq!(dirs, referenced.len(), "only versions the catalog names are kept");
    eprintln!("final ingest took {:?}", start.elapsed());
}

/// Runs only in a build with `--features sql` (DataFusion).
#[cfg(feature = "sql")]
#[test]
fn sql_reads_the_current_version_and_refuses_writes() {
    let e = Env::new();
    e.osl_example();
    let o = e.run(&["sql", "--csv", "SELECT count(*) AS n, sum(n_missions) AS m FROM incidents"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "n,m\n2,2\n");
    // A resubmission replaces the first version; --as-of 1 still sees it.
    assert!(e.run(&["ingest", e.example_resubmitted().to_str().unwrap()]).status.success());
    let o =
        e.run(&["sql", "--csv", "SELECT count(*) AS n, min(submission_id) AS s FROM incidents"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "n,s\n2,2\n");
    let o = e.run(&["sql", "--csv", "--as-of", "1", "SELECT min(submission_id) AS s FROM actions"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "s\n1\n");
    let o = e.run(&["sql", "CREATE TABLE x AS SELECT 1"]);
    assert!(!o.status.success());
}

#[test]
fn synth_then_ingest_from_the_command_line() {
    let e = Env::new();
    let out = e.dir.path().join("world");
    let out_s = out.to_string_lossy().into_owned();
    let args = [
        "synth",
        "--out",
        &out_s,
        "--from",
        "2024-03",
        "--to",
        "2024-03",
        "--centres",
        "osl,KKN",
        "--scale",
        "0.02",
        "--seed",
        "3",
        "--error-rate",
        "0.01",
    ];
    let o = e.run(&[&args[..], &["--json"]].concat());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    assert_eq!(v["synthetic"], true);
    assert_eq!(v["files"], 2);
    assert!(v["incidents"].as_u64().unwrap() > 100, "{v}");
    // The text summary carries the banner.
    let text = e.run(&args);
    assert!(String::from_utf8_lossy(&text.stdout).contains("SYNTHETIC DATA"));

    let truth = std::fs::read_to_string(out.join("ground-truth.csv")).unwrap();
    for centre in ["OSL", "KKN"] {
        let m = e.run(&[
            "mappings",
            "load",
            &format!("{out_s}/mappings/mapping-{centre}.csv"),
            "--centre",
            centre,
        ]);
        assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
        let file = format!("extracts/{centre}-2024-03.csv");
        let o = e.run(&["ingest", &format!("{out_s}/{file}"), "--json"]);
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        let v = json(&o);
        let expected = truth.lines().filter(|l| l.starts_with(&format!("{file};"))).count();
        assert_eq!(v["findings"].as_array().unwrap().len(), expected, "{centre}");
    }
    let bad = e.run(&[
        "synth",
        "--out",
        &out_s,
        "--from",
        "2024-03",
        "--to",
        "2024-03",
        "--centres",
        "XYZ",
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown centre code «XYZ»"));
}

fn nemsis_samples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/nemsis/samples");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    v.sort();
    v
}

/// The element names the sample's header comment quotes in its "Expected Message".
fn expected_elements(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let comment = &text[..text.find("-->").unwrap()];
    let line = comment.lines().find(|l| l.contains("Expected Message")).unwrap();
    line.split('\'').skip(1).step_by(2).map(str::to_string).collect()
}

#[test]
fn nemsis_samples_import_or_are_rejected_naming_the_element() {
    let e = Env::new();
    let mut accepted = 0;
    for p in nemsis_samples() {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let o = e.run(&["ingest", &p.to_string_lossy(), "--json"]);
        let v = json(&o);
        if name.contains("FailXsd") {
            assert_eq!(o.status.code(), Some(2), "{name}");
            assert_eq!(v["submission"]["status"], "rejected");
            let f = &v["findings"][0];
            assert_eq!(f["code"], "F103", "{name}");
            assert_eq!(f["severity"], "file");
            assert!(f["line"].as_u64().is_some_and(|l| l > 1), "{name}: a line");
            let element = f["column"].as_str().unwrap().to_string();
            let expected = expected_elements(&p);
            assert!(expected.contains(&element), "{name}: {element} not among {expected:?}");
        } else {
            // FailSchematron files are schema-valid: business rules (Schematron) are not applied.
            assert_eq!(o.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&o.stdout));
            assert_eq!(v["counts"]["incidents_accepted"], 1, "{name}");
            accepted += 1;
        }
    }
    assert_eq!(accepted, 24);
    let subs = json(&e.run(&["submissions", "--json"]));
    let subs = subs["submissions"].as_array().unwrap();
    assert_eq!(subs.len(), 28);
    assert!(subs.iter().all(|s| s["kind"] == "nemsis"));
}

#[test]
fn nemsis_benchmark_gives_the_sample_times_and_a_resent_record_replaces() {
    let e = Env::new();
    let cardiac = nemsis_samples()
        .into_iter()
        .find(|p| p.to_string_lossy().contains("2022-EMS-1-Cardiac"))
        .unwrap();
    assert_eq!(e.run(&["ingest", &cardiac.to_string_lossy()]).status.code(), Some(0));
    let b = json(&e.run(&["benchmark", "--json"]));
    let us = &b["nemsis"];
    assert_eq!(us["records"], 1);
    assert_eq!(us["emergency_incidents"], 1);
    assert_eq!(us["call_to_scene"]["median_s"], 180);
    assert_eq!(us["notified_to_scene"]["median_s"], 133);
    assert_eq!(us["conditions"][2]["condition"], "cardiac_arrest");
    assert_eq!(us["conditions"][2]["incidents"], 1);
    assert_eq!(us["conditions"][0]["incidents"], 0, "not a STEMI");
    assert!(b["caveats"].as_array().unwrap().len() >= 3);
    assert_eq!(b["norway"]["records"], 0);

    // The same record sent again (same agency and UUID) replaces the first: still one record.
    let o = e.run(&["ingest", &cardiac.to_string_lossy(), "--json"]);
    let v = json(&o);
    assert!(
        v["notices"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().contains("replace")),
        "{v}"
    );
    let b2 = json(&e.run(&["benchmark", "--json"]));
    assert_eq!(b2["nemsis"]["records"], 1);
    assert_eq!(b2["data_version"].as_i64(), b["data_version"].as_i64().map(|d| d + 1));
    // As of the first data version, the first submission's record.
    let old = json(&e.run(&["benchmark", "--json", "--as-of", &b["data_version"].to_string()]));
    assert_eq!(old["nemsis"]["records"], 1);

    // The Norwegian side beside it: the example extract.
    assert!(e
        .run(&["mappings", "load", &repo_file("examples/mapping-OSL.csv"), "--centre", "OSL"])
        .status
        .success());
    assert_eq!(
        e.run(&["ingest", &repo_file("examples/extract-OSL-2024-03.csv")]).status.code(),
        Some(0)
    );
    let b3 = json(&e.run(&["benchmark", "--json"]));
    assert!(b3["norway"]["records"].as_u64().unwrap() > 0);
    let text = String::from_utf8(e.run(&["benchmark"]).stdout).unwrap();
    assert!(text.contains("NEMSIS") && text.contains("3:00") && text.contains("2:13"), "{text}");
}

#[test]
fn malformed_xml_gets_a_clear_file_error_not_a_panic() {
    let e = Env::new();
    for (name, body, code) in [
        ("truncated.xml", "<?xml version=\"1.0\"?>\n<EMSDataSet xmlns=\"http://www.nemsis.org\">\n<Header>\n<PatientCareReport UUID=\"x\">", "F101"),
        ("namespace.xml", "<EMSDataSet xmlns=\"http://example.org\"><Header/></EMSDataSet>", "F102"),
        ("doctype.xml", "<!DOCTYPE a [<!ENTITY b \"c\">]><EMSDataSet xmlns=\"http://www.nemsis.org\">&b;</EMSDataSet>", "F101"),
    ] {
        let p = e.write(name, body);
        let o = e.run(&["ingest", &p.to_string_lossy(), "--json"]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", String::from_utf8_lossy(&o.stderr));
        let v = json(&o);
        assert_eq!(v["findings"][0]["code"], code, "{name}");
        assert!(v["findings"][0]["line"].as_u64().is_some(), "{name}");
        assert!(String::from_utf8_lossy(&o.stderr).is_empty() || !String::from_utf8_lossy(&o.stderr).contains("panicked"));
    }
}

#[test]
fn benchmark_condition_table_is_editable() {
    let e = Env::new();
    let o = e.run(&["benchmark", "--print-conditions"]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.starts_with("condition;urgency;chapter;criterion;comment\n")
            && text.contains("stroke;;27;;"),
        "{text}"
    );
    let p = e
        .write("conditions.csv", "condition;urgency;chapter;criterion;comment\nstroke;X;27;;bad\n");
    let o = e.run(&["benchmark", "--conditions", &p.to_string_lossy()]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("line 2"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn ingest_takes_many_files_and_directories_in_one_process() {
    let e = Env::new();
    let out = e.dir.path().join("world");
    let out_s = out.to_string_lossy().into_owned();
    let o = e.run(&[
        "synth",
        "--out",
        &out_s,
        "--from",
        "2024-03",
        "--to",
        "2024-04",
        "--centres",
        "OSL,KKN",
        "--scale",
        "0.01",
        "--seed",
        "5",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Mapping tables: a directory of mapping-CODE.csv files, each for the centre its name
    // gives; --centre only for one file; unknown codes and unnamed files refused.
    let o = e.run(&["mappings", "load", &format!("{out_s}/mappings")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("mapping table for KKN loaded")
            && text.contains("mapping table for OSL loaded"),
        "{text}"
    );
    let (osl, kkn) =
        (format!("{out_s}/mappings/mapping-OSL.csv"), format!("{out_s}/mappings/mapping-KKN.csv"));
    let o = e.run(&["mappings", "load", &osl, &kkn, "--centre", "OSL"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--centre names the centre of one file"));
    let odd = e.write("koder.csv", &std::fs::read_to_string(&osl).unwrap());
    let o = e.run(&["mappings", "load", &odd.to_string_lossy()]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("name the file mapping-CODE.csv"));
    let xyz = e.write("mapping-XYZ.csv", &std::fs::read_to_string(&osl).unwrap());
    let o = e.run(&["mappings", "load", &xyz.to_string_lossy(), &kkn]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown centre code «XYZ»"));
    assert!(e
        .run(&["mappings", "load", &odd.to_string_lossy(), "--centre", "OSL"])
        .status
        .success());
    // A directory: its four extracts, by name, one summary.
    let o = e.run(&["ingest", &format!("{out_s}/extracts"), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    assert_eq!(
        (v["accepted"].as_u64(), v["rejected"].as_u64(), v["failed"].as_u64()),
        (Some(4), Some(0), Some(0))
    );
    let files: Vec<&str> =
        v["files"].as_array().unwrap().iter().map(|f| f["file"].as_str().unwrap()).collect();
    assert!(
        files[0].ends_with("KKN-2024-03.csv") && files[3].ends_with("OSL-2024-04.csv"),
        "{files:?}"
    );
    let sum: u64 = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["incidents_accepted"].as_u64().unwrap())
        .sum();
    assert_eq!(v["counts"]["incidents_accepted"].as_u64(), Some(sum));
    assert!(sum > 100);
    // Each report is stored.
    let id = v["files"][2]["submission"].as_i64().unwrap();
    let r = e.run(&["report", &id.to_string(), "--json"]);
    assert!(r.status.success());
    assert_eq!(json(&r)["submission"]["id"], id);

    // A rejected file and a missing one: the others are still ingested; exit 1 names both.
    let garbage = e.write("garbage.csv", "this is not an extract\n");
    let missing = e.dir.path().join("missing.csv");
    let again = format!("{out_s}/extracts/OSL-2024-03.csv");
    let o = e.run(&["ingest", &garbage.to_string_lossy(), &missing.to_string_lossy(), &again]);
    assert_eq!(o.status.code(), Some(1), "a file that could not be read fails the run");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("rejected  ") && text.contains("garbage.csv"), "{text}");
    assert!(text.contains("failed    ") && text.contains("missing.csv"), "{text}");
    // The file already current is not stored again: unchanged, neither accepted nor failed.
    assert!(text.contains("3 files: 0 accepted, 1 rejected, 1 failed, 1 unchanged"), "{text}");
    // Without a missing file, a rejected one gives exit 2 as for one file.
    let o = e.run(&["ingest", &garbage.to_string_lossy(), &again]);
    assert_eq!(o.status.code(), Some(2));
    // An empty directory is an error, not a silent success.
    std::fs::create_dir(e.dir.path().join("empty")).unwrap();
    let o = e.run(&["ingest", &e.dir.path().join("empty").to_string_lossy()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("has no files to ingest"));
}

#[test]
fn a_release_is_created_listed_and_audited() {
    let e = Env::new();
    e.osl_example();
    assert_eq!(json(&e.run(&["release", "list", "--json"])), serde_json::json!([]));
    // Months are YYYY-MM and the final month is not after the last.
    for bad in
        [&["--through", "2024-13"][..], &["--through", "2024-03", "--final-through", "2024-04"]]
    {
        let o = e.run(&[&["release", "create"][..], bad].concat());
        assert_eq!(o.status.code(), Some(1), "{bad:?}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("invalid release"), "{bad:?}");
    }
    let o = e.run(&[
        "release",
        "create",
        "--through",
        "2024-03",
        "--final-through",
        "2024-03",
        "--note",
        "March",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&e.run(&["release", "list", "--json"]));
    let r = &v[0];
    assert_eq!((r["id"].as_i64(), r["data_version"].as_i64()), (Some(1), Some(1)));
    assert_eq!((r["through"].as_str(), r["note"].as_str()), (Some("2024-03"), Some("March")));
    assert_eq!(r["months"], serde_json::json!({ "2024-03": "endelig" }));
    assert_eq!(r["changes"], serde_json::json!([]), "the first release changes nothing");
    assert!(r["created_at"].as_str().is_some_and(|t| t.ends_with('Z')));
    // A report of a release through April, the end of the first tertial: HTML and PDF.
    assert!(e.run(&["release", "create", "--through", "2024-04"]).status.success());
    let out = e.dir.path().join("t1.html");
    let o = e.run(&["release", "report", "--tertial", "2024-T1", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("Tertialrapport 2024-T1") && html.contains("Publisering 2"), "{html}");
    // The same report as a PDF with text in it, the same bytes from a second run.
    let pdf = e.dir.path().join("t1.pdf");
    let o = e.run(&["release", "report", "--tertial", "2024-T1", "--out", pdf.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let text = Command::new("pdftotext")
        .args([pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils; .ci/run installs it)");
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("Tertialrapport 2024-T1") && text.contains("Publisering 2"), "{text}");
    assert!(e
        .run(&["release", "report", "--tertial", "2024-T1", "--out", pdf.to_str().unwrap()])
        .status
        .success());
    assert_eq!(std::fs::read(&pdf).unwrap(), bytes, "reproducible");
    let doc = e.dir.path().join("t1.docx");
    let o = e.run(&["release", "report", "--tertial", "2024-T1", "--out", doc.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("FILE.pdf or FILE.html"));
    // Every attempt is in the audit log, refused ones too.
    let audit = String::from_utf8_lossy(&e.run(&["audit"]).stdout).into_owned();
    assert_eq!(audit.matches("release create").count(), 4, "{audit}");
    assert_eq!(
        audit.lines().filter(|l| l.contains("release create") && l.contains(" 400 ")).count(),
        2,
        "{audit}"
    );
}

#[test]
fn the_completeness_calendar_from_the_command_line() {
    let e = Env::new();
    e.osl_example();
    let o = e.run(&["completeness", "--from", "2024-03", "--to", "2024-04", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    assert_eq!(v["rows"].as_array().unwrap().len(), 16, "every centre");
    let osl = v["rows"].as_array().unwrap().iter().find(|r| r["centre"] == "OSL").unwrap();
    let march = &osl["months"][0];
    assert_eq!(
        (march["month"].as_str(), march["status"].as_str()),
        (Some("2024-03"), Some("received"))
    );
    assert_eq!(march["incidents"], 2);
    assert_eq!(march["deadline"], "2024-04-15");
    assert_eq!(march["late"], true, "received today, long after the deadline");
    assert_eq!(osl["months"][1]["status"], "missing");
    let o = e.run(&[
        "completeness",
        "--centre",
        "OSL",
        "--from",
        "2024-03",
        "--to",
        "2024-03",
        "--deadline-day",
        "20",
        "--json",
    ]);
    let v = json(&o);
    assert_eq!(v["rows"].as_array().unwrap().len(), 1);
    assert_eq!(v["rows"][0]["months"][0]["deadline"], "2024-04-20");
    assert_eq!(e.run(&["completeness", "--centre", "XYZ"]).status.code(), Some(1));
}

/// DOMAIN.md §13 before/after on a synthetic world with a known step: OSL's red response
/// times a quarter longer from 1 July 2024. The bootstrap interval holds the step and not
/// zero, the windows' figures are `akutt indicators`' for the same selection, and the same
/// seed gives the same answer; growth equals `akutt indicators --by year`.
#[test]
fn before_after_finds_a_known_step_and_growth_equals_the_indicators() {
    let e = Env::new();
    let world = e.dir.path().join("world");
    let w = world.to_string_lossy().into_owned();
    let o = e.run(&[
        "synth",
        "--out",
        &w,
        "--from",
        "2024-01",
        "--to",
        "2024-12",
        "--centres",
        "OSL",
        "--scale",
        "0.05",
        "--seed",
        "3",
        "--response-step",
        "OSL:2024-07-01:1.25",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let truth = std::fs::read_to_string(world.join("ground-truth/response-step.json")).unwrap();
    assert!(truth.contains("\"factor\": 1.25"), "{truth}");
    assert!(e
        .run(&["mappings", "load", &format!("{w}/mappings/mapping-OSL.csv"), "--centre", "OSL"])
        .status
        .success());
    assert!(e.run(&["ingest", &format!("{w}/extracts")]).status.success());
    assert!(e.run(&["centres", "load-areas", &format!("{w}/centre-areas.csv")]).status.success());
    let args = [
        "analyse",
        "before-after",
        "--date",
        "2024-07-01",
        "--centre",
        "OSL",
        "--months",
        "6",
        "--seed",
        "11",
        "--json",
    ];
    let o = e.run(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    let before = v["before"]["median_s"].as_f64().unwrap();
    let step = 0.25 * before;
    let ci = &v["difference"]["ci95"];
    let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
    assert!(lo > 0.0 && lo <= step && step <= hi, "step {step} s, ci95 [{lo}, {hi}]: {v}");
    assert_eq!(json(&e.run(&args)), v, "the same seed, the same answer");
    // The windows are the indicators' for the same municipalities and months.
    let kommuner: Vec<String> = v["selection"]["kommuner"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| format!("kommune:{}", k.as_str().unwrap()))
        .collect();
    let filter = kommuner.join(",");
    let i = json(&e.run(&[
        "indicators",
        "--from",
        "2024-01",
        "--to",
        "2024-06",
        "--where",
        &filter,
        "--indicator",
        "response_time",
        "--json",
    ]));
    let f = &i["indicators"][0];
    assert_eq!(
        (&f["n"], &f["median_s"], &f["p90_s"]),
        (&v["before"]["n"], &v["before"]["median_s"], &v["before"]["p90_s"])
    );
    // Growth by year equals the indicators by year (here one year, then none).
    let g = json(&e.run(&[
        "analyse",
        "growth",
        "--from-year",
        "2023",
        "--to-year",
        "2024",
        "--count",
        "missions",
        "--json",
    ]));
    let by_year = json(&e.run(&[
        "indicators",
        "--from",
        "2023-01",
        "--to",
        "2024-12",
        "--by",
        "year",
        "--indicator",
        "volume",
        "--json",
    ]));
    assert_eq!(g["series"][1]["count"], by_year["indicators"][0]["missions"], "{g}");
    assert_eq!(
        (g["series"][0]["count"].as_u64(), &g["series"][1]["growth_pct"]),
        (Some(0), &Value::Null)
    );
    // Resources from the programme's example, and refusals with a clear message.
    let r = json(&e.run(&[
        "analyse",
        "resources",
        "--missions",
        "191156",
        "--minutes",
        "60",
        "--share",
        "0.75",
        "--json",
    ]));
    assert_eq!((r["hours"].as_f64(), r["positions"].as_u64()), (Some(143_367.0), Some(82)));
    let o = e.run(&[
        "analyse",
        "before-after",
        "--date",
        "2024-07-15",
        "--centre",
        "OSL",
        "--months",
        "6",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("the first of a month"));
    let o =
        e.run(&["analyse", "resources", "--missions", "10", "--minutes", "60", "--share", "75"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("a share between 0 and 1"));
}
