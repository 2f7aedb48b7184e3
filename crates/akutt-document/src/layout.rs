//! Lays a document out on A4 pages: lines wrapped at measured widths, tables with fitted
//! columns and repeated headers, charts with their axes, a banner and a footer on every page.
//! The result is a list of drawing operations per page, written by `write`.

// Page geometry in points: bar heights, label counts and slot numbers are small, positive
// and far inside every type's range.
#![allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]

use crate::{Block, Chart, Document, DocumentError, Table};

/// A4 in points.
pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;
const LEFT: f32 = 56.0;
const RIGHT: f32 = PAGE_WIDTH - 56.0;
const TOP: f32 = 64.0;
const BOTTOM: f32 = PAGE_HEIGHT - 64.0;

/// What a chart takes: its title, value axis, plot and labels.
const CHART_HEIGHT: f32 = 10.0 * 1.35 + 140.0 + 40.0;

pub const BLACK: Rgb = Rgb(27, 27, 27);
const GREY: Rgb = Rgb(85, 85, 85);
const RULE: Rgb = Rgb(187, 187, 187);
const HEADER_FILL: Rgb = Rgb(238, 238, 238);
const BANNER_FILL: Rgb = Rgb(255, 224, 138);
const BAR: Rgb = Rgb(31, 95, 160);

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// The embedded fonts, and their shaping faces for measuring.
pub struct Fonts {
    pub regular: &'static [u8],
    pub bold: &'static [u8],
    regular_face: rustybuzz::Face<'static>,
    bold_face: rustybuzz::Face<'static>,
}

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

impl Fonts {
    pub fn load() -> Result<Fonts, DocumentError> {
        let face =
            |data, name| rustybuzz::Face::from_slice(data, 0).ok_or(DocumentError::Font(name));
        Ok(Fonts {
            regular: REGULAR,
            bold: BOLD,
            regular_face: face(REGULAR, "DejaVuSans.ttf")?,
            bold_face: face(BOLD, "DejaVuSans-Bold.ttf")?,
        })
    }

    /// The width of `text` at `size` points, shaped as krilla shapes it.
    pub fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        let face = if bold { &self.bold_face } else { &self.regular_face };
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let shaped = rustybuzz::shape(face, &[], buffer);
        let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
        units as f32 / face.units_per_em() as f32 * size
    }

    /// `text` broken into lines no wider than `width` (at spaces; a word wider than the
    /// line is broken between characters). Never empty.
    pub fn wrap(&self, text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate =
                if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if self.width(&candidate, size, bold) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if self.width(word, size, bold) <= width {
                line = word.to_string();
                continue;
            }
            for c in word.chars() {
                let mut next = line.clone();
                next.push(c);
                if !line.is_empty() && self.width(&next, size, bold) > width {
                    lines.push(std::mem::take(&mut line));
                    line.push(c);
                } else {
                    line = next;
                }
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }
}

/// One drawing operation; `y` grows down the page, text is placed by its baseline.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Text { x: f32, y: f32, size: f32, bold: bool, colour: Rgb, text: String },
    Rect { x: f32, y: f32, w: f32, h: f32, colour: Rgb },
    Line { x1: f32, y1: f32, x2: f32, y2: f32, width: f32, colour: Rgb },
}

/// The pages, and the headings with where they start (page index, y).
pub struct Laid {
    pub pages: Vec<Vec<Op>>,
    pub outline: Vec<(String, usize, f32)>,
}

struct Layout<'a> {
    fonts: &'a Fonts,
    banner: Option<&'a str>,
    pages: Vec<Vec<Op>>,
    outline: Vec<(String, usize, f32)>,
    y: f32,
    comma: bool,
}

