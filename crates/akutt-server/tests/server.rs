//! The HTTP application without a socket (`app(state)` + `oneshot`): the public API with
//! disclosure control, CSV, OpenAPI, the dashboard, and the access rules of the restricted
//! area with its audit log. The data is a small synthetic world, ingested.

use std::sync::Arc;

use akutt_server::{app, auth, AppState, Config};
use akutt_store::{Catalog, DataDir};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

mod common;

use common::{build_world, world, World};

async fn get(uri: &str, token: Option<&str>) -> (StatusCode, String, Vec<u8>) {
    let mut req = Request::get(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let res = app(world().state.clone()).oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    let status = res.status();
    let ctype =
        res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, ctype, res.into_body().collect().await.unwrap().to_bytes().to_vec())
}

async fn get_json(uri: &str, token: Option<&str>) -> (StatusCode, Value) {
    let (s, _, body) = get(uri, token).await;
    (
        s,
        serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&body))),
    )
}

const COUNTS: [&str; 6] =
    ["contacts", "incidents", "missions", "road_missions", "air_missions", "n"];

#[tokio::test]
async fn public_indicators_never_show_a_count_from_1_to_4() {
    // By municipality and urgency: many small cells.
    let (s, v) = get_json("/api/indicators?from=2024-03&to=2024-04&by=kommune,urgency", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["synthetic"], true);
    assert_eq!(v["suppression_threshold"], 5);
    assert!(v["data_version"].as_i64().unwrap() >= 4);
    let figures = v["indicators"].as_array().unwrap();
    let mut suppressed = 0;
    for f in figures {
        for c in COUNTS {
            if let Some(n) = f[c].as_u64() {
                assert!(n == 0 || n >= 5, "published small count {c}={n} in {f}");
            }
        }
        if let Some(list) = f["suppressed"].as_array() {
            suppressed += 1;
            for name in list {
                let name = name.as_str().unwrap();
                // Rates and changes are listed as `per_1000.incidents`.
                let shown = match name.split_once('.') {
                    Some((outer, inner)) => &f[outer][inner],
                    None => &f[name],
                };
                assert!(shown.is_null(), "{name} listed but shown in {f}");
                assert_eq!(f["status"][name], ":", "{name} withheld has the symbol ':' in {f}");
            }
        }
    }
    assert!(suppressed > 0, "a table this fine must have suppressed cells");
}

/// A question that reads more rows than the server keeps loaded is answered streamed, a
/// submission at a time (the CLI's engine): the same public figures, noise included, as
/// the windowed answer of a server that keeps everything.
#[tokio::test]
async fn streamed_answers_equal_windowed_ones() {
    let w = world();
    let (_, first) = get_json("/api/indicators?from=2024-03&to=2024-04", None).await;
    let v = first["data_version"].as_i64().unwrap();
    let streaming = Arc::new(
        AppState::new(
            DataDir::open(w.state.data.root()).unwrap(),
            Config { synthetic: true, loaded_rows: 0, ..Config::default() },
        )
        .unwrap()
        .with_key(b"test key".to_vec()),
    );
    for q in [
        "from=2024-03&to=2024-04",
        "from=2024-03&to=2024-04&by=centre,month",
        "from=2024-04&to=2024-04&by=kommune,urgency",
        "from=2024-03&to=2024-04&centre=KKN&by=area",
        "from=2024-03&to=2024-04&by=month&where=urgency:R",
        "from=2024-03&to=2024-04&by=centre&indicator=mission_time",
    ] {
        let uri = format!("/api/indicators?{q}&as_of={v}");
        let windowed = get_json(&uri, None).await;
        let req = Request::get(&uri).body(Body::empty()).unwrap();
        let res = app(streaming.clone()).oneshot(req).await.unwrap();
        let status = res.status();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        let streamed: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(windowed.0, StatusCode::OK, "{q}");
        assert_eq!((status, &streamed), (StatusCode::OK, &windowed.1), "{q}");
        assert!(!streamed["indicators"].as_array().unwrap().is_empty(), "{q}");
    }
}

#[tokio::test]
async fn bad_parameters_get_a_stable_error_code() {
    let (_, openapi) = get_json("/api/openapi.json", None).await;
    let listed = &openapi["paths"]["/api/indicators"]["get"]["responses"]["400"]["content"]
        ["application/json"]["schema"]["properties"]["error"]["properties"]["code"]["enum"];
    // (request, status, code, a word of the detail)
    let cases = [
        ("/api/indicators?to=2024-04", 400, "missing_parameter", "from"),
        ("/api/indicators?from=2024-13&to=2024-04", 400, "invalid_month", "2024-13"),
        ("/api/indicators?from=2024-05&to=2024-04", 400, "reversed_period", "2024-05"),
        ("/api/indicators?from=2024-03&to=2024-04&by=colour", 400, "unknown_key", "colour"),
        ("/api/indicators?from=2024-03&to=2024-04&where=urgency", 400, "invalid_filter", "urgency"),
        (
            "/api/indicators?from=2024-03&to=2024-04&indicator=speed",
            400,
            "unknown_indicator",
            "speed",
        ),
        ("/api/indicators?from=2024-03&to=2024-04&as_of=0", 400, "invalid_data_version", "as_of"),
        ("/api/indicators?from=2024-03&to=2024-04&as_of=99999", 404, "not_released", "99999"),
        ("/api/indicators?from=2024-03&to=2024-05", 404, "not_released", "2024-04"),
        (
            "/api/indicators?from=2024-03&to=2024-04&structure=1999",
            400,
            "unknown_structure",
            "1999",
        ),
        ("/api/indicators?from=2024-03&to=2024-04&as_of=abc", 400, "malformed_request", "as_of"),
        ("/sentral/XYZ", 404, "centre_not_found", "XYZ"),
        ("/no/such/page", 404, "page_not_found", "/no/such/page"),
    ];
    for (uri, status, code, word) in cases {
        let (s, h, text) = send(world(), Request::get(uri).body(Body::empty()).unwrap()).await;
        assert_eq!(s.as_u16(), status, "{uri}: {text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        let e = &v["error"];
        assert_eq!(e["code"], code, "{uri}: {text}");
        assert!(listed.as_array().unwrap().contains(&e["code"]), "{code} not in OpenAPI");
        assert!(e["detail"].as_str().unwrap().contains(word), "{uri}: {text}");
        assert!(!e["message_nb"].as_str().unwrap().is_empty(), "{uri}");
        assert!(e["message"].as_str().unwrap().starts_with(e["message_nb"].as_str().unwrap()));
        // The same reference in the body and the header (and the server's log line).
        assert_eq!(h["x-request-id"].to_str().unwrap(), e["request_id"].as_str().unwrap());
    }
}

#[test]
fn the_error_table_is_documented() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/PUBLISH.md"))
            .unwrap();
    let rows: Vec<&str> = doc
        .lines()
        .filter(|l| {
            l.starts_with("| `") && l.contains(" | 4") || l.starts_with("| `") && l.contains(" | 5")
        })
        .collect();
    let want: Vec<String> = akutt_server::Code::ALL
        .iter()
        .map(|c| {
            format!(
                "| `{}` | {} | {} | {} |",
                c.name(),
                c.status().as_u16(),
                c.message_nb(),
                c.message_en()
            )
        })
        .collect();
    assert_eq!(rows, want, "docs/PUBLISH.md's error table differs from the code's");
}

