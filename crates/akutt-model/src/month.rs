//! `Month`: a calendar month (`YYYY-MM`), the unit of periods, submissions and indicator
//! groups, and `MonthRange`, an inclusive run of months. The only place month arithmetic
//! and the `YYYY-MM` form live.

use std::fmt;
use std::num::NonZeroU8;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

/// A calendar month of the years 0000–9999, ordered by time.
///
/// `Option<Month>` is as small as `Month` (four bytes): the month number is never zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: u16,
    month: NonZeroU8,
}

/// Why a text is not a month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MonthError {
    /// Not of the form `YYYY-MM` (four digits, a hyphen, two digits).
    Form,
    /// `MM` is not 01–12.
    MonthNumber(u32),
}

impl fmt::Display for MonthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MonthError::Form => f.write_str("not of the form YYYY-MM"),
            MonthError::MonthNumber(m) => write!(f, "month {m:02} is not 01–12"),
        }
    }
}

impl std::error::Error for MonthError {}

impl Month {
    /// The month `month` (1–12) of `year` (0–9999).
    pub fn new(year: i32, month: u32) -> Option<Month> {
        let year = u16::try_from(year).ok().filter(|y| *y <= 9999)?;
        let month = u8::try_from(month).ok().filter(|m| (1..=12).contains(m))?;
        Some(Month { year, month: NonZeroU8::new(month)? })
    }

    /// Parses `YYYY-MM` exactly (surrounding white space allowed): `2024-03`, not `2024-3`.
    pub fn parse(s: &str) -> Result<Month, MonthError> {
        let b = s.trim().as_bytes();
        let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
        if b.len() != 7 || b[4] != b'-' || !digits(&b[..4]) || !digits(&b[5..]) {
            return Err(MonthError::Form);
        }
        let num = |r: &[u8]| r.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
        let (year, month) = (num(&b[..4]), num(&b[5..]));
        Month::new(year as i32, month).ok_or(MonthError::MonthNumber(month))
    }

    /// The month of a date.
    pub fn of(date: NaiveDate) -> Month {
        // chrono's dates reach beyond 0–9999: clamp rather than fail on absurd dates.
        let year = u16::try_from(date.year().clamp(0, 9999)).unwrap_or(0);
        let month = u8::try_from(date.month()).ok().and_then(NonZeroU8::new);
        Month { year, month: month.unwrap_or(NonZeroU8::MIN) }
    }

    pub fn year(self) -> i32 {
        i32::from(self.year)
    }

    /// 1–12.
    pub fn number(self) -> u32 {
        u32::from(self.month.get())
    }

    /// Months since 0000-01: a dense, ordered code (group keys, distances).
    pub fn ordinal(self) -> u32 {
        u32::from(self.year) * 12 + self.number() - 1
    }

    /// The month of an [`Month::ordinal`]; `None` past 9999-12.
    pub fn from_ordinal(ordinal: u32) -> Option<Month> {
        Month::new(i32::try_from(ordinal / 12).ok()?, ordinal % 12 + 1)
    }

    /// `months` later (earlier when negative); `None` outside 0000-01 to 9999-12.
    pub fn plus(self, months: i32) -> Option<Month> {
        let o = i64::from(self.ordinal()) + i64::from(months);
        Month::from_ordinal(u32::try_from(o).ok()?)
    }

    /// The next month.
    pub fn succ(self) -> Option<Month> {
        self.plus(1)
    }

    /// The previous month.
    pub fn pred(self) -> Option<Month> {
        self.plus(-1)
    }

    /// The same month `years` later (earlier when negative).
    pub fn plus_years(self, years: i32) -> Option<Month> {
        self.plus(years.checked_mul(12)?)
    }

    /// The number as stored in Parquet's `t0_month` column: `yyyymm` (202403).
    pub fn yyyymm(self) -> i32 {
        self.year() * 100 + self.number() as i32
    }

    /// The month of a stored `yyyymm`; `None` for anything that is not one.
    pub fn from_yyyymm(n: i32) -> Option<Month> {
        Month::new(n / 100, u32::try_from(n % 100).ok()?).filter(|_| n >= 0)
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year(), self.number(), 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        match self.succ() {
            Some(next) => next.first_day().pred_opt().unwrap_or(NaiveDate::MIN),
            None => NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX),
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = MonthError;

    fn from_str(s: &str) -> Result<Month, MonthError> {
        Month::parse(s)
    }
}

/// Months `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MonthRange {
    from: Month,
    to: Month,
}

/// `from` came after `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReversedRange {
    pub from: Month,
    pub to: Month,
}

impl fmt::Display for ReversedRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "from {} is after to {}", self.from, self.to)
    }
}

impl std::error::Error for ReversedRange {}

impl MonthRange {
    pub fn new(from: Month, to: Month) -> Result<MonthRange, ReversedRange> {
        if from > to {
            return Err(ReversedRange { from, to });
        }
        Ok(MonthRange { from, to })
    }

