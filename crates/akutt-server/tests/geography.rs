//! A ten-year synthetic world (2020–2029, all 16 centres) across the 2024 municipality
//! reform, served: the public figures by municipality and year, their population rates and
//! the map are continuous across 1 January 2024 in either structure (DOMAIN.md §8,
//! "Geography through time"): no municipality drops to zero in 2024 while its successor
//! appears, and a split number counts in its largest successor, with a note.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use akutt_model::municipality::Register;
use akutt_model::MonthRange;
use akutt_server::{app, AppState, Config};
use akutt_store::DataDir;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;

mod common;
use serde_json::Value;
use tower::ServiceExt;

const YEARS: std::ops::RangeInclusive<i32> = 2020..=2029;

struct World {
    _dir: tempfile::TempDir,
    state: Arc<AppState>,
    /// Synthetic population per (municipality number, year), as the world wrote it (each
    /// year in that year's structure).
    population: HashMap<(String, i32), f64>,
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("world");
        let cfg = akutt_synth::Config {
            out: out.clone(),
            months: MonthRange::new("2020-01".parse().unwrap(), "2029-12".parse().unwrap())
                .unwrap(),
            centres: None,
            scale: 0.01,
            seed: 16,
            error_rate: 0.0,
            response_step: None,
        };
        let summary = akutt_synth::generate(&cfg, &|_| {}).unwrap();
        let data = DataDir::open(dir.path().join("data")).unwrap();
        for m in &summary.mappings {
            let centre = m.trim_start_matches("mappings/mapping-").trim_end_matches(".csv");
            akutt_ingest::load_mappings(&data, &out.join(m), centre).unwrap();
        }
        for f in &summary.files {
            let report =
                akutt_ingest::ingest(&data, b"test key", &out.join(&f.path), |_, _| {}).unwrap();
            assert!(report.accepted, "{} was not accepted", f.path);
        }
        akutt_ingest::load_population(&data, &out.join("population.csv")).unwrap();
        let population = read_population(&out.join("population.csv"));
        let state = Arc::new(
            AppState::new(data, Config { synthetic: true, ..Config::default() })
                .unwrap()
                .with_key(b"test key".to_vec()),
        );
        akutt_server::release::create(&state, "2029-12", None, "").unwrap();
        World { _dir: dir, state, population }
    })
}

fn read_population(path: &Path) -> HashMap<(String, i32), f64> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(';').collect();
            ((f[0].to_string(), f[1].parse().unwrap()), f[2].parse().unwrap())
        })
        .collect()
}

async fn get(uri: &str) -> String {
    let res = app(world().state.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{uri}");
    String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
}

/// One year's volume figure of one municipality, as the public API gives it.
#[derive(Debug, Clone, Copy)]
struct Cell {
    /// `None`: withheld (1–4).
    incidents: Option<u64>,
    incidents_per_1000: Option<f64>,
    missions_per_1000: Option<f64>,
}

/// The API's volume by municipality and year over the ten years, in `structure`.
async fn volumes(structure: i32) -> (BTreeMap<(String, i32), Cell>, Vec<String>) {
    let v: Value = serde_json::from_str(
        &get(&format!(
            "/api/indicators?from=2020-01&to=2029-12&by=kommune,year&indicator=volume&structure={structure}"
        ))
        .await,
    )
    .unwrap();
    assert_eq!(v["structure"], structure);
    let mut cells = BTreeMap::new();
    for f in v["indicators"].as_array().unwrap() {
        let kommune = f["group"]["kommune"].as_str().unwrap().to_string();
        let year = i32::try_from(f["group"]["year"].as_i64().unwrap()).unwrap();
        cells.insert(
            (kommune, year),
            Cell {
                incidents: f["incidents"].as_u64(),
                incidents_per_1000: f["per_1000"]["incidents"].as_f64(),
                missions_per_1000: f["per_1000"]["missions"].as_f64(),
            },
        );
    }
    let notes = v["notes"].as_array().unwrap().iter().map(|n| n.to_string()).collect();
    (cells, notes)
}

/// The map of one year: fill and table value per municipality drawn.
async fn map(year: i32, structure: i32) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let html =
        get(&format!("/kart?from={year}-01&to={year}-12&measure=per1000&structure={structure}"))
            .await;
    let mut fills = BTreeMap::new();
    for tag in html.split("<path d=").skip(1) {
        let attr = |name: &str| {
            let start = tag.find(&format!("{name}=\"")).map(|i| i + name.len() + 2)?;
            tag[start..].split('"').next().map(str::to_string)
        };
        if let (Some(k), Some(fill)) = (attr("data-kommune"), attr("fill")) {
            fills.insert(k, fill);
        }
    }
    let mut table = BTreeMap::new();
    for row in html.split("<tr><td>").skip(1) {
        let mut cells = row.split("</td><td>");
        let (Some(place), Some(value)) = (cells.next(), cells.next()) else { continue };
        let number = place.split(' ').next().unwrap_or("");
        if number.len() == 4 && number.bytes().all(|b| b.is_ascii_digit()) {
            table.insert(number.to_string(), value.split('<').next().unwrap_or("").to_string());
        }
    }
    (fills, table)
}

