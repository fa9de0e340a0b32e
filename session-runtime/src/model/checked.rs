//! Encoding a field value only if it reads back as it was written.
//!
//! `serde_json` writes some values that it will not read back: a float that
//! is not finite is written `null`, and a value nested deeper than its
//! recursion limit (128) is written but refused on reading, so a backend
//! would seal it and the next load would silently drop it. [`encode`]
//! refuses both while the value is serialized (a wrapper around
//! `serde_json`'s serializer counts the nesting and looks at every float),
//! so no extra pass over the JSON is needed and every backend gets the check:
//! fields, flash values and a store's slots all go through it.

use std::cell::Cell;
use std::fmt;

use serde::ser::{self, Serialize, Serializer};

/// The deepest a field value may nest arrays and objects: a field's value is
/// decoded by its own `serde_json` deserializer, whose recursion limit of 128
/// leaves 127 levels.
pub const MAX_FIELD_DEPTH: usize = 127;

/// The name under which `serde_json` serializes a `RawValue` (its text goes
/// out as it is, and reading it back has no depth limit).
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Why a value was not encoded (what generated code's `encode_field` returns).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EncodeError {
    /// What `serde_json` refused (a map whose keys are not strings, ...).
    Json(String),
    /// Nested deeper than [`MAX_FIELD_DEPTH`]: it would not be read back.
    TooDeep,
    /// A float that is not finite: JSON writes it `null`.
    NonFinite,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Json(message) => f.write_str(message),
            Self::TooDeep => write!(f, "nested deeper than {MAX_FIELD_DEPTH} levels"),
            Self::NonFinite => f.write_str("a float that is not finite"),
        }
    }
}

/// Appends the JSON of `value` to `out`, unless it would not read back.
///
/// # Errors
/// [`EncodeError::TooDeep`], [`EncodeError::NonFinite`], or what
/// `serde_json` refused. `out` may then hold part of the value.
pub(crate) fn encode<V: Serialize + ?Sized>(
    value: &V,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let refusal = Cell::new(None);
    let checked = Checked {
        value,
        depth: 0,
        refusal: &refusal,
    };
    serde_json::to_writer(out, &checked).map_err(|e| {
        refusal
            .take()
            .unwrap_or_else(|| EncodeError::Json(e.to_string()))
    })
}

/// A value to serialize with checks, at `depth` levels of nesting.
struct Checked<'a, V: ?Sized> {
    value: &'a V,
    depth: usize,
    refusal: &'a Cell<Option<EncodeError>>,
}

impl<V: Serialize + ?Sized> Serialize for Checked<'_, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(Check {
            inner: serializer,
            depth: self.depth,
            refusal: self.refusal,
        })
    }
}

/// The serializer wrapper: forwards everything to `inner`, counting the
/// levels of nesting the JSON will have and looking at every float.
struct Check<'a, S> {
    inner: S,
    depth: usize,
    refusal: &'a Cell<Option<EncodeError>>,
}

impl<'a, S: Serializer> Check<'a, S> {
    /// The depth inside `levels` more levels of nesting, or the refusal.
    fn enter(&self, levels: usize) -> Result<usize, S::Error> {
        let depth = self.depth + levels;
        if depth > MAX_FIELD_DEPTH {
            return Err(self.refuse(EncodeError::TooDeep));
        }
        Ok(depth)
    }

    fn refuse(&self, why: EncodeError) -> S::Error {
        let message = why.to_string();
        self.refusal.set(Some(why));
        ser::Error::custom(message)
    }

    fn wrap<'v, V: ?Sized>(&self, value: &'v V, depth: usize) -> Checked<'v, V>
    where
        'a: 'v,
    {
        Checked {
            value,
            depth,
            refusal: self.refusal,
        }
    }
}

/// The wrapper of `inner`'s sequence, tuple, map and struct serializers:
/// their elements are checked at `depth`.
struct Compound<'a, C> {
    inner: C,
    depth: usize,
    refusal: &'a Cell<Option<EncodeError>>,
}

impl<'a, C> Compound<'a, C> {
    fn wrap<'v, V: ?Sized>(&self, value: &'v V) -> Checked<'v, V>
    where
        'a: 'v,
    {
        Checked {
            value,
            depth: self.depth,
            refusal: self.refusal,
        }
    }
}

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            fn $method(self, $($arg: $ty),*) -> Result<S::Ok, S::Error> {
                self.inner.$method($($arg),*)
            }
        )*
    };
}

