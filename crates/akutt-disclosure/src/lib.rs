//! Disclosure control of every public figure of the registry (DOMAIN.md §9): the cell-key
//! method. Pure: no I/O; the secret arrives as bytes.
//!
//! Every counted unit has a [`RecordKey`]; a cell — the units one count of one figure counts
//! — has the [`CellKey`] that is the sum of theirs; [`Disclosure::count`] adds to the true
//! count the noise the [`PTable`] gives for (count, cell key). The same units give the same
//! key and so the same published count, whichever query, grouping, filter, period split or
//! endpoint asked. Counts under the threshold after perturbation are suppressed; zero stays
//! zero. Everything else public — shares, rates, changes, totals — is computed here from
//! published counts ([`Disclosure::share`], [`Disclosure::rate`], [`Disclosure::change`]),
//! and medians, percentiles and means pass only where their `n` was published at or above
//! the threshold ([`Disclosure::statistic`]).
//!
//! Invariant: a [`Public`] value holding a number can only be made by this crate, so a type
//! that holds `Public` fields is a figure that went through disclosure control.

pub mod keys;
pub mod ptable;

pub use keys::{CellKey, Count, IncidentKeys, Part, RecordKey, RecordKeyer, Unit};
pub use ptable::PTable;

/// The default threshold: published counts under 5 are suppressed.
pub const DEFAULT_THRESHOLD: u64 = 5;

/// What a published cell holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<T> {
    Value(T),
    /// Withheld by disclosure control (`:` in tables).
    Suppressed,
    /// Nothing to publish: no units, or no time points to measure (`..` in tables).
    NoData,
}

/// A cell's status, with the statistics offices' symbols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Value,
    Suppressed,
    NoData,
}

impl Status {
    /// The symbol in a table: `:` suppressed, `..` no data (a value shows itself).
    pub fn symbol(self) -> &'static str {
        match self {
            Status::Value => "",
            Status::Suppressed => ":",
            Status::NoData => "..",
        }
    }
}

/// A published value: a number only disclosure control can put there, or a status.
/// Serialises as the number, or `null`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Public<T>(Cell<T>);

impl<T> Public<T> {
    /// A withheld cell.
    pub fn suppressed() -> Public<T> {
        Public(Cell::Suppressed)
    }

    pub fn cell(&self) -> &Cell<T> {
        &self.0
    }

    pub fn value(&self) -> Option<&T> {
        match &self.0 {
            Cell::Value(v) => Some(v),
            _ => None,
        }
    }

    pub fn get(self) -> Option<T> {
        match self.0 {
            Cell::Value(v) => Some(v),
            _ => None,
        }
    }

    pub fn status(&self) -> Status {
        match self.0 {
            Cell::Value(_) => Status::Value,
            Cell::Suppressed => Status::Suppressed,
            Cell::NoData => Status::NoData,
        }
    }

    pub fn is_suppressed(&self) -> bool {
        matches!(self.0, Cell::Suppressed)
    }

    /// A published value in another form (rounded, in minutes): still the published value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Public<U> {
        Public(match self.0 {
            Cell::Value(v) => Cell::Value(f(v)),
            Cell::Suppressed => Cell::Suppressed,
            Cell::NoData => Cell::NoData,
        })
    }
}

impl<T: serde::Serialize> serde::Serialize for Public<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Cell::Value(v) => v.serialize(s),
            _ => s.serialize_none(),
        }
    }
}

/// The disclosure control of one publication: threshold and perturbation table.
#[derive(Debug, Clone, Copy)]
pub struct Disclosure {
    threshold: u64,
    table: &'static PTable,
}

impl Disclosure {
    /// Disclosure control with the registry's standard p-table.
    pub fn new(threshold: u64) -> Disclosure {
        Disclosure { threshold, table: PTable::standard() }
    }

    pub fn threshold(&self) -> u64 {
        self.threshold
    }

