//! The tertial and annual reports of a synthetic five-year world (DOMAIN.md §12): every
//! section, figures equal to the public API's for the same release, the PDF's text read
//! back by poppler's `pdftotext`, the release on every page, the same bytes twice.

use std::sync::{Arc, OnceLock};

use akutt_model::MonthRange;
use akutt_server::{app, AppState, Config};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

mod common;

struct Five {
    _dir: tempfile::TempDir,
    state: Arc<AppState>,
}

/// OSL and KKN, 2020–2024, released through 2024-12 (final through 2024-08).
fn five() -> &'static Five {
    static W: OnceLock<Five> = OnceLock::new();
    W.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let months =
            MonthRange::new("2020-01".parse().unwrap(), "2024-12".parse().unwrap()).unwrap();
        let (data, _) = common::synth_and_ingest(dir.path(), months, 0.01, 11, b"test key");
        let state = Arc::new(
            AppState::new(data, Config { synthetic: true, ..Config::default() })
                .unwrap()
                .with_key(b"test key".to_vec()),
        );
        akutt_server::release::create(&state, "2024-12", Some("2024-08"), "Årets tall").unwrap();
        Five { _dir: dir, state }
    })
}

async fn get(uri: &str) -> (StatusCode, String, Vec<u8>) {
    let res = app(five().state.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let kind = res
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, res.into_body().collect().await.unwrap().to_bytes().to_vec())
}

async fn api(q: &str) -> Vec<Value> {
    let (s, _, body) = get(&format!("/api/indicators?{q}")).await;
    assert_eq!(s, StatusCode::OK);
    let v: Value = serde_json::from_slice(&body).unwrap();
    v["indicators"].as_array().unwrap().clone()
}

fn pdftotext(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils; .ci/run installs it)");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn row<'a>(rows: &'a [Vec<String>], first: &str) -> &'a Vec<String> {
    rows.iter().find(|r| r[0] == first).unwrap_or_else(|| panic!("no row {first} in {rows:?}"))
}

