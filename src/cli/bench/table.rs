//! The one table `raftlab bench` prints: a figure per row, native and wasm side by side, the
//! wasm speed relative to native, and the issue's target where there is one.

use serde::Serialize;

/// Whether more is better (a rate) or less is better (a time), for the wasm speed ratio.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    /// A rate: wasm speed is wasm / native.
    More,
    /// A time: wasm speed is native / wasm.
    Less,
    /// A size: no speed ratio.
    Size,
}

/// One row.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub group: &'static str,
    pub figure: String,
    pub unit: &'static str,
    pub native: Option<f64>,
    pub wasm: Option<f64>,
    /// Wasm speed relative to native (1.0: as fast), for rates and times.
    pub wasm_speed: Option<f64>,
    /// The issue's target for this figure, in words, if it has one.
    pub target: Option<&'static str>,
}

impl Row {
    pub fn new(
        group: &'static str,
        figure: impl Into<String>,
        unit: &'static str,
        better: Better,
        native: Option<f64>,
        wasm: Option<f64>,
    ) -> Row {
        let wasm_speed = match (better, native, wasm) {
            (Better::More, Some(n), Some(w)) if n > 0.0 => Some(w / n),
            (Better::Less, Some(n), Some(w)) if w > 0.0 => Some(n / w),
            _ => None,
        };
        Row {
            group,
            figure: figure.into(),
            unit,
            native,
            wasm,
            wasm_speed,
            target: None,
        }
    }

    pub fn target(mut self, target: &'static str) -> Row {
        self.target = Some(target);
        self
    }
}

/// A figure for people: thousands separated, about three significant digits.
pub fn number(value: f64) -> String {
    if !value.is_finite() {
        return "-".into();
    }
    if value.abs() >= 1_000.0 {
        let whole = value.round() as i64;
        let digits = whole.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        return if whole < 0 { format!("-{out}") } else { out };
    }
    if value.abs() >= 100.0 {
        format!("{value:.0}")
    } else if value.abs() >= 10.0 {
        format!("{value:.1}")
    } else if value.abs() >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}

/// The rows as an aligned text table, one group after another.
pub fn render(rows: &[Row]) -> String {
    let cell = |v: Option<f64>| v.map_or_else(|| "-".to_string(), number);
    let speed = |v: Option<f64>| v.map_or_else(String::new, |s| format!("{s:.2}x"));
    let figure_width = rows
        .iter()
        .map(|r| r.figure.chars().count())
        .max()
        .unwrap_or(0);
    let unit_width = rows
        .iter()
        .map(|r| r.unit.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = format!(
        "{:<figure_width$}  {:>12}  {:>12}  {:>10}  {:<unit_width$}  {}\n",
        "figure", "native", "wasm", "wasm speed", "unit", "target"
    );
    let mut group = "";
    for row in rows {
        if row.group != group {
            group = row.group;
            out.push_str(&format!("{group}\n"));
        }
        let line = format!(
            "{:<figure_width$}  {:>12}  {:>12}  {:>10}  {:<unit_width$}  {}",
            row.figure,
            cell(row.native),
            cell(row.wasm),
            speed(row.wasm_speed),
            row.unit,
            row.target.unwrap_or(""),
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_a_person_writes_them() {
        assert_eq!(number(1_234_567.4), "1,234,567");
        assert_eq!(number(1_000.0), "1,000");
        assert_eq!(number(-4_650.0), "-4,650");
        assert_eq!(number(123.4), "123");
        assert_eq!(number(12.34), "12.3");
        assert_eq!(number(1.234), "1.23");
        assert_eq!(number(0.1234), "0.123");
        assert_eq!(number(f64::NAN), "-");
    }

    #[test]
    fn wasm_speed_is_relative_to_native_whichever_way_is_better() {
        let rate = Row::new("g", "r", "u", Better::More, Some(100.0), Some(50.0));
        assert_eq!(rate.wasm_speed, Some(0.5));
        let time = Row::new("g", "t", "u", Better::Less, Some(1.0), Some(2.0));
        assert_eq!(time.wasm_speed, Some(0.5));
        let size = Row::new("g", "s", "u", Better::Size, Some(1.0), Some(2.0));
        assert_eq!(size.wasm_speed, None);
        let missing = Row::new("g", "m", "u", Better::More, Some(1.0), None);
        assert_eq!(missing.wasm_speed, None);
    }

    #[test]
    fn the_table_has_a_header_groups_and_aligned_rows() {
        let rows = [
            Row::new("one", "first", "ms", Better::Less, Some(2.0), Some(4.0)).target("< 16"),
            Row::new(
                "two",
                "second figure",
                "bytes",
                Better::Size,
                Some(1e6),
                None,
            ),
        ];
        let text = render(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert!(lines[0].starts_with("figure"));
        assert_eq!(lines[1], "one");
        assert!(lines[2].contains("2.00") && lines[2].contains("4.00"));
        assert!(lines[2].contains("0.50x") && lines[2].ends_with("< 16"));
        assert_eq!(lines[3], "two");
        assert!(lines[4].contains("1,000,000") && lines[4].contains(" - "));
    }
}
