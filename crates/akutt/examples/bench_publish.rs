//! Benchmark of disclosure control's cost (docs/PERFORMANCE.md): loads a data directory's
//! facts without record keys (the exact path, the baseline) and with them (the public path),
//! alternating, then times compute alone against compute + `publish` for all indicators by
//! centre × month. Medians of RUNS.
//!
//! Usage: `cargo run --release -p akutt --example bench_publish -- DATA_DIR RUNS`

use std::time::Instant;

use akutt_disclosure::{Disclosure, RecordKeyer};
use akutt_indicators::{compute::compute, publish, Key, Query};
use akutt_model::MonthRange;
use akutt_store::{Catalog, DataDir};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: bench_publish DATA_DIR RUNS");
        std::process::exit(2);
    }
    let data = DataDir::open(&args[1]).expect("data dir");
    let catalog = Catalog::open_read_only(&data.catalog_path()).expect("catalog");
    let runs: usize = args[2].parse().expect("RUNS");
    let keyer = RecordKeyer::from_secret(b"benchmark key");
    let (mut exact_load, mut keyed_load) = (Vec::new(), Vec::new());
    let mut dataset = None;
    for _ in 0..runs {
        let t = Instant::now();
        let (d, _) = akutt_store::facts::load_dataset(&data, &catalog, None, None).expect("load");
        exact_load.push(t.elapsed().as_secs_f64());
        drop(d);
        let t = Instant::now();
        let (d, _) =
            akutt_store::facts::load_dataset(&data, &catalog, None, Some(&keyer)).expect("load");
        keyed_load.push(t.elapsed().as_secs_f64());
        dataset = Some(d);
    }
    let dataset = dataset.expect("RUNS ≥ 1");
    let months: Vec<_> = dataset.by_month.keys().copied().collect();
    let (Some(&from), Some(&to)) = (months.first(), months.last()) else { panic!("no data") };
    let q = Query {
        months: MonthRange::new(from, to).expect("ordered"),
        centre: None,
        by: vec![Key::Centre, Key::Month],
        filters: vec![],
        structure: None,
    };
    let d = Disclosure::new(5);
    let (mut compute_ms, mut publish_ms) = (Vec::new(), Vec::new());
    let mut cells = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let figures = compute(&dataset, &q, None);
        compute_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let public = publish(&figures, &d);
        publish_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        cells = public.len();
    }
    println!(
        "{} incidents, {} months; load exact {:.3} s, load with record keys {:.3} s (+{:.1} %); \
         all indicators by centre x month: compute {:.1} ms, publish {:.2} ms ({cells} figures); \
         medians of {runs}",
        dataset.rows.len(),
        months.len(),
        median(exact_load.clone()),
        median(keyed_load.clone()),
        100.0 * (median(keyed_load) / median(exact_load) - 1.0),
        median(compute_ms),
        median(publish_ms),
    );
}
