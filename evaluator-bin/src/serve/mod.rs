//! `augur serve`: the evaluator service. Wires flags to the store, the providers, one
//! scheduler and the HTTP and gRPC front ends; every module below does one of those things.
//!
//! As a library: [`service::Service::new`] over a [`store::Store`] (e.g.
//! [`store::SqliteStore`]) gives the service's operations (create, get, terminate, delete,
//! evaluate) without any front end; the HTTP ([`http`]) and gRPC adapters only translate.

mod allow;
mod api;
mod body;
mod conn;
pub mod core;
mod diff;
pub mod error;
pub mod evaluate;
mod grpc;
pub mod http;
mod metrics;
mod redact;
pub mod registry;
pub mod scheduler;
pub mod service;
pub mod store;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use analysis_core::load::{Content, load_file};
use analysis_core::secrets::{DirSecrets, NoSecrets, SecretSource};
use providers::{ProviderOptions, Providers};
use tokio::sync::watch;

use self::registry::Snapshot;
use self::service::Service;
use self::store::lock::DirLock;
use self::store::{SqliteStore, Store};

/// `augur serve`'s flags.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// HTTP API address.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// gRPC address (`augur.v1.Analysis`).
    #[arg(long, default_value = "127.0.0.1:9090")]
    grpc_listen: SocketAddr,
    /// Where the SQLite store (augur.db) lives.
    #[arg(long, default_value = "augur-data")]
    data_dir: PathBuf,
    /// Load every AnalysisTemplate in this directory (*.yaml, *.yml, *.json) at start.
    #[arg(long)]
    templates: Option<PathBuf>,
    /// Secrets for `valueFrom.secretKeyRef`, laid out as `<dir>/<secret>/<key>`.
    #[arg(long)]
    secrets_dir: Option<PathBuf>,
    /// Require this token (read from the file) on everything but /healthz and /readyz: as
    /// `Authorization: Bearer`, an `access_token` query parameter, or a `/t/<token>/` prefix.
    #[arg(long)]
    auth_token_file: Option<PathBuf>,
    /// Without --auth-token-file, --listen and --grpc-listen must be loopback addresses;
    /// this flag lets anyone who can reach a non-loopback address use the API.
    #[arg(long)]
    insecure_no_auth: bool,
    /// Also answer HTTP requests whose Host is NAME (repeatable). IP addresses and
    /// `localhost` always are; others get 421 (DNS rebinding). With a token and no
    /// --allowed-host, any Host is answered.
    #[arg(long = "allowed-host", value_name = "NAME")]
    allowed_hosts: Vec<String>,
    /// HTTP connections open at once (more wait to be accepted); at most half the open-file
    /// limit.
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,
    /// Close an HTTP connection that sends no request headers this long after opening (Go
    /// duration).
    #[arg(long, default_value = "10s")]
    header_read_timeout: String,
    /// Close an HTTP connection with no request in flight for this long after its last
    /// request (Go duration).
    #[arg(long, default_value = "60s")]
    idle_timeout: String,
    /// Metrics may only connect to these hosts (repeatable); unset = anywhere.
    #[arg(long = "allow-host", value_name = "HOST")]
    allow_hosts: Vec<String>,
    /// Largest request body (and gRPC message) accepted.
    #[arg(long, default_value_t = body::DEFAULT_MAX_BODY)]
    max_body_bytes: usize,
    /// Measurements in flight at once against one backend (scheme://host:port), across all
    /// runs: protects backends, and a hanging one delays only its own runs.
    #[arg(long, default_value_t = 256)]
    provider_concurrency: usize,
    /// The longest any measurement waits for its backend, whatever its `timeoutSeconds` (Go
    /// duration).
    #[arg(long, default_value = "5m")]
    max_measurement_timeout: String,
    /// On SIGTERM, how long in-flight measurements may take to finish (Go duration).
    #[arg(long, default_value = "30s")]
    shutdown_grace: String,
    /// Refuse metrics whose interval is shorter than this (Go duration).
    #[arg(long, default_value = "1s")]
    min_interval: String,
    /// Steps one condition evaluation may take (closure iterations, 64-byte scans) before it
    /// is an Error measurement.
    #[arg(long, default_value_t = analysis_core::expr::DEFAULT_STEP_BUDGET)]
    eval_step_budget: u64,
}

