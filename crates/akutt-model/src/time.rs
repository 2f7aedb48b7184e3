//! Time in the registry: local Norwegian date-times (Europe/Oslo) parsed from extracts and
//! converted to absolute instants (DOMAIN.md §3, §5; rules W208/W209 of §6).
//!
//! An [`Instant`] is whole seconds since the Unix epoch (UTC). Intervals are differences
//! of instants, never of local clock readings.

use chrono::{
    DateTime, Datelike, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Utc,
};
use chrono_tz::Europe::Oslo;

use crate::month::Month;

/// Whole seconds since 1970-01-01T00:00:00Z.
pub type Instant = i64;

/// A parsed time point, before the incident context decides ambiguous cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalResolution {
    /// One instant (a normal local time, or a time written with an explicit offset).
    Exact(Instant),
    /// A local time in the fall-back hour that happens twice (W208).
    Ambiguous { earlier: Instant, later: Instant },
    /// A local time in the spring-forward gap that does not exist (W209), shifted forward one
    /// hour.
    Shifted(Instant),
}

impl LocalResolution {
    /// The instant chosen when nothing earlier on the time axis constrains it.
    pub fn default_instant(self) -> Instant {
        match self {
            LocalResolution::Exact(t) | LocalResolution::Shifted(t) => t,
            LocalResolution::Ambiguous { earlier, .. } => earlier,
        }
    }

    /// W208: resolved to the earlier instant unless that would lie before `floor` (the latest
    /// time point that precedes this one on the incident's time axis), then to the later.
    pub fn resolve_after(self, floor: Option<Instant>) -> Instant {
        match self {
            LocalResolution::Ambiguous { earlier, later } => match floor {
                Some(f) if earlier < f => later,
                _ => earlier,
            },
            other => other.default_instant(),
        }
    }
}

/// Why a date or date-time could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeParseError;

/// The UTC offset (seconds) of a whole local day in Oslo, when it has no clock change;
/// cached per thread in a direct-mapped table (4,096 days, about eleven years, without
/// collisions), since extracts hold many times of the same days.
fn day_offset(date: NaiveDate) -> Option<i64> {
    use std::cell::RefCell;
    const SLOTS: u16 = 4096;
    /// A slot: the day it holds (days from the common era; 0 never used by real dates
    /// here) and its offset, `i64::MIN` meaning "has a clock change".
    type Slot = (i32, i64);
    thread_local! {
        static CACHE: RefCell<Vec<Slot>> = RefCell::new(vec![(0, 0); usize::from(SLOTS)]);
    }
    let day = date.num_days_from_ce();
    let slot = day.rem_euclid(i32::from(SLOTS)).unsigned_abs() as usize;
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        let (held, v) = c[slot];
        if held == day && day != 0 {
            return (v != i64::MIN).then_some(v);
        }
        let offset_at = |t: NaiveTime| match Oslo.from_local_datetime(&date.and_time(t)) {
            LocalResult::Single(dt) => {
                Some(date.and_time(t).and_utc().timestamp() - dt.timestamp())
            }
            _ => None,
        };
        let start = offset_at(NaiveTime::MIN);
        let end = NaiveTime::from_hms_opt(23, 59, 59).and_then(offset_at);
        let v = if start.is_some() && start == end { start } else { None };
        c[slot] = (day, v.unwrap_or(i64::MIN));
        v
    })
}

/// Converts a local Oslo wall-clock reading to an instant.
pub fn oslo_local(ndt: NaiveDateTime) -> LocalResolution {
    if let Some(offset) = day_offset(ndt.date()) {
        return LocalResolution::Exact(ndt.and_utc().timestamp() - offset);
    }
    match Oslo.from_local_datetime(&ndt) {
        LocalResult::Single(t) => LocalResolution::Exact(t.timestamp()),
        LocalResult::Ambiguous(a, b) => {
            let (x, y) = (a.timestamp(), b.timestamp());
            LocalResolution::Ambiguous { earlier: x.min(y), later: x.max(y) }
        }
        LocalResult::None => {
            let shifted = ndt + chrono::Duration::hours(1);
            match Oslo.from_local_datetime(&shifted) {
                LocalResult::Single(t) => LocalResolution::Shifted(t.timestamp()),
                LocalResult::Ambiguous(t, _) => LocalResolution::Shifted(t.timestamp()),
                // Unreachable for Europe/Oslo; fall back to reading the clock as UTC+1.
                LocalResult::None => LocalResolution::Shifted(ndt.and_utc().timestamp() - 3600),
            }
        }
    }
}