    /// The single month `m`.
    pub fn single(m: Month) -> MonthRange {
        MonthRange { from: m, to: m }
    }

    pub fn from(self) -> Month {
        self.from
    }

    pub fn to(self) -> Month {
        self.to
    }

    pub fn contains(self, m: Month) -> bool {
        self.from <= m && m <= self.to
    }

    /// How many months (at least one).
    pub fn len(self) -> u32 {
        self.to.ordinal() - self.from.ordinal() + 1
    }

    /// Never: a range holds at least one month.
    pub fn is_empty(self) -> bool {
        false
    }

    /// The range `years` later (earlier when negative); `None` past the calendar's ends.
    pub fn plus_years(self, years: i32) -> Option<MonthRange> {
        Some(MonthRange { from: self.from.plus_years(years)?, to: self.to.plus_years(years)? })
    }

    /// The months in order.
    pub fn iter(self) -> impl Iterator<Item = Month> {
        (self.from.ordinal()..=self.to.ordinal()).filter_map(Month::from_ordinal)
    }

    /// The distinct years the range touches, in order.
    pub fn years(self) -> std::ops::RangeInclusive<i32> {
        self.from.year()..=self.to.year()
    }

    /// The twelve months ending with `to` (a rolling year).
    pub fn twelve_months_to(to: Month) -> MonthRange {
        MonthRange { from: to.plus(-11).unwrap_or(to), to }
    }
}

impl fmt::Display for MonthRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}–{}", self.from, self.to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Month {
        Month::parse(s).unwrap()
    }

    #[test]
    fn parses_exactly_yyyy_mm() {
        assert_eq!(m("2024-03").to_string(), "2024-03");
        assert_eq!(m(" 0001-12 ").to_string(), "0001-12");
        for bad in
            ["2024-3", "24-03", "2024/03", "2024-03-01", "", "2024-0a", "-202-03", "２０２４-03"]
        {
            assert_eq!(Month::parse(bad), Err(MonthError::Form), "{bad}");
        }
        assert_eq!(Month::parse("2024-13"), Err(MonthError::MonthNumber(13)));
        assert_eq!(Month::parse("2024-00"), Err(MonthError::MonthNumber(0)));
        assert_eq!("2024-11".parse::<Month>(), Ok(m("2024-11")));
    }

    #[test]
    fn orders_and_steps_across_years() {
        assert!(m("2023-12") < m("2024-01"));
        assert_eq!(m("2023-12").succ(), Some(m("2024-01")));
        assert_eq!(m("2024-01").pred(), Some(m("2023-12")));
        assert_eq!(m("2024-03").plus(-15), Some(m("2022-12")));
        assert_eq!(m("2024-02").plus_years(-1), Some(m("2023-02")));
        assert_eq!(m("9999-12").succ(), None);
        assert_eq!(m("0000-01").pred(), None);
        assert_eq!(Month::from_ordinal(m("2024-07").ordinal()), Some(m("2024-07")));
    }

    #[test]
    fn converts_to_and_from_stored_numbers_and_dates() {
        assert_eq!(m("2024-03").yyyymm(), 202403);
        assert_eq!(Month::from_yyyymm(202403), Some(m("2024-03")));
        assert_eq!(Month::from_yyyymm(202413), None);
        assert_eq!(Month::from_yyyymm(0), None);
        assert_eq!(Month::from_yyyymm(-202403), None);
        let d = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        assert_eq!(Month::of(d), m("2024-02"));
        assert_eq!(m("2024-02").last_day(), d);
        assert_eq!(m("2023-02").last_day().to_string(), "2023-02-28");
        assert_eq!(m("2023-12").first_day().to_string(), "2023-12-01");
        assert_eq!(size_of::<Option<Month>>(), 4);
    }

    #[test]
    fn ranges_are_inclusive_and_never_reversed() {
        let r = MonthRange::new(m("2023-11"), m("2024-02")).unwrap();
        let all: Vec<String> = r.iter().map(|x| x.to_string()).collect();
        assert_eq!(all, ["2023-11", "2023-12", "2024-01", "2024-02"]);
        assert_eq!(r.len(), 4);
        assert!(r.contains(m("2024-02")) && !r.contains(m("2024-03")));
        assert_eq!(r.years(), 2023..=2024);
        assert_eq!(r.plus_years(-1).unwrap().from(), m("2022-11"));
        let e = MonthRange::new(m("2024-02"), m("2024-01")).unwrap_err();
        assert_eq!(e.to_string(), "from 2024-02 is after to 2024-01");
        assert_eq!(MonthRange::twelve_months_to(m("2024-03")).from(), m("2023-04"));
        assert_eq!(MonthRange::single(m("2024-03")).len(), 1);
    }
}
