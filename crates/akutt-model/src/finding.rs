//! Findings: what validation says about a file, an incident or a value (DOMAIN.md §6).
//!
//! One `Finding` type serves every rule and every input format; findings are collected,
//! never thrown.

use std::fmt;

use crate::fnr::mask_fnr;

/// How serious a finding is; fixed per rule code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Rejects the whole file.
    File,
    /// Rejects the incident it belongs to, nothing else.
    Error,
    /// Keeps the record and flags it.
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::File => "file",
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

macro_rules! rule_codes {
    ($($variant:ident = $code:literal, $sev:ident, $nb:literal, $en:literal;)+) => {
        /// The stable validation rule codes of DOMAIN.md §6.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RuleCode { $($variant),+ }

        impl RuleCode {
            pub const ALL: &'static [RuleCode] = &[$(RuleCode::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $(RuleCode::$variant => $code),+ }
            }

            pub fn severity(self) -> Severity {
                match self { $(RuleCode::$variant => Severity::$sev),+ }
            }

            /// The rule as DOMAIN.md §6 states it, in Norwegian.
            pub fn title_nb(self) -> &'static str {
                match self { $(RuleCode::$variant => $nb),+ }
            }

            /// The rule as DOMAIN.md §6 states it, in English.
            pub fn title_en(self) -> &'static str {
                match self { $(RuleCode::$variant => $en),+ }
            }

            pub fn parse(code: &str) -> Option<RuleCode> {
                match code { $($code => Some(RuleCode::$variant),)+ _ => None }
            }
        }
    };
}

rule_codes! {
    F001 = "F001", File, "påkrevd kolonne mangler", "a required column is missing";
    F002 = "F002", File, "innsendingskolonner er ulike mellom rader", "submission-level columns differ between rows";
    F003 = "F003", File, "filen kan ikke leses som CSV i en støttet tegnkoding, eller mangler overskriftsrad", "not readable as CSV in a supported encoding, or no header";
    F004 = "F004", File, "filen har ingen datarader", "no data rows";
    E101 = "E101", Error, "hendelsesnummer mangler", "missing incident id";
    E102 = "E102", Error, "verdien kan ikke tolkes", "a value cannot be parsed";
    E103 = "E103", Error, "hendelsen har ingen henvendelsestid", "incident without any contact time";
    E104 = "E104", Error, "hendelsens første henvendelse ligger utenfor rapporteringsperioden", "incident's first contact lies outside the reporting period";
    E105 = "E105", Error, "lokal kode finnes ikke i sentralens kodetabell", "local code not in the centre's mapping table";
    E106 = "E106", Error, "rader for samme hendelse/henvendelse/pasient er uenige om en gjentatt kolonne", "rows of one incident/contact/patient disagree on a repeated column";
    E107 = "E107", Error, "samme tiltaksnøkkel forekommer to ganger med ulikt innhold", "the same action key appears twice with different content";
    E108 = "E108", Error, "ugyldig kommunenummer", "invalid municipality number";
    W201 = "W201", Warning, "tidspunkter i feil rekkefølge", "time points out of order";
    W202 = "W202", Warning, "usannsynlig tidsintervall", "implausible interval";
    W203 = "W203", Warning, "ambulansetiltak uten varslet-tid", "ambulance action without Varslet";
    W204 = "W204", Warning, "oppdrag uten fremme-tid der levering ikke er retur uten pasient", "mission without Fremme whose delivery is not RETUR";
    W205 = "W205", Warning, "fødselsnummeret har feil kontrollsiffer (verdien er forkastet)", "fødselsnummer fails its check digits (the value is dropped)";
    W206 = "W206", Warning, "pasient uten hastegrad, eller mer enn én hastegrad markert", "patient without urgency, or more than one urgency marked";
    W207 = "W207", Warning, "manglende eller ugyldig indekskriterium", "missing or malformed index criterion";
    W208 = "W208", Warning, "tvetydig lokal tid (tilbakestilling av klokken)", "ambiguous local time (fall-back hour)";
    W209 = "W209", Warning, "lokal tid som ikke finnes (sommertid), flyttet én time frem", "non-existent local time (spring-forward gap), shifted forward one hour";
    W210 = "W210", Warning, "mangler 'Hentested tettbygd' på rød hendelse (utelatt fra 12/25-minuttersandelen)", "missing 'Hentested tettbygd' on a red incident (excluded from the 12/25-minute share)";
    W211 = "W211", Warning, "utgått kommunenummer med én etterfølger på hendelsens dato (lagret som etterfølgeren)", "expired municipality number with exactly one successor on the incident's date (stored as the successor)";
    // The 113 call log, import format `anrop` v1 (DOMAIN.md §11): its own block.
    E121 = "E121", Error, "BESVART uten 'Besvart dato/tid', eller 'Besvart dato/tid' på et anrop som ikke er besvart", "BESVART without 'Besvart dato/tid', or 'Besvart dato/tid' on a call that is not BESVART";
    E122 = "E122", Error, "tidspunkter i feil rekkefølge (besvart før mottatt, eller avsluttet før et av dem)", "times out of order (answered before received, or ended before either)";
    E123 = "E123", Error, "OVERFLYTTET uten kjent sentralkode i 'Overflyttet til' (eller med egen sentral)", "OVERFLYTTET without a known centre code in 'Overflyttet til' (or naming its own centre)";
    W221 = "W221", Warning, "usannsynlig: ventet mer enn 15 minutter før svar, eller anrop lenger enn 4 timer", "implausible: waited more than 15 minutes before answer, or a call longer than 4 hours";
    // NEMSIS v3.5 EMSDataSet files (issue 6; docs/NEMSIS.md): the same severities, their own block.
    F101 = "F101", File, "filen er ikke velformet XML, eller bruker en DTD (DOCTYPE avvises)", "not well-formed XML, or uses a DTD (DOCTYPE is refused)";
    F102 = "F102", File, "ikke et NEMSIS v3.5 EMSDataSet (rotelement eller navnerom)", "not a NEMSIS v3.5 EMSDataSet (root element or namespace)";
    F103 = "F103", File, "bryter NEMSIS v3.5-skjemaet (XSD)", "violates the NEMSIS v3.5 XML Schema (XSD)";
    F104 = "F104", File, "filen har ingen PatientCareReport", "no PatientCareReport in the file";
    E151 = "E151", Error, "samme UUID forekommer to ganger i filen (den siste er avvist)", "the same UUID occurs twice in the file (the later one is rejected)";
    W251 = "W251", Warning, "tidspunkter i feil rekkefølge (intervallet er utelatt)", "time points out of order (the interval is left out)";
    W252 = "W252", Warning, "tidspunkt som ikke kan tolkes (behandlet som manglende)", "a time that cannot be read (treated as missing)";
}

