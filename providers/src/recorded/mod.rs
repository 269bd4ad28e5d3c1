//! Recordings: what providers answered, one JSON object per line, so a run can be replayed
//! through the same engine later (`augur record` writes them, `augur replay` reads them).
//!
//! Each line has `"metric"`, exactly one of `"result"` (the provider's result itself),
//! `"response"` (`{"status", "body"}`: the raw backend answer, parsed by the metric's own
//! provider) or `"error"` (the provider failed), and optionally `"at"` (RFC 3339).
//!
//! Reading streams: [`Recording::open`] validates every line once and keeps only a per-metric
//! index (counts, first/last `at`); each [`Cursor`] then walks the file on its own, so memory
//! stays flat however long the recording is.

mod scan;
mod writer;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use analysis_core::RawResponse;
use analysis_core::json::{self, Typing};
use analysis_core::model::time;
use analysis_core::value::Value;
use chrono::{DateTime, Utc};

pub use writer::{RecordingWriter, encode_line};

/// What a line says the provider produced.
#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    /// `"result"`: the provider's typed result.
    Result(Value),
    /// `"response"`: a raw backend answer for the provider to parse.
    Response(RawResponse),
    /// `"error"`: the provider's error text.
    Error(String),
}

/// One decoded line.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// 1-based line number in the recording.
    pub number: usize,
    /// The metric the line is for.
    pub metric: Arc<str>,
    /// When it was recorded; time mode requires it.
    pub at: Option<DateTime<Utc>>,
    /// What the provider produced.
    pub entry: Entry,
}

/// A bad recording: which file, which line, what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.render())]
pub struct RecordingError {
    /// The recording's source name (usually its path).
    pub source_name: String,
    /// The 1-based line at fault, when the fault is on a line.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl RecordingError {
    fn render(&self) -> String {
        match self.line {
            Some(n) => format!("{}: line {n}: {}", self.source_name, self.message),
            None => format!("{}: {}", self.source_name, self.message),
        }
    }
}

/// What the index knows about one metric's lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetricIndex {
    /// How many lines the metric has.
    pub lines: usize,
    /// Its first line's number, to point at when the metric is unknown to the run.
    pub first_line: usize,
    /// The `at` of its first line, if that line has one.
    pub first_at: Option<DateTime<Utc>>,
    /// The `at` of its last line, if that line has one.
    pub last_at: Option<DateTime<Utc>>,
    /// The first line of this metric without `"at"` (time mode needs it everywhere).
    pub line_without_at: Option<usize>,
    /// The first line whose `at` is earlier than the metric's previous line's.
    pub line_going_back: Option<usize>,
}

#[derive(Clone, Debug)]
enum Source {
    File(PathBuf),
    Bytes(Arc<[u8]>),
}

/// A validated recording: where to read it from and an index of its metrics.
#[derive(Clone, Debug)]
pub struct Recording {
    source: Source,
    name: String,
    index: BTreeMap<String, MetricIndex>,
    first_at: Option<DateTime<Utc>>,
    lines: usize,
}

impl Recording {
    /// Opens and validates a recording file, line by line.
    pub fn open(path: &Path) -> Result<Recording, RecordingError> {
        Recording::index(Source::File(path.to_path_buf()), path.display().to_string())
    }

    /// A recording held in memory (tests, benches, the service).
    pub fn from_bytes(
        name: impl Into<String>,
        bytes: impl Into<Arc<[u8]>>,
    ) -> Result<Recording, RecordingError> {
        Recording::index(Source::Bytes(bytes.into()), name.into())
    }

    fn index(source: Source, name: String) -> Result<Recording, RecordingError> {
        let mut rec = Recording {
            source,
            name,
            index: BTreeMap::new(),
            first_at: None,
            lines: 0,
        };
        let mut reader = rec.reader()?;
        while let Some(line) = reader.next_line()? {
            let fields = scan::split_line(line.text).map_err(|m| rec.error(line.number, m))?;
            let parsed = check_fields(&fields).map_err(|m| rec.error(line.number, m))?;
            // Looked up before inserting: the name is allocated once per metric, not per line.
            let entry = match rec.index.get_mut(parsed.metric.as_ref()) {
                Some(entry) => entry,
                None => rec
                    .index
                    .entry(parsed.metric.into_owned())
                    .or_insert_with(|| MetricIndex {
                        first_line: line.number,
                        ..MetricIndex::default()
                    }),
            };
            entry.lines += 1;
            match parsed.at {
                None => {
                    entry.line_without_at.get_or_insert(line.number);
                }
                Some(at) => {
                    if entry.last_at.is_some_and(|last| at < last) {
                        entry.line_going_back.get_or_insert(line.number);
                    }
                    entry.first_at.get_or_insert(at);
                    entry.last_at = Some(at);
                    if rec.first_at.is_none_or(|first| at < first) {
                        rec.first_at = Some(at);
                    }
                }
            }
            rec.lines = line.number;
        }
        Ok(rec)
    }

