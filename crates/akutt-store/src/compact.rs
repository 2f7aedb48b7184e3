//! `facts.bin`: the indicator facts of one submission in a compact columnar file (issue 17),
//! written at ingest next to its Parquet tables and read by the indicator engine instead of
//! decoding Parquet. Built from the stored Parquet (so both always say the same), and rebuilt
//! from it when missing or of another format version: a data directory from before the file
//! existed upgrades itself on first use. Immutable like the submission it belongs to, so
//! `--as-of` stays exact. Layout (little-endian) in docs/DATA.md, "facts.bin".

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type, TimestampMillisecondType};
use arrow_array::Array;

use crate::facts::{column, opt_s, read, ACTION_FIELDS, INCIDENT_FIELDS, PATIENT_FIELDS};
use crate::{io_err, Result, StoreError};

/// The file's name in a submission's store directory.
pub const FILE_NAME: &str = "facts.bin";
// Version 6: caller type, incident and delivery place, t0's hour and weekday, the index
// criterion's chapter, each mission's own delivery place and whether it flew (the reports'
// and the analyses' groupings). A file of an older version is rebuilt from the Parquet.
const MAGIC: &[u8; 8] = b"AKFACT\x00\x06";
/// A missing string (index into the dictionary).
pub const NONE: u16 = u16::MAX;
/// No hour or weekday (an incident without `t0`).
pub const NO_HOUR: u8 = u8::MAX;
/// A missing duration.
pub const NO_TIME: i64 = i64::MIN;
const HEADER: usize = 8 + 4 * 5 + 8 + 8;

/// One submission's facts, column by column; strings (centre codes, municipality numbers,
/// code values) are indices into `strings`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubmissionFacts {
    pub strings: Vec<String>,
    /// First and last `t0_month` (YYYYMM) of the rows; 0 when no row has one.
    pub min_month: i32,
    pub max_month: i32,
    pub centre: Vec<u16>,
    /// YYYYMM, 0 for none.
    pub month: Vec<i32>,
    pub kommune: Vec<u16>,
    pub urgency: Vec<u16>,
    pub hendelsestype: Vec<u16>,
    pub channel: Vec<u16>,
    /// The first contact's caller type, `Type hentested`, the delivery place
    /// (`akutt_indicators::facts::first_delivery`).
    pub caller: Vec<u16>,
    pub pickup_place: Vec<u16>,
    pub delivery_place: Vec<u16>,
    /// `t0`'s Oslo hour 0–23 and ISO weekday 1–7; [`NO_HOUR`] when there is no `t0`.
    pub hour: Vec<u8>,
    pub weekday: Vec<u8>,
    /// The index criterion's chapter 1–39 (`akutt_indicators::facts::criterion_chapter`),
    /// 0 for none.
    pub criterion_chapter: Vec<u8>,
    /// 0 none, 1 false, 2 true.
    pub urban: Vec<u8>,
    pub prebooked: Vec<u8>,
    pub contacts: Vec<u32>,
    pub missions: Vec<u32>,
    pub road_missions: Vec<u32>,
    pub air_missions: Vec<u32>,
    pub ambulance_actions: Vec<u32>,
    pub reaction_s: Vec<i64>,
    pub response_s: Vec<i64>,
    pub alert_to_arrival_s: Vec<i64>,
    /// The row of each mission, in the order of the extract, and its `Ledig − Varslet`.
    pub mission_row: Vec<u32>,
    pub mission_time_s: Vec<i64>,
    /// Each mission's own `Type leveringssted` (an index into the strings) and 1 when it
    /// flew (`AMB_LUFT`), 0 by road.
    pub mission_place: Vec<u16>,
    pub mission_air: Vec<u8>,
    /// Incident ids (read only when record keys are wanted; empty otherwise).
    pub ids: Vec<String>,
}

impl SubmissionFacts {
    pub fn rows(&self) -> usize {
        self.centre.len()
    }

