//! The dashboard, rendered on the server (no JavaScript build step): the national overview
//! (key figures against their targets, the monthly trend as SVG with a table alternative,
//! centres compared), one page per centre, the definitions and the map. Every view is a URL
//! with its filters in the query string; bokmål by default, `lang=en` for English; public
//! figures only, after disclosure control, read as typed figures into maud templates.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::extract::{Path, Query as QueryParams};
use crate::html::{
    count, layout, median_minutes, period_form, share_against_target, table, target, text, times,
    volume, Area, Figures, Lang, Msg, Shown,
};
use crate::Code;
use akutt_indicators::{Indicator, PublicFigure};
use akutt_model::MonthRange;
use akutt_store::releases::Release;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;

use crate::api::{answer, IndicatorParams};
use crate::{AppError, AppState};

#[derive(Debug, Default, Deserialize, Clone)]
pub struct PageParams {
    pub from: Option<String>,
    pub to: Option<String>,
    pub lang: Option<String>,
}

/// The release the public sees, and the default period of the pages: the last twelve
/// months it publishes.
fn published(state: &AppState) -> Result<Option<(Release, String, String)>, AppError> {
    let Some(r) = state.latest_release()? else { return Ok(None) };
    let months = crate::release::through(&r)?;
    let m = MonthRange::twelve_months_to(months);
    Ok(Some((r, m.from().to_string(), m.to().to_string())))
}

/// The page of a dashboard before anything is released.
pub(crate) fn nothing_released(state: &AppState, lang: Lang, title: &str) -> Html<String> {
    let query = if lang.en { "lang=en" } else { "" };
    public_page(
        state,
        lang,
        title,
        query,
        html! { p id="nothing-released" { (lang.t(Msg::NothingReleased)) } },
    )
}

/// A public page in the one shell.
pub(crate) fn public_page(
    state: &AppState,
    lang: Lang,
    title: &str,
    query: &str,
    body: Markup,
) -> Html<String> {
    Html(layout(state, lang, Area::Public { query }, title, body).into_string())
}

/// A line chart of one value per month, as SVG with a title and an accessible description.
#[allow(clippy::cast_precision_loss)] // a few hundred months
pub(crate) fn month_chart(title: &str, points: &[(String, Option<f64>)]) -> Markup {
    let (w, h, pad) = (720.0, 220.0, 40.0);
    let max = points.iter().filter_map(|p| p.1).fold(0.0f64, f64::max).max(1.0);
    let n = points.len().max(2) as f64 - 1.0;
    let xy = |i: usize, v: f64| {
        (pad + i as f64 * (w - 2.0 * pad) / n, h - pad - v / max * (h - 2.0 * pad))
    };
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .filter_map(|(i, (_, v))| v.map(|v| xy(i, v)))
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect();
    html! {
        svg viewBox={ "0 0 " (w) " " (h) } role="img" aria-label=(title) {
            title { (title) }
            line x1=(pad) y1=(h - pad) x2=(w - pad) y2=(h - pad) stroke="#999" {}
            text x="4" y=(pad) font-size="11" { (format!("{max:.0}")) }
            polyline fill="none" stroke="#0b5394" stroke-width="2" points=(path.join(" ")) {}
            @for (i, (m, _)) in points.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
                text x=(format!("{:.1}", xy(i, 0.0).0)) y=(h - 20.0) font-size="11" text-anchor="middle" { (m) }
            }
        }
    }
}

/// The public figures of a request, computed off the async threads.
async fn figures(
    state: Arc<AppState>,
    p: IndicatorParams,
) -> Result<(i64, Vec<PublicFigure>), AppError> {
    tokio::task::spawn_blocking(move || answer(&state, &p).map(|a| (a.version, a.figures.clone())))
        .await
        .map_err(AppError::internal)?
}

/// `GET /`: the national overview.
pub async fn overview(
    State(state): State<Arc<AppState>>,
    QueryParams(pp): QueryParams<PageParams>,
) -> Result<Html<String>, AppError> {
    centre_or_nation(state, pp, None).await
}

/// `GET /sentral/{code}`: one centre.
pub async fn centre(
    State(state): State<Arc<AppState>>,
    Path(code): Path<String>,
    QueryParams(pp): QueryParams<PageParams>,
) -> Result<Html<String>, AppError> {
    let code = code.to_uppercase();
    if akutt_model::centre::centre(&code).is_none() {
        return Err(AppError::new(Code::CentreNotFound, code));
    }
    centre_or_nation(state, pp, Some(code)).await
}

