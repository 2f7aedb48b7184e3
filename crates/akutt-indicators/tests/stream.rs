//! A streamed answer equals the answer over all rows at once (issue 17): the CLI accumulates
//! a submission at a time on several threads (`Stream`, `finish_streams`) while the server
//! computes over a loaded dataset (`compute_answer`). One varied world of incidents, cut into
//! submissions (centre × month) dealt to streams in another order than the dataset's, and
//! every kind of question: groupings by each key, centre and other filters, volumes with
//! population and last year's change, both municipality structures with a split.

use akutt_disclosure::RecordKeyer;
use akutt_indicators::{
    compute_answer, finish_streams, Computed, Dataset, Figure, Indicator, Key, Population, Query,
    Stream,
};
use akutt_model::municipality::Register;
use akutt_model::{
    Action, Contact, Hastegrad, Hendelsestype, Incident, Month, MonthRange, Patient, Sambandsvei,
    Tiltak,
};

/// 2023-01-01 00:00 Oslo (CET) as an instant.
const START: i64 = 1_672_527_600;
const CENTRES: [&str; 4] = ["OSL", "KKN", "BGO", "TRD"];
/// Municipalities of both structures, Ålesund (split in 2024) and Halden (renumbered).
const PLACES: [&str; 8] = ["0301", "1507", "1508", "1580", "3001", "3101", "5001", "4601"];

/// A small deterministic generator (no dependency for one test).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 =
            self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }

    fn pick<'a, T>(&mut self, of: &'a [T]) -> &'a T {
        &of[usize::try_from(self.next(of.len() as u64)).unwrap()]
    }
}

/// 18 months of incidents, 2023-01 – 2024-06: (centre, incident), in t0 order per centre.
fn world() -> Vec<(&'static str, Incident)> {
    let mut g = Lcg(17);
    let mut out = Vec::new();
    for k in 0..3_000u32 {
        let t0 = START + i64::try_from(g.next(547 * 86_400)).unwrap();
        let centre = *g.pick(&CENTRES);
        let missing_time = g.next(20) == 0;
        let actions: Vec<Action> = (0..g.next(3))
            .map(|_| {
                let alerted = t0 + 30 + i64::try_from(g.next(600)).unwrap();
                let at_scene = alerted + 60 + i64::try_from(g.next(2_400)).unwrap();
                Action {
                    tiltak: Some(*g.pick(Tiltak::ALL)),
                    resource: Some(format!("R{}", g.next(9))),
                    alerted_at: Some(alerted),
                    at_scene_at: (!missing_time).then_some(at_scene),
                    free_at: Some(at_scene + i64::try_from(g.next(5_400)).unwrap()),
                    ..Action::default()
                }
            })
            .collect();
        let inc = Incident {
            id: format!("H{k}"),
            hendelsestype: (g.next(10) > 0).then(|| *g.pick(Hendelsestype::ALL)),
            pickup_municipality: (g.next(15) > 0).then(|| g.pick(&PLACES).to_string()),
            urban: [Some(true), Some(false), None][usize::try_from(g.next(3)).unwrap()],
            created_at: Some(t0 + 20),
            execute_at: (g.next(25) == 0).then_some(t0 + 7_200),
            contacts: vec![Contact {
                id: format!("H{k}-1"),
                received_at: Some(t0),
                sequence: Some(1),
                innringer: None,
                sambandsvei: Some(*g.pick(Sambandsvei::ALL)),
            }],
            patients: vec![Patient {
                number: Some(1),
                urgency: (g.next(12) > 0).then(|| *g.pick(Hastegrad::ALL)),
                ..Patient::default()
            }],
            actions,
            ..Incident::default()
        };
        out.push((centre, inc));
    }
    out.sort_by_key(|(c, inc)| (*c, inc.contacts[0].received_at));
    out
}

fn month_of(inc: &Incident) -> Month {
    akutt_indicators::facts(inc).month.unwrap()
}

