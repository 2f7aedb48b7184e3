//! Indicator figures as the public sees them (DOMAIN.md §9): every count through the
//! cell-key method of `akutt-disclosure`, every share, rate, change and statistic from the
//! published counts. Typed figures in, typed public figures out; nothing else publishes.

use std::collections::BTreeMap;

use akutt_disclosure::{Disclosure, Public, Status};
use serde::Serialize;

use crate::compute::{Figure, GroupValue, Values, VolumeBasis};
use crate::indicator::Indicator;

pub use akutt_disclosure::DEFAULT_THRESHOLD;

/// A figure as published.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicFigure {
    pub id: Indicator,
    pub group: BTreeMap<&'static str, GroupValue>,
    #[serde(flatten)]
    pub values: PublicValues,
    /// Names of the fields withheld (empty when nothing was).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<&'static str>,
}

/// Published rates or relative changes of contacts, incidents and missions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicRates {
    pub contacts: Public<f64>,
    pub incidents: Public<f64>,
    pub missions: Public<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum PublicValues {
    Times {
        n: Public<u64>,
        n_missing: Public<u64>,
        median_s: Public<i64>,
        p90_s: Public<i64>,
        mean_s: Public<f64>,
    },
    Target {
        n: Public<u64>,
        within: Public<u64>,
        share: Public<f64>,
    },
    Volume {
        contacts: Public<u64>,
        incidents: Public<u64>,
        missions: Public<u64>,
        road_missions: Public<u64>,
        air_missions: Public<u64>,
        per_1000: Option<PublicRates>,
        change_vs_last_year: Option<PublicRates>,
    },
    Missions {
        n: Public<u64>,
        median_s: Public<i64>,
        p90_s: Public<i64>,
        unit_hours: Public<f64>,
    },
    Answer {
        n: Public<u64>,
        median_s: Public<i64>,
        p90_s: Public<i64>,
        mean_s: Public<f64>,
        within_10s: Public<u64>,
        share_within_10s: Public<f64>,
        abandoned: Public<u64>,
        short_abandoned: Public<u64>,
        overflowed: Public<u64>,
        offered: Public<u64>,
    },
}

impl PublicValues {
    /// Every field's status, by name (rates and changes as `per_1000.incidents`, …).
    pub fn statuses(&self) -> Vec<(&'static str, Status)> {
        match self {
            PublicValues::Times { n, n_missing, median_s, p90_s, mean_s } => vec![
                ("n", n.status()),
                ("n_missing", n_missing.status()),
                ("median_s", median_s.status()),
                ("p90_s", p90_s.status()),
                ("mean_s", mean_s.status()),
            ],
            PublicValues::Target { n, within, share } => {
                vec![("n", n.status()), ("within", within.status()), ("share", share.status())]
            }
            PublicValues::Volume {
                contacts,
                incidents,
                missions,
                road_missions,
                air_missions,
                per_1000,
                change_vs_last_year,
            } => {
                let mut v = vec![
                    ("contacts", contacts.status()),
                    ("incidents", incidents.status()),
                    ("missions", missions.status()),
                    ("road_missions", road_missions.status()),
                    ("air_missions", air_missions.status()),
                ];
                if let Some(r) = per_1000 {
                    v.extend([
                        ("per_1000.contacts", r.contacts.status()),
                        ("per_1000.incidents", r.incidents.status()),
                        ("per_1000.missions", r.missions.status()),
                    ]);
                }
                if let Some(r) = change_vs_last_year {
                    v.extend([
                        ("change_vs_last_year.contacts", r.contacts.status()),
                        ("change_vs_last_year.incidents", r.incidents.status()),
                        ("change_vs_last_year.missions", r.missions.status()),
                    ]);
                }
                v
            }
            PublicValues::Missions { n, median_s, p90_s, unit_hours } => vec![
                ("n", n.status()),
                ("median_s", median_s.status()),
                ("p90_s", p90_s.status()),
                ("unit_hours", unit_hours.status()),
            ],
            PublicValues::Answer {
                n,
                median_s,
                p90_s,
                mean_s,
                within_10s,
                share_within_10s,
                abandoned,
                short_abandoned,
                overflowed,
                offered,
            } => vec![
                ("n", n.status()),
                ("median_s", median_s.status()),
                ("p90_s", p90_s.status()),
                ("mean_s", mean_s.status()),
                ("within_10s", within_10s.status()),
                ("share_within_10s", share_within_10s.status()),
                ("abandoned", abandoned.status()),
                ("short_abandoned", short_abandoned.status()),
                ("overflowed", overflowed.status()),
                ("offered", offered.status()),
            ],
        }
    }
}

fn round(x: f64, digits: i32) -> f64 {
    let k = 10f64.powi(digits);
    (x * k).round() / k
}

