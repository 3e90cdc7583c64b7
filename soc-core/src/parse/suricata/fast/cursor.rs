//! The cursor of the fast reader: a position in one line and the JSON
//! subset it reads (see the [parent module](super)).

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::parse::suricata::lenient::{Fields, Lv, RawObj, Src};
use crate::swar::{HI, LO};

/// The fast reader gave up: read the line with `serde_json` instead.
pub(in crate::parse::suricata) struct Bail;

/// Deepest nesting the fast reader follows (the top object is level 1).
const MAX_DEPTH: u32 = 100;

/// A position in one line.
pub(in crate::parse::suricata) struct Cur<'a> {
    s: &'a str,
    i: usize,
    depth: u32,
}

/// Index of the first `"`, `\` or control character at or after `i`.
#[inline]
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    // Eight bytes at a time: a byte is flagged when it is `"` or `\`
    // (its xor is zero) or below 0x20. The lowest flag is always exact
    // (borrows only run upwards), which is the one taken.
    while let Some(chunk) = b.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let x = u64::from_le_bytes(w);
        let q = x ^ (LO * u64::from(b'"'));
        let e = x ^ (LO * u64::from(b'\\'));
        let t = ((q.wrapping_sub(LO) & !q)
            | (e.wrapping_sub(LO) & !e)
            | (x.wrapping_sub(LO * 0x20) & !x))
            & HI;
        if t != 0 {
            return Some(i + (t.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            return Some(i);
        }
        i += 1;
    }
    None
}

impl<'a> Cur<'a> {
    /// A cursor on `line`'s top-level `{` (after leading whitespace), or
    /// `None` when the line does not start with an object.
    pub(super) fn at_object(line: &'a str) -> Option<Self> {
        let mut c = Cur {
            s: line,
            i: 0,
            depth: 0,
        };
        (c.ws() == Some(b'{')).then_some(c)
    }

    /// Skips whitespace; the next byte (`None` at the end).
    #[inline]
    pub(super) fn ws(&mut self) -> Option<u8> {
        let b = self.s.as_bytes();
        loop {
            let c = *b.get(self.i)?;
            // JSON whitespace is all at or below the space.
            if c > b' ' {
                return Some(c);
            }
            if matches!(c, b' ' | b'\n' | b'\t' | b'\r') {
                self.i += 1;
            } else {
                return Some(c);
            }
        }
    }

    /// The byte after whitespace must be `c`; steps over it.
    #[inline]
    pub(super) fn eat(&mut self, c: u8) -> Result<(), Bail> {
        if self.ws() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(Bail)
        }
    }

    /// A string without escapes; `self.i` is at its opening quote.
    #[inline]
    pub(super) fn string(&mut self) -> Result<&'a str, Bail> {
        let b = self.s.as_bytes();
        let start = self.i + 1;
        let end = string_end(b, start).ok_or(Bail)?;
        if b.get(end) != Some(&b'"') {
            return Err(Bail);
        }
        self.i = end + 1;
        // Both ends are at ASCII quotes, so on char boundaries.
        self.s.get(start..end).ok_or(Bail)
    }

    /// Steps over a string without escapes; `self.i` is at its opening
    /// quote.
    #[inline]
    pub(super) fn skip_string(&mut self) -> Result<(), Bail> {
        self.string().map(drop)
    }

    /// A non-negative integer of at most 19 digits (no fraction, no
    /// exponent); `self.i` is at its first digit.
    #[inline]
    pub(super) fn uint(&mut self) -> Result<u64, Bail> {
        let b = self.s.as_bytes();
        let start = self.i;
        let mut n: u64 = 0;
        match b.get(start) {
            Some(b'0') => self.i += 1,
            Some(_) => {
                while let Some(&d @ b'0'..=b'9') = b.get(self.i) {
                    if self.i - start == 19 {
                        return Err(Bail);
                    }
                    n = n * 10 + u64::from(d - b'0');
                    self.i += 1;
                }
            }
            None => return Err(Bail),
        }
        // A fraction, an exponent, or a digit after a leading zero.
        if matches!(b.get(self.i), Some(b'.' | b'e' | b'E' | b'0'..=b'9')) {
            return Err(Bail);
        }
        Ok(n)
    }

    /// `true`, `false` or `null` (`lit` without its first byte checked).
    #[inline]
    pub(super) fn literal(&mut self, lit: &[u8]) -> Result<(), Bail> {
        let b = self.s.as_bytes();
        if b.get(self.i..self.i + lit.len()) == Some(lit) {
            self.i += lit.len();
            Ok(())
        } else {
            Err(Bail)
        }
    }

    /// Enters an object or array (`self.i` at its bracket).
    #[inline]
    pub(super) fn enter(&mut self) -> Result<(), Bail> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Bail);
        }
        self.i += 1;
        Ok(())
    }

    /// An object: `f(cursor, key)` reads each value. `self.i` is at `{`.
    #[inline]
    pub(super) fn object(
        &mut self,
        mut f: impl FnMut(&mut Self, &'a str) -> Result<(), Bail>,
    ) -> Result<(), Bail> {
        self.enter()?;
        if self.ws() == Some(b'}') {
            self.i += 1;
            self.depth -= 1;
            return Ok(());
        }
        loop {
            if self.ws() != Some(b'"') {
                return Err(Bail);
            }
            let k = self.string()?;
            self.eat(b':')?;
            f(self, k)?;
            match self.ws() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                _ => return Err(Bail),
            }
        }
    }

    /// An array: `f(cursor)` reads each element. `self.i` is at `[`.
    #[inline]
    pub(super) fn array(
        &mut self,
        mut f: impl FnMut(&mut Self) -> Result<(), Bail>,
    ) -> Result<(), Bail> {
        self.enter()?;
        if self.ws() == Some(b']') {
            self.i += 1;
            self.depth -= 1;
            return Ok(());
        }
        loop {
            f(self)?;
            match self.ws() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                _ => return Err(Bail),
            }
        }
    }
}