/// The world cut into submissions: one centre's incidents of one month each.
fn submissions(world: &[(&'static str, Incident)]) -> Vec<Vec<(&'static str, Incident)>> {
    let mut subs: Vec<Vec<(&'static str, Incident)>> = Vec::new();
    for (centre, inc) in world {
        match subs.last_mut() {
            Some(s) if s[0].0 == *centre && month_of(&s[0].1) == month_of(inc) => {
                s.push((centre, inc.clone()));
            }
            _ => subs.push(vec![(centre, inc.clone())]),
        }
    }
    subs
}

fn lines(figures: &[Figure]) -> String {
    figures.iter().map(|f| serde_json::to_string(f).unwrap() + "\n").collect()
}

fn show(c: &Computed) -> String {
    let notes: String = c.splits.iter().map(|s| format!("note {}→{}\n", s.from, s.to)).collect();
    format!("structure {}\n{notes}{}", c.structure, lines(&c.figures))
}

#[test]
fn a_streamed_answer_equals_the_answer_over_all_rows() {
    let keyer = RecordKeyer::from_secret(b"stream tests");
    let world = world();
    let subs = submissions(&world);
    assert!(subs.len() > 60, "{} submissions", subs.len());
    let mut whole = Dataset::default();
    for (centre, inc) in &world {
        whole.push_incident(&keyer, centre, inc);
    }
    let mut population = Population::default();
    for (i, p) in PLACES.iter().enumerate() {
        for year in [2022, 2023, 2024] {
            let n =
                10_000 + 1_000 * u64::try_from(i).unwrap() + u64::try_from(year - 2022).unwrap();
            population.by_kommune_year.insert(((*p).to_string(), year), n);
        }
    }
    let months = |from: &str, to: &str| {
        MonthRange::new(Month::parse(from).unwrap(), Month::parse(to).unwrap()).unwrap()
    };
    let q = |by: &[Key]| Query {
        months: months("2024-01", "2024-06"),
        centre: None,
        by: by.to_vec(),
        filters: vec![],
        structure: None,
    };
    let mut queries = vec![
        q(&[]),
        q(&[Key::Centre]),
        q(&[Key::Centre, Key::Month]),
        q(&[Key::Kommune, Key::Year]),
        q(&[Key::Urgency, Key::Area]),
        q(&[Key::Sambandsvei, Key::Hendelsestype]),
        Query { centre: Some("KKN".into()), ..q(&[Key::Month]) },
        Query { centre: Some("XXX".into()), ..q(&[]) },
        Query { filters: vec![(Key::Kommune, "1507".into())], ..q(&[Key::Centre]) },
        Query { filters: vec![(Key::Urgency, "R".into())], ..q(&[Key::Kommune]) },
        Query { structure: Some(2020), ..q(&[Key::Kommune, Key::Month]) },
        Query { months: months("2023-01", "2024-06"), ..q(&[Key::Centre, Key::Year]) },
    ];
    queries.push(Query { structure: Some(2020), ..queries[1].clone() });
    let register = Register::standard();
    let mut figures = 0;
    for query in &queries {
        for with_population in [false, true] {
            let people = with_population.then_some(&population);
            let expected = compute_answer(&whole, query, people, &Indicator::ALL).unwrap();
            figures += expected.figures.len();
            // Two threads' streams take every other submission, one from the end, the other
            // from the start (so their dictionaries differ); a third, merged first, reads none.
            let mut streams: Vec<Stream<'_>> = (0..3)
                .map(|_| Stream::new(register, query, &Indicator::ALL, with_population).unwrap())
                .collect();
            let (even, odd): (Vec<_>, Vec<_>) =
                subs.iter().enumerate().partition(|(i, _)| i % 2 == 0);
            let order = [even.into_iter().rev().collect::<Vec<_>>(), odd];
            for (s, part) in streams.iter_mut().zip(order) {
                for (_, sub) in part {
                    for (centre, inc) in sub {
                        s.data.push_incident(&keyer, centre, inc);
                    }
                    s.add_rows();
                }
            }
            streams.rotate_right(1);
            let streamed = finish_streams(streams, people);
            assert_eq!(
                show(&streamed),
                show(&expected),
                "{query:?}, population: {with_population}"
            );
        }
    }
    assert!(figures > 1_500, "the questions must have answers: {figures} figures");
}