    /// Reads the facts from a submission's Parquet tables (the definition of what they are).
    pub fn from_parquet(dir: &Path) -> Result<SubmissionFacts> {
        let mut f = SubmissionFacts::default();
        let mut strings: HashMap<String, u16> = HashMap::new();
        let mut intern = |f: &mut SubmissionFacts, s: Option<&str>| -> u16 {
            let Some(s) = s else { return NONE };
            if let Some(&i) = strings.get(s) {
                return i;
            }
            let Some(i) = u16::try_from(f.strings.len()).ok().filter(|i| *i != NONE) else {
                return NONE;
            };
            f.strings.push(s.to_string());
            strings.insert(s.to_string(), i);
            i
        };
        let mut index: HashMap<String, u32> = HashMap::new();
        for batch in read(&dir.join("incidents.parquet"), INCIDENT_FIELDS)? {
            let s = |n: &str| column(&batch, n).map(|a| a.as_string::<i32>());
            let i32s = |n: &str| column(&batch, n).map(|a| a.as_primitive::<Int32Type>());
            let i64s = |n: &str| column(&batch, n).map(|a| a.as_primitive::<Int64Type>());
            let b = |n: &str| column(&batch, n).map(|a| a.as_boolean());
            let (centre, id, month, kommune, urgency, typ, channel) = (
                s("centre")?,
                s("incident_id")?,
                i32s("t0_month")?,
                s("pickup_municipality")?,
                s("urgency")?,
                s("hendelsestype")?,
                s("first_channel")?,
            );
            let (caller, pickup) = (s("first_caller")?, s("pickup_place")?);
            let t0 = column(&batch, "t0")?.as_primitive::<TimestampMillisecondType>();
            let (urban, prebooked) = (b("urban")?, b("prebooked")?);
            let (contacts, missions, road, air, amb) = (
                i32s("n_contacts")?,
                i32s("n_missions")?,
                i32s("n_road_missions")?,
                i32s("n_air_missions")?,
                i32s("n_ambulance_actions")?,
            );
            let (reaction, response, alert) =
                (i64s("reaction_s")?, i64s("response_s")?, i64s("alert_to_arrival_s")?);
            let time = |a: &arrow_array::Int64Array, i: usize| {
                if a.is_null(i) {
                    NO_TIME
                } else {
                    a.value(i).max(NO_TIME + 1)
                }
            };
            let count = |a: &arrow_array::Int32Array, i: usize| {
                if a.is_null(i) {
                    0
                } else {
                    a.value(i).max(0).unsigned_abs()
                }
            };
            for i in 0..batch.num_rows() {
                let row = u32::try_from(f.centre.len())
                    .map_err(|_| StoreError::Invalid("more than 2^32 incidents".into()))?;
                let c = intern(&mut f, Some(centre.value(i)));
                if c == NONE {
                    return Err(StoreError::Invalid(format!(
                        "{}: more than 65,535 distinct values in one submission",
                        dir.display()
                    )));
                }
                f.centre.push(c);
                let m = if month.is_null(i) { 0 } else { month.value(i) };
                f.month.push(m);
                let k = intern(&mut f, opt_s(kommune, i));
                f.kommune.push(k);
                let u = intern(&mut f, opt_s(urgency, i));
                f.urgency.push(u);
                let t = intern(&mut f, opt_s(typ, i));
                f.hendelsestype.push(t);
                let ch = intern(&mut f, opt_s(channel, i));
                f.channel.push(ch);
                let ca = intern(&mut f, opt_s(caller, i));
                f.caller.push(ca);
                let pp = intern(&mut f, opt_s(pickup, i));
                f.pickup_place.push(pp);
                let when = (!t0.is_null(i))
                    .then(|| akutt_model::time::oslo_hour_weekday(t0.value(i).div_euclid(1000)))
                    .flatten();
                f.hour.push(when.map_or(NO_HOUR, |(h, _)| h));
                f.weekday.push(when.map_or(NO_HOUR, |(_, w)| w));
                f.urban.push(if urban.is_null(i) { 0 } else { 1 + u8::from(urban.value(i)) });
                f.prebooked.push(u8::from(!prebooked.is_null(i) && prebooked.value(i)));
                f.contacts.push(count(contacts, i));
                f.missions.push(count(missions, i));
                f.road_missions.push(count(road, i));
                f.air_missions.push(count(air, i));
                f.ambulance_actions.push(count(amb, i));
                f.reaction_s.push(time(reaction, i));
                f.response_s.push(time(response, i));
                f.alert_to_arrival_s.push(time(alert, i));
                f.ids.push(id.value(i).to_string());
                index.insert(id.value(i).to_string(), row);
            }
        }
        // Each incident's missions as (alerted, delivery place), in file order.
        let mut deliveries: Vec<Vec<(Option<i64>, Option<akutt_model::Sted>)>> =
            vec![Vec::new(); f.centre.len()];
        for batch in read(&dir.join("actions.parquet"), ACTION_FIELDS)? {
            let id = column(&batch, "incident_id")?.as_string::<i32>();
            let is_mission = column(&batch, "is_mission")?.as_boolean();
            let time = column(&batch, "mission_time_s")?.as_primitive::<Int64Type>();
            let alerted = column(&batch, "alerted_at")?.as_primitive::<TimestampMillisecondType>();
            let place = column(&batch, "delivery_place")?.as_string::<i32>();
            let tiltak = column(&batch, "tiltak")?.as_string::<i32>();
            for i in 0..batch.num_rows() {
                if is_mission.is_null(i) || !is_mission.value(i) {
                    continue;
                }
                if let Some(&row) = index.get(id.value(i)) {
                    let at = (!alerted.is_null(i)).then(|| alerted.value(i).div_euclid(1000));
                    let sted = opt_s(place, i).and_then(akutt_model::Sted::parse);
                    deliveries[row as usize].push((at, sted));
                    let own = intern(&mut f, sted.map(|p| p.code()));
                    f.mission_place.push(own);
                    f.mission_air.push(u8::from(opt_s(tiltak, i) == Some("AMB_LUFT")));
                    f.mission_row.push(row);
                    f.mission_time_s.push(if time.is_null(i) {
                        NO_TIME
                    } else {
                        time.value(i).max(NO_TIME + 1)
                    });
                }
            }
        }
        // Each incident's patients as (urgency, criterion), in file order.
        let mut patients: Vec<Vec<(Option<akutt_model::Hastegrad>, Option<String>)>> =
            vec![Vec::new(); f.centre.len()];
        for batch in read(&dir.join("patients.parquet"), PATIENT_FIELDS)? {
            let id = column(&batch, "incident_id")?.as_string::<i32>();
            let urgency = column(&batch, "urgency")?.as_string::<i32>();
            let criterion = column(&batch, "criterion")?.as_string::<i32>();
            for i in 0..batch.num_rows() {
                if let Some(&row) = index.get(id.value(i)) {
                    let u = opt_s(urgency, i).and_then(akutt_model::Hastegrad::parse);
                    patients[row as usize].push((u, opt_s(criterion, i).map(str::to_string)));
                }
            }
        }
        f.criterion_chapter = patients
            .iter()
            .map(|p| {
                let of = p.iter().map(|(u, c)| (*u, c.as_deref()));
                akutt_indicators::facts::criterion_chapter(of).unwrap_or(0)
            })
            .collect();
        for missions in deliveries {
            let place = akutt_indicators::facts::first_delivery(missions);
            let d = intern(&mut f, place.map(|p| p.code()));
            f.delivery_place.push(d);
        }
        let months = f.month.iter().copied().filter(|m| *m != 0);
        f.min_month = months.clone().min().unwrap_or(0);
        f.max_month = months.max().unwrap_or(0);
        Ok(f)
    }

