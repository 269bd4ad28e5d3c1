//! A real Prometheus for tests: history backfilled from an OpenMetrics file with `promtool`,
//! served on a free loopback port from a temporary data directory, killed by PID on drop.
//!
//! Binaries come from `$PROMETHEUS_BIN` (and `$PROMTOOL_BIN`, else `promtool` beside it) or
//! `PATH`. Suites that use it gate their tests on [`PART`]: without the binaries those tests
//! show as ignored, unless `AUGUR_REQUIRE_PROMETHEUS=1` (set by `.ci/run`), where they fail.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::gated::Part;

/// A running Prometheus; dropping it kills the process.
pub struct Prometheus {
    child: Child,
    port: u16,
    /// The data directory, removed after the process is killed.
    _dir: Option<tempfile::TempDir>,
}

/// Where the binaries are.
pub struct Binaries {
    pub prometheus: PathBuf,
    pub promtool: PathBuf,
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Finds prometheus and promtool.
pub fn binaries() -> Option<Binaries> {
    let prometheus = std::env::var_os("PROMETHEUS_BIN")
        .map(PathBuf::from)
        .or_else(|| on_path("prometheus"))?;
    let promtool = std::env::var_os("PROMTOOL_BIN")
        .map(PathBuf::from)
        .or_else(|| {
            let beside = prometheus.parent()?.join("promtool");
            beside.is_file().then_some(beside)
        })
        .or_else(|| on_path("promtool"))?;
    Some(Binaries {
        prometheus,
        promtool,
    })
}

/// The part the real-Prometheus suites need (see `gated`).
pub static PART: Part = Part {
    name: "Prometheus",
    variable: "AUGUR_REQUIRE_PROMETHEUS",
    find: || {
        binaries().map(|_| ()).ok_or_else(|| {
            "prometheus/promtool not found on PATH or in $PROMETHEUS_BIN; \
             with AUGUR_REQUIRE_PROMETHEUS=1 this fails"
                .to_string()
        })
    },
};

/// The binaries, for a test gated on [`PART`] (so they were found); panics if they were not.
pub fn required_binaries() -> Binaries {
    binaries().unwrap_or_else(|| panic!("prometheus/promtool not found (set PROMETHEUS_BIN)"))
}

/// Starts Prometheus over `openmetrics` history, for a test gated on [`PART`]; panics on failure.
pub fn start_backfilled(openmetrics: &Path) -> Prometheus {
    Prometheus::start(&required_binaries(), openmetrics)
        .unwrap_or_else(|e| panic!("{}: {e}", openmetrics.display()))
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

impl Prometheus {
    /// Backfills `openmetrics` into a fresh data directory and serves it.
    pub fn start(bins: &Binaries, openmetrics: &Path) -> Result<Prometheus, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let data = dir.path().join("data");
        let out = Command::new(&bins.promtool)
            .args(["tsdb", "create-blocks-from", "openmetrics"])
            .arg(openmetrics)
            .arg(&data)
            .output()
            .map_err(|e| format!("{}: {e}", bins.promtool.display()))?;
        if !out.status.success() {
            return Err(format!(
                "promtool backfill failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Prometheus::serve(bins, dir, "global: {}\nscrape_configs: []\n")
    }

    /// Serves live data: scrapes `target` (`127.0.0.1:<port>`, path `/metrics`) every second.
    pub fn start_scraping(bins: &Binaries, target: &str) -> Result<Prometheus, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let config = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['{target}']\n"
        );
        Prometheus::serve(bins, dir, &config)
    }

    fn serve(bins: &Binaries, dir: tempfile::TempDir, config: &str) -> Result<Prometheus, String> {
        let data = dir.path().join("data");
        let config_path = dir.path().join("prometheus.yml");
        std::fs::write(&config_path, config).map_err(|e| e.to_string())?;
        let mut last_error = String::new();
        // A port picked free can be taken before Prometheus binds it: try a few.
        for _ in 0..3 {
            let port = free_port()?;
            let log = std::fs::File::create(dir.path().join("prometheus.log"))
                .map_err(|e| e.to_string())?;
            let child = Command::new(&bins.prometheus)
                .arg(format!("--config.file={}", config_path.display()))
                .arg(format!("--storage.tsdb.path={}", data.display()))
                .arg("--storage.tsdb.retention.time=100y")
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::from(log))
                .spawn()
                .map_err(|e| format!("{}: {e}", bins.prometheus.display()))?;
            let mut p = Prometheus {
                child,
                port,
                _dir: None,
            };
            match p.wait_ready(Duration::from_secs(60)) {
                Ok(()) => {
                    p._dir = Some(dir);
                    return Ok(p);
                }
                // Dropping `p` kills this attempt's process.
                Err(e) => last_error = e,
            }
        }
        let log = std::fs::read_to_string(dir.path().join("prometheus.log")).unwrap_or_default();
        Err(format!(
            "prometheus did not become ready: {last_error}\n{log}"
        ))
    }

    fn wait_ready(&mut self, limit: Duration) -> Result<(), String> {
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("prometheus exited: {status}"));
            }
            if let Ok((200, _)) = self.get("/-/ready") {
                return Ok(());
            }
            if start.elapsed() > limit {
                return Err("timed out waiting for /-/ready".to_string());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `http://127.0.0.1:<port>`, for a metric's `address`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A plain HTTP GET: status and body.
    pub fn get(&self, path_and_query: &str) -> Result<(u16, String), String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        write!(
            s,
            "GET {path_and_query} HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .map_err(|e| e.to_string())?;
        let mut text = String::new();
        s.read_to_string(&mut text).map_err(|e| e.to_string())?;
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| format!("bad HTTP answer: {text:.80}"))?;
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
        Ok((status, body.to_string()))
    }

    /// An instant query at `time` (RFC 3339): the raw API JSON.
    pub fn query(&self, query: &str, time: &str) -> Result<String, String> {
        let (status, body) = self.get(&format!(
            "/api/v1/query?query={}&time={}",
            percent_encode(query),
            percent_encode(time)
        ))?;
        if status != 200 {
            return Err(format!("{status}: {body}"));
        }
        Ok(body)
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Percent-encodes everything but unreserved characters.
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
