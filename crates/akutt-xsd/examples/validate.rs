//! Validates NEMSIS files against the embedded v3.5.0 schemas: `cargo run -p akutt-xsd --example validate -- FILE…`.

fn main() {
    let dir = std::env::temp_dir().join("akutt-xsd-example");
    let schema = match akutt_xsd::Schema::nemsis_v350(&dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    for f in std::env::args().skip(1) {
        match schema.validate_file(std::path::Path::new(&f)) {
            Ok((_, 0)) => println!("{f}: valid"),
            Ok((v, n)) => {
                println!("{f}: {n} violation(s)");
                for x in v {
                    println!("  line {:?} element {:?}: {}", x.line, x.element, x.message);
                }
            }
            Err(e) => println!("{f}: {e}"),
        }
    }
}
