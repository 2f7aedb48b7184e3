//! Releases on the server's side (DOMAIN.md §12): which release a public question sees
//! (the latest, or the one of the data version it names), that it asks only for released
//! months, how a release is described to the public, and what a new release changes against
//! the previous one (the public figures, field by field).

use std::collections::BTreeMap;

use akutt_indicators::{Indicator, Key, Query};
use akutt_model::{Month, MonthRange};
use akutt_store::releases::{NewRelease, Release};
use serde_json::{json, Value};

use crate::api::{answer_at, figure_json};
use crate::{AppError, AppState, Code};

/// The release a public question sees: the newest, or with `as_of` the newest release of
/// that data version. Fails closed: before any release nothing is public.
pub fn public(state: &AppState, as_of: Option<i64>) -> Result<Release, AppError> {
    let Some(latest) = state.latest_release()? else {
        return Err(AppError::bare(Code::NothingReleased));
    };
    match as_of {
        None => Ok(latest),
        Some(v) if v == latest.data_version => Ok(latest),
        Some(v) => {
            let all = state.catalog()?.releases()?;
            all.into_iter().rev().find(|r| r.data_version == v).ok_or_else(|| {
                AppError::new(
                    Code::NotReleased,
                    format!("as_of {v}: data version {v} is in no release"),
                )
            })
        }
    }
}

/// The last month a release publishes.
pub fn through(r: &Release) -> Result<Month, AppError> {
    Month::parse(&r.through)
        .map_err(|e| AppError::new(Code::Internal, format!("release {}: {e}", r.id)))
}

/// Refuses months after the release's last.
pub fn check_months(r: &Release, months: MonthRange) -> Result<(), AppError> {
    let last = through(r)?;
    if months.to() > last {
        return Err(AppError::new(
            Code::NotReleased,
            format!(
                "{} – {}: release {} publishes through {} / publiserer til og med {}",
                months.from(),
                months.to(),
                r.id,
                r.through,
                r.through
            ),
        ));
    }
    Ok(())
}

/// A release as the public sees it described: number, date, data version, last month,
/// note, and the status of each month of `months` (`foreløpig` / `endelig`).
pub fn describe(r: &Release, months: Option<MonthRange>) -> Value {
    let statuses: BTreeMap<String, &str> = months
        .into_iter()
        .flat_map(|m| m.iter())
        .map(|m| (m.to_string(), r.status_of(&m.to_string())))
        .collect();
    json!({
        "id": r.id,
        "data_version": r.data_version,
        "created_at": r.created_at,
        "through": r.through,
        "final_through": r.final_through,
        "note": r.note,
        "months": statuses,
    })
}

/// The public figures of every indicator by centre and month over `months`, at a data
/// version, as (indicator, group, field) → value.
fn public_figures(
    state: &AppState,
    months: MonthRange,
    version: i64,
) -> Result<BTreeMap<(String, String, String), Value>, AppError> {
    let q = Query {
        months,
        centre: None,
        by: vec![Key::Centre, Key::Month],
        filters: Vec::new(),
        structure: None,
    };
    let a = answer_at(state, &q, &Indicator::ALL, Some(version), None)?;
    let mut out = BTreeMap::new();
    for f in &a.figures {
        let v = figure_json(f);
        let group = v["group"].to_string();
        for (field, value) in crate::api::flat_measures(&v) {
            out.insert((f.id.name().to_string(), group.clone(), field), value);
        }
    }
    Ok(out)
}

/// The public figures that a release at `version` changes against `previous`, over the
/// months both publish: `[{"indicator", "group", "field", "old", "new"}]` (a figure only in
/// one of them has `null` on the other side).
pub fn changes(state: &AppState, previous: &Release, version: i64) -> Result<Vec<Value>, AppError> {
    let catalog = state.catalog()?;
    let first = catalog
        .first_month_at(previous.data_version)?
        .and_then(Month::from_yyyymm)
        .unwrap_or(through(previous)?);
    let months = MonthRange::new(first, through(previous)?)
        .map_err(|e| AppError::new(Code::Internal, e.to_string()))?;
    let old = public_figures(state, months, previous.data_version)?;
    let new = public_figures(state, months, version)?;
    let mut keys: Vec<&(String, String, String)> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    Ok(keys
        .into_iter()
        .filter_map(|k| {
            let (o, n) = (old.get(k).unwrap_or(&Value::Null), new.get(k).unwrap_or(&Value::Null));
            (o != n).then(|| {
                let group: Value = serde_json::from_str(&k.1).unwrap_or(Value::Null);
                json!({ "indicator": k.0, "group": group, "field": k.2, "old": o, "new": n })
            })
        })
        .collect())
}

/// Freezes the latest data version as a new release (`akutt release create`). The months
/// are checked by the catalog; what it changes against the previous release is computed
/// here and stored with it.
pub fn create(
    state: &AppState,
    through: &str,
    final_through: Option<&str>,
    note: &str,
) -> Result<Release, AppError> {
    let version = state.catalog()?.latest_data_version()?;
    if version < 1 {
        return Err(AppError::new(Code::NothingReleased, "no data has been ingested"));
    }
    let previous = state.catalog()?.latest_release()?;
    let changes = match &previous {
        Some(p) => changes(state, p, version)?,
        None => Vec::new(),
    };
    let changes = Value::Array(changes).to_string();
    let mut catalog = akutt_store::Catalog::open(&state.data.catalog_path())?;
    let r = catalog
        .create_release(&NewRelease {
            data_version: version,
            through,
            final_through,
            note,
            changes: &changes,
        })
        .map_err(|e| match e {
            akutt_store::StoreError::Invalid(m) => AppError::new(Code::InvalidRelease, m),
            e => e.into(),
        })?;
    state.forget_release();
    Ok(r)
}

/// A release as `akutt release list --json` gives it (DOMAIN.md §12): the status of every
/// month it publishes, and its changes against the previous release.
pub fn listed(state: &AppState, r: &Release) -> Result<Value, AppError> {
    let catalog = state.catalog()?;
    let first = catalog.first_month_at(r.data_version)?.and_then(Month::from_yyyymm);
    let months = first.and_then(|f| MonthRange::new(f, through(r).ok()?).ok());
    let mut v = describe(r, months);
    v["changes"] = serde_json::from_str(&r.changes).unwrap_or(Value::Array(Vec::new()));
    Ok(v)
}
