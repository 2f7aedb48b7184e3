//! A synthetic national dispatch world (`akutt synth`): per centre and month an extract in
//! import format v1 (DOMAIN.md §5), each centre's mapping table, a synthetic population per
//! municipality and year, a manifest, and with `--error-rate` a ground truth of injected
//! faults (§6). Everything it writes is synthetic and says so.
//!
//! Deterministic: the same configuration and seed give the same bytes. Streaming: one day
//! of one centre is in memory at a time. Calibration: `docs/SYNTH.md` and [`params`].
// The generator draws its numbers (floats from distributions, rounded and cast, which Rust
// saturates); none comes from input, which is what the workspace's cast lints guard.
#![allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]

pub mod faults;
pub mod incident;
pub mod localcodes;
pub mod params;
pub mod render;
pub mod world;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use akutt_extract::Column;
use akutt_model::time::{oslo_local, oslo_start_of_day};
use akutt_model::{Instant, LocalResolution, MonthRange};
use chrono::{Datelike, NaiveDate, NaiveTime};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson};
use sha2::{Digest, Sha256};

use crate::faults::{Expected, Fault, ROUND_ROBIN};
use crate::incident::{Scene, SynthIncident};
use crate::localcodes::LocalCodes;
use crate::params::*;
use crate::render::{header, render, write_row, FileContext, COLUMNS};
use crate::world::World;

/// The banner every output of the generator carries.
pub const BANNER: &str = "SYNTETISKE DATA: ingen virkelige personer eller hendelser / SYNTHETIC DATA: no real persons or incidents";

/// What to generate.
#[derive(Debug, Clone)]
pub struct Config {
    pub out: PathBuf,
    /// First and last month, inclusive.
    pub months: MonthRange,
    /// Centre codes; `None` for all 16.
    pub centres: Option<Vec<String>>,
    /// 1.0 ≈ 900,000 incidents a year nationally.
    pub scale: f64,
    pub seed: u64,
    /// Share of incidents that get one injected fault (0 for clean data).
    pub error_rate: f64,
    /// A known change for the analyses to find (DOMAIN.md §13 before/after): from a date
    /// on, one centre's red response times are scaled by a factor (ground truth in
    /// `ground-truth/response-step.json`). `None`: the calibrated world only.
    pub response_step: Option<ResponseStep>,
}

/// A step change in one centre's red response times (see [`Config::response_step`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseStep {
    pub centre: String,
    /// The first day with the new response times.
    pub from: NaiveDate,
    /// The factor on every red response time (1.25: a quarter longer).
    pub factor: f64,
}

impl ResponseStep {
    /// `CENTRE:YYYY-MM-DD:FACTOR` (`OSL:2024-07-01:1.25`).
    pub fn parse(s: &str) -> Result<ResponseStep, SynthError> {
        let bad = || {
            SynthError::Config(format!(
                "--response-step {s}: CENTRE:YYYY-MM-DD:FACTOR, e.g. OSL:2024-07-01:1.25"
            ))
        };
        let mut parts = s.split(':');
        let (Some(c), Some(d), Some(f), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let from = NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| bad())?;
        let factor: f64 = f.parse().map_err(|_| bad())?;
        if !(0.2..=5.0).contains(&factor) {
            return Err(bad());
        }
        Ok(ResponseStep { centre: c.trim().to_uppercase(), from, factor })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("unknown centre code «{0}» (known: {1})")]
    UnknownCentre(String, String),
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("{path}")]
    Io { path: String, source: std::io::Error },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SynthError + '_ {
    move |source| SynthError::Io { path: path.display().to_string(), source }
}

/// Counts of one generated extract.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FileSummary {
    pub path: String,
    pub centre: String,
    pub from: String,
    pub to: String,
    pub encoding: &'static str,
    pub rows: u64,
    pub incidents: u64,
    pub contacts: u64,
    pub patients: u64,
    pub actions: u64,
    pub missions: u64,
    pub faults: u64,
    pub sha256: String,
}

/// What a run produced.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Summary {
    pub files: Vec<FileSummary>,
    pub mappings: Vec<String>,
    pub fault_files: Vec<String>,
    pub expected_findings: u64,
}

