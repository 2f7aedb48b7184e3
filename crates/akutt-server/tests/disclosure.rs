//! The attacks of issue 15 replayed against the public API (`app(state)` + `oneshot`) on a
//! fixed synthetic world, with the exact figures beside them (the same request computed on
//! the dataset without record keys): overlapping periods, single cells against their line
//! total, last year's change, two data versions around a resubmission. Disclosure control
//! is the cell-key method of DOMAIN.md §9 (`akutt-disclosure`).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use akutt_indicators::compute::compute_only;
use akutt_indicators::{RawRequest, Request};
use akutt_model::MonthRange;
use akutt_server::{app, AppState, Config};
use akutt_store::{Catalog, DataDir};
use axum::body::Body;
use axum::http::{Request as HttpRequest, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

const KEY: &[u8] = b"disclosure test key";

struct World {
    _dir: tempfile::TempDir,
    state: Arc<AppState>,
    /// The data versions just before and just after KKN's March 2024 resubmission.
    before: i64,
    after: i64,
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(build_world)
}

/// Every row of `extract` but those of its first two incidents (`Hendelsesnummer`).
fn without_two_incidents(extract: &Path, out: &Path) {
    let bytes = std::fs::read(extract).unwrap();
    let mut lines = bytes.split_inclusive(|b| *b == b'\n');
    let header = lines.next().unwrap();
    let mut kept = header.to_vec();
    // Centres order their columns as they like: find the id column by its name.
    let at = header
        .split(|b| *b == b';')
        .position(|f| f.trim_ascii().trim_ascii_start() == b"Hendelsesnummer")
        .expect("a Hendelsesnummer column");
    let id = |line: &[u8]| line.split(|b| *b == b';').nth(at).map(<[u8]>::to_vec);
    let mut dropped: Vec<Vec<u8>> = Vec::new();
    for line in lines {
        let this = id(line);
        if dropped.len() < 2 && this.as_ref().is_some_and(|i| !dropped.contains(i)) {
            dropped.push(this.clone().unwrap());
        }
        if !this.is_some_and(|i| dropped.contains(&i)) {
            kept.extend_from_slice(line);
        }
    }
    std::fs::write(out, kept).unwrap();
}

/// KKN and OSL, January 2023 to March 2024 (so March 2024 has a last year), ingested; then
/// KKN's March 2024 again without two incidents (a resubmission).
fn build_world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let months = MonthRange::new("2023-01".parse().unwrap(), "2024-03".parse().unwrap()).unwrap();
    let (data, out) = common::synth_and_ingest(dir.path(), months, 0.05, 15, KEY);
    let before = Catalog::open(&data.catalog_path()).unwrap().latest_data_version().unwrap();
    // Released before and after the resubmission (so both versions are public).
    let state = AppState::new(data.clone(), Config::default()).unwrap().with_key(KEY.to_vec());
    akutt_server::release::create(&state, "2024-03", None, "").unwrap();
    let resubmitted = dir.path().join("KKN-2024-03-resubmitted.csv");
    without_two_incidents(&out.join("extracts/KKN-2024-03.csv"), &resubmitted);
    let outcome = akutt_ingest::ingest(&data, KEY, &resubmitted, |_, _| {}).unwrap();
    assert!(outcome.accepted, "{}", outcome.report.to_text());
    let after = Catalog::open(&data.catalog_path()).unwrap().latest_data_version().unwrap();
    assert_eq!(after, before + 1);
    akutt_server::release::create(&state, "2024-03", None, "KKN 2024-03 resubmitted").unwrap();
    let state = Arc::new(AppState::new(data, Config::default()).unwrap().with_key(KEY.to_vec()));
    World { _dir: dir, state, before, after }
}