    /// The file's bytes: the header, then the columns and the ids as two Snappy blocks.
    pub fn encode(&self) -> Vec<u8> {
        let n = self.rows();
        let mut body = Vec::with_capacity(n * 64);
        for s in &self.strings {
            let b = s.as_bytes();
            let b = if b.len() <= usize::from(u16::MAX) { b } else { &[] };
            body.extend_from_slice(&u16::try_from(b.len()).unwrap_or(0).to_le_bytes());
            body.extend_from_slice(b);
        }
        // Each integer column in the fewest bytes that hold it (see `put_packed`): a month's
        // response times fit in two, its counts in one.
        let none = Some(i64::from(NONE));
        for col in [
            &self.centre,
            &self.kommune,
            &self.urgency,
            &self.hendelsestype,
            &self.channel,
            &self.caller,
            &self.pickup_place,
            &self.delivery_place,
        ] {
            put_packed(&mut body, col.iter().map(|&v| i64::from(v)), none);
        }
        put_packed(&mut body, self.month.iter().map(|&v| i64::from(v)), Some(0));
        body.extend_from_slice(&self.urban);
        body.extend_from_slice(&self.prebooked);
        body.extend_from_slice(&self.hour);
        body.extend_from_slice(&self.weekday);
        body.extend_from_slice(&self.criterion_chapter);
        for col in [
            &self.contacts,
            &self.missions,
            &self.road_missions,
            &self.air_missions,
            &self.ambulance_actions,
        ] {
            put_packed(&mut body, col.iter().map(|&v| i64::from(v)), None);
        }
        for col in [&self.reaction_s, &self.response_s, &self.alert_to_arrival_s] {
            put_packed(&mut body, col.iter().copied(), Some(NO_TIME));
        }
        put_packed(&mut body, self.mission_row.iter().map(|&v| i64::from(v)), None);
        put_packed(&mut body, self.mission_time_s.iter().copied(), Some(NO_TIME));
        put_packed(&mut body, self.mission_place.iter().map(|&v| i64::from(v)), none);
        body.extend_from_slice(&self.mission_air);
        let mut ids = Vec::new();
        for id in &self.ids {
            let b = id.as_bytes();
            ids.extend_from_slice(&u32::try_from(b.len()).unwrap_or(0).to_le_bytes());
            ids.extend_from_slice(b);
        }
        let mut snappy = snap::raw::Encoder::new();
        let body = snappy.compress_vec(&body).unwrap_or_default();
        let ids = snappy.compress_vec(&ids).unwrap_or_default();
        let mut out = Vec::with_capacity(HEADER + body.len() + ids.len());
        out.extend_from_slice(MAGIC);
        for v in [n, self.mission_row.len(), self.strings.len()] {
            out.extend_from_slice(&u32::try_from(v).unwrap_or(u32::MAX).to_le_bytes());
        }
        out.extend_from_slice(&self.min_month.to_le_bytes());
        out.extend_from_slice(&self.max_month.to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(&(ids.len() as u64).to_le_bytes());
        out.extend_from_slice(&body);
        out.extend_from_slice(&ids);
        out
    }

    /// Reads a file's bytes; `with_ids` also reads the incident ids. `None` when the bytes are
    /// not a complete file of this format version (rebuild it).
    pub fn decode(bytes: &[u8], with_ids: bool) -> Option<SubmissionFacts> {
        let mut f = SubmissionFacts::default();
        f.decode_into(bytes, with_ids, &mut Vec::new())?;
        Some(f)
    }

    /// [`SubmissionFacts::decode`] into `self`, reusing its columns' room and `scratch`'s
    /// for the decompressed block: a stream of submissions allocates once, not per file
    /// (fresh memory costs the kernel's zeroing of its pages). `self` is unspecified when
    /// `None`.
    pub fn decode_into(
        &mut self,
        bytes: &[u8],
        with_ids: bool,
        scratch: &mut Vec<u8>,
    ) -> Option<()> {
        let f = self;
        let mut h = Reader { bytes, at: 0 };
        if h.take(8)? != MAGIC {
            return None;
        }
        let n = h.u32()? as usize;
        let m = h.u32()? as usize;
        let n_strings = h.u32()? as usize;
        let min_month = h.u32()? as i32;
        let max_month = h.u32()? as i32;
        let body_len = usize::try_from(h.u64()?).ok()?;
        let ids_len = usize::try_from(h.u64()?).ok()?;
        // The most the columns can take (every string at its longest): a length beyond it
        // is damage, not something to allocate.
        let packed = |rows: usize| rows.checked_mul(8)?.checked_add(PACKED_HEAD);
        let most = n_strings
            .checked_mul(2 + usize::from(u16::MAX))?
            .checked_add(packed(n)?.checked_mul(17)?)?
            .checked_add(n.checked_mul(5)?)?
            .checked_add(packed(m)?.checked_mul(3)?)?
            .checked_add(m)?;
        let body = h.take(body_len)?;
        let unpack = |block: &[u8], most: usize, out: &mut Vec<u8>| -> Option<()> {
            let len = snap::raw::decompress_len(block).ok()?;
            if len > most {
                return None;
            }
            out.clear();
            out.resize(len, 0);
            let written = snap::raw::Decoder::new().decompress(block, out).ok()?;
            (written == len).then_some(())
        };
        unpack(body, most, scratch)?;
        let body = &scratch[..];
        let mut r = Reader { bytes: body, at: 0 };
        (f.min_month, f.max_month) = (min_month, max_month);
        f.strings.clear();
        f.ids.clear();
        for _ in 0..n_strings {
            let len = usize::from(r.u16()?);
            f.strings.push(String::from_utf8(r.take(len)?.to_vec()).ok()?);
        }
        let none = Some(i64::from(NONE));
        r.packed(n, none, &mut f.centre)?;
        r.packed(n, none, &mut f.kommune)?;
        r.packed(n, none, &mut f.urgency)?;
        r.packed(n, none, &mut f.hendelsestype)?;
        r.packed(n, none, &mut f.channel)?;
        r.packed(n, none, &mut f.caller)?;
        r.packed(n, none, &mut f.pickup_place)?;
        r.packed(n, none, &mut f.delivery_place)?;
        r.packed(n, Some(0), &mut f.month)?;
        f.urban.clear();
        f.urban.extend_from_slice(r.take(n)?);
        f.prebooked.clear();
        f.prebooked.extend_from_slice(r.take(n)?);
        f.hour.clear();
        f.hour.extend_from_slice(r.take(n)?);
        f.weekday.clear();
        f.weekday.extend_from_slice(r.take(n)?);
        f.criterion_chapter.clear();
        f.criterion_chapter.extend_from_slice(r.take(n)?);
        r.packed(n, None, &mut f.contacts)?;
        r.packed(n, None, &mut f.missions)?;
        r.packed(n, None, &mut f.road_missions)?;
        r.packed(n, None, &mut f.air_missions)?;
        r.packed(n, None, &mut f.ambulance_actions)?;
        r.packed(n, Some(NO_TIME), &mut f.reaction_s)?;
        r.packed(n, Some(NO_TIME), &mut f.response_s)?;
        r.packed(n, Some(NO_TIME), &mut f.alert_to_arrival_s)?;
        r.packed(m, None, &mut f.mission_row)?;
        r.packed(m, Some(NO_TIME), &mut f.mission_time_s)?;
        r.packed(m, none, &mut f.mission_place)?;
        f.mission_air.clear();
        f.mission_air.extend_from_slice(r.take(m)?);
        if r.at != body.len() {
            return None;
        }
        if f.mission_row.iter().any(|&row| row as usize >= n) {
            return None;
        }
        let dict = f.strings.len();
        let in_dict = |c: &[u16]| c.iter().all(|&i| i == NONE || usize::from(i) < dict);
        let columns = [
            &f.centre,
            &f.kommune,
            &f.urgency,
            &f.hendelsestype,
            &f.channel,
            &f.caller,
            &f.pickup_place,
            &f.delivery_place,
            &f.mission_place,
        ];
        if !columns.iter().all(|c| in_dict(c)) || !f.centre.iter().all(|&c| c != NONE) {
            return None;
        }
        if with_ids {
            let mut ids = Vec::new();
            unpack(h.take(ids_len)?, n.checked_mul(4 + 4096)?, &mut ids)?;
            let mut r = Reader { bytes: &ids, at: 0 };
            for _ in 0..n {
                let len = r.u32()? as usize;
                f.ids.push(String::from_utf8(r.take(len)?.to_vec()).ok()?);
            }
            if r.at != ids.len() || h.at != bytes.len() {
                return None;
            }
        }
        Some(())
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(s)
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Option<u64> {
        self.take(8).map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    }

    /// A column written by [`put_packed`], as `T` (`None`: damaged, or a value `T` cannot
    /// hold).
    fn packed<T: Narrow>(
        &mut self,
        n: usize,
        missing: Option<i64>,
        out: &mut Vec<T>,
    ) -> Option<()> {
        out.clear();
        let width = usize::from(*self.take(1)?.first()?);
        let base = i64::from_le_bytes(self.take(8)?.try_into().ok()?);
        if ![1, 2, 4, 8].contains(&width) {
            return None;
        }
        let b = self.take(n.checked_mul(width)?)?;
        let ones = u64::MAX >> (64 - 8 * width);
        // Usually every value the width can hold, and the missing value, fit in `T`: checked
        // once here, the values are then converted without a check each.
        let fits = |v: i64| (T::LO..=T::HI).contains(&v);
        let top = base.checked_add_unsigned(ones - 1);
        if fits(base) && top.is_some_and(fits) && missing.is_none_or(fits) {
            return narrow(b, width, ones, base, missing, out);
        }
        // One loop per width over fixed-size chunks, without an early exit (a flag records
        // damage), so that each is a plain loop the compiler can unroll.
        match width {
            1 => widen(b.iter().map(|&x| u64::from(x)), out, ones, base, missing),
            2 => widen(
                b.chunks_exact(2).map(|c| u64::from(u16::from_le_bytes([c[0], c[1]]))),
                out,
                ones,
                base,
                missing,
            ),
            4 => widen(
                b.chunks_exact(4).map(|c| u64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]]))),
                out,
                ones,
                base,
                missing,
            ),
            _ => widen(
                b.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0xFF; 8]))),
                out,
                ones,
                base,
                missing,
            ),
        }
    }
}

