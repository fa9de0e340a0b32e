//! [`Passwords`]: the secret that seals and the ones that unseal, by id,
//! with iron's password rules.

use std::collections::HashMap;
use std::fmt;

use zeroize::Zeroizing;

use super::{IronError, MIN_PASSWORD_LEN};

/// A password secret. Its [`Debug`](fmt::Debug) output is redacted; it is
/// wiped when dropped.
#[derive(Clone)]
pub(super) struct Secret(Zeroizing<Box<str>>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    fn new(secret: String) -> Result<Self, IronError> {
        // Copied into a box of the exact size, then the given string is wiped
        // (`into_boxed_str` could reallocate and leave the old buffer as it was).
        let secret = Zeroizing::new(secret);
        check_password(&secret)?;
        Ok(Self(Zeroizing::new(Box::from(secret.as_str()))))
    }

    pub(super) fn bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// Checks iron's password rules: non-empty and at least [`MIN_PASSWORD_LEN`] UTF-16 units
/// (JavaScript's `String.length`: `"😀".repeat(16)` is long enough).
pub(crate) fn check_password(secret: &str) -> Result<(), IronError> {
    if secret.is_empty() {
        return Err(IronError::EmptyPassword);
    }
    let len = secret.encode_utf16().count();
    if len < MIN_PASSWORD_LEN {
        return Err(IronError::PasswordTooShort {
            min: MIN_PASSWORD_LEN,
            len,
        });
    }
    Ok(())
}

/// Checks iron's password id rule: empty (no id) or `^\w+$` (ASCII letters, digits, `_`).
fn check_password_id(id: &str) -> Result<(), IronError> {
    if id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Ok(())
    } else {
        Err(IronError::InvalidPasswordId(id.to_owned()))
    }
}

/// The id under which iron looks a ticket's password up: the ticket's id, or `default`.
fn lookup_id(id: &str) -> &str {
    if id.is_empty() { "default" } else { id }
}

/// The passwords of a codec: one that seals, and the ones that unseal.
///
/// * [`Passwords::single`] behaves like h3's plain string password: seals carry no id, and
///   unsealing uses the one secret whatever id a seal carries.
/// * [`Passwords::rotating`] behaves like iron's `{id, secret}` for sealing plus an
///   `{[id]: secret}` map for unsealing: seals carry the current id in field 1, and a seal
///   is opened with the secret registered under its id (an empty id is looked up as
///   `default`). Add retired secrets with [`Passwords::with_previous`].
///
/// ```
/// use session_runtime::h3::iron::{IronCodec, IronParams, Passwords};
///
/// let old = Passwords::rotating("1", "the first password, thirty-two chars+")?;
/// let new = Passwords::rotating("2", "the second password, thirty-two chars")?
///     .with_previous("1", "the first password, thirty-two chars+")?;
///
/// let now = 1_700_000_000_000;
/// let sealed = IronCodec::new(old, IronParams::H3_V1)?.seal("{}", now)?;
/// assert!(sealed.starts_with("Fe26.2*1*"));
/// let opened = IronCodec::new(new, IronParams::H3_V1)?.unseal(&sealed, now)?;
/// assert_eq!(opened.password_id, "1");
/// # Ok::<(), session_runtime::h3::iron::IronError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Passwords {
    /// The id written into new seals (`""` for none).
    current_id: String,
    /// Slot 0 is the sealing secret; the others only unseal.
    pub(super) secrets: Vec<Secret>,
    /// Lookup id (`default` for the empty id) to slot.
    by_id: HashMap<String, usize>,
    /// Whether the ticket's id is ignored (h3 string-password behaviour).
    any_id: bool,
}

impl Passwords {
    /// One secret that seals without an id and unseals every seal, whatever its id.
    ///
    /// # Errors
    /// [`IronError::EmptyPassword`] or [`IronError::PasswordTooShort`].
    pub fn single(secret: impl Into<String>) -> Result<Self, IronError> {
        Ok(Self {
            current_id: String::new(),
            secrets: vec![Secret::new(secret.into())?],
            by_id: HashMap::new(),
            any_id: true,
        })
    }

    /// A sealing secret identified by `id` (written into field 1 of every seal; `""` writes
    /// no id and registers the secret as `default`).
    ///
    /// # Errors
    /// [`IronError::InvalidPasswordId`], [`IronError::EmptyPassword`] or
    /// [`IronError::PasswordTooShort`].
    pub fn rotating(id: impl Into<String>, secret: impl Into<String>) -> Result<Self, IronError> {
        let id = id.into();
        check_password_id(&id)?;
        let secret = Secret::new(secret.into())?;
        let mut by_id = HashMap::new();
        by_id.insert(lookup_id(&id).to_owned(), 0);
        Ok(Self {
            current_id: id,
            secrets: vec![secret],
            by_id,
            any_id: false,
        })
    }

    /// Adds a secret that only unseals, registered under `id` (`""` registers `default`).
    ///
    /// # Errors
    /// [`IronError::InvalidPasswordId`], [`IronError::DuplicatePasswordId`],
    /// [`IronError::EmptyPassword`] or [`IronError::PasswordTooShort`].
    pub fn with_previous(
        mut self,
        id: impl Into<String>,
        secret: impl Into<String>,
    ) -> Result<Self, IronError> {
        let id = id.into();
        check_password_id(&id)?;
        let secret = Secret::new(secret.into())?;
        let key = lookup_id(&id).to_owned();
        if self.any_id || self.by_id.contains_key(&key) {
            return Err(IronError::DuplicatePasswordId(key));
        }
        self.by_id.insert(key, self.secrets.len());
        self.secrets.push(secret);
        Ok(self)
    }

    /// The id written into new seals (`""` when seals carry no id).
    pub fn current_id(&self) -> &str {
        &self.current_id
    }

    /// Whether a seal carrying `id` would find a secret.
    pub fn accepts_id(&self, id: &str) -> bool {
        self.any_id || self.by_id.contains_key(lookup_id(id))
    }

    /// The slot of the secret that opens a seal carrying `id`.
    pub(super) fn slot_for(&self, id: &str) -> Result<usize, IronError> {
        if self.any_id {
            return Ok(0);
        }
        let key = lookup_id(id);
        self.by_id
            .get(key)
            .copied()
            .ok_or_else(|| IronError::UnknownPasswordId(key.to_owned()))
    }
}
