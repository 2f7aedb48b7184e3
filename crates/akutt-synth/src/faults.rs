//! Fault injection (`--error-rate`): one fault of DOMAIN.md §6 per chosen incident, applied
//! so that it raises exactly one finding, and the ground truth that says where that finding
//! must appear (file, line, incident, rule, column).

use akutt_extract::Column;
use akutt_model::{Instant, Sted, Tiltak};
use chrono::{DateTime, NaiveDate};
use chrono_tz::Europe::Oslo;

use crate::incident::{Kind, SynthIncident, ALERTED, AT_SCENE, DEPARTED, FREE, FREE_AT_STATION};
use crate::render::Rendered;

/// The incident-level faults, in round-robin order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    E101,
    E102,
    E103,
    E104,
    E105,
    E106,
    E107,
    E108,
    W201,
    W202,
    W203,
    W204,
    W205,
    W206,
    W207,
    W209,
    W210,
}

pub const ROUND_ROBIN: [Fault; 17] = [
    Fault::E101,
    Fault::E102,
    Fault::E103,
    Fault::E104,
    Fault::E105,
    Fault::E106,
    Fault::E107,
    Fault::E108,
    Fault::W201,
    Fault::W202,
    Fault::W203,
    Fault::W204,
    Fault::W205,
    Fault::W206,
    Fault::W207,
    Fault::W209,
    Fault::W210,
];

impl Fault {
    pub fn code(self) -> &'static str {
        match self {
            Fault::E101 => "E101",
            Fault::E102 => "E102",
            Fault::E103 => "E103",
            Fault::E104 => "E104",
            Fault::E105 => "E105",
            Fault::E106 => "E106",
            Fault::E107 => "E107",
            Fault::E108 => "E108",
            Fault::W201 => "W201",
            Fault::W202 => "W202",
            Fault::W203 => "W203",
            Fault::W204 => "W204",
            Fault::W205 => "W205",
            Fault::W206 => "W206",
            Fault::W207 => "W207",
            Fault::W209 => "W209",
            Fault::W210 => "W210",
        }
    }
}

/// Where the finding of a fault lands, resolved to a row after rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    FirstRow,
    LastRow,
    Contact(usize),
    Patient(usize),
    Action(usize),
}

/// A fault chosen for an incident, with what it needs after rendering.
#[derive(Debug, Clone, Copy)]
pub struct Planned {
    pub fault: Fault,
    target: Target,
    column: Column,
}

/// One expected finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expected {
    pub file: String,
    pub line: u64,
    pub incident: String,
    pub code: &'static str,
    pub column: &'static str,
    pub source: &'static str,
}

fn local_date(t: Instant) -> Option<NaiveDate> {
    DateTime::from_timestamp(t, 0).map(|d| d.with_timezone(&Oslo).date_naive())
}

fn rows_needed(inc: &SynthIncident) -> usize {
    inc.contacts.len().max(inc.patients.len()).max(inc.actions.len()).max(1)
}

fn is_mission(inc: &SynthIncident, k: usize) -> bool {
    inc.actions[k].is_mission()
}