/// An integer type a packed column is read as, with its range.
trait Narrow: TryFrom<i64> + Default + Copy {
    const LO: i64;
    const HI: i64;
    /// `v` as `Self`, for a `v` within `LO..=HI`.
    fn narrow(v: i64) -> Self;
}

macro_rules! narrow_type {
    ($($t:ty),*) => {$(
        impl Narrow for $t {
            const LO: i64 = <$t>::MIN as i64;
            // No type here is wider than i64 (`allow`: not every type of the list wraps).
            #[allow(clippy::cast_possible_wrap)]
            const HI: i64 = <$t>::MAX as i64;
            // Called with a value in LO..=HI only (`allow`: i64 itself truncates nothing).
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            fn narrow(v: i64) -> Self {
                v as $t
            }
        }
    )*};
}
narrow_type!(u16, u32, i32, i64);

/// A packed column's values where every value its width can hold fits in `T` (see
/// [`Reader::packed`]); `None` when a value is missing where none may be.
fn narrow<T: Narrow>(
    b: &[u8],
    width: usize,
    ones: u64,
    base: i64,
    missing: Option<i64>,
    out: &mut Vec<T>,
) -> Option<()> {
    let (gap, absent) = (missing.is_none(), T::narrow(missing.unwrap_or(T::LO)));
    let mut damaged = false;
    let mut value = |raw: u64| {
        let is_missing = raw == ones;
        damaged |= is_missing && gap;
        if is_missing {
            absent
        } else {
            T::narrow(base.wrapping_add_unsigned(raw))
        }
    };
    match width {
        1 => out.extend(b.iter().map(|&x| value(u64::from(x)))),
        2 => out
            .extend(b.chunks_exact(2).map(|c| value(u64::from(u16::from_le_bytes([c[0], c[1]]))))),
        4 => out.extend(
            b.chunks_exact(4)
                .map(|c| value(u64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]])))),
        ),
        _ => out.extend(
            b.chunks_exact(8).map(|c| value(u64::from_le_bytes(c.try_into().unwrap_or([0xFF; 8])))),
        ),
    }
    (!damaged).then_some(())
}

