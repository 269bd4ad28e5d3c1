//! Starts real `augur serve` processes on loopback ports and talks to them.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub mod pb {
    tonic::include_proto!("augur.v1");
}

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A running `augur serve`; killed (SIGKILL) when dropped.
pub struct Augur {
    child: Child,
    pub http: String,
    pub grpc: String,
    pub data_dir: PathBuf,
}

/// Generous guard against a hung child; no test asserts on timing.
const START_GUARD: Duration = Duration::from_secs(60);

impl Augur {
    /// Starts the binary on `data_dir` with free ports and `extra` flags.
    pub fn start(data_dir: &Path, extra: &[&str]) -> Result<Augur, Box<dyn std::error::Error>> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_augur"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--grpc-listen",
                "127.0.0.1:0",
            ])
            .arg("--data-dir")
            .arg(data_dir)
            .args(extra)
            // The end-to-end runs measure every 100 ms to finish quickly.
            .args(if extra.contains(&"--min-interval") {
                &[][..]
            } else {
                &["--min-interval", "10ms"][..]
            })
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let (mut http, mut grpc) = (None, None);
        while http.is_none() || grpc.is_none() {
            let line = match rx.recv_timeout(START_GUARD) {
                Ok(l) => l,
                Err(_) => {
                    let _ = child.kill();
                    return Err("augur serve did not print its addresses".into());
                }
            };
            if let Some(a) = line.strip_prefix("augur: listening on ") {
                http = Some(a.to_string());
            } else if let Some(a) = line.strip_prefix("augur: gRPC on ") {
                grpc = Some(format!("http://{a}"));
            }
        }
        Ok(Augur {
            child,
            http: http.unwrap_or_default(),
            grpc: grpc.unwrap_or_default(),
            data_dir: data_dir.to_path_buf(),
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.http)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -9`: no chance to clean up.
    pub fn kill9(mut self) -> std::io::Result<()> {
        self.child.kill()?;
        self.child.wait().map(|_| ())
    }

    /// SIGTERM, then waits for the exit; returns whether it exited successfully.
    pub fn terminate(mut self) -> Result<bool, Box<dyn std::error::Error>> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()?;
        if !status.success() {
            return Err("kill -TERM failed".into());
        }
        Ok(self.child.wait()?.success())
    }
}

impl Drop for Augur {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// Sends `req`: the status, the body as JSON (`null` when it is not JSON) and as text.
pub async fn send(
    req: reqwest::RequestBuilder,
) -> Result<(u16, serde_json::Value, String), Box<dyn std::error::Error>> {
    let resp = req.send().await?;
    let status = resp.status().as_u16();
    let text = resp.text().await?;
    let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    Ok((status, json, text))
}

/// An error answer's `message` field (empty when absent).
pub fn message(v: &serde_json::Value) -> String {
    v["message"].as_str().unwrap_or("").to_string()
}

/// A template with one web metric against `url`.
pub fn web_template(
    name: &str,
    url: &str,
    interval: Option<&str>,
    count: Option<u32>,
) -> serde_json::Value {
    let mut metric = serde_json::json!({
        "name": "success-rate",
        "successCondition": "result >= 0.9",
        "provider": {"web": {"url": url, "jsonPath": "{$.value}"}},
    });
    if let Some(i) = interval {
        metric["interval"] = i.into();
    }
    if let Some(c) = count {
        metric["count"] = c.into();
    }
    serde_json::json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": name},
        "spec": {"args": [{"name": "service"}], "metrics": [metric]},
    })
}

/// A loopback backend answering `{"value": <value>}` and counting requests.
pub struct Backend {
    pub url: String,
    pub hits: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

pub async fn backend(value: f64) -> Result<Backend, Box<dyn std::error::Error>> {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let app = axum::Router::new().route(
        "/metric",
        axum::routing::get(move || {
            let h = h.clone();
            async move {
                h.fetch_add(1, Ordering::SeqCst);
                axum::Json(serde_json::json!({ "value": value }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(Backend {
        url: format!("http://{addr}/metric"),
        hits,
    })
}

/// Polls the run until it completes (guarded, not timed).
pub async fn wait_completed(
    augur: &Augur,
    name: &str,
) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let url = augur.url(&format!("/api/v1/analysisruns/{name}/verdict?wait=30s"));
    for _ in 0..20 {
        let v: serde_json::Value = client().get(&url).send().await?.json().await?;
        if v["completed"] == true {
            return Ok(v);
        }
    }
    Err(format!("run {name} did not complete").into())
}
