//! The page's charts, drawn by plotters' SVG backend into strings that the page inlines: a
//! small bar chart per benchmark scenario (instructions per call of each contestant) and line
//! charts of the trend over the gate's history. Text is SVG `<text>`, measured by plotters'
//! built-in estimate, so no font file is read.

use anyhow::anyhow;
use plotters::{coord::ranged1d::SegmentValue, prelude::*};

/// The colour of a contestant, the same in every chart.
fn colour(index: usize) -> RGBColor {
    const COLOURS: [RGBColor; 6] = [
        RGBColor(0x1f, 0x6f, 0xb4),
        RGBColor(0xd9, 0x6a, 0x0b),
        RGBColor(0x2c, 0x8c, 0x3c),
        RGBColor(0x8e, 0x44, 0xad),
        RGBColor(0x7f, 0x7f, 0x7f),
        RGBColor(0xb0, 0x27, 0x27),
    ];
    COLOURS[index % COLOURS.len()]
}

fn font(size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&BLACK)
}

/// Plotters' SVG opens with `xmlns="http://www.w3.org/2000/svg"`; inline in HTML the element
/// needs none, and without it the page names no URL at all.
fn inline(svg: String) -> String {
    svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
}

fn failed(what: &str) -> impl Fn(DrawingAreaErrorKind<std::io::Error>) -> anyhow::Error + '_ {
    move |err| anyhow!("draw the chart of {what}: {err}")
}

/// One bar per contestant: `bars` is (contestant, instructions per call, colour index).
pub fn scenario_bars(scenario: &str, bars: &[(String, f64, usize)]) -> anyhow::Result<String> {
    let height = 50 + 30 * u32::try_from(bars.len().max(1)).unwrap_or(1);
    let top = bars.iter().map(|(_, v, _)| *v).fold(0.0, f64::max).max(1.0) * 1.15;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (380, height)).into_drawing_area();
        root.fill(&WHITE).map_err(failed(scenario))?;
        let mut chart = ChartBuilder::on(&root)
            .margin(6)
            .caption(scenario, font(17))
            .x_label_area_size(20)
            .y_label_area_size(80)
            // An integer range includes its end: n bars take 0..n-1.
            .build_cartesian_2d(0.0..top, (0..bars.len().saturating_sub(1)).into_segmented())
            .map_err(failed(scenario))?;
        // The first bar on top: segment 0 is at the bottom.
        let last = bars.len().saturating_sub(1);
        let names: Vec<String> = bars.iter().rev().map(|(name, _, _)| name.clone()).collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_labels(4)
            .x_label_formatter(&|v| short(*v))
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .label_style(font(14))
            .draw()
            .map_err(failed(scenario))?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, (_, value, c))| {
                let mut bar = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(last - i)),
                        (*value, SegmentValue::Exact(last - i + 1)),
                    ],
                    colour(*c).filled(),
                );
                bar.set_margin(5, 5, 0, 0);
                bar
            }))
            .map_err(failed(scenario))?;
        root.present().map_err(failed(scenario))?;
    }
    Ok(inline(svg))
}

/// A line per series over the gate runs of the history, oldest left: `series` is (name,
/// value of each run or `None` where that run has none).
pub fn trend(
    title: &str,
    y_label: &str,
    runs: &[String],
    series: &[(String, Vec<Option<f64>>)],
) -> anyhow::Result<String> {
    let values = series.iter().flat_map(|(_, v)| v.iter().flatten().copied());
    let (low, high) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (low, high) = if low > high {
        (0.0, 1.0)
    } else {
        let pad = ((high - low) * 0.1).max(high.abs() * 0.02).max(1e-9);
        ((low - pad).max(0.0), high + pad)
    };
    let last = runs.len().saturating_sub(1).max(1) as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(failed(title))?;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .caption(title, font(18))
            .x_label_area_size(34)
            .y_label_area_size(64)
            .build_cartesian_2d(-0.2..last + 0.2, low..high)
            .map_err(failed(title))?;
        chart
            .configure_mesh()
            .x_labels(runs.len().clamp(2, 10))
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 {
                    runs.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|v| short(*v))
            .y_desc(y_label)
            .label_style(font(14))
            .draw()
            .map_err(failed(title))?;
        for (index, (name, points)) in series.iter().enumerate() {
            let style = colour(index);
            let points: Vec<(f64, f64)> = points
                .iter()
                .enumerate()
                .filter_map(|(x, y)| y.map(|y| (x as f64, y)))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), style.stroke_width(2)))
                .map_err(failed(title))?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 4), (x + 12, y + 4)], style.filled())
                });
            chart
                .draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 3, style.filled())),
                )
                .map_err(failed(title))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font(font(13))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(failed(title))?;
        root.present().map_err(failed(title))?;
    }
    Ok(inline(svg))
}

/// A number in few characters: 1340, 12.5k, 3.496M, 4M.
pub fn short(value: f64) -> String {
    let magnitude = value.abs();
    let (text, unit) = if magnitude >= 1e6 {
        (format!("{:.3}", value / 1e6), "M")
    } else if magnitude >= 1e4 {
        (format!("{:.1}", value / 1e3), "k")
    } else if magnitude >= 100.0 || value.fract() == 0.0 {
        (format!("{value:.0}"), "")
    } else {
        (format!("{value:.2}"), "")
    };
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_with_their_labels_and_no_url() -> anyhow::Result<()> {
        let bars = scenario_bars(
            "read.get",
            &[("native".into(), 1340.0, 0), ("2.6.0".into(), 4200.0, 2)],
        )?;
        assert!(bars.starts_with("<svg"), "{bars}");
        assert!(bars.contains("native") && bars.contains("2.6.0"), "{bars}");
        assert_eq!(
            bars.matches("<rect").count(),
            3,
            "the background and two bars: {bars}"
        );
        assert!(!bars.contains("http"));
        let line = trend(
            "passing",
            "cases",
            &["a".into(), "b".into()],
            &[("rust".into(), vec![Some(3.0), None])],
        )?;
        assert!(line.contains("rust") && !line.contains("http"), "{line}");
        Ok(())
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(short(1340.0), "1340");
        assert_eq!(short(12_500.0), "12.5k");
        assert_eq!(short(3_495_664.25), "3.496M");
        assert_eq!(short(2.833), "2.83");
        assert_eq!(short(4_000_000.0), "4M");
        assert_eq!(short(10_000.0), "10k");
        assert_eq!(short(0.5), "0.5");
    }
}
