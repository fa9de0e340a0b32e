//! Keys: derivation from a secret, and the key ring used for rotation.

use std::fmt;
use std::sync::Arc;

use aes_gcm::{Aes256Gcm, KeyInit};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::crypto::random;

/// The shortest secret a [`Key`] accepts, in bytes.
pub const MIN_SECRET_LEN: usize = 32;

/// Domain separation for HKDF: a secret shared with another system never
/// yields the same key there.
const HKDF_SALT: &[u8] = b"session-runtime/seal/v1";

/// One sealing key: an AES-256-GCM cipher derived from a secret, plus a
/// short public key id that says which key sealed a value (the first byte
/// of it, the [fingerprint](Self::fingerprint), in what it seals now).
///
/// The cipher is built once here, so sealing never pays for key expansion.
/// `Debug` prints only the key id. The key material (the AES round keys and
/// the GHASH key) is wiped when the last copy is dropped, as are the HKDF
/// state and the derived bytes on the way; what a move copied on the stack
/// is not, and neither is the secret the caller passed in (theirs to wipe).
///
/// ```
/// use session_runtime::Key;
/// let key = Key::derive(b"a secret of at least thirty-two bytes!").unwrap();
/// assert!(format!("{key:?}").starts_with("Key { id:"));
/// assert!(Key::derive(b"too short").is_err());
/// ```
#[derive(Clone)]
pub struct Key {
    id: u32,
    cipher: Aes256Gcm,
}

impl Key {
    /// Derives a key from a secret of at least [`MIN_SECRET_LEN`] bytes with HKDF-SHA256.
    ///
    /// # Errors
    /// [`KeyError::SecretTooShort`] when the secret is shorter than 32 bytes.
    pub fn derive(secret: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let secret = secret.as_ref();
        if secret.len() < MIN_SECRET_LEN {
            return Err(KeyError::SecretTooShort { len: secret.len() });
        }
        // The PRK's HMAC state (`sha2/zeroize`) and the derived key are wiped
        // when they go out of scope.
        let hkdf = Hkdf::<Sha256>::new(Some(HKDF_SALT), secret);
        let mut material = Zeroizing::new([0u8; 32]);
        let mut id = [0u8; 4];
        // Both lengths are far below HKDF-SHA256's limit of 8160 bytes.
        hkdf.expand(b"aes-256-gcm key", material.as_mut_slice())
            .and_then(|()| hkdf.expand(b"key id", &mut id))
            .map_err(|_| KeyError::SecretTooShort { len: secret.len() })?;
        // Borrowed, not copied: a copy would stay on the stack unwiped.
        let cipher = Aes256Gcm::new(<&aes_gcm::Key<Aes256Gcm>>::from(&*material));
        Ok(Self {
            id: u32::from_be_bytes(id),
            cipher,
        })
    }

    /// A fresh random key, for development and tests: sessions sealed with it
    /// die with the process.
    ///
    /// # Panics
    /// Never: 32 random bytes are always a long enough secret.
    pub fn generate() -> Self {
        let mut secret = Zeroizing::new([0u8; 32]);
        random::fill(secret.as_mut_slice());
        Self::derive(secret.as_slice()).expect("32 random bytes are a long enough secret")
    }

    /// The public id of the key. Values of format 1 carry all of it;
    /// values sealed now carry its [`fingerprint`](Self::fingerprint).
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The first byte of the [`id`](Self::id), written into every value
    /// this key seals. Two keys of a ring may share it (one chance in 256
    /// for two keys): a value is then tried with each, primary first.
    ///
    /// ```
    /// use session_runtime::Key;
    /// let key = Key::derive([7u8; 32]).unwrap();
    /// assert_eq!(u32::from(key.fingerprint()), key.id() >> 24);
    /// ```
    pub fn fingerprint(&self) -> u8 {
        self.id.to_be_bytes()[0]
    }

    pub(crate) fn cipher(&self) -> &Aes256Gcm {
        &self.cipher
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("id", &format_args!("{:08x}", self.id))
            .finish_non_exhaustive()
    }
}

