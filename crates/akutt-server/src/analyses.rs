//! The national programme's analyses (DOMAIN.md §13) on the registry's exact figures, for
//! `akutt analyse` and the restricted page `/analyse`: growth by year, resources (missions ×
//! minutes × share → hours → full-time equivalents), and red response times before and after
//! a change with a seeded bootstrap interval. The same engine and request syntax as the
//! indicators, at the newest data version; a centre user's analyses are of its own centre.

use akutt_indicators::analysis;
use akutt_indicators::{Computed, GroupValue, Indicator, RawRequest, Request, Values};
use akutt_model::{Month, MonthRange};
use serde_json::{json, Value};

use crate::{AppError, AppState, Code};

fn bad(detail: impl Into<String>) -> AppError {
    AppError::new(Code::InvalidAnalysis, detail)
}

/// A parsed request of the analyses' own, limited to `centre` when given.
fn request(
    from: &str,
    to: &str,
    by: &[&str],
    filters: &[String],
    indicators: &[&str],
    centre: Option<&str>,
) -> Result<Request, AppError> {
    let raw = RawRequest {
        from: Some(from),
        to: Some(to),
        centre,
        by: by.to_vec(),
        filters: filters.iter().map(String::as_str).collect(),
        indicators: indicators.to_vec(),
        ..RawRequest::default()
    };
    Request::parse(&raw).map_err(|e| AppError::request(&e))
}

/// The exact answer at the newest data version, and that version.
fn exact(state: &AppState, r: &Request) -> Result<(i64, Computed), AppError> {
    let latest = state.catalog()?.latest_data_version()?;
    crate::api::compute_at(state, &r.query, &r.indicators, Some(latest))
}

/// What a growth series counts.
fn pick(count: &str) -> Result<fn(&Values) -> Option<u64>, AppError> {
    Ok(match count {
        "incidents" => |v| match v {
            Values::Volume { incidents, .. } => Some(incidents.n),
            _ => None,
        },
        "missions" => |v| match v {
            Values::Volume { missions, .. } => Some(missions.n),
            _ => None,
        },
        "contacts" => |v| match v {
            Values::Volume { contacts, .. } => Some(contacts.n),
            _ => None,
        },
        other => return Err(bad(format!("count={other}: incidents, missions or contacts"))),
    })
}

/// `{"count", "where", "centre", "data_version", "series": [{"year", "count", "growth_pct"}]}`.
pub fn growth(
    state: &AppState,
    from_year: i32,
    to_year: i32,
    count: &str,
    filters: &[String],
    centre: Option<&str>,
) -> Result<Value, AppError> {
    if from_year > to_year {
        return Err(bad(format!("from year {from_year} is after to year {to_year}")));
    }
    if !(1900..=2999).contains(&from_year) || !(1900..=2999).contains(&to_year) {
        return Err(bad("years are four digits"));
    }
    let pick = pick(count)?;
    let from = format!("{from_year:04}-01");
    let to = format!("{to_year:04}-12");
    let r = request(&from, &to, &["year"], filters, &["volume"], centre)?;
    let (version, computed) = exact(state, &r)?;
    let counts: Vec<(i32, u64)> = (from_year..=to_year)
        .map(|y| {
            let n = computed
                .figures
                .iter()
                .filter(|f| f.id == Indicator::Volume)
                .find(|f| f.group.get("year") == Some(&GroupValue::Number(i64::from(y))))
                .and_then(|f| pick(&f.values))
                .unwrap_or(0);
            (y, n)
        })
        .collect();
    Ok(json!({
        "count": count,
        "where": filters,
        "centre": centre,
        "data_version": version,
        "series": analysis::growth(&counts),
    }))
}

/// Minutes per mission: a number, or the selection's own mean mission time.
pub enum Minutes {
    Given(f64),
    Measured,
}

