//! Writing the trace's text pieces without `core::fmt`'s machinery.
//!
//! The simulator hashes the text of every trace event (the trace hash the goldens pin), so
//! message and event descriptions are written once per event of every run. Through `write!`
//! each number went through `Formatter::pad_integral` and each entry's data through `str`'s
//! `Debug` (a Unicode printability table per character): together about 40% of a 5-node run
//! with a client. These helpers write exactly the bytes `{}` and `{:?}` write, taking a short
//! path for the common case (decimal numbers, printable ASCII) and handing anything else to
//! `core::fmt` unchanged, so the text, and every hash of it, stays byte for byte the same.

use std::fmt::{self, Write};

/// Writes `n` in decimal, as `{}` does.
pub fn write_u64<W: Write + ?Sized>(out: &mut W, n: u64) -> fmt::Result {
    // Node ids, terms and votes: most numbers of the trace are one digit.
    if n < 10 {
        return out.write_char(char::from(b'0' + n as u8));
    }
    // Two digits per division (the table's pair), from the right.
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n;
    while rest >= 10 {
        // `rest % 100` is below 100: an index into the table of pairs.
        let pair = (rest % 100) as usize * 2;
        rest /= 100;
        at -= 2;
        digits[at] = DIGIT_PAIRS[pair];
        digits[at + 1] = DIGIT_PAIRS[pair + 1];
    }
    if rest > 0 {
        at -= 1;
        // `rest` is below 10 here.
        digits[at] = b'0' + rest as u8;
    }
    // Digit by digit: a `str` of them would be checked for UTF-8 on every call.
    for &digit in &digits[at..] {
        out.write_char(char::from(digit))?;
    }
    Ok(())
}

/// "00", "01", .. "99" back to back: the two digits of `i` at `2 * i`.
const DIGIT_PAIRS: [u8; 200] = {
    let mut table = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        table[2 * i] = b'0' + (i / 10) as u8;
        table[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    table
};

/// Writes `{:?}` of `String::from_utf8_lossy(bytes)`. The KV engine's commands are ASCII
/// after a binary header, so ASCII and invalid bytes are written here as `str`'s `Debug` writes
/// them: printable ASCII as it is but for a backslash before `"` and `\`; `\0`, `\t`, `\r`,
/// `\n`; other control characters as `\u{hex}`; and each run of invalid bytes as the one
/// replacement character `from_utf8_lossy` puts there (printable, so written as it is). Text
/// with any other character goes to `Debug` itself.
pub fn write_debug_lossy<W: Write + ?Sized>(out: &mut W, bytes: &[u8]) -> fmt::Result {
    let no_valid_non_ascii =
        runs(bytes).all(|(_, other)| other.utf8_chunks().all(|chunk| chunk.valid().is_empty()));
    if !no_valid_non_ascii {
        return write!(out, "{:?}", String::from_utf8_lossy(bytes));
    }
    out.write_char('"')?;
    for (ascii, other) in runs(bytes) {
        // `ascii` is ASCII, so this never takes the lossy branch.
        match std::str::from_utf8(ascii) {
            Ok(text) => write_escaped_ascii(out, text)?,
            Err(_) => write_escaped_ascii(out, &String::from_utf8_lossy(ascii))?,
        }
        for _ in other.utf8_chunks() {
            out.write_char(char::REPLACEMENT_CHARACTER)?;
        }
    }
    out.write_char('"')
}

/// Splits `bytes` into (ASCII run, the non-ASCII run after it) pairs, either possibly empty.
///
/// `Utf8Chunks` cuts each non-ASCII run the same way wherever it stands, since an ASCII byte
/// neither continues a sequence nor is part of one: so a text whose non-ASCII runs hold no
/// valid character is, lossily, its ASCII runs with one replacement character for each chunk
/// of each run. `write_debug_lossy` decodes only those runs (the KV envelope's nine header
/// bytes) instead of the whole entry, twice, as it did.
fn runs(bytes: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        // An entry's command is ASCII to its end after the header: one word-wise check.
        let ascii_len = if rest.is_ascii() {
            rest.len()
        } else {
            rest.iter()
                .position(|b| !b.is_ascii())
                .unwrap_or(rest.len())
        };
        let (ascii, tail) = rest.split_at(ascii_len);
        let other_len = tail.iter().position(u8::is_ascii).unwrap_or(tail.len());
        let (other, tail) = tail.split_at(other_len);
        rest = tail;
        Some((ascii, other))
    })
}