    pub fn table(&self) -> &'static PTable {
        self.table
    }

    /// The published count of a cell: true count plus the p-table's noise for its key;
    /// zero stays zero; a perturbed count under the threshold is suppressed.
    pub fn count(&self, c: Count) -> Public<u64> {
        if c.n == 0 {
            return Public(Cell::Value(0));
        }
        let noise = self.table.noise(c.n, c.key);
        let perturbed = c.n.saturating_add_signed(noise);
        if perturbed < self.threshold || perturbed == 0 {
            Public(Cell::Suppressed)
        } else {
            Public(Cell::Value(perturbed))
        }
    }

    /// A median, percentile or mean of a group whose count was published as `n`: shown
    /// only where `n` reached the threshold.
    pub fn statistic<T>(&self, n: Public<u64>, value: Option<T>) -> Public<T> {
        match (n.0, value) {
            (Cell::Value(n), Some(v)) if n >= self.threshold.max(1) => Public(Cell::Value(v)),
            (Cell::Value(0), _) => Public(Cell::NoData),
            (Cell::Value(_), None) | (Cell::NoData, _) => Public(Cell::NoData),
            _ => Public(Cell::Suppressed),
        }
    }

    /// A published part, never more than its published whole (their noises differ).
    pub fn at_most(&self, part: Public<u64>, whole: Public<u64>) -> Public<u64> {
        match (part.0, whole.0) {
            (Cell::Value(p), Cell::Value(w)) => Public(Cell::Value(p.min(w))),
            _ => part,
        }
    }

    /// A share (0–1) of two published counts; withheld when either is.
    pub fn share(&self, part: Public<u64>, whole: Public<u64>) -> Public<f64> {
        match (part.0, whole.0) {
            (_, Cell::Value(0)) | (_, Cell::NoData) => Public(Cell::NoData),
            (Cell::Value(p), Cell::Value(w)) => Public(Cell::Value(p.min(w) as f64 / w as f64)),
            (Cell::NoData, Cell::Value(_)) => Public(Cell::Value(0.0)),
            _ => Public(Cell::Suppressed),
        }
    }

    /// A published count per `per` units of a denominator that is not a count of units
    /// (inhabitants: public data), e.g. per 1000 inhabitants.
    pub fn rate(&self, count: Public<u64>, denominator: f64, per: f64) -> Public<f64> {
        if denominator <= 0.0 || !denominator.is_finite() {
            return Public(Cell::NoData);
        }
        count.map(|c| c as f64 * per / denominator)
    }

    /// The relative change (now − then) / then of two published counts.
    pub fn change(&self, now: Public<u64>, then: Public<u64>) -> Public<f64> {
        match (now.0, then.0) {
            (_, Cell::Value(0)) | (_, Cell::NoData) => Public(Cell::NoData),
            (Cell::Value(a), Cell::Value(b)) => {
                Public(Cell::Value((a as f64 - b as f64) / b as f64))
            }
            _ => Public(Cell::Suppressed),
        }
    }

    /// A share (0–1) that describes how the registry processed the centres' files (records
    /// rejected by the rules, warnings per record), not persons: from exact counts, since
    /// such counts have no record keys, but published only as a share, and withheld where
    /// its whole is under the threshold (a share of two or three records would tell of them).
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    pub fn process_share(&self, part: u64, whole: u64) -> Public<f64> {
        if whole == 0 {
            Public(Cell::NoData)
        } else if whole < self.threshold {
            Public(Cell::Suppressed)
        } else {
            Public(Cell::Value(part as f64 / whole as f64))
        }
    }

    /// A total (unit-hours, say) of a group: its mean times the published count, shown only
    /// where the count reached the threshold — never the exact sum, which would let one
    /// unit's value follow from two overlapping totals.
    pub fn total(&self, n: Public<u64>, mean: Option<f64>) -> Public<f64> {
        let count = n.get();
        self.statistic(n, mean).map(|m| m * count.unwrap_or(0) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_share_is_withheld_on_a_small_whole_and_empty_without_one() {
        let d = Disclosure::new(5);
        assert_eq!(d.process_share(1, 4).status(), Status::Suppressed);
        assert_eq!(d.process_share(0, 0).status(), Status::NoData);
        assert_eq!(d.process_share(1, 5).get(), Some(0.2));
        // Warnings per record may exceed one.
        assert_eq!(d.process_share(30, 10).get(), Some(3.0));
    }

    fn count(n: u64, key: u32) -> Count {
        Count { n, key: CellKey(key) }
    }

    #[test]
    fn small_counts_are_never_published_and_zero_stays_zero() {
        let d = Disclosure::new(DEFAULT_THRESHOLD);
        assert_eq!(d.count(count(0, 123)).get(), Some(0));
        for n in 1..=20 {
            for key in (0..u32::MAX).step_by(9_999_991) {
                match d.count(count(n, key)).get() {
                    Some(v) => assert!(v >= 5 && v.abs_diff(n) <= 3, "{n} → {v}"),
                    None => assert!(n <= 4 + 3, "{n} suppressed"),
                }
            }
        }
        // The same cell (count and key) always gets the same value.
        assert_eq!(d.count(count(1234, 77)), d.count(count(1234, 77)));
    }

    #[test]
    fn derived_figures_follow_their_published_counts() {
        let d = Disclosure::new(5);
        let v = |n: u64| d.count(count(n, 0)); // key 0 → the lowest noise of the row
        let hidden = Public::<u64>::suppressed();
        assert!(d.share(hidden, v(100)).is_suppressed());
        assert!(d.share(v(50), hidden).is_suppressed());
        assert_eq!(d.share(Public(Cell::Value(120)), Public(Cell::Value(100))).get(), Some(1.0));
        assert_eq!(d.share(Public(Cell::Value(0)), Public(Cell::Value(100))).get(), Some(0.0));
        assert_eq!(d.change(Public(Cell::Value(150)), Public(Cell::Value(100))).get(), Some(0.5));
        assert!(d.change(Public(Cell::Value(150)), hidden).is_suppressed());
        assert_eq!(
            d.change(Public(Cell::Value(5)), Public(Cell::Value(0))).status(),
            Status::NoData
        );
        assert_eq!(d.statistic(Public(Cell::Value(5)), Some(600)).get(), Some(600));
        assert!(d.statistic(hidden, Some(600)).is_suppressed());
        assert_eq!(d.statistic::<i64>(Public(Cell::Value(40)), None).status(), Status::NoData);
        assert_eq!(d.total(Public(Cell::Value(10)), Some(1.5)).get(), Some(15.0));
        assert_eq!(d.rate(Public(Cell::Value(30)), 10_000.0, 1000.0).get(), Some(3.0));
        assert_eq!(d.rate(Public(Cell::Value(30)), 0.0, 1000.0).status(), Status::NoData);
    }

    #[test]
    fn public_values_serialise_as_numbers_or_null() {
        let d = Disclosure::new(5);
        let shown = serde_json::to_string(&d.count(count(0, 1))).unwrap_or_default();
        assert_eq!(shown, "0");
        assert_eq!(serde_json::to_string(&Public::<u64>::suppressed()).unwrap_or_default(), "null");
    }
}
