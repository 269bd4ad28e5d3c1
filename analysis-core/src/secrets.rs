//! Secret-backed arguments (`valueFrom.secretKeyRef`, semantics §2.3): where their values come
//! from, how a run's args get them (or the `temp-for-secret` placeholder before validation),
//! and masking them as `*****` in messages.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::model::Argument;

/// The value Argo substitutes for every secret arg while templating for validation, so that
/// validation never reads a secret.
pub const SECRET_PLACEHOLDER: &str = "temp-for-secret";

/// What a secret value is replaced with in messages and logs.
pub const MASK: &str = "*****";

/// Where secret values come from. Implementations: [`NoSecrets`], [`MapSecrets`],
/// [`DirSecrets`].
pub trait SecretSource: Send + Sync {
    /// Errors read like Argo's: `secrets "<name>" not found`,
    /// `key '<key>' does not exist in secret '<name>'`.
    fn get(&self, name: &str, key: &str) -> Result<String, String>;
}

fn not_found(name: &str) -> String {
    format!("secrets \"{name}\" not found")
}

fn no_key(name: &str, key: &str) -> String {
    format!("key '{key}' does not exist in secret '{name}'")
}

/// No secrets at all: every lookup fails with `secrets "<name>" not found`.
pub struct NoSecrets;

impl SecretSource for NoSecrets {
    fn get(&self, name: &str, _key: &str) -> Result<String, String> {
        Err(not_found(name))
    }
}

/// Secrets held in memory, keyed by (secret name, key).
#[derive(Default)]
pub struct MapSecrets(pub std::collections::BTreeMap<(String, String), String>);

impl SecretSource for MapSecrets {
    fn get(&self, name: &str, key: &str) -> Result<String, String> {
        if !self.0.keys().any(|(n, _)| n == name) {
            return Err(not_found(name));
        }
        self.0
            .get(&(name.to_string(), key.to_string()))
            .cloned()
            .ok_or_else(|| no_key(name, key))
    }
}

/// Secrets as Kubernetes mounts them: `<dir>/<secret-name>/<key>`, one file per key, its bytes
/// the value (no trimming). Names and keys must be valid Kubernetes names, so a reference can
/// never reach outside `dir` (`..`, `/`, and the mount's own `..data` entries are refused).
#[derive(Clone, Debug)]
pub struct DirSecrets {
    dir: PathBuf,
}

impl DirSecrets {
    /// Secrets mounted under `dir` (nothing is read until a lookup).
    pub fn new(dir: impl Into<PathBuf>) -> DirSecrets {
        DirSecrets { dir: dir.into() }
    }

    /// The directory secrets are read from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// A Kubernetes Secret name (DNS subdomain: lowercase alphanumerics, `-` and `.`, starting and
/// ending alphanumeric, at most 253 characters).
fn valid_secret_name(name: &str) -> bool {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    name.len() <= 253
        && name.starts_with(ok_char)
        && name.ends_with(ok_char)
        && name.chars().all(|c| ok_char(c) || c == '-' || c == '.')
        && !name.contains("..")
}

/// A Secret data key (`[-._a-zA-Z0-9]+`), excluding `.`, `..` and the `..`-prefixed entries
/// Kubernetes' atomic writer keeps in the mount.
fn valid_secret_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 253
        && !key.starts_with("..")
        && key != "."
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
}

impl SecretSource for DirSecrets {
    fn get(&self, name: &str, key: &str) -> Result<String, String> {
        if !valid_secret_name(name) {
            return Err(format!("invalid secret name {name:?}"));
        }
        let secret_dir = self.dir.join(name);
        if !secret_dir.is_dir() {
            return Err(not_found(name));
        }
        if !valid_secret_key(key) {
            return Err(no_key(name, key));
        }
        let path = secret_dir.join(key);
        if !path.is_file() {
            return Err(no_key(name, key));
        }
        match std::fs::read(&path) {
            Ok(bytes) => Ok(String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(no_key(name, key)),
            Err(e) => Err(format!("reading secret '{name}' key '{key}': {e}")),
        }
    }
}

/// A secret arg that could not be filled in. The run message wraps it as
/// `Unable to resolve metric arguments: <err>`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The source could not give the value; Display is the source's text (Argo's, for the
    /// built-in sources: `secrets "<name>" not found`).
    #[error("{0}")]
    Source(String),
    /// The `secretKeyRef` itself is incomplete, so there is nothing to look up.
    #[error("{0}")]
    Ref(SecretRefError),
}

/// The part of a `secretKeyRef` that is missing. Kubernetes requires both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretRefField {
    /// `secretKeyRef.name`: which Secret.
    Name,
    /// `secretKeyRef.key`: which key of it.
    Key,
}

