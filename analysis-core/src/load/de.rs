//! A serde `Deserializer` over the positioned node tree. It knows the field path and position
//! of every node, so a schema error reads `spec.metrics[0].failureLimit: invalid type ...` at
//! the right `line:col`. Scalars resolve as Kubernetes' YAML reader (go-yaml) would, except
//! that a string field takes any scalar's text: `value: 5` is the string "5".

use std::cell::{Cell, RefCell};
use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use super::tree::{CoreTag, Node, NodeKind, Scalar};
use super::{Pos, UnknownField};
use super::{Style, tree::key_segment};

/// Nesting deeper than this is refused: real manifests stay below 20, and the limit keeps
/// recursion (and alias-expanded depth) far from the stack's end.
const MAX_DEPTH: usize = 128;
/// Nodes visited while deserializing one document, counting alias re-visits.
const MAX_VISITS: usize = 1_000_000;
/// Unknown fields kept per document: enough to fix a file, and bounded when aliases repeat
/// one unknown key a million times.
const MAX_UNKNOWN: usize = 100;

/// A deserialization error, located at the innermost node that saw it.
#[derive(Debug)]
pub(crate) struct DeError {
    pub message: String,
    pub at: Option<(Pos, String)>,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            message: msg.to_string(),
            at: None,
        }
    }
}

impl DeError {
    fn locate(mut self, pos: Pos, path: &str) -> DeError {
        if self.at.is_none() {
            self.at = Some((pos, path.to_string()));
        }
        self
    }
}

/// Shared limits for one document, and the unknown fields met so far.
pub(crate) struct Budget {
    visits: Cell<usize>,
    unknown: RefCell<Vec<UnknownField>>,
}

impl Budget {
    pub fn new() -> Budget {
        Budget {
            visits: Cell::new(0),
            unknown: RefCell::new(Vec::new()),
        }
    }
}

/// Deserializes a `T` from `node`, whose path is `path` (e.g. `spec` for a bare snippet), with
/// the keys of its structs that no field takes, in document order.
pub(crate) fn from_node<T: de::DeserializeOwned>(
    node: &Node,
    path: &str,
) -> Result<(T, Vec<UnknownField>), DeError> {
    let budget = Budget::new();
    let value = T::deserialize(De {
        node,
        path: path.to_string(),
        depth: 0,
        budget: &budget,
    })?;
    Ok((value, budget.unknown.into_inner()))
}

pub(crate) struct De<'a> {
    node: &'a Node,
    path: String,
    depth: usize,
    budget: &'a Budget,
}

/// A plain scalar resolved as go-yaml (YAML 1.1, as used by Kubernetes) does.
enum Resolved<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(&'a str),
}

pub(crate) fn is_null(s: &Scalar) -> bool {
    match s.tag {
        Some(CoreTag::Null) => true,
        Some(_) => false,
        None => {
            s.style == Style::Plain
                && matches!(s.text.as_str(), "" | "~" | "null" | "Null" | "NULL")
        }
    }
}

fn parse_bool(t: &str) -> Option<bool> {
    match t {
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => {
            Some(true)
        }
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" => {
            Some(false)
        }
        _ => None,
    }
}

fn parse_int(t: &str) -> Option<Resolved<'static>> {
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let octal = digits
        .strip_prefix('0')
        .filter(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()));
    let (radix, body) = if let Some(h) = digits.strip_prefix("0x") {
        (16, h)
    } else if let Some(o) = digits.strip_prefix("0o") {
        (8, o)
    } else if let Some(o) = octal {
        (8, o)
    } else {
        (10, digits)
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(body, radix).ok()?;
    if neg {
        if magnitude <= i64::MAX as u64 + 1 {
            Some(Resolved::Int((magnitude as i128).wrapping_neg() as i64))
        } else {
            None
        }
    } else if magnitude <= i64::MAX as u64 {
        Some(Resolved::Int(magnitude as i64))
    } else {
        Some(Resolved::UInt(magnitude))
    }
}

fn parse_float(t: &str) -> Option<f64> {
    match t {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (mantissa, exponent) = match body.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (body, None),
    };
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((a, b)) => digits_ok(a) && digits_ok(b) && !(a.is_empty() && b.is_empty()),
        None => !mantissa.is_empty() && digits_ok(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits_ok(e)
    });
    if mantissa_ok && exponent_ok {
        t.parse::<f64>().ok()
    } else {
        None
    }
}

