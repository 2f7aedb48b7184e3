//! The perturbation table (p-table) of the cell-key method: for a true count `i` and a cell
//! key in [0, 1), the noise to add. Built by the maximum-entropy construction of the R
//! package `ptable` (Enderle, Giessing and Tent, 2018): for each `i`, the distribution of
//! the noise `d` over `max(-i, -D) ..= D` that has the largest entropy among those with mean
//! 0 (unbiased) and variance `V`. Its solution has the form `p(d) ∝ exp(a·d + b·d²)`;
//! [`build`] finds `a` and `b` by Newton's method on the dual.
//!
//! The table the registry publishes with is data (`data/ptable.csv`, D = 3, V = 2), read by
//! [`PTable::standard`]; a test checks that the file is what [`build`] makes of its
//! parameters, so the method and the data cannot drift apart.

use std::sync::OnceLock;

use crate::keys::CellKey;

/// The standard table's largest noise (|noise| ≤ 3).
pub const MAX_NOISE: i64 = 3;
/// The standard table's noise variance for every count of 1 and more.
pub const VARIANCE: f64 = 2.0;

const KEY_RANGE: u64 = 1 << 32;

/// One row of the table: the noise distribution for a true count.
#[derive(Debug, Clone, PartialEq)]
pub struct PRow {
    /// The true count (the last row stands for it and every larger count).
    pub count: u64,
    pub noise: Vec<i64>,
    pub probability: Vec<f64>,
    /// Upper ends of each noise's interval of cell keys, in units of 2⁻³² (the last 2³²).
    upper: Vec<u64>,
}

impl PRow {
    fn new(count: u64, noise: Vec<i64>, probability: Vec<f64>) -> PRow {
        let mut upper = Vec::with_capacity(probability.len());
        let mut cum = 0.0;
        for p in &probability {
            cum += p;
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "cum lies in [0, 1 + rounding], so the product lies in [0, 2^32 + 1]"
            )]
            upper.push(((cum * KEY_RANGE as f64).round() as u64).min(KEY_RANGE));
        }
        if let Some(last) = upper.last_mut() {
            *last = KEY_RANGE;
        }
        PRow { count, noise, probability, upper }
    }

    /// The noise for a cell key.
    pub fn noise_for(&self, key: CellKey) -> i64 {
        let k = u64::from(key.0);
        let at = self.upper.partition_point(|u| *u <= k);
        self.noise[at.min(self.noise.len() - 1)]
    }

    /// Mean and variance of the noise over all 2³² cell keys (exact, from the intervals).
    pub fn moments(&self) -> (f64, f64) {
        let mut lower = 0;
        let (mut m1, mut m2) = (0.0, 0.0);
        for (d, u) in self.noise.iter().zip(&self.upper) {
            let w = (u - lower) as f64 / KEY_RANGE as f64;
            m1 += w * *d as f64;
            m2 += w * (*d * *d) as f64;
            lower = *u;
        }
        (m1, m2 - m1 * m1)
    }
}

/// A perturbation table: rows for the counts 0, 1, …, and a last row for all larger counts.
#[derive(Debug, Clone, PartialEq)]
pub struct PTable {
    pub max_noise: i64,
    pub variance: f64,
    pub rows: Vec<PRow>,
}

/// A p-table file that does not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PTableError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for PTableError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "p-table line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for PTableError {}

