//! The columns of import format v1 (DOMAIN.md §5), spelt exactly as the header must.

/// Which record a column belongs to; repeated columns must agree within their record (E106).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Submission,
    Incident,
    Contact,
    Patient,
    Action,
}

macro_rules! columns {
    ($($variant:ident = $name:literal, $level:ident, $required:literal;)+) => {
        /// A known column of the extract.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Column { $($variant),+ }

        impl Column {
            pub const ALL: &'static [Column] = &[$(Column::$variant),+];
            pub const COUNT: usize = Column::ALL.len();

            /// The header name, exactly as the registration guide spells it.
            pub fn name(self) -> &'static str {
                match self { $(Column::$variant => $name),+ }
            }

            pub fn level(self) -> Level {
                match self { $(Column::$variant => Level::$level),+ }
            }

            /// Marked `*` in DOMAIN.md §5: its absence rejects the file (F001).
            pub fn is_required(self) -> bool {
                match self { $(Column::$variant => $required),+ }
            }

            pub fn from_name(name: &str) -> Option<Column> {
                match name { $($name => Some(Column::$variant),)+ _ => None }
            }

            pub fn index(self) -> usize {
                self as usize
            }
        }
    };
}

columns! {
    DatoFra = "Dato fra", Submission, true;
    DatoTil = "Dato til", Submission, true;
    UttakDato = "Uttak dato", Submission, false;
    Versjonsnummer = "Versjonsnummer", Submission, false;
    Kontaktperson = "Kontaktperson", Submission, false;
    KontaktEpost = "E-postadresse til kontaktperson", Submission, false;
    KontaktTelefon = "Telefonnummer til kontaktperson", Submission, false;
    ReferanseVersjon = "Referanse/Versjon", Submission, false;
    Institusjonsnummer = "Helseforetak/institusjonsnummer", Submission, true;
    Sentralkode = "Kode for helseforetak/Enhet", Submission, true;
    SentralNavn = "Navn på AMK-sentral", Submission, true;
    Enhetsnummer = "Helseforetak/Enhet nummer (løpenummer)", Submission, false;

    Hendelsesnummer = "Hendelsesnummer", Incident, true;
    HendelseOpprettet = "Hendelse opprettet dato/tid", Incident, true;
    Utfores = "Utføres dato/tid", Incident, false;
    Klar = "Klar dato/tid", Incident, false;
    TypeHendelse = "Type hendelse", Incident, true;
    TypeHentested = "Type hentested (gruppering)", Incident, false;
    KommuneHentested = "Kommunenummer hentested", Incident, false;
    HentestedTettbygd = "Hentested tettbygd", Incident, false;
    Risiko = "Risiko", Incident, false;
    Bydel = "Bydel", Incident, false;

    HenvendelseTid = "Henvendelse dato/tid", Contact, true;
    Henvendelsesnummer = "Henvendelsesnummer", Contact, true;
    HenvendelseSekvens = "Henvendelsesnummer på hendelsen", Contact, false;
    TypeInnringer = "Type innringer", Contact, true;
    TypeSambandsvei = "Type sambandsvei", Contact, true;

    Pasientnummer = "Pasientkontakt nummer", Patient, false;
    HastegradA = "Hastegrad (pasientkontakt) A", Patient, false;
    HastegradB = "Hastegrad (pasientkontakt) B", Patient, false;
    HastegradC = "Hastegrad (pasientkontakt) C", Patient, false;
    Kriterietype = "Kriterietype", Patient, false;
    Bevissthet = "Bevissthet", Patient, false;
    Respirasjon = "Respirasjon", Patient, false;
    Kjonn = "Kjønn", Patient, false;
    Fodselsnummer = "Fødselsnummer", Patient, false;
    Folkeregisterkommune = "Folkeregisterkommune", Patient, false;
    Trygdenasjon = "Trygdenasjon", Patient, false;

    Tiltaksnummer = "Tiltaksnummer", Action, false;
    TiltakOpprettet = "Tiltak opprettet dato/tid", Action, false;
    Tiltak = "Tiltak", Action, false;
    TiltakKategori = "Tiltak kategori", Action, false;
    TypeTiltak = "Type tiltak", Action, false;
    TiltakPasient = "Tiltak: Pasientkontakt nummer", Action, false;
    Vaktid = "Navn på tiltakets ressurs (VaktID)", Action, false;
    Oppdragsnummer = "Oppdragsnummer", Action, false;
    TypeOppdrag = "Type oppdrag", Action, false;
    Varslet = "Varslet dato/tid", Action, false;
    RykkerUt = "Rykker ut dato/tid", Action, false;
    Fremme = "Ankomst hentested dato/tid (Fremme)", Action, false;
    Avreist = "Avreist hentested dato/tid", Action, false;
    Levert = "Ankomst leveringssted dato/tid (leveres)", Action, false;
    Ledig = "Ledig dato/tid", Action, false;
    LedigStasjon = "Ledig stasjon dato/tid", Action, false;
    OnskesLevert = "Ønskes levert dato/tid", Action, false;
    KommuneLeveringssted = "Kommunenummer leveringssted", Action, false;
    TypeLeveringssted = "Type leveringssted (gruppering)", Action, false;
}

impl Column {
    /// Columns of one level, in declaration order.
    pub fn of_level(level: Level) -> impl Iterator<Item = Column> {
        Column::ALL.iter().copied().filter(move |c| c.level() == level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_required_set_matches_domain() {
        for c in Column::ALL {
            assert_eq!(Column::from_name(c.name()), Some(*c));
            assert_eq!(Column::ALL[c.index()], *c);
        }
        let required: Vec<_> =
            Column::ALL.iter().filter(|c| c.is_required()).map(|c| c.name()).collect();
        assert_eq!(required.len(), 12, "{required:?}");
    }
}
