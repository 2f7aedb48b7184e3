//! Tertial and annual reports of a release (DOMAIN.md §12, the registration guide's §1.4):
//! one document, built here from the release's public figures, printed as HTML (a maud
//! template) and as PDF (`akutt-document`). The release and data version are on every
//! page; key figures stand against their targets and against last year; the centres; the
//! contacts; incidents by urgency and type; missions by road and air; response and
//! reaction times; the monthly trend as a chart with its table; five years of growth
//! (annual); data quality per centre; definitions beside the figures; the revision note.
//! Every figure passes disclosure control and comes from the release alone, so a report
//! is the same bytes whenever it is made from its release.

use akutt_document::{Block, Chart, Date, Document, Table};
use akutt_indicators::{GroupValue, Indicator, Key, PublicFigure, Query};
use akutt_model::{Month, MonthRange};
use akutt_store::releases::Release;
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::html::{
    count, minutes, percent, target, text, times, volume, Figures, Lang, Msg, Shown,
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

    /// As in a URL or a file name: `2025-T2`, `2025`.
    pub fn id(self) -> String {
        match self {
            Period::Tertial { year, tertial } => format!("{year}-T{tertial}"),
            Period::Year(year) => year.to_string(),
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

fn shown_u64(n: Option<u64>) -> String {
    n.map_or_else(|| "..".to_string(), |n| n.to_string())
}

fn strings(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| (*s).to_string()).collect()
}

/// A `nb / en` label in the report's language.
fn in_language(lang: Lang, label: &str) -> String {
    match label.split_once(" / ") {
        Some((nb, en)) => (if lang.en { en } else { nb }).to_string(),
        None => label.to_string(),
    }
}

/// The report of `period` from release `r`, as a document (DOMAIN.md §12's contents).
pub fn document(
    state: &AppState,
    r: &Release,
    period: Period,
    lang: Lang,
) -> Result<Document, AppError> {
    let months = period.months();
    crate::release::check_months(r, months)?;
    let t = |m: Msg| lang.t(m).to_string();
    let now = figures(state, r, months, Vec::new())?;
    let now = Figures(&now);
    let before = period.a_year_before().months();
    let last_year = figures(state, r, before, Vec::new()).unwrap_or_default();
    let last_year = Figures(&last_year);
    let centres = figures(state, r, months, vec![Key::Centre])?;
    let centres = Figures(&centres);
    let monthly = figures(state, r, months, vec![Key::Month])?;
    let monthly = Figures(&monthly);
    let by_urgency = figures(state, r, months, vec![Key::Urgency])?;
    let by_urgency = Figures(&by_urgency);
    let mut blocks = Vec::new();
    blocks.push(Block::Paragraph(crate::html::release_text(lang, r)));

    // Key figures against last year and the targets.
    type Pick = fn(&crate::html::VolumeView<'_>) -> Option<u64>;
    let vol = |f: Figures<'_>, pick: Pick| {
        f.find(Indicator::Volume, &[]).and_then(volume).and_then(|v| pick(&v))
    };
    let counts: [(Msg, Pick); 5] = [
        (Msg::Incidents, |v| v.incidents.value().copied()),
        (Msg::Contacts, |v| v.contacts.value().copied()),
        (Msg::AmbulanceMissions, |v| v.missions.value().copied()),
        (Msg::RoadMissions, |v| v.road_missions.value().copied()),
        (Msg::AirMissions, |v| v.air_missions.value().copied()),
    ];
    let mut key_rows: Vec<Vec<String>> = counts
        .iter()
        .map(|(label, pick)| {
            let (a, b) = (vol(now, *pick), vol(last_year, *pick));
            vec![t(*label), shown_u64(a), shown_u64(b), signed(growth(b, a))]
        })
        .collect();
    let time = |f: Figures<'_>, id: Indicator, group: &[(&str, &str)], p90: bool| {
        f.find(id, group)
            .and_then(times)
            .map_or(Shown::NO_DATA, |(m, p)| minutes(if p90 { p } else { m }))
    };
    let share = |f: Figures<'_>, area: &str| within(f, &[("area", area)]);
    for (label, p90) in [(Msg::ResponseRedMedian, false), (Msg::ResponseRedP90, true)] {
        let (a, b) = (
            time(now, Indicator::ResponseTime, &[], p90),
            time(last_year, Indicator::ResponseTime, &[], p90),
        );
        key_rows.push(vec![t(label), a.text().into(), b.text().into(), String::new()]);
    }
    for (label, area) in [(Msg::WithinUrban, "urban"), (Msg::WithinRural, "rural")] {
        key_rows.push(vec![
            format!("{} ({})", t(label), t(Msg::Target90)),
            share(now, area).text().into(),
            share(last_year, area).text().into(),
            String::new(),
        ]);
    }
    let reaction = |f: Figures<'_>| {
        f.find(Indicator::AmkReactionTime, &[("urgency", "R")])
            .and_then(times)
            .map_or(Shown::NO_DATA, |(m, _)| minutes(m))
    };
    let reaction_before = figures(state, r, before, vec![Key::Urgency]).unwrap_or_default();
    key_rows.push(vec![
        t(Msg::ReactionRedMedian),
        reaction(by_urgency).text().into(),
        reaction(Figures(&reaction_before)).text().into(),
        String::new(),
    ]);
    blocks.push(Block::Heading(t(Msg::KeyFigures)));
    blocks.push(Block::Table(Table {
        id: "key-figures".into(),
        header: vec![
            t(Msg::Measure),
            period.name(lang),
            period.a_year_before().name(lang),
            t(Msg::Change),
        ],
        rows: key_rows,
    }));
    blocks.push(Block::Note(format!("{} {}", t(Msg::DefResponseTime), t(Msg::DefWithinTarget))));

    // Organisation: the centres.
    blocks.push(Block::Heading(t(Msg::TheCentres)));
    blocks.push(Block::Table(centres_table(lang, centres)));

    // Contacts by channel, incidents by urgency and by type.
    let breakdowns = [
        (Key::Sambandsvei, Msg::ContactsByChannel, true),
        (Key::Innringer, Msg::ContactsByCaller, true),
        (Key::Weekday, Msg::ContactsByWeekday, true),
        (Key::Urgency, Msg::IncidentsByUrgency, false),
        (Key::Hendelsestype, Msg::IncidentsByType, false),
    ];
    for (key, heading, contacts) in breakdowns {
        let of = if key == Key::Urgency {
            by_urgency.0.to_vec()
        } else {
            figures(state, r, months, vec![key])?
        };
        blocks.push(Block::Heading(t(heading)));
        blocks.push(Block::Table(breakdown(lang, key, &of, contacts)));
    }

    // Contacts by the hour of day their incident began (when the centres are busiest).
    blocks.push(Block::Heading(t(Msg::ContactsByHour)));
    let by_hour = figures(state, r, months, vec![Key::Hour])?;
    let hours = breakdown(lang, Key::Hour, &by_hour, true);
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let bars = Figures(&by_hour)
        .of(Indicator::Volume)
        .filter_map(|f| {
            let h = code_of(f, "hour")?;
            Some((format!("{h:0>2}"), volume(f)?.contacts.value().map(|n| *n as f64)))
        })
        .collect();
    blocks.push(Block::Chart(Chart {
        title: t(Msg::ContactsByHour),
        unit: t(Msg::ContactsLower),
        bars,
    }));
    blocks.push(Block::Table(hours));

    // Incident and delivery places, and the transports between institutions.
    blocks.push(Block::Heading(t(Msg::Places)));
    let places = figures(state, r, months, vec![Key::Hentested, Key::Leveringssted])?;
    let places = Figures(&places);
    for (key, id) in [(Key::Hentested, "hentested"), (Key::Leveringssted, "leveringssted")] {
        let of = figures(state, r, months, vec![key])?;
        let mut table = breakdown(lang, key, &of, false);
        table.id = id.into();
        table.header[0] =
            t(if key == Key::Hentested { Msg::IncidentPlace } else { Msg::DeliveryPlace });
        blocks.push(Block::Table(table));
    }
    const INSTITUTIONS: [&str; 4] = ["SH", "SHJ", "LEG", "INST"];
    let transfers = places
        .of(Indicator::Volume)
        .filter_map(|f| {
            let (from, to) = (text(f, "hentested")?, text(f, "leveringssted")?);
            if !INSTITUTIONS.contains(&from) || !INSTITUTIONS.contains(&to) {
                return None;
            }
            let v = volume(f)?;
            let name = |k: &str, c: &str| in_language(lang, &crate::api::category_label(k, c));
            Some(vec![
                name("hentested", from),
                name("leveringssted", to),
                count(v.incidents).text().into(),
                count(v.missions).text().into(),
            ])
        })
        .collect();
    blocks.push(Block::Table(Table {
        id: "transfers".into(),
        header: vec![
            t(Msg::TransferFrom),
            t(Msg::TransferTo),
            t(Msg::Incidents),
            t(Msg::AmbulanceMissions),
        ],
        rows: transfers,
    }));
    blocks.push(Block::Note(t(Msg::DefPlaces)));

    // Actions and resource coordination: missions by road and air, per centre.
    blocks.push(Block::Heading(t(Msg::Resources)));
    let mut resource_rows = Vec::new();
    for f in centres.of(Indicator::Volume) {
        let c = text(f, "centre").unwrap_or("");
        let Some(v) = volume(f) else { continue };
        let unit_hours = centres
            .find(Indicator::MissionTime, &[("centre", c)])
            .and_then(|f| match &f.values {
                akutt_indicators::PublicValues::Missions { unit_hours, .. } => {
                    Some(Shown::of(unit_hours, |h| format!("{h:.0}")))
                }
                _ => None,
            })
            .unwrap_or(Shown::NO_DATA);
        resource_rows.push(vec![
            centre_name(c),
            count(v.missions).text().into(),
            count(v.road_missions).text().into(),
            count(v.air_missions).text().into(),
            unit_hours.text().into(),
        ]);
    }
    blocks.push(Block::Table(Table {
        id: "resources".into(),
        header: vec![
            t(Msg::Centre),
            t(Msg::AmbulanceMissions),
            t(Msg::RoadAmbulance),
            t(Msg::AirAmbulance),
            t(Msg::UnitHours),
        ],
        rows: resource_rows,
    }));
    blocks.push(Block::Note(t(Msg::DefMissionTime)));

    // Response and reaction times.
    blocks.push(Block::Heading(t(Msg::ResponseTimes)));
    let mut time_rows = Vec::new();
    for f in centres.of(Indicator::Volume) {
        let c = text(f, "centre").unwrap_or("");
        let within = |area: &str| within(centres, &[("centre", c), ("area", area)]);
        time_rows.push(vec![
            centre_name(c),
            time(centres, Indicator::ResponseTime, &[("centre", c)], false).text().into(),
            time(centres, Indicator::ResponseTime, &[("centre", c)], true).text().into(),
            within("urban").text().into(),
            within("rural").text().into(),
        ]);
    }
    time_rows.push(vec![
        t(Msg::Norway),
        time(now, Indicator::ResponseTime, &[], false).text().into(),
        time(now, Indicator::ResponseTime, &[], true).text().into(),
        share(now, "urban").text().into(),
        share(now, "rural").text().into(),
    ]);
    blocks.push(Block::Table(Table {
        id: "response-times".into(),
        header: vec![
            t(Msg::Centre),
            t(Msg::Median),
            t(Msg::P90),
            t(Msg::WithinUrbanColumn),
            t(Msg::WithinRuralColumn),
        ],
        rows: time_rows,
    }));
    let reaction_rows = by_urgency
        .of(Indicator::AmkReactionTime)
        .filter_map(|f| {
            let u = text(f, "urgency")?;
            let (m, p) = times(f)?;
            let label = in_language(lang, &crate::api::category_label("urgency", u));
            Some(vec![label, minutes(m).text().into(), minutes(p).text().into()])
        })
        .collect();
    blocks.push(Block::Table(Table {
        id: "reaction".into(),
        header: vec![t(Msg::ReactionByUrgency), t(Msg::Median), t(Msg::P90)],
        rows: reaction_rows,
    }));
    blocks.push(Block::Note(t(Msg::DefReaction)));

    // The monthly trend: a chart and its table.
    blocks.push(Block::Heading(t(Msg::MonthlyTrend)));
    let mut bars = Vec::new();
    let mut month_rows = Vec::new();
    for f in monthly.of(Indicator::Volume) {
        let (Some(v), Some(m)) = (volume(f), text(f, "month")) else { continue };
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        bars.push((m.to_string(), v.incidents.value().map(|n| *n as f64)));
        let status = if r.status_of(m) == "endelig" { t(Msg::Final) } else { t(Msg::Provisional) };
        month_rows.push(vec![m.to_string(), count(v.incidents).text().into(), status]);
    }
    blocks.push(Block::Chart(Chart {
        title: t(Msg::IncidentsPerMonth),
        unit: t(Msg::IncidentsLower),
        bars,
    }));
    blocks.push(Block::Table(Table {
        id: "monthly".into(),
        header: vec![t(Msg::Month), t(Msg::Incidents), t(Msg::Status)],
        rows: month_rows,
    }));

    // The annual report: five years of growth (as far back as the release has data).
    if let Period::Year(y) = period {
        let from = Month::new(y - 4, 1).unwrap_or(months.from());
        let span = MonthRange::new(from, months.to()).unwrap_or(months);
        let years = figures(state, r, span, vec![Key::Year])?;
        let counts: Vec<(String, Option<u64>, Option<u64>)> = Figures(&years)
            .of(Indicator::Volume)
            .filter_map(|f| {
                let y = match f.group.get("year") {
                    Some(GroupValue::Number(y)) => y.to_string(),
                    _ => return None,
                };
                let v = volume(f)?;
                Some((y, v.incidents.value().copied(), v.missions.value().copied()))
            })
            .collect();
        blocks.push(Block::Heading(t(Msg::FiveYears)));
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        blocks.push(Block::Chart(Chart {
            title: t(Msg::IncidentsPerYear),
            unit: t(Msg::IncidentsLower),
            bars: counts.iter().map(|(y, n, _)| (y.clone(), n.map(|n| n as f64))).collect(),
        }));
        let rows = counts
            .iter()
            .enumerate()
            .map(|(i, (y, n, m))| {
                let previous = i.checked_sub(1).map(|p| &counts[p]);
                vec![
                    y.clone(),
                    shown_u64(*n),
                    previous.map_or(String::new(), |p| signed(growth(p.1, *n))),
                    shown_u64(*m),
                    previous.map_or(String::new(), |p| signed(growth(p.2, *m))),
                ]
            })
            .collect();
        blocks.push(Block::Table(Table {
            id: "growth".into(),
            header: vec![
                t(Msg::Year),
                t(Msg::Incidents),
                t(Msg::Growth),
                t(Msg::AmbulanceMissions),
                t(Msg::Growth),
            ],
            rows,
        }));
    }

    // Data quality per centre.
    blocks.push(Block::Heading(t(Msg::DataQuality)));
    blocks.push(Block::Table(quality_table(state, r, months, lang)?));
    blocks.push(Block::Note(t(Msg::DataQualityNote)));

    blocks.push(Block::Heading(t(Msg::Definitions)));
    blocks.push(Block::Definitions(
        Indicator::ALL
            .iter()
            .map(|id| (id.name().to_string(), t(crate::html::definition(*id))))
            .collect(),
    ));
    blocks.push(Block::Note(t(Msg::NoiseNote)));

    blocks.push(Block::Heading(t(Msg::Revisions)));
    let changes: Vec<serde_json::Value> = serde_json::from_str(&r.changes).unwrap_or_default();
    if changes.is_empty() {
        blocks.push(Block::Paragraph(t(Msg::NoRevisions)));
    } else {
        blocks.push(Block::Paragraph(format!("{} {}", changes.len(), t(Msg::RevisionsAmong))));
        let cell = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            v => v.to_string(),
        };
        blocks.push(Block::Table(Table {
            id: "revisions".into(),
            header: strings(&["indicator", "group", "field", "old", "new"]),
            rows: changes
                .iter()
                .take(50)
                .map(|c| {
                    vec![
                        cell(&c["indicator"]),
                        c["group"].to_string(),
                        cell(&c["field"]),
                        cell(&c["old"]),
                        cell(&c["new"]),
                    ]
                })
                .collect(),
        }));
    }
    blocks.push(Block::Note(t(Msg::NotYetInReport)));

    let subtitle = match period {
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
    Ok(Document {
        title: t(Msg::OverviewTitle),
        subtitle,
        language: lang.code().to_string(),
        stamp,
        banner: state.config.synthetic.then(|| t(Msg::Synthetic)),
        date: Date::parse(&r.created_at),
        blocks,
    })
}

