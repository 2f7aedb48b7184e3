//! The Nordic-American benchmark (issue 6, DOMAIN.md §1 point 7): one common set of
//! figures, computed the same way over Norwegian incidents and NEMSIS v3.5 records, with the
//! definitions and the caveats on comparability next to the numbers (docs/NEMSIS.md).
//!
//! Invariant: pure. No I/O; the store hands in [`NoIncident`]s and `PcrRecord`s.

pub mod conditions;

use std::collections::HashMap;

use akutt_disclosure::{CellKey, Count, Disclosure, Public, RecordKey, RecordKeyer, Unit};
use akutt_indicators::percentile::summarise;
use akutt_model::time::utc_month;
use akutt_model::{Hastegrad, Month};
use akutt_nemsis::{Condition, Instant, PcrRecord};
use serde::Serialize;

pub use conditions::{ConditionRule, ConditionTable, TableError, DEFAULT_CONDITIONS};

/// What the benchmark needs of one Norwegian incident (from the stored incident facts,
/// DOMAIN.md §7–§8, and its patients' index criteria).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoIncident {
    pub centre: String,
    /// `t0`'s month (Oslo); `None` without t0.
    pub month: Option<Month>,
    pub urgency: Option<Hastegrad>,
    pub prebooked: bool,
    pub misdial: bool,
    /// False for an `LV`-line incident without an ambulance action (§7: not reported).
    pub reported: bool,
    /// §8 `response_time`: first road-ambulance `Fremme` − `t0`.
    pub response_s: Option<i64>,
    /// §8 `alert_to_arrival`: `Fremme` − `Varslet` of the first-arriving road mission.
    pub alert_to_arrival_s: Option<i64>,
    /// The patients' index criteria `U.KK.NN`.
    pub criteria: Vec<String>,
    /// The incident's record key (the same as the indicators', DOMAIN.md §9).
    pub key: RecordKey,
}

/// An inclusive month range; `None` = open at that end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Period {
    pub from: Option<Month>,
    pub to: Option<Month>,
}

impl Period {
    /// Whether a month lies in the period (a missing month only in the open period).
    pub fn contains(&self, month: Option<Month>) -> bool {
        match month {
            Some(m) => self.from.is_none_or(|f| m >= f) && self.to.is_none_or(|t| m <= t),
            None => *self == Period::default(),
        }
    }
}

/// Median and p90 (nearest rank, DOMAIN.md §8) of an interval over the emergency incidents.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TimeFigure {
    pub n: Count,
    /// Incidents without both time points, or with the later one before the earlier.
    pub n_missing: Count,
    pub median_s: Option<i64>,
    pub p90_s: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionFigure {
    pub condition: Condition,
    /// Incidents with at least one patient (record) in the condition.
    pub incidents: Count,
    /// Per 1000 incidents of the side's condition denominator.
    pub per_1000: Option<f64>,
}

/// One side of the comparison (exact: the CLI and the restricted area).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    /// `norway` or `nemsis`.
    pub source: &'static str,
    /// Units of observation read (Norwegian incidents; NEMSIS patient care reports).
    pub records: Count,
    /// Incidents in the time population (red / 911 emergent).
    pub emergency_incidents: Count,
    pub call_to_scene: TimeFigure,
    pub notified_to_scene: TimeFigure,
    /// Incidents the condition rates are per 1000 of.
    pub condition_denominator: Count,
    pub conditions: Vec<ConditionFigure>,
}

/// A time figure as published: percentiles only where `n` was published at the threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicTimeFigure {
    pub n: Public<u64>,
    pub n_missing: Public<u64>,
    pub median_s: Public<i64>,
    pub p90_s: Public<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicConditionFigure {
    pub condition: Condition,
    pub incidents: Public<u64>,
    /// Per 1000 of the published denominator.
    pub per_1000: Public<f64>,
}

/// One side as published (DOMAIN.md §9: every count through the cell-key method).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicSide {
    pub source: &'static str,
    pub records: Public<u64>,
    pub emergency_incidents: Public<u64>,
    pub call_to_scene: PublicTimeFigure,
    pub notified_to_scene: PublicTimeFigure,
    pub condition_denominator: Public<u64>,
    pub conditions: Vec<PublicConditionFigure>,
}

