//! `augur serve` against a hostile network: silent and idle connections, a connection flood,
//! a small open-file limit, cross-site browser requests and DNS rebinding, and the errors that
//! must come as a `Status` and name what they concern.

mod serve_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use serve_support::{Augur, TestResult, client, message, send};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Generous guard against a hung connection; no test asserts on timing.
const GUARD: Duration = Duration::from_secs(30);

fn addr(augur: &Augur) -> String {
    augur.http.trim_start_matches("http://").to_string()
}

/// Reads until the server closes the connection: `Ok` when it did within the guard.
async fn closed_by_server(conn: &mut TcpStream) -> Result<(), Box<dyn std::error::Error>> {
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(GUARD, conn.read(&mut buf)).await {
            Err(_) => return Err("the server kept a silent connection open".into()),
            Ok(Ok(0)) | Ok(Err(_)) => return Ok(()),
            Ok(Ok(_)) => {}
        }
    }
}

fn long_run(name: &str) -> Value {
    json!({"kind": "AnalysisRun", "metadata": {"name": name},
        "spec": {"metrics": [{"name": "m", "interval": "1h", "count": 5,
            "successCondition": "result == 1",
            "provider": {"web": {"url": "http://127.0.0.1:9/x"}}}]}})
}

#[tokio::test]
async fn silent_and_idle_connections_are_closed() -> TestResult {
    let dir = tempfile::tempdir()?;
    let augur = Augur::start(
        dir.path(),
        &["--header-read-timeout", "1s", "--idle-timeout", "1s"],
    )?;
    // Connected, nothing sent: closed at the header-read timeout.
    let mut silent = TcpStream::connect(addr(&augur)).await?;
    closed_by_server(&mut silent).await?;

    // One request answered, then nothing: closed at the idle timeout.
    let mut idle = TcpStream::connect(addr(&augur)).await?;
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await?;
    let mut buf = [0u8; 256];
    let n = tokio::time::timeout(GUARD, idle.read(&mut buf)).await??;
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    closed_by_server(&mut idle).await?;

    // Half a request's headers, then nothing: closed too.
    let mut trickle = TcpStream::connect(addr(&augur)).await?;
    trickle.write_all(b"GET /healthz HTTP/1.1\r\nHo").await?;
    closed_by_server(&mut trickle).await?;

    // A request in flight longer than the idle timeout is not cut: a verdict long poll.
    let c = client();
    let (s, _, text) = send(
        c.post(augur.url("/api/v1/analysisruns"))
            .json(&long_run("slow")),
    )
    .await?;
    assert_eq!(s, 201, "{text}");
    let (s, body, text) =
        send(c.get(augur.url("/api/v1/analysisruns/slow/verdict?wait=3s"))).await?;
    assert_eq!(
        (s, body["completed"].as_bool()),
        (200, Some(false)),
        "{text}"
    );
    Ok(())
}

#[tokio::test]
async fn healthz_recovers_when_idle_connections_fill_the_limit() -> TestResult {
    let dir = tempfile::tempdir()?;
    let augur = Augur::start(
        dir.path(),
        &[
            "--max-connections",
            "4",
            "--header-read-timeout",
            "2s",
            "--idle-timeout",
            "2s",
        ],
    )?;
    // More idle sockets than the limit: the extra ones wait to be accepted.
    let mut idle = Vec::new();
    for _ in 0..12 {
        idle.push(TcpStream::connect(addr(&augur)).await?);
    }
    let health = tokio::time::timeout(GUARD, send(client().get(augur.url("/healthz")))).await;
    let (s, _, text) = health.map_err(|_| "/healthz never answered")??;
    assert_eq!((s, text.as_str()), (200, "ok"));
    for conn in &mut idle {
        closed_by_server(conn).await?;
    }
    Ok(())
}

