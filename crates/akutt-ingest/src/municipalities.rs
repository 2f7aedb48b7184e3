//! `akutt municipalities load`: a structure of the municipality register (its year and the
//! date it took effect) or a change list effective on a date, checked against the register
//! and kept in the catalog as a new data version (DOMAIN.md §4 `kommunenummer`, §8). So the
//! next reform is data, not a release: Statistics Norway's classification 131 exports of
//! codes and of changes read as they come.

use std::path::Path;

use akutt_model::centre_area::CentreAreas;
use akutt_model::municipality::Register;
use akutt_store::{Catalog, DataDir, MunicipalityFile};
use chrono::NaiveDate;
use sha2::Digest;

use crate::pipeline::IngestError;

/// The register with `file` on top, or why the file does not fit it (each reason names
/// the line).
pub fn check_municipality_file(
    register: &Register,
    file: &MunicipalityFile,
) -> Result<Register, Vec<String>> {
    let next = file.apply(register.clone()).map_err(|e| vec![e.to_string()])?;
    match file.year {
        Some(year) => {
            let s = next.structure(year).map(|s| s.municipalities.len()).unwrap_or(0);
            if s == 0 {
                return Err(vec![format!("structure {year} has no municipalities")]);
            }
        }
        None => {
            let changes = akutt_model::municipality::parse_changes(&file.text, file.valid_from)
                .map_err(|e| vec![e.to_string()])?;
            let (Some(after), Some(before)) =
                (next.on(file.valid_from), file.valid_from.pred_opt().and_then(|d| next.on(d)))
            else {
                return Err(vec![format!(
                    "no structure is in force on both sides of {}: load the new structure first",
                    file.valid_from
                )]);
            };
            let mut errors = Vec::new();
            for (i, c) in changes.iter().enumerate() {
                // Line numbers: the header is line 1.
                if !before.contains(&c.from) {
                    errors.push(format!(
                        "line {}: «{}» is not in structure {} (in force the day before {})",
                        i + 2,
                        c.from,
                        before.year,
                        file.valid_from
                    ));
                }
                if !after.contains(&c.to) {
                    errors.push(format!(
                        "line {}: «{}» is not in structure {} (in force from {})",
                        i + 2,
                        c.to,
                        after.year,
                        file.valid_from
                    ));
                }
            }
            if !errors.is_empty() {
                return Err(errors);
            }
        }
    }
    Ok(next)
}

/// Loads a structure (`year` set) or a change list into the register as a new data
/// version; returns the data version and the register as it now is.
pub fn load_municipality_file(
    data: &DataDir,
    path: &Path,
    year: Option<i32>,
    valid_from: NaiveDate,
) -> Result<(i64, Register), IngestError> {
    let bytes = std::fs::read(path)
        .map_err(|source| IngestError::Io { path: path.display().to_string(), source })?;
    let file = MunicipalityFile {
        year,
        valid_from,
        source: path
            .file_name()
            .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned()),
        sha256: hex::encode(sha2::Sha256::digest(&bytes)),
        text: akutt_extract::decode_text(&bytes),
    };
    let _lock = data.lock()?;
    let mut catalog = Catalog::open(&data.catalog_path())?;
    let register = check_municipality_file(&catalog.register()?, &file).map_err(|e| {
        IngestError::Mapping { path: path.display().to_string(), message: e.join("\n") }
    })?;
    let dv = catalog.save_municipality_file(&file)?;
    Ok((dv, register))
}

/// Loads the centres' areas (`sentral;kommunenummer;gyldig_fra;gyldig_til`) as a new data
/// version, replacing the previous ones; every municipality number must be in some
/// structure of the register. Returns the data version and the areas.
pub fn load_centre_areas(data: &DataDir, path: &Path) -> Result<(i64, CentreAreas), IngestError> {
    let bytes = std::fs::read(path)
        .map_err(|source| IngestError::Io { path: path.display().to_string(), source })?;
    let text = akutt_extract::decode_text(&bytes);
    let bad = |message: String| IngestError::Mapping { path: path.display().to_string(), message };
    let areas = CentreAreas::parse(&text).map_err(|e| bad(e.to_string()))?;
    let _lock = data.lock()?;
    let mut catalog = Catalog::open(&data.catalog_path())?;
    let register = catalog.register()?;
    let unknown: Vec<String> = areas
        .periods
        .iter()
        .enumerate()
        .filter(|(_, p)| !register.structures().iter().any(|s| s.contains(&p.municipality)))
        .map(|(i, p)| {
            format!("row {}: «{}» is in no structure of the register", i + 1, p.municipality)
        })
        .collect();
    if !unknown.is_empty() {
        return Err(bad(unknown.join("\n")));
    }
    let sha = hex::encode(sha2::Sha256::digest(&bytes));
    let source = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let dv = catalog.save_centre_areas(&text, &sha, &source)?;
    Ok((dv, areas))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_next_reform_loads_as_data() {
        let r = Register::standard();
        // A 2028 structure where Halden and Sarpsborg merge into 3199 Nye Halden.
        let mut codes = String::from("code;name\n");
        for m in &r.newest().unwrap().municipalities {
            if m.number != "3101" && m.number != "3105" {
                codes += &format!("{};{}\n", m.number, m.name);
            }
        }
        codes += "3199;Nye Halden\n";
        let structure = MunicipalityFile {
            year: Some(2028),
            valid_from: date("2028-01-01"),
            source: "k2028.csv".into(),
            sha256: String::new(),
            text: codes,
        };
        let r = check_municipality_file(r, &structure).unwrap();
        let changes = MunicipalityFile {
            year: None,
            text: "oldCode;oldName;newCode;newName\n3101;Halden;3199;Nye Halden\n3105;Sarpsborg;3199;Nye Halden\n".into(),
            ..structure.clone()
        };
        let r = check_municipality_file(&r, &changes).unwrap();
        assert_eq!(r.newest().unwrap().year, 2028);
        assert_eq!(
            r.judge("3101", date("2028-02-01")),
            akutt_model::municipality::Verdict::Successor { to: "3199".into() }
        );
        // 3001 (2020) goes through 3101 (2024) to 3199 (2028).
        assert_eq!(r.translate("3001", r.newest().unwrap()).unwrap().number, "3199");
        // A change naming a number the new structure lacks is refused with its line.
        let bad = MunicipalityFile { text: "oldCode;newCode\n3101;3198\n".into(), ..changes };
        let e = check_municipality_file(&r, &bad).unwrap_err();
        assert_eq!(e, ["line 2: «3198» is not in structure 2028 (in force from 2028-01-01)"]);
    }
}