impl Summary {
    pub fn total(&self, f: impl Fn(&FileSummary) -> u64) -> u64 {
        self.files.iter().map(f).sum()
    }
}

/// The last Sunday of March (spring forward) of a year, in Europe/Oslo.
pub fn spring_forward(year: i32) -> Option<NaiveDate> {
    let last = NaiveDate::from_ymd_opt(year, 3, 31)?;
    Some(last - chrono::Days::new(u64::from(last.weekday().num_days_from_sunday())))
}

/// A seed for one stream: the run's seed, a purpose, a centre and a day.
fn stream(seed: u64, purpose: u64, centre: usize, day: i64) -> ChaCha8Rng {
    let mut z = seed
        ^ purpose.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (centre as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9)
        ^ (day as u64).wrapping_mul(0x94D0_49BB_1331_11EB);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ChaCha8Rng::seed_from_u64(z ^ (z >> 31))
}

/// How a centre's extracts look (so the reader's tolerance is exercised).
struct Style {
    windows_1252: bool,
    bom: bool,
    crlf: bool,
    iso: bool,
    order: Vec<Column>,
}

fn style(index: usize) -> Style {
    let mut order: Vec<Column> = COLUMNS.to_vec();
    match index % 3 {
        1 => {
            // Action columns first.
            order.sort_by_key(|c| c.level() != akutt_extract::Level::Action);
        }
        2 => order.reverse(),
        _ => {}
    }
    Style {
        windows_1252: matches!(index, 14 | 15),
        bom: index == 0,
        crlf: index % 5 == 1,
        iso: index == 9,
        order,
    }
}

fn pick_hour(rng: &mut ChaCha8Rng, profile: &[f64; 24]) -> u32 {
    let total: f64 = profile.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (h, w) in profile.iter().enumerate() {
        if x < *w {
            return h as u32;
        }
        x -= w;
    }
    23
}

/// A random instant on local day `date` with the given hourly profile; both readings of the
/// fall-back hour occur.
fn draw_t0(rng: &mut ChaCha8Rng, date: NaiveDate, profile: &[f64; 24]) -> Instant {
    let h = pick_hour(rng, profile);
    let secs = rng.random_range(0..3600u32);
    let time = NaiveTime::from_hms_opt(h, secs / 60, secs % 60).unwrap_or(NaiveTime::MIN);
    match oslo_local(date.and_time(time)) {
        LocalResolution::Exact(t) | LocalResolution::Shifted(t) => t,
        LocalResolution::Ambiguous { earlier, later } => {
            if rng.random_bool(0.5) {
                earlier
            } else {
                later
            }
        }
    }
}

fn expected_daily(world: &World, centre: usize, date: NaiveDate, scale: f64) -> (f64, f64) {
    let year = date.year();
    let annual = INCIDENTS_PER_YEAR
        * scale
        * (1.0 + ACTIVITY_GROWTH_PER_YEAR).powi(year - REFERENCE_YEAR)
        * world.centre_population_on(centre, date)
        / world.national_population(year);
    let base = annual / 365.25;
    let wd = date.weekday().num_days_from_monday() as usize;
    let norm = |w: &[f64; 7]| w[wd] / (w.iter().sum::<f64>() / 7.0);
    let doy = f64::from(date.ordinal());
    let season_acute =
        1.0 + SEASON_ACUTE_AMPLITUDE * (2.0 * std::f64::consts::PI * (doy - 15.0) / 365.25).cos();
    let dip = |d: f64| 1.0 - SUMMER_DIP_PREBOOKED * (-((d - 200.0) / 20.0).powi(2)).exp();
    let dip_mean = 1.0 - SUMMER_DIP_PREBOOKED * 20.0 * std::f64::consts::PI.sqrt() / 365.25;
    let acute = base * (1.0 - SHARE_PREBOOKED) * norm(&WEEKDAY_ACUTE) * season_acute;
    let pre = base * SHARE_PREBOOKED * norm(&WEEKDAY_PREBOOKED) * dip(doy) / dip_mean;
    (acute, pre)
}