/// The public figures of `/api/indicators?{query}`.
async fn public(query: &str) -> Vec<Value> {
    let res = app(world().state.clone())
        .oneshot(HttpRequest::get(format!("/api/indicators?{query}")).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{query}");
    let v: Value =
        serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
    v["indicators"].as_array().unwrap().clone()
}

/// The exact figures of the same request (what the restricted area and the CLI see).
fn exact(query: &str) -> Vec<Value> {
    let params: BTreeMap<&str, &str> =
        query.split('&').filter_map(|kv| kv.split_once('=')).collect();
    let raw = RawRequest {
        from: params.get("from").copied(),
        to: params.get("to").copied(),
        centre: params.get("centre").copied(),
        by: params.get("by").copied().into_iter().collect(),
        filters: params.get("where").copied().into_iter().collect(),
        indicators: params.get("indicator").copied().into_iter().collect(),
        as_of: params.get("as_of").map(|v| v.parse().unwrap()),
        structure: params.get("structure").copied(),
    };
    let req = Request::parse(&raw).unwrap();
    let data = &world().state.data;
    let catalog = Catalog::open_read_only(&data.catalog_path()).unwrap();
    let (dataset, _) = akutt_store::facts::load_dataset(data, &catalog, req.as_of, None).unwrap();
    compute_only(&dataset, &req.query, None, &req.indicators)
        .iter()
        .map(|f| serde_json::to_value(f).unwrap())
        .collect()
}

/// Figures by indicator and group.
fn by_cell(figures: &[Value]) -> BTreeMap<String, Value> {
    figures.iter().map(|f| (format!("{}{}", f["id"], f["group"]), f.clone())).collect()
}

/// Every count a public figure carries, by name.
fn counts(f: &Value) -> Vec<(&'static str, Option<u64>)> {
    ["contacts", "incidents", "missions", "road_missions", "air_missions", "n", "n_missing"]
        .into_iter()
        .chain(["within"])
        .filter(|k| f.get(*k).is_some())
        .map(|k| (k, f[k].as_u64()))
        .collect()
}

/// How often an attacker's arithmetic landed on the exact hidden value.
#[derive(Debug, Default)]
struct Landing {
    tries: usize,
    hits: usize,
}

impl Landing {
    fn record(&mut self, derived: i64, truth: i64) {
        self.tries += 1;
        self.hits += usize::from(derived == truth);
    }

    fn rate(&self) -> f64 {
        self.hits as f64 / self.tries.max(1) as f64
    }
}

#[tokio::test]
async fn no_public_count_is_1_to_4_in_any_attack_query() {
    let w = world();
    let queries = [
        "from=2024-01&to=2024-03&by=kommune&indicator=volume".to_string(),
        "from=2024-03&to=2024-03&by=kommune,urgency,hendelsestype".to_string(),
        "from=2024-03&to=2024-03&by=centre,urgency&where=area:rural".to_string(),
        "from=2023-01&to=2024-03&by=month,centre,urgency".to_string(),
        format!("from=2024-03&to=2024-03&by=kommune,urgency&as_of={}", w.before),
        format!("from=2024-03&to=2024-03&by=kommune,urgency&as_of={}", w.after),
    ];
    let (mut cells, mut withheld) = (0, 0);
    for q in &queries {
        for f in public(q).await {
            for (name, v) in counts(&f) {
                cells += 1;
                match v {
                    Some(n) => assert!(n == 0 || n >= 5, "{q}: {name} = {n} in {f}"),
                    None => {
                        withheld += 1;
                        assert!(
                            f["status"][name] == ":" || f["status"][name] == "..",
                            "{q}: {name} without a status in {f}"
                        );
                    }
                }
            }
        }
    }
    assert!(withheld > 0 && cells > 1000, "{withheld} withheld of {cells}");
}

#[tokio::test]
async fn overlapping_periods_do_not_give_a_month_back() {
    // March by municipality = (January–March) − (January–February), for every count.
    let q = |to: &str| {
        format!("from=2024-01&to={to}&by=kommune,urgency,hendelsestype&indicator=volume")
    };
    let (long, short) =
        (by_cell(&public(&q("2024-03")).await), by_cell(&public(&q("2024-02")).await));
    let march = by_cell(&exact(
        "from=2024-03&to=2024-03&by=kommune,urgency,hendelsestype&indicator=volume",
    ));
    let mut small = Landing::default();
    let mut any = Landing::default();
    for (cell, truth) in &march {
        let (Some(a), Some(b)) = (long.get(cell), short.get(cell)) else { continue };
        for field in ["incidents", "contacts", "missions"] {
            let (Some(x), Some(y), Some(t)) =
                (a[field].as_i64(), b[field].as_i64(), truth[field].as_i64())
            else {
                continue;
            };
            any.record(x - y, t);
            if (1..5).contains(&t) {
                small.record(x - y, t);
            }
        }
    }
    eprintln!(
        "overlapping periods: the difference equals the exact March count in {}/{} cells \
         ({:.0} %), {}/{} of the counts 1-4",
        any.hits,
        any.tries,
        100.0 * any.rate(),
        small.hits,
        small.tries
    );
    assert!(any.tries >= 40 && small.tries >= 5, "{any:?} {small:?}: too few cells to judge");
    // Two independent noises of variance 2: equal about a fifth of the time, never always.
    assert!(any.rate() < 0.5 && small.rate() < 0.6, "{any:?} {small:?}");
}

#[tokio::test]
async fn a_cell_asked_alone_equals_the_cell_in_its_table() {
    let table = public("from=2024-03&to=2024-03&by=kommune,urgency&indicator=volume").await;
    let mut checked = 0;
    for f in table.iter().filter(|f| f["group"]["kommune"].is_string()).take(40) {
        let (k, u) = (f["group"]["kommune"].as_str().unwrap(), &f["group"]["urgency"]);
        let Some(u) = u.as_str() else { continue };
        let alone = public(&format!(
            "from=2024-03&to=2024-03&where=kommune:{k},urgency:{u}&indicator=volume"
        ))
        .await;
        assert_eq!(alone.len(), 1);
        for field in ["contacts", "incidents", "missions", "road_missions", "air_missions"] {
            assert_eq!(alone[0][field], f[field], "{k}/{u} {field}");
        }
        checked += 1;
    }
    assert!(checked >= 10, "{checked}");
    // And the line total: a hidden cell is not the total minus the shown ones, for sure.
    let totals = by_cell(&public("from=2024-03&to=2024-03&by=kommune&indicator=volume").await);
    let truth = by_cell(&exact("from=2024-03&to=2024-03&by=kommune,urgency&indicator=volume"));
    let mut landing = Landing::default();
    for total in totals.values() {
        let k = &total["group"]["kommune"];
        let line: Vec<&Value> = table.iter().filter(|f| &f["group"]["kommune"] == k).collect();
        let hidden: Vec<&&Value> = line.iter().filter(|f| f["incidents"].is_null()).collect();
        let (Some(t), [cell]) = (total["incidents"].as_i64(), hidden.as_slice()) else { continue };
        let shown: i64 = line.iter().filter_map(|f| f["incidents"].as_i64()).sum();
        let exact_cell = &truth[&format!("{}{}", cell["id"], cell["group"])];
        landing.record(t - shown, exact_cell["incidents"].as_i64().unwrap());
    }
    eprintln!(
        "line total minus the shown cells equals the hidden cell in {}/{} lines",
        landing.hits, landing.tries
    );
    assert!(landing.tries == 0 || landing.hits < landing.tries, "{landing:?}");
}

#[tokio::test]
async fn last_years_change_gives_only_last_years_published_count() {
    let now = public("from=2024-03&to=2024-03&by=kommune&indicator=volume").await;
    let then = by_cell(&public("from=2023-03&to=2023-03&by=kommune&indicator=volume").await);
    let then_exact = by_cell(&exact("from=2023-03&to=2023-03&by=kommune&indicator=volume"));
    let (mut published, mut small_exact) = (0, 0);
    for f in &now {
        let cell = format!("{}{}", f["id"], f["group"]);
        let (Some(n), Some(change)) =
            (f["incidents"].as_f64(), f["change_vs_last_year"]["incidents"].as_f64())
        else {
            continue;
        };
        published += 1;
        // incidents = last × (1 + change): what last year's count was, to the reader.
        #[expect(clippy::cast_possible_truncation, reason = "a count of a month, far below 2^53")]
        let derived = (n / (1.0 + change)).round() as i64;
        let last = then[&cell]["incidents"].as_i64().expect("a change needs last year published");
        assert!((derived - last).abs() <= 1, "{cell}: {derived} vs {last}");
        assert!(last >= 5, "{cell}: a change revealed a small count {last}");
        let exact_last = then_exact.get(&cell).and_then(|e| e["incidents"].as_i64()).unwrap_or(0);
        if (1..5).contains(&exact_last) {
            small_exact += 1;
            assert_ne!(derived, exact_last, "{cell}: the change gave last year's exact count");
        }
    }
    eprintln!(
        "change vs last year: {published} published, {small_exact} over an exact count of 1-4"
    );
    assert!(published >= 10, "{published}");
}

#[tokio::test]
async fn two_data_versions_do_not_show_the_withdrawn_incidents() {
    let w = world();
    let (mut landing, mut unchanged, mut changed) = (Landing::default(), 0, 0);
    for by in ["centre", "kommune", "urgency", "kommune,urgency", "kommune,urgency,hendelsestype"] {
        let q = |v: i64| format!("from=2024-03&to=2024-03&by={by}&indicator=volume&as_of={v}");
        let (a, b) = (by_cell(&public(&q(w.before)).await), by_cell(&public(&q(w.after)).await));
        let (ea, eb) = (by_cell(&exact(&q(w.before))), by_cell(&exact(&q(w.after))));
        for (cell, exact_before) in &ea {
            let exact_after = eb.get(cell).and_then(|f| f["incidents"].as_i64()).unwrap_or(0);
            let lost = exact_before["incidents"].as_i64().unwrap() - exact_after;
            let (Some(x), Some(y)) = (
                a.get(cell).and_then(|f| f["incidents"].as_i64()),
                b.get(cell).and_then(|f| f["incidents"].as_i64()),
            ) else {
                continue;
            };
            if lost == 0 {
                // The same incidents: the same published value in both versions.
                assert_eq!(x, y, "{by} {cell}: unchanged cell moved");
                unchanged += 1;
            } else {
                changed += 1;
                landing.record(x - y, lost);
            }
        }
    }
    eprintln!(
        "data versions: {}/{} changed cells show exactly the withdrawn count; {unchanged} \
         unchanged cells identical",
        landing.hits, landing.tries
    );
    assert!(changed >= 2 && unchanged > 20, "{changed} {unchanged}");
    assert!(landing.hits < landing.tries, "{landing:?}");
}

#[tokio::test]
async fn national_totals_move_by_at_most_the_bound_and_large_groups_keep_their_times() {
    for m in ["2023-06", "2024-01", "2024-03"] {
        let q = format!("from={m}&to={m}");
        let (p, e) = (by_cell(&public(&q).await), by_cell(&exact(&q)));
        assert_eq!(p.len(), e.len());
        for (cell, t) in &e {
            let f = &p[cell];
            for (name, exact_n) in counts(t) {
                let y = exact_n.unwrap();
                match f[name].as_u64() {
                    Some(x) => assert!(x.abs_diff(y) <= 3, "{cell} {name}: {x} vs exact {y}"),
                    // Withheld only where noise of at most 3 can take it under 5.
                    None => assert!((1..8).contains(&y), "{cell} {name}: {y} withheld in {f}"),
                }
            }
        }
    }
    // The reaction time by urgency: every group whose n cannot fall under the threshold
    // shows its exact median (no secondary suppression because another group is small).
    let q = "from=2024-01&to=2024-03&indicator=amk_reaction_time";
    let (p, e) = (by_cell(&public(q).await), by_cell(&exact(q)));
    let mut shown = 0;
    for (cell, t) in &e {
        if t["n"].as_u64().unwrap() >= 8 {
            assert_eq!(p[cell]["median_s"], t["median_s"], "{cell}");
            assert_eq!(p[cell]["p90_s"], t["p90_s"], "{cell}");
            shown += 1;
        }
    }
    assert!(shown >= 2, "{shown}");
}

#[tokio::test]
async fn a_server_without_the_key_publishes_nothing() {
    let state = Arc::new(
        AppState::new(DataDir::open(world().state.data.root()).unwrap(), Config::default())
            .unwrap(),
    );
    for uri in ["/api/indicators?from=2024-03&to=2024-03", "/api/benchmark"] {
        let res = app(state.clone())
            .oneshot(HttpRequest::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "{uri}");
        let body = res.into_body().collect().await.unwrap().to_bytes();
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"]["code"], "publication_unavailable", "{uri}");
        assert!(!String::from_utf8_lossy(&body).contains("incidents"), "{uri}");
    }
}

#[tokio::test]
async fn a_release_lists_the_public_figures_its_resubmission_changed() {
    let w = world();
    let catalog = Catalog::open_read_only(&w.state.data.catalog_path()).unwrap();
    let releases = catalog.releases().unwrap();
    assert_eq!(releases.len(), 2);
    assert_eq!((releases[0].data_version, releases[1].data_version), (w.before, w.after));
    assert_eq!(releases[0].changes, "[]", "the first release changes nothing");
    let changes: Vec<Value> = serde_json::from_str(&releases[1].changes).unwrap();
    assert!(!changes.is_empty());
    // Each change is the public figure of one release against the other's.
    let q = |v: i64| format!("from=2023-01&to=2024-03&by=centre,month&as_of={v}");
    let (old, new) = (public(&q(w.before)).await, public(&q(w.after)).await);
    let field = |figs: &[Value], c: &Value, field: &str| -> Value {
        let f = figs.iter().find(|f| f["id"] == c["indicator"] && f["group"] == c["group"]);
        let Some(f) = f else { return Value::Null };
        match field.split_once('.') {
            Some((a, b)) => f[a][b].clone(),
            None => f[field].clone(),
        }
    };
    for c in &changes {
        let f = c["field"].as_str().unwrap();
        assert_eq!(c["old"], field(&old, c, f), "{c}");
        assert_eq!(c["new"], field(&new, c, f), "{c}");
        assert_ne!(c["old"], c["new"], "{c}");
        // Only KKN's resubmitted month moved (and what counts it: KKN's March, a year on).
        assert_eq!(c["group"]["centre"], "KKN", "{c}");
    }
    let incidents = changes.iter().find(|c| {
        c["indicator"] == "volume" && c["group"]["month"] == "2024-03" && c["field"] == "incidents"
    });
    assert!(incidents.is_some(), "{changes:?}");
    // The revision note of release 2's reports lists them, the first 50 in its table.
    let res = app(w.state.clone())
        .oneshot(HttpRequest::get("/rapporter/2/2023").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html =
        String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert!(html.contains(&format!("{} publiserte tall er endret", changes.len())), "{html}");
    let listed = common::table_rows(&html, "revisions");
    assert_eq!(listed.len(), changes.len().min(50) + 1, "{listed:?}");
    assert_eq!(listed[1][0], changes[0]["indicator"].as_str().unwrap());
    assert_eq!(listed[1][3], changes[0]["old"].to_string());
    // A release never changes.
    let c = rusqlite::Connection::open(w.state.data.catalog_path()).unwrap();
    let e = c.execute("UPDATE releases SET through = '2030-01' WHERE id = 1", []).unwrap_err();
    assert!(e.to_string().contains("immutable"), "{e}");
    assert!(c.execute("DELETE FROM releases", []).is_err());
}

#[tokio::test]
async fn before_a_release_nothing_is_public() {
    let dir = tempfile::tempdir().unwrap();
    let state = Arc::new(
        AppState::new(DataDir::open(dir.path().join("data")).unwrap(), Config::default())
            .unwrap()
            .with_key(KEY.to_vec()),
    );
    let get = |uri: &'static str| {
        let state = state.clone();
        async move {
            let res = app(state)
                .oneshot(HttpRequest::get(uri).body(Body::empty()).unwrap())
                .await
                .unwrap();
            let s = res.status();
            (
                s,
                String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
                    .unwrap(),
            )
        }
    };
    for uri in [
        "/api/indicators?from=2024-03&to=2024-03",
        "/data/indikatorer.json?from=2024-03&to=2024-03",
        "/api/benchmark",
    ] {
        let (s, body) = get(uri).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{uri}");
        assert!(body.contains("\"nothing_released\""), "{uri}: {body}");
    }
    for uri in ["/", "/kart", "/sammenligning", "/sentral/OSL"] {
        let (s, body) = get(uri).await;
        assert_eq!(s, StatusCode::OK, "{uri}");
        assert!(body.contains("id=\"nothing-released\""), "{uri}: {body}");
    }
}
