//! The dashboard, rendered on the server (no JavaScript build step): the national overview
//! (key figures against their targets, the monthly trend as SVG with a table alternative,
//! centres compared), one page per centre, and the definitions. Every view is a URL with its
//! filters in the query string; bokmål by default, `lang=en` for English; public figures
//! only, after disclosure control.

use std::sync::Arc;

use crate::error::extract::{Path, Query as QueryParams};
use crate::Code;
use akutt_indicators::Indicator;
use akutt_model::{Month, MonthRange};
use axum::extract::State;
use axum::response::Html;
use serde::Deserialize;
use serde_json::Value;

use crate::api::{answer, figure_json, status_symbol, IndicatorParams};
use crate::{AppError, AppState};

#[derive(Debug, Default, Deserialize, Clone)]
pub struct PageParams {
    pub from: Option<String>,
    pub to: Option<String>,
    pub lang: Option<String>,
}

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

struct Lang {
    en: bool,
}

impl Lang {
    fn t<'a>(&self, nb: &'a str, en: &'a str) -> &'a str {
        if self.en {
            en
        } else {
            nb
        }
    }
}

fn default_period(state: &AppState) -> (String, String) {
    // The last twelve months that have data.
    let latest = state.last_month().ok().flatten();
    let to = latest.or(Month::new(2024, 12));
    let months = to.map(MonthRange::twelve_months_to);
    months.map_or_else(Default::default, |m| (m.from().to_string(), m.to().to_string()))
}

