//! Pictures of a replayed or backtested run (`--plot FILE.svg|FILE.png`): per metric, the
//! measured values over virtual time coloured by phase, the threshold of a simple comparison,
//! the moment a limit tripped, and the run's verdict in the title.
//!
//! Text needs a font: an embedded DejaVu Sans subset (assets/, ~33 KB) drawn with ab_glyph,
//! so PNGs look the same on every machine and need no system fonts.

use std::path::Path;
use std::sync::Once;

use analysis_core::json::{self, Typing};
use analysis_core::model::{AnalysisRunStatus, Phase, time};
use analysis_core::value::Value;
use chrono::{DateTime, Utc};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, register_font};
use providers::replay::{MetricInfo, TimelineEntry};

mod threshold;

pub use threshold::threshold;

/// What a plot shows.
pub struct PlotInput<'a> {
    /// `replay` or `backtest`.
    pub what: &'a str,
    /// The run's name, for the title.
    pub run_name: &'a str,
    /// The run's status, for the verdict in the title.
    pub status: &'a AnalysisRunStatus,
    /// The measurements to draw, in order.
    pub timeline: &'a [TimelineEntry],
    /// What each metric is judged by, for its threshold line.
    pub metrics: &'a [MetricInfo],
    /// The virtual start, the plot's time origin.
    pub start: DateTime<Utc>,
}

const WIDTH: u32 = 1100;
const PANEL_HEIGHT: u32 = 300;
const HEADER_HEIGHT: u32 = 74;
const FONT: &str = "sans-serif";

/// Draws the plot into `path`; the extension picks SVG or PNG.
pub fn write(path: &Path, input: &PlotInput<'_>) -> Result<(), String> {
    register_fonts()?;
    let panels = input.metrics.len().max(1) as u32;
    let size = (WIDTH, HEADER_HEIGHT + panels * PANEL_HEIGHT);
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "svg" => {
            let root = SVGBackend::new(path, size).into_drawing_area();
            draw(&root, input)?;
            root.present().map_err(|e| e.to_string())
        }
        "png" => {
            let mut buf = vec![0u8; size.0 as usize * size.1 as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut buf, size).into_drawing_area();
                draw(&root, input)?;
                root.present().map_err(|e| e.to_string())?;
            }
            write_png(path, size, &buf)
        }
        _ => Err(format!(
            "{}: the plot file must end in .svg or .png",
            path.display()
        )),
    }
}

fn register_fonts() -> Result<(), String> {
    static ONCE: Once = Once::new();
    static REGULAR: &[u8] = include_bytes!("../../assets/DejaVuSans-subset.ttf");
    static BOLD: &[u8] = include_bytes!("../../assets/DejaVuSans-Bold-subset.ttf");
    let mut ok = true;
    ONCE.call_once(|| {
        ok = register_font(FONT, FontStyle::Normal, REGULAR).is_ok()
            && register_font(FONT, FontStyle::Bold, BOLD).is_ok();
    });
    if ok {
        Ok(())
    } else {
        Err("the embedded plot font is invalid".to_string())
    }
}

fn write_png(path: &Path, (w, h): (u32, u32), rgb: &[u8]) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let file = std::fs::File::create(path).map_err(|e| err(&e))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| err(&e))?;
    writer.write_image_data(rgb).map_err(|e| err(&e))?;
    writer.finish().map_err(|e| err(&e))
}

