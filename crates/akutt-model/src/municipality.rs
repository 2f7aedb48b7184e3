//! The municipality register used by rule E108 (DOMAIN.md §4, `folkeregisterkommune`).
//!
//! Embeds the 2020 municipality structure from `data/kommuner-2020.csv` (Kartverket,
//! CC BY 4.0; see `data/README.md`). Municipality numbers change with reforms, so a
//! production registry needs this list versioned by date: a known limitation.

use std::collections::HashSet;
use std::sync::OnceLock;

const KOMMUNER_2020: &str = include_str!("../../../data/kommuner-2020.csv");

/// One municipality of the reference list.
#[derive(Debug, Clone, PartialEq)]
pub struct Municipality {
    pub number: String,
    pub name: String,
    pub area_km2: f64,
    pub lat: f64,
    pub lon: f64,
}

/// All municipalities of the 2020 structure, in file order.
pub fn municipalities() -> &'static [Municipality] {
    static LIST: OnceLock<Vec<Municipality>> = OnceLock::new();
    LIST.get_or_init(|| {
        KOMMUNER_2020
            .lines()
            .skip(1)
            .filter_map(|line| {
                let mut f = line.split(';');
                Some(Municipality {
                    number: f.next()?.to_string(),
                    name: f.next()?.to_string(),
                    area_km2: f.next()?.parse().ok()?,
                    lat: f.next()?.parse().ok()?,
                    lon: f.next()?.parse().ok()?,
                })
            })
            .collect()
    })
}

fn numbers() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| municipalities().iter().map(|m| m.number.as_str()).collect())
}

/// A municipality number valid for a place (pick-up or delivery).
pub fn is_valid_place_municipality(number: &str) -> bool {
    numbers().contains(number)
}

/// A valid home municipality: a municipality, or `9000` foreign without convention,
/// `9900` foreign EU/EEA, `9999` unknown.
pub fn is_valid_home_municipality(number: &str) -> bool {
    matches!(number, "9000" | "9900" | "9999") || is_valid_place_municipality(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_has_the_356_municipalities_of_2020() {
        assert_eq!(municipalities().len(), 356);
        assert!(is_valid_place_municipality("0301"));
        assert!(!is_valid_place_municipality("301"));
        assert!(!is_valid_place_municipality("9999"));
        assert!(is_valid_home_municipality("9999"));
        assert!(!is_valid_home_municipality("0000"));
    }
}
