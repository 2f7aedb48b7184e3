//! `akutt indicators` on a synthetic year, run as real processes (synth → mappings → ingest
//! → indicators), against a second, straightforward implementation that reads the stored
//! Parquet base columns (times, codes; not the stored indicator facts) and applies
//! DOMAIN.md §7–§8 directly. Also `--as-of` reproducibility and `population load`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use akutt_model::Month;
use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, RecordBatch};
use chrono::{DateTime, Datelike, Timelike};
use chrono_tz::Europe::Oslo;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn run(&self, args: &[&str]) -> Output {
        let o = Command::new(env!("CARGO_BIN_EXE_akutt"))
            .arg("--data")
            .arg(self.data())
            .env("AKUTT_KEY_FILE", self.dir.path().join("key/pseudonym.key"))
            .env_remove("AKUTT_DATA")
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "akutt {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        o
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_slice(&self.run(args).stdout).unwrap()
    }

    /// `akutt indicators` of 2024 by centre, as JSON, at `as_of` (the latest when `None`).
    fn year_by_centre(&self, as_of: Option<i64>) -> Value {
        let mut args = vec!["indicators", "--from", "2024-01", "--to", "2024-12", "--by", "centre"];
        let v = as_of.map(|v| v.to_string());
        if let Some(v) = &v {
            args.extend(["--as-of", v]);
        }
        args.push("--json");
        self.json(&args)
    }
}

/// A synthetic 2023–2024 for three centres, ingested.
fn world() -> Env {
    let e = Env { dir: tempfile::tempdir().unwrap() };
    let out = e.dir.path().join("world");
    let out_s = out.to_string_lossy().into_owned();
    e.run(&[
        "synth",
        "--out",
        &out_s,
        "--from",
        "2023-01",
        "--to",
        "2024-12",
        "--centres",
        "OSL,TRD,KKN",
        "--scale",
        "0.03",
        "--seed",
        "9",
    ]);
    for c in ["OSL", "TRD", "KKN"] {
        e.run(&["mappings", "load", &format!("{out_s}/mappings/mapping-{c}.csv"), "--centre", c]);
    }
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(out.join("extracts")).unwrap().map(|d| d.unwrap().path()).collect();
    files.sort();
    for f in files {
        e.run(&["ingest", &f.to_string_lossy()]);
    }
    e
}

fn batches(path: &Path) -> Vec<RecordBatch> {
    let b = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap()).unwrap();
    b.build().unwrap().collect::<Result<Vec<_>, _>>().unwrap()
}

fn s<'a>(b: &'a RecordBatch, c: &str, i: usize) -> Option<&'a str> {
    let a = b.column_by_name(c).unwrap().as_string::<i32>();
    (!a.is_null(i)).then(|| a.value(i))
}

fn ts(b: &RecordBatch, c: &str, i: usize) -> Option<i64> {
    akutt_store::tables::InstantColumn::new(b.column_by_name(c).unwrap().as_ref()).unwrap().get(i)
}

fn flag(b: &RecordBatch, c: &str, i: usize) -> Option<bool> {
    let a = b.column_by_name(c).unwrap().as_boolean();
    (!a.is_null(i)).then(|| a.value(i))
}

fn nearest_rank(v: &mut [i64], p: f64) -> Value {
    v.sort();
    if v.is_empty() {
        return Value::Null;
    }
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a rank between 1 and the sample's length"
    )]
    let rank = (p * v.len() as f64 - 1e-9).ceil().max(1.0) as usize;
    Value::from(v[rank - 1])
}

#[derive(Default)]
struct Mission {
    road: bool,
    alerted: Option<i64>,
    at_scene: Option<i64>,
    free: Option<i64>,
    delivered_to: Option<String>,
}

