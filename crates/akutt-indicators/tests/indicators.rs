//! Golden tests of the indicators with hand-computed answers, one scenario per counting rule
//! and exclusion of DOMAIN.md §7–§8. `check(incidents, query, population, expect)` computes
//! every figure and compares them, as compact JSON lines, with the snapshot
//! (`UPDATE_EXPECT=1 cargo test -p akutt-indicators` rewrites the snapshots in place).

use akutt_indicators::{compute, Dataset, Figure, Indicator, Key, Population, Query};
use akutt_model::{
    Action, Contact, Hastegrad, Hendelsestype, Incident, Innringer, Month, MonthRange, Patient,
    Sambandsvei, Sted, Tiltak,
};
use expect_test::{expect, Expect};

/// 2024-03-05 10:00:00 Oslo (CET) as an instant.
const T: i64 = 1_709_629_200;

fn incident(id: &str, t0: i64, urgency: Hastegrad) -> Incident {
    Incident {
        id: id.into(),
        hendelsestype: Some(Hendelsestype::Sykdom),
        pickup_municipality: Some("0301".into()),
        urban: Some(true),
        created_at: Some(t0 + 20),
        contacts: vec![Contact {
            id: format!("{id}-1"),
            received_at: Some(t0),
            sequence: Some(1),
            innringer: None,
            sambandsvei: Some(Sambandsvei::Nodlinje113),
        }],
        patients: vec![Patient { number: Some(1), urgency: Some(urgency), ..Patient::default() }],
        ..Incident::default()
    }
}

/// A road mission alerted, at scene and free at the given offsets from `t0`.
fn road(t0: i64, alerted: i64, at_scene: Option<i64>, free: i64) -> Action {
    Action {
        tiltak: Some(Tiltak::AmbulanseBil),
        resource: Some("A1".into()),
        alerted_at: Some(t0 + alerted),
        at_scene_at: at_scene.map(|s| t0 + s),
        free_at: Some(t0 + free),
        delivery_place: Some(Sted::Sykehus),
        ..Action::default()
    }
}

fn with(mut inc: Incident, f: impl FnOnce(&mut Incident)) -> Incident {
    f(&mut inc);
    inc
}

/// One month's query.
fn query(month: &str, by: &[Key]) -> Query {
    let m = Month::parse(month).unwrap();
    Query {
        months: MonthRange::single(m),
        centre: None,
        by: by.to_vec(),
        filters: vec![],
        structure: None,
    }
}

/// March 2024, the month of [`T`].
fn month_query(by: &[Key]) -> Query {
    query("2024-03", by)
}

/// The figures as compact JSON, a line each.
fn lines<'a>(figures: impl IntoIterator<Item = &'a Figure>) -> String {
    figures.into_iter().map(|f| serde_json::to_string(f).unwrap() + "\n").collect()
}

fn dataset(incidents: &[Incident]) -> Dataset {
    let mut data = Dataset::default();
    let keyer = akutt_disclosure::RecordKeyer::from_secret(b"indicator tests");
    for inc in incidents {
        data.push_incident(&keyer, "OSL", inc);
    }
    data
}

#[track_caller]
fn check(incidents: &[Incident], q: &Query, population: Option<&Population>, expect: Expect) {
    expect.assert_eq(&lines(&compute(&dataset(incidents), q, population)));
}