/// `str::trim`, without its cost when there is nothing to trim (the usual cell).
fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')))
}

/// Parses a date: `dd.mm.yyyy` (also `d.m.yyyy`) or ISO `yyyy-mm-dd`.
pub fn parse_date(s: &str) -> Result<NaiveDate, TimeParseError> {
    let s = trim(s);
    let b = s.as_bytes();
    let (y, m, d) = if b.len() == 10 && b[2] == b'.' && b[5] == b'.' {
        (digits(&b[6..10]), digits(&b[3..5]), digits(&b[0..2]))
    } else if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        (digits(&b[0..4]), digits(&b[5..7]), digits(&b[8..10]))
    } else {
        let mut parts = s.split('.');
        let (d, m, y) = (parts.next(), parts.next(), parts.next());
        if parts.next().is_some() {
            return Err(TimeParseError);
        }
        let p = |x: Option<&str>, max_len: usize| {
            x.filter(|x| x.len() <= max_len).and_then(|x| digits(x.as_bytes()))
        };
        let y = y.filter(|y| y.len() == 4);
        (p(y, 4), p(m, 2), p(d, 2))
    };
    match (y, m, d) {
        (Some(y), Some(m), Some(d)) => {
            NaiveDate::from_ymd_opt(y as i32, m, d).ok_or(TimeParseError)
        }
        _ => Err(TimeParseError),
    }
}

fn parse_clock(s: &str) -> Result<NaiveTime, TimeParseError> {
    let b = s.as_bytes();
    // hh:mm or hh:mm:ss, optionally with a fraction of a second (truncated: seconds are whole).
    if b.len() < 5 || b[2] != b':' {
        return Err(TimeParseError);
    }
    let h = digits(&b[0..2]).ok_or(TimeParseError)?;
    let m = digits(&b[3..5]).ok_or(TimeParseError)?;
    let sec = if b.len() == 5 {
        0
    } else {
        if b.len() < 8 || b[5] != b':' {
            return Err(TimeParseError);
        }
        let sec = digits(&b[6..8]).ok_or(TimeParseError)?;
        if b.len() > 8 && (b[8] != b'.' && b[8] != b',' || digits(&b[9..]).is_none()) {
            return Err(TimeParseError);
        }
        sec
    };
    NaiveTime::from_hms_opt(h, m, sec).ok_or(TimeParseError)
}

/// Parses a date-time of an extract (DOMAIN.md §5): `dd.mm.yyyy hh:mm[:ss]` in Oslo local
/// time, or ISO 8601 `yyyy-mm-ddThh:mm[:ss]` (local unless it carries `Z` or an offset).
pub fn parse_datetime(s: &str) -> Result<LocalResolution, TimeParseError> {
    let s = trim(s);
    if let Some(r) = parse_usual_datetime(s.as_bytes()) {
        return Ok(r);
    }
    let (date, rest) = match s.bytes().position(|b| b == b'T' || b == b' ') {
        Some(i) => (&s[..i], s[i + 1..].trim_start()),
        None => return Err(TimeParseError),
    };
    let date = parse_date(date)?;
    let is_iso = s.as_bytes().get(4) == Some(&b'-');
    if is_iso {
        // An explicit offset or Z makes the instant absolute.
        let (clock, offset) = split_offset(rest)?;
        let time = parse_clock(clock)?;
        let ndt = date.and_time(time);
        return Ok(match offset {
            Some(secs) => {
                let off = FixedOffset::east_opt(secs).ok_or(TimeParseError)?;
                let dt: DateTime<FixedOffset> =
                    off.from_local_datetime(&ndt).single().ok_or(TimeParseError)?;
                LocalResolution::Exact(dt.timestamp())
            }
            None => oslo_local(ndt),
        });
    }
    Ok(oslo_local(date.and_time(parse_clock(rest)?)))
}

