//! The import rules of the layers, checked by reading the sources (see ARCHITECTURE.md for why a
//! test rather than one crate per layer). A failure names the file, the line and the rule.
//!
//! - `service/` and `db/` know no interface: no `axum`, `utoipa`, `async_graphql`, and no `serde`
//!   (the wire shapes are the interfaces' types, converted from the service's values).
//! - Each top-level module names (as `crate::<module>`) only the modules [`ALLOWED`] lists for
//!   it, those arrows form no cycle, and nothing reaches a module through the crate root's
//!   re-exports (`crate::app`): the root is for `main` and the tests.

use std::path::{Path, PathBuf};

/// Crates that only the interfaces (`rest/`, `graphql/`, `web`, `server/`) may name.
const INTERFACE_CRATES: [&str; 4] = ["axum", "utoipa", "async_graphql", "serde"];

/// The folders that must not name [`INTERFACE_CRATES`].
const INTERFACE_FREE: [&str; 2] = ["service", "db"];

/// A source file's lines with comments removed: `(line number, code)`. Line comments (and so doc
/// comments) go; block comments are not used in this crate. A `//` inside a string literal cuts
/// the line short, which can only hide a name, never report one that is not there.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().map(|(index, line)| {
        let code = line.split_once("//").map_or(line, |(code, _)| code);
        (index + 1, code)
    })
}

/// The identifiers of a line of code, in order.
fn identifiers(code: &str) -> impl Iterator<Item = &str> {
    code.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty())
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|error| panic!("{dir:?}: {error}"));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn relative(path: &Path) -> String {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .display()
        .to_string()
}

/// `(file, line, crate)` for each interface crate named in `text`.
fn interface_names(file: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (line, code) in code_lines(text) {
        for word in identifiers(code) {
            if INTERFACE_CRATES.contains(&word) {
                found.push(format!("{file}:{line}: names `{word}`: {}", code.trim()));
            }
        }
    }
    found
}

/// What each top-level module of `src/` may import from the others, lowest layers first. A new
/// module needs a row; an arrow that is not here fails [`modules_import_only_what_the_table_allows`].
const ALLOWED: &[(&str, &[&str])] = &[
    // Plain values at the bottom: the error type, settings, HTTP header constants.
    ("error", &[]),
    ("config", &[]),
    ("request_id", &[]),
    ("request_origin", &[]),
    ("security_headers", &[]),
    // Connections, counters and budgets.
    ("postgres_tls", &["config"]),
    ("rate_limit", &["config", "error"]),
    ("events", &["config", "error", "postgres_tls"]),
    ("db", &["config", "error", "events", "postgres_tls"]),
    // The object store behind uploads: moves bytes, knows no rule.
    ("media", &["config", "error"]),
    ("metrics", &["db", "error", "events"]),
    ("auth", &["config", "error", "metrics"]),
    (
        "state",
        &[
            "auth",
            "config",
            "db",
            "events",
            "media",
            "metrics",
            "rate_limit",
        ],
    ),
    // Every business rule; knows no interface.
    (
        "service",
        &[
            "auth",
            "db",
            "error",
            "events",
            "media",
            "rate_limit",
            "state",
        ],
    ),
    // Command-line jobs beside the server.
    ("check", &["config", "db", "error", "service", "state"]),
    (
        "seed",
        &["check", "config", "db", "error", "service", "state"],
    ),
    // The interfaces. GraphQL over HTTP answers with the REST status of an error
    // (`rest::error::status`); REST knows nothing of GraphQL.
    (
        "rest",
        &[
            "auth",
            "db",
            "error",
            "events",
            "metrics",
            "rate_limit",
            "request_origin",
            "security_headers",
            "service",
            "state",
        ],
    ),
    (
        "graphql",
        &[
            "auth",
            "config",
            "db",
            "error",
            "events",
            "metrics",
            "rate_limit",
            "rest",
            "request_origin",
            "security_headers",
            "service",
            "state",
        ],
    ),
    // The router over both interfaces, and the server that runs it.
    ("deadline", &["error", "graphql"]),
    (
        "web",
        &[
            "deadline",
            "error",
            "graphql",
            "metrics",
            "request_id",
            "rest",
            "security_headers",
            "service",
            "state",
        ],
    ),
    ("server", &["config", "state", "web"]),
];

/// Macros exported at the crate root, as the module that defines them.
const ROOT_MACROS: [(&str, &str); 2] = [("on_connection", "db"), ("for_each_connection", "db")];

