//! What a field type must be, checked by the derive one rule at a time, so
//! that a type breaking several rules gets one error, for the first:
//!
//! 1. `Send + Sync` (a session moves between threads),
//! 2. `serde::Serialize`, then `serde::Deserialize` (a session is stored as JSON),
//! 3. `Default`, for a field a new session must start from.
//!
//! The derive calls `(&&&&&StoredField::<T>::new()).session_field::<T>()`
//! (or `OptionalField` for an `Option<T>` field, `DefaultedField` with one
//! `&` more) once per field, spanned at the field's type (the turbofish is
//! where rustc puts the error: under the whole type). Method resolution
//! tries the impl with the most `&` first and takes the first whose bounds
//! hold (autoref specialization, on concrete types only): the one for
//! `&&&&StoredField<T>` needs every rule and returns the field's codec;
//! each level below needs one rule fewer, and its method requires the
//! first rule that failed, through a trait whose `on_unimplemented` says
//! the rule and the fix. The codec comes from the ladder too, so that no
//! other generated code puts a bound on the field type and rustc reports
//! nothing twice.
//!
//! The traits named in those messages are re-exported at the crate root
//! (hidden), so that rustc prints them by their name alone.

use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::model::fields;

pub use crate::model::checked::EncodeError;

/// A field type that a session can share between threads.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a session: it is not `Send + Sync`",
    label = "a session moves between threads, so its fields must be `Send + Sync`",
    note = "use `Arc` instead of `Rc`, a `Mutex`, an `RwLock` or an atomic instead of `Cell` or `RefCell`, and `Box<dyn Trait + Send + Sync>` for a trait object"
)]
pub trait ThreadSafe {}
#[diagnostic::do_not_recommend]
impl<T: Send + Sync + ?Sized> ThreadSafe for T {}

/// A field type that serde can write and read back.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a session: serde cannot write and read it back",
    label = "session fields must implement `serde::Serialize` and `serde::Deserialize`",
    note = "add `#[derive(serde::Serialize, serde::Deserialize)]` to your own types; serde covers arrays of up to 32 elements (use a `Vec` for more) and `Rc`/`Arc` only with its `rc` feature"
)]
pub trait Serializable {}
#[diagnostic::do_not_recommend]
impl<T: Serialize + DeserializeOwned> Serializable for T {}

/// A field type a new session can start from.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no default value for a new session",
    label = "this type does not implement `Default`",
    note = "implement `Default` for it, make the field an `Option<_>`, or give a function with `#[session(default = \"path::to::fn\")]`"
)]
pub trait HasDefault {}
#[diagnostic::do_not_recommend]
impl<T: Default> HasDefault for T {}

/// How one field of type `F` is encoded and decoded: two functions,
/// instantiated once per field type (an `Option<T>` field's codec is that
/// of `Option<T>`, and nothing is instantiated for `T` alone).
pub struct Codec<F> {
    /// Writes the JSON of a value.
    pub encode: fn(&F, &mut Vec<u8>) -> Result<(), EncodeError>,
    /// Decodes the JSON value at the start of the input into the slot and
    /// returns its length; on failure the slot keeps its value.
    pub decode: fn(&[u8], &mut F) -> Option<usize>,
}

impl<F: Serialize + DeserializeOwned> Codec<F> {
    const JSON: Self = Self {
        encode: encode::<F>,
        decode: decode::<F>,
    };
}

impl<F> Codec<F> {
    /// The codec of a type that broke a rule: the build fails, so it never runs.
    const REJECTED: Self = Self {
        encode: |_, _| unreachable!("rejected at compile time"),
        decode: |_, _| unreachable!("rejected at compile time"),
    };
}

fn encode<T: Serialize>(value: &T, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    crate::model::checked::encode(value, out)
}

fn decode<T: DeserializeOwned>(json: &[u8], slot: &mut T) -> Option<usize> {
    let (value, used) = fields::one_value::<T>(json)?;
    *slot = value;
    Some(used)
}

/// The default of a type that broke a rule: never runs.
fn rejected_default<V>() -> V {
    unreachable!("rejected at compile time")
}

/// A stored field of type `T` that needs no default (it has
/// `#[session(default = "path")]`).
pub struct StoredField<T>(PhantomData<T>);
/// A stored field of type `Option<T>`: the rules apply to `T`.
pub struct OptionalField<T>(PhantomData<T>);
/// A stored field of type `T` that a new session starts from `Default`.
pub struct DefaultedField<T>(PhantomData<T>);
/// A `#[session(skip)]` field of type `T`: it only needs `Default`.
pub struct SkippedField<T>(PhantomData<T>);

