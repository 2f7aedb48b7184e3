//! Disclosure control for public outputs (DOMAIN.md §9): primary suppression of small
//! counts, and secondary suppression so that no suppressed cell can be recovered from a total.
//!
//! A *cell* is one count of one figure (`incidents` of a volume figure, `n` of a time
//! figure). Counts from 1 to threshold − 1 are suppressed; zero is kept (an empty cell
//! discloses nobody). Within a *line* — figures of one indicator whose groups agree on every
//! key but one — the total over the line is public (it is the figure without that key), so a
//! line with exactly one suppressed non-zero cell also loses its smallest other non-zero cell.
//! This repeats over every key until nothing changes.

use std::collections::{BTreeMap, BTreeSet};

use crate::compute::{Figure, GroupValue, Values};
use crate::indicator::Indicator;

/// The default threshold: counts under 5 are suppressed.
pub const DEFAULT_THRESHOLD: u64 = 5;

/// Which cells of a table to suppress: `cells[i]` is (group, count); returns the indices.
pub fn suppressed_cells(
    cells: &[(BTreeMap<&'static str, GroupValue>, u64)],
    threshold: u64,
) -> BTreeSet<usize> {
    let mut out: BTreeSet<usize> = cells
        .iter()
        .enumerate()
        .filter(|(_, (_, c))| *c > 0 && *c < threshold)
        .map(|(i, _)| i)
        .collect();
    let keys: BTreeSet<&'static str> = cells.iter().flat_map(|(g, _)| g.keys().copied()).collect();
    loop {
        let mut changed = false;
        for key in &keys {
            // Lines: the group without this key.
            let mut lines: BTreeMap<Vec<(&'static str, GroupValue)>, Vec<usize>> = BTreeMap::new();
            for (i, (g, _)) in cells.iter().enumerate() {
                let rest: Vec<(&'static str, GroupValue)> =
                    g.iter().filter(|(k, _)| *k != key).map(|(k, v)| (*k, v.clone())).collect();
                lines.entry(rest).or_default().push(i);
            }
            for members in lines.values() {
                let hidden = members.iter().filter(|i| out.contains(i) && cells[**i].1 > 0).count();
                if hidden == 1 {
                    if let Some(&next) = members
                        .iter()
                        .filter(|i| !out.contains(i) && cells[**i].1 > 0)
                        .min_by_key(|i| (cells[**i].1, **i))
                    {
                        out.insert(next);
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            return out;
        }
    }
}

/// A figure as published: its values with suppressed cells emptied, and their names.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PublicFigure {
    #[serde(flatten)]
    pub figure: Figure,
    /// Names of the fields withheld (empty when nothing was).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<&'static str>,
}

fn count_of(v: &Values, field: &str) -> Option<u64> {
    match (v, field) {
        (Values::Volume { contacts, .. }, "contacts") => Some(*contacts),
        (Values::Volume { incidents, .. }, "incidents") => Some(*incidents),
        (Values::Volume { missions, .. }, "missions") => Some(*missions),
        (Values::Volume { road_missions, .. }, "road_missions") => Some(*road_missions),
        (Values::Volume { air_missions, .. }, "air_missions") => Some(*air_missions),
        (Values::Times { n, .. }, "n")
        | (Values::Target { n, .. }, "n")
        | (Values::Missions { n, .. }, "n") => Some(*n),
        _ => None,
    }
}

const FIELDS: [&str; 6] =
    ["contacts", "incidents", "missions", "road_missions", "air_missions", "n"];

/// Applies primary and secondary suppression to a set of figures (one query's answer).
/// Withheld values become empty (`null` in JSON) and are listed in `suppressed`.
pub fn suppress(figures: Vec<Figure>, threshold: u64) -> Vec<PublicFigure> {
    let mut hidden: Vec<BTreeSet<&'static str>> = vec![BTreeSet::new(); figures.len()];
    let ids: BTreeSet<Indicator> = figures.iter().map(|f| f.id).collect();
    for id in ids {
        for field in FIELDS {
            let members: Vec<usize> = (0..figures.len())
                .filter(|&i| figures[i].id == id && count_of(&figures[i].values, field).is_some())
                .collect();
            if members.is_empty() {
                continue;
            }
            let cells: Vec<(BTreeMap<&'static str, GroupValue>, u64)> = members
                .iter()
                .map(|&i| {
                    (figures[i].group.clone(), count_of(&figures[i].values, field).unwrap_or(0))
                })
                .collect();
            for k in suppressed_cells(&cells, threshold) {
                hidden[members[k]].insert(field);
            }
        }
    }
    figures
        .into_iter()
        .zip(hidden)
        .map(|(mut f, h)| {
            let mut names: Vec<&'static str> = h.iter().copied().collect();
            // Withheld values are zeroed here too, so a consumer that ignores `suppressed`
            // still cannot leak them; the HTTP layer publishes them as `null`.
            match &mut f.values {
                Values::Volume {
                    contacts,
                    incidents,
                    missions,
                    road_missions,
                    air_missions,
                    per_1000,
                    change_vs_last_year,
                } => {
                    for (name, v) in [
                        ("contacts", contacts),
                        ("incidents", incidents),
                        ("missions", missions),
                        ("road_missions", road_missions),
                        ("air_missions", air_missions),
                    ] {
                        if h.contains(name) {
                            *v = 0;
                        }
                    }
                    if !h.is_empty() {
                        // Rates and changes of a suppressed count would reveal it.
                        *per_1000 = None;
                        *change_vs_last_year = None;
                        names.extend(["per_1000", "change_vs_last_year"]);
                    }
                }
                Values::Times { n, n_missing, median_s, p90_s, mean_s } => {
                    if h.contains("n") {
                        (*n, *n_missing, *median_s, *p90_s, *mean_s) = (0, 0, None, None, None);
                        names.extend(["n_missing", "median_s", "p90_s", "mean_s"]);
                    }
                }
                Values::Target { n, within, share } => {
                    if h.contains("n") {
                        (*n, *within, *share) = (0, 0, None);
                        names.extend(["within", "share"]);
                    }
                }
                Values::Missions { n, median_s, p90_s, unit_hours } => {
                    if h.contains("n") {
                        (*n, *median_s, *p90_s, *unit_hours) = (0, None, None, 0.0);
                        names.extend(["median_s", "p90_s", "unit_hours"]);
                    }
                }
            }
            PublicFigure { figure: f, suppressed: names }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(pairs: &[(&'static str, &str)]) -> BTreeMap<&'static str, GroupValue> {
        pairs.iter().map(|(k, v)| (*k, GroupValue::Text(v.to_string()))).collect()
    }

    #[test]
    fn primary_and_secondary_suppression_in_one_line() {
        // OSL 120, BGO 3, TRD 40, KKN 0: BGO is primary; the total would reveal it, so the
        // smallest other non-zero cell (TRD) goes too; the zero stays.
        let cells = vec![
            (g(&[("centre", "OSL")]), 120),
            (g(&[("centre", "BGO")]), 3),
            (g(&[("centre", "TRD")]), 40),
            (g(&[("centre", "KKN")]), 0),
        ];
        assert_eq!(suppressed_cells(&cells, 5), BTreeSet::from([1, 2]));
        // Two primary cells protect each other: nothing more.
        let cells = vec![
            (g(&[("centre", "OSL")]), 120),
            (g(&[("centre", "BGO")]), 3),
            (g(&[("centre", "TRD")]), 4),
        ];
        assert_eq!(suppressed_cells(&cells, 5), BTreeSet::from([1, 2]));
        // Nothing small: nothing suppressed.
        assert!(suppressed_cells(&cells[..1], 5).is_empty());
    }

    #[test]
    fn secondary_suppression_runs_over_both_dimensions() {
        // centre × area: OSL/rural = 2 (primary). Row OSL: secondary on OSL/urban (100);
        // column rural: secondary on BGO/rural (30); then row BGO has one hidden → BGO/urban.
        let cells = vec![
            (g(&[("area", "urban"), ("centre", "OSL")]), 100),
            (g(&[("area", "rural"), ("centre", "OSL")]), 2),
            (g(&[("area", "urban"), ("centre", "BGO")]), 50),
            (g(&[("area", "rural"), ("centre", "BGO")]), 30),
        ];
        assert_eq!(suppressed_cells(&cells, 5), BTreeSet::from([0, 1, 2, 3]));
    }
}
