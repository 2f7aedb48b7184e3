//! Tests of the document writer: the text extracted again by poppler's `pdftotext`, the
//! same bytes twice, tables and charts across pages, and the layout's arithmetic.

use crate::layout::{fit, is_number, lay_out, nice_step, number, Fonts, Op};
use crate::{pdf, Block, Chart, Date, Document, Table};

fn document(rows: usize) -> Document {
    Document {
        title: "Årsrapport 2025".into(),
        subtitle: "Nasjonal statistikk for AMK-sentralene – Tromsø, Ålesund, Bodø".into(),
        language: "nb".into(),
        stamp: "Publisering 3 (2026-02-01) · Dataversjon 42 · Akutt".into(),
        banner: Some("Syntetiske data".into()),
        date: Date::parse("2026-02-01T09:30:00Z"),
        blocks: vec![
            Block::Heading("Nøkkeltall".into()),
            Block::Paragraph("Responstid måles fra første ressurs er varslet til ankomst.".into()),
            Block::Table(Table {
                id: "monthly".into(),
                header: vec!["Måned".into(), "Hendelser".into(), "Status".into()],
                rows: (0..rows)
                    .map(|i| vec![format!("rad-{i:03}"), format!("{}", 1000 + i), "endelig".into()])
                    .collect(),
            }),
            Block::Chart(Chart {
                title: "Hendelser per måned".into(),
                unit: "hendelser".into(),
                bars: vec![("2025-01".into(), Some(20644.0)), ("2025-02".into(), None)],
            }),
            Block::Definitions(vec![("Hastegrad".into(), "Akutt, haster eller vanlig.".into())]),
            Block::Note("Små tall er skjult (..).".into()),
        ],
    }
}

/// The text poppler extracts from `bytes`.
fn pdftotext(bytes: &[u8]) -> String {
    let dir = tempfile_dir();
    let path = dir.join("doc.pdf");
    std::fs::write(&path, bytes).expect("write the PDF");
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().expect("a UTF-8 path"), "-"])
        .output()
        .expect("pdftotext (Debian's poppler-utils; .ci/run installs it)");
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 text")
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "akutt-document-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

#[test]
fn the_text_is_extracted_again_with_its_letters() {
    let bytes = pdf(&document(3)).expect("a PDF");
    assert!(bytes.starts_with(b"%PDF-"));
    let text = pdftotext(&bytes);
    for expected in [
        "Årsrapport 2025",
        "Tromsø, Ålesund, Bodø",
        "Nøkkeltall",
        "Responstid måles",
        "Måned",
        "rad-002",
        "1002",
        "Hendelser per måned",
        "30 000",
        "Hastegrad",
        "Syntetiske data",
        "Dataversjon 42",
        "side 1 av 1",
    ] {
        assert!(text.contains(expected), "«{expected}» not in:\n{text}");
    }
}

#[test]
fn the_same_document_gives_the_same_bytes_and_another_date_other_bytes() {
    let a = pdf(&document(40)).expect("a PDF");
    let b = pdf(&document(40)).expect("a PDF");
    assert_eq!(a, b);
    let mut later = document(40);
    later.date = Date::parse("2026-03-01");
    assert_ne!(a, pdf(&later).expect("a PDF"));
}