#[derive(Default)]
struct Inc {
    centre: String,
    month: Option<Month>,
    t0: i64,
    urgency: Option<String>,
    typ: Option<String>,
    channel: Option<String>,
    urban: Option<bool>,
    prebooked: bool,
    contacts: i64,
    ambulance_actions: usize,
    first_alert: Option<i64>,
    missions: Vec<Mission>,
    caller: Option<String>,
    pickup: Option<String>,
    hour: u32,
    weekday: u32,
    /// (urgency rank, chapter) of the most urgent patient with a criterion.
    criterion: Option<(u8, String)>,
}

/// The second implementation: §7–§8 straight from the stored base columns, over the
/// submissions visible at data version `as_of` (the current ones when `None`).
fn independent(data: &Path, from: Month, to: Month, as_of: Option<i64>) -> BTreeMap<String, Value> {
    let incidents = load(data, as_of);
    figures(&incidents, from, to)
}

/// The incidents of the submissions visible at `as_of`, from their stored base columns.
fn load(data: &Path, as_of: Option<i64>) -> HashMap<(String, String), Inc> {
    let mut incidents: HashMap<(String, String), Inc> = HashMap::new();
    // The submissions, as `akutt submissions --json` lists them: at a data version, those
    // accepted at or before it and not yet superseded then.
    let o = Command::new(env!("CARGO_BIN_EXE_akutt"))
        .arg("--data")
        .arg(data)
        .args(["submissions", "--json"])
        .output()
        .unwrap();
    let list: Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut store_dirs: Vec<PathBuf> = list["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "amk")
        .filter(|s| match as_of {
            None => s["current"] == true,
            Some(v) => {
                s["status"] == "accepted"
                    && s["data_version"].as_i64().is_some_and(|d| d <= v)
                    && s["superseded_at"].as_i64().is_none_or(|d| d > v)
            }
        })
        .map(|s| data.join("store").join(format!("submission-{}", s["id"])))
        .collect();
    store_dirs.sort();
    for dir in &store_dirs {
        for b in batches(&dir.join("incidents.parquet")) {
            for i in 0..b.num_rows() {
                let t0 = ts(&b, "t0", i).unwrap();
                let local = DateTime::from_timestamp(t0, 0).unwrap().with_timezone(&Oslo);
                let inc = Inc {
                    centre: s(&b, "centre", i).unwrap().into(),
                    month: Some(Month::of(local.date_naive())),
                    t0,
                    urgency: s(&b, "urgency", i).map(Into::into),
                    typ: s(&b, "hendelsestype", i).map(Into::into),
                    channel: s(&b, "first_channel", i).map(Into::into),
                    urban: flag(&b, "urban", i),
                    prebooked: flag(&b, "prebooked", i).unwrap(),
                    contacts: i64::from(
                        b.column_by_name("n_contacts")
                            .unwrap()
                            .as_primitive::<Int32Type>()
                            .value(i),
                    ),
                    caller: s(&b, "first_caller", i).map(Into::into),
                    pickup: s(&b, "pickup_place", i).map(Into::into),
                    hour: local.hour(),
                    weekday: local.weekday().number_from_monday(),
                    ..Inc::default()
                };
                incidents.insert(
                    (dir.display().to_string(), s(&b, "incident_id", i).unwrap().into()),
                    inc,
                );
            }
        }
        for b in batches(&dir.join("patients.parquet")) {
            for i in 0..b.num_rows() {
                let key = (dir.display().to_string(), s(&b, "incident_id", i).unwrap().to_string());
                let inc = incidents.get_mut(&key).unwrap();
                let rank = match s(&b, "urgency", i) {
                    Some("R") => 0,
                    Some("G") => 1,
                    Some("N") => 2,
                    _ => 3,
                };
                if let Some(c) = s(&b, "criterion", i) {
                    // Stored only when well-formed (`U.KK.NN`); the first among equals stays.
                    let chapter = c[2..4].to_string();
                    if inc.criterion.as_ref().is_none_or(|(r, _)| rank < *r) {
                        inc.criterion = Some((rank, chapter));
                    }
                }
            }
        }
        for b in batches(&dir.join("actions.parquet")) {
            for i in 0..b.num_rows() {
                let inc = incidents
                    .get_mut(&(
                        dir.display().to_string(),
                        s(&b, "incident_id", i).unwrap().to_string(),
                    ))
                    .unwrap();
                let tiltak = s(&b, "tiltak", i);
                let alerted = ts(&b, "alerted_at", i);
                if let Some(a) = alerted {
                    inc.first_alert = Some(inc.first_alert.map_or(a, |f: i64| f.min(a)));
                }
                let ambulance = matches!(tiltak, Some("AMB_BIL") | Some("AMB_LUFT"));
                inc.ambulance_actions += usize::from(ambulance);
                if ambulance
                    && alerted.is_some()
                    && s(&b, "resource", i) != Some("Ukjent ambulanse")
                {
                    inc.missions.push(Mission {
                        road: tiltak == Some("AMB_BIL"),
                        alerted,
                        at_scene: ts(&b, "at_scene_at", i),
                        free: ts(&b, "free_at", i),
                        delivered_to: s(&b, "delivery_place", i).map(Into::into),
                    });
                }
            }
        }
    }
    incidents
}

/// The incidents counted in the volumes of `from`–`to` (§7: an `LV`-line incident without an
/// ambulance action is not reported).
fn counted(
    incidents: &HashMap<(String, String), Inc>,
    from: Month,
    to: Month,
) -> impl Iterator<Item = &Inc> {
    incidents
        .values()
        .filter(move |i| i.month.is_some_and(|m| from <= m && m <= to))
        .filter(|i| !(i.channel.as_deref() == Some("LV") && i.ambulance_actions == 0))
}

/// The report's and the analyses' groupings counted independently: incidents per centre by
/// the first contact's caller type, by `t0`'s Oslo hour and weekday, by incident place × the
/// delivery place of the first-alerted mission that has one, and by the index criterion's
/// chapter of the most urgent patient that has one.
fn groups(
    incidents: &HashMap<(String, String), Inc>,
    from: Month,
    to: Month,
) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "null".into());
    for i in counted(incidents, from, to) {
        let delivered = i
            .missions
            .iter()
            .filter(|m| m.delivered_to.is_some())
            .min_by_key(|m| m.alerted)
            .and_then(|m| m.delivered_to.clone());
        // Each mission under its own delivery place (DOMAIN.md §13).
        for m in &i.missions {
            *out.entry(format!("{} missions-to {}", i.centre, text(&m.delivered_to)))
                .or_insert(0) += 1;
        }
        for key in [
            format!("{} innringer {}", i.centre, text(&i.caller)),
            format!("{} hour {}", i.centre, i.hour),
            format!("{} weekday {}", i.centre, i.weekday),
            format!("{} places {} {}", i.centre, text(&i.pickup), text(&delivered)),
            format!(
                "{} kriteriekapittel {}",
                i.centre,
                text(&i.criterion.as_ref().map(|c| c.1.clone()))
            ),
        ] {
            *out.entry(key).or_insert(0) += 1;
        }
    }
    out
}