/// A group value as text (`OSL`, `2024`, `7`); `None` for an unknown one.
fn code_of(f: &PublicFigure, key: &str) -> Option<String> {
    match f.group.get(key)? {
        GroupValue::Text(s) => Some(s.clone()),
        GroupValue::Number(n) => Some(n.to_string()),
        GroupValue::Null => None,
    }
}

/// The share within 12/25 minutes of the group, as shown.
fn within(f: Figures<'_>, group: &[(&str, &str)]) -> Shown {
    f.find(Indicator::ResponseWithinTarget, group)
        .and_then(target)
        .map_or(Shown::NO_DATA, |(_, _, s)| percent(s))
}

fn centre_name(code: &str) -> String {
    match akutt_model::centre::centre(code) {
        Some(c) => format!("{code} {}", c.name),
        None => code.to_string(),
    }
}

/// The centres compared (as on the dashboard): incidents, missions, the red response
/// median and the shares within target.
fn centres_table(lang: Lang, centres: Figures<'_>) -> Table {
    let rows = centres
        .of(Indicator::Volume)
        .map(|f| {
            let c = text(f, "centre").unwrap_or("");
            let within = |area: &str| within(centres, &[("centre", c), ("area", area)]);
            let v = volume(f);
            vec![
                centre_name(c),
                v.as_ref().map_or(Shown::NO_DATA, |v| count(v.incidents)).text().into(),
                v.as_ref().map_or(Shown::NO_DATA, |v| count(v.missions)).text().into(),
                crate::html::median_minutes(
                    centres.find(Indicator::ResponseTime, &[("centre", c)]),
                )
                .text()
                .into(),
                within("urban").text().into(),
                within("rural").text().into(),
            ]
        })
        .collect();
    Table {
        id: "centres".into(),
        header: [
            Msg::Centre,
            Msg::Incidents,
            Msg::Missions,
            Msg::ResponseRedMedian,
            Msg::WithinUrbanColumn,
            Msg::WithinRuralColumn,
        ]
        .iter()
        .map(|m| lang.t(*m).to_string())
        .collect(),
        rows,
    }
}

