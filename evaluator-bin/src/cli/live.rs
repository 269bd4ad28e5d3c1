//! What a live run shows: on a terminal, a table per metric redrawn in place; piped, one line
//! per measurement so logs and `grep` work.

use std::future::Future;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use analysis_core::drive::{Flow, Interrupt, Observer};
use analysis_core::engine::{PassReport, RunEngine};
use analysis_core::model::{AnalysisRun, MetricResult};
use chrono::Utc;

use super::common::Output;

/// What a live run shows while it goes: a redrawn table on a terminal, one line per
/// measurement otherwise, nothing but the final status for JSON.
pub struct Progress {
    output: Output,
    tty: bool,
    drawn: usize,
}

impl Progress {
    /// Draws a table only when the output is text and stdout is a terminal.
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
            self.draw(engine);
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
            self.draw(engine);
        }
    }

    /// Prints a message on stderr without tearing the table.
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
            self.draw(engine);
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

    fn draw(&mut self, engine: &RunEngine) {
        let mut out = std::io::stdout().lock();
        // Move up over the previous drawing and clear it.
        if self.drawn > 0 {
            let _ = write!(out, "\x1b[{}F\x1b[J", self.drawn);
        }
        let lines = table(engine);
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
fn table(engine: &RunEngine) -> Vec<String> {
    let run = engine.run();
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
                next_in(r, engine.metric_due_at(&metric.name)),
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

/// When the metric measures next, as the engine schedules it.
fn next_in(r: &MetricResult, due: Option<chrono::DateTime<Utc>>) -> String {
    if r.phase.is_completed() {
        return "-".to_string();
    }
    if r.measurements.is_empty() {
        return String::new();
    }
    match due {
        Some(due) => format!("{}s", (due - Utc::now()).num_seconds().max(0)),
        None => "-".to_string(),
    }
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

/// The live view watches the one driver: it redraws after every pass and each second while
/// waiting, and Ctrl-C terminates the run the way `spec.terminate` does.
impl Observer for Progress {
    fn after_pass<'a>(
        &'a mut self,
        engine: &'a RunEngine,
        report: &'a mut PassReport,
    ) -> impl Future<Output = Flow> + Send + 'a {
        self.measured(engine, report);
        std::future::ready(Flow::Continue)
    }

    async fn interrupt(&mut self, engine: &RunEngine) -> Interrupt {
        let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
        loop {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => self.tick(engine),
                _ = &mut ctrl_c => {
                    self.note("interrupted: terminating the run");
                    return Interrupt::Terminate;
                }
            }
        }
    }
}