/// The benchmark as published.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicBenchmark {
    pub norway: PublicSide,
    pub nemsis: PublicSide,
    pub definitions: Vec<Definition>,
    pub caveats: Vec<&'static str>,
    pub conditions_table: ConditionTable,
}

impl TimeFigure {
    pub fn publish(&self, d: &Disclosure) -> PublicTimeFigure {
        let n = d.count(self.n);
        PublicTimeFigure {
            n,
            n_missing: d.count(self.n_missing),
            median_s: d.statistic(n, self.median_s),
            p90_s: d.statistic(n, self.p90_s),
        }
    }
}

impl Side {
    pub fn publish(&self, d: &Disclosure) -> PublicSide {
        let denominator = d.count(self.condition_denominator);
        PublicSide {
            source: self.source,
            records: d.count(self.records),
            emergency_incidents: d.count(self.emergency_incidents),
            call_to_scene: self.call_to_scene.publish(d),
            notified_to_scene: self.notified_to_scene.publish(d),
            condition_denominator: denominator,
            conditions: self
                .conditions
                .iter()
                .map(|c| {
                    let incidents = d.at_most(d.count(c.incidents), denominator);
                    PublicConditionFigure {
                        condition: c.condition,
                        incidents,
                        per_1000: d
                            .share(incidents, denominator)
                            .map(|x| (x * 1000.0 * 10.0).round() / 10.0),
                    }
                })
                .collect(),
        }
    }
}

impl Benchmark {
    /// Both sides through disclosure control (the figures of `/sammenligning`).
    pub fn publish(&self, d: &Disclosure) -> PublicBenchmark {
        PublicBenchmark {
            norway: self.norway.publish(d),
            nemsis: self.nemsis.publish(d),
            definitions: self.definitions.clone(),
            caveats: self.caveats.clone(),
            conditions_table: self.conditions_table.clone(),
        }
    }
}

/// One figure's definition on both sides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Definition {
    pub id: &'static str,
    pub norway: &'static str,
    pub nemsis: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Benchmark {
    pub norway: Side,
    pub nemsis: Side,
    pub definitions: Vec<Definition>,
    pub caveats: Vec<&'static str>,
    pub conditions_table: ConditionTable,
}

/// Times of incidents with their record keys.
fn time_figure(values: Vec<(Option<i64>, RecordKey)>) -> TimeFigure {
    let (mut ok, mut key, mut missing) = (Vec::new(), CellKey::default(), Count::default());
    for (v, k) in values {
        match v.filter(|s| *s >= 0) {
            Some(s) => {
                ok.push(s);
                key.add(k);
            }
            None => missing.add(k),
        }
    }
    let s = summarise(&mut ok);
    TimeFigure { n: Count { n: s.n, key }, n_missing: missing, median_s: s.median, p90_s: s.p90 }
}

fn rate(count: Count, denominator: Count) -> Option<f64> {
    (denominator.n > 0)
        .then(|| (count.n as f64 * 1000.0 / denominator.n as f64 * 10.0).round() / 10.0)
}

/// The Norwegian side: red, not pre-booked, not misdialled, reported incidents for times;
/// all acute incidents (not pre-booked, not misdials, reported) for conditions.
pub fn norway(incidents: &[NoIncident], period: Period, table: &ConditionTable) -> Side {
    let mut records = Count::default();
    let (mut call, mut notified) = (Vec::new(), Vec::new());
    let mut denominator = Count::default();
    let mut counts: HashMap<Condition, Count> = HashMap::new();
    for inc in incidents.iter().filter(|i| period.contains(i.month)) {
        records.add(inc.key);
        if inc.prebooked || inc.misdial || !inc.reported {
            continue;
        }
        denominator.add(inc.key);
        for c in Condition::ALL {
            if inc.criteria.iter().any(|k| table.matches(c, k)) {
                counts.entry(c).or_default().add(inc.key);
            }
        }
        if inc.urgency == Some(Hastegrad::Rod) {
            call.push((inc.response_s, inc.key));
            notified.push((inc.alert_to_arrival_s, inc.key));
        }
    }
    side("norway", records, call, notified, denominator, &counts)
}

