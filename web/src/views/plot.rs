//! A small SVG chart writer (axes with round ticks, grid, polylines, bars, a legend): what the
//! session charts need, written as text by integer formatting (`svg_num`). It replaces the
//! plotters crate (#14: ~25 KB of wasm code and its tables for two charts). Text and axes are
//! `currentColor`, backgrounds none, so the charts follow the theme.

use std::fmt::Write;

use crate::views::svg_num;

/// Escape text for SVG content.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A colour from hue (degrees), saturation and lightness (0–1), as `#rrggbb`.
pub fn hsl(h: f64, s: f64, l: f64) -> String {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let hp = h.rem_euclid(360.0) / 60.0;
    let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
    let (r, g, b) = match hp as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    let v = |f: f64| ((f + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", v(r), v(g), v(b))
}

/// Round tick positions covering `0..=max` (about `n` of them: steps of 1, 2 or 5 × 10^k).
pub fn ticks(max: f64, n: usize) -> (Vec<f64>, f64) {
    if max.is_nan() || max <= 0.0 || !max.is_finite() {
        return (vec![0.0], 1.0);
    }
    let raw = max / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let step = mag
        * if norm <= 1.0 {
            1.0
        } else if norm <= 2.0 {
            2.0
        } else if norm <= 5.0 {
            5.0
        } else {
            10.0
        };
    let count = (max / step + 1e-9).floor() as usize;
    ((0..=count).map(|i| i as f64 * step).collect(), step)
}

/// A tick's label: whole numbers plainly, fractions with as many decimals as the step needs.
pub fn tick_label(v: f64, step: f64) -> String {
    if step >= 1.0 {
        format!("{}", v.round() as i64)
    } else {
        let d = (-step.log10().floor()).clamp(1.0, 6.0) as usize;
        format!("{v:.d$}")
    }
}

/// One chart's drawing area and the SVG text written so far.
pub struct Plot {
    pub svg: String,
    /// The plotting area in pixels: x0, x1, y0 (top), y1 (bottom).
    pub area: [i32; 4],
    x_max: f64,
    y_max: f64,
    /// Whole-number y ticks only (counts).
    pub integer_y: bool,
}

impl Plot {
    /// An SVG of `w`×`h` px with root attributes `attrs` (e.g. `id="…"`) and a plotting area
    /// inside the given margins (left, right, top, bottom), for x in `0..x_max`, y in `0..y_max`.
    pub fn new(w: u32, h: u32, attrs: &str, margins: [i32; 4], x_max: f64, y_max: f64) -> Plot {
        let mut svg = String::with_capacity(8 * 1024);
        let _ = write!(
            svg,
            "<svg {attrs} width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\" \
             font-family=\"sans-serif\" font-size=\"12\" fill=\"currentColor\">"
        );
        let [l, r, t, b] = margins;
        let area = [l, w as i32 - r, t, h as i32 - b];
        Plot { svg, area, x_max: x_max.max(f64::MIN_POSITIVE), y_max: y_max.max(f64::MIN_POSITIVE), integer_y: false }
    }

    pub fn px(&self, x: f64) -> f64 {
        let [x0, x1, ..] = self.area;
        f64::from(x0) + x / self.x_max * f64::from(x1 - x0)
    }

    pub fn py(&self, y: f64, y_max: f64) -> f64 {
        let [_, _, y0, y1] = self.area;
        f64::from(y1) - y / y_max.max(f64::MIN_POSITIVE) * f64::from(y1 - y0)
    }

    fn text(&mut self, x: f64, y: f64, anchor: &str, extra: &str, s: &str) {
        self.svg.push_str("<text x=\"");
        svg_num::push(&mut self.svg, x);
        self.svg.push_str("\" y=\"");
        svg_num::push(&mut self.svg, y);
        let _ = write!(self.svg, "\" text-anchor=\"{anchor}\"{extra}>{}</text>", esc(s));
    }

    /// Light horizontal grid lines at the y ticks (and vertical ones at the x ticks when
    /// `x_ticks` is given), the axes, their tick labels and descriptions.
    pub fn axes(&mut self, x_ticks: Option<&[(f64, String)]>, x_desc: &str, y_desc: &str) {
        let [x0, x1, y0, y1] = self.area;
        let (mut yt, mut ystep) = ticks(self.y_max, 8);
        if self.integer_y && ystep < 1.0 {
            ystep = 1.0;
            yt = (0..=self.y_max.floor() as u64).map(|v| v as f64).collect();
        }
        self.svg.push_str("<g stroke=\"currentColor\" stroke-opacity=\"0.15\" fill=\"none\"><path d=\"");
        for &v in &yt {
            let y = self.py(v, self.y_max);
            let _ = write!(self.svg, "M{x0} ");
            svg_num::push(&mut self.svg, y);
            let _ = write!(self.svg, "H{x1}");
        }
        if let Some(xt) = x_ticks {
            for (v, _) in xt {
                let x = self.px(*v);
                self.svg.push('M');
                svg_num::push(&mut self.svg, x);
                let _ = write!(self.svg, " {y0}V{y1}");
            }
        }
        self.svg.push_str("\"/></g>");
        let _ =
            write!(self.svg, "<path class=\"axis\" d=\"M{x0} {y0}V{y1}H{x1}\" stroke=\"currentColor\" fill=\"none\"/>");
        for &v in &yt {
            let y = self.py(v, self.y_max);
            self.text(f64::from(x0) - 5.0, y + 4.0, "end", "", &tick_label(v, ystep));
        }
        if let Some(xt) = x_ticks {
            for (v, label) in xt {
                let x = self.px(*v);
                self.text(x, f64::from(y1) + 15.0, "middle", "", label);
            }
        }
        let xm = f64::from(x0 + x1) / 2.0;
        self.text(xm, f64::from(y1) + 28.0, "middle", "", x_desc);
        let ym = f64::from(y0 + y1) / 2.0;
        let _ = write!(
            self.svg,
            "<text transform=\"translate({} {}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
            (x0 - 44).max(14),
            ym.round() as i64,
            esc(y_desc)
        );
    }

    /// A second y axis on the right, for `0..y2_max`.
    pub fn right_axis(&mut self, y2_max: f64, desc: &str) {
        let [_, x1, y0, y1] = self.area;
        let _ = write!(self.svg, "<path class=\"axis\" d=\"M{x1} {y0}V{y1}\" stroke=\"currentColor\" fill=\"none\"/>");
        let (yt, step) = ticks(y2_max, 8);
        for &v in &yt {
            let y = self.py(v, y2_max);
            self.text(f64::from(x1) + 5.0, y + 4.0, "start", "", &tick_label(v, step));
        }
        let ym = f64::from(y0 + y1) / 2.0;
        let _ = write!(
            self.svg,
            "<text transform=\"translate({} {}) rotate(90)\" text-anchor=\"middle\">{}</text>",
            x1 + 40,
            ym.round() as i64,
            esc(desc)
        );
    }

    /// A line through `points` (x, y) on the scale `0..y_max`.
    pub fn polyline(&mut self, points: impl Iterator<Item = (f64, f64)>, y_max: f64, colour: &str) {
        self.svg.push_str("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"");
        self.svg.push_str(colour);
        self.svg.push_str("\" points=\"");
        for (k, (x, y)) in points.enumerate() {
            if k > 0 {
                self.svg.push(' ');
            }
            let (px, py) = (self.px(x), self.py(y, y_max));
            svg_num::push(&mut self.svg, px);
            self.svg.push(',');
            svg_num::push(&mut self.svg, py);
        }
        self.svg.push_str("\"/>");
    }

    /// A bar from `x` to `x + w` (data units), from 0 to `y`.
    pub fn bar(&mut self, x: f64, w: f64, y: f64, colour: &str) {
        let (l, r) = (self.px(x), self.px(x + w));
        let (top, bottom) = (self.py(y, self.y_max), self.py(0.0, self.y_max));
        self.svg.push_str("<rect class=\"bar\" x=\"");
        svg_num::push(&mut self.svg, l);
        self.svg.push_str("\" y=\"");
        svg_num::push(&mut self.svg, top);
        self.svg.push_str("\" width=\"");
        svg_num::push(&mut self.svg, r - l);
        self.svg.push_str("\" height=\"");
        svg_num::push(&mut self.svg, bottom - top);
        let _ = write!(self.svg, "\" fill=\"{colour}\"/>");
    }

    /// A legend entry at pixel `(x, y)`: a swatch and a label.
    pub fn legend(&mut self, x: i32, y: i32, colour: &str, label: &str) {
        let _ = write!(
            self.svg,
            "<path d=\"M{x} {y}h18\" stroke=\"{colour}\" stroke-width=\"3\"/><text x=\"{}\" y=\"{}\">{}</text>",
            x + 24,
            y + 4,
            esc(label)
        );
    }

    pub fn finish(mut self) -> (String, [i32; 4]) {
        self.svg.push_str("</svg>");
        (self.svg, self.area)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        let (t, step) = ticks(1050.0, 8);
        assert_eq!(step, 200.0);
        assert_eq!(t, vec![0.0, 200.0, 400.0, 600.0, 800.0, 1000.0]);
        let (t, step) = ticks(1.0, 8);
        assert_eq!(step, 0.2);
        assert_eq!(t.len(), 6);
        assert_eq!(tick_label(t[3], step), "0.6");
        assert_eq!(ticks(0.0, 8).0, vec![0.0]);
    }

    #[test]
    fn a_count_axis_has_whole_ticks() {
        let mut p = Plot::new(200, 100, "", [20, 10, 10, 20], 10.0, 2.0);
        p.integer_y = true;
        p.axes(None, "x", "y");
        let svg = p.finish().0;
        assert!(svg.contains(">1</text>") && svg.contains(">2</text>"), "{svg}");
        assert!(!svg.contains(">0.5</text>"), "{svg}");
        let mut real = Plot::new(200, 100, "", [20, 10, 10, 20], 10.0, 2.0);
        real.axes(None, "x", "y");
        assert!(real.finish().0.contains(">0.5</text>"), "a real-valued axis keeps fractional ticks");
    }

    #[test]
    fn hsl_matches_known_colours() {
        assert_eq!(hsl(0.0, 1.0, 0.5), "#ff0000");
        assert_eq!(hsl(120.0, 1.0, 0.5), "#00ff00");
        assert_eq!(hsl(240.0, 1.0, 0.25), "#000080");
        assert_eq!(hsl(210.0, 0.0, 1.0), "#ffffff");
    }

    #[test]
    fn a_line_and_a_bar_land_in_the_plotting_area() {
        let mut p = Plot::new(200, 100, "id=\"t\"", [20, 10, 10, 20], 10.0, 5.0);
        p.axes(None, "x", "y <z>");
        p.polyline([(0.0, 0.0), (10.0, 5.0)].into_iter(), 5.0, "#123456");
        p.bar(0.0, 1.0, 5.0, "#abcdef");
        let (svg, area) = p.finish();
        assert_eq!(area, [20, 190, 10, 80]);
        assert!(svg.contains("points=\"20,80 190,10\""), "{svg}");
        assert!(svg.contains("<rect class=\"bar\" x=\"20\" y=\"10\" width=\"17\" height=\"70\""), "{svg}");
        assert!(svg.contains("y &lt;z&gt;"));
        assert!(svg.starts_with("<svg id=\"t\" ") && svg.ends_with("</svg>"));
    }
}
