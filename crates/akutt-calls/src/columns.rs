//! The columns of a call log (DOMAIN.md §11), by their exact header names.

/// One column of import format `anrop` v1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CallColumn {
    DatoFra,
    DatoTil,
    Sentralkode,
    AnropsId,
    Ko,
    Mottatt,
    Besvart,
    Avsluttet,
    Utfall,
    OverflyttetTil,
    Henvendelsesnummer,
}

impl CallColumn {
    pub const ALL: [CallColumn; 11] = [
        CallColumn::DatoFra,
        CallColumn::DatoTil,
        CallColumn::Sentralkode,
        CallColumn::AnropsId,
        CallColumn::Ko,
        CallColumn::Mottatt,
        CallColumn::Besvart,
        CallColumn::Avsluttet,
        CallColumn::Utfall,
        CallColumn::OverflyttetTil,
        CallColumn::Henvendelsesnummer,
    ];

    /// The header name, matched exactly.
    pub fn name(self) -> &'static str {
        match self {
            CallColumn::DatoFra => "Dato fra",
            CallColumn::DatoTil => "Dato til",
            CallColumn::Sentralkode => "Kode for helseforetak/Enhet",
            CallColumn::AnropsId => "Anrops-ID",
            CallColumn::Ko => "Kø",
            CallColumn::Mottatt => "Anrop mottatt dato/tid",
            CallColumn::Besvart => "Besvart dato/tid",
            CallColumn::Avsluttet => "Avsluttet dato/tid",
            CallColumn::Utfall => "Utfall",
            CallColumn::OverflyttetTil => "Overflyttet til",
            CallColumn::Henvendelsesnummer => "Henvendelsesnummer",
        }
    }

    /// Marked `*` in §11: the file is rejected (F001) without it.
    pub fn is_required(self) -> bool {
        !matches!(
            self,
            CallColumn::Besvart | CallColumn::OverflyttetTil | CallColumn::Henvendelsesnummer
        )
    }

    /// Same value on every row of a file (F002).
    pub fn is_submission_level(self) -> bool {
        matches!(self, CallColumn::DatoFra | CallColumn::DatoTil | CallColumn::Sentralkode)
    }

    pub fn parse(name: &str) -> Option<CallColumn> {
        CallColumn::ALL.into_iter().find(|c| c.name() == name)
    }
}
