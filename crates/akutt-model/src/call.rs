//! One call of a centre's 113 switchboard log (import format `anrop` v1, DOMAIN.md §11):
//! its outcome and its time points as instants, after validation.

use std::fmt;

use crate::codes::Linje;
use crate::time::Instant;

/// How a call ended (`Utfall`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// `BESVART`: an operator of this centre answered.
    Answered,
    /// `AVBRUTT`: the caller hung up before an answer.
    Abandoned,
    /// `OVERFLYTTET`: moved unanswered to another centre (the centres relieving each other).
    Overflowed,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Answered, Outcome::Abandoned, Outcome::Overflowed];

    /// The code the call log writes.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Answered => "BESVART",
            Outcome::Abandoned => "AVBRUTT",
            Outcome::Overflowed => "OVERFLYTTET",
        }
    }

    /// Parses `Utfall` (exact, after trimming).
    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.code() == s.trim())
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Waits up to this many seconds count as answered in time (§11: `within_10s`, wait ≤ 10 s).
pub const ANSWER_TARGET_S: i64 = 10;
/// An `AVBRUTT` call that ended within this many seconds of ringing is a misdial (§11:
/// `short_abandoned`, left out of the service level); after it, an abandoned call.
pub const SHORT_ABANDON_S: i64 = 5;

/// A validated call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    /// The 1-based line of the call in its file.
    pub line: u64,
    /// `Anrops-ID`, unique within the centre.
    pub id: String,
    /// The switchboard queue as sent, and the national line it maps to.
    pub queue: String,
    pub linje: Linje,
    /// `Anrop mottatt`: the call reaches the queue and starts ringing.
    pub received: Instant,
    /// `Besvart`: answered by an operator of this centre (only when `Answered`).
    pub answered: Option<Instant>,
    /// `Avsluttet`: the call ended (hung up, or moved to another centre).
    pub ended: Instant,
    pub outcome: Outcome,
    /// `Overflyttet til`: the centre that received an overflowed call.
    pub moved_to: Option<String>,
    /// `Henvendelsesnummer`: the contact the call became, if the log knows it.
    pub contact: Option<String>,
}

impl CallRecord {
    /// Seconds from ringing to answer (answered calls only).
    pub fn wait_s(&self) -> Option<i64> {
        self.answered.map(|a| a - self.received)
    }

    /// Seconds from ringing to the end of the call.
    pub fn duration_s(&self) -> i64 {
        self.ended - self.received
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_round_trip_and_nothing_else_parses() {
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(&format!(" {} ", o.code())), Some(o));
        }
        assert_eq!(Outcome::parse("besvart"), None);
        assert_eq!(Outcome::parse(""), None);
    }
}
