//! One synthetic incident in national terms (codes of DOMAIN.md §4, absolute instants), and
//! how it is drawn: kind, place, urgency, patients, the time axis of §3 and the hard cases
//! of the registration guide (several patients and ambulances, staged transports, borrowed
//! units, cancelled orders, returns without patient, air ambulance, LV line, misdials).

use akutt_model::{Hastegrad, Hendelsestype, Innringer, Instant, Kjonn, Sambandsvei, Sted, Tiltak};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};

use crate::params::*;
use crate::world::World;

/// Index of each mission time point in [`SynthAction::times`], in time-axis order (§3).
pub const ALERTED: usize = 0;
pub const DEPARTED: usize = 1;
pub const AT_SCENE: usize = 2;
pub const LEFT_SCENE: usize = 3;
pub const DELIVERED: usize = 4;
pub const FREE: usize = 5;
pub const FREE_AT_STATION: usize = 6;

/// What kind of incident, for calibration and for choosing faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Prebooked,
    Ambulance,
    LvAmbulance,
    Advice,
    Misdial,
}

#[derive(Debug, Clone)]
pub struct SynthContact {
    pub at: Instant,
    pub innringer: Innringer,
    pub sambandsvei: Sambandsvei,
}

#[derive(Debug, Clone)]
pub struct SynthPatient {
    pub urgency: Hastegrad,
    pub criterion: String,
    pub sex: Kjonn,
    pub fnr: Option<String>,
    /// Home municipality number (or 9999 unknown).
    pub home: String,
}

#[derive(Debug, Clone)]
pub struct SynthAction {
    pub tiltak: Tiltak,
    pub created: Instant,
    /// VaktID; `Ukjent ambulanse` for a borrowed unit.
    pub resource: Option<String>,
    pub mission_type: Option<&'static str>,
    /// 1-based patient number.
    pub patient: Option<u32>,
    pub times: [Option<Instant>; 7],
    /// Delivery place and municipality number.
    pub delivery: Option<(Sted, String)>,
}

impl SynthAction {
    /// A mission by §7: ambulance code, alerted, not a borrowed unit.
    pub fn is_mission(&self) -> bool {
        matches!(self.tiltak, Tiltak::AmbulanseBil | Tiltak::AmbulanseLuft)
            && self.times[ALERTED].is_some()
            && self.resource.as_deref() != Some(akutt_model::UNKNOWN_AMBULANCE)
    }
}

#[derive(Debug, Clone)]
pub struct SynthIncident {
    pub kind: Kind,
    /// Index into the world's places, and its municipality number.
    pub place: usize,
    pub municipality: &'static str,
    pub urban: bool,
    pub hendelsestype: Hendelsestype,
    pub pickup: Sted,
    pub created: Instant,
    pub execute: Option<Instant>,
    pub contacts: Vec<SynthContact>,
    pub patients: Vec<SynthPatient>,
    pub actions: Vec<SynthAction>,
    /// Use the centre's second local spelling of the incident type (where it has one).
    pub alternative_code: bool,
}

impl SynthIncident {
    pub fn t0(&self) -> Instant {
        self.contacts.iter().map(|c| c.at).min().unwrap_or(self.created)
    }

    pub fn urgency(&self) -> Option<Hastegrad> {
        self.patients.iter().map(|p| p.urgency).min()
    }

    /// Every instant of the incident, mutably (for time-shifting faults).
    pub fn shift(&mut self, by: i64) {
        self.created += by;
        if let Some(e) = &mut self.execute {
            *e += by;
        }
        for c in &mut self.contacts {
            c.at += by;
        }
        for a in &mut self.actions {
            a.created += by;
            for t in a.times.iter_mut().flatten() {
                *t += by;
            }
        }
    }