/// The fast path of [`parse_datetime`] for the form the registration guide uses,
/// `dd.mm.yyyy hh:mm:ss`, on a day without a clock change. The day's local midnight and
/// offset are kept from one call to the next (times of an extract come day by day). `None`
/// hands anything else, invalid values included, to the general path.
fn parse_usual_datetime(b: &[u8]) -> Option<LocalResolution> {
    use std::cell::Cell;
    if b.len() != 19
        || b[2] != b'.'
        || b[5] != b'.'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (h, m, sec) = (digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?);
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    /// The last day read: its ten bytes, local midnight read as UTC, and its UTC offset.
    type LastDay = Option<([u8; 10], i64, i64)>;
    thread_local! {
        static LAST: Cell<LastDay> = const { Cell::new(None) };
    }
    let key: [u8; 10] = b[..10].try_into().ok()?;
    let (midnight, offset) = match LAST.with(Cell::get) {
        Some((k, midnight, offset)) if k == key => (midnight, offset),
        _ => {
            let date = parse_date(std::str::from_utf8(&b[..10]).ok()?).ok()?;
            let offset = day_offset(date)?;
            let midnight = date.and_time(NaiveTime::MIN).and_utc().timestamp();
            LAST.with(|c| c.set(Some((key, midnight, offset))));
            (midnight, offset)
        }
    };
    Some(LocalResolution::Exact(midnight + i64::from(h * 3600 + m * 60 + sec) - offset))
}

fn split_offset(rest: &str) -> Result<(&str, Option<i32>), TimeParseError> {
    if let Some(clock) = rest.strip_suffix('Z') {
        return Ok((clock, Some(0)));
    }
    if let Some(i) = rest.rfind(['+', '-']) {
        let (clock, off) = (&rest[..i], &rest[i..]);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let o = off[1..].replace(':', "");
        if o.len() != 4 {
            return Err(TimeParseError);
        }
        let h = digits(&o.as_bytes()[..2]).ok_or(TimeParseError)? as i32;
        let m = digits(&o.as_bytes()[2..]).ok_or(TimeParseError)? as i32;
        return Ok((clock, Some(sign * (h * 3600 + m * 60))));
    }
    Ok((rest, None))
}

/// The instant of local midnight starting `date` in Oslo (first instant of the day).
pub fn oslo_start_of_day(date: NaiveDate) -> Instant {
    oslo_local(date.and_time(NaiveTime::MIN)).default_instant()
}

/// The Oslo calendar month of an instant (the month of `t0` that indicators group by, §8).
pub fn oslo_month(t: Instant) -> Option<Month> {
    DateTime::<Utc>::from_timestamp(t, 0).map(|d| Month::of(d.with_timezone(&Oslo).date_naive()))
}

/// The Oslo calendar date of an instant (the date a municipality number is judged on, §4).
pub fn oslo_date(t: Instant) -> Option<NaiveDate> {
    DateTime::<Utc>::from_timestamp(t, 0).map(|d| d.with_timezone(&Oslo).date_naive())
}

/// The Oslo clock hour (0–23) and ISO weekday (1 Monday … 7 Sunday) of an instant: when in
/// the day and week an incident began (§12's time of day). On the spring-forward night
/// there is no hour 2; on the fall-back night hour 2 occurs twice, both counted as 2.
pub fn oslo_hour_weekday(t: Instant) -> Option<(u8, u8)> {
    use chrono::Timelike;
    let local = DateTime::<Utc>::from_timestamp(t, 0)?.with_timezone(&Oslo);
    let hour = u8::try_from(local.hour()).ok()?;
    let weekday = u8::try_from(local.weekday().number_from_monday()).ok()?;
    Some((hour, weekday))
}

/// The UTC calendar month of an instant (the NEMSIS side, whose agencies span time zones).
pub fn utc_month(t: Instant) -> Option<Month> {
    DateTime::<Utc>::from_timestamp(t, 0).map(|d| Month::of(d.date_naive()))
}

