//! What the types that cross the app's IPC boundary look like in TypeScript.
//!
//! Most view types derive `specta::Type` next to `Serialize`. The few with a hand-written
//! `Serialize` (codes that travel as strings, a count cell that is a number or `"suppressed"`)
//! state their shape here, so the generated TypeScript says what the JSON really is.
//!
//! specta reads serde's attributes in order, and the last of `default` and
//! `skip_serializing_if` decides whether a field is optional in TypeScript. A field that is left
//! out of the JSON when empty is therefore written `#[serde(skip_serializing_if = "…", default)]`
//! (optional), never `#[serde(default, skip_serializing_if = "…")]` (which specta would type as
//! always present).

/// `T` travels as a JSON string (its `Display`/`FromStr` form).
macro_rules! as_string {
    ($($t:ty),* $(,)?) => {
        $(impl specta::Type for $t {
            fn inline(types: &mut specta::TypeCollection, generics: specta::Generics) -> specta::DataType {
                <String as specta::Type>::inline(types, generics)
            }
        })*
    };
}

as_string!(
    crate::export::YearMonth,
    crate::export::UnitCode,
    crate::export::Code,
    crate::export::InstrumentVersion,
    crate::export::Measure,
    crate::indicator::Indicator,
    crate::instrument::Condition,
    crate::instrument::AnswerKey,
);

/// The JSON shape of a published count cell: an exact count, or `"suppressed"`.
#[derive(specta::Type)]
#[serde(untagged)]
#[allow(dead_code)]
enum CellShape {
    Exact(u64),
    Suppressed(SuppressedTag),
}

#[derive(specta::Type)]
#[allow(dead_code)]
enum SuppressedTag {
    #[serde(rename = "suppressed")]
    Suppressed,
}

impl specta::Type for crate::export::Cell {
    fn inline(types: &mut specta::TypeCollection, generics: specta::Generics) -> specta::DataType {
        CellShape::inline(types, generics)
    }
}