/// Counts by one code list (contacts or incidents), with each category's share.
fn breakdown(lang: Lang, key: Key, of: &[PublicFigure], contacts: bool) -> Table {
    let rows: Vec<(String, String, String, Option<u64>)> = of
        .iter()
        .filter(|f| f.id == Indicator::Volume)
        .filter_map(|f| {
            let v = volume(f)?;
            let n = if contacts { v.contacts } else { v.incidents };
            let code = code_of(f, key.name()).unwrap_or_else(|| "ukjent".to_string());
            let label = match (key, code.as_str()) {
                // An incident whose missions delivered nowhere (or that had none).
                (Key::Leveringssted, "ukjent") => "Ingen levering / No delivery".to_string(),
                _ => crate::api::category_label(key.name(), &code),
            };
            let label = if label == code { String::new() } else { in_language(lang, &label) };
            Some((code, label, count(n).text().to_string(), n.value().copied()))
        })
        .collect();
    let total: u64 = rows.iter().filter_map(|r| r.3).sum();
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let rows = rows
        .into_iter()
        .map(|(code, label, shown, n)| {
            let share = match n {
                Some(n) if total > 0 => format!("{:.1} %", n as f64 / total as f64 * 100.0),
                _ => String::new(),
            };
            vec![code, label, shown, share]
        })
        .collect();
    Table {
        id: key.name().into(),
        header: vec![
            lang.t(Msg::Category).into(),
            lang.t(Msg::Name).into(),
            lang.t(Msg::Count).into(),
            lang.t(Msg::Share).into(),
        ],
        rows,
    }
}

