//! Every section reference (`§` and a number) in the repository's `.rs` and `.md` files
//! resolves to a numbered heading inside the repository, so the code's citations of Argo's
//! semantics keep pointing somewhere a reader of this clone can open.
//!
//! The rule, per reference:
//! - `RFC <n> §x` cites an Internet standard: not checked.
//! - `<file>.md §x` (the file named right before it, relative to the workspace root or to the
//!   citing file) must be a heading of that file, which must be in the repository.
//! - a bare `§x` refers to `docs/semantics.md` and must be one of its headings.
//!
//! `x` is `N` or `N.M...`; a range (`§4.5–4.6`, `§3–§4`) checks both ends. A heading's number
//! is its first word (`## 4. The run...` is 4, `### 4.5 When...` is 4.5). Files are found by
//! walking the workspace, skipping hidden directories and any `target/`.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use augur_tests::workspace_root;

const SECTION: char = '\u{a7}';

/// One section reference found in a line.
#[derive(Debug, PartialEq)]
struct Reference {
    /// The document it cites: `None` for an RFC, else a path as written (`docs/semantics.md`
    /// for a bare reference).
    document: Option<String>,
    /// The section numbers to find (two for a range).
    sections: Vec<String>,
}

const SEMANTICS: &str = "docs/semantics.md";

/// A section number at the start of `s` (`4`, `4.5`; a sentence's final dot is not part of it).
fn number_at(s: &str) -> Option<String> {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let n = s[..end].trim_end_matches('.');
    (n.starts_with(|c: char| c.is_ascii_digit())).then(|| n.to_string())
}

/// The document named right before a reference: an RFC, a `.md` file, or none (bare).
fn document_before(before: &str) -> Option<String> {
    let words: Vec<&str> = before.split_whitespace().collect();
    let last = words.last().copied().unwrap_or("");
    if last.chars().all(|c| c.is_ascii_digit())
        && !last.is_empty()
        && words.len() >= 2
        && words[words.len() - 2].ends_with("RFC")
    {
        return None;
    }
    let name = last.trim_matches(|c: char| "([`*\"'".contains(c) || c == ']' || c == ')');
    if name.ends_with(".md") {
        return Some(name.to_string());
    }
    Some(SEMANTICS.to_string())
}

/// Every section reference in `line`.
fn references(line: &str) -> Vec<Reference> {
    let mut found = Vec::new();
    for (at, _) in line.match_indices(SECTION) {
        let after = &line[at + SECTION.len_utf8()..];
        let Some(first) = number_at(after.trim_start()) else {
            continue;
        };
        let mut sections = vec![first.clone()];
        // A range: `–` or `-`, an optional `§`, another number.
        let rest = &after.trim_start()[first.len()..];
        if let Some(tail) = rest.strip_prefix('–').or_else(|| rest.strip_prefix('-'))
            && let Some(end) = number_at(tail.trim_start_matches(SECTION))
        {
            sections.push(end);
        }
        found.push(Reference {
            document: document_before(&line[..at]),
            sections,
        });
    }
    found
}

/// The numbers of a Markdown file's numbered headings.
fn headings(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| l.starts_with('#'))
        .filter_map(|l| l.trim_start_matches('#').split_whitespace().next())
        .filter_map(number_at)
        .collect()
}

/// The `.rs` and `.md` files under `dir`, skipping hidden directories and `target/`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" {
                sources(&path, out);
            }
        } else if name.ends_with(".rs") || name.ends_with(".md") {
            out.push(path);
        }
    }
}

#[test]
fn every_section_reference_resolves_inside_the_repo() {
    let root = workspace_root();
    let mut files = Vec::new();
    sources(&root, &mut files);
    files.sort();
    assert!(
        files.iter().any(|f| f.ends_with(SEMANTICS)),
        "{SEMANTICS} is missing"
    );
    let mut checked = 0;
    let mut unresolved = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{file:?}: {e}"));
        let shown = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .display()
            .to_string();
        for (n, line) in text.lines().enumerate() {
            for reference in references(line) {
                let Some(document) = reference.document else {
                    continue;
                };
                let candidates = [
                    root.join(&document),
                    file.parent().unwrap_or(&root).join(&document),
                ];
                let Some(target) = candidates.iter().find(|p| p.is_file()) else {
                    unresolved.push(format!(
                        "{shown}:{}: cites {document}, which is not in the repository",
                        n + 1
                    ));
                    continue;
                };
                let have = headings(&std::fs::read_to_string(target).unwrap_or_default());
                for section in &reference.sections {
                    checked += 1;
                    if !have.contains(section) {
                        unresolved.push(format!(
                            "{shown}:{}: {SECTION}{section} is not a heading of {document}",
                            n + 1
                        ));
                    }
                }
            }
        }
    }
    assert!(
        unresolved.is_empty(),
        "unresolved section references:\n{}",
        unresolved.join("\n")
    );
    assert!(
        checked > 50,
        "only {checked} references found: is the scan broken?"
    );
}

#[test]
fn references_are_read_as_the_rule_says() {
    let s = |text: &str| text.replace('$', &SECTION.to_string());
    let bare = |sections: &[&str]| Reference {
        document: Some(SEMANTICS.to_string()),
        sections: sections.iter().map(|x| x.to_string()).collect(),
    };
    assert_eq!(
        references(&s("(semantics $4.5, `x`)")),
        vec![bare(&["4.5"])]
    );
    assert_eq!(
        references(&s("semantics $2.1–2.2 and $3–$4.")),
        vec![bare(&["2.1", "2.2"]), bare(&["3", "4"]), bare(&["4"])]
    );
    assert_eq!(
        references(&s("the traps of $7/$8.")),
        vec![bare(&["7"]), bare(&["8"])]
    );
    assert_eq!(references(&s("$4.1 steps 1–5")), vec![bare(&["4.1"])]);
    assert_eq!(
        references(&s("a query parameter (RFC 6750 $2.3)")),
        vec![Reference {
            document: None,
            sections: vec!["2.3".into()]
        }]
    );
    assert_eq!(
        references(&s("see (`docs/other.md` $3)")),
        vec![Reference {
            document: Some("docs/other.md".into()),
            sections: vec!["3".into()]
        }]
    );
    assert!(references(&s("a bare $N in prose")).is_empty());
    assert_eq!(
        headings("# Title\n## 4. The run\n### 4.5 When\ntext\n## Appendix\n"),
        ["4", "4.5"].into_iter().map(String::from).collect()
    );
}
