//! The versioned municipality register (DOMAIN.md §4 `kommunenummer`, §8 "Geography through
//! time"): municipality structures with their validity dates and the change list between
//! them, so a number is judged on the incident's date (E108, W211) and any series can be
//! translated into one structure.
//!
//! Shipped: the 2020 structure (356 municipalities, valid 2020-01-01 – 2023-12-31) and the
//! 2024 structure (357, from 2024-01-01), from `data/kommuner-2020.csv` and
//! `data/kommuner-2024.csv`, and the correspondence `data/kommuneendringer-2020-2024.csv`
//! (Kartverket boundaries, CC BY 4.0; see `data/README.md`). Pure: other structures arrive
//! as text ([`Register::with_structure`], [`parse_changes`]).

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::NaiveDate;

const KOMMUNER_2020: &str = include_str!("../../../data/kommuner-2020.csv");
const KOMMUNER_2024: &str = include_str!("../../../data/kommuner-2024.csv");
const ENDRINGER_2020_2024: &str = include_str!("../../../data/kommuneendringer-2020-2024.csv");

/// One municipality of a structure.
#[derive(Debug, Clone, PartialEq)]
pub struct Municipality {
    pub number: String,
    pub name: String,
    pub area_km2: f64,
    pub lat: f64,
    pub lon: f64,
}

/// The municipalities in force over a span of dates.
#[derive(Debug, Clone, PartialEq)]
pub struct Structure {
    /// The year the structure took effect (its name: `--structure 2024`).
    pub year: i32,
    pub valid_from: NaiveDate,
    /// Last day in force (`None`: still in force).
    pub valid_to: Option<NaiveDate>,
    pub municipalities: Vec<Municipality>,
    index: HashMap<String, usize>,
}

impl Structure {
    pub fn get(&self, number: &str) -> Option<&Municipality> {
        self.index.get(number).map(|&i| &self.municipalities[i])
    }

    pub fn contains(&self, number: &str) -> bool {
        self.index.contains_key(number)
    }

    /// A number's position in the structure's list (a stable id for it).
    pub fn position(&self, number: &str) -> Option<usize> {
        self.index.get(number).copied()
    }

    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        date >= self.valid_from && self.valid_to.is_none_or(|to| date <= to)
    }
}

/// One pair of the change list: `share` of `from`'s area went to `to` on `date`, the first
/// day of the newer structure (a renumbering has share 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub from: String,
    pub to: String,
    pub share: f64,
    pub date: NaiveDate,
}

/// What the register says of a number on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// In the structure in force that day.
    InForce,
    /// Expired before the date with exactly one successor in force (W211).
    Successor { to: String },
    /// Expired with several successors: which one is meant cannot be known (E108).
    Split { to: Vec<String> },
    /// Only valid from a later date (E108).
    NotYetValid { from: NaiveDate },
    /// In no structure of the register (E108).
    Unknown,
}

/// A number translated into a structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translation {
    pub number: String,
    /// The number split: it was mapped to the successor with the largest share of its area
    /// (outputs say so in a note).
    pub split: bool,
}

/// A file of the register that does not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterError {
    pub line: usize,
    pub message: String,
}

impl std::error::Error for RegisterError {}

impl std::fmt::Display for RegisterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Reads a structure's municipalities: `kommunenummer;navn;areal_km2;lat;lon` (the shipped
/// files), or Statistics Norway's classification 131 export of codes (`code;…;name;…`, the
/// area and point then unknown, 0).
pub fn parse_municipalities(text: &str) -> Result<Vec<Municipality>, RegisterError> {
    let (header, cols, lines) = split_header(text)?;
    let at = |names: &[&str]| cols.iter().position(|c| names.contains(&c.as_str()));
    let (Some(number), Some(name)) = (at(&["kommunenummer", "code"]), at(&["navn", "name"])) else {
        return Err(RegisterError {
            line: 1,
            message: format!(
                "expected columns kommunenummer;navn (or SSB's code;name), found {header:?}"
            ),
        });
    };
    let (area, lat, lon) = (at(&["areal_km2"]), at(&["lat"]), at(&["lon"]));
    let mut out = Vec::new();
    for (i, line) in lines {
        let f: Vec<String> = line.split(';').map(unquote).collect();
        let get = |k: Option<usize>| k.and_then(|k| f.get(k)).map(String::as_str).unwrap_or("");
        let n = get(Some(number));
        if n.len() != 4 || !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegisterError {
                line: i + 1,
                message: format!("municipality number {n:?} is not 4 digits"),
            });
        }
        let num = |k: Option<usize>| get(k).replace(',', ".").parse::<f64>().unwrap_or(0.0);
        out.push(Municipality {
            number: n.to_string(),
            name: get(Some(name)).to_string(),
            area_km2: num(area),
            lat: num(lat),
            lon: num(lon),
        });
    }
    Ok(out)
}

