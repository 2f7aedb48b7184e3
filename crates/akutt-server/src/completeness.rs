//! The completeness calendar (DOMAIN.md §12): per centre and month, whether an extract was
//! received, when, its status, whether it came late against the deadline (day D of the
//! following month, default the 15th), and how much of the expected data it holds. For the
//! registry's staff (every centre) and each centre (its own row); restricted, exact counts.

use std::collections::HashMap;

use akutt_indicators::{Indicator, Key, Query, Values};
use akutt_model::{Month, MonthRange};
use chrono::NaiveDate;
use serde::Serialize;

use crate::{AppError, AppState};

/// The default deadline: the 15th of the month after.
pub const DEFAULT_DEADLINE_DAY: u32 = 15;

/// One submission attempt as the calendar needs it.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub centre: String,
    pub months: MonthRange,
    /// The day it was received (UTC).
    pub received: NaiveDate,
    pub accepted: bool,
    /// Accepted and not superseded.
    pub current: bool,
}

/// What the calendar says of one centre and month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub month: String,
    /// `received` (an accepted extract covers it), `rejected` (only refused attempts) or
    /// `missing`.
    pub status: &'static str,
    /// The day the month was first received in an accepted extract.
    pub received_at: Option<String>,
    /// The deadline of the month.
    pub deadline: String,
    /// Received after the deadline, or not received and the deadline has passed.
    pub late: bool,
    /// Incidents of the month in the current data (exact; restricted).
    pub incidents: Option<u64>,
    /// Incidents against the centre's median month of the twelve before with data.
    pub share_of_expected: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub centre: String,
    pub months: Vec<Cell>,
}

/// Today (UTC), the day lateness is judged on.
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The deadline of a month: day `day` of the month after (the last day if shorter).
pub fn deadline(month: Month, day: u32) -> NaiveDate {
    use chrono::Datelike;
    let next = month.plus(1).unwrap_or(month);
    let last = next.last_day().day();
    NaiveDate::from_ymd_opt(next.year(), next.number(), day.clamp(1, last))
        .unwrap_or(NaiveDate::MIN)
}

/// The calendar of `centres` over `months` (pure: the receipts, the incident counts by
/// centre and month, the deadline day and today decide it).
pub fn calendar(
    receipts: &[Receipt],
    counts: &HashMap<(String, Month), u64>,
    centres: &[String],
    months: MonthRange,
    deadline_day: u32,
    today: NaiveDate,
) -> Vec<Row> {
    centres
        .iter()
        .map(|c| {
            let of: Vec<&Receipt> = receipts.iter().filter(|r| &r.centre == c).collect();
            let cells = months
                .iter()
                .map(|m| {
                    let covering = || of.iter().filter(|r| r.months.contains(m));
                    let first = covering().filter(|r| r.accepted).map(|r| r.received).min();
                    let current = covering().any(|r| r.current);
                    let status = if current {
                        "received"
                    } else if covering().next().is_some() {
                        "rejected"
                    } else {
                        "missing"
                    };
                    let due = deadline(m, deadline_day);
                    let late = match (status, first) {
                        ("received", Some(d)) => d > due,
                        _ => today > due,
                    };
                    let incidents =
                        current.then(|| counts.get(&(c.clone(), m)).copied().unwrap_or(0));
                    // The median of the centre's months with data among the twelve before.
                    let mut before: Vec<u64> = (1..=12)
                        .filter_map(|k| m.plus(-k))
                        .filter_map(|b| counts.get(&(c.clone(), b)).copied())
                        .filter(|n| *n > 0)
                        .collect();
                    before.sort_unstable();
                    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
                    let share = match (incidents, before.get(before.len().saturating_sub(1) / 2)) {
                        (Some(n), Some(&e)) if !before.is_empty() => {
                            Some(((n as f64 / e as f64) * 1000.0).round() / 1000.0)
                        }
                        _ => None,
                    };
                    Cell {
                        month: m.to_string(),
                        status,
                        received_at: first.map(|d| d.to_string()),
                        deadline: due.to_string(),
                        late,
                        incidents,
                        share_of_expected: share,
                    }
                })
                .collect();
            Row { centre: c.clone(), months: cells }
        })
        .collect()
}

/// The months of a calendar: `from`–`to` as given (`YYYY-MM`); by default the twelve months
/// through the last month with data, or through last month if that is later.
pub fn months(
    state: &AppState,
    from: Option<&str>,
    to: Option<&str>,
    today: NaiveDate,
) -> Result<MonthRange, AppError> {
    let parse = |s: &str, what: &str| {
        Month::parse(s)
            .map_err(|e| AppError::new(crate::Code::InvalidMonth, format!("{what}={s:?}: {e}")))
    };
    let last_month = Month::of(today).plus(-1).unwrap_or(Month::of(today));
    let to = match to {
        Some(t) => parse(t, "to")?,
        None => {
            let v = state.catalog()?.latest_data_version()?;
            let data = state.catalog()?.last_month_at(v)?.and_then(Month::from_yyyymm);
            data.map_or(last_month, |d| d.max(last_month))
        }
    };
    let from = match from {
        Some(f) => parse(f, "from")?,
        None => to.plus(-11).unwrap_or(to),
    };
    MonthRange::new(from, to).map_err(|e| AppError::new(crate::Code::ReversedPeriod, e.to_string()))
}

