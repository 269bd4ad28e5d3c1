//! YAML (and JSON, a YAML subset) events into a small positioned node tree, one per document.
//! Building it ourselves lets every error and every lint finding point at `line:col`, and keeps
//! alias expansion shared (`Rc`) so a "billion laughs" document costs no memory.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

use serde_saphyr::granit_parser::{Event, Marker, Parser, ScalarStyle, Span};

use super::{FieldPos, Pos, Positions, Style};

/// A YAML core tag written on a scalar (`!!str 5`); other tags are ignored, as Kubernetes does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CoreTag {
    Str,
    Int,
    Float,
    Bool,
    Null,
}

#[derive(Debug)]
pub(crate) struct Scalar {
    pub text: String,
    pub style: Style,
    pub tag: Option<CoreTag>,
}

#[derive(Debug)]
pub(crate) enum NodeKind {
    Scalar(Scalar),
    Seq(Vec<Rc<Node>>),
    Map(Vec<(Rc<Node>, Rc<Node>)>),
}

#[derive(Debug)]
pub(crate) struct Node {
    pub start: Pos,
    pub kind: NodeKind,
}

impl Node {
    /// The text of a scalar node, `None` for collections.
    pub fn scalar_text(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(&s.text),
            _ => None,
        }
    }

    /// Looks a key up in a mapping node (last occurrence wins, like Go maps).
    pub fn get(&self, key: &str) -> Option<&Rc<Node>> {
        match &self.kind {
            NodeKind::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k.scalar_text() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

/// One document of the stream: its root (absent for an empty document) and where each node is.
pub(crate) struct RawDocument {
    pub root: Option<Rc<Node>>,
    pub positions: Positions,
}

/// A YAML syntax error at a position.
#[derive(Debug)]
pub(crate) struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

enum Frame {
    Seq {
        start: Pos,
        anchor: usize,
        path: String,
        items: Vec<Rc<Node>>,
    },
    Map {
        start: Pos,
        anchor: usize,
        path: String,
        entries: Vec<(Rc<Node>, Rc<Node>)>,
        key: Option<Rc<Node>>,
    },
}

pub(crate) fn pos_of(m: &Marker) -> Pos {
    Pos {
        line: m.line(),
        col: m.col() + 1,
        offset: m.byte_offset().unwrap_or(0),
    }
}

/// A path segment for a mapping key: bare when it reads as an identifier, else `["..."]`.
pub(crate) fn key_segment(parent: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$');
    match (parent.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{parent}.{key}"),
        (_, false) => format!("{parent}[{}]", serde_json::Value::String(key.to_string())),
    }
}

fn style_of(s: ScalarStyle) -> Style {
    match s {
        ScalarStyle::Plain => Style::Plain,
        ScalarStyle::SingleQuoted => Style::SingleQuoted,
        ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
        ScalarStyle::Literal => Style::Literal,
        ScalarStyle::Folded => Style::Folded,
    }
}

struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Rc<Node>>,
    root: Option<Rc<Node>>,
    positions: BTreeMap<String, FieldPos>,
}

impl Builder {
    fn new() -> Builder {
        Builder {
            stack: Vec::new(),
            anchors: HashMap::new(),
            root: None,
            positions: BTreeMap::new(),
        }
    }

    /// The path a node completed now will have (None when it is a mapping key).
    fn child_path(&self) -> Option<String> {
        match self.stack.last() {
            None => Some(String::new()),
            Some(Frame::Seq { path, items, .. }) => Some(format!("{path}[{}]", items.len())),
            Some(Frame::Map { path, key, .. }) => key
                .as_ref()
                .map(|k| key_segment(path, k.scalar_text().unwrap_or("?"))),
        }
    }

    fn pending_key_pos(&self) -> Option<Pos> {
        match self.stack.last() {
            Some(Frame::Map { key: Some(k), .. }) => Some(k.start),
            _ => None,
        }
    }

    /// Attaches a finished node to its parent, recording where it is.
    fn attach(&mut self, node: Rc<Node>, span: (Pos, Pos), style: Option<Style>) {
        if let Some(path) = self.child_path() {
            let key = self.pending_key_pos();
            self.positions.insert(
                path,
                FieldPos {
                    key,
                    value: span.0,
                    end: span.1,
                    style,
                },
            );
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }

    fn register(&mut self, anchor: usize, node: &Rc<Node>) {
        if anchor != 0 {
            self.anchors.insert(anchor, Rc::clone(node));
        }
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), SyntaxError> {
        let start = pos_of(&span.start);
        let end = pos_of(&span.end);
        match event {
            Event::DocumentStart(..) => {
                self.anchors.clear();
                self.root = None;
                self.positions.clear();
            }
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tag.and_then(|t| match t.core_suffix() {
                    Some("str") => Some(CoreTag::Str),
                    Some("int") => Some(CoreTag::Int),
                    Some("float") => Some(CoreTag::Float),
                    Some("bool") => Some(CoreTag::Bool),
                    Some("null") => Some(CoreTag::Null),
                    _ => None,
                });
                let style = style_of(style);
                let node = Rc::new(Node {
                    start,
                    kind: NodeKind::Scalar(Scalar {
                        text: text.into_owned(),
                        style,
                        tag,
                    }),
                });
                self.register(anchor, &node);
                self.attach(node, (start, end), Some(style));
            }
            Event::Alias(id) => {
                let node = self.anchors.get(&id).cloned().ok_or_else(|| SyntaxError {
                    pos: start,
                    message: "alias refers to an anchor that is not complete (recursive alias)"
                        .to_string(),
                })?;
                self.attach(node, (start, end), None);
            }
            Event::SequenceStart(_, anchor, _) => {
                let path = self.child_path().unwrap_or_default();
                self.stack.push(Frame::Seq {
                    start,
                    anchor,
                    path,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(_, anchor, _) => {
                let path = self.child_path().unwrap_or_default();
                self.stack.push(Frame::Map {
                    start,
                    anchor,
                    path,
                    entries: Vec::new(),
                    key: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq {
                        start,
                        anchor,
                        items,
                        ..
                    }) => (
                        Node {
                            start,
                            kind: NodeKind::Seq(items),
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        start,
                        anchor,
                        entries,
                        ..
                    }) => (
                        Node {
                            start,
                            kind: NodeKind::Map(merge_keys(entries)),
                        },
                        anchor,
                    ),
                    None => {
                        return Err(SyntaxError {
                            pos: start,
                            message: "unbalanced collection end".to_string(),
                        });
                    }
                };
                let node_start = node.start;
                let node = Rc::new(node);
                self.register(anchor, &node);
                self.attach(node, (node_start, end), None);
            }
            Event::UnresolvedAlias(name) => {
                return Err(SyntaxError {
                    pos: start,
                    message: format!("unknown anchor '{name}'"),
                });
            }
            _ => {}
        }
        Ok(())
    }
}

/// Applies YAML merge keys (`<<: *base`, `<<: [*a, *b]`): explicit keys win, then earlier
/// merged maps, as go-yaml (and so kubectl) does.
fn merge_keys(entries: Vec<(Rc<Node>, Rc<Node>)>) -> Vec<(Rc<Node>, Rc<Node>)> {
    let is_merge = |k: &Rc<Node>| matches!(&k.kind, NodeKind::Scalar(s) if s.text == "<<" && s.style == Style::Plain);
    if !entries.iter().any(|(k, _)| is_merge(k)) {
        return entries;
    }
    let mut out = Vec::new();
    let mut merged = Vec::new();
    for (k, v) in entries {
        if is_merge(&k) {
            match &v.kind {
                NodeKind::Map(_) => merged.push(v),
                NodeKind::Seq(items) => merged.extend(items.iter().cloned()),
                NodeKind::Scalar(_) => {}
            }
        } else {
            out.push((k, v));
        }
    }
    let mut seen: HashSet<String> = out
        .iter()
        .filter_map(|(k, _)| k.scalar_text().map(str::to_string))
        .collect();
    for m in merged {
        if let NodeKind::Map(inner) = &m.kind {
            for (k, v) in inner {
                let Some(text) = k.scalar_text() else {
                    continue;
                };
                if seen.insert(text.to_string()) {
                    out.push((Rc::clone(k), Rc::clone(v)));
                }
            }
        }
    }
    out
}

/// Parses a whole stream into documents. Empty documents are kept (root `None`) so callers can
/// count them; the parser itself bounds nesting depth (255 flow, 255 block).
pub(crate) fn parse_stream(text: &str) -> Result<Vec<RawDocument>, SyntaxError> {
    let mut docs = Vec::new();
    let mut builder = Builder::new();
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| SyntaxError {
            pos: pos_of(e.marker()),
            message: e.info(),
        })?;
        if matches!(event, Event::DocumentEnd) {
            docs.push(RawDocument {
                root: builder.root.take(),
                positions: Positions(std::mem::take(&mut builder.positions)),
            });
            builder.stack.clear();
            continue;
        }
        builder.event(event, span)?;
    }
    Ok(docs)
}
