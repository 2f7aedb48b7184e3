//! The synthetic world against its promises: same seed → same bytes; the validator finds
//! exactly the injected faults of the ground truth (no misses, no extras); the calibration
//! targets of DOMAIN.md §10 hold on a generated year.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use akutt_ingest::{ingest, load_mappings};
use akutt_model::Hastegrad;
use akutt_model::MonthRange;
use akutt_store::DataDir;
use akutt_synth::incident::Kind;
use akutt_synth::world::World;
use akutt_synth::{generate, incidents_of_day, Config};
use chrono::NaiveDate;

fn config(
    out: &Path,
    centres: &[&str],
    from: &str,
    to: &str,
    scale: f64,
    seed: u64,
    error_rate: f64,
) -> Config {
    Config {
        out: out.to_path_buf(),
        months: MonthRange::new(from.parse().unwrap(), to.parse().unwrap()).unwrap(),
        centres: Some(centres.iter().map(|c| c.to_string()).collect()),
        scale,
        seed,
        error_rate,
        response_step: None,
    }
}

fn files_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().display().to_string(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

#[test]
fn same_seed_gives_identical_bytes_and_another_seed_does_not() {
    let (a, b, c) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let run = |d: &Path, seed| {
        generate(
            &config(d, &["OSL", "KKN", "SOR"], "2024-03", "2024-04", 0.02, seed, 0.02),
            &|_| {},
        )
        .unwrap()
    };
    run(a.path(), 11);
    run(b.path(), 11);
    run(c.path(), 12);
    let (fa, fb, fc) = (files_of(a.path()), files_of(b.path()), files_of(c.path()));
    assert!(fa.len() > 10, "{:?}", fa.keys());
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (name, bytes) in &fa {
        assert!(fb[name] == *bytes, "{name} differs between two runs with the same seed");
    }
    assert_ne!(fa["extracts/OSL-2024-03.csv"], fc["extracts/OSL-2024-03.csv"]);
}

#[test]
fn every_output_says_it_is_synthetic() {
    let d = tempfile::tempdir().unwrap();
    generate(&config(d.path(), &["HRS"], "2024-01", "2024-01", 0.02, 1, 0.0), &|_| {}).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["synthetic"], true);
    assert!(manifest["notice"].as_str().unwrap().contains("SYNTHETIC"));
    assert!(std::fs::read_to_string(d.path().join("LESMEG-SYNTETISK.txt"))
        .unwrap()
        .contains("SYNTETISKE DATA"));
    assert!(!d.path().join("ground-truth.csv").exists(), "no ground truth without faults");
    let population = std::fs::read_to_string(d.path().join("population.csv")).unwrap();
    assert!(
        population.starts_with("kommunenummer;år;folkemengde\n0301;2023;"),
        "{}",
        &population[..60]
    );
}

type Key = (String, u64, String, String, String);

/// Ingests every extract and fault file of a generated world and compares the findings with
/// the ground truth, as (file, line, incident, rule, column).
fn check_ground_truth(out: &Path, centres: &[&str]) -> usize {
    let data_dir = tempfile::tempdir().unwrap();
    let data = DataDir::open(data_dir.path()).unwrap();
    for c in centres {
        load_mappings(&data, &out.join(format!("mappings/mapping-{c}.csv")), c).unwrap();
    }
    let mut found: BTreeSet<Key> = BTreeSet::new();
    let mut names: Vec<String> = files_of(out)
        .into_keys()
        .filter(|n| n.starts_with("extracts/") || n.starts_with("faults/"))
        .collect();
    names.sort();
    for name in &names {
        let outcome = ingest(&data, b"synthetic test key", &out.join(name), |_, _| {}).unwrap();
        assert_eq!(outcome.report.findings_not_listed, 0);
        for f in &outcome.report.findings {
            found.insert((
                name.clone(),
                f.line.unwrap_or(0),
                f.incident.clone().unwrap_or_default(),
                f.code.clone(),
                f.column.clone().unwrap_or_default(),
            ));
        }
    }
    let truth = std::fs::read_to_string(out.join("ground-truth.csv")).unwrap();
    let expected: BTreeSet<Key> = truth
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(';').collect();
            (
                f[0].to_string(),
                f[1].parse().unwrap(),
                f[2].to_string(),
                f[3].to_string(),
                f[4].to_string(),
            )
        })
        .collect();
    let missed: Vec<_> = expected.difference(&found).take(20).collect();
    let extra: Vec<_> = found.difference(&expected).take(20).collect();
    assert!(missed.is_empty() && extra.is_empty(), "missed (in ground truth, not found): {missed:#?}\nextra (found, not in ground truth): {extra:#?}");
    expected.len()
}

