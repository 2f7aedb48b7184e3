//! Writes a large, deterministic, valid extract in import format v1 (with local codes) and
//! its mapping table, for the ingest benchmark (docs/PERFORMANCE.md). Not the synthetic
//! world: the data is uniform filler, good for throughput, not for statistics.
//!
//! Usage: `cargo run --release -p akutt-ingest --example gen_extract -- ROWS OUT.csv MAPPING.csv [fnr]`
//!
//! With `fnr`, every patient gets a valid (synthetic) fødselsnummer, so that the benchmark
//! also pays for pseudonymisation; without it the column is empty.

use std::fmt::Write as _;
use std::io::{BufWriter, Write};

const HEADER: &str = "Dato fra;Dato til;Uttak dato;Helseforetak/institusjonsnummer;Kode for helseforetak/Enhet;Navn på AMK-sentral;\
Hendelsesnummer;Hendelse opprettet dato/tid;Utføres dato/tid;Type hendelse;Type hentested (gruppering);Kommunenummer hentested;\
Hentested tettbygd;Henvendelse dato/tid;Henvendelsesnummer;Henvendelsesnummer på hendelsen;Type innringer;Type sambandsvei;\
Pasientkontakt nummer;Hastegrad (pasientkontakt) A;Hastegrad (pasientkontakt) B;Hastegrad (pasientkontakt) C;Kriterietype;Kjønn;\
Fødselsnummer;Folkeregisterkommune;Tiltaksnummer;Tiltak opprettet dato/tid;Tiltak kategori;Navn på tiltakets ressurs (VaktID);\
Varslet dato/tid;Rykker ut dato/tid;Ankomst hentested dato/tid (Fremme);Avreist hentested dato/tid;\
Ankomst leveringssted dato/tid (leveres);Ledig dato/tid;Ledig stasjon dato/tid;Kommunenummer leveringssted;Type leveringssted (gruppering)";

const MAPPING: &str = "kodeverk;lokal_kode;nasjonal_kode;gyldig_fra;gyldig_til
innringer;1;PUB;;
innringer;2;HP;;
innringer;3;BPH;;
sambandsvei;N;113;;
sambandsvei;R;ROD;;
sambandsvei;B;AMB;;
hendelsestype;10;SYK;;
hendelsestype;20;SKA;;
hendelsestype;30;OVF;;
sted;H;HJEM;;
sted;O;OFF;;
sted;S;SH;;
tiltak;A;AMB_BIL;;
tiltak;L;AMB_LUFT;;
tiltak;R;RAD;;
";

/// A tiny deterministic generator (xorshift), so the file is the same on every machine.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn time(base_min: u64, plus_s: u64) -> String {
    // January 2024 (no daylight-saving change): minutes from 1 Jan 00:00.
    let t = base_min * 60 + plus_s;
    let (day, rest) = (1 + t / 86_400, t % 86_400);
    format!("{day:02}.01.2024 {:02}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// A valid fødselsnummer (check digits right) for a birth date in 1940–1999.
fn synthetic_fnr(rng: &mut Rng) -> String {
    loop {
        let first_nine = format!(
            "{:02}{:02}{:02}{:03}",
            1 + rng.below(28),
            1 + rng.below(12),
            40 + rng.below(60),
            rng.below(500)
        );
        if let Some(f) = akutt_rules::fnr::complete_fnr(&first_nine) {
            return f;
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 && !(args.len() == 5 && args[4] == "fnr") {
        eprintln!("usage: gen_extract ROWS OUT.csv MAPPING.csv [fnr]");
        std::process::exit(2);
    }
    let rows: u64 = args[1].parse().expect("ROWS is a number");
    let with_fnr = args.len() == 5;
    std::fs::write(&args[3], MAPPING).expect("write mapping");
    let mut out =
        BufWriter::with_capacity(1 << 20, std::fs::File::create(&args[2]).expect("create output"));
    writeln!(out, "{HEADER}").unwrap();
    let kommuner = ["0301", "4601", "5001", "1103", "3005", "1804", "3403", "4204"];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut written, mut incident) = (0u64, 0u64);
    let mut line = String::with_capacity(512);
    while written < rows {
        incident += 1;
        let start = rng.below(30 * 24 * 60);
        let actions = 1 + rng.below(3);
        let red = rng.below(3) == 0;
        let kommune = kommuner[usize::try_from(rng.below(kommuner.len() as u64)).unwrap()];
        let urgency = if red {
            "X;;"
        } else if rng.below(2) == 0 {
            ";X;"
        } else {
            ";;X"
        };
        let reaction = 30 + rng.below(240);
        // Incident-, contact- and patient-level values repeat on every row of the incident.
        let (hendelse, tettbygd, innringer, kriterium, kjonn) = (
            10 + 10 * rng.below(2),
            if rng.below(2) == 0 { "J" } else { "N" },
            1 + rng.below(3),
            1 + rng.below(9),
            1 + rng.below(2),
        );
        let fnr = if with_fnr { synthetic_fnr(&mut rng) } else { String::new() };
        for a in 1..=actions {
            if written == rows {
                break;
            }
            let arrive = reaction + 300 + rng.below(1800);
            line.clear();
            let _ = write!(
                line,
                "01.01.2024;31.01.2024;05.02.2024;974703300;OSL;AMK Oslo;H{incident};{};{};{};H;{kommune};{};{};K{incident};1;{};N;1;{urgency};A.10.0{};{};{fnr};{kommune};{a};{};A;OSL-{};{};{};{};{};{};{};{};{kommune};S",
                time(start, 20),
                time(start, 0),
                hendelse,
                tettbygd,
                time(start, 0),
                innringer,
                kriterium,
                kjonn,
                time(start, reaction - 10),
                rng.below(400),
                time(start, reaction),
                time(start, reaction + 60),
                time(start, arrive),
                time(start, arrive + 900),
                time(start, arrive + 2400),
                time(start, arrive + 3000),
                time(start, arrive + 4200),
            );
            writeln!(out, "{line}").unwrap();
            written += 1;
        }
    }
    out.flush().unwrap();
    eprintln!("{written} rows, {incident} incidents");
}