impl fmt::Display for RuleCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One finding: rule code, where it is (line, incident, column), the offending value, and a
/// plain-language message in Norwegian and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: RuleCode,
    /// 1-based line in the file (the first line of the record it concerns).
    pub line: Option<u64>,
    pub incident: Option<String>,
    pub column: Option<String>,
    /// The offending value as written, or a masked placeholder where the value is personal.
    pub value: Option<String>,
    pub message_nb: String,
    pub message_en: String,
}

impl Finding {
    /// A finding whose messages are the rule's title followed by the given detail. A valid
    /// fødselsnummer in the detail is masked (§9), whatever put it there.
    pub fn new(code: RuleCode, detail_nb: impl AsRef<str>, detail_en: impl AsRef<str>) -> Finding {
        let (nb, en) = (mask_fnr(detail_nb.as_ref()), mask_fnr(detail_en.as_ref()));
        Finding {
            code,
            line: None,
            incident: None,
            column: None,
            value: None,
            message_nb: if nb.is_empty() {
                capitalise(code.title_nb())
            } else {
                format!("{}: {nb}", capitalise(code.title_nb()))
            },
            message_en: if en.is_empty() {
                capitalise(code.title_en())
            } else {
                format!("{}: {en}", capitalise(code.title_en()))
            },
        }
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    pub fn incident(mut self, id: impl Into<String>) -> Self {
        let id = id.into();
        self.incident = Some(mask_fnr(&id).into_owned());
        self
    }

    pub fn column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }

    /// The offending value; a valid fødselsnummer in it is masked (§9).
    pub fn value(mut self, value: impl Into<String>) -> Self {
        let value = value.into();
        self.value = Some(mask_fnr(&value).into_owned());
        self
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_follows_code_prefix() {
        for code in RuleCode::ALL {
            let expected = match &code.code()[..1] {
                "F" => Severity::File,
                "E" => Severity::Error,
                _ => Severity::Warning,
            };
            assert_eq!(code.severity(), expected, "{code}");
            assert_eq!(RuleCode::parse(code.code()), Some(*code));
        }
        assert_eq!(RuleCode::ALL.len(), 4 + 8 + 11 + 4 + 1 + 2 + 4);
    }

    #[test]
    fn message_carries_title_and_detail() {
        let f = Finding::new(RuleCode::E108, "«0000» finnes ikke", "«0000» does not exist");
        assert_eq!(f.message_en, "Invalid municipality number: «0000» does not exist");
        assert!(f.message_nb.starts_with("Ugyldig kommunenummer"));
    }
}
