//! The indicators of DOMAIN.md §8 over a set of incident rows, for any filter and grouping:
//! one pass groups the rows, each group's samples give exact nearest-rank percentiles.
//! No I/O: the rows come from the store (or, in tests, straight from incidents).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use akutt_disclosure::{CellKey, Count, IncidentKeys, Part, RecordKey, RecordKeyer};
use akutt_model::municipality::Register;
use akutt_model::{
    Hastegrad, Hendelsestype, Incident, Innringer, Month, MonthRange, Sambandsvei, Sted,
};
use serde::Serialize;

use crate::facts::{facts, is_misdial, is_reported};
use crate::geography::{Places, SplitNote, UnknownStructure};
use crate::indicator::Indicator;
use crate::percentile::{summarise, Summary};

/// `response_within_target` thresholds (§8): 12 min urban, 25 min rural.
pub const TARGET_URBAN_S: i64 = 12 * 60;
pub const TARGET_RURAL_S: i64 = 25 * 60;

/// Interned strings (centres, municipalities) so rows stay small and `Copy`.
#[derive(Debug, Clone, Default)]
pub struct Dict {
    pub centres: Vec<String>,
    pub kommuner: Vec<String>,
    centre_ids: HashMap<String, u16>,
    kommune_ids: HashMap<String, u16>,
}

/// The id of an unknown municipality.
pub const UNKNOWN: u16 = u16::MAX;

/// A code list position as a group code (lists have a handful of entries).
fn index_of(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

impl Dataset {
    /// The row indices of `months`, of one centre only when `centre` is given.
    fn month_rows(
        &self,
        months: MonthRange,
        centre: Option<u16>,
    ) -> Box<dyn Iterator<Item = u32> + '_> {
        if self.unindexed {
            // One submission of a stream: its few thousand rows are scanned, not indexed.
            return Box::new((0..index(self.rows.len())).filter(move |&i| {
                let r = &self.rows[i as usize];
                r.month.is_some_and(|m| months.contains(m)) && centre.is_none_or(|c| r.centre == c)
            }));
        }
        let range = self.by_month.range(months.from()..=months.to());
        match centre {
            None => Box::new(range.flat_map(|(_, ix)| ix.iter().copied())),
            Some(c) => Box::new(range.flat_map(move |(m, ix)| {
                self.centre_runs.get(m).into_iter().flatten().filter(move |r| r.0 == c).flat_map(
                    move |&(_, start, end)| {
                        ix.get(start as usize..end as usize).unwrap_or(&[]).iter().copied()
                    },
                )
            })),
        }
    }
}

impl Dataset {
    /// The rows of `months` per (municipality id, centre id), a pair possibly more than once.
    fn places_in(&self, months: MonthRange) -> Box<dyn Iterator<Item = ((u16, u16), u64)> + '_> {
        if self.unindexed {
            return Box::new(
                self.month_rows(months, None)
                    .map(|i| &self.rows[i as usize])
                    .map(|r| ((r.kommune, r.centre), 1)),
            );
        }
        Box::new(
            self.place_counts
                .range(months.from()..=months.to())
                .flat_map(|(_, counts)| counts.iter().map(|(&k, &n)| (k, n))),
        )
    }
}

fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// A centre's id from its group code (codes are ids widened to u32).
fn centre_id(code: u32) -> u16 {
    u16::try_from(code).unwrap_or(UNKNOWN)
}

/// The group code of a row without a month (and so without a year).
const NO_MONTH: u32 = u32::MAX - 1;

impl Dict {
    pub fn centre(&mut self, code: &str) -> u16 {
        if let Some(&id) = self.centre_ids.get(code) {
            return id;
        }
        // Past 65,535 distinct codes a new one reads as unknown instead of as another's.
        let Ok(id) = u16::try_from(self.centres.len()) else { return UNKNOWN };
        self.centres.push(code.to_string());
        self.centre_ids.insert(code.to_string(), id);
        id
    }

    pub fn kommune(&mut self, number: Option<&str>) -> u16 {
        let Some(number) = number else { return UNKNOWN };
        if let Some(&id) = self.kommune_ids.get(number) {
            return id;
        }
        // Past 65,535 distinct numbers a new one reads as unknown instead of as another's.
        let Some(id) = u16::try_from(self.kommuner.len()).ok().filter(|id| *id != UNKNOWN) else {
            return UNKNOWN;
        };
        self.kommuner.push(number.to_string());
        self.kommune_ids.insert(number.to_string(), id);
        id
    }

    pub fn centre_id(&self, code: &str) -> Option<u16> {
        self.centre_ids.get(code).copied()
    }
}

/// One reported or unreported incident, as the indicators see it.
/// A duration in whole seconds, or none, in 8 bytes (an `Option<i64>` takes 16, and a
/// decade is 8 million rows of three of them). Every `i64` but `i64::MIN` is kept exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seconds(i64);

impl Seconds {
    pub const NONE: Seconds = Seconds(i64::MIN);

    pub fn get(self) -> Option<i64> {
        (self.0 != i64::MIN).then_some(self.0)
    }
}

impl Default for Seconds {
    fn default() -> Seconds {
        Seconds::NONE
    }
}

impl From<Option<i64>> for Seconds {
    /// `i64::MIN` itself (no real duration) reads as one second more.
    fn from(v: Option<i64>) -> Seconds {
        v.map_or(Seconds::NONE, |x| Seconds(x.max(i64::MIN + 1)))
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Row {
    pub centre: u16,
    /// t0's month in Oslo time (`None`: the incident has no t0).
    pub month: Option<Month>,
    pub kommune: u16,
    pub urgency: Option<Hastegrad>,
    pub hendelsestype: Option<Hendelsestype>,
    /// Channel of the first contact.
    pub sambandsvei: Option<Sambandsvei>,
    /// Caller type of the first contact.
    pub innringer: Option<Innringer>,
    /// `t0`'s Oslo hour of the week, `24 × (weekday − 1) + hour` (0–167; one byte for
    /// both, a decade holds 8 million rows); [`Row::NO_HOUR`] without `t0`.
    pub hour_of_week: u8,
    /// `Type hentested`: where the incident happened.
    pub hentested: Option<Sted>,
    /// Where its transport ended (`facts::first_delivery`).
    pub leveringssted: Option<Sted>,
    /// The index-criterion chapter, 1–39 (`facts::criterion_chapter`); 0 for none.
    pub kriteriekapittel: u8,
    /// `Hentested tettbygd`: urban (`J`) or rural (`N`).
    pub urban: Option<bool>,
    pub prebooked: bool,
    pub contacts: u32,
    pub missions: u32,
    pub road_missions: u32,
    pub air_missions: u32,
    pub ambulance_actions: u32,
    pub reaction_s: Seconds,
    pub response_s: Seconds,
    pub alert_to_arrival_s: Seconds,
    /// The cell-key method's keys of the incident and its parts (DOMAIN.md §9).
    pub keys: RowKeys,
}

/// An incident's record key and the sums of the record keys of its contacts, missions,
/// road missions and air missions (a cell key is additive, so the sums are all a count of
/// contacts needs).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RowKeys {
    pub incident: RecordKey,
    pub contacts: CellKey,
    pub missions: CellKey,
    pub road_missions: CellKey,
    pub air_missions: CellKey,
}

impl RowKeys {
    /// The keys of incident `incident_id` of `centre` with so many contacts and missions;
    /// the k-th mission's own key is `keyer.incident(..).part(Part::Mission, k)`.
    pub fn of(
        keyer: &RecordKeyer,
        centre: &str,
        incident_id: &str,
        contacts: u32,
        missions: u32,
        road_missions: u32,
        air_missions: u32,
    ) -> RowKeys {
        let k = keyer.incident(centre, incident_id);
        RowKeys::from_incident(&k, contacts, missions, road_missions, air_missions)
    }

