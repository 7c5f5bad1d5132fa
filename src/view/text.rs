//! Short, bounded text for user data (keys, values, commands) shown in the view.

/// At most this many characters of one key or value in a short command or a KV row.
pub const SHORT_CHARS: usize = 40;

/// `bytes` as text (invalid UTF-8 replaced), cut to `max` characters with an ellipsis.
pub fn short(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    cut(&text, max)
}

/// `text` cut to `max` characters with an ellipsis.
pub fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((at, _)) => format!("{}…", &text[..at]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_on_characters_not_bytes() {
        assert_eq!(cut("héllo", 3), "hél…");
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(short(&[0xff, b'a'], 10), "\u{fffd}a");
    }
}
