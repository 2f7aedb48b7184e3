//! Golden tests of `answer_time` (DOMAIN.md §11) with hand-computed answers, one scenario per
//! counting choice: the 10-second boundary, short and long abandons, overflow, other lines,
//! the DST nights, calls outside the months asked, groupings and filters; and a differential
//! test against an independent, naive computation over a synthetic year.
//! `UPDATE_EXPECT=1 cargo test -p akutt-indicators --test calls` rewrites the snapshots.

use akutt_disclosure::RecordKeyer;
use akutt_indicators::calls::{answer_time, overflow_matrix, CallFact};
use akutt_indicators::{Figure, Key, Query, Values};
use akutt_model::call::{CallRecord, Outcome};
use akutt_model::time::{oslo_hour_weekday, oslo_month, parse_datetime, Instant};
use akutt_model::{Linje, Month, MonthRange};
use expect_test::{expect, Expect};

/// An Oslo local time `dd.mm.yyyy hh:mm:ss` as an instant.
fn at(s: &str) -> Instant {
    parse_datetime(s).unwrap().default_instant()
}

/// A call ringing at `received` (Oslo), with the outcome after `wait` seconds and the end
/// after `duration` seconds.
fn call(id: &str, received: &str, outcome: Outcome, wait: i64, duration: i64) -> CallRecord {
    let t = at(received);
    CallRecord {
        line: 2,
        id: id.into(),
        queue: "Q113".into(),
        linje: Linje::Nodlinje113,
        received: t,
        answered: (outcome == Outcome::Answered).then_some(t + wait),
        ended: t + duration,
        outcome,
        moved_to: (outcome == Outcome::Overflowed).then(|| "BGO".to_string()),
        contact: None,
    }
}

fn answered(id: &str, received: &str, wait: i64) -> CallRecord {
    call(id, received, Outcome::Answered, wait, wait + 120)
}

fn facts(centre: &str, calls: &[CallRecord]) -> Vec<CallFact> {
    let keyer = RecordKeyer::from_secret(b"call tests");
    calls
        .iter()
        .map(|c| {
            let key = keyer.unit(akutt_disclosure::Unit::Call, &[centre, &c.id]);
            CallFact::of(centre, c, key).unwrap()
        })
        .collect()
}

fn query(from: &str, to: &str, by: &[Key]) -> Query {
    Query {
        months: MonthRange::new(Month::parse(from).unwrap(), Month::parse(to).unwrap()).unwrap(),
        centre: None,
        by: by.to_vec(),
        filters: vec![],
        structure: None,
    }
}

fn lines(figures: &[Figure]) -> String {
    figures.iter().map(|f| serde_json::to_string(f).unwrap() + "\n").collect()
}

#[track_caller]
fn check(facts: &[CallFact], q: &Query, expect: Expect) {
    expect.assert_eq(&lines(&answer_time(facts, q).unwrap()));
}