async fn centre_or_nation(
    state: Arc<AppState>,
    pp: PageParams,
    centre: Option<String>,
) -> Result<Html<String>, AppError> {
    let lang = Lang::of(pp.lang.as_deref());
    let title = match &centre {
        Some(c) => akutt_model::centre::centre(c).map_or(c.clone(), |x| x.name.clone()),
        None => lang.t(Msg::OverviewTitle).to_string(),
    };
    let s = state.clone();
    let released =
        tokio::task::spawn_blocking(move || published(&s)).await.map_err(AppError::internal)??;
    let Some((release, df, dt)) = released else {
        return Ok(nothing_released(&state, lang, &title));
    };
    let (from, to) = (pp.from.clone().unwrap_or(df), pp.to.clone().unwrap_or(dt));
    let base = IndicatorParams {
        from: Some(from.clone()),
        to: Some(to.clone()),
        centre: centre.clone(),
        ..IndicatorParams::default()
    };
    let (version, total) = figures(state.clone(), base.clone()).await?;
    let (_, monthly) = figures(
        state.clone(),
        IndicatorParams {
            by: Some("month".into()),
            indicator: Some("volume,response_time".into()),
            ..base.clone()
        },
    )
    .await?;
    let centres = if centre.is_none() {
        figures(
            state.clone(),
            IndicatorParams {
                by: Some("centre".into()),
                indicator: Some("volume,response_time,response_within_target".into()),
                ..base.clone()
            },
        )
        .await?
        .1
    } else {
        Vec::new()
    };
    let (total, monthly, centres) = (Figures(&total), Figures(&monthly), Figures(&centres));
    let query = format!("from={}&to={}{}", from, to, if lang.en { "&lang=en" } else { "" });
    let of_centre = centre.as_ref().map_or(String::new(), |c| format!("&centre={c}"));
    let action = centre.as_ref().map_or("/".to_string(), |c| format!("/sentral/{c}"));

    // Key figures against their targets.
    let vol = total.find(Indicator::Volume, &[]).and_then(volume);
    let resp = total.find(Indicator::ResponseTime, &[]).and_then(times);
    let share = |area: &str| {
        total
            .find(Indicator::ResponseWithinTarget, &[("area", area)])
            .and_then(target)
            .map_or(html! { ".." }, |(_, _, s)| share_against_target(s))
    };
    // The monthly trend: incidents, and the median response time of the same month.
    let months: Vec<(String, Option<f64>, Shown, Shown)> = monthly
        .of(Indicator::Volume)
        .filter_map(|f| {
            let m = text(f, "month")?.to_string();
            let v = volume(f)?;
            #[allow(clippy::cast_precision_loss)] // counts far below 2^52
            let y = v.incidents.value().map(|n| *n as f64);
            let median = median_minutes(monthly.find(Indicator::ResponseTime, &[("month", &m)]));
            Some((m, y, count(v.incidents), median))
        })
        .collect();
    let points: Vec<(String, Option<f64>)> =
        months.iter().map(|(m, v, ..)| (m.clone(), *v)).collect();
    let trend_title = lang.t(Msg::IncidentsPerMonth);
    let lang_param = if lang.en { "&lang=en" } else { "" };
    let dl = format!(
        "from={from}&to={to}&by=centre&indicator=volume,response_time,response_within_target"
    );
    let body = html! {
        (period_form(lang, &from, &to, &action))
        (crate::html::release_line(lang, &release))
        p {
            (lang.t(Msg::DataVersion)) " " (version) ". "
            a id="download-xlsx" href={ "/data/indikatorer.xlsx?from=" (from) "&to=" (to) (of_centre) "&by=month" (lang_param) } { "Excel" }
            " · "
            a id="download-csv" href={ "/data/indikatorer.csv?from=" (from) "&to=" (to) (of_centre) "&by=month&indicator=volume" (lang_param) } { "CSV (" (lang.t(Msg::IncidentsLower)) ")" }
            " · "
            a href={ "/data/indikatorer.json?from=" (from) "&to=" (to) (of_centre) "&by=month" } { "JSON-stat" }
            " · "
            a href={ "/api/indicators?from=" (from) "&to=" (to) (of_centre) } { "API" }
        }
        section {
            div.kpi { (lang.t(Msg::Incidents)) b id="kpi-incidents" { (vol.as_ref().map_or(Shown::NO_DATA, |v| count(v.incidents))) } }
            div.kpi { (lang.t(Msg::AmbulanceMissions)) b id="kpi-missions" { (vol.as_ref().map_or(Shown::NO_DATA, |v| count(v.missions))) } }
            div.kpi {
                (lang.t(Msg::ResponseRedMedian))
                b id="kpi-median" { (resp.map_or(Shown::NO_DATA, |(m, _)| crate::html::minutes(m))) }
                "p90 " (resp.map_or(Shown::NO_DATA, |(_, p)| crate::html::minutes(p)))
            }
            div.kpi { (lang.t(Msg::WithinUrban)) b { (share("urban")) } (lang.t(Msg::Target90)) }
            div.kpi { (lang.t(Msg::WithinRural)) b { (share("rural")) } (lang.t(Msg::Target90)) }
        }
        h2 { (trend_title) }
        (month_chart(trend_title, &points))
        details {
            summary { (lang.t(Msg::Table)) }
            (table("monthly", &[lang.t(Msg::Month), lang.t(Msg::Incidents), lang.t(Msg::ResponseRedMedian), lang.t(Msg::Status)], html! {
                @for (m, _, n, r) in &months {
                    @let status = if release.status_of(m) == "endelig" { Msg::Final } else { Msg::Provisional };
                    tr { td { (m) } td { (n) } td { (r) } td.status { (lang.t(status)) } }
                }
            }))
        }
        @if !centres.0.is_empty() {
            h2 { (lang.t(Msg::TheCentres)) }
            (crate::html::centres_table(lang, centres, Some(&query)))
            p {
                a href={ "/data/indikatorer.xlsx?" (dl) (lang_param) } { "Excel" }
                " · "
                a href={ "/data/indikatorer.json?" (dl) } { "JSON-stat" }
            }
        }
        p { small { (lang.t(Msg::NoiseNote)) } }
    };
    Ok(public_page(&state, lang, &title, &query, body))
}