#[derive(Debug, thiserror::Error)]
enum StartError {
    #[error("{0}")]
    Msg(String),
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// Runs `augur serve` until SIGTERM or Ctrl-C, then drains.
pub fn main(args: ServeArgs) -> ExitCode {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("augur serve: error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("augur serve: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn read_token(path: &Path) -> Result<Arc<[u8]>, StartError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| StartError::Msg(format!("--auth-token-file {}: {e}", path.display())))?;
    let token = text.trim();
    if token.is_empty() {
        return Err(StartError::Msg(format!(
            "--auth-token-file {}: the file is empty",
            path.display()
        )));
    }
    Ok(Arc::from(token.as_bytes()))
}

/// Loads every template file in `dir` into the store (source `dir`).
async fn load_templates(svc: &Service, dir: &Path) -> Result<usize, StartError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| StartError::Msg(format!("--templates {}: {e}", dir.display())))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| matches!(x, "yaml" | "yml" | "json"))
        })
        .collect();
    paths.sort();
    let mut loaded = 0;
    for path in paths {
        let fail = |m: String| StartError::Msg(format!("{}: {m}", path.display()));
        let docs = load_file(&path).map_err(|e| StartError::Msg(e.to_string()))?;
        for doc in docs {
            // A bare `metrics:` snippet has no kind and no name to serve it under.
            let template = match doc.content {
                Content::Template(t) if t.kind.is_some() => Some(t),
                _ => None,
            };
            let Some(t) = template else {
                tracing::warn!(file = %path.display(), line = doc.line, "skipping a document that is not a template");
                continue;
            };
            let name = t.metadata.name.clone().unwrap_or_default();
            svc.put_template(&name, t, "dir")
                .await
                .map_err(|e| fail(e.to_string()))?;
            loaded += 1;
        }
    }
    Ok(loaded)
}

async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = term => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

/// A flag's Go duration, which must be positive.
fn positive_duration(flag: &str, text: &str) -> Result<Duration, StartError> {
    let d = analysis_core::duration::parse_duration(text)
        .map_err(|e| StartError::Msg(format!("{flag}: {e}")))?;
    d.to_std()
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| StartError::Msg(format!("{flag}: {text:?} must be positive")))
}

/// A Go duration flag as a std duration.
fn duration_flag(flag: &str, value: &str) -> Result<Duration, StartError> {
    analysis_core::duration::parse_duration(value)
        .map_err(|e| StartError::Msg(format!("{flag}: {e}")))?
        .to_std()
        .map_err(|_| StartError::Msg(format!("{flag}: must not be negative")))
}

/// A directory flag's value is an existing directory.
fn check_dir(flag: &str, dir: &Path) -> Result<(), StartError> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(StartError::Msg(format!(
            "{flag} {}: not a directory",
            dir.display()
        ))),
        Err(e) => Err(StartError::Msg(format!("{flag} {}: {e}", dir.display()))),
    }
}

/// Without a token, only loopback listeners unless `--insecure-no-auth`; says which at start.
fn check_exposure(args: &ServeArgs, token: bool) -> Result<(), StartError> {
    if token {
        return Ok(());
    }
    let exposed = [
        ("--listen", args.listen),
        ("--grpc-listen", args.grpc_listen),
    ]
    .into_iter()
    .filter(|(_, a)| !a.ip().is_loopback());
    for (flag, addr) in exposed {
        if !args.insecure_no_auth {
            return Err(StartError::Msg(format!(
                "{flag} {addr}: not a loopback address and no --auth-token-file: anyone who can \
                 reach it could create, terminate and delete runs; give --auth-token-file FILE \
                 (or --insecure-no-auth to accept that)"
            )));
        }
        tracing::warn!(%addr, "no --auth-token-file and --insecure-no-auth: anyone who can reach this address may use the API");
    }
    if !args.insecure_no_auth {
        tracing::info!(
            "no --auth-token-file: listening on loopback only, for this machine's users"
        );
    }
    Ok(())
}

