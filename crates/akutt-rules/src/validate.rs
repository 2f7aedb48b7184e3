//! Validation of one incident's rows against DOMAIN.md §6: consistency of repeated columns,
//! value parsing, mapping of local codes, time resolution on the incident's time axis (§3)
//! and the warning rules. An error rejects only its incident.

use std::collections::HashMap;

use akutt_extract::{Column, Header, Level, RawIncident, RawRow};
use akutt_model::codes::is_valid_criterion;
use akutt_model::municipality::{is_special_home_code, Register, Verdict};
use akutt_model::time::{format_oslo, oslo_start_of_day, parse_datetime, Instant, LocalResolution};
use akutt_model::{
    Action, CodeList, Contact, Finding, Hastegrad, Hendelsestype, Incident, Innringer, Kjonn,
    Patient, RuleCode, Sambandsvei, Severity, Sted, Tiltak,
};
use chrono::{DateTime, NaiveDate};

use crate::fnr::{is_valid_fnr, Pseudonymiser};
use crate::mapping::MappingTable;

/// What findings show instead of a fødselsnummer: the clear value never leaves validation.
pub const MASKED: &str = "***********";

/// Longest plausible interval where not pre-booked (W202).
const MAX_INTERVAL_S: i64 = 24 * 3600;

/// What validation needs besides the rows.
pub struct Context<'a> {
    pub header: &'a Header,
    pub mapping: &'a MappingTable,
    pub pseudonymiser: &'a Pseudonymiser,
    /// The reporting period as instants: `[start, end)` (Dato fra 00:00 to the day after
    /// Dato til 00:00, Oslo time).
    pub period: Option<(Instant, Instant)>,
    /// The municipality register numbers are judged by (E108, W211): the shipped one, or
    /// the registry's with the structures it has loaded.
    pub register: &'a Register,
}

/// The reporting period of `Dato fra` and `Dato til` as instants: `[Dato fra 00:00, the day
/// after Dato til 00:00)`, Oslo time (rule E104, DOMAIN.md §6).
pub fn reporting_period(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Option<(Instant, Instant)> {
    let (from, to) = (from?, to?);
    let after = to.checked_add_days(chrono::Days::new(1)).unwrap_or(to);
    Some((oslo_start_of_day(from), oslo_start_of_day(after)))
}

/// Rule E101: a row without `Hendelsesnummer` belongs to no incident and is rejected alone.
pub fn missing_incident_id(line: u64) -> Finding {
    Finding::new(RuleCode::E101, "", "").at_line(line).column(Column::Hendelsesnummer.name())
}

/// Mapping coverage: per code list, codes looked up and codes mapped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MappingStats {
    pub looked_up: [u64; CodeList::ALL.len()],
    pub mapped: [u64; CodeList::ALL.len()],
}

impl MappingStats {
    fn record(&mut self, list: CodeList, ok: bool) {
        let i = CodeList::ALL.iter().position(|l| *l == list).unwrap_or(0);
        self.looked_up[i] += 1;
        self.mapped[i] += u64::from(ok);
    }

    /// Share of looked-up codes that mapped, per list (lists never looked up are left out).
    pub fn coverage(&self) -> Vec<(CodeList, u64, u64)> {
        CodeList::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| self.looked_up[*i] > 0)
            .map(|(i, l)| (*l, self.looked_up[i], self.mapped[i]))
            .collect()
    }
}

/// The result of validating one incident.
#[derive(Debug)]
pub struct Outcome {
    /// The incident when accepted (no error); warnings are flagged on it.
    pub incident: Option<Incident>,
    pub findings: Vec<Finding>,
}

struct Checker<'a> {
    ctx: &'a Context<'a>,
    id: &'a str,
    findings: Vec<Finding>,
    stats: &'a mut MappingStats,
    date: Option<NaiveDate>,
}