/// `GET /rapporter`: the reports of each release, newest first (every tertial and year
/// the release publishes in full).
pub async fn reports(
    State(state): State<Arc<AppState>>,
    QueryParams(pp): QueryParams<PageParams>,
) -> Result<Html<String>, AppError> {
    let lang = Lang::of(pp.lang.as_deref());
    let title = if lang.en { "Reports" } else { "Rapporter" };
    let st = state.clone();
    let listed = tokio::task::spawn_blocking(move || -> Result<_, AppError> {
        let catalog = st.catalog()?;
        let mut out = Vec::new();
        for r in catalog.releases()?.into_iter().rev() {
            let first =
                catalog.first_month_at(r.data_version)?.and_then(akutt_model::Month::from_yyyymm);
            let last = crate::release::through(&r)?;
            let mut periods = Vec::new();
            if let Some(first) = first {
                for year in (first.year()..=last.year()).rev() {
                    let mut of_year = vec![crate::report::Period::Year(year)];
                    of_year.extend(
                        (1..=3).rev().map(|t| crate::report::Period::Tertial { year, tertial: t }),
                    );
                    periods.extend(of_year.into_iter().filter(|p| {
                        let m = p.months();
                        m.from() >= first && m.to() <= last
                    }));
                }
            }
            out.push((r, periods));
        }
        Ok(out)
    })
    .await
    .map_err(AppError::internal)??;
    if listed.is_empty() {
        return Ok(nothing_released(&state, lang, title));
    }
    let en = if lang.en { "?lang=en" } else { "" };
    let body = html! {
        @for (r, periods) in &listed {
            h2 { (if lang.en { "Release " } else { "Publisering " }) (r.id) }
            (crate::html::release_line(lang, r))
            ul {
                @for p in periods {
                    @let id = match p { crate::report::Period::Year(y) => y.to_string(), crate::report::Period::Tertial { year, tertial } => format!("{year}-T{tertial}") };
                    li {
                        a href={ "/rapporter/" (r.id) "/" (id) (en) } { (p.name(lang)) }
                        " ("
                        a href={ "/rapporter/" (r.id) "/" (id) ".pdf" (en) } { "PDF" }
                        ")"
                    }
                }
                @if periods.is_empty() { li { "–" } }
            }
        }
    };
    let query = if lang.en { "lang=en" } else { "" };
    Ok(public_page(&state, lang, title, query, body))
}

