//! Examples for session-runtime: see the `[[example]]` entries.
