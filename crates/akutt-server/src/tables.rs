//! Open tables for spreadsheets: the published figures of an answer as one labelled table
//! per indicator (codes with their names, times in minutes, shares in per cent, every empty
//! cell with its symbol), written as CSV for Norwegian Excel (`;`, decimal comma, UTF-8 BOM)
//! or as an Excel workbook (`.xlsx`, one sheet per indicator and one about the data).

use std::collections::HashMap;

use akutt_indicators::Indicator;
use serde_json::Value;

use crate::api::{
    category_label, figure_json, flat_measures, measure_words, status_symbol, Answer,
};
use crate::html::Lang;

/// A cell of an open table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number {
        value: f64,
        decimals: usize,
    },
    /// No value: `:` withheld, `..` no data.
    Symbol(&'static str),
}

/// One indicator's figures.
#[derive(Debug, Clone)]
pub struct Table {
    pub indicator: Indicator,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// The names that codes stand for: municipalities of the answer's structure by number.
pub type Names = HashMap<String, String>;

/// Picks one language of a `nb / en` text (a text without ` / ` is the same in both).
fn pick(text: &str, lang: Lang) -> &str {
    match text.split_once(" / ") {
        Some((nb, en)) => {
            if lang.en {
                en
            } else {
                nb
            }
        }
        None => text,
    }
}

/// How a measure is shown: its header, and the factor and decimals its value gets.
fn measure_column(name: &str, lang: Lang) -> (String, f64, usize) {
    let (base, part) = name.split_once('.').unwrap_or((name, ""));
    let words = |m: &str| pick(measure_words(m).unwrap_or(m), lang).to_string();
    let label =
        if part.is_empty() { words(base) } else { format!("{}: {}", words(base), words(part)) };
    let (unit, factor, decimals) = if base.ends_with("_s") {
        ("min", 1.0 / 60.0, 1)
    } else if base == "share" || base == "change_vs_last_year" {
        ("%", 100.0, 1)
    } else if base == "per_1000" || base == "unit_hours" {
        ("", 1.0, 2)
    } else {
        ("", 1.0, 0)
    };
    let header = if unit.is_empty() { label } else { format!("{label} ({unit})") };
    (header, factor, decimals)
}

/// A grouping key's column header, and the header of its names' column if it has one.
fn key_columns(key: &str, lang: Lang) -> (String, Option<String>) {
    let t = |nb: &str, en: &str| if lang.en { en.to_string() } else { nb.to_string() };
    match key {
        "centre" => (t("Sentral", "Centre"), Some(t("Sentralnavn", "Centre name"))),
        "kommune" => {
            (t("Kommunenummer", "Municipality number"), Some(t("Kommune", "Municipality")))
        }
        "urgency" => (t("Hastegrad", "Urgency"), Some(t("Hastegrad, navn", "Urgency, name"))),
        "area" => (t("Område", "Area"), Some(t("Område, navn", "Area, name"))),
        "month" => (t("Måned", "Month"), None),
        "year" => (t("År", "Year"), None),
        "hendelsestype" => (
            t("Hendelsestype", "Incident type"),
            Some(t("Hendelsestype, navn", "Incident type, name")),
        ),
        "sambandsvei" => (
            t("Sambandsvei", "Contact channel"),
            Some(t("Sambandsvei, navn", "Contact channel, name")),
        ),
        "innringer" => {
            (t("Innringer", "Caller type"), Some(t("Innringer, navn", "Caller type, name")))
        }
        "hour" => (t("Time på døgnet", "Hour of day"), None),
        "kriteriekapittel" => (t("Kriteriekapittel", "Index criterion chapter"), None),
        "weekday" => (t("Ukedag", "Weekday"), Some(t("Ukedag, navn", "Weekday, name"))),
        "hentested" => {
            (t("Hentested", "Incident place"), Some(t("Hentested, navn", "Incident place, name")))
        }
        "leveringssted" => (
            t("Leveringssted", "Delivery place"),
            Some(t("Leveringssted, navn", "Delivery place, name")),
        ),
        other => (other.to_string(), None),
    }
}

/// The name of a group's code, for the keys that have names.
fn name_of(key: &str, code: &str, names: &Names, lang: Lang) -> String {
    match key {
        "centre" => akutt_model::centre::centre(code).map_or(String::new(), |c| c.name.clone()),
        "kommune" => names.get(code).cloned().unwrap_or_default(),
        _ => pick(&category_label(key, code), lang).to_string(),
    }
}

/// The answer's figures as one table per indicator, in the answer's order.
pub fn tables(a: &Answer, names: &Names, lang: Lang) -> Vec<Table> {
    let rows: Vec<Value> = a.figures.iter().map(figure_json).collect();
    let mut out: Vec<Table> = Vec::new();
    for id in a.figures.iter().map(|f| f.id) {
        if out.iter().any(|t| t.indicator == id) {
            continue;
        }
        let of: Vec<&Value> = rows.iter().filter(|r| r["id"] == id.name()).collect();
        // Grouping keys and measures, in the order the figures first give them.
        let mut keys: Vec<String> = Vec::new();
        let mut measures: Vec<String> = Vec::new();
        for r in &of {
            for k in r["group"].as_object().into_iter().flat_map(|o| o.keys()) {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
        // Measures in the order the figure declares them (counts, then rates, then changes).
        for f in a.figures.iter().filter(|f| f.id == id) {
            for (m, _) in f.values.statuses() {
                if !measures.iter().any(|x| x == m) {
                    measures.push(m.to_string());
                }
            }
        }
        let mut headers = Vec::new();
        for k in &keys {
            let (code, name) = key_columns(k, lang);
            headers.push(code);
            headers.extend(name);
        }
        let columns: Vec<(String, f64, usize)> =
            measures.iter().map(|m| measure_column(m, lang)).collect();
        headers.extend(columns.iter().map(|c| c.0.clone()));
        let table_rows = of
            .iter()
            .map(|r| {
                let mut cells = Vec::new();
                for k in &keys {
                    let code = match &r["group"][k] {
                        Value::String(s) => s.clone(),
                        Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    if key_columns(k, lang).1.is_some() {
                        let name = if code.is_empty() {
                            pick(&category_label(k, "ukjent"), lang).to_string()
                        } else {
                            name_of(k, &code, names, lang)
                        };
                        cells.push(Cell::Text(code));
                        cells.push(Cell::Text(name));
                    } else {
                        cells.push(Cell::Text(code));
                    }
                }
                let values: HashMap<String, Value> = flat_measures(r).into_iter().collect();
                for (m, (_, factor, decimals)) in measures.iter().zip(&columns) {
                    let cell = match values.get(m).and_then(Value::as_f64) {
                        Some(v) => Cell::Number { value: v * factor, decimals: *decimals },
                        None => Cell::Symbol(match status_symbol(r, m) {
                            Some(":") => ":",
                            _ => "..",
                        }),
                    };
                    cells.push(cell);
                }
                cells
            })
            .collect();
        out.push(Table { indicator: id, headers, rows: table_rows });
    }
    out
}

/// A file name that says what the file holds: indicator, period, groupings, data version,
/// and whether the data are synthetic.
pub fn file_name(a: &Answer, what: &str, by: &str, synthetic: bool, ext: &str) -> String {
    let by: String = by
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        .map(|k| format!("-{k}"))
        .collect();
    format!(
        "akutt-{what}-{}-{}{by}-v{}{}.{ext}",
        a.months.from(),
        a.months.to(),
        a.version,
        if synthetic { "-syntetisk" } else { "" }
    )
}

/// A table as CSV: bokmål with `;` and decimal comma, English with `,` and decimal point;
/// UTF-8 with a byte-order mark (Excel reads it as UTF-8 only then). The source, the data
/// version and, for synthetic data, a flag are columns of every row.
pub fn to_csv(t: &Table, version: i64, synthetic: bool, lang: Lang) -> String {
    let (sep, decimal) = if lang.en { (',', '.') } else { (';', ',') };
    let quote = |s: &str| {
        if s.contains([sep, '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = String::from('\u{feff}');
    let mut head: Vec<String> = t.headers.iter().map(|h| quote(h)).collect();
    head.push(quote(if lang.en { "Source" } else { "Kilde" }));
    head.push(quote(if lang.en { "Data version" } else { "Dataversjon" }));
    if synthetic {
        head.push(quote(if lang.en { "Synthetic data" } else { "Syntetiske data" }));
    }
    out.push_str(&head.join(&sep.to_string()));
    out.push_str("\r\n");
    for row in &t.rows {
        let mut line: Vec<String> = row
            .iter()
            .map(|c| match c {
                Cell::Text(s) => quote(s),
                Cell::Number { value, decimals } => {
                    format!("{value:.decimals$}").replace('.', &decimal.to_string())
                }
                Cell::Symbol(s) => (*s).to_string(),
            })
            .collect();
        line.push(quote(crate::api::source_label(synthetic)));
        line.push(version.to_string());
        if synthetic {
            line.push(if lang.en { "yes" } else { "ja" }.to_string());
        }
        out.push_str(&line.join(&sep.to_string()));
        out.push_str("\r\n");
    }
    out
}

/// The tables as an Excel workbook: a first sheet about the data (source, period, data
/// version, the cell-key method and the symbols, the synthetic flag), then one sheet per
/// indicator with numbers as numbers in the shown decimals and symbols as text.
pub fn to_xlsx(
    tables: &[Table],
    a: &Answer,
    synthetic: bool,
    created: Option<&str>,
    lang: Lang,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
    let t = |nb: &'static str, en: &'static str| if lang.en { en } else { nb };
    let mut book = Workbook::new();
    // The file's own dates are the data version's, so the same answer gives the same bytes.
    let when = created
        .and_then(|c| ExcelDateTime::parse_from_str(c.get(..19).unwrap_or(c)).ok())
        .unwrap_or_else(|| ExcelDateTime::from_ymd(2000, 1, 1).expect("a valid date"));
    book.set_properties(
        &DocProperties::new()
            .set_title(format!("Akutt {} – {}", a.months.from(), a.months.to()))
            .set_author("Akutt")
            .set_creation_datetime(&when),
    );
    let bold = Format::new().set_bold();
    let about = book.add_worksheet();
    about.set_name(t("Om tabellene", "About"))?;
    let mut lines: Vec<(String, String)> = vec![
        (t("Kilde", "Source").into(), crate::api::source_label(synthetic).into()),
        (t("Periode", "Period").into(), format!("{} – {}", a.months.from(), a.months.to())),
        (t("Dataversjon", "Data version").into(), a.version.to_string()),
        (
            t("Publisering", "Release").into(),
            a.release.as_ref().map_or(String::new(), |r| {
                let finals = r.final_through.as_deref().map_or_else(
                    || t("alle måneder foreløpige", "all months provisional").to_string(),
                    |f| format!("{} {f}", t("endelige tall til og med", "final figures through")),
                );
                format!(
                    "{} ({}), {} {}; {finals}. {}",
                    r.id,
                    r.created_at.get(..10).unwrap_or(&r.created_at),
                    t("til og med", "through"),
                    r.through,
                    r.note
                )
            }),
        ),
        (t("Kommunestruktur", "Municipality structure").into(), a.structure.to_string()),
        (t("Personvern", "Confidentiality").into(), pick(crate::api::NOTE_CELL_KEY, lang).into()),
        (t("Tegn", "Symbols").into(), pick(crate::api::NOTE_STATUS, lang).into()),
    ];
    if synthetic {
        lines.insert(
            0,
            (
                t("SYNTETISKE DATA", "SYNTHETIC DATA").into(),
                t("ingen virkelige personer eller hendelser", "no real persons or incidents")
                    .into(),
            ),
        );
    }
    for n in a.notes() {
        lines.push((t("Merknad", "Note").into(), n));
    }
    for (i, (k, v)) in lines.iter().enumerate() {
        let row = u32::try_from(i).unwrap_or(u32::MAX);
        about.write_string_with_format(row, 0, k, &bold)?;
        about.write_string(row, 1, v)?;
    }
    about.set_column_width(0, 24)?;
    about.set_column_width(1, 100)?;
    let formats: Vec<Format> = (0..=4)
        .map(|d| {
            Format::new().set_num_format(if d == 0 {
                "0".to_string()
            } else {
                format!("0.{}", "0".repeat(d))
            })
        })
        .collect();
    let right = Format::new().set_align(rust_xlsxwriter::FormatAlign::Right);
    // The definitions of the indicators the workbook holds.
    let defs = book.add_worksheet();
    defs.set_name(t("Definisjoner", "Definitions"))?;
    defs.write_string_with_format(0, 0, t("Indikator", "Indicator"), &bold)?;
    defs.write_string_with_format(0, 1, t("Definisjon", "Definition"), &bold)?;
    for (i, table) in tables.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        defs.write_string(row, 0, table.indicator.name())?;
        defs.write_string(row, 1, lang.t(crate::html::definition(table.indicator)))?;
    }
    defs.set_column_width(0, 26)?;
    defs.set_column_width(1, 120)?;
    for table in tables {
        let sheet = book.add_worksheet();
        sheet.set_name(table.indicator.name())?;
        for (c, h) in table.headers.iter().enumerate() {
            sheet.write_string_with_format(0, u16::try_from(c).unwrap_or(u16::MAX), h, &bold)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
            for (c, cell) in row.iter().enumerate() {
                let c = u16::try_from(c).unwrap_or(u16::MAX);
                match cell {
                    Cell::Text(s) => {
                        sheet.write_string(r, c, s)?;
                    }
                    Cell::Number { value, decimals } => {
                        sheet.write_number_with_format(
                            r,
                            c,
                            *value,
                            &formats[(*decimals).min(4)],
                        )?;
                    }
                    Cell::Symbol(s) => {
                        sheet.write_string_with_format(r, c, *s, &right)?;
                    }
                }
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofit();
    }
    book.save_to_buffer()
}
