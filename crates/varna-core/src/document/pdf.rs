//! Rendering the document model as PDF/A-2b with `krilla`, whose validator is on: a document
//! that would not conform is an error, never a file.
//!
//! Layout is done here in two passes: the model is laid out into pages of drawing
//! operations (text wrapped by the font's advance widths), then every page is drawn with its
//! footer ("Sida n av m" needs the number of pages). The fonts are DejaVu Sans (free licence,
//! covers Swedish), embedded in the binary and subset by krilla.

use std::collections::HashMap;

use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder, Validator};
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};
use skrifa::instance::{LocationRef, Size};
use skrifa::MetadataProvider;

use super::model::{Body, DocumentModel, Field};
use crate::error::{Error, Result};

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// A4 in points.
const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;
const TOP: f32 = 56.0;
/// The body ends here; the footer is below.
const BOTTOM: f32 = PAGE_H - 70.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;

const TITLE: f32 = 15.0;
const HEADING: f32 = 12.0;
const BODY: f32 = 9.5;
const FOOTER: f32 = 7.0;
const LABEL_W: f32 = 150.0;
const INDENT: f32 = 12.0;

fn leading(size: f32) -> f32 {
    size * 1.35
}

/// Advance widths of one font, cached per character.
struct Metrics {
    font: skrifa::FontRef<'static>,
    upem: f32,
    cache: HashMap<char, Option<f32>>,
}

impl Metrics {
    fn new(data: &'static [u8]) -> Metrics {
        let font = skrifa::FontRef::new(data).expect("the embedded font parses");
        let upem = font.head().map(|h| h.units_per_em()).unwrap_or(2048) as f32;
        Metrics {
            font,
            upem,
            cache: HashMap::new(),
        }
    }

    /// The advance of `c` in em, or `None` when the font has no glyph for it.
    fn advance(&mut self, c: char) -> Option<f32> {
        let (font, upem) = (&self.font, self.upem);
        *self.cache.entry(c).or_insert_with(|| {
            let gid = font.charmap().map(c)?;
            let adv = font
                .glyph_metrics(Size::unscaled(), LocationRef::default())
                .advance_width(gid)?;
            Some(adv / upem)
        })
    }

    fn width(&mut self, s: &str, size: f32) -> f32 {
        s.chars()
            .map(|c| self.advance(c).unwrap_or(0.5))
            .sum::<f32>()
            * size
    }
}

use skrifa::raw::TableProvider;

#[derive(Debug, Clone)]
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    Rule {
        x1: f32,
        x2: f32,
        y: f32,
    },
}

struct Layout {
    regular: Metrics,
    bold: Metrics,
    pages: Vec<Vec<Op>>,
    /// The top of the next line on the current page.
    y: f32,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            regular: Metrics::new(REGULAR),
            bold: Metrics::new(BOLD),
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    fn metrics(&mut self, bold: bool) -> &mut Metrics {
        if bold {
            &mut self.bold
        } else {
            &mut self.regular
        }
    }

    /// Characters the font cannot show become `?` (PDF/A forbids the .notdef glyph); control
    /// characters become spaces.
    fn clean(&mut self, s: &str, bold: bool) -> String {
        let m = self.metrics(bold);
        s.chars()
            .map(|c| {
                if c == '\n' {
                    c
                } else if c.is_control() {
                    ' '
                } else if m.advance(c).is_some() {
                    c
                } else {
                    '?'
                }
            })
            .collect()
    }