/// The soft open-file limit raised to the hard one (a soft 256 filled by sockets made
/// /healthz unreachable).
#[cfg(target_os = "linux")]
#[test]
fn the_open_file_limit_is_raised_at_start() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -Sn 256 && exec \"$0\" serve --listen 127.0.0.1:0 --grpc-listen 127.0.0.1:0 --data-dir \"$1\"")
        .arg(env!("CARGO_BIN_EXE_augur"))
        .arg(dir.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let started = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|l| l.starts_with("augur: gRPC on "));
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id()));
    let _ = child.kill();
    let _ = child.wait();
    assert!(started, "augur serve did not start");
    let line = limits?
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .map(|l| {
            l.split_whitespace()
                .skip(3)
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .ok_or("no open-file limit")?;
    let mut parts = line.split(' ');
    let (soft, hard) = (parts.next(), parts.next());
    assert_eq!(soft, hard, "soft and hard open-file limits: {line}");
    Ok(())
}

#[tokio::test]
async fn cross_site_requests_are_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let augur = Augur::start(dir.path(), &[])?;
    let c = client();
    let runs = augur.url("/api/v1/analysisruns");
    let (s, _, text) = send(c.post(&runs).json(&long_run("victim"))).await?;
    assert_eq!(s, 201, "{text}");
    let body = long_run("csrf").to_string();

    // What a page on another site can make a browser send without asking.
    for ct in [
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "TEXT/PLAIN",
    ] {
        let (s, v, text) =
            send(c.post(&runs).header("content-type", ct).body(body.clone())).await?;
        assert_eq!(
            (s, v["kind"].as_str()),
            (415, Some("Status")),
            "{ct}: {text}"
        );
    }
    let foreign = "http://evil.example";
    let (s, v, text) = send(
        c.post(augur.url("/api/v1/analysisruns/victim/terminate"))
            .header("origin", foreign),
    )
    .await?;
    assert_eq!(s, 403, "{text}");
    assert!(message(&v).contains("evil.example"), "{text}");
    let (s, _, _) = send(
        c.delete(augur.url("/api/v1/analysisruns/victim"))
            .header("origin", "null"),
    )
    .await?;
    assert_eq!(s, 403);
    let (s, _, _) = send(
        c.post(&runs)
            .header("origin", foreign)
            .header("content-type", "application/json")
            .body(body.clone()),
    )
    .await?;
    assert_eq!(s, 403);
    // Nothing happened: no new run, the victim still runs.
    let (s, _, _) = send(c.get(augur.url("/api/v1/analysisruns/csrf"))).await?;
    assert_eq!(s, 404);
    let (_, v, _) = send(c.get(augur.url("/api/v1/analysisruns/victim/verdict"))).await?;
    assert_eq!(v["completed"], false);

    // The service's own origin, and the content types clients send, still work.
    let (s, _, text) = send(
        c.post(&runs)
            .header("origin", augur.http.as_str())
            .header("content-type", "application/json")
            .body(body),
    )
    .await?;
    assert_eq!(s, 201, "{text}");
    let yaml = "kind: AnalysisRun\nmetadata: {name: as-yaml}\nspec:\n  metrics:\n  - name: m\n    interval: 1h\n    count: 2\n    provider: {web: {url: 'http://127.0.0.1:9/x'}}\n";
    let (s, _, text) = send(
        c.post(&runs)
            .header("content-type", "application/yaml")
            .body(yaml),
    )
    .await?;
    assert_eq!(s, 201, "{text}");

    // DNS rebinding: a name that is not this service's, even reaching its address.
    let (s, v, text) = send(c.get(&runs).header("host", "rebind.evil.example:8080")).await?;
    assert_eq!((s, v["kind"].as_str()), (421, Some("Status")), "{text}");
    for host in ["localhost", "127.0.0.1:1234", "[::1]:8080"] {
        let (s, _, text) = send(c.get(&runs).header("host", host)).await?;
        assert_eq!(s, 200, "{host}: {text}");
    }
    Ok(())
}

#[tokio::test]
async fn allowed_hosts_with_a_token() -> TestResult {
    let dir = tempfile::tempdir()?;
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret\n")?;
    let token_arg = token.to_string_lossy().to_string();
    let c = client();
    // A token keeps browsers out: any Host is answered unless names are configured.
    let open = Augur::start(&dir.path().join("a"), &["--auth-token-file", &token_arg])?;
    let (s, _, text) = send(
        c.get(open.url("/api/v1/analysisruns"))
            .header("host", "augur.augur.svc:8080")
            .header("authorization", "bearer s3cret"),
    )
    .await?;
    assert_eq!(s, 200, "{text}");
    drop(open);
    let named = Augur::start(
        &dir.path().join("b"),
        &[
            "--auth-token-file",
            &token_arg,
            "--allowed-host",
            "augur.example",
        ],
    )?;
    let get = |host: &str| {
        c.get(named.url("/api/v1/analysisruns"))
            .header("host", host.to_string())
            .header("authorization", "Bearer s3cret")
    };
    assert_eq!(send(get("augur.example:443")).await?.0, 200);
    assert_eq!(send(get("other.example")).await?.0, 421);
    Ok(())
}