fn resolve(s: &Scalar) -> Resolved<'_> {
    if is_null(s) {
        return Resolved::Null;
    }
    let t = s.text.as_str();
    match s.tag {
        Some(CoreTag::Str) => return Resolved::Str(t),
        Some(CoreTag::Bool) => return parse_bool(t).map_or(Resolved::Str(t), Resolved::Bool),
        Some(CoreTag::Int) => return parse_int(t).unwrap_or(Resolved::Str(t)),
        Some(CoreTag::Float) => {
            return parse_int(t)
                .map(|r| match r {
                    Resolved::Int(i) => Resolved::Float(i as f64),
                    Resolved::UInt(u) => Resolved::Float(u as f64),
                    other => other,
                })
                .or_else(|| parse_float(t).map(Resolved::Float))
                .unwrap_or(Resolved::Str(t));
        }
        _ => {}
    }
    if s.style != Style::Plain {
        return Resolved::Str(t);
    }
    if let Some(b) = parse_bool(t) {
        return Resolved::Bool(b);
    }
    if let Some(i) = parse_int(t) {
        return i;
    }
    if let Some(f) = parse_float(t) {
        return Resolved::Float(f);
    }
    Resolved::Str(t)
}

impl<'a> De<'a> {
    fn child(&self, node: &'a Node, path: String) -> Result<De<'a>, DeError> {
        let visits = self.budget.visits.get() + 1;
        self.budget.visits.set(visits);
        if visits > MAX_VISITS {
            return Err(de::Error::custom(
                "document too large: more than 1000000 nodes after alias expansion",
            ));
        }
        if self.depth + 1 > MAX_DEPTH {
            return Err(de::Error::custom("document nested too deeply (limit 128)"));
        }
        Ok(De {
            node,
            path,
            depth: self.depth + 1,
            budget: self.budget,
        })
    }

    fn any<'de, V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match &self.node.kind {
            NodeKind::Scalar(s) => match resolve(s) {
                Resolved::Null => v.visit_unit(),
                Resolved::Bool(b) => v.visit_bool(b),
                Resolved::Int(i) => v.visit_i64(i),
                Resolved::UInt(u) => v.visit_u64(u),
                Resolved::Float(f) => v.visit_f64(f),
                Resolved::Str(t) => v.visit_str(t),
            },
            NodeKind::Seq(_) => self.seq(v),
            NodeKind::Map(_) => self.map(v, None),
        }
    }

    fn seq<'de, V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match &self.node.kind {
            NodeKind::Seq(items) => v.visit_seq(Seq {
                parent: &self,
                items,
                index: 0,
            }),
            NodeKind::Scalar(s) if is_null(s) => v.visit_seq(Seq {
                parent: &self,
                items: &[],
                index: 0,
            }),
            _ => self.any_non_collection(v),
        }
    }

    /// A mapping; `fields` is the struct's field list when serde asked for a struct, so keys
    /// outside it are recorded as unknown (maps, `serde_json::Value` and `#[serde(flatten)]`
    /// structs arrive without one: their keys are free).
    fn map<'de, V: Visitor<'de>>(
        self,
        v: V,
        fields: Option<&'static [&'static str]>,
    ) -> Result<V::Value, DeError> {
        match &self.node.kind {
            NodeKind::Map(entries) => v.visit_map(Map {
                parent: &self,
                entries,
                index: 0,
                fields,
            }),
            NodeKind::Scalar(s) if is_null(s) => v.visit_map(Map {
                parent: &self,
                entries: &[],
                index: 0,
                fields,
            }),
            _ => self.any_non_collection(v),
        }
    }

    /// A mismatched shape: let the visitor produce serde's "invalid type" message.
    fn any_non_collection<'de, V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match &self.node.kind {
            NodeKind::Seq(items) => v.visit_seq(Seq {
                parent: &self,
                items,
                index: 0,
            }),
            NodeKind::Map(entries) => v.visit_map(Map {
                parent: &self,
                entries,
                index: 0,
                fields: None,
            }),
            NodeKind::Scalar(_) => self.any(v),
        }
    }

    /// Go's zero value for a null scalar in a typed field, else the normal resolution.
    fn primitive<'de, V: Visitor<'de>>(
        self,
        v: V,
        zero: impl FnOnce(V) -> Result<V::Value, DeError>,
    ) -> Result<V::Value, DeError> {
        match &self.node.kind {
            NodeKind::Scalar(s) if is_null(s) => zero(v),
            _ => self.any(v),
        }
    }
}

macro_rules! located {
    ($self:ident, $body:expr) => {{
        let pos = $self.node.start;
        let path = $self.path.clone();
        $body.map_err(|e: DeError| e.locate(pos, &path))
    }};
}