impl Checker<'_> {
    fn push(
        &mut self,
        code: RuleCode,
        line: u64,
        column: Option<Column>,
        value: Option<&str>,
        nb: String,
        en: String,
    ) {
        let mut f = Finding::new(code, nb, en).at_line(line).incident(self.id);
        if let Some(c) = column {
            f = f.column(c.name());
        }
        if let Some(v) = value {
            f = f.value(if column == Some(Column::Fodselsnummer) { MASKED } else { v });
        }
        self.findings.push(f);
    }

    fn get<'r>(&self, row: &'r RawRow, c: Column) -> Option<&'r str> {
        row.get(self.ctx.header, c)
    }

    fn unparseable(&mut self, row: &RawRow, c: Column, v: &str, what_nb: &str, what_en: &str) {
        let shown = if c == Column::Fodselsnummer { MASKED } else { v };
        self.push(
            RuleCode::E102,
            row.line,
            Some(c),
            Some(v),
            format!("«{shown}» i «{}» er ikke {what_nb}", c.name()),
            format!("«{shown}» in «{}» is not {what_en}", c.name()),
        );
    }

    fn time(&mut self, row: &RawRow, c: Column) -> Option<(LocalResolution, u64)> {
        let v = self.get(row, c)?;
        match parse_datetime(v) {
            Ok(r) => Some((r, row.line)),
            Err(_) => {
                self.unparseable(
                    row,
                    c,
                    v,
                    "et tidspunkt (dd.mm.åååå tt:mm:ss)",
                    "a date-time (dd.mm.yyyy hh:mm:ss)",
                );
                None
            }
        }
    }

    fn number(&mut self, row: &RawRow, c: Column) -> Option<u32> {
        let v = self.get(row, c)?;
        match v.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.unparseable(row, c, v, "et heltall", "a whole number");
                None
            }
        }
    }

    fn map(&mut self, row: &RawRow, c: Column, list: CodeList) -> Option<&'static str> {
        let v = self.get(row, c)?;
        let found = self.ctx.mapping.lookup(list, v, self.date).map(national_static(list));
        self.stats.record(list, found.is_some());
        if found.is_none() {
            self.push(
                RuleCode::E105,
                row.line,
                Some(c),
                Some(v),
                format!("kodeverk {list}, kode «{v}»"),
                format!("code list {list}, code «{v}»"),
            );
        }
        found.flatten()
    }

    /// A municipality number judged on the incident's date (DOMAIN.md §6 E108, W211):
    /// `(in force, as sent where it differs)`. A home municipality may also be a special
    /// code (9000, 9900, 9999). Without a date (no contact time: E103 rejects the incident)
    /// a number of any structure passes.
    fn municipality(
        &mut self,
        row: &RawRow,
        c: Column,
        home: bool,
    ) -> (Option<String>, Option<String>) {
        let Some(v) = self.get(row, c) else { return (None, None) };
        if home && is_special_home_code(v) {
            return (Some(v.to_string()), None);
        }
        let register = self.ctx.register;
        let verdict = match self.date {
            Some(d) => register.judge(v, d),
            None if register.structures().iter().any(|s| s.contains(v)) => Verdict::InForce,
            None => Verdict::Unknown,
        };
        let day = self.date.map(|d| d.format("%d.%m.%Y").to_string()).unwrap_or_default();
        let name = |n: &str| {
            self.date
                .and_then(|d| register.on(d))
                .and_then(|s| s.get(n))
                .map_or_else(String::new, |m| format!(" {}", m.name))
        };
        let col = c.name();
        let (nb, en) = match verdict {
            Verdict::InForce => return (Some(v.to_string()), None),
            Verdict::Successor { to } => {
                let to_name = name(&to);
                self.push(
                    RuleCode::W211,
                    row.line,
                    Some(c),
                    Some(v),
                    format!(
                        "«{v}» i «{col}» var utgått {day}; lagret som etterfølgeren {to}{to_name}"
                    ),
                    format!(
                        "«{v}» in «{col}» had expired by {day}; stored as its successor {to}{to_name}"
                    ),
                );
                return (Some(to), Some(v.to_string()));
            }
            Verdict::Split { to } => (
                format!(
                    "«{v}» i «{col}» var utgått {day} og delt i {}: hvilken som menes kan ikke vites",
                    to.join(", ")
                ),
                format!(
                    "«{v}» in «{col}» had expired by {day} and was split into {}: which one is meant cannot be known",
                    to.join(", ")
                ),
            ),
            Verdict::NotYetValid { from } => {
                let from = from.format("%d.%m.%Y");
                (
                    format!("«{v}» i «{col}» gjelder først fra {from}, ikke {day}"),
                    format!("«{v}» in «{col}» is only valid from {from}, not on {day}"),
                )
            }
            Verdict::Unknown if day.is_empty() => (
                format!("«{v}» i «{col}» er ikke et gyldig kommunenummer"),
                format!("«{v}» in «{col}» is not a valid municipality number"),
            ),
            Verdict::Unknown => (
                format!("«{v}» i «{col}» er ikke et gyldig kommunenummer {day}"),
                format!("«{v}» in «{col}» is not a valid municipality number on {day}"),
            ),
        };
        self.push(RuleCode::E108, row.line, Some(c), Some(v), nb, en);
        (None, None)
    }

    /// E106: every row of a record must agree on the record's repeated columns.
    fn agree(&mut self, rows: &[&RawRow], columns: &[Column], record_nb: &str, record_en: &str) {
        let Some(first) = rows.first() else { return };
        for &c in columns {
            let reference = self.get(first, c);
            if let Some(row) = rows.iter().skip(1).find(|r| self.get(r, c) != reference) {
                let v = self.get(row, c).unwrap_or("");
                let (shown, ref_shown) = if c == Column::Fodselsnummer {
                    (MASKED, MASKED)
                } else {
                    (v, reference.unwrap_or(""))
                };
                self.push(
                    RuleCode::E106,
                    row.line,
                    Some(c),
                    Some(v),
                    format!("{record_nb}: «{shown}» her, «{ref_shown}» på linje {}", first.line),
                    format!("{record_en}: «{shown}» here, «{ref_shown}» on line {}", first.line),
                );
            }
        }
    }
}