/// The values of a packed column from its raw integers (see [`put_packed`]); `None` when
/// one is damaged: all ones where no value may be missing, or a value `T` cannot hold.
fn widen<T: TryFrom<i64> + Default>(
    raws: impl Iterator<Item = u64>,
    out: &mut Vec<T>,
    ones: u64,
    base: i64,
    missing: Option<i64>,
) -> Option<()> {
    let mut damaged = false;
    let (gap, missing) = (missing.is_none(), missing.unwrap_or_default());
    for raw in raws {
        let is_missing = raw == ones;
        // A present value is base + raw ≤ the column's largest: an overflow is damage.
        let (v, overflow) = base.overflowing_add_unsigned(raw);
        let v = if is_missing { missing } else { v };
        let t = T::try_from(v);
        damaged |= (is_missing && gap) || (overflow && !is_missing) || t.is_err();
        out.push(t.unwrap_or_default());
    }
    (!damaged).then_some(())
}

/// The bytes before a packed column's values: its width and base.
const PACKED_HEAD: usize = 1 + 8;

/// Writes a column of integers in the fewest bytes that hold it: a width w (1, 2, 4 or 8
/// bytes), the smallest value (i64), then each value less the smallest as a w-byte unsigned
/// integer; the `missing` value, when given, as all ones (which no value uses). Exact for
/// every i64.
fn put_packed(out: &mut Vec<u8>, values: impl Iterator<Item = i64> + Clone, missing: Option<i64>) {
    let present = values.clone().filter(|v| Some(*v) != missing);
    let (lo, hi) = present.fold((i64::MAX, i64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (base, range) = if lo > hi { (0, 0) } else { (lo, hi.abs_diff(lo)) };
    // All ones is reserved for the missing value.
    let width = [1u8, 2, 4, 8]
        .into_iter()
        .find(|w| u128::from(range) < (1u128 << (8 * u32::from(*w))) - 1)
        .unwrap_or(8);
    out.push(width);
    out.extend_from_slice(&base.to_le_bytes());
    let w = usize::from(width);
    let ones = u64::MAX >> (64 - 8 * w);
    for v in values {
        let raw = if Some(v) == missing {
            ones
        } else {
            // v ≥ base, and v − base < 2^(8w) − 1: fits in w bytes.
            v.abs_diff(base)
        };
        out.extend_from_slice(&raw.to_le_bytes()[..w]);
    }
}

/// Writes `facts.bin` for a submission directory from its Parquet tables (atomically:
/// a temporary file, synced, then renamed).
pub fn write(dir: &Path) -> Result<SubmissionFacts> {
    let facts = SubmissionFacts::from_parquet(dir)?;
    let path = dir.join(FILE_NAME);
    // One temporary name per process: a server and a command rebuilding the same file at
    // once each rename a whole file of their own.
    let tmp = dir.join(format!("{FILE_NAME}.{}.tmp", std::process::id()));
    {
        use std::io::Write;
        // Private to the registry's user, as every file of the data directory.
        let mut file = crate::private::create_file(&tmp).map_err(io_err(&tmp))?;
        file.write_all(&facts.encode()).map_err(io_err(&tmp))?;
        file.sync_all().map_err(io_err(&tmp))?;
    }
    std::fs::rename(&tmp, &path).map_err(io_err(&path))?;
    Ok(facts)
}

/// Just the month range of a submission's `facts.bin` (its header), to skip submissions a
/// question does not need; `None` when the file is missing or not of this version.
pub fn month_range(dir: &Path) -> Option<(i32, i32)> {
    let mut head = [0u8; HEADER];
    std::fs::File::open(dir.join(FILE_NAME)).ok()?.read_exact(&mut head).ok()?;
    if &head[..8] != MAGIC {
        return None;
    }
    let at = |i: usize| i32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
    Some((at(20), at(24)))
}

/// A submission's facts: from `facts.bin`, or (missing, truncated or of another version)
/// rebuilt from the Parquet tables and written back when the directory is writable.
pub fn load(dir: &Path, with_ids: bool) -> Result<SubmissionFacts> {
    let mut room = Room::default();
    load_into(dir, with_ids, &mut room)?;
    Ok(room.facts)
}

/// The room a stream of [`load_into`] calls reuses: the file's bytes, the decompressed
/// columns and the facts.
#[derive(Default)]
pub struct Room {
    file: Vec<u8>,
    block: Vec<u8>,
    pub facts: SubmissionFacts,
}

/// [`load`] into `room.facts`, reusing the room of the previous call.
pub fn load_into(dir: &Path, with_ids: bool, room: &mut Room) -> Result<()> {
    let path = dir.join(FILE_NAME);
    let buf = &mut room.file;
    buf.clear();
    match std::fs::File::open(&path) {
        Ok(mut file) => {
            if with_ids {
                file.read_to_end(buf).map_err(io_err(&path))?;
            } else {
                // The header and the columns' block only, not the ids.
                let mut head = [0u8; HEADER];
                if file.read_exact(&mut head).is_ok() {
                    let body = u64::from_le_bytes(head[28..36].try_into().unwrap_or([0; 8]));
                    let on_disk = file.metadata().map_or(0, |m| m.len());
                    if body <= on_disk {
                        buf.extend_from_slice(&head);
                        let body = usize::try_from(body).unwrap_or(0);
                        buf.resize(HEADER + body, 0);
                        if file.read_exact(&mut buf[HEADER..]).is_err() {
                            buf.truncate(HEADER);
                        }
                    }
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(&path)(e)),
    }
    if room.facts.decode_into(buf, with_ids, &mut room.block).is_some() {
        return Ok(());
    }
    // Written back where possible; a read-only data directory still answers.
    room.facts = match write(dir) {
        Ok(f) => f,
        Err(StoreError::Io { .. }) => SubmissionFacts::from_parquet(dir)?,
        Err(e) => return Err(e),
    };
    if !with_ids {
        room.facts.ids.clear();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SubmissionFacts {
        SubmissionFacts {
            strings: vec![
                "OSL".into(),
                "0301".into(),
                "R".into(),
                "113".into(),
                "PUB".into(),
                "HJEM".into(),
                "SH".into(),
            ],
            min_month: 202_403,
            max_month: 202_404,
            centre: vec![0, 0, 0],
            month: vec![202_403, 0, 202_404],
            kommune: vec![1, NONE, 1],
            urgency: vec![2, 2, NONE],
            hendelsestype: vec![NONE, NONE, NONE],
            channel: vec![3, NONE, 3],
            caller: vec![4, NONE, 4],
            pickup_place: vec![5, 6, NONE],
            delivery_place: vec![6, NONE, 6],
            hour: vec![0, NO_HOUR, 23],
            weekday: vec![1, NO_HOUR, 7],
            criterion_chapter: vec![34, 0, 1],
            urban: vec![0, 1, 2],
            prebooked: vec![0, 1, 0],
            contacts: vec![1, 2, 3],
            missions: vec![2, 0, 1],
            road_missions: vec![2, 0, 0],
            air_missions: vec![0, 0, 1],
            ambulance_actions: vec![2, 0, 1],
            reaction_s: vec![60, NO_TIME, 30],
            response_s: vec![600, NO_TIME, NO_TIME],
            alert_to_arrival_s: vec![NO_TIME, NO_TIME, 900],
            mission_row: vec![0, 0, 2],
            mission_time_s: vec![3600, NO_TIME, 1800],
            mission_place: vec![6, NONE, 5],
            mission_air: vec![0, 0, 1],
            ids: vec!["a".into(), "bb".into(), "ccc".into()],
        }
    }

    #[test]
    fn the_file_reads_back_exactly_and_refuses_every_truncation() {
        let f = sample();
        let bytes = f.encode();
        assert_eq!(SubmissionFacts::decode(&bytes, true), Some(f.clone()));
        let without = SubmissionFacts { ids: Vec::new(), ..f };
        assert_eq!(SubmissionFacts::decode(&bytes, false), Some(without));
        for cut in 0..bytes.len() {
            assert_eq!(SubmissionFacts::decode(&bytes[..cut], true), None, "cut at {cut}");
        }
        // Another format version is not read.
        let mut other = bytes.clone();
        other[7] = 1;
        assert_eq!(SubmissionFacts::decode(&other, false), None);
        // A dictionary index out of range is refused, not followed.
        let mut bad = sample();
        bad.kommune[0] = 9;
        assert_eq!(SubmissionFacts::decode(&bad.encode(), false), None);
    }

    /// Reading into reused room gives what a fresh read gives: nothing of the previous file
    /// stays behind, whether the next is smaller, larger, damaged or read without ids; and
    /// no byte flipped anywhere makes the reader panic.
    #[test]
    fn reused_room_reads_each_file_as_a_fresh_read_does() {
        let big = sample();
        let small = SubmissionFacts {
            strings: vec!["BGO".into()],
            min_month: 0,
            max_month: 0,
            centre: vec![0],
            month: vec![0],
            kommune: vec![NONE],
            urgency: vec![NONE],
            hendelsestype: vec![NONE],
            channel: vec![NONE],
            caller: vec![NONE],
            pickup_place: vec![0],
            delivery_place: vec![NONE],
            hour: vec![12],
            weekday: vec![NO_HOUR],
            criterion_chapter: vec![0],
            urban: vec![1],
            prebooked: vec![0],
            contacts: vec![0],
            missions: vec![0],
            road_missions: vec![0],
            air_missions: vec![0],
            ambulance_actions: vec![0],
            reaction_s: vec![NO_TIME],
            response_s: vec![-5],
            alert_to_arrival_s: vec![NO_TIME],
            mission_row: vec![],
            mission_time_s: vec![],
            mission_place: vec![],
            mission_air: vec![],
            ids: vec!["z".into()],
        };
        let (mut room, mut scratch) = (SubmissionFacts::default(), Vec::new());
        let mut files = vec![big.encode(), small.encode(), big.encode()];
        // Every byte of the larger file flipped in turn.
        let clean = big.encode();
        for at in 0..clean.len() {
            let mut damaged = clean.clone();
            damaged[at] ^= 0x5A;
            files.push(damaged);
            files.push(small.encode());
        }
        for bytes in &files {
            for with_ids in [true, false] {
                let fresh = SubmissionFacts::decode(bytes, with_ids);
                let reused = room.decode_into(bytes, with_ids, &mut scratch).map(|()| room.clone());
                assert_eq!(reused, fresh);
            }
        }
    }

    /// A packed column read back as `T` (into a vector with room and old values in it).
    fn read<T: Narrow>(bytes: &[u8], n: usize, missing: Option<i64>) -> Option<Vec<T>> {
        let mut out = vec![T::default(); 3];
        Reader { bytes, at: 0 }.packed(n, missing, &mut out).map(|()| out)
    }

    /// Packed columns keep every value exactly, at every width, the extremes included.
    #[test]
    fn packed_columns_read_back_exactly_at_every_width() {
        let cases: Vec<(Vec<i64>, Option<i64>, u8)> = vec![
            (vec![], Some(NO_TIME), 1),
            (vec![NO_TIME, NO_TIME], Some(NO_TIME), 1),
            (vec![5, 5, 5], None, 1),
            (vec![0, 254], None, 1),
            (vec![0, 255], None, 2),
            (vec![-30, NO_TIME, 600, 65_000], Some(NO_TIME), 2),
            (vec![202_401, 0, 202_412], Some(0), 1),
            (vec![0, 65_534, 65_535], Some(65_535), 2),
            (vec![0, 70_000], None, 4),
            (vec![NO_TIME + 1, i64::MAX, NO_TIME], Some(NO_TIME), 8),
            (vec![-1, i64::from(u32::MAX) + 5], None, 8),
        ];
        for (values, missing, width) in cases {
            let mut bytes = Vec::new();
            put_packed(&mut bytes, values.iter().copied(), missing);
            assert_eq!(bytes[0], width, "{values:?}");
            assert_eq!(bytes.len(), PACKED_HEAD + values.len() * usize::from(width));
            assert_eq!(read::<i64>(&bytes, values.len(), missing), Some(values.clone()));
        }
        // A value the column's type cannot hold, or a missing value where none may be, is
        // damage.
        let mut bytes = Vec::new();
        put_packed(&mut bytes, [1, 70_000].into_iter(), None);
        assert_eq!(read::<u16>(&bytes, 2, None), None);
        // Read as the narrower types: without a check per value where the width's range
        // fits the type, with one where it does not.
        assert_eq!(read::<u32>(&bytes, 2, None), Some(vec![1, 70_000]));
        assert_eq!(read::<i32>(&bytes, 2, None), Some(vec![1, 70_000]));
        let mut bytes = Vec::new();
        put_packed(&mut bytes, [7, 65_535, 300].into_iter(), Some(65_535));
        assert_eq!(read::<u16>(&bytes, 3, Some(65_535)), Some(vec![7, 65_535, 300]));
        let mut bytes = Vec::new();
        put_packed(&mut bytes, [-5, 3].into_iter(), None);
        assert_eq!(read::<u16>(&bytes, 2, None), None, "a negative value is no u16");
        assert_eq!(read::<i32>(&bytes, 2, None), Some(vec![-5, 3]));
        let mut bytes = Vec::new();
        put_packed(&mut bytes, [1, NO_TIME].into_iter(), Some(NO_TIME));
        assert_eq!(read::<i64>(&bytes, 2, None), None);
        bytes[0] = 3;
        assert_eq!(read::<i64>(&bytes, 2, Some(NO_TIME)), None);
    }

    #[test]
    fn the_header_gives_the_month_range() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(month_range(dir.path()), None);
        std::fs::write(dir.path().join(FILE_NAME), sample().encode()).unwrap();
        assert_eq!(month_range(dir.path()), Some((202_403, 202_404)));
    }
}

/// What [`upgrade`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Upgraded {
    /// Accepted AMK submissions looked at.
    pub submissions: usize,
    /// `facts.bin` files (re)built from the Parquet tables.
    pub rebuilt: usize,
    /// Month ranges newly recorded in the catalog.
    pub recorded: usize,
}

/// Brings a data directory of an older release up to date (`akutt upgrade`): every accepted
/// submission gets a `facts.bin` of this version and its months in the catalog, so that
/// questions read only what they need. Idempotent; `progress(done, total)` after each.
pub fn upgrade(
    data: &crate::DataDir,
    catalog: &mut crate::Catalog,
    mut progress: impl FnMut(usize, usize),
) -> Result<Upgraded> {
    let known = catalog.submission_months()?;
    let subs: Vec<_> = catalog
        .submissions()?
        .into_iter()
        .filter(|s| s.kind == crate::catalog::KIND_AMK && s.store_dir.is_some())
        .filter(|s| s.status == crate::catalog::SubmissionStatus::Accepted)
        .collect();
    let mut done = Upgraded { submissions: subs.len(), ..Upgraded::default() };
    for (i, sub) in subs.iter().enumerate() {
        let dir = data.store_dir(sub.store_dir.as_deref().unwrap_or_default());
        let whole = std::fs::read(dir.join(FILE_NAME)).ok();
        let mut range = whole
            .and_then(|b| SubmissionFacts::decode(&b, true))
            .map(|f| (f.min_month, f.max_month));
        if range.is_none() {
            let f = write(&dir)?;
            range = Some((f.min_month, f.max_month));
            done.rebuilt += 1;
        }
        if let Some(r) = range.filter(|r| known.get(&sub.id) != Some(r)) {
            catalog.set_submission_months(sub.id, r)?;
            done.recorded += 1;
        }
        progress(i + 1, subs.len());
    }
    Ok(done)
}
