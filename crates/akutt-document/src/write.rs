//! Writes laid-out pages as a PDF with krilla: text in the embedded (subset) fonts, rules
//! and bars as vector paths, an outline of the headings, and metadata (title, language,
//! the document's own date; never the clock).

use krilla::color::rgb;
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};

use crate::layout::{Fonts, Laid, Op, Rgb, PAGE_HEIGHT, PAGE_WIDTH};
use crate::{Document, DocumentError};

fn paint(c: Rgb) -> krilla::paint::Paint {
    rgb::Color::new(c.0, c.1, c.2).into()
}

pub fn write(document: &Document, fonts: &Fonts, laid: &Laid) -> Result<Vec<u8>, DocumentError> {
    let regular =
        Font::new(fonts.regular.into(), 0).ok_or(DocumentError::Font("DejaVuSans.ttf"))?;
    let bold = Font::new(fonts.bold.into(), 0).ok_or(DocumentError::Font("DejaVuSans-Bold.ttf"))?;
    let mut pdf = krilla::Document::new();
    for ops in &laid.pages {
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
            .ok_or_else(|| DocumentError::Pdf("the page size".into()))?;
        let mut page = pdf.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text { x, y, size, bold: b, colour, text } => {
                    surface.set_stroke(None);
                    surface.set_fill(Some(Fill {
                        paint: paint(*colour),
                        opacity: NormalizedF32::ONE,
                        rule: Default::default(),
                    }));
                    let font = if *b { bold.clone() } else { regular.clone() };
                    surface.draw_text(
                        Point::from_xy(*x, *y),
                        font,
                        *size,
                        text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Rect { x, y, w, h, colour } => {
                    let Some(rect) = Rect::from_xywh(*x, *y, w.max(0.01), h.max(0.01)) else {
                        continue;
                    };
                    let mut path = PathBuilder::new();
                    path.push_rect(rect);
                    let Some(path) = path.finish() else { continue };
                    surface.set_stroke(None);
                    surface.set_fill(Some(Fill {
                        paint: paint(*colour),
                        opacity: NormalizedF32::ONE,
                        rule: Default::default(),
                    }));
                    surface.draw_path(&path);
                }
                Op::Line { x1, y1, x2, y2, width, colour } => {
                    let mut path = PathBuilder::new();
                    path.move_to(*x1, *y1);
                    path.line_to(*x2, *y2);
                    let Some(path) = path.finish() else { continue };
                    surface.set_fill(None);
                    surface.set_stroke(Some(Stroke {
                        paint: paint(*colour),
                        width: *width,
                        ..Stroke::default()
                    }));
                    surface.draw_path(&path);
                }
            }
        }
        surface.finish();
        page.finish();
    }
    let mut outline = Outline::new();
    for (heading, page, y) in &laid.outline {
        outline.push_child(OutlineNode::new(
            heading.clone(),
            XyzDestination::new(*page, Point::from_xy(0.0, *y)),
        ));
    }
    pdf.set_outline(outline);
    let mut metadata = Metadata::new()
        .title(document.title.clone())
        .language(document.language.clone())
        .creator("Akutt".to_string())
        .producer("Akutt (krilla)".to_string());
    if let Some(d) = document.date {
        metadata = metadata.creation_date(
            DateTime::new(d.year)
                .month(d.month)
                .day(d.day)
                .hour(d.hour)
                .minute(d.minute)
                .second(d.second)
                .utc_offset_hour(0)
                .utc_offset_minute(0),
        );
    }
    pdf.set_metadata(metadata);
    pdf.finish().map_err(|e| DocumentError::Pdf(format!("{e:?}")))
}
