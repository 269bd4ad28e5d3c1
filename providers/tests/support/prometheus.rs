//! A real Prometheus for tests: history backfilled from an OpenMetrics fixture with
//! `promtool tsdb create-blocks-from openmetrics`, served on a free loopback port from a temp
//! dir, and killed by PID on drop. Without the binary the caller skips, unless `CI=true`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running Prometheus with backfilled history.
pub struct Prometheus {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    dir: tempfile::TempDir,
}

impl Prometheus {
    /// Starts one serving the fixture's history, or `None` (after saying so) when no binary is
    /// installed. Under `CI=true` a missing binary is a failure, not a skip.
    pub fn start(fixture: &Path) -> Option<Prometheus> {
        let Some(prometheus) = find_binary("PROMETHEUS_BIN", "prometheus", None) else {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true");
            assert!(
                !ci,
                "CI=true but no prometheus binary (set PROMETHEUS_BIN or PATH)"
            );
            eprintln!("SKIPPED: no prometheus binary (looked at $PROMETHEUS_BIN, then PATH)");
            return None;
        };
        let promtool = find_binary("PROMTOOL_BIN", "promtool", prometheus.parent())
            .expect("prometheus is installed but promtool is not");
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let out = Command::new(&promtool)
            .args(["tsdb", "create-blocks-from", "openmetrics"])
            .arg(fixture)
            .arg(&data)
            .output()
            .expect("run promtool");
        assert!(
            out.status.success(),
            "promtool backfill failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            "global:\n  scrape_interval: 1h\nscrape_configs: []\n",
        )
        .expect("write config");
        let port = super::closed_port();
        let log = std::fs::File::create(dir.path().join("prometheus.log")).expect("log file");
        let child = Command::new(&prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--storage.tsdb.retention.time=100y")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start prometheus");
        let mut server = Prometheus {
            child,
            url: format!("http://127.0.0.1:{port}"),
            dir,
        };
        server.wait_ready(port);
        Some(server)
    }

    fn wait_ready(&mut self, port: u16) {
        let give_up = Instant::now() + Duration::from_secs(60);
        while Instant::now() < give_up {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("prometheus exited early ({status}): {}", self.log());
            }
            if get_status(port, "/-/ready") == Some(200) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("prometheus never became ready: {}", self.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        // `Child::kill` signals exactly this PID.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `$ENV_VAR`, else a sibling of `near`, else the first match on `PATH`.
fn find_binary(env_var: &str, name: &str, near: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env_var).map(PathBuf::from) {
        return p.is_file().then_some(p);
    }
    if let Some(p) = near.map(|d| d.join(name)).filter(|p| p.is_file()) {
        return Some(p);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A minimal blocking HTTP GET, returning the status code.
fn get_status(port: u16, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(head.get(9..12)?).ok()?.parse().ok()
}
