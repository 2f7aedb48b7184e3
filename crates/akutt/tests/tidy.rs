//! Tidy tests (after rust-analyzer's): the architecture as written is the architecture as
//! built. ARCHITECTURE.md's codemap says which workspace crates each crate may use and which
//! crates it must not; these tests read every crate's `Cargo.toml` and fail on a dependency
//! the codemap does not allow, on a crate the codemap does not list, and on a source file
//! without its `//!` line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One row of the codemap.
#[derive(Debug)]
struct Rule {
    /// Workspace crates the crate may depend on.
    may_use: BTreeSet<String>,
    /// Crates named in its "must not" column.
    must_not: BTreeSet<String>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The words in backticks of a table cell.
fn ticked(cell: &str) -> impl Iterator<Item = &str> {
    cell.split('`').skip(1).step_by(2)
}

/// The codemap of ARCHITECTURE.md: crate name → its rule.
fn codemap(architecture: &str) -> BTreeMap<String, Rule> {
    let mut out = BTreeMap::new();
    for line in architecture.lines().filter(|l| l.starts_with("| `crates/")) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let [krate, _job, may_use, must_not] = cells[..] else {
            panic!("a codemap row has four columns: {line}");
        };
        let name = ticked(krate).next().and_then(|p| p.strip_prefix("crates/"));
        let name = name.unwrap_or_else(|| panic!("no crate in {krate}")).to_string();
        let rule = Rule {
            may_use: ticked(may_use).map(String::from).collect(),
            must_not: ticked(must_not)
                .filter(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '-' || c == '_'))
                .map(String::from)
                .collect(),
        };
        out.insert(name, rule);
    }
    out
}

/// The names in a manifest's `[dependencies]` (not dev- or build-dependencies).
fn dependencies(manifest: &str) -> BTreeSet<String> {
    let doc: toml::Table = manifest.parse().expect("a valid Cargo.toml");
    doc.get("dependencies")
        .and_then(toml::Value::as_table)
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default()
}

/// Every way a crate's dependencies break its rule.
fn violations(name: &str, deps: &BTreeSet<String>, rule: &Rule) -> Vec<String> {
    let mut out = Vec::new();
    for dep in deps {
        if dep.starts_with("akutt") && !rule.may_use.contains(dep) {
            out.push(format!("{name} depends on {dep}, which its codemap row does not allow"));
        }
        if rule.must_not.contains(dep) {
            out.push(format!("{name} depends on {dep}, which its codemap row rules out"));
        }
    }
    out
}

fn crates() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root().join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        let manifest = dir.join("Cargo.toml");
        if manifest.is_file() {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            out.push((name, std::fs::read_to_string(manifest).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn every_dependency_is_one_the_codemap_allows() {
    let map = codemap(&std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap());
    assert!(map.len() >= 13, "the codemap was not found in ARCHITECTURE.md");
    let mut problems = Vec::new();
    for (name, manifest) in crates() {
        match map.get(&name) {
            None => problems.push(format!("{name} is not in ARCHITECTURE.md's codemap")),
            Some(rule) => {
                for both in rule.may_use.intersection(&rule.must_not) {
                    problems
                        .push(format!("the codemap both allows and rules out {both} for {name}"));
                }
                problems.extend(violations(&name, &dependencies(&manifest), rule));
            }
        }
    }
    let listed: BTreeSet<String> = crates().into_iter().map(|(n, _)| n).collect();
    for name in map.keys().filter(|n| !listed.contains(*n)) {
        problems.push(format!("the codemap lists {name}, which is not in crates/"));
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn a_wrong_dependency_is_caught() {
    let map = codemap(&std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap());
    // The server generating data, the model parsing CSV: both are refused.
    let server = dependencies("[dependencies]\nakutt-synth.workspace = true\naxum = \"0.8\"\n");
    let v = violations("akutt-server", &server, &map["akutt-server"]);
    assert_eq!(v.len(), 2, "{v:?}");
    assert!(v[0].contains("akutt-synth"), "{v:?}");
    let model = dependencies("[dependencies]\ncsv = { workspace = true }\n");
    assert_eq!(violations("akutt-model", &model, &map["akutt-model"]).len(), 1);
    // Dev-dependencies are free: tests may build a synthetic world.
    let dev = dependencies("[dev-dependencies]\nakutt-synth.workspace = true\n");
    assert!(violations("akutt-server", &dev, &map["akutt-server"]).is_empty());
}

#[test]
fn every_source_file_starts_with_a_module_doc() {
    let mut missing = Vec::new();
    let mut stack = vec![root().join("crates"), root().join("fuzz/fuzz_targets")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                if !text.starts_with("//!") {
                    missing.push(path.display().to_string());
                }
            }
        }
    }
    assert!(missing.is_empty(), "files without a `//!` first line:\n{}", missing.join("\n"));
}

/// Whether a line of Rust builds markup as a string: a string literal that opens an HTML
/// or SVG tag (`"<tr>`, `r#"<svg`), outside comments.
fn builds_markup(line: &str) -> bool {
    let code = line.trim_start();
    if code.starts_with("//") {
        return false;
    }
    ["\"<", "#\"<"].iter().any(|open| {
        code.match_indices(open).any(|(i, _)| {
            code[i + open.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!')
        })
    })
}

#[test]
fn the_server_writes_html_only_in_templates() {
    let dir = root().join("crates/akutt-server/src");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            if builds_markup(line) {
                found.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "HTML built from strings (use the maud templates of html.rs):\n{}",
        found.join("\n")
    );
}

#[test]
fn markup_in_strings_is_caught() {
    assert!(builds_markup(r#"    out += &format!("<tr><td>{}</td></tr>", x);"#));
    assert!(builds_markup(r###"    format!(r##"<svg viewBox="0 0 1 1">"##)"###));
    assert!(!builds_markup(r#"    // "<tr>" in a comment"#));
    assert!(!builds_markup(r#"    let s = "a < b";"#));
}
