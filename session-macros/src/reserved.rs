//! The names a generated accessor may not take.

/// What users call on every `Session<T>`: the public methods of the
/// runtime's `SessionState<T>` (reached through `Deref`), the constructors
/// the derive generates, and `Deref`'s own. An accessor with one of these
/// names would shadow them.
///
/// Kept equal to the runtime's real method list: the test
/// `tests/tests/reserved_names.rs` reads both and compares them.
pub(crate) const SESSION_METHODS: &[&str] = &[
    // Generated constructors.
    "new",
    "unseal",
    "load",
    // `SessionState<T>`.
    "changed_fields",
    "clear",
    "created_at_ms",
    "data",
    "delete_id",
    "destroy",
    "expires_at_ms",
    "id",
    "is_destroyed",
    "is_dirty",
    "is_empty",
    "is_new",
    "last_seen_ms",
    "len",
    "regenerate_id",
    "save",
    "seal",
    "update",
    // `Deref`, `DerefMut`.
    "deref",
    "deref_mut",
];