#[test]
fn the_validator_finds_exactly_the_injected_faults() {
    let d = tempfile::tempdir().unwrap();
    // OSL (UTF-8 with BOM), VTE (CRLF, action columns first), BGO (renumbers its codes on
    // 1 January 2025), TRD (ISO times), KKN (Windows-1252); both daylight-saving months.
    let centres = ["OSL", "VTE", "BGO", "TRD", "KKN"];
    let summary =
        generate(&config(d.path(), &centres, "2024-10", "2025-03", 0.01, 5, 0.03), &|_| {})
            .unwrap();
    assert_eq!(summary.fault_files.len(), 4);
    let n = check_ground_truth(d.path(), &centres);
    let truth = std::fs::read_to_string(d.path().join("ground-truth.csv")).unwrap();
    let codes: BTreeSet<&str> =
        truth.lines().skip(1).map(|l| l.split(';').nth(3).unwrap()).collect();
    let all = [
        "F001", "F002", "F003", "F004", "E101", "E102", "E103", "E104", "E105", "E106", "E107",
        "E108", "W201", "W202", "W203", "W204", "W205", "W206", "W207", "W208", "W209", "W210",
    ];
    for code in all {
        assert!(codes.contains(code), "no {code} in the ground truth ({n} entries)");
    }
}

/// Nearest-rank percentile (DOMAIN.md §8).
fn percentile(sorted: &[i64], p: f64) -> i64 {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a rank between 1 and the sample's length"
    )]
    let rank = ((p * sorted.len() as f64).ceil() as usize).max(1);
    sorted[rank - 1]
}

struct Year {
    incidents: usize,
    prebooked: usize,
    missions: usize,
    air_missions: usize,
    urban: Vec<i64>,
    rural: Vec<i64>,
    by_centre: Vec<Vec<i64>>,
}

fn year(world: &World, y: i32, scale: f64) -> Year {
    let mut out = Year {
        incidents: 0,
        prebooked: 0,
        missions: 0,
        air_missions: 0,
        urban: vec![],
        rural: vec![],
        by_centre: vec![vec![]; 16],
    };
    let mut day = NaiveDate::from_ymd_opt(y, 1, 1).unwrap();
    while day.year_ce().1 as i32 == y {
        for c in 0..world.centres.len() {
            for inc in incidents_of_day(world, c, day, scale, 3) {
                out.incidents += 1;
                out.prebooked += usize::from(inc.kind == Kind::Prebooked);
                out.missions += inc.actions.iter().filter(|a| a.is_mission()).count();
                out.air_missions += inc
                    .actions
                    .iter()
                    .filter(|a| a.is_mission() && a.tiltak == akutt_model::Tiltak::AmbulanseLuft)
                    .count();
                if let Some(r) = inc.response_time() {
                    assert_eq!(inc.urgency(), Some(Hastegrad::Rod));
                    if inc.urban { &mut out.urban } else { &mut out.rural }.push(r);
                    out.by_centre[c].push(r);
                }
            }
        }
        day = day.succ_opt().unwrap();
    }
    out.urban.sort_unstable();
    out.rural.sort_unstable();
    for v in &mut out.by_centre {
        v.sort_unstable();
    }
    out
}

use chrono::Datelike;

#[test]
fn a_generated_year_meets_the_calibration_targets() {
    let world = World::new();
    let scale = 0.25;
    let y = year(&world, 2024, scale);
    let within = |what: &str, got: f64, target: f64, tolerance: f64| {
        eprintln!(
            "calibration: {what}: {got:.0} (target {target:.0} ± {:.0} %)",
            tolerance * 100.0
        );
        assert!(
            (got - target).abs() <= tolerance * target,
            "{what}: {got:.0} vs target {target:.0} (±{:.0} %)",
            tolerance * 100.0
        );
    };
    // Volumes (scaled to a national year): ~900,000 incidents, ~700,000 missions.
    within("incidents per year", y.incidents as f64 / scale, 900_000.0, 0.03);
    within("missions per year", y.missions as f64 / scale, 700_000.0, 0.05);
    let share_pre = y.prebooked as f64 / y.incidents as f64;
    assert!((0.35..=0.5).contains(&share_pre), "pre-booked share {share_pre}");
    let air = y.air_missions as f64 / y.missions as f64;
    assert!((0.015..=0.05).contains(&air), "air share {air} (SSB: 97 % of missions by road)");
    // Red response times: median ~10 / p90 ~19 min urban, ~15 / ~31 min rural (±5 %).
    within("urban median (s)", percentile(&y.urban, 0.5) as f64, 600.0, 0.05);
    within("urban p90 (s)", percentile(&y.urban, 0.9) as f64, 1140.0, 0.05);
    within("rural median (s)", percentile(&y.rural, 0.5) as f64, 900.0, 0.05);
    within("rural p90 (s)", percentile(&y.rural, 0.9) as f64, 1860.0, 0.05);
    // Visible differences between centres.
    let medians: Vec<i64> =
        y.by_centre.iter().filter(|v| v.len() > 100).map(|v| percentile(v, 0.5)).collect();
    let (lo, hi) = (*medians.iter().min().unwrap(), *medians.iter().max().unwrap());
    eprintln!("calibration: pre-booked share {share_pre:.3}, air share {air:.3}, centre medians {lo}–{hi} s");
    assert!(hi as f64 > 1.15 * lo as f64, "centre medians {medians:?}");
    // A slow trend: response times in 2020 are shorter than in 2024.
    let old = year(&world, 2020, 0.1);
    eprintln!(
        "calibration: urban median 2020 {} s, 2024 {} s",
        percentile(&old.urban, 0.5),
        percentile(&y.urban, 0.5)
    );
    assert!(
        percentile(&old.urban, 0.5) < percentile(&y.urban, 0.5),
        "{} vs {}",
        percentile(&old.urban, 0.5),
        percentile(&y.urban, 0.5)
    );
}

