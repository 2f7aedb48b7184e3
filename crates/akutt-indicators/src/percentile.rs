//! Exact percentiles on whole seconds by the nearest-rank definition of DOMAIN.md §8: the
//! value at rank ⌈p·n⌉ of the sorted values (1-based), computed in integers so that no
//! floating-point rounding moves a rank.

/// A percentile as an exact fraction `num/den` (the median is 1/2, p90 is 9/10).
#[derive(Debug, Clone, Copy)]
pub struct Fraction {
    pub num: u64,
    pub den: u64,
}

pub const MEDIAN: Fraction = Fraction { num: 1, den: 2 };
pub const P90: Fraction = Fraction { num: 9, den: 10 };

/// The 1-based nearest rank ⌈p·n⌉ (at least 1).
pub fn rank(p: Fraction, n: u64) -> u64 {
    (p.num * n).div_ceil(p.den).max(1)
}

/// The nearest-rank percentile of sorted values; `None` when empty.
pub fn of_sorted(sorted: &[i64], p: Fraction) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let r = usize::try_from(rank(p, sorted.len() as u64)).ok()?;
    sorted.get(r - 1).copied()
}

/// Summary of a sample: n, median, p90 and mean (rounded to 0.1 s).
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub n: u64,
    pub median: Option<i64>,
    pub p90: Option<i64>,
    pub mean: Option<f64>,
    pub sum: i64,
}

/// Summarises the values (reordering them in place): two selections, no full sort.
pub fn summarise(values: &mut [i64]) -> Summary {
    let sum: i64 = values.iter().sum();
    let n = values.len() as u64;
    let (mut median, mut p90) = (None, None);
    if n > 0 {
        // A rank is at most n, the length of a slice: it fits in usize.
        let at = |p| usize::try_from(rank(p, n)).map_or(values.len() - 1, |r| r - 1);
        let (m, p) = (at(MEDIAN), at(P90));
        let (_, &mut mv, right) = values.select_nth_unstable(m);
        median = Some(mv);
        p90 = Some(if p == m {
            mv
        } else {
            let (_, &mut pv, _) = right.select_nth_unstable(p - m - 1);
            pv
        });
    }
    Summary {
        n,
        median,
        p90,
        mean: (n > 0).then(|| (sum as f64 / n as f64 * 10.0).round() / 10.0),
        sum,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_by_hand() {
        // n = 10: median rank 5, p90 rank 9.
        let v: Vec<i64> = (1..=10).map(|x| x * 10).collect();
        assert_eq!(of_sorted(&v, MEDIAN), Some(50));
        assert_eq!(of_sorted(&v, P90), Some(90));
        // n = 1: both are the only value; n = 3: median rank 2, p90 rank 3.
        assert_eq!(of_sorted(&[7], P90), Some(7));
        assert_eq!(of_sorted(&[1, 2, 3], MEDIAN), Some(2));
        assert_eq!(of_sorted(&[1, 2, 3], P90), Some(3));
        // n = 11: p90 rank ⌈9.9⌉ = 10.
        let v: Vec<i64> = (1..=11).collect();
        assert_eq!(of_sorted(&v, P90), Some(10));
        assert_eq!(of_sorted(&[], MEDIAN), None);
    }

    #[test]
    fn summarise_selects_what_sorting_would() {
        for n in 1..60i64 {
            let mut v: Vec<i64> = (0..n).map(|i| (i * 7919) % 61).collect();
            let mut sorted = v.clone();
            sorted.sort();
            let s = summarise(&mut v);
            assert_eq!(
                (s.median, s.p90, s.n),
                (of_sorted(&sorted, MEDIAN), of_sorted(&sorted, P90), n.unsigned_abs()),
                "n = {n}"
            );
        }
    }
}