impl<'de> de::Deserializer<'de> for De<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        located!(self, self.any(v))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        located!(self, self.primitive(v, |v| v.visit_bool(false)))
    }

    fn deserialize_i8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        located!(self, self.primitive(v, |v| v.visit_i64(0)))
    }
    fn deserialize_i16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        located!(self, self.primitive(v, |v| v.visit_i64(0)))
    }
    fn deserialize_i32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        located!(self, self.primitive(v, |v| v.visit_i64(0)))
    }
    fn deserialize_i64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        located!(self, self.primitive(v, |v| v.visit_i64(0)))
    }
    fn deserialize_u8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        located!(self, self.primitive(v, |v| v.visit_u64(0)))
    }
    fn deserialize_u16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        located!(self, self.primitive(v, |v| v.visit_u64(0)))
    }
    fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        located!(self, self.primitive(v, |v| v.visit_u64(0)))
    }
    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        located!(self, self.primitive(v, |v| v.visit_u64(0)))
    }
    fn deserialize_f32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        located!(self, self.primitive(v, |v| v.visit_f64(0.0)))
    }
    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        located!(self, self.primitive(v, |v| v.visit_f64(0.0)))
    }

    fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        located!(self, {
            match &self.node.kind {
                NodeKind::Scalar(s) if is_null(s) => v.visit_str(""),
                NodeKind::Scalar(s) => v.visit_str(&s.text),
                _ => self.any(v),
            }
        })
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_any(v)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_any(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match &self.node.kind {
            NodeKind::Scalar(s) if is_null(s) => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_any(v)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_any(v)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        located!(self, self.seq(v))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, v: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        v: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        located!(self, self.map(v, None))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        located!(self, self.map(v, Some(fields)))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        located!(self, {
            match &self.node.kind {
                NodeKind::Scalar(s) => v.visit_enum(s.text.as_str().into_deserializer()),
                _ => Err(de::Error::custom(
                    "expected a string naming an enum variant",
                )),
            }
        })
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_unit()
    }
}

struct Seq<'p, 'a> {
    parent: &'p De<'a>,
    items: &'a [std::rc::Rc<Node>],
    index: usize,
}

impl<'de> SeqAccess<'de> for Seq<'_, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some(item) = self.items.get(self.index) else {
            return Ok(None);
        };
        let path = format!("{}[{}]", self.parent.path, self.index);
        self.index += 1;
        let de = self
            .parent
            .child(item, path.clone())
            .map_err(|e| e.locate(item.start, &path))?;
        seed.deserialize(de)
            .map(Some)
            .map_err(|e| e.locate(item.start, &path))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len().saturating_sub(self.index))
    }
}

struct Map<'p, 'a> {
    parent: &'p De<'a>,
    entries: &'a [(std::rc::Rc<Node>, std::rc::Rc<Node>)],
    index: usize,
    /// The struct's field names (serde's `FIELDS`), `None` for a free-form map.
    fields: Option<&'static [&'static str]>,
}

impl Map<'_, '_> {
    /// Records `key` when this is a struct that has no field of that name.
    fn check_known(&self, key: &Node, text: &str) {
        let Some(fields) = self.fields else {
            return;
        };
        if fields.contains(&text) {
            return;
        }
        let mut unknown = self.parent.budget.unknown.borrow_mut();
        if unknown.len() < MAX_UNKNOWN {
            unknown.push(UnknownField {
                path: key_segment(&self.parent.path, text),
                name: text.to_string(),
                pos: key.start,
                known: fields,
            });
        }
    }
}

impl<'de> MapAccess<'de> for Map<'_, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((key, _)) = self.entries.get(self.index) else {
            return Ok(None);
        };
        let mut text = String::new();
        render_key(key, &mut text);
        self.check_known(key, &text);
        seed.deserialize(text.into_deserializer())
            .map(Some)
            .map_err(|e: DeError| e.locate(key.start, &self.parent.path))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some((key, value)) = self.entries.get(self.index) else {
            return Err(de::Error::custom(
                "value requested past the end of a mapping",
            ));
        };
        self.index += 1;
        let path = key_segment(&self.parent.path, key.scalar_text().unwrap_or("?"));
        let de = self
            .parent
            .child(value, path.clone())
            .map_err(|e| e.locate(value.start, &path))?;
        seed.deserialize(de)
            .map_err(|e| e.locate(value.start, &path))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len().saturating_sub(self.index))
    }
}

/// Longest text a mapping key renders to; aliases could otherwise make it explode.
const MAX_KEY_LEN: usize = 1024;

/// Every mapping key becomes a string, as JSON needs. A collection key (`{{args.x}}` written
/// unquoted is a flow mapping inside a flow mapping) is rendered back as compact flow YAML, so
/// `{{args.x}}` survives as that very text.
fn render_key(node: &Node, out: &mut String) {
    if out.len() > MAX_KEY_LEN {
        return;
    }
    match &node.kind {
        NodeKind::Scalar(s) => out.push_str(&s.text),
        NodeKind::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_key(item, out);
            }
            out.push(']');
        }
        NodeKind::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_key(k, out);
                if !matches!(&v.kind, NodeKind::Scalar(s) if is_null(s)) {
                    out.push_str(": ");
                    render_key(v, out);
                }
            }
            out.push('}');
        }
    }
}