/// `GET /rapporter/{release}/{period}`: one report, printable HTML; with `.pdf` after the
/// period (`/rapporter/3/2025-T2.pdf`) the same report as PDF.
pub async fn report(
    State(state): State<Arc<AppState>>,
    Path((release, period)): Path<(i64, String)>,
    QueryParams(pp): QueryParams<PageParams>,
) -> Result<Response, AppError> {
    let lang = Lang::of(pp.lang.as_deref());
    let (period, as_pdf) = match period.strip_suffix(".pdf") {
        Some(p) => (p.to_string(), true),
        None => (period, false),
    };
    let period = crate::report::Period::parse(&period)?;
    tokio::task::spawn_blocking(move || {
        let r = state
            .catalog()?
            .release(release)?
            .ok_or_else(|| AppError::new(Code::NotReleased, format!("no release {release}")))?;
        if !as_pdf {
            return crate::report::html(&state, &r, period, lang).map(|h| Html(h).into_response());
        }
        let bytes = crate::report::pdf(&state, &r, period, lang)?;
        let name = crate::report::file_name(&r, period, lang, "pdf");
        Ok((
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")),
            ],
            bytes,
        )
            .into_response())
    })
    .await
    .map_err(AppError::internal)?
}

/// `GET /definisjoner`: the indicator definitions in plain language.
pub async fn definitions(
    State(state): State<Arc<AppState>>,
    QueryParams(pp): QueryParams<PageParams>,
) -> Html<String> {
    let lang = Lang::of(pp.lang.as_deref());
    let items = [
        Indicator::ResponseTime,
        Indicator::ResponseWithinTarget,
        Indicator::AmkReactionTime,
        Indicator::AlertToArrival,
        Indicator::Volume,
        Indicator::MissionTime,
    ];
    let body = html! {
        @for id in items {
            h2 id=(id.name()) { code { (id.name()) } }
            p { (lang.t(crate::html::definition(id))) }
        }
        (disclosure_section(lang, state.config.suppression_threshold))
    };
    let query = if lang.en { "lang=en" } else { "" };
    public_page(&state, lang, lang.t(Msg::Definitions), query, body)
}

/// The method of disclosure control in plain words, with its perturbation table.
fn disclosure_section(lang: Lang, threshold: u64) -> Markup {
    let table_ = akutt_disclosure::PTable::standard();
    let text = lang.fill(
        Msg::CellKeyText,
        &[
            ("d", table_.max_noise.to_string()),
            ("v", table_.variance.to_string()),
            ("threshold", threshold.to_string()),
        ],
    );
    let noises: Vec<i64> = (-table_.max_noise..=table_.max_noise).collect();
    let mut head = vec![lang.t(Msg::TrueCount).to_string()];
    head.extend(noises.iter().map(|d| format!("{d:+}")));
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let last = table_.rows.len() - 1;
    html! {
        h2 id="personvern" { (lang.t(Msg::CellKeyHeading)) }
        p { (text) }
        p { (lang.t(Msg::PTableIntro)) }
        (table("ptable", &head, html! {
            @for (i, row) in table_.rows.iter().enumerate() {
                tr {
                    td { (row.count) @if i == last { "+" } }
                    @for d in &noises {
                        @let p = row.noise.iter().position(|x| x == d).map(|k| row.probability[k]);
                        td { @if let Some(p) = p { (format!("{:.1} %", p * 100.0)) } }
                    }
                }
            }
        }))
    }
}

#[derive(Debug, Default, Deserialize, Clone)]
pub struct MapParams {
    pub from: Option<String>,
    pub to: Option<String>,
    pub lang: Option<String>,
    /// `median` (response time, red), `share` (within target), `per1000` (missions) or
    /// `traffic` (traffic accidents per 1000 inhabitants).
    pub measure: Option<String>,
    /// The municipality structure (its year; default the newest).
    pub structure: Option<String>,
}

