//! `/analyse`: the restricted page of the programme's analyses (DOMAIN.md §13) — growth by
//! year, resources, before and after a change — as three forms whose results are tables (and
//! the growth a chart) at a shareable URL (GET). Analysts and administrators analyse the
//! nation; a centre user analyses its own centre (and, before/after, its own area). Exact
//! figures, never cached, every request audited (the restricted area's rules).

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use crate::analyses::{self, Minutes, ResourceQuestion, Selection};
use crate::auth::Role;
use crate::{AppError, AppState};

#[derive(Deserialize, Default)]
pub struct AnalysisParams {
    analysis: Option<String>,
    from_year: Option<i32>,
    to_year: Option<i32>,
    count: Option<String>,
    #[serde(rename = "where")]
    filter: Option<String>,
    missions: Option<u64>,
    from: Option<String>,
    to: Option<String>,
    minutes: Option<String>,
    share: Option<f64>,
    hours_per_fte: Option<f64>,
    date: Option<String>,
    centre: Option<String>,
    kommune: Option<String>,
    months: Option<u32>,
    seed: Option<u64>,
}

fn filters(p: &AnalysisParams) -> Vec<String> {
    p.filter
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect()
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "..".to_string(),
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

/// The result of the asked analysis, if one is asked.
fn result(
    state: &AppState,
    p: &AnalysisParams,
    own: Option<&str>,
) -> Result<Option<Markup>, AppError> {
    let bad = |d: &str| AppError::new(crate::Code::InvalidAnalysis, d.to_string());
    let empty = |s: &Option<String>| {
        s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
    };
    Ok(Some(match p.analysis.as_deref() {
        None | Some("") => return Ok(None),
        Some("growth") => {
            let (Some(a), Some(b)) = (p.from_year, p.to_year) else {
                return Err(bad("growth needs from_year and to_year"));
            };
            let count = empty(&p.count).unwrap_or_else(|| "incidents".into());
            let v = analyses::growth(state, a, b, &count, &filters(p), own)?;
            let series = v["series"].as_array().cloned().unwrap_or_default();
            #[allow(clippy::cast_precision_loss)] // counts far below 2^52
            let points: Vec<(String, Option<f64>)> = series
                .iter()
                .map(|s| (s["year"].to_string(), s["count"].as_u64().map(|n| n as f64)))
                .collect();
            html! {
                h2 { "Vekst per år / growth by year: " (count) }
                (crate::pages::month_chart(&count, &points))
                table id="growth" {
                    tr { th { "År / year" } th { "Antall / count" } th { "Vekst / growth (%)" } }
                    @for s in &series {
                        tr { td { (s["year"]) } td { (show(&s["count"])) } td { (show(&s["growth_pct"])) } }
                    }
                }
                p { "Dataversjon / data version " (show(&v["data_version"])) "." }
            }
        }
        Some("resources") => {
            let minutes = Minutes::parse(p.minutes.as_deref().unwrap_or("60"))?;
            let (from, to) = (empty(&p.from), empty(&p.to));
            let f = filters(p);
            let q = ResourceQuestion {
                missions: p.missions,
                period: from.as_deref().zip(to.as_deref()).filter(|_| p.missions.is_none()),
                filters: &f,
                minutes,
                share: p.share.unwrap_or(1.0),
                hours_per_fte: p.hours_per_fte.unwrap_or(1750.0),
            };
            let v = analyses::resources(state, q, own)?;
            let rows = [
                ("Oppdrag / missions", "missions"),
                ("Minutter per oppdrag / minutes per mission", "minutes_per_mission"),
                ("Andel / share", "share"),
                ("Timer / hours", "hours"),
                ("Timer per årsverk / hours per FTE", "hours_per_fte"),
                ("Årsverk / FTE", "fte"),
                ("Stillinger / positions", "positions"),
            ];
            html! {
                h2 { "Ressurser / resources" }
                table id="resources" {
                    @for (label, k) in rows { tr { th { (label) } td id={ "resources-" (k) } { (show(&v[k])) } } }
                }
            }
        }
        Some("before-after") => {
            let date = empty(&p.date).ok_or_else(|| bad("before-after needs a date"))?;
            let selection = match (own, empty(&p.centre), empty(&p.kommune)) {
                (Some(own), _, _) => Selection::Centre(own.to_string()),
                (None, Some(c), _) => Selection::Centre(c.to_uppercase()),
                (None, None, Some(k)) => {
                    Selection::Kommuner(k.split(',').map(str::to_string).collect())
                }
                (None, None, None) => {
                    return Err(bad("before-after needs a centre or municipalities"))
                }
            };
            let v = analyses::before_after(
                state,
                &date,
                &selection,
                p.months.unwrap_or(6),
                p.seed.unwrap_or(1),
                2000,
                own,
            )?;
            let d = &v["difference"];
            html! {
                h2 { "Før og etter / before and after " (show(&v["date"])) }
                p { "Kommuner / municipalities: " (v["selection"]["kommuner"].as_array().map_or(0, Vec::len)) " (" (show(&v["selection"]["centre"])) ")" }
                table id="before-after" {
                    tr { th { "Vindu / window" } th { "Periode / period" } th { "n" } th { "Median (s)" } th { "p90 (s)" } th { "Innen frist / within target" } }
                    @for (label, w) in [("Før / before", &v["before"]), ("Etter / after", &v["after"])] {
                        tr {
                            td { (label) }
                            td { (show(&w["from"])) " – " (show(&w["to"])) }
                            td { (show(&w["n"])) }
                            td { (show(&w["median_s"])) }
                            td { (show(&w["p90_s"])) }
                            td { (show(&w["share_within_target"])) }
                        }
                    }
                    tr id="difference" {
                        td { "Differanse / difference" }
                        td { "95 % KI / CI " (show(&d["ci95"])) }
                        td {}
                        td { (show(&d["median_s"])) }
                        td { (show(&d["p90_s"])) }
                        td { (show(&d["share_within_target"])) }
                    }
                }
                p { "Bootstrap: " (show(&v["bootstrap"]["resamples"])) " trekk / resamples, frø / seed " (show(&v["bootstrap"]["seed"])) "." }
            }
        }
        Some(other) => {
            return Err(bad(&format!("analysis={other}: growth, resources or before-after")))
        }
    }))
}

fn forms(p: &AnalysisParams, own: Option<&str>) -> Markup {
    let v = |s: &Option<String>| s.clone().unwrap_or_default();
    let n = |x: Option<i64>| x.map(|x| x.to_string()).unwrap_or_default();
    html! {
        form method="get" action="/analyse" id="form-growth" {
            input type="hidden" name="analysis" value="growth";
            h3 { "Vekst per år / growth by year" }
            label { "Fra år / from year " input name="from_year" value=(n(p.from_year.map(i64::from))) size="4"; }
            " " label { "til / to " input name="to_year" value=(n(p.to_year.map(i64::from))) size="4"; }
            " " label { "Tell / count " select name="count" {
                @for c in ["incidents", "missions", "contacts"] {
                    option value=(c) selected[p.count.as_deref() == Some(c)] { (c) }
                }
            } }
            " " label { "Filter / where " input name="where" value=(v(&p.filter)) placeholder="leveringssted:SHJ" size="24"; }
            " " button type="submit" { "Vis / show" }
        }
        form method="get" action="/analyse" id="form-resources" {
            input type="hidden" name="analysis" value="resources";
            h3 { "Ressurser / resources" }
            label { "Oppdrag / missions " input name="missions" value=(n(p.missions.and_then(|m| i64::try_from(m).ok()))) size="8"; }
            " " label { "eller fra / or from " input name="from" value=(v(&p.from)) size="7" placeholder="2025-01"; }
            " " label { "til / to " input name="to" value=(v(&p.to)) size="7"; }
            " " label { "Minutter / minutes " input name="minutes" value=(p.minutes.clone().unwrap_or_else(|| "60".into())) size="8"; }
            " " label { "Andel / share " input name="share" value=(p.share.unwrap_or(1.0)) size="4"; }
            " " label { "Timer per årsverk / hours per FTE " input name="hours_per_fte" value=(p.hours_per_fte.unwrap_or(1750.0)) size="5"; }
            " " button type="submit" { "Vis / show" }
        }
        form method="get" action="/analyse" id="form-before-after" {
            input type="hidden" name="analysis" value="before-after";
            h3 { "Før og etter en endring / before and after a change" }
            label { "Dato / date " input name="date" value=(v(&p.date)) placeholder="2024-07-01" size="10"; }
            @if own.is_none() {
                " " label { "Sentral / centre " input name="centre" value=(v(&p.centre)) size="4"; }
                " " label { "eller kommuner / or municipalities " input name="kommune" value=(v(&p.kommune)) size="20"; }
            }
            " " label { "Måneder / months " input name="months" value=(p.months.unwrap_or(6)) size="3"; }
            " " label { "Frø / seed " input name="seed" value=(p.seed.unwrap_or(1)) size="4"; }
            " " button type="submit" { "Vis / show" }
        }
    }
}

/// `GET /analyse`.
pub async fn page(
    State(state): State<Arc<AppState>>,
    req: crate::RequestInfo,
    headers: HeaderMap,
    crate::error::extract::Query(p): crate::error::extract::Query<AnalysisParams>,
) -> Response {
    let st = state.clone();
    tokio::task::spawn_blocking(move || {
        crate::area::restricted(&st, &headers, &req, |user| {
            let own = match &user.role {
                Role::Centre(c) => Some(c.as_str()),
                Role::Admin | Role::Analyst => None,
            };
            let result = result(&st, &p, own)?;
            let body = html! {
                p {
                    "Eksakte tall, ikke publisert (docs/ANALYSES.md) / exact figures, not published."
                    @if let Some(c) = own { " Sentral / centre " strong { (c) } "." }
                }
                (forms(&p, own))
                @if let Some(r) = result { section id="result" { (r) } }
            };
            Ok(crate::area::page(&st, "Analyser / analyses", Some(user), body).into_response())
        })
    })
    .await
    .unwrap_or_else(|e| AppError::internal(e).into_response())
}