#[test]
fn a_long_table_goes_on_over_pages_with_its_header_and_every_page_is_stamped() {
    let fonts = Fonts::load().expect("the fonts");
    let laid = lay_out(&document(200), &fonts);
    assert!(laid.pages.len() >= 3, "{} pages", laid.pages.len());
    let texts = |page: &[Op]| -> Vec<String> {
        page.iter()
            .filter_map(|op| match op {
                Op::Text { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    };
    let total = laid.pages.len();
    for (i, page) in laid.pages.iter().enumerate() {
        let t = texts(page);
        assert!(
            t.contains(&"Dataversjon 42 · Akutt".to_string())
                || t.iter().any(|s| s.contains("Dataversjon 42"))
        );
        assert!(t.contains(&format!("side {} av {total}", i + 1)), "page {i}: {t:?}");
        assert!(t.contains(&"Syntetiske data".to_string()), "banner on page {i}");
        // Every text is inside the page.
        for op in page {
            if let Op::Text { x, y, .. } = op {
                assert!(*x >= 0.0 && *x < 595.0 && *y > 0.0 && *y < 842.0, "{op:?}");
            }
        }
    }
    // The header repeats on the pages the table continues on.
    let with_header = laid.pages.iter().filter(|p| texts(p).contains(&"Måned".to_string())).count();
    assert!(with_header >= 3, "header on {with_header} pages");
    // Every row is there once.
    let all: Vec<String> = laid.pages.iter().flat_map(|p| texts(p)).collect();
    for i in 0..200 {
        assert_eq!(all.iter().filter(|s| **s == format!("rad-{i:03}")).count(), 1, "row {i}");
    }
    let text = pdftotext(&pdf(&document(200)).expect("a PDF"));
    assert!(text.contains("rad-199"), "{text}");
    assert!(text.contains(&format!("side {total} av {total}")), "{text}");
}

#[test]
fn a_wide_table_wraps_its_cells_within_the_page() {
    let fonts = Fonts::load().expect("the fonts");
    let long = "ord ".repeat(60);
    let d = Document {
        blocks: vec![Block::Table(Table {
            id: "wide".into(),
            header: vec!["A".into(), "B".into(), "C".into()],
            rows: vec![vec![long.clone(), long.clone(), "12".into()]],
        })],
        ..document(0)
    };
    let laid = lay_out(&d, &fonts);
    for op in &laid.pages[0] {
        if let Op::Text { x, text, size, bold, .. } = op {
            let right = x + fonts.width(text, *size, *bold);
            assert!(right <= 595.28 - 56.0 + 0.01, "{text:?} ends at {right}");
        }
    }
    let words: usize = laid.pages[0]
        .iter()
        .filter_map(|op| match op {
            Op::Text { text, .. } => Some(text.split_whitespace().filter(|w| *w == "ord").count()),
            _ => None,
        })
        .sum();
    assert_eq!(words, 120, "every word of both cells is printed once");
}

#[test]
fn wrapping_breaks_at_spaces_and_inside_a_word_too_long_for_the_line() {
    let fonts = Fonts::load().expect("the fonts");
    let w = fonts.width("aaaa", 10.0, false);
    assert_eq!(fonts.wrap("aaaa aaaa", 10.0, false, w * 1.5), vec!["aaaa", "aaaa"]);
    assert_eq!(fonts.wrap("aaaa aaaa", 10.0, false, w * 3.0), vec!["aaaa aaaa"]);
    assert_eq!(fonts.wrap("aaaaaaaa", 10.0, false, w * 1.1), vec!["aaaa", "aaaa"]);
    assert_eq!(fonts.wrap("", 10.0, false, w), vec![""]);
    assert!(fonts.width("WWW", 10.0, true) > fonts.width("iii", 10.0, true));
}

#[test]
fn the_layout_arithmetic() {
    assert_eq!(fit(&[10.0, 20.0], &[5.0, 5.0], 100.0), vec![10.0, 20.0]);
    // Too wide: the narrow column keeps its width, the wide ones share the rest.
    let f = fit(&[10.0, 300.0, 300.0], &[10.0, 40.0, 60.0], 200.0);
    assert_eq!(f[0], 10.0);
    assert!((f.iter().sum::<f32>() - 200.0).abs() < 0.01, "{f:?}");
    assert!(f[1] >= 40.0 && f[2] >= 60.0, "never below the widest word: {f:?}");
    assert!(is_number("20 644") && is_number("+3,5 %") && is_number("..") && is_number("12.5"));
    assert!(is_number("11.4 min") && is_number("12 / 12") && is_number("-0.4 %") && is_number(""));
    assert!(!is_number("endelig") && !is_number("KKN") && !is_number("-x"));
    assert_eq!(nice_step(4.0), 5.0);
    assert_eq!(nice_step(5161.0), 10000.0);
    assert_eq!(nice_step(0.0), 1.0);
    assert_eq!(number(20644.0, true), "20\u{a0}644");
    assert_eq!(number(1234567.0, false), "1,234,567");
    assert_eq!(number(999.0, false), "999");
}

#[test]
fn dates_are_read_from_a_release_timestamp() {
    let d = Date::parse("2026-02-01T09:30:05Z").expect("a date");
    assert_eq!((d.year, d.month, d.day, d.hour, d.minute, d.second), (2026, 2, 1, 9, 30, 5));
    assert_eq!(Date::parse("2026-02-01").map(|d| d.hour), Some(0));
    assert_eq!(Date::parse("2026-13-01"), None);
    assert_eq!(Date::parse("2026/02/01"), None);
    assert_eq!(Date::parse("x"), None);
}