/// Data quality per centre over the report's months, from the submissions the release
/// holds: months delivered, the share of incidents the rules rejected (E-rules) and
/// warnings (W-rules) per 1,000 accepted incidents. Shares only, through disclosure
/// control (`Disclosure::process_share`): no exact count of the release leaves here.
fn quality_table(
    state: &AppState,
    r: &Release,
    months: MonthRange,
    lang: Lang,
) -> Result<Table, AppError> {
    #[derive(Default)]
    struct Tally {
        months: std::collections::BTreeSet<Month>,
        accepted: u64,
        rejected: u64,
        warnings: u64,
    }
    let catalog = state.catalog()?;
    let mut by_centre: std::collections::BTreeMap<String, Tally> = Default::default();
    for s in catalog.visible_at(Some(r.data_version))? {
        let month = |d: &Option<String>| d.as_deref().and_then(|d| Month::parse(d.get(..7)?).ok());
        let (Some(centre), Some(from), Some(to)) =
            (s.centre.clone(), month(&s.period_from), month(&s.period_to))
        else {
            continue;
        };
        let Ok(span) = MonthRange::new(from, to) else { continue };
        let inside: Vec<Month> = span.iter().filter(|m| months.contains(*m)).collect();
        if inside.is_empty() {
            continue;
        }
        let tally = by_centre.entry(centre).or_default();
        tally.months.extend(inside);
        tally.accepted += u64::try_from(s.incidents_accepted.unwrap_or(0)).unwrap_or(0);
        tally.rejected += u64::try_from(s.incidents_rejected.unwrap_or(0)).unwrap_or(0);
        let report: serde_json::Value =
            catalog.report(s.id)?.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default();
        if let Some(rules) = report["findings_per_rule"].as_object() {
            tally.warnings += rules
                .iter()
                .filter(|(k, _)| k.starts_with('W'))
                .filter_map(|(_, n)| n.as_u64())
                .sum::<u64>();
        }
    }
    let d = state.disclosure();
    let expected = months.iter().count();
    let rows = by_centre
        .into_iter()
        .map(|(centre, t)| {
            let rejected = d.process_share(t.rejected, t.accepted + t.rejected);
            let warnings = d.process_share(t.warnings, t.accepted);
            vec![
                centre_name(&centre),
                format!("{} / {expected}", t.months.len()),
                percent(&rejected).text().into(),
                Shown::of(&warnings, |w| format!("{:.1}", w * 1000.0)).text().into(),
            ]
        })
        .collect();
    Ok(Table {
        id: "quality".into(),
        header: vec![
            lang.t(Msg::Centre).into(),
            lang.t(Msg::MonthsDelivered).into(),
            lang.t(Msg::RejectedShare).into(),
            lang.t(Msg::WarningsPer1000).into(),
        ],
        rows,
    })
}

