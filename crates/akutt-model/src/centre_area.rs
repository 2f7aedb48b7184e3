//! Which centre serves which municipality, with validity dates (DOMAIN.md §8 "Geography
//! through time": centres merge, AMK Østfold's area went to AMK Oslo), so an analysis can
//! select "the municipalities AMK X served on date D" and compare the same area before and
//! after a change. Data the registry loads (`akutt centres load-areas`), not code.
//!
//! File: `sentral;kommunenummer;gyldig_fra;gyldig_til` (dates `YYYY-MM-DD`, empty = open),
//! one row per municipality and period; the numbers may be of any structure of the
//! register: they are read in the structure asked for.

use chrono::NaiveDate;

use crate::municipality::{split_header, unquote, Register, RegisterError, Structure};

/// One period in which a centre served a municipality.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaPeriod {
    pub centre: String,
    pub municipality: String,
    pub valid_from: Option<NaiveDate>,
    /// Last day served (`None`: still).
    pub valid_to: Option<NaiveDate>,
}

impl AreaPeriod {
    pub fn on(&self, date: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= date) && self.valid_to.is_none_or(|t| date <= t)
    }
}

/// The centres' areas through time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CentreAreas {
    pub periods: Vec<AreaPeriod>,
}

impl CentreAreas {
    /// Reads the file; a problem names its line.
    pub fn parse(text: &str) -> Result<CentreAreas, RegisterError> {
        let (header, cols, lines) = split_header(text)?;
        let at = |name: &str| cols.iter().position(|c| c == name);
        let (Some(c), Some(k), Some(f), Some(t)) =
            (at("sentral"), at("kommunenummer"), at("gyldig_fra"), at("gyldig_til"))
        else {
            return Err(RegisterError {
                line: 1,
                message: format!(
                    "expected columns sentral;kommunenummer;gyldig_fra;gyldig_til, found {header:?}"
                ),
            });
        };
        let mut periods = Vec::new();
        for (i, line) in lines {
            let v: Vec<String> = line.split(';').map(unquote).collect();
            let get = |k: usize| v.get(k).map_or("", String::as_str);
            let err = |message: String| RegisterError { line: i + 1, message };
            let date = |s: &str| -> Result<Option<NaiveDate>, RegisterError> {
                if s.is_empty() {
                    return Ok(None);
                }
                s.parse().map(Some).map_err(|_| err(format!("«{s}» is not a date YYYY-MM-DD")))
            };
            let centre = get(c).to_uppercase();
            if centre.is_empty() {
                return Err(err("no centre".into()));
            }
            let municipality = get(k);
            if municipality.len() != 4 || !municipality.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err(format!("«{municipality}» is not a 4-digit municipality number")));
            }
            let (valid_from, valid_to) = (date(get(f))?, date(get(t))?);
            if let (Some(a), Some(b)) = (valid_from, valid_to) {
                if b < a {
                    return Err(err(format!("valid to {b} is before valid from {a}")));
                }
            }
            periods.push(AreaPeriod {
                centre,
                municipality: municipality.to_string(),
                valid_from,
                valid_to,
            });
        }
        Ok(CentreAreas { periods })
    }

    /// The municipalities of `structure` that `centre` served on `date`, sorted.
    pub fn served_by(
        &self,
        centre: &str,
        date: NaiveDate,
        register: &Register,
        structure: &Structure,
    ) -> Vec<String> {
        let mut out: Vec<String> = self
            .periods
            .iter()
            .filter(|p| p.centre.eq_ignore_ascii_case(centre) && p.on(date))
            .flat_map(|p| register.overlapping(&p.municipality, structure))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The centres that served a municipality (a number of any structure) on `date`.
    pub fn centres_of(
        &self,
        municipality: &str,
        date: NaiveDate,
        register: &Register,
    ) -> Vec<String> {
        let Some(then) = register.on(date).or_else(|| register.structures().first()) else {
            return Vec::new();
        };
        let places = register.overlapping(municipality, then);
        let mut out: Vec<String> = self
            .periods
            .iter()
            .filter(|p| p.on(date))
            .filter(|p| {
                register.overlapping(&p.municipality, then).iter().any(|m| places.contains(m))
            })
            .map(|p| p.centre.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The dates on which some centre's area changed, sorted.
    pub fn change_dates(&self) -> Vec<NaiveDate> {
        let mut out: Vec<NaiveDate> = self
            .periods
            .iter()
            .flat_map(|p| [p.valid_from, p.valid_to.and_then(|t| t.succ_opt())])
            .flatten()
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn an_area_moves_to_a_neighbour_on_a_date_and_is_read_in_any_structure() {
        // Halden (3001 in 2020) served by AMK Østfold until 2019, then by AMK Oslo; Ålesund
        // (1507) by AES throughout.
        let areas = CentreAreas::parse(
            "sentral;kommunenummer;gyldig_fra;gyldig_til\n\
             OST;3001;;2019-12-31\n\
             OSL;3001;2020-01-01;\n\
             AES;1507;;\n",
        )
        .unwrap();
        let r = Register::standard();
        let (s20, s24) = (r.structure(2020).unwrap(), r.structure(2024).unwrap());
        assert_eq!(areas.served_by("OSL", d("2023-06-01"), r, s20), ["3001"]);
        assert_eq!(areas.served_by("OSL", d("2023-06-01"), r, s24), ["3101"]);
        assert!(areas.served_by("OSL", d("2019-06-01"), r, s24).is_empty());
        assert_eq!(areas.served_by("OST", d("2019-06-01"), r, s24), ["3101"]);
        // A split area covers every successor.
        assert_eq!(areas.served_by("AES", d("2024-06-01"), r, s24), ["1508", "1580"]);
        assert_eq!(areas.centres_of("3101", d("2024-06-01"), r), ["OSL"]);
        assert_eq!(areas.centres_of("1580", d("2024-06-01"), r), ["AES"]);
        assert_eq!(areas.change_dates(), [d("2020-01-01")]);
        let e = CentreAreas::parse("sentral;kommunenummer;gyldig_fra;gyldig_til\nOSL;301;;\n")
            .unwrap_err();
        assert_eq!(e.line, 2);
        assert!(CentreAreas::parse("a;b\n").is_err());
    }
}