impl SecretRefField {
    /// The field's name in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretRefField::Name => "name",
            SecretRefField::Key => "key",
        }
    }
}

/// A `secretKeyRef` without a secret name or key (missing or empty). Display is
/// `args[<i>].valueFrom.secretKeyRef.<field>: a <field> is required`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}", self.path(), self.reason())]
pub struct SecretRefError {
    /// Index of the arg in its `args` list.
    pub arg_index: usize,
    /// The arg's name.
    pub arg: String,
    /// What is missing.
    pub field: SecretRefField,
}

impl SecretRefError {
    /// Where the problem is, relative to the spec: `args[0].valueFrom.secretKeyRef.key`.
    pub fn path(&self) -> String {
        format!(
            "args[{}].valueFrom.secretKeyRef.{}",
            self.arg_index,
            self.field.as_str()
        )
    }

    /// What is wrong, without the location: `a key is required`.
    pub fn reason(&self) -> String {
        format!("a {} is required", self.field.as_str())
    }
}

/// Checks that every `secretKeyRef` names a secret and a key, in arg order (the first
/// incomplete one is the error). The loader and [`resolve_args`] both ask this, so a
/// manifest written without `key:` is refused where it is read, with the field's path.
pub fn check_secret_refs(args: &[Argument]) -> Result<(), SecretRefError> {
    for (arg_index, arg) in args.iter().enumerate() {
        let Some(r) = arg
            .value_from
            .as_ref()
            .and_then(|v| v.secret_key_ref.as_ref())
        else {
            continue;
        };
        let field = if r.name.is_empty() {
            SecretRefField::Name
        } else if r.key.is_empty() {
            SecretRefField::Key
        } else {
            continue;
        };
        return Err(SecretRefError {
            arg_index,
            arg: arg.name.clone(),
            field,
        });
    }
    Ok(())
}

/// A run's args with secret values filled in, and the values to mask.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResolvedArgs {
    /// The args, secret ones with their `value` set.
    pub args: Vec<Argument>,
    /// Distinct non-empty secret values, longest first (so a secret containing another is
    /// masked whole).
    pub secrets: Vec<String>,
}

/// Fills every `secretKeyRef` arg's value, in arg order (the first failure is the error). A
/// reference without a secret name or key is an error in both modes ([`check_secret_refs`]).
/// With `placeholder`, no source is read: each secret arg gets [`SECRET_PLACEHOLDER`] and loses
/// its `valueFrom`, as Argo does before validation. Other args are unchanged; in particular a
/// `fieldRef` arg keeps no value, so templating then fails with
/// `argument "<name>" was not supplied`.
pub fn resolve_args(
    args: &[Argument],
    source: &dyn SecretSource,
    placeholder: bool,
) -> Result<ResolvedArgs, SecretError> {
    check_secret_refs(args).map_err(SecretError::Ref)?;
    let mut out = Vec::with_capacity(args.len());
    let mut secrets = BTreeSet::new();
    for arg in args {
        let secret_ref = arg
            .value_from
            .as_ref()
            .and_then(|v| v.secret_key_ref.as_ref());
        let Some(secret_ref) = secret_ref else {
            out.push(arg.clone());
            continue;
        };
        let mut resolved = arg.clone();
        if placeholder {
            resolved.value = Some(SECRET_PLACEHOLDER.to_string());
            resolved.value_from = None;
        } else {
            let value = source
                .get(&secret_ref.name, &secret_ref.key)
                .map_err(SecretError::Source)?;
            if !value.is_empty() {
                secrets.insert(value.clone());
            }
            resolved.value = Some(value);
        }
        out.push(resolved);
    }
    let mut secrets: Vec<String> = secrets.into_iter().collect();
    secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    Ok(ResolvedArgs { args: out, secrets })
}

/// Replaces every occurrence of each secret value with `*****`, longest secrets first.
pub fn mask(text: &str, secrets: &[String]) -> String {
    let mut forms: Vec<String> = secrets.iter().flat_map(|s| secret_forms(s)).collect();
    forms.sort_by_key(|s| std::cmp::Reverse(s.len()));
    forms.dedup();
    let mut out = text.to_string();
    for s in forms {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), MASK);
        }
    }
    out
}