/// Formats an instant as ISO 8601 UTC (`2024-03-31T01:30:00Z`).
pub fn format_utc(t: Instant) -> String {
    match DateTime::<Utc>::from_timestamp(t, 0) {
        Some(dt) => dt.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => t.to_string(),
    }
}

/// Formats an instant as Oslo local time with its offset (`2024-03-31T03:30:00+02:00`).
pub fn format_oslo(t: Instant) -> String {
    match DateTime::<Utc>::from_timestamp(t, 0) {
        Some(dt) => dt.with_timezone(&Oslo).format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        None => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_oslo_hour_and_weekday_follow_summer_time() {
        // 2024-03-31 00:30Z is 01:30 CET (Sunday); 01:30Z is 03:30 CEST (the clock skipped 2).
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().timestamp();
        assert_eq!(oslo_hour_weekday(at("2024-03-31T00:30:00Z")), Some((1, 7)));
        assert_eq!(oslo_hour_weekday(at("2024-03-31T01:30:00Z")), Some((3, 7)));
        // 2024-10-27: 00:30Z and 01:30Z are both 02:30 local.
        assert_eq!(oslo_hour_weekday(at("2024-10-27T00:30:00Z")), Some((2, 7)));
        assert_eq!(oslo_hour_weekday(at("2024-10-27T01:30:00Z")), Some((2, 7)));
        // Monday 2024-01-01 23:30 local is 22:30Z.
        assert_eq!(oslo_hour_weekday(at("2024-01-01T22:30:00Z")), Some((23, 1)));
    }

    use super::*;

    #[test]
    fn months_of_instants_in_oslo_and_utc() {
        // 2024-03-31T22:30:00Z is 00:30 on 1 April in Oslo (summer time).
        let t = utc("2024-03-31T22:30:00Z");
        assert_eq!(oslo_month(t).map(|m| m.to_string()).as_deref(), Some("2024-04"));
        assert_eq!(utc_month(t).map(|m| m.to_string()).as_deref(), Some("2024-03"));
        assert_eq!(utc_month(0).map(|m| m.yyyymm()), Some(197001));
        assert_eq!(utc_month(951_782_400).map(|m| m.yyyymm()), Some(200002));
        assert_eq!(utc_month(-1).map(|m| m.yyyymm()), Some(196912));
    }

    fn utc(s: &str) -> Instant {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp()
    }

    #[test]
    fn cached_day_offsets_agree_with_the_time_zone_database() {
        // Sixteen years, more days than the cache holds, visited twice in different orders so
        // that slots are evicted and reused; every reading matches chrono-tz directly.
        let days: Vec<NaiveDate> = (0..16 * 366)
            .filter_map(|d| {
                NaiveDate::from_ymd_opt(2015, 1, 1)?.checked_add_days(chrono::Days::new(d))
            })
            .collect();
        for pass in 0..2 {
            for (i, date) in days.iter().enumerate() {
                let date = if pass == 0 { *date } else { days[days.len() - 1 - i] };
                for (h, m) in [(0, 0), (2, 30), (12, 0), (23, 59)] {
                    let ndt = date.and_hms_opt(h, m, 0).unwrap();
                    let direct = match Oslo.from_local_datetime(&ndt) {
                        LocalResult::Single(t) => Some(t.timestamp()),
                        _ => None,
                    };
                    match oslo_local(ndt) {
                        LocalResolution::Exact(t) => assert_eq!(Some(t), direct, "{ndt}"),
                        other => assert!(direct.is_none(), "{ndt}: {other:?}"),
                    }
                }
            }
        }
    }

    #[test]
    fn the_fast_path_reads_like_the_general_one() {
        // Every hour of 2024 (both clock changes included) and some invalid readings, in the
        // fast form and in the ISO form that only the general path reads.
        let mut t = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap().and_hms_opt(0, 17, 43).unwrap();
        while t.year() == 2024 {
            let nor = t.format("%d.%m.%Y %H:%M:%S").to_string();
            let iso = t.format("%Y-%m-%dT%H:%M:%S").to_string();
            assert_eq!(parse_datetime(&nor), parse_datetime(&iso), "{nor}");
            t += chrono::Duration::minutes(61);
        }
        for bad in [
            "31.02.2024 10:00:00",
            "15.01.2024 24:00:00",
            "15.01.2024 10:60:00",
            "15.01.2024 10:00:60",
            "15.13.2024 10:00:00",
            "1x.01.2024 10:00:00",
        ] {
            assert_eq!(parse_datetime(bad), Err(TimeParseError), "{bad}");
        }
        assert_eq!(
            parse_datetime("31.03.2024 02:30:00"),
            Ok(LocalResolution::Shifted(utc("2024-03-31T01:30:00Z")))
        );
    }

    #[test]
    fn norwegian_and_iso_forms_agree() {
        let winter = utc("2024-01-15T07:04:05Z");
        assert_eq!(parse_datetime("15.01.2024 08:04:05"), Ok(LocalResolution::Exact(winter)));
        assert_eq!(parse_datetime("2024-01-15T08:04:05"), Ok(LocalResolution::Exact(winter)));
        assert_eq!(parse_datetime("2024-01-15 08:04:05"), Ok(LocalResolution::Exact(winter)));
        assert_eq!(parse_datetime("2024-01-15T07:04:05Z"), Ok(LocalResolution::Exact(winter)));
        assert_eq!(parse_datetime("2024-01-15T09:04:05+02:00"), Ok(LocalResolution::Exact(winter)));
        assert_eq!(parse_datetime("15.01.2024 08:04"), Ok(LocalResolution::Exact(winter - 5)));
        assert_eq!(
            parse_datetime("5.1.2024 08:04:05"),
            Ok(LocalResolution::Exact(winter - 10 * 86400))
        );
        let summer = utc("2024-07-01T10:00:00Z");
        assert_eq!(parse_datetime("01.07.2024 12:00:00"), Ok(LocalResolution::Exact(summer)));
    }

    #[test]
    fn malformed_values_are_errors() {
        for bad in [
            "",
            "15.01.2024",
            "32.01.2024 08:00",
            "15.13.2024 08:00",
            "15.01.24 08:00",
            "15-01-2024 08:00",
            "15.01.2024 25:00",
            "15.01.2024 08:00:61",
            "2024-01-15T08",
            "abc",
            "15.01.2024 08:00:00x",
            "2024-01-15T08:00+5",
        ] {
            assert_eq!(parse_datetime(bad), Err(TimeParseError), "{bad:?}");
        }
    }

    #[test]
    fn spring_forward_gap_shifts_one_hour() {
        // 31 March 2024: 02:00 local jumps to 03:00; 02:30 does not exist.
        assert_eq!(
            parse_datetime("31.03.2024 02:30:00"),
            Ok(LocalResolution::Shifted(utc("2024-03-31T01:30:00Z")))
        );
        assert_eq!(
            parse_datetime("31.03.2024 03:30:00"),
            Ok(LocalResolution::Exact(utc("2024-03-31T01:30:00Z")))
        );
    }

    #[test]
    fn fall_back_hour_is_ambiguous() {
        // 27 October 2024: 03:00 local goes back to 02:00; 02:30 happens twice.
        let r = parse_datetime("27.10.2024 02:30:00").unwrap();
        let (earlier, later) = (utc("2024-10-27T00:30:00Z"), utc("2024-10-27T01:30:00Z"));
        assert_eq!(r, LocalResolution::Ambiguous { earlier, later });
        assert_eq!(r.resolve_after(None), earlier);
        assert_eq!(r.resolve_after(Some(earlier)), earlier);
        assert_eq!(r.resolve_after(Some(earlier + 1)), later);
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("01.02.2024"), Ok(NaiveDate::from_ymd_opt(2024, 2, 1).unwrap()));
        assert_eq!(parse_date("2024-02-01"), Ok(NaiveDate::from_ymd_opt(2024, 2, 1).unwrap()));
        assert_eq!(parse_date("30.02.2024"), Err(TimeParseError));
        assert_eq!(format_oslo(utc("2024-03-31T01:30:00Z")), "2024-03-31T03:30:00+02:00");
    }
}
