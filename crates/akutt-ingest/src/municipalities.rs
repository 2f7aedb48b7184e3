//! `akutt municipalities load` / `load-boundaries`: a structure of the municipality register
//! (its year and the date it took effect), a change list effective on a date, or a
//! structure's boundaries, checked against the register and kept in the catalog as a new
//! data version (DOMAIN.md §4 `kommunenummer`, §8). So the
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

/// What a boundary file holds, once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Boundaries {
    pub structure: i32,
    pub features: usize,
    pub municipalities: usize,
}

/// Checks a GeoJSON FeatureCollection of municipality boundaries (`kommunenummer` in each
/// feature's properties, Polygon or MultiPolygon in WGS 84 longitude/latitude, as
/// Kartverket publishes them converted to EPSG:4326) against `structure` of the register:
/// every number must be the structure's, and every municipality of it must be drawn.
/// Each reason names the feature (or the line and column of bad JSON).
pub fn check_boundaries(
    register: &Register,
    structure: i32,
    text: &str,
) -> Result<Boundaries, Vec<String>> {
    let Some(s) = register.structure(structure) else {
        let known: Vec<String> = register.structures().iter().map(|s| s.year.to_string()).collect();
        return Err(vec![format!(
            "no municipality structure {structure} in the register (it has {}): load it first with `akutt municipalities load FILE --structure {structure}`",
            known.join(", ")
        )]);
    };
    let doc: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| vec![format!("line {}, column {}: not GeoJSON: {e}", e.line(), e.column())])?;
    let Some(features) = doc["features"].as_array().filter(|_| doc["type"] == "FeatureCollection")
    else {
        return Err(vec!["not a GeoJSON FeatureCollection (no \"features\" list)".into()]);
    };
    let mut errors = Vec::new();
    let mut drawn = std::collections::BTreeSet::new();
    for (i, f) in features.iter().enumerate() {
        let at = format!("feature {}", i + 1);
        let number = match &f["properties"]["kommunenummer"] {
            serde_json::Value::String(n) => n.clone(),
            serde_json::Value::Number(n) => format!("{:0>4}", n),
            _ => {
                errors.push(format!("{at}: no \"kommunenummer\" property"));
                continue;
            }
        };
        if !s.contains(&number) {
            errors.push(format!("{at}: «{number}» is not in structure {structure}"));
            continue;
        }
        let g = &f["geometry"];
        let polygons: Vec<&serde_json::Value> = match g["type"].as_str() {
            Some("Polygon") => vec![&g["coordinates"]],
            Some("MultiPolygon") => g["coordinates"].as_array().into_iter().flatten().collect(),
            other => {
                errors.push(format!(
                    "{at} ({number}): geometry {} (Polygon or MultiPolygon expected)",
                    other.unwrap_or("missing")
                ));
                continue;
            }
        };
        let mut points = 0usize;
        let mut outside = None;
        for ring in polygons.iter().flat_map(|p| p.as_array().into_iter().flatten()) {
            for pt in ring.as_array().into_iter().flatten() {
                points += 1;
                match (pt[0].as_f64(), pt[1].as_f64()) {
                    (Some(x), Some(y))
                        if (-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y) => {}
                    _ => outside = outside.or(Some(pt.to_string())),
                }
            }
        }
        if let Some(pt) = outside {
            errors.push(format!(
                "{at} ({number}): point {pt} is not longitude/latitude in WGS 84 (convert the file, e.g. `ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson`)"
            ));
        } else if points == 0 {
            errors.push(format!("{at} ({number}): no coordinates"));
        } else {
            drawn.insert(number);
        }
        if errors.len() >= 20 {
            errors.push("… (stopped after 20 errors)".into());
            return Err(errors);
        }
    }
    let missing: Vec<&str> = s
        .municipalities
        .iter()
        .map(|m| m.number.as_str())
        .filter(|n| !drawn.contains(*n))
        .collect();
    if errors.is_empty() && !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(10).copied().collect();
        errors.push(format!(
            "{} of the {} municipalities of structure {structure} have no boundary: {}{}",
            missing.len(),
            s.municipalities.len(),
            shown.join(", "),
            if missing.len() > shown.len() { ", …" } else { "" }
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Boundaries { structure, features: features.len(), municipalities: drawn.len() })
}

/// Loads the boundaries of a structure (checked against the register) as a new data
/// version: the map draws that structure from them. Returns the data version.
pub fn load_boundaries(
    data: &DataDir,
    path: &Path,
    structure: i32,
) -> Result<(i64, Boundaries), IngestError> {
    let bytes = std::fs::read(path)
        .map_err(|source| IngestError::Io { path: path.display().to_string(), source })?;
    let text = akutt_extract::decode_text(&bytes);
    let _lock = data.lock()?;
    let mut catalog = Catalog::open(&data.catalog_path())?;
    let checked = check_boundaries(&catalog.register()?, structure, &text).map_err(|e| {
        IngestError::Mapping { path: path.display().to_string(), message: e.join("\n") }
    })?;
    let sha = hex::encode(sha2::Sha256::digest(&bytes));
    let source = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let dv = catalog.save_boundaries(structure, &text, &sha, &source)?;
    Ok((dv, checked))
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

    #[test]
    fn boundaries_are_checked_against_their_structure() {
        let r = Register::standard();
        let feature = |n: &str, x: f64| {
            format!(
                r#"{{"type":"Feature","properties":{{"kommunenummer":"{n}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},60.0],[10.1,60.0],[10.1,60.1],[{x},60.0]]]}}}}"#
            )
        };
        let collection = |features: Vec<String>| {
            format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","))
        };
        let all: Vec<String> = r
            .structure(2024)
            .unwrap()
            .municipalities
            .iter()
            .map(|m| feature(&m.number, 10.0))
            .collect();
        let ok = check_boundaries(r, 2024, &collection(all.clone())).unwrap();
        assert_eq!((ok.features, ok.municipalities), (357, 357));
        // The shipped Kartverket files pass.
        let k2020 = include_str!("../../../data/kommuner-2020.geojson");
        assert_eq!(check_boundaries(r, 2020, k2020).unwrap().municipalities, 356);
        let k2024 = include_str!("../../../data/kommuner-2024.geojson");
        assert_eq!(check_boundaries(r, 2024, k2024).unwrap().municipalities, 357);
        // The 2024 file is not the 2020 structure's.
        let e = check_boundaries(r, 2020, &collection(all.clone())).unwrap_err();
        assert!(
            e[0].starts_with("feature ") && e[0].ends_with("is not in structure 2020"),
            "{e:?}"
        );
        // Missing municipalities are named.
        let e = check_boundaries(r, 2024, &collection(all[1..].to_vec())).unwrap_err();
        assert_eq!(e, ["1 of the 357 municipalities of structure 2024 have no boundary: 0301"]);
        // UTM coordinates (Kartverket's EPSG:25833) are refused with the way out.
        let mut utm = all.clone();
        utm[5] = feature(&r.structure(2024).unwrap().municipalities[5].number, 262_000.0);
        let e = check_boundaries(r, 2024, &collection(utm)).unwrap_err();
        assert!(e[0].starts_with("feature 6 (") && e[0].contains("EPSG:4326"), "{e:?}");
        // Bad JSON names line and column; an unknown structure says how to load it.
        let e = check_boundaries(r, 2024, "{\n  \"type\": ").unwrap_err();
        assert!(e[0].starts_with("line 2, column "), "{e:?}");
        let e = check_boundaries(r, 2028, &collection(all)).unwrap_err();
        assert!(e[0].contains("no municipality structure 2028"), "{e:?}");
    }
}
