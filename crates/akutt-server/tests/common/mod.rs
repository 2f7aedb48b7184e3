//! The small synthetic world the server's test binaries serve: KKN and OSL, March–April
//! 2024, ingested with a fixed key (so every cell key, and the noise, is the same each run).

#![allow(dead_code)] // each test binary uses its part

use std::sync::{Arc, OnceLock};

use akutt_model::MonthRange;
use akutt_server::{auth, AppState, Config};
use akutt_store::DataDir;

pub struct World {
    pub _dir: tempfile::TempDir,
    pub state: Arc<AppState>,
    pub kkn_token: String,
    pub admin_token: String,
}

/// A synthetic KKN and OSL over `months` in `dir/world`, every extract ingested into
/// `dir/data` with `key`; the data directory and the world's folder.
pub fn synth_and_ingest(
    dir: &std::path::Path,
    months: MonthRange,
    scale: f64,
    seed: u64,
    key: &[u8],
) -> (DataDir, std::path::PathBuf) {
    let out = dir.join("world");
    let cfg = akutt_synth::Config {
        out: out.clone(),
        months,
        centres: Some(vec!["OSL".into(), "KKN".into()]),
        scale,
        seed,
        error_rate: 0.0,
        response_step: None,
    };
    akutt_synth::generate(&cfg, &|_| {}).unwrap();
    let data = DataDir::open(dir.join("data")).unwrap();
    for c in ["OSL", "KKN"] {
        akutt_ingest::load_mappings(&data, &out.join(format!("mappings/mapping-{c}.csv")), c)
            .unwrap();
        for m in months.iter() {
            let f = out.join(format!("extracts/{c}-{m}.csv"));
            assert!(akutt_ingest::ingest(&data, key, &f, |_, _| {}).unwrap().accepted);
        }
    }
    (data, out)
}

/// One world for all read-only tests.
pub fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(build_world)
}

/// KKN and OSL, March–April 2024, ingested.
pub fn build_world() -> World {
    {
        let dir = tempfile::tempdir().unwrap();
        let months =
            MonthRange::new("2024-03".parse().unwrap(), "2024-04".parse().unwrap()).unwrap();
        let (data, _) = synth_and_ingest(dir.path(), months, 0.02, 4, b"test key");
        let kkn_token = auth::add_user(&data, "kkn-user", "centre:KKN").unwrap();
        let admin_token = auth::add_user(&data, "admin", "admin").unwrap();
        let state = Arc::new(
            AppState::new(data, Config { synthetic: true, ..Config::default() })
                .unwrap()
                .with_key(b"test key".to_vec()),
        );
        // Published: March final, April provisional.
        akutt_server::release::create(&state, "2024-04", Some("2024-03"), "").unwrap();
        World { _dir: dir, state, kkn_token, admin_token }
    }
}

/// The rows of the table `id` of a page, as the text of their cells (`th` and `td`, tags
/// inside a cell dropped): tests assert on what a table says, not on its markup.
pub fn table_rows(html: &str, id: &str) -> Vec<Vec<String>> {
    let marker = format!("id=\"{id}\"");
    let start = html
        .match_indices(&marker)
        .find_map(|(at, _)| html[..at].ends_with("<table ").then(|| at - "<table ".len()))
        .unwrap_or_else(|| panic!("no table {id}"));
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    let text = |cell: &str| {
        let mut out = String::new();
        let mut in_tag = false;
        for c in cell.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
    };
    table
        .split("<tr")
        .skip(1)
        .map(|row| {
            let row = &row[row.find('>').map_or(0, |i| i + 1)..];
            row.split("</t")
                .filter_map(|part| part.rfind("<t").map(|i| &part[i..]))
                .filter_map(|cell| cell.find('>').map(|i| text(&cell[i + 1..])))
                .collect()
        })
        .collect()
}