/// Draws the incidents of one centre and local day, sorted by first contact. The same
/// call always gives the same incidents (faults use a separate stream).
pub fn incidents_of_day(
    world: &World,
    centre: usize,
    date: NaiveDate,
    scale: f64,
    seed: u64,
) -> Vec<SynthIncident> {
    let day = date.num_days_from_ce() as i64;
    let mut rng = stream(seed, 1, centre, day);
    let (acute, pre) = expected_daily(world, centre, date, scale);
    let count = |rng: &mut ChaCha8Rng, mean: f64| {
        if mean > 0.0 {
            Poisson::new(mean).map_or(0, |p| p.sample(rng) as usize)
        } else {
            0
        }
    };
    let (n_acute, n_pre) = (count(&mut rng, acute), count(&mut rng, pre));
    let year = date.year();
    let places = world.places_on(centre, date);
    let cumulative: Vec<f64> = places
        .iter()
        .scan(0.0, |acc, &i| {
            *acc += world.places[i].population(year);
            Some(*acc)
        })
        .collect();
    let scene = Scene {
        world,
        centre,
        year,
        trend: (1.0 + RESPONSE_TREND_PER_YEAR).powi(year - REFERENCE_YEAR)
            * match world.response_step {
                Some((c, from, factor)) if c == centre && date >= from => factor,
                _ => 1.0,
            },
        centre_code: &world.centres[centre].code,
        places: &places,
    };
    let mut starts: Vec<(Instant, bool)> =
        (0..n_acute).map(|_| (draw_t0(&mut rng, date, &HOURLY_ACUTE), false)).collect();
    starts.extend((0..n_pre).map(|_| (draw_t0(&mut rng, date, &HOURLY_BOOKING), true)));
    starts.sort_unstable();
    starts.into_iter().map(|(t0, pre)| scene.draw(&mut rng, t0, pre, &cumulative)).collect()
}

/// Generates the world described by `cfg`; `progress` hears of each finished file.
pub fn generate(
    cfg: &Config,
    progress: &(dyn Fn(&FileSummary) + Sync),
) -> Result<Summary, SynthError> {
    if !(cfg.scale > 0.0 && cfg.scale <= 100.0) {
        return Err(SynthError::Config(format!("--scale must be in (0, 100], got {}", cfg.scale)));
    }
    if !(0.0..=0.5).contains(&cfg.error_rate) {
        return Err(SynthError::Config(format!(
            "--error-rate must be in [0, 0.5], got {}",
            cfg.error_rate
        )));
    }
    let mut world = World::new();
    if let Some(step) = &cfg.response_step {
        let c = world.centre_index(&step.centre).ok_or_else(|| {
            SynthError::UnknownCentre(
                step.centre.clone(),
                world.centres.iter().map(|c| c.code.as_str()).collect::<Vec<_>>().join(","),
            )
        })?;
        world.response_step = Some((c, step.from, step.factor));
        let dir = cfg.out.join("ground-truth");
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let path = dir.join("response-step.json");
        let truth = format!(
            "{{\"centre\": \"{}\", \"from\": \"{}\", \"factor\": {}, \"applies_to\": \"red response times (t0 to first road arrival) of the centre's incidents from that day\"}}\n",
            step.centre, step.from, step.factor
        );
        std::fs::write(&path, truth).map_err(io(&path))?;
    }
    let world = world;
    let chosen: Vec<usize> = match &cfg.centres {
        None => (0..world.centres.len()).collect(),
        Some(codes) => codes
            .iter()
            .map(|c| {
                world.centre_index(c).ok_or_else(|| {
                    SynthError::UnknownCentre(
                        c.clone(),
                        world.centres.iter().map(|c| c.code.as_str()).collect::<Vec<_>>().join(","),
                    )
                })
            })
            .collect::<Result<_, _>>()?,
    };
    for dir in ["extracts", "mappings"] {
        std::fs::create_dir_all(cfg.out.join(dir)).map_err(io(&cfg.out))?;
    }
    let mut summary = Summary::default();
    for &c in &chosen {
        let centre = &world.centres[c];
        let rel = format!("mappings/mapping-{}.csv", centre.code);
        let path = cfg.out.join(&rel);
        std::fs::write(&path, LocalCodes::for_centre(c, &centre.code).mapping_csv())
            .map_err(io(&path))?;
        summary.mappings.push(rel);
    }

    // One job per centre; two threads take them largest first.
    let mut jobs = chosen.clone();
    jobs.sort_by(|a, b| {
        world.centre_population(*b, 2020).total_cmp(&world.centre_population(*a, 2020))
    });
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Result<CentreOutput, SynthError>>> = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 4);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&c) = jobs.get(i) else { break };
                let r = centre_files(cfg, &world, c, progress);
                results.lock().unwrap_or_else(|e| e.into_inner()).push(r);
            });
        }
    });
    let mut expected = Vec::new();
    for r in results.into_inner().unwrap_or_else(|e| e.into_inner()) {
        let (files, exp) = r?;
        summary.files.extend(files);
        expected.extend(exp);
    }
    summary.files.sort_by(|a, b| a.path.cmp(&b.path));

    if cfg.error_rate > 0.0 {
        let first = summary.files.first().cloned();
        if let Some(first) = first {
            let (names, exp) = file_level_faults(&cfg.out, &first)?;
            summary.fault_files = names;
            expected.extend(exp);
        }
    }
    expected.sort();
    summary.expected_findings = expected.len() as u64;
    write_population(cfg, &world)?;
    write_centre_areas(cfg, &world)?;
    if cfg.error_rate > 0.0 {
        let path = cfg.out.join("ground-truth.csv");
        let mut text = String::from("fil;linje;hendelse;regel;kolonne;kilde\n");
        for e in &expected {
            text.push_str(&format!(
                "{};{};{};{};{};{}\n",
                e.file, e.line, e.incident, e.code, e.column, e.source
            ));
        }
        std::fs::write(&path, text).map_err(io(&path))?;
    }
    write_manifest(cfg, &world, &chosen, &summary)?;
    let readme = cfg.out.join("LESMEG-SYNTETISK.txt");
    std::fs::write(
        &readme,
        format!("{BANNER}\n\nGenerert av `akutt synth` (seed {}, skala {}, feilrate {}). Se manifest.json og docs/SYNTH.md.\nGenerated by `akutt synth`. See manifest.json and docs/SYNTH.md.\n", cfg.seed, cfg.scale, cfg.error_rate),
    )
    .map_err(io(&readme))?;
    Ok(summary)
}

