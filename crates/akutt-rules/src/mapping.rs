//! Per-centre mapping tables: local code → national code, per code list, with validity
//! dates (DOMAIN.md §4–§5). Mapping is data owned by the registry, editable without a release.
//!
//! File format: CSV `kodeverk;lokal_kode;nasjonal_kode;gyldig_fra;gyldig_til`, header first,
//! validity dates optional (`dd.mm.yyyy` or ISO), both inclusive.

use std::collections::HashMap;
use std::fmt;

use akutt_model::time::parse_date;
use akutt_model::CodeList;
use chrono::NaiveDate;

/// One row of a mapping table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingEntry {
    pub list: CodeList,
    pub local: String,
    pub national: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

impl MappingEntry {
    fn valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= date) && self.valid_to.is_none_or(|t| date <= t)
    }

    fn overlaps(&self, other: &MappingEntry) -> bool {
        let start = |e: &MappingEntry| e.valid_from.unwrap_or(NaiveDate::MIN);
        let end = |e: &MappingEntry| e.valid_to.unwrap_or(NaiveDate::MAX);
        start(self) <= end(other) && start(other) <= end(self)
    }
}

/// A problem in a mapping-table file, with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingError {
    pub line: u64,
    pub message: String,
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The mapping table of one centre.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MappingTable {
    by_list: [HashMap<String, Vec<MappingEntry>>; CodeList::ALL.len()],
}

fn slot(list: CodeList) -> usize {
    CodeList::ALL.iter().position(|l| *l == list).unwrap_or(0)
}

impl MappingTable {
    /// Builds a table from entries; rejects a local code mapped twice for overlapping dates.
    pub fn from_entries(
        entries: impl IntoIterator<Item = MappingEntry>,
    ) -> Result<MappingTable, String> {
        let mut t = MappingTable::default();
        for e in entries {
            MappingTable::from_entries_into(&mut t, e)?;
        }
        Ok(t)
    }