    /// [`RowKeys::of`] from the incident's keys.
    pub fn from_incident(
        k: &IncidentKeys,
        contacts: u32,
        missions: u32,
        road_missions: u32,
        air_missions: u32,
    ) -> RowKeys {
        RowKeys {
            incident: k.key,
            contacts: k.parts(Part::Contact, contacts),
            missions: k.parts(Part::Mission, missions),
            road_missions: k.parts(Part::RoadMission, road_missions),
            air_missions: k.parts(Part::AirMission, air_missions),
        }
    }
}

/// One mission: the row of its incident, `Ledig − Varslet`, its record key, whether it flew,
/// the key it counts with among the road (or air) missions, and its own delivery place
/// (DOMAIN.md §13: volumes of missions group by the mission's own delivery place).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MissionTime {
    pub row: u32,
    pub time_s: Seconds,
    pub key: RecordKey,
    /// The key of the j-th road (or air) mission of its incident, `Part::RoadMission` (or
    /// `Part::AirMission`) j: the same key the incident's road (air) count sums.
    pub kind_key: RecordKey,
    /// `Type leveringssted`: an index of `Sted::ALL`, [`MissionTime::NO_PLACE`] for none.
    pub place: u8,
    pub air: bool,
}

impl MissionTime {
    pub const NO_PLACE: u8 = u8::MAX;

    /// The place's index (as `Key::Leveringssted` codes it).
    pub fn place_of(place: Option<Sted>) -> u8 {
        place
            .and_then(|p| Sted::ALL.iter().position(|s| *s == p))
            .and_then(|i| u8::try_from(i).ok())
            .unwrap_or(MissionTime::NO_PLACE)
    }

    /// The grouping code of its delivery place (that of `Key::Leveringssted`).
    fn place_code(&self) -> u32 {
        if self.place == MissionTime::NO_PLACE {
            99
        } else {
            u32::from(self.place)
        }
    }
}

impl Row {
    /// No `t0`, so no hour of the week.
    pub const NO_HOUR: u8 = u8::MAX;

    /// [`Row::hour_of_week`] of an hour (0–23) and an ISO weekday (1–7).
    pub fn hour_of_week(hour: Option<u8>, weekday: Option<u8>) -> u8 {
        match (hour, weekday) {
            (Some(h @ 0..24), Some(w @ 1..=7)) => 24 * (w - 1) + h,
            _ => Row::NO_HOUR,
        }
    }

    /// `t0`'s Oslo hour, 0–23.
    pub fn hour(&self) -> Option<u8> {
        (self.hour_of_week < 168).then_some(self.hour_of_week % 24)
    }

    /// `t0`'s ISO weekday, 1–7.
    pub fn weekday(&self) -> Option<u8> {
        (self.hour_of_week < 168).then_some(self.hour_of_week / 24 + 1)
    }

    pub fn reported(&self) -> bool {
        is_reported(self.sambandsvei, self.ambulance_actions)
    }

    /// The population of `response_time`, `alert_to_arrival` and `response_within_target`:
    /// reported red incidents, not pre-booked, not misdials, with at least one road mission.
    pub fn in_response_population(&self) -> bool {
        self.reported()
            && self.urgency == Some(Hastegrad::Rod)
            && !self.prebooked
            && !is_misdial(self.hendelsestype)
            && self.road_missions > 0
    }

    /// The population of `amk_reaction_time`: reported incidents whose first contact came on
    /// `113`, not misdials, with an ambulance action or any alerted action.
    pub fn in_reaction_population(&self) -> bool {
        self.reported()
            && self.sambandsvei == Some(Sambandsvei::Nodlinje113)
            && !is_misdial(self.hendelsestype)
            && (self.ambulance_actions > 0 || self.reaction_s.get().is_some())
    }
}

/// The rows of a data set and the mission times (row index, seconds).
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub dict: Dict,
    pub rows: Vec<Row>,
    pub mission_times: Vec<MissionTime>,
    /// Whether the rows carry record keys from the registry's secret (a dataset without
    /// them must never be published: every cell key would be known).
    pub keyed: bool,
    /// Copies of the rows in the response-time population (about a sixth of all), kept by
    /// [`Dataset::push_row`] side by side, so response-only queries stream through them
    /// instead of missing the cache on every row.
    pub response_rows: Vec<Row>,
    /// Row indices by month, in row order: a period's rows without a full scan (rows
    /// without a month are in no period).
    pub by_month: BTreeMap<Month, Vec<u32>>,
    /// Per month, the runs of one centre's rows in `by_month`'s list (centre, start, end):
    /// a submission's rows are contiguous, so a centre's question visits its rows only.
    pub centre_runs: BTreeMap<Month, Vec<(u16, u32, u32)>>,
    /// Per month, the rows per (municipality id, centre id): a period's catchments and
    /// split numbers without a scan of its rows, whatever the question.
    place_counts: BTreeMap<Month, FastMap<(u16, u16), u64>>,
    /// The municipality register the stored numbers are translated by (`None`: the
    /// shipped one).
    pub register: Option<Arc<Register>>,
    /// Rows without the month index and the response copies: a [`Stream`]'s submission,
    /// scanned once and emptied, costs less to scan than to index.
    pub unindexed: bool,
}

impl Dataset {
    /// Empties the rows (keeping the dictionary and the room the vectors have): the next
    /// submission of a [`Stream`] goes in.
    pub fn clear_rows(&mut self) {
        self.rows.clear();
        self.mission_times.clear();
        self.response_rows.clear();
        // The months' lists are emptied, not dropped: the next submission reuses their room.
        self.by_month.values_mut().for_each(Vec::clear);
        self.centre_runs.values_mut().for_each(Vec::clear);
        self.place_counts.clear();
    }

    /// Makes room for about `rows` more rows (and their missions and response copies).
    pub fn reserve(&mut self, rows: usize) {
        self.rows.reserve(rows);
        // About one mission per incident, a sixth of the incidents in the response population.
        self.mission_times.reserve(rows + rows / 4);
        self.response_rows.reserve(rows / 5);
    }

