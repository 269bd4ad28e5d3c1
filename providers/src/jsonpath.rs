//! Kubernetes-style JSONPath (`k8s.io/client-go/util/jsonpath`, what Argo's web provider uses)
//! on top of jsonpath-rust (RFC 9535): `{…}` actions are rewritten to RFC paths, text outside
//! braces is literal, and an empty answer is explained with k8s' error texts
//! (`status is not found`, `array index out of bounds: …`). `range`/`end` are not supported.

use jsonpath_rust::parser::model::{JpQuery, Segment, Selector};
use jsonpath_rust::parser::parse_json_path;
use jsonpath_rust::query::js_path_process;
use serde_json::Value as Json;

/// The longest jsonPath template accepted: real ones are a few dozen characters.
pub(crate) const MAX_LEN: usize = 1024;
/// The deepest nesting of `(` and `[` accepted in an action. jsonpath-rust's parser
/// backtracks about three times per nested parenthesis (13 levels took 12.8 s); at this depth
/// the worst case parses in about 0.1 ms, and real filters nest two to four deep.
pub(crate) const MAX_DEPTH: usize = 5;

/// A parsed template: literal text and JSONPath actions, in order.
#[derive(Clone, Debug)]
pub(crate) struct K8sJsonPath {
    parts: Vec<Part>,
}

#[derive(Clone, Debug)]
enum Part {
    Text(String),
    Query(JpQuery),
}

impl K8sJsonPath {
    /// Parses a template; an empty one means `{$}` as in Argo.
    pub(crate) fn parse(template: &str) -> Result<K8sJsonPath, String> {
        let template = if template.is_empty() { "{$}" } else { template };
        if template.len() > MAX_LEN {
            return Err(format!(
                "invalid jsonPath: {} bytes long, longer than the {MAX_LEN} Augur accepts",
                template.len()
            ));
        }
        let mut parts = Vec::new();
        let mut rest = template;
        while !rest.is_empty() {
            let Some(open) = rest.find('{') else {
                parts.push(Part::Text(rest.to_string()));
                break;
            };
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            let action_start = open + 1;
            let close = find_close(&rest[action_start..]).ok_or("unclosed action")?;
            let action = rest[action_start..action_start + close].trim();
            parts.push(Part::Query(to_rfc(action)?));
            rest = &rest[action_start + close + 1..];
        }
        Ok(K8sJsonPath { parts })
    }

    /// The first value the template produces (Argo's `getValue`), `Ok(None)` when none, or the
    /// k8s error for a missing key or a bad index.
    pub(crate) fn first_value(&self, doc: &Json) -> Result<Option<Json>, String> {
        let mut first = None;
        for part in &self.parts {
            let found = match part {
                Part::Text(t) => Some(Json::String(t.clone())),
                Part::Query(q) => {
                    let results = js_path_process(q, doc).map_err(|e| e.to_string())?;
                    match results.first() {
                        Some(r) => Some(r.val.clone()),
                        None => {
                            explain_empty(q, doc)?;
                            None
                        }
                    }
                }
            };
            if first.is_none() {
                first = found;
            }
        }
        Ok(first)
    }
}

/// Whether a left-to-right scan is inside a quoted string (`'…'` or `"…"`, with backslash
/// escapes): the one rule both the action splitter and the bounds check follow.
#[derive(Default)]
struct Quotes {
    open: Option<char>,
    escaped: bool,
}

impl Quotes {
    /// Feeds `c`; true when it belongs to a quoted string, its quotes included.
    fn quoted(&mut self, c: char) -> bool {
        if let Some(q) = self.open {
            if self.escaped {
                self.escaped = false;
            } else if c == '\\' {
                self.escaped = true;
            } else if c == q {
                self.open = None;
            }
            return true;
        }
        if matches!(c, '\'' | '"') {
            self.open = Some(c);
            return true;
        }
        false
    }
}

/// The index of the `}` closing an action, skipping quoted strings.
fn find_close(s: &str) -> Option<usize> {
    let mut quotes = Quotes::default();
    s.char_indices()
        .find(|&(_, c)| !quotes.quoted(c) && c == '}')
        .map(|(i, _)| i)
}