impl PTable {
    /// The table the registry publishes with (`data/ptable.csv`).
    pub fn standard() -> &'static PTable {
        static TABLE: OnceLock<PTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            PTable::parse(include_str!("../data/ptable.csv"))
                .unwrap_or_else(|e| unreachable!("the shipped p-table reads (tested): {e}"))
        })
    }

    /// The noise for a true count and its cell key. Zero stays zero.
    pub fn noise(&self, count: u64, key: CellKey) -> i64 {
        if count == 0 {
            return 0;
        }
        let last = self.rows.len() - 1;
        let row = usize::try_from(count).map_or(last, |c| c.min(last));
        self.rows[row].noise_for(key)
    }

    /// The table as the CSV the repository keeps (`count,noise,probability`).
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        out.push_str("# Perturbation table of the cell-key method (DOMAIN.md §9), made by\n");
        out.push_str("# akutt_disclosure::ptable::build: maximum entropy, mean 0, variance\n");
        out.push_str(&format!(
            "# {} for every count of 1 and more, |noise| <= {}. The last count stands for\n",
            self.variance, self.max_noise
        ));
        out.push_str("# itself and every larger one. Do not edit by hand.\n");
        out.push_str(&format!("# max_noise={} variance={}\n", self.max_noise, self.variance));
        out.push_str("count,noise,probability\n");
        for row in &self.rows {
            for (d, p) in row.noise.iter().zip(&row.probability) {
                out.push_str(&format!("{},{},{:.12}\n", row.count, d, p));
            }
        }
        out
    }

    /// Reads a table written by [`PTable::to_csv`].
    pub fn parse(text: &str) -> Result<PTable, PTableError> {
        let err = |line: usize, message: String| PTableError { line, message };
        let (mut max_noise, mut variance) = (None, None);
        let mut rows: Vec<PRow> = Vec::new();
        let mut current: Option<(u64, Vec<i64>, Vec<f64>)> = None;
        let mut header = false;
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            if let Some(comment) = line.strip_prefix('#') {
                for word in comment.split_whitespace() {
                    if let Some(v) = word.strip_prefix("max_noise=") {
                        max_noise = Some(v.parse::<i64>().map_err(|e| err(n, e.to_string()))?);
                    } else if let Some(v) = word.strip_prefix("variance=") {
                        variance = Some(v.parse::<f64>().map_err(|e| err(n, e.to_string()))?);
                    }
                }
                continue;
            }
            if !header {
                if line.trim() != "count,noise,probability" {
                    return Err(err(
                        n,
                        format!("expected the header count,noise,probability, found {line:?}"),
                    ));
                }
                header = true;
                continue;
            }
            let f: Vec<&str> = line.split(',').collect();
            let [c, d, p] = f[..] else {
                return Err(err(n, format!("expected 3 fields, found {}", f.len())));
            };
            let c: u64 = c.parse().map_err(|_| err(n, format!("count {c:?} is not a number")))?;
            let d: i64 = d.parse().map_err(|_| err(n, format!("noise {d:?} is not a number")))?;
            let p: f64 = p
                .parse()
                .ok()
                .filter(|p: &f64| (0.0..=1.0).contains(p))
                .ok_or_else(|| err(n, format!("probability {p:?} is not in [0, 1]")))?;
            match &mut current {
                Some((cc, ds, ps)) if *cc == c => {
                    if ds.last().is_some_and(|last| d <= *last) {
                        return Err(err(n, "noise values of a count must increase".into()));
                    }
                    ds.push(d);
                    ps.push(p);
                }
                _ => {
                    if let Some((cc, ds, ps)) = current.take() {
                        rows.push(PRow::new(cc, ds, ps));
                    }
                    if c != rows.len() as u64 {
                        return Err(err(
                            n,
                            format!("count {c} out of order (expected {})", rows.len()),
                        ));
                    }
                    current = Some((c, vec![d], vec![p]));
                }
            }
            if d < -i64::try_from(c).unwrap_or(i64::MAX) {
                return Err(err(n, format!("noise {d} would make the count {c} negative")));
            }
        }
        if let Some((cc, ds, ps)) = current.take() {
            rows.push(PRow::new(cc, ds, ps));
        }
        for row in &rows {
            let sum: f64 = row.probability.iter().sum();
            if (sum - 1.0).abs() > 1e-9 {
                return Err(err(
                    0,
                    format!("the probabilities of count {} sum to {sum}", row.count),
                ));
            }
        }
        if rows.first().is_none_or(|r| r.noise != [0]) {
            return Err(err(0, "count 0 must map to 0 with probability 1".into()));
        }
        let (Some(max_noise), Some(variance)) = (max_noise, variance) else {
            return Err(err(0, "the comment line with max_noise= and variance= is missing".into()));
        };
        Ok(PTable { max_noise, variance, rows })
    }
}

/// Builds the maximum-entropy table for |noise| ≤ `max_noise` and variance `variance`: rows
/// 0 ..= `max_noise` (from there on the lower bound `-i` no longer binds, so the last row
/// holds for every larger count).
pub fn build(max_noise: i64, variance: f64) -> PTable {
    let mut rows = vec![PRow::new(0, vec![0], vec![1.0])];
    for i in 1..=max_noise {
        let noise: Vec<i64> = ((-i).max(-max_noise)..=max_noise).collect();
        let p = max_entropy(&noise, variance);
        rows.push(PRow::new(i.unsigned_abs(), noise, p));
    }
    PTable { max_noise, variance, rows }
}