    /// Adds a row; returns its index.
    #[expect(
        clippy::cast_possible_truncation,
        reason = "row indices are u32 by design: a national decade is ~10 million rows"
    )]
    pub fn push_row(&mut self, row: Row) -> u32 {
        let index = self.rows.len() as u32;
        if self.unindexed {
            self.rows.push(row);
            return index;
        }
        if row.in_response_population() {
            self.response_rows.push(row);
        }
        if let Some(m) = row.month {
            let list = self.by_month.entry(m).or_default();
            list.push(index);
            let at = index_of(list.len());
            let runs = self.centre_runs.entry(m).or_default();
            match runs.last_mut() {
                Some((c, _, end)) if *c == row.centre && *end + 1 == at => *end = at,
                _ => runs.push((row.centre, at - 1, at)),
            }
            *self
                .place_counts
                .entry(m)
                .or_default()
                .entry((row.kommune, row.centre))
                .or_default() += 1;
        }
        self.rows.push(row);
        index
    }

    /// Adds one validated incident of `centre` (the path tests take; the store builds rows
    /// from stored columns with the same [`facts`] and [`RowKeys::of`]).
    pub fn push_incident(&mut self, keyer: &RecordKeyer, centre: &str, inc: &Incident) {
        let f = facts(inc);
        let first = inc.first_contact();
        let contacts = u32::try_from(inc.contacts.len()).unwrap_or(u32::MAX);
        let k = keyer.incident(centre, &inc.id);
        let keys =
            RowKeys::from_incident(&k, contacts, f.missions, f.road_missions, f.air_missions);
        self.keyed = true;
        let row = Row {
            centre: self.dict.centre(centre),
            month: f.month,
            kommune: self.dict.kommune(inc.pickup_municipality.as_deref()),
            urgency: inc.urgency(),
            hendelsestype: inc.hendelsestype,
            sambandsvei: first.and_then(|c| c.sambandsvei),
            innringer: first.and_then(|c| c.innringer),
            hour_of_week: Row::hour_of_week(f.hour, f.weekday),
            hentested: inc.pickup_place,
            leveringssted: f.delivery_place,
            kriteriekapittel: f.criterion_chapter.unwrap_or(0),
            urban: inc.urban,
            prebooked: inc.is_prebooked(),
            contacts,
            missions: f.missions,
            road_missions: f.road_missions,
            air_missions: f.air_missions,
            ambulance_actions: f.ambulance_actions,
            reaction_s: f.reaction_s.into(),
            response_s: f.response_s.into(),
            alert_to_arrival_s: f.alert_to_arrival_s.into(),
            keys,
        };
        let index = self.push_row(row);
        let (mut road, mut air) = (0u32, 0u32);
        for ((t, i), m) in f.mission_times_s.into_iter().zip(0u32..).zip(inc.missions()) {
            let flies = m.tiltak == Some(akutt_model::Tiltak::AmbulanseLuft);
            let kind_key = if flies {
                air += 1;
                k.part(Part::AirMission, air - 1)
            } else {
                road += 1;
                k.part(Part::RoadMission, road - 1)
            };
            self.mission_times.push(MissionTime {
                row: index,
                time_s: t.into(),
                key: k.part(Part::Mission, i),
                kind_key,
                place: MissionTime::place_of(m.delivery_place),
                air: flies,
            });
        }
    }
}

/// A grouping key of `--by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Centre,
    Month,
    Year,
    Kommune,
    Urgency,
    Hendelsestype,
    Sambandsvei,
    Area,
    /// Caller type of the first contact (`PUB`, `HP`, `BPH`).
    Innringer,
    /// `t0`'s Oslo clock hour, 0–23.
    Hour,
    /// `t0`'s ISO weekday, 1 Monday … 7 Sunday.
    Weekday,
    /// Where the incident happened (`Type hentested`, kodeverk `sted`).
    Hentested,
    /// Where its transport ended (`Type leveringssted` of the first-alerted mission with one).
    Leveringssted,
    /// The chapter of the index criterion (`01`–`39`; 34 Trafikkulykke).
    Kriteriekapittel,
}

impl Key {
    pub const ALL: [Key; 14] = [
        Key::Centre,
        Key::Month,
        Key::Year,
        Key::Kommune,
        Key::Urgency,
        Key::Hendelsestype,
        Key::Sambandsvei,
        Key::Area,
        Key::Innringer,
        Key::Hour,
        Key::Weekday,
        Key::Hentested,
        Key::Leveringssted,
        Key::Kriteriekapittel,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Key::Centre => "centre",
            Key::Month => "month",
            Key::Year => "year",
            Key::Kommune => "kommune",
            Key::Urgency => "urgency",
            Key::Hendelsestype => "hendelsestype",
            Key::Sambandsvei => "sambandsvei",
            Key::Area => "area",
            Key::Innringer => "innringer",
            Key::Hour => "hour",
            Key::Weekday => "weekday",
            Key::Hentested => "hentested",
            Key::Leveringssted => "leveringssted",
            Key::Kriteriekapittel => "kriteriekapittel",
        }
    }

    pub fn parse(s: &str) -> Option<Key> {
        Key::ALL.into_iter().find(|k| k.name() == s.trim())
    }

    fn code(self, r: &Row, places: &Places<'_>) -> u32 {
        match self {
            Key::Centre => u32::from(r.centre),
            Key::Month => r.month.map_or(NO_MONTH, Month::ordinal),
            Key::Year => r.month.map_or(NO_MONTH, |m| m.year().unsigned_abs()),
            Key::Kommune => u32::from(places.of(r.kommune)),
            Key::Urgency => r.urgency.map_or(9, |u| u as u32),
            Key::Hendelsestype => r.hendelsestype.map_or(99, |t| t as u32),
            Key::Sambandsvei => r.sambandsvei.map_or(99, |t| t as u32),
            Key::Area => r.urban.map_or(9, |u| if u { 0 } else { 1 }),
            Key::Innringer => r.innringer.map_or(99, |t| t as u32),
            Key::Hour => r.hour().map_or(99, u32::from),
            Key::Weekday => r.weekday().map_or(99, u32::from),
            Key::Hentested => r.hentested.map_or(99, |t| t as u32),
            Key::Leveringssted => r.leveringssted.map_or(99, |t| t as u32),
            Key::Kriteriekapittel => u32::from(r.kriteriekapittel),
        }
    }

    fn value(self, code: u32, dict: &Dict, places: &Places<'_>) -> GroupValue {
        match self {
            Key::Centre => dict
                .centres
                .get(code as usize)
                .map_or(GroupValue::Null, |c| GroupValue::Text(c.clone())),
            Key::Month => Month::from_ordinal(code)
                .filter(|_| code != NO_MONTH)
                .map_or(GroupValue::Null, |m| GroupValue::Text(m.to_string())),
            Key::Year if code == NO_MONTH => GroupValue::Null,
            Key::Year => GroupValue::Number(i64::from(code)),
            Key::Kommune => u16::try_from(code)
                .ok()
                .and_then(|c| places.number(c))
                .map_or(GroupValue::Null, |k| GroupValue::Text(k.to_string())),
            Key::Urgency => Hastegrad::ALL
                .get(code as usize)
                .map_or(GroupValue::Null, |u| GroupValue::Text(u.code().into())),
            Key::Hendelsestype => Hendelsestype::ALL
                .get(code as usize)
                .map_or(GroupValue::Null, |u| GroupValue::Text(u.code().into())),
            Key::Sambandsvei => Sambandsvei::ALL
                .get(code as usize)
                .map_or(GroupValue::Null, |u| GroupValue::Text(u.code().into())),
            Key::Area => match code {
                0 => GroupValue::Text("urban".into()),
                1 => GroupValue::Text("rural".into()),
                _ => GroupValue::Null,
            },
            Key::Innringer => Innringer::ALL
                .get(code as usize)
                .map_or(GroupValue::Null, |u| GroupValue::Text(u.code().into())),
            Key::Hour if code < 24 => GroupValue::Number(i64::from(code)),
            Key::Weekday if (1..=7).contains(&code) => GroupValue::Number(i64::from(code)),
            Key::Hour | Key::Weekday => GroupValue::Null,
            Key::Hentested | Key::Leveringssted => Sted::ALL
                .get(code as usize)
                .map_or(GroupValue::Null, |u| GroupValue::Text(u.code().into())),
            Key::Kriteriekapittel if (1..=39).contains(&code) => {
                GroupValue::Text(format!("{code:02}"))
            }
            Key::Kriteriekapittel => GroupValue::Null,
        }
    }
}