/// The extracts of one centre and the findings they must raise.
type CentreOutput = (Vec<FileSummary>, Vec<Expected>);

/// All extracts of one centre.
fn centre_files(
    cfg: &Config,
    world: &World,
    c: usize,
    progress: &(dyn Fn(&FileSummary) + Sync),
) -> Result<CentreOutput, SynthError> {
    let centre = &world.centres[c];
    let codes = LocalCodes::for_centre(c, &centre.code);
    let st = style(c);
    let line_end = if st.crlf { "\r\n" } else { "\n" };
    let mut files = Vec::new();
    let mut expected = Vec::new();
    // Whose turn it is among the fault kinds, carried across the centre's files.
    let mut robin = 0usize;
    for month in cfg.months.iter() {
        let (from, to) = (month.first_day(), month.last_day());
        let (y, m) = (month.year(), month.number());
        let rel = format!("extracts/{}-{month}.csv", centre.code);
        let path = cfg.out.join(&rel);
        let file = File::create(&path).map_err(io(&path))?;
        let mut out =
            HashingWriter { inner: BufWriter::with_capacity(1 << 20, file), hash: Sha256::new() };
        let ctx = FileContext {
            centre_code: &centre.code,
            centre_name: &centre.name,
            org_number: &centre.org_number,
            from,
            to,
            codes: &codes,
            iso: st.iso,
        };
        let mut fs = FileSummary {
            path: rel.clone(),
            centre: centre.code.clone(),
            from: from.to_string(),
            to: to.to_string(),
            encoding: if st.windows_1252 {
                "windows-1252"
            } else if st.bom {
                "utf-8-bom"
            } else {
                "utf-8"
            },
            ..FileSummary::default()
        };
        let mut text = String::with_capacity(1 << 20);
        if st.bom {
            text.push('\u{feff}');
        }
        text.push_str(&header(&st.order, line_end));
        let period_start = oslo_start_of_day(from);
        let spring = spring_forward(y).filter(|d| d.month() == m);
        let mut line: u64 = 1;
        let mut seq: u32 = 0;
        let mut date = from;
        while date <= to {
            let day = date.num_days_from_ce() as i64;
            let mut fault_rng = stream(cfg.seed, 2, c, day);
            let mut forced_w209 = cfg.error_rate > 0.0 && Some(date) == spring;
            for mut inc in incidents_of_day(world, c, date, cfg.scale, cfg.seed) {
                seq += 1;
                let id = format!("{:02}{m:02}{seq:06}", y.rem_euclid(100));
                // Choose a fault: forced W209 once on the spring-forward day, otherwise at
                // the error rate, round-robin over the kinds the incident can host.
                let mut planned = None;
                if forced_w209 {
                    planned = faults::plan(Fault::W209, &inc, spring);
                    forced_w209 = planned.is_none();
                }
                if planned.is_none()
                    && cfg.error_rate > 0.0
                    && fault_rng.random_bool(cfg.error_rate)
                {
                    // The kind whose turn it is, when this incident can host it; otherwise
                    // another kind at random, and the turn waits for a suitable incident.
                    planned = faults::plan(ROUND_ROBIN[robin], &inc, spring);
                    if planned.is_some() {
                        robin = (robin + 1) % ROUND_ROBIN.len();
                    } else {
                        let start = fault_rng.random_range(0..ROUND_ROBIN.len());
                        planned = (0..ROUND_ROBIN.len()).find_map(|k| {
                            faults::plan(ROUND_ROBIN[(start + k) % ROUND_ROBIN.len()], &inc, spring)
                        });
                    }
                }
                if let Some(p) = &planned {
                    faults::apply_to_times(p, &mut inc, period_start);
                }
                let mut r = render(&inc, &id, &ctx);
                let mut missing_id = false;
                if let Some(p) = &planned {
                    let row = faults::apply_to_cells(p, &mut r, fault_rng.random());
                    missing_id = p.fault == Fault::E101;
                    expected.push(Expected {
                        file: rel.clone(),
                        line: line + 1 + row as u64,
                        incident: if missing_id { String::new() } else { id.clone() },
                        code: p.fault.code(),
                        column: faults::column_of(p).name(),
                        source: "injected",
                    });
                    fs.faults += 1;
                }
                if !missing_id {
                    for (row, col) in faults::natural_ambiguities(&r) {
                        expected.push(Expected {
                            file: rel.clone(),
                            line: line + 1 + row as u64,
                            incident: id.clone(),
                            code: "W208",
                            column: col.name(),
                            source: "natural",
                        });
                    }
                }
                fs.incidents += 1;
                fs.contacts += inc.contacts.len() as u64;
                fs.patients += inc.patients.len() as u64;
                fs.actions += inc.actions.len() as u64;
                fs.missions += inc.actions.iter().filter(|a| a.is_mission()).count() as u64;
                for row in &r.rows {
                    write_row(&mut text, row, &st.order, line_end);
                }
                line += r.rows.len() as u64;
                fs.rows += r.rows.len() as u64;
            }
            if text.len() > 1 << 20 {
                out.emit(&text, st.windows_1252).map_err(io(&path))?;
                text.clear();
            }
            date = date.succ_opt().unwrap_or(NaiveDate::MAX);
        }
        out.emit(&text, st.windows_1252).map_err(io(&path))?;
        out.inner.flush().map_err(io(&path))?;
        fs.sha256 = hex::encode(out.hash.finalize_reset());
        progress(&fs);
        files.push(fs);
    }
    Ok((files, expected))
}