/// Maps a national code string (already checked) to its `'static` spelling.
fn national_static(list: CodeList) -> impl Fn(&str) -> Option<&'static str> {
    move |code| match list {
        CodeList::Innringer => Innringer::parse(code).map(Innringer::code),
        CodeList::Sambandsvei => Sambandsvei::parse(code).map(Sambandsvei::code),
        CodeList::Hendelsestype => Hendelsestype::parse(code).map(Hendelsestype::code),
        CodeList::Sted => Sted::parse(code).map(Sted::code),
        CodeList::Tiltak => Tiltak::parse(code).map(Tiltak::code),
        CodeList::Linje => akutt_model::Linje::parse(code).map(akutt_model::Linje::code),
    }
}

/// The columns of each level, computed once.
struct LevelColumns {
    incident: Vec<Column>,
    contact: Vec<Column>,
    contact_all: Vec<Column>,
    patient: Vec<Column>,
    patient_all: Vec<Column>,
    action: Vec<Column>,
}

fn level_columns() -> &'static LevelColumns {
    static COLS: std::sync::OnceLock<LevelColumns> = std::sync::OnceLock::new();
    COLS.get_or_init(|| {
        let of = |l: Level| Column::of_level(l).collect::<Vec<_>>();
        let without =
            |l: Level, key: Column| Column::of_level(l).filter(|c| *c != key).collect::<Vec<_>>();
        LevelColumns {
            incident: without(Level::Incident, Column::Hendelsesnummer),
            contact: without(Level::Contact, Column::Henvendelsesnummer),
            contact_all: of(Level::Contact),
            patient: without(Level::Patient, Column::Pasientnummer),
            patient_all: of(Level::Patient),
            action: of(Level::Action),
        }
    })
}

/// A time point as read, resolved later along the time axis.
type Pending = Option<(LocalResolution, u64)>;