    /// `text` broken into lines no wider than `width`; explicit line breaks are kept.
    fn wrap(&mut self, text: &str, width: f32, size: f32, bold: bool) -> Vec<String> {
        let text = self.clean(text, bold);
        let m = self.metrics(bold);
        let space = m.width(" ", size);
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            let mut line_w = 0.0;
            for word in para.split(' ').filter(|w| !w.is_empty()) {
                let mut word = word.to_owned();
                let mut w = m.width(&word, size);
                // A word longer than the line is broken by characters.
                while w > width {
                    if !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                        line_w = 0.0;
                    }
                    let mut head = String::new();
                    let mut head_w = 0.0;
                    let mut rest = word.chars().peekable();
                    while let Some(&c) = rest.peek() {
                        let cw = m.width(c.encode_utf8(&mut [0; 4]), size);
                        if head_w + cw > width && !head.is_empty() {
                            break;
                        }
                        head.push(c);
                        head_w += cw;
                        rest.next();
                    }
                    lines.push(head);
                    word = rest.collect();
                    w = m.width(&word, size);
                }
                if word.is_empty() {
                    continue;
                }
                if line.is_empty() {
                    line = word;
                    line_w = w;
                } else if line_w + space + w <= width {
                    line.push(' ');
                    line.push_str(&word);
                    line_w += space + w;
                } else {
                    lines.push(std::mem::replace(&mut line, word));
                    line_w = w;
                }
            }
            lines.push(line);
        }
        lines
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Starts a new page unless `height` more fits on this one.
    fn ensure(&mut self, height: f32) {
        if self.y + height > BOTTOM && self.y > TOP {
            self.new_page();
        }
    }

    fn push(&mut self, op: Op) {
        self.pages.last_mut().expect("a page").push(op);
    }

    fn line(&mut self, x: f32, size: f32, bold: bool, text: String) {
        let lh = leading(size);
        self.ensure(lh);
        self.push(Op::Text {
            x,
            y: self.y + size,
            size,
            bold,
            text,
        });
        self.y += lh;
    }

    fn paragraph(&mut self, text: &str, x: f32, width: f32, size: f32, bold: bool) {
        for l in self.wrap(text, width, size, bold) {
            self.line(x, size, bold, l);
        }
    }

    fn gap(&mut self, h: f32) {
        self.y += h;
    }

    fn rule(&mut self, x1: f32, x2: f32) {
        let y = self.y;
        self.push(Op::Rule { x1, x2, y });
    }

    /// Label in a left column, value wrapped beside it.
    fn field(&mut self, f: &Field, x: f32) {
        let label_lines = self.wrap(&f.label, LABEL_W - 8.0, BODY, true);
        let lh = leading(BODY);
        if label_lines.len() > 1 {
            // A long label gets its own line(s), the value below it.
            let width = CONTENT_W - (x - MARGIN);
            self.ensure(2.0 * lh);
            self.paragraph(&f.label, x, width, BODY, true);
            self.paragraph(&f.value, x + INDENT, width - INDENT, BODY, false);
            return;
        }
        let value_lines = self.wrap(&f.value, CONTENT_W - (x - MARGIN) - LABEL_W, BODY, false);
        let n = label_lines.len().max(value_lines.len());
        // Keep short fields together; a long value may run over pages line by line.
        if n <= 6 {
            self.ensure(n as f32 * lh);
        }
        for i in 0..n {
            self.ensure(lh);
            if let Some(l) = label_lines.get(i) {
                self.push(Op::Text {
                    x,
                    y: self.y + BODY,
                    size: BODY,
                    bold: true,
                    text: l.clone(),
                });
            }
            if let Some(v) = value_lines.get(i) {
                self.push(Op::Text {
                    x: x + LABEL_W,
                    y: self.y + BODY,
                    size: BODY,
                    bold: false,
                    text: v.clone(),
                });
            }
            self.y += lh;
        }
    }

    fn heading(&mut self, text: &str) {
        // A heading is never the last thing on a page.
        self.ensure(leading(HEADING) + 3.0 * leading(BODY) + 10.0);
        self.gap(8.0);
        self.paragraph(text, MARGIN, CONTENT_W, HEADING, true);
        self.rule(MARGIN, MARGIN + CONTENT_W);
        self.gap(4.0);
    }

    /// A table: every cell wrapped in its column, rows kept whole, rules between rows.
    fn table(&mut self, columns: &[String], rows: &[Vec<String>], x: f32) {
        let width = CONTENT_W - (x - MARGIN);
        let n = columns.len().max(1);
        let first = if columns.first().is_some_and(|c| c.is_empty()) && n > 1 {
            // No perspectives: a narrow empty first column.
            0.0
        } else {
            (width / n as f32).min(130.0)
        };
        let rest = if n > 1 {
            (width - first) / (n - 1) as f32
        } else {
            width
        };
        let col_x = |i: usize| {
            if i == 0 {
                x
            } else {
                x + first + rest * (i - 1) as f32
            }
        };
        let col_w = |i: usize| if i == 0 { first } else { rest };
        let lh = leading(BODY);
        let draw_row = |layout: &mut Layout, cells: &[String], bold: bool| {
            let wrapped: Vec<Vec<String>> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if col_w(i) <= 0.0 || c.is_empty() {
                        Vec::new()
                    } else {
                        layout.wrap(c, col_w(i) - 6.0, BODY, bold)
                    }
                })
                .collect();
            let h = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * lh + 3.0;
            layout.ensure(h);
            for (i, lines) in wrapped.into_iter().enumerate() {
                for (j, l) in lines.into_iter().enumerate() {
                    layout.push(Op::Text {
                        x: col_x(i),
                        y: layout.y + BODY + j as f32 * lh,
                        size: BODY,
                        bold,
                        text: l,
                    });
                }
            }
            layout.y += h;
            layout.rule(x, x + width);
        };
        // The header row never ends a page alone.
        self.ensure(4.0 * lh + 6.0);
        draw_row(self, columns, true);
        for row in rows {
            draw_row(self, row, false);
        }
    }
}

