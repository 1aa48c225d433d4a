//! Fast number text for SVG path data (#14): a dense view writes thousands of coordinates on
//! every step, and Rust's float formatting (`{}` shortest, `{:.2}`) was a large part of a step's
//! time in the profile. Coordinates are written with at most two decimals, by integer formatting.

use std::fmt::Write;

/// Append `v` rounded to 0.01, without trailing zeros (`9`, `4.5`, `12.25`, `-3.1`).
pub fn push(out: &mut String, v: f64) {
    let c = (v * 100.0).round();
    if !c.is_finite() || c.abs() >= 9.0e15 {
        let _ = write!(out, "{v:.2}");
        return;
    }
    let c = c as i64;
    if c < 0 {
        out.push('-');
    }
    let c = c.unsigned_abs();
    let (int, frac) = (c / 100, c % 100);
    let _ = write!(out, "{int}");
    if frac != 0 {
        out.push('.');
        out.push(char::from(b'0' + (frac / 10) as u8));
        if frac % 10 != 0 {
            out.push(char::from(b'0' + (frac % 10) as u8));
        }
    }
}

/// Append a closed rectangle `M x y h w v h h -w z` (a cell of a dense view).
pub fn rect(out: &mut String, x: f64, y: f64, w: f64, h: f64) {
    out.push('M');
    push(out, x);
    out.push(' ');
    push(out, y);
    out.push('h');
    push(out, w);
    out.push('v');
    push(out, h);
    out.push_str("h-");
    push(out, w);
    out.push('z');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_to_two_decimals_without_trailing_zeros() {
        let text = |v: f64| {
            let mut s = String::new();
            push(&mut s, v);
            s
        };
        for (v, want) in [
            (9.0, "9"),
            (4.5, "4.5"),
            (12.25, "12.25"),
            (-3.1, "-3.1"),
            (0.0, "0"),
            (0.004, "0"),
            (1.006, "1.01"),
            (170.666_666, "170.67"),
            (-0.5, "-0.5"),
            (1e300, &format!("{:.2}", 1e300)),
        ] {
            assert_eq!(text(v), want, "{v}");
        }
        let mut s = String::new();
        rect(&mut s, 9.0, 18.0, 8.5, 14.0);
        assert_eq!(s, "M9 18h8.5v14h-8.5z");
    }
}
