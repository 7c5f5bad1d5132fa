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
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        // `rest % 10` is below 10, so the digit fits a byte.
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    // Digit by digit: a `str` of them would be checked for UTF-8 on every call.
    for &digit in &digits[at..] {
        out.write_char(char::from(digit))?;
    }
    Ok(())
}

/// Writes `{:?}` of `String::from_utf8_lossy(bytes)`. The KV engine's commands are ASCII
/// after a binary header, so ASCII and invalid bytes are written here as `str`'s `Debug` writes
/// them: printable ASCII as it is but for a backslash before `"` and `\`; `\0`, `\t`, `\r`,
/// `\n`; other control characters as `\u{hex}`; and each run of invalid bytes as the one
/// replacement character `from_utf8_lossy` puts there (printable, so written as it is). Text
/// with any other character goes to `Debug` itself.
pub fn write_debug_lossy<W: Write + ?Sized>(out: &mut W, bytes: &[u8]) -> fmt::Result {
    if !bytes.utf8_chunks().all(|chunk| chunk.valid().is_ascii()) {
        return write!(out, "{:?}", String::from_utf8_lossy(bytes));
    }
    out.write_char('"')?;
    for chunk in bytes.utf8_chunks() {
        let mut rest = chunk.valid();
        while let Some(at) = rest.find(|c: char| !(' '..='~').contains(&c) || c == '"' || c == '\\')
        {
            out.write_str(&rest[..at])?;
            let byte = rest.as_bytes()[at];
            match byte {
                b'"' => out.write_str("\\\"")?,
                b'\\' => out.write_str("\\\\")?,
                0 => out.write_str("\\0")?,
                b'\t' => out.write_str("\\t")?,
                b'\r' => out.write_str("\\r")?,
                b'\n' => out.write_str("\\n")?,
                _ => write!(out, "\\u{{{byte:x}}}")?,
            }
            rest = &rest[at + 1..];
        }
        out.write_str(rest)?;
        if !chunk.invalid().is_empty() {
            out.write_char(char::REPLACEMENT_CHARACTER)?;
        }
    }
    out.write_char('"')
}

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
