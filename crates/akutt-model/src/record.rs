//! The information model of DOMAIN.md §3: an incident with its contacts, patients and
//! actions, after parsing, mapping to national codes and validation.

use crate::codes::{Hastegrad, Hendelsestype, Innringer, Kjonn, Sambandsvei, Sted, Tiltak};
use crate::finding::RuleCode;
use crate::time::Instant;

/// The VaktID of a borrowed unit: never counted as a mission (§7, guide 2.2.5).
pub const UNKNOWN_AMBULANCE: &str = "Ukjent ambulanse";

/// One inbound contact (henvendelse).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Contact {
    pub id: String,
    pub received_at: Option<Instant>,
    /// `Henvendelsesnummer på hendelsen`: sequence within the incident.
    pub sequence: Option<u32>,
    pub innringer: Option<Innringer>,
    pub sambandsvei: Option<Sambandsvei>,
}

/// One patient (pasientkontakt) of an incident.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Patient {
    pub number: Option<u32>,
    pub urgency: Option<Hastegrad>,
    /// Index criterion `U.KK.NN` when well-formed.
    pub criterion: Option<String>,
    pub consciousness: Option<String>,
    pub respiration: Option<String>,
    pub sex: Option<Kjonn>,
    /// Keyed pseudonym of the fødselsnummer (§9); the clear value is never kept.
    pub pseudonym: Option<String>,
    /// In force on the incident's date (DOMAIN.md §6 E108, W211): as sent, or the
    /// successor of an expired number.
    pub home_municipality: Option<String>,
    /// The number as sent where it differs from the one in force (W211), for audit.
    pub home_municipality_sent: Option<String>,
    pub insurance_nation: Option<String>,
}

/// One action (tiltak). A mission when [`Action::is_mission`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Action {
    pub number: Option<u32>,
    pub created_at: Option<Instant>,
    /// The centre's local name of the action (`Tiltak`).
    pub name: Option<String>,
    pub tiltak: Option<Tiltak>,
    pub action_type: Option<String>,
    pub patient_number: Option<u32>,
    pub resource: Option<String>,
    pub mission_id: Option<String>,
    pub mission_type: Option<String>,
    pub alerted_at: Option<Instant>,
    pub departed_at: Option<Instant>,
    pub at_scene_at: Option<Instant>,
    pub left_scene_at: Option<Instant>,
    pub delivered_at: Option<Instant>,
    pub free_at: Option<Instant>,
    pub free_at_station_at: Option<Instant>,
    pub wanted_delivered_at: Option<Instant>,
    /// In force on the incident's date (DOMAIN.md §6 E108, W211): as sent, or the
    /// successor of an expired number.
    pub delivery_municipality: Option<String>,
    /// The number as sent where it differs from the one in force (W211), for audit.
    pub delivery_municipality_sent: Option<String>,
    pub delivery_place: Option<Sted>,
}

impl Action {
    /// A mission (§7): national code `AMB_BIL` or `AMB_LUFT`, a `Varslet` time, and a VaktID
    /// other than `Ukjent ambulanse`. `AMB_UTGAR` is never a mission.
    pub fn is_mission(&self) -> bool {
        self.tiltak.is_some_and(Tiltak::is_ambulance)
            && self.alerted_at.is_some()
            && self.resource.as_deref().map(str::trim) != Some(UNKNOWN_AMBULANCE)
    }

    /// A road/boat mission (the missions of `response_time`).
    pub fn is_road_mission(&self) -> bool {
        self.is_mission() && self.tiltak == Some(Tiltak::AmbulanseBil)
    }

    /// A mission delivered to `RETUR`: aborted or cancelled after alert (counted, no patient).
    pub fn is_return_without_patient(&self) -> bool {
        self.delivery_place == Some(Sted::Retur)
    }
}

