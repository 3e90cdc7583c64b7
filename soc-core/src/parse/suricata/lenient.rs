//! Lenient, allocation-light JSON building blocks for the EVE parser.
//!
//! The EVE views never fail on a field of an unexpected type: it becomes
//! `None`. These types read one JSON value straight from the text with
//! that rule, so no `serde_json::Value` tree is built. Everything that is
//! not kept is read by [`Skip`], which validates exactly like a `Value`
//! parse (strings with their escapes, numbers in range, depth limit) but
//! allocates nothing: a line accepted here is a line `serde_json` accepts
//! as a `Value`, and the other way round.
//!
//! Objects are read key by key with "last duplicate wins", like
//! `serde_json::Map`.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

pub(super) use super::skip::{Key, Skip, SkipVisitor};

/// A scalar JSON value; arrays and objects are validated and become
/// [`Lv::Other`].
pub(super) enum Lv<'de> {
    /// `null`, an array or an object.
    Other,
    /// `true` / `false`.
    Bool(bool),
    /// A non-negative integer.
    U(u64),
    /// A negative integer.
    I(i64),
    /// A float (or an integer too large for 64 bits).
    F(f64),
    /// A string.
    Str(Cow<'de, str>),
}

impl Lv<'_> {
    fn number_text(&self) -> Option<String> {
        match *self {
            Lv::U(n) => Some(n.to_string()),
            Lv::I(n) => Some(n.to_string()),
            Lv::F(f) => serde_json::Number::from_f64(f).map(|n| n.to_string()),
            _ => None,
        }
    }

    /// A string, or a number as text (`Value::as_str` or the number).
    pub(super) fn text(self) -> Option<String> {
        match self {
            Lv::Str(s) => Some(s.into_owned()),
            other => other.number_text(),
        }
    }

    /// Like [`Lv::text`], booleans as `true` / `false` too.
    pub(super) fn text_or_bool(self) -> Option<String> {
        match self {
            Lv::Bool(b) => Some(b.to_string()),
            other => other.text(),
        }
    }

    /// A non-negative integer, or a string holding one.
    pub(super) fn uint(self) -> Option<u64> {
        match self {
            Lv::Str(s) => s.parse().ok(),
            other => other.number(),
        }
    }

    /// A non-negative integer only (`Value::as_u64`).
    pub(super) fn number(&self) -> Option<u64> {
        match *self {
            Lv::U(n) => Some(n),
            Lv::I(n) => u64::try_from(n).ok(),
            _ => None,
        }
    }

    /// A boolean only.
    pub(super) fn boolean(&self) -> Option<bool> {
        match *self {
            Lv::Bool(b) => Some(b),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Lv<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Lv<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Lv<'de>, E> {
                Ok(Lv::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Lv<'de>, E> {
                Ok(Lv::I(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Lv<'de>, E> {
                Ok(Lv::U(v))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Lv<'de>, E> {
                Ok(Lv::F(v))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Lv<'de>, E> {
                Ok(Lv::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Lv<'de>, E> {
                Ok(Lv::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Lv<'de>, E> {
                Ok(Lv::Str(Cow::Owned(v)))
            }
            fn visit_unit<E>(self) -> Result<Lv<'de>, E> {
                Ok(Lv::Other)
            }
            fn visit_none<E>(self) -> Result<Lv<'de>, E> {
                Ok(Lv::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Lv<'de>, A::Error> {
                SkipVisitor.visit_seq(seq).map(|_| Lv::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Lv<'de>, A::Error> {
                SkipVisitor.visit_map(map).map(|_| Lv::Other)
            }
        }
        d.deserialize_any(V)
    }
}

/// A typed object read field by field; unknown keys are skipped.
pub(super) trait Fields<'de>: Default {
    /// Reads the value of `key` from `src` (exactly one value).
    fn field<S: Src<'de>>(&mut self, key: &str, src: &mut S) -> Result<(), S::Error>;
}

/// Where the typed readers take the value after a key from: serde's
/// [`MapAccess`] ([`Ma`], the reference path) or the fast cursor
/// (`fast::Cur`). One set of field rules serves both.
pub(super) trait Src<'de> {
    /// What a failed read returns.
    type Error;
    /// A scalar (compound values validated, [`Lv::Other`]).
    fn lv(&mut self) -> Result<Lv<'de>, Self::Error>;
    /// Any value, validated and dropped.
    fn skip(&mut self) -> Result<(), Self::Error>;
    /// Any value as a `serde_json::Value`.
    fn value(&mut self) -> Result<Value, Self::Error>;
    /// A typed object (`None` when the value is not an object).
    fn obj<T: Fields<'de>>(&mut self) -> Result<Option<T>, Self::Error>;
    /// An array of typed objects (`None` when not an array; elements that
    /// are not objects are `None`).
    fn objs<T: Fields<'de>>(&mut self) -> Result<Option<Vec<Option<T>>>, Self::Error>;
    /// An object kept as it is, to be read only if needed (`None` when
    /// the value is not an object).
    fn raw_obj(&mut self) -> Result<Option<RawObj<'de>>, Self::Error>;
    /// `ja3` / `ja3s` / `ja4`: an object's `hash`, or a plain string.
    fn hash_of(&mut self) -> Result<Option<String>, Self::Error>;
    /// `vlan`: an array of ids (non-numbers dropped) or a single id.
    fn vlan(&mut self) -> Result<Vec<u64>, Self::Error>;
}

/// A JSON object read later: parsed, or its text (already validated).
pub(super) enum RawObj<'de> {
    /// The parsed object.
    Map(Map<String, Value>),
    /// The object's text, valid JSON.
    Text(&'de str),
}

impl Default for RawObj<'_> {
    fn default() -> Self {
        RawObj::Map(Map::new())
    }
}