/// Lays `model` out and renders it as a validated PDF/A-2b document.
pub fn render(model: &DocumentModel) -> Result<Vec<u8>> {
    let mut layout = Layout::new();

    layout.paragraph(&model.title, MARGIN, CONTENT_W, TITLE, true);
    layout.gap(6.0);
    for f in &model.header {
        layout.field(f, MARGIN);
    }

    for section in &model.sections {
        layout.heading(&section.title);
        for block in &section.blocks {
            layout.ensure(2.0 * leading(BODY) + 4.0);
            layout.gap(4.0);
            layout.paragraph(&block.question, MARGIN, CONTENT_W, BODY, true);
            match &block.body {
                Body::Answer { value } => {
                    layout.paragraph(value, MARGIN + INDENT, CONTENT_W - INDENT, BODY, false)
                }
                Body::Table { columns, rows } => layout.table(columns, rows, MARGIN + INDENT),
                Body::List {
                    entry_label,
                    entries,
                    empty,
                } => {
                    if entries.is_empty() {
                        layout.paragraph(empty, MARGIN + INDENT, CONTENT_W - INDENT, BODY, false);
                    }
                    for (n, entry) in entries.iter().enumerate() {
                        layout.paragraph(
                            &format!("{} {}", entry_label, n + 1),
                            MARGIN + INDENT,
                            CONTENT_W - INDENT,
                            BODY,
                            true,
                        );
                        for f in entry {
                            layout.paragraph(
                                &format!("• {}: {}", f.label, f.value),
                                MARGIN + 2.0 * INDENT,
                                CONTENT_W - 2.0 * INDENT,
                                BODY,
                                false,
                            );
                        }
                    }
                }
            }
            for note in &block.notes {
                let text = if note.on.is_empty() {
                    format!("{}: {}", model.texts.note, note.text)
                } else {
                    format!("{} ({}): {}", model.texts.note, note.on, note.text)
                };
                layout.paragraph(&text, MARGIN + INDENT, CONTENT_W - INDENT, BODY, false);
            }
        }
    }

    if !model.results.is_empty() {
        layout.heading(&model.texts.results);
        for f in &model.results {
            layout.field(f, MARGIN);
        }
    }
    if !model.addenda.is_empty() {
        layout.heading(&model.texts.addenda);
        for a in &model.addenda {
            layout.ensure(2.0 * leading(BODY));
            layout.paragraph(
                &format!("{}, {}", a.at, a.by),
                MARGIN,
                CONTENT_W,
                BODY,
                true,
            );
            layout.paragraph(&a.text, MARGIN + INDENT, CONTENT_W - INDENT, BODY, false);
            layout.gap(4.0);
        }
    }

    draw(model, layout)
}

