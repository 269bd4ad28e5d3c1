//! Writing recordings: `augur record` hangs a [`RecordingWriter`] on the live driver as its
//! [`FetchObserver`], so every raw provider answer lands on disk as it arrives.

use std::io::{self, Write};
use std::sync::Mutex;

use analysis_core::Fetched;
use analysis_core::engine::MeasureRequest;
use analysis_core::model::time;
use chrono::{DateTime, Utc};

use crate::driver::FetchObserver;

/// One recording line for a fetch: the raw answer as `response` when the backend sent one
/// (so replay goes through the provider's own parsing), else `result` or `error`.
pub fn encode_line(metric: &str, at: Option<DateTime<Utc>>, fetched: &Fetched) -> String {
    let mut line = String::with_capacity(128);
    line.push_str("{\"metric\":");
    line.push_str(&json_string(metric));
    if let Some(at) = at {
        line.push_str(",\"at\":");
        line.push_str(&json_string(&time::format(&at)));
    }
    match (&fetched.raw, &fetched.outcome) {
        (Some(raw), _) => {
            line.push_str(",\"response\":{\"status\":");
            line.push_str(&raw.status.to_string());
            line.push_str(",\"body\":");
            // Object/array bodies on one line are kept as written (readable and exact);
            // anything else is a JSON string, which is exact too.
            if is_inline_json(&raw.body) {
                line.push_str(&raw.body);
            } else {
                line.push_str(&json_string(&raw.body));
            }
            line.push('}');
        }
        (None, Ok(output)) => {
            line.push_str(",\"result\":");
            line.push_str(&output.result.to_go_json());
        }
        (None, Err(e)) => {
            line.push_str(",\"error\":");
            line.push_str(&json_string(&e.message));
        }
    }
    line.push('}');
    line
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

fn is_inline_json(body: &str) -> bool {
    (body.starts_with('{') || body.starts_with('['))
        && !body.contains(['\n', '\r'])
        && serde_json::from_str::<serde::de::IgnoredAny>(body).is_ok()
}

/// Writes recording lines to `W`, flushing each so an interrupted run leaves a valid file.
/// Write errors cannot surface through [`FetchObserver`]; the first is kept for
/// [`RecordingWriter::finish`].
pub struct RecordingWriter<W: Write + Send> {
    state: Mutex<State<W>>,
}

struct State<W> {
    out: W,
    lines: usize,
    error: Option<io::Error>,
}

impl<W: Write + Send> RecordingWriter<W> {
    /// A writer appending to `out`; nothing is written until a line is recorded.
    pub fn new(out: W) -> RecordingWriter<W> {
        RecordingWriter {
            state: Mutex::new(State {
                out,
                lines: 0,
                error: None,
            }),
        }
    }

    /// Appends one line.
    pub fn write(&self, metric: &str, at: DateTime<Utc>, fetched: &Fetched) -> io::Result<()> {
        let mut line = encode_line(metric, Some(at), fetched);
        line.push('\n');
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.out.write_all(line.as_bytes())?;
        state.out.flush()?;
        state.lines += 1;
        Ok(())
    }

    /// The number of lines written so far.
    pub fn lines(&self) -> usize {
        self.state.lock().map(|s| s.lines).unwrap_or(0)
    }

    /// Hands back the sink and the line count, or the first write error.
    pub fn finish(self) -> io::Result<(W, usize)> {
        let state = self.state.into_inner().unwrap_or_else(|e| e.into_inner());
        match state.error {
            Some(e) => Err(e),
            None => Ok((state.out, state.lines)),
        }
    }
}

impl<W: Write + Send> FetchObserver for RecordingWriter<W> {
    fn observe(&self, request: &MeasureRequest, at: DateTime<Utc>, fetched: &Fetched) {
        if let Err(e) = self.write(&request.metric_name, at, fetched) {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            state.error.get_or_insert(e);
        }
    }
}
