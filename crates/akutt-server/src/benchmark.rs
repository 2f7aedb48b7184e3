//! The Nordic-American benchmark in public: `GET /api/benchmark` (JSON) and the page
//! `GET /sammenligning`: Norway and NEMSIS side by side, each figure with its definition and
//! the caveats on comparability, after disclosure control (DOMAIN.md §9: a count under the
//! threshold is withheld, and so is every figure computed from it).

use std::sync::Arc;

use crate::error::extract::Query as QueryParams;
use crate::Code;
use akutt_disclosure::Public;
use akutt_model::Month;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

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
        Some(s) => Month::parse(s).map(Some).map_err(|e| {
            AppError::new(Code::InvalidMonth, format!("{what}={s:?}: expected YYYY-MM ({e})"))
        }),
    }
}

/// The public benchmark of a data version and period: both sides through the one
/// disclosure-control module (`PublicBenchmark`: typed, no untyped suppression).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Published {
    #[serde(flatten)]
    pub benchmark: akutt_benchmark::PublicBenchmark,
    pub data_version: i64,
    pub from: Option<String>,
    pub to: Option<String>,
    pub suppression_threshold: u64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub synthetic_norway: bool,
}

/// The public benchmark, cached per data version and period.
pub fn public_benchmark(
    state: &AppState,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Arc<Published>, AppError> {
    let period = akutt_benchmark::Period { from: month(from, "from")?, to: month(to, "to")? };
    let version = state.latest_version()?;
    let key = format!("benchmark\u{1f}{version}\u{1f}{:?}\u{1f}{:?}", period.from, period.to);
    if let Some(b) = state.cached_benchmark(&key) {
        return Ok(b);
    }
    // Without record keys the noise is known: fail closed.
    let keyer = state.keyer.as_ref().ok_or_else(AppError::no_record_keys)?;
    let catalog = state.catalog()?;
    let (no, version) = akutt_store::facts::load_benchmark_incidents(
        &state.data,
        &catalog,
        Some(version),
        Some(keyer),
    )?;
    let (us, _) = akutt_store::nemsis::load_nemsis(&state.data, &catalog, Some(version))?;
    let table = akutt_store::facts::condition_table(&state.data)?;
    let b = akutt_benchmark::compute(&no, &us, period, &table, Some(keyer));
    let published = Arc::new(Published {
        benchmark: b.publish(&state.disclosure()),
        data_version: version,
        from: period.from.map(|m| m.to_string()),
        to: period.to.map(|m| m.to_string()),
        suppression_threshold: state.config.suppression_threshold,
        synthetic_norway: state.config.synthetic,
    });
    state.cache_benchmark(key, published.clone());
    Ok(published)
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
    let body = serde_json::to_string(&*v).map_err(AppError::internal)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// A published cell: its value, or the symbol of its status (`:` suppressed, `..` no data).
fn shown<T>(p: &Public<T>, f: impl FnOnce(&T) -> String) -> String {
    p.value().map_or_else(|| p.status().symbol().to_string(), f)
}

fn mmss(p: &Public<i64>) -> String {
    shown(p, |s| format!("{}:{:02}", s / 60, s % 60))
}

fn count(p: &Public<u64>) -> String {
    shown(p, u64::to_string)
}

fn rate(p: &Public<f64>) -> String {
    shown(p, |x| format!("{x:.1}"))
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
    let (no, us) = (&v.benchmark.norway, &v.benchmark.nemsis);
    let mut rows = String::new();
    let mut row = |label: &str, a: String, b: String| {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(label),
            esc(&a),
            esc(&b)
        ))
    };
    row(t("Poster lest", "Records read"), count(&no.records), count(&us.records));
    row(
        t("Hastehendelser (rød / 911 utrykning)", "Emergency incidents (red / 911 emergent)"),
        count(&no.emergency_incidents),
        count(&us.emergency_incidents),
    );
    for (a, b, nb, e) in [
        (&no.call_to_scene, &us.call_to_scene, "Anrop til fremme", "Call to scene"),
        (&no.notified_to_scene, &us.notified_to_scene, "Varslet til fremme", "Notified to scene"),
    ] {
        row(&format!("{} – median (m:ss)", t(nb, e)), mmss(&a.median_s), mmss(&b.median_s));
        row(&format!("{} – 90-persentil / p90 (m:ss)", t(nb, e)), mmss(&a.p90_s), mmss(&b.p90_s));
        row(
            &format!("{} – n / n_missing", t(nb, e)),
            format!("{} / {}", count(&a.n), count(&a.n_missing)),
            format!("{} / {}", count(&b.n), count(&b.n_missing)),
        );
    }
    let names = [
        ("stemi", "STEMI (mulig hjerteinfarkt)", "STEMI"),
        ("stroke", "Hjerneslag", "Stroke"),
        ("cardiac_arrest", "Hjertestans", "Cardiac arrest"),
    ];
    for (i, (_, nb, e)) in names.iter().enumerate() {
        let (Some(a), Some(b)) = (no.conditions.get(i), us.conditions.get(i)) else { continue };
        row(
            &format!("{} – {}", t(nb, e), t("hendelser (per 1000)", "incidents (per 1000)")),
            format!("{} ({})", count(&a.incidents), rate(&a.per_1000)),
            format!("{} ({})", count(&b.incidents), rate(&b.per_1000)),
        );
    }
    let mut defs = String::new();
    for d in &v.benchmark.definitions {
        defs.push_str(&format!(
            "<dt><code>{}</code></dt><dd><b>{}</b> {}<br><b>NEMSIS:</b> {}</dd>",
            esc(d.id),
            t("Norge:", "Norway:"),
            esc(d.norway),
            esc(d.nemsis)
        ));
    }
    let caveats: String =
        v.benchmark.caveats.iter().map(|c| format!("<li>{}</li>", esc(c))).collect();
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
        supp = esc(&if en {
            format!("Counts carry a small fixed noise (cell-key method, at most ±3); counts under {} after noise are withheld (:), .. means no data. Data version {}.", v.suppression_threshold, v.data_version)
        } else {
            format!("Antallene har et lite, fast støyledd (cellenøkkelmetoden, høyst ±3); antall under {} etter støy er skjult (:), .. betyr ingen data. Dataversjon {}.", v.suppression_threshold, v.data_version)
        }),
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