/// Validates one incident. Findings carry line, incident, column and value; the incident is
/// returned only when no error was found.
pub fn validate(raw: &RawIncident, ctx: &Context<'_>, stats: &mut MappingStats) -> Outcome {
    let mut ck = Checker { ctx, id: &raw.id, findings: Vec::new(), stats, date: None };
    let rows: Vec<&RawRow> = raw.rows.iter().collect();
    let first = rows[0];

    // Repeated columns must agree (E106), level by level.
    let cols = level_columns();
    let incident_cols = &cols.incident;
    ck.agree(&rows, incident_cols, "hendelsen", "the incident");
    let contact_groups = group(
        &rows,
        |r| r.get(ctx.header, Column::Henvendelsesnummer),
        |r| cols.contact_all.iter().any(|c| ck.get(r, *c).is_some()),
    );
    let contact_cols = &cols.contact;
    for (_, g) in &contact_groups {
        ck.agree(g, contact_cols, "henvendelsen", "the contact");
    }
    let patient_groups = group(
        &rows,
        |r| r.get(ctx.header, Column::Pasientnummer),
        |r| cols.patient_all.iter().any(|c| ck.get(r, *c).is_some()),
    );
    let patient_cols = &cols.patient;
    for (_, g) in &patient_groups {
        ck.agree(g, patient_cols, "pasientkontakten", "the patient");
    }
    // Actions: one per key; a repeated key must repeat the same content (E107).
    let action_cols = &cols.action;
    let action_groups = group(
        &rows,
        |r| r.get(ctx.header, Column::Tiltaksnummer),
        |r| action_cols.iter().any(|c| ck.get(r, *c).is_some()),
    );
    for (key, g) in &action_groups {
        let reference = g[0];
        if let Some(row) = g
            .iter()
            .skip(1)
            .find(|r| action_cols.iter().any(|c| ck.get(r, *c) != ck.get(reference, *c)))
        {
            let col = action_cols
                .iter()
                .copied()
                .find(|c| ck.get(row, *c) != ck.get(reference, *c))
                .unwrap_or(Column::Tiltaksnummer);
            let key = key.unwrap_or_default();
            let v = ck.get(row, col).unwrap_or("").to_string();
            ck.push(
                RuleCode::E107,
                row.line,
                Some(col),
                Some(&v),
                format!("tiltak «{key}» står også på linje {} med annet innhold", reference.line),
                format!(
                    "action «{key}» also stands on line {} with different content",
                    reference.line
                ),
            );
        }
    }

    // Contacts first: t0 and the date that selects mapping validity.
    let mut contacts = Vec::new();
    let mut contact_times: Vec<Pending> = Vec::new();
    for (key, g) in &contact_groups {
        let r = g[0];
        contact_times.push(ck.time(r, Column::HenvendelseTid));
        contacts.push((key.unwrap_or_default().to_string(), r));
    }
    let t0_guess = contact_times.iter().flatten().map(|(t, _)| t.default_instant()).min();
    ck.date = t0_guess
        .and_then(|t| DateTime::from_timestamp(t, 0))
        .map(|d| d.with_timezone(&chrono_tz::Europe::Oslo).date_naive());

    // Incident-level values (from the first row; disagreement is E106 above).
    let created = ck.time(first, Column::HendelseOpprettet);
    let execute = ck.time(first, Column::Utfores);
    let ready = ck.time(first, Column::Klar);
    let hendelsestype =
        ck.map(first, Column::TypeHendelse, CodeList::Hendelsestype).and_then(Hendelsestype::parse);
    let pickup_place = ck.map(first, Column::TypeHentested, CodeList::Sted).and_then(Sted::parse);
    let (pickup_municipality, pickup_municipality_sent) =
        ck.municipality(first, Column::KommuneHentested, false);
    let urban = match ck.get(first, Column::HentestedTettbygd) {
        None => None,
        Some(v) => match v.to_uppercase().as_str() {
            "J" | "JA" => Some(true),
            "N" | "NEI" => Some(false),
            _ => {
                ck.unparseable(first, Column::HentestedTettbygd, v, "J eller N", "J or N");
                None
            }
        },
    };
    let city_district = ck.get(first, Column::Bydel).and_then(|v| {
        if v.len() == 6 && v.bytes().all(|b| b.is_ascii_digit()) {
            Some(v.to_string())
        } else {
            ck.unparseable(
                first,
                Column::Bydel,
                v,
                "en sekssifret bydelskode",
                "a 6-digit city-district code",
            );
            None
        }
    });
    let risk = ck.get(first, Column::Risiko).map(str::to_string);

    let mut incident = Incident {
        id: raw.id.clone(),
        line: first.line,
        hendelsestype,
        pickup_place,
        pickup_municipality,
        pickup_municipality_sent,
        urban,
        risk,
        city_district,
        ..Incident::default()
    };

    // Contacts.
    for ((id, r), _) in contacts.iter().zip(&contact_times) {
        let sequence = ck.number(r, Column::HenvendelseSekvens);
        let innringer =
            ck.map(r, Column::TypeInnringer, CodeList::Innringer).and_then(Innringer::parse);
        let sambandsvei =
            ck.map(r, Column::TypeSambandsvei, CodeList::Sambandsvei).and_then(Sambandsvei::parse);
        incident.contacts.push(Contact {
            id: id.clone(),
            received_at: None,
            sequence,
            innringer,
            sambandsvei,
        });
    }

    // Patients.
    for (_, g) in &patient_groups {
        let r = g[0];
        incident.patients.push(patient(&mut ck, r));
    }

    // Actions (with their pending times).
    let mut action_times: Vec<[Pending; 9]> = Vec::new();
    for (_, g) in &action_groups {
        let r = g[0];
        let number = ck.number(r, Column::Tiltaksnummer);
        let code_col = if ck.get(r, Column::TiltakKategori).is_some() {
            Column::TiltakKategori
        } else {
            Column::Tiltak
        };
        let tiltak = ck.map(r, code_col, CodeList::Tiltak).and_then(Tiltak::parse);
        let patient_number = ck.number(r, Column::TiltakPasient);
        let delivery_place =
            ck.map(r, Column::TypeLeveringssted, CodeList::Sted).and_then(Sted::parse);
        let (delivery_municipality, delivery_municipality_sent) =
            ck.municipality(r, Column::KommuneLeveringssted, false);
        let times = [
            ck.time(r, Column::TiltakOpprettet),
            ck.time(r, Column::Varslet),
            ck.time(r, Column::RykkerUt),
            ck.time(r, Column::Fremme),
            ck.time(r, Column::Avreist),
            ck.time(r, Column::Levert),
            ck.time(r, Column::Ledig),
            ck.time(r, Column::LedigStasjon),
            ck.time(r, Column::OnskesLevert),
        ];
        action_times.push(times);
        let text = |c: Column| ck.get(r, c).map(str::to_string);
        incident.actions.push(Action {
            number,
            name: text(Column::Tiltak),
            tiltak,
            action_type: text(Column::TypeTiltak),
            patient_number,
            resource: text(Column::Vaktid),
            mission_id: text(Column::Oppdragsnummer),
            mission_type: text(Column::TypeOppdrag),
            delivery_municipality,
            delivery_municipality_sent,
            delivery_place,
            ..Action::default()
        });
    }

    // Times along the axis (§3), resolving ambiguous local times (W208/W209).
    let resolve =
        |ck: &mut Checker<'_>, p: &Pending, c: Column, floor: Option<Instant>| -> Option<Instant> {
            let (r, line) = (*p)?;
            let t = r.resolve_after(floor);
            match r {
                LocalResolution::Ambiguous { earlier, .. } => {
                    let which = if t == earlier {
                        ("den tidligste", "the earlier")
                    } else {
                        ("den seneste", "the later")
                    };
                    let v = ck.get_line_value(&raw.rows, line, c);
                    ck.push(
                        RuleCode::W208,
                        line,
                        Some(c),
                        v.as_deref(),
                        format!("tolket som {} ({})", which.0, format_oslo(t)),
                        format!("read as {} ({})", which.1, format_oslo(t)),
                    );
                }
                LocalResolution::Shifted(_) => {
                    let v = ck.get_line_value(&raw.rows, line, c);
                    ck.push(
                        RuleCode::W209,
                        line,
                        Some(c),
                        v.as_deref(),
                        format!("flyttet til {}", format_oslo(t)),
                        format!("moved to {}", format_oslo(t)),
                    );
                }
                LocalResolution::Exact(_) => {}
            }
            Some(t)
        };
    for (contact, p) in incident.contacts.iter_mut().zip(&contact_times) {
        contact.received_at = resolve(&mut ck, p, Column::HenvendelseTid, None);
    }
    let t0 = incident.t0();
    incident.created_at = resolve(&mut ck, &created, Column::HendelseOpprettet, t0);
    incident.execute_at = resolve(&mut ck, &execute, Column::Utfores, t0);
    incident.ready_at = resolve(&mut ck, &ready, Column::Klar, t0);
    let incident_floor = max_opt(t0, incident.created_at);
    for (action, times) in incident.actions.iter_mut().zip(&action_times) {
        action.created_at = resolve(&mut ck, &times[0], Column::TiltakOpprettet, incident_floor);
        let chain = [
            Column::Varslet,
            Column::RykkerUt,
            Column::Fremme,
            Column::Avreist,
            Column::Levert,
            Column::Ledig,
            Column::LedigStasjon,
        ];
        let mut floor = incident_floor;
        let mut resolved = [None; 7];
        for (k, c) in chain.iter().enumerate() {
            resolved[k] = resolve(&mut ck, &times[k + 1], *c, floor);
            floor = max_opt(floor, resolved[k]);
        }
        [
            action.alerted_at,
            action.departed_at,
            action.at_scene_at,
            action.left_scene_at,
            action.delivered_at,
            action.free_at,
            action.free_at_station_at,
        ] = resolved;
        action.wanted_delivered_at = resolve(&mut ck, &times[8], Column::OnskesLevert, t0);
    }

    // Incident-level errors that need the times.
    if contact_times.iter().all(Option::is_none)
        && !rows.iter().any(|r| ck.get(r, Column::HenvendelseTid).is_some())
    {
        ck.push(
            RuleCode::E103,
            first.line,
            Some(Column::HenvendelseTid),
            None,
            String::new(),
            String::new(),
        );
    }
    if let (Some(t0), Some((start, end))) = (incident.t0(), ctx.period) {
        if t0 < start || t0 >= end {
            let line = incident
                .first_contact()
                .and_then(|c| contacts.iter().find(|(id, _)| *id == c.id))
                .map_or(first.line, |(_, r)| r.line);
            let v = format_oslo(t0);
            ck.push(
                RuleCode::E104,
                line,
                Some(Column::HenvendelseTid),
                Some(&v),
                format!("første henvendelse {v}"),
                format!("first contact {v}"),
            );
        }
    }

    warnings(&mut ck, &incident, first, &contacts, &action_groups);

    let mut findings = ck.findings;
    findings.sort_by_key(|f| (f.line, f.code));
    let rejected = findings.iter().any(|f| f.severity() == Severity::Error);
    if !rejected {
        let mut codes: Vec<RuleCode> = findings.iter().map(|f| f.code).collect();
        codes.dedup();
        codes.sort();
        codes.dedup();
        incident.warnings = codes;
    }
    Outcome { incident: (!rejected).then_some(incident), findings }
}

