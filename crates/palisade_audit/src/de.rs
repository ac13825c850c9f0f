//! Zero-copy deserialization helpers: strings borrow from the input when they have no
//! escapes, lists and maps of strings likewise; `null` reads as empty (Go writes `null` for
//! a nil slice or map when a field has no `omitempty`).

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

struct CowVisitor;

impl<'de> Visitor<'de> for CowVisitor {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(""))
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(""))
    }
}

/// A string (or `null`, read as `""`).
pub fn cow<'de, D: Deserializer<'de>>(d: D) -> Result<Cow<'de, str>, D::Error> {
    d.deserialize_any(CowVisitor)
}

/// A string, borrowed when possible.
pub struct Str<'a>(pub Cow<'a, str>);

impl<'de> Deserialize<'de> for Str<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CowVisitor).map(Str)
    }
}

struct SeqVisitor;

impl<'de> Visitor<'de> for SeqVisitor {
    type Value = Vec<Cow<'de, str>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of strings")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(Str(s)) = seq.next_element()? {
            out.push(s);
        }
        Ok(out)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
}

/// A list of strings (or `null`).
pub fn cows<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Cow<'de, str>>, D::Error> {
    d.deserialize_any(SeqVisitor)
}

struct Strs<'a>(Vec<Cow<'a, str>>);

impl<'de> Deserialize<'de> for Strs<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SeqVisitor).map(Strs)
    }
}

/// A value of a map of strings: a string ([`Str`]) or a list of strings ([`Strs`]), each
/// borrowed when possible.
trait MapValue<'de>: Deserialize<'de> {
    type Inner;
    /// What a map of these is, for errors.
    const EXPECTING: &'static str;
    fn inner(self) -> Self::Inner;
}

impl<'de> MapValue<'de> for Str<'de> {
    type Inner = Cow<'de, str>;
    const EXPECTING: &'static str = "a map of strings";
    fn inner(self) -> Cow<'de, str> {
        self.0
    }
}

impl<'de> MapValue<'de> for Strs<'de> {
    type Inner = Vec<Cow<'de, str>>;
    const EXPECTING: &'static str = "a map of string lists";
    fn inner(self) -> Vec<Cow<'de, str>> {
        self.0
    }
}

/// A map of strings to `V`, in input order (or `null`, read as empty).
struct MapVisitor<V>(std::marker::PhantomData<V>);

impl<'de, V: MapValue<'de>> Visitor<'de> for MapVisitor<V> {
    type Value = Vec<(Cow<'de, str>, V::Inner)>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(V::EXPECTING)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some((Str(k), v)) = map.next_entry::<Str<'de>, V>()? {
            out.push((k, v.inner()));
        }
        Ok(out)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
}

type Pairs<'a> = Vec<(Cow<'a, str>, Cow<'a, str>)>;

/// A map of strings to strings (`annotations`), in input order.
pub fn pairs<'de, D: Deserializer<'de>>(d: D) -> Result<Pairs<'de>, D::Error> {
    d.deserialize_any(MapVisitor::<Str<'de>>(std::marker::PhantomData))
}

type Extra<'a> = Vec<(Cow<'a, str>, Vec<Cow<'a, str>>)>;

/// `user.extra`: a map of strings to lists of strings, in input order.
pub fn extra<'de, D: Deserializer<'de>>(d: D) -> Result<Extra<'de>, D::Error> {
    d.deserialize_any(MapVisitor::<Strs<'de>>(std::marker::PhantomData))
}
