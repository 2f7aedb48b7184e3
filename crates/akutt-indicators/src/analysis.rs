//! The national programme's analyses (DOMAIN.md §13, seed 000) on the engine's figures:
//! growth by year, resources (missions × minutes × share → hours → full-time equivalents),
//! and before and after a change (the response-time sample of two equal windows, and a
//! seeded percentile bootstrap of the difference of their medians).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::compute::{Dataset, Partial, Query};
use crate::geography::{Places, UnknownStructure};
use crate::indicator::Indicator;
use crate::percentile::{of_sorted, Fraction, MEDIAN};

/// One year of a growth series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrowthPoint {
    pub year: i32,
    pub count: u64,
    /// The change from the year before in per cent, one decimal; `None` for the first year
    /// (and after a year of zero).
    pub growth_pct: Option<f64>,
}

/// Growth in per cent from each year to the next (the programme's SHJ series: 25,916 →
/// 29,969 is +15.6 %).
pub fn growth(counts: &[(i32, u64)]) -> Vec<GrowthPoint> {
    let mut out: Vec<GrowthPoint> = Vec::with_capacity(counts.len());
    for &(year, count) in counts {
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        let growth_pct = out
            .last()
            .filter(|p| p.count > 0)
            .map(|p| ((count as f64 / p.count as f64 - 1.0) * 1000.0).round() / 10.0);
        out.push(GrowthPoint { year, count, growth_pct });
    }
    out
}

/// Staff a share of missions would need (§13's resources).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resources {
    pub missions: u64,
    pub minutes_per_mission: f64,
    pub share: f64,
    /// Missions × minutes × share, in hours.
    pub hours: f64,
    pub hours_per_fte: f64,
    /// Hours ÷ hours per full-time equivalent, one decimal.
    pub fte: f64,
    /// Whole positions: the full-time equivalents rounded up.
    pub positions: u64,
}

/// The programme's example: 191,156 red missions × 60 min × 75 % = 143,367 hours; at 1,750
/// hours a year, 82 doctor positions.
pub fn resources(
    missions: u64,
    minutes_per_mission: f64,
    share: f64,
    hours_per_fte: f64,
) -> Resources {
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let hours = missions as f64 * minutes_per_mission / 60.0 * share;
    let fte = if hours_per_fte > 0.0 { hours / hours_per_fte } else { 0.0 };
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // a positive count of people
    let positions = (fte - 1e-9).ceil().max(0.0) as u64;
    Resources {
        missions,
        minutes_per_mission,
        share,
        hours: (hours * 10.0).round() / 10.0,
        hours_per_fte,
        fte: (fte * 10.0).round() / 10.0,
        positions,
    }
}

/// The response times (seconds) of the red incidents `q` selects, all in one group: the
/// sample whose median and p90 `response_time` gives (its `by` is ignored).
pub fn response_sample(data: &Dataset, q: &Query) -> Result<Vec<i64>, UnknownStructure> {
    let q = Query { by: Vec::new(), ..q.clone() };
    let register =
        data.register.as_deref().unwrap_or_else(|| akutt_model::municipality::Register::standard());
    let places = Places::new(register, &data.dict, q.structure)?;
    let mut partial = Partial::new(&q, &[Indicator::ResponseTime], false);
    partial.add(data, &places);
    Ok(partial.response_samples())
}

/// The nearest-rank median of a sample (as the engine's), `None` when empty.
pub fn median(values: &[i64]) -> Option<i64> {
    let mut v = values.to_vec();
    v.sort_unstable();
    of_sorted(&v, MEDIAN)
}