/// `GET /kart`: a choropleth of municipalities.
pub async fn map(
    State(state): State<Arc<AppState>>,
    QueryParams(mp): QueryParams<MapParams>,
) -> Result<Html<String>, AppError> {
    let lang = Lang::of(mp.lang.as_deref());
    let s = state.clone();
    let released =
        tokio::task::spawn_blocking(move || published(&s)).await.map_err(AppError::internal)??;
    let Some((release, df, dt)) = released else {
        return Ok(nothing_released(&state, lang, lang.t(Msg::Map)));
    };
    let (from, to) = (mp.from.clone().unwrap_or(df), mp.to.clone().unwrap_or(dt));
    let measure = match mp.measure.as_deref() {
        Some("share") => "share",
        Some("per1000") => "per1000",
        Some("traffic") => "traffic",
        _ => "median",
    };
    // Traffic accidents (DOMAIN.md §13): incidents of index-criterion chapter 34 per 1000
    // inhabitants, the same published volumes with a filter.
    let traffic = measure == "traffic";
    let params = IndicatorParams {
        from: Some(from.clone()),
        to: Some(to.clone()),
        by: Some("kommune".into()),
        filter: traffic.then(|| "kriteriekapittel:34".to_string()),
        indicator: Some(
            if traffic { "volume" } else { "volume,response_time,response_within_target" }.into(),
        ),
        structure: mp.structure.clone().filter(|s| !s.trim().is_empty()),
        ..IndicatorParams::default()
    };
    let st = state.clone();
    let a = tokio::task::spawn_blocking(move || answer(&st, &params))
        .await
        .map_err(AppError::internal)??;
    let (version, structure) = (a.version, a.structure);
    let figs = Figures(&a.figures);
    let register = {
        let s = state.clone();
        // The structures and names as released, not as loaded since.
        let v = release.data_version;
        tokio::task::spawn_blocking(move || s.register_at(v))
            .await
            .map_err(AppError::internal)??
    };
    let mut values: HashMap<String, Option<f64>> = HashMap::new();
    let mut symbols: HashMap<String, &'static str> = HashMap::new();
    for f in figs.of(Indicator::Volume) {
        let Some(k) = text(f, "kommune") else { continue };
        let targets: Vec<_> = figs
            .of(Indicator::ResponseWithinTarget)
            .filter(|x| text(x, "kommune") == Some(k))
            .filter_map(target)
            .collect();
        let median = figs.find(Indicator::ResponseTime, &[("kommune", k)]).and_then(times);
        #[allow(clippy::cast_precision_loss)] // seconds and counts far below 2^52
        let v = match measure {
            "median" => median.and_then(|(m, _)| m.value().map(|s| *s as f64 / 60.0)),
            "per1000" => {
                volume(f).and_then(|v| v.per_1000_missions.and_then(|p| p.value().copied()))
            }
            "traffic" => {
                volume(f).and_then(|v| v.per_1000_incidents.and_then(|p| p.value().copied()))
            }
            _ => {
                let n: Option<u64> = targets.iter().map(|(n, ..)| n.value().copied()).sum();
                let w: Option<u64> = targets.iter().map(|(_, w, _)| w.value().copied()).sum();
                match (n, w) {
                    (Some(n), Some(w)) if n > 0 => Some(w as f64 / n as f64 * 100.0),
                    _ => None,
                }
            }
        };
        if v.is_none() {
            // Withheld (':') when a count or statistic behind it was, else no data ('..').
            let withheld = |s: akutt_disclosure::Status| s == akutt_disclosure::Status::Suppressed;
            let held = match measure {
                "median" => median.is_some_and(|(m, _)| withheld(m.status())),
                "per1000" => volume(f)
                    .and_then(|v| v.per_1000_missions)
                    .is_some_and(|p| withheld(p.status())),
                "traffic" => volume(f)
                    .and_then(|v| v.per_1000_incidents)
                    .is_some_and(|p| withheld(p.status())),
                _ => targets.iter().any(|(n, w, _)| withheld(n.status()) || withheld(w.status())),
            };
            if held {
                symbols.insert(k.to_string(), ":");
            }
        }
        values.insert(k.to_string(), v);
    }
    let (title, unit) = match measure {
        "median" => (lang.t(Msg::MapMedian), "min"),
        "per1000" => (lang.t(Msg::MapPer1000), ""),
        "traffic" => (lang.t(Msg::MapTraffic), ""),
        _ => (lang.t(Msg::MapShare), "%"),
    };
    let shapes = {
        let s = state.clone();
        tokio::task::spawn_blocking(move || s.shapes(structure))
            .await
            .map_err(AppError::internal)??
    };
    let en = if lang.en { "&lang=en" } else { "" };
    let link =
        |m: &str, year: i32| format!("/kart?from={from}&to={to}&measure={m}&structure={year}{en}");
    let municipalities = register.structure(structure).map_or(&[][..], |s| &s.municipalities[..]);
    let mut rows: Vec<(&str, &str, Option<f64>)> = municipalities
        .iter()
        .map(|s| (s.number.as_str(), s.name.as_str(), values.get(&s.number).copied().flatten()))
        .collect();
    rows.sort_by(|a, b| a.0.cmp(b.0));
    let body = html! {
        (period_form(lang, &from, &to, "/kart"))
        (crate::html::release_line(lang, &release))
        p {
            (lang.t(Msg::Show)) ": "
            a href=(link("median", structure)) { (lang.t(Msg::ResponseTime)) }
            " · "
            a href=(link("share", structure)) { (lang.t(Msg::ShareWithinTarget)) }
            " · "
            a href=(link("per1000", structure)) { (lang.t(Msg::MissionsPer1000)) }
            " · "
            a href=(link("traffic", structure)) id="measure-traffic" { (lang.t(Msg::TrafficAccidents)) }
            ". " (lang.t(Msg::DataVersion)) " " (version) "."
        }
        p id="structure" {
            (lang.t(Msg::Municipalities)) ": "
            @for (i, s) in register.structures().iter().enumerate() {
                @if i > 0 { " · " }
                @if s.year == structure {
                    strong { (lang.t(Msg::Structure)) " " (s.year) }
                } @else {
                    a href=(link(measure, s.year)) { (lang.t(Msg::Structure)) " " (s.year) }
                }
            }
            "."
        }
        @for n in &a.splits {
            p.note {
                (lang.t(Msg::Note)) " "
                @if lang.en { (n.to_string()) } @else {
                    (n.from) " ble delt; registreringene og folketallet telles i " (n.to)
                    ", etterfølgeren med størst andel av arealet"
                }
            }
        }
        h2 { (title) }
        @match &shapes {
            Some(shapes) => (crate::map::choropleth(shapes, &values, title, |v| format!("{v:.1} {unit}"))),
            None => p { (lang.t(Msg::NoBoundaries)) " " (structure) "." },
        }
        details {
            summary { (lang.t(Msg::Table)) }
            (table("map-table", &[lang.t(Msg::Municipality), title], html! {
                @for (n, name, v) in &rows {
                    tr {
                        td { (n) " " (name) }
                        td {
                            @match v {
                                Some(v) => (format!("{v:.1}")),
                                None => (symbols.get(*n).copied().unwrap_or("..")),
                            }
                        }
                    }
                }
            }))
        }
        p { small { (lang.t(Msg::MapFootnote)) } }
    };
    let query = format!("from={from}&to={to}{en}");
    Ok(public_page(&state, lang, lang.t(Msg::Map), &query, body))
}

