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

/// One world for all read-only tests.
pub fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(build_world)
}

/// KKN and OSL, March–April 2024, ingested.
pub fn build_world() -> World {
    {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("world");
        let cfg = akutt_synth::Config {
            out: out.clone(),
            months: MonthRange::new("2024-03".parse().unwrap(), "2024-04".parse().unwrap())
                .unwrap(),
            centres: Some(vec!["OSL".into(), "KKN".into()]),
            scale: 0.02,
            seed: 4,
            error_rate: 0.0,
        };
        akutt_synth::generate(&cfg, &|_| {}).unwrap();
        let data = DataDir::open(dir.path().join("data")).unwrap();
        for c in ["OSL", "KKN"] {
            akutt_ingest::load_mappings(&data, &out.join(format!("mappings/mapping-{c}.csv")), c)
                .unwrap();
            for m in ["03", "04"] {
                assert!(
                    akutt_ingest::ingest(
                        &data,
                        b"test key",
                        &out.join(format!("extracts/{c}-2024-{m}.csv")),
                        |_, _| {}
                    )
                    .unwrap()
                    .accepted
                );
            }
        }
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
