//! Snapshots of what the server shows a fixed tiny world (`common::world`, fixed key, so
//! fixed noise): every page, the text report, the OpenAPI document, a JSON-stat and a CSV.
//! A change to any of them shows here as a diff; when it is meant, regenerate them all with
//! `UPDATE_EXPECT=1 cargo test -p akutt-server --test snapshots` and review the diff.
//!
//! What changes from run to run is replaced before comparing: the world's temporary
//! directory, times of day, the day of its release, request ids, and the map's path data
//! (kept by its length).

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use expect_test::expect_file;
use http_body_util::BodyExt;
use tower::ServiceExt;

use common::world;

async fn fetch(uri: &str, token: Option<&str>) -> (StatusCode, String) {
    let w = world();
    let mut req = Request::get(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let res = akutt_server::app(w.state.clone()).oneshot(req.body(Body::empty()).unwrap()).await;
    let res = res.unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

/// `text` with what varies between runs replaced by a placeholder.
fn redact(text: &str) -> String {
    let dir = world()._dir.path().display().to_string();
    let text = text.replace(&dir, "$DIR");
    // The day the world's release was made.
    let catalog = akutt_store::Catalog::open_read_only(&world().state.data.catalog_path()).unwrap();
    let made = catalog.latest_release().unwrap().unwrap().created_at;
    let text = text.replace(&made, "$TIME").replace(&made[..10], "$DATE");
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    while i < b.len() {
        // A time of day `YYYY-MM-DD[T ]hh:mm:ss` with its fraction and zone.
        if b.len() - i >= 19
            && digits(&b[i..i + 4])
            && b[i + 4] == b'-'
            && digits(&b[i + 5..i + 7])
            && b[i + 7] == b'-'
            && digits(&b[i + 8..i + 10])
            && (b[i + 10] == b'T' || b[i + 10] == b' ')
            && digits(&b[i + 11..i + 13])
            && b[i + 13] == b':'
        {
            let mut j = i + 19;
            while j < b.len() && (b[j].is_ascii_digit() || b".:+-Z".contains(&b[j])) {
                j += 1;
            }
            out.push_str("$TIME");
            i = j;
            continue;
        }
        // An SVG path's data.
        if b[i..].starts_with(b" d=\"M") {
            let end = text[i + 4..].find('"').map_or(b.len(), |e| i + 4 + e);
            out.push_str(&format!(" d=\"$PATH({})\"", end - i - 4));
            i = end;
            continue;
        }
        let c = text[i..].chars().next().unwrap();
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// Pretty JSON, so a diff shows the field that changed.
fn pretty(json: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    serde_json::to_string_pretty(&v).unwrap() + "\n"
}

/// HTML with a line break after each tag that closes a block, so a diff is readable.
fn lines(html: &str) -> String {
    let mut out = html.to_string();
    for tag in [
        "</p>",
        "</tr>",
        "</h1>",
        "</h2>",
        "</nav>",
        "</div>",
        "</form>",
        "</path>",
        "</li>",
        "</dd>",
        "</style>",
        "</table>",
        "</section>",
        "</details>",
    ] {
        out = out.replace(tag, &format!("{tag}\n"));
    }
    out
}

#[tokio::test]
async fn every_page() {
    let admin = world().admin_token.clone();
    let pages: [(&str, Option<&str>, expect_test::ExpectFile); 9] = [
        ("/?from=2024-03&to=2024-04", None, expect_file!["snapshots/overview.html"]),
        (
            "/sentral/KKN?from=2024-03&to=2024-04&lang=en",
            None,
            expect_file!["snapshots/centre-en.html"],
        ),
        ("/definisjoner", None, expect_file!["snapshots/definitions.html"]),
        ("/kart?from=2024-03&to=2024-04&measure=share", None, expect_file!["snapshots/map.html"]),
        ("/sammenligning?from=2024-03&to=2024-04", None, expect_file!["snapshots/benchmark.html"]),
        ("/logg-inn", None, expect_file!["snapshots/login.html"]),
        ("/innsendinger", Some(&admin), expect_file!["snapshots/submissions.html"]),
        ("/innsendinger/1", Some(&admin), expect_file!["snapshots/report.html"]),
        ("/innsendinger/2", Some(&world().kkn_token), expect_file!["snapshots/refused.html"]),
    ];
    for (uri, token, expected) in pages {
        let (status, html) = fetch(uri, token).await;
        assert!(status == StatusCode::OK || status == StatusCode::FORBIDDEN, "{uri}: {status}");
        expected.assert_eq(&redact(&lines(&html)));
    }
}

#[tokio::test]
async fn the_text_report() {
    let catalog = akutt_store::Catalog::open_read_only(&world().state.data.catalog_path()).unwrap();
    let json = catalog.report(1).unwrap().unwrap();
    let report: akutt_ingest::Report = serde_json::from_str(&json).unwrap();
    expect_file!["snapshots/report.txt"].assert_eq(&redact(&report.to_text()));
}

#[tokio::test]
async fn the_openapi_document() {
    let (_, json) = fetch("/api/openapi.json", None).await;
    expect_file!["snapshots/openapi.json"].assert_eq(&pretty(&json));
}

#[tokio::test]
async fn a_json_stat_collection() {
    let (_, json) = fetch("/data/indikatorer.json?from=2024-03&to=2024-04&by=centre", None).await;
    expect_file!["snapshots/indikatorer-centre.json"].assert_eq(&redact(&pretty(&json)));
}

#[tokio::test]
async fn a_csv_and_an_error() {
    let (_, csv) = fetch(
        "/data/indikatorer.csv?from=2024-03&to=2024-04&by=centre,month,urgency&indicator=response_time",
        None,
    )
    .await;
    // The CSV's CR LF line ends, shown (a snapshot file would lose the CR).
    expect_file!["snapshots/response_time.csv"].assert_eq(&csv.replace("\r\n", "␍\n"));
    let (status, json) = fetch("/api/indicators?from=2024-3&to=2024-04", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["error"]["request_id"] = "$ID".into();
    expect_file!["snapshots/error-invalid-month.json"]
        .assert_eq(&(serde_json::to_string_pretty(&v).unwrap() + "\n"));
}