/// Rewrites a k8s action (`$.a.b`, `.a[0]`, `..x`, `.a['b.c']`) into an RFC 9535 query.
/// Dotted names become bracketed (`['b-c']`), since k8s allows characters RFC shorthand lacks.
fn to_rfc(action: &str) -> Result<JpQuery, String> {
    let body = action.strip_prefix('$').unwrap_or(action);
    if !body.is_empty() && !body.starts_with(['.', '[']) {
        let word: String = body.chars().take_while(|c| c.is_alphanumeric()).collect();
        return Err(match word.as_str() {
            "range" | "end" => format!("jsonpath {word} templates are not supported"),
            _ => format!("unrecognized identifier {body}"),
        });
    }
    let mut out = String::from("$");
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '.' => {
                i += 1;
                if chars.get(i) == Some(&'.') {
                    out.push_str("..");
                    i += 1;
                }
                if chars.get(i) == Some(&'[') {
                    continue;
                }
                let start = i;
                while chars.get(i).is_some_and(|c| !matches!(c, '.' | '[')) {
                    i += 1;
                }
                let name: String = chars.get(start..i).unwrap_or_default().iter().collect();
                match name.as_str() {
                    "" if out.ends_with("..") => return Err(format!("invalid jsonPath {action}")),
                    "" => {}
                    "*" => out.push_str("[*]"),
                    _ => {
                        out.push_str("['");
                        out.push_str(&name.replace('\\', "\\\\").replace('\'', "\\'"));
                        out.push_str("']");
                    }
                }
            }
            '[' => {
                let start = i;
                let mut depth = 0usize;
                let mut quote: Option<char> = None;
                while let Some(&c) = chars.get(i) {
                    i += 1;
                    match (quote, c) {
                        (Some(q), c) if c == q => quote = None,
                        (Some(_), '\\') => i += 1,
                        (Some(_), _) => {}
                        (None, '\'' | '"') => quote = Some(c),
                        (None, '[') => depth += 1,
                        (None, ']') => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                out.extend(chars.get(start..i).unwrap_or_default());
            }
            c => return Err(format!("invalid jsonPath {action}: unexpected {c:?}")),
        }
    }
    bounded(&out).map_err(|e| format!("invalid jsonPath {action}: {e}"))?;
    parse_json_path(&out).map_err(|e| format!("invalid jsonPath {action}: {e}"))
}

/// Checks, in one linear pass, what jsonpath-rust's backtracking parser would spend
/// exponential time on or reject anyway: brackets and parentheses outside quoted strings must
/// balance and nest at most [`MAX_DEPTH`] deep.
fn bounded(rfc: &str) -> Result<(), String> {
    let mut open: Vec<char> = Vec::new();
    let mut quotes = Quotes::default();
    for c in rfc.chars() {
        if quotes.quoted(c) {
            continue;
        }
        match c {
            '(' | '[' => {
                open.push(c);
                if open.len() > MAX_DEPTH {
                    return Err(format!(
                        "brackets and parentheses nest more than {MAX_DEPTH} deep"
                    ));
                }
            }
            ')' | ']' => {
                let want = if c == ')' { '(' } else { '[' };
                if open.pop() != Some(want) {
                    return Err(format!("unbalanced {c:?}"));
                }
            }
            _ => {}
        }
    }
    match (quotes.open, open.last()) {
        (Some(q), _) => Err(format!("unclosed {q}...{q} string")),
        (None, Some(c)) => Err(format!("unclosed {c:?}")),
        (None, None) => Ok(()),
    }
}

