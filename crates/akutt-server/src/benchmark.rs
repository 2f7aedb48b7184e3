//! The Nordic-American benchmark in public: `GET /api/benchmark` (JSON) and the page
//! `GET /sammenligning`: Norway and NEMSIS side by side, each figure with its definition and
//! the caveats on comparability, after disclosure control (DOMAIN.md §9: a count under the
//! threshold is withheld, and so is every figure computed from it).

use std::sync::Arc;

use akutt_model::Month;
use axum::extract::{Query as QueryParams, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::pages::{esc, layout_page};
use crate::{AppError, AppState};

#[derive(Debug, Default, Deserialize, Clone)]
pub struct BenchmarkParams {
    pub from: Option<String>,
    pub to: Option<String>,
    pub lang: Option<String>,
}

fn month(s: Option<&str>, what: &str) -> Result<Option<Month>, AppError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Month::parse(s)
            .map(Some)
            .map_err(|e| AppError::BadRequest(format!("{what}={s:?}: expected YYYY-MM ({e})"))),
    }
}

/// Withholds what a small count would reveal: a time figure with `n` under the threshold
/// loses its percentiles; a condition count under it loses count and rate.
fn suppress_side(side: &mut Value, threshold: u64) {
    for key in ["call_to_scene", "notified_to_scene"] {
        let f = &mut side[key];
        if f["n"].as_u64().unwrap_or(0) < threshold {
            f["median_s"] = Value::Null;
            f["p90_s"] = Value::Null;
            f["suppressed"] = true.into();
        }
    }
    if let Some(list) = side["conditions"].as_array_mut() {
        for c in list {
            let n = c["incidents"].as_u64().unwrap_or(0);
            if n > 0 && n < threshold {
                c["incidents"] = Value::Null;
                c["per_1000"] = Value::Null;
                c["suppressed"] = true.into();
            }
        }
    }
}

