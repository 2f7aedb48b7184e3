//! The one parser of an indicator request, shared by `akutt indicators` and
//! `/api/indicators`: the period, the centre, `by`, `where`, `indicator` and `as_of`, turned
//! once into a validated [`Request`] (or a [`RequestError`] naming the parameter).
//!
//! Syntax, the same on both surfaces (docs/INDICATORS.md):
//! - `from`, `to`: months `YYYY-MM`, inclusive, `from` ≤ `to`;
//! - `by`: grouping keys, comma-separated (repeating the flag or parameter adds more);
//! - `where`: filters `key:value`, comma-separated; every key must hold, several values of one
//!   key are alternatives (`=` is read as
//!   `:`, the CLI's earlier form);
//! - `indicator`: indicator ids, comma-separated; none means all;
//! - `as_of`: a data version ≥ 1;
//! - `structure`: the year of the municipality structure (`2020`, `2024`; none: the newest).

use std::fmt;

use akutt_model::{Month, MonthError, MonthRange, ReversedRange};

use crate::compute::{Key, Query};
use crate::indicator::Indicator;

/// The request as the user wrote it: each list item may hold several comma-separated values.
#[derive(Debug, Clone, Default)]
pub struct RawRequest<'a> {
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub centre: Option<&'a str>,
    pub by: Vec<&'a str>,
    pub filters: Vec<&'a str>,
    pub indicators: Vec<&'a str>,
    pub as_of: Option<i64>,
    pub structure: Option<&'a str>,
}

/// A validated request.
#[derive(Debug, Clone)]
pub struct Request {
    pub query: Query,
    /// The indicators to compute, in output order, each once.
    pub indicators: Vec<Indicator>,
    pub as_of: Option<i64>,
}

/// A parameter of the request, named as each surface names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    From,
    To,
    Centre,
    By,
    Where,
    Indicator,
    AsOf,
    Structure,
}

impl Param {
    /// The query-string name (`as_of`).
    pub fn api_name(self) -> &'static str {
        match self {
            Param::From => "from",
            Param::To => "to",
            Param::Centre => "centre",
            Param::By => "by",
            Param::Where => "where",
            Param::Indicator => "indicator",
            Param::AsOf => "as_of",
            Param::Structure => "structure",
        }
    }

    /// The command-line flag (`--as-of`).
    pub fn cli_name(self) -> &'static str {
        match self {
            Param::From => "--from",
            Param::To => "--to",
            Param::Centre => "--centre",
            Param::By => "--by",
            Param::Where => "--where",
            Param::Indicator => "--indicator",
            Param::AsOf => "--as-of",
            Param::Structure => "--structure",
        }
    }
}

/// Why a request is refused: the user's mistake, never an internal fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    Missing(Param),
    Month { param: Param, value: String, error: MonthError },
    Reversed(ReversedRange),
    UnknownKey { param: Param, key: String },
    NotAFilter(String),
    UnknownIndicator(String),
    AsOf(i64),
    Structure(String),
}

impl RequestError {
    /// The message with the parameters named as on the command line.
    pub fn for_cli(&self) -> impl fmt::Display + '_ {
        Named { error: self, name: Param::cli_name }
    }

    /// The message with the parameters named as in the query string.
    pub fn for_api(&self) -> impl fmt::Display + '_ {
        Named { error: self, name: Param::api_name }
    }
}

struct Named<'a> {
    error: &'a RequestError,
    name: fn(Param) -> &'static str,
}

impl fmt::Display for Named<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.name;
        match self.error {
            RequestError::Missing(p) => write!(f, "{} (YYYY-MM) is required", n(*p)),
            RequestError::Month { param, value, error } => {
                write!(f, "{} must be YYYY-MM, got «{value}»", n(*param))?;
                match error {
                    MonthError::Form => Ok(()),
                    MonthError::MonthNumber(_) => write!(f, " ({error})"),
                }
            }
            RequestError::Reversed(r) => {
                write!(f, "{} {} is after {} {}", n(Param::From), r.from, n(Param::To), r.to)
            }
            RequestError::UnknownKey { param, key } => {
                let keys: Vec<&str> = Key::ALL.iter().map(|k| k.name()).collect();
                write!(f, "unknown {} key «{key}» ({})", n(*param), keys.join(", "))
            }
            RequestError::NotAFilter(s) => {
                write!(f, "{} takes key:value, got «{s}»", n(Param::Where))
            }
            RequestError::UnknownIndicator(s) => {
                write!(f, "unknown {} «{s}» ({})", n(Param::Indicator), Indicator::names())
            }
            RequestError::AsOf(v) => {
                write!(f, "{} must be a data version of 1 or more, got {v}", n(Param::AsOf))
            }
            RequestError::Structure(v) => {
                write!(
                    f,
                    "{} must be the year of a municipality structure, got «{v}»",
                    n(Param::Structure)
                )
            }
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.for_api().fmt(f)
    }
}

impl std::error::Error for RequestError {}

/// The comma-separated items of every value, trimmed, empty ones dropped.
fn items<'s, 'a>(values: &'s [&'a str]) -> impl Iterator<Item = &'a str> + 's
where
    'a: 's,
{
    values.iter().flat_map(|v| v.split(',')).map(str::trim).filter(|s| !s.is_empty())
}

fn month(param: Param, value: Option<&str>) -> Result<Month, RequestError> {
    let value = value.map(str::trim).filter(|v| !v.is_empty());
    let value = value.ok_or(RequestError::Missing(param))?;
    Month::parse(value).map_err(|error| RequestError::Month { param, value: value.into(), error })
}