/// One figure through disclosure control.
pub fn publish_figure(f: &Figure, d: &Disclosure) -> PublicFigure {
    let r4 = |p: Public<f64>| p.map(|x| round(x, 4));
    let values = match &f.values {
        Values::Times { n, n_missing, median_s, p90_s, mean_s } => {
            let n = d.count(*n);
            PublicValues::Times {
                n,
                n_missing: d.count(*n_missing),
                median_s: d.statistic(n, *median_s),
                p90_s: d.statistic(n, *p90_s),
                mean_s: d.statistic(n, *mean_s),
            }
        }
        Values::Target { n, within, .. } => {
            let n = d.count(*n);
            let within = d.at_most(d.count(*within), n);
            // Withheld with either count: a share and a published n would give a small
            // `within` back.
            let share = r4(d.share(within, n));
            PublicValues::Target { n, within, share }
        }
        Values::Volume {
            contacts,
            incidents,
            missions,
            road_missions,
            air_missions,
            per_1000,
            change_vs_last_year,
            basis: VolumeBasis { inhabitants, last_year },
        } => {
            let (c, i, m) = (d.count(*contacts), d.count(*incidents), d.count(*missions));
            let rates = per_1000.as_ref().and(*inhabitants).map(|p| PublicRates {
                contacts: r4(d.rate(c, p, 1000.0)),
                incidents: r4(d.rate(i, p, 1000.0)),
                missions: r4(d.rate(m, p, 1000.0)),
            });
            let change =
                change_vs_last_year.as_ref().and(*last_year).map(|[lc, li, lm]| PublicRates {
                    contacts: r4(d.change(c, d.count(lc))),
                    incidents: r4(d.change(i, d.count(li))),
                    missions: r4(d.change(m, d.count(lm))),
                });
            PublicValues::Volume {
                contacts: c,
                incidents: i,
                missions: m,
                road_missions: d.at_most(d.count(*road_missions), m),
                air_missions: d.at_most(d.count(*air_missions), m),
                per_1000: rates,
                change_vs_last_year: change,
            }
        }
        Values::Missions { n, median_s, p90_s, mean_s, .. } => {
            let n = d.count(*n);
            PublicValues::Missions {
                n,
                median_s: d.statistic(n, *median_s),
                p90_s: d.statistic(n, *p90_s),
                unit_hours: d.total(n, *mean_s).map(|s| round(s / 3600.0, 2)),
            }
        }
        Values::Answer {
            n,
            median_s,
            p90_s,
            mean_s,
            within_10s,
            abandoned,
            short_abandoned,
            overflowed,
            offered,
            denominator,
            ..
        } => {
            let n = d.count(*n);
            let within_10s = d.at_most(d.count(*within_10s), n);
            // The share from published counts: within and its own denominator cell.
            let share_within_10s = r4(d.share(within_10s, d.count(*denominator)));
            PublicValues::Answer {
                n,
                median_s: d.statistic(n, *median_s),
                p90_s: d.statistic(n, *p90_s),
                mean_s: d.statistic(n, *mean_s),
                within_10s,
                share_within_10s,
                abandoned: d.count(*abandoned),
                short_abandoned: d.count(*short_abandoned),
                overflowed: d.count(*overflowed),
                offered: d.count(*offered),
            }
        }
    };
    let suppressed = values
        .statuses()
        .into_iter()
        .filter(|(_, s)| *s == Status::Suppressed)
        .map(|(name, _)| name)
        .collect();
    PublicFigure { id: f.id, group: f.group.clone(), values, suppressed }
}

/// A query's figures through disclosure control. Each cell is published on its own: the
/// same units give the same value whatever else the answer holds.
pub fn publish(figures: &[Figure], d: &Disclosure) -> Vec<PublicFigure> {
    figures.iter().map(|f| publish_figure(f, d)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use akutt_disclosure::{CellKey, Count};

    fn times(urgency: Option<&str>, n: u64, key: u32) -> Figure {
        let group = BTreeMap::from([(
            "urgency",
            urgency.map_or(GroupValue::Null, |u| GroupValue::Text(u.into())),
        )]);
        Figure {
            id: Indicator::AmkReactionTime,
            group,
            values: Values::Times {
                n: Count { n, key: CellKey(key) },
                n_missing: Count::default(),
                median_s: Some(95),
                p90_s: Some(240),
                mean_s: Some(120.5),
            },
        }
    }

    #[test]
    fn a_large_group_is_published_beside_a_group_of_one() {
        // Issue 15: the national January reaction time for yellow (n = 1,928) was withheld
        // because one incident lacked an urgency. Each cell now stands on its own.
        let d = Disclosure::new(5);
        let out = publish(&[times(Some("G"), 1928, 7), times(None, 1, 9)], &d);
        let PublicValues::Times { n, median_s, p90_s, .. } = &out[0].values else { panic!() };
        assert!(n.get().is_some_and(|n| n.abs_diff(1928) <= 3));
        assert_eq!((median_s.get(), p90_s.get()), (Some(95), Some(240)));
        assert!(out[0].suppressed.is_empty());
        let PublicValues::Times { n, median_s, .. } = &out[1].values else { panic!() };
        assert!(n.is_suppressed() && median_s.is_suppressed());
        assert_eq!(out[1].suppressed, ["n", "median_s", "p90_s", "mean_s"]);
    }

    #[test]
    fn a_share_goes_with_a_withheld_part_and_never_exceeds_one() {
        let d = Disclosure::new(5);
        let target = |n: u64, within: u64, key: u32| Figure {
            id: Indicator::ResponseWithinTarget,
            group: BTreeMap::new(),
            values: Values::Target {
                n: Count { n, key: CellKey(key) },
                within: Count { n: within, key: CellKey(key.wrapping_mul(3)) },
                share: Some(within as f64 / n as f64),
            },
        };
        for key in (0..u32::MAX).step_by(97_000_007) {
            let f = publish_figure(&target(200, 2, key), &d);
            let PublicValues::Target { within, share, .. } = &f.values else { panic!() };
            if within.is_suppressed() {
                assert!(share.is_suppressed(), "a share would give the small count back");
            }
            let f = publish_figure(&target(100, 99, key), &d);
            let PublicValues::Target { n, within, share, .. } = &f.values else { panic!() };
            assert!(within.get() <= n.get() && share.get().is_some_and(|s| s <= 1.0));
        }
    }
}