/// Chooses where `fault` goes in `inc`, or `None` when the incident cannot host it.
pub fn plan(
    fault: Fault,
    inc: &SynthIncident,
    spring_forward: Option<NaiveDate>,
) -> Option<Planned> {
    let action = |pred: &dyn Fn(usize) -> bool| (0..inc.actions.len()).find(|&k| pred(k));
    let p = |target, column| Some(Planned { fault, target, column });
    match fault {
        Fault::E101 => {
            (rows_needed(inc) == 1).then_some(()).and(p(Target::FirstRow, Column::Hendelsesnummer))
        }
        Fault::E102 => action(&|k| inc.actions[k].times[DEPARTED].is_some())
            .and_then(|k| p(Target::Action(k), Column::RykkerUt)),
        Fault::E103 => {
            (inc.contacts.len() == 1).then_some(()).and(p(Target::FirstRow, Column::HenvendelseTid))
        }
        Fault::E104 => p(Target::Contact(0), Column::HenvendelseTid),
        Fault::E105 => p(Target::FirstRow, Column::TypeHendelse),
        Fault::E106 => {
            (rows_needed(inc) >= 2).then_some(()).and(p(Target::LastRow, Column::TypeHentested))
        }
        Fault::E107 => {
            (!inc.actions.is_empty()).then_some(()).and(p(Target::LastRow, Column::TiltakOpprettet))
        }
        Fault::E108 => p(Target::FirstRow, Column::KommuneHentested),
        Fault::W201 => action(&|k| {
            inc.actions[k].times[FREE].is_some() && inc.actions[k].times[FREE_AT_STATION].is_some()
        })
        .and_then(|k| p(Target::Action(k), Column::LedigStasjon)),
        Fault::W202 => (inc.kind != Kind::Prebooked)
            .then(|| action(&|k| is_mission(inc, k) && inc.actions[k].times[FREE].is_some()))
            .flatten()
            .and_then(|k| p(Target::Action(k), Column::Ledig)),
        Fault::W203 => action(&|k| {
            matches!(inc.actions[k].tiltak, Tiltak::AmbulanseBil | Tiltak::AmbulanseLuft)
                && inc.actions[k].times[ALERTED].is_some()
        })
        .and_then(|k| p(Target::Action(k), Column::Varslet)),
        Fault::W204 => action(&|k| {
            is_mission(inc, k)
                && inc.actions[k].times[AT_SCENE].is_some()
                && inc.actions[k].delivery.as_ref().is_some_and(|(s, _)| *s != Sted::Retur)
        })
        .and_then(|k| p(Target::Action(k), Column::Fremme)),
        Fault::W205 => (!inc.patients.is_empty())
            .then_some(())
            .and(p(Target::Patient(0), Column::Fodselsnummer)),
        Fault::W206 => {
            (!inc.patients.is_empty()).then_some(()).and(p(Target::Patient(0), Column::HastegradA))
        }
        Fault::W207 => (!inc.patients.is_empty())
            .then_some(())
            .and(p(Target::Patient(0), Column::Kriterietype)),
        Fault::W209 => (spring_forward.is_some()
            && local_date(inc.t0()) == spring_forward
            && inc.contacts.len() == 1)
            .then_some(())
            .and(p(Target::Contact(0), Column::HenvendelseTid)),
        Fault::W210 => (inc.urgency() == Some(akutt_model::Hastegrad::Rod))
            .then_some(())
            .and(p(Target::FirstRow, Column::HentestedTettbygd)),
    }
}

/// The part of a fault that changes instants, before rendering. `period_start` is the first
/// instant of the file's period.
pub fn apply_to_times(plan: &Planned, inc: &mut SynthIncident, period_start: Instant) {
    match (plan.fault, plan.target) {
        (Fault::E104, _) => {
            // Move the whole incident to before the period (intervals unchanged).
            let days = (inc.t0() - period_start).div_euclid(86_400) + 2;
            inc.shift(-days * 86_400);
        }
        (Fault::W201, Target::Action(k)) => {
            let t = &mut inc.actions[k].times;
            t.swap(FREE, FREE_AT_STATION);
        }
        (Fault::W202, Target::Action(k)) => {
            let t = &mut inc.actions[k].times;
            let free = t[ALERTED].unwrap_or_default() + 25 * 3600;
            t[FREE] = Some(free);
            t[FREE_AT_STATION] = Some(free + 1200);
        }
        (Fault::W203, Target::Action(k)) => inc.actions[k].times[ALERTED] = None,
        (Fault::W204, Target::Action(k)) => inc.actions[k].times[AT_SCENE] = None,
        (Fault::W209, _) => {
            // Place the first contact in 03:00–03:59 CEST (01:00–01:59 UTC) of the
            // spring-forward day; the cell is then written as the clock that was not advanced.
            let t0 = inc.t0();
            let day_start = t0 - (t0 + 3600).rem_euclid(86_400);
            let target = day_start + 2 * 3600 + t0.rem_euclid(3600);
            inc.shift(target - t0);
        }
        _ => {}
    }
}

fn rows_of(r: &Rendered, column: Column, value: &str) -> Vec<usize> {
    (0..r.rows.len()).filter(|&i| r.rows[i][column.index()] == value).collect()
}