/// A group value in the output (`"OSL"`, `2024`, or `null` for unknown).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum GroupValue {
    Text(String),
    Number(i64),
    Null,
}

/// What to compute.
#[derive(Debug, Clone)]
pub struct Query {
    /// The months, inclusive.
    pub months: MonthRange,
    pub centre: Option<String>,
    pub by: Vec<Key>,
    /// Further filters, each a key and the value it must have (`("urgency", "R")`,
    /// `("area", "rural")`, `("kommune", "0301")`, …): every key must hold, and several
    /// values of one key are alternatives (`kommune` 3101 or 3103: an area).
    pub filters: Vec<(Key, String)>,
    /// The municipality structure of every grouping, filter and rate by municipality
    /// (`None`: the newest; DOMAIN.md §8 "Geography through time").
    pub structure: Option<i32>,
}

impl Query {
    /// The months whose rows an answer of `only` reads: the query's months, and for
    /// volumes (their change against last year) the same months a year earlier too. A store
    /// loads just the submissions with incidents in them.
    pub fn months_read(&self, only: &[Indicator]) -> MonthRange {
        if only.contains(&Indicator::Volume) {
            if let Some(before) = self.months.from().plus_years(-1) {
                if let Ok(r) = MonthRange::new(before, self.months.to()) {
                    return r;
                }
            }
        }
        self.months
    }
}

impl Key {
    /// The code a filter value stands for (`None`: no row can match).
    fn filter_code(self, value: &str, dict: &Dict, places: &Places<'_>) -> Option<u32> {
        let v = value.trim();
        match self {
            Key::Centre => dict.centre_id(&v.to_uppercase()).map(u32::from),
            // A number of any structure, translated like the records.
            Key::Kommune => places
                .register
                .translate(v, places.structure)
                .and_then(|t| places.id(&t.number))
                .map(u32::from),
            Key::Month => Month::parse(v).ok().map(Month::ordinal),
            Key::Year => v.parse().ok(),
            Key::Urgency => {
                Hastegrad::ALL.iter().position(|h| h.code() == v.to_uppercase()).map(index)
            }
            Key::Hendelsestype => {
                Hendelsestype::ALL.iter().position(|h| h.code() == v.to_uppercase()).map(index)
            }
            Key::Sambandsvei => {
                Sambandsvei::ALL.iter().position(|h| h.code() == v.to_uppercase()).map(index)
            }
            Key::Area => match v {
                "urban" => Some(0),
                "rural" => Some(1),
                _ => None,
            },
            Key::Innringer => {
                Innringer::ALL.iter().position(|h| h.code() == v.to_uppercase()).map(index)
            }
            Key::Hour => v.parse().ok().filter(|h| *h < 24),
            Key::Weekday => v.parse().ok().filter(|d| (1..=7).contains(d)),
            Key::Hentested | Key::Leveringssted => {
                Sted::ALL.iter().position(|h| h.code() == v.to_uppercase()).map(index)
            }
            Key::Kriteriekapittel => v.parse().ok().filter(|c| (1..=39).contains(c)),
        }
    }
}

/// Inhabitants per municipality and year (`akutt population load`).
#[derive(Debug, Clone, Default)]
pub struct Population {
    pub by_kommune_year: HashMap<(String, i32), u64>,
}

/// One figure of the output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub id: Indicator,
    pub group: BTreeMap<&'static str, GroupValue>,
    #[serde(flatten)]
    pub values: Values,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Values {
    Times {
        n: Count,
        n_missing: Count,
        median_s: Option<i64>,
        p90_s: Option<i64>,
        mean_s: Option<f64>,
    },
    Target {
        n: Count,
        within: Count,
        share: Option<f64>,
    },
    Volume {
        contacts: Count,
        incidents: Count,
        missions: Count,
        road_missions: Count,
        air_missions: Count,
        per_1000: Option<Rates>,
        change_vs_last_year: Option<Rates>,
        /// What publishing needs beyond the counts: the inhabitants the rates are per, and
        /// last year's counts (their own cells) for the change.
        #[serde(skip)]
        basis: VolumeBasis,
    },
    Missions {
        n: Count,
        median_s: Option<i64>,
        p90_s: Option<i64>,
        unit_hours: f64,
        #[serde(skip)]
        mean_s: Option<f64>,
    },
    /// `answer_time` (DOMAIN.md §11).
    Answer {
        n: Count,
        median_s: Option<i64>,
        p90_s: Option<i64>,
        mean_s: Option<f64>,
        within_10s: Count,
        share_within_10s: Option<f64>,
        abandoned: Count,
        short_abandoned: Count,
        overflowed: Count,
        offered: Count,
        /// The share's denominator: answered + abandoned (their own cell for publishing).
        #[serde(skip)]
        denominator: Count,
    },
}

/// The denominators of a volume figure's rates and changes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VolumeBasis {
    pub inhabitants: Option<f64>,
    /// Contacts, incidents and missions of the same period a year earlier.
    pub last_year: Option<[Count; 3]>,
}

/// Contacts, incidents and missions as rates (per 1000 inhabitants) or relative changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rates {
    pub contacts: Option<f64>,
    pub incidents: Option<f64>,
    pub missions: Option<f64>,
}

type GroupKey = [u32; 9];

/// A fast hasher for the engine's internal keys (group keys, place and centre ids): codes
/// the engine made itself, never a visitor's text, so a keyed hash (SipHash, a quarter of
/// a query's time here) buys nothing.
#[derive(Default, Clone, Copy)]
struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(b));
        }
    }

    fn write_u16(&mut self, v: u16) {
        self.add(u64::from(v));
    }

    fn write_u32(&mut self, v: u32) {
        self.add(u64::from(v));
    }

    fn write_i32(&mut self, v: i32) {
        self.add(u64::from(v.cast_unsigned()));
    }

    fn write_usize(&mut self, v: usize) {
        self.add(v as u64);
    }
}