/// The keys a service knows: one primary key that seals, and older keys that
/// still unseal, so secrets can be rotated without logging everybody out.
///
/// A session unsealed with an older key is sealed again with the primary key
/// when it is saved.
///
/// ```
/// use session_runtime::{Key, KeyRing};
/// let old = Key::derive([1u8; 32]).unwrap();
/// let new = Key::derive([2u8; 32]).unwrap();
/// let ring = KeyRing::new(new).with_previous(old).unwrap();
/// assert_eq!(ring.len(), 2);
/// ```
#[derive(Clone, Debug)]
pub struct KeyRing {
    keys: Arc<[Key]>,
}

impl KeyRing {
    /// A ring with a single, primary key.
    pub fn new(primary: Key) -> Self {
        Self {
            keys: Arc::new([primary]),
        }
    }

    /// Adds an older key that unseals but no longer seals.
    ///
    /// # Errors
    /// [`KeyError::DuplicateKeyId`] when the ring already holds a key with the same id
    /// (the same secret twice, or one chance in four billion).
    pub fn with_previous(self, key: Key) -> Result<Self, KeyError> {
        if self.keys.iter().any(|k| k.id == key.id) {
            return Err(KeyError::DuplicateKeyId { id: key.id });
        }
        let mut keys = self.keys.to_vec();
        keys.push(key);
        Ok(Self { keys: keys.into() })
    }

    /// Builds a ring from secrets, the first one primary.
    ///
    /// # Errors
    /// [`KeyError::NoKeys`] for an empty list, or the first error of [`Key::derive`]
    /// and [`KeyRing::with_previous`].
    pub fn from_secrets<S: AsRef<[u8]>>(secrets: &[S]) -> Result<Self, KeyError> {
        let (first, rest) = secrets.split_first().ok_or(KeyError::NoKeys)?;
        rest.iter()
            .try_fold(Self::new(Key::derive(first)?), |ring, s| {
                ring.with_previous(Key::derive(s)?)
            })
    }

    /// The key that seals.
    pub fn primary(&self) -> &Key {
        &self.keys[0]
    }

    /// The key with this id, and whether it is the primary one.
    pub(crate) fn find(&self, id: u32) -> Option<(&Key, bool)> {
        self.keys
            .iter()
            .enumerate()
            .find(|(_, k)| k.id == id)
            .map(|(i, k)| (k, i == 0))
    }

    /// The keys with this fingerprint, primary first, and whether each is
    /// the primary one. Keys keep their fingerprint whatever is added to or
    /// removed from the ring, so a value never names a key it was not
    /// sealed with because the ring changed.
    pub(crate) fn with_fingerprint(&self, fingerprint: u8) -> impl Iterator<Item = (&Key, bool)> {
        self.keys
            .iter()
            .enumerate()
            .filter(move |(_, k)| k.fingerprint() == fingerprint)
            .map(|(i, k)| (k, i == 0))
    }

    /// How many keys the ring holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Always `false`: a ring has a primary key.
    pub fn is_empty(&self) -> bool {
        false
    }
}

impl From<Key> for KeyRing {
    fn from(key: Key) -> Self {
        Self::new(key)
    }
}

/// A key or key ring could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The secret is shorter than [`MIN_SECRET_LEN`] bytes.
    SecretTooShort {
        /// The length that was given.
        len: usize,
    },
    /// Two keys in one ring share a key id.
    DuplicateKeyId {
        /// The shared id.
        id: u32,
    },
    /// A ring needs at least one key.
    NoKeys,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SecretTooShort { len } => write!(
                f,
                "session secret is {len} bytes long; it must be at least {MIN_SECRET_LEN} bytes of random data"
            ),
            Self::DuplicateKeyId { id } => write!(f, "key id {id:08x} is already in the key ring"),
            Self::NoKeys => f.write_str("a key ring needs at least one secret"),
        }
    }
}

impl std::error::Error for KeyError {}

#[cfg(test)]
mod tests {
    use aes_gcm::Aes256Gcm;
    use aes_gcm::aes::Aes256;
    use zeroize::ZeroizeOnDrop;

    /// What a key holds and what deriving one goes through are wiped on drop
    /// (checked at compile time: each type must be `ZeroizeOnDrop`). The AES
    /// round keys and the GHASH key sit in the cipher; HKDF's PRK sits in two
    /// SHA-256 states.
    #[test]
    fn key_material_is_wiped_on_drop() {
        fn wiped<T: ZeroizeOnDrop>() {}
        wiped::<Aes256Gcm>();
        wiped::<Aes256>();
        wiped::<sha2::Sha256>();
        wiped::<zeroize::Zeroizing<[u8; 32]>>();
    }
}
