//! Each synthetic centre's local codes and its mapping table (DOMAIN.md §4–§5): four
//! spelling schemes with per-centre variants, so no two centres share a table; a second local
//! code for `SYK` (many-to-one); and one centre that renumbers its incident types on
//! 1 January 2025 (validity dates).

use akutt_model::{CodeList, Hendelsestype, Innringer, Linje, Sambandsvei, Sted, Tiltak};
use chrono::NaiveDate;

/// One row of a mapping table.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub list: CodeList,
    pub local: String,
    pub national: &'static str,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// A centre's local code book.
#[derive(Debug, Clone)]
pub struct LocalCodes {
    pub entries: Vec<Entry>,
    /// How the centre marks urgency (`1` or `X`).
    pub mark: &'static str,
}

/// The date one centre (index [`RENUMBERING_CENTRE`]) changes its incident-type codes.
pub fn renumbering_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 1).expect("valid date")
}
/// Index of the centre that renumbers (BGO in `amk-sentraler.csv`).
pub const RENUMBERING_CENTRE: usize = 5;

fn words(list: CodeList, national: &str) -> &'static str {
    match (list, national) {
        (CodeList::Innringer, "PUB") => "Publikum",
        (CodeList::Innringer, "HP") => "Helsepersonell",
        (CodeList::Innringer, _) => "Nødetat",
        (CodeList::Sambandsvei, "113") => "Nødlinje 113",
        (CodeList::Sambandsvei, "ROD") => "Rød linje",
        (CodeList::Sambandsvei, "AMB") => "Bestilling",
        (CodeList::Sambandsvei, "NOD") => "Annen nødetat",
        (CodeList::Sambandsvei, "LV") => "Legevakt",
        (CodeList::Sambandsvei, _) => "Annet",
        (CodeList::Hendelsestype, "SYK") => "Sykdom",
        (CodeList::Hendelsestype, "SKA") => "Skade",
        (CodeList::Hendelsestype, "FOD") => "Fødsel",
        (CodeList::Hendelsestype, "RUS") => "Rus/psykiatri",
        (CodeList::Hendelsestype, "OVF") => "Overføring",
        (CodeList::Hendelsestype, "INN") => "Innleggelse",
        (CodeList::Hendelsestype, "BER") => "Beredskap",
        (CodeList::Hendelsestype, "FEIL") => "Feilring",
        (CodeList::Hendelsestype, _) => "Annet",
        (CodeList::Sted, "SH") => "Sykehus",
        (CodeList::Sted, "SHJ") => "Sykehjem",
        (CodeList::Sted, "LEG") => "Legekontor",
        (CodeList::Sted, "INST") => "Institusjon",
        (CodeList::Sted, "HJEM") => "Bolig",
        (CodeList::Sted, "OFF") => "Offentlig sted",
        (CodeList::Sted, "RETUR") => "Retur u/pasient",
        (CodeList::Sted, _) => "Annet sted",
        (CodeList::Tiltak, "AMB_BIL") => "Ambulanse",
        (CodeList::Tiltak, "AMB_LUFT") => "Luftambulanse",
        (CodeList::Tiltak, "NOD") => "Nødetater",
        (CodeList::Tiltak, "KONF") => "Konferanse",
        (CodeList::Tiltak, "RAD") => "Råd",
        (CodeList::Tiltak, "SIV") => "Intern varsling",
        (CodeList::Tiltak, "SYKT") => "Syketransport",
        (CodeList::Tiltak, "LV") => "Legevakt varslet",
        (CodeList::Tiltak, "AMB_UTGAR") => "Utgår",
        (CodeList::Tiltak, _) => "Annet tiltak",
        (CodeList::Linje, "113") => "Nødlinje",
        (CodeList::Linje, "LV") => "Legevaktlinje",
        (CodeList::Linje, "AMB") => "Bestillingslinje",
        (CodeList::Linje, _) => "Annen linje",
    }
}

fn nationals(list: CodeList) -> Vec<&'static str> {
    match list {
        CodeList::Innringer => Innringer::ALL.iter().map(|c| c.code()).collect(),
        CodeList::Sambandsvei => Sambandsvei::ALL.iter().map(|c| c.code()).collect(),
        CodeList::Hendelsestype => Hendelsestype::ALL.iter().map(|c| c.code()).collect(),
        CodeList::Sted => Sted::ALL.iter().map(|c| c.code()).collect(),
        CodeList::Tiltak => Tiltak::ALL.iter().map(|c| c.code()).collect(),
        CodeList::Linje => Linje::ALL.iter().map(|c| c.code()).collect(),
    }
}