#[test]
fn the_ten_second_boundary_is_inclusive() {
    // Waits 0, 10 and 11 s: two within; median of {0, 10, 11} is 10, p90 (nearest rank
    // ⌈0.9·3⌉ = 3rd) is 11, mean 7.0; share 2/3.
    let calls = [
        answered("A1", "05.03.2024 10:00:00", 0),
        answered("A2", "05.03.2024 10:01:00", 10),
        answered("A3", "05.03.2024 10:02:00", 11),
    ];
    check(
        &facts("OSL", &calls),
        &query("2024-03", "2024-03", &[]),
        expect![[r#"
            {"id":"answer_time","group":{},"n":3,"median_s":10,"p90_s":11,"mean_s":7.0,"within_10s":2,"share_within_10s":0.6667,"abandoned":0,"short_abandoned":0,"overflowed":0,"offered":3}
        "#]],
    );
}

#[test]
fn short_abandons_are_misdials_and_long_ones_count_against_the_share() {
    // Two answered within 10 s; abandoned after 5 s (short: left out), after 6 s and after
    // 40 s (both abandoned). Share = 2 / (2 + 2) = 0.5; offered 5.
    let calls = [
        answered("A1", "05.03.2024 10:00:00", 3),
        answered("A2", "05.03.2024 10:01:00", 8),
        call("B1", "05.03.2024 10:02:00", Outcome::Abandoned, 0, 5),
        call("B2", "05.03.2024 10:03:00", Outcome::Abandoned, 0, 6),
        call("B3", "05.03.2024 10:04:00", Outcome::Abandoned, 0, 40),
    ];
    check(
        &facts("OSL", &calls),
        &query("2024-03", "2024-03", &[]),
        expect![[r#"
            {"id":"answer_time","group":{},"n":2,"median_s":3,"p90_s":8,"mean_s":5.5,"within_10s":2,"share_within_10s":0.5,"abandoned":2,"short_abandoned":1,"overflowed":0,"offered":5}
        "#]],
    );
}

#[test]
fn overflowed_calls_leave_the_share_and_enter_the_matrix() {
    // One answered late (30 s), one overflowed after 20 s: the share is 0 / 1, not 0 / 2.
    let calls = [
        answered("A1", "05.03.2024 10:00:00", 30),
        call("O1", "05.03.2024 10:01:00", Outcome::Overflowed, 0, 20),
    ];
    let f = facts("OSL", &calls);
    let q = query("2024-03", "2024-03", &[]);
    check(
        &f,
        &q,
        expect![[r#"
            {"id":"answer_time","group":{},"n":1,"median_s":30,"p90_s":30,"mean_s":30.0,"within_10s":0,"share_within_10s":0.0,"abandoned":0,"short_abandoned":0,"overflowed":1,"offered":2}
        "#]],
    );
    let m = overflow_matrix(&f, &q);
    assert_eq!(m.len(), 1);
    assert_eq!(m[&("OSL".to_string(), "BGO".to_string())].n, 1);
}

#[test]
fn other_lines_are_not_counted() {
    let mut lv = answered("L1", "05.03.2024 10:00:00", 50);
    lv.linje = Linje::Legevakt;
    let mut amb = answered("M1", "05.03.2024 10:00:00", 50);
    amb.linje = Linje::Ambulansebestilling;
    let mut other = call("N1", "05.03.2024 10:00:00", Outcome::Overflowed, 0, 9);
    other.linje = Linje::Annen;
    let calls = [answered("A1", "05.03.2024 10:00:00", 4), lv, amb, other];
    let f = facts("OSL", &calls);
    let q = query("2024-03", "2024-03", &[]);
    check(
        &f,
        &q,
        expect![[r#"
            {"id":"answer_time","group":{},"n":1,"median_s":4,"p90_s":4,"mean_s":4.0,"within_10s":1,"share_within_10s":1.0,"abandoned":0,"short_abandoned":0,"overflowed":0,"offered":1}
        "#]],
    );
    assert!(overflow_matrix(&f, &q).is_empty(), "overflow of another line is not 113's");
}

#[test]
fn the_dst_nights_count_real_seconds() {
    // Spring forward 31.03.2024: 01:59:55 CET → 03:00:05 CEST is 10 s (within). Fall back
    // 27.10.2024: 02:59:58 CEST + 12 s is 02:00:10 CET (not within).
    let spring = CallRecord {
        answered: Some(at("31.03.2024 03:00:05")),
        ..answered("S1", "31.03.2024 01:59:55", 0)
    };
    assert_eq!(spring.wait_s(), Some(10));
    let fall = answered("F1", "27.10.2024 02:59:58", 12);
    check(
        &facts("OSL", &[spring, fall]),
        &query("2024-03", "2024-10", &[Key::Month]),
        expect![[r#"
            {"id":"answer_time","group":{"month":"2024-03"},"n":1,"median_s":10,"p90_s":10,"mean_s":10.0,"within_10s":1,"share_within_10s":1.0,"abandoned":0,"short_abandoned":0,"overflowed":0,"offered":1}
            {"id":"answer_time","group":{"month":"2024-10"},"n":1,"median_s":12,"p90_s":12,"mean_s":12.0,"within_10s":0,"share_within_10s":0.0,"abandoned":0,"short_abandoned":0,"overflowed":0,"offered":1}
        "#]],
    );
}

#[test]
fn a_call_belongs_to_the_month_it_rang_in() {
    // Rings at 23:59:58 on 31 March, answered on 1 April: March's. A call of April is
    // outside a March question; one of February too.
    let calls = [
        answered("A1", "31.03.2024 23:59:58", 7),
        answered("A2", "01.04.2024 00:00:00", 2),
        answered("A3", "29.02.2024 23:59:59", 2),
    ];
    check(
        &facts("OSL", &calls),
        &query("2024-03", "2024-03", &[Key::Month]),
        expect![[r#"
            {"id":"answer_time","group":{"month":"2024-03"},"n":1,"median_s":7,"p90_s":7,"mean_s":7.0,"within_10s":1,"share_within_10s":1.0,"abandoned":0,"short_abandoned":0,"overflowed":0,"offered":1}
        "#]],
    );
}

#[test]
fn by_hour_and_weekday_in_local_time() {
    // 05.03.2024 is a Tuesday (2); 10:00 CET. 10.03.2024 is a Sunday (7); 23:30 CET.
    // 01.07.2024 is a Monday (1), 00:10 CEST (22:10 UTC the day before: Sunday in UTC).
    let calls = [
        answered("A1", "05.03.2024 10:00:00", 5),
        answered("A2", "05.03.2024 10:59:59", 15),
        answered("A3", "10.03.2024 23:30:00", 1),
        answered("A4", "01.07.2024 00:10:00", 9),
    ];
    check(
        &facts("OSL", &calls),
        &query("2024-01", "2024-12", &[Key::Weekday, Key::Hour]),
        expect![[r#"
            {"id":"answer_time","group":{"hour":0,"weekday":1},"n":1,"median_s":9,"p90_s":9,"mean_s":9.0,"within_10s":1,"share_within_10s":1.0,"abandoned":0,"short_abandoned":0,"overflowed":0,"offered":1}
            {"id":"answer_time","group":{"hour":10,"weekday":2},"n":2,"median_s":5,"p90_s":15,"mean_s":10.0,"within_10s":1,"share_within_10s":0.5,"abandoned":0,"short_abandoned":0,"overflowed":0,"offered":2}
            {"id":"answer_time","group":{"hour":23,"weekday":7},"n":1,"median_s":1,"p90_s":1,"mean_s":1.0,"within_10s":1,"share_within_10s":1.0,"abandoned":0,"short_abandoned":0,"overflowed":0,"offered":1}
        "#]],
    );
}

#[test]
fn by_centre_and_year_with_a_centre_filter() {
    let mut all = facts("OSL", &[answered("A1", "05.03.2024 10:00:00", 5)]);
    all.extend(facts("BGO", &[answered("A1", "05.03.2024 10:00:00", 20)]));
    all.extend(facts("BGO", &[answered("A2", "05.03.2023 10:00:00", 2)]));
    check(
        &all,
        &query("2023-01", "2024-12", &[Key::Centre, Key::Year]),
        expect![[r#"
            {"id":"answer_time","group":{"centre":"BGO","year":2023},"n":1,"median_s":2,"p90_s":2,"mean_s":2.0,"within_10s":1,"share_within_10s":1.0,"abandoned":0,"short_abandoned":0,"overflowed":0,"offered":1}
            {"id":"answer_time","group":{"centre":"BGO","year":2024},"n":1,"median_s":20,"p90_s":20,"mean_s":20.0,"within_10s":0,"share_within_10s":0.0,"abandoned":0,"short_abandoned":0,"overflowed":0,"offered":1}
            {"id":"answer_time","group":{"centre":"OSL","year":2024},"n":1,"median_s":5,"p90_s":5,"mean_s":5.0,"within_10s":1,"share_within_10s":1.0,"abandoned":0,"short_abandoned":0,"overflowed":0,"offered":1}
        "#]],
    );
    let mut q = query("2023-01", "2024-12", &[]);
    q.centre = Some("osl".into());
    check(
        &all,
        &q,
        expect![[r#"
            {"id":"answer_time","group":{},"n":1,"median_s":5,"p90_s":5,"mean_s":5.0,"within_10s":1,"share_within_10s":1.0,"abandoned":0,"short_abandoned":0,"overflowed":0,"offered":1}
        "#]],
    );
    let mut q = query("2023-01", "2024-12", &[Key::Centre]);
    q.filters = vec![(Key::Hour, "10".into()), (Key::Year, "2023".into())];
    check(
        &all,
        &q,
        expect![[r#"
            {"id":"answer_time","group":{"centre":"BGO"},"n":1,"median_s":2,"p90_s":2,"mean_s":2.0,"within_10s":1,"share_within_10s":1.0,"abandoned":0,"short_abandoned":0,"overflowed":0,"offered":1}
        "#]],
    );
}

#[test]
fn only_abandoned_calls_have_no_wait_but_a_share_of_zero() {
    let calls = [call("B1", "05.03.2024 10:00:00", Outcome::Abandoned, 0, 30)];
    check(
        &facts("OSL", &calls),
        &query("2024-03", "2024-03", &[]),
        expect![[r#"
            {"id":"answer_time","group":{},"n":0,"median_s":null,"p90_s":null,"mean_s":null,"within_10s":0,"share_within_10s":0.0,"abandoned":1,"short_abandoned":0,"overflowed":0,"offered":1}
        "#]],
    );
    // Only misdials: no denominator, no share.
    let calls = [call("B1", "05.03.2024 10:00:00", Outcome::Abandoned, 0, 2)];
    let out = answer_time(&facts("OSL", &calls), &query("2024-03", "2024-03", &[])).unwrap();
    let Values::Answer { share_within_10s, short_abandoned, .. } = &out[0].values else {
        panic!("not an answer figure")
    };
    assert_eq!((*share_within_10s, short_abandoned.n), (None, 1));
}

#[test]
fn groupings_other_than_the_call_keys_are_refused() {
    let q = query("2024-03", "2024-03", &[Key::Urgency]);
    let err = answer_time(&[], &q).unwrap_err();
    assert!(err.to_string().contains("urgency"), "{err}");
    let mut q = query("2024-03", "2024-03", &[]);
    q.filters = vec![(Key::Kommune, "0301".into())];
    assert!(answer_time(&[], &q).is_err());
}

/// A small deterministic generator (xorshift), so the differential test needs no crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u32) -> u32 {
        u32::try_from(self.next() % u64::from(n)).unwrap()
    }
}

#[test]
fn a_synthetic_year_agrees_with_a_naive_computation() {
    // 40,000 calls over 2024 at three centres, every line and outcome, waits 0–60 s.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let start = at("01.01.2024 00:00:00");
    let centres = ["OSL", "BGO", "TRD"];
    let lines = [Linje::Nodlinje113, Linje::Nodlinje113, Linje::Nodlinje113, Linje::Legevakt];
    let mut all = Vec::new();
    for i in 0..40_000 {
        let centre = centres[rng.below(3) as usize];
        let t = start + i64::from(rng.below(366 * 86_400));
        let outcome =
            [Outcome::Answered, Outcome::Answered, Outcome::Abandoned, Outcome::Overflowed]
                [rng.below(4) as usize];
        let wait = i64::from(rng.below(61));
        let c = CallRecord {
            line: i + 2,
            id: format!("C{i}"),
            queue: "Q".into(),
            linje: lines[rng.below(4) as usize],
            received: t,
            answered: (outcome == Outcome::Answered).then_some(t + wait),
            ended: t + wait + i64::from(rng.below(30)),
            outcome,
            moved_to: (outcome == Outcome::Overflowed).then(|| "INN".to_string()),
            contact: None,
        };
        all.extend(facts(centre, std::slice::from_ref(&c)).into_iter().map(|f| (f, c.clone())));
    }
    let only_facts: Vec<CallFact> = all.iter().map(|(f, _)| f.clone()).collect();
    let q = query("2024-01", "2024-12", &[Key::Centre, Key::Month]);
    let figures = answer_time(&only_facts, &q).unwrap();
    assert_eq!(figures.len(), 36);
    for fig in &figures {
        let text =
            |k: &str| serde_json::to_value(&fig.group[k]).unwrap().as_str().unwrap().to_string();
        let centre = text("centre");
        let month = Month::parse(&text("month")).unwrap();
        // The naive way: straight from the records, with no fact in between.
        let mine: Vec<&CallRecord> = all
            .iter()
            .filter(|(f, c)| {
                f.centre == centre
                    && c.linje == Linje::Nodlinje113
                    && oslo_month(c.received) == Some(month)
            })
            .map(|(_, c)| c)
            .collect();
        let mut waits: Vec<i64> = mine
            .iter()
            .filter(|c| c.outcome == Outcome::Answered)
            .map(|c| c.answered.unwrap() - c.received)
            .collect();
        waits.sort_unstable();
        let n = waits.len();
        // Nearest rank ⌈p·n⌉ in whole numbers: ⌈n/2⌉ and ⌈9n/10⌉.
        let (median, p90) = (waits[n.div_ceil(2) - 1], waits[(9 * n).div_ceil(10) - 1]);
        let within = waits.iter().filter(|w| **w <= 10).count();
        let abandoned = mine
            .iter()
            .filter(|c| c.outcome == Outcome::Abandoned && c.ended - c.received > 5)
            .count();
        let short = mine.iter().filter(|c| c.outcome == Outcome::Abandoned).count() - abandoned;
        let overflowed = mine.iter().filter(|c| c.outcome == Outcome::Overflowed).count();
        let Values::Answer {
            n: got_n,
            median_s,
            p90_s,
            within_10s,
            share_within_10s,
            abandoned: got_abandoned,
            short_abandoned,
            overflowed: got_overflowed,
            offered,
            mean_s,
            ..
        } = &fig.values
        else {
            panic!("not an answer figure")
        };
        assert_eq!(got_n.n, n as u64, "{centre} {month}");
        assert_eq!(*median_s, Some(median), "{centre} {month}");
        assert_eq!(*p90_s, Some(p90), "{centre} {month}");
        let mean = waits.iter().sum::<i64>() as f64 / n as f64;
        assert!((mean_s.unwrap() - mean).abs() < 0.051, "{centre} {month}");
        assert_eq!(within_10s.n, within as u64);
        assert_eq!(got_abandoned.n, abandoned as u64);
        assert_eq!(short_abandoned.n, short as u64);
        assert_eq!(got_overflowed.n, overflowed as u64);
        assert_eq!(offered.n, mine.len() as u64);
        let share = within as f64 / (n + abandoned) as f64;
        assert!((share_within_10s.unwrap() - share).abs() < 0.00005, "{centre} {month}");
        // And the local clock agrees with the hour a fact was grouped by.
        for (f, c) in all.iter().filter(|(f, _)| f.centre == centre).take(3) {
            assert_eq!(Some((f.hour, f.weekday)), oslo_hour_weekday(c.received));
        }
    }
}