#[test]
fn the_error_table_is_whole_and_its_codes_unique() {
    let mut seen = std::collections::HashSet::new();
    for c in akutt_server::Code::ALL {
        assert!(seen.insert(c.name()), "{} twice", c.name());
        assert!(c.name().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{}", c.name());
        assert!(c.status().is_client_error() || c.status().is_server_error(), "{}", c.name());
        assert!(!c.message_nb().is_empty() && !c.message_en().is_empty());
    }
    let listed = akutt_server::error::openapi_schema();
    assert_eq!(
        listed["properties"]["error"]["properties"]["code"]["enum"].as_array().unwrap().len(),
        akutt_server::Code::ALL.len()
    );
}

/// The response-time figures of the API by centre and month, as (centre, month) → figure.
async fn api_figures(q: &str, id: &str) -> Vec<Value> {
    let (_, v) = get_json(&format!("/api/indicators?{q}"), None).await;
    v["indicators"].as_array().unwrap().iter().filter(|f| f["id"] == id).cloned().collect()
}

#[tokio::test]
async fn csv_opens_in_norwegian_excel_with_the_figures_of_the_api() {
    let q = "from=2024-03&to=2024-04&by=centre,month,urgency";
    let want = api_figures(q, "amk_reaction_time").await;
    let res = app(world().state.clone())
        .oneshot(
            Request::get(format!("/data/indikatorer.csv?{q}&indicator=amk_reaction_time"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_string();
    assert_eq!(
        disposition,
        "attachment; filename=\"akutt-amk_reaction_time-2024-03-2024-04-centre-month-urgency-v4-syntetisk.csv\""
    );
    let body = res.into_body().collect().await.unwrap().to_bytes();
    let text = std::str::from_utf8(&body).unwrap();
    // A byte-order mark, `;` between cells, a decimal comma, a CR LF after each line.
    let text = text.strip_prefix('\u{feff}').expect("a BOM");
    let lines: Vec<Vec<&str>> =
        text.split("\r\n").filter(|l| !l.is_empty()).map(|l| l.split(';').collect()).collect();
    let head = &lines[0];
    let col = |name: &str| {
        head.iter().position(|h| *h == name).unwrap_or_else(|| panic!("{name}: {head:?}"))
    };
    let (centre, name, month, urgency, label) = (
        col("Sentral"),
        col("Sentralnavn"),
        col("Måned"),
        col("Hastegrad"),
        col("Hastegrad, navn"),
    );
    let (median, p90) = (col("Median (min)"), col("90-persentil (min)"));
    assert_eq!(head[head.len() - 3..], ["Kilde", "Dataversjon", "Syntetiske data"]);
    assert_eq!(lines.len() - 1, want.len());
    let mut withheld = 0;
    for f in &want {
        let g = &f["group"];
        let row = lines[1..]
            .iter()
            .find(|r| {
                r[centre] == g["centre"]
                    && r[month] == g["month"]
                    && r[urgency] == g["urgency"].as_str().unwrap_or("")
            })
            .unwrap_or_else(|| panic!("no row for {g}"));
        assert!(!row[name].is_empty() && row[name] != row[centre], "{row:?}");
        if g["urgency"] == "R" {
            assert_eq!(row[label], "Rød (akutt)");
        }
        for (c, field) in [(median, "median_s"), (p90, "p90_s")] {
            match f[field].as_f64() {
                Some(s) => {
                    assert_eq!(row[c], format!("{:.1}", s / 60.0).replace('.', ","), "{field} {g}")
                }
                None => {
                    assert_eq!(row[c], f["status"][field].as_str().unwrap(), "{field} {g}");
                    withheld += usize::from(row[c] == ":");
                }
            }
        }
        assert_eq!(row[row.len() - 3], "Akutt (SYNTETISKE DATA / SYNTHETIC DATA)");
        assert_eq!(row[row.len() - 2], "4");
        assert_eq!(row[row.len() - 1], "ja");
    }
    assert!(withheld > 0, "the test's question has withheld cells");

    // English: `,` between cells and a decimal point.
    let (_, _, body) =
        get(&format!("/data/indikatorer.csv?{q}&indicator=amk_reaction_time&lang=en"), None).await;
    let text = String::from_utf8(body).unwrap();
    assert!(text.starts_with("\u{feff}Centre,Centre name,"), "{text}");
    assert!(text.contains("Median (min),"), "{text}");
    // One CSV, one indicator.
    for q in ["from=2024-03&to=2024-04", "from=2024-03&to=2024-04&indicator=volume,response_time"] {
        let (s, v) = get_json(&format!("/data/indikatorer.csv?{q}"), None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(v["error"]["code"], "one_indicator_per_csv");
    }
}

#[tokio::test]
async fn the_excel_file_has_a_sheet_per_indicator_with_the_figures_of_the_api() {
    use calamine::{Data, Reader};
    let q = "from=2024-03&to=2024-04&by=centre";
    let (s, ctype, body) = get(&format!("/data/indikatorer.xlsx?{q}"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(ctype.starts_with("application/vnd.openxmlformats"), "{ctype}");
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(body.clone())).unwrap();
    let names = book.sheet_names();
    assert_eq!(names[..2], ["Om tabellene", "Definisjoner"]);
    for id in ["volume", "response_time", "response_within_target", "amk_reaction_time"] {
        assert!(names.iter().any(|n| n == id), "{id}: {names:?}");
    }
    let about = book.worksheet_range("Om tabellene").unwrap();
    let about: Vec<String> = about
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "))
        .collect();
    assert!(about[0].starts_with("SYNTETISKE DATA"), "{about:?}");
    assert!(about.iter().any(|l| l == "Dataversjon 4"), "{about:?}");
    let release = about.iter().find(|l| l.starts_with("Publisering 1 (")).expect("the release");
    assert!(release.contains("til og med 2024-04; endelige tall til og med 2024-03"), "{release}");
    // Every response time of the API is in its sheet, in minutes, as a number.
    let sheet = book.worksheet_range("response_time").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    let head: Vec<String> = rows[0].iter().map(ToString::to_string).collect();
    let median = head.iter().position(|h| h == "Median (min)").unwrap();
    let want = api_figures(q, "response_time").await;
    assert_eq!(rows.len() - 1, want.len());
    for f in &want {
        let row =
            rows[1..].iter().find(|r| r[0] == f["group"]["centre"].as_str().unwrap()).unwrap();
        match f["median_s"].as_f64() {
            Some(s) => assert_eq!(row[median], Data::Float(s / 60.0)),
            None => assert_eq!(row[median].to_string(), f["status"]["median_s"].as_str().unwrap()),
        }
    }
    // The same answer gives the same bytes (its dates are the data version's).
    let (_, _, again) = get(&format!("/data/indikatorer.xlsx?{q}"), None).await;
    assert_eq!(again, body);
}

#[tokio::test]
async fn openapi_describes_the_api() {
    let (s, v) = get_json("/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["openapi"], "3.1.0");
    for path in [
        "/api/indicators",
        "/api/submissions",
        "/api/submissions/{id}/report",
        "/data/indikatorer.csv",
        "/data/indikatorer.json",
        "/data/indikatorer.xlsx",
        "/api/benchmark",
    ] {
        assert!(v["paths"][path].is_object(), "{path}");
    }
}

#[tokio::test]
async fn dashboard_pages_render_with_the_synthetic_banner() {
    let (s, ctype, body) = get("/?from=2024-03&to=2024-04", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(ctype.starts_with("text/html"));
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("SYNTETISKE DATA"));
    assert!(html.contains("<svg"));
    assert!(html.contains("id=\"centres\""));
    assert!(html.contains("/sentral/KKN?"));
    let (_, _, body) = get("/sentral/kkn?from=2024-03&to=2024-04&lang=en", None).await;
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("SYNTHETIC DATA") && html.contains("Incidents per month"), "{html}");
    let (s, _, _) = get("/sentral/XYZ", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, body) = get("/definisjoner?lang=en", None).await;
    assert_eq!(s, StatusCode::OK);
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("response_within_target"));
    // The method and its perturbation table are published: the row of counts 3 and more
    // holds the symmetric maximum-entropy probabilities of the shipped table.
    assert!(html.contains("the cell-key method") && html.contains("<table id=\"ptable\">"));
    let last = akutt_disclosure::PTable::standard().rows.last().unwrap();
    let rows = common::table_rows(&html, "ptable");
    assert_eq!(rows.last().unwrap()[0], format!("{}+", last.count), "{rows:?}");
    assert!(html.contains(&format!("{:.1} %", last.probability[3] * 100.0)));
    let (_, _, body) = get("/definisjoner", None).await;
    assert!(String::from_utf8(body).unwrap().contains("cellenøkkelmetoden"));
}

#[tokio::test]
async fn restricted_area_access_rules_and_audit() {
    let w = world();
    let catalog = || Catalog::open_read_only(&w.state.data.catalog_path()).unwrap();
    let before = catalog().audit_log().unwrap().len();

    // No token, no micro-data.
    let (s, v) = get_json("/api/submissions", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"]["code"], "unauthorized");
    let (s, _) = get_json("/api/submissions/1/report", Some("akutt_not_a_token")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // A centre user sees its own submissions only.
    let (s, v) = get_json("/api/submissions", Some(&w.kkn_token)).await;
    assert_eq!(s, StatusCode::OK);
    let subs = v["submissions"].as_array().unwrap();
    assert_eq!(subs.len(), 2);
    assert!(subs.iter().all(|x| x["centre"] == "KKN"));
    let (_, all) = get_json("/api/submissions", Some(&w.admin_token)).await;
    let all = all["submissions"].as_array().unwrap().clone();
    assert_eq!(all.len(), 4);
    let own = subs[0]["id"].as_i64().unwrap();
    let other = all.iter().find(|x| x["centre"] == "OSL").unwrap()["id"].as_i64().unwrap();

    let (s, v) = get_json(&format!("/api/submissions/{own}/report"), Some(&w.kkn_token)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["submission"]["centre"], "KKN");
    let (s, v) = get_json(&format!("/api/submissions/{other}/report"), Some(&w.kkn_token)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(v["error"]["code"], "other_centre");
    let (s, _) = get_json("/api/submissions/99999/report", Some(&w.admin_token)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Every restricted request is in the audit log, with who and what status.
    let log = catalog().audit_log().unwrap();
    let mine: Vec<_> = log[before..].iter().filter(|l| l.method == "GET").collect();
    assert!(mine.len() >= 7, "{mine:?}");
    assert!(mine.iter().any(|l| l.user.as_deref() == Some("kkn-user")
        && l.status == 403
        && l.path == format!("/api/submissions/{other}/report")));
    assert!(mine.iter().any(|l| l.user.is_none() && l.status == 401));
    // The token itself is never stored.
    let db = std::fs::read(w.state.data.catalog_path()).unwrap();
    assert!(!db.windows(w.kkn_token.len()).any(|x| x == w.kkn_token.as_bytes()));
}

/// Every dataset of a JSON-stat collection is a full cube: `value` has the product of
/// `size` cells, every dimension lists `size` categories with labels, every null cell has a
/// status and every non-null cell none; returns the datasets by indicator.
fn check_jsonstat(v: &Value) -> std::collections::BTreeMap<String, Value> {
    assert_eq!(v["version"], "2.0");
    assert_eq!(v["class"], "collection");
    let mut out = std::collections::BTreeMap::new();
    for d in v["link"]["item"].as_array().unwrap() {
        assert_eq!(d["class"], "dataset");
        let ids: Vec<&str> =
            d["id"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
        assert_eq!(ids.last(), Some(&"measure"));
        assert_eq!(d["role"]["metric"], serde_json::json!(["measure"]));
        let size: Vec<u64> =
            d["size"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect();
        let values = d["value"].as_array().unwrap();
        assert_eq!(values.len() as u64, size.iter().product::<u64>(), "{}", d["label"]);
        for (dim, n) in ids.iter().zip(&size) {
            let cat = &d["dimension"][dim]["category"];
            assert_eq!(cat["index"].as_object().unwrap().len() as u64, *n, "{dim}");
            assert_eq!(cat["label"].as_object().unwrap().len() as u64, *n, "{dim}");
            assert!(d["dimension"][dim]["label"].is_string());
        }
        let units = d["dimension"]["measure"]["category"]["unit"].as_object().unwrap();
        assert_eq!(units.len() as u64, *size.last().unwrap());
        let status = d["status"].as_object().unwrap();
        for (i, x) in values.iter().enumerate() {
            let st = status.get(&i.to_string());
            if x.is_null() {
                let st = st.unwrap_or_else(|| panic!("null cell {i} without a status"));
                assert!(st == ":" || st == "..", "{st}");
            } else {
                assert!(st.is_none(), "cell {i} has a value and a status");
            }
        }
        assert!(d["updated"].is_string());
        assert_eq!(d["extension"]["synthetic"], true);
        out.insert(d["extension"]["indicator"].as_str().unwrap().to_string(), d.clone());
    }
    out
}

#[tokio::test]
async fn json_stat_download_is_a_consistent_collection() {
    let q = "from=2024-03&to=2024-04&by=centre,urgency&indicator=volume,response_time,amk_reaction_time";
    let (s, ctype, body) = get(&format!("/data/indikatorer.json?{q}"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(ctype.starts_with("application/json"));
    let v: Value = serde_json::from_slice(&body).unwrap();
    let sets = check_jsonstat(&v);
    assert_eq!(sets.keys().collect::<Vec<_>>(), ["amk_reaction_time", "response_time", "volume"]);
    let d = &sets["volume"];
    let ids: Vec<&str> = d["id"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
    assert_eq!(ids, ["centre", "urgency", "measure"]);
    assert_eq!(d["role"]["geo"], serde_json::json!(["centre"]));
    assert_eq!(d["dimension"]["urgency"]["category"]["label"]["R"], "Rød (akutt) / Red (acute)");
    let size: Vec<u64> =
        d["size"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect();
    // The value at (KKN, R, incidents) is the API's number.
    let (_, api) = get_json(&format!("/api/indicators?{q}"), None).await;
    let want = api["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["id"] == "volume" && f["group"]["centre"] == "KKN" && f["group"]["urgency"] == "R"
        })
        .unwrap()["incidents"]
        .clone();
    let idx = |d: &Value, dim: &str, c: &str| {
        d["dimension"][dim]["category"]["index"][c].as_u64().unwrap()
    };
    let at = (idx(d, "centre", "KKN") * size[1] + idx(d, "urgency", "R")) * size[2]
        + idx(d, "measure", "incidents");
    assert_eq!(d["value"][usize::try_from(at).unwrap()], want);
    assert_eq!(
        d["dimension"]["measure"]["category"]["unit"]["incidents"]["label"],
        "antall / count"
    );
    // Withheld cells carry ":" (a table by centre and urgency has some).
    let withheld: usize = sets
        .values()
        .map(|d| d["status"].as_object().unwrap().values().filter(|s| *s == ":").count())
        .sum();
    assert!(withheld > 0, "a table by centre and urgency has withheld cells");
    // The dashboard's links: by month, every indicator, nearly every cell filled (it was
    // empty when the indicators shared one cube).
    let (_, _, body) = get("/data/indikatorer.json?from=2024-03&to=2024-04&by=month", None).await;
    let v: Value = serde_json::from_slice(&body).unwrap();
    let sets = check_jsonstat(&v);
    assert!(sets.len() >= 5, "{:?}", sets.keys());
    let volume = &sets["volume"]["value"];
    let incidents = sets["volume"]["dimension"]["measure"]["category"]["index"]["incidents"]
        .as_u64()
        .and_then(|i| usize::try_from(i).ok())
        .unwrap();
    let n_measures = sets["volume"]["size"][1].as_u64().and_then(|i| usize::try_from(i).ok());
    let n_measures = n_measures.unwrap();
    for month in 0..2 {
        assert!(volume[month * n_measures + incidents].as_u64().unwrap() > 0);
    }
    assert_eq!(sets["response_time"]["role"]["time"], serde_json::json!(["month"]));
}

#[tokio::test]
async fn the_map_draws_every_municipality_with_a_table_alternative() {
    for measure in ["median", "share", "per1000"] {
        // The newest structure by default (2024: 357 municipalities), 2020 when asked.
        for (structure, count, halden) in [("", 357, "3101"), ("&structure=2020", 356, "3001")] {
            let (s, _, body) =
                get(&format!("/kart?from=2024-03&to=2024-04&measure={measure}{structure}"), None)
                    .await;
            assert_eq!(s, StatusCode::OK);
            let html = String::from_utf8(body).unwrap();
            assert_eq!(html.matches("data-kommune=").count(), count, "{measure}{structure}");
            assert!(html.contains("id=\"map-table\""));
            assert!(html.contains("url(#hatch)"), "withheld or empty municipalities are hatched");
            // The table names the municipalities of the structure.
            let rows = common::table_rows(&html, "map-table");
            let name = format!("{halden} Halden");
            assert!(rows.iter().any(|r| r[0] == name), "{measure}{structure}");
            // Some municipalities have a colour: the data joins to the structure drawn.
            let coloured = html.matches("data-kommune=").count()
                - html.matches("fill=\"url(#hatch)\" stroke=\"#555\" stroke-width").count();
            // (Small shares are withheld at this scale; medians of the larger places are not.)
            assert!(measure != "median" || coloured > 0, "{measure}{structure}");
        }
    }
    let (s, _, body) = get("/kart?from=2024-03&to=2024-04&structure=1999", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{}", String::from_utf8_lossy(&body));
}

async fn send(w: &World, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let res = app(w.state.clone()).oneshot(req).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    (
        status,
        headers,
        String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes()).into_owned(),
    )
}

fn multipart(file: &[u8]) -> (String, Vec<u8>) {
    let mut body = b"--XBOUNDARYX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\nContent-Type: text/csv\r\n\r\n".to_vec();
    body.extend_from_slice(file);
    body.extend_from_slice(b"\r\n--XBOUNDARYX--\r\n");
    ("multipart/form-data; boundary=XBOUNDARYX".into(), body)
}

#[tokio::test]
async fn sign_in_with_a_cookie_and_upload_only_for_the_own_centre() {
    let w = build_world();
    let form = |token: &str| {
        Request::post("/logg-inn")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!("token={token}")))
            .unwrap()
    };
    let (s, _, _) = send(&w, form("akutt_wrong")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, headers, _) = send(&w, form(&w.kkn_token)).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let cookie = headers.get("set-cookie").unwrap().to_str().unwrap().to_string();
    for attr in ["HttpOnly", "Secure", "SameSite=Strict"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    let session = cookie.split(';').next().unwrap().to_string();
    let with_cookie = |r: axum::http::request::Builder| r.header("cookie", session.clone());

    // Without the cookie the list redirects to sign-in; with it, only KKN's rows.
    let (s, h, _) = send(&w, Request::get("/innsendinger").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h.get("location").unwrap(), "/logg-inn");
    let (s, _, html) =
        send(&w, with_cookie(Request::get("/innsendinger")).body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("<td>KKN</td>") && !html.contains("<td>OSL</td>"), "{html}");
    let csrf = csrf_of(&html);

    // Another centre's extract is refused before anything is stored.
    let count = || {
        Catalog::open_read_only(&w.state.data.catalog_path()).unwrap().submissions().unwrap().len()
    };
    let before = count();
    let out = w._dir.path().join("world/extracts");
    let (ctype, _) = multipart(b"");
    let body = multipart_with_csrf(&csrf, &std::fs::read(out.join("OSL-2024-03.csv")).unwrap());
    let (s, _, html) = send(
        &w,
        with_cookie(Request::post("/last-opp"))
            .header("content-type", ctype.clone())
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{html}");
    assert!(html.contains("you may only submit for KKN"), "{html}");
    assert_eq!(count(), before);
    // The own centre's extract is ingested (a new version) and its report is the answer.
    let kkn = resubmission(&w, "KKN-2024-03.csv", 1);
    // CSRF: a signed-in browser's post without the form token, or from another site.
    let (s, _, text) = send(
        &w,
        with_cookie(Request::post("/last-opp"))
            .header("content-type", ctype.clone())
            .body(Body::from(multipart(&kkn).1))
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{text}");
    let (s, _, text) = send(
        &w,
        with_cookie(Request::post("/last-opp"))
            .header("content-type", ctype.clone())
            .header("host", "registry.example")
            .header("origin", "https://evil.example")
            .body(Body::from(multipart_with_csrf(&csrf, &kkn)))
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{text}");
    assert_eq!(count(), before);
    let body = multipart_with_csrf(&csrf, &kkn);
    let (s, _, html) = send(
        &w,
        with_cookie(Request::post("/last-opp"))
            .header("content-type", ctype)
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("<b>accepted</b>") && html.contains("versjon 2"), "{html}");
    assert_eq!(count(), before + 1);
}

/// The form token of the page a signed-in user was shown.
fn csrf_of(html: &str) -> String {
    let mark = "name=\"csrf\" value=\"";
    let at = html.find(mark).expect("a form token") + mark.len();
    html[at..].split('"').next().unwrap().to_string()
}

/// A multipart body with the form token first, as the page's form sends it.
fn multipart_with_csrf(csrf: &str, file: &[u8]) -> Vec<u8> {
    let mut body =
        format!("--XBOUNDARYX\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n")
            .into_bytes();
    body.extend_from_slice(&multipart(file).1);
    body
}

fn multipart_named(name: &str, file: &[u8]) -> (String, Vec<u8>) {
    let mut body = format!("--XBOUNDARYX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n").into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(b"\r\n--XBOUNDARYX--\r\n");
    ("multipart/form-data; boundary=XBOUNDARYX".into(), body)
}

/// A 300 MB upload produced lazily, with a count of the 64 KiB chunks the server pulled.
fn huge_upload() -> (Body, Arc<std::sync::atomic::AtomicUsize>) {
    use futures_util::StreamExt;
    let pulled = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = pulled.clone();
    let head = futures_util::stream::iter([Ok::<_, std::io::Error>(axum::body::Bytes::from_static(
        b"--XBOUNDARYX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\n\r\n",
    ))]);
    let filler = futures_util::stream::iter(0..4800).map(move |_| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(axum::body::Bytes::from(vec![b'a'; 64 << 10]))
    });
    (Body::from_stream(head.chain(filler)), pulled)
}

fn upload_request(token: &str, body: Body) -> Request<Body> {
    Request::post("/last-opp")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "multipart/form-data; boundary=XBOUNDARYX")
        .body(body)
        .unwrap()
}

/// An extract of the world with its last `lines` lines dropped: not the current version, so
/// an upload of it is a real resubmission (an identical one is refused).
fn resubmission(w: &World, name: &str, lines: usize) -> Vec<u8> {
    let csv = std::fs::read(w._dir.path().join("world/extracts").join(name)).unwrap();
    let mut end = csv.len();
    for _ in 0..lines {
        end = csv[..end - 1].iter().rposition(|b| *b == b'\n').unwrap() + 1;
    }
    csv[..end].to_vec()
}

#[tokio::test]
async fn an_identical_upload_is_refused_and_audited() {
    let w = build_world();
    let before = submissions(&w);
    let csv = std::fs::read(w._dir.path().join("world/extracts/KKN-2024-04.csv")).unwrap();
    let (s, _, text) = send(&w, upload_request(&w.kkn_token, Body::from(multipart(&csv).1))).await;
    assert_eq!(s, StatusCode::CONFLICT, "{text}");
    assert!(text.contains("id=\"identical_resubmission\""), "{text}");
    assert_eq!(submissions(&w), before, "nothing stored");
    let log = Catalog::open_read_only(&w.state.data.catalog_path()).unwrap().audit_log().unwrap();
    assert!(log.iter().any(|e| e.path == "/last-opp" && e.status == 409), "{log:?}");
}

fn submissions(w: &World) -> usize {
    Catalog::open_read_only(&w.state.data.catalog_path()).unwrap().submissions().unwrap().len()
}

#[tokio::test]
async fn an_unauthenticated_300_mb_upload_is_refused_before_its_body_is_read() {
    let w = world();
    let (body, pulled) = huge_upload();
    let req = Request::post("/last-opp")
        .header("content-type", "multipart/form-data; boundary=XBOUNDARYX")
        .body(body)
        .unwrap();
    let (s, h, _) = send(w, req).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h.get("location").unwrap(), "/logg-inn");
    let read = pulled.load(std::sync::atomic::Ordering::SeqCst);
    assert!(read <= 1, "the server read {read} chunks of 64 KiB before asking who sent them");
}

#[tokio::test]
async fn an_analyst_upload_is_refused_unread() {
    let w = world();
    let token = auth::add_user(&w.state.data, "analyst-upload", "analyst").unwrap();
    let (body, pulled) = huge_upload();
    let (s, _, text) = send(w, upload_request(&token, body)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["error"]["code"], "role_forbidden");
    assert!(pulled.load(std::sync::atomic::Ordering::SeqCst) <= 1);
}

#[tokio::test]
async fn an_oversized_upload_gets_413_and_leaves_nothing_behind() {
    let w = world();
    let small = Config { upload_limit: 1 << 20, ..Config::default() };
    let state = Arc::new(
        AppState::new(DataDir::open(w.state.data.root()).unwrap(), small)
            .unwrap()
            .with_key(b"test key".to_vec()),
    );
    let (body, pulled) = huge_upload();
    let res = app(state.clone()).oneshot(upload_request(&w.admin_token, body)).await.unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let v: Value =
        serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(v["error"]["code"], "payload_too_large");
    let read = pulled.load(std::sync::atomic::Ordering::SeqCst);
    assert!(read < 40, "read {read} chunks of 64 KiB for a 1 MiB limit");
    let left = std::fs::read_dir(state.data.uploads_dir().unwrap()).unwrap().count();
    assert_eq!(left, 0, "the partial upload is removed");
}

#[tokio::test]
async fn a_polyglot_nemsis_file_is_refused_for_a_centre_user() {
    let w = build_world();
    let before = submissions(&w);
    // Whatever a CSV reader would make of it, a file starting with `<` is ingested as XML.
    let out = w._dir.path().join("world/extracts");
    let csv = std::fs::read(out.join("KKN-2024-03.csv")).unwrap();
    let mut polyglot = b"  <EMSDataSet xmlns=\"http://www.nemsis.org\"/>\n".to_vec();
    polyglot.extend_from_slice(&csv);
    let (_, body) = multipart(&polyglot);
    let (s, _, text) = send(&w, upload_request(&w.kkn_token, Body::from(body))).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{text}");
    assert!(text.contains("NEMSIS"), "{text}");
    assert_eq!(submissions(&w), before);
}

#[tokio::test]
async fn hostile_file_names_are_neither_paths_nor_too_long() {
    let w = build_world();
    for (i, name) in ["..", "../../etc/passwd", &"x".repeat(300), ""].into_iter().enumerate() {
        let (_, body) = multipart_named(name, &resubmission(&w, "KKN-2024-04.csv", i + 1));
        let (s, _, text) = send(&w, upload_request(&w.kkn_token, Body::from(body))).await;
        assert_eq!(s, StatusCode::OK, "{name}: {text}");
    }
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_restricted_ones_are_never_cached() {
    let w = world();
    for (uri, restricted) in [
        ("/", false),
        ("/api/indicators?from=2024-03&to=2024-03", false),
        ("/rapporter", false),
        ("/kart", false),
        ("/innsendinger", true),
        ("/api/submissions", true),
        ("/fullstendighet", true),
        ("/mottatt", true),
        // Fail closed: what is not the public area's is never cached.
        ("/no/such/page", true),
        ("/datamaskin", true),
    ] {
        let (_, h, _) = send(w, Request::get(uri).body(Body::empty()).unwrap()).await;
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(
            csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
            "{uri}: {csp}"
        );
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff", "{uri}");
        assert!(h.get("referrer-policy").is_some(), "{uri}");
        assert_eq!(h.get("cache-control").is_some_and(|v| v == "no-store"), restricted, "{uri}");
    }
}

/// Public answers: compressed when the client accepts it, a weak `ETag` and a cache
/// lifetime (a year for a fixed `as_of`), `304` without a body for a tag the client holds.
/// The restricted area: neither compressed nor tagged.
#[tokio::test]
async fn public_answers_are_compressed_tagged_and_revalidated() {
    let w = world();
    let call = |uri: &str, headers: &[(&str, &str)]| {
        let mut req = Request::get(uri);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Body::empty()).unwrap();
        let app = app(w.state.clone());
        async move {
            let res = app.oneshot(req).await.unwrap();
            let (parts, body) = res.into_parts();
            (parts.status, parts.headers, body.collect().await.unwrap().to_bytes().to_vec())
        }
    };
    let uri = "/api/indicators?from=2024-03&to=2024-04&by=centre,month";
    let (s, plain_h, plain) = call(uri, &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(plain_h.get("content-encoding").is_none());
    let tag = plain_h.get("etag").unwrap().to_str().unwrap().to_string();
    assert!(tag.starts_with("W/\"") && tag.len() > 30, "{tag}");
    assert_eq!(plain_h.get("cache-control").unwrap(), "public, max-age=60");
    // Compressed on request: smaller, and the same answer once decompressed.
    let (s, h, gz) = call(uri, &[("accept-encoding", "gzip")]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h.get("content-encoding").unwrap(), "gzip");
    assert_eq!(h.get("etag").unwrap().to_str().unwrap(), tag);
    assert!(gz.len() < plain.len() / 2, "{} vs {}", gz.len(), plain.len());
    let mut back = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut back).unwrap();
    assert_eq!(back, plain);
    // The client's copy is still good: 304, no body.
    let (s, h, body) = call(uri, &[("if-none-match", &tag)]).await;
    assert_eq!(s, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    assert_eq!(h.get("etag").unwrap().to_str().unwrap(), tag);
    let (s, _, _) = call(uri, &[("if-none-match", "W/\"another\"")]).await;
    assert_eq!(s, StatusCode::OK);
    // Pages and downloads too.
    for page in [
        "/",
        "/kart",
        "/data/indikatorer.csv?from=2024-03&to=2024-04&indicator=volume",
        "/data/indikatorer.xlsx?from=2024-03&to=2024-04",
    ] {
        let (s, h, _) = call(page, &[]).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert!(h.get("etag").is_some(), "{page}");
    }
    // A fixed data version never changes.
    let v = serde_json::from_slice::<Value>(&plain).unwrap()["data_version"].clone();
    let (_, h, _) = call(&format!("{uri}&as_of={v}"), &[]).await;
    assert_eq!(h.get("cache-control").unwrap(), "public, max-age=31536000, immutable");
    // The restricted area: no compression, no tag, no-store.
    let (s, h, _) = call(
        "/api/submissions",
        &[("accept-encoding", "gzip"), ("authorization", &format!("Bearer {}", w.admin_token))],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(h.get("content-encoding").is_none() && h.get("etag").is_none());
    assert_eq!(h.get("cache-control").unwrap(), "no-store");
}

#[tokio::test]
async fn a_login_posted_from_another_site_is_refused() {
    let w = world();
    let req = Request::post("/logg-inn")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("host", "registry.example")
        .header("origin", "https://evil.example")
        .body(Body::from(format!("token={}", w.kkn_token)))
        .unwrap();
    let (s, h, _) = send(w, req).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(h.get("set-cookie").is_none());
}

#[tokio::test]
async fn guessing_tokens_is_slowed_down_per_client() {
    let w = build_world();
    let login = |token: &str| {
        Request::post("/logg-inn")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!("token={token}")))
            .unwrap()
    };
    for _ in 0..5 {
        assert_eq!(send(&w, login("akutt_guess")).await.0, StatusCode::UNAUTHORIZED);
    }
    // The sixth guess, and even the right token, wait: nothing is looked up meanwhile.
    let (s, _, text) = send(&w, login("akutt_guess")).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["error"]["code"], "too_many_attempts");
    assert_eq!(send(&w, login(&w.kkn_token)).await.0, StatusCode::TOO_MANY_REQUESTS);
    // Refusals are audited too.
    let log = Catalog::open_read_only(&w.state.data.catalog_path()).unwrap().audit_log().unwrap();
    assert_eq!(log.iter().filter(|e| e.path == "/logg-inn" && e.status == 429).count(), 2);
}

#[tokio::test]
async fn an_upload_is_audited_with_its_submission_digest_and_client() {
    let w = build_world();
    let (_, body) = multipart(&resubmission(&w, "KKN-2024-03.csv", 1));
    let mut req = upload_request(&w.kkn_token, Body::from(body));
    let addr: std::net::SocketAddr = "192.0.2.7:40000".parse().unwrap();
    req.extensions_mut().insert(axum::extract::ConnectInfo(addr));
    let (s, _, text) = send(&w, req).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    let log = Catalog::open_read_only(&w.state.data.catalog_path()).unwrap().audit_log().unwrap();
    let row = log.iter().find(|e| e.detail.is_some()).expect("an upload row with a detail");
    let detail = row.detail.as_deref().unwrap();
    assert!(detail.starts_with("submission ") && detail.contains("sha256 "), "{detail}");
    assert_eq!(row.user.as_deref(), Some("kkn-user"));
    assert!(log
        .iter()
        .filter(|e| e.path == "/last-opp")
        .all(|e| e.client.as_deref() == Some("192.0.2.7")));
}

#[tokio::test]
async fn malformed_parameters_get_the_json_error_and_are_audited() {
    let w = build_world();
    let bearer = |uri: &str| {
        Request::get(uri)
            .header("authorization", format!("Bearer {}", w.admin_token))
            .body(Body::empty())
            .unwrap()
    };
    for uri in [
        "/api/indicators?from=2024-03&to=2024-03&as_of=abc",
        "/api/submissions/abc/report",
        "/innsendinger/abc",
    ] {
        let (s, h, text) = send(&w, bearer(uri)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{uri}: {text}");
        assert!(h.get("content-type").unwrap().to_str().unwrap().starts_with("application/json"));
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["error"]["code"], "malformed_request", "{uri}");
    }
    // A body that is no multipart form, on the restricted area.
    let req = Request::post("/last-opp")
        .header("authorization", format!("Bearer {}", w.kkn_token))
        .header("content-type", "text/plain")
        .body(Body::from("hello"))
        .unwrap();
    let (s, _, text) = send(&w, req).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{text}");
    let log = Catalog::open_read_only(&w.state.data.catalog_path()).unwrap().audit_log().unwrap();
    for path in ["/api/submissions/abc/report", "/innsendinger/abc"] {
        assert!(log.iter().any(|e| e.path == path && e.status == 400), "{path} audited");
    }
}

#[tokio::test]
async fn uploads_beyond_the_concurrent_limit_wait_their_turn() {
    let w = build_world();
    // Both slots taken (as by two uploads in progress): the third is refused unread.
    let taken = w.state.upload_slots.try_acquire_many(2).unwrap();
    let (body, pulled) = huge_upload();
    let (s, _, text) = send(&w, upload_request(&w.kkn_token, body)).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{text}");
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["error"]["code"], "busy");
    assert!(pulled.load(std::sync::atomic::Ordering::SeqCst) <= 1);
    drop(taken);
    let csv = resubmission(&w, "KKN-2024-04.csv", 1);
    let (s, _, _) = send(&w, upload_request(&w.kkn_token, Body::from(multipart(&csv).1))).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn a_hostile_value_in_an_extract_is_escaped_in_its_report_page() {
    let w = build_world();
    // The file may be Windows-1252: edit its bytes.
    let csv = std::fs::read(w._dir.path().join("world/extracts/KKN-2024-04.csv")).unwrap();
    // Every `Type innringer` cell (a code) of the file becomes markup: each is a finding whose
    // value the report page shows.
    let mut lines = csv.split(|b| *b == b'\n').filter(|l| !l.is_empty());
    let header = lines.next().unwrap();
    let col =
        header.split(|b| *b == b';').position(|h| h.trim_ascii() == b"Type innringer").unwrap();
    let attack: &[u8] = b"<script>alert(1)</script>\"><img src=x onerror=alert(2)>";
    let mut hostile = header.to_vec();
    for line in lines {
        let mut cells: Vec<&[u8]> = line.split(|b| *b == b';').collect();
        cells[col] = attack;
        hostile.push(b'\n');
        hostile.extend(cells.join(&b';'));
    }
    let body = Body::from(multipart(&hostile).1);
    let (s, _, html) = send(&w, upload_request(&w.kkn_token, body)).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
    assert!(!html.contains("<script") && !html.contains("<img"), "{html}");
}

#[tokio::test]
async fn the_public_sees_the_release_not_what_came_in_after_it() {
    let w = build_world();
    let api = |w: &World| {
        let state = w.state.clone();
        async move {
            let req = Request::get("/api/indicators?from=2024-03&to=2024-04&by=centre")
                .body(Body::empty())
                .unwrap();
            let res = app(state).oneshot(req).await.unwrap();
            serde_json::from_slice::<Value>(&res.into_body().collect().await.unwrap().to_bytes())
                .unwrap()
        }
    };
    let released = api(&w).await;
    assert_eq!(
        (released["data_version"].as_i64(), released["release"]["id"].as_i64()),
        (Some(4), Some(1))
    );
    assert_eq!(released["release"]["months"]["2024-03"], "endelig");
    assert_eq!(released["release"]["months"]["2024-04"], "foreløpig");
    // KKN's April again without its last line: received (a new data version), not released.
    let again = w._dir.path().join("KKN-2024-04-again.csv");
    std::fs::write(&again, resubmission(&w, "KKN-2024-04.csv", 1)).unwrap();
    assert!(akutt_ingest::ingest(&w.state.data, b"test key", &again, |_, _| {}).unwrap().accepted);
    assert_eq!(api(&w).await, released, "the public still sees release 1");
    let (_, _, page) = send(
        &w,
        Request::get("/innsendinger")
            .header("authorization", format!("Bearer {}", w.admin_token))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(page.contains("ikke publisert") && page.contains("publisering 1"), "{page}");
    // A new release moves the public figures, and says what changed.
    let r = akutt_server::release::create(&w.state, "2024-04", Some("2024-04"), "April revised")
        .unwrap();
    assert_eq!((r.id, r.data_version), (2, 5));
    let now = api(&w).await;
    assert_eq!((now["data_version"].as_i64(), now["release"]["id"].as_i64()), (Some(5), Some(2)));
    assert_eq!(now["release"]["months"]["2024-04"], "endelig");
    assert_eq!(now["release"]["note"], "April revised");
    // An older release's data version stays public; a version in no release does not.
    let (s, _) = get_json("/api/indicators?from=2024-03&to=2024-04&as_of=3", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_completeness_calendar_shows_each_centre_its_own_row() {
    let w = world();
    let page = |token: Option<&str>| {
        let mut req = Request::get("/fullstendighet?from=2024-02&to=2024-05");
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        send(w, req.body(Body::empty()).unwrap())
    };
    let (s, h, html) = page(Some(&w.admin_token)).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert_eq!(h["cache-control"], "no-store");
    // Every centre, four months; the world has KKN and OSL for March and April only.
    assert_eq!(html.matches("<tr><td>").count(), 16, "{html}");
    for c in ["KKN", "OSL"] {
        let row = html.split("<tr><td>").find(|r| r.starts_with(c)).unwrap();
        let cells: Vec<&str> =
            row.split("<td class=\"").skip(1).map(|c| c.split('"').next().unwrap()).collect();
        // February and May were never sent; their deadlines (15 March, 15 June 2024) passed.
        assert_eq!(cells, ["missing", "late", "late", "missing"], "{c}: {row}");
    }
    let (_, _, own) = page(Some(&w.kkn_token)).await;
    assert_eq!(own.matches("<tr><td>").count(), 1, "{own}");
    assert!(own.contains("<tr><td>KKN</td>") && !own.contains("<td>OSL</td>"), "{own}");
    let (s, _, _) = page(None).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "no sign-in, no calendar");
}

#[tokio::test]
async fn a_tertial_report_is_made_from_its_release_the_same_each_time() {
    let (s, _, html) = get("/rapporter/1/2024-T1", None).await;
    let html = String::from_utf8(html).unwrap();
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("Tertialrapport 2024-T1"), "{html}");
    // The release and data version on every printed page, the release line, the months.
    assert!(
        html.contains("<div class=\"stamp\">Publisering 1 (")
            && html.contains("Dataversjon 4 · Akutt"),
        "{html}"
    );
    let monthly = common::table_rows(&html, "monthly");
    assert!(
        monthly.contains(&vec!["2024-03".into(), "356".into(), "endelig".into()]),
        "{monthly:?}"
    );
    assert!(monthly.iter().any(|r| r[0] == "2024-04" && r[2] == "foreløpig"), "{monthly:?}");
    // The key figure is the public one of the same months.
    let (_, v) = get_json("/api/indicators?from=2024-01&to=2024-04&indicator=volume", None).await;
    let incidents = v["indicators"][0]["incidents"].as_u64().unwrap();
    let key = common::table_rows(&html, "key-figures");
    assert!(key.iter().any(|r| r[0] == "Hendelser" && r[1] == incidents.to_string()), "{key:?}");
    assert!(
        html.contains("<svg")
            && html.contains("id=\"centres\"")
            && html.contains("<dt><code>response_time</code></dt>")
    );
    // Contacts by channel, incidents by urgency (labelled in the page's language) and type.
    for id in ["sambandsvei", "urgency", "hendelsestype"] {
        assert!(!common::table_rows(&html, id).is_empty(), "{id}");
    }
    assert!(html.contains("<td>R</td><td>Rød (akutt)</td>"), "{html}");
    // Reproducible from its release: the same bytes.
    let (_, _, again) = get("/rapporter/1/2024-T1", None).await;
    assert_eq!(String::from_utf8(again).unwrap(), html);
    // A tertial after the release's last month, and a period that is none.
    let (s, v) = get_json("/rapporter/1/2024-T2", None).await;
    assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_released")));
    let (s, v) = get_json("/rapporter/1/2024-T4", None).await;
    assert_eq!((s, v["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_period")));
    let (s, _, list) = get("/rapporter", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(String::from_utf8(list).unwrap().contains("Publisering 1"));
}

#[tokio::test]
async fn the_public_map_shows_the_municipality_structures_of_its_release() {
    let w = build_world();
    // A 2028 structure loaded after release 1 (the 2024 one, renumbered as a new load).
    let register = akutt_model::municipality::Register::standard();
    let mut codes = String::from("code;name\n");
    for m in &register.newest().unwrap().municipalities {
        codes += &format!("{};{}\n", m.number, m.name);
    }
    let file = w._dir.path().join("k2028.csv");
    std::fs::write(&file, codes).unwrap();
    let from = "2028-01-01".parse().unwrap();
    akutt_ingest::load_municipality_file(&w.state.data, &file, Some(2028), from).unwrap();
    let structures = |w: &World| {
        let state = w.state.clone();
        async move {
            let req = Request::get("/kart?from=2024-03&to=2024-04").body(Body::empty()).unwrap();
            let res = app(state).oneshot(req).await.unwrap();
            let html =
                String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
                    .unwrap();
            let at = html.find("id=\"structure\"").unwrap();
            html[at..at + html[at..].find("</p>").unwrap()].to_string()
        }
    };
    let before = structures(&w).await;
    assert!(before.contains("2024") && !before.contains("2028"), "{before}");
    akutt_server::release::create(&w.state, "2024-04", None, "").unwrap();
    let after = structures(&w).await;
    assert!(after.contains("2028"), "{after}");
}

#[tokio::test]
async fn an_unknown_route_answers_the_json_404() {
    let (s, _, text) =
        send(world(), Request::get("/no/such/page").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["error"]["code"], "page_not_found");
}

#[tokio::test]
async fn a_token_in_the_query_string_is_not_written_to_the_audit_log() {
    let w = world();
    let secret = "akutt_query_string_secret_123";
    let uri = format!("/api/submissions?token={secret}&access_token={secret}");
    let (s, _, _) = send(w, Request::get(uri.as_str()).body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let log = Catalog::open_read_only(&w.state.data.catalog_path()).unwrap().audit_log().unwrap();
    let last = log.iter().rev().find(|e| e.path.starts_with("/api/submissions?")).unwrap();
    assert_eq!(last.path, "/api/submissions?token=***&access_token=***");
    assert!(!log.iter().any(|e| e.path.contains(secret)));
}

#[tokio::test]
async fn a_failed_audit_write_blocks_the_answer() {
    let w = build_world();
    let c = rusqlite::Connection::open(w.state.data.catalog_path()).unwrap();
    c.execute_batch("CREATE TRIGGER audit_down BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit down'); END;").unwrap();
    let bearer = |uri: &str| {
        Request::get(uri)
            .header("authorization", format!("Bearer {}", w.admin_token))
            .body(Body::empty())
            .unwrap()
    };
    let log = Log::default();
    let _logging = tracing::subscriber::set_default(
        tracing_subscriber::fmt().with_writer(log.clone()).with_ansi(false).finish(),
    );
    for uri in ["/api/submissions", "/innsendinger", "/innsendinger/1"] {
        let (s, h, text) = send(&w, bearer(uri)).await;
        assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR, "{uri}: {text}");
        assert!(!text.contains("<td>KKN</td>") && !text.contains("\"centre\""), "{uri}: {text}");
        // The cause stays in the server's log: the client gets a reference only.
        assert!(text.contains("internal error: referanse "), "{uri}: {text}");
        assert!(!text.contains("audit down") && !text.contains("audit_log"), "{uri}: {text}");
        // The log has the cause under the same reference, and the request's line.
        let id = h["x-request-id"].to_str().unwrap();
        assert!(text.contains(id), "{uri}: {text}");
        let lines = log.text();
        let line = lines.lines().find(|l| l.contains(id) && l.contains("cause"));
        assert!(line.is_some_and(|l| l.contains("audit down")), "{uri}: {lines}");
        assert!(lines.lines().any(|l| l.contains(id) && l.contains("status=500")), "{lines}");
    }
}

/// The server's log lines, captured.
#[derive(Clone, Default)]
struct Log(Arc<std::sync::Mutex<Vec<u8>>>);

impl Log {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Log {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Log {
    type Writer = Log;
    fn make_writer(&'a self) -> Log {
        self.clone()
    }
}

#[tokio::test]
async fn every_request_is_logged_without_its_query_or_fodselsnummer() {
    let w = world();
    let log = Log::default();
    let _logging = tracing::subscriber::set_default(
        tracing_subscriber::fmt().json().with_writer(log.clone()).finish(),
    );
    // A valid fødselsnummer (synthetic) in the path, a secret in the query.
    let uri = "/sentral/15038512363?token=akutt_secret_in_query";
    let (s, h, _) = send(w, Request::get(uri).body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let text = log.text();
    let line: Value = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["fields"]["request_id"] == h["x-request-id"].to_str().unwrap())
        .unwrap_or_else(|| panic!("no line of the request: {text}"));
    assert_eq!(line["fields"]["method"], "GET");
    assert_eq!(line["fields"]["status"], 404);
    assert_eq!(line["fields"]["code"], "centre_not_found");
    assert!(line["fields"]["ms"].as_f64().is_some());
    assert!(!text.contains("15038512363") && !text.contains("akutt_secret"), "{text}");
}

/// Signs in with a token; returns the session cookie (`name=value`).
async fn sign_in(state: &Arc<AppState>, token: &str) -> String {
    let req = Request::post("/logg-inn")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!("token={token}")))
        .unwrap();
    let res = app(state.clone()).oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap();
    cookie.split(';').next().unwrap().to_string()
}

async fn status_of(
    state: &Arc<AppState>,
    uri: &str,
    cookie: Option<&str>,
    token: Option<&str>,
) -> StatusCode {
    let mut req = Request::get(uri);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    app(state.clone()).oneshot(req.body(Body::empty()).unwrap()).await.unwrap().status()
}

#[tokio::test]
async fn sessions_survive_a_restart_and_end_with_logout() {
    let w = build_world();
    let cookie = sign_in(&w.state, &w.kkn_token).await;
    // A new server process on the same data directory knows the session.
    let restarted = Arc::new(
        AppState::new(DataDir::open(w.state.data.root()).unwrap(), Config::default()).unwrap(),
    );
    assert_eq!(status_of(&restarted, "/innsendinger", Some(&cookie), None).await, StatusCode::OK);
    let page = app(restarted.clone())
        .oneshot(
            Request::get("/innsendinger")
                .header("cookie", cookie.as_str())
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let html =
        String::from_utf8_lossy(&page.into_body().collect().await.unwrap().to_bytes()).into_owned();
    let logout = |form: String| {
        Request::post("/logg-ut")
            .header("cookie", cookie.as_str())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap()
    };
    // Without the form token, logging out is refused (no cross-site logout either).
    let refused = app(restarted.clone()).oneshot(logout(String::new())).await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let ok = logout(format!("csrf={}", csrf_of(&html)));
    assert_eq!(app(restarted.clone()).oneshot(ok).await.unwrap().status(), StatusCode::SEE_OTHER);
    assert_eq!(
        status_of(&w.state, "/innsendinger", Some(&cookie), None).await,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn an_idle_or_old_session_expires_on_the_server() {
    let w = build_world();
    let idle = sign_in(&w.state, &w.kkn_token).await;
    let old = sign_in(&w.state, &w.kkn_token).await;
    let hash = |cookie: &str| auth::token_hash(cookie.split_once('=').unwrap().1);
    let c = rusqlite::Connection::open(w.state.data.catalog_path()).unwrap();
    let now = i64::try_from(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(),
    )
    .unwrap();
    c.execute(
        "UPDATE sessions SET last_seen = ?1 WHERE id_sha256 = ?2",
        rusqlite::params![now - 31 * 60, hash(&idle)],
    )
    .unwrap();
    c.execute(
        "UPDATE sessions SET created_at = ?1 WHERE id_sha256 = ?2",
        rusqlite::params![now - 9 * 3600, hash(&old)],
    )
    .unwrap();
    for cookie in [&idle, &old] {
        assert_eq!(
            status_of(&w.state, "/innsendinger", Some(cookie), None).await,
            StatusCode::SEE_OTHER
        );
    }
    // The catalog keeps no cookie in clear.
    let ids: Vec<String> = c
        .prepare("SELECT id_sha256 FROM sessions")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!ids.iter().any(|id| idle.contains(id.as_str())));
}

#[tokio::test]
async fn a_disabled_users_cookie_and_token_are_refused_at_once() {
    let w = build_world();
    let token = auth::add_user(&w.state.data, "leaving", "centre:KKN").unwrap();
    let cookie = sign_in(&w.state, &token).await;
    assert_eq!(status_of(&w.state, "/innsendinger", Some(&cookie), None).await, StatusCode::OK);
    assert_eq!(status_of(&w.state, "/api/submissions", None, Some(&token)).await, StatusCode::OK);
    auth::disable_user(&w.state.data, "leaving").unwrap();
    assert_eq!(
        status_of(&w.state, "/innsendinger", Some(&cookie), None).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        status_of(&w.state, "/api/submissions", None, Some(&token)).await,
        StatusCode::UNAUTHORIZED
    );
    assert!(auth::disable_user(&w.state.data, "leaving").is_err(), "disabled once");
}

#[tokio::test]
async fn a_rotated_token_kills_the_old_one_and_its_sessions() {
    let w = build_world();
    let old = auth::add_user(&w.state.data, "rotating", "analyst").unwrap();
    let cookie = sign_in(&w.state, &old).await;
    let new = auth::rotate_token(&w.state.data, "rotating").unwrap();
    assert_ne!(old, new);
    assert_eq!(
        status_of(&w.state, "/api/submissions", None, Some(&old)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status_of(&w.state, "/innsendinger", Some(&cookie), None).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(status_of(&w.state, "/api/submissions", None, Some(&new)).await, StatusCode::OK);
}

/// The benchmark in public: NEMSIS samples beside the synthetic world, with disclosure control.
#[tokio::test]
async fn benchmark_is_public_and_withholds_small_counts() {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::open(dir.path().join("data")).unwrap();
    let samples =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/nemsis/samples");
    for e in std::fs::read_dir(&samples).unwrap() {
        let p = e.unwrap().path();
        if !p.to_string_lossy().contains("Fail") {
            assert!(
                akutt_ingest::ingest(&data, b"k", &p, |_, _| {}).unwrap().accepted,
                "{}",
                p.display()
            );
        }
    }
    let releaser = AppState::new(data.clone(), Config::default()).unwrap().with_key(b"k".to_vec());
    akutt_server::release::create(&releaser, "2030-12", None, "").unwrap();
    let call = |threshold: u64| {
        let state = Arc::new(
            AppState::new(
                data.clone(),
                Config { suppression_threshold: threshold, ..Config::default() },
            )
            .unwrap()
            .with_key(b"k".to_vec()),
        );
        async move {
            let res = app(state.clone())
                .oneshot(Request::get("/api/benchmark").body(Body::empty()).unwrap())
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            let v: Value =
                serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes())
                    .unwrap();
            let page = app(state)
                .oneshot(Request::get("/sammenligning?lang=en").body(Body::empty()).unwrap())
                .await
                .unwrap();
            assert_eq!(page.status(), StatusCode::OK);
            let html =
                String::from_utf8(page.into_body().collect().await.unwrap().to_bytes().to_vec())
                    .unwrap();
            (v, html)
        }
    };
    let (v, html) = call(5).await;
    let us = &v["nemsis"];
    // 20 valid samples (distinct agency + UUID), 14 emergency incidents: published with the
    // cell-key noise (|noise| <= 3).
    assert!(us["records"].as_u64().unwrap().abs_diff(20) <= 3, "{}", us["records"]);
    assert!(us["emergency_incidents"].as_u64().unwrap().abs_diff(14) <= 3);
    assert!(us["call_to_scene"]["median_s"].as_i64().is_some(), "n = 14 is published");
    // … and marked as a small sample on the page, in English, without internal references.
    assert!(
        html.contains("id=\"small-sample\"") && html.contains("Fewer than 30 incidents"),
        "{html}"
    );
    assert!(html.contains(" †</td>"), "{html}");
    assert!(!html.contains("DOMAIN.md") && !html.contains("Klokkestart"), "{html}");
    for c in us["conditions"].as_array().unwrap() {
        assert_eq!(c["incidents"], Value::Null, "one case each: withheld");
        assert_eq!(c["per_1000"], Value::Null, "and its rate with it");
    }
    // No public count of either side is 1-4.
    for side in ["norway", "nemsis"] {
        let s = &v[side];
        let mut counts =
            vec![&s["records"], &s["emergency_incidents"], &s["condition_denominator"]];
        for t in ["call_to_scene", "notified_to_scene"] {
            counts.extend([&s[t]["n"], &s[t]["n_missing"]]);
        }
        counts.extend(s["conditions"].as_array().unwrap().iter().map(|c| &c["incidents"]));
        for c in counts {
            if let Some(n) = c.as_u64() {
                assert!(n == 0 || n >= 5, "{side}: published small count {n}");
            }
        }
    }
    assert!(html.contains("(:)"), "the page explains the symbol of a withheld cell");
    assert!(
        html.contains("Caveats on comparability") && html.contains("<table id=\"benchmark\">"),
        "{html}"
    );
    // With threshold 1 a count of one is published as its perturbed value (1 + noise).
    let (v, _) = call(1).await;
    for c in v["nemsis"]["conditions"].as_array().unwrap() {
        assert!(
            c["incidents"].is_null() || (1..=4).contains(&c["incidents"].as_u64().unwrap()),
            "{c}"
        );
    }
    let bad = app(Arc::new(AppState::new(data.clone(), Config::default()).unwrap()))
        .oneshot(Request::get("/api/benchmark?from=2024-13").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_restricted_area_sees_everything_received_marked_against_the_release() {
    let w = build_world();
    let page = |token: Option<&str>, q: &str| {
        let mut req = Request::get(format!("/mottatt?{q}"));
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        send(&w, req.body(Body::empty()).unwrap())
    };
    let status_of = |html: &str, month: &str| -> String {
        let rows = common::table_rows(html, "received");
        rows.iter().find(|r| r[0] == month).map(|r| r[7].clone()).unwrap_or_default()
    };
    let (s, h, html) = page(Some(&w.admin_token), "from=2024-03&to=2024-05").await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert_eq!(h["cache-control"], "no-store");
    assert!(
        status_of(&html, "2024-03").starts_with("publisert i publisering 1, endelig"),
        "{html}"
    );
    assert!(status_of(&html, "2024-04").starts_with("publisert i publisering 1, foreløpig"));
    assert!(status_of(&html, "2024-05").starts_with("ikke publisert"));
    // The figures are exact: the engine's without disclosure control.
    let months =
        akutt_model::MonthRange::new("2024-03".parse().unwrap(), "2024-05".parse().unwrap())
            .unwrap();
    let (_, exact) = akutt_server::received::rows(&w.state, months, None).unwrap();
    let rows = common::table_rows(&html, "received");
    assert_eq!(rows[1][1], exact[0].incidents.to_string());
    assert!(exact[0].incidents > 100 && exact[2].incidents == 0, "{exact:?}");

    // KKN sends April again (the same records in other bytes) and May: April is received
    // again since release 1, May is unreleased; the public still sees release 1 only.
    let extracts = w._dir.path().join("world/extracts");
    let april = std::fs::read(extracts.join("KKN-2024-04.csv")).unwrap();
    let again = extracts.join("KKN-2024-04-again.csv");
    let crlf: Vec<u8> =
        april.iter().flat_map(|&b| if b == b'\n' { vec![b'\r', b'\n'] } else { vec![b] }).collect();
    std::fs::write(&again, crlf).unwrap();
    assert!(akutt_ingest::ingest(&w.state.data, b"test key", &again, |_, _| {}).unwrap().accepted);
    let may = w._dir.path().join("may");
    let cfg = akutt_synth::Config {
        out: may.clone(),
        months: akutt_model::MonthRange::single("2024-05".parse().unwrap()),
        centres: Some(vec!["KKN".into()]),
        scale: 0.02,
        seed: 5,
        error_rate: 0.0,
        response_step: None,
    };
    akutt_synth::generate(&cfg, &|_| {}).unwrap();
    let f = may.join("extracts/KKN-2024-05.csv");
    assert!(akutt_ingest::ingest(&w.state.data, b"test key", &f, |_, _| {}).unwrap().accepted);
    w.state.forget_release();
    let (_, _, html) = page(Some(&w.admin_token), "from=2024-03&to=2024-05").await;
    assert!(
        status_of(&html, "2024-03").starts_with("publisert i publisering 1, endelig"),
        "{html}"
    );
    assert!(
        status_of(&html, "2024-04").starts_with("sendt inn på nytt etter publisering 1"),
        "{html}"
    );
    assert!(status_of(&html, "2024-05").starts_with("ikke publisert"));
    let rows = common::table_rows(&html, "received");
    assert_ne!(rows[3][1], "0", "May is received: {rows:?}");
    // OSL's April was not sent again: for OSL it is as released.
    let (_, _, osl) = page(Some(&w.admin_token), "from=2024-04&to=2024-04&centre=osl").await;
    assert!(osl.contains("<h2>OSL</h2>"), "{osl}");
    assert!(status_of(&osl, "2024-04").starts_with("publisert i publisering 1"), "{osl}");

    // A centre sees its own centre only, and may not ask for another.
    let (s, _, own) = page(Some(&w.kkn_token), "from=2024-04&to=2024-05").await;
    assert_eq!(s, StatusCode::OK);
    assert!(own.contains("<h2>KKN</h2>") && !own.contains("name=\"centre\""), "{own}");
    let (s, _, other) = page(Some(&w.kkn_token), "centre=OSL").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{other}");
    assert!(other.contains("other_centre"), "{other}");
    // No sign-in, no figures; every request is audited.
    let (s, _, _) = page(None, "").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let audit = Catalog::open_read_only(&w.state.data.catalog_path()).unwrap().audit_log().unwrap();
    assert!(audit.iter().filter(|e| e.path.starts_with("/mottatt")).count() >= 6, "{audit:?}");
}

#[tokio::test]
async fn the_analysis_page_answers_its_forms_with_exact_figures_at_a_shareable_url() {
    let w = world();
    let page = |token: &str, q: &str| {
        let req = Request::get(format!("/analyse?{q}"))
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        send(w, req)
    };
    // The forms alone.
    let (s, h, html) = page(&w.admin_token, "").await;
    assert_eq!(
        (s, &h["cache-control"]),
        (StatusCode::OK, &"no-store".parse::<axum::http::HeaderValue>().unwrap())
    );
    for form in ["form-growth", "form-resources", "form-before-after"] {
        assert!(html.contains(&format!("id=\"{form}\"")), "{form}");
    }
    // Growth: the exact count of each year (2023 had nothing), as the received view has it.
    let (s, _, html) =
        page(&w.admin_token, "analysis=growth&from_year=2023&to_year=2024&count=incidents").await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let months =
        akutt_model::MonthRange::new("2024-03".parse().unwrap(), "2024-04".parse().unwrap())
            .unwrap();
    let (_, received) = akutt_server::received::rows(&w.state, months, None).unwrap();
    let exact: u64 = received.iter().map(|r| r.incidents).sum();
    let rows = common::table_rows(&html, "growth");
    assert_eq!(rows[1], ["2023", "0", ".."]);
    assert_eq!(rows[2][..2], ["2024".to_string(), exact.to_string()]);
    assert!(html.contains("<svg"), "the series as a chart");
    // A centre sees its own centre's count only.
    let (_, _, own) = page(&w.kkn_token, "analysis=growth&from_year=2024&to_year=2024").await;
    let kkn: u64 = common::table_rows(&own, "growth")[1][1].parse().unwrap();
    assert!(kkn > 0 && kkn < exact, "KKN {kkn} of {exact}");
    assert!(!own.contains("name=\"centre\""), "no centre to choose");
    // Resources: the programme's example.
    let (_, _, html) =
        page(&w.admin_token, "analysis=resources&missions=191156&minutes=60&share=0.75").await;
    assert!(
        html.contains("id=\"resources-hours\">143367.0<")
            && html.contains("id=\"resources-positions\">82<"),
        "{html}"
    );
    // Before and after for Oslo's number: both windows have red incidents.
    let (s, _, html) =
        page(&w.admin_token, "analysis=before-after&date=2024-04-01&kommune=0301&months=1").await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let t = common::table_rows(&html, "before-after");
    assert_eq!(t.len(), 4, "{t:?}");
    assert!(t[1][2].parse::<u64>().unwrap() > 0 && t[2][2].parse::<u64>().unwrap() > 0, "{t:?}");
    // Mistakes answer the error table's code; no session, no page.
    for q in [
        "analysis=colour",
        "analysis=growth&from_year=2025&to_year=2024",
        "analysis=resources&missions=1&share=7",
    ] {
        let (s, _, html) = page(&w.admin_token, q).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}");
        assert!(html.contains("id=\"invalid_analysis\""), "{q}: {html}");
    }
    let (s, _, _) = send(w, Request::get("/analyse").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_browser_gets_an_error_as_a_page_in_its_language_and_the_api_keeps_json() {
    let w = world();
    let browse = |uri: &str| {
        let req = Request::get(uri)
            .header("accept", "text/html,application/xhtml+xml")
            .body(Body::empty())
            .unwrap();
        send(w, req)
    };
    let (s, h, html) = browse("/?from=2025-13&to=2025-12").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"), "{h:?}");
    assert!(html.contains("id=\"invalid_month\"") && html.contains("Noe gikk galt"), "{html}");
    assert!(html.contains("SYNTETISKE DATA"), "the page shell, with its banner");
    let (_, _, en) = browse("/kart?from=2025-13&lang=en").await;
    assert!(en.contains("Something went wrong") && en.contains("id=\"invalid_month\""), "{en}");
    // The API, the open data and clients that do not ask for HTML keep the JSON table.
    let (s, h, body) = browse("/api/indicators?from=2025-13&to=2025-12").await;
    assert_eq!(
        (s, h["content-type"].to_str().unwrap()),
        (StatusCode::BAD_REQUEST, "application/json")
    );
    assert!(body.contains("\"code\":\"invalid_month\""), "{body}");
    let (_, h, _) = send(w, Request::get("/?from=2025-13").body(Body::empty()).unwrap()).await;
    assert_eq!(h["content-type"], "application/json");
}

#[tokio::test]
async fn findings_download_as_csv_for_the_own_centre_with_formulas_defused() {
    let w = world();
    let catalog = Catalog::open_read_only(&w.state.data.catalog_path()).unwrap();
    let subs = catalog.submissions().unwrap();
    let kkn = subs.iter().find(|s| s.centre.as_deref() == Some("KKN")).unwrap().id;
    let osl = subs.iter().find(|s| s.centre.as_deref() == Some("OSL")).unwrap().id;
    let get = |token: &str, id: i64| {
        let req = Request::get(format!("/innsendinger/{id}/funn.csv"))
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        send(w, req)
    };
    let (s, h, csv) = get(&w.kkn_token, kkn).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["content-type"], "text/csv; charset=utf-8");
    assert_eq!(h["cache-control"], "no-store");
    assert!(csv.starts_with("\u{feff}Regel;Alvorlighet;Regelen;Linje;"), "{csv}");
    let (s, _, _) = get(&w.kkn_token, osl).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "another centre's findings");
    // A value from a file is never a formula in a spreadsheet, and never a fødselsnummer.
    let report = serde_json::json!({"findings": [
        {"code": "E102", "severity": "error", "line": 7, "incident": "H1", "column": "Kommune",
         "value": "=HYPERLINK(\"http://x\")", "message": "kan ikke tolkes", "message_en": "cannot be parsed"},
        {"code": "W207", "severity": "warning", "line": 8, "incident": "H2", "column": "Merknad",
         "value": "pasient 01017010170; ring", "message": "m", "message_en": "m"}
    ]});
    let csv = akutt_server::area::findings_to_csv(&report);
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[1].starts_with(
            "E102;error;verdien kan ikke tolkes;7;H1;Kommune;\"'=HYPERLINK(\"\"http://x\"\")\";"
        ),
        "{csv}"
    );
    assert!(!csv.contains("01017010170") && csv.contains("***********"), "{csv}");
}