/// `(line, name)` for each `crate::<name>` in `text` (comments removed), a `crate::{a, b::c}`
/// group giving one entry per name; `$crate::` (inside macros) is the crate seen from outside
/// and not counted.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let code: Vec<(usize, &str)> = code_lines(text).collect();
    let mut joined = String::new();
    let mut line_of = Vec::new();
    for (line, part) in &code {
        joined.push_str(part);
        joined.push('\n');
        line_of.resize(joined.len(), *line);
    }
    let mut found = Vec::new();
    let mut rest = joined.as_str();
    while let Some(at) = rest.find("crate::") {
        let offset = joined.len() - rest.len() + at;
        let before = joined[..offset].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let line = line_of[offset];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut names = vec![String::new()];
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 1 => names.push(String::new()),
                    _ => {}
                }
                if depth == 0 {
                    break;
                }
                if depth == 1 && c != ',' {
                    names.last_mut().expect("one name at least").push(c);
                }
            }
            for name in names {
                let head = name
                    .trim()
                    .split("::")
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_owned();
                if !head.is_empty() {
                    found.push((line, head));
                }
            }
        } else if let Some(name) = identifiers(rest).next() {
            found.push((line, name.to_owned()));
        }
    }
    found
}

/// The top-level module a file under `src/` belongs to (`src/db/pool.rs` → `db`).
fn module_of(path: &Path) -> Option<String> {
    let relative = path.strip_prefix(source_dir()).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_owned())
}

fn allowed(module: &str) -> Option<&'static [&'static str]> {
    ALLOWED
        .iter()
        .find(|(name, _)| *name == module)
        .map(|(_, imports)| *imports)
}

#[test]
fn modules_import_only_what_the_table_allows() {
    let mut violations = Vec::new();
    for path in rust_files(&source_dir()) {
        let Some(module) = module_of(&path) else {
            continue;
        };
        if ["lib", "main", "layer_rules"].contains(&module.as_str()) {
            continue;
        }
        let Some(imports) = allowed(&module) else {
            violations.push(format!(
                "{}: module `{module}` has no row in ALLOWED (src/layer_rules.rs): say what it may import",
                relative(&path)
            ));
            continue;
        };
        let text = std::fs::read_to_string(&path).expect("a readable source file");
        for (line, name) in crate_paths(&text) {
            let target = ROOT_MACROS
                .iter()
                .find(|(macro_name, _)| *macro_name == name)
                .map_or(name.as_str(), |(_, owner)| owner);
            if target == module {
                continue;
            }
            let file = relative(&path);
            if allowed(target).is_none() {
                violations.push(format!(
                    "{file}:{line}: `crate::{name}` is not a module: import it from the module that defines it, not through the crate root"
                ));
            } else if !imports.contains(&target) {
                violations.push(format!(
                    "{file}:{line}: `{module}` may not import `{target}` (allowed: {imports:?})"
                ));
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_allowed_imports_have_no_cycle() {
    // Each module may only import modules listed above it, so the arrows cannot form a cycle.
    for (index, (module, imports)) in ALLOWED.iter().enumerate() {
        for import in *imports {
            let position = ALLOWED.iter().position(|(name, _)| name == import);
            assert!(
                position.is_some_and(|position| position < index),
                "`{module}` imports `{import}`, which is not listed above it in ALLOWED"
            );
        }
    }
}

#[test]
fn crate_paths_are_read_from_code_and_groups() {
    let text = "use crate::db::Session;\nuse crate::{\n    auth::Viewer,\n    error::{AppError, X},\n};\n\
                // crate::web\nlet _ = $crate::db::Outcome;\nlet _ = my_crate::x;\n";
    assert_eq!(
        crate_paths(text),
        vec![
            (1, "db".to_owned()),
            (2, "auth".to_owned()),
            (2, "error".to_owned())
        ]
    );
}

#[test]
fn service_and_db_name_no_interface_crate() {
    let mut violations = Vec::new();
    for folder in INTERFACE_FREE {
        for path in rust_files(&source_dir().join(folder)) {
            let text = std::fs::read_to_string(&path).expect("a readable source file");
            violations.extend(interface_names(&relative(&path), &text));
        }
    }
    assert!(
        violations.is_empty(),
        "service/ and db/ must not know the interfaces (axum, utoipa, async_graphql, serde); \
         put wire types in rest/ or graphql/ and convert from the service's value:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_scan_finds_names_in_code_and_not_in_comments() {
    let text = "use axum::http;\n/// converts to `utoipa` types\nlet x = 1; // serde\n\
                #[derive(serde::Serialize)]\nfn f(_: async_graphql::Value) {}\nlet axumlike = 2;\n";
    let found = interface_names("src/service/x.rs", text);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found[0].starts_with("src/service/x.rs:1: names `axum`"));
    assert!(found[1].starts_with("src/service/x.rs:4: names `serde`"));
    assert!(found[2].starts_with("src/service/x.rs:5: names `async_graphql`"));
}
