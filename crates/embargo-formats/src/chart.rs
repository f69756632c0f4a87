//! Server-side SVG charts for the program dashboard: horizontal bars of counts and a percentage
//! bar. Pure functions returning an SVG string. Every label is escaped; each chart is
//! `role="img"` with a `<title>` and a `<desc>` that spells the numbers out, so a screen reader
//! gets what the bars show. Colours come from classes (the page's stylesheet, which also
//! follows dark mode) with presentation attributes as the fallback when an SVG stands alone;
//! never a `style` attribute, which the Content-Security-Policy forbids.

use std::fmt::Write as _;

use crate::policy_html::escape;

/// Width of every chart in user units (the page scales it to its container).
const WIDTH: u32 = 480;
/// Room for the labels left of the bars.
const LABEL_W: u32 = 132;
/// Room for the value right of the bars.
const VALUE_W: u32 = 48;
const ROW_H: u32 = 24;
const BAR_H: u32 = 16;
/// Fallback colours for a chart opened on its own (the stylesheet overrides them in a page).
const BAR_FILL: &str = "#2a5bd7";
const TRACK_FILL: &str = "#e5e8ee";

/// One bar: a label, a count, and an optional tone that becomes a class
/// (`chart-bar tone-critical`) for the stylesheet to colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// What the bar counts ("triaged", "High").
    pub label: String,
    /// The count.
    pub value: u64,
    /// A tone class suffix (letters, digits and dashes; anything else is dropped).
    pub tone: &'static str,
}

impl Bar {
    /// A bar without a tone.
    pub fn new(label: impl Into<String>, value: u64) -> Bar {
        Bar {
            label: label.into(),
            value,
            tone: "",
        }
    }
}

fn open(o: &mut String, class: &str, height: u32, title: &str, desc: &str) {
    let _ = write!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart {class}\" role=\"img\" \
         width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" \
         font-family=\"system-ui, sans-serif\" font-size=\"13\">\
         <title>{}</title><desc>{}</desc>",
        escape(title),
        escape(desc)
    );
}

/// The standalone colour of a tone (the severity bands; anything else gets the bar colour).
fn fallback_fill(tone: &str) -> &'static str {
    match tone {
        "critical" => "#a3221b",
        "high" => "#c2410c",
        "medium" => "#a16207",
        "low" => "#2f7d4f",
        "none" => "#8a94a3",
        _ => BAR_FILL,
    }
}