/// Runs `augur serve` with `args` expecting it to refuse to start; its stderr. One that
/// starts anyway is killed at the guard and fails the test.
fn refused(args: &[&str]) -> Result<String, Box<dyn std::error::Error>> {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_augur"))
        .arg("serve")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let deadline = std::time::Instant::now() + GUARD;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        stderr.read_to_string(&mut err)?;
    }
    match status {
        Some(s) if !s.success() => Ok(err),
        _ => Err(format!("augur serve {args:?} started: {err}").into()),
    }
}

#[test]
fn no_token_means_loopback_only() -> TestResult {
    let dir = tempfile::tempdir()?;
    let data = dir.path().to_string_lossy().to_string();
    for (flag, other) in [("--listen", "--grpc-listen"), ("--grpc-listen", "--listen")] {
        let err = refused(&[flag, "0.0.0.0:0", other, "127.0.0.1:0", "--data-dir", &data])?;
        assert!(
            err.contains(&format!(
                "{flag} 0.0.0.0:0: not a loopback address and no --auth-token-file"
            )),
            "{err}"
        );
    }
    // Said out loud, it starts.
    let mut child = Command::new(env!("CARGO_BIN_EXE_augur"))
        .args([
            "serve",
            "--listen",
            "0.0.0.0:0",
            "--grpc-listen",
            "127.0.0.1:0",
        ])
        .args(["--insecure-no-auth", "--data-dir", &data])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let started = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|l| l.starts_with("augur: listening on http://0.0.0.0:"));
    let _ = child.kill();
    let _ = child.wait();
    assert!(started, "--insecure-no-auth did not start");
    Ok(())
}

#[test]
fn start_up_errors_name_the_file() -> TestResult {
    let dir = tempfile::tempdir()?;
    let missing = dir.path().join("missing");
    let missing = missing.to_string_lossy();
    let file = dir.path().join("file");
    std::fs::write(&file, "x")?;
    let file = file.to_string_lossy();
    let data = dir.path().join("data");
    let data = data.to_string_lossy();
    let base = ["--listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0"];
    let cases: [(&[&str], String); 5] = [
        (
            &["--auth-token-file", &missing],
            format!("--auth-token-file {missing}: No such file or directory"),
        ),
        (
            &["--secrets-dir", &missing],
            format!("--secrets-dir {missing}: No such file or directory"),
        ),
        (
            &["--secrets-dir", &file],
            format!("--secrets-dir {file}: not a directory"),
        ),
        (
            &["--templates", &missing],
            format!("--templates {missing}: No such file or directory"),
        ),
        (&["--data-dir", &file], format!("--data-dir {file}: ")),
    ];
    for (args, expected) in cases {
        let mut all: Vec<&str> = base.to_vec();
        if !args.contains(&"--data-dir") {
            all.extend(["--data-dir", &data]);
        }
        all.extend(args);
        let err = refused(&all)?;
        assert!(err.contains(&expected), "{args:?}: {err}");
    }
    Ok(())
}

#[tokio::test]
async fn query_errors_and_bearer_scheme() -> TestResult {
    let dir = tempfile::tempdir()?;
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret")?;
    let token_arg = token.to_string_lossy().to_string();
    let augur = Augur::start(&dir.path().join("data"), &["--auth-token-file", &token_arg])?;
    let c = client();
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let (s, _, text) = send(
            c.get(augur.url("/api/v1/analysisruns"))
                .header("authorization", format!("{scheme} s3cret")),
        )
        .await?;
        assert_eq!(s, 200, "{scheme}: {text}");
    }
    for path in [
        "/api/v1/analysisruns/x/verdict?wait=1s&wait=2s",
        "/canaryConfig?application=a&application=b",
        "/api/v1/analysisruns?phase=Running&phase=Failed",
    ] {
        let (s, v, text) = send(c.get(augur.url(path)).bearer_auth("s3cret")).await?;
        assert_eq!(
            (s, v["kind"].as_str()),
            (400, Some("Status")),
            "{path}: {text}"
        );
        assert!(message(&v).contains("duplicate field"), "{path}: {text}");
    }
    Ok(())
}