pub fn lay_out(document: &Document, fonts: &Fonts) -> Laid {
    let mut l = Layout {
        fonts,
        banner: document.banner.as_deref(),
        pages: Vec::new(),
        outline: Vec::new(),
        y: TOP,
        comma: document.language != "en",
    };
    l.new_page();
    l.lines(&document.title, 20.0, true, BLACK, 0.0);
    l.outline.push((document.title.clone(), 0, TOP));
    if !document.subtitle.is_empty() {
        l.lines(&document.subtitle, 13.0, false, BLACK, 0.0);
    }
    l.y += 6.0;
    for (i, block) in document.blocks.iter().enumerate() {
        match block {
            Block::Heading(h) => {
                // Keep a heading with the start of what follows it (a chart whole).
                let next = match document.blocks.get(i + 1) {
                    Some(Block::Chart(_)) => CHART_HEIGHT,
                    _ => 60.0,
                };
                l.room(14.0 * 1.35 + 12.0 + next);
                l.y += 10.0;
                l.outline.push((h.clone(), l.pages.len() - 1, l.y));
                l.lines(h, 14.0, true, BLACK, 0.0);
                l.y += 2.0;
            }
            Block::Paragraph(p) => {
                l.lines(p, 10.0, false, BLACK, 0.0);
                l.y += 4.0;
            }
            Block::Note(p) => {
                l.lines(p, 8.5, false, GREY, 0.0);
                l.y += 4.0;
            }
            Block::Table(t) => l.table(t),
            Block::Chart(c) => l.chart(c),
            Block::Definitions(terms) => {
                for (term, meaning) in terms {
                    l.room(9.5 * 1.35 * 2.0);
                    l.lines(term, 9.5, true, BLACK, 0.0);
                    l.lines(meaning, 9.0, false, BLACK, 12.0);
                    l.y += 3.0;
                }
            }
        }
    }
    // The footer: the stamp and the page number.
    let total = l.pages.len();
    for (i, page) in l.pages.iter_mut().enumerate() {
        let y = PAGE_HEIGHT - 34.0;
        page.push(Op::Line {
            x1: LEFT,
            y1: y - 10.0,
            x2: RIGHT,
            y2: y - 10.0,
            width: 0.5,
            colour: RULE,
        });
        let number = if document.language == "en" {
            format!("page {} of {total}", i + 1)
        } else {
            format!("side {} av {total}", i + 1)
        };
        let number_width = fonts.width(&number, 7.5, false);
        let stamp = fonts.wrap(&document.stamp, 7.5, false, RIGHT - LEFT - number_width - 12.0);
        for (k, line) in stamp.iter().enumerate() {
            page.push(text(LEFT, y + k as f32 * 9.0, 7.5, false, GREY, line));
        }
        page.push(text(RIGHT - number_width, y, 7.5, false, GREY, &number));
    }
    Laid { pages: l.pages, outline: l.outline }
}

fn text(x: f32, y: f32, size: f32, bold: bool, colour: Rgb, s: &str) -> Op {
    Op::Text { x, y, size, bold, colour, text: s.to_string() }
}