/// A browser asking for a page gets an error as a page: the error table's message in the
/// page's language (and the other one), the stable code as the element's id, the request's
/// reference; API and data clients keep the JSON answer of the one error table.
pub async fn html_errors(
    State(state): State<Arc<AppState>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path().to_string();
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let lang = Lang::of(
        req.uri().query().and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("lang="))),
    );
    let page_path = !path.starts_with("/api/") && !path.starts_with("/data/");
    let res = next.run(req).await;
    let json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(wants_html
        && page_path
        && json
        && (res.status().is_client_error() || res.status().is_server_error()))
    {
        return res;
    }
    let status = res.status();
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return status.into_response();
    };
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let e = &v["error"];
    let text = |k: &str| e[k].as_str().unwrap_or("").to_string();
    let (first, second) = if lang.en {
        (text("message_en"), text("message_nb"))
    } else {
        (text("message_nb"), text("message_en"))
    };
    let title = if lang.en { "Something went wrong" } else { "Noe gikk galt" };
    let body = html! {
        p.error id=(text("code")) { (first) }
        p { (second) }
        @if !text("detail").is_empty() { p { code { (text("detail")) } } }
        p { (if lang.en { "Reference " } else { "Referanse " }) code { (text("request_id")) } }
        p { a href="/" { (lang.t(Msg::Overview)) } }
    };
    let html = public_page(&state, lang, title, if lang.en { "lang=en" } else { "" }, body);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/html; charset=utf-8"));
    (parts, html.0).into_response()
}