/// The distribution over `support` of largest entropy with mean 0 and variance `v`.
fn max_entropy(support: &[i64], v: f64) -> Vec<f64> {
    let d: Vec<f64> = support.iter().map(|&x| x as f64).collect();
    let dist = |a: f64, b: f64| -> Vec<f64> {
        let e: Vec<f64> = d.iter().map(|x| a * x + b * x * x).collect();
        let top = e.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let w: Vec<f64> = e.iter().map(|x| (x - top).exp()).collect();
        let z: f64 = w.iter().sum();
        w.into_iter().map(|x| x / z).collect()
    };
    // The dual: F(a, b) = ln Z(a, b) − b·v, convex; its gradient is (E d, E d² − v).
    let dual = |a: f64, b: f64| -> f64 {
        let e: Vec<f64> = d.iter().map(|x| a * x + b * x * x).collect();
        let top = e.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        top + e.iter().map(|x| (x - top).exp()).sum::<f64>().ln() - b * v
    };
    let (mut a, mut b) = (0.0, 0.0);
    for _ in 0..500 {
        let p = dist(a, b);
        let m = |k: i32| p.iter().zip(&d).map(|(p, x)| p * x.powi(k)).sum::<f64>();
        let (m1, m2, m3, m4) = (m(1), m(2), m(3), m(4));
        let g = [m1, m2 - v];
        if g[0].abs() < 1e-15 && g[1].abs() < 1e-14 {
            break;
        }
        let h = [[m2 - m1 * m1, m3 - m1 * m2], [m3 - m1 * m2, m4 - m2 * m2]];
        let det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
        let (mut da, mut db) = if det.abs() > 1e-300 {
            ((h[1][1] * g[0] - h[0][1] * g[1]) / det, (h[0][0] * g[1] - h[1][0] * g[0]) / det)
        } else {
            (g[0], g[1])
        };
        // Backtracking: never step uphill on the dual.
        let f0 = dual(a, b);
        let mut t = 1.0;
        while dual(a - t * da, b - t * db) > f0 && t > 1e-12 {
            t /= 2.0;
        }
        da *= t;
        db *= t;
        a -= da;
        b -= db;
    }
    dist(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_is_what_the_method_builds() {
        expect_test::expect_file!["../data/ptable.csv"]
            .assert_eq(&build(MAX_NOISE, VARIANCE).to_csv());
        assert_eq!(
            PTable::standard(),
            &PTable::parse(&build(MAX_NOISE, VARIANCE).to_csv()).unwrap()
        );
    }

    #[test]
    fn zero_stays_zero_and_the_bound_holds_for_every_key() {
        let t = PTable::standard();
        for key in [0, 1, 1 << 31, u32::MAX] {
            assert_eq!(t.noise(0, CellKey(key)), 0);
        }
        for count in 1..=20u64 {
            for step in 0..4096u32 {
                let key = CellKey(step.wrapping_mul(1_048_573));
                let d = t.noise(count, key);
                assert!(d.abs() <= MAX_NOISE, "count {count}: noise {d}");
                assert!(i64::try_from(count).unwrap() + d >= 0, "count {count} went negative");
            }
        }
    }

    #[test]
    fn noise_is_unbiased_with_the_stated_variance_over_all_cell_keys() {
        let t = PTable::standard();
        for row in &t.rows[1..] {
            let (mean, var) = row.moments();
            assert!(mean.abs() < 1e-7, "count {}: mean {mean}", row.count);
            assert!((var - VARIANCE).abs() < 1e-7, "count {}: variance {var}", row.count);
        }
        // The same by sampling the key space evenly (2^20 keys), through the lookup itself.
        for count in [1u64, 2, 3, 4, 100, 1_000_000] {
            let (mut s1, mut s2) = (0f64, 0f64);
            let n = 1u32 << 20;
            for k in 0..n {
                let d = t.noise(count, CellKey(k << 12)) as f64;
                s1 += d;
                s2 += d * d;
            }
            let mean = s1 / f64::from(n);
            let var = s2 / f64::from(n) - mean * mean;
            assert!(mean.abs() < 1e-3, "count {count}: sampled mean {mean}");
            assert!((var - VARIANCE).abs() < 1e-3, "count {count}: sampled variance {var}");
        }
    }

    #[test]
    fn maximum_entropy_is_symmetric_where_the_floor_does_not_bind() {
        let row = &PTable::standard().rows[3];
        assert_eq!(row.noise, vec![-3, -2, -1, 0, 1, 2, 3]);
        for k in 0..3 {
            assert!((row.probability[k] - row.probability[6 - k]).abs() < 1e-12);
        }
        // Peaked at zero: a variance of 2 is below the uniform's 4.
        assert!(row.probability[3] > row.probability[2] && row.probability[2] > row.probability[1]);
    }

    #[test]
    fn a_broken_table_is_refused_with_its_line() {
        let good = build(MAX_NOISE, VARIANCE).to_csv();
        let bad = good.replacen("1,-1,", "1,-7,", 1);
        let e = PTable::parse(&bad).unwrap_err();
        assert!(e.message.contains("negative"), "{e}");
        assert!(PTable::parse("count,noise,probability\n0,0,1\n").is_err(), "no parameters");
        let e = PTable::parse(&good.replacen("count,noise,probability", "a,b", 1)).unwrap_err();
        assert_eq!(e.line, 6);
    }
}