impl Layout<'_> {
    fn page(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("lay_out starts a page first")
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
        if let Some(banner) = self.banner {
            let lines = self.fonts.wrap(banner, 9.0, true, RIGHT - LEFT - 12.0);
            let h = lines.len() as f32 * 12.0 + 8.0;
            let top = TOP - 12.0 - h;
            self.page().push(Op::Rect { x: LEFT, y: top, w: RIGHT - LEFT, h, colour: BANNER_FILL });
            for (k, line) in lines.iter().enumerate() {
                let op =
                    text(LEFT + 6.0, top + 4.0 + 9.0 + k as f32 * 12.0, 9.0, true, BLACK, line);
                self.page().push(op);
            }
        }
    }

    /// Starts a new page unless `h` points fit on this one.
    fn room(&mut self, h: f32) {
        if self.y + h > BOTTOM {
            self.new_page();
        }
    }

    /// Wrapped lines of text across the page, `indent` from the left margin.
    fn lines(&mut self, s: &str, size: f32, bold: bool, colour: Rgb, indent: f32) {
        let lh = size * 1.35;
        for line in self.fonts.wrap(s, size, bold, RIGHT - LEFT - indent) {
            self.room(lh);
            let op = text(LEFT + indent, self.y + size, size, bold, colour, &line);
            self.page().push(op);
            self.y += lh;
        }
    }

    fn table(&mut self, t: &Table) {
        const SIZE: f32 = 8.5;
        const PAD: f32 = 3.0;
        let lh = SIZE * 1.3;
        let columns = t.rows.iter().map(Vec::len).chain([t.header.len()]).max().unwrap_or(0);
        if columns == 0 {
            return;
        }
        let cell = |row: &[String], i: usize| row.get(i).map_or("", String::as_str).to_string();
        let natural: Vec<f32> = (0..columns)
            .map(|i| {
                let header = self.fonts.width(&cell(&t.header, i), SIZE, true);
                let body = t.rows.iter().map(|r| self.fonts.width(&cell(r, i), SIZE, false));
                body.fold(header, f32::max) + 2.0 * PAD
            })
            .collect();
        let numeric: Vec<bool> = (0..columns)
            .map(|i| {
                i > 0
                    && t.rows.iter().any(|r| !cell(r, i).is_empty())
                    && t.rows.iter().all(|r| is_number(&cell(r, i)))
            })
            .collect();
        // At least the widest word of each cell; a number (with its unit) is never broken.
        let least: Vec<f32> = (0..columns)
            .map(|i| {
                let widest = |text: &str, bold: bool| {
                    if !bold && numeric[i] {
                        return self.fonts.width(text, SIZE, bold);
                    }
                    text.split_whitespace()
                        .map(|w| self.fonts.width(w, SIZE, bold))
                        .fold(0.0, f32::max)
                };
                let body = t.rows.iter().map(|r| widest(&cell(r, i), false));
                body.fold(widest(&cell(&t.header, i), true), f32::max) + 2.0 * PAD
            })
            .collect();
        let widths = fit(&natural, &least, RIGHT - LEFT);
        let wrap_row = |row: &[String], bold: bool| -> Vec<Vec<String>> {
            (0..columns)
                .map(|i| self.fonts.wrap(&cell(row, i), SIZE, bold, widths[i] - 2.0 * PAD))
                .collect()
        };
        let height = |cells: &[Vec<String>]| {
            cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * PAD
        };
        let header = wrap_row(&t.header, true);
        let header_h = height(&header);
        let first_h = t.rows.first().map_or(0.0, |r| height(&wrap_row(r, false)));
        self.room(header_h + first_h);
        self.row(&header, &widths, &numeric, true, header_h);
        for r in &t.rows {
            let cells = wrap_row(r, false);
            let h = height(&cells);
            if self.y + h > BOTTOM {
                self.new_page();
                self.row(&header, &widths, &numeric, true, header_h);
            }
            self.row(&cells, &widths, &numeric, false, h);
        }
        self.y += 8.0;
    }

    fn row(
        &mut self,
        cells: &[Vec<String>],
        widths: &[f32],
        numeric: &[bool],
        header: bool,
        h: f32,
    ) {
        const SIZE: f32 = 8.5;
        const PAD: f32 = 3.0;
        let lh = SIZE * 1.3;
        let total: f32 = widths.iter().sum();
        let top = self.y;
        if header {
            self.page().push(Op::Rect { x: LEFT, y: top, w: total, h, colour: HEADER_FILL });
        }
        let mut x = LEFT;
        for (i, lines) in cells.iter().enumerate() {
            for (k, line) in lines.iter().enumerate() {
                let w = self.fonts.width(line, SIZE, header);
                let at = if numeric[i] { x + widths[i] - PAD - w } else { x + PAD };
                let op = text(at, top + PAD + SIZE + k as f32 * lh, SIZE, header, BLACK, line);
                self.page().push(op);
            }
            x += widths[i];
        }
        let (width, colour) = if header { (0.8, GREY) } else { (0.4, RULE) };
        self.page().push(Op::Line {
            x1: LEFT,
            y1: top + h,
            x2: LEFT + total,
            y2: top + h,
            width,
            colour,
        });
        self.y += h;
    }

    fn chart(&mut self, c: &Chart) {
        const PLOT_H: f32 = 140.0;
        const SIZE: f32 = 7.5;
        self.room(CHART_HEIGHT);
        self.lines(&c.title, 10.0, true, BLACK, 0.0);
        let max = c.bars.iter().filter_map(|b| b.1).fold(0.0_f64, f64::max);
        let step = nice_step(max / 4.0);
        let top_value = (max / step).ceil().max(1.0) * step;
        let labels: Vec<String> = (0..=((top_value / step).round() as u32))
            .map(|k| number(f64::from(k) * step, self.comma))
            .collect();
        let axis_w =
            labels.iter().map(|s| self.fonts.width(s, SIZE, false)).fold(0.0, f32::max) + 6.0;
        let x0 = LEFT + axis_w;
        let y0 = self.y + 18.0;
        let base = y0 + PLOT_H;
        let unit = c.unit.clone();
        self.page().push(text(LEFT, y0 - 10.0, SIZE, false, GREY, &unit));
        for (k, label) in labels.iter().enumerate() {
            let y = base - (k as f32) * (PLOT_H * (step / top_value) as f32);
            let w = self.fonts.width(label, SIZE, false);
            self.page().push(Op::Line {
                x1: x0,
                y1: y,
                x2: RIGHT,
                y2: y,
                width: 0.3,
                colour: RULE,
            });
            self.page().push(text(x0 - 4.0 - w, y + SIZE / 3.0, SIZE, false, GREY, label));
        }
        let n = c.bars.len().max(1) as f32;
        let slot = (RIGHT - x0) / n;
        let widest = c.bars.iter().map(|b| self.fonts.width(&b.0, SIZE, false)).fold(0.0, f32::max);
        let every = ((widest + 4.0) / slot).ceil().max(1.0) as usize;
        for (i, (label, value)) in c.bars.iter().enumerate() {
            let x = x0 + i as f32 * slot;
            match value {
                Some(v) => {
                    let h = (*v / top_value) as f32 * PLOT_H;
                    let op =
                        Op::Rect { x: x + slot * 0.15, y: base - h, w: slot * 0.7, h, colour: BAR };
                    self.page().push(op);
                }
                None => {
                    let w = self.fonts.width("..", SIZE, false);
                    self.page().push(text(
                        x + (slot - w) / 2.0,
                        base - 2.0,
                        SIZE,
                        false,
                        GREY,
                        "..",
                    ));
                }
            }
            if i % every == 0 {
                let w = self.fonts.width(label, SIZE, false);
                self.page().push(text(x + (slot - w) / 2.0, base + 10.0, SIZE, false, GREY, label));
            }
        }
        self.page().push(Op::Line {
            x1: x0,
            y1: base,
            x2: RIGHT,
            y2: base,
            width: 0.8,
            colour: GREY,
        });
        self.y = base + 22.0;
    }
}

