//! Tertial and annual reports of a release (DOMAIN.md §12, the registration guide's §1.4), as
//! one HTML document: the release and data version on every printed page, key figures
//! against their targets and against last year, the centres, the monthly trend as SVG with
//! its table, the annual growth over five years, the definitions beside the figures, and
//! the revision note. Every figure is a public one (through disclosure control), from the
//! release alone, so a report is the same bytes whenever it is made from its release.

use akutt_indicators::{Indicator, Key, PublicFigure, Query};
use akutt_model::{Month, MonthRange};
use akutt_store::releases::Release;
use maud::{html, PreEscaped, DOCTYPE};

use crate::html::{
    count, median_minutes, share_against_target, table, target, text, volume, Figures, Lang, Msg,
};
use crate::{AppError, AppState, Code};

/// What a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// T1 January–April, T2 May–August, T3 September–December.
    Tertial {
        year: i32,
        tertial: u32,
    },
    Year(i32),
}

impl Period {
    /// `2025-T2` or `2025`.
    pub fn parse(s: &str) -> Result<Period, AppError> {
        let bad = || {
            AppError::new(
                Code::InvalidPeriod,
                format!("«{s}»: a tertial is YYYY-T1, YYYY-T2 or YYYY-T3, a year YYYY"),
            )
        };
        match s.split_once("-T") {
            Some((y, t)) => {
                let year: i32 = y.parse().map_err(|_| bad())?;
                let tertial: u32 = t.parse().map_err(|_| bad())?;
                if !(1..=3).contains(&tertial) || y.len() != 4 {
                    return Err(bad());
                }
                Ok(Period::Tertial { year, tertial })
            }
            None if s.len() == 4 => Ok(Period::Year(s.parse().map_err(|_| bad())?)),
            None => Err(bad()),
        }
    }

    pub fn months(self) -> MonthRange {
        let (year, first, last) = match self {
            Period::Tertial { year, tertial } => (year, tertial * 4 - 3, tertial * 4),
            Period::Year(year) => (year, 1, 12),
        };
        // Years of four digits (as parsed): every month exists.
        let m = |n| Month::new(year, n);
        match (m(first), m(last)) {
            (Some(a), Some(b)) => MonthRange::new(a, b).unwrap_or(MonthRange::single(a)),
            _ => MonthRange::single(Month::new(2000, 1).expect("a valid month")),
        }
    }

    /// The same months a year earlier.
    pub fn a_year_before(self) -> Period {
        match self {
            Period::Tertial { year, tertial } => Period::Tertial { year: year - 1, tertial },
            Period::Year(year) => Period::Year(year - 1),
        }
    }

    pub fn name(self, lang: Lang) -> String {
        match self {
            Period::Tertial { year, tertial } => format!("{year}-T{tertial}"),
            Period::Year(year) => {
                if lang.en {
                    format!("the year {year}")
                } else {
                    format!("året {year}")
                }
            }
        }
    }
}

fn figures(
    state: &AppState,
    r: &Release,
    months: MonthRange,
    by: Vec<Key>,
) -> Result<Vec<PublicFigure>, AppError> {
    let q = Query { months, centre: None, by, filters: Vec::new(), structure: None };
    let a =
        crate::api::answer_at(state, &q, &Indicator::ALL, Some(r.data_version), Some(r.clone()))?;
    Ok(a.figures.clone())
}

/// A change in per cent from `old` to `new`, one decimal.
#[allow(clippy::cast_precision_loss)] // counts far below 2^52
fn growth(old: Option<u64>, new: Option<u64>) -> Option<f64> {
    match (old, new) {
        (Some(o), Some(n)) if o > 0 => Some(((n as f64 / o as f64 - 1.0) * 1000.0).round() / 10.0),
        _ => None,
    }
}

fn signed(p: Option<f64>) -> String {
    p.map_or_else(|| "..".to_string(), |p| format!("{p:+.1} %"))
}

