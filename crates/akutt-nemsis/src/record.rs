//! One NEMSIS patient care report (PCR) as the registry keeps it: identity, the response
//! and time elements the benchmark needs, and the clinical codes the case definitions read.
//! No patient identity (name, SSN, address, birth date) is ever taken from the file.

use serde::{Deserialize, Serialize};

/// Seconds since the Unix epoch (UTC), whole seconds: the same clock as the Norwegian side.
pub type Instant = i64;

/// The `eTimes` of one unit's response, as absolute instants (the file's UTC offsets applied).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Times {
    /// `eTimes.01` PSAP call date/time.
    pub psap_call: Option<Instant>,
    /// `eTimes.03` unit notified by dispatch.
    pub unit_notified: Option<Instant>,
    /// `eTimes.05` unit en route.
    pub en_route: Option<Instant>,
    /// `eTimes.06` unit arrived on scene.
    pub on_scene: Option<Instant>,
    /// `eTimes.07` arrived at patient.
    pub at_patient: Option<Instant>,
    /// `eTimes.09` unit left scene.
    pub left_scene: Option<Instant>,
    /// `eTimes.11` patient arrived at destination.
    pub at_destination: Option<Instant>,
    /// `eTimes.13` unit back in service.
    pub back_in_service: Option<Instant>,
}

impl Times {
    /// The time elements in their expected order, with their element names.
    pub fn in_order(&self) -> [(&'static str, Option<Instant>); 8] {
        [
            ("eTimes.01", self.psap_call),
            ("eTimes.03", self.unit_notified),
            ("eTimes.05", self.en_route),
            ("eTimes.06", self.on_scene),
            ("eTimes.07", self.at_patient),
            ("eTimes.09", self.left_scene),
            ("eTimes.11", self.at_destination),
            ("eTimes.13", self.back_in_service),
        ]
    }

    pub fn set(&mut self, element: &str, t: Option<Instant>) -> bool {
        let slot = match element {
            "eTimes.01" => &mut self.psap_call,
            "eTimes.03" => &mut self.unit_notified,
            "eTimes.05" => &mut self.en_route,
            "eTimes.06" => &mut self.on_scene,
            "eTimes.07" => &mut self.at_patient,
            "eTimes.09" => &mut self.left_scene,
            "eTimes.11" => &mut self.at_destination,
            "eTimes.13" => &mut self.back_in_service,
            _ => return false,
        };
        *slot = t;
        true
    }
}

/// One patient care report: one unit's response to one incident (`eResponse.03` groups the
/// units of an incident).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PcrRecord {
    /// `PatientCareReport/@UUID`: with the agency, the record's identity. A re-sent record
    /// (same agency and UUID) replaces the earlier one.
    pub uuid: String,
    /// 1-based line of the `<PatientCareReport>` start tag.
    pub line: u64,
    /// The EMS agency number: `eResponse.01`, else the header's `dAgency.02`.
    pub agency: Option<String>,
    /// `eRecord.01` patient care report number.
    pub pcr_number: Option<String>,
    /// `eResponse.03` incident number (shared by all units on one incident).
    pub incident_number: Option<String>,
    /// `eResponse.04` EMS response number.
    pub response_number: Option<String>,
    /// `eResponse.05` type of service requested (2205001 = emergency response, 911).
    pub type_of_service: Option<String>,
    /// `eResponse.07` unit transport and equipment capability.
    pub unit_capability: Option<String>,
    /// `eResponse.23` response mode to scene (2223001 emergent, 2223007 upgraded to emergent).
    pub response_mode: Option<String>,
    /// `eDisposition.27` unit disposition (4227001 patient contact made).
    pub unit_disposition: Option<String>,
    pub times: Times,
    /// `eSituation.09` primary symptom, `.10` other symptoms (pertinent negatives left
    /// out), `.11` primary impression, `.12` secondary impressions: ICD-10-CM codes.
    pub symptoms_impressions: Vec<String>,
    /// `eVitals.03` cardiac rhythm / ECG codes.
    pub ecg: Vec<String>,
    /// `eVitals.29` stroke scale score codes.
    pub stroke_scale: Vec<String>,
    /// `eProtocols.01` protocols used.
    pub protocols: Vec<String>,
    /// `eDisposition.24` destination team pre-arrival alert or activation.
    pub team_activation: Vec<String>,
    /// `eArrest.01` cardiac arrest (3001001 no, 3001003 before EMS arrival, 3001005 after).
    pub arrest: Option<String>,
    /// `eArrest.02` cardiac arrest etiology (3002001 cardiac, presumed).
    pub arrest_etiology: Option<String>,
}

/// `eResponse.05`: emergency response (primary response area), i.e. a 911 call.
pub const SERVICE_EMERGENCY: &str = "2205001";
/// `eResponse.23` codes of an emergent response to scene (NEMSIS general filters v3.5).
pub const MODE_EMERGENT: [&str; 2] = ["2223001", "2223007"];

impl PcrRecord {
    /// The benchmark's emergency population: a 911 response driven in emergent mode.
    pub fn is_emergency_response(&self) -> bool {
        self.type_of_service.as_deref() == Some(SERVICE_EMERGENCY)
            && self.response_mode.as_deref().is_some_and(|m| MODE_EMERGENT.contains(&m))
    }

    /// The key grouping the units of one incident: agency + `eResponse.03` (a record
    /// without an incident number stands alone, keyed by its UUID).
    pub fn incident_key(&self) -> String {
        let agency = self.agency.as_deref().unwrap_or("");
        match &self.incident_number {
            Some(n) => format!("{agency}\u{1f}{n}"),
            None => format!("{agency}\u{1f}uuid:{}", self.uuid),
        }
    }
}