    /// The file name (or given name) errors are reported against.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The earliest `at` of any line.
    pub fn first_at(&self) -> Option<DateTime<Utc>> {
        self.first_at
    }

    /// The number of lines read (blank lines included).
    pub fn line_count(&self) -> usize {
        self.lines
    }

    /// Every metric the recording mentions, with its index.
    pub fn metrics(&self) -> &BTreeMap<String, MetricIndex> {
        &self.index
    }

    /// Fails on the first line whose metric is not one of `known` (a typo, or the wrong
    /// template), naming that line.
    pub fn check_metrics<'a>(
        &self,
        known: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), RecordingError> {
        let known: Vec<&str> = known.into_iter().collect();
        let unknown = self
            .index
            .iter()
            .filter(|(name, _)| !known.contains(&name.as_str()))
            .min_by_key(|(_, idx)| idx.first_line);
        match unknown {
            None => Ok(()),
            Some((name, idx)) => Err(self.error(
                idx.first_line,
                format!(
                    "metric {name:?} is not in the template (its metrics: {})",
                    known.join(", ")
                ),
            )),
        }
    }

    /// A cursor over the lines of one metric; `typing` types `result` lines (Prometheus
    /// number arrays are float vectors).
    pub fn cursor(&self, metric: &str, typing: Typing) -> Result<Cursor, RecordingError> {
        Ok(Cursor {
            reader: self.reader()?,
            metric: metric.into(),
            typing,
            name: self.name.clone(),
        })
    }

    fn reader(&self) -> Result<LineReader, RecordingError> {
        let inner: Box<dyn BufRead + Send> = match &self.source {
            Source::File(path) => Box::new(BufReader::with_capacity(
                64 * 1024,
                File::open(path).map_err(|e| self.io_error(None, &e))?,
            )),
            Source::Bytes(bytes) => Box::new(io::Cursor::new(bytes.clone())),
        };
        Ok(LineReader {
            inner,
            buf: Vec::new(),
            number: 0,
            name: self.name.clone(),
        })
    }

    fn error(&self, line: usize, message: impl Into<String>) -> RecordingError {
        RecordingError {
            source_name: self.name.clone(),
            line: Some(line),
            message: message.into(),
        }
    }

    fn io_error(&self, line: Option<usize>, e: &io::Error) -> RecordingError {
        RecordingError {
            source_name: self.name.clone(),
            line,
            message: e.to_string(),
        }
    }
}

/// Reads a recording one line at a time into a reused buffer.
struct LineReader {
    inner: Box<dyn BufRead + Send>,
    buf: Vec<u8>,
    number: usize,
    name: String,
}

struct RawLine<'a> {
    number: usize,
    text: &'a str,
}

impl LineReader {
    /// The next non-blank line, without its line ending.
    fn next_line(&mut self) -> Result<Option<RawLine<'_>>, RecordingError> {
        loop {
            self.buf.clear();
            self.number += 1;
            let n = self
                .inner
                .read_until(b'\n', &mut self.buf)
                .map_err(|e| RecordingError {
                    source_name: self.name.clone(),
                    line: Some(self.number),
                    message: e.to_string(),
                })?;
            if n == 0 {
                self.number -= 1;
                return Ok(None);
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            while let Some(b'\n' | b'\r') = self.buf.last() {
                self.buf.pop();
            }
            let text = std::str::from_utf8(&self.buf).map_err(|e| RecordingError {
                source_name: self.name.clone(),
                line: Some(self.number),
                message: format!("not UTF-8 ({e})"),
            })?;
            return Ok(Some(RawLine {
                number: self.number,
                text,
            }));
        }
    }
}

/// A streaming walk over one metric's lines, in file order.
pub struct Cursor {
    reader: LineReader,
    /// Shared with every [`Line`] it returns.
    metric: Arc<str>,
    typing: Typing,
    name: String,
}

impl Cursor {
    /// The metric's next line, decoded; `None` when its lines have run out.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Line>, RecordingError> {
        let (name, metric, typing) = (&self.name, &self.metric, self.typing);
        while let Some(raw) = self.reader.next_line()? {
            let err = |message: String| RecordingError {
                source_name: name.clone(),
                line: Some(raw.number),
                message,
            };
            let fields = scan::split_line(raw.text).map_err(err)?;
            if fields.metric.and_then(scan::decode_string).as_deref() != Some(&**metric) {
                continue;
            }
            return decode(&fields, raw.number, metric, typing)
                .map(Some)
                .map_err(err);
        }
        Ok(None)
    }
}

/// Time mode's view of one metric: the newest line with `at <= t`.
pub struct TimeCursor {
    cursor: Cursor,
    current: Option<Line>,
    pending: Option<Line>,
}

/// What a time-mode lookup found.
#[derive(Debug)]
pub enum AtTime {
    /// The line in force at `t`.
    Line(Line),
    /// `t` is before the metric's first line.
    TooEarly {
        /// The metric's first `at`, for the error message.
        first_at: Option<DateTime<Utc>>,
    },
    /// `t` is after the metric's last line: the recording has run out.
    Exhausted,
}

