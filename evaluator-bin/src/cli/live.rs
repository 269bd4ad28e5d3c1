//! What a live run shows: on a terminal, a table per metric redrawn in place; piped, one line
//! per measurement so logs and `grep` work.

use std::io::{IsTerminal, Write};

use analysis_core::duration::parse_duration;
use analysis_core::engine::{PassReport, RunEngine};
use analysis_core::model::{AnalysisRun, MetricResult, Phase};
use chrono::{TimeDelta, Utc};

use super::common::Output;

pub struct Progress {
    output: Output,
    tty: bool,
    drawn: usize,
}

impl Progress {
    pub fn new(output: Output) -> Progress {
        Progress {
            output,
            tty: output == Output::Text && std::io::stdout().is_terminal(),
            drawn: 0,
        }
    }

    /// After a pass: redraw the table, or print the pass's measurements as lines.
    pub fn measured(&mut self, engine: &RunEngine, report: &PassReport) {
        if self.tty {
            self.draw(engine.run());
            return;
        }
        for r in &report.measurements {
            let m = &r.measurement;
            let at = m
                .finished_at
                .map(|t| analysis_core::model::time::format(&t))
                .unwrap_or_default();
            let mut line = format!("{at} {} {}", r.metric_name, m.phase);
            if !m.value.is_empty() {
                line.push_str(&format!(" value={}", m.value));
            }
            if !m.message.is_empty() {
                line.push_str(&format!(" message={:?}", m.message));
            }
            self.line(&line);
        }
    }

    /// Between passes: keep the "next measurement in" column current.
    pub fn tick(&mut self, engine: &RunEngine) {
        if self.tty {
            self.draw(engine.run());
        }
    }

    pub fn note(&mut self, message: &str) {
        if self.tty {
            // Keep the note below the table.
            self.drawn = 0;
        }
        eprintln!("{message}");
    }

    /// The final word: the run's phase and message (text output only; JSON prints the status).
    pub fn finish(&mut self, engine: &RunEngine) {
        if self.output == Output::Json {
            return;
        }
        let run = engine.run();
        if self.tty {
            self.draw(run);
        }
        let status = run.status.as_ref();
        let phase = status
            .and_then(|s| s.phase)
            .map_or("Running".to_string(), |p| p.to_string());
        let message = status.map(|s| s.message.as_str()).unwrap_or("");
        if message.is_empty() {
            println!("run {}: {phase}", run_name(run));
        } else {
            println!("run {}: {phase}: {message}", run_name(run));
        }
    }

    fn line(&self, line: &str) {
        if self.output == Output::Json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    }

    fn draw(&mut self, run: &AnalysisRun) {
        let mut out = std::io::stdout().lock();
        // Move up over the previous drawing and clear it.
        if self.drawn > 0 {
            let _ = write!(out, "\x1b[{}F\x1b[J", self.drawn);
        }
        let lines = table(run);
        for l in &lines {
            let _ = writeln!(out, "{l}");
        }
        let _ = out.flush();
        self.drawn = lines.len();
    }
}

fn run_name(run: &AnalysisRun) -> &str {
    run.metadata.name.as_deref().unwrap_or("analysis")
}

/// The live table: one row per metric of the spec.
fn table(run: &AnalysisRun) -> Vec<String> {
    let status = run.status.as_ref();
    let phase = status
        .and_then(|s| s.phase)
        .map_or("Pending".to_string(), |p| p.to_string());
    let mut lines = vec![
        format!("run {}  phase: {phase}", run_name(run)),
        format!(
            "  {:<24} {:<13} {:>5}  {:<11} {:<24} {}",
            "METRIC", "PHASE", "COUNT", "S/F/I/E", "LAST VALUE", "NEXT IN"
        ),
    ];
    for metric in &run.spec.metrics {
        let result = status.and_then(|s| s.metric_results.iter().find(|r| r.name == metric.name));
        let (phase, count, tally, last, next) = match result {
            None => (
                "Pending".to_string(),
                0,
                "0/0/0/0".to_string(),
                String::new(),
                String::new(),
            ),
            Some(r) => (
                r.phase.to_string(),
                r.count,
                format!(
                    "{}/{}/{}/{}",
                    r.successful, r.failed, r.inconclusive, r.error
                ),
                r.measurements
                    .last()
                    .map(|m| m.value.clone())
                    .unwrap_or_default(),
                next_in(r, metric.interval.as_deref()),
            ),
        };
        lines.push(format!(
            "  {:<24} {:<13} {:>5}  {:<11} {:<24} {}",
            truncate(&metric.name, 24),
            phase,
            count,
            tally,
            truncate(&last, 24),
            next
        ));
    }
    lines
}

/// When the metric measures next: after an Error, 10 s; otherwise its interval, from the
/// last measurement's finish (semantics §4.5). Display only; the engine decides.
fn next_in(r: &MetricResult, interval: Option<&str>) -> String {
    if r.phase.is_completed() {
        return "-".to_string();
    }
    let Some(last) = r.measurements.last() else {
        return String::new();
    };
    let gap = if last.phase == Phase::Error {
        TimeDelta::seconds(10)
    } else {
        match interval.map(parse_duration) {
            Some(Ok(d)) => d,
            _ => return "-".to_string(),
        }
    };
    let Some(finished) = last.finished_at else {
        return String::new();
    };
    let left = (finished + gap - Utc::now()).num_seconds().max(0);
    format!("{left}s")
}

fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}
