//! A secret read from a mounted file (with its trailing newline) and used in a URL comes back
//! from a backend that echoes the request: trimmed and URL-encoded. The service shows it in no
//! form, and writes it to its store in no form.

// Tests may fail loudly: a panic is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use analysis_core::load::{Input, load_run};
use analysis_core::secrets::DirSecrets;
use augur_tests::servers::spawn;
use axum::Router;
use axum::extract::RawQuery;
use axum::routing::get;
use evaluator_bin::serve::service::{CreateRun, Service};
use evaluator_bin::serve::store::SqliteStore;
use providers::{ProviderOptions, Providers};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_form_of_a_secret_is_shown_or_stored() {
    // The backend answers with the query string it got, as a careless service might.
    let host = spawn(Router::new().route(
        "/",
        get(|RawQuery(q): RawQuery| async move { format!("got {}", q.unwrap_or_default()) }),
    ))
    .await;
    let secrets_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let key_dir = secrets_dir.path().join("db");
    std::fs::create_dir_all(&key_dir).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(key_dir.join("token"), "hunter2 SECRET\n").unwrap_or_else(|e| panic!("{e}"));
    let text = format!(
        "kind: AnalysisRun\nmetadata: {{name: echo}}\nspec:\n  args:\n  - name: token\n    \
         valueFrom: {{secretKeyRef: {{name: db, key: token}}}}\n  metrics:\n  - name: echo\n    \
         successCondition: result != \"\"\n    provider:\n      web: {{url: \"http://{host}/?t={{{{args.token}}}}\"}}\n"
    );
    let run = load_run(
        Input::Text {
            text: &text,
            source: "r.yaml",
        },
        &[],
    )
    .unwrap_or_else(|e| panic!("{e}"));

    let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Arc::new(SqliteStore::open(data.path()).unwrap_or_else(|e| panic!("{e}")));
    let providers = Providers::new(ProviderOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let svc = Service::new(
        store,
        providers,
        Arc::new(DirSecrets::new(secrets_dir.path())),
        None,
    );
    svc.create_run(CreateRun::Manifest(Box::new(run)), false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let done = svc
        .wait_completed("echo", std::time::Duration::from_secs(30))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(done.completed);
    let shown = done.masked().to_string();
    assert!(shown.contains("got t=*****"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");

    // Every byte the store wrote: the database and its WAL.
    for entry in std::fs::read_dir(data.path()).unwrap_or_else(|e| panic!("{e}")) {
        let path = entry.map(|e| e.path()).unwrap_or_default();
        let bytes = std::fs::read(&path).unwrap_or_default();
        let leaked = bytes.windows(7).any(|w| w == b"hunter2");
        assert!(!leaked, "{} holds the secret", path.display());
    }
}