impl TimeCursor {
    /// Reads the cursor's first line, so a bad recording fails here rather than mid-run.
    pub fn new(mut cursor: Cursor) -> Result<TimeCursor, RecordingError> {
        let pending = cursor.next()?;
        Ok(TimeCursor {
            cursor,
            current: None,
            pending,
        })
    }

    /// The newest line with `at <= t`. Times must not go backwards between calls.
    pub fn at(&mut self, t: DateTime<Utc>) -> Result<AtTime, RecordingError> {
        while let Some(p) = &self.pending {
            if p.at.is_some_and(|at| at <= t) {
                self.current = self.pending.take();
                self.pending = self.cursor.next()?;
            } else {
                break;
            }
        }
        Ok(match (&self.current, &self.pending) {
            (None, p) => AtTime::TooEarly {
                first_at: p.as_ref().and_then(|p| p.at),
            },
            (Some(c), None) if c.at.is_some_and(|at| at < t) => AtTime::Exhausted,
            (Some(c), _) => AtTime::Line(c.clone()),
        })
    }
}

struct Checked<'a> {
    metric: Cow<'a, str>,
    at: Option<DateTime<Utc>>,
}

/// Validates a line's envelope: `metric`, `at`, exactly one of the three.
fn check_envelope<'a>(f: &scan::RawFields<'a>) -> Result<Checked<'a>, String> {
    let metric = match f.metric {
        None => return Err("missing \"metric\"".to_string()),
        Some(raw) => match scan::decode_string(raw) {
            Some(m) if !m.is_empty() => m,
            _ => return Err("\"metric\" must be a non-empty string".to_string()),
        },
    };
    let at = parse_at(f.at)?;
    let present = [
        ("\"result\"", f.result.is_some()),
        ("\"response\"", f.response.is_some()),
        ("\"error\"", f.error.is_some()),
    ];
    match present.iter().filter(|(_, set)| *set).count() {
        1 => {}
        0 => {
            return Err(
                "needs one of \"result\", \"response\" or \"error\"; the line has none".to_string(),
            );
        }
        _ => {
            let names: Vec<&str> = present
                .iter()
                .filter(|(_, set)| *set)
                .map(|(name, _)| *name)
                .collect();
            return Err(format!(
                "has {}; keep exactly one of \"result\", \"response\" or \"error\"",
                names.join(" and ")
            ));
        }
    }
    Ok(Checked { metric, at })
}

/// [`check_envelope`] plus the `response` and `error` members: what opening a recording checks.
fn check_fields<'a>(f: &scan::RawFields<'a>) -> Result<Checked<'a>, String> {
    let checked = check_envelope(f)?;
    if let Some(raw) = f.response {
        response(raw)?;
    }
    if let Some(raw) = f.error {
        scan::decode_string(raw).ok_or("\"error\" must be a string")?;
    }
    Ok(checked)
}

fn parse_at(raw: Option<&str>) -> Result<Option<DateTime<Utc>>, String> {
    let Some(raw) = raw else { return Ok(None) };
    let text = scan::decode_string(raw).ok_or("\"at\" must be an RFC 3339 string")?;
    time::parse(&text)
        .map(Some)
        .map_err(|e| format!("\"at\" is not an RFC 3339 time ({text:?}: {e})"))
}

fn response(raw: &str) -> Result<RawResponse, String> {
    let f = scan::split_response(raw)?;
    let status = f
        .status
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|s| (100..=599).contains(s))
        .ok_or("\"response\" needs \"status\": an HTTP status code (100-599)")?;
    let body = match f.body {
        None => return Err("\"response\" needs \"body\": a string or JSON".to_string()),
        // A string body is the body's text; any other JSON is the body as written.
        Some(raw) if raw.starts_with('"') => scan::decode_string(raw)
            .ok_or("\"body\" is not a valid string")?
            .into_owned(),
        Some(raw) => raw.to_string(),
    };
    Ok(RawResponse { status, body })
}

/// Decodes a line of `metric` (already matched by the cursor).
fn decode(
    f: &scan::RawFields<'_>,
    number: usize,
    metric: &Arc<str>,
    typing: Typing,
) -> Result<Line, String> {
    let checked = check_envelope(f)?;
    let entry = if let Some(raw) = f.result {
        Entry::Result(json::parse(raw, typing).map_err(|e| format!("\"result\": {e}"))?)
    } else if let Some(raw) = f.response {
        Entry::Response(response(raw)?)
    } else {
        let text = f
            .error
            .and_then(scan::decode_string)
            .ok_or("\"error\" must be a string")?;
        Entry::Error(text.into_owned())
    };
    Ok(Line {
        number,
        metric: Arc::clone(metric),
        at: checked.at,
        entry,
    })
}

#[cfg(test)]
mod tests;
