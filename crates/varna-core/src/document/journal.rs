//! The journal text: a short plain-text summary of a completed screening for the journal note
//! in the municipality's case system (instrument, date, outcome, scores and bands, override
//! and reason, judgements, review status, the document's hash).

use super::labels::Labels;
use super::model::{value_text, DocumentModel};
use crate::instrument::{AnswerKey, Kind, Lang};
use crate::screening::ScreeningDoc;

/// The journal text of `doc`, whose document is `model` (its results, review line and hash
/// are reused so that the text and the PDF say the same).
pub fn journal_text(doc: &ScreeningDoc, model: &DocumentModel, lang: Lang) -> String {
    let l = Labels::of(lang);
    let def = &doc.definition;
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(format!(
        "{}: {} ({} {})",
        l.journal_heading,
        def.title.get(lang),
        doc.instrument_id,
        doc.instrument_version
    ));
    line(format!(
        "{}: {}",
        l.conducted_on,
        doc.conducted_on.format("%Y-%m-%d")
    ));
    line(format!(
        "{}: {}, {} {}",
        l.conducted_by, doc.author_name, doc.unit_code, doc.unit_name
    ));
    line(format!("{}: {}", l.person_role, l.role(doc.person_role)));
    if !model.results.is_empty() {
        line(format!("{}:", l.results));
        for f in &model.results {
            line(format!("- {}: {}", f.label, f.value));
        }
    }
    // Structured professional judgements: the visible items of every section that holds an
    // outcome's judgement item, with their rationale.
    if def.kind == Kind::Judgement {
        let judged: Vec<&AnswerKey> = def
            .outcomes
            .iter()
            .filter_map(|o| o.from_item.as_ref())
            .collect();
        let answers: std::collections::BTreeMap<AnswerKey, &crate::instrument::AnswerValue> = doc
            .answers
            .iter()
            .filter_map(|(k, v)| k.parse::<AnswerKey>().ok().map(|k| (k, v)))
            .collect();
        let mut lines = Vec::new();
        for section in &def.sections {
            if !section
                .items
                .iter()
                .any(|i| judged.iter().any(|k| k.item == i.id))
            {
                continue;
            }
            for item in section
                .items
                .iter()
                .filter(|i| doc.evaluation.is_visible(&i.id))
            {
                let key = AnswerKey::item(item.id.clone());
                let v = value_text(item, answers.get(&key).copied(), lang, &l);
                lines.push(format!("- {}: {}", item.text.get(lang), v));
            }
        }
        if !lines.is_empty() {
            line(format!("{}:", l.judgements));
            for s in lines {
                line(s);
            }
        }
    }
    if let Some(review) = model.header.iter().find(|f| f.label == l.review) {
        line(format!("{}: {}", l.review, review.value));
    }
    if !doc.addenda.is_empty() {
        line(format!("{}: {}", l.addenda_count, doc.addenda.len()));
    }
    line(format!("{} SHA-256: {}", l.document, model.sha256));
    out
}