impl KeyHasher {
    fn add(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<KeyHasher>>;

#[derive(Default)]
struct Times {
    values: Vec<i64>,
    key: CellKey,
    missing: Count,
}

impl Times {
    fn add(&mut self, v: Option<i64>, key: RecordKey) {
        match v {
            // A negative interval is implausible (W202): counted as missing, not as a time.
            Some(x) if x >= 0 => {
                self.values.push(x);
                self.key.add(key);
            }
            _ => self.missing.add(key),
        }
    }

    fn figure(mut self) -> Values {
        let Summary { n, median, p90, mean, .. } = summarise(&mut self.values);
        Values::Times {
            n: Count { n, key: self.key },
            n_missing: self.missing,
            median_s: median,
            p90_s: p90,
            mean_s: mean,
        }
    }
}

#[derive(Default, Clone, Copy)]
struct Counts {
    contacts: Count,
    incidents: Count,
    missions: Count,
    road: Count,
    air: Count,
}

impl Counts {
    /// The incident and its contacts, not its missions (counted one by one where they
    /// group by their own delivery place).
    fn add_incident(&mut self, r: &Row) {
        self.contacts.add_many(u64::from(r.contacts), r.keys.contacts);
        self.incidents.add(r.keys.incident);
    }

    /// One mission, by road or by air.
    fn add_mission(&mut self, m: &MissionTime) {
        self.missions.add(m.key);
        if m.air {
            self.air.add(m.kind_key);
        } else {
            self.road.add(m.kind_key);
        }
    }

    fn add(&mut self, r: &Row) {
        self.contacts.add_many(u64::from(r.contacts), r.keys.contacts);
        self.incidents.add(r.keys.incident);
        self.missions.add_many(u64::from(r.missions), r.keys.missions);
        self.road.add_many(u64::from(r.road_missions), r.keys.road_missions);
        self.air.add_many(u64::from(r.air_missions), r.keys.air_missions);
    }
}

fn round(x: f64, digits: i32) -> f64 {
    let k = 10f64.powi(digits);
    (x * k).round() / k
}

fn key_of(by: &[Key], r: &Row, extra: u32, places: &Places<'_>) -> GroupKey {
    let mut k = [u32::MAX; 9];
    for (i, key) in by.iter().enumerate() {
        k[i] = key.code(r, places);
    }
    k[8] = extra;
    k
}

/// Whether two group keys are equal, without a call to `memcmp` (`==` on the array makes
/// one, a tenth of a pass over a decade's rows, where nine integers compare in a few
/// instructions).
fn same_key(a: &GroupKey, b: &GroupKey) -> bool {
    a.iter().zip(b).fold(0, |d, (x, y)| d | (x ^ y)) == 0
}

fn group_of(
    by: &[Key],
    k: &GroupKey,
    dict: &Dict,
    places: &Places<'_>,
) -> BTreeMap<&'static str, GroupValue> {
    by.iter().enumerate().map(|(i, key)| (key.name(), key.value(k[i], dict, places))).collect()
}

/// Everything accumulated for one group of the `--by` keys.
#[derive(Default)]
struct Acc {
    volume: Counts,
    response: Times,
    alert: Times,
    /// Per area (urban, rural): (n, within).
    target: [(Count, Count); 2],
    /// Per urgency (R, G, N, unknown).
    reaction: [Times; 4],
    missions: Vec<i64>,
    mission_keys: CellKey,
}

impl Times {
    fn merge(&mut self, other: Times) {
        append_samples(&mut self.values, other.values);
        self.key.merge(other.key);
        self.missing.merge(other.missing);
    }
}

/// Adds samples to a multiset of samples: the longer vector keeps its room and takes the
/// shorter's (a group seen by one pass only, the usual case, is moved, not copied).
fn append_samples(mine: &mut Vec<i64>, mut theirs: Vec<i64>) {
    if theirs.len() > mine.len() {
        std::mem::swap(mine, &mut theirs);
    }
    mine.extend(theirs);
}

impl Counts {
    fn merge(&mut self, o: &Counts) {
        self.contacts.merge(o.contacts);
        self.incidents.merge(o.incidents);
        self.missions.merge(o.missions);
        self.road.merge(o.road);
        self.air.merge(o.air);
    }
}

impl Acc {
    /// Adds another pass's accumulation of the same group (every part is a sum or a
    /// multiset of samples, so the order of merging changes nothing).
    fn merge(&mut self, o: Acc) {
        self.volume.merge(&o.volume);
        self.response.merge(o.response);
        self.alert.merge(o.alert);
        for (mine, theirs) in self.target.iter_mut().zip(o.target) {
            mine.0.merge(theirs.0);
            mine.1.merge(theirs.1);
        }
        for (mine, theirs) in self.reaction.iter_mut().zip(o.reaction) {
            mine.merge(theirs);
        }
        append_samples(&mut self.missions, o.missions);
        self.mission_keys.merge(o.mission_keys);
    }
}

/// Finds the slot of a group, remembering the last key (stored rows come in runs of one
/// centre and month, so most rows hit the cache).
#[derive(Default)]
struct Slots {
    index: FastMap<GroupKey, usize>,
    keys: Vec<GroupKey>,
    accs: Vec<Acc>,
    last: Option<(GroupKey, usize)>,
}

impl Slots {
    fn get(&mut self, k: GroupKey) -> usize {
        match self.last {
            Some((lk, i)) if same_key(&lk, &k) => i,
            _ => {
                let n = self.accs.len();
                let i = *self.index.entry(k).or_insert(n);
                if i == n {
                    self.keys.push(k);
                    self.accs.push(Acc::default());
                }
                self.last = Some((k, i));
                i
            }
        }
    }
}

/// Computes the indicators of §8 for the query (all of them, or those named in `only`).
/// Figures come sorted by indicator and group.
pub fn compute(data: &Dataset, q: &Query, population: Option<&Population>) -> Vec<Figure> {
    compute_only(data, q, population, &Indicator::ALL)
}

/// [`compute`] restricted to some indicators (no figures for a structure the register
/// does not have: the surfaces check it first, see [`compute_answer`]).
pub fn compute_only(
    data: &Dataset,
    q: &Query,
    population: Option<&Population>,
    only: &[Indicator],
) -> Vec<Figure> {
    compute_answer(data, q, population, only).map(|a| a.figures).unwrap_or_default()
}

/// The figures of an answer and what its readers must be told.
#[derive(Debug, Clone, PartialEq)]
pub struct Computed {
    pub figures: Vec<Figure>,
    /// The municipality structure of the answer (its year).
    pub structure: i32,
    /// Numbers of the answer's records or population that split and were mapped to their
    /// largest successor (DOMAIN.md §8).
    pub splits: Vec<SplitNote>,
}

/// [`compute_only`] with the structure the answer is given in and its notes.
pub fn compute_answer(
    data: &Dataset,
    q: &Query,
    population: Option<&Population>,
    only: &[Indicator],
) -> Result<Computed, UnknownStructure> {
    let register = data.register.as_deref().unwrap_or_else(|| Register::standard());
    let places = Places::new(register, &data.dict, q.structure)?;
    let mut partial = Partial::new(q, only, population.is_some());
    partial.add(data, &places);
    Ok(partial.answer(&data.dict, &places, population))
}

/// An answer computed while the rows stream past, a submission at a time, on several
/// threads: each thread's [`Stream`] keeps one submission's rows at a time and what they
/// accumulated; [`finish_streams`] merges the threads' accumulations into the answer
/// [`compute_answer`] gives over all the rows at once (the merge is exact: counts and key
/// sums add, samples are pooled before their percentiles are taken). Memory follows the
/// answer's samples, not the archive's rows.
pub struct Stream<'r> {
    /// The rows of the submission being added (its dictionary grows across submissions).
    pub data: Dataset,
    places: Places<'r>,
    partial: Partial,
}

impl<'r> Stream<'r> {
    /// A thread's stream for the query, its numbers translated by `register`.
    pub fn new(
        register: &'r Register,
        q: &Query,
        only: &[Indicator],
        with_population: bool,
    ) -> Result<Stream<'r>, UnknownStructure> {
        let data = Dataset { unindexed: true, ..Dataset::default() };
        let places = Places::new(register, &data.dict, q.structure)?;
        Ok(Stream { data, places, partial: Partial::new(q, only, with_population) })
    }

    /// Accumulates the rows now in [`Stream::data`], then empties it for the next
    /// submission (keeping its dictionary).
    pub fn add_rows(&mut self) {
        self.places.extend(&self.data.dict);
        self.partial.add(&self.data, &self.places);
        self.data.clear_rows();
    }
}