/// Every form a secret takes on its way out, so masking catches it in each: as written,
/// trimmed (a mounted file's trailing newline is stripped by URL parsers), URL-encoded (path,
/// query and form styles), JSON-escaped, and the host part of a secret used as an address (an
/// allow-list error names the host alone). Forms shorter than four characters, other than the
/// secret itself, are left out: they would mask ordinary text.
pub fn secret_forms(secret: &str) -> Vec<String> {
    let mut forms = Vec::new();
    if secret.is_empty() {
        return forms;
    }
    forms.push(secret.to_string());
    let trimmed = secret.trim();
    for form in [
        trimmed.to_string(),
        percent_encode(trimmed, false),
        percent_encode(trimmed, true),
        json_escape(trimmed),
        host_part(trimmed).to_string(),
    ] {
        if form.chars().count() >= 4 && !forms.contains(&form) {
            forms.push(form);
        }
    }
    forms
}

/// `s` percent-encoded, keeping RFC 3986's unreserved characters; `form` writes spaces as `+`.
fn percent_encode(s: &str, form: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b));
            }
            b' ' if form => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `s` as it appears inside a JSON string.
fn json_escape(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or("")
        .to_string()
}

/// The host of `s` read as an address: without scheme, user info, port, path or query.
fn host_part(s: &str) -> &str {
    let rest = s.split_once("://").map_or(s, |(_, r)| r);
    let rest = rest.split(['/', '?', '#']).next().unwrap_or("");
    let rest = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    match rest.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => rest,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn every_form_of_a_secret_is_masked() {
        let secrets = vec!["hunter2 SECRET/x?\n".to_string()];
        for text in [
            "token hunter2 SECRET/x?\n in a file",
            "GET https://svc/?t=hunter2 SECRET/x? failed",
            "GET https://svc/?t=hunter2%20SECRET%2Fx%3F failed",
            "body t=hunter2+SECRET%2Fx%3F",
            r#"{"t":"hunter2 SECRET/x?\n"}"#,
        ] {
            let masked = mask(text, &secrets);
            assert!(!masked.contains("hunter2"), "{masked}");
        }
        let host = vec!["https://user:pw@evil.example.com:8443/path".to_string()];
        assert_eq!(
            mask("host \"evil.example.com\" is not allowed", &host),
            "host \"*****\" is not allowed"
        );
        // Short fragments of a secret are not forms: ordinary text stays readable.
        assert_eq!(
            secret_forms("ab c"),
            vec!["ab c".to_string(), "ab%20c".into(), "ab+c".into()]
        );
    }
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::model::{FieldRef, ValueFrom};

    /// A scratch directory removed on drop (no tempfile dev-dependency in this crate).
    struct Scratch(PathBuf);

    impl Scratch {
        fn new() -> Scratch {
            static N: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "augur-secrets-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ));
            std::fs::create_dir_all(&dir).expect("scratch dir");
            Scratch(dir)
        }

        fn put(&self, name: &str, key: &str, bytes: &[u8]) {
            let d = self.0.join(name);
            std::fs::create_dir_all(&d).expect("secret dir");
            std::fs::write(d.join(key), bytes).expect("write");
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn secret_arg(arg: &str, name: &str, key: &str) -> Argument {
        Argument::from_secret(arg, name, key)
    }

    #[test]
    fn dir_secrets_read_exact_bytes_and_argo_errors() {
        let s = Scratch::new();
        s.put("web-metric-secret", "apiToken", b"tok\n en ");
        s.put("web-metric-secret", ".dockerconfigjson", b"{}");
        let src = DirSecrets::new(&s.0);
        assert_eq!(
            src.get("web-metric-secret", "apiToken").as_deref(),
            Ok("tok\n en ")
        );
        assert_eq!(
            src.get("web-metric-secret", ".dockerconfigjson").as_deref(),
            Ok("{}")
        );
        assert_eq!(
            src.get("missing", "apiToken"),
            Err("secrets \"missing\" not found".to_string())
        );
        assert_eq!(
            src.get("web-metric-secret", "nope"),
            Err("key 'nope' does not exist in secret 'web-metric-secret'".to_string())
        );
    }

    #[test]
    fn dir_secrets_refuse_traversal() {
        let s = Scratch::new();
        s.put("a", "k", b"v");
        let inner = s.0.join("inner");
        std::fs::create_dir_all(&inner).expect("inner");
        let src = DirSecrets::new(&inner);
        for name in ["..", "../a", "a/../a", "/etc", ".", "", "A"] {
            assert!(src.get(name, "k").is_err(), "{name}");
        }
        let src = DirSecrets::new(&s.0);
        for key in ["..", "../k", "k/x", "..data", "/etc/passwd", ""] {
            assert_eq!(
                src.get("a", key),
                Err(format!("key '{key}' does not exist in secret 'a'"))
            );
        }
    }

    #[test]
    fn resolve_fills_secrets_and_lists_them_for_masking() {
        let mut map = MapSecrets::default();
        map.0.insert(("s".into(), "k".into()), "abc".into());
        map.0.insert(("s".into(), "long".into()), "abcdef".into());
        let args = vec![
            Argument {
                name: "plain".into(),
                value: Some("v".into()),
                value_from: None,
            },
            secret_arg("a", "s", "k"),
            secret_arg("b", "s", "long"),
            secret_arg("c", "s", "k"),
        ];
        let r = resolve_args(&args, &map, false).expect("ok");
        assert_eq!(r.args[1].value.as_deref(), Some("abc"));
        assert_eq!(r.args[2].value.as_deref(), Some("abcdef"));
        assert_eq!(r.args[0], args[0]);
        assert_eq!(r.secrets, vec!["abcdef".to_string(), "abc".to_string()]);
        assert_eq!(mask("x abcdef abc", &r.secrets), "x ***** *****");
    }

    #[test]
    fn placeholder_mode_reads_nothing() {
        let args = vec![secret_arg("a", "s", "k")];
        let r = resolve_args(&args, &NoSecrets, true).expect("ok");
        assert_eq!(r.args[0].value.as_deref(), Some(SECRET_PLACEHOLDER));
        assert_eq!(r.args[0].value_from, None);
        assert!(r.secrets.is_empty());
    }

    #[test]
    fn secret_errors_are_argos() {
        let args = vec![secret_arg("a", "s", "k")];
        assert_eq!(
            resolve_args(&args, &NoSecrets, false).map_err(|e| e.to_string()),
            Err("secrets \"s\" not found".to_string())
        );
        let mut map = MapSecrets::default();
        map.0.insert(("s".into(), "other".into()), "x".into());
        assert_eq!(
            resolve_args(&args, &map, false).map_err(|e| e.to_string()),
            Err("key 'k' does not exist in secret 's'".to_string())
        );
    }

    #[test]
    fn field_ref_args_stay_unsupplied() {
        let args = vec![Argument {
            name: "env".into(),
            value: None,
            value_from: Some(ValueFrom {
                field_ref: Some(FieldRef {
                    field_path: "metadata.labels['env']".into(),
                }),
                ..ValueFrom::default()
            }),
        }];
        let r = resolve_args(&args, &NoSecrets, false).expect("ok");
        assert_eq!(
            crate::args::resolve_tags("x", &r.args).map_err(|e| e.to_string()),
            Err("argument \"env\" was not supplied".to_string())
        );
    }

    #[test]
    fn a_secret_ref_without_key_or_name_is_a_clear_error_in_both_modes() {
        let args = vec![
            Argument::with_value("plain", "v"),
            secret_arg("token", "api", ""),
        ];
        for placeholder in [true, false] {
            let e = resolve_args(&args, &NoSecrets, placeholder).unwrap_err();
            assert_eq!(
                e,
                SecretError::Ref(SecretRefError {
                    arg_index: 1,
                    arg: "token".into(),
                    field: SecretRefField::Key,
                })
            );
            assert_eq!(
                e.to_string(),
                "args[1].valueFrom.secretKeyRef.key: a key is required"
            );
        }
        let args = vec![secret_arg("token", "", "k")];
        assert_eq!(
            resolve_args(&args, &NoSecrets, true).map_err(|e| e.to_string()),
            Err("args[0].valueFrom.secretKeyRef.name: a name is required".to_string())
        );
    }

    #[test]
    fn the_loader_names_a_missing_secret_key() {
        let run = "kind: AnalysisRun\nmetadata: {name: r}\nspec:\n  args:\n  - name: token\n    valueFrom:\n      secretKeyRef:\n        name: api\n  metrics: []\n";
        let e = crate::load::load_str(run, "r.yaml").unwrap_err();
        assert_eq!(
            e.to_string(),
            "r.yaml:7:7: spec.args[0].valueFrom.secretKeyRef.key: a key is required"
        );
        // An empty key is pointed at itself; a bare snippet's args are under `spec` too.
        let template = "kind: AnalysisTemplate\nmetadata: {name: t}\nspec:\n  args:\n  - name: ok\n    value: v\n  - name: token\n    valueFrom: {secretKeyRef: {name: api, key: \"\"}}\n  metrics: []\n";
        let e = crate::load::load_str(template, "t.yaml").unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.yaml:8:43: spec.args[1].valueFrom.secretKeyRef.key: a key is required"
        );
        let complete = run.replace("name: api\n", "name: api\n        key: token\n");
        assert!(crate::load::load_str(&complete, "r.yaml").is_ok());
    }

    #[test]
    fn mask_ignores_empty_secrets() {
        assert_eq!(mask("abc", &[String::new()]), "abc");
    }
}
