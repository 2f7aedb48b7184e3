//! End-to-end: `akutt demo` served on loopback and driven in headless Chromium by
//! `e2e/dashboard.mjs` (playwright-core): the dashboard, a filter that changes the figures, a
//! CSV download, the map, signing in as a centre user, uploading an extract and reading its
//! report, and being refused another centre's report. Screenshots are kept in
//! `target/tmp/e2e-artifacts/`.
//!
//! Needs Node.js, `npm ci` in `e2e/` and Debian's `chromium`: `.ci/run` installs them, and in
//! CI (`CI=true`) their absence fails the test. Elsewhere it says what is missing and passes.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn missing() -> Vec<String> {
    let mut m = Vec::new();
    if Command::new("node").arg("--version").output().map(|o| !o.status.success()).unwrap_or(true) {
        m.push("node (apt-get install nodejs)".to_string());
    }
    if !repo().join("e2e/node_modules/playwright-core").exists() {
        m.push("playwright-core (cd e2e && npm ci)".to_string());
    }
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        m.push(format!("{chromium} (apt-get install chromium)"));
    }
    m
}

#[test]
fn dashboard_and_restricted_area_in_a_real_browser() {
    let missing = missing();
    if !missing.is_empty() {
        let msg = format!("e2e needs: {}", missing.join(", "));
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg}");
        }
        eprintln!("SKIPPED (not in CI): {msg}; `bash .ci/run` installs them");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let demo = dir.path().join("demo");
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_akutt"))
            .args([
                "demo",
                "--dir",
                &demo.to_string_lossy(),
                "--scale",
                "0.02",
                "--addr",
                &format!("127.0.0.1:{port}"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    loop {
        let up = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
        if up && demo.join("tokens.txt").exists() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the demo did not come up in 10 minutes"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-artifacts");
    // OSL's December again without its last line: a resubmission (the demo's own file is
    // the current version, and an identical upload is refused).
    let december = std::fs::read(demo.join("world/extracts/OSL-2025-12.csv")).unwrap();
    let cut = december[..december.len() - 1].iter().rposition(|b| *b == b'\n').unwrap() + 1;
    let upload = demo.join("OSL-2025-12-resubmitted.csv");
    std::fs::write(&upload, &december[..cut]).unwrap();
    let out = Command::new("node")
        .arg(repo().join("e2e/dashboard.mjs"))
        .arg(&base)
        .arg(demo.join("tokens.txt"))
        .arg(&upload)
        .arg(&artifacts)
        .output()
        .unwrap();
    let log =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    eprintln!("{log}\nscreenshots: {}", artifacts.display());
    assert!(out.status.success(), "e2e failed:\n{log}");
    assert!(log.contains("e2e: all steps passed"));
    assert!(artifacts.join("05-report.png").exists());
}