impl Checker<'_> {
    fn get_line_value(&self, rows: &[RawRow], line: u64, c: Column) -> Option<String> {
        rows.iter().find(|r| r.line == line).and_then(|r| self.get(r, c)).map(str::to_string)
    }
}

fn max_opt(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn patient(ck: &mut Checker<'_>, r: &RawRow) -> Patient {
    let number = ck.number(r, Column::Pasientnummer);
    // Urgency: exactly one of A/B/C marked (W206); other marks are E102.
    let mut marked = Vec::new();
    for (c, u) in [
        (Column::HastegradA, Hastegrad::Rod),
        (Column::HastegradB, Hastegrad::Gul),
        (Column::HastegradC, Hastegrad::Gronn),
    ] {
        if let Some(v) = ck.get(r, c) {
            match v {
                "1" | "X" | "x" | "J" | "j" => marked.push(u),
                "0" | "N" | "n" => {}
                _ => ck.unparseable(r, c, v, "en markering (1 eller X)", "a mark (1 or X)"),
            }
        }
    }
    let urgency = match marked.as_slice() {
        [u] => Some(*u),
        [] => {
            ck.push(
                RuleCode::W206,
                r.line,
                Some(Column::HastegradA),
                None,
                "ingen hastegrad markert".into(),
                "no urgency marked".into(),
            );
            None
        }
        many => {
            let v: Vec<&str> = many.iter().map(|u| u.code()).collect();
            ck.push(
                RuleCode::W206,
                r.line,
                Some(Column::HastegradA),
                Some(&v.join(",")),
                "flere hastegrader markert".into(),
                "more than one urgency marked".into(),
            );
            None
        }
    };
    let criterion = match ck.get(r, Column::Kriterietype) {
        Some(v) if is_valid_criterion(v) => Some(v.to_string()),
        Some(v) => {
            ck.push(
                RuleCode::W207,
                r.line,
                Some(Column::Kriterietype),
                Some(v),
                format!("«{v}» har ikke formen U.KK.NN"),
                format!("«{v}» is not of the form U.KK.NN"),
            );
            None
        }
        None => {
            ck.push(
                RuleCode::W207,
                r.line,
                Some(Column::Kriterietype),
                None,
                "kriterium mangler".into(),
                "criterion missing".into(),
            );
            None
        }
    };
    let sex = ck.get(r, Column::Kjonn).and_then(|v| {
        let k = Kjonn::parse(v);
        if k.is_none() {
            ck.unparseable(
                r,
                Column::Kjonn,
                v,
                "en kjønnskode (1, 2 eller 9)",
                "a sex code (1, 2 or 9)",
            );
        }
        k
    });
    let pseudonym = ck.get(r, Column::Fodselsnummer).and_then(|v| {
        if is_valid_fnr(v) {
            Some(ck.ctx.pseudonymiser.pseudonym(v))
        } else {
            ck.push(
                RuleCode::W205,
                r.line,
                Some(Column::Fodselsnummer),
                Some(v),
                String::new(),
                String::new(),
            );
            None
        }
    });
    let (home_municipality, home_municipality_sent) =
        ck.municipality(r, Column::Folkeregisterkommune, true);
    let text = |c: Column| ck.get(r, c).map(str::to_string);
    Patient {
        number,
        urgency,
        criterion,
        consciousness: text(Column::Bevissthet),
        respiration: text(Column::Respirasjon),
        sex,
        pseudonym,
        home_municipality,
        home_municipality_sent,
        insurance_nation: text(Column::Trygdenasjon),
    }
}

/// The warning rules that look at the whole incident (W201–W204, W210).
fn warnings(
    ck: &mut Checker<'_>,
    inc: &Incident,
    first_row: &RawRow,
    contacts: &[(String, &RawRow)],
    action_groups: &[(Option<&str>, Vec<&RawRow>)],
) {
    let line = inc.line;
    let t0 = inc.t0();
    let t0_line = inc
        .first_contact()
        .and_then(|c| contacts.iter().find(|(id, _)| *id == c.id))
        .map_or(line, |(_, r)| r.line);
    let order = |ck: &mut Checker<'_>, a: (Column, Instant), b: (Column, Instant), line: u64| {
        if b.1 < a.1 {
            ck.push(
                RuleCode::W201,
                line,
                Some(b.0),
                Some(&format_oslo(b.1)),
                format!(
                    "«{}» ({}) er før «{}» ({})",
                    b.0.name(),
                    format_oslo(b.1),
                    a.0.name(),
                    format_oslo(a.1)
                ),
                format!(
                    "«{}» ({}) is before «{}» ({})",
                    b.0.name(),
                    format_oslo(b.1),
                    a.0.name(),
                    format_oslo(a.1)
                ),
            );
        }
    };
    // Incident axis: contact → created; `Utføres` is never before the contact.
    let mut last: Option<(Column, Instant)> = t0.map(|t| (Column::HenvendelseTid, t));
    if let (Some(a), Some(c)) = (last, inc.created_at) {
        order(ck, a, (Column::HendelseOpprettet, c), line);
    }
    if let (Some(a), Some(e)) = (last, inc.execute_at) {
        order(ck, a, (Column::Utfores, e), line);
    }
    if let Some(c) = inc.created_at {
        last = Some((Column::HendelseOpprettet, c));
    }
    let prebooked = inc.is_prebooked();
    let interval = |ck: &mut Checker<'_>,
                    name: (&str, &str),
                    from: Option<Instant>,
                    to: Option<Instant>,
                    col: Column,
                    line: u64| {
        let (Some(a), Some(b)) = (from, to) else { return };
        let d = b - a;
        if d < 0 || (d > MAX_INTERVAL_S && !prebooked) {
            let (nb, en) = if d < 0 {
                ("negativt", "negative")
            } else {
                ("over 24 timer", "longer than 24 h")
            };
            ck.push(
                RuleCode::W202,
                line,
                Some(col),
                Some(&d.to_string()),
                format!("{} er {nb} ({d} s)", name.0),
                format!("{} is {en} ({d} s)", name.1),
            );
        }
    };
    // Incident-level intervals of the indicators (§8).
    let first_alert = inc.actions.iter().filter_map(|a| a.alerted_at).min();
    interval(
        ck,
        ("AMK-reaksjonstid", "AMK reaction time"),
        t0,
        first_alert,
        Column::Varslet,
        t0_line,
    );
    let first_arrival =
        inc.actions.iter().filter(|a| a.is_road_mission()).filter_map(|a| a.at_scene_at).min();
    interval(ck, ("responstid", "response time"), t0, first_arrival, Column::Fremme, t0_line);

    for (action, (_, g)) in inc.actions.iter().zip(action_groups) {
        let aline = g[0].line;
        let chain = [
            (Column::Varslet, action.alerted_at),
            (Column::RykkerUt, action.departed_at),
            (Column::Fremme, action.at_scene_at),
            (Column::Avreist, action.left_scene_at),
            (Column::Levert, action.delivered_at),
            (Column::Ledig, action.free_at),
            (Column::LedigStasjon, action.free_at_station_at),
        ];
        let mut prev = last;
        for (c, t) in chain {
            if let Some(t) = t {
                if let Some(p) = prev {
                    order(ck, p, (c, t), aline);
                }
                prev = Some((c, t));
            }
        }
        // W203 only when the cell is empty (an unreadable one is E102 already).
        if action.tiltak.is_some_and(Tiltak::is_ambulance)
            && ck.get(g[0], Column::Varslet).is_none()
        {
            ck.push(
                RuleCode::W203,
                aline,
                Some(Column::Varslet),
                None,
                String::new(),
                String::new(),
            );
        }
        if action.is_mission() {
            interval(
                ck,
                ("varslet til fremme", "alert to arrival"),
                action.alerted_at,
                action.at_scene_at,
                Column::Fremme,
                aline,
            );
            interval(
                ck,
                ("oppdragstid", "mission time"),
                action.alerted_at,
                action.free_at,
                Column::Ledig,
                aline,
            );
            if action.at_scene_at.is_none() && !action.is_return_without_patient() {
                let v = action.delivery_place.map(Sted::code);
                ck.push(
                    RuleCode::W204,
                    aline,
                    Some(Column::Fremme),
                    v,
                    String::new(),
                    String::new(),
                );
            }
        }
    }
    if inc.urgency() == Some(Hastegrad::Rod)
        && ck.get(first_row, Column::HentestedTettbygd).is_none()
    {
        ck.push(
            RuleCode::W210,
            line,
            Some(Column::HentestedTettbygd),
            None,
            String::new(),
            String::new(),
        );
    }
}