impl<'a> Src<'a> for Cur<'a> {
    type Error = Bail;

    fn lv(&mut self) -> Result<Lv<'a>, Bail> {
        match self.ws() {
            Some(b'"') => Ok(Lv::Str(Cow::Borrowed(self.string()?))),
            Some(b'0'..=b'9') => Ok(Lv::U(self.uint()?)),
            Some(b't') => self.literal(b"true").map(|()| Lv::Bool(true)),
            Some(b'f') => self.literal(b"false").map(|()| Lv::Bool(false)),
            Some(b'n') => self.literal(b"null").map(|()| Lv::Other),
            Some(b'{' | b'[') => self.skip().map(|()| Lv::Other),
            _ => Err(Bail),
        }
    }

    /// Validates and steps over a value without reading it.
    fn skip(&mut self) -> Result<(), Bail> {
        match self.ws() {
            Some(b'"') => self.skip_string(),
            Some(b'0'..=b'9') => self.uint().map(drop),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'{') => self.object(|c, _| c.skip()),
            Some(b'[') => self.array(Cur::skip),
            _ => Err(Bail),
        }
    }

    /// Built as `serde_json` builds a `Value` (a key given twice keeps its
    /// first place and its last value).
    fn value(&mut self) -> Result<Value, Bail> {
        match self.ws() {
            Some(b'"') => Ok(Value::String(self.string()?.to_owned())),
            Some(b'0'..=b'9') => Ok(Value::Number(self.uint()?.into())),
            Some(b't') => self.literal(b"true").map(|()| Value::Bool(true)),
            Some(b'f') => self.literal(b"false").map(|()| Value::Bool(false)),
            Some(b'n') => self.literal(b"null").map(|()| Value::Null),
            Some(b'{') => {
                let mut m = Map::new();
                self.object(|c, k| {
                    m.insert(k.to_owned(), c.value()?);
                    Ok(())
                })?;
                Ok(Value::Object(m))
            }
            Some(b'[') => {
                let mut v = Vec::new();
                self.array(|c| {
                    v.push(c.value()?);
                    Ok(())
                })?;
                Ok(Value::Array(v))
            }
            _ => Err(Bail),
        }
    }

    fn obj<T: Fields<'a>>(&mut self) -> Result<Option<T>, Bail> {
        if self.ws() != Some(b'{') {
            return self.skip().map(|()| None);
        }
        let mut t = T::default();
        self.object(|c, k| t.field(k, c))?;
        Ok(Some(t))
    }

    fn objs<T: Fields<'a>>(&mut self) -> Result<Option<Vec<Option<T>>>, Bail> {
        if self.ws() != Some(b'[') {
            return self.skip().map(|()| None);
        }
        let mut v = Vec::new();
        self.array(|c| {
            v.push(c.obj::<T>()?);
            Ok(())
        })?;
        Ok(Some(v))
    }

    fn raw_obj(&mut self) -> Result<Option<RawObj<'a>>, Bail> {
        if self.ws() != Some(b'{') {
            return self.skip().map(|()| None);
        }
        let start = self.i;
        self.skip()?;
        Ok(Some(RawObj::Text(self.s.get(start..self.i).ok_or(Bail)?)))
    }

    fn hash_of(&mut self) -> Result<Option<String>, Bail> {
        match self.ws() {
            Some(b'{') => {
                let mut h = None;
                self.object(|c, k| {
                    if k == "hash" {
                        h = c.lv()?.text_or_bool();
                        Ok(())
                    } else {
                        c.skip()
                    }
                })?;
                Ok(h)
            }
            Some(b'"') => Ok(Some(self.string()?.to_owned())),
            _ => self.skip().map(|()| None),
        }
    }

    fn vlan(&mut self) -> Result<Vec<u64>, Bail> {
        match self.ws() {
            Some(b'[') => {
                let mut v = Vec::new();
                self.array(|c| {
                    v.extend(c.lv()?.number());
                    Ok(())
                })?;
                Ok(v)
            }
            Some(b'0'..=b'9') => Ok(vec![self.uint()?]),
            _ => self.skip().map(|()| Vec::new()),
        }
    }
}
