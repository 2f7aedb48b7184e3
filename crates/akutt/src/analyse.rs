//! `akutt analyse`: the national programme's analyses (DOMAIN.md §13) from the command line:
//! growth by year, resources, and before and after a change (`akutt_server::analyses`, the
//! same as the restricted page `/analyse`). Exact figures (the registry's staff and
//! analysts; nothing here is published), by the same engine and request syntax as `akutt
//! indicators`, so the figures equal its answers.

use anyhow::Result;
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

pub fn run(state: &akutt_server::AppState, command: AnalyseCommand) -> Result<serde_json::Value> {
    use akutt_server::analyses as a;
    let e = |e: akutt_server::AppError| anyhow::anyhow!("{e}");
    match command {
        AnalyseCommand::Growth { from_year, to_year, count, filters, .. } => {
            a::growth(state, from_year, to_year, &count, &filters, None).map_err(e)
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
            let period = from.as_deref().zip(to.as_deref());
            let minutes = a::Minutes::parse(&minutes).map_err(e)?;
            let q = a::ResourceQuestion {
                missions,
                period,
                filters: &filters,
                minutes,
                share,
                hours_per_fte,
            };
            a::resources(state, q, None).map_err(e)
        }
        AnalyseCommand::BeforeAfter { date, centre, kommune, months, seed, resamples, .. } => {
            let selection = match centre {
                Some(c) => a::Selection::Centre(c),
                None => a::Selection::Kommuner(kommune),
            };
            a::before_after(state, &date, &selection, months, seed, resamples, None).map_err(e)
        }
    }
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
