//! Per-incident facts: the intervals and counts the indicators of DOMAIN.md §8 need,
//! derived from one validated incident (§3 model) by the counting rules of §7. Computed once
//! at ingest and stored with the incident, so every later figure uses the same definitions.

use akutt_model::time::{oslo_hour_weekday, oslo_month};
use akutt_model::{Hastegrad, Hendelsestype, Incident, Month, Sambandsvei, Sted, Tiltak};

/// What the indicators need of one incident.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Facts {
    /// `t0`'s month in Oslo time.
    pub month: Option<Month>,
    /// §8 `amk_reaction_time`: first `Varslet` of any action − t0, seconds.
    pub reaction_s: Option<i64>,
    /// §8 `response_time`: first `Fremme` among the road missions (`AMB_BIL`) − t0.
    pub response_s: Option<i64>,
    /// §8 `alert_to_arrival`: `Fremme` − `Varslet` of the first-arriving road mission.
    pub alert_to_arrival_s: Option<i64>,
    /// Missions (§7: ambulance code, alerted, not a borrowed unit).
    pub missions: u32,
    pub road_missions: u32,
    pub air_missions: u32,
    /// Ambulance actions (`AMB_BIL`, `AMB_LUFT`), missions or not: an incident with one is
    /// in the population of `amk_reaction_time` even when `Varslet` is missing.
    pub ambulance_actions: u32,
    /// §8 `mission_time` per mission: `Ledig` − `Varslet`, in action order; `None` where a
    /// time point is missing.
    pub mission_times_s: Vec<Option<i64>>,
    /// `t0`'s Oslo clock hour (0–23) and ISO weekday (1 Monday … 7 Sunday).
    pub hour: Option<u8>,
    pub weekday: Option<u8>,
    /// Where the incident's transport ended (§12's delivery places): see [`first_delivery`].
    pub delivery_place: Option<Sted>,
    /// The chapter (1–39) of the incident's index criterion: see [`criterion_chapter`].
    pub criterion_chapter: Option<u8>,
}

/// The facts of one incident.
pub fn facts(inc: &Incident) -> Facts {
    let t0 = inc.t0();
    let first_alert = inc.actions.iter().filter_map(|a| a.alerted_at).min();
    // The first-arriving road mission (not the first alerted one: §8).
    let first_arrival = inc
        .actions
        .iter()
        .filter(|a| a.is_road_mission())
        .filter_map(|a| a.at_scene_at.map(|t| (t, a)))
        .min_by_key(|(t, _)| *t);
    let missions: Vec<_> = inc.missions().collect();
    Facts {
        month: t0.and_then(oslo_month),
        reaction_s: t0.zip(first_alert).map(|(t0, a)| a - t0),
        response_s: t0.zip(first_arrival).map(|(t0, (at, _))| at - t0),
        alert_to_arrival_s: first_arrival.and_then(|(at, a)| a.alerted_at.map(|v| at - v)),
        missions: count(missions.len()),
        road_missions: count(
            missions.iter().filter(|a| a.tiltak == Some(Tiltak::AmbulanseBil)).count(),
        ),
        air_missions: count(
            missions.iter().filter(|a| a.tiltak == Some(Tiltak::AmbulanseLuft)).count(),
        ),
        ambulance_actions: count(
            inc.actions.iter().filter(|a| a.tiltak.is_some_and(Tiltak::is_ambulance)).count(),
        ),
        mission_times_s: missions
            .iter()
            .map(|a| a.alerted_at.zip(a.free_at).map(|(v, l)| l - v))
            .collect(),
        hour: t0.and_then(oslo_hour_weekday).map(|(h, _)| h),
        weekday: t0.and_then(oslo_hour_weekday).map(|(_, w)| w),
        delivery_place: first_delivery(missions.iter().map(|a| (a.alerted_at, a.delivery_place))),
        criterion_chapter: criterion_chapter(
            inc.patients.iter().map(|p| (p.urgency, p.criterion.as_deref())),
        ),
    }
}

/// The delivery place of an incident: that of its first-alerted mission with a delivery
/// place (`Type leveringssted`), missions without `Varslet` last, in file order among
/// equals. `missions` are (alerted, delivery place) in file order.
pub fn first_delivery(
    missions: impl IntoIterator<Item = (Option<i64>, Option<Sted>)>,
) -> Option<Sted> {
    missions
        .into_iter()
        .enumerate()
        .filter_map(|(i, (alerted, place))| place.map(|p| ((alerted.is_none(), alerted, i), p)))
        .min_by_key(|(order, _)| *order)
        .map(|(_, p)| p)
}

/// The index-criterion chapter of an incident (§13's traffic accidents are chapter 34): that
/// of its most urgent patient with a well-formed criterion, the first in file order among
/// equals. `patients` are (urgency, criterion) in file order.
pub fn criterion_chapter<'a>(
    patients: impl IntoIterator<Item = (Option<Hastegrad>, Option<&'a str>)>,
) -> Option<u8> {
    patients
        .into_iter()
        .enumerate()
        .filter_map(|(i, (u, c))| {
            let chapter = akutt_model::codes::criterion_chapter(c?)?;
            // Red before yellow before green before none.
            Some(((u.map_or(3, |u| u as u8), i), chapter))
        })
        .min_by_key(|(order, _)| *order)
        .map(|(_, chapter)| chapter)
}

/// A count of an incident's actions (saturating: an incident has a handful).
fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Whether the incident counts at all (§7: an `LV`-line incident without an ambulance action
/// is not reported).
pub fn is_reported(first_channel: Option<Sambandsvei>, ambulance_actions: u32) -> bool {
    !(first_channel == Some(Sambandsvei::Legevakt) && ambulance_actions == 0)
}

/// Misdials are counted in their own category and excluded from response-time indicators (§7).
pub fn is_misdial(t: Option<Hendelsestype>) -> bool {
    t == Some(Hendelsestype::Feil)
}