impl Minutes {
    pub fn parse(s: &str) -> Result<Minutes, AppError> {
        if s.trim() == "measured" {
            return Ok(Minutes::Measured);
        }
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|m| *m >= 0.0 && m.is_finite())
            .map(Minutes::Given)
            .ok_or_else(|| bad(format!("minutes={s}: minutes per mission or `measured`")))
    }
}

/// A resources question: missions given, or counted over a period (with filters).
pub struct ResourceQuestion<'a> {
    pub missions: Option<u64>,
    pub period: Option<(&'a str, &'a str)>,
    pub filters: &'a [String],
    pub minutes: Minutes,
    pub share: f64,
    pub hours_per_fte: f64,
}

/// `{"missions", "minutes_per_mission", "share", "hours", "hours_per_fte", "fte",
/// "positions", "data_version"}`.
pub fn resources(
    state: &AppState,
    q: ResourceQuestion<'_>,
    centre: Option<&str>,
) -> Result<Value, AppError> {
    let ResourceQuestion { missions, period, filters, minutes, share, hours_per_fte } = q;
    if !(0.0..=1.0).contains(&share) {
        return Err(bad(format!("share {share}: a share between 0 and 1 (0.75 for 75 %)")));
    }
    if hours_per_fte.is_nan() || hours_per_fte <= 0.0 {
        return Err(bad(format!("hours per FTE {hours_per_fte}: more than 0")));
    }
    let (missions, mean_minutes, version) = match (missions, period) {
        (Some(n), None) => (n, None, None),
        (None, Some((from, to))) => {
            let r = request(from, to, &[], filters, &["volume", "mission_time"], centre)?;
            let (version, computed) = exact(state, &r)?;
            let n = computed.figures.iter().find_map(|f| match &f.values {
                Values::Volume { missions, .. } => Some(missions.n),
                _ => None,
            });
            let mean = computed.figures.iter().find_map(|f| match &f.values {
                Values::Missions { mean_s, .. } => mean_s.map(|s| s / 60.0),
                _ => None,
            });
            (n.unwrap_or(0), mean, Some(version))
        }
        _ => return Err(bad("give a number of missions, or a period (from and to)")),
    };
    let per_mission = match minutes {
        Minutes::Given(m) => m,
        Minutes::Measured => {
            mean_minutes.ok_or_else(|| bad("minutes=measured needs a period with mission times"))?
        }
    };
    let r =
        analysis::resources(missions, (per_mission * 10.0).round() / 10.0, share, hours_per_fte);
    let mut v = serde_json::to_value(&r).map_err(AppError::internal)?;
    v["data_version"] = json!(version);
    Ok(v)
}

/// Which municipalities a before/after compares.
pub enum Selection {
    /// Those the centre served on the date (the centres' areas).
    Centre(String),
    Kommuner(Vec<String>),
}

