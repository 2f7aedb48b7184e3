//! `Indicator`: the national indicators of DOMAIN.md §8, one variant each, with the stable
//! id the CLI, the API and the stored answers use.

use std::fmt;

use serde::{Serialize, Serializer};

/// One indicator of §8, in output order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Indicator {
    /// Contacts, incidents and missions; per 1000 inhabitants; change from a year earlier.
    Volume,
    /// First road ambulance on scene − t0, red incidents.
    ResponseTime,
    /// Share of red incidents within 12 (urban) or 25 (rural) minutes.
    ResponseWithinTarget,
    /// First alert − t0 for contacts on 113, by urgency.
    AmkReactionTime,
    /// On scene − alerted, first-arriving road ambulance.
    AlertToArrival,
    /// Free − alerted per mission, and unit-hours.
    MissionTime,
    /// 113 answer times from the switchboard call logs (DOMAIN.md §11). Not among
    /// [`Indicator::ALL`] (the incident indicators a question gets by default): asked by name.
    AnswerTime,
}

impl Indicator {
    /// Every indicator, in output order.
    pub const ALL: [Indicator; 6] = [
        Indicator::Volume,
        Indicator::ResponseTime,
        Indicator::ResponseWithinTarget,
        Indicator::AmkReactionTime,
        Indicator::AlertToArrival,
        Indicator::MissionTime,
    ];

    /// The stable id (`response_time`).
    pub fn name(self) -> &'static str {
        match self {
            Indicator::Volume => "volume",
            Indicator::ResponseTime => "response_time",
            Indicator::ResponseWithinTarget => "response_within_target",
            Indicator::AmkReactionTime => "amk_reaction_time",
            Indicator::AlertToArrival => "alert_to_arrival",
            Indicator::MissionTime => "mission_time",
            Indicator::AnswerTime => "answer_time",
        }
    }

    /// The indicator of an id (exact, surrounding white space allowed).
    pub fn parse(s: &str) -> Option<Indicator> {
        Indicator::ALL.into_iter().chain(Indicator::CALLS).find(|i| i.name() == s.trim())
    }

    /// The indicators of the 113 call logs (§11), computed from calls, not incidents.
    pub const CALLS: [Indicator; 1] = [Indicator::AnswerTime];

    /// Computed from the call logs.
    pub fn is_call(self) -> bool {
        Indicator::CALLS.contains(&self)
    }

    /// The ids of all indicators, comma-separated (for messages).
    pub fn names() -> String {
        Indicator::ALL
            .into_iter()
            .chain(Indicator::CALLS)
            .map(Indicator::name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Indicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Indicator {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_order_is_output_order() {
        for i in Indicator::ALL {
            assert_eq!(Indicator::parse(i.name()), Some(i));
        }
        assert_eq!(Indicator::parse("Response_Time"), None);
        let mut sorted = Indicator::ALL;
        sorted.sort();
        assert_eq!(sorted, Indicator::ALL);
        assert!(Indicator::names().starts_with("volume, response_time"));
    }
}
