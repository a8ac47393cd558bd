//! Instrument definitions: the versioned data files in `instruments/`, their validation and scoring.
