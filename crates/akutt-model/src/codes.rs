//! The national code lists of DOMAIN.md §4 (registration guide, appendix 2).
//!
//! Each list is an enum with a stable code (ours) and the guide's Norwegian label.

use std::fmt;

/// The code lists that centres map their local codes onto (the `kodeverk` of a mapping table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CodeList {
    Innringer,
    Sambandsvei,
    Hendelsestype,
    Sted,
    Tiltak,
    /// The switchboard line of a 113 call-log queue (DOMAIN.md §11).
    Linje,
}

impl CodeList {
    pub const ALL: [CodeList; 6] = [
        CodeList::Innringer,
        CodeList::Sambandsvei,
        CodeList::Hendelsestype,
        CodeList::Sted,
        CodeList::Tiltak,
        CodeList::Linje,
    ];

    /// The name used in mapping-table files (`kodeverk` column).
    pub fn name(self) -> &'static str {
        match self {
            CodeList::Innringer => "innringer",
            CodeList::Sambandsvei => "sambandsvei",
            CodeList::Hendelsestype => "hendelsestype",
            CodeList::Sted => "sted",
            CodeList::Tiltak => "tiltak",
            CodeList::Linje => "linje",
        }
    }

    pub fn parse(name: &str) -> Option<CodeList> {
        CodeList::ALL.into_iter().find(|c| c.name() == name.trim().to_lowercase())
    }

    /// Whether `code` is a national code of this list.
    pub fn is_national_code(self, code: &str) -> bool {
        match self {
            CodeList::Innringer => Innringer::parse(code).is_some(),
            CodeList::Sambandsvei => Sambandsvei::parse(code).is_some(),
            CodeList::Hendelsestype => Hendelsestype::parse(code).is_some(),
            CodeList::Sted => Sted::parse(code).is_some(),
            CodeList::Tiltak => Tiltak::parse(code).is_some(),
            CodeList::Linje => Linje::parse(code).is_some(),
        }
    }
}

impl fmt::Display for CodeList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

macro_rules! code_list {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $code:literal, $label:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable national code.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The registration guide's Norwegian label.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Parses a national code (exact, after trimming).
            pub fn parse(code: &str) -> Option<$name> {
                match code.trim() { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.code()) }
        }
    };
}

code_list!(
    /// Caller type (innringer).
    Innringer {
        Publikum = "PUB", "Publikum";
        Helsepersonell = "HP", "Helsepersonell";
        BrannPolitiHrs = "BPH", "Brann/Politi/HRS";
    }
);

code_list!(
    /// Channel (sambandsvei). `LV` is the out-of-hours clinic line (guide 1.6).
    Sambandsvei {
        Nodlinje113 = "113", "Nødlinje 113";
        AnnenRodLinje = "ROD", "Annen rød linje";
        Ambulansebestilling = "AMB", "Ambulansebestilling";
        AnnenNodetat = "NOD", "Annen nødetat";
        Andre = "ANN", "Andre";
        Legevakt = "LV", "Legevakt-linje";
    }
);

code_list!(
    /// Incident type (hendelsestype).
    Hendelsestype {
        Sykdom = "SYK", "Sykdom, somatisk";
        Skade = "SKA", "Skade/ulykke";
        Fodsel = "FOD", "Fødsel/fødselshjelp";
        RusPsykisk = "RUS", "Rus og psykisk lidelse";
        Overforing = "OVF", "Overføring (mellom institusjoner)";
        Innleggelse = "INN", "Formidling innleggelse";
        Beredskap = "BER", "Beredskap";
        Feil = "FEIL", "Feil";
        Annet = "ANN", "Annet, inkl. sjikane";
    }
);