/// Writes ASCII `text` as `str`'s `Debug` writes it, without the quotes: runs of printable
/// characters as they are, the rest escaped.
fn write_escaped_ascii<W: Write + ?Sized>(out: &mut W, text: &str) -> fmt::Result {
    let mut from = 0;
    for (at, &byte) in text.as_bytes().iter().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0 => "\\0",
            b'\t' => "\\t",
            b'\r' => "\\r",
            b'\n' => "\\n",
            b' '..=b'~' => continue,
            _ => "",
        };
        out.write_str(&text[from..at])?;
        if escape.is_empty() {
            write_unicode_escape(out, byte)?;
        } else {
            out.write_str(escape)?;
        }
        from = at + 1;
    }
    out.write_str(&text[from..])
}

/// `\u{hex}` of a byte, lowercase without leading zeros, as `Debug` escapes a control character.
fn write_unicode_escape<W: Write + ?Sized>(out: &mut W, byte: u8) -> fmt::Result {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.write_str("\\u{")?;
    if byte >= 16 {
        out.write_char(char::from(HEX[usize::from(byte >> 4)]))?;
    }
    out.write_char(char::from(HEX[usize::from(byte & 15)]))?;
    out.write_char('}')
}

/// Where the descriptions of messages and trace events are written: any `fmt::Write`, which
/// may write a normal entry's data its own way. The trace hash's writer remembers the text of
/// the last entries it wrote: an entry is described in its proposal and again in the append to
/// each follower, and its text (`{:?}` of a JSON command) was the largest part of hashing it.
pub trait TextSink: Write {
    /// Writes `{:?}` of `String::from_utf8_lossy(data)`, a normal entry's data.
    fn write_entry_data(&mut self, data: &std::sync::Arc<[u8]>) -> fmt::Result {
        write_debug_lossy(self, data)
    }
}

impl TextSink for String {}

impl TextSink for fmt::Formatter<'_> {}

/// Writes `{}` of `String::from_utf8_lossy(bytes)`.
pub fn write_lossy<W: Write + ?Sized>(out: &mut W, bytes: &[u8]) -> fmt::Result {
    out.write_str(&String::from_utf8_lossy(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_display_writes_them() {
        for n in [
            0,
            1,
            9,
            10,
            99,
            100,
            12_345,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            let mut out = String::new();
            write_u64(&mut out, n).expect("a string takes any text");
            assert_eq!(out, n.to_string());
        }
    }

    #[test]
    fn text_is_written_as_debug_and_display_of_the_lossy_string_write_it() {
        let samples: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"put key-1 value-1".to_vec(),
            b"{\"Put\":{\"key\":\"a\"}}".to_vec(),
            b"back\\slash".to_vec(),
            b"it's".to_vec(),
            b"tab\there\nnew\x7f\x00".to_vec(),
            "caf\u{e9} \u{301}x \u{200b}".as_bytes().to_vec(),
            vec![0xff, 0xfe, b'a', 0xc3],
            vec![0xe2, 0x82, b'x', 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98],
            vec![0xc1, 5, 0, 0, 0, 0, 0, 0, 0, b'{', b'"', b'}', 0x7f, 0x1b],
            vec![0xc1, 0xc1, b'x', 0xc0, 0xf5, 0xff],
            vec![0xc1, 0xe9, b'x', 0xc1],
            (0u8..=255).collect(),
        ];
        let samples = samples
            .into_iter()
            .chain((0u8..=255).map(|b| vec![b'a', b, b'z']));
        for bytes in samples {
            let lossy = String::from_utf8_lossy(&bytes);
            let mut debug = String::new();
            write_debug_lossy(&mut debug, &bytes).expect("a string takes any text");
            assert_eq!(debug, format!("{lossy:?}"), "{bytes:?}");
            let mut display = String::new();
            write_lossy(&mut display, &bytes).expect("a string takes any text");
            assert_eq!(display, lossy, "{bytes:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_written_as_debug_of_the_lossy_string(bytes: Vec<u8>) {
            let mut debug = String::new();
            write_debug_lossy(&mut debug, &bytes).expect("a string takes any text");
            proptest::prop_assert_eq!(debug, format!("{:?}", String::from_utf8_lossy(&bytes)));
        }
    }
}
