//! The document model: what a journal-ready document of one completed screening says, built
//! from the stored definition and answers alone. The PDF, the print view (the UI renders the
//! model as it is) and the content hash all come from this one structure.
//!
//! Only items that applied are included (the evaluation's visible items, in the
//! instrument's order); an answer kept for an item that was later hidden never appears.

use std::collections::BTreeMap;

use serde::Serialize;

use super::labels::Labels;
use crate::instrument::{AnswerKey, AnswerValue, Instrument, Item, ItemKind, Lang};
pub use crate::review::ReviewInfo;
use crate::review::ReviewStatus;
use crate::screening::ScreeningDoc;

/// A label and its value (a header line, one field of a list entry, a result line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Field {
    pub label: String,
    pub value: String,
}

impl Field {
    fn new(label: impl Into<String>, value: impl Into<String>) -> Field {
        Field {
            label: label.into(),
            value: value.into(),
        }
    }
}

/// How one item's answers are laid out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Body {
    /// An item asked once: its answer.
    Answer { value: String },
    /// An item asked per perspective and/or time frame: one row per perspective (or one
    /// row when there is none), one column per time frame (or one "Svar" column).
    Table {
        /// The header of the first column (perspective), then one per time frame.
        columns: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// A list item: its entries, each the filled-in fields in declared order.
    List {
        #[serde(rename = "entryLabel")]
        entry_label: String,
        entries: Vec<Vec<Field>>,
        /// Shown when there are no entries.
        empty: String,
    },
}

/// A note written on an item (or on one answer key of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Note {
    /// Empty for a note on the whole item; otherwise the perspective / time frame.
    pub on: String,
    pub text: String,
}

/// One item that applied, with its answers and notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Block {
    pub question: String,
    pub body: Body,
    pub notes: Vec<Note>,
}

/// A section that applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct DocSection {
    pub title: String,
    pub blocks: Vec<Block>,
}

/// An addendum with who and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct DocAddendum {
    pub by: String,
    pub at: String,
    pub text: String,
}

/// Who printed the document and when: the footer's "Utskrivet <time> av <user>".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Printed {
    /// Local time, `YYYY-MM-DD HH:MM`.
    pub at: String,
    pub by: String,
}

/// The whole document of one completed screening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DocumentModel {
    /// `sv` or `en`.
    pub lang: String,
    pub title: String,
    /// Instrument, unit, role, dates, case reference, author, review status.
    pub header: Vec<Field>,
    pub sections: Vec<DocSection>,
    /// Scores with bands, overrides with reason, outcome categories.
    pub results: Vec<Field>,
    pub addenda: Vec<DocAddendum>,
    /// Lowercase hex SHA-256 of the content (everything above; not the print line).
    pub sha256: String,
    pub printed: Printed,
    /// The fixed texts of the layout (headings, footer) in the document's language.
    pub texts: LayoutTexts,
}

/// Headings and footer words, so the PDF and the print view say the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LayoutTexts {
    pub results: String,
    pub addenda: String,
    pub note: String,
    /// "Sida {n} av {m}" with the placeholders.
    pub page_of: String,
    /// "Utskrivet {at} av {by}" with the placeholders.
    pub printed: String,
    pub sha256: String,
}

/// RFC 3339 UTC → local `YYYY-MM-DD HH:MM`; the text itself when it does not parse.
pub(crate) fn local_time(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_owned())
}

