//! Journal-ready output of one completed screening: a PDF/A-2b document, the same document
//! for the system print dialog, and a short journal text for the case system's journal note.
//!
//! - [`model`] builds the document model from the stored definition and answers: only the
//!   items that applied, in the instrument's order (declined answers say so; perspectives
//!   and time frames as tables; list entries as lists), scores with bands, overrides with
//!   their reason, outcome categories, the review and the addenda; its SHA-256 over the
//!   content is printed in the footer of every page.
//! - [`pdf`] lays the model out and renders it with `krilla` as PDF/A-2b with krilla's
//!   validation on (DejaVu Sans embedded).
//! - [`journal`] writes the plain journal text.
//!
//! Access: only the screening's author, an arbetsledare of its unit or an administratör, and
//! only of a completed screening (`screening::access::check_output`). Every output writes one
//! access-log row in the same transaction as the output itself: `document_save` (the file is
//! created new inside the transaction, so a failed write logs nothing and a failed log
//! leaves no file), `document_print`, `journal_copy`.
//!
//! The core never writes a temporary file: the PDF is made in memory and written once, to
//! the path the user chose. It is plaintext by the user's choice (`docs/SECURITY.md`).

mod journal;
mod labels;
mod model;
mod pdf;

use std::path::Path;

use serde::Serialize;

pub use journal::journal_text;
pub use model::{
    build, Block, Body, DocAddendum, DocSection, DocumentModel, Field, LayoutTexts, Note, Printed,
    ReviewInfo,
};
pub use pdf::render as render_pdf;

use crate::audit::{self, Event, Obj};
use crate::db::Store;
use crate::error::Result;
use crate::instrument::Lang;

/// What [`Store::document_save_pdf`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SavedDocument {
    /// The document's content hash, as in its footer.
    pub sha256: String,
    pub bytes: u64,
}

/// The language of a document from the UI's language code (`en…` English, else Swedish).
pub fn lang_of(code: &str) -> Lang {
    if code.trim().to_ascii_lowercase().starts_with("en") {
        Lang::En
    } else {
        Lang::Sv
    }
}

impl Store {
    /// The document model of a completed screening the signed-in account may output, printed
    /// now by it. No log row: the caller logs the output.
    fn document_model(
        &self,
        id: &str,
        lang: Lang,
    ) -> Result<(crate::screening::ScreeningDoc, DocumentModel)> {
        let doc = self.screening_doc_for_output(id)?;
        let review = self.review_info(&doc)?;
        let printed = Printed {
            at: chrono::Local::now().format("%Y-%m-%d %H:%M").to_string(),
            by: self.actor().display_name.clone(),
        };
        let model = build(&doc, &review, printed, lang);
        Ok((doc, model))
    }

    /// Renders the PDF/A document of a completed screening and creates `path` with it (never
    /// over an existing file), logging `document_save` in the same transaction. Only the
    /// author, an arbetsledare of the unit or an administratör.
    pub fn document_save_pdf(
        &mut self,
        id: &str,
        lang: Lang,
        path: &Path,
    ) -> Result<SavedDocument> {
        let (doc, model) = self.document_model(id, lang)?;
        let pdf = render_pdf(&model)?;
        let me = self.actor().id.clone();
        let written = std::cell::Cell::new(false);
        let result = self.with_tx(|tx| {
            audit::record(
                tx,
                Some(&me),
                Event::DocumentSave,
                Obj::screening(&doc.id).detail("pdf"),
            )?;
            // Written inside the transaction: if the file cannot be created, nothing is
            // logged.
            crate::files::write_new(path, &pdf)?;
            written.set(true);
            Ok(())
        });
        if let Err(e) = result {
            // The log row did not commit: the complete file that no row names goes too
            // (never an existing file: `write_new` refuses those before writing).
            if written.get() {
                let _ = std::fs::remove_file(path);
            }
            return Err(e);
        }
        Ok(SavedDocument {
            sha256: model.sha256,
            bytes: pdf.len() as u64,
        })
    }

    /// The PDF/A document of a completed screening as bytes, for the CLI's archiving to
    /// standard output or a path it creates itself; logs `document_save` (detail `pdf`).
    pub fn document_pdf_bytes(&mut self, id: &str, lang: Lang) -> Result<(SavedDocument, Vec<u8>)> {
        let (doc, model) = self.document_model(id, lang)?;
        let pdf = render_pdf(&model)?;
        let me = self.actor().id.clone();
        self.with_tx(|tx| {
            audit::record(
                tx,
                Some(&me),
                Event::DocumentSave,
                Obj::screening(&doc.id).detail("pdf"),
            )
        })?;
        Ok((
            SavedDocument {
                sha256: model.sha256,
                bytes: pdf.len() as u64,
            },
            pdf,
        ))
    }

    /// The document model of a completed screening for the print view (the UI shows it and
    /// opens the system print dialog; no file is written). Logs `document_print`.
    pub fn document_print(&mut self, id: &str, lang: Lang) -> Result<DocumentModel> {
        let (doc, model) = self.document_model(id, lang)?;
        let me = self.actor().id.clone();
        self.with_tx(|tx| {
            audit::record(
                tx,
                Some(&me),
                Event::DocumentPrint,
                Obj::screening(&doc.id).detail("print"),
            )
        })?;
        Ok(model)
    }

    /// The journal text of a completed screening, for the clipboard. Logs `journal_copy`.
    pub fn journal_copy(&mut self, id: &str, lang: Lang) -> Result<String> {
        let (doc, model) = self.document_model(id, lang)?;
        let text = journal_text(&doc, &model, lang);
        let me = self.actor().id.clone();
        self.with_tx(|tx| {
            audit::record(
                tx,
                Some(&me),
                Event::JournalCopy,
                Obj::screening(&doc.id).detail("journal_text"),
            )
        })?;
        Ok(text)
    }
}