fn side(
    source: &'static str,
    records: Count,
    call: Vec<(Option<i64>, RecordKey)>,
    notified: Vec<(Option<i64>, RecordKey)>,
    denominator: Count,
    counts: &HashMap<Condition, Count>,
) -> Side {
    let mut emergency = Count::default();
    for (_, k) in &call {
        emergency.add(*k);
    }
    Side {
        source,
        records,
        emergency_incidents: emergency,
        call_to_scene: time_figure(call),
        notified_to_scene: time_figure(notified),
        condition_denominator: denominator,
        conditions: Condition::ALL
            .into_iter()
            .map(|c| {
                let n = counts.get(&c).copied().unwrap_or_default();
                ConditionFigure { condition: c, incidents: n, per_1000: rate(n, denominator) }
            })
            .collect(),
    }
}

/// The intervals of one incident's emergency units: call-to-scene (earliest PSAP call to the
/// first unit on scene) and notified-to-scene (that first unit's own notified-to-scene).
pub fn incident_times(units: &[&PcrRecord]) -> (Option<i64>, Option<i64>) {
    let call = units.iter().filter_map(|r| r.times.psap_call).min();
    let first: Option<(Instant, &PcrRecord)> =
        units.iter().filter_map(|r| r.times.on_scene.map(|t| (t, *r))).min_by_key(|(t, _)| *t);
    let Some((at, unit)) = first else { return (None, None) };
    (call.map(|c| at - c), unit.times.unit_notified.map(|n| at - n))
}

/// The NEMSIS side: 911 responses in emergent mode, grouped into incidents by agency +
/// `eResponse.03`, for times; all 911 responses for conditions. Record keys (of records and
/// of incidents) come from the keyer; without one they are zero (exact figures only).
pub fn nemsis(records: &[PcrRecord], period: Period, keyer: Option<&RecordKeyer>) -> Side {
    let key =
        |unit: Unit, parts: &[&str]| keyer.map_or_else(RecordKey::default, |k| k.unit(unit, parts));
    let month = |r: &PcrRecord| r.times.psap_call.or(r.times.unit_notified).and_then(utc_month);
    let in_period: Vec<&PcrRecord> = records.iter().filter(|r| period.contains(month(r))).collect();
    let mut emergency: HashMap<String, Vec<&PcrRecord>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut responses: HashMap<String, [bool; 3]> = HashMap::new();
    for r in &in_period {
        let key = r.incident_key();
        if r.is_emergency_response() {
            let e = emergency.entry(key.clone()).or_default();
            if e.is_empty() {
                order.push(key.clone());
            }
            e.push(r);
        }
        if r.type_of_service.as_deref() == Some(akutt_nemsis::record::SERVICE_EMERGENCY) {
            let flags = responses.entry(key).or_default();
            for (i, c) in Condition::ALL.into_iter().enumerate() {
                flags[i] |= c.matches(r);
            }
        }
    }
    let (mut call, mut notified) = (Vec::new(), Vec::new());
    for id in &order {
        let (c, n) = incident_times(&emergency[id]);
        let k = key(Unit::NemsisIncident, &[id]);
        call.push((c, k));
        notified.push((n, k));
    }
    let mut counts: HashMap<Condition, Count> = HashMap::new();
    let mut denominator = Count::default();
    for (id, flags) in &responses {
        let k = key(Unit::NemsisIncident, &[id]);
        denominator.add(k);
        for (i, c) in Condition::ALL.into_iter().enumerate() {
            if flags[i] {
                counts.entry(c).or_default().add(k);
            }
        }
    }
    let mut read = Count::default();
    for r in &in_period {
        read.add(key(Unit::NemsisRecord, &[r.agency.as_deref().unwrap_or(""), &r.uuid]));
    }
    side("nemsis", read, call, notified, denominator, &counts)
}