#[tokio::test]
async fn the_annual_report_has_every_section_with_the_public_figures_in_html_and_pdf() {
    let (s, kind, html) = get("/rapporter/1/2024").await;
    let html = String::from_utf8(html).unwrap();
    assert_eq!((s, kind.as_str()), (StatusCode::OK, "text/html; charset=utf-8"), "{html}");
    assert!(html.contains("Årsrapport 2024"));
    // Every section of DOMAIN.md §12 that the engine can answer.
    for id in [
        "key-figures",
        "centres",
        "sambandsvei",
        "innringer",
        "weekday",
        "hour",
        "hentested",
        "leveringssted",
        "transfers",
        "urgency",
        "hendelsestype",
        "resources",
        "response-times",
        "reaction",
        "monthly",
        "growth",
        "quality",
    ] {
        assert!(!common::table_rows(&html, id).is_empty(), "section {id} empty: {html}");
    }
    // Key figures are the public API's for the same months, against last year's.
    let vol = |v: &[Value]| v[0]["incidents"].as_u64().unwrap().to_string();
    let now = vol(&api("from=2024-01&to=2024-12&indicator=volume").await);
    let then = vol(&api("from=2023-01&to=2023-12&indicator=volume").await);
    let key = common::table_rows(&html, "key-figures");
    let incidents = row(&key, "Hendelser");
    assert_eq!((&incidents[1], &incidents[2]), (&now, &then), "{key:?}");
    assert!(incidents[3].ends_with(" %"), "a change in per cent: {incidents:?}");
    let response = api("from=2024-01&to=2024-12&indicator=response_time").await;
    let median = response[0]["median_s"].as_f64().unwrap() / 60.0;
    assert_eq!(row(&key, "Responstid rød, median")[1], format!("{median:.1} min"));
    // Five years, 2020–2024, each the API's count by year, with growth from the year before.
    let years = api("from=2020-01&to=2024-12&indicator=volume&by=year").await;
    let growth = common::table_rows(&html, "growth");
    assert_eq!(growth.len(), 6, "a header and five years: {growth:?}");
    for y in &years {
        let r = row(&growth, &y["group"]["year"].to_string());
        assert_eq!(r[1], y["incidents"].as_u64().unwrap().to_string());
        assert_eq!(r[3], y["missions"].as_u64().unwrap().to_string());
    }
    assert_eq!(row(&growth, "2020")[2], "", "no growth for the first year");
    assert!(row(&growth, "2021")[2].ends_with(" %"));
    // Missions by road and air per centre are the API's by centre.
    let by_centre = api("from=2024-01&to=2024-12&indicator=volume&by=centre").await;
    let resources = common::table_rows(&html, "resources");
    for c in &by_centre {
        let code = c["group"]["centre"].as_str().unwrap();
        let r = resources.iter().find(|r| r[0].starts_with(code)).unwrap();
        assert_eq!(r[2], c["road_missions"].as_u64().unwrap().to_string(), "{code}");
        assert_eq!(r[3], c["air_missions"].as_u64().unwrap().to_string(), "{code}");
    }
    // Contacts by hour of day and the transports between institutions are the API's.
    let hours = common::table_rows(&html, "hour");
    for f in api("from=2024-01&to=2024-12&indicator=volume&by=hour").await {
        let h = f["group"]["hour"].to_string();
        assert_eq!(row(&hours, &h)[2], f["contacts"].as_u64().unwrap().to_string(), "hour {h}");
    }
    let transfers = common::table_rows(&html, "transfers");
    let places = api("from=2024-01&to=2024-12&indicator=volume&by=hentested,leveringssted").await;
    let institution =
        |v: &Value| v.as_str().is_some_and(|c| ["SH", "SHJ", "LEG", "INST"].contains(&c));
    let between: Vec<&Value> = places
        .iter()
        .filter(|f| {
            institution(&f["group"]["hentested"]) && institution(&f["group"]["leveringssted"])
        })
        .collect();
    assert!(!between.is_empty(), "the synthetic world has transfers");
    assert_eq!(transfers.len(), between.len() + 1, "{transfers:?}");
    for (r, f) in transfers[1..].iter().zip(&between) {
        // A withheld count (`:`) is withheld in the report too.
        let want = f["incidents"].as_u64().map_or(":".to_string(), |n| n.to_string());
        assert_eq!(r[2], want, "{r:?}");
    }
    // Data quality: both centres delivered all twelve months; shares, not counts.
    let quality = common::table_rows(&html, "quality");
    assert_eq!(quality.len(), 3, "{quality:?}");
    for r in &quality[1..] {
        assert_eq!(r[1], "12 / 12", "{r:?}");
        assert!(r[2].ends_with(" %"), "{r:?}");
    }
    // The months of the release: final through August, provisional after.
    let monthly = common::table_rows(&html, "monthly");
    assert_eq!(row(&monthly, "2024-08")[2], "endelig");
    assert_eq!(row(&monthly, "2024-09")[2], "foreløpig");
    assert!(html.contains("Årets tall"), "the release's note");

    // The PDF: the same report as text a reader can extract.
    let (s, kind, pdf) = get("/rapporter/1/2024.pdf").await;
    assert_eq!((s, kind.as_str()), (StatusCode::OK, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdftotext(&pdf);
    for heading in [
        "Årsrapport 2024",
        "Nøkkeltall",
        "Sentralene",
        "Henvendelser etter sambandsvei",
        "Henvendelser etter innringer",
        "Henvendelser etter time på døgnet",
        "Hendelsessteder og leveringssteder",
        "Hendelser etter hastegrad",
        "Hendelser etter hendelsestype",
        "Oppdrag og ressurskoordinering",
        "Responstider",
        "Utvikling måned for måned",
        "Hendelser per måned",
        "Utvikling over fem år",
        "Datakvalitet per sentral",
        "Definisjoner",
        "Revisjoner siden forrige publisering",
        "SYNTETISKE DATA",
    ] {
        assert!(text.contains(heading), "«{heading}» not in the PDF:\n{text}");
    }
    assert!(text.contains(&now) && text.contains(&then), "the key figures in the PDF");
    // The release and data version on every page (poppler ends each page with a form feed).
    let pages: Vec<&str> = text.split('\u{c}').filter(|p| !p.trim().is_empty()).collect();
    assert!(pages.len() >= 3, "{} pages", pages.len());
    let version = five().state.catalog().unwrap().latest_release().unwrap().unwrap().data_version;
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains("Publisering 1 (") && page.contains(&format!("Dataversjon {version}")),
            "page {}: {page}",
            i + 1
        );
    }
    // Reproducible from its release: the same bytes; English is another document.
    assert_eq!(get("/rapporter/1/2024.pdf").await.2, pdf);
    let (_, _, en) = get("/rapporter/1/2024.pdf?lang=en").await;
    let en = pdftotext(&en);
    assert!(en.contains("Annual report 2024") && en.contains("Data quality per centre"), "{en}");
}

#[tokio::test]
async fn the_tertial_report_compares_with_the_same_tertial_last_year() {
    let (s, _, html) = get("/rapporter/1/2024-T2").await;
    let html = String::from_utf8(html).unwrap();
    assert_eq!(s, StatusCode::OK);
    let key = common::table_rows(&html, "key-figures");
    assert_eq!(key[0][1..3], ["2024-T2".to_string(), "2023-T2".to_string()]);
    let vol = |v: &[Value]| v[0]["incidents"].as_u64().unwrap().to_string();
    let then = vol(&api("from=2023-05&to=2023-08&indicator=volume").await);
    assert_eq!(row(&key, "Hendelser")[2], then);
    let monthly = common::table_rows(&html, "monthly");
    assert_eq!(monthly.len(), 5, "a header and May–August: {monthly:?}");
    assert!(html.find("id=\"growth\"").is_none(), "five-year growth is the annual report's");
    let quality = common::table_rows(&html, "quality");
    assert!(quality[1..].iter().all(|r| r[1] == "4 / 4"), "{quality:?}");
    // The list of reports links both forms.
    let (_, _, list) = get("/rapporter").await;
    let list = String::from_utf8(list).unwrap();
    assert!(
        list.contains("/rapporter/1/2024-T2.pdf") && list.contains("/rapporter/1/2024\""),
        "{list}"
    );
}