impl<'a, S: Serializer> Serializer for Check<'a, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Compound<'a, S::SerializeSeq>;
    type SerializeTuple = Compound<'a, S::SerializeTuple>;
    type SerializeTupleStruct = Compound<'a, S::SerializeTupleStruct>;
    type SerializeTupleVariant = Compound<'a, S::SerializeTupleVariant>;
    type SerializeMap = Compound<'a, S::SerializeMap>;
    type SerializeStruct = Compound<'a, S::SerializeStruct>;
    type SerializeStructVariant = Compound<'a, S::SerializeStructVariant>;

    forward! {
        serialize_bool(v: bool);
        serialize_i8(v: i8);
        serialize_i16(v: i16);
        serialize_i32(v: i32);
        serialize_i64(v: i64);
        serialize_i128(v: i128);
        serialize_u8(v: u8);
        serialize_u16(v: u16);
        serialize_u32(v: u32);
        serialize_u64(v: u64);
        serialize_u128(v: u128);
        serialize_char(v: char);
        serialize_str(v: &str);
        serialize_bytes(v: &[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(name: &'static str);
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str);
    }

    fn serialize_f32(self, v: f32) -> Result<S::Ok, S::Error> {
        if !v.is_finite() {
            return Err(self.refuse(EncodeError::NonFinite));
        }
        self.inner.serialize_f32(v)
    }

    fn serialize_f64(self, v: f64) -> Result<S::Ok, S::Error> {
        if !v.is_finite() {
            return Err(self.refuse(EncodeError::NonFinite));
        }
        self.inner.serialize_f64(v)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        let checked = self.wrap(value, self.depth);
        self.inner.serialize_some(&checked)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        let checked = self.wrap(value, self.depth);
        self.inner.serialize_newtype_struct(name, &checked)
    }

    /// `{"variant":value}`: one level.
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        let depth = self.enter(1)?;
        let checked = self.wrap(value, depth);
        self.inner
            .serialize_newtype_variant(name, index, variant, &checked)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        let depth = self.enter(1)?;
        let refusal = self.refusal;
        let inner = self.inner.serialize_seq(len)?;
        Ok(Compound {
            inner,
            depth,
            refusal,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        let depth = self.enter(1)?;
        let refusal = self.refusal;
        let inner = self.inner.serialize_tuple(len)?;
        Ok(Compound {
            inner,
            depth,
            refusal,
        })
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        let depth = self.enter(1)?;
        let refusal = self.refusal;
        let inner = self.inner.serialize_tuple_struct(name, len)?;
        Ok(Compound {
            inner,
            depth,
            refusal,
        })
    }

    /// `{"variant":[…]}`: two levels.
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        let depth = self.enter(2)?;
        let refusal = self.refusal;
        let inner = self
            .inner
            .serialize_tuple_variant(name, index, variant, len)?;
        Ok(Compound {
            inner,
            depth,
            refusal,
        })
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        let depth = self.enter(1)?;
        let refusal = self.refusal;
        let inner = self.inner.serialize_map(len)?;
        Ok(Compound {
            inner,
            depth,
            refusal,
        })
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        // A raw value's text is read back whatever its depth: no level.
        let levels = usize::from(name != RAW_VALUE_TOKEN);
        let depth = self.enter(levels)?;
        let refusal = self.refusal;
        let inner = self.inner.serialize_struct(name, len)?;
        Ok(Compound {
            inner,
            depth,
            refusal,
        })
    }

    /// `{"variant":{…}}`: two levels.
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        let depth = self.enter(2)?;
        let refusal = self.refusal;
        let inner = self
            .inner
            .serialize_struct_variant(name, index, variant, len)?;
        Ok(Compound {
            inner,
            depth,
            refusal,
        })
    }

    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.inner.collect_str(value)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

impl<C: ser::SerializeSeq> ser::SerializeSeq for Compound<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        let checked = self.wrap(value);
        self.inner.serialize_element(&checked)
    }

    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeTuple> ser::SerializeTuple for Compound<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        let checked = self.wrap(value);
        self.inner.serialize_element(&checked)
    }

    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeTupleStruct> ser::SerializeTupleStruct for Compound<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        let checked = self.wrap(value);
        self.inner.serialize_field(&checked)
    }

    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeTupleVariant> ser::SerializeTupleVariant for Compound<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        let checked = self.wrap(value);
        self.inner.serialize_field(&checked)
    }

    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeMap> ser::SerializeMap for Compound<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), C::Error> {
        let checked = self.wrap(key);
        self.inner.serialize_key(&checked)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        let checked = self.wrap(value);
        self.inner.serialize_value(&checked)
    }

    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeStruct> ser::SerializeStruct for Compound<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), C::Error> {
        let checked = self.wrap(value);
        self.inner.serialize_field(key, &checked)
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
        self.inner.skip_field(key)
    }

    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeStructVariant> ser::SerializeStructVariant for Compound<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), C::Error> {
        let checked = self.wrap(value);
        self.inner.serialize_field(key, &checked)
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
        self.inner.skip_field(key)
    }

    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}