/// A writer that hashes what it writes (the manifest's SHA-256 per file).
struct HashingWriter {
    inner: BufWriter<File>,
    hash: Sha256,
}

impl HashingWriter {
    fn emit(&mut self, text: &str, windows_1252: bool) -> std::io::Result<()> {
        let bytes: std::borrow::Cow<'_, [u8]> = if windows_1252 {
            encoding_rs::WINDOWS_1252.encode(text).0
        } else {
            std::borrow::Cow::Borrowed(text.as_bytes())
        };
        self.hash.update(&bytes);
        self.inner.write_all(&bytes)
    }
}

/// The file-level faults F001–F004, as small extracts derived from the first file.
fn file_level_faults(
    out: &Path,
    first: &FileSummary,
) -> Result<(Vec<String>, Vec<Expected>), SynthError> {
    let src = out.join(&first.path);
    let bytes = std::fs::read(&src).map_err(io(&src))?;
    let lines: Vec<&[u8]> = bytes.split_inclusive(|b| *b == b'\n').take(4).collect();
    std::fs::create_dir_all(out.join("faults")).map_err(io(out))?;
    let stem = first.path.trim_start_matches("extracts/").trim_end_matches(".csv").to_string();
    let mut names = Vec::new();
    let mut expected = Vec::new();
    let mut put = |name: String,
                   content: Vec<u8>,
                   code: &'static str,
                   line: u64,
                   column: &'static str|
     -> Result<(), SynthError> {
        let rel = format!("faults/{name}");
        let path = out.join(&rel);
        std::fs::write(&path, content).map_err(io(&path))?;
        expected.push(Expected {
            file: rel.clone(),
            line,
            incident: String::new(),
            code,
            column,
            source: "injected",
        });
        names.push(rel);
        Ok(())
    };
    // F001: the required column `Type hendelse` left out.
    let field_index = |line: &[u8], name: &str| {
        let text = String::from_utf8_lossy(line);
        text.trim_start_matches('\u{feff}').trim_end().split(';').position(|f| f.trim() == name)
    };
    let header_line = lines.first().copied().unwrap_or_default();
    let drop_field = |line: &[u8], k: usize| -> Vec<u8> {
        let mut fields: Vec<&[u8]> = line.split(|b| *b == b';').collect();
        let had_newline = k + 1 == fields.len();
        if k < fields.len() {
            fields.remove(k);
        }
        let mut v = fields.join(&b';');
        if had_newline {
            v.extend_from_slice(if line.ends_with(b"\r\n") { b"\r\n" } else { b"\n" });
        }
        v
    };
    if let Some(k) = field_index(header_line, Column::TypeHendelse.name()) {
        put(
            format!("{stem}-F001.csv"),
            lines.iter().flat_map(|l| drop_field(l, k)).collect(),
            "F001",
            1,
            Column::TypeHendelse.name(),
        )?;
    }
    // F002: `Dato til` differs on the third data row.
    if let (Some(k), true) = (field_index(header_line, Column::DatoTil.name()), lines.len() >= 4) {
        let mut content = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            if i == 3 {
                let mut fields: Vec<Vec<u8>> =
                    l.split(|b| *b == b';').map(<[u8]>::to_vec).collect();
                if let Some(f) = fields.get_mut(k) {
                    let keep_end: Vec<u8> = f
                        .iter()
                        .rev()
                        .take_while(|b| **b == b'\n' || **b == b'\r')
                        .copied()
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect();
                    *f = b"15.01.1999".to_vec();
                    f.extend(keep_end);
                }
                content.extend(fields.join(&b';'));
            } else {
                content.extend_from_slice(l);
            }
        }
        put(format!("{stem}-F002.csv"), content, "F002", 4, Column::DatoTil.name())?;
    }
    // F003: an empty file (no header). F004: a header and no data rows.
    put(format!("{stem}-F003.csv"), Vec::new(), "F003", 1, "")?;
    put(format!("{stem}-F004.csv"), header_line.to_vec(), "F004", 1, "")?;
    Ok((names, expected))
}