/// The report of `period` from release `r`, as HTML.
pub fn html(state: &AppState, r: &Release, period: Period, lang: Lang) -> Result<String, AppError> {
    let months = period.months();
    crate::release::check_months(r, months)?;
    let t = |m: Msg| lang.t(m);
    let now = Figures(&figures(state, r, months, Vec::new())?);
    let before = period.a_year_before().months();
    let last_year = Figures(&figures(state, r, before, Vec::new()).unwrap_or_default());
    let centres = figures(state, r, months, vec![Key::Centre])?;
    let centres = Figures(&centres);
    let monthly = figures(state, r, months, vec![Key::Month])?;
    let monthly = Figures(&monthly);
    // The annual report: five years of growth (as far back as the release has data).
    let years = match period {
        Period::Year(y) => {
            let from = Month::new(y - 4, 1).unwrap_or(months.from());
            let span = MonthRange::new(from, months.to()).unwrap_or(months);
            figures(state, r, span, vec![Key::Year])?
        }
        Period::Tertial { .. } => Vec::new(),
    };
    // Contacts by channel, incidents by urgency and by type (DOMAIN.md §12's contents).
    let breakdowns = [
        (Key::Sambandsvei, t(Msg::ContactsByChannel), true),
        (Key::Urgency, t(Msg::IncidentsByUrgency), false),
        (Key::Hendelsestype, t(Msg::IncidentsByType), false),
    ];
    let mut sections = Vec::new();
    for (key, heading, contacts) in breakdowns {
        let of = figures(state, r, months, vec![key])?;
        // (code, label, count as shown, count)
        let rows: Vec<(String, String, String, Option<u64>)> = of
            .iter()
            .filter(|f| f.id == Indicator::Volume)
            .filter_map(|f| {
                let v = volume(f)?;
                let n = if contacts { v.contacts } else { v.incidents };
                let code = text(f, key.name()).unwrap_or("ukjent").to_string();
                let label = crate::api::category_label(key.name(), &code);
                let label = if label == code { String::new() } else { label };
                // The page's language of a `nb / en` label.
                let label = match label.split_once(" / ") {
                    Some((nb, en)) => (if lang.en { en } else { nb }).to_string(),
                    None => label,
                };
                Some((code, label, count(n).text().to_string(), n.value().copied()))
            })
            .collect();
        let total: u64 = rows.iter().filter_map(|r| r.3).sum();
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        let rows: Vec<(String, String, String, String)> = rows
            .into_iter()
            .map(|(code, label, shown, n)| {
                let share = match n {
                    Some(n) if total > 0 => format!("{:.1} %", n as f64 / total as f64 * 100.0),
                    _ => String::new(),
                };
                (code, label, shown, share)
            })
            .collect();
        sections.push((key, heading, rows));
    }
    let incidents = |f: &Figures<'_>| {
        f.find(Indicator::Volume, &[]).and_then(volume).and_then(|v| v.incidents.value().copied())
    };
    let missions = |f: &Figures<'_>| {
        f.find(Indicator::Volume, &[]).and_then(volume).and_then(|v| v.missions.value().copied())
    };
    let share = |f: &Figures<'_>, area: &str| {
        f.find(Indicator::ResponseWithinTarget, &[("area", area)])
            .and_then(target)
            .map_or(html! { ".." }, |(_, _, s)| share_against_target(s))
    };
    let changes: Vec<serde_json::Value> = serde_json::from_str(&r.changes).unwrap_or_default();
    let title = match period {
        Period::Tertial { .. } => format!("{} {}", t(Msg::TertialReport), period.name(lang)),
        Period::Year(y) => format!("{} {y}", t(Msg::AnnualReport)),
    };
    let stamp = format!(
        "{} {} ({}) · {} {} · Akutt",
        t(Msg::Release),
        r.id,
        r.created_at.get(..10).unwrap_or(&r.created_at),
        t(Msg::DataVersion),
        r.data_version
    );
    // (month, incidents for the chart, incidents as shown)
    let month_rows: Vec<(String, Option<f64>, String)> = monthly
        .of(Indicator::Volume)
        .filter_map(|f| {
            let v = volume(f)?;
            #[allow(clippy::cast_precision_loss)] // counts far below 2^52
            let n = v.incidents.value().map(|n| *n as f64);
            Some((text(f, "month")?.to_string(), n, count(v.incidents).text().to_string()))
        })
        .collect();
    let months_label: Vec<(String, Option<f64>)> =
        month_rows.iter().map(|(m, n, _)| (m.clone(), *n)).collect();
    let body = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                title { (title) " – Akutt" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                // On every printed page (a fixed element repeats on each page in print).
                div.stamp { (stamp) }
                @if state.config.synthetic { p.banner { (t(Msg::Synthetic)) } }
                h1 { (t(Msg::OverviewTitle)) br; small { (title) } }
                (crate::html::release_line(lang, r))
                h2 { (t(Msg::KeyFigures)) }
                (table("key-figures", &[
                    "", &period.name(lang), &period.a_year_before().name(lang), t(Msg::Change),
                ], html! {
                    tr { td { (t(Msg::Incidents)) } td { (shown_u64(incidents(&now))) } td { (shown_u64(incidents(&last_year))) } td { (signed(growth(incidents(&last_year), incidents(&now)))) } }
                    tr { td { (t(Msg::AmbulanceMissions)) } td { (shown_u64(missions(&now))) } td { (shown_u64(missions(&last_year))) } td { (signed(growth(missions(&last_year), missions(&now)))) } }
                    tr { td { (t(Msg::ResponseRedMedian)) } td { (median_minutes(now.find(Indicator::ResponseTime, &[]))) } td { (median_minutes(last_year.find(Indicator::ResponseTime, &[]))) } td {} }
                    tr { td { (t(Msg::WithinUrban)) " (" (t(Msg::Target90)) ")" } td { (share(&now, "urban")) } td { (share(&last_year, "urban")) } td {} }
                    tr { td { (t(Msg::WithinRural)) " (" (t(Msg::Target90)) ")" } td { (share(&now, "rural")) } td { (share(&last_year, "rural")) } td {} }
                }))
                p.def { (t(Msg::DefResponseTime)) " " (t(Msg::DefWithinTarget)) }
                h2 { (t(Msg::IncidentsPerMonth)) }
                (crate::pages::month_chart(t(Msg::IncidentsPerMonth), &months_label))
                (table("monthly", &[t(Msg::Month), t(Msg::Incidents), t(Msg::Status)], html! {
                    @for (m, _, n) in &month_rows {
                        tr {
                            td { (m) }
                            td { (n) }
                            td { (if r.status_of(m) == "endelig" { t(Msg::Final) } else { t(Msg::Provisional) }) }
                        }
                    }
                }))
                @if !years.is_empty() {
                    @let years = Figures(&years);
                    @let counts: Vec<(String, Option<u64>)> = years.of(Indicator::Volume).filter_map(|f| {
                        let y = match f.group.get("year") { Some(akutt_indicators::GroupValue::Number(y)) => y.to_string(), _ => return None };
                        Some((y, volume(f)?.incidents.value().copied()))
                    }).collect();
                    h2 { (t(Msg::FiveYears)) }
                    (table("growth", &[t(Msg::Year), t(Msg::Incidents), t(Msg::Growth)], html! {
                        @for (i, (y, n)) in counts.iter().enumerate() {
                            tr {
                                td { (y) }
                                td { (shown_u64(*n)) }
                                td { @if i > 0 { (signed(growth(counts[i - 1].1, *n))) } }
                            }
                        }
                    }))
                }
                @for (key, heading, rows) in &sections {
                    h2 { (heading) }
                    (table(key.name(), &[t(Msg::Category), "", t(Msg::Count), t(Msg::Share)], html! {
                        @for (code, label, shown, share) in rows {
                            tr { td { (code) } td { (label) } td { (shown) } td { (share) } }
                        }
                    }))
                }
                h2 { (t(Msg::TheCentres)) }
                (crate::html::centres_table(lang, centres, None))
                h2 { (t(Msg::Definitions)) }
                dl {
                    @for id in Indicator::ALL {
                        dt { code { (id.name()) } }
                        dd { (t(crate::html::definition(id))) }
                    }
                }
                p.def { (t(Msg::NoiseNote)) }
                h2 { (t(Msg::Revisions)) }
                @if changes.is_empty() {
                    p { (t(Msg::NoRevisions)) }
                } @else {
                    p { (changes.len()) " " (t(Msg::RevisionsAmong)) }
                    (table("revisions", &["indicator", "group", "field", "old", "new"], html! {
                        @for c in changes.iter().take(50) {
                            tr {
                                td { (c["indicator"].as_str().unwrap_or("")) }
                                td { (c["group"].to_string()) }
                                td { (c["field"].as_str().unwrap_or("")) }
                                td { (c["old"].to_string()) }
                                td { (c["new"].to_string()) }
                            }
                        }
                    }))
                }
                p.def {
                    (t(Msg::NotYetInReport))
                }
            }
        }
    };
    Ok(body.into_string())
}

fn shown_u64(n: Option<u64>) -> String {
    n.map_or_else(|| "..".to_string(), |n| n.to_string())
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1rem 3rem;color:#1b1b1b}\
table{border-collapse:collapse;margin:1rem 0} td,th{border:1px solid #bbb;padding:.25rem .5rem;text-align:right}\
th:first-child,td:first-child{text-align:left} .miss{color:#a00} .ok{color:#060} svg{max-width:100%}\
.banner{background:#ffe08a;padding:.5rem 1rem;font-weight:bold;border:1px solid #c90} .def{font-size:.9rem;color:#333}\
.stamp{position:fixed;bottom:0;left:0;right:0;font-size:.75rem;color:#555;text-align:center;background:#fff;padding:.25rem}\
@media print{body{max-width:none}}";