async fn serve(args: ServeArgs) -> Result<(), StartError> {
    let grace = duration_flag("--shutdown-grace", &args.shutdown_grace)?;
    let header_read = duration_flag("--header-read-timeout", &args.header_read_timeout)?;
    let idle = duration_flag("--idle-timeout", &args.idle_timeout)?;
    let min_interval = duration_flag("--min-interval", &args.min_interval)?;
    analysis_core::expr::set_step_budget(args.eval_step_budget);
    let auth = http::Auth(
        args.auth_token_file
            .as_deref()
            .map(read_token)
            .transpose()?,
    );
    check_exposure(&args, auth.0.is_some())?;
    let guard = http::Guard {
        hosts: (auth.0.is_none() || !args.allowed_hosts.is_empty())
            .then(|| Arc::from(args.allowed_hosts.clone())),
    };
    if let Some(dir) = &args.secrets_dir {
        check_dir("--secrets-dir", dir)?;
    }
    let limits = conn::Limits::new(args.max_connections, header_read, idle);
    // Held until the process exits: a second process would drive every run a second time.
    let _dir_lock = DirLock::acquire(&args.data_dir)
        .map_err(|e| StartError::Msg(format!("--data-dir {}: {e}", args.data_dir.display())))?;
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&args.data_dir).map_err(|e| {
            StartError::Msg(format!("--data-dir {}: {e}", args.data_dir.display()))
        })?);
    let allow_hosts = (!args.allow_hosts.is_empty()).then(|| args.allow_hosts.clone());
    let providers = Providers::new(ProviderOptions {
        allow_hosts: allow_hosts.clone(),
        max_in_flight_per_backend: Some(args.provider_concurrency),
        max_measurement_timeout: Some(positive_duration(
            "--max-measurement-timeout",
            &args.max_measurement_timeout,
        )?),
        ..ProviderOptions::from_env()
    })
    .map_err(|e| StartError::Msg(format!("providers: {e}")))?;
    let secrets: Arc<dyn SecretSource> = match &args.secrets_dir {
        Some(dir) => Arc::new(DirSecrets::new(dir.clone())),
        None => Arc::new(NoSecrets),
    };
    let svc = Arc::new(Service::with_limits(
        store,
        providers,
        secrets,
        allow_hosts,
        service::Limits { min_interval },
    ));
    let (core, scheduler) = (svc.core.clone(), svc.scheduler.clone());

    if let Some(dir) = &args.templates {
        let n = load_templates(&svc, dir).await?;
        tracing::info!(templates = n, dir = %dir.display(), "templates loaded");
    }
    // Every run is listed; the incomplete ones this process claims are driven again.
    let (claimed, _) = core.store.claim_runs().await?;
    let (runs, bad) = core.store.load_runs().await?;
    for e in bad {
        tracing::error!(run = %e.name, error = %e, "a stored run could not be read; it is reported as unreadable until it is deleted");
        let reason = e.to_string();
        core.registry.insert_unreadable(e.id, e.name, reason);
    }
    for stored in runs {
        let snap = Snapshot::new(
            stored.id,
            stored.run.clone(),
            stored.completed,
            core.secrets.as_ref(),
        );
        core.registry.insert(snap);
        if stored.completed {
            scheduler.expire_later(stored.id, &stored.run);
        }
    }
    let resumed = claimed.len();
    for c in claimed {
        scheduler.resume(c.stored.id, c.lease, c.stored.run);
    }
    tracing::info!(resumed, "stored runs loaded");

    let http_listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| StartError::Msg(format!("--listen {}: {e}", args.listen)))?;
    let grpc_listener = tokio::net::TcpListener::bind(args.grpc_listen)
        .await
        .map_err(|e| StartError::Msg(format!("--grpc-listen {}: {e}", args.grpc_listen)))?;
    let local =
        |l: &tokio::net::TcpListener| l.local_addr().map_err(|e| StartError::Msg(e.to_string()));
    // Tests and scripts read these two lines to find the ports (`--listen 127.0.0.1:0`).
    println!("augur: listening on http://{}", local(&http_listener)?);
    println!("augur: gRPC on {}", local(&grpc_listener)?);

    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let router = http::router(svc.clone(), auth.clone(), guard, args.max_body_bytes);
    let http_server = tokio::spawn(
        axum::serve(
            conn::LimitedListener::new(http_listener, limits),
            router.into_make_service_with_connect_info::<conn::ConnHandle>(),
        )
        .with_graceful_shutdown(stopped(stop_rx.clone()))
        .into_future(),
    );
    let grpc_server = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(grpc::server(svc.clone(), auth, args.max_body_bytes))
            .serve_with_incoming_shutdown(
                tonic::transport::server::TcpIncoming::from(grpc_listener),
                stopped(stop_rx),
            ),
    );
    core.ready.store(true, Ordering::Release);

    shutdown_signal().await;
    tracing::info!(grace = ?grace, "shutting down: no new work; letting passes in flight finish");
    core.accepting.store(false, Ordering::Release);
    let abandoned = scheduler.shutdown(grace).await;
    if abandoned > 0 {
        tracing::warn!(
            abandoned,
            "passes abandoned at the grace limit; they run again on restart"
        );
    }
    let _ = stop_tx.send(true);
    let servers = async {
        let _ = http_server.await;
        let _ = grpc_server.await;
    };
    if tokio::time::timeout(Duration::from_secs(5), servers)
        .await
        .is_err()
    {
        tracing::warn!("connections still open after 5s; closing them");
    }
    tracing::info!("stopped");
    Ok(())
}