fn class_safe(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

/// A horizontal bar chart: one row per bar, the label left, the bar scaled to the largest
/// value, the count right. With no bars it says "No data".
pub fn bar_chart(title: &str, bars: &[Bar]) -> String {
    let rows = u32::try_from(bars.len()).unwrap_or(u32::MAX).max(1);
    let height = rows.saturating_mul(ROW_H).saturating_add(8);
    let desc = if bars.is_empty() {
        String::from("No data.")
    } else {
        let parts: Vec<String> = bars
            .iter()
            .map(|b| format!("{}: {}", b.label, b.value))
            .collect();
        format!("{}.", parts.join("; "))
    };
    let mut o = String::new();
    open(&mut o, "chart-bars", height, title, &desc);
    if bars.is_empty() {
        let _ = write!(
            o,
            "<text class=\"chart-empty\" x=\"{}\" y=\"{}\" fill=\"currentColor\">No data</text>",
            LABEL_W,
            ROW_H / 2 + 8
        );
    }
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let area = f64::from(WIDTH - LABEL_W - VALUE_W - 8);
    for (i, b) in bars.iter().enumerate() {
        let top = u32::try_from(i).unwrap_or(u32::MAX).saturating_mul(ROW_H) + 4;
        let mid = top + ROW_H / 2;
        // Counts are small; the f64 conversion is exact far beyond any real case count.
        let w = area * (b.value as f64) / (max as f64);
        let fill = fallback_fill(b.tone);
        let tone = class_safe(b.tone);
        let tone = if tone.is_empty() {
            String::new()
        } else {
            format!(" tone-{tone}")
        };
        let _ = write!(
            o,
            "<g class=\"chart-row\">\
             <text class=\"chart-label\" x=\"{lx}\" y=\"{mid}\" text-anchor=\"end\" dominant-baseline=\"central\" fill=\"currentColor\">{label}</text>\
             <rect class=\"chart-bar{tone}\" x=\"{LABEL_W}\" y=\"{by}\" width=\"{w:.1}\" height=\"{BAR_H}\" rx=\"2\" fill=\"{fill}\"/>\
             <text class=\"chart-value\" x=\"{vx:.1}\" y=\"{mid}\" dominant-baseline=\"central\" fill=\"currentColor\">{value}</text>\
             </g>",
            lx = LABEL_W - 8,
            label = escape(&b.label),
            by = mid - BAR_H / 2,
            vx = f64::from(LABEL_W) + w + 6.0,
            value = b.value,
        );
    }
    o.push_str("</svg>");
    o
}

/// A horizontal percentage bar: `met` of `total` filled, with "96% (29 of 30)" beside it
/// (whole percent rounded down, as the public summary states it). With `total` zero the track
/// is empty and the text says "no data".
pub fn percent_bar(title: &str, met: u64, total: u64) -> String {
    let height = ROW_H + 4;
    let text = match met.min(total).saturating_mul(100).checked_div(total) {
        Some(pct) => format!("{pct}% ({met} of {total})"),
        None => String::from("no data"),
    };
    let mut o = String::new();
    open(
        &mut o,
        "chart-percent",
        height,
        title,
        &format!("{title}: {text}."),
    );
    let track = f64::from(WIDTH - 150);
    let w = if total == 0 {
        0.0
    } else {
        track * (met.min(total) as f64) / (total as f64)
    };
    let mid = height / 2;
    let _ = write!(
        o,
        "<rect class=\"chart-track\" x=\"0\" y=\"{y}\" width=\"{track:.1}\" height=\"{BAR_H}\" rx=\"3\" fill=\"{TRACK_FILL}\"/>\
         <rect class=\"chart-fill\" x=\"0\" y=\"{y}\" width=\"{w:.1}\" height=\"{BAR_H}\" rx=\"3\" fill=\"{BAR_FILL}\"/>\
         <text class=\"chart-value\" x=\"{tx:.1}\" y=\"{mid}\" dominant-baseline=\"central\" fill=\"currentColor\">{text}</text>",
        y = mid - BAR_H / 2,
        tx = track + 10.0,
        text = escape(&text),
    );
    o.push_str("</svg>");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_escape_labels() {
        let svg = bar_chart(
            "Open <cases>",
            &[
                Bar::new("new & <b>", 2),
                Bar {
                    label: "High".into(),
                    value: 4,
                    tone: "high\" onload=\"x",
                },
            ],
        );
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title>Open &lt;cases&gt;</title>"));
        assert!(svg.contains("<desc>new &amp; &lt;b&gt;: 2; High: 4.</desc>"));
        assert!(svg.contains(">new &amp; &lt;b&gt;</text>"));
        assert!(!svg.contains("<b>") && !svg.contains("style="));
        // The tone cannot break out of the class attribute.
        assert!(svg.contains("class=\"chart-bar tone-highonloadx\""));
        // Bar area 480 − 132 − 48 − 8 = 292: 4 of 4 is 292, 2 of 4 is 146.
        assert!(svg.contains("width=\"146.0\""), "{svg}");
        assert!(svg.contains("width=\"292.0\""), "{svg}");
        // Two rows of 24 plus 8.
        assert!(svg.contains("viewBox=\"0 0 480 56\""));
    }

    #[test]
    fn empty_and_zero_bars() {
        let svg = bar_chart("Nothing", &[]);
        assert!(svg.contains(">No data</text>") && svg.contains("<desc>No data.</desc>"));
        let svg = bar_chart("Zeros", &[Bar::new("new", 0)]);
        assert!(svg.contains("width=\"0.0\""), "no division by zero: {svg}");
    }

    #[test]
    fn percent_bar_by_hand() {
        // Track 330: 29 of 30 fills 319.0; the text rounds down.
        let svg = percent_bar("Acknowledgement", 29, 30);
        assert!(
            svg.contains("width=\"330.0\"") && svg.contains("width=\"319.0\""),
            "{svg}"
        );
        assert!(svg.contains(">96% (29 of 30)</text>"));
        assert!(svg.contains("<desc>Acknowledgement: 96% (29 of 30).</desc>"));
        let none = percent_bar("Fix", 0, 0);
        assert!(none.contains(">no data</text>") && none.contains("width=\"0.0\""));
        assert!(percent_bar("x", 3, 3).contains(">100% (3 of 3)</text>"));
    }
}