/// Reads a change list effective on `date`: `kommunenummer_2020;navn_2020;kommunenummer_2024;
/// navn_2024;andel_areal` (the shipped correspondence), or Statistics Norway's
/// classification 131 export of changes (`oldCode;…;newCode;…`, share 1 unless given).
pub fn parse_changes(text: &str, date: NaiveDate) -> Result<Vec<Change>, RegisterError> {
    let (header, cols, lines) = split_header(text)?;
    let numbered = |c: &String| c.starts_with("kommunenummer_");
    let from = cols.iter().position(|c| c == "oldcode").or_else(|| cols.iter().position(numbered));
    let to = cols.iter().position(|c| c == "newcode").or_else(|| cols.iter().rposition(numbered));
    let share = cols.iter().position(|c| c == "andel_areal");
    let (Some(from), Some(to)) = (from, to) else {
        return Err(RegisterError {
            line: 1,
            message: format!(
                "expected an old and a new municipality number column, found {header:?}"
            ),
        });
    };
    if from == to {
        return Err(RegisterError {
            line: 1,
            message: format!(
                "expected an old and a new municipality number column, found {header:?}"
            ),
        });
    };
    let mut out = Vec::new();
    for (i, line) in lines {
        let f: Vec<String> = line.split(';').map(unquote).collect();
        let (Some(a), Some(b)) = (f.get(from), f.get(to)) else {
            return Err(RegisterError { line: i + 1, message: "too few fields".into() });
        };
        let share = match share.and_then(|k| f.get(k)) {
            Some(s) => s
                .replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|s| (0.0..=1.0).contains(s))
                .ok_or_else(|| RegisterError {
                    line: i + 1,
                    message: format!("share {s:?} is not in [0, 1]"),
                })?,
            None => 1.0,
        };
        out.push(Change { from: a.clone(), to: b.clone(), share, date });
    }
    Ok(out)
}

/// A `;`-separated file's header line, its column names (lower case, unquoted, without a
/// byte-order mark) and the numbered non-empty lines after it.
#[expect(clippy::type_complexity, reason = "a private helper's tuple, named at its two callers")]
pub(crate) fn split_header(
    text: &str,
) -> Result<(&str, Vec<String>, impl Iterator<Item = (usize, &str)>), RegisterError> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(RegisterError { line: 1, message: "empty file".into() });
    };
    let cols = header
        .trim_start_matches('\u{feff}')
        .split(';')
        .map(|c| unquote(c).to_lowercase())
        .collect();
    Ok((header, cols, lines))
}

pub(crate) fn unquote(s: &str) -> String {
    s.trim().trim_matches('"').trim().to_string()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// The register: structures in date order and the changes between them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Register {
    structures: Vec<Structure>,
    changes: Vec<Change>,
}

