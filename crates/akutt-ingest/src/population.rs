//! `akutt population load`: a population table `kommunenummer;år;folkemengde` (the shape of
//! Statistics Norway's table 07459) stored in the catalog as a new data version. The numbers
//! may be of any structure of the register (each year in the structure of its time, or a
//! whole series in today's): answers translate them into theirs (DOMAIN.md §8). A number no
//! structure has, or one place named twice in one year under two numberings, is refused.

use std::path::Path;

use std::collections::BTreeMap;

use akutt_model::municipality::Register;
use akutt_store::{Catalog, DataDir};
use sha2::Digest;

use crate::pipeline::IngestError;

/// Parses a population file; every problem names its line and column.
pub fn parse_population(text: &str) -> Result<Vec<(String, i32, u64)>, Vec<String>> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut lines = text.trim_start_matches('\u{feff}').lines().enumerate();
    let header: Vec<String> = lines
        .next()
        .map(|(_, l)| l.split(';').map(|h| h.trim().trim_matches('"').to_lowercase()).collect())
        .unwrap_or_default();
    let pos = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
    let (Some(k), Some(y), Some(n)) = (
        pos(&["kommunenummer", "kommune"]),
        pos(&["år", "aar", "year"]),
        pos(&["folkemengde", "inhabitants"]),
    ) else {
        return Err(vec!["line 1: the header must name kommunenummer;år;folkemengde".into()]);
    };
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(';').map(|x| x.trim().trim_matches('"')).collect();
        let get = |c: usize| f.get(c).copied().unwrap_or("");
        let kommune = get(k);
        if kommune.len() != 4 || !kommune.bytes().all(|b| b.is_ascii_digit()) {
            errors.push(format!(
                "line {}, column {}: «{kommune}» is not a 4-digit municipality number",
                i + 1,
                header[k]
            ));
            continue;
        }
        let Ok(year) = get(y).parse::<i32>() else {
            errors.push(format!(
                "line {}, column {}: «{}» is not a year",
                i + 1,
                header[y],
                get(y)
            ));
            continue;
        };
        let Ok(count) = get(n).replace([' ', '\u{a0}'], "").parse::<u64>() else {
            errors.push(format!(
                "line {}, column {}: «{}» is not a whole number",
                i + 1,
                header[n],
                get(n)
            ));
            continue;
        };
        rows.push((kommune.to_string(), year, count));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// Checks population rows against the register: every number in some structure, and no
/// place twice in a year (`3001` and `3101` for the same year would count Halden twice).
pub fn check_population(
    rows: &[(String, i32, u64)],
    register: &Register,
) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    let Some(newest) = register.newest() else { return Ok(()) };
    let mut by_place: BTreeMap<(i32, String), Vec<&str>> = BTreeMap::new();
    for (i, (number, year, _)) in rows.iter().enumerate() {
        if !register.structures().iter().any(|s| s.contains(number)) {
            errors.push(format!(
                "row {}: «{number}» is a municipality number of no structure in the register",
                i + 1
            ));
            continue;
        }
        if let Some(t) = register.translate(number, newest) {
            let numbers = by_place.entry((*year, t.number)).or_default();
            if !numbers.contains(&number.as_str()) {
                numbers.push(number);
            }
        }
    }
    for ((year, _), numbers) in by_place {
        let one_structure =
            register.structures().iter().any(|s| numbers.iter().all(|n| s.contains(n)));
        if numbers.len() > 1 && !one_structure {
            errors.push(format!(
                "year {year}: {} name the same place in two structures (give each year in one)",
                numbers.join(" and ")
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Loads a population file as a new data version; returns (data version, rows).
pub fn load_population(data: &DataDir, path: &Path) -> Result<(i64, usize), IngestError> {
    let bytes = std::fs::read(path)
        .map_err(|source| IngestError::Io { path: path.display().to_string(), source })?;
    let sha = hex::encode(sha2::Sha256::digest(&bytes));
    let text = akutt_extract::decode_text(&bytes);
    let rows = parse_population(&text).map_err(|e| IngestError::Mapping {
        path: path.display().to_string(),
        message: e.join("\n"),
    })?;
    let _lock = data.lock()?;
    let mut catalog = Catalog::open(&data.catalog_path())?;
    check_population(&rows, &catalog.register()?).map_err(|e| IngestError::Mapping {
        path: path.display().to_string(),
        message: e.join("\n"),
    })?;
    let source = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let dv = catalog.save_population(&rows, &sha, &source)?;
    Ok((dv, rows.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_ssb_shape_and_names_bad_lines() {
        assert_eq!(
            parse_population("kommunenummer;år;folkemengde\n0301;2024;717 710\n").unwrap(),
            vec![("0301".to_string(), 2024, 717_710)]
        );
        let e =
            parse_population("kommunenummer;år;folkemengde\n301;2024;1\n0301;x;1\n").unwrap_err();
        assert_eq!(e.len(), 2);
        assert!(e[0].starts_with("line 2, column kommunenummer"), "{e:?}");
        assert!(e[1].starts_with("line 3, column år"), "{e:?}");
    }

    #[test]
    fn population_of_either_structure_is_accepted_but_not_both_for_one_year() {
        let r = Register::standard();
        let rows = |v: &[(&str, i32)]| -> Vec<(String, i32, u64)> {
            v.iter().map(|(k, y)| (k.to_string(), *y, 1000)).collect()
        };
        // Each year in its own structure, or 2023 already in the 2024 numbering.
        assert!(check_population(&rows(&[("3001", 2023), ("3101", 2024)]), r).is_ok());
        assert!(
            check_population(&rows(&[("3101", 2023), ("1508", 2023), ("1580", 2023)]), r).is_ok()
        );
        let e = check_population(&rows(&[("3001", 2024), ("3101", 2024), ("0000", 2024)]), r)
            .unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].contains("«0000»"), "{e:?}");
        assert!(e[1].contains("3001 and 3101"), "{e:?}");
        // Ålesund before the split beside one of its successors: the same place twice.
        assert!(check_population(&rows(&[("1507", 2023), ("1508", 2023)]), r).is_err());
    }
}