/// The municipalities of `structure` big enough to have incidents every year (expected
/// 25 a year or more at the world's national rate), by the synthetic population of 2024
/// (2024 structure) or 2023 (2020 structure).
fn big_places(structure: i32, cells: &BTreeMap<(String, i32), Cell>) -> BTreeSet<String> {
    let w = world();
    let year = if structure == 2024 { 2024 } else { 2023 };
    let national_pop: f64 =
        w.population.iter().filter(|((_, y), _)| *y == year).map(|(_, p)| p).sum();
    let national_incidents: u64 =
        cells.iter().filter(|((_, y), _)| *y == year).filter_map(|(_, c)| c.incidents).sum();
    let per_inhabitant = national_incidents as f64 / national_pop;
    w.population
        .iter()
        .filter(|((_, y), p)| *y == year && **p * per_inhabitant >= 25.0)
        .map(|((k, _), _)| k.clone())
        .collect()
}

fn check_continuity(structure: i32, cells: &BTreeMap<(String, i32), Cell>) -> BTreeSet<String> {
    let register = Register::standard();
    let s = register.structure(structure).unwrap();
    // Every municipality of the answer is one of the structure's, in every year.
    for (k, y) in cells.keys() {
        assert!(s.contains(k), "{k} ({y}) is not a municipality of the {structure} structure");
    }
    // A split's smaller successors (Haram 1580) hold nothing before the split: the split
    // number counts in its largest successor (DOMAIN.md §8). Found by the round trip
    // through the other structure; checked by the callers.
    let other = register.structures().iter().find(|o| o.year != structure).unwrap();
    let smaller_successor = |k: &str| {
        let back = register.translate(k, other).unwrap().number;
        register.translate(&back, s).unwrap().number != k
    };
    let big: BTreeSet<String> =
        big_places(structure, cells).into_iter().filter(|k| !smaller_successor(k)).collect();
    assert!(big.len() >= 40, "only {} places are big enough: {big:?}", big.len());
    // Big places in each county the reform changed (Østfold … Finnmark; in 2020 Viken,
    // Vestfold og Telemark, Troms og Finnmark).
    let prefixes: &[&str] = if structure == 2024 {
        &["31", "32", "33", "39", "40", "55", "56"]
    } else {
        &["30", "38", "54"]
    };
    for p in prefixes {
        assert!(big.iter().any(|k| k.starts_with(p)), "no big place in county {p}: {big:?}");
    }
    for k in &big {
        let series: Vec<Cell> = YEARS
            .map(|y| {
                cells.get(&(k.clone(), y)).copied().unwrap_or_else(|| {
                    panic!("{k} has no incidents in {y} ({structure} structure)")
                })
            })
            .collect();
        for (y, c) in YEARS.zip(&series) {
            let n = c.incidents.unwrap_or_else(|| panic!("{k} {y}: withheld"));
            assert!(n >= 5, "{k} {y}: {n} incidents");
            assert!(c.incidents_per_1000.is_some(), "{k} {y}: no population rate");
        }
        // Across the reform: the count and the rate of 2024 are of the size of 2023's.
        let (before, after) = (series[3], series[4]);
        let ratio = after.incidents.unwrap() as f64 / before.incidents.unwrap() as f64;
        let rate_ratio = after.incidents_per_1000.unwrap() / before.incidents_per_1000.unwrap();
        for (what, r) in [("incidents", ratio), ("incidents per 1000", rate_ratio)] {
            assert!(
                (0.4..=2.5).contains(&r),
                "{k}: {what} 2024/2023 = {r:.2} ({before:?} → {after:?}, {structure} structure)"
            );
        }
    }
    big
}

