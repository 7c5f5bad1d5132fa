//! User text in a generated shell script, made harmless.
//!
//! The real-etcd export (`etcd_export.rs`) writes console lines, keys and values that anyone
//! could have typed (or put in a share link) into a script someone will run. Two places take
//! such text: a command's arguments and a comment. An argument is single-quoted, the one shell
//! quoting with no special characters inside; a comment is kept on one line, since a line
//! break would end it and start a command.

/// `text` as one shell word that the shell gives a command unchanged: bare when it is made
/// only of characters no shell treats specially, otherwise between single quotes, each `'`
/// written as `'\''` (close, an escaped quote, reopen). `None` for text with a NUL byte: no
/// argument of a process can hold one, so no quoting can pass it on.
pub fn quote(text: &str) -> Option<String> {
    if text.contains('\0') {
        return None;
    }
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:=,@%+".contains(c);
    // Never in a command's first place (always after the program), so `a=b` is no assignment.
    if !text.is_empty() && text.chars().all(plain) {
        return Some(text.to_string());
    }
    Some(format!("'{}'", text.replace('\'', r"'\''")))
}

/// `text` made safe to follow `# ` on one line of a script: every control character (line
/// breaks, carriage returns, escape sequences that would redraw a terminal showing the
/// script) and the Unicode line and paragraph separators are written as `\u{..}` escapes.
pub fn comment(text: &str) -> String {
    let mut safe = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
            safe.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            safe.push(c);
        }
    }
    safe
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_bare_and_the_rest_is_single_quoted() {
        assert_eq!(quote("mykey").as_deref(), Some("mykey"));
        assert_eq!(quote("--prefix").as_deref(), Some("--prefix"));
        assert_eq!(quote("").as_deref(), Some("''"));
        assert_eq!(quote("a b").as_deref(), Some("'a b'"));
        assert_eq!(quote("it's").as_deref(), Some(r"'it'\''s'"));
        assert_eq!(quote("$(reboot)").as_deref(), Some("'$(reboot)'"));
        assert_eq!(quote("a\nb").as_deref(), Some("'a\nb'"));
        assert_eq!(quote("~root").as_deref(), Some("'~root'"));
        assert_eq!(quote("*").as_deref(), Some("'*'"));
        assert_eq!(quote("a\0b"), None);
    }

    #[test]
    fn a_comment_stays_on_one_line() {
        assert_eq!(comment("put k v"), "put k v");
        assert_eq!(comment("put k\nrm -rf ~"), r"put k\u{a}rm -rf ~");
        assert_eq!(
            comment("a\rb\u{1b}[2J\u{2028}"),
            r"a\u{d}b\u{1b}[2J\u{2028}"
        );
    }

    proptest::proptest! {
        /// Whatever the text, `sh` hands the quoted word back unchanged (checked by the real
        /// shell: `printf %s WORD`).
        #[test]
        fn sh_gives_back_exactly_the_text(text in "[^\\x00]{0,40}") {
            let word = quote(&text).expect("no NUL");
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf %s {word}"))
                .output()
                .expect("sh runs");
            proptest::prop_assert_eq!(String::from_utf8_lossy(&out.stdout), text);
        }
    }
}
