//! The register of the 16 dispatch centres (AMK-sentraler, DOMAIN.md §2), embedded from
//! `data/amk-sentraler.csv` (Kartverket via Geonorge for the coordinates; see
//! `data/README.md`).

use std::sync::OnceLock;

const CENTRES_CSV: &str = include_str!("../../../data/amk-sentraler.csv");

/// One dispatch centre.
#[derive(Debug, Clone, PartialEq)]
pub struct Centre {
    /// The short code extracts carry in `Kode for helseforetak/Enhet` (`OSL`).
    pub code: String,
    pub name: String,
    /// The regional health authority (`Helse Sør-Øst`).
    pub region: String,
    pub lat: f64,
    pub lon: f64,
}

/// The 16 centres, in file order.
pub fn centres() -> &'static [Centre] {
    static LIST: OnceLock<Vec<Centre>> = OnceLock::new();
    LIST.get_or_init(|| {
        CENTRES_CSV
            .lines()
            .skip(1)
            .filter_map(|line| {
                let mut f = line.split(';');
                Some(Centre {
                    code: f.next()?.to_string(),
                    name: f.next()?.to_string(),
                    region: f.next()?.to_string(),
                    lat: f.next()?.parse().ok()?,
                    lon: f.next()?.parse().ok()?,
                })
            })
            .collect()
    })
}

/// The centre with this code (exact, upper case), if it is one of the 16.
pub fn centre(code: &str) -> Option<&'static Centre> {
    centres().iter().find(|c| c.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_register_holds_the_sixteen_centres() {
        assert_eq!(centres().len(), 16);
        assert_eq!(centre("OSL").map(|c| c.name.as_str()), Some("AMK Oslo"));
        assert_eq!(centre("osl"), None);
        let mut codes: Vec<&str> = centres().iter().map(|c| c.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 16, "codes are unique");
    }
}