/// The public benchmark as JSON, cached per data version and period.
pub fn public_benchmark(
    state: &AppState,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Value, AppError> {
    let period = akutt_benchmark::Period { from: month(from, "from")?, to: month(to, "to")? };
    let version = state.latest_version()?;
    let key = format!("benchmark\u{1f}{version}\u{1f}{:?}\u{1f}{:?}", period.from, period.to);
    if let Some(b) = state.cached_body(&key) {
        return serde_json::from_slice(&b).map_err(AppError::internal);
    }
    let catalog = state.catalog()?;
    let (no, version) =
        akutt_store::facts::load_benchmark_incidents(&state.data, &catalog, Some(version))?;
    let (us, _) = akutt_store::nemsis::load_nemsis(&state.data, &catalog, Some(version))?;
    let table = akutt_store::facts::condition_table(&state.data)?;
    let b = akutt_benchmark::compute(&no, &us, period, &table);
    let mut v = serde_json::to_value(&b).map_err(AppError::internal)?;
    let threshold = state.config.suppression_threshold;
    suppress_side(&mut v["norway"], threshold);
    suppress_side(&mut v["nemsis"], threshold);
    let ym = |m: Option<Month>| m.map(|m| m.to_string());
    v["data_version"] = version.into();
    v["from"] = json!(ym(period.from));
    v["to"] = json!(ym(period.to));
    v["suppression_threshold"] = threshold.into();
    if state.config.synthetic {
        v["synthetic_norway"] = true.into();
    }
    state.cache_body(key, serde_json::to_vec(&v).map_err(AppError::internal)?.into());
    Ok(v)
}

/// `GET /api/benchmark?from=YYYY-MM&to=YYYY-MM`.
pub async fn api(
    State(state): State<Arc<AppState>>,
    QueryParams(p): QueryParams<BenchmarkParams>,
) -> Result<Response, AppError> {
    let v = tokio::task::spawn_blocking(move || {
        public_benchmark(&state, p.from.as_deref(), p.to.as_deref())
    })
    .await
    .map_err(AppError::internal)??;
    Ok(([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response())
}

fn mmss(v: &Value) -> String {
    match v.as_i64() {
        Some(s) => format!("{}:{:02}", s / 60, s % 60),
        None => "–".into(),
    }
}

fn count(v: &Value) -> String {
    match (v.as_u64(), v.as_f64()) {
        (Some(n), _) => n.to_string(),
        (None, Some(x)) => format!("{x:.1}"),
        _ => "–".into(),
    }
}

/// `GET /sammenligning`: the benchmark page.
pub async fn page(
    State(state): State<Arc<AppState>>,
    QueryParams(p): QueryParams<BenchmarkParams>,
) -> Result<Html<String>, AppError> {
    let en = p.lang.as_deref() == Some("en");
    let t = |nb: &'static str, e: &'static str| if en { e } else { nb };
    let s2 = state.clone();
    let (from, to) = (p.from.clone(), p.to.clone());
    let v =
        tokio::task::spawn_blocking(move || public_benchmark(&s2, from.as_deref(), to.as_deref()))
            .await
            .map_err(AppError::internal)??;
    let (no, us) = (&v["norway"], &v["nemsis"]);
    let mut rows = String::new();
    let mut row = |label: &str, a: String, b: String| {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(label),
            esc(&a),
            esc(&b)
        ))
    };
    row(t("Poster lest", "Records read"), count(&no["records"]), count(&us["records"]));
    row(
        t("Hastehendelser (rød / 911 utrykning)", "Emergency incidents (red / 911 emergent)"),
        count(&no["emergency_incidents"]),
        count(&us["emergency_incidents"]),
    );
    for (key, nb, e) in [
        ("call_to_scene", "Anrop til fremme", "Call to scene"),
        ("notified_to_scene", "Varslet til fremme", "Notified to scene"),
    ] {
        row(
            &format!("{} – median (m:ss)", t(nb, e)),
            mmss(&no[key]["median_s"]),
            mmss(&us[key]["median_s"]),
        );
        row(
            &format!("{} – 90-persentil / p90 (m:ss)", t(nb, e)),
            mmss(&no[key]["p90_s"]),
            mmss(&us[key]["p90_s"]),
        );
        row(
            &format!("{} – n / n_missing", t(nb, e)),
            format!("{} / {}", count(&no[key]["n"]), count(&no[key]["n_missing"])),
            format!("{} / {}", count(&us[key]["n"]), count(&us[key]["n_missing"])),
        );
    }
    let names = [
        ("stemi", "STEMI (mulig hjerteinfarkt)", "STEMI"),
        ("stroke", "Hjerneslag", "Stroke"),
        ("cardiac_arrest", "Hjertestans", "Cardiac arrest"),
    ];
    for (i, (_, nb, e)) in names.iter().enumerate() {
        let (a, b) = (&no["conditions"][i], &us["conditions"][i]);
        row(
            &format!("{} – {}", t(nb, e), t("hendelser (per 1000)", "incidents (per 1000)")),
            format!("{} ({})", count(&a["incidents"]), count(&a["per_1000"])),
            format!("{} ({})", count(&b["incidents"]), count(&b["per_1000"])),
        );
    }
    let mut defs = String::new();
    for d in v["definitions"].as_array().into_iter().flatten() {
        let get = |k: &str| esc(d[k].as_str().unwrap_or(""));
        defs.push_str(&format!(
            "<dt><code>{}</code></dt><dd><b>{}</b> {}<br><b>NEMSIS:</b> {}</dd>",
            get("id"),
            t("Norge:", "Norway:"),
            get("norway"),
            get("nemsis")
        ));
    }
    let caveats: String = v["caveats"]
        .as_array()
        .map(|c| c.iter().map(|c| format!("<li>{}</li>", esc(c.as_str().unwrap_or("")))).collect())
        .unwrap_or_default();
    let lang_hidden = if en { "<input type=\"hidden\" name=\"lang\" value=\"en\">" } else { "" };
    let body = format!(
        r#"<p>{intro}</p>
<form method="get" action="/sammenligning"><label>{f} <input name="from" value="{from}" placeholder="YYYY-MM" size="7"></label> <label>{tl} <input name="to" value="{to}" placeholder="YYYY-MM" size="7"></label>{lang_hidden}<button type="submit">{show}</button></form>
<table id="benchmark"><tr><th></th><th>{no}</th><th>NEMSIS (USA)</th></tr>{rows}</table>
<p>{supp} <a href="/api/benchmark">JSON</a></p>
<h2>{dh}</h2><dl>{defs}</dl><h2>{ch}</h2><ul>{caveats}</ul>"#,
        intro = t(
            "Felles nøkkeltall for norske AMK-data og det amerikanske NEMSIS v3.5-datasettet, beregnet på samme måte på begge sider. Les forbeholdene før tallene sammenlignes.",
            "Common key figures for Norwegian dispatch data and the US NEMSIS v3.5 dataset, computed the same way on both sides. Read the caveats before comparing."
        ),
        f = t("Fra", "From"),
        tl = t("til", "to"),
        from = esc(p.from.as_deref().unwrap_or("")),
        to = esc(p.to.as_deref().unwrap_or("")),
        show = t("Vis", "Show"),
        no = t("Norge", "Norway"),
        supp = esc(&format!("{} {} (data version {}).", t("Tall under", "Counts under"), v["suppression_threshold"], v["data_version"])) + t(" er skjult (–).", " are withheld (–)."),
        dh = t("Definisjoner", "Definitions"),
        ch = t("Forbehold om sammenlignbarhet", "Caveats on comparability"),
    );
    let query = if en { "lang=en".to_string() } else { String::new() };
    Ok(layout_page(
        &state,
        en,
        t("Nordisk-amerikansk sammenligning", "Nordic-American benchmark"),
        &query,
        &body,
    ))
}