impl LocalCodes {
    /// The code book of centre `index` with centre code `code`.
    pub fn for_centre(index: usize, code: &str) -> LocalCodes {
        let (scheme, variant) = (index % 4, index / 4);
        let mut entries = Vec::new();
        for (li, list) in CodeList::ALL.into_iter().enumerate() {
            for (k, national) in nationals(list).into_iter().enumerate() {
                let local = match scheme {
                    // Numbers, offset per variant and list.
                    0 => format!("{}", 100 * variant + 10 * li + k + 1),
                    // Words, spelled per variant.
                    1 => match variant {
                        0 => words(list, national).to_string(),
                        1 => words(list, national).to_uppercase(),
                        2 => words(list, national).to_lowercase(),
                        _ => format!("{} ({})", words(list, national), code.to_lowercase()),
                    },
                    // Short letters with a variant prefix.
                    2 => format!(
                        "{}{}",
                        ["k", "x", "y", "z"][variant.min(3)],
                        national.to_lowercase().replace('_', "")
                    ),
                    // The national code with the centre's prefix.
                    _ => format!("{code}-{national}"),
                };
                let renumbers = index == RENUMBERING_CENTRE && list == CodeList::Hendelsestype;
                if renumbers {
                    let change = renumbering_date();
                    entries.push(Entry {
                        list,
                        local: local.clone(),
                        national,
                        valid_from: None,
                        valid_to: change.pred_opt(),
                    });
                    entries.push(Entry {
                        list,
                        local: format!("H{}", k + 1),
                        national,
                        valid_from: Some(change),
                        valid_to: None,
                    });
                } else {
                    entries.push(Entry {
                        list,
                        local: local.clone(),
                        national,
                        valid_from: None,
                        valid_to: None,
                    });
                }
                if list == CodeList::Hendelsestype && national == "SYK" {
                    entries.push(Entry {
                        list,
                        local: format!("{local}-B"),
                        national,
                        valid_from: None,
                        valid_to: None,
                    });
                }
            }
        }
        LocalCodes { entries, mark: if index.is_multiple_of(2) { "1" } else { "X" } }
    }

    /// The local code written for a national code on a date (the first valid entry);
    /// `alternative` picks the second spelling where a list has two (SYK).
    pub fn local<'a>(
        &'a self,
        list: CodeList,
        national: &'a str,
        date: NaiveDate,
        alternative: bool,
    ) -> &'a str {
        let mut valid = self.entries.iter().filter(|e| {
            e.list == list
                && e.national == national
                && e.valid_from.is_none_or(|f| f <= date)
                && e.valid_to.is_none_or(|t| date <= t)
        });
        let first = valid.next();
        let chosen = if alternative { valid.next().or(first) } else { first };
        chosen.map_or(national, |e| e.local.as_str())
    }

    /// Another valid local code of the same list than `current` (for E106 faults).
    pub fn other(&self, list: CodeList, current: &str) -> &str {
        self.entries
            .iter()
            .find(|e| e.list == list && e.local != current && e.valid_from.is_none())
            .map_or("?", |e| e.local.as_str())
    }

    /// The mapping table file (`kodeverk;lokal_kode;nasjonal_kode;gyldig_fra;gyldig_til`).
    pub fn mapping_csv(&self) -> String {
        let mut out = String::from("kodeverk;lokal_kode;nasjonal_kode;gyldig_fra;gyldig_til\n");
        let date =
            |d: Option<NaiveDate>| d.map(|d| d.format("%d.%m.%Y").to_string()).unwrap_or_default();
        for e in &self.entries {
            out.push_str(&format!(
                "{};{};{};{};{}\n",
                e.list.name(),
                e.local,
                e.national,
                date(e.valid_from),
                date(e.valid_to)
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_differ_between_centres_and_cover_every_national_code() {
        let world = crate::world::centres();
        let books: Vec<LocalCodes> =
            world.iter().enumerate().map(|(i, c)| LocalCodes::for_centre(i, &c.code)).collect();
        for (i, a) in books.iter().enumerate() {
            for b in &books[i + 1..] {
                assert_ne!(a.mapping_csv(), b.mapping_csv());
            }
            let d = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
            for list in CodeList::ALL {
                for n in nationals(list) {
                    assert_ne!(a.local(list, n, d, false), n, "{list} {n} has a local code");
                }
            }
        }
    }

    #[test]
    fn the_renumbering_centre_changes_codes_on_its_date() {
        let c = LocalCodes::for_centre(RENUMBERING_CENTRE, "BGO");
        let before = NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
        assert_ne!(
            c.local(CodeList::Hendelsestype, "SKA", before, false),
            c.local(CodeList::Hendelsestype, "SKA", renumbering_date(), false)
        );
    }
}