/// The answer of the streams (see [`Stream`]), the same whatever thread read what.
pub fn finish_streams(streams: Vec<Stream<'_>>, population: Option<&Population>) -> Computed {
    let mut streams = streams.into_iter();
    let Some(first) = streams.next() else {
        return Computed { figures: Vec::new(), structure: 0, splits: Vec::new() };
    };
    let Stream { data, places, mut partial } = first;
    let mut dict = data.dict;
    for s in streams {
        partial.absorb(&mut dict, s.partial, &s.data.dict);
    }
    partial.answer(&dict, &places, population)
}

/// What one pass over some rows accumulated for a query: mergeable with another pass's
/// over other rows (see [`Stream`]). Centres are the ids of the pass's own dictionary
/// until merged; places are the structure's and the same in every pass.
pub(crate) struct Partial {
    q: Query,
    by: Vec<Key>,
    want: Wanted,
    with_population: bool,
    slots: Slots,
    /// Volumes of the same period a year earlier (keyed as this year's groups).
    last_year: FastMap<GroupKey, Counts>,
    any_last_year: bool,
    /// Incidents per (place, centre) in the answer's months: the centres' catchments.
    catchment: FastMap<(u16, u16), u64>,
    /// Split numbers among the records of the answer's months.
    splits: BTreeSet<SplitNote>,
}

/// The indicators a pass computes.
#[derive(Clone, Copy)]
struct Wanted {
    volume: bool,
    response: bool,
    target: bool,
    reaction: bool,
    alert: bool,
    missions: bool,
}

impl Partial {
    pub(crate) fn new(q: &Query, only: &[Indicator], with_population: bool) -> Partial {
        let want = |id: Indicator| only.contains(&id);
        Partial {
            q: q.clone(),
            by: q.by.iter().copied().take(8).collect(),
            want: Wanted {
                volume: want(Indicator::Volume),
                response: want(Indicator::ResponseTime),
                target: want(Indicator::ResponseWithinTarget),
                reaction: want(Indicator::AmkReactionTime),
                alert: want(Indicator::AlertToArrival),
                missions: want(Indicator::MissionTime),
            },
            with_population,
            slots: Slots::default(),
            last_year: FastMap::default(),
            any_last_year: false,
            catchment: FastMap::default(),
            splits: BTreeSet::new(),
        }
    }

    /// The response-time samples of every group, pooled (`analysis::response_sample`).
    pub(crate) fn response_samples(&self) -> Vec<i64> {
        self.slots.accs.iter().flat_map(|a| a.response.values.iter().copied()).collect()
    }

    /// Accumulates the rows of `data` (its places translated by `places`).
    pub(crate) fn add(&mut self, data: &Dataset, places: &Places<'_>) {
        // The catchments and split notes count every row of the months, whatever the
        // filters (a centre's catchment does not depend on what else is asked).
        if self.want.volume && self.with_population {
            self.count_catchment(data, places);
        }
        let q = &self.q;
        let by = &self.by[..];
        let by_place =
            q.by.contains(&Key::Kommune) || q.filters.iter().any(|(k, _)| *k == Key::Kommune);
        if places.any_split() && (by_place || self.with_population) {
            let used: BTreeSet<u16> = data
                .places_in(q.months)
                .map(|((kommune, _), _)| kommune)
                .filter(|&k| places.is_split(k))
                .collect();
            self.splits.extend(places.notes_of(&data.dict, &used));
        }

        let centre = q.centre.as_deref().map(|c| data.dict.centre_id(c));
        if centre == Some(None) {
            return; // no row here is of that centre
        }
        let centre = centre.flatten();
        // Each key's values: one of them must hold (several values of one key are
        // alternatives, `kommune:3101,kommune:3103`); every key must (`urgency:R,area:rural`).
        let mut filters: Vec<(Key, Vec<u32>)> = Vec::new();
        for (k, v) in &q.filters {
            let code = k.filter_code(v, &data.dict, places);
            match filters.iter_mut().find(|(key, _)| key == k) {
                Some((_, codes)) => codes.extend(code),
                None => filters.push((*k, code.into_iter().collect())),
            }
        }
        if filters.iter().any(|(_, c)| c.is_empty()) {
            return; // no row here can match
        }
        let selected = |r: &Row, months: MonthRange| {
            r.month.is_some_and(|m| months.contains(m))
                && centre.is_none_or(|c| r.centre == c)
                && filters.iter().all(|(k, c)| c.contains(&k.code(r, places)))
        };
        // Missions group and filter by their own delivery place (DOMAIN.md §13); an
        // incident's contacts and itself by its first-alerted mission's place.
        let delivery_at = self.by.iter().position(|k| *k == Key::Leveringssted);
        let delivery_filter: Option<Vec<u32>> =
            filters.iter().find(|(k, _)| *k == Key::Leveringssted).map(|(_, c)| c.clone());
        let per_mission = delivery_at.is_some() || delivery_filter.is_some();
        let row_filters: Vec<(Key, Vec<u32>)> =
            filters.iter().filter(|(k, _)| *k != Key::Leveringssted).cloned().collect();
        let mission_selected = |r: &Row, m: &MissionTime, months: MonthRange| {
            r.reported()
                && r.month.is_some_and(|x| months.contains(x))
                && centre.is_none_or(|c| r.centre == c)
                && row_filters.iter().all(|(k, c)| c.contains(&k.code(r, places)))
                && delivery_filter.as_ref().is_none_or(|c| c.contains(&m.place_code()))
        };
        let mission_key = |r: &Row, m: &MissionTime, shift: bool| {
            let mut k = if shift {
                let mut shifted = *r;
                shifted.month = r.month.and_then(|x| x.plus_years(1));
                key_of(by, &shifted, 0, places)
            } else {
                key_of(by, r, 0, places)
            };
            if let Some(at) = delivery_at {
                k[at] = m.place_code();
            }
            k
        };
        let w = self.want;
        let needs_all_rows = w.volume || w.reaction || w.missions;
        let slots = &mut self.slots;
        // Slots are shared across passes: a dataset's rows start a new run.
        slots.last = None;
        // Per row: its slot, for the mission times (u32::MAX = not selected).
        let mut row_slot: Vec<u32> =
            if w.missions { vec![u32::MAX; data.rows.len()] } else { Vec::new() };
        // Response-only queries stream through the response population's copies; the
        // others visit the period's months only.
        let all_rows: Box<dyn Iterator<Item = (usize, &Row)>> = if data.unindexed {
            // A stream's submission: every row, `selected` checks the month.
            Box::new(data.rows.iter().enumerate())
        } else if needs_all_rows {
            Box::new(
                data.month_rows(q.months, centre).map(|i| (i as usize, &data.rows[i as usize])),
            )
        } else {
            Box::new(data.response_rows.iter().enumerate())
        };
        for (i, r) in all_rows {
            let in_response = r.in_response_population();
            if !needs_all_rows && !in_response {
                continue;
            }
            if !selected(r, q.months) || !r.reported() {
                continue;
            }
            let k = key_of(by, r, 0, places);
            let slot = slots.get(k);
            if w.missions {
                row_slot[i] = u32::try_from(slot).unwrap_or(u32::MAX);
            }
            let acc = &mut slots.accs[slot];
            if w.volume {
                if per_mission {
                    acc.volume.add_incident(r);
                } else {
                    acc.volume.add(r);
                }
            }
            let key = r.keys.incident;
            if in_response {
                if w.response {
                    acc.response.add(r.response_s.get(), key);
                }
                if w.alert {
                    acc.alert.add(r.alert_to_arrival_s.get(), key);
                }
                if let (true, Some(urban), Some(t)) =
                    (w.target, r.urban, r.response_s.get().filter(|t| *t >= 0))
                {
                    let e = &mut acc.target[usize::from(!urban)];
                    e.0.add(key);
                    if t <= if urban { TARGET_URBAN_S } else { TARGET_RURAL_S } {
                        e.1.add(key);
                    }
                }
            }
            if w.reaction && r.in_reaction_population() {
                acc.reaction[r.urgency.map_or(3, |u| u as usize)].add(r.reaction_s.get(), key);
            }
        }
        if per_mission && (w.volume || w.missions) {
            for m in &data.mission_times {
                let Some(r) = data.rows.get(m.row as usize) else { continue };
                if !mission_selected(r, m, q.months) {
                    continue;
                }
                let slot = slots.get(mission_key(r, m, false));
                let acc = &mut slots.accs[slot];
                if w.volume {
                    acc.volume.add_mission(m);
                }
                if let (true, Some(t)) = (w.missions, m.time_s.get().filter(|t| *t >= 0)) {
                    acc.missions.push(t);
                    acc.mission_keys.add(m.key);
                }
            }
        }
        if w.missions && !per_mission {
            for m in &data.mission_times {
                let slot = row_slot.get(m.row as usize).copied().unwrap_or(u32::MAX);
                if let (true, Some(t)) = (slot != u32::MAX, m.time_s.get().filter(|t| *t >= 0)) {
                    let acc = &mut slots.accs[slot as usize];
                    acc.missions.push(t);
                    acc.mission_keys.add(m.key);
                }
            }
        }

        // Volumes of the same period a year earlier, for the change.
        if let (true, Some(before)) = (w.volume, q.months.plus_years(-1)) {
            // Rows come in runs of one group: counted in the run, then added to the map once
            // per run instead of hashed once per row.
            let mut run: Option<(GroupKey, Counts)> = None;
            let rows: Box<dyn Iterator<Item = &Row>> = if data.unindexed {
                Box::new(data.rows.iter())
            } else {
                Box::new(data.month_rows(before, centre).map(|i| &data.rows[i as usize]))
            };
            for r in rows {
                if !selected(r, before) || !r.reported() {
                    continue;
                }
                self.any_last_year = true;
                let mut shifted = *r;
                shifted.month = r.month.and_then(|m| m.plus_years(1));
                let k = key_of(by, &shifted, 0, places);
                let add = |counts: &mut Counts| {
                    if per_mission {
                        counts.add_incident(r);
                    } else {
                        counts.add(r);
                    }
                };
                match &mut run {
                    Some((rk, counts)) if same_key(rk, &k) => add(counts),
                    _ => {
                        if let Some((rk, counts)) = run.take() {
                            self.last_year.entry(rk).or_default().merge(&counts);
                        }
                        let mut counts = Counts::default();
                        add(&mut counts);
                        run = Some((k, counts));
                    }
                }
            }
            if let Some((rk, counts)) = run {
                self.last_year.entry(rk).or_default().merge(&counts);
            }
            if per_mission {
                for m in &data.mission_times {
                    let Some(r) = data.rows.get(m.row as usize) else { continue };
                    if mission_selected(r, m, before) {
                        self.any_last_year = true;
                        self.last_year.entry(mission_key(r, m, true)).or_default().add_mission(m);
                    }
                }
            }
        }
    }

