use super::*;
use analysis_core::{Fetched, ProviderError, ProviderOutput};

fn rec(text: &str) -> Result<Recording, RecordingError> {
    Recording::from_bytes("rec.jsonl", text.as_bytes().to_vec())
}

fn err(text: &str) -> String {
    match rec(text) {
        Ok(r) => panic!("accepted: {:?}", r.metrics()),
        Err(e) => e.to_string(),
    }
}

fn lines(r: &Recording, metric: &str, typing: Typing) -> Vec<Line> {
    let mut c = r.cursor(metric, typing).unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    while let Some(l) = c.next().unwrap_or_else(|e| panic!("{e}")) {
        out.push(l);
    }
    out
}

const MIXED: &str = r#"{"metric":"a","at":"2024-01-01T00:00:00Z","result":[0.5,NaN]}

{"metric":"b","response":{"status":200,"body":{"status":"ok"}}}
{"metric":"a","at":"2024-01-01T00:01:00Z","error":"boom"}
{"metric":"b","response":{"status":500,"body":"down\n"}}
"#;

#[test]
fn indexes_and_walks_each_metric() {
    let r = rec(MIXED).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.line_count(), 5);
    assert_eq!(r.metrics().len(), 2);
    assert_eq!(r.metrics().get("a").map(|i| i.lines), Some(2));
    assert_eq!(
        r.metrics().get("b").and_then(|i| i.line_without_at),
        Some(3)
    );
    assert_eq!(
        r.first_at().map(|t| time::format(&t)).as_deref(),
        Some("2024-01-01T00:00:00Z")
    );

    let a = lines(&r, "a", Typing::Prometheus);
    assert_eq!(a.len(), 2);
    assert_eq!(a[0].number, 1);
    assert!(matches!(&a[0].entry, Entry::Result(Value::Floats(f)) if f.len() == 2));
    assert_eq!(a[1].entry, Entry::Error("boom".into()));

    let b = lines(&r, "b", Typing::Json);
    let bodies: Vec<_> = b
        .iter()
        .map(|l| match &l.entry {
            Entry::Response(raw) => (raw.status, raw.body.clone()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        bodies,
        vec![
            (200, r#"{"status":"ok"}"#.to_string()),
            (500, "down\n".to_string())
        ]
    );
}

#[test]
fn bad_lines_are_named() {
    let cases = [
        (
            "{\"metric\":\"a\",\"result\":1}\n{\"metric\":\"a\",\"result\":[1,}\n",
            "line 2: column",
        ),
        (
            r#"{"metric":"a","result":1,"error":"x"}"#,
            r#"line 1: has "result" and "error"; keep exactly one"#,
        ),
        (r#"{"result":1}"#, r#"line 1: missing "metric""#),
        (r#"{"metric":"a"}"#, "line 1: needs one of"),
        (
            r#"{"metric":"a","at":"yesterday","result":1}"#,
            r#"line 1: "at" is not an RFC 3339 time"#,
        ),
        (
            r#"{"metric":"a","response":{"status":200}}"#,
            r#""response" needs "body""#,
        ),
        (
            r#"{"metric":"a","response":{"status":"200","body":""}}"#,
            r#""response" needs "status""#,
        ),
        (r#"{"metric":"a","error":1}"#, r#""error" must be a string"#),
        (
            "{\"metric\":\"a\",\"result\":1}\nnot json",
            "line 2: expected a JSON object",
        ),
    ];
    for (text, want) in cases {
        let e = err(text);
        assert!(e.starts_with("rec.jsonl: line "), "{e}");
        assert!(e.contains(want), "{text}\n=> {e}\nwant {want}");
    }
}

#[test]
fn unknown_metrics_are_named_with_their_first_line() {
    let r = rec("{\"metric\":\"a\",\"result\":1}\n{\"metric\":\"typo\",\"result\":1}\n")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(r.check_metrics(["a", "typo"]).is_ok());
    let e = r.check_metrics(["a", "b"]).err().map(|e| e.to_string());
    assert_eq!(
        e.as_deref(),
        Some(r#"rec.jsonl: line 2: metric "typo" is not in the template (its metrics: a, b)"#)
    );
}

#[test]
fn time_cursor_takes_the_newest_line_at_or_before() {
    let text = (0..3)
        .map(|i| format!("{{\"metric\":\"a\",\"at\":\"2024-01-01T00:0{i}:00Z\",\"result\":{i}}}\n"))
        .collect::<String>();
    let r = rec(&text).unwrap_or_else(|e| panic!("{e}"));
    let c = r
        .cursor("a", Typing::Json)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut t = TimeCursor::new(c).unwrap_or_else(|e| panic!("{e}"));
    let at = |s: &str| time::parse(s).unwrap_or_else(|e| panic!("{e}"));
    let num = |r: AtTime| match r {
        AtTime::Line(l) => Some(l.number),
        _ => None,
    };
    assert!(matches!(
        t.at(at("2023-12-31T23:59:00Z")),
        Ok(AtTime::TooEarly { .. })
    ));
    assert_eq!(t.at(at("2024-01-01T00:00:00Z")).ok().and_then(num), Some(1));
    assert_eq!(t.at(at("2024-01-01T00:01:59Z")).ok().and_then(num), Some(2));
    assert_eq!(t.at(at("2024-01-01T00:02:00Z")).ok().and_then(num), Some(3));
    assert!(matches!(
        t.at(at("2024-01-01T00:02:01Z")),
        Ok(AtTime::Exhausted)
    ));
}

#[test]
fn writer_round_trips_every_kind() {
    let at = time::parse("2024-01-01T00:00:00Z").unwrap_or_else(|e| panic!("{e}"));
    let fetches = [
        Fetched {
            outcome: Ok(ProviderOutput::new(Value::floats(vec![0.5, f64::NAN]))),
            raw: None,
        },
        Fetched {
            outcome: Ok(ProviderOutput::new(Value::string("ok"))),
            raw: Some(RawResponse {
                status: 200,
                body: "{\"status\":\"ok\"}".into(),
            }),
        },
        Fetched {
            outcome: Err(ProviderError::new("x")),
            raw: Some(RawResponse {
                status: 502,
                body: "bad\ngateway".into(),
            }),
        },
        Fetched::failed(ProviderError::new("dial tcp: connection refused")),
    ];
    let w = RecordingWriter::new(Vec::new());
    for f in &fetches {
        w.write("m", at, f).unwrap_or_else(|e| panic!("{e}"));
    }
    let (bytes, n) = w.finish().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n, 4);
    let text = String::from_utf8(bytes).unwrap_or_default();
    assert!(text.contains(r#""body":{"status":"ok"}"#), "{text}");
    let r = rec(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let got: Vec<Entry> = lines(&r, "m", Typing::Prometheus)
        .into_iter()
        .map(|l| l.entry)
        .collect();
    assert_eq!(
        got,
        vec![
            Entry::Result(Value::floats(vec![0.5, f64::NAN])),
            Entry::Response(RawResponse {
                status: 200,
                body: "{\"status\":\"ok\"}".into()
            }),
            Entry::Response(RawResponse {
                status: 502,
                body: "bad\ngateway".into()
            }),
            Entry::Error("dial tcp: connection refused".into()),
        ]
    );
}