#[test]
fn one_red_urban_incident() {
    // t0 10:00:00, alerted 10:01:30, at scene 10:09:00, free 10:50:00.
    let a =
        with(incident("H1", T, Hastegrad::Rod), |i| i.actions.push(road(T, 90, Some(540), 3000)));
    check(
        &[a],
        &month_query(&[]),
        None,
        expect![[r#"
            {"id":"volume","group":{},"contacts":1,"incidents":1,"missions":1,"road_missions":1,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
            {"id":"response_time","group":{},"n":1,"n_missing":0,"median_s":540,"p90_s":540,"mean_s":540.0}
            {"id":"response_within_target","group":{"area":"urban"},"n":1,"within":1,"share":1.0}
            {"id":"amk_reaction_time","group":{"urgency":"R"},"n":1,"n_missing":0,"median_s":90,"p90_s":90,"mean_s":90.0}
            {"id":"alert_to_arrival","group":{},"n":1,"n_missing":0,"median_s":450,"p90_s":450,"mean_s":450.0}
            {"id":"mission_time","group":{},"n":1,"median_s":2910,"p90_s":2910,"unit_hours":0.81}
        "#]],
    );
}

#[test]
fn first_arrival_counts_not_first_alerted_and_borrowed_units_never() {
    // Unit 1 alerted at +60 arrives at +900; unit 2 alerted at +120 arrives at +600; a
    // borrowed unit (`Ukjent ambulanse`) arrives at +300 and is no mission at all.
    let a = with(incident("H1", T, Hastegrad::Rod), |i| {
        i.actions.push(road(T, 60, Some(900), 2000));
        i.actions.push(road(T, 120, Some(600), 2100));
        i.actions.push(Action {
            resource: Some("Ukjent ambulanse".into()),
            ..road(T, 30, Some(300), 1000)
        });
    });
    // The first alert of any action counts for the reaction time, the borrowed one too.
    check(
        &[a],
        &month_query(&[]),
        None,
        expect![[r#"
            {"id":"volume","group":{},"contacts":1,"incidents":1,"missions":2,"road_missions":2,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
            {"id":"response_time","group":{},"n":1,"n_missing":0,"median_s":600,"p90_s":600,"mean_s":600.0}
            {"id":"response_within_target","group":{"area":"urban"},"n":1,"within":1,"share":1.0}
            {"id":"amk_reaction_time","group":{"urgency":"R"},"n":1,"n_missing":0,"median_s":30,"p90_s":30,"mean_s":30.0}
            {"id":"alert_to_arrival","group":{},"n":1,"n_missing":0,"median_s":480,"p90_s":480,"mean_s":480.0}
            {"id":"mission_time","group":{},"n":2,"median_s":1940,"p90_s":1980,"unit_hours":1.09}
        "#]],
    );
}

#[test]
fn air_only_prebooked_misdial_and_lv_exclusions() {
    // Air only: a mission, not a road mission → not in the response population.
    let air = with(incident("AIR", T, Hastegrad::Rod), |i| {
        i.actions
            .push(Action { tiltak: Some(Tiltak::AmbulanseLuft), ..road(T, 100, Some(1800), 5000) });
    });
    // Pre-booked (Utføres after t0): excluded from response_time.
    let pre = with(incident("PRE", T, Hastegrad::Rod), |i| {
        i.execute_at = Some(T + 3600);
        i.actions.push(road(T, 3000, Some(3700), 6000));
    });
    // Misdial: counted in volume, excluded from every time indicator.
    let feil = with(incident("FEIL", T, Hastegrad::Rod), |i| {
        i.hendelsestype = Some(Hendelsestype::Feil);
        i.actions.push(road(T, 60, Some(400), 900));
    });
    // LV line without ambulance: not reported at all. LV line with one: reported, not 113.
    let lv_only = with(incident("LV1", T, Hastegrad::Gul), |i| {
        i.contacts[0].sambandsvei = Some(Sambandsvei::Legevakt)
    });
    let lv_amb = with(incident("LV2", T, Hastegrad::Gul), |i| {
        i.contacts[0].sambandsvei = Some(Sambandsvei::Legevakt);
        i.actions.push(road(T, 600, Some(1800), 4000));
    });
    check(
        &[air, pre, feil, lv_only, lv_amb],
        &month_query(&[Key::Hendelsestype]),
        None,
        expect![[r#"
            {"id":"volume","group":{"hendelsestype":"FEIL"},"contacts":1,"incidents":1,"missions":1,"road_missions":1,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
            {"id":"volume","group":{"hendelsestype":"SYK"},"contacts":3,"incidents":3,"missions":3,"road_missions":2,"air_missions":1,"per_1000":null,"change_vs_last_year":null}
            {"id":"amk_reaction_time","group":{"hendelsestype":"SYK","urgency":"R"},"n":2,"n_missing":0,"median_s":100,"p90_s":3000,"mean_s":1550.0}
            {"id":"mission_time","group":{"hendelsestype":"FEIL"},"n":1,"median_s":840,"p90_s":840,"unit_hours":0.23}
            {"id":"mission_time","group":{"hendelsestype":"SYK"},"n":3,"median_s":3400,"p90_s":4900,"unit_hours":3.14}
        "#]],
    );
}

#[test]
fn missing_times_are_counted_as_n_missing_and_returns_without_patient_stay_missions() {
    // A red incident whose only road mission returned without patient before arrival.
    let retur = with(incident("RET", T, Hastegrad::Rod), |i| {
        i.actions.push(Action { delivery_place: Some(Sted::Retur), ..road(T, 80, None, 900) });
    });
    // A red incident whose ambulance action has no `Varslet` (W203): no mission, but in the
    // reaction population, missing.
    let no_alert = with(incident("NOA", T, Hastegrad::Rod), |i| {
        i.actions.push(Action { alerted_at: None, ..road(T, 0, Some(700), 2000) });
    });
    let ok =
        with(incident("OK", T, Hastegrad::Rod), |i| i.actions.push(road(T, 100, Some(1000), 2000)));
    check(
        &[retur, no_alert, ok],
        &month_query(&[]),
        None,
        expect![[r#"
            {"id":"volume","group":{},"contacts":3,"incidents":3,"missions":2,"road_missions":2,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
            {"id":"response_time","group":{},"n":1,"n_missing":1,"median_s":1000,"p90_s":1000,"mean_s":1000.0}
            {"id":"response_within_target","group":{"area":"urban"},"n":1,"within":0,"share":0.0}
            {"id":"amk_reaction_time","group":{"urgency":"R"},"n":2,"n_missing":1,"median_s":80,"p90_s":100,"mean_s":90.0}
            {"id":"alert_to_arrival","group":{},"n":1,"n_missing":1,"median_s":900,"p90_s":900,"mean_s":900.0}
            {"id":"mission_time","group":{},"n":2,"median_s":820,"p90_s":1900,"unit_hours":0.76}
        "#]],
    );
}

#[test]
fn daylight_saving_night_intervals_are_between_instants() {
    // 2024-10-27: contact 02:50 CEST (00:50Z), at scene 02:05 CET (01:05Z) = 900 s, though
    // the clock reads 45 minutes earlier.
    let t0 = 1_729_990_200; // 2024-10-27T00:50:00Z
    let a = with(incident("DST", t0, Hastegrad::Rod), |i| {
        i.urban = Some(false);
        i.actions.push(road(t0, 120, Some(900), 2000));
    });
    let figures = compute(&dataset(&[a]), &query("2024-10", &[]), None);
    let of = |id: Indicator| figures.iter().filter(move |f| f.id == id);
    expect![[r#"
        {"id":"response_time","group":{},"n":1,"n_missing":0,"median_s":900,"p90_s":900,"mean_s":900.0}
        {"id":"response_within_target","group":{"area":"rural"},"n":1,"within":1,"share":1.0}
    "#]]
    .assert_eq(&lines(of(Indicator::ResponseTime).chain(of(Indicator::ResponseWithinTarget))));
}

#[test]
fn target_thresholds_are_inclusive_and_missing_area_is_left_out() {
    let at = |id: &str, urban: Option<bool>, s: i64| {
        with(incident(id, T, Hastegrad::Rod), |i| {
            i.urban = urban;
            i.actions.push(road(T, 60, Some(s), s + 600));
        })
    };
    check(
        &[
            at("U1", Some(true), 720),
            at("U2", Some(true), 721),
            at("R1", Some(false), 1500),
            at("R2", Some(false), 1501),
            at("X", None, 100),
        ],
        &Query { by: vec![], ..month_query(&[]) },
        None,
        expect![[r#"
            {"id":"volume","group":{},"contacts":5,"incidents":5,"missions":5,"road_missions":5,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
            {"id":"response_time","group":{},"n":5,"n_missing":0,"median_s":721,"p90_s":1501,"mean_s":908.4}
            {"id":"response_within_target","group":{"area":"rural"},"n":2,"within":1,"share":0.5}
            {"id":"response_within_target","group":{"area":"urban"},"n":2,"within":1,"share":0.5}
            {"id":"amk_reaction_time","group":{"urgency":"R"},"n":5,"n_missing":0,"median_s":60,"p90_s":60,"mean_s":60.0}
            {"id":"alert_to_arrival","group":{},"n":5,"n_missing":0,"median_s":661,"p90_s":1441,"mean_s":848.4}
            {"id":"mission_time","group":{},"n":5,"median_s":1261,"p90_s":2041,"unit_hours":2.01}
        "#]],
    );
}

#[test]
fn reaction_time_is_113_only_and_split_by_urgency() {
    let g =
        with(incident("G", T, Hastegrad::Gul), |i| i.actions.push(road(T, 400, Some(1400), 3000)));
    let n = with(incident("N", T, Hastegrad::Gronn), |i| {
        i.actions.push(road(T, 1200, Some(2400), 4000))
    });
    let other_line = with(incident("ROD", T, Hastegrad::Gul), |i| {
        i.contacts[0].sambandsvei = Some(Sambandsvei::AnnenRodLinje);
        i.actions.push(road(T, 10, Some(600), 1000));
    });
    let figures = compute(&dataset(&[g, n, other_line]), &month_query(&[]), None);
    expect![[r#"
        {"id":"amk_reaction_time","group":{"urgency":"G"},"n":1,"n_missing":0,"median_s":400,"p90_s":400,"mean_s":400.0}
        {"id":"amk_reaction_time","group":{"urgency":"N"},"n":1,"n_missing":0,"median_s":1200,"p90_s":1200,"mean_s":1200.0}
    "#]]
    .assert_eq(&lines(figures.iter().filter(|f| f.id == Indicator::AmkReactionTime)));
}

#[test]
fn volumes_per_1000_and_change_against_last_year() {
    // March 2023: 2 incidents; March 2024: 3 incidents, in 0301 (population 700,000 in 2024).
    let last_year = T - 366 * 86_400;
    let incidents: Vec<Incident> = [last_year, last_year + 60, T, T + 60, T + 120]
        .iter()
        .enumerate()
        .map(|(k, t)| incident(&format!("H{k}"), *t, Hastegrad::Gronn))
        .collect();
    let mut population = Population::default();
    population.by_kommune_year.insert(("0301".into(), 2024), 700_000);
    population.by_kommune_year.insert(("0301".into(), 2023), 690_000);
    let data = dataset(&incidents);
    let figures = compute(&data, &month_query(&[Key::Kommune, Key::Month]), Some(&population));
    expect![[r#"
        {"id":"volume","group":{"kommune":"0301","month":"2024-03"},"contacts":3,"incidents":3,"missions":0,"road_missions":0,"air_missions":0,"per_1000":{"contacts":0.0043,"incidents":0.0043,"missions":0.0},"change_vs_last_year":{"contacts":0.5,"incidents":0.5,"missions":null}}
    "#]]
    .assert_eq(&lines(figures.iter().filter(|f| f.id == Indicator::Volume)));
}

#[test]
fn filters_select_rows_by_any_key() {
    let urban =
        with(incident("U", T, Hastegrad::Rod), |i| i.actions.push(road(T, 60, Some(500), 1000)));
    let rural = with(incident("R", T, Hastegrad::Rod), |i| {
        i.urban = Some(false);
        i.pickup_municipality = Some("5444".into());
        i.actions.push(road(T, 60, Some(1300), 2000));
    });
    let data = dataset(&[urban, rural]);
    let response = |filters: Vec<(Key, &str)>| {
        let q = Query {
            filters: filters.into_iter().map(|(k, v)| (k, v.to_string())).collect(),
            ..month_query(&[])
        };
        compute(&data, &q, None)
            .into_iter()
            .find(|f| f.id == Indicator::ResponseTime)
            .map(|f| serde_json::to_string(&f.values).unwrap())
    };
    assert_eq!(
        response(vec![(Key::Area, "rural")]).unwrap(),
        r#"{"n":1,"n_missing":0,"median_s":1300,"p90_s":1300,"mean_s":1300.0}"#
    );
    assert_eq!(
        response(vec![(Key::Kommune, "0301"), (Key::Urgency, "R")]).unwrap(),
        r#"{"n":1,"n_missing":0,"median_s":500,"p90_s":500,"mean_s":500.0}"#
    );
    assert_eq!(response(vec![(Key::Urgency, "G")]), None);
    assert_eq!(response(vec![(Key::Kommune, "9999")]), None, "an unknown value matches nothing");
}

/// DOMAIN.md §8 "Geography through time": incidents of December 2023 (2020 numbers) and
/// January 2024 (2024 numbers) by `kommune` count each place once, in the newest structure
/// by default and in the 2020 one when asked; Ålesund's split is resolved to 1508 with a
/// note; population of either structure is translated the same way.
#[test]
fn a_series_across_the_2024_reform_is_given_in_one_structure() {
    // 2023-12-15 and 2024-01-15, 10:00 Oslo (CET).
    let (dec, jan) = (1_702_630_800, 1_705_309_200);
    let at = |id: &str, t0: i64, kommune: &str| {
        with(incident(id, t0, Hastegrad::Gronn), |i| {
            i.pickup_municipality = Some(kommune.into());
        })
    };
    let data = dataset(&[
        at("A", dec, "3001"), // Halden, 2020 number
        at("B", jan, "3101"), // Halden, 2024 number
        at("C", dec, "1507"), // Ålesund before the split
        at("D", jan, "1508"), // Ålesund after it
        at("E", jan, "1580"), // Haram, split off Ålesund
    ]);
    let mut population = Population::default();
    for (k, y, n) in [
        ("3001", 2023, 31_000),
        ("3101", 2024, 31_500),
        ("1507", 2023, 67_000),
        ("1508", 2024, 57_000),
        ("1580", 2024, 10_000),
    ] {
        population.by_kommune_year.insert((k.into(), y), n);
    }
    let months =
        MonthRange::new(Month::parse("2023-12").unwrap(), Month::parse("2024-01").unwrap())
            .unwrap();
    let q = |structure: Option<i32>, by: &[Key]| Query {
        months,
        centre: None,
        by: by.to_vec(),
        filters: vec![],
        structure,
    };
    let volumes = |structure: Option<i32>, by: &[Key]| {
        let a = akutt_indicators::compute_answer(
            &data,
            &q(structure, by),
            Some(&population),
            &[Indicator::Volume],
        )
        .unwrap();
        let notes: Vec<String> =
            a.splits.iter().map(|s| format!("{}→{}\n", s.from, s.to)).collect();
        format!("structure {}\n{}{}", a.structure, notes.concat(), lines(&a.figures))
    };
    expect![[r#"
        structure 2024
        1507→1508
        {"id":"volume","group":{"kommune":"1508","year":2023},"contacts":1,"incidents":1,"missions":0,"road_missions":0,"air_missions":0,"per_1000":{"contacts":0.0149,"incidents":0.0149,"missions":0.0},"change_vs_last_year":null}
        {"id":"volume","group":{"kommune":"1508","year":2024},"contacts":1,"incidents":1,"missions":0,"road_missions":0,"air_missions":0,"per_1000":{"contacts":0.0175,"incidents":0.0175,"missions":0.0},"change_vs_last_year":null}
        {"id":"volume","group":{"kommune":"1580","year":2024},"contacts":1,"incidents":1,"missions":0,"road_missions":0,"air_missions":0,"per_1000":{"contacts":0.1,"incidents":0.1,"missions":0.0},"change_vs_last_year":null}
        {"id":"volume","group":{"kommune":"3101","year":2023},"contacts":1,"incidents":1,"missions":0,"road_missions":0,"air_missions":0,"per_1000":{"contacts":0.0323,"incidents":0.0323,"missions":0.0},"change_vs_last_year":null}
        {"id":"volume","group":{"kommune":"3101","year":2024},"contacts":1,"incidents":1,"missions":0,"road_missions":0,"air_missions":0,"per_1000":{"contacts":0.0317,"incidents":0.0317,"missions":0.0},"change_vs_last_year":null}
    "#]]
    .assert_eq(&volumes(None, &[Key::Kommune, Key::Year]));
    expect![[r#"
        structure 2020
        {"id":"volume","group":{"kommune":"1507","year":2023},"contacts":1,"incidents":1,"missions":0,"road_missions":0,"air_missions":0,"per_1000":{"contacts":0.0149,"incidents":0.0149,"missions":0.0},"change_vs_last_year":null}
        {"id":"volume","group":{"kommune":"1507","year":2024},"contacts":2,"incidents":2,"missions":0,"road_missions":0,"air_missions":0,"per_1000":{"contacts":0.0299,"incidents":0.0299,"missions":0.0},"change_vs_last_year":null}
        {"id":"volume","group":{"kommune":"3001","year":2023},"contacts":1,"incidents":1,"missions":0,"road_missions":0,"air_missions":0,"per_1000":{"contacts":0.0323,"incidents":0.0323,"missions":0.0},"change_vs_last_year":null}
        {"id":"volume","group":{"kommune":"3001","year":2024},"contacts":1,"incidents":1,"missions":0,"road_missions":0,"air_missions":0,"per_1000":{"contacts":0.0317,"incidents":0.0317,"missions":0.0},"change_vs_last_year":null}
    "#]]
    .assert_eq(&volumes(Some(2020), &[Key::Kommune, Key::Year]));
    // Over both years: each place once.
    let places = |structure: Option<i32>| -> Vec<(String, u64)> {
        akutt_indicators::compute_answer(
            &data,
            &q(structure, &[Key::Kommune]),
            None,
            &[Indicator::Volume],
        )
        .unwrap()
        .figures
        .iter()
        .map(|f| match (&f.group["kommune"], &f.values) {
            (
                akutt_indicators::GroupValue::Text(k),
                akutt_indicators::Values::Volume { incidents, .. },
            ) => (k.clone(), incidents.n),
            other => panic!("{other:?}"),
        })
        .collect()
    };
    assert_eq!(places(None), [("1508".into(), 2), ("1580".into(), 1), ("3101".into(), 2)]);
    assert_eq!(places(Some(2020)), [("1507".into(), 3), ("3001".into(), 2)]);
    // A filter may name a number of either structure.
    let filtered = |v: &str| {
        let q = Query { filters: vec![(Key::Kommune, v.into())], ..q(None, &[]) };
        akutt_indicators::compute_answer(&data, &q, None, &[Indicator::Volume]).unwrap().figures
    };
    assert_eq!(lines(&filtered("3001")), lines(&filtered("3101")));
    // An unknown structure is refused, naming the known ones.
    let e = akutt_indicators::compute_answer(&data, &q(Some(2019), &[]), None, &[]).unwrap_err();
    assert_eq!(e.to_string(), "no municipality structure 2019: the register has 2020, 2024");
}

/// A decade is 8 million rows and 10 million mission times held at once (issue 17): each
/// byte of a row is 8 MB of every ten-year answer. 88 since the report's groupings (caller
/// type, incident and delivery place, hour of the week: four bytes, padded to eight).
#[test]
fn rows_and_mission_times_stay_small() {
    assert_eq!(size_of::<akutt_indicators::Row>(), 88);
    // 24 since each mission carries its own delivery place, its road/air flag and the key
    // it counts with among the road (air) missions.
    assert_eq!(size_of::<akutt_indicators::MissionTime>(), 24);
}

/// A centre's inhabitants are those of the places it served in the answer's months: 0301's
/// incidents came through OSL in 2023 (three) and through VVI in 2024 (one), so in 2024
/// VVI's rate has Oslo's population and OSL has none (issue 17: the answer must not depend
/// on which other months a store loaded).
#[test]
fn a_centres_inhabitants_are_those_it_served_in_the_period() {
    let last_year = T - 366 * 86_400;
    let keyer = akutt_disclosure::RecordKeyer::from_secret(b"indicator tests");
    let mut data = Dataset::default();
    for k in 0..3 {
        data.push_incident(
            &keyer,
            "OSL",
            &incident(&format!("O{k}"), last_year + k, Hastegrad::Gronn),
        );
    }
    data.push_incident(&keyer, "VVI", &incident("V1", T, Hastegrad::Gronn));
    let mut population = Population::default();
    population.by_kommune_year.insert(("0301".into(), 2024), 700_000);
    population.by_kommune_year.insert(("0301".into(), 2023), 690_000);
    let figures = compute(&data, &month_query(&[Key::Centre]), Some(&population));
    expect![[r#"
        {"id":"volume","group":{"centre":"VVI"},"contacts":1,"incidents":1,"missions":0,"road_missions":0,"air_missions":0,"per_1000":{"contacts":0.0014,"incidents":0.0014,"missions":0.0},"change_vs_last_year":{"contacts":null,"incidents":null,"missions":null}}
    "#]]
    .assert_eq(&lines(figures.iter().filter(|f| f.id == Indicator::Volume)));
}

/// A centre's question visits that centre's rows of each month, however the centres'
/// rows interleave in the dataset (issue 17: the centre runs of `Dataset::month_rows`).
#[test]
fn a_centre_filter_finds_its_rows_among_interleaved_centres() {
    let keyer = akutt_disclosure::RecordKeyer::from_secret(b"indicator tests");
    let mut data = Dataset::default();
    for (k, centre) in ["OSL", "KKN", "OSL", "OSL", "KKN", "OSL"].iter().enumerate() {
        let t = T + 60 * k as i64;
        data.push_incident(&keyer, centre, &incident(&format!("H{k}"), t, Hastegrad::Gronn));
    }
    let count = |centre: &str| {
        let q = Query { centre: Some(centre.into()), ..month_query(&[]) };
        let f = compute(&data, &q, None);
        let v =
            f.iter().find(|f| f.id == Indicator::Volume).map(|f| serde_json::to_value(f).unwrap());
        v.map_or(0, |v| v["incidents"].as_u64().unwrap())
    };
    assert_eq!((count("OSL"), count("KKN"), count("TRD")), (4, 2, 0));
    assert_eq!(
        data.centre_runs.values().next().map(Vec::len),
        Some(5),
        "runs: OSL | KKN | OSL OSL | KKN | OSL"
    );
}

/// The report's groupings (DOMAIN.md §12: caller type, time of day, incident and delivery
/// places), hand-computed: the hour and weekday are Oslo's (across the spring-forward
/// night), the caller is the first contact's; an incident's delivery place is its
/// first-alerted mission's that has one, and each mission counts under its own (§13).
#[test]
fn caller_hour_weekday_and_places_group_as_the_report_needs() {
    // Sunday 31 March 2024: 00:30Z is 01:30 CET, 01:30Z is 03:30 CEST (no 02 that night).
    let (night, after) = (1_711_845_000, 1_711_848_600);
    let mission = |t0: i64, alerted: i64, place: Option<Sted>| Action {
        delivery_place: place,
        ..road(t0, alerted, Some(alerted + 300), alerted + 2000)
    };
    let a = with(incident("H1", night, Hastegrad::Rod), |i| {
        i.contacts[0].innringer = Some(Innringer::Publikum);
        i.pickup_place = Some(Sted::Hjem);
        // Alerted second, first in the file: the first-alerted one's place counts.
        i.actions.push(mission(night, 60, Some(Sted::Sykehus)));
        i.actions.push(mission(night, 30, Some(Sted::Sykehjem)));
    });
    let b = with(incident("H2", after, Hastegrad::Gul), |i| {
        i.contacts[0].innringer = Some(Innringer::Helsepersonell);
        i.pickup_place = Some(Sted::Sykehjem);
        // The first-alerted mission has no delivery place: the next one's counts.
        i.actions.push(mission(after, 20, None));
        i.actions.push(mission(after, 40, Some(Sted::Sykehus)));
    });
    // Monday 4 March 2024 08:00 CET, nobody said who called, no mission.
    let c = incident("H3", 1_709_535_600, Hastegrad::Gronn);
    let incidents = [a, b, c];
    let volumes = |by: &[Key]| {
        let figures = compute(&dataset(&incidents), &month_query(by), None);
        lines(figures.iter().filter(|f| f.id == Indicator::Volume))
    };
    expect![[r#"
        {"id":"volume","group":{"hour":1},"contacts":1,"incidents":1,"missions":2,"road_missions":2,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
        {"id":"volume","group":{"hour":3},"contacts":1,"incidents":1,"missions":2,"road_missions":2,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
        {"id":"volume","group":{"hour":8},"contacts":1,"incidents":1,"missions":0,"road_missions":0,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
    "#]]
    .assert_eq(&volumes(&[Key::Hour]));
    expect![[r#"
        {"id":"volume","group":{"weekday":1},"contacts":1,"incidents":1,"missions":0,"road_missions":0,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
        {"id":"volume","group":{"weekday":7},"contacts":2,"incidents":2,"missions":4,"road_missions":4,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
    "#]]
    .assert_eq(&volumes(&[Key::Weekday]));
    expect![[r#"
        {"id":"volume","group":{"innringer":"HP"},"contacts":1,"incidents":1,"missions":2,"road_missions":2,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
        {"id":"volume","group":{"innringer":"PUB"},"contacts":1,"incidents":1,"missions":2,"road_missions":2,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
        {"id":"volume","group":{"innringer":null},"contacts":1,"incidents":1,"missions":0,"road_missions":0,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
    "#]].assert_eq(&volumes(&[Key::Innringer]));
    expect![[r#"
        {"id":"volume","group":{"hentested":"HJEM","leveringssted":"SH"},"contacts":0,"incidents":0,"missions":1,"road_missions":1,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
        {"id":"volume","group":{"hentested":"HJEM","leveringssted":"SHJ"},"contacts":1,"incidents":1,"missions":1,"road_missions":1,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
        {"id":"volume","group":{"hentested":"SHJ","leveringssted":"SH"},"contacts":1,"incidents":1,"missions":1,"road_missions":1,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
        {"id":"volume","group":{"hentested":"SHJ","leveringssted":null},"contacts":0,"incidents":0,"missions":1,"road_missions":1,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
        {"id":"volume","group":{"hentested":null,"leveringssted":null},"contacts":1,"incidents":1,"missions":0,"road_missions":0,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
    "#]].assert_eq(&volumes(&[Key::Hentested, Key::Leveringssted]));
    // A filter on a delivery place: the transports delivered to nursing homes.
    let to_nursing_homes = Query {
        filters: vec![(Key::Leveringssted, "shj".into())],
        ..month_query(&[Key::Hentested])
    };
    let figures = compute(&dataset(&incidents), &to_nursing_homes, None);
    expect![[r#"
        {"id":"volume","group":{"hentested":"HJEM"},"contacts":1,"incidents":1,"missions":1,"road_missions":1,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
    "#]].assert_eq(&lines(figures.iter().filter(|f| f.id == Indicator::Volume)));
}

/// The index criterion's chapter is the most urgent patient's (traffic accidents are
/// chapter 34, DOMAIN.md §13), and several values of one filter key are alternatives.
#[test]
fn criterion_chapters_group_and_filters_on_one_key_are_alternatives() {
    let patient = |u: Hastegrad, c: Option<&str>| Patient {
        number: Some(1),
        urgency: Some(u),
        criterion: c.map(Into::into),
        ..Patient::default()
    };
    // A green patient of chapter 01 and a red one of chapter 34: the red one's counts.
    let a = with(incident("H1", T, Hastegrad::Rod), |i| {
        i.patients = vec![
            patient(Hastegrad::Gronn, Some("H.01.02")),
            patient(Hastegrad::Rod, Some("A.34.01")),
        ];
    });
    // The red patient has no criterion: the yellow one's chapter 10 counts.
    let b = with(incident("H2", T + 60, Hastegrad::Rod), |i| {
        i.patients = vec![patient(Hastegrad::Rod, None), patient(Hastegrad::Gul, Some("H.10.03"))];
    });
    let c = incident("H3", T + 120, Hastegrad::Gronn);
    let incidents = [a, b, c];
    let volumes = |q: &Query| {
        let figures = compute(&dataset(&incidents), q, None);
        lines(figures.iter().filter(|f| f.id == Indicator::Volume))
    };
    expect![[r#"
        {"id":"volume","group":{"kriteriekapittel":"10"},"contacts":1,"incidents":1,"missions":0,"road_missions":0,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
        {"id":"volume","group":{"kriteriekapittel":"34"},"contacts":1,"incidents":1,"missions":0,"road_missions":0,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
        {"id":"volume","group":{"kriteriekapittel":null},"contacts":1,"incidents":1,"missions":0,"road_missions":0,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
    "#]].assert_eq(&volumes(&month_query(&[Key::Kriteriekapittel])));
    // Chapter 34 or 10: two incidents; 34 and urgency green: none.
    let either = Query {
        filters: vec![(Key::Kriteriekapittel, "34".into()), (Key::Kriteriekapittel, "10".into())],
        ..month_query(&[])
    };
    expect![[r#"
        {"id":"volume","group":{},"contacts":2,"incidents":2,"missions":0,"road_missions":0,"air_missions":0,"per_1000":null,"change_vs_last_year":null}
    "#]].assert_eq(&volumes(&either));
    let both = Query {
        filters: vec![(Key::Kriteriekapittel, "34".into()), (Key::Urgency, "N".into())],
        ..month_query(&[])
    };
    expect![[r#""#]].assert_eq(&volumes(&both));
}
