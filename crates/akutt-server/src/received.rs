//! `/mottatt`: the restricted area's view of everything received (DOMAIN.md §12): exact
//! figures by month at the latest data version — no disclosure control, this is not a
//! publication — each month marked as released (in which release, final or provisional),
//! received again since its release (the next release publishes it), or not
//! released at all. A centre user sees its own centre only; every request is audited.

use akutt_indicators::{Figure, Indicator, Key, Query, Values};
use akutt_model::{Month, MonthRange};
use akutt_store::releases::Release;

use crate::{AppError, AppState};

/// How a month of received data stands against the latest release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Published by `release` as it is now, final or provisional.
    Released { release: i64, final_: bool },
    /// Published by `release`, but a file of the month was received again since (the next
    /// release publishes it).
    ResubmittedSince { release: i64 },
    /// After the latest release's last month, or nothing is released yet.
    Unreleased,
}

/// One month of received data, exact.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthRow {
    pub month: Month,
    pub incidents: u64,
    pub contacts: u64,
    pub missions: u64,
    pub response_median_s: Option<i64>,
    pub within_urban: Option<f64>,
    pub within_rural: Option<f64>,
    pub standing: Standing,
}

/// The months of `from`–`to` (default: the twelve up to the newest month received).
pub fn months(
    state: &AppState,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<MonthRange, AppError> {
    let to = match to {
        Some(t) => Some(t.to_string()),
        None => {
            let catalog = state.catalog()?;
            let v = catalog.latest_data_version()?;
            catalog.last_month_at(v)?.and_then(Month::from_yyyymm).map(|m| m.to_string())
        }
    };
    crate::completeness::months(state, from, to.as_deref(), crate::completeness::today())
}

/// The received figures of `months` (of `centre` only when given), at the latest data version,
/// and that version.
pub fn rows(
    state: &AppState,
    months: MonthRange,
    centre: Option<&str>,
) -> Result<(i64, Vec<MonthRow>), AppError> {
    let q = Query {
        months,
        centre: centre.map(str::to_string),
        by: vec![Key::Month],
        filters: Vec::new(),
        structure: None,
    };
    let ids = [Indicator::Volume, Indicator::ResponseTime, Indicator::ResponseWithinTarget];
    // The catalog's newest version, not the public pages' once-a-second view of it: what
    // a centre sent a moment ago is here.
    let latest = state.catalog()?.latest_data_version()?;
    let (version, computed) = crate::api::compute_at(state, &q, &ids, Some(latest))?;
    let release = state.catalog()?.latest_release()?;
    let changed = changed_months(state, release.as_ref(), centre)?;
    let find = |id: Indicator, m: &str, area: Option<&str>| -> Option<&Figure> {
        computed.figures.iter().find(|f| {
            f.id == id
                && group_text(f, "month") == Some(m)
                && area.is_none_or(|a| group_text(f, "area") == Some(a))
        })
    };
    let mut out = Vec::new();
    for m in months.iter() {
        let name = m.to_string();
        let (incidents, contacts, missions) =
            match find(Indicator::Volume, &name, None).map(|f| &f.values) {
                Some(Values::Volume { incidents, contacts, missions, .. }) => {
                    (incidents.n, contacts.n, missions.n)
                }
                _ => (0, 0, 0),
            };
        let response_median_s = match find(Indicator::ResponseTime, &name, None).map(|f| &f.values)
        {
            Some(Values::Times { median_s, .. }) => *median_s,
            _ => None,
        };
        let share = |area| match find(Indicator::ResponseWithinTarget, &name, Some(area))
            .map(|f| &f.values)
        {
            Some(Values::Target { share, .. }) => *share,
            _ => None,
        };
        let standing = match &release {
            Some(r) if crate::release::through(r).is_ok_and(|t| m <= t) => {
                if changed.contains(&m) {
                    Standing::ResubmittedSince { release: r.id }
                } else {
                    Standing::Released { release: r.id, final_: r.status_of(&name) == "endelig" }
                }
            }
            _ => Standing::Unreleased,
        };
        out.push(MonthRow {
            month: m,
            incidents,
            contacts,
            missions,
            response_median_s,
            within_urban: share("urban"),
            within_rural: share("rural"),
            standing,
        });
    }
    Ok((version, out))
}

/// The months received again after `release`: a submission current now, of
/// `centre` when given, that came in a later data version, or one the release held that has
/// been superseded since.
fn changed_months(
    state: &AppState,
    release: Option<&Release>,
    centre: Option<&str>,
) -> Result<std::collections::BTreeSet<Month>, AppError> {
    let mut out = std::collections::BTreeSet::new();
    let Some(r) = release else { return Ok(out) };
    let catalog = state.catalog()?;
    let now = catalog.visible_at(None)?;
    let then = catalog.visible_at(Some(r.data_version))?;
    let ids_then: std::collections::BTreeSet<i64> = then.iter().map(|s| s.id).collect();
    let ids_now: std::collections::BTreeSet<i64> = now.iter().map(|s| s.id).collect();
    let moved = now
        .iter()
        .filter(|s| !ids_then.contains(&s.id))
        .chain(then.iter().filter(|s| !ids_now.contains(&s.id)));
    for s in moved {
        if centre.is_some_and(|c| s.centre.as_deref() != Some(c)) {
            continue;
        }
        let month = |d: &Option<String>| d.as_deref().and_then(|d| Month::parse(d.get(..7)?).ok());
        if let (Some(from), Some(to)) = (month(&s.period_from), month(&s.period_to)) {
            if let Ok(span) = MonthRange::new(from, to) {
                out.extend(span.iter());
            }
        }
    }
    Ok(out)
}

fn group_text<'a>(f: &'a Figure, key: &str) -> Option<&'a str> {
    match f.group.get(key) {
        Some(akutt_indicators::GroupValue::Text(s)) => Some(s),
        _ => None,
    }
}