    /// Counts the incidents of the answer's months per place and centre, in a dense
    /// place × centre table (a few hundred places, sixteen centres): no hashing in a loop
    /// over a year's rows.
    fn count_catchment(&mut self, data: &Dataset, places: &Places<'_>) {
        let months = self.q.months;
        let n_centres = data.dict.centres.len().max(1);
        let mut counts: Vec<u64> = Vec::new();
        for ((kommune, centre), n) in data.places_in(months) {
            let place = places.of(kommune);
            if place == UNKNOWN || usize::from(centre) >= n_centres {
                continue;
            }
            let at = usize::from(place) * n_centres + usize::from(centre);
            if at >= counts.len() {
                counts.resize(at + 1, 0);
            }
            counts[at] += n;
        }
        for (place, per_centre) in counts.chunks(n_centres).enumerate() {
            for (centre, &n) in per_centre.iter().enumerate() {
                if let (true, Ok(p), Ok(c)) = (n > 0, u16::try_from(place), u16::try_from(centre)) {
                    *self.catchment.entry((p, c)).or_default() += n;
                }
            }
        }
    }

    /// Adds another pass's accumulation (over other rows, centres by `theirs`) to this one
    /// (centres by `dict`, which learns the centres it did not know).
    fn absorb(&mut self, dict: &mut Dict, other: Partial, theirs: &Dict) {
        let centres: Vec<u16> = theirs.centres.iter().map(|c| dict.centre(c)).collect();
        let centre = |c: u16| centres.get(usize::from(c)).copied().unwrap_or(UNKNOWN);
        let by = self.by.clone();
        let remap = |mut k: GroupKey| {
            for (i, key) in by.iter().enumerate() {
                if *key == Key::Centre && k[i] != u32::MAX {
                    k[i] = u32::from(centre(centre_id(k[i])));
                }
            }
            k
        };
        self.slots.last = None;
        for (k, acc) in other.slots.keys.into_iter().zip(other.slots.accs) {
            let slot = self.slots.get(remap(k));
            self.slots.accs[slot].merge(acc);
        }
        for (k, c) in other.last_year {
            self.last_year.entry(remap(k)).or_default().merge(&c);
        }
        self.any_last_year |= other.any_last_year;
        for ((place, c), n) in other.catchment {
            *self.catchment.entry((place, centre(c))).or_default() += n;
        }
        self.splits.extend(other.splits);
    }

    /// The answer: population translated into the answer's structure, the figures of every
    /// group, the split notes.
    fn answer(self, dict: &Dict, places: &Places<'_>, population: Option<&Population>) -> Computed {
        let q = &self.q;
        let mut splits = self.splits.clone();
        // Only the period's years of population are used for rates, so only they need a note.
        let years = q.months.from().year()..=q.months.to().year();
        let people = population.map(|p| {
            let mut by: HashMap<(u16, i32), u64> = HashMap::new();
            for ((number, year), n) in &p.by_kommune_year {
                let (id, split) = places.translate(number);
                if id == UNKNOWN {
                    continue;
                }
                if split && years.contains(year) {
                    splits.extend(places.split_note(number));
                }
                *by.entry((id, *year)).or_default() += n;
            }
            by
        });
        let structure = places.structure.year;
        let figures = self.figures(dict, places, people.as_ref());
        Computed { figures, structure, splits: splits.into_iter().collect() }
    }