impl RawObj<'_> {
    /// The object (the text is parsed now).
    pub(super) fn into_map(self) -> Map<String, Value> {
        match self {
            RawObj::Map(m) => m,
            RawObj::Text(t) => serde_json::from_str(t).unwrap_or_default(),
        }
    }
}

/// The serde [`MapAccess`] as a [`Src`].
pub(super) struct Ma<'m, A>(pub &'m mut A);

impl<'de, A: MapAccess<'de>> Src<'de> for Ma<'_, A> {
    type Error = A::Error;
    fn lv(&mut self) -> Result<Lv<'de>, A::Error> {
        self.0.next_value()
    }
    fn skip(&mut self) -> Result<(), A::Error> {
        self.0.next_value::<Skip>().map(drop)
    }
    fn value(&mut self) -> Result<Value, A::Error> {
        self.0.next_value()
    }
    fn obj<T: Fields<'de>>(&mut self) -> Result<Option<T>, A::Error> {
        self.0.next_value::<Obj<T>>().map(|o| o.0)
    }
    fn objs<T: Fields<'de>>(&mut self) -> Result<Option<Vec<Option<T>>>, A::Error> {
        let a = self.0.next_value::<Arr<Obj<T>>>()?;
        Ok(a.0.map(|v| v.into_iter().map(|o| o.0).collect()))
    }
    fn raw_obj(&mut self) -> Result<Option<RawObj<'de>>, A::Error> {
        Ok(match self.0.next_value::<Value>()? {
            Value::Object(m) => Some(RawObj::Map(m)),
            _ => None,
        })
    }
    fn hash_of(&mut self) -> Result<Option<String>, A::Error> {
        self.0.next_value::<HashOf>().map(|h| h.0)
    }
    fn vlan(&mut self) -> Result<Vec<u64>, A::Error> {
        self.0.next_value::<Vlan>().map(|v| v.0)
    }
}

/// `Some` when the value is an object, `None` (value skipped) otherwise.
pub(super) struct Obj<T>(pub Option<T>);

impl<'de, T: Fields<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Fields<'de>> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Obj<T>, A::Error> {
                let mut t = T::default();
                while let Some(k) = map.next_key::<Key<'de>>()? {
                    t.field(&k.0, &mut Ma(&mut map))?;
                }
                Ok(Obj(Some(t)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Obj<T>, A::Error> {
                SkipVisitor.visit_seq(seq).map(|_| Obj(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_unit<E>(self) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_none<E>(self) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// `Some(items)` when the value is an array, `None` (skipped) otherwise.
pub(super) struct Arr<T>(pub Option<Vec<T>>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Arr<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Arr<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Arr<T>, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = seq.next_element::<T>()? {
                    v.push(x);
                }
                Ok(Arr(Some(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Arr<T>, A::Error> {
                SkipVisitor.visit_map(map).map(|_| Arr(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Arr<T>, E> {
                Ok(Arr(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Arr<T>, E> {
                Ok(Arr(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Arr<T>, E> {
                Ok(Arr(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Arr<T>, E> {
                Ok(Arr(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Arr<T>, E> {
                Ok(Arr(None))
            }
            fn visit_unit<E>(self) -> Result<Arr<T>, E> {
                Ok(Arr(None))
            }
            fn visit_none<E>(self) -> Result<Arr<T>, E> {
                Ok(Arr(None))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// `vlan`: an array of ids (non-numbers dropped) or a single id.
pub(super) struct Vlan(pub Vec<u64>);

impl<'de> Deserialize<'de> for Vlan {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Vlan;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vlan, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = seq.next_element::<Lv<'de>>()? {
                    v.extend(x.number());
                }
                Ok(Vlan(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Vlan, A::Error> {
                SkipVisitor.visit_map(map).map(|_| Vlan(Vec::new()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Vlan, E> {
                Ok(Vlan(vec![v]))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Vlan, E> {
                Ok(Vlan(Vec::new()))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Vlan, E> {
                Ok(Vlan(Vec::new()))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Vlan, E> {
                Ok(Vlan(Vec::new()))
            }
            fn visit_str<E>(self, _: &str) -> Result<Vlan, E> {
                Ok(Vlan(Vec::new()))
            }
            fn visit_unit<E>(self) -> Result<Vlan, E> {
                Ok(Vlan(Vec::new()))
            }
            fn visit_none<E>(self) -> Result<Vlan, E> {
                Ok(Vlan(Vec::new()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `ja3` / `ja3s` / `ja4`: an object's `hash`, or a plain string.
pub(super) struct HashOf(pub Option<String>);

impl<'de> Deserialize<'de> for HashOf {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HashOf;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<HashOf, A::Error> {
                let mut h = None;
                while let Some(k) = map.next_key::<Key<'de>>()? {
                    if k.0 == "hash" {
                        h = map.next_value::<Lv<'de>>()?.text_or_bool();
                    } else {
                        map.next_value::<Skip>()?;
                    }
                }
                Ok(HashOf(h))
            }
            fn visit_str<E>(self, v: &str) -> Result<HashOf, E> {
                Ok(HashOf(Some(v.to_owned())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<HashOf, A::Error> {
                SkipVisitor.visit_seq(seq).map(|_| HashOf(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<HashOf, E> {
                Ok(HashOf(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<HashOf, E> {
                Ok(HashOf(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<HashOf, E> {
                Ok(HashOf(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<HashOf, E> {
                Ok(HashOf(None))
            }
            fn visit_unit<E>(self) -> Result<HashOf, E> {
                Ok(HashOf(None))
            }
            fn visit_none<E>(self) -> Result<HashOf, E> {
                Ok(HashOf(None))
            }
        }
        d.deserialize_any(V)
    }
}