pub const DEFINITIONS: &[Definition] = &[
    Definition {
        id: "call_to_scene",
        norway: "Første Fremme blant hendelsens bilambulanseoppdrag − t0 (første henvendelse); røde hendelser, ikke forhåndsbestilte, ikke feilringinger (DOMAIN.md §8 response_time). / First Fremme among the incident's road-ambulance missions − t0 (first contact); red incidents, not pre-booked, not misdials.",
        nemsis: "Første eTimes.06 (ankomst) blant hendelsens enheter − tidligste eTimes.01 (PSAP-anrop); eResponse.05 = 2205001 og eResponse.23 = 2223001/2223007, hendelse = byrå + eResponse.03. / First eTimes.06 (on scene) among the incident's units − earliest eTimes.01 (PSAP call); 911 response in emergent mode, incident = agency + eResponse.03.",
    },
    Definition {
        id: "notified_to_scene",
        norway: "Fremme − Varslet for det første bilambulanseoppdraget som kom frem (DOMAIN.md §8 alert_to_arrival). / Fremme − Varslet of the first-arriving road-ambulance mission.",
        nemsis: "eTimes.06 − eTimes.03 for den første enheten på stedet. / eTimes.06 − eTimes.03 of the first unit on scene.",
    },
    Definition {
        id: "conditions",
        norway: "Hendelser med minst én pasient hvis indekskriterium står i tilstandstabellen (hjertestans ≈ 01/02 med A-kriterium, STEMI ≈ 10, hjerneslag ≈ 27; redigerbar), per 1000 hendelser som ikke er forhåndsbestilt eller feilringing. / Incidents with a patient whose index criterion is in the condition table, per 1000 incidents not pre-booked and not misdials.",
        nemsis: "Hendelser med minst én journal som oppfyller NEMSIS' kasusdefinisjon (STEMI, hjerneslag, hjertestans), per 1000 hendelser med 911-respons (eResponse.05 = 2205001). / Incidents with at least one record meeting the NEMSIS case definition, per 1000 incidents with a 911 response.",
    },
];

pub const CAVEATS: &[&str] = &[
    "Klokkestart: norsk t0 er første henvendelse til AMK (113-anropet når det kommer inn); NEMSIS eTimes.01 er når PSAP mottok anropet, ofte før det ble overført til EMS-dispatch. / Clock start: the Norwegian t0 is the first contact reaching the AMK centre; NEMSIS eTimes.01 is when the PSAP took the call, often before it reached EMS dispatch.",
    "Enheter: norsk responstid teller bare bilambulanser (AMB_BIL); NEMSIS teller første enhet av alle slag (også ikke-transporterende førsteresponsenheter og luftambulanse). / Units: the Norwegian response time counts road ambulances only; NEMSIS counts the first unit of any kind (including non-transport first responders and air).",
    "Hastegrad: rød hastegrad er AMKs vurdering etter Norsk indeks; NEMSIS 'emergent' er kjøremåten til enheten. / Urgency: red is the centre's triage by the Norwegian index; NEMSIS 'emergent' is the unit's driving mode.",
    "Tilstander: norsk side er mistanke ved utalarmering (indekskriterium fra telefonsamtalen); NEMSIS-siden er klinikerens vurdering på stedet (ICD-10, EKG, protokoll). Tallene måler ikke det samme og skal leses som størrelsesorden. / Conditions: the Norwegian side is the suspicion at dispatch (the index criterion of the call); the NEMSIS side is the clinician's impression on scene (ICD-10, ECG, protocol). Read them as orders of magnitude.",
    "Utvalg: NEMSIS-filene er det byråene sender inn (her: testfiler), ikke et landsdekkende utvalg. / Coverage: the NEMSIS side is what the agencies sent (here: compliance test files), not a national sample.",
    "Tider er hele sekunder mellom absolutte tidspunkt på begge sider (NEMSIS' UTC-forskyvninger og norsk sommertid tatt hensyn til); negative intervaller telles som manglende. / Times are whole seconds between absolute instants on both sides; negative intervals count as missing.",
];

/// Both sides, their definitions and caveats (the NEMSIS side's record keys from `keyer`).
pub fn compute(
    no: &[NoIncident],
    us: &[PcrRecord],
    period: Period,
    table: &ConditionTable,
    keyer: Option<&RecordKeyer>,
) -> Benchmark {
    Benchmark {
        norway: norway(no, period, table),
        nemsis: nemsis(us, period, keyer),
        definitions: DEFINITIONS.to_vec(),
        caveats: CAVEATS.to_vec(),
        conditions_table: table.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_inclusive_and_open_ends_take_everything() {
        let m = |s: &str| Month::parse(s).ok();
        let p = Period { from: m("2024-01"), to: m("2024-03") };
        assert!(p.contains(m("2024-01")) && p.contains(m("2024-03")));
        assert!(!p.contains(m("2023-12")) && !p.contains(m("2024-04")));
        assert!(!p.contains(None), "a record without a month is in no bounded period");
        assert!(Period::default().contains(None));
        assert!(Period { from: m("2024-01"), to: None }.contains(m("2031-07")));
        // The NEMSIS side's months are UTC months (2021-10-06T17:47:53Z).
        assert_eq!(utc_month(1_633_542_473), m("2021-10"));
    }
}
