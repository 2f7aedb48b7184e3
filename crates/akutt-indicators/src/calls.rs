//! The 113 answer times of DOMAIN.md §11 (`answer_time`): per call a [`CallFact`], and the
//! figures over any grouping by centre, month, year, hour and weekday; plus the overflow
//! between centres (calls sent to and received from each other centre).
//!
//! Counting (§11): line `113` only; calls whose `Anrop mottatt` falls in the months asked;
//! by the receiving centre. `n` answered calls with their wait `Besvart − Anrop mottatt` in
//! whole seconds; `within_10s` waits ≤ 10 s; `abandoned` `AVBRUTT` after more than 5 s;
//! `short_abandoned` `AVBRUTT` within 5 s (misdials, left out); `overflowed` `OVERFLYTTET`
//! (left out: the receiving centre logs the call); `offered` all calls; and
//! `share_within_10s = within_10s / (n + abandoned)`.

use std::collections::BTreeMap;

use akutt_disclosure::{Count, RecordKey};
use akutt_model::call::{CallRecord, Outcome, ANSWER_TARGET_S, SHORT_ABANDON_S};
use akutt_model::time::{oslo_hour_weekday, oslo_month};
use akutt_model::{Linje, Month};

use crate::compute::{Figure, GroupValue, Key, Query, Values};
use crate::indicator::Indicator;
use crate::percentile::summarise;

/// One call as the indicator needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct CallFact {
    /// The receiving centre (whose log it is).
    pub centre: String,
    /// Oslo month, hour (0–23) and ISO weekday (1–7) of `Anrop mottatt`.
    pub month: Month,
    pub hour: u8,
    pub weekday: u8,
    pub linje: Linje,
    pub outcome: Outcome,
    /// Seconds from ringing to answer (answered calls).
    pub wait_s: Option<i64>,
    /// Seconds from ringing to the end.
    pub duration_s: i64,
    pub moved_to: Option<String>,
    /// The call's record key (cell-key method, `Unit::Call` of centre and `Anrops-ID`).
    pub key: RecordKey,
}

impl CallFact {
    /// The fact of a stored call; `None` for an instant outside the calendar.
    pub fn of(centre: &str, call: &CallRecord, key: RecordKey) -> Option<CallFact> {
        let month = oslo_month(call.received)?;
        let (hour, weekday) = oslo_hour_weekday(call.received)?;
        Some(CallFact {
            centre: centre.to_string(),
            month,
            hour,
            weekday,
            linje: call.linje,
            outcome: call.outcome,
            wait_s: call.wait_s(),
            duration_s: call.duration_s(),
            moved_to: call.moved_to.clone(),
            key,
        })
    }
}

/// Why a question cannot be answered for calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallQueryError(pub String);

impl std::fmt::Display for CallQueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The groupings `answer_time` has.
pub const CALL_KEYS: [Key; 5] = [Key::Centre, Key::Month, Key::Year, Key::Hour, Key::Weekday];

fn group_value(k: Key, f: &CallFact) -> GroupValue {
    match k {
        Key::Centre => GroupValue::Text(f.centre.clone()),
        Key::Month => GroupValue::Text(f.month.to_string()),
        Key::Year => GroupValue::Number(i64::from(f.month.year())),
        Key::Hour => GroupValue::Number(i64::from(f.hour)),
        Key::Weekday => GroupValue::Number(i64::from(f.weekday)),
        _ => GroupValue::Null,
    }
}

fn matches(k: Key, value: &str, f: &CallFact) -> bool {
    let v = value.trim();
    match k {
        Key::Centre => f.centre.eq_ignore_ascii_case(v),
        Key::Month => Month::parse(v).is_ok_and(|m| m == f.month),
        Key::Year => v.parse::<i32>().is_ok_and(|y| y == f.month.year()),
        Key::Hour => v.parse::<u8>().is_ok_and(|h| h == f.hour),
        Key::Weekday => v.parse::<u8>().is_ok_and(|d| d == f.weekday),
        _ => false,
    }
}

/// The accumulator of one group.
#[derive(Default)]
struct Acc {
    waits: Vec<i64>,
    answered: Count,
    within: Count,
    abandoned: Count,
    short_abandoned: Count,
    overflowed: Count,
    offered: Count,
}

