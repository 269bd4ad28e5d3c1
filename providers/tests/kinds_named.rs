//! Where a provider kind is named: only in its own module, its registration in
//! `providers/src/lib.rs`, and the manifest schema (analysis-core's model and Argo's count of
//! provider keys). Everything else (lint, the service's allow-list and redaction, replay,
//! backtest) asks `providers::specs()`, so adding a provider touches one module plus its
//! registration. Test code, benches and examples may name kinds freely.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

/// The ways code names a kind: the manifest key as a string, the typed provider field, and the
/// typed provider block.
fn patterns(kind: &str, block: &str) -> Vec<String> {
    vec![format!("\"{kind}\""), format!(".{kind}"), block.to_string()]
}

/// Where naming a kind is its own business: its module (file or folder) and the schema.
fn allowed(path: &str, kind: &str) -> bool {
    let own = [
        format!("providers/src/{kind}.rs"),
        format!("providers/src/{kind}/"),
    ];
    let shared = [
        // The registration: one entry per provider.
        "providers/src/lib.rs",
        // The manifest schema: one typed field per provider key.
        "analysis-core/src/model/",
        // Argo's "exactly one provider" count, over the schema's keys.
        "analysis-core/src/validate/mod.rs",
    ];
    own.iter().any(|p| path.starts_with(p.as_str())) || shared.iter().any(|p| path.starts_with(p))
}

/// Source files that are tests, benches or examples.
fn is_test_code(path: &str) -> bool {
    path.starts_with("tests/")
        || path.starts_with("benches/")
        || path.contains("/tests/")
        || path.contains("/examples/")
        || path.ends_with("/tests.rs")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "target" && !name.to_string_lossy().starts_with('.') {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A pattern at `at` in `line` names the kind, rather than a longer identifier (`.webhook`).
fn names_at(line: &str, at: usize, pattern: &str) -> bool {
    let rest = &line[at + pattern.len()..];
    let next = rest.chars().next();
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    if pattern.starts_with('.') {
        // `.web` the field, not `.web(` a method, `.website` or `web::` a path.
        !next.is_some_and(|c| ident(c) || c == '(' || c == ':')
    } else if pattern.starts_with('"') {
        true
    } else {
        let before = line[..at].chars().next_back();
        !next.is_some_and(ident) && !before.is_some_and(ident)
    }
}

#[test]
fn provider_kinds_are_named_only_in_their_own_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut files = Vec::new();
    for crate_dir in ["analysis-core", "providers", "evaluator-bin"] {
        rust_files(&root.join(crate_dir), &mut files);
    }
    assert!(files.len() > 20, "found only {} files", files.len());
    let kinds = [
        ("web", "WebMetric"),
        ("prometheus", "PrometheusMetric"),
        ("skywalking", "SkyWalkingMetric"),
    ];
    let mut stray = Vec::new();
    for file in &files {
        let rel = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .to_string_lossy()
            .replace('\\', "/");
        if is_test_code(&rel) {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            // Inline test modules end the file by convention.
            if line.trim_start().starts_with("#[cfg(test)]")
                || line.trim_start().starts_with("#[cfg(all(test")
            {
                break;
            }
            let code = line.split("//").next().unwrap_or("");
            for (kind, block) in kinds {
                if allowed(&rel, kind) {
                    continue;
                }
                for pattern in patterns(kind, block) {
                    if code
                        .match_indices(pattern.as_str())
                        .any(|(at, p)| names_at(code, at, p))
                    {
                        stray.push(format!("{rel}:{}: {}", n + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(
        stray.is_empty(),
        "provider kinds named outside their module; ask providers::specs() instead:\n{}",
        stray.join("\n")
    );
}

#[test]
fn every_registered_provider_has_one_spec() {
    let specs = providers::specs();
    let mut kinds: Vec<_> = specs.iter().map(|s| s.kind()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(kinds.len(), specs.len(), "two specs for one kind");
    let registered = providers::Providers::new(providers::ProviderOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    for kind in kinds {
        assert!(providers::spec(kind).is_some_and(|s| s.kind() == kind));
        let metric: analysis_core::Metric =
            serde_json::from_value(serde_json::json!({"name": "m", "provider": {kind: {}}}))
                .unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(
            registered.for_metric(&metric).kind(),
            kind,
            "{kind} is not registered"
        );
    }
}