/// A phase's colour: the same everywhere in a plot.
pub fn phase_color(phase: Phase) -> RGBColor {
    match phase {
        Phase::Successful => RGBColor(46, 125, 50),
        Phase::Failed => RGBColor(198, 40, 40),
        Phase::Error => RGBColor(239, 108, 0),
        Phase::Inconclusive => RGBColor(106, 27, 154),
        Phase::Running | Phase::Pending => RGBColor(117, 117, 117),
    }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    input: &PlotInput<'_>,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(e)?;
    let (header, body) = root.split_vertically(HEADER_HEIGHT);
    let phase = input.status.phase;
    let verdict = phase.map_or("Running (incomplete)".to_string(), |p| p.to_string());
    let color = phase.map_or(phase_color(Phase::Running), phase_color);
    header
        .draw(&Text::new(
            format!("augur {} · {} · {verdict}", input.what, input.run_name),
            (20, 14),
            (FONT, 24).into_font().style(FontStyle::Bold).color(&color),
        ))
        .map_err(e)?;
    let message = if input.status.message.is_empty() {
        format!("started {}", time::format(&input.start))
    } else {
        input.status.message.clone()
    };
    header
        .draw(&Text::new(
            message,
            (20, 46),
            (FONT, 15).into_font().color(&RGBColor(66, 66, 66)),
        ))
        .map_err(e)?;

    let span = input
        .timeline
        .iter()
        .map(|t| (t.at - input.start).num_milliseconds() as f64 / 1000.0)
        .fold(0.0_f64, f64::max);
    let unit = TimeUnit::for_span(span);
    let panels = body.split_evenly((input.metrics.len().max(1), 1));
    for (metric, area) in input.metrics.iter().zip(panels.iter()) {
        let entries: Vec<&TimelineEntry> = input
            .timeline
            .iter()
            .filter(|t| t.metric == metric.name)
            .collect();
        draw_metric(area, input, metric, &entries, unit, span)?;
    }
    Ok(())
}

/// The x axis unit, picked so ticks land on round numbers of something people read.
#[derive(Clone, Copy)]
struct TimeUnit {
    seconds: f64,
    name: &'static str,
}

impl TimeUnit {
    fn for_span(span: f64) -> TimeUnit {
        match span {
            s if s <= 180.0 => TimeUnit {
                seconds: 1.0,
                name: "seconds",
            },
            s if s <= 4.0 * 3600.0 => TimeUnit {
                seconds: 60.0,
                name: "minutes",
            },
            _ => TimeUnit {
                seconds: 3600.0,
                name: "hours",
            },
        }
    }
}

/// A measurement's value as the plot sees it.
enum Y {
    Numbers(Vec<f64>),
    Category(String),
    /// No value (an Error measurement, an empty vector, NaN).
    Missing,
}

fn y_of(value: &str) -> Y {
    if value.is_empty() {
        return Y::Missing;
    }
    match json::parse(value, Typing::Json) {
        Ok(v) => {
            let mut numbers = Vec::new();
            collect_numbers(&v, &mut numbers);
            if !numbers.is_empty() {
                Y::Numbers(numbers)
            } else if let Value::String(s) = v {
                Y::Category(s.to_string())
            } else if v.is_nil_or_empty() || matches!(v, Value::Float(_)) {
                Y::Missing
            } else {
                Y::Category(value.to_string())
            }
        }
        Err(_) => Y::Category(value.to_string()),
    }
}

fn collect_numbers(v: &Value, out: &mut Vec<f64>) {
    match v {
        Value::Float(f) if f.is_finite() => out.push(*f),
        Value::Int(i) => out.push(*i as f64),
        Value::Floats(fs) => out.extend(fs.iter().copied().filter(|f| f.is_finite())),
        Value::List(items) => items.iter().for_each(|i| collect_numbers(i, out)),
        Value::Map(m) => m.values().for_each(|i| collect_numbers(i, out)),
        _ => {}
    }
}