/// The per-centre figures of `from`–`to`.
fn figures(
    incidents: &HashMap<(String, String), Inc>,
    from: Month,
    to: Month,
) -> BTreeMap<String, Value> {
    // Per centre, the year's figures.
    let mut out: BTreeMap<String, Value> = BTreeMap::new();
    let mut centres: Vec<String> = incidents.values().map(|i| i.centre.clone()).collect();
    centres.sort();
    centres.dedup();
    for c in centres {
        let sel: Vec<&Inc> = incidents
            .values()
            .filter(|i| i.centre == c && i.month.is_some_and(|m| from <= m && m <= to))
            .filter(|i| !(i.channel.as_deref() == Some("LV") && i.ambulance_actions == 0))
            .collect();
        let missions: usize = sel.iter().map(|i| i.missions.len()).sum();
        out.insert(
            format!("volume {c}"),
            serde_json::json!([sel.len(), sel.iter().map(|i| i.contacts).sum::<i64>(), missions]),
        );
        let red: Vec<&&Inc> = sel
            .iter()
            .filter(|i| {
                i.urgency.as_deref() == Some("R")
                    && !i.prebooked
                    && i.typ.as_deref() != Some("FEIL")
                    && i.missions.iter().any(|m| m.road)
            })
            .collect();
        let mut times = Vec::new();
        let mut missing = 0;
        let (mut within, mut n_area) = ([0; 2], [0; 2]);
        for i in &red {
            match i.missions.iter().filter(|m| m.road).filter_map(|m| m.at_scene).min() {
                Some(a) if a >= i.t0 => {
                    let t = a - i.t0;
                    times.push(t);
                    if let Some(u) = i.urban {
                        let k = usize::from(!u);
                        n_area[k] += 1;
                        within[k] += usize::from(t <= if u { 720 } else { 1500 });
                    }
                }
                _ => missing += 1,
            }
        }
        out.insert(
            format!("response_time {c}"),
            serde_json::json!([
                times.len(),
                missing,
                nearest_rank(&mut times, 0.5),
                nearest_rank(&mut times.clone(), 0.9)
            ]),
        );
        out.insert(format!("within {c} urban"), serde_json::json!([n_area[0], within[0]]));
        out.insert(format!("within {c} rural"), serde_json::json!([n_area[1], within[1]]));
        for u in ["R", "G", "N"] {
            let pop: Vec<&&Inc> = sel
                .iter()
                .filter(|i| {
                    i.channel.as_deref() == Some("113")
                        && i.typ.as_deref() != Some("FEIL")
                        && i.urgency.as_deref() == Some(u)
                })
                .filter(|i| i.ambulance_actions > 0 || i.first_alert.is_some())
                .collect();
            let mut v: Vec<i64> = pop
                .iter()
                .filter_map(|i| i.first_alert.map(|a| a - i.t0))
                .filter(|x| *x >= 0)
                .collect();
            out.insert(
                format!("reaction {c} {u}"),
                serde_json::json!([
                    v.len(),
                    nearest_rank(&mut v, 0.5),
                    nearest_rank(&mut v.clone(), 0.9)
                ]),
            );
        }
        let mut mt: Vec<i64> = sel
            .iter()
            .flat_map(|i| i.missions.iter())
            .filter_map(|m| m.alerted.zip(m.free).map(|(a, f)| f - a))
            .filter(|x| *x >= 0)
            .collect();
        out.insert(
            format!("mission_time {c}"),
            serde_json::json!([
                mt.len(),
                nearest_rank(&mut mt, 0.5),
                nearest_rank(&mut mt.clone(), 0.9)
            ]),
        );
    }
    out
}

