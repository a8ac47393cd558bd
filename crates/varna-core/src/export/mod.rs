//! The aggregate-only export: count rows, small-cell suppression, signed files, verify and merge.
