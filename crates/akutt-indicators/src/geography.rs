//! One municipality structure per answer (DOMAIN.md §8 "Geography through time"): the
//! stored numbers (each in force on its incident's date) and the loaded population (in any
//! structure) translated through the register's change list into the structure the answer
//! is given in, the newest by default.

use std::collections::BTreeSet;
use std::fmt;

use akutt_model::municipality::{Register, Structure};
use serde::Serialize;

use crate::compute::{Dict, UNKNOWN};

/// A structure the register does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownStructure {
    pub year: i32,
    /// The years the register has.
    pub known: Vec<i32>,
}

impl std::error::Error for UnknownStructure {}

impl fmt::Display for UnknownStructure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known: Vec<String> = self.known.iter().map(i32::to_string).collect();
        write!(f, "no municipality structure {}: the register has {}", self.year, known.join(", "))
    }
}

/// A number of another structure that split, mapped to its successor with the largest
/// share of its area: what an answer's note says.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SplitNote {
    pub from: String,
    pub to: String,
}

impl fmt::Display for SplitNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} was split; its records and population are counted in {}, the successor with the largest share of its area",
            self.from, self.to
        )
    }
}

/// The municipalities of one answer: every stored municipality id translated into the
/// chosen structure. A place id is the position of its number in the structure, the same
/// for every dataset (so answers over datasets read apart can be merged).
#[derive(Debug, Clone)]
pub struct Places<'r> {
    pub register: &'r Register,
    pub structure: &'r Structure,
    /// Per stored municipality id (the dataset's [`Dict`]): its place id here.
    of: Vec<u16>,
    /// Per stored municipality id: it split and was mapped to its largest successor.
    split: Vec<bool>,
}

impl<'r> Places<'r> {
    /// The places of `year`'s structure (`None`: the newest) for the dataset's numbers.
    pub fn new(
        register: &'r Register,
        dict: &Dict,
        year: Option<i32>,
    ) -> Result<Places<'r>, UnknownStructure> {
        let structure = match year {
            Some(y) => register.structure(y),
            None => register.newest(),
        }
        .ok_or_else(|| UnknownStructure {
            year: year.unwrap_or_default(),
            known: register.structures().iter().map(|s| s.year).collect(),
        })?;
        let mut places = Places {
            register,
            structure,
            of: Vec::with_capacity(dict.kommuner.len()),
            split: Vec::with_capacity(dict.kommuner.len()),
        };
        places.extend(dict);
        Ok(places)
    }

    /// Translates the numbers the dictionary gained since (a dataset that grows by a
    /// submission at a time).
    pub fn extend(&mut self, dict: &Dict) {
        for n in dict.kommuner.iter().skip(self.of.len()) {
            let (id, split) = self.translate(n);
            self.of.push(id);
            self.split.push(split);
        }
    }

    /// The place id of a number of any structure, and whether a split was resolved on the
    /// way (`UNKNOWN`: a number no structure has, or a special home code).
    pub fn translate(&self, number: &str) -> (u16, bool) {
        let Some(t) = self.register.translate(number, self.structure) else {
            return (UNKNOWN, false);
        };
        match self.id(&t.number) {
            Some(id) => (id, t.split),
            None => (UNKNOWN, false),
        }
    }

    /// The place id of a stored municipality id.
    pub fn of(&self, stored: u16) -> u16 {
        self.of.get(usize::from(stored)).copied().unwrap_or(UNKNOWN)
    }

    /// The place id of a number already translated (a filter value: see [`Places::translate`]).
    pub fn id(&self, number: &str) -> Option<u16> {
        self.structure
            .position(number)
            .and_then(|i| u16::try_from(i).ok())
            .filter(|id| *id != UNKNOWN)
    }

    pub fn number(&self, place: u16) -> Option<&str> {
        self.structure.municipalities.get(usize::from(place)).map(|m| m.number.as_str())
    }

    /// Whether a stored municipality id was mapped by a split.
    pub fn is_split(&self, stored: u16) -> bool {
        self.split.get(usize::from(stored)).copied().unwrap_or(false)
    }

    /// Whether any stored number was mapped by a split (else no note can be due).
    pub fn any_split(&self) -> bool {
        self.split.contains(&true)
    }

    /// The note of a number mapped by a split.
    pub fn split_note(&self, from: &str) -> Option<SplitNote> {
        let t = self.register.translate(from, self.structure)?;
        t.split.then(|| SplitNote { from: from.to_string(), to: t.number })
    }

    /// Split notes for stored ids.
    pub fn notes_of(&self, dict: &Dict, used: &BTreeSet<u16>) -> Vec<SplitNote> {
        used.iter()
            .filter_map(|&k| dict.kommuner.get(usize::from(k)))
            .filter_map(|n| self.split_note(n))
            .collect()
    }
}
