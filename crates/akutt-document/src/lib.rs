//! A printable document (title, headings, paragraphs, tables, bar charts, definitions) and
//! its PDF: A4 pages with the fonts embedded, so the text is real text a reader can search,
//! copy and extract (`pdftotext`), charts drawn as vector paths beside their tables, a
//! stamp and page number on every page, an outline of the headings, and the same bytes
//! whenever the same document is written (no clock is read: the document's date is its own).
//!
//! The document is plain data, built by the caller (the server's reports, DOMAIN.md §12)
//! and written here; nothing in this crate knows the registry.

mod layout;
mod write;

/// A document to print.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The title (first page, and the PDF's metadata).
    pub title: String,
    /// A line under the title.
    pub subtitle: String,
    /// The language of the text, `nb` or `en` (numbers on the chart axes follow it).
    pub language: String,
    /// Printed at the foot of every page (for a report: the release and data version).
    pub stamp: String,
    /// Printed at the head of every page when set (for example: synthetic data).
    pub banner: Option<String>,
    /// The document's own date (for a report: its release's), the PDF's creation date.
    pub date: Option<Date>,
    pub blocks: Vec<Block>,
}

/// A date and time of day, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl Date {
    /// `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS` or `YYYY-MM-DD HH:MM:SS` (a trailing zone or
    /// fraction is ignored); `None` when it is not a valid date.
    pub fn parse(s: &str) -> Option<Date> {
        let n = |range: std::ops::Range<usize>| -> Option<u16> {
            let part = s.get(range)?;
            if part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        let small = |range| n(range).and_then(|v| u8::try_from(v).ok());
        let year = n(0..4)?;
        let (month, day) = (small(5..7)?, small(8..10)?);
        if s.get(4..5) != Some("-") || s.get(7..8) != Some("-") {
            return None;
        }
        let (hour, minute, second) = if s.len() >= 19 {
            (small(11..13)?, small(14..16)?, small(17..19)?)
        } else {
            (0, 0, 0)
        };
        let valid = (1..=12).contains(&month)
            && (1..=31).contains(&day)
            && hour < 24
            && minute < 60
            && second < 60;
        valid.then_some(Date { year, month, day, hour, minute, second })
    }
}

/// One part of a document, laid out in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A section heading (also an entry of the PDF's outline).
    Heading(String),
    Paragraph(String),
    /// Smaller, grey text: definitions beside figures, notes.
    Note(String),
    Table(Table),
    Chart(Chart),
    /// Terms and what they mean.
    Definitions(Vec<(String, String)>),
}

/// A table: a header row and rows of cells, as they are to be printed. Columns whose
/// cells are all numbers are right-aligned; a table wider than the page wraps its cells;
/// a table longer than the page repeats its header on the next.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// An identifier (the HTML rendering's `id`).
    pub id: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A bar chart of values by label (months, years), with a value axis; a missing value
/// (withheld or no data) has no bar and shows `..`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chart {
    pub title: String,
    /// The unit of the value axis.
    pub unit: String,
    pub bars: Vec<(String, Option<f64>)>,
}

/// Why a document could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("the embedded font {0} could not be read")]
    Font(&'static str),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

/// The document as a PDF.
pub fn pdf(document: &Document) -> Result<Vec<u8>, DocumentError> {
    let fonts = layout::Fonts::load()?;
    let laid = layout::lay_out(document, &fonts);
    write::write(document, &fonts, &laid)
}

#[cfg(test)]
mod tests;