fn layout(state: &AppState, lang: &Lang, title: &str, query: &str, body: &str) -> Html<String> {
    let banner = if state.config.synthetic {
        format!(
            "<div class=\"banner\" role=\"note\">{}</div>",
            lang.t(
                "SYNTETISKE DATA – ingen virkelige personer eller hendelser",
                "SYNTHETIC DATA – no real persons or incidents"
            )
        )
    } else {
        String::new()
    };
    let other =
        if lang.en { query.replace("lang=en", "lang=nb") } else { format!("{query}&lang=en") };
    Html(format!(
        r##"<!doctype html><html lang="{l}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – Akutt</title><style>
body{{font-family:system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem;color:#1b1b1b}}
.banner{{background:#ffe08a;padding:.5rem 1rem;font-weight:bold;border:1px solid #c90}}
nav a{{margin-right:1rem}} table{{border-collapse:collapse;margin:1rem 0}} td,th{{border:1px solid #bbb;padding:.25rem .5rem;text-align:right}}
th:first-child,td:first-child{{text-align:left}} .kpi{{display:inline-block;border:1px solid #bbb;padding:.5rem 1rem;margin:.25rem;min-width:12rem}}
.kpi b{{font-size:1.6rem;display:block}} .miss{{color:#a00}} .ok{{color:#060}} svg{{max-width:100%}}
@media print{{nav,form{{display:none}} .banner{{border:2px solid #000}}}}
</style></head><body>{banner}
<nav><a href="/?{q}">{home}</a><a href="/kart?{q}">{map}</a><a href="/definisjoner?{q}">{defs}</a><a href="/sammenligning?{lq}">{bench}</a><a href="/api/openapi.json">API</a> <a href="?{other}">{switch}</a></nav>
<h1>{title}</h1>{body}</body></html>"##,
        l = if lang.en { "en" } else { "nb" },
        title = esc(title),
        q = esc(query),
        home = lang.t("Nasjonal oversikt", "National overview"),
        defs = lang.t("Definisjoner", "Definitions"),
        map = lang.t("Kart", "Map"),
        bench = lang.t("Sammenligning med NEMSIS", "NEMSIS benchmark"),
        lq = if lang.en { "lang=en" } else { "" },
        other = esc(&other),
        switch = lang.t("English", "Norsk"),
    ))
}

/// The page frame for pages outside this module.
pub(crate) fn layout_page(
    state: &AppState,
    en: bool,
    title: &str,
    query: &str,
    body: &str,
) -> Html<String> {
    layout(state, &Lang { en }, title, query, body)
}

fn period_form(lang: &Lang, from: &str, to: &str, action: &str) -> String {
    format!(
        r#"<form method="get" action="{action}"><label>{f} <input name="from" value="{from}" pattern="[0-9]{{4}}-[0-9]{{2}}" size="7"></label>
<label>{t} <input name="to" value="{to}" pattern="[0-9]{{4}}-[0-9]{{2}}" size="7"></label>{hidden}<button type="submit">{show}</button></form>"#,
        f = lang.t("Fra", "From"),
        t = lang.t("til", "to"),
        from = esc(from),
        to = esc(to),
        hidden = if lang.en { "<input type=\"hidden\" name=\"lang\" value=\"en\">" } else { "" },
        show = lang.t("Vis", "Show"),
    )
}

/// A table with an id, a header row and ready-made body rows.
fn html_table(id: &str, headers: &[&str], rows: &str) -> String {
    let head: String = headers.iter().map(|h| format!("<th>{}</th>", esc(h))).collect();
    format!("<table id=\"{id}\"><tr>{head}</tr>{rows}</table>")
}

/// A field of a published figure: its value as `fmt` shows it, else the symbol of its
/// status (`:` suppressed, `..` no data; no figure at all is no data).
fn cell(f: Option<&Value>, field: &str, fmt: impl Fn(&Value) -> Option<String>) -> String {
    let Some(f) = f else { return "..".into() };
    fmt(&f[field]).unwrap_or_else(|| status_symbol(f, field).unwrap_or("..").to_string())
}

fn num(v: &Value) -> Option<String> {
    v.as_u64().map(|n| n.to_string())
}

fn minutes(v: &Value) -> Option<String> {
    v.as_f64().map(|s| format!("{:.1} min", s / 60.0))
}

fn percent(v: &Value) -> Option<String> {
    v.as_f64().map(|s| format!("{:.1} %", s * 100.0))
}

/// A line chart of one value per month, as SVG with a title and an accessible description.
fn month_chart(title: &str, points: &[(String, Option<f64>)]) -> String {
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
    let labels: String = points
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 3 == 0)
        .map(|(i, (m, _))| {
            format!(
                "<text x=\"{:.1}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
                xy(i, 0.0).0,
                h - 20.0,
                esc(m)
            )
        })
        .collect();
    format!(
        r##"<svg viewBox="0 0 {w} {h}" role="img" aria-label="{t}"><title>{t}</title><line x1="{pad}" y1="{b}" x2="{r}" y2="{b}" stroke="#999"/><text x="4" y="{top}" font-size="11">{max:.0}</text><polyline fill="none" stroke="#0b5394" stroke-width="2" points="{p}"/>{labels}</svg>"##,
        t = esc(title),
        b = h - pad,
        r = w - pad,
        top = pad,
        p = path.join(" "),
    )
}

fn find<'a>(figs: &'a [Value], id: Indicator, key: &str, value: &str) -> Option<&'a Value> {
    figs.iter().find(|f| f["id"] == id.name() && (key.is_empty() || f["group"][key] == value))
}

async fn figures(state: Arc<AppState>, p: IndicatorParams) -> Result<(i64, Vec<Value>), AppError> {
    tokio::task::spawn_blocking(move || {
        answer(&state, &p).map(|a| (a.version, a.figures.iter().map(figure_json).collect()))
    })
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
    let lang = Lang { en: pp.lang.as_deref() == Some("en") };
    let (df, dt) = {
        let s = state.clone();
        tokio::task::spawn_blocking(move || default_period(&s)).await.map_err(AppError::internal)?
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
    let (_, centres) = if centre.is_none() {
        figures(
            state.clone(),
            IndicatorParams {
                by: Some("centre".into()),
                indicator: Some("volume,response_time,response_within_target".into()),
                ..base.clone()
            },
        )
        .await?
    } else {
        (version, Vec::new())
    };
    let query = format!("from={}&to={}{}", from, to, if lang.en { "&lang=en" } else { "" });
    let mut body = period_form(
        &lang,
        &from,
        &to,
        &centre.as_ref().map_or("/".to_string(), |c| format!("/sentral/{c}")),
    );
    body += &format!("<p>{} {version}. <a id=\"download-csv\" href=\"/data/indikatorer.csv?from={from}&to={to}{c}&by=month\">CSV</a> · <a href=\"/data/indikatorer.json?from={from}&to={to}{c}&by=month\">JSON-stat</a> · <a href=\"/api/indicators?from={from}&to={to}{c}\">API</a></p>",
        lang.t("Dataversjon", "Data version"), c = centre.as_ref().map_or(String::new(), |c| format!("&centre={c}")));

    // Key figures against their targets.
    let vol = find(&total, Indicator::Volume, "", "");
    let resp = find(&total, Indicator::ResponseTime, "", "");
    let urban = find(&total, Indicator::ResponseWithinTarget, "area", "urban");
    let rural = find(&total, Indicator::ResponseWithinTarget, "area", "rural");
    let share = |f: Option<&Value>| {
        cell(f, "share", |v| {
            v.as_f64().map(|s| {
                let class = if s >= 0.9 { "ok" } else { "miss" };
                format!("<span class=\"{class}\">{:.1} %</span>", s * 100.0)
            })
        })
    };
    body += &format!(
        "<section><div class=\"kpi\">{}<b id=\"kpi-incidents\">{}</b></div><div class=\"kpi\">{}<b id=\"kpi-missions\">{}</b></div>\
         <div class=\"kpi\">{}<b id=\"kpi-median\">{}</b>p90 {}</div>\
         <div class=\"kpi\">{}<b>{}</b>{}</div><div class=\"kpi\">{}<b>{}</b>{}</div></section>",
        lang.t("Hendelser", "Incidents"),
        cell(vol, "incidents", num),
        lang.t("Ambulanseoppdrag", "Ambulance missions"),
        cell(vol, "missions", num),
        lang.t("Responstid rød, median", "Response time red, median"),
        cell(resp, "median_s", minutes),
        cell(resp, "p90_s", minutes),
        lang.t("Innen 12 min, tettbygd", "Within 12 min, urban"),
        share(urban),
        lang.t("mål 90 %", "target 90 %"),
        lang.t("Innen 25 min, spredtbygd", "Within 25 min, rural"),
        share(rural),
        lang.t("mål 90 %", "target 90 %"),
    );

    // The monthly trend, chart and table.
    let months: Vec<(String, Option<f64>, String, String)> = monthly
        .iter()
        .filter(|f| f["id"] == Indicator::Volume.name())
        .map(|f| {
            let m = f["group"]["month"].as_str().unwrap_or("").to_string();
            let median =
                cell(find(&monthly, Indicator::ResponseTime, "month", &m), "median_s", minutes);
            (m, f["incidents"].as_f64(), cell(Some(f), "incidents", num), median)
        })
        .collect();
    let title = lang.t("Hendelser per måned", "Incidents per month");
    body += &format!(
        "<h2>{title}</h2>{}",
        month_chart(title, &months.iter().map(|(m, v, ..)| (m.clone(), *v)).collect::<Vec<_>>())
    );
    let rows: String = months
        .iter()
        .map(|(m, _, v, r)| {
            format!("<tr><td>{}</td><td>{}</td><td>{}</td></tr>", esc(m), esc(v), esc(r))
        })
        .collect();
    let headers = [
        lang.t("Måned", "Month"),
        lang.t("Hendelser", "Incidents"),
        lang.t("Responstid rød, median", "Response time red, median"),
    ];
    body += &format!(
        "<details><summary>{}</summary>{}</details>",
        lang.t("Tabell", "Table"),
        html_table("monthly", &headers, &rows)
    );

    // Centres compared.
    if !centres.is_empty() {
        let mut rows = String::new();
        for f in centres.iter().filter(|f| f["id"] == Indicator::Volume.name()) {
            let c = f["group"]["centre"].as_str().unwrap_or("");
            let r = find(&centres, Indicator::ResponseTime, "centre", c);
            let within = |area: &str| {
                let f = centres.iter().find(|x| {
                    x["id"] == Indicator::ResponseWithinTarget.name()
                        && x["group"]["centre"] == c
                        && x["group"]["area"] == area
                });
                cell(f, "share", percent)
            };
            rows += &format!(
                "<tr><td><a href=\"/sentral/{c}?{q}\">{c}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                cell(Some(f), "incidents", num),
                cell(Some(f), "missions", num),
                cell(r, "median_s", minutes),
                within("urban"),
                within("rural"),
                c = esc(c),
                q = esc(&query),
            );
        }
        let headers = [
            lang.t("Sentral", "Centre"),
            lang.t("Hendelser", "Incidents"),
            lang.t("Oppdrag", "Missions"),
            lang.t("Responstid rød, median", "Response red, median"),
            lang.t("Innen 12 min (tettbygd)", "Within 12 min (urban)"),
            lang.t("Innen 25 min (spredtbygd)", "Within 25 min (rural)"),
        ];
        let dl = esc(&format!(
            "from={from}&to={to}&by=centre&indicator=volume,response_time,response_within_target"
        ));
        body += &format!(
            "<h2>{}</h2>{}<p><a href=\"/data/indikatorer.csv?{dl}\">CSV</a> · <a href=\"/data/indikatorer.json?{dl}\">JSON-stat</a></p>",
            lang.t("Sentralene", "The centres"),
            html_table("centres", &headers, &rows)
        );
    }
    body += &format!(
        "<p><small>{}</small></p>",
        lang.t(
            "Tallene er beskyttet med cellenøkkelmetoden: hvert antall har et lite, fast støyledd (høyst ±3), så summer ikke alltid er lik summen av delene. : = skjult (under 5 etter støy), .. = ingen data, 0 = null.",
            "Figures are protected by the cell-key method: each count carries a small fixed noise (at most ±3), so totals need not equal the sum of their parts. : = suppressed (under 5 after noise), .. = no data, 0 = zero."
        )
    );
    let title = match &centre {
        Some(c) => akutt_model::centre::centre(c).map_or(c.clone(), |x| x.name.clone()),
        None => lang
            .t(
                "Akuttmedisinsk kommunikasjon – nasjonal oversikt",
                "Emergency medical dispatch – national overview",
            )
            .to_string(),
    };
    Ok(layout(&state, &lang, &title, &query, &body))
}

/// `GET /definisjoner`: the indicator definitions in plain language.
pub async fn definitions(
    State(state): State<Arc<AppState>>,
    QueryParams(pp): QueryParams<PageParams>,
) -> Html<String> {
    let lang = Lang { en: pp.lang.as_deref() == Some("en") };
    let items: &[(Indicator, &str, &str)] = &[
        (Indicator::ResponseTime, "Fra første henvendelse til første bilambulanse er fremme, røde hendelser, ikke bestilte turer eller feilringinger. Median og 90-persentil (nærmeste rang).", "From the first contact to the first road ambulance at the scene, red incidents, not pre-booked transports or misdials. Median and 90th percentile (nearest rank)."),
        (Indicator::ResponseWithinTarget, "Andel røde hendelser med responstid inntil 12 minutter i tettbygd og 25 minutter i spredtbygd strøk. Nasjonalt mål: 90 %.", "Share of red incidents reached within 12 minutes (urban) or 25 minutes (rural). National target: 90 %."),
        (Indicator::AmkReactionTime, "Fra første henvendelse på 113 til første varsling av en ressurs, etter hastegrad.", "From the first contact on 113 to the first alert of a resource, by urgency."),
        (Indicator::AlertToArrival, "Fra varsling til fremme for den bilambulansen som kom først.", "From alert to arrival of the first-arriving road ambulance."),
        (Indicator::Volume, "Henvendelser, hendelser og ambulanseoppdrag; per 1000 innbyggere og endring fra samme periode året før.", "Contacts, incidents and ambulance missions; per 1000 inhabitants and change from the same period a year earlier."),
        (Indicator::MissionTime, "Fra varslet til ledig per oppdrag, og sum ambulansetimer.", "From alert to free per mission, and total unit-hours."),
    ];
    let mut body: String = items
        .iter()
        .map(|(id, nb, en)| {
            format!("<h2 id=\"{id}\"><code>{id}</code></h2><p>{}</p>", lang.t(nb, en))
        })
        .collect();
    body += &disclosure_section(&lang, state.config.suppression_threshold);
    let query = if lang.en { "lang=en".to_string() } else { String::new() };
    layout(&state, &lang, lang.t("Definisjoner", "Definitions"), &query, &body)
}

/// The method of disclosure control in plain words, with its perturbation table.
fn disclosure_section(lang: &Lang, threshold: u64) -> String {
    let table = akutt_disclosure::PTable::standard();
    let mut out = format!(
        "<h2 id=\"personvern\">{}</h2>",
        lang.t("Personvern: cellenøkkelmetoden", "Confidentiality: the cell-key method")
    );
    let text_nb = format!(
        "Ingen offentlig tabell skal kunne avsløre enkeltpersoner, heller ikke når man trekker \
         tabeller fra hverandre (januar–mars minus januar–februar). Derfor får hvert antall et \
         lite støyledd før det publiseres: hver hendelse (og henvendelse, oppdrag, anrop) har en \
         fast, tilfeldig nøkkel; en celles nøkkel er summen av nøklene til det den teller, og \
         tabellen under gir støyen for (sant antall, cellens nøkkel). Samme hendelser gir derfor \
         alltid samme tall, uansett spørring. Støyen er høyst ±{d}, i snitt 0, med varians {v}; \
         0 forblir 0. Antall under {threshold} etter støy vises som «:» (skjult), «..» betyr \
         ingen data. Andeler, rater og endringer regnes av de publiserte antallene; median og \
         persentiler vises bare der antallet er minst {threshold}. Nasjonale tall avviker derfor \
         med høyst {d} fra de eksakte, og en sum er ikke alltid lik summen av delene. Eksakte \
         tall finnes bare i det lukkede området. Metoden er Australian Bureau of Statistics' \
         (TableBuilder), også brukt for folketellingen 2021 i England og Wales.",
        d = table.max_noise,
        v = table.variance
    );
    let text_en = format!(
        "No public table may disclose a person, not even when tables are subtracted from each \
         other (January–March minus January–February). Every count therefore gets a small noise \
         before it is published: every incident (and contact, mission, call) has a fixed random \
         key; a cell's key is the sum of the keys of what it counts, and the table below gives \
         the noise for (true count, cell key). The same incidents always give the same figure, \
         whatever the query. The noise is at most ±{d}, 0 on average, with variance {v}; 0 stays \
         0. Counts under {threshold} after noise show as ':' (suppressed), '..' means no data. \
         Shares, rates and changes are computed from the published counts; medians and \
         percentiles are shown only where the count is at least {threshold}. National figures \
         therefore differ from the exact ones by at most {d}, and a total need not equal the sum \
         of its parts. Exact figures are only in the restricted area. The method is the \
         Australian Bureau of Statistics' (TableBuilder), also used for the 2021 census of \
         England and Wales.",
        d = table.max_noise,
        v = table.variance
    );
    out += &format!("<p>{}</p>", esc(if lang.en { &text_en } else { &text_nb }));
    let noises: Vec<i64> = (-table.max_noise..=table.max_noise).collect();
    let mut head = vec![lang.t("Sant antall", "True count").to_string()];
    head.extend(noises.iter().map(|d| format!("{d:+}")));
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let last = table.rows.len() - 1;
    let rows: String = table
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let label = if i == last { format!("{}+", row.count) } else { row.count.to_string() };
            let cells: String = noises
                .iter()
                .map(|d| {
                    let p = row.noise.iter().position(|x| x == d).map(|k| row.probability[k]);
                    format!(
                        "<td>{}</td>",
                        p.map_or(String::new(), |p| format!("{:.1} %", p * 100.0))
                    )
                })
                .collect();
            format!("<tr><td>{}</td>{cells}</tr>", esc(&label))
        })
        .collect();
    out += &format!(
        "<p>{}</p>{}",
        lang.t(
            "Perturbasjonstabellen: sannsynligheten for hver støyverdi gitt sant antall (maksimal entropi, middelverdi 0).",
            "The perturbation table: the probability of each noise given the true count (maximum entropy, mean 0)."
        ),
        html_table("ptable", &head, &rows)
    );
    out
}

#[derive(Debug, Default, Deserialize, Clone)]
pub struct MapParams {
    pub from: Option<String>,
    pub to: Option<String>,
    pub lang: Option<String>,
    /// `median` (response time, red), `share` (within target) or `per1000` (missions).
    pub measure: Option<String>,
    /// The municipality structure (its year; default the newest).
    pub structure: Option<String>,
}

/// `GET /kart`: a choropleth of municipalities.
pub async fn map(
    State(state): State<Arc<AppState>>,
    QueryParams(mp): QueryParams<MapParams>,
) -> Result<Html<String>, AppError> {
    let lang = Lang { en: mp.lang.as_deref() == Some("en") };
    let (df, dt) = {
        let s = state.clone();
        tokio::task::spawn_blocking(move || default_period(&s)).await.map_err(AppError::internal)?
    };
    let (from, to) = (mp.from.clone().unwrap_or(df), mp.to.clone().unwrap_or(dt));
    let measure = match mp.measure.as_deref() {
        Some("share") => "share",
        Some("per1000") => "per1000",
        _ => "median",
    };
    let params = IndicatorParams {
        from: Some(from.clone()),
        to: Some(to.clone()),
        by: Some("kommune".into()),
        indicator: Some("volume,response_time,response_within_target".into()),
        structure: mp.structure.clone().filter(|s| !s.trim().is_empty()),
        ..IndicatorParams::default()
    };
    let st = state.clone();
    let a = tokio::task::spawn_blocking(move || answer(&st, &params))
        .await
        .map_err(AppError::internal)??;
    let (version, structure) = (a.version, a.structure);
    let figs: Vec<Value> = a.figures.iter().map(figure_json).collect();
    let register = {
        let s = state.clone();
        tokio::task::spawn_blocking(move || s.register()).await.map_err(AppError::internal)??
    };
    let mut values: std::collections::HashMap<String, Option<f64>> =
        std::collections::HashMap::new();
    let mut symbols: std::collections::HashMap<String, &'static str> =
        std::collections::HashMap::new();
    for f in figs.iter().filter(|f| f["id"] == Indicator::Volume.name()) {
        let Some(k) = f["group"]["kommune"].as_str() else { continue };
        let v = match measure {
            "median" => find(&figs, Indicator::ResponseTime, "kommune", k)
                .and_then(|r| r["median_s"].as_f64())
                .map(|s| s / 60.0),
            "per1000" => f["per_1000"]["missions"].as_f64(),
            _ => {
                let parts: Vec<&Value> = figs
                    .iter()
                    .filter(|x| {
                        x["id"] == Indicator::ResponseWithinTarget.name()
                            && x["group"]["kommune"] == k
                    })
                    .collect();
                let (n, w): (f64, f64) = parts.iter().fold((0.0, 0.0), |(n, w), x| {
                    (
                        n + x["n"].as_f64().unwrap_or(f64::NAN),
                        w + x["within"].as_f64().unwrap_or(f64::NAN),
                    )
                });
                (!parts.is_empty() && n > 0.0 && w.is_finite()).then(|| w / n * 100.0)
            }
        };
        if v.is_none() {
            // Withheld (':') when a count or statistic behind it was, else no data ('..').
            let withheld = match measure {
                "median" => find(&figs, Indicator::ResponseTime, "kommune", k)
                    .is_some_and(|r| status_symbol(r, "median_s") == Some(":")),
                "per1000" => status_symbol(f, "per_1000.missions") == Some(":"),
                _ => figs.iter().any(|x| {
                    x["id"] == Indicator::ResponseWithinTarget.name()
                        && x["group"]["kommune"] == k
                        && (status_symbol(x, "within") == Some(":")
                            || status_symbol(x, "n") == Some(":"))
                }),
            };
            if withheld {
                symbols.insert(k.to_string(), ":");
            }
        }
        values.insert(k.to_string(), v);
    }
    let (title, unit): (&str, &str) = match measure {
        "median" => (
            lang.t("Responstid rød, median (minutter)", "Response time red, median (minutes)"),
            "min",
        ),
        "per1000" => (
            lang.t(
                "Ambulanseoppdrag per 1000 innbyggere",
                "Ambulance missions per 1000 inhabitants",
            ),
            "",
        ),
        _ => (
            lang.t(
                "Andel røde hendelser innen 12/25 min (%)",
                "Share of red incidents within 12/25 min (%)",
            ),
            "%",
        ),
    };
    let shapes = {
        let s = state.clone();
        tokio::task::spawn_blocking(move || s.shapes(structure))
            .await
            .map_err(AppError::internal)??
    };
    let svg = match shapes {
        Some(shapes) => {
            crate::map::choropleth(&shapes, &values, title, |v| format!("{v:.1} {unit}"))
        }
        None => format!(
            "<p>{} {structure}.</p>",
            lang.t(
                "Ingen kartgrenser for kommunestrukturen",
                "No boundaries for the municipality structure"
            )
        ),
    };
    let q = |m: &str| {
        format!(
            "/kart?from={from}&to={to}&measure={m}&structure={structure}{}",
            if lang.en { "&lang=en" } else { "" }
        )
    };
    let mut body = period_form(&lang, &from, &to, "/kart");
    body += &format!(
        "<p>{}: <a href=\"{}\">{}</a> · <a href=\"{}\">{}</a> · <a href=\"{}\">{}</a>. {} {version}.</p>",
        lang.t("Vis", "Show"),
        esc(&q("median")),
        lang.t("responstid", "response time"),
        esc(&q("share")),
        lang.t("andel innen frist", "share within target"),
        esc(&q("per1000")),
        lang.t("oppdrag per 1000", "missions per 1000"),
        lang.t("Dataversjon", "Data version"),
    );
    let years: Vec<String> = register
        .structures()
        .iter()
        .map(|s| {
            let label = format!("{} {}", lang.t("struktur", "structure"), s.year);
            if s.year == structure {
                format!("<strong>{label}</strong>")
            } else {
                let m = measure;
                format!(
                    "<a href=\"{}\">{label}</a>",
                    esc(&format!(
                        "/kart?from={from}&to={to}&measure={m}&structure={}{}",
                        s.year,
                        if lang.en { "&lang=en" } else { "" }
                    ))
                )
            }
        })
        .collect();
    body += &format!(
        "<p id=\"structure\">{}: {}.</p>",
        lang.t("Kommuner", "Municipalities"),
        years.join(" · ")
    );
    for n in &a.splits {
        let text = if lang.en {
            n.to_string()
        } else {
            format!(
                "{} ble delt; registreringene og folketallet telles i {}, etterfølgeren med størst andel av arealet",
                n.from, n.to
            )
        };
        body += &format!("<p class=\"note\">{} {}</p>", lang.t("Merk:", "Note:"), esc(&text));
    }
    body += &format!("<h2>{}</h2>{svg}", esc(title));
    let municipalities = register.structure(structure).map_or(&[][..], |s| &s.municipalities[..]);
    let mut rows: Vec<(&str, &str, Option<f64>)> = municipalities
        .iter()
        .map(|s| (s.number.as_str(), s.name.as_str(), values.get(&s.number).copied().flatten()))
        .collect();
    rows.sort_by(|a, b| a.0.cmp(b.0));
    let body_rows: String = rows
        .iter()
        .map(|(n, name, v)| {
            format!(
                "<tr><td>{n} {}</td><td>{}</td></tr>",
                esc(name),
                v.map_or_else(
                    || symbols.get(*n).copied().unwrap_or("..").to_string(),
                    |v| format!("{v:.1}")
                )
            )
        })
        .collect();
    body += &format!(
        "<details><summary>{}</summary>{}</details>",
        lang.t("Tabell", "Table"),
        html_table("map-table", &[lang.t("Kommune", "Municipality"), title], &body_rows)
    );
    body += &format!(
        "<p><small>{}</small></p>",
        lang.t(
            "Skravert: ingen data eller skjult (færre enn 5). Kart: Kartverket, CC BY 4.0.",
            "Hatched: no data or withheld (under 5). Map: Kartverket, CC BY 4.0."
        )
    );
    let query = format!("from={from}&to={to}{}", if lang.en { "&lang=en" } else { "" });
    Ok(layout(&state, &lang, lang.t("Kart", "Map"), &query, &body))
}