/// The before/after analysis (docs/ANALYSES.md): windows of `months` months before and from
/// `date` (the first of a month), their red response figures and a percentile bootstrap of
/// the difference of medians (`resamples` ≥ 2,000, seeded).
pub fn before_after(
    state: &AppState,
    date: &str,
    selection: &Selection,
    months: u32,
    seed: u64,
    resamples: usize,
    centre_only: Option<&str>,
) -> Result<Value, AppError> {
    if !(2000..=100_000).contains(&resamples) {
        return Err(bad(format!("resamples {resamples}: 2,000 to 100,000")));
    }
    if months == 0 || months > 120 {
        return Err(bad(format!("months {months}: 1 to 120")));
    }
    let day = akutt_model::time::parse_date(date)
        .map_err(|_| bad(format!("date must be YYYY-MM-DD, got «{date}»")))?;
    if !date.trim().ends_with("-01") {
        return Err(bad(format!(
            "date {date}: the first of a month (the windows are whole months)"
        )));
    }
    let first_after = Month::of(day);
    let n = i32::try_from(months).map_err(|_| bad("months"))?;
    let window = |from: Option<Month>, to: Option<Month>| match (from, to) {
        (Some(a), Some(b)) => MonthRange::new(a, b).map_err(|e| bad(e.to_string())),
        _ => Err(bad(format!("months {months} goes beyond the calendar"))),
    };
    let before = window(first_after.plus(-n), first_after.plus(-1))?;
    let after = window(Some(first_after), first_after.plus(n - 1))?;
    let catalog = state.catalog()?;
    let latest = catalog.latest_data_version()?;
    let register = catalog.register()?;
    let structure = register.newest().ok_or_else(|| bad("no municipality structure"))?;
    let kommuner = match selection {
        Selection::Centre(c) => {
            let areas = catalog.centre_areas_at(latest)?.ok_or_else(|| {
                bad("a centre's area needs the centres' areas: akutt centres load-areas FILE")
            })?;
            let served = areas.served_by(c, day, &register, structure);
            if served.is_empty() {
                return Err(bad(format!("centre {c} served no municipality on {day}")));
            }
            served
        }
        Selection::Kommuner(k) => {
            k.iter().map(|k| k.trim().to_string()).filter(|k| !k.is_empty()).collect()
        }
    };
    if kommuner.is_empty() {
        return Err(bad("give a centre or municipality numbers"));
    }
    let filters: Vec<String> = kommuner.iter().map(|k| format!("kommune:{k}")).collect();
    let ids = ["response_time", "response_within_target"];
    let mut windows = Vec::new();
    let mut samples = Vec::new();
    for w in [before, after] {
        let r =
            request(&w.from().to_string(), &w.to().to_string(), &[], &filters, &ids, centre_only)?;
        let (_, computed) = crate::api::compute_at(state, &r.query, &r.indicators, Some(latest))?;
        let loaded = state.loaded_months(Some(latest), w)?;
        let sample = analysis::response_sample(&loaded.dataset, &r.query)
            .map_err(|e| AppError::new(Code::UnknownStructure, e.to_string()))?;
        windows.push(summary(w, &computed));
        samples.push(sample);
    }
    let ci = analysis::bootstrap_median_difference(&samples[0], &samples[1], resamples, seed);
    let diff = |k: &str| match (windows[0][k].as_f64(), windows[1][k].as_f64()) {
        (Some(a), Some(b)) => json!(((b - a) * 10_000.0).round() / 10_000.0),
        _ => Value::Null,
    };
    let centre = match selection {
        Selection::Centre(c) => Some(c.clone()),
        Selection::Kommuner(_) => None,
    };
    Ok(json!({
        "date": day.to_string(),
        "selection": { "centre": centre, "kommuner": kommuner, "structure": structure.year },
        "data_version": latest,
        "before": windows[0],
        "after": windows[1],
        "difference": {
            "median_s": diff("median_s"),
            "p90_s": diff("p90_s"),
            "share_within_target": diff("share_within_target"),
            "ci95": ci.map(|(lo, hi)| [lo, hi]),
        },
        "bootstrap": { "resamples": resamples, "seed": seed, "of": "median(after) − median(before), seconds" },
    }))
}

/// One window's figures: n, median and p90 (seconds), and the share within 12/25 minutes of
/// urban and rural together.
fn summary(w: MonthRange, c: &Computed) -> Value {
    let (mut n, mut median, mut p90) = (0, None, None);
    let (mut within, mut of) = (0u64, 0u64);
    for f in &c.figures {
        match &f.values {
            Values::Times { n: count, median_s, p90_s, .. } if f.id == Indicator::ResponseTime => {
                n = count.n;
                median = *median_s;
                p90 = *p90_s;
            }
            Values::Target { n: count, within: w, .. } => {
                of += count.n;
                within += w.n;
            }
            _ => {}
        }
    }
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let share = (of > 0).then(|| ((within as f64 / of as f64) * 10_000.0).round() / 10_000.0);
    json!({
        "from": w.from().to_string(),
        "to": w.to().to_string(),
        "n": n,
        "median_s": median,
        "p90_s": p90,
        "share_within_target": share,
    })
}