impl Request {
    /// Validates a request. Grouping keys and indicators named twice count once.
    pub fn parse(raw: &RawRequest<'_>) -> Result<Request, RequestError> {
        let from = month(Param::From, raw.from)?;
        let to = month(Param::To, raw.to)?;
        let months = MonthRange::new(from, to).map_err(RequestError::Reversed)?;
        // Any code: stored submissions name their centre as the extract does, so a code
        // outside the register of 16 can still have data (and one without data answers
        // with no figures).
        let centre = raw.centre.map(str::trim).filter(|c| !c.is_empty()).map(str::to_uppercase);
        let key = |param: Param, k: &str| {
            Key::parse(k).ok_or_else(|| RequestError::UnknownKey { param, key: k.into() })
        };
        let mut by = Vec::new();
        for k in items(&raw.by) {
            let k = key(Param::By, k)?;
            if !by.contains(&k) {
                by.push(k);
            }
        }
        let mut filters = Vec::new();
        for f in items(&raw.filters) {
            let (k, v) = f
                .split_once([':', '='])
                .filter(|(k, v)| !k.trim().is_empty() && !v.trim().is_empty())
                .ok_or_else(|| RequestError::NotAFilter(f.into()))?;
            filters.push((key(Param::Where, k.trim())?, v.trim().to_string()));
        }
        let mut indicators = Vec::new();
        for id in items(&raw.indicators) {
            indicators.push(
                Indicator::parse(id).ok_or_else(|| RequestError::UnknownIndicator(id.into()))?,
            );
        }
        indicators.sort();
        indicators.dedup();
        if indicators.is_empty() {
            indicators = Indicator::ALL.to_vec();
        }
        if let Some(v) = raw.as_of.filter(|v| *v < 1) {
            return Err(RequestError::AsOf(v));
        }
        let structure = match raw.structure.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(v) => Some(
                v.parse::<i32>()
                    .ok()
                    .filter(|y| (1838..=9999).contains(y))
                    .ok_or_else(|| RequestError::Structure(v.into()))?,
            ),
        };
        Ok(Request {
            query: Query { months, centre, by, filters, structure },
            indicators,
            as_of: raw.as_of,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw<'a>(from: &'a str, to: &'a str) -> RawRequest<'a> {
        RawRequest { from: Some(from), to: Some(to), ..RawRequest::default() }
    }

    fn err(r: RawRequest<'_>) -> (String, String) {
        let e = Request::parse(&r).unwrap_err();
        let cli = e.for_cli().to_string();
        let api = e.for_api().to_string();
        (cli, api)
    }

    #[test]
    fn a_full_request_parses_once_for_both_surfaces() {
        let r = Request::parse(&RawRequest {
            centre: Some(" osl "),
            by: vec!["centre,month", "month", " urgency"],
            filters: vec!["urgency:R,area=rural", "kommune:0301"],
            indicators: vec!["mission_time,volume", "volume"],
            as_of: Some(3),
            ..raw("2024-01", "2024-03")
        })
        .unwrap();
        assert_eq!(r.query.months.to_string(), "2024-01–2024-03");
        assert_eq!(r.query.centre.as_deref(), Some("OSL"));
        assert_eq!(r.query.by, [Key::Centre, Key::Month, Key::Urgency]);
        let f: Vec<(Key, &str)> = r.query.filters.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(f, [(Key::Urgency, "R"), (Key::Area, "rural"), (Key::Kommune, "0301")]);
        assert_eq!(r.indicators, [Indicator::Volume, Indicator::MissionTime]);
        assert_eq!(r.as_of, Some(3));
        let all = Request::parse(&raw("2024-01", "2024-01")).unwrap();
        assert_eq!(all.indicators, Indicator::ALL);
    }

    #[test]
    fn each_mistake_names_its_parameter_on_each_surface() {
        let (cli, api) = err(raw("2024-3", "2024-04"));
        assert_eq!(cli, "--from must be YYYY-MM, got «2024-3»");
        assert_eq!(api, "from must be YYYY-MM, got «2024-3»");
        let (_, api) = err(raw("2024-01", "2024-13"));
        assert_eq!(api, "to must be YYYY-MM, got «2024-13» (month 13 is not 01–12)");
        let (cli, api) = err(RawRequest { to: None, ..raw("2024-01", "") });
        assert_eq!(
            (cli.as_str(), api.as_str()),
            ("--to (YYYY-MM) is required", "to (YYYY-MM) is required")
        );
        assert_eq!(err(raw("2024-05", "2024-04")).0, "--from 2024-05 is after --to 2024-04");
        let e = err(RawRequest { by: vec!["centre,season"], ..raw("2024-01", "2024-01") });
        assert!(e.0.starts_with("unknown --by key «season» (centre, month"), "{}", e.0);
        let e = err(RawRequest { filters: vec!["urgency"], ..raw("2024-01", "2024-01") });
        assert_eq!(e.1, "where takes key:value, got «urgency»");
        let e = err(RawRequest { filters: vec!["colour:red"], ..raw("2024-01", "2024-01") });
        assert!(e.1.starts_with("unknown where key «colour»"), "{}", e.1);
        let e = err(RawRequest { indicators: vec!["speed"], ..raw("2024-01", "2024-01") });
        assert!(e.0.starts_with("unknown --indicator «speed» (volume, "), "{}", e.0);
        let e = err(RawRequest { as_of: Some(0), ..raw("2024-01", "2024-01") });
        assert_eq!(e.1, "as_of must be a data version of 1 or more, got 0");
    }
}