/// The synthetic area change (DOMAIN.md §8): from 1 January 2025 three municipalities of
/// AMK Vestre Viken are served by AMK Oslo; the incidents follow, and `centre-areas.csv`
/// says so with validity dates.
#[test]
fn an_area_moves_to_a_neighbour_on_its_date() {
    let world = World::new();
    let ch = &world.area_change;
    let (vvi, osl) = (world.centre_index("VVI").unwrap(), world.centre_index("OSL").unwrap());
    assert_eq!((ch.from, ch.to, ch.places.len()), (vvi, osl, 3));
    let moved: Vec<&str> = ch.places.iter().map(|&p| world.places[p].number()).collect();
    let day = |s: &str| s.parse::<NaiveDate>().unwrap();
    let in_moved = |centre: usize, d: &str| -> usize {
        (0..14)
            .map(|k| day(d) + chrono::Days::new(k))
            .flat_map(|d| incidents_of_day(&world, centre, d, 1.0, 7))
            .filter(|i| moved.contains(&i.municipality))
            .count()
    };
    assert!(in_moved(vvi, "2024-12-01") > 0 && in_moved(osl, "2024-12-01") == 0);
    assert!(in_moved(vvi, "2025-01-01") == 0 && in_moved(osl, "2025-01-01") > 0);

    let d = tempfile::tempdir().unwrap();
    generate(&config(d.path(), &["OSL"], "2024-12", "2024-12", 0.01, 1, 0.0), &|_| {}).unwrap();
    let text = std::fs::read_to_string(d.path().join("centre-areas.csv")).unwrap();
    let areas = akutt_model::centre_area::CentreAreas::parse(&text).unwrap();
    let r = akutt_model::municipality::Register::standard();
    let s20 = r.structure(2020).unwrap();
    let before = areas.served_by("OSL", day("2024-12-31"), r, s20);
    let after = areas.served_by("OSL", day("2025-01-01"), r, s20);
    assert_eq!(after.len(), before.len() + 3);
    assert!(moved
        .iter()
        .all(|m| after.contains(&m.to_string()) && !before.contains(&m.to_string())));
    assert_eq!(areas.change_dates(), [day("2025-01-01")]);
    // Every municipality of the world is served by exactly one centre on any date.
    for m in &s20.municipalities {
        assert_eq!(areas.centres_of(&m.number, day("2025-06-01"), r).len(), 1, "{}", m.number);
    }
}

/// A response step scales one centre's red response times from its date and nothing else:
/// the same world without it is the same before the date and for the other centres.
#[test]
fn a_response_step_changes_one_centre_from_its_date_only() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain");
    let stepped = dir.path().join("stepped");
    let mut with = config(&stepped, &["OSL", "KKN"], "2024-06", "2024-07", 0.02, 4, 0.0);
    with.response_step = Some(akutt_synth::ResponseStep::parse("osl:2024-07-01:1.5").unwrap());
    generate(&config(&plain, &["OSL", "KKN"], "2024-06", "2024-07", 0.02, 4, 0.0), &|_| {})
        .unwrap();
    generate(&with, &|_| {}).unwrap();
    let read = |d: &Path, f: &str| std::fs::read(d.join("extracts").join(f)).unwrap();
    for same in ["OSL-2024-06.csv", "KKN-2024-06.csv", "KKN-2024-07.csv"] {
        assert_eq!(read(&plain, same), read(&stepped, same), "{same}");
    }
    assert_ne!(read(&plain, "OSL-2024-07.csv"), read(&stepped, "OSL-2024-07.csv"));
    let truth = std::fs::read_to_string(stepped.join("ground-truth/response-step.json")).unwrap();
    assert!(truth.contains("\"centre\": \"OSL\"") && truth.contains("2024-07-01"), "{truth}");
    for bad in ["OSL:2024-07-01", "OSL:2024-13-01:1.2", "OSL:2024-07-01:9", "OSL:x:1.2"] {
        assert!(akutt_synth::ResponseStep::parse(bad).is_err(), "{bad}");
    }
}