/// Builds the document of `doc`. `review` is its review; `printed` who prints it now.
pub fn build(
    doc: &ScreeningDoc,
    review: &ReviewInfo,
    printed: Printed,
    lang: Lang,
) -> DocumentModel {
    let l = Labels::of(lang);
    let def = &doc.definition;
    let answers: BTreeMap<AnswerKey, &AnswerValue> = doc
        .answers
        .iter()
        .filter_map(|(k, v)| k.parse::<AnswerKey>().ok().map(|k| (k, v)))
        .collect();

    let mut header = vec![
        Field::new(l.instrument, def.title.get(lang)),
        Field::new(
            l.version,
            format!(
                "{} {} (SHA-256 {})",
                doc.instrument_id, doc.instrument_version, doc.instrument_sha256
            ),
        ),
        Field::new(l.unit, format!("{} – {}", doc.unit_code, doc.unit_name)),
        Field::new(l.person_role, l.role(doc.person_role)),
        Field::new(
            l.conducted_on,
            doc.conducted_on.format("%Y-%m-%d").to_string(),
        ),
    ];
    if let Some(c) = doc.case_ref.as_deref().filter(|c| !c.trim().is_empty()) {
        header.push(Field::new(l.case_ref, c));
    }
    header.push(Field::new(l.conducted_by, &doc.author_name));
    if let Some(c) = &doc.completed_at {
        header.push(Field::new(l.completed_at, local_time(c)));
    }
    header.push(Field::new(l.review, review_line(&l, review)));

    let mut sections = Vec::new();
    for section in &def.sections {
        if !doc
            .evaluation
            .visible_sections
            .iter()
            .any(|s| s == &section.id)
        {
            continue;
        }
        let blocks: Vec<Block> = section
            .items
            .iter()
            .filter(|i| doc.evaluation.is_visible(&i.id))
            .map(|item| block(def, item, &answers, &doc.notes, lang, &l))
            .collect();
        if blocks.is_empty() {
            continue;
        }
        sections.push(DocSection {
            title: section.title.get(lang).to_owned(),
            blocks,
        });
    }

    let results = results(doc, lang, &l);
    let addenda = doc
        .addenda
        .iter()
        .map(|a| DocAddendum {
            by: a.author_name.clone(),
            at: local_time(&a.created_at),
            text: a.text.clone(),
        })
        .collect();

    let mut model = DocumentModel {
        lang: match lang {
            Lang::Sv => "sv".into(),
            Lang::En => "en".into(),
        },
        title: def.title.get(lang).to_owned(),
        header,
        sections,
        results,
        addenda,
        sha256: String::new(),
        printed,
        texts: LayoutTexts {
            results: l.results.into(),
            addenda: l.addenda.into(),
            note: l.note.into(),
            page_of: l.page_of.into(),
            printed: l.printed.into(),
            sha256: "SHA-256".into(),
        },
    };
    model.sha256 = content_hash(&model);
    model
}

/// SHA-256 over the content: title, header, sections, results and addenda as canonical
/// JSON. The print line and the layout words are not content.
fn content_hash(model: &DocumentModel) -> String {
    #[derive(Serialize, specta::Type)]
    struct Content<'a> {
        lang: &'a str,
        title: &'a str,
        header: &'a [Field],
        sections: &'a [DocSection],
        results: &'a [Field],
        addenda: &'a [DocAddendum],
    }
    let json = serde_json::to_vec(&Content {
        lang: &model.lang,
        title: &model.title,
        header: &model.header,
        sections: &model.sections,
        results: &model.results,
        addenda: &model.addenda,
    })
    .expect("the document model always serialises");
    crate::instrument::sha256_hex(&json)
}

fn review_line(l: &Labels, r: &ReviewInfo) -> String {
    let by_at = match (&r.by, &r.at) {
        (Some(by), Some(at)) => format!(" {} {by}, {}", l.by, local_time(at)),
        _ => String::new(),
    };
    match r.status {
        ReviewStatus::AwaitingReview => l.awaiting_review.to_owned(),
        ReviewStatus::Approved => format!("{}{by_at}", l.approved),
        ReviewStatus::Returned => match r.reason.as_deref() {
            Some(reason) => format!("{}{by_at}. {}: {reason}", l.returned, l.reason),
            None => format!("{}{by_at}", l.returned),
        },
    }
}