    /// Parses a mapping-table file. All problems are reported, each with its line.
    pub fn parse(text: &str) -> Result<MappingTable, Vec<MappingError>> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(b';')
            .has_headers(true)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut errors = Vec::new();
        let headers: Vec<String> = match rdr.headers() {
            Ok(h) => h.iter().map(|s| s.trim().to_lowercase()).collect(),
            Err(e) => return Err(vec![MappingError { line: 1, message: e.to_string() }]),
        };
        let col = |name: &str| headers.iter().position(|h| h == name);
        let (Some(c_list), Some(c_local), Some(c_nat)) =
            (col("kodeverk"), col("lokal_kode"), col("nasjonal_kode"))
        else {
            return Err(vec![MappingError {
                line: 1,
                message:
                    "the header must name kodeverk;lokal_kode;nasjonal_kode[;gyldig_fra;gyldig_til]"
                        .into(),
            }]);
        };
        let (c_from, c_to) = (col("gyldig_fra"), col("gyldig_til"));
        let mut entries = Vec::new();
        for rec in rdr.records() {
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    errors.push(MappingError {
                        line: e.position().map_or(0, |p| p.line()),
                        message: e.to_string(),
                    });
                    continue;
                }
            };
            let line = rec.position().map_or(0, |p| p.line());
            let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).map(str::trim).unwrap_or("");
            if rec.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let Some(list) = CodeList::parse(get(Some(c_list))) else {
                errors.push(MappingError {
                    line,
                    message: format!("unknown kodeverk «{}» (innringer, sambandsvei, hendelsestype, sted, tiltak, linje)", get(Some(c_list))),
                });
                continue;
            };
            let (local, national) = (get(Some(c_local)), get(Some(c_nat)));
            if local.is_empty() {
                errors.push(MappingError { line, message: "lokal_kode is empty".into() });
                continue;
            }
            if !list.is_national_code(national) {
                errors.push(MappingError {
                    line,
                    message: format!("«{national}» is not a national code of {list}"),
                });
                continue;
            }
            let mut date = |i: Option<usize>, name: &str| -> Option<NaiveDate> {
                let v = get(i);
                if v.is_empty() {
                    return None;
                }
                parse_date(v)
                    .map_err(|_| {
                        errors.push(MappingError {
                            line,
                            message: format!("{name} «{v}» is not a date"),
                        })
                    })
                    .ok()
            };
            let (valid_from, valid_to) = (date(c_from, "gyldig_fra"), date(c_to, "gyldig_til"));
            entries.push((
                line,
                MappingEntry {
                    list,
                    local: local.into(),
                    national: national.into(),
                    valid_from,
                    valid_to,
                },
            ));
        }
        let mut table = MappingTable::default();
        for (line, e) in entries {
            if let Err(message) = MappingTable::from_entries_into(&mut table, e) {
                errors.push(MappingError { line, message });
            }
        }
        if errors.is_empty() {
            Ok(table)
        } else {
            Err(errors)
        }
    }

    fn from_entries_into(table: &mut MappingTable, e: MappingEntry) -> Result<(), String> {
        let bucket = table.by_list[slot(e.list)].entry(e.local.clone()).or_default();
        if let Some(other) = bucket.iter().find(|o| o.overlaps(&e)) {
            return Err(format!(
                "{} «{}» is mapped to both «{}» and «{}» for overlapping dates",
                e.list, e.local, other.national, e.national
            ));
        }
        bucket.push(e);
        Ok(())
    }

    /// Whether the table has any entry for a code list.
    pub fn has_list(&self, list: CodeList) -> bool {
        !self.by_list[slot(list)].is_empty()
    }

    /// The national code for a local code on a date (`None` date: any validity).
    ///
    /// A centre whose table has no entry at all for a code list is taken to report that list
    /// in national codes; otherwise only mapped codes are accepted (rule E105).
    pub fn lookup<'a>(
        &'a self,
        list: CodeList,
        local: &'a str,
        date: Option<NaiveDate>,
    ) -> Option<&'a str> {
        let bucket = &self.by_list[slot(list)];
        if bucket.is_empty() {
            return list.is_national_code(local).then_some(local);
        }
        bucket
            .get(local)?
            .iter()
            .find(|e| date.is_none_or(|d| e.valid_on(d)))
            .map(|e| e.national.as_str())
    }

    /// All entries, sorted by list and local code.
    pub fn entries(&self) -> Vec<&MappingEntry> {
        let mut v: Vec<&MappingEntry> =
            self.by_list.iter().flat_map(|m| m.values().flatten()).collect();
        v.sort_by(|a, b| (a.list, &a.local, a.valid_from).cmp(&(b.list, &b.local, b.valid_from)));
        v
    }

    pub fn len(&self) -> usize {
        self.by_list.iter().map(|m| m.values().map(Vec::len).sum::<usize>()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<NaiveDate> {
        parse_date(s).ok()
    }

    #[test]
    fn parses_and_looks_up_by_date() {
        let t = MappingTable::parse(
            "kodeverk;lokal_kode;nasjonal_kode;gyldig_fra;gyldig_til\n\
             hendelsestype;S1;SYK;;31.12.2023\n\
             hendelsestype;S1;SKA;01.01.2024;\n\
             innringer;P;PUB;;\n",
        )
        .unwrap();
        assert_eq!(t.lookup(CodeList::Hendelsestype, "S1", d("15.06.2023")), Some("SYK"));
        assert_eq!(t.lookup(CodeList::Hendelsestype, "S1", d("2024-06-15")), Some("SKA"));
        assert_eq!(t.lookup(CodeList::Hendelsestype, "S2", None), None);
        assert_eq!(t.lookup(CodeList::Innringer, "P", None), Some("PUB"));
        // No table for tiltak: national codes pass, others do not.
        assert_eq!(t.lookup(CodeList::Tiltak, "AMB_BIL", None), Some("AMB_BIL"));
        assert_eq!(t.lookup(CodeList::Tiltak, "Bil", None), None);
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn reports_every_bad_line() {
        let errs = MappingTable::parse(
            "kodeverk;lokal_kode;nasjonal_kode\n\
             farge;X;SYK\n\
             hendelsestype;X;NOPE\n\
             hendelsestype;;SYK\n\
             sted;H;HJEM\n\
             sted;H;SH\n",
        )
        .unwrap_err();
        let lines: Vec<u64> = errs.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 6], "{errs:?}");
        assert!(MappingTable::parse("a;b\n1;2\n").is_err());
    }
}