    /// `response_time` of §8 as the generator meant it: first road-mission arrival − t0, red,
    /// not pre-booked.
    pub fn response_time(&self) -> Option<i64> {
        if self.urgency() != Some(Hastegrad::Rod) || self.execute.is_some_and(|e| e > self.t0()) {
            return None;
        }
        let first = self
            .actions
            .iter()
            .filter(|a| a.is_mission() && a.tiltak == Tiltak::AmbulanseBil)
            .filter_map(|a| a.times[AT_SCENE])
            .min()?;
        Some(first - self.t0())
    }
}

/// A lognormal draw in whole seconds, at least `min`.
pub fn lognormal(rng: &mut ChaCha8Rng, median: f64, sigma: f64, min: i64) -> i64 {
    let d = LogNormal::new(median.max(1.0).ln(), sigma.max(1e-6)).expect("valid lognormal");
    (d.sample(rng).round() as i64).max(min)
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, f64)]) -> T {
    let total: f64 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.random::<f64>() * total;
    for (item, w) in items {
        if x < *w {
            return *item;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

fn urgency_from(rng: &mut ChaCha8Rng, mix: [f64; 3]) -> Hastegrad {
    pick(rng, &[(Hastegrad::Rod, mix[0]), (Hastegrad::Gul, mix[1]), (Hastegrad::Gronn, mix[2])])
}

/// An index criterion (§4) that fits the incident type and urgency; about one in twenty
/// deviates from the recommended urgency letter, as dispatchers may.
fn criterion(rng: &mut ChaCha8Rng, t: Hendelsestype, u: Hastegrad, prebooked: bool) -> String {
    if prebooked {
        return format!("V.05.{:02}", rng.random_range(1..=4));
    }
    let letter = match (u, rng.random_bool(0.05)) {
        (Hastegrad::Rod, false) | (Hastegrad::Gul, true) => 'A',
        (Hastegrad::Gul, false) | (Hastegrad::Gronn, true) => 'H',
        _ => 'V',
    };
    let chapters: &[(u32, f64)] = match (t, u) {
        (Hendelsestype::Sykdom, Hastegrad::Rod) => &[
            (10, 30.0),
            (1, 4.0),
            (27, 12.0),
            (29, 20.0),
            (23, 10.0),
            (6, 12.0),
            (2, 1.0),
            (32, 4.0),
            (7, 3.0),
            (8, 4.0),
        ],
        (Hendelsestype::Sykdom, _) => &[
            (10, 15.0),
            (29, 15.0),
            (25, 20.0),
            (27, 8.0),
            (6, 15.0),
            (15, 8.0),
            (36, 6.0),
            (11, 5.0),
            (19, 4.0),
            (32, 4.0),
        ],
        (Hendelsestype::Skade, _) => {
            &[(34, 25.0), (35, 30.0), (33, 35.0), (9, 3.0), (12, 2.0), (37, 5.0)]
        }
        (Hendelsestype::RusPsykisk, _) => &[(30, 55.0), (28, 40.0), (24, 5.0)],
        (Hendelsestype::Fodsel, _) => &[(17, 70.0), (18, 30.0)],
        _ => &[(31, 40.0), (6, 40.0), (4, 5.0), (24, 15.0)],
    };
    let chapter = pick(rng, chapters);
    format!("{letter}.{chapter:02}.{:02}", rng.random_range(1..=9))
}

/// A patient: age-shaped sex and a synthetic fødselsnummer with valid check digits for some.
fn patient(
    rng: &mut ChaCha8Rng,
    urgency: Hastegrad,
    criterion: String,
    home: &str,
    year: i32,
) -> SynthPatient {
    let age: i32 = if rng.random_bool(0.7) {
        (70.0 + 15.0 * (rng.random::<f64>() - rng.random::<f64>()) * 2.0).round().clamp(0.0, 104.0)
            as i32
    } else {
        rng.random_range(0..60)
    };
    let sex =
        pick(rng, &[(Kjonn::Mann, 0.495), (Kjonn::Kvinne, 0.495), (Kjonn::IkkeSpesifisert, 0.01)]);
    let fnr = if rng.random_bool(SHARE_FNR) {
        let born = year - age;
        let (day, month) = (rng.random_range(1..=28), rng.random_range(1..=12));
        let base = if born >= 2000 { 500 } else { 0 };
        (0..40).find_map(|_| {
            let mut individual = base + rng.random_range(0..500);
            // The third individual digit is odd for men, even for women.
            if (individual % 2 == 1) != (sex == Kjonn::Mann) {
                individual = if individual % 10 == 9 { individual - 1 } else { individual + 1 };
            }
            akutt_rules::fnr::complete_fnr(&format!(
                "{day:02}{month:02}{:02}{individual:03}",
                born.rem_euclid(100)
            ))
        })
    } else {
        None
    };
    let home = if rng.random_bool(0.02) { "9999".to_string() } else { home.to_string() };
    SynthPatient { urgency, criterion, sex, fnr, home }
}

/// Everything the drawing of one incident needs besides the randomness.
pub struct Scene<'a> {
    pub world: &'a World,
    pub centre: usize,
    pub year: i32,
    /// The reference-year trend on response times.
    pub trend: f64,
    pub centre_code: &'a str,
    /// The places the centre serves that day ([`World::places_on`]).
    pub places: &'a [usize],
}

impl Scene<'_> {
    fn unit(&self, rng: &mut ChaCha8Rng, place: usize, air: bool) -> String {
        if air {
            return format!("{}-LA{}", self.centre_code, rng.random_range(1..=2));
        }
        if rng.random_bool(SHARE_BORROWED) {
            return akutt_model::UNKNOWN_AMBULANCE.to_string();
        }
        format!("{}-{:03}", self.centre_code, (place % 97) * 3 + rng.random_range(0..3))
    }

    fn hospital(&self) -> String {
        self.world.places[self.world.hospital_place[self.centre]].number().to_string()
    }

    fn pick_place(&self, rng: &mut ChaCha8Rng, cumulative: &[f64]) -> usize {
        let places = self.places;
        let total = cumulative.last().copied().unwrap_or(1.0);
        let x = rng.random::<f64>() * total;
        let i = cumulative.partition_point(|c| *c <= x).min(places.len() - 1);
        places[i]
    }

    /// Draws one incident whose first contact is `t0`.
    pub fn draw(
        &self,
        rng: &mut ChaCha8Rng,
        t0: Instant,
        prebooked: bool,
        cumulative: &[f64],
    ) -> SynthIncident {
        let place = self.pick_place(rng, cumulative);
        let p = &self.world.places[place];
        let urban = rng.random_bool(p.urban_share);
        let home = p.number().to_string();
        if prebooked {
            return self.prebooked(rng, t0, place, urban, &home);
        }
        let kind = pick(
            rng,
            &[
                (Kind::Misdial, SHARE_MISDIAL),
                (Kind::LvAmbulance, SHARE_LV_AMBULANCE),
                (Kind::Ambulance, SHARE_AMBULANCE),
                (Kind::Advice, 1.0 - SHARE_MISDIAL - SHARE_LV_AMBULANCE - SHARE_AMBULANCE),
            ],
        );
        let created = t0 + lognormal(rng, 30.0, 0.6, 1).min(600);
        let caller = pick(
            rng,
            &[
                (Innringer::Publikum, 0.7),
                (Innringer::Helsepersonell, 0.2),
                (Innringer::BrannPolitiHrs, 0.1),
            ],
        );
        let channel = match caller {
            Innringer::Publikum => {
                pick(rng, &[(Sambandsvei::Nodlinje113, 0.96), (Sambandsvei::Andre, 0.04)])
            }
            Innringer::Helsepersonell => pick(
                rng,
                &[
                    (Sambandsvei::Nodlinje113, 0.5),
                    (Sambandsvei::AnnenRodLinje, 0.4),
                    (Sambandsvei::Andre, 0.1),
                ],
            ),
            Innringer::BrannPolitiHrs => {
                pick(rng, &[(Sambandsvei::AnnenNodetat, 0.8), (Sambandsvei::Nodlinje113, 0.2)])
            }
        };
        let mut inc = SynthIncident {
            kind,
            place,
            municipality: p.number(),
            urban,
            hendelsestype: Hendelsestype::Sykdom,
            pickup: pick(
                rng,
                &[
                    (Sted::Hjem, 0.65),
                    (Sted::Offentlig, 0.2),
                    (Sted::Sykehjem, 0.07),
                    (Sted::Lege, 0.04),
                    (Sted::Annet, 0.04),
                ],
            ),
            created,
            execute: None,
            contacts: vec![SynthContact { at: t0, innringer: caller, sambandsvei: channel }],
            patients: Vec::new(),
            actions: Vec::new(),
            alternative_code: rng.random_bool(0.1),
        };
        match kind {
            Kind::Misdial => {
                inc.hendelsestype = Hendelsestype::Feil;
                inc.contacts[0] = SynthContact {
                    at: t0,
                    innringer: Innringer::Publikum,
                    sambandsvei: Sambandsvei::Nodlinje113,
                };
            }
            Kind::Advice => {
                inc.hendelsestype = pick(
                    rng,
                    &[
                        (Hendelsestype::Sykdom, 0.7),
                        (Hendelsestype::RusPsykisk, 0.1),
                        (Hendelsestype::Annet, 0.1),
                        (Hendelsestype::Skade, 0.1),
                    ],
                );
                let u = urgency_from(rng, URGENCY_ADVICE);
                let crit = criterion(rng, inc.hendelsestype, u, false);
                inc.patients.push(patient(rng, u, crit, &home, self.year));
                let advice_at = created + lognormal(rng, 180.0, 0.7, 5);
                inc.actions.push(SynthAction {
                    tiltak: Tiltak::Radgiving,
                    created: advice_at,
                    resource: None,
                    mission_type: None,
                    patient: Some(1),
                    times: [None; 7],
                    delivery: None,
                });
                if rng.random_bool(0.4) {
                    let alerted = advice_at + lognormal(rng, 120.0, 0.6, 10);
                    let mut times = [None; 7];
                    times[ALERTED] = Some(alerted);
                    inc.actions.push(SynthAction {
                        tiltak: Tiltak::Legevakt,
                        created: advice_at,
                        resource: Some("Legevakt".into()),
                        mission_type: None,
                        patient: Some(1),
                        times,
                        delivery: None,
                    });
                }
            }
            Kind::Ambulance | Kind::LvAmbulance => {
                if kind == Kind::LvAmbulance {
                    inc.contacts[0] = SynthContact {
                        at: t0,
                        innringer: Innringer::Helsepersonell,
                        sambandsvei: Sambandsvei::Legevakt,
                    };
                }
                inc.hendelsestype = pick(
                    rng,
                    &[
                        (Hendelsestype::Sykdom, 0.62),
                        (Hendelsestype::Skade, 0.2),
                        (Hendelsestype::RusPsykisk, 0.1),
                        (Hendelsestype::Fodsel, 0.02),
                        (Hendelsestype::Annet, 0.04),
                        (Hendelsestype::Beredskap, 0.02),
                    ],
                );
                let mix =
                    if kind == Kind::LvAmbulance { [0.0, 0.5, 0.5] } else { URGENCY_AMBULANCE };
                let u = urgency_from(rng, mix);
                self.ambulance(rng, &mut inc, u, &home);
            }
            Kind::Prebooked => unreachable!("handled above"),
        }
        // The incident is created no later than its first alert (§3 time axis, W201).
        if let Some(first_alert) =
            inc.actions.iter().filter_map(|a| a.times.iter().flatten().min().copied()).min()
        {
            inc.created = inc.created.min(first_alert).max(t0);
        }
        inc
    }

    fn prebooked(
        &self,
        rng: &mut ChaCha8Rng,
        t0: Instant,
        place: usize,
        urban: bool,
        home: &str,
    ) -> SynthIncident {
        let created = t0 + lognormal(rng, 60.0, 0.5, 5).min(1800);
        let lead = lognormal(rng, 5.0 * 3600.0, 0.9, 3600).min(72 * 3600);
        let execute = t0 + lead;
        let pickup = pick(
            rng,
            &[
                (Sted::Sykehus, 0.45),
                (Sted::Hjem, 0.3),
                (Sted::Sykehjem, 0.15),
                (Sted::Institusjon, 0.1),
            ],
        );
        let crit = criterion(rng, Hendelsestype::Overforing, Hastegrad::Gronn, true);
        let mut inc = SynthIncident {
            kind: Kind::Prebooked,
            place,
            municipality: self.world.places[place].number(),
            urban,
            hendelsestype: pick(
                rng,
                &[(Hendelsestype::Overforing, 0.7), (Hendelsestype::Innleggelse, 0.3)],
            ),
            pickup,
            created,
            execute: Some(execute),
            contacts: vec![SynthContact {
                at: t0,
                innringer: Innringer::Helsepersonell,
                sambandsvei: Sambandsvei::Ambulansebestilling,
            }],
            patients: vec![patient(rng, Hastegrad::Gronn, crit, home, self.year)],
            actions: Vec::new(),
            alternative_code: false,
        };
        let here = self.world.places[place].number().to_string();
        let final_place = if pickup == Sted::Sykehus {
            pick(rng, &[(Sted::Hjem, 0.5), (Sted::Sykehjem, 0.3), (Sted::Sykehus, 0.2)])
        } else {
            Sted::Sykehus
        };
        let final_muni = if final_place == Sted::Sykehus { self.hospital() } else { here.clone() };
        let flown = !urban && rng.random_bool(SHARE_PREBOOKED_AIR_RURAL);
        let stages: Vec<(Sted, String)> = if !flown && rng.random_bool(SHARE_STAGED) {
            vec![(Sted::Lege, here.clone()), (final_place, final_muni)]
        } else {
            vec![(final_place, final_muni)]
        };
        let mut start = execute;
        for (delivery, muni) in stages {
            let alerted = (start - lognormal(rng, 1800.0, 0.5, 120)).max(created + 60);
            let departed = alerted + lognormal(rng, 300.0, 0.5, 30);
            let at_scene = (start + rng.random_range(-300..600)).max(departed + 60);
            let left = at_scene + lognormal(rng, 600.0, 0.4, 60);
            let drive = if muni == here {
                lognormal(rng, 900.0, 0.5, 120)
            } else {
                lognormal(rng, 2700.0, 0.6, 600)
            };
            let delivered = left + drive;
            let free = delivered + lognormal(rng, 600.0, 0.5, 60);
            let station = free + lognormal(rng, if urban { 900.0 } else { 2400.0 }, 0.5, 60);
            inc.actions.push(SynthAction {
                tiltak: if flown { Tiltak::AmbulanseLuft } else { Tiltak::AmbulanseBil },
                created: created + 30,
                resource: Some(self.unit(rng, place, flown)),
                mission_type: Some("Bestilt"),
                patient: Some(1),
                times: [
                    Some(alerted),
                    Some(departed),
                    Some(at_scene),
                    Some(left),
                    Some(delivered),
                    Some(free),
                    Some(station),
                ],
                delivery: Some((delivery, muni)),
            });
            start = free + lognormal(rng, 1200.0, 0.5, 300);
        }
        inc
    }

    /// An acute incident with ambulance: patients, missions and their time axes.
    fn ambulance(&self, rng: &mut ChaCha8Rng, inc: &mut SynthIncident, u: Hastegrad, home: &str) {
        let t0 = inc.contacts[0].at;
        let ui = match u {
            Hastegrad::Rod => 0,
            Hastegrad::Gul => 1,
            Hastegrad::Gronn => 2,
        };
        let n_patients =
            if rng.random_bool(SHARE_SEVERAL_PATIENTS) { rng.random_range(2..=3) } else { 1 };
        if n_patients > 1 {
            inc.hendelsestype = Hendelsestype::Skade;
        }
        for _ in 0..n_patients {
            let crit = criterion(rng, inc.hendelsestype, u, false);
            inc.patients.push(patient(rng, u, crit, home, self.year));
        }
        if u == Hastegrad::Rod && rng.random_bool(SHARE_SECOND_CONTACT) {
            let at = t0 + lognormal(rng, 90.0, 0.8, 5);
            inc.contacts.push(SynthContact {
                at,
                innringer: Innringer::Publikum,
                sambandsvei: Sambandsvei::Nodlinje113,
            });
        }
        let p = &self.world.places[inc.place];
        // The red response time (t0 → first arrival) is drawn as a whole, then split, so the
        // calibrated distribution is exactly what the incident shows.
        let area = if inc.urban { 0 } else { 1 };
        let log_factor = self.world.centre_log_factor[self.centre]
            + if inc.urban { 0.0 } else { p.rural_log_factor };
        let median = if inc.urban {
            RED_MEDIAN_URBAN_S * URBAN_SECOND_ARRIVAL_COMPENSATION
        } else {
            RED_MEDIAN_RURAL_S
        } * log_factor.exp()
            * self.trend;
        let reaction = lognormal(rng, REACTION_MEDIAN_S[ui], REACTION_SIGMA[ui], 5).min(6 * 3600);
        let first_alert = t0 + reaction;
        let air_only = u == Hastegrad::Rod && !inc.urban && rng.random_bool(SHARE_AIR_ONLY);
        let mission_type = ["Akutt", "Haster", "Vanlig"][ui];
        let transport = |rng: &mut ChaCha8Rng| {
            if inc.urban {
                lognormal(rng, 900.0, 0.5, 120)
            } else {
                lognormal(rng, 2400.0, 0.6, 300)
            }
        };
        let delivery_muni = self.hospital();
        for patient_no in 1..=n_patients as u32 {
            let alerted =
                first_alert + if patient_no == 1 { 0 } else { lognormal(rng, 60.0, 0.6, 5) };
            let (alerted, departed, at_scene) = if u == Hastegrad::Rod && patient_no == 1 {
                let total = lognormal(rng, median, self.world.red_sigma[area], 60);
                let reaction = (alerted - t0).min(total * 2 / 5);
                let turnout = lognormal(rng, 70.0, 0.4, 5).min((total - reaction) / 3).max(1);
                (t0 + reaction, t0 + reaction + turnout, t0 + total.max(reaction + turnout + 1))
            } else {
                let turnout = lognormal(rng, [60.0, 150.0, 400.0][ui], 0.5, 10);
                let drive = lognormal(rng, if inc.urban { 700.0 } else { 1300.0 }, 0.6, 60);
                (alerted, alerted + turnout, alerted + turnout + drive)
            };
            if air_only {
                break;
            }
            let action_created = inc.created.max(alerted - 20).min(alerted);
            let unit = self.unit(rng, inc.place, false);
            let mut times = [Some(alerted), Some(departed), Some(at_scene), None, None, None, None];
            let delivery;
            if rng.random_bool(SHARE_RETURN) {
                // Return without patient: half after arrival, half called off on the way.
                let free = if rng.random_bool(0.5) {
                    at_scene + lognormal(rng, 1200.0, 0.5, 60)
                } else {
                    times[AT_SCENE] = None;
                    departed + lognormal(rng, 400.0, 0.5, 30)
                };
                times[FREE] = Some(free);
                times[FREE_AT_STATION] = Some(free + lognormal(rng, 900.0, 0.5, 60));
                delivery = (Sted::Retur, inc_place_number(self, inc));
            } else {
                let left = at_scene + lognormal(rng, 1080.0, 0.4, 120);
                let delivered = left + transport(rng);
                let free = delivered + lognormal(rng, 900.0, 0.5, 60);
                times[LEFT_SCENE] = Some(left);
                times[DELIVERED] = Some(delivered);
                times[FREE] = Some(free);
                times[FREE_AT_STATION] =
                    Some(free + lognormal(rng, if inc.urban { 900.0 } else { 2400.0 }, 0.5, 60));
                delivery = (Sted::Sykehus, delivery_muni.clone());
            }
            inc.actions.push(SynthAction {
                tiltak: Tiltak::AmbulanseBil,
                created: action_created,
                resource: Some(unit),
                mission_type: Some(mission_type),
                patient: Some(patient_no),
                times,
                delivery: Some(delivery),
            });
        }
        // A second road ambulance for the first patient: alerted later, sometimes first there.
        if u == Hastegrad::Rod && !air_only && rng.random_bool(SHARE_SECOND_AMBULANCE) {
            let alerted = first_alert + lognormal(rng, 90.0, 0.6, 10);
            let departed = alerted + lognormal(rng, 60.0, 0.4, 5);
            let at_scene =
                departed + lognormal(rng, if inc.urban { 420.0 } else { 900.0 }, 0.6, 30);
            let free = at_scene + lognormal(rng, 1500.0, 0.4, 120);
            inc.actions.push(SynthAction {
                tiltak: Tiltak::AmbulanseBil,
                created: alerted - 10,
                resource: Some(self.unit(rng, inc.place, false)),
                mission_type: Some("Akutt"),
                patient: Some(1),
                times: [
                    Some(alerted),
                    Some(departed),
                    Some(at_scene),
                    None,
                    None,
                    Some(free),
                    Some(free + lognormal(rng, 900.0, 0.5, 60)),
                ],
                delivery: Some((Sted::Retur, inc_place_number(self, inc))),
            });
        }
        // Air ambulance: with a road unit in rural red incidents, or alone.
        if u == Hastegrad::Rod && !inc.urban && (air_only || rng.random_bool(SHARE_AIR_WITH_ROAD)) {
            let alerted = first_alert + if air_only { 0 } else { lognormal(rng, 300.0, 0.6, 30) };
            let departed = alerted + lognormal(rng, 420.0, 0.4, 60);
            let at_scene = departed + lognormal(rng, 1500.0, 0.4, 300);
            let left = at_scene + lognormal(rng, 1200.0, 0.4, 120);
            let delivered = left + lognormal(rng, 1800.0, 0.4, 300);
            let free = delivered + lognormal(rng, 1200.0, 0.4, 120);
            inc.actions.push(SynthAction {
                tiltak: Tiltak::AmbulanseLuft,
                created: alerted - 15,
                resource: Some(self.unit(rng, inc.place, true)),
                mission_type: Some("Akutt"),
                patient: Some(1),
                times: [
                    Some(alerted),
                    Some(departed),
                    Some(at_scene),
                    Some(left),
                    Some(delivered),
                    Some(free),
                    Some(free + 1800),
                ],
                delivery: Some((Sted::Sykehus, self.hospital())),
            });
        }
        // An extra ambulance ordered and cancelled before alert: never a mission.
        if rng.random_bool(SHARE_CANCELLED_ORDER) {
            inc.actions.push(SynthAction {
                tiltak: Tiltak::UtgarAmbulanse,
                created: inc.created + lognormal(rng, 60.0, 0.5, 5),
                resource: None,
                mission_type: None,
                patient: Some(1),
                times: [None; 7],
                delivery: None,
            });
        }
        if inc.hendelsestype == Hendelsestype::Skade && rng.random_bool(0.3) {
            let mut times = [None; 7];
            times[ALERTED] = Some(first_alert + lognormal(rng, 60.0, 0.5, 5));
            inc.actions.push(SynthAction {
                tiltak: Tiltak::AndreNodetater,
                created: inc.created + 10,
                resource: Some("110/112".into()),
                mission_type: None,
                patient: None,
                times,
                delivery: None,
            });
        }
    }
}

fn inc_place_number(scene: &Scene<'_>, inc: &SynthIncident) -> String {
    scene.world.places[inc.place].number().to_string()
}