#[tokio::test]
async fn ten_years_across_the_2024_reform_are_continuous_in_the_2024_structure() {
    let (cells, notes) = volumes(2024).await;
    let big = check_continuity(2024, &cells);
    // Halden (3001 → 3101) and Tromsø (5401 → 5501) are counted under their 2024 numbers in
    // all ten years, so the old numbers never appear.
    for k in ["3101", "5501"] {
        assert!(big.contains(k), "{k} is big enough to be checked");
    }
    // The split: Ålesund 1507 counts in 1508 (its largest successor) before 2024, so 1508 is
    // continuous and Haram 1580 first appears in 2024; the answer says so.
    assert!(big.contains("1508") && !big.contains("1580"));
    assert!((2020..2024).all(|y| !cells.contains_key(&("1580".to_string(), y))));
    assert!((2024..=2029).any(|y| cells.contains_key(&("1580".to_string(), y))));
    assert!(notes.iter().any(|n| n.contains("1507") && n.contains("1508")), "{notes:?}");
    // The map of a year with 1507 in it says so too, in the page's language.
    let no = get("/kart?from=2023-01&to=2023-12&measure=per1000").await;
    assert!(no.contains("Merk: 1507 ble delt; registreringene og folketallet telles i 1508"));
    let en = get("/kart?from=2023-01&to=2023-12&measure=per1000&lang=en").await;
    assert!(en.contains("Note: 1507 was split; its records and population are counted in 1508"));
    let after = get("/kart?from=2025-01&to=2025-12&measure=per1000").await;
    assert!(!after.contains("1507 ble delt"), "no 1507 records in 2025, no note");

    // The map of each year is drawn in the 2024 structure and colours every big place; its
    // table gives the API's rate.
    for y in YEARS {
        let (fills, table) = map(y, 2024).await;
        assert_eq!(fills.len(), 357, "{y}");
        for k in &big {
            assert_ne!(fills[k], "url(#hatch)", "{k} is hatched on the map of {y}");
            let shown: f64 = table[k].parse().unwrap_or_else(|_| panic!("{k} {y}: {}", table[k]));
            let api = cells[&(k.clone(), y)].missions_per_1000.unwrap();
            assert!((shown - api).abs() <= 0.051, "{k} {y}: map {shown}, API {api}");
        }
    }
}

#[tokio::test]
async fn ten_years_across_the_2024_reform_are_continuous_in_the_2020_structure() {
    let (cells, notes) = volumes(2020).await;
    let big = check_continuity(2020, &cells);
    // Halden and Tromsø under their 2020 numbers in all ten years; Ålesund's two successors
    // count together in 1507 again, so no note is needed.
    for k in ["3001", "5401", "1507"] {
        assert!(big.contains(k), "{k} is big enough to be checked");
    }
    assert!(notes.is_empty(), "{notes:?}");
    for y in [2023, 2024] {
        let (fills, _) = map(y, 2020).await;
        assert_eq!(fills.len(), 356, "{y}");
        assert!(!fills.contains_key("3101"));
        for k in &big {
            assert_ne!(fills[k], "url(#hatch)", "{k} is hatched on the 2020 map of {y}");
        }
    }
}

