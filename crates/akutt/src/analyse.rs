//! `akutt analyse`: the national programme's analyses (DOMAIN.md §13) from the command line:
//! growth by year, resources, and before and after a change. Exact figures (the registry's
//! staff and analysts; nothing here is published), computed by the same engine and the same
//! request syntax as `akutt indicators`, so the figures equal its answers.

use std::path::Path;

use akutt_indicators::analysis;
use akutt_indicators::{Computed, GroupValue, Indicator, Request, Values};
use akutt_model::{Month, MonthRange};
use akutt_store::{Catalog, DataDir};
use anyhow::{bail, Context, Result};
use clap::Subcommand;

#[derive(Subcommand)]
pub enum AnalyseCommand {
    /// A count by year with the growth in per cent from each year to the next.
    Growth {
        #[arg(long)]
        from_year: i32,
        #[arg(long)]
        to_year: i32,
        /// What to count: incidents, missions or contacts.
        #[arg(long, default_value = "incidents")]
        count: String,
        /// Filters as for `akutt indicators`, e.g. `--where leveringssted:SHJ`.
        #[arg(long = "where", value_name = "KEY:VALUE")]
        filters: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Hours and full-time equivalents a share of missions needs: missions × minutes ×
    /// share ÷ hours per full-time equivalent.
    Resources {
        /// A number of missions, or count them with --from/--to (and --where).
        #[arg(long, conflicts_with_all = ["from", "to"], required_unless_present = "from")]
        missions: Option<u64>,
        #[arg(long, requires = "to")]
        from: Option<String>,
        #[arg(long, requires = "from")]
        to: Option<String>,
        #[arg(long = "where", value_name = "KEY:VALUE")]
        filters: Vec<String>,
        /// Minutes per mission, or `measured`: the selection's own mean mission time.
        #[arg(long)]
        minutes: String,
        /// The share of missions that needs the resource (0–1, e.g. 0.75).
        #[arg(long, default_value_t = 1.0)]
        share: f64,
        #[arg(long, default_value_t = 1750.0)]
        hours_per_fte: f64,
        #[arg(long)]
        json: bool,
    },
    /// Red response times over equal windows before and after a date (the first of a
    /// month), for the municipalities a centre served on that date or those given, with a
    /// seeded 95 % bootstrap interval of the difference of medians.
    BeforeAfter {
        /// YYYY-MM-01: the first month after the change.
        #[arg(long)]
        date: String,
        #[arg(long, conflicts_with = "kommune", required_unless_present = "kommune")]
        centre: Option<String>,
        /// Municipality numbers, comma-separated.
        #[arg(long, value_delimiter = ',')]
        kommune: Vec<String>,
        /// Months in each window.
        #[arg(long)]
        months: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Bootstrap resamples (at least 2,000).
        #[arg(long, default_value_t = 2000)]
        resamples: usize,
        #[arg(long)]
        json: bool,
    },
}

/// The exact answer of a request at the latest data version, as `akutt indicators` gives it.
fn answer(data: &DataDir, catalog: &Catalog, request: &Request) -> Result<(i64, Computed)> {
    let version = catalog.latest_data_version()?;
    let months = request.query.months_read(&request.indicators);
    let needed = akutt_store::facts::needed_submissions(data, catalog, version, Some(months))?;
    let computed = akutt_store::facts::stream_answer(
        catalog,
        version,
        None,
        &needed,
        &request.query,
        None,
        &request.indicators,
    )?
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((version, computed))
}

fn parse(
    from: &str,
    to: &str,
    by: &[&str],
    filters: &[String],
    indicators: &[&str],
) -> Result<Request> {
    let raw = akutt_indicators::RawRequest {
        from: Some(from),
        to: Some(to),
        by: by.to_vec(),
        filters: filters.iter().map(String::as_str).collect(),
        indicators: indicators.to_vec(),
        ..akutt_indicators::RawRequest::default()
    };
    Request::parse(&raw).map_err(|e| anyhow::anyhow!("{}", e.for_cli()))
}

fn open(data_dir: &Path) -> Result<(DataDir, Catalog)> {
    let data = DataDir::open(data_dir)?;
    let catalog = Catalog::open_read_only(&data.catalog_path())
        .with_context(|| format!("no registry at {}", data_dir.display()))?;
    Ok((data, catalog))
}

pub fn run(data_dir: &Path, command: AnalyseCommand) -> Result<serde_json::Value> {
    match command {
        AnalyseCommand::Growth { from_year, to_year, count, filters, .. } => {
            if from_year > to_year {
                bail!("--from-year {from_year} is after --to-year {to_year}");
            }
            let pick: fn(&Values) -> Option<u64> = match count.as_str() {
                "incidents" => |v| match v {
                    Values::Volume { incidents, .. } => Some(incidents.n),
                    _ => None,
                },
                "missions" => |v| match v {
                    Values::Volume { missions, .. } => Some(missions.n),
                    _ => None,
                },
                "contacts" => |v| match v {
                    Values::Volume { contacts, .. } => Some(contacts.n),
                    _ => None,
                },
                other => bail!("--count {other}: incidents, missions or contacts"),
            };
            let (data, catalog) = open(data_dir)?;
            let request = parse(
                &format!("{from_year:04}-01"),
                &format!("{to_year:04}-12"),
                &["year"],
                &filters,
                &["volume"],
            )?;
            let (version, computed) = answer(&data, &catalog, &request)?;
            let counts: Vec<(i32, u64)> = (from_year..=to_year)
                .map(|y| {
                    let n = computed
                        .figures
                        .iter()
                        .filter(|f| f.id == Indicator::Volume)
                        .find(|f| f.group.get("year") == Some(&GroupValue::Number(i64::from(y))))
                        .and_then(|f| pick(&f.values))
                        .unwrap_or(0);
                    (y, n)
                })
                .collect();
            Ok(serde_json::json!({
                "count": count,
                "where": filters,
                "data_version": version,
                "series": analysis::growth(&counts),
            }))
        }
        AnalyseCommand::Resources {
            missions,
            from,
            to,
            filters,
            minutes,
            share,
            hours_per_fte,
            ..
        } => {
            if !(0.0..=1.0).contains(&share) {
                bail!("--share {share}: a share between 0 and 1 (0.75 for 75 %)");
            }
            if hours_per_fte <= 0.0 {
                bail!("--hours-per-fte {hours_per_fte}: more than 0");
            }
            let measured = minutes == "measured";
            let (missions, mean_minutes, version) = match (missions, from, to) {
                (Some(n), _, _) => (n, None, None),
                (None, Some(from), Some(to)) => {
                    let (data, catalog) = open(data_dir)?;
                    let request = parse(&from, &to, &[], &filters, &["volume", "mission_time"])?;
                    let (version, computed) = answer(&data, &catalog, &request)?;
                    let n = computed.figures.iter().find_map(|f| match &f.values {
                        Values::Volume { missions, .. } => Some(missions.n),
                        _ => None,
                    });
                    let mean = computed.figures.iter().find_map(|f| match &f.values {
                        Values::Missions { mean_s, .. } => mean_s.map(|s| s / 60.0),
                        _ => None,
                    });
                    (n.unwrap_or(0), mean, Some(version))
                }
                _ => bail!("give --missions N, or --from and --to"),
            };
            let per_mission = if measured {
                mean_minutes.context("--minutes measured needs --from/--to with mission times")?
            } else {
                minutes.parse::<f64>().ok().filter(|m| *m >= 0.0 && m.is_finite()).with_context(
                    || format!("--minutes {minutes}: minutes per mission or `measured`"),
                )?
            };
            let r = analysis::resources(
                missions,
                (per_mission * 10.0).round() / 10.0,
                share,
                hours_per_fte,
            );
            let mut v = serde_json::to_value(&r)?;
            v["data_version"] = serde_json::json!(version);
            Ok(v)
        }
        AnalyseCommand::BeforeAfter { date, centre, kommune, months, seed, resamples, .. } => {
            if resamples < 2000 {
                bail!("--resamples {resamples}: at least 2,000");
            }
            if months == 0 || months > 120 {
                bail!("--months {months}: 1 to 120");
            }
            let day = akutt_model::time::parse_date(&date)
                .map_err(|_| anyhow::anyhow!("--date must be YYYY-MM-DD, got «{date}»"))?;
            if !date.trim().ends_with("-01") {
                bail!("--date {date}: the first of a month (the windows are whole months)");
            }
            let first_after = Month::of(day);
            let n = i32::try_from(months)?;
            let window = |from: Option<Month>, to: Option<Month>| -> Result<MonthRange> {
                match (from, to) {
                    (Some(a), Some(b)) => Ok(MonthRange::new(a, b)?),
                    _ => bail!("--months {months} goes beyond the calendar"),
                }
            };
            let before = window(first_after.plus(-n), first_after.plus(-1))?;
            let after = window(Some(first_after), first_after.plus(n - 1))?;
            let (data, catalog) = open(data_dir)?;
            let register = catalog.register()?;
            let structure = register.newest().context("no municipality structure")?;
            let kommuner = match &centre {
                Some(c) => {
                    let version = catalog.latest_data_version()?;
                    let areas = catalog.centre_areas_at(version)?.context(
                        "--centre needs the centres' areas: akutt centres load-areas FILE",
                    )?;
                    let served = areas.served_by(c, day, &register, structure);
                    if served.is_empty() {
                        bail!("--centre {c}: served no municipality on {day} (akutt centres areas --date {day})");
                    }
                    served
                }
                None => kommune.iter().map(|k| k.trim().to_string()).collect(),
            };
            let filters: Vec<String> = kommuner.iter().map(|k| format!("kommune:{k}")).collect();
            let ids = ["response_time", "response_within_target"];
            let mut windows = Vec::new();
            let mut samples = Vec::new();
            let mut version = 0;
            for w in [before, after] {
                let request =
                    parse(&w.from().to_string(), &w.to().to_string(), &[], &filters, &ids)?;
                let (v, computed) = answer(&data, &catalog, &request)?;
                version = v;
                let (dataset, _) = akutt_store::facts::load_dataset_months(
                    &data,
                    &catalog,
                    Some(v),
                    None,
                    Some(w),
                )?;
                let sample = analysis::response_sample(&dataset, &request.query)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                windows.push(summary(w, &computed));
                samples.push(sample);
            }
            let ci =
                analysis::bootstrap_median_difference(&samples[0], &samples[1], resamples, seed);
            let diff = |k: &str| match (windows[0][k].as_f64(), windows[1][k].as_f64()) {
                (Some(a), Some(b)) => serde_json::json!(((b - a) * 10_000.0).round() / 10_000.0),
                _ => serde_json::Value::Null,
            };
            Ok(serde_json::json!({
                "date": day.to_string(),
                "selection": { "centre": centre, "kommuner": kommuner, "structure": structure.year },
                "data_version": version,
                "before": windows[0],
                "after": windows[1],
                "difference": {
                    "median_s": diff("median_s"),
                    "p90_s": diff("p90_s"),
                    "share_within_target": diff("share_within_target"),
                    "ci95": ci.map(|(lo, hi)| [lo, hi]),
                },
                "bootstrap": { "resamples": resamples, "seed": seed, "of": "median(after) − median(before), seconds" },
            }))
        }
    }
}

/// One window's figures: n, median and p90 (seconds), and the share within 12/25 minutes of
/// urban and rural together.
fn summary(w: MonthRange, c: &Computed) -> serde_json::Value {
    let (mut n, mut median, mut p90) = (0, None, None);
    let (mut within, mut of) = (0u64, 0u64);
    for f in &c.figures {
        match &f.values {
            Values::Times { n: count, median_s, p90_s, .. } if f.id == Indicator::ResponseTime => {
                n = count.n;
                median = *median_s;
                p90 = *p90_s;
            }
            Values::Target { n: count, within: w, .. } => {
                of += count.n;
                within += w.n;
            }
            _ => {}
        }
    }
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let share = (of > 0).then(|| ((within as f64 / of as f64) * 10_000.0).round() / 10_000.0);
    serde_json::json!({
        "from": w.from().to_string(),
        "to": w.to().to_string(),
        "n": n,
        "median_s": median,
        "p90_s": p90,
        "share_within_target": share,
    })
}

/// The text form of an analysis, bokmål with English alongside.
pub fn text(v: &serde_json::Value) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let show = |v: &serde_json::Value| match v {
        serde_json::Value::Null => "..".to_string(),
        v => v.to_string(),
    };
    if let Some(series) = v["series"].as_array() {
        let _ =
            writeln!(out, "År / year\t{} \tVekst / growth (%)", v["count"].as_str().unwrap_or(""));
        for p in series {
            let _ = writeln!(out, "{}\t{}\t{}", p["year"], p["count"], show(&p["growth_pct"]));
        }
    } else if v.get("positions").is_some() {
        let _ = writeln!(
            out,
            "{} oppdrag / missions × {} min × {} = {} timer / hours; ÷ {} = {} årsverk / FTE ({} stillinger / positions)",
            v["missions"], v["minutes_per_mission"], v["share"], v["hours"], v["hours_per_fte"], v["fte"], v["positions"]
        );
    } else {
        for w in ["before", "after"] {
            let x = &v[w];
            let _ = writeln!(
                out,
                "{w}\t{} – {}\tn {}\tmedian {} s\tp90 {} s\tinnen frist / within target {}",
                x["from"].as_str().unwrap_or(""),
                x["to"].as_str().unwrap_or(""),
                x["n"],
                show(&x["median_s"]),
                show(&x["p90_s"]),
                show(&x["share_within_target"])
            );
        }
        let d = &v["difference"];
        let _ = writeln!(
            out,
            "differanse / difference\tmedian {} s (95 % KI / CI {})\tp90 {} s\tandel / share {}",
            show(&d["median_s"]),
            show(&d["ci95"]),
            show(&d["p90_s"]),
            show(&d["share_within_target"])
        );
    }
    out
}