code_list!(
    /// Action (tiltak). `AMB_UTGAR` is an ambulance ordered and cancelled before alert.
    Tiltak {
        AmbulanseBil = "AMB_BIL", "Ambulanse bil/båt";
        AmbulanseLuft = "AMB_LUFT", "Ambulanse luft";
        AndreNodetater = "NOD", "Andre nødetater";
        Konferanse = "KONF", "Konferanse helsepersonell";
        Radgiving = "RAD", "Rådgiving";
        SykehusinternVarsling = "SIV", "Sykehusintern varsling";
        Syketransport = "SYKT", "Syketransport";
        Legevakt = "LV", "Varslet legevakt/fastlege";
        Andre = "ANN", "Andre tiltak";
        UtgarAmbulanse = "AMB_UTGAR", "Utgår ambulanse";
    }
);

code_list!(
    /// Place (sted) for pick-up and delivery. `RETUR` is for delivery only.
    Sted {
        Sykehus = "SH", "Sykehus";
        Sykehjem = "SHJ", "Sykehjem";
        Lege = "LEG", "Lege/legevakt";
        Institusjon = "INST", "Annen institusjon";
        Hjem = "HJEM", "Hjem eller annen privat adresse";
        Offentlig = "OFF", "Offentlig sted";
        Annet = "ANN", "Annet sted";
        Retur = "RETUR", "Retur uten pasient";
    }
);

code_list!(
    /// The line a 113 call-log queue belongs to (kodeverk `linje`, DOMAIN.md §11): only
    /// `113` counts in the answer-time indicator.
    Linje {
        Nodlinje113 = "113", "Medisinsk nødtelefon 113";
        Legevakt = "LV", "Legevakt 116117";
        Ambulansebestilling = "AMB", "Ambulansebestilling";
        Annen = "ANN", "Annen linje";
    }
);

code_list!(
    /// Urgency (hastegrad), ordered from most to least urgent.
    Hastegrad {
        Rod = "R", "Rød/akutt";
        Gul = "G", "Gul/haster";
        Gronn = "N", "Grønn/vanlig";
    }
);

code_list!(
    /// Sex (kjønn).
    Kjonn {
        Mann = "1", "Mann";
        Kvinne = "2", "Kvinne";
        IkkeSpesifisert = "9", "Ikke spesifisert";
    }
);

impl Tiltak {
    /// An ambulance action (road/boat or air); a mission when alerted (§7).
    pub fn is_ambulance(self) -> bool {
        matches!(self, Tiltak::AmbulanseBil | Tiltak::AmbulanseLuft)
    }
}

/// Validates an index criterion `U.KK.NN` (DOMAIN.md §4): `U` in A/H/V, chapter 01–39,
/// criterion two digits.
/// The chapter (1–39) of a well-formed index criterion `U.KK.NN` (`A.34.01` → 34).
pub fn criterion_chapter(value: &str) -> Option<u8> {
    if !is_valid_criterion(value) {
        return None;
    }
    value.get(2..4)?.parse().ok()
}

pub fn is_valid_criterion(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() != 7 || b[1] != b'.' || b[4] != b'.' {
        return false;
    }
    if !matches!(b[0], b'A' | b'H' | b'V') {
        return false;
    }
    let digits = |i: usize| b[i].is_ascii_digit() && b[i + 1].is_ascii_digit();
    if !digits(2) || !digits(5) {
        return false;
    }
    let chapter = (b[2] - b'0') * 10 + (b[3] - b'0');
    (1..=39).contains(&chapter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for t in Tiltak::ALL {
            assert_eq!(Tiltak::parse(t.code()), Some(*t));
        }
        assert_eq!(Sambandsvei::parse(" 113 "), Some(Sambandsvei::Nodlinje113));
        assert_eq!(Sted::parse("retur"), None, "codes are case-sensitive");
        assert!(Hastegrad::Rod < Hastegrad::Gul && Hastegrad::Gul < Hastegrad::Gronn);
    }

    #[test]
    fn criterion_shape() {
        assert!(is_valid_criterion("A.10.01"));
        assert!(is_valid_criterion("V.39.99"));
        assert!(!is_valid_criterion("A.40.01"));
        assert!(!is_valid_criterion("A.00.01"));
        assert!(!is_valid_criterion("X.10.01"));
        assert!(!is_valid_criterion("A.1.01"));
        assert!(!is_valid_criterion(""));
    }
}