/// The same figures from `akutt indicators --json`.
fn from_cli(v: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for f in v["indicators"].as_array().unwrap() {
        let c = f["group"]["centre"].as_str().unwrap().to_string();
        match f["id"].as_str().unwrap() {
            "volume" => out.insert(
                format!("volume {c}"),
                serde_json::json!([f["incidents"], f["contacts"], f["missions"]]),
            ),
            "response_time" => out.insert(
                format!("response_time {c}"),
                serde_json::json!([f["n"], f["n_missing"], f["median_s"], f["p90_s"]]),
            ),
            "response_within_target" => out.insert(
                format!("within {c} {}", f["group"]["area"].as_str().unwrap()),
                serde_json::json!([f["n"], f["within"]]),
            ),
            "amk_reaction_time" => out.insert(
                format!("reaction {c} {}", f["group"]["urgency"].as_str().unwrap()),
                serde_json::json!([f["n"], f["median_s"], f["p90_s"]]),
            ),
            "mission_time" => out.insert(
                format!("mission_time {c}"),
                serde_json::json!([f["n"], f["median_s"], f["p90_s"]]),
            ),
            _ => None,
        };
    }
    out
}

#[test]
fn indicators_agree_with_an_independent_implementation_and_as_of_reproduces() {
    let e = world();
    let v = e.year_by_centre(None);
    let dv = v["data_version"].as_i64().unwrap();
    assert_eq!(dv, 72, "3 centres × 24 months accepted");
    let cli = from_cli(&v);
    let m = |s: &str| Month::parse(s).unwrap();
    let ours = independent(&e.data(), m("2024-01"), m("2024-12"), None);
    assert_eq!(cli.len(), ours.len(), "{:?}\n{:?}", cli.keys(), ours.keys());
    for (k, want) in &ours {
        assert_eq!(cli.get(k), Some(want), "{k}");
    }
    // The report's groupings (caller type, hour, weekday, incident × delivery place) agree.
    let want = groups(&load(&e.data(), None), m("2024-01"), m("2024-12"));
    let mut got = BTreeMap::new();
    for by in ["innringer", "hour", "weekday", "hentested,leveringssted", "kriteriekapittel"] {
        let by_centre = format!("centre,{by}");
        let args = ["indicators", "--from", "2024-01", "--to", "2024-12", "--by", &by_centre];
        let answer = e.json(&[&args[..], &["--indicator", "volume", "--json"]].concat());
        for f in answer["indicators"].as_array().unwrap() {
            let value = |k: &str| match &f["group"][k] {
                Value::String(s) => s.clone(),
                Value::Null => "null".into(),
                v => v.to_string(),
            };
            let key = match by.split_once(',') {
                Some((a, b)) => format!("{} places {} {}", value("centre"), value(a), value(b)),
                None => format!("{} {by} {}", value("centre"), value(by)),
            };
            // A group of missions only (delivered where no incident's first mission was).
            let n = f["incidents"].as_u64().unwrap();
            if n > 0 {
                got.insert(key, n);
            }
        }
    }
    let answer = e.json(&[
        "indicators",
        "--from",
        "2024-01",
        "--to",
        "2024-12",
        "--by",
        "centre,leveringssted",
        "--indicator",
        "volume",
        "--json",
    ]);
    for f in answer["indicators"].as_array().unwrap() {
        let place = f["group"]["leveringssted"].as_str().unwrap_or("null");
        let key = format!("{} missions-to {place}", f["group"]["centre"].as_str().unwrap());
        let n = f["missions"].as_u64().unwrap();
        if n > 0 {
            got.insert(key, n);
        }
    }
    assert!(want.len() > 100, "{} groups", want.len());
    assert_eq!(got, want);
    // Volumes compare with the year before.
    let vol = v["indicators"].as_array().unwrap().iter().find(|f| f["id"] == "volume").unwrap();
    assert!(vol["change_vs_last_year"]["incidents"].is_number(), "{vol}");
    assert!(vol["per_1000"].is_null(), "no population loaded yet");

    // A population load is a new data version; the earlier one still gives the old answer.
    let pop = e.dir.path().join("world/population.csv");
    e.run(&["population", "load", &pop.to_string_lossy()]);
    let after = e.year_by_centre(None);
    assert_eq!(after["data_version"], dv + 1);
    let vol = after["indicators"].as_array().unwrap().iter().find(|f| f["id"] == "volume").unwrap();
    assert!(vol["per_1000"]["incidents"].as_f64().unwrap() > 1.0, "{vol}");
    let before = e.year_by_centre(Some(dv));
    assert_eq!(before, v, "--as-of {dv} recomputes exactly what was published then");

    // The compact facts (`facts.bin`, one per submission) are rebuilt from the Parquet
    // tables when missing or damaged, as in a data directory from before them: same answer.
    let mut facts: Vec<PathBuf> = Vec::new();
    for d in std::fs::read_dir(e.data().join("store")).unwrap().flatten() {
        let f = d.path().join("facts.bin");
        if f.exists() {
            facts.push(f);
        }
    }
    assert_eq!(facts.len(), 72, "every accepted submission has its facts.bin");
    for (i, f) in facts.iter().enumerate() {
        if i % 2 == 0 {
            std::fs::remove_file(f).unwrap();
        } else {
            let bytes = std::fs::read(f).unwrap();
            std::fs::write(f, &bytes[..bytes.len() / 3]).unwrap();
        }
    }
    let rebuilt = e.year_by_centre(Some(dv));
    assert_eq!(rebuilt, v, "rebuilt facts give the same answer");
    assert!(facts.iter().all(|f| f.exists()), "and are written back");
    // `akutt upgrade` does the same for the whole directory ahead of time; idempotent.
    for f in &facts[..3] {
        std::fs::remove_file(f).unwrap();
    }
    let say = |o: Output| String::from_utf8(o.stdout).unwrap();
    assert!(say(e.run(&["upgrade"]))
        .contains("72 submissions: 3 facts files rebuilt, 0 month ranges recorded"));
    assert!(say(e.run(&["upgrade"])).contains("72 submissions: 0 facts files rebuilt"));

    // An earlier data version sees fewer submissions: TRD 2024-12 arrived last.
    let earlier = e.json(&[
        "indicators",
        "--from",
        "2024-12",
        "--to",
        "2024-12",
        "--by",
        "centre",
        "--as-of",
        &(dv - 1).to_string(),
        "--json",
    ]);
    let centres: Vec<&str> = earlier["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "volume")
        .map(|f| f["group"]["centre"].as_str().unwrap())
        .collect();
    assert_eq!(centres, ["KKN", "OSL"]);

    // A next reform loaded as data (a 2028 structure where Bærum and Lillestrøm merge into
    // 3299) is two new data versions: answers are in 2028 numbers from then on, and
    // `--as-of` an earlier version still gives the 2024 structure it gave then.
    let register = akutt_model::municipality::Register::standard();
    let mut codes = String::from("code;name\n");
    for m in &register.newest().unwrap().municipalities {
        if m.number != "3201" && m.number != "3205" {
            codes += &format!("{};{}\n", m.number, m.name);
        }
    }
    codes += "3299;Nye Bærum\n";
    let structure = e.dir.path().join("k2028.csv");
    std::fs::write(&structure, codes).unwrap();
    let changes = e.dir.path().join("endringer2028.csv");
    std::fs::write(
        &changes,
        "oldCode;oldName;newCode;newName\n3201;Bærum;3299;Nye Bærum\n3205;Lillestrøm;3299;Nye Bærum\n",
    )
    .unwrap();
    let s = structure.to_string_lossy();
    e.run(&["municipalities", "load", &s, "--structure", "2028", "--valid-from", "2028-01-01"]);
    let c = changes.to_string_lossy();
    e.run(&["municipalities", "load", &c, "--changes", "--valid-from", "2028-01-01"]);
    let list = e.json(&["municipalities", "list", "--json"]);
    let boundaries: Vec<(i64, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["structure"].as_i64().unwrap(), s["boundaries"].as_str().unwrap()))
        .collect();
    assert_eq!(boundaries, [(2020, "shipped"), (2024, "shipped"), (2028, "none")]);
    let by_kommune = |as_of: Option<i64>| {
        let mut args = vec!["indicators", "--from", "2024-01", "--to", "2024-12"];
        args.extend(["--by", "kommune", "--indicator", "volume", "--json"]);
        let v = as_of.map(|v| v.to_string());
        if let Some(v) = &v {
            args.extend(["--as-of", v]);
        }
        let answer = e.json(&args);
        let places: BTreeMap<String, u64> = answer["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["group"]["kommune"].as_str().unwrap().to_string(),
                    f["incidents"].as_u64().unwrap(),
                )
            })
            .collect();
        (answer["structure"].as_i64().unwrap(), answer["data_version"].as_i64().unwrap(), places)
    };
    let (now, now_dv, in_2028) = by_kommune(None);
    assert_eq!((now, now_dv), (2028, dv + 3));
    let (then, _, in_2024) = by_kommune(Some(dv + 1));
    assert_eq!(then, 2024, "--as-of {} is answered in the structure of then", dv + 1);
    assert!(in_2024.contains_key("3201") && !in_2024.contains_key("3299"), "{in_2024:?}");
    assert!(!in_2028.contains_key("3201") && !in_2028.contains_key("3205"));
    let merged = in_2024.get("3201").unwrap_or(&0) + in_2024.get("3205").unwrap_or(&0);
    assert_eq!(in_2028.get("3299").copied().unwrap_or(0), merged);

    // A resubmission (OSL's June again, without every incident whose number ends in 7)
    // supersedes the first: the engine agrees with the independent computation over the
    // current versions, and `--as-of` the version before still gives the old answer.
    let june = e.dir.path().join("world/extracts/OSL-2024-06.csv");
    let text = std::fs::read_to_string(&june).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let at = header
        .trim_start_matches('\u{feff}')
        .split(';')
        .position(|c| c == "Hendelsesnummer")
        .unwrap();
    let mut kept = vec![header];
    kept.extend(
        lines.filter(|l| !l.split(';').nth(at).unwrap_or("").trim_matches('"').ends_with('7')),
    );
    let resent = e.dir.path().join("OSL-2024-06-v2.csv");
    std::fs::write(&resent, kept.join("\n") + "\n").unwrap();
    let before_resend = e.year_by_centre(None);
    e.run(&["ingest", &resent.to_string_lossy()]);
    let resend = e.year_by_centre(None);
    let rdv = resend["data_version"].as_i64().unwrap();
    assert_ne!(
        resend["indicators"], before_resend["indicators"],
        "the resubmission changed figures"
    );
    let ours = independent(&e.data(), m("2024-01"), m("2024-12"), None);
    let cli = from_cli(&resend);
    assert_eq!(cli.len(), ours.len());
    for (k, want) in &ours {
        assert_eq!(cli.get(k), Some(want), "{k} after the resubmission");
    }
    let as_of = e.year_by_centre(Some(rdv - 1));
    assert_eq!(as_of["indicators"], before_resend["indicators"], "--as-of before the resubmission");
    // And `--as-of` agrees with the independent computation over the submissions of then:
    // the first June, which the engine reads from its own immutable facts.
    let then = independent(&e.data(), m("2024-01"), m("2024-12"), Some(rdv - 1));
    assert_ne!(then, ours, "the two versions differ");
    let cli = from_cli(&as_of);
    assert_eq!(cli.len(), then.len());
    for (k, want) in &then {
        assert_eq!(cli.get(k), Some(want), "{k} --as-of {}", rdv - 1);
    }

    // A reader that stops early (`akutt indicators … | head`) ends the command quietly:
    // no panic, no error, exit 0. The reading end is closed before the answer is written.
    for format in [&["--json"][..], &[]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_akutt"))
            .arg("--data")
            .arg(e.data())
            .args(["indicators", "--from", "2023-01", "--to", "2024-12"])
            .args(["--by", "centre,month,kommune"])
            .args(format)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success() && stderr.is_empty(), "{format:?}: {:?} {stderr}", o.status);
    }
}

#[test]
fn indicators_reject_bad_arguments_with_a_clear_message() {
    let e = Env { dir: tempfile::tempdir().unwrap() };
    let o = Command::new(env!("CARGO_BIN_EXE_akutt"))
        .arg("--data")
        .arg(e.data())
        .args(["indicators", "--from", "2024-13", "--to", "2024-12"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--from must be YYYY-MM"));
    let o = Command::new(env!("CARGO_BIN_EXE_akutt"))
        .arg("--data")
        .arg(e.data())
        .args(["indicators", "--from", "2024-01", "--to", "2024-12", "--by", "season"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown --by key «season»"));
}