/// The report of `period` from release `r`, as HTML.
pub fn html(state: &AppState, r: &Release, period: Period, lang: Lang) -> Result<String, AppError> {
    Ok(render_html(&document(state, r, period, lang)?).into_string())
}

/// The report of `period` from release `r`, as PDF.
pub fn pdf(state: &AppState, r: &Release, period: Period, lang: Lang) -> Result<Vec<u8>, AppError> {
    akutt_document::pdf(&document(state, r, period, lang)?).map_err(AppError::internal)
}

/// The file name of a report: `akutt-aarsrapport-2025-publisering-3.pdf`.
pub fn file_name(r: &Release, period: Period, lang: Lang, extension: &str) -> String {
    let kind = match (period, lang.en) {
        (Period::Tertial { .. }, false) => "tertialrapport",
        (Period::Tertial { .. }, true) => "tertial-report",
        (Period::Year(_), false) => "aarsrapport",
        (Period::Year(_), true) => "annual-report",
    };
    let release = if lang.en { "release" } else { "publisering" };
    format!("akutt-{kind}-{}-{release}-{}.{extension}", period.id(), r.id)
}

fn render_html(d: &Document) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(d.language) {
            head {
                meta charset="utf-8";
                title { (d.subtitle) " – Akutt" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                // On every printed page (a fixed element repeats on each page in print).
                div.stamp { (d.stamp) }
                @if let Some(b) = &d.banner { p.banner { (b) } }
                main tabindex="0" {
                h1 { (d.title) br; small { (d.subtitle) } }
                @for block in &d.blocks {
                    @match block {
                        Block::Heading(h) => h2 { (h) },
                        Block::Paragraph(p) => p { (p) },
                        Block::Note(p) => p.def { (p) },
                        Block::Table(t) => (crate::html::table(&t.id, &t.header.iter().map(String::as_str).collect::<Vec<_>>(), html! {
                            @for row in &t.rows { tr { @for c in row { td { (c) } } } }
                        })),
                        Block::Chart(c) => (crate::pages::month_chart(&c.title, &c.bars)),
                        Block::Definitions(terms) => dl {
                            @for (term, meaning) in terms { dt { code { (term) } } dd { (meaning) } }
                        },
                    }
                }
                }
            }
        }
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1rem 3rem;color:#1b1b1b}\
table{border-collapse:collapse;margin:1rem 0} td,th{border:1px solid #bbb;padding:.25rem .5rem;text-align:right}\
th:first-child,td:first-child{text-align:left} svg{max-width:100%;height:auto} main{display:block;overflow-x:auto} p,dd{overflow-wrap:anywhere}\
.banner{background:#ffe08a;padding:.5rem 1rem;font-weight:bold;border:1px solid #c90} .def{font-size:.9rem;color:#333}\
.stamp{position:fixed;bottom:0;left:0;right:0;font-size:.75rem;color:#555;text-align:center;background:#fff;padding:.25rem}\
@media print{body{max-width:none}}";