fn draw_metric<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &PlotInput<'_>,
    metric: &MetricInfo,
    entries: &[&TimelineEntry],
    unit: TimeUnit,
    span: f64,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let x_of =
        |t: &TimelineEntry| (t.at - input.start).num_milliseconds() as f64 / 1000.0 / unit.seconds;
    let ys: Vec<(f64, Y, &TimelineEntry)> = entries
        .iter()
        .map(|t| (x_of(t), y_of(&t.value), *t))
        .collect();
    let success = metric.success_condition.as_deref().and_then(threshold);
    let failure = metric.failure_condition.as_deref().and_then(threshold);
    let numeric = ys.iter().any(|(_, y, _)| matches!(y, Y::Numbers(_)));
    let mut categories: Vec<String> = Vec::new();
    if !numeric {
        for (_, y, _) in &ys {
            if let Y::Category(c) = y
                && !categories.contains(c)
            {
                categories.push(c.clone());
            }
        }
    }
    let (y0, y1) = if numeric {
        let all = ys
            .iter()
            .flat_map(|(_, y, _)| match y {
                Y::Numbers(n) => n.clone(),
                _ => Vec::new(),
            })
            .chain(success.map(|s| s.1))
            .chain(failure.map(|f| f.1));
        let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        let pad = ((hi - lo) * 0.12).max(hi.abs() * 0.001).max(1e-9);
        (lo - pad * 1.8, hi + pad)
    } else {
        (-0.8, categories.len().max(1) as f64 - 0.4)
    };
    // Room on the right for the legend, past the last point.
    let x1 = (span / unit.seconds).max(1e-9) * 1.17;
    let x0 = -x1 * 0.02;

    let metric_phase = entries.last().map_or(Phase::Pending, |t| t.metric_phase);
    let mut chart = ChartBuilder::on(area)
        .margin_left(16)
        .margin_right(28)
        .margin_top(6)
        .margin_bottom(6)
        .caption(
            format!("{} ({}) · {metric_phase}", metric.name, metric.provider),
            (FONT, 18)
                .into_font()
                .style(FontStyle::Bold)
                .color(&phase_color(metric_phase)),
        )
        .x_label_area_size(40)
        .y_label_area_size(if numeric { 70 } else { 90 })
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(e)?;
    let cats = categories.clone();
    let y_fmt = move |y: &f64| -> String {
        if numeric {
            format_number(*y)
        } else {
            let i = y.round();
            if (y - i).abs() < 1e-6 && i >= 0.0 {
                cats.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
    };
    chart
        .configure_mesh()
        .x_desc(format!(
            "{} since {}",
            unit.name,
            time::format(&input.start)
        ))
        .y_desc(if numeric { "value" } else { "result" })
        .x_label_formatter(&|x| format_number(*x))
        .y_label_formatter(&y_fmt)
        .y_labels(if numeric {
            8
        } else {
            categories.len().max(1) * 2 + 2
        })
        .light_line_style(RGBColor(248, 248, 248))
        .bold_line_style(RGBColor(222, 222, 222))
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 13))
        .draw()
        .map_err(e)?;

    // Thresholds: dashed, green for success, red for failure.
    for (cond, which, color) in [
        (success, "successCondition", phase_color(Phase::Successful)),
        (failure, "failureCondition", phase_color(Phase::Failed)),
    ] {
        if let Some((op, v)) = cond.filter(|_| numeric) {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(x0, v), (x1, v)],
                    8,
                    5,
                    color.mix(0.8).stroke_width(2),
                ))
                .map_err(e)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{which}: {op} {}", format_number(v)),
                    (x0 + (x1 - x0) * 0.01, v),
                    (FONT, 12)
                        .into_font()
                        .color(&color)
                        .pos(Pos::new(HPos::Left, VPos::Bottom)),
                )))
                .map_err(e)?;
        }
    }

    // The moment a limit tripped.
    if let Some(trip) = entries.iter().find(|t| {
        matches!(
            t.metric_phase,
            Phase::Failed | Phase::Error | Phase::Inconclusive
        )
    }) {
        let x = x_of(trip);
        let color = phase_color(trip.metric_phase);
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x, y0), (x, y1)],
                color.mix(0.7).stroke_width(2),
            )))
            .map_err(e)?;
        let label = trip_label(input, metric, trip);
        let right = x > x0 + (x1 - x0) * 0.6;
        let style = (FONT, 13).into_font().color(&color);
        let style = if right {
            style.pos(Pos::new(HPos::Right, VPos::Top))
        } else {
            style.pos(Pos::new(HPos::Left, VPos::Top))
        };
        let dx = (x1 - x0) * 0.006;
        let lx = if right { x - dx } else { x + dx };
        chart
            .draw_series(std::iter::once(Text::new(label, (lx, y1), style)))
            .map_err(e)?;
    }

    // A faint line through the values, then the points coloured by phase.
    let worst = |n: &[f64]| match success.map(|s| s.0) {
        Some(">=" | ">") => n.iter().copied().fold(f64::INFINITY, f64::min),
        Some("<=" | "<") => n.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        _ => n.first().copied().unwrap_or(0.0),
    };
    let path: Vec<(f64, f64)> = ys
        .iter()
        .filter_map(|(x, y, _)| match y {
            Y::Numbers(n) => Some((*x, worst(n))),
            Y::Category(c) if !numeric => categories
                .iter()
                .position(|k| k == c)
                .map(|i| (*x, i as f64)),
            _ => None,
        })
        .collect();
    chart
        .draw_series(LineSeries::new(
            path,
            RGBColor(158, 158, 158).stroke_width(1),
        ))
        .map_err(e)?;
    let bottom = y0 + (y1 - y0) * 0.06;
    for phase in [
        Phase::Successful,
        Phase::Failed,
        Phase::Error,
        Phase::Inconclusive,
        Phase::Running,
    ] {
        let color = phase_color(phase);
        let mine: Vec<&(f64, Y, &TimelineEntry)> =
            ys.iter().filter(|(_, _, t)| t.phase == phase).collect();
        if mine.is_empty() {
            continue;
        }
        let mut points = Vec::new();
        let mut missing = Vec::new();
        for (x, y, _) in &mine {
            match y {
                Y::Numbers(n) => points.extend(n.iter().map(|v| (*x, *v))),
                Y::Category(c) if !numeric => {
                    if let Some(i) = categories.iter().position(|k| k == c) {
                        points.push((*x, i as f64));
                    }
                }
                _ => missing.push((*x, bottom)),
            }
        }
        chart
            .draw_series(points.iter().map(|p| Circle::new(*p, 5, color.filled())))
            .map_err(e)?
            .label(phase.to_string())
            .legend(move |(x, y)| Circle::new((x + 10, y), 5, color.filled()));
        chart
            .draw_series(
                missing
                    .iter()
                    .map(|p| Cross::new(*p, 6, color.stroke_width(3))),
            )
            .map_err(e)?;
    }
    if ys
        .iter()
        .any(|(_, y, _)| matches!(y, Y::Missing) || (numeric && matches!(y, Y::Category(_))))
    {
        let grey = RGBColor(97, 97, 97);
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
            .map_err(e)?
            .label("× no value")
            .legend(move |(x, y)| Cross::new((x + 10, y), 5, grey.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font((FONT, 13))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .draw()
        .map_err(e)?;
    Ok(())
}

fn trip_label(input: &PlotInput<'_>, metric: &MetricInfo, trip: &TimelineEntry) -> String {
    let quoted = format!("Metric \"{}\" assessed ", metric.name);
    let why = input
        .status
        .message
        .strip_prefix(&quoted)
        .and_then(|rest| rest.split_once(" due to "))
        .map(|(_, why)| {
            why.split(": \"Error Message")
                .next()
                .unwrap_or(why)
                .to_string()
        });
    match why {
        Some(why) => format!("{} at {}: {why}", trip.metric_phase, time::format(&trip.at)),
        None => format!("{} at {}", trip.metric_phase, time::format(&trip.at)),
    }
}

fn format_number(v: f64) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    let a = v.abs();
    let s = if !(1e-4..1e6).contains(&a) {
        format!("{v:.2e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
    };
    if s.contains('.') && !s.contains('e') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests;
