//! Drawing [`Chart`]s with `plotters`: stacked one above the other, each
//! with its title, axis labels, a legend, one line per series (steps
//! where the series asks for them) and a dot on every point of a series
//! of at most [`DOTS_UP_TO`] points. A series of more than
//! [`LINE_POINTS_MAX`] points is drawn through every k-th of them and its
//! last (the picture stays small; a pixel holds many points anyway).
//!
//! SVG (`.svg`) writes text as `<text>` elements; PNG (`.png`) draws it.
//! Both measure text (to lay out labels and legends) with `ab_glyph`, from
//! a TrueType file read at run time: `$SVEMU_FONT`, else DejaVu Sans where
//! Debian's `fonts-dejavu-core` puts it (`scripts/setup` installs it; no
//! fontconfig or FreeType library is involved).

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Chart, Error};

/// Width of a picture, in pixels.
pub const WIDTH: u32 = 900;
/// Height of each chart in it, in pixels.
pub const CHART_HEIGHT: u32 = 420;
/// Series with at most this many points get a dot on each.
pub const DOTS_UP_TO: usize = 100;

/// Most points a line is drawn through.
pub const LINE_POINTS_MAX: usize = 1500;

/// Where [`font`] looks when `$SVEMU_FONT` is not set.
const FONT_PATHS: [&str; 2] =
    ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf"];

/// The picture's format, by the output file's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Scalable vector graphics.
    Svg,
    /// A PNG bitmap.
    Png,
}

impl Format {
    /// The format of `path` (`.svg` or `.png`, any case).
    pub fn of(path: &Path) -> Result<Format, Error> {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("svg") => Ok(Format::Svg),
            Some("png") => Ok(Format::Png),
            _ => Err(format!("'{}': the picture's name must end in .svg or .png", path.display())),
        }
    }
}

/// Register the TrueType font text is measured and drawn with (once per process).
fn font() -> Result<(), Error> {
    static DONE: std::sync::OnceLock<Result<(), Error>> = std::sync::OnceLock::new();
    DONE.get_or_init(|| {
        let candidates: Vec<String> = match std::env::var("SVEMU_FONT") {
            Ok(f) => vec![f],
            Err(_) => FONT_PATHS.iter().map(|s| s.to_string()).collect(),
        };
        let Some((path, bytes)) = candidates.iter().find_map(|p| std::fs::read(p).ok().map(|b| (p, b))) else {
            return Err(format!(
                "pictures need a TrueType font for their text: none at {} (install fonts-dejavu-core or set SVEMU_FONT=FILE.ttf)",
                candidates.join(", ")
            ));
        };
        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
            .map_err(|_| format!("'{path}' is not a TrueType font"))
    })
    .clone()
}

/// Draw `charts` into the picture file `path` (format by its extension).
pub fn to_file(charts: &[Chart], path: &Path) -> Result<(), Error> {
    let size = (WIDTH, CHART_HEIGHT * charts.len().max(1) as u32);
    let format = Format::of(path)?;
    font()?;
    match format {
        Format::Svg => draw(SVGBackend::new(path, size).into_drawing_area(), charts),
        Format::Png => draw(BitMapBackend::new(path, size).into_drawing_area(), charts),
    }
}

/// Draw `charts` as an SVG document, returned as a string.
pub fn to_svg(charts: &[Chart]) -> Result<String, Error> {
    font()?;
    let mut out = String::new();
    {
        let size = (WIDTH, CHART_HEIGHT * charts.len().max(1) as u32);
        draw(SVGBackend::with_string(&mut out, size).into_drawing_area(), charts)?;
    }
    Ok(out)
}

fn err<E: std::fmt::Debug>(e: E) -> Error {
    format!("drawing failed: {e:?}")
}

/// The points a series' line goes through: its own (every k-th and the
/// last when there are more than [`LINE_POINTS_MAX`]), or steps through them.
fn line_points(s: &super::Series) -> Vec<(f64, f64)> {
    let limit = if s.steps { LINE_POINTS_MAX / 2 } else { LINE_POINTS_MAX };
    let k = s.points.len().div_ceil(limit).max(1);
    let mut points: Vec<(f64, f64)> = s.points.iter().copied().step_by(k).collect();
    if k > 1 && !(s.points.len() - 1).is_multiple_of(k) {
        points.extend(s.points.last());
    }
    if !s.steps {
        return points;
    }
    let mut out = Vec::with_capacity(2 * points.len());
    for (i, &p) in points.iter().enumerate() {
        if i > 0 {
            out.push((p.0, points[i - 1].1));
        }
        out.push(p);
    }
    out
}

/// An axis range holding `values` (and 0 when `from_zero`), with a little
/// room above.
fn range(values: impl Iterator<Item = f64>, from_zero: bool) -> std::ops::Range<f64> {
    let (mut lo, mut hi) = (if from_zero { 0.0 } else { f64::MAX }, f64::MIN);
    for v in values {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        (lo, hi) = (0.0, 1.0);
    }
    if hi <= lo {
        hi = lo + 1.0;
    }
    lo..hi + (hi - lo) * 0.05
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, charts: &[Chart]) -> Result<(), Error> {
    root.fill(&WHITE).map_err(err)?;
    let areas = root.split_evenly((charts.len().max(1), 1));
    for (area, chart) in areas.iter().zip(charts) {
        let points = || chart.series.iter().flat_map(|s| s.points.iter().copied());
        let xs = range(points().map(|p| p.0), false);
        let ys = range(points().map(|p| p.1), true);
        // Small integer x values (passes, frames): one label each.
        let integers = points().all(|p| p.0.fract() == 0.0) && xs.end - xs.start <= 40.0;
        let x_labels = if integers { (xs.end - xs.start) as usize + 1 } else { 10 };
        let mut c = ChartBuilder::on(area)
            .caption(&chart.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(xs, ys)
            .map_err(err)?;
        c.configure_mesh()
            .x_labels(x_labels)
            .x_desc(chart.x_label.as_str())
            .y_desc(chart.y_label.as_str())
            .x_label_formatter(&|v| short(*v))
            .y_label_formatter(&|v| short(*v))
            .draw()
            .map_err(err)?;
        for (i, s) in chart.series.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            c.draw_series(LineSeries::new(line_points(s), color.stroke_width(2)))
                .map_err(err)?
                .label(s.name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
            if s.points.len() <= DOTS_UP_TO {
                c.draw_series(s.points.iter().map(|&p| Circle::new(p, 3, color.filled()))).map_err(err)?;
            }
        }
        c.configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;
    }
    root.present().map_err(err)
}

/// An axis number: integers as such, large ones with k/M/G, others with
/// up to two decimals.
fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}