/// The calendar of the registry as it stands: every centre (or one), from the catalog and
/// the exact counts of the latest data version.
pub fn of_registry(
    state: &AppState,
    months: MonthRange,
    only: Option<&str>,
    deadline_day: u32,
    today: NaiveDate,
) -> Result<Vec<Row>, AppError> {
    let catalog = state.catalog()?;
    let receipts: Vec<Receipt> = catalog
        .submissions()?
        .into_iter()
        .filter(|s| s.kind == akutt_store::KIND_AMK)
        .filter_map(|s| {
            let month =
                |d: &Option<String>| d.as_deref().and_then(|d| Month::parse(d.get(..7)?).ok());
            let received = NaiveDate::parse_from_str(s.received_at.get(..10)?, "%Y-%m-%d").ok()?;
            Some(Receipt {
                centre: s.centre.clone()?,
                months: MonthRange::new(month(&s.period_from)?, month(&s.period_to)?).ok()?,
                received,
                accepted: s.status == akutt_store::catalog::SubmissionStatus::Accepted,
                current: s.is_current(),
            })
        })
        .collect();
    // A year before the first month too: the expected size of a month is its past.
    let counted = MonthRange::new(months.from().plus(-12).unwrap_or(months.from()), months.to())
        .unwrap_or(months);
    let mut counts = HashMap::new();
    if catalog.latest_data_version()? > 0 {
        let q = Query {
            months: counted,
            centre: only.map(str::to_string),
            by: vec![Key::Centre, Key::Month],
            filters: Vec::new(),
            structure: None,
        };
        let (_, computed) = crate::api::compute_at(state, &q, &[Indicator::Volume], None)?;
        for f in &computed.figures {
            let text = |k: &str| match f.group.get(k) {
                Some(akutt_indicators::GroupValue::Text(s)) => Some(s.clone()),
                _ => None,
            };
            if let (Some(c), Some(m), Values::Volume { incidents, .. }) =
                (text("centre"), text("month").and_then(|m| Month::parse(&m).ok()), &f.values)
            {
                counts.insert((c, m), incidents.n);
            }
        }
    }
    let centres: Vec<String> = akutt_model::centre::centres()
        .iter()
        .map(|c| c.code.clone())
        .filter(|c| only.is_none_or(|o| o == c))
        .collect();
    Ok(calendar(&receipts, &counts, &centres, months, deadline_day, today))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Month {
        s.parse().unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_deadline_is_the_day_of_the_month_after() {
        assert_eq!(deadline(m("2024-01"), 15), day("2024-02-15"));
        assert_eq!(deadline(m("2024-12"), 15), day("2025-01-15"));
        assert_eq!(deadline(m("2024-01"), 31), day("2024-02-29"), "clamped to February");
    }

    #[test]
    fn received_late_rejected_missing_and_the_share_of_expected() {
        let months = MonthRange::new(m("2024-01"), m("2024-04")).unwrap();
        let r = |from: &str, to: &str, received: &str, accepted: bool, current: bool| Receipt {
            centre: "OSL".into(),
            months: MonthRange::new(m(from), m(to)).unwrap(),
            received: day(received),
            accepted,
            current,
        };
        let receipts = [
            // January on time, then resubmitted later (the first receipt counts).
            r("2024-01", "2024-01", "2024-02-10", true, false),
            r("2024-01", "2024-01", "2024-03-20", true, true),
            // February late.
            r("2024-02", "2024-02", "2024-03-16", true, true),
            // March only rejected.
            r("2024-03", "2024-03", "2024-04-02", false, false),
        ];
        let mut counts = HashMap::new();
        for (mm, n) in [("2023-11", 90), ("2023-12", 100), ("2024-01", 110), ("2024-02", 50)] {
            counts.insert(("OSL".to_string(), m(mm)), n);
        }
        let rows = calendar(&receipts, &counts, &["OSL".into()], months, 15, day("2024-05-01"));
        let c = &rows[0].months;
        assert_eq!(
            (c[0].status, c[0].late, c[0].received_at.as_deref()),
            ("received", false, Some("2024-02-10"))
        );
        assert_eq!((c[1].status, c[1].late), ("received", true));
        assert_eq!((c[2].status, c[2].late, c[2].incidents), ("rejected", true, None));
        // April: not received, its deadline (15 May) not passed.
        assert_eq!((c[3].status, c[3].late), ("missing", false));
        // January against the median of Nov–Dec (90, 100 → the lower middle, 90).
        assert_eq!(c[0].share_of_expected, Some(1.222));
        // February: 50 against the median of 90, 100, 110 (100).
        assert_eq!(c[1].share_of_expected, Some(0.5));
    }
}
