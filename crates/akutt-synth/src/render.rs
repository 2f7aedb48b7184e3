//! Renders a synthetic incident as the denormalised rows of import format v1 (DOMAIN.md
//! §5): one row per action, contact and patient columns repeated on the rows that belong to
//! them, local codes from the centre's code book, local Oslo times.

use akutt_extract::Column;
use akutt_model::municipality::{is_special_home_code, Register};
use akutt_model::time::oslo_date;
use akutt_model::{CodeList, Hastegrad, Instant};
use chrono::{DateTime, Datelike, NaiveDate, Timelike};
use chrono_tz::Europe::Oslo;

use crate::incident::SynthIncident;
use crate::localcodes::LocalCodes;

/// One row: a cell per [`Column`] (by `Column::index()`), empty = missing.
pub type Row = Vec<String>;

/// The columns a synthetic extract carries, in the generator's canonical order.
pub const COLUMNS: &[Column] = &[
    Column::DatoFra,
    Column::DatoTil,
    Column::UttakDato,
    Column::Versjonsnummer,
    Column::Institusjonsnummer,
    Column::Sentralkode,
    Column::SentralNavn,
    Column::Hendelsesnummer,
    Column::HendelseOpprettet,
    Column::Utfores,
    Column::TypeHendelse,
    Column::TypeHentested,
    Column::KommuneHentested,
    Column::HentestedTettbygd,
    Column::HenvendelseTid,
    Column::Henvendelsesnummer,
    Column::HenvendelseSekvens,
    Column::TypeInnringer,
    Column::TypeSambandsvei,
    Column::Pasientnummer,
    Column::HastegradA,
    Column::HastegradB,
    Column::HastegradC,
    Column::Kriterietype,
    Column::Kjonn,
    Column::Fodselsnummer,
    Column::Folkeregisterkommune,
    Column::Tiltaksnummer,
    Column::TiltakOpprettet,
    Column::Tiltak,
    Column::TiltakKategori,
    Column::TiltakPasient,
    Column::Vaktid,
    Column::Oppdragsnummer,
    Column::TypeOppdrag,
    Column::Varslet,
    Column::RykkerUt,
    Column::Fremme,
    Column::Avreist,
    Column::Levert,
    Column::Ledig,
    Column::LedigStasjon,
    Column::KommuneLeveringssted,
    Column::TypeLeveringssted,
];

/// The mission time columns in the order of [`crate::incident::ALERTED`] … `FREE_AT_STATION`.
pub const MISSION_TIMES: [Column; 7] = [
    Column::Varslet,
    Column::RykkerUt,
    Column::Fremme,
    Column::Avreist,
    Column::Levert,
    Column::Ledig,
    Column::LedigStasjon,
];

/// What every row of one file repeats.
pub struct FileContext<'a> {
    pub centre_code: &'a str,
    pub centre_name: &'a str,
    pub org_number: &'a str,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub codes: &'a LocalCodes,
    /// Write ISO 8601 date-times (`2024-03-05T10:00:20`) instead of Norwegian ones.
    pub iso: bool,
}

/// The rows of one incident and where each record starts.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub rows: Vec<Row>,
    /// Per contact / patient: the index of its first row.
    pub contact_first: Vec<usize>,
    pub patient_first: Vec<usize>,
    /// Per action: its row.
    pub action_row: Vec<usize>,
}

fn two(out: &mut String, n: u32) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// Formats an instant as Oslo local time, `dd.mm.yyyy hh:mm:ss` or ISO without offset.
pub fn format_local(t: Instant, iso: bool) -> String {
    let mut out = String::with_capacity(19);
    let Some(dt) = DateTime::from_timestamp(t, 0) else { return out };
    let local = dt.with_timezone(&Oslo).naive_local();
    let year = local.year().max(0) as u32;
    if iso {
        two(&mut out, year / 100);
        two(&mut out, year % 100);
        out.push('-');
        two(&mut out, local.month());
        out.push('-');
        two(&mut out, local.day());
        out.push('T');
    } else {
        two(&mut out, local.day());
        out.push('.');
        two(&mut out, local.month());
        out.push('.');
        two(&mut out, year / 100);
        two(&mut out, year % 100);
        out.push(' ');
    }
    two(&mut out, local.hour());
    out.push(':');
    two(&mut out, local.minute());
    out.push(':');
    two(&mut out, local.second());
    out
}

