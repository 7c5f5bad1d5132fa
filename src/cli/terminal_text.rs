//! Text on its way to a terminal. Keys and values are bytes a user chose, and etcdctl prints
//! them raw; an escape sequence in a value would then recolour, move or retitle the user's
//! terminal. The console prints them escaped instead, so what is stored is what is seen.

/// `text` with every control character written as an escape (`\x1b`, `\t`, `\u{9b}`), and the
/// invisible characters that reorder or hide text (bidi overrides, zero-width marks) too.
/// Newlines separate the lines of an answer and stay. Backslashes stay as they are.
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\n' => out.push('\n'),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if u32::from(c) < 0x80 && c.is_control() => {
                out.push_str(&format!("\\x{:02x}", u32::from(c)));
            }
            c if c.is_control() || hides_text(c) => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out
}

/// Format characters that change how the text around them is shown: zero-width marks and
/// joiners, bidirectional embeddings, overrides and isolates, the byte-order mark.
fn hides_text(c: char) -> bool {
    matches!(
        c,
        '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_lines_kept() {
        assert_eq!(
            escape_controls("key\n\u{1b}[31mred\u{7}\n"),
            "key\n\\x1b[31mred\\x07\n"
        );
        assert_eq!(escape_controls("a\tb\rc\u{0}"), "a\\tb\\rc\\x00");
        assert_eq!(escape_controls("\u{7f}"), "\\x7f");
        // C1 controls (CSI) and text-reordering marks are not shown raw either.
        assert_eq!(escape_controls("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(escape_controls("ab\u{202e}cd"), "ab\\u{202e}cd");
    }

    #[test]
    fn ordinary_text_is_unchanged() {
        for text in [
            "OK",
            "greeting\nhello world",
            "crème brûlée",
            "日本",
            "a\\nb",
            "",
        ] {
            assert_eq!(escape_controls(text), text);
        }
    }
}