/// One incident (hendelse): the central record.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Incident {
    pub id: String,
    /// First line of the incident in its source file.
    pub line: u64,
    pub created_at: Option<Instant>,
    pub execute_at: Option<Instant>,
    pub ready_at: Option<Instant>,
    pub hendelsestype: Option<Hendelsestype>,
    pub pickup_place: Option<Sted>,
    /// In force on the incident's date (DOMAIN.md §6 E108, W211): as sent, or the
    /// successor of an expired number.
    pub pickup_municipality: Option<String>,
    /// The number as sent where it differs from the one in force (W211), for audit.
    pub pickup_municipality_sent: Option<String>,
    /// `Hentested tettbygd`: `Some(true)` urban, `Some(false)` rural.
    pub urban: Option<bool>,
    pub risk: Option<String>,
    pub city_district: Option<String>,
    pub contacts: Vec<Contact>,
    pub patients: Vec<Patient>,
    pub actions: Vec<Action>,
    /// Warning codes raised on this incident (the record is kept and flagged).
    pub warnings: Vec<RuleCode>,
}

impl Incident {
    /// Clock start `t0` (§8): the earliest contact time.
    pub fn t0(&self) -> Option<Instant> {
        self.contacts.iter().filter_map(|c| c.received_at).min()
    }

    /// The first contact (earliest time; ties by file order).
    pub fn first_contact(&self) -> Option<&Contact> {
        self.contacts.iter().filter(|c| c.received_at.is_some()).min_by_key(|c| c.received_at)
    }

    /// The incident's urgency: the highest among its patients (§4).
    pub fn urgency(&self) -> Option<Hastegrad> {
        self.patients.iter().filter_map(|p| p.urgency).min()
    }

    /// A pre-booked transport: `Utføres` later than `t0` (§8).
    pub fn is_prebooked(&self) -> bool {
        matches!((self.execute_at, self.t0()), (Some(e), Some(t0)) if e > t0)
    }

    /// Not reported (§7): first contact on the `LV` line and no ambulance action.
    pub fn is_lv_only(&self) -> bool {
        self.first_contact().and_then(|c| c.sambandsvei) == Some(Sambandsvei::Legevakt)
            && !self.actions.iter().any(|a| a.tiltak.is_some_and(Tiltak::is_ambulance))
    }

    pub fn missions(&self) -> impl Iterator<Item = &Action> {
        self.actions.iter().filter(|a| a.is_mission())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ambulance(resource: &str, alerted: Option<Instant>) -> Action {
        Action {
            tiltak: Some(Tiltak::AmbulanseBil),
            resource: Some(resource.into()),
            alerted_at: alerted,
            ..Action::default()
        }
    }

    #[test]
    fn mission_counting_rules() {
        assert!(ambulance("A1", Some(10)).is_mission());
        assert!(!ambulance("A1", None).is_mission(), "not alerted");
        assert!(!ambulance(UNKNOWN_AMBULANCE, Some(10)).is_mission(), "borrowed unit");
        let cancelled = Action {
            tiltak: Some(Tiltak::UtgarAmbulanse),
            alerted_at: Some(10),
            ..Action::default()
        };
        assert!(!cancelled.is_mission());
    }

    #[test]
    fn urgency_is_highest_among_patients() {
        let inc = Incident {
            patients: vec![
                Patient { urgency: Some(Hastegrad::Gronn), ..Patient::default() },
                Patient { urgency: Some(Hastegrad::Rod), ..Patient::default() },
            ],
            ..Incident::default()
        };
        assert_eq!(inc.urgency(), Some(Hastegrad::Rod));
    }

    #[test]
    fn prebooked_and_lv() {
        let c = |t, s| Contact { received_at: Some(t), sambandsvei: Some(s), ..Contact::default() };
        let mut inc = Incident {
            contacts: vec![c(100, Sambandsvei::Legevakt), c(50, Sambandsvei::Nodlinje113)],
            ..Incident::default()
        };
        assert_eq!(inc.t0(), Some(50));
        assert!(!inc.is_lv_only(), "first contact was on 113");
        inc.contacts[1].received_at = Some(200);
        assert!(inc.is_lv_only());
        inc.actions.push(ambulance("A1", None));
        assert!(!inc.is_lv_only(), "has an ambulance action");
        inc.execute_at = Some(101);
        assert!(inc.is_prebooked());
    }
}