// A marker, built only by generated code: `Default` would add nothing.
#[allow(clippy::new_without_default)]
impl<T> StoredField<T> {
    /// The start of the ladder.
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

// A marker, built only by generated code: `Default` would add nothing.
#[allow(clippy::new_without_default)]
impl<T> OptionalField<T> {
    /// The start of the ladder.
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

// A marker, built only by generated code: `Default` would add nothing.
#[allow(clippy::new_without_default)]
impl<T> DefaultedField<T> {
    /// The start of the ladder.
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

// A marker, built only by generated code: `Default` would add nothing.
#[allow(clippy::new_without_default)]
impl<T> SkippedField<T> {
    /// The start of the ladder.
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

/// What a ladder gives a stored field: its codec, and for a defaulted
/// field its default.
pub type Defaulted<T> = (Codec<T>, fn() -> T);

/// The top of the ladder: every rule holds.
pub trait FieldTypeOk {
    /// What the field needs from its type.
    type Out;
    /// The field's codec (and default).
    fn session_field<FieldType>(&self) -> Self::Out;
}

impl<T: Send + Sync + Serialize + DeserializeOwned> FieldTypeOk for &&&&StoredField<T> {
    type Out = Codec<T>;
    fn session_field<FieldType>(&self) -> Codec<T> {
        Codec::JSON
    }
}

impl<T: Send + Sync + Serialize + DeserializeOwned> FieldTypeOk for &&&&OptionalField<T> {
    type Out = Codec<Option<T>>;
    fn session_field<FieldType>(&self) -> Codec<Option<T>> {
        Codec::JSON
    }
}

impl<T: Send + Sync + Serialize + DeserializeOwned + Default> FieldTypeOk
    for &&&&&DefaultedField<T>
{
    type Out = Defaulted<T>;
    fn session_field<FieldType>(&self) -> Defaulted<T> {
        (Codec::JSON, T::default)
    }
}

impl<T: Default> FieldTypeOk for &SkippedField<T> {
    type Out = fn() -> T;
    fn session_field<FieldType>(&self) -> fn() -> T {
        T::default
    }
}

/// Every rule but `Default` holds: the first that fails is `Default`.
pub trait NoDefault<T> {
    /// What the field would get.
    type Out;
    /// Fails to compile, with the rule's message on the field's type.
    fn session_field<FieldType: HasDefault>(&self) -> Self::Out;
}

impl<T: Send + Sync + Serialize + DeserializeOwned> NoDefault<T> for &&&&DefaultedField<T> {
    type Out = Defaulted<T>;
    fn session_field<FieldType: HasDefault>(&self) -> Defaulted<T> {
        (Codec::REJECTED, rejected_default::<T>)
    }
}

impl<T> NoDefault<T> for SkippedField<T> {
    type Out = fn() -> T;
    fn session_field<FieldType: HasDefault>(&self) -> fn() -> T {
        rejected_default::<T>
    }
}

/// `Send + Sync` and `Serialize` hold: the first that fails is `Deserialize`.
pub trait NotDeserialize<T> {
    /// What the field would get.
    type Out;
    /// Fails to compile, with the rule's message on the field's type.
    fn session_field<FieldType: Serializable>(&self) -> Self::Out;
}

/// `Send + Sync` holds: the first that fails is `Serialize`.
pub trait NotSerialize<T> {
    /// What the field would get.
    type Out;
    /// Fails to compile, with the rule's message on the field's type.
    fn session_field<FieldType: Serializable>(&self) -> Self::Out;
}

/// `Sync` holds: the first that fails is `Send`.
pub trait NotSend<T> {
    /// What the field would get.
    type Out;
    /// Fails to compile, with the rule's message on the field's type.
    fn session_field<FieldType: ThreadSafe>(&self) -> Self::Out;
}

/// The first rule that fails is `Sync`.
pub trait NotSync<T> {
    /// What the field would get.
    type Out;
    /// Fails to compile, with the rule's message on the field's type.
    fn session_field<FieldType: ThreadSafe>(&self) -> Self::Out;
}

/// The levels below the top, the same for stored, optional and defaulted
/// fields (a defaulted field's ladder is one `&` taller).
macro_rules! levels {
    ($entry:ident, $out:ty, $rejected:expr, [$($de:tt)*], [$($ser:tt)*], [$($send:tt)*], [$($sync:tt)*]) => {
        impl<T: Send + Sync + Serialize> NotDeserialize<T> for $($de)* $entry<T> {
            type Out = $out;
            fn session_field<FieldType: Serializable>(&self) -> $out {
                $rejected
            }
        }

        impl<T: Send + Sync> NotSerialize<T> for $($ser)* $entry<T> {
            type Out = $out;
            fn session_field<FieldType: Serializable>(&self) -> $out {
                $rejected
            }
        }

        impl<T: Sync> NotSend<T> for $($send)* $entry<T> {
            type Out = $out;
            fn session_field<FieldType: ThreadSafe>(&self) -> $out {
                $rejected
            }
        }

        impl<T> NotSync<T> for $($sync)* $entry<T> {
            type Out = $out;
            fn session_field<FieldType: ThreadSafe>(&self) -> $out {
                $rejected
            }
        }
    };
}

levels!(StoredField, Codec<T>, Codec::REJECTED, [&&&], [&&], [&], []);
levels!(
    OptionalField,
    Codec<Option<T>>,
    Codec::REJECTED,
    [&&&],
    [&&],
    [&],
    []
);
levels!(
    DefaultedField,
    Defaulted<T>,
    (Codec::REJECTED, rejected_default::<T>),
    [&&&],
    [&&],
    [&],
    []
);