    fn figures(
        self,
        dict: &Dict,
        places: &Places<'_>,
        population: Option<&HashMap<(u16, i32), u64>>,
    ) -> Vec<Figure> {
        let w = self.want;
        let by = &self.by[..];
        let q = &self.q;
        let inhabitants =
            population.filter(|_| w.volume).map(|p| Inhabitants::new(p, &self.catchment, dict, q));
        let mut out = Vec::new();
        for (k, acc) in self.slots.keys.iter().zip(self.slots.accs) {
            let group = || group_of(by, k, dict, places);
            if w.volume {
                let c = acc.volume;
                let people =
                    inhabitants.as_ref().and_then(|inh| inh.of_group(by, k)).filter(|p| *p > 0.0);
                let per_1000 = people.map(|p| Rates {
                    contacts: Some(round(c.contacts.n as f64 * 1000.0 / p, 4)),
                    incidents: Some(round(c.incidents.n as f64 * 1000.0 / p, 4)),
                    missions: Some(round(c.missions.n as f64 * 1000.0 / p, 4)),
                });
                let before =
                    self.any_last_year.then(|| self.last_year.get(k).copied().unwrap_or_default());
                let change = before.map(|before| {
                    let rel = |now: Count, then: Count| {
                        (then.n > 0)
                            .then(|| round((now.n as f64 - then.n as f64) / then.n as f64, 4))
                    };
                    Rates {
                        contacts: rel(c.contacts, before.contacts),
                        incidents: rel(c.incidents, before.incidents),
                        missions: rel(c.missions, before.missions),
                    }
                });
                out.push(Figure {
                    id: Indicator::Volume,
                    group: group(),
                    values: Values::Volume {
                        contacts: c.contacts,
                        incidents: c.incidents,
                        missions: c.missions,
                        road_missions: c.road,
                        air_missions: c.air,
                        per_1000,
                        change_vs_last_year: change,
                        basis: VolumeBasis {
                            inhabitants: people,
                            last_year: before.map(|b| [b.contacts, b.incidents, b.missions]),
                        },
                    },
                });
            }
            let has = |t: &Times| !t.values.is_empty() || t.missing.n > 0;
            if w.response && has(&acc.response) {
                out.push(Figure {
                    id: Indicator::ResponseTime,
                    group: group(),
                    values: acc.response.figure(),
                });
            }
            if w.alert && has(&acc.alert) {
                out.push(Figure {
                    id: Indicator::AlertToArrival,
                    group: group(),
                    values: acc.alert.figure(),
                });
            }
            if w.target {
                for (area, (n, within)) in acc.target.into_iter().enumerate() {
                    if n.n > 0 {
                        let mut g = group();
                        g.insert(
                            "area",
                            GroupValue::Text(if area == 0 { "urban" } else { "rural" }.into()),
                        );
                        out.push(Figure {
                            id: Indicator::ResponseWithinTarget,
                            group: g,
                            values: Values::Target {
                                n,
                                within,
                                share: Some(round(within.n as f64 / n.n as f64, 4)),
                            },
                        });
                    }
                }
            }
            if w.reaction {
                for (u, t) in acc.reaction.into_iter().enumerate() {
                    if has(&t) {
                        let mut g = group();
                        g.insert(
                            "urgency",
                            Hastegrad::ALL
                                .get(u)
                                .map_or(GroupValue::Null, |h| GroupValue::Text(h.code().into())),
                        );
                        out.push(Figure {
                            id: Indicator::AmkReactionTime,
                            group: g,
                            values: t.figure(),
                        });
                    }
                }
            }
            if w.missions && !acc.missions.is_empty() {
                let mut v = acc.missions;
                let s = summarise(&mut v);
                out.push(Figure {
                    id: Indicator::MissionTime,
                    group: group(),
                    values: Values::Missions {
                        n: Count { n: s.n, key: acc.mission_keys },
                        median_s: s.median,
                        p90_s: s.p90,
                        unit_hours: round(s.sum as f64 / 3600.0, 2),
                        mean_s: s.mean,
                    },
                });
            }
        }
        out.sort_by(|a, b| (a.id, &a.group).cmp(&(b.id, &b.group)));
        out
    }
}

/// Inhabitants of a group's region: the municipality when grouped by it, else the centre's
/// catchment (the municipalities whose incidents it handles most; the `--centre` filter
/// counts as a centre), else the nation. For the year when grouped by month or year, else
/// averaged over the period's months. Rates are per period, not annualised. Municipalities
/// are the answer's places (population translated into its structure).
struct Inhabitants<'a> {
    population: &'a HashMap<(u16, i32), u64>,
    /// Place ids of each centre's catchment.
    catchment: HashMap<u16, Vec<u16>>,
    /// Every place with population.
    all: Vec<u16>,
    centre_filter: Option<u16>,
    months: MonthRange,
}

impl<'a> Inhabitants<'a> {
    /// A place belongs to the centre with most of its incidents in the answer's months (so
    /// the answer does not depend on which other months a store happened to load, and an
    /// area that moved between centres is counted where it was served then); a tie goes to
    /// the centre whose code sorts first (not to whichever was read first).
    fn new(
        population: &'a HashMap<(u16, i32), u64>,
        counts: &FastMap<(u16, u16), u64>,
        dict: &Dict,
        q: &Query,
    ) -> Inhabitants<'a> {
        let code = |c: u16| dict.centres.get(usize::from(c)).map_or("", String::as_str);
        let mut best: BTreeMap<u16, (u64, u16)> = BTreeMap::new();
        for (&(place, centre), &n) in counts {
            let e = best.entry(place).or_insert((n, centre));
            if n > e.0 || (n == e.0 && code(centre) < code(e.1)) {
                *e = (n, centre);
            }
        }
        let mut catchment: HashMap<u16, Vec<u16>> = HashMap::new();
        for (place, (_, centre)) in best {
            catchment.entry(centre).or_default().push(place);
        }
        let mut all: Vec<u16> = population.keys().map(|(k, _)| *k).collect();
        all.sort_unstable();
        all.dedup();
        let centre_filter = q.centre.as_deref().and_then(|c| dict.centre_id(c));
        Inhabitants { population, catchment, all, centre_filter, months: q.months }
    }

    fn of_group(&self, by: &[Key], k: &GroupKey) -> Option<f64> {
        let years: Vec<i32> = match (
            by.iter().position(|x| *x == Key::Month),
            by.iter().position(|x| *x == Key::Year),
        ) {
            (Some(i), _) => Month::from_ordinal(k[i]).map(Month::year).into_iter().collect(),
            (None, Some(i)) => vec![k[i] as i32],
            _ => self.months.iter().map(Month::year).collect(),
        };
        let of = |place: u16| -> f64 {
            let sum: f64 = years
                .iter()
                .map(|y| self.population.get(&(place, *y)).copied().unwrap_or(0) as f64)
                .sum();
            sum / years.len().max(1) as f64
        };
        if let Some(i) = by.iter().position(|x| *x == Key::Kommune) {
            return u16::try_from(k[i]).ok().filter(|p| *p != UNKNOWN).map(of);
        }
        let centre = by
            .iter()
            .position(|x| *x == Key::Centre)
            .map(|i| centre_id(k[i]))
            .or(self.centre_filter);
        match centre {
            Some(c) => {
                Some(self.catchment.get(&c).map_or(0.0, |ks| ks.iter().map(|&p| of(p)).sum()))
            }
            None => Some(self.all.iter().map(|&p| of(p)).sum()),
        }
    }
}