/// `centre-areas.csv`: which centre serves which municipality (2020 numbers, the world's),
/// with the synthetic area change as two periods (`akutt centres load-areas`).
fn write_centre_areas(cfg: &Config, world: &World) -> Result<(), SynthError> {
    let path = cfg.out.join("centre-areas.csv");
    let ch = &world.area_change;
    let last_before = ch.date.pred_opt().unwrap_or(ch.date);
    let mut text = String::from("sentral;kommunenummer;gyldig_fra;gyldig_til\n");
    for (c, places) in world.places_of_centre.iter().enumerate() {
        let code = &world.centres[c].code;
        for &p in places {
            let number = world.places[p].number();
            if ch.places.contains(&p) {
                let to = &world.centres[ch.to].code;
                text.push_str(&format!(
                    "{code};{number};;{last_before}\n{to};{number};{};\n",
                    ch.date
                ));
            } else {
                text.push_str(&format!("{code};{number};;\n"));
            }
        }
    }
    std::fs::write(&path, text).map_err(io(&path))
}

fn write_population(cfg: &Config, world: &World) -> Result<(), SynthError> {
    let path = cfg.out.join("population.csv");
    let mut text = String::from("kommunenummer;år;folkemengde\n");
    // Each year in the structure in force on its 1 January (Statistics Norway's tables of
    // the time; `akutt population load` translates them into one structure).
    let register = akutt_model::municipality::Register::standard();
    for year in cfg.months.from().year() - 1..=cfg.months.to().year() {
        let first_day = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
        let mut rows: BTreeMap<String, u64> = BTreeMap::new();
        for p in &world.places {
            // A split place's population goes to its successors by their shares of its area
            // (as its incidents do, render.rs).
            let successors = register.successors_on(p.number(), first_day);
            if successors.is_empty() {
                *rows.entry(p.number().to_string()).or_default() +=
                    p.population(year).round() as u64;
            }
            let total: f64 = successors.iter().map(|(_, s)| s).sum();
            for (number, share) in successors {
                *rows.entry(number).or_default() +=
                    (p.population(year) * share / total).round() as u64;
            }
        }
        for (number, n) in rows {
            text.push_str(&format!("{number};{year};{n}\n"));
        }
    }
    std::fs::write(&path, text).map_err(io(&path))
}