/// The part of a fault that changes cells, after rendering; returns the row of the finding.
pub fn apply_to_cells(plan: &Planned, r: &mut Rendered, rng_value: u32) -> usize {
    let patient_rows =
        |r: &Rendered, p: usize| rows_of(r, Column::Pasientnummer, &(p + 1).to_string());
    let all = |r: &mut Rendered, c: Column, v: &str| {
        for row in &mut r.rows {
            row[c.index()] = v.to_string();
        }
    };
    match plan.fault {
        Fault::E101 => all(r, Column::Hendelsesnummer, ""),
        Fault::E102 => {
            if let Target::Action(k) = plan.target {
                let row = r.action_row[k];
                let v = &r.rows[row][Column::RykkerUt.index()];
                let year = v
                    .get(6..10)
                    .filter(|y| y.bytes().all(|b| b.is_ascii_digit()))
                    .unwrap_or("2024")
                    .to_string();
                r.rows[row][Column::RykkerUt.index()] =
                    format!("31.02.{year} 12:{:02}:00", rng_value % 60);
            }
        }
        Fault::E103 => all(r, Column::HenvendelseTid, ""),
        Fault::E105 => all(r, Column::TypeHendelse, "X99"),
        Fault::E106 => {
            let last = r.rows.len() - 1;
            let cell = &mut r.rows[last][Column::TypeHentested.index()];
            cell.push_str("-endret");
        }
        Fault::E107 => {
            let k = (rng_value as usize) % r.action_row.len();
            let mut dup = r.rows[r.action_row[k]].clone();
            let cell = &mut dup[Column::TiltakOpprettet.index()];
            // A different creation time: the same key with other content.
            if let Some(last) = cell.pop() {
                cell.push(if last == '0' { '1' } else { '0' });
            }
            r.rows.push(dup);
        }
        Fault::E108 => all(r, Column::KommuneHentested, "0999"),
        Fault::W205 => {
            if let Target::Patient(p) = plan.target {
                let rows = patient_rows(r, p);
                let current = rows
                    .first()
                    .map(|&i| r.rows[i][Column::Fodselsnummer.index()].clone())
                    .unwrap_or_default();
                let bad = if current.len() == 11 {
                    let (head, last) = current.split_at(10);
                    let d = last.as_bytes()[0] - b'0';
                    format!("{head}{}", (d + 1) % 10)
                } else {
                    "12345678900".to_string()
                };
                let bad = if akutt_rules::fnr::is_valid_fnr(&bad) {
                    format!("{}9", &bad[..10])
                } else {
                    bad
                };
                for i in rows {
                    r.rows[i][Column::Fodselsnummer.index()] = bad.clone();
                }
            }
        }
        Fault::W206 => {
            if let Target::Patient(p) = plan.target {
                for i in patient_rows(r, p) {
                    for c in [Column::HastegradA, Column::HastegradB, Column::HastegradC] {
                        r.rows[i][c.index()].clear();
                    }
                }
            }
        }
        Fault::W207 => {
            if let Target::Patient(p) = plan.target {
                for i in patient_rows(r, p) {
                    r.rows[i][Column::Kriterietype.index()] = "A.99.01".into();
                }
            }
        }
        Fault::W209 => {
            // The contact written one hour behind: 02:xx on the spring-forward night.
            let first = r.contact_first.first().copied().unwrap_or(0);
            let written = r.rows[first][Column::HenvendelseTid.index()].clone();
            let skewed = skew_back_one_hour(&written);
            let number = r.rows[first][Column::Henvendelsesnummer.index()].clone();
            for i in rows_of(r, Column::Henvendelsesnummer, &number) {
                r.rows[i][Column::HenvendelseTid.index()] = skewed.clone();
            }
        }
        Fault::W210 => all(r, Column::HentestedTettbygd, ""),
        Fault::E104 | Fault::W201 | Fault::W202 | Fault::W203 | Fault::W204 => {}
    }
    match plan.target {
        Target::FirstRow => 0,
        Target::LastRow => r.rows.len() - 1,
        Target::Contact(c) => r.contact_first[c],
        Target::Patient(p) => r.patient_first[p],
        Target::Action(k) => r.action_row[k],
    }
}

/// `31.03.2024 03:15:00` → `31.03.2024 02:15:00` (also for ISO cells).
fn skew_back_one_hour(cell: &str) -> String {
    let (date_len, sep) = if cell.contains('T') { (10, 'T') } else { (10, ' ') };
    let hour: u32 = cell.get(date_len + 1..date_len + 3).and_then(|h| h.parse().ok()).unwrap_or(3);
    format!("{}{sep}{:02}{}", &cell[..date_len], hour.saturating_sub(1), &cell[date_len + 3..])
}

/// The column a planned fault's finding names.
pub fn column_of(plan: &Planned) -> Column {
    plan.column
}

/// Natural W208 findings: every time cell in the fall-back hour on the first row of its
/// record (the row the validator reads the record from).
pub fn natural_ambiguities(r: &Rendered) -> Vec<(usize, Column)> {
    let mut out = Vec::new();
    let mut check = |row: usize, c: Column| {
        let v = &r.rows[row][c.index()];
        if !v.is_empty()
            && matches!(
                akutt_model::time::parse_datetime(v),
                Ok(akutt_model::LocalResolution::Ambiguous { .. })
            )
        {
            out.push((row, c));
        }
    };
    for &c in &r.contact_first {
        check(c, Column::HenvendelseTid);
    }
    check(0, Column::HendelseOpprettet);
    check(0, Column::Utfores);
    for &a in &r.action_row {
        check(a, Column::TiltakOpprettet);
        for c in crate::render::MISSION_TIMES {
            check(a, c);
        }
    }
    out.sort();
    out
}