pub fn format_date(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

fn set(row: &mut Row, c: Column, v: impl Into<String>) {
    row[c.index()] = v.into();
}

/// A number in [0, 1) fixed by `id` (FNV-1a, then the SplitMix64 finaliser so that ids
/// differing in their last digits spread over the whole interval).
fn unit_draw(id: &str) -> f64 {
    let mut h = id
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^= h >> 31;
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// The successor whose share of the area `draw` (in [0, 1)) falls in; the last one for
/// shares that do not add up to 1.
pub(crate) fn successor_by_share(successors: &[(String, f64)], draw: f64) -> Option<String> {
    let total: f64 = successors.iter().map(|(_, s)| s).sum();
    let mut upto = 0.0;
    for (n, share) in successors {
        upto += share / total;
        if draw < upto {
            return Some(n.clone());
        }
    }
    successors.last().map(|(n, _)| n.clone())
}

/// Renders `inc` with incident id `id`.
pub fn render(inc: &SynthIncident, id: &str, ctx: &FileContext<'_>) -> Rendered {
    let date = {
        let t0 = inc.t0();
        DateTime::from_timestamp(t0, 0).map_or(ctx.from, |d| d.with_timezone(&Oslo).date_naive())
    };
    let code = |list: CodeList, national: &str, alt: bool| {
        ctx.codes.local(list, national, date, alt).to_string()
    };
    let time = |t: Instant| format_local(t, ctx.iso);

    let mut base: Row = vec![String::new(); Column::COUNT];
    set(&mut base, Column::DatoFra, format_date(ctx.from));
    set(&mut base, Column::DatoTil, format_date(ctx.to));
    set(&mut base, Column::UttakDato, format_date(ctx.to + chrono::Days::new(5)));
    set(&mut base, Column::Versjonsnummer, "1");
    set(&mut base, Column::Institusjonsnummer, ctx.org_number);
    set(&mut base, Column::Sentralkode, ctx.centre_code);
    set(&mut base, Column::SentralNavn, ctx.centre_name);
    set(&mut base, Column::Hendelsesnummer, id);
    set(&mut base, Column::HendelseOpprettet, time(inc.created));
    if let Some(e) = inc.execute {
        set(&mut base, Column::Utfores, time(e));
    }
    set(
        &mut base,
        Column::TypeHendelse,
        code(CodeList::Hendelsestype, inc.hendelsestype.code(), inc.alternative_code),
    );
    set(&mut base, Column::TypeHentested, code(CodeList::Sted, inc.pickup.code(), false));
    // The world is drawn in the 2020 structure; the extract carries the numbers in force
    // on the incident's date (DOMAIN.md §4: 2024 numbers from 1 January 2024). A place that
    // was split lies in one of its successors, drawn by their shares of its area (a fixed
    // draw per incident: the same incident always lies in the same successor).
    let day = inc.contacts.first().map_or(inc.created, |c| c.at);
    let day = oslo_date(day).unwrap_or_default();
    let draw = unit_draw(id);
    let in_force = |n: &str| -> String {
        if is_special_home_code(n) {
            return n.to_string();
        }
        successor_by_share(&Register::standard().successors_on(n, day), draw)
            .unwrap_or_else(|| n.to_string())
    };
    set(&mut base, Column::KommuneHentested, in_force(inc.municipality));
    set(&mut base, Column::HentestedTettbygd, if inc.urban { "J" } else { "N" });

    let (nc, np, na) = (inc.contacts.len(), inc.patients.len(), inc.actions.len());
    let n = nc.max(np).max(na).max(1);
    let mut rendered = Rendered {
        rows: Vec::with_capacity(n),
        contact_first: vec![usize::MAX; nc],
        patient_first: vec![usize::MAX; np],
        action_row: Vec::with_capacity(na),
    };
    for i in 0..n {
        let mut row = base.clone();
        if nc > 0 {
            let ci = i.min(nc - 1);
            let c = &inc.contacts[ci];
            set(&mut row, Column::HenvendelseTid, time(c.at));
            set(&mut row, Column::Henvendelsesnummer, format!("{id}{:02}", ci + 1));
            set(&mut row, Column::HenvendelseSekvens, (ci + 1).to_string());
            set(
                &mut row,
                Column::TypeInnringer,
                code(CodeList::Innringer, c.innringer.code(), false),
            );
            set(
                &mut row,
                Column::TypeSambandsvei,
                code(CodeList::Sambandsvei, c.sambandsvei.code(), false),
            );
            if rendered.contact_first[ci] == usize::MAX {
                rendered.contact_first[ci] = i;
            }
        }
        let action = inc.actions.get(i);
        let patient_index = match action.and_then(|a| a.patient) {
            Some(p) => Some(p as usize - 1),
            None if np > 0 => Some(i.min(np - 1)),
            None => None,
        };
        if let Some(pi) = patient_index.filter(|p| *p < np) {
            let p = &inc.patients[pi];
            set(&mut row, Column::Pasientnummer, (pi + 1).to_string());
            let mark = match p.urgency {
                Hastegrad::Rod => Column::HastegradA,
                Hastegrad::Gul => Column::HastegradB,
                Hastegrad::Gronn => Column::HastegradC,
            };
            set(&mut row, mark, ctx.codes.mark);
            set(&mut row, Column::Kriterietype, p.criterion.clone());
            set(&mut row, Column::Kjonn, p.sex.code());
            if let Some(f) = &p.fnr {
                set(&mut row, Column::Fodselsnummer, f.clone());
            }
            set(&mut row, Column::Folkeregisterkommune, in_force(&p.home));
            if rendered.patient_first[pi] == usize::MAX {
                rendered.patient_first[pi] = i;
            }
        }
        if let Some(a) = action {
            set(&mut row, Column::Tiltaksnummer, (i + 1).to_string());
            set(&mut row, Column::TiltakOpprettet, time(a.created));
            set(&mut row, Column::Tiltak, a.tiltak.label());
            set(&mut row, Column::TiltakKategori, code(CodeList::Tiltak, a.tiltak.code(), false));
            if let Some(p) = a.patient {
                set(&mut row, Column::TiltakPasient, p.to_string());
            }
            if let Some(r) = &a.resource {
                set(&mut row, Column::Vaktid, r.clone());
            }
            if let Some(t) = a.mission_type {
                set(&mut row, Column::Oppdragsnummer, format!("{id}-{}", i + 1));
                set(&mut row, Column::TypeOppdrag, t);
            }
            for (k, c) in MISSION_TIMES.iter().enumerate() {
                if let Some(t) = a.times[k] {
                    set(&mut row, *c, time(t));
                }
            }
            if let Some((place, muni)) = &a.delivery {
                set(&mut row, Column::KommuneLeveringssted, in_force(muni));
                set(&mut row, Column::TypeLeveringssted, code(CodeList::Sted, place.code(), false));
            }
            rendered.action_row.push(i);
        }
        rendered.rows.push(row);
    }
    rendered
}

/// Writes one row in the file's column order, `;`-separated, quoting cells that need it.
pub fn write_row(out: &mut String, row: &Row, order: &[Column], line_end: &str) {
    for (k, c) in order.iter().enumerate() {
        if k > 0 {
            out.push(';');
        }
        let v = &row[c.index()];
        if v.contains([';', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&v.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(v);
        }
    }
    out.push_str(line_end);
}

/// The header line in the file's column order.
pub fn header(order: &[Column], line_end: &str) -> String {
    let mut s = order.iter().map(|c| c.name()).collect::<Vec<_>>().join(";");
    s.push_str(line_end);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_on_both_daylight_saving_nights() {
        // 2024-03-31 01:30Z = 03:30 CEST; 2024-10-27 00:30Z = 02:30 CEST, 01:30Z = 02:30 CET.
        assert_eq!(format_local(1_711_848_600, false), "31.03.2024 03:30:00");
        assert_eq!(format_local(1_729_989_000, false), "27.10.2024 02:30:00");
        assert_eq!(format_local(1_729_992_600, true), "2024-10-27T02:30:00");
    }

    #[test]
    fn a_split_places_incidents_fall_in_its_successors_by_area_share() {
        let alesund = Register::standard()
            .successors_on("1507", NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
        let n = 10_000;
        let haram = (0..n)
            .filter(|i| {
                successor_by_share(&alesund, unit_draw(&format!("OSL-{i}"))).as_deref()
                    == Some("1580")
            })
            .count();
        // 41.8 % of the area; the draw is fixed per incident id.
        assert!((3980..=4380).contains(&haram), "{haram} of {n} in Haram");
        assert_eq!(successor_by_share(&alesund, 0.0).as_deref(), Some("1508"));
        assert_eq!(successor_by_share(&alesund, 0.999).as_deref(), Some("1580"));
        assert_eq!(successor_by_share(&[], 0.5), None);
    }
}