/// Groups rows by a key, keeping first-appearance order; rows for which `belongs` is false
/// form no record of this level. Keys borrow from the rows; an incident has few rows, so
/// groups are found by a linear search until there are many of them.
fn group<'r>(
    rows: &[&'r RawRow],
    key: impl Fn(&'r RawRow) -> Option<&'r str>,
    belongs: impl Fn(&RawRow) -> bool,
) -> Vec<(Option<&'r str>, Vec<&'r RawRow>)> {
    const LINEAR: usize = 16;
    let mut out: Vec<(Option<&'r str>, Vec<&'r RawRow>)> = Vec::new();
    let mut index: HashMap<Option<&'r str>, usize> = HashMap::new();
    for &r in rows {
        if !belongs(r) {
            continue;
        }
        let k = key(r);
        let found = if out.len() <= LINEAR {
            out.iter().position(|(g, _)| *g == k)
        } else {
            index.get(&k).copied()
        };
        match found {
            Some(i) => out[i].1.push(r),
            None => {
                out.push((k, vec![r]));
                if out.len() == LINEAR + 1 {
                    index = out.iter().enumerate().map(|(i, (g, _))| (*g, i)).collect();
                } else if out.len() > LINEAR + 1 {
                    index.insert(k, out.len() - 1);
                }
            }
        }
    }
    out
}