impl Acc {
    fn add(&mut self, f: &CallFact) {
        self.offered.add(f.key);
        match f.outcome {
            Outcome::Answered => {
                let w = f.wait_s.unwrap_or(0);
                self.waits.push(w);
                self.answered.add(f.key);
                if w <= ANSWER_TARGET_S {
                    self.within.add(f.key);
                }
            }
            Outcome::Abandoned if f.duration_s <= SHORT_ABANDON_S => {
                self.short_abandoned.add(f.key)
            }
            Outcome::Abandoned => self.abandoned.add(f.key),
            Outcome::Overflowed => self.overflowed.add(f.key),
        }
    }

    fn values(mut self) -> Values {
        let s = summarise(&mut self.waits);
        let mut denominator = self.answered;
        denominator.merge(self.abandoned);
        let share = (denominator.n > 0)
            .then(|| (self.within.n as f64 / denominator.n as f64 * 10_000.0).round() / 10_000.0);
        Values::Answer {
            n: self.answered,
            median_s: s.median,
            p90_s: s.p90,
            mean_s: s.mean,
            within_10s: self.within,
            share_within_10s: share,
            abandoned: self.abandoned,
            short_abandoned: self.short_abandoned,
            overflowed: self.overflowed,
            offered: self.offered,
            denominator,
        }
    }
}

/// Checks that a query can be answered for calls: groupings and filters by centre, month,
/// year, hour and weekday only.
pub fn check_query(q: &Query) -> Result<(), CallQueryError> {
    let allowed = CALL_KEYS.map(Key::name).join(", ");
    for k in q.by.iter().chain(q.filters.iter().map(|(k, _)| k)) {
        if !CALL_KEYS.contains(k) {
            return Err(CallQueryError(format!(
                "answer_time is by {allowed} only, not by {}",
                k.name()
            )));
        }
    }
    Ok(())
}

/// `answer_time` (§11) over the facts: one figure per group present, in group order.
pub fn answer_time(facts: &[CallFact], q: &Query) -> Result<Vec<Figure>, CallQueryError> {
    check_query(q)?;
    let mut groups: BTreeMap<Vec<GroupValue>, Acc> = BTreeMap::new();
    for f in facts {
        if f.linje != Linje::Nodlinje113 || !q.months.contains(f.month) {
            continue;
        }
        if q.centre.as_deref().is_some_and(|c| !f.centre.eq_ignore_ascii_case(c.trim())) {
            continue;
        }
        if !all_filters_hold(q, f) {
            continue;
        }
        let key: Vec<GroupValue> = q.by.iter().map(|k| group_value(*k, f)).collect();
        groups.entry(key).or_default().add(f);
    }
    Ok(groups
        .into_iter()
        .map(|(key, acc)| Figure {
            id: Indicator::AnswerTime,
            group: q.by.iter().map(|k| k.name()).zip(key).collect(),
            values: acc.values(),
        })
        .collect())
}

/// Every filter key holds; several values of one key are alternatives.
fn all_filters_hold(q: &Query, f: &CallFact) -> bool {
    let mut keys: Vec<Key> = q.filters.iter().map(|(k, _)| *k).collect();
    keys.dedup();
    keys.iter().all(|k| q.filters.iter().filter(|(fk, _)| fk == k).any(|(_, v)| matches(*k, v, f)))
}

/// Overflow between centres on line 113 over the months of a query: (from centre, to
/// centre) → calls, as the sending centres logged them (`OVERFLYTTET`, `Overflyttet til`).
pub fn overflow_matrix(facts: &[CallFact], q: &Query) -> BTreeMap<(String, String), Count> {
    let mut out: BTreeMap<(String, String), Count> = BTreeMap::new();
    for f in facts {
        if f.linje != Linje::Nodlinje113
            || f.outcome != Outcome::Overflowed
            || !q.months.contains(f.month)
        {
            continue;
        }
        if let Some(to) = &f.moved_to {
            out.entry((f.centre.clone(), to.clone())).or_default().add(f.key);
        }
    }
    out
}