fn krilla_error(e: krilla::error::KrillaError) -> Error {
    Error::Internal(format!("the PDF could not be made: {e:?}"))
}

fn draw(model: &DocumentModel, mut layout: Layout) -> Result<Vec<u8>> {
    let configuration = ConfigurationBuilder::new()
        .set_validator(Validator::A(Archival::A2_B))
        .finish()
        .map_err(|e| Error::Internal(format!("PDF/A configuration: {e:?}")))?;
    let settings = SerializeSettings {
        configuration,
        enable_tagging: false,
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);
    let regular = Font::new(REGULAR.into(), 0).expect("the embedded font loads");
    let bold = Font::new(BOLD.into(), 0).expect("the embedded font loads");

    let total = layout.pages.len();
    let printed = model
        .texts
        .printed
        .replace("{at}", &model.printed.at)
        .replace("{by}", &model.printed.by);
    let printed = layout.clean(&printed, false);
    let hash_line = format!("{}: {}", model.texts.sha256, model.sha256);
    let black = Fill {
        paint: rgb::Color::new(0, 0, 0).into(),
        ..Fill::default()
    };
    let grey = Stroke {
        paint: rgb::Color::new(150, 150, 150).into(),
        width: 0.5,
        ..Stroke::default()
    };

    let pages = std::mem::take(&mut layout.pages);
    for (n, ops) in pages.into_iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).expect("A4 is a valid page");
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        surface.set_fill(Some(black.clone()));
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    bold: b,
                    text,
                } => {
                    if text.is_empty() {
                        continue;
                    }
                    surface.draw_text(
                        Point::from_xy(x, y),
                        if b { bold.clone() } else { regular.clone() },
                        size,
                        &text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Rule { x1, x2, y } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(x1, y);
                    pb.line_to(x2, y);
                    if let Some(path) = pb.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(grey.clone()));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                        surface.set_fill(Some(black.clone()));
                    }
                }
            }
        }
        // Footer: the print line and the page number, then the content hash.
        let y1 = PAGE_H - 44.0;
        let page_of = model
            .texts
            .page_of
            .replace("{n}", &(n + 1).to_string())
            .replace("{m}", &total.to_string());
        let page_w = layout.regular.width(&page_of, FOOTER);
        surface.draw_text(
            Point::from_xy(MARGIN, y1),
            regular.clone(),
            FOOTER,
            &printed,
            false,
            TextDirection::Auto,
        );
        surface.draw_text(
            Point::from_xy(PAGE_W - MARGIN - page_w, y1),
            regular.clone(),
            FOOTER,
            &page_of,
            false,
            TextDirection::Auto,
        );
        surface.draw_text(
            Point::from_xy(MARGIN, y1 + leading(FOOTER)),
            regular.clone(),
            FOOTER,
            &hash_line,
            false,
            TextDirection::Auto,
        );
        surface.finish();
        page.finish();
    }

    let now = chrono::Utc::now();
    use chrono::{Datelike, Timelike};
    let date = DateTime::new(now.year() as u16)
        .month(now.month() as u8)
        .day(now.day() as u8)
        .hour(now.hour() as u8)
        .minute(now.minute() as u8)
        .second(now.second() as u8)
        .utc_offset_hour(0)
        .utc_offset_minute(0);
    document.set_metadata(
        Metadata::new()
            .title(model.title.clone())
            .language(model.lang.clone())
            .creator("Värna".into())
            .producer(format!("Värna {}", crate::VERSION))
            .creation_date(date),
    );
    document.finish().map_err(krilla_error)
}
