//! The municipality map: the boundaries of the 2020 and the 2024 structure
//! (`data/kommuner-2020.geojson`, `data/kommuner-2024.geojson`, Kartverket, CC BY 4.0), or
//! those the registry loaded for a structure (`akutt municipalities load-boundaries`),
//! projected once each to SVG paths, then coloured per request as a choropleth in the
//! answer's structure (DOMAIN.md §8 "Geography through time").

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use maud::{html, Markup};
use serde_json::Value;

const GEOJSON_2020: &str = include_str!("../../../data/kommuner-2020.geojson");
const GEOJSON_2024: &str = include_str!("../../../data/kommuner-2024.geojson");

/// One municipality's outline as an SVG path, in a 1000-unit-wide frame.
pub struct Shape {
    pub number: String,
    pub name: String,
    pub path: String,
}

/// Width and height of the frame.
pub const WIDTH: f64 = 1000.0;

/// A structure's projected shapes and the frame height.
pub type Shapes = Arc<(Vec<Shape>, f64)>;

/// The shipped shapes of a structure (by its year); `None` for a structure without shipped
/// boundaries (one loaded later: see [`crate::AppState::shapes`]).
pub fn shipped(structure: i32) -> Option<Shapes> {
    static SHAPES_2020: OnceLock<Shapes> = OnceLock::new();
    static SHAPES_2024: OnceLock<Shapes> = OnceLock::new();
    match structure {
        2020 => Some(SHAPES_2020.get_or_init(|| Arc::new(project(GEOJSON_2020))).clone()),
        2024 => Some(SHAPES_2024.get_or_init(|| Arc::new(project(GEOJSON_2024))).clone()),
        _ => None,
    }
}

/// Projects a GeoJSON collection (equirectangular, x scaled by cos 65°, which keeps
/// Norway's proportions within a few per cent). The name is `navn` or `kommunenavn`.
pub fn project(geojson: &str) -> (Vec<Shape>, f64) {
    {
        let doc: Value = serde_json::from_str(geojson).unwrap_or(Value::Null);
        let features = doc["features"].as_array().cloned().unwrap_or_default();
        let k = 65f64.to_radians().cos();
        let polygons = |g: &Value| -> Vec<Value> {
            match g["type"].as_str() {
                Some("Polygon") => vec![g["coordinates"].clone()],
                Some("MultiPolygon") => g["coordinates"].as_array().cloned().unwrap_or_default(),
                _ => Vec::new(),
            }
        };
        let (mut minx, mut maxx, mut miny, mut maxy) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for f in &features {
            for p in polygons(&f["geometry"]) {
                for ring in p.as_array().into_iter().flatten() {
                    for pt in ring.as_array().into_iter().flatten() {
                        let (x, y) =
                            (pt[0].as_f64().unwrap_or(0.0) * k, pt[1].as_f64().unwrap_or(0.0));
                        (minx, maxx, miny, maxy) =
                            (minx.min(x), maxx.max(x), miny.min(y), maxy.max(y));
                    }
                }
            }
        }
        let scale = WIDTH / (maxx - minx).max(1e-9);
        let height = (maxy - miny) * scale;
        let shapes = features
            .iter()
            .map(|f| {
                let mut path = String::new();
                for p in polygons(&f["geometry"]) {
                    for ring in p.as_array().into_iter().flatten() {
                        for (i, pt) in ring.as_array().into_iter().flatten().enumerate() {
                            let x = (pt[0].as_f64().unwrap_or(0.0) * k - minx) * scale;
                            let y = (maxy - pt[1].as_f64().unwrap_or(0.0)) * scale;
                            path.push_str(&format!(
                                "{}{x:.1} {y:.1}",
                                if i == 0 { "M" } else { "L" }
                            ));
                        }
                        path.push('Z');
                    }
                }
                Shape {
                    number: f["properties"]["kommunenummer"].as_str().unwrap_or("").to_string(),
                    name: f["properties"]["navn"]
                        .as_str()
                        .or(f["properties"]["kommunenavn"].as_str())
                        .unwrap_or("")
                        .to_string(),
                    path,
                }
            })
            .collect();
        (shapes, height)
    }
}

/// Five sequential colours, light to dark.
const PALETTE: [&str; 5] = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];

/// A choropleth: `values` by municipality number (`None` = withheld or no data), class
/// breaks at the quintiles of the values shown; the SVG and its legend.
pub fn choropleth(
    (shapes, height): &(Vec<Shape>, f64),
    values: &HashMap<String, Option<f64>>,
    title: &str,
    format: impl Fn(f64) -> String,
) -> Markup {
    let mut sorted: Vec<f64> = values.values().flatten().copied().collect();
    sorted.sort_by(f64::total_cmp);
    let breaks: Vec<f64> =
        (1..5).map(|q| sorted.get(q * sorted.len() / 5).copied().unwrap_or(0.0)).collect();
    let class = |v: f64| breaks.iter().position(|b| v < *b).unwrap_or(4);
    // Each class's range (low – high), for the legend.
    let mut ranges = Vec::new();
    let mut lo = sorted.first().copied();
    for (i, c) in PALETTE.iter().enumerate() {
        let hi = breaks.get(i).copied().or(sorted.last().copied());
        if let (Some(a), Some(b)) = (lo, hi) {
            ranges.push((*c, format(a), format(b)));
        }
        lo = hi;
    }
    html! {
        svg viewBox={ "0 0 " (WIDTH) " " (format!("{height:.0}")) } role="img" aria-label=(title) class="map" {
            title { (title) }
            defs {
                pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" {
                    path d="M0 6L6 0" stroke="#999" {}
                }
            }
            @for s in shapes {
                @let v = values.get(&s.number).copied().flatten();
                path d=(s.path) fill=(v.map_or("url(#hatch)", |v| PALETTE[class(v)])) stroke="#555" stroke-width="0.3" data-kommune=(s.number) {
                    title { (s.name) " (" (s.number) "): " (v.map_or(": / ..".to_string(), &format)) }
                }
            }
        }
        p.legend {
            @for (c, a, b) in &ranges {
                span {
                    svg width="14" height="14" { rect width="14" height="14" fill=(c) stroke="#555" {} }
                    " " (a) " – " (b)
                }
                " "
            }
            span {
                svg width="14" height="14" { rect width="14" height="14" fill="#ddd" stroke="#555" {} }
                " : / .."
            }
        }
    }
}