/// Finds the segment where the answer became empty and gives k8s' reason, if k8s has one.
fn explain_empty(q: &JpQuery, doc: &Json) -> Result<(), String> {
    for n in 0..q.segments.len() {
        let prefix = JpQuery::new(q.segments.get(..n).unwrap_or_default().to_vec());
        let inputs = js_path_process(&prefix, doc).map_err(|e| e.to_string())?;
        if inputs.is_empty() {
            return Ok(());
        }
        let next = JpQuery::new(q.segments.get(..=n).unwrap_or_default().to_vec());
        if !js_path_process(&next, doc)
            .map_err(|e| e.to_string())?
            .is_empty()
        {
            continue;
        }
        return match q.segments.get(n) {
            Some(Segment::Selector(Selector::Name(k))) => Err(format!("{k} is not found")),
            Some(Segment::Descendant(inner)) => match inner.as_ref() {
                Segment::Selector(Selector::Name(k)) => Err(format!("{k} is not found")),
                _ => Ok(()),
            },
            Some(Segment::Selector(Selector::Index(idx))) => {
                for input in inputs.iter().map(|r| r.val) {
                    match input {
                        Json::Null => continue,
                        Json::Array(a) => {
                            let len = i64::try_from(a.len()).unwrap_or(i64::MAX);
                            let at = if *idx < 0 { idx + len } else { *idx };
                            return Err(format!(
                                "array index out of bounds: index {at}, length {len}"
                            ));
                        }
                        other => return Err(format!("{} is not array or slice", go_type(other))),
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        };
    }
    Ok(())
}

/// The Go type of a decoded JSON value, as reflect prints it.
fn go_type(v: &Json) -> &'static str {
    match v {
        Json::Null => "<nil>",
        Json::Bool(_) => "bool",
        Json::Number(_) => "float64",
        Json::String(_) => "string",
        Json::Array(_) => "[]interface {}",
        Json::Object(_) => "map[string]interface {}",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn first(path: &str, doc: &Json) -> Result<Option<Json>, String> {
        K8sJsonPath::parse(path)?.first_value(doc)
    }

    #[test]
    fn k8s_paths_find_the_first_value() {
        let doc = json!({
            "status": "ok",
            "data": {"ok": true, "items": [{"v": 1, "name": "a"}, {"v": 2, "name": "b"}]},
            "metrics": {"latency.p99": 0.2, "error-rate": 0.01},
        });
        let cases = [
            ("{$.status}", json!("ok")),
            ("{.status}", json!("ok")),
            ("{$.data.ok}", json!(true)),
            ("{.data.items[0].v}", json!(1)),
            ("{.data.items[-1].name}", json!("b")),
            ("{.data.items[*].v}", json!(1)),
            ("{..name}", json!("a")),
            ("{.data.items[?(@.name==\"b\")].v}", json!(2)),
            ("{.metrics['latency.p99']}", json!(0.2)),
            ("{.metrics.error-rate}", json!(0.01)),
            ("{.data.items[1:]}", json!({"v": 2, "name": "b"})),
            ("", doc.clone()),
            ("{$}", doc.clone()),
            ("status: {.status}", json!("status: ")),
        ];
        for (path, want) in cases {
            assert_eq!(first(path, &doc), Ok(Some(want)), "{path}");
        }
    }

    #[test]
    fn missing_keys_and_bad_indexes_use_k8s_errors() {
        let doc = json!({"data": {"items": [1, 2]}, "s": "x"});
        assert_eq!(
            first("{.data.missing}", &doc),
            Err("missing is not found".into())
        );
        assert_eq!(
            first("{.nope.deeper}", &doc),
            Err("nope is not found".into())
        );
        assert_eq!(
            first("{.data.items[5]}", &doc),
            Err("array index out of bounds: index 5, length 2".into())
        );
        assert_eq!(
            first("{.s[0]}", &doc),
            Err("string is not array or slice".into())
        );
        assert_eq!(first("{.data.items[?(@ > 5)]}", &doc), Ok(None));
    }

    #[test]
    fn bad_templates_are_construction_errors() {
        assert_eq!(
            K8sJsonPath::parse("{.status").err(),
            Some("unclosed action".into())
        );
        assert!(K8sJsonPath::parse("{range .items[*]}").is_err());
        assert!(K8sJsonPath::parse("{.a[}").is_err());
    }
}
#[cfg(test)]
mod bounds {
    use super::*;

    /// Found by fuzzing (issue 10, item 16): 13 nested `value(` parsed in 12.8 s, 15 in 22 s.
    #[test]
    fn deeply_nested_filters_are_refused_before_the_library_parses_them() {
        for levels in [13, 15, 40] {
            let path = format!("{{[?{}(}}", "value(".repeat(levels));
            let e = K8sJsonPath::parse(&path).unwrap_err();
            assert!(e.contains("nest more than 5 deep"), "{levels}: {e}");
        }
    }

    #[test]
    fn unbalanced_long_and_unclosed_paths_are_refused_with_a_reason() {
        assert_eq!(
            K8sJsonPath::parse("{$[[[").err(),
            Some("unclosed action".into())
        );
        let e = K8sJsonPath::parse("{$[[[]}").unwrap_err();
        assert!(e.contains("unclosed '['"), "{e}");
        let e = K8sJsonPath::parse("{.a[?(@.b==1))]}").unwrap_err();
        assert!(e.contains("unbalanced"), "{e}");
        let e = K8sJsonPath::parse(&format!("{{.{}}}", "a".repeat(MAX_LEN))).unwrap_err();
        assert!(e.contains("longer than the 1024"), "{e}");
    }

    #[test]
    fn real_filters_and_quoted_brackets_still_parse() {
        for path in [
            "{.data.items[?(@.name==\"b\")].v}",
            "{.metrics['a[b(c']}",
            "{.data.items[?(@.tags[?(@ == 'x')])].v}",
            "{.a['it\\'s']}",
        ] {
            assert!(K8sJsonPath::parse(path).is_ok(), "{path}");
        }
    }
}