/// Column widths: the natural ones when they fit; else every column keeps at least its
/// widest word (`least`) and the columns share what is left in proportion to the rest of
/// their natural width (their cells wrap at spaces).
pub(crate) fn fit(natural: &[f32], least: &[f32], available: f32) -> Vec<f32> {
    let sum: f32 = natural.iter().sum();
    if sum <= available {
        return natural.to_vec();
    }
    let floor: Vec<f32> = natural.iter().zip(least).map(|(n, l)| l.min(*n)).collect();
    let floor_sum: f32 = floor.iter().sum();
    let extra: f32 = natural.iter().zip(&floor).map(|(n, f)| n - f).sum();
    let spare = (available - floor_sum).max(0.0);
    natural
        .iter()
        .zip(&floor)
        .map(|(n, f)| if extra > 0.0 { f + (n - f) / extra * spare } else { *f })
        .collect()
}

/// A cell that holds a number (with or without its unit: `11.4 min`, `+3.5 %`, `12 / 12`)
/// or a symbol for a missing one.
pub(crate) fn is_number(s: &str) -> bool {
    let s = s.trim();
    let mut chars = s.chars();
    let first = chars.next();
    let starts_with_digit = match first {
        None => return true,
        Some(c) if c.is_ascii_digit() => true,
        Some('+' | '-' | '−') => chars.next().is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    };
    matches!(s, ".." | ":" | "–" | "-") || starts_with_digit
}

/// 1, 2 or 5 × 10ⁿ at or above `x` (a step of the value axis).
pub(crate) fn nice_step(x: f64) -> f64 {
    if x <= 0.0 || !x.is_finite() {
        return 1.0;
    }
    let power = 10f64.powi(x.log10().floor() as i32);
    let m = x / power;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    (nice * power).max(1.0)
}

/// An axis label: whole numbers with thousands grouped (a no-break space in bokmål, a
/// comma in English).
pub(crate) fn number(v: f64, comma: bool) -> String {
    let n = v.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(if comma { '\u{a0}' } else { ',' });
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '−');
    }
    out
}