impl Register {
    /// The shipped register: 2020 and 2024.
    pub fn standard() -> &'static Register {
        static REGISTER: OnceLock<Register> = OnceLock::new();
        REGISTER.get_or_init(|| {
            let shipped = |text: &str| {
                parse_municipalities(text)
                    .unwrap_or_else(|e| unreachable!("the shipped register reads (tested): {e}"))
            };
            let changes = parse_changes(ENDRINGER_2020_2024, date(2024, 1, 1))
                .unwrap_or_else(|e| unreachable!("the shipped changes read (tested): {e}"));
            Register::default()
                .with_structure(2020, date(2020, 1, 1), shipped(KOMMUNER_2020))
                .with_structure(2024, date(2024, 1, 1), shipped(KOMMUNER_2024))
                .with_changes(changes)
        })
    }

    /// Adds a structure in force from `valid_from`; the one before it ends the day before.
    pub fn with_structure(
        mut self,
        year: i32,
        valid_from: NaiveDate,
        municipalities: Vec<Municipality>,
    ) -> Register {
        let index = municipalities.iter().enumerate().map(|(i, m)| (m.number.clone(), i)).collect();
        self.structures.retain(|s| s.year != year);
        self.structures.push(Structure { year, valid_from, valid_to: None, municipalities, index });
        self.structures.sort_by_key(|s| s.valid_from);
        for i in 1..self.structures.len() {
            let next = self.structures[i].valid_from.pred_opt();
            self.structures[i - 1].valid_to = next;
        }
        self
    }

    pub fn with_changes(mut self, changes: Vec<Change>) -> Register {
        self.changes.extend(changes);
        self
    }

    pub fn structures(&self) -> &[Structure] {
        &self.structures
    }

    /// The structure in force on a date.
    pub fn on(&self, date: NaiveDate) -> Option<&Structure> {
        self.structures.iter().find(|s| s.in_force_on(date))
    }

    /// The structure named by its year.
    pub fn structure(&self, year: i32) -> Option<&Structure> {
        self.structures.iter().find(|s| s.year == year)
    }

    /// The newest structure (the default of every grouping by municipality).
    pub fn newest(&self) -> Option<&Structure> {
        self.structures.last()
    }

    /// The successors of `number` in force on `date`, following the changes up to it.
    fn successors(&self, number: &str, date: NaiveDate) -> Vec<(String, f64)> {
        let mut current = vec![(number.to_string(), 1.0)];
        // Changes in date order; each applies to the numbers current before it.
        let mut dates: Vec<NaiveDate> =
            self.changes.iter().map(|c| c.date).filter(|d| *d <= date).collect();
        dates.sort();
        dates.dedup();
        for d in dates {
            let mut next: Vec<(String, f64)> = Vec::new();
            for (n, share) in &current {
                let here: Vec<&Change> =
                    self.changes.iter().filter(|c| c.date == d && &c.from == n).collect();
                if here.is_empty() {
                    next.push((n.clone(), *share));
                }
                for c in here {
                    next.push((c.to.clone(), share * c.share));
                }
            }
            current = next;
        }
        current
    }

    /// Judges a municipality number on a date (DOMAIN.md §6 E108, W211).
    ///
    /// Before the register's first structure (the shipped one starts 2020-01-01) a number is
    /// judged against that first structure: the register holds nothing older, and data of
    /// 2019 is read in the 2020 numbering unless an older structure is loaded.
    pub fn judge(&self, number: &str, date: NaiveDate) -> Verdict {
        let first = self.structures.first().filter(|s| date < s.valid_from);
        let Some(now) = self.on(date).or(first) else { return Verdict::Unknown };
        if now.contains(number) {
            return Verdict::InForce;
        }
        if let Some(later) =
            self.structures.iter().find(|s| s.valid_from > date && s.contains(number))
        {
            let earlier =
                self.structures.iter().any(|s| s.valid_from < now.valid_from && s.contains(number));
            if !earlier {
                return Verdict::NotYetValid { from: later.valid_from };
            }
        }
        if !self.structures.iter().any(|s| s.valid_from < now.valid_from && s.contains(number)) {
            return Verdict::Unknown;
        }
        let mut to: Vec<String> = self
            .successors(number, date)
            .into_iter()
            .map(|(n, _)| n)
            .filter(|n| now.contains(n))
            .collect();
        to.sort();
        to.dedup();
        match to.len() {
            0 => Verdict::Unknown,
            1 => Verdict::Successor { to: to.remove(0) },
            _ => Verdict::Split { to },
        }
    }

    /// Every number of `target` whose area overlaps `number`'s (a split's successors all,
    /// a merge's predecessors all): what an area such as a centre's covers there.
    pub fn overlapping(&self, number: &str, target: &Structure) -> Vec<String> {
        if target.contains(number) {
            return vec![number.to_string()];
        }
        let forward = target.valid_to.unwrap_or(NaiveDate::MAX);
        let mut out: Vec<String> = self
            .successors(number, forward)
            .into_iter()
            .map(|(n, _)| n)
            .filter(|n| target.contains(n))
            .collect();
        if out.is_empty() {
            out = self
                .changes
                .iter()
                .filter(|c| c.to == number && target.contains(&c.from))
                .map(|c| c.from.clone())
                .collect();
        }
        out.sort();
        out.dedup();
        out
    }

    /// The numbers in force on `date` that a place of an older (or the same) structure
    /// became, each with its share of the place's area: `[(number, 1.0)]` for a number in
    /// force, all successors of a split. Empty when no structure is in force or the number
    /// leads to none of its numbers.
    pub fn successors_on(&self, number: &str, date: NaiveDate) -> Vec<(String, f64)> {
        let Some(now) = self.on(date) else { return Vec::new() };
        if now.contains(number) {
            return vec![(number.to_string(), 1.0)];
        }
        let mut out: Vec<(String, f64)> = Vec::new();
        for (n, share) in self.successors(number, date) {
            if !now.contains(&n) {
                continue;
            }
            match out.iter_mut().find(|(m, _)| *m == n) {
                Some((_, s)) => *s += share,
                None => out.push((n, share)),
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// The number a place of any structure has on `date` (in the structure in force then).
    pub fn number_on(&self, number: &str, date: NaiveDate) -> Option<Translation> {
        self.translate(number, self.on(date)?)
    }

    /// The number in `target`'s structure for a number of any structure: itself where the
    /// target has it; else forward through the changes (a split to the successor with the
    /// largest share of the area) or backward (a successor to the predecessor it took most
    /// of). `None` when the register knows no way.
    pub fn translate(&self, number: &str, target: &Structure) -> Option<Translation> {
        if target.contains(number) {
            return Some(Translation { number: number.to_string(), split: false });
        }
        let forward = target.valid_to.unwrap_or(NaiveDate::MAX);
        let mut ahead: Vec<(String, f64)> = self
            .successors(number, forward)
            .into_iter()
            .filter(|(n, _)| target.contains(n))
            .collect();
        if !ahead.is_empty() {
            let split = ahead.len() > 1;
            ahead.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            return Some(Translation { number: ahead.swap_remove(0).0, split });
        }
        // Backward: a newer number into an older structure.
        let mut back: Vec<&Change> = self
            .changes
            .iter()
            .filter(|c| c.to == number && target.contains(&c.from) && c.date > target.valid_from)
            .collect();
        back.sort_by(|a, b| b.share.total_cmp(&a.share).then_with(|| a.from.cmp(&b.from)));
        back.first().map(|c| Translation { number: c.from.clone(), split: false })
    }
}

/// All municipalities of the 2020 structure, in file order (the synthetic world's
/// geography).
pub fn municipalities() -> &'static [Municipality] {
    Register::standard().structure(2020).map_or(&[], |s| &s.municipalities)
}

/// Home municipality codes that are no municipality: `9000` foreign without convention,
/// `9900` foreign EU/EEA, `9999` unknown.
pub fn is_special_home_code(number: &str) -> bool {
    matches!(number, "9000" | "9900" | "9999")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_register_has_both_structures_with_their_dates() {
        let r = Register::standard();
        let (s20, s24) = (r.structure(2020).unwrap(), r.structure(2024).unwrap());
        assert_eq!((s20.municipalities.len(), s24.municipalities.len()), (356, 357));
        assert_eq!(s20.valid_to, Some(date(2023, 12, 31)));
        assert_eq!(s24.valid_to, None);
        assert_eq!(r.on(date(2023, 12, 31)).unwrap().year, 2020);
        assert_eq!(r.on(date(2024, 1, 1)).unwrap().year, 2024);
        assert_eq!(r.newest().unwrap().year, 2024);
        assert_eq!(s24.get("1580").unwrap().name, "Haram");
        assert!(municipalities().iter().any(|m| m.number == "1507"));
    }

    #[test]
    fn numbers_are_judged_on_their_date() {
        let r = Register::standard();
        let (d23, d24) = (date(2023, 12, 31), date(2024, 1, 1));
        // Halden: 3001 until 2023, 3101 from 2024.
        assert_eq!(r.judge("3001", d23), Verdict::InForce);
        assert_eq!(r.judge("3101", d24), Verdict::InForce);
        assert_eq!(r.judge("3001", d24), Verdict::Successor { to: "3101".into() });
        assert_eq!(r.judge("3101", d23), Verdict::NotYetValid { from: d24 });
        // Ålesund split: 1507 after the reform cannot be placed.
        assert_eq!(r.judge("1507", d23), Verdict::InForce);
        assert_eq!(r.judge("1507", d24), Verdict::Split { to: vec!["1508".into(), "1580".into()] });
        assert_eq!(r.judge("1508", d23), Verdict::NotYetValid { from: d24 });
        // Oslo is Oslo throughout; nonsense is nonsense.
        assert_eq!(r.judge("0301", d23), Verdict::InForce);
        assert_eq!(r.judge("0301", d24), Verdict::InForce);
        assert_eq!(r.judge("0000", d24), Verdict::Unknown);
        // Before the register's first structure, that structure judges.
        assert_eq!(r.judge("0301", date(2019, 6, 1)), Verdict::InForce);
        assert_eq!(r.judge("3101", date(2019, 6, 1)), Verdict::NotYetValid { from: d24 });
    }

    #[test]
    fn translation_goes_both_ways_and_a_split_takes_the_largest_share() {
        let r = Register::standard();
        let (s20, s24) = (r.structure(2020).unwrap(), r.structure(2024).unwrap());
        let t = |n: &str, s: &Structure| r.translate(n, s).map(|t| (t.number, t.split));
        assert_eq!(t("3001", s24), Some(("3101".into(), false)));
        assert_eq!(t("1507", s24), Some(("1508".into(), true)), "58 % of Ålesund's area");
        assert_eq!(t("3101", s20), Some(("3001".into(), false)));
        assert_eq!(t("1580", s20), Some(("1507".into(), false)));
        assert_eq!(t("0301", s20), Some(("0301".into(), false)));
        assert_eq!(t("0000", s24), None);
        // Every 2020 number has a 2024 home and back.
        for m in &s20.municipalities {
            assert!(r.translate(&m.number, s24).is_some(), "{}", m.number);
        }
        for m in &s24.municipalities {
            assert!(r.translate(&m.number, s20).is_some(), "{}", m.number);
        }
    }

    #[test]
    fn a_split_place_has_each_successor_with_its_share_of_the_area() {
        let r = Register::standard();
        let (d23, d24) = (date(2023, 12, 31), date(2024, 1, 1));
        assert_eq!(r.successors_on("1507", d23), vec![("1507".to_string(), 1.0)]);
        assert_eq!(
            r.successors_on("1507", d24),
            vec![("1508".to_string(), 0.582), ("1580".to_string(), 0.418)]
        );
        assert_eq!(r.successors_on("3001", d24), vec![("3101".to_string(), 1.0)]);
        assert!(r.successors_on("0000", d24).is_empty());
    }

    #[test]
    fn statistics_norways_exports_read_too() {
        let codes =
            "\"code\";\"parentCode\";\"level\";\"name\"\n\"3101\";\"31\";\"2\";\"Halden\"\n";
        let m = parse_municipalities(codes).unwrap();
        assert_eq!((m[0].number.as_str(), m[0].name.as_str()), ("3101", "Halden"));
        let changes =
            "oldCode;oldName;newCode;newName;changeOccurred\n3001;Halden;3101;Halden;2024-01-01\n";
        let c = parse_changes(changes, date(2024, 1, 1)).unwrap();
        assert_eq!((c[0].from.as_str(), c[0].to.as_str(), c[0].share), ("3001", "3101", 1.0));
        let e = parse_municipalities("kommunenummer;navn\n301;Oslo\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(parse_changes("a;b\n", date(2024, 1, 1)).is_err());
    }
}