/// A 95 % percentile-bootstrap interval of median(after) − median(before), in seconds:
/// `resamples` times, each window resampled with replacement (incidents drawn at random,
/// as many as it has), the difference of the two medians; the interval is the 2.5th and
/// 97.5th percentiles of those differences. Seeded (ChaCha8), so the same seed gives the same
/// interval on every machine. `None` when a window is empty.
pub fn bootstrap_median_difference(
    before: &[i64],
    after: &[i64],
    resamples: usize,
    seed: u64,
) -> Option<(i64, i64)> {
    if before.is_empty() || after.is_empty() || resamples == 0 {
        return None;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let draw = |from: &[i64], into: &mut Vec<i64>, rng: &mut ChaCha8Rng| -> Option<i64> {
        into.clear();
        into.extend((0..from.len()).map(|_| from[rng.random_range(0..from.len())]));
        let rank = usize::try_from(crate::percentile::rank(MEDIAN, into.len() as u64)).ok()?;
        let (_, m, _) = into.select_nth_unstable(rank.checked_sub(1)?);
        Some(*m)
    };
    let (mut a, mut b) = (Vec::with_capacity(before.len()), Vec::with_capacity(after.len()));
    let mut differences = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        let m_before = draw(before, &mut a, &mut rng)?;
        let m_after = draw(after, &mut b, &mut rng)?;
        differences.push(m_after - m_before);
    }
    differences.sort_unstable();
    let lo = of_sorted(&differences, Fraction { num: 25, den: 1000 })?;
    let hi = of_sorted(&differences, Fraction { num: 975, den: 1000 })?;
    Some((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DOMAIN.md §13: ambulance transports to nursing homes 2010–2014, the programme's own
    /// counts and growth (+16 %, +31 %, +7 %, +1 %).
    #[test]
    fn the_programmes_nursing_home_series() {
        let g = growth(&[
            (2010, 25_916),
            (2011, 29_969),
            (2012, 39_383),
            (2013, 42_314),
            (2014, 42_542),
        ]);
        let pct: Vec<Option<f64>> = g.iter().map(|p| p.growth_pct).collect();
        assert_eq!(pct, [None, Some(15.6), Some(31.4), Some(7.4), Some(0.5)]);
        #[allow(clippy::cast_possible_truncation)] // small percentages
        let whole: Vec<i64> = [
            29_969.0 / 25_916.0,
            39_383.0 / 29_969.0,
            42_314.0 / 39_383.0,
            42_542.0 / 42_314.0_f64,
        ]
        .iter()
        .map(|r| ((r - 1.0) * 100.0).round() as i64)
        .collect();
        assert_eq!(whole, [16, 31, 7, 1]);
        assert_eq!(growth(&[(2020, 0), (2021, 5)])[1].growth_pct, None, "no growth from zero");
    }

    /// DOMAIN.md §13: 191,156 red missions × 60 min × 75 % = 143,367 hours; at 1,750 hours
    /// per full-time equivalent, 82 doctor positions.
    #[test]
    fn the_programmes_doctor_example() {
        let r = resources(191_156, 60.0, 0.75, 1750.0);
        assert_eq!(r.hours, 143_367.0);
        assert_eq!(r.fte, 81.9);
        assert_eq!(r.positions, 82);
        assert_eq!(resources(1750, 60.0, 1.0, 1750.0).positions, 1, "exactly one, not two");
    }

    #[test]
    fn the_bootstrap_finds_a_step_and_is_the_same_for_a_seed() {
        // Before: 600 ± 100 s; after: 720 ± 100 s (a two-minute step), deterministic spreads.
        let before: Vec<i64> = (0..400).map(|i| 500 + (i * 37) % 200).collect();
        let after: Vec<i64> = before.iter().map(|v| v + 120).collect();
        let (lo, hi) = bootstrap_median_difference(&before, &after, 2000, 7).unwrap();
        assert!(lo <= 120 && 120 <= hi && lo > 0, "[{lo}, {hi}]");
        assert_eq!(bootstrap_median_difference(&before, &after, 2000, 7), Some((lo, hi)));
        // No step: the interval holds zero.
        let (lo, hi) = bootstrap_median_difference(&before, &before, 2000, 7).unwrap();
        assert!(lo <= 0 && 0 <= hi, "[{lo}, {hi}]");
        assert_eq!(bootstrap_median_difference(&[], &after, 10, 1), None);
        assert_eq!(median(&[5, 1, 3]), Some(3));
    }
}
