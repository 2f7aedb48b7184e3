//! Benchmark of the indicator engine (docs/PERFORMANCE.md): loads the stored facts of a data
//! directory once, then times p90 response time by centre × month over the whole period,
//! warm, and prints the figures as CSV so they can be compared with DuckDB's.
//!
//! Usage: `cargo run --release -p akutt --example bench_indicators -- DATA_DIR FROM TO RUNS OUT.csv`

use std::time::Instant;

use akutt_indicators::{compute::compute_only, Indicator, Key, Query, Values};
use akutt_model::{Month, MonthRange};
use akutt_store::{Catalog, DataDir};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 6 {
        eprintln!("usage: bench_indicators DATA_DIR FROM(yyyymm) TO(yyyymm) RUNS OUT.csv");
        std::process::exit(2);
    }
    let data = DataDir::open(&args[1]).expect("data dir");
    let catalog = Catalog::open_read_only(&data.catalog_path()).expect("catalog");
    let month = |s: &str| Month::from_yyyymm(s.parse().expect("yyyymm")).expect("a month");
    let months = MonthRange::new(month(&args[2]), month(&args[3])).expect("FROM ≤ TO");
    let runs: usize = args[4].parse().unwrap();
    let t = Instant::now();
    let (dataset, version) =
        akutt_store::facts::load_dataset(&data, &catalog, None, None).expect("load");
    let load = t.elapsed();
    let q = Query {
        months,
        centre: None,
        by: vec![Key::Centre, Key::Month],
        filters: vec![],
        structure: None,
    };
    let mut times = Vec::new();
    let mut figures = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        figures = compute_only(&dataset, &q, None, &[Indicator::ResponseTime]);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let first = times[0];
    times.sort_by(f64::total_cmp);
    let mut csv = String::from("centre,month,n,p90_s\n");
    for f in &figures {
        if let Values::Times { n, p90_s, .. } = &f.values {
            let g = |k: &str| {
                serde_json::to_value(&f.group[k]).unwrap().as_str().unwrap_or_default().to_string()
            };
            csv.push_str(&format!(
                "{},{},{},{}\n",
                g("centre"),
                g("month").replace('-', ""),
                n,
                p90_s.unwrap_or(-1)
            ));
        }
    }
    std::fs::write(&args[5], csv).expect("write csv");
    println!(
        "akutt: data version {version}, {} incidents, load {:.2} s; p90 response by centre x month: {} groups; first {:.1} ms, warm median {:.1} ms, min {:.1} ms ({runs} runs)",
        dataset.rows.len(),
        load.as_secs_f64(),
        figures.len(),
        first,
        times[times.len() / 2],
        times[0]
    );
}