fn write_manifest(
    cfg: &Config,
    world: &World,
    chosen: &[usize],
    summary: &Summary,
) -> Result<(), SynthError> {
    let path = cfg.out.join("manifest.json");
    let centres: Vec<serde_json::Value> = chosen
        .iter()
        .map(|&c| {
            let centre = &world.centres[c];
            let municipalities: Vec<&str> =
                world.places_of_centre[c].iter().map(|&i| world.places[i].number()).collect();
            serde_json::json!({
                "code": centre.code, "name": centre.name, "region": centre.region,
                "mapping": format!("mappings/mapping-{}.csv", centre.code),
                "municipalities": municipalities,
            })
        })
        .collect();
    let mut totals = BTreeMap::new();
    totals.insert("rows", summary.total(|f| f.rows));
    totals.insert("incidents", summary.total(|f| f.incidents));
    totals.insert("contacts", summary.total(|f| f.contacts));
    totals.insert("patients", summary.total(|f| f.patients));
    totals.insert("actions", summary.total(|f| f.actions));
    totals.insert("missions", summary.total(|f| f.missions));
    totals.insert("faults", summary.total(|f| f.faults));
    let m = serde_json::json!({
        "synthetic": true,
        "notice": BANNER,
        "generator": format!("akutt synth {}", env!("CARGO_PKG_VERSION")),
        "seed": cfg.seed,
        "scale": cfg.scale,
        "error_rate": cfg.error_rate,
        "from": cfg.months.from().to_string(),
        "to": cfg.months.to().to_string(),
        "centres": centres,
        "extracts": summary.files,
        "population": "population.csv",
        "centre_areas": "centre-areas.csv",
        "ground_truth": (cfg.error_rate > 0.0).then_some("ground-truth.csv"),
        "fault_files": summary.fault_files,
        "totals": totals,
        "note": "Municipalities are assigned to their nearest centre and populations are synthetic (the largest cities pinned to rough sizes); catchment areas, volumes and times are calibrated to DOMAIN.md §10, not real.",
    });
    let text = serde_json::to_string_pretty(&m).unwrap_or_default();
    std::fs::write(&path, text + "\n").map_err(io(&path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spring_forward_is_the_last_sunday_of_march() {
        assert_eq!(spring_forward(2024), NaiveDate::from_ymd_opt(2024, 3, 31));
        assert_eq!(spring_forward(2025), NaiveDate::from_ymd_opt(2025, 3, 30));
    }

    #[test]
    fn weekday_and_season_shape_the_days() {
        let w = World::new();
        let monday = NaiveDate::from_ymd_opt(2024, 1, 8).unwrap();
        let sunday = NaiveDate::from_ymd_opt(2024, 1, 14).unwrap();
        assert_eq!(sunday.weekday(), chrono::Weekday::Sun);
        let (_, pre_mon) = expected_daily(&w, 0, monday, 1.0);
        let (_, pre_sun) = expected_daily(&w, 0, sunday, 1.0);
        assert!(pre_mon > 2.0 * pre_sun, "{pre_mon} {pre_sun}");
    }
}