/// A next reform with its boundaries loaded as data: the map draws it.
#[tokio::test]
async fn a_loaded_structure_is_drawn_from_its_loaded_boundaries() {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::open(dir.path().join("data")).unwrap();
    // 2028: Bærum 3201 and Lillestrøm 3205 merge into 3299 Nye Bærum.
    let register = Register::standard();
    let mut codes = String::from("code;name\n");
    for m in &register.newest().unwrap().municipalities {
        if m.number != "3201" && m.number != "3205" {
            codes += &format!("{};{}\n", m.number, m.name);
        }
    }
    codes += "3299;Nye Bærum\n";
    let file = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let from = "2028-01-01".parse().unwrap();
    akutt_ingest::load_municipality_file(&data, &file("k2028.csv", &codes), Some(2028), from)
        .unwrap();
    let changes = "oldCode;newCode\n3201;3299\n3205;3299\n";
    akutt_ingest::load_municipality_file(&data, &file("c2028.csv", changes), None, from).unwrap();
    let state = Arc::new(
        AppState::new(data.clone(), Config::default()).unwrap().with_key(b"test key".to_vec()),
    );
    akutt_server::release::create(&state, "2024-12", None, "").unwrap();
    let page = |state: &Arc<AppState>, uri: &str| {
        let (state, uri) = (state.clone(), uri.to_string());
        async move {
            let res =
                app(state).oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
        }
    };
    // Before the boundaries: the newest structure is 2028, drawn as a table only.
    let before = page(&state, "/kart?from=2024-01&to=2024-12").await;
    assert!(before.contains("Ingen kartgrenser for kommunestrukturen 2028"), "{before}");
    assert!(!before.contains("data-kommune="));

    // The 2024 boundaries with the two merged into one MultiPolygon.
    let mut doc: Value =
        serde_json::from_str(include_str!("../../../data/kommuner-2024.geojson")).unwrap();
    let features = doc["features"].as_array_mut().unwrap();
    let mut merged = Vec::new();
    features.retain(|f| {
        let n = f["properties"]["kommunenummer"].as_str().unwrap();
        if n == "3201" || n == "3205" {
            let g = &f["geometry"];
            match g["type"].as_str().unwrap() {
                "Polygon" => merged.push(g["coordinates"].clone()),
                _ => merged.extend(g["coordinates"].as_array().unwrap().iter().cloned()),
            }
            return false;
        }
        true
    });
    features.push(serde_json::json!({
        "type": "Feature",
        "properties": {"kommunenummer": "3299", "kommunenavn": "Nye Bærum"},
        "geometry": {"type": "MultiPolygon", "coordinates": merged},
    }));
    let geojson = file("k2028.geojson", &doc.to_string());
    // The shipped 2024 file does not fit 2028, and says why.
    let wrong = file("k2024.geojson", include_str!("../../../data/kommuner-2024.geojson"));
    let e = akutt_ingest::load_boundaries(&data, &wrong, 2028).unwrap_err().to_string();
    assert!(e.contains("k2024.geojson: feature ") && e.contains("is not in structure 2028"), "{e}");
    let (_, b) = akutt_ingest::load_boundaries(&data, &geojson, 2028).unwrap();
    assert_eq!(b.municipalities, 356);

    let after = page(&state, "/kart?from=2024-01&to=2024-12").await;
    assert_eq!(
        after.matches("<path d=").count() - after.matches("<path d=\"M0 6L6 0\"").count(),
        356
    );
    assert!(after.contains("data-kommune=\"3299\"") && !after.contains("data-kommune=\"3201\""));
    assert!(after.contains("Nye Bærum"));
    // The 2024 structure is still drawn from the shipped boundaries.
    let in_2024 = page(&state, "/kart?from=2024-01&to=2024-12&structure=2024").await;
    assert!(in_2024.contains("data-kommune=\"3201\""));
}

/// Traffic accidents (DOMAIN.md §13): the map of index-criterion chapter 34 per 1000
/// inhabitants shows the API's published rate for the same filter, municipality by
/// municipality, and withholds what the API withholds.
#[tokio::test]
async fn the_traffic_accident_map_is_the_apis_rate_of_chapter_34() {
    let v: Value = serde_json::from_str(
        &get("/api/indicators?from=2025-01&to=2025-12&by=kommune&where=kriteriekapittel:34&indicator=volume").await,
    )
    .unwrap();
    let html = get("/kart?from=2025-01&to=2025-12&measure=traffic").await;
    assert!(html.contains("Trafikkulykker per 1000 innbyggere"), "{html}");
    let rows = common::table_rows(&html, "map-table");
    let mut shown = 0;
    for f in v["indicators"].as_array().unwrap() {
        let k = f["group"]["kommune"].as_str().unwrap();
        let Some(row) = rows.iter().find(|r| r[0].starts_with(&format!("{k} "))) else { continue };
        match f["per_1000"]["incidents"].as_f64() {
            Some(rate) => {
                assert!(row[1].starts_with(&format!("{rate:.1}")), "{k}: {rate} vs {row:?}");
                shown += 1;
            }
            None => assert!(row[1] == ":" || row[1] == "..", "{k}: {row:?}"),
        }
    }
    assert!(shown > 10, "{shown} municipalities with a published rate");
    // Chapter 34 is a subset of all incidents: no rate above the all-incident rate.
    let all: Value = serde_json::from_str(
        &get("/api/indicators?from=2025-01&to=2025-12&by=kommune&indicator=volume").await,
    )
    .unwrap();
    let rate_of = |v: &Value, k: &str| {
        v["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["group"]["kommune"] == k)
            .and_then(|f| f["per_1000"]["incidents"].as_f64())
    };
    for f in v["indicators"].as_array().unwrap() {
        let k = f["group"]["kommune"].as_str().unwrap();
        if let (Some(a), Some(b)) = (rate_of(&v, k), rate_of(&all, k)) {
            assert!(a <= b, "{k}: {a} > {b}");
        }
    }
}