fn block(
    def: &Instrument,
    item: &Item,
    answers: &BTreeMap<AnswerKey, &AnswerValue>,
    notes: &BTreeMap<String, String>,
    lang: Lang,
    l: &Labels,
) -> Block {
    let keys = item.answer_keys();
    let body = if let ItemKind::Calendar { .. } = &item.kind {
        // The incident calendar: one entry per incident, oldest first.
        let entries = match answers.get(&keys[0]) {
            Some(AnswerValue::Calendar(c)) => {
                let mut incidents: Vec<_> = c.incidents.iter().collect();
                incidents.sort_by(|a, b| a.date.cmp(&b.date));
                incidents
                    .into_iter()
                    .map(|i| {
                        let mut fields = vec![
                            Field::new(l.date, i.date.clone()),
                            Field::new(l.severity, choice_label(item, &i.severity, lang)),
                        ];
                        if let Some(d) = i.description.as_ref().filter(|d| !d.trim().is_empty()) {
                            fields.push(Field::new(l.description, d.clone()));
                        }
                        fields
                    })
                    .collect()
            }
            Some(v) => vec![vec![Field::new("", value_text(item, Some(v), lang, l))]],
            None => Vec::new(),
        };
        Body::List {
            entry_label: l.incident.to_owned(),
            entries,
            empty: l.no_incidents.to_owned(),
        }
    } else if let ItemKind::List {
        fields,
        entry_label,
        ..
    } = &item.kind
    {
        let entries = match answers.get(&keys[0]) {
            Some(AnswerValue::Entries(entries)) => entries
                .iter()
                .map(|e| {
                    fields
                        .iter()
                        .flat_map(|f| {
                            if f.perspectives.is_empty() {
                                let v = e.get(&f.id).filter(|v| is_given(v));
                                return v
                                    .map(|v| {
                                        Field::new(
                                            f.text.get(lang),
                                            value_text(f, Some(v), lang, l),
                                        )
                                    })
                                    .into_iter()
                                    .collect::<Vec<_>>();
                            }
                            // A scale asked per perspective: one line per perspective
                            // answered, "<field> – <perspective>".
                            f.perspectives
                                .iter()
                                .filter_map(|p| {
                                    let v =
                                        e.get(&format!("{}@{p}", f.id)).filter(|v| is_given(v))?;
                                    let label = def
                                        .perspectives
                                        .iter()
                                        .find(|d| &d.id == p)
                                        .map_or(p.as_str(), |d| d.label.get(lang));
                                    Some(Field::new(
                                        format!("{} – {label}", f.text.get(lang)),
                                        value_text(f, Some(v), lang, l),
                                    ))
                                })
                                .collect()
                        })
                        .collect()
                })
                .collect(),
            Some(v) => vec![vec![Field::new("", value_text(item, Some(v), lang, l))]],
            None => Vec::new(),
        };
        Body::List {
            entry_label: entry_label
                .as_ref()
                .map(|t| t.get(lang).to_owned())
                .unwrap_or_else(|| l.entry.to_owned()),
            entries,
            empty: l.no_entries.to_owned(),
        }
    } else if item.perspectives.is_empty() && item.timeframes.is_empty() {
        Body::Answer {
            value: value_text(item, answers.get(&keys[0]).copied(), lang, l),
        }
    } else {
        let label_of = |ids: &[crate::instrument::Label], id: &str| -> String {
            ids.iter()
                .find(|p| p.id == id)
                .map(|p| p.label.get(lang).to_owned())
                .unwrap_or_else(|| id.to_owned())
        };
        let mut columns = vec![if item.perspectives.is_empty() {
            String::new()
        } else {
            l.perspective.to_owned()
        }];
        if item.timeframes.is_empty() {
            columns.push(l.answer.to_owned());
        } else {
            columns.extend(item.timeframes.iter().map(|t| label_of(&def.timeframes, t)));
        }
        let perspectives: Vec<Option<&String>> = if item.perspectives.is_empty() {
            vec![None]
        } else {
            item.perspectives.iter().map(Some).collect()
        };
        let timeframes: Vec<Option<&String>> = if item.timeframes.is_empty() {
            vec![None]
        } else {
            item.timeframes.iter().map(Some).collect()
        };
        let rows = perspectives
            .iter()
            .map(|p| {
                let mut row = vec![p
                    .map(|p| label_of(&def.perspectives, p))
                    .unwrap_or_default()];
                for t in &timeframes {
                    let key = AnswerKey {
                        item: item.id.clone(),
                        perspective: p.cloned(),
                        timeframe: t.cloned(),
                    };
                    row.push(value_text(item, answers.get(&key).copied(), lang, l));
                }
                row
            })
            .collect();
        Body::Table { columns, rows }
    };

    // Notes: on the item, then on each of its answer keys, in key order.
    let mut out_notes = Vec::new();
    if let Some(n) = notes.get(&item.id).filter(|n| !n.trim().is_empty()) {
        out_notes.push(Note {
            on: String::new(),
            text: n.clone(),
        });
    }
    for key in &keys {
        if key.perspective.is_none() && key.timeframe.is_none() {
            continue;
        }
        if let Some(n) = notes.get(&key.to_string()).filter(|n| !n.trim().is_empty()) {
            let on = [
                key.perspective
                    .as_ref()
                    .map(|p| label_of_label(&def.perspectives, p, lang)),
                key.timeframe
                    .as_ref()
                    .map(|t| label_of_label(&def.timeframes, t, lang)),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
            out_notes.push(Note {
                on,
                text: n.clone(),
            });
        }
    }
    Block {
        question: item.text.get(lang).to_owned(),
        body,
        notes: out_notes,
    }
}

fn label_of_label(labels: &[crate::instrument::Label], id: &str, lang: Lang) -> String {
    labels
        .iter()
        .find(|p| p.id == id)
        .map(|p| p.label.get(lang).to_owned())
        .unwrap_or_else(|| id.to_owned())
}

fn is_given(v: &AnswerValue) -> bool {
    match v {
        AnswerValue::Text(t) => !t.trim().is_empty(),
        _ => true,
    }
}

/// The answer to `item` as text: labels for choices, "Vill ej svara" for a declined answer,
/// "Inget svar" when nothing was given.
pub(crate) fn value_text(item: &Item, v: Option<&AnswerValue>, lang: Lang, l: &Labels) -> String {
    let label = |id: &str| choice_label(item, id, lang);
    match v {
        None => l.no_answer.to_owned(),
        Some(v) if !is_given(v) => l.no_answer.to_owned(),
        Some(AnswerValue::Declined) => l.declined.to_owned(),
        Some(AnswerValue::DontKnow) => l.dont_know.to_owned(),
        Some(AnswerValue::Calendar(c)) if c.incidents.is_empty() => l.no_incidents.to_owned(),
        Some(AnswerValue::Calendar(c)) => format!("{} {}", c.incidents.len(), l.incidents),
        Some(AnswerValue::YesNo(true)) => l.yes.to_owned(),
        Some(AnswerValue::YesNo(false)) => l.no.to_owned(),
        Some(AnswerValue::Choice(c)) => label(c),
        Some(AnswerValue::Choices(cs)) if cs.is_empty() => l.none_selected.to_owned(),
        Some(AnswerValue::Choices(cs)) => {
            cs.iter().map(|c| label(c)).collect::<Vec<_>>().join(", ")
        }
        Some(AnswerValue::Integer(n)) => with_unit(item, n.to_string(), lang),
        Some(AnswerValue::Number(n)) => with_unit(item, number_text(*n, lang), lang),
        Some(AnswerValue::Date(d)) => d.clone(),
        Some(AnswerValue::Text(t)) => t.clone(),
        Some(AnswerValue::Entries(es)) => format!("{} {}", es.len(), l.entries),
    }
}

/// The label of an option, level or severity (with its code on a rating: "2 – Måttlig").
fn choice_label(item: &Item, id: &str, lang: Lang) -> String {
    item.choices()
        .iter()
        .find(|c| c.id == id)
        .map(|c| match &c.code {
            Some(code) if matches!(item.kind, ItemKind::Rating { .. }) => {
                format!("{code} – {}", c.label.get(lang))
            }
            _ => c.label.get(lang).to_owned(),
        })
        .unwrap_or_else(|| id.to_owned())
}

fn number_text(n: f64, lang: Lang) -> String {
    let s = n.to_string();
    match lang {
        Lang::Sv => s.replace('.', ","),
        Lang::En => s,
    }
}

fn with_unit(item: &Item, n: String, lang: Lang) -> String {
    match &item.kind {
        ItemKind::Number {
            unit: Some(unit), ..
        } => format!("{n} {}", unit.get(lang)),
        ItemKind::Scale { min, max, .. } => format!("{n} ({min}–{max})"),
        _ => n,
    }
}

/// Scores with bands and overrides, then outcome categories.
fn results(doc: &ScreeningDoc, lang: Lang, l: &Labels) -> Vec<Field> {
    let def = &doc.definition;
    let mut out = Vec::new();
    for result in &doc.evaluation.scores {
        let Some(score) = def.score(&result.id) else {
            continue;
        };
        let band_label = |id: &str| -> String {
            score
                .bands
                .iter()
                .find(|b| b.id == id)
                .map(|b| b.label.get(lang).to_owned())
                .unwrap_or_else(|| id.to_owned())
        };
        let mut value = format!(
            "{} ({} {} {} {})",
            result.value, result.answered, l.of, result.total, l.answered
        );
        if let Some(b) = &result.computed_band {
            value.push_str(&format!(", {}: {}", l.band, band_label(b)));
        }
        out.push(Field::new(score.label.get(lang), value));
        if let Some(o) = &result.override_ {
            let mut v = format!("{}: {}", l.override_to, band_label(&o.to));
            if let Some(from) = &o.from {
                v.push_str(&format!(" ({}: {})", l.computed, band_label(from)));
            }
            if let Some(reason) = &o.reason {
                v.push_str(&format!(". {}: {reason}", l.reason));
            }
            out.push(Field::new(l.professional_judgement, v));
        }
    }
    for o in &doc.evaluation.outcomes {
        let Some(dim) = def.outcome(&o.dimension) else {
            continue;
        };
        out.push(Field::new(
            dim.label.get(lang),
            o.category
                .as_deref()
                .map(|c| category_label(def, dim, c, lang))
                .unwrap_or_else(|| l.no_outcome.to_owned()),
        ));
    }
    out
}

/// The label of an outcome category: declared, or the option of `from_item`, or the band
/// of `from_score`, or `yes`/`no`.
pub(crate) fn category_label(
    def: &Instrument,
    dim: &crate::instrument::Outcome,
    category: &str,
    lang: Lang,
) -> String {
    let l = Labels::of(lang);
    if let Some(c) = dim.categories.iter().find(|c| c.id == category) {
        return c.label.get(lang).to_owned();
    }
    if let Some(key) = &dim.from_item {
        if let Some(item) = def.item(&key.item) {
            if matches!(item.kind, ItemKind::YesNo) {
                return match category {
                    "yes" => l.yes.to_owned(),
                    "no" => l.no.to_owned(),
                    "declined" => l.declined.to_owned(),
                    other => other.to_owned(),
                };
            }
            if let Some(c) = item.choices().iter().find(|c| c.id == category) {
                return c.label.get(lang).to_owned();
            }
        }
    }
    if let Some(score) = dim.from_score.as_deref().and_then(|s| def.score(s)) {
        if let Some(b) = score.bands.iter().find(|b| b.id == category) {
            return b.label.get(lang).to_owned();
        }
    }
    category.to_owned()
}
