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

use crate::html::{count, Lang, Msg, Shown};
use crate::pages::public_page;
use crate::{AppError, AppState};
use maud::html;

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
    // Released Norwegian data only (DOMAIN.md §12): the release's version, through its month.
    let release = crate::release::public(state, None)?;
    let last = crate::release::through(&release)?;
    if period.to.is_some_and(|t| t > last) || period.from.is_some_and(|f| f > last) {
        return Err(AppError::new(
            Code::NotReleased,
            format!("release {} publishes through {}", release.id, release.through),
        ));
    }
    let period = akutt_benchmark::Period { to: Some(period.to.unwrap_or(last)), ..period };
    let version = release.data_version;
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

fn mmss(p: &Public<i64>) -> Shown {
    Shown::of(p, |s| format!("{}:{:02}", s / 60, s % 60))
}

fn rate(p: &Public<f64>) -> Shown {
    Shown::of(p, |x| format!("{x:.1}"))
}

/// Below this many incidents a median or p90 is marked as uncertain.
const SMALL_SAMPLE: u64 = 30;

/// `GET /sammenligning`: the benchmark page.
pub async fn page(
    State(state): State<Arc<AppState>>,
    QueryParams(p): QueryParams<BenchmarkParams>,
) -> Result<Html<String>, AppError> {
    let lang = Lang::of(p.lang.as_deref());
    let s2 = state.clone();
    let (from, to) = (p.from.clone(), p.to.clone());
    let v =
        tokio::task::spawn_blocking(move || public_benchmark(&s2, from.as_deref(), to.as_deref()))
            .await
            .map_err(AppError::internal)?;
    let v = match v {
        Err(e) if e.code == Code::NothingReleased => {
            return Ok(crate::pages::nothing_released(&state, lang, lang.t(Msg::BenchmarkTitle)))
        }
        v => v?,
    };
    let (no, us) = (&v.benchmark.norway, &v.benchmark.nemsis);
    // (label, Norway, NEMSIS)
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let mut small = false;
    let mut row = |label: String, a: String, b: String| rows.push((label, a, b));
    let c = |p: &Public<u64>| count(p).text().to_string();
    row(lang.t(Msg::RecordsRead).into(), c(&no.records), c(&us.records));
    row(
        lang.t(Msg::EmergencyIncidents).into(),
        c(&no.emergency_incidents),
        c(&us.emergency_incidents),
    );
    for (a, b, m) in [
        (&no.call_to_scene, &us.call_to_scene, Msg::CallToScene),
        (&no.notified_to_scene, &us.notified_to_scene, Msg::NotifiedToScene),
    ] {
        let t = lang.t(m);
        // Percentiles of a small sample are shown, marked: they move a lot with one incident.
        let mut mark = |n: &Public<u64>, v: String| {
            if n.value().is_some_and(|n| *n < SMALL_SAMPLE) {
                small = true;
                format!("{v} †")
            } else {
                v
            }
        };
        let (am, bm) = (
            mark(&a.n, mmss(&a.median_s).text().into()),
            mark(&b.n, mmss(&b.median_s).text().into()),
        );
        row(format!("{t} – median (m:ss)"), am, bm);
        let (ap, bp) =
            (mark(&a.n, mmss(&a.p90_s).text().into()), mark(&b.n, mmss(&b.p90_s).text().into()));
        row(format!("{t} – {} (m:ss)", lang.t(Msg::P90)), ap, bp);
        row(
            format!("{t} – n / n_missing"),
            format!("{} / {}", c(&a.n), c(&a.n_missing)),
            format!("{} / {}", c(&b.n), c(&b.n_missing)),
        );
    }
    for (i, m) in [Msg::Stemi, Msg::Stroke, Msg::CardiacArrest].into_iter().enumerate() {
        let (Some(a), Some(b)) = (no.conditions.get(i), us.conditions.get(i)) else { continue };
        row(
            format!("{} – {}", lang.t(m), lang.t(Msg::IncidentsPer1000)),
            format!("{} ({})", c(&a.incidents), rate(&a.per_1000).text()),
            format!("{} ({})", c(&b.incidents), rate(&b.per_1000).text()),
        );
    }
    let noise = lang.fill(
        Msg::BenchmarkNoise,
        &[
            ("threshold", v.suppression_threshold.to_string()),
            ("version", v.data_version.to_string()),
        ],
    );
    let body = html! {
        p { (lang.t(Msg::BenchmarkIntro)) }
        form method="get" action="/sammenligning" {
            label { (lang.t(Msg::From)) " " input name="from" value=(p.from.as_deref().unwrap_or("")) placeholder="YYYY-MM" size="7"; }
            " "
            label { (lang.t(Msg::To)) " " input name="to" value=(p.to.as_deref().unwrap_or("")) placeholder="YYYY-MM" size="7"; }
            @if lang.en { input type="hidden" name="lang" value="en"; }
            button type="submit" { (lang.t(Msg::Show)) }
        }
        table id="benchmark" {
            tr { th { (lang.t(Msg::Measure)) } th { (lang.t(Msg::Norway)) } th { "NEMSIS (USA)" } }
            @for (label, a, b) in &rows { tr { td { (label) } td { (a) } td { (b) } } }
        }
        @if small { p.def id="small-sample" { (lang.fill(Msg::SmallSample, &[("n", SMALL_SAMPLE.to_string())])) } }
        p { (noise) " " a href="/api/benchmark" { "JSON" } }
        h2 { (lang.t(Msg::Definitions)) }
        dl {
            @for d in &v.benchmark.definitions {
                dt { code { (d.id) } }
                dd { b { (lang.t(Msg::NorwayColon)) } " " (one_language(lang, d.norway)) br; b { "NEMSIS:" } " " (one_language(lang, d.nemsis)) }
            }
        }
        h2 { (lang.t(Msg::Caveats)) }
        ul { @for c in &v.benchmark.caveats { li { (one_language(lang, c)) } } }
    };
    let query = if lang.en { "lang=en" } else { "" };
    Ok(public_page(&state, lang, lang.t(Msg::BenchmarkTitle), query, body))
}

/// The page's language of a `bokmål / English` text, without the references to the
/// developers' domain contract (`(DOMAIN.md §8 response_time)`), which the public cannot read.
fn one_language(lang: Lang, text: &str) -> String {
    let part = match text.split_once(" / ") {
        Some((nb, en)) => {
            if lang.en {
                en
            } else {
                nb
            }
        }
        None => text,
    };
    let mut out = part.to_string();
    while let Some(at) = out.find(" (DOMAIN.md") {
        match out[at..].find(')') {
            Some(end) => out.replace_range(at..at + end + 1, ""),
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_definition_in_the_pages_language_without_internal_references() {
        let t = "Første Fremme − t0 (DOMAIN.md §8 response_time). / First Fremme − t0.";
        assert_eq!(one_language(Lang { en: false }, t), "Første Fremme − t0.");
        assert_eq!(one_language(Lang { en: true }, t), "First Fremme − t0.");
        assert_eq!(one_language(Lang { en: true }, "Brann/Politi"), "Brann/Politi");
    }
}
