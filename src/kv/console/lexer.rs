//! Splits a console line into words the way a POSIX shell splits a command line for etcdctl:
//! whitespace separates words; '...' is literal; inside "..." a backslash is special only
//! before `$`, `` ` ``, `"`, `\` and a newline (`\$ \` \" \\` give the character, a
//! backslash-newline vanishes) and is kept everywhere else, so `"a\nb"` is the four
//! characters `a\nb`, exactly what etcdctl receives from `sh`; outside quotes a backslash takes
//! the next character literally; pieces that touch join into one word (`mod("k")` is the word
//! `mod(k)`). Each word keeps its column so errors can point at it.
//!
//! The items of the one-line txn are a second dialect ([`Dialect::TxnItem`]): etcdctl reads
//! them from stdin and unquotes "..." with Go's string syntax (`\n` is a newline there), keeps
//! a backslash outside quotes, and leaves '...' literal.

use super::error::ParseError;

/// One word of a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// The word after quote removal.
    pub text: String,
    /// Column (in characters, from 0) where the word starts in the line.
    pub column: usize,
    /// Width of the word as typed (with its quotes), in characters.
    pub width: usize,
    /// True when any part of the word was quoted or escaped: such a word is never a flag.
    pub quoted: bool,
}

/// How a piece of text is split into words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// A console line, split like a POSIX shell splits etcdctl's command line.
    Shell,
    /// One compare or op of the one-line txn, split like etcdctl's interactive txn reads it.
    TxnItem,
}

/// Split a console line into words like a POSIX shell.
pub fn split_words(line: &str) -> Result<Vec<Word>, ParseError> {
    split_words_as(line, Dialect::Shell)
}

/// Split `line` into words in the given dialect.
pub fn split_words_as(line: &str, dialect: Dialect) -> Result<Vec<Word>, ParseError> {
    let chars: Vec<char> = line.chars().collect();
    let mut words = Vec::new();
    let mut position = 0;
    while position < chars.len() {
        if chars[position].is_whitespace() {
            position += 1;
            continue;
        }
        let (word, next) = read_word(&chars, position, dialect)?;
        words.push(word);
        position = next;
    }
    Ok(words)
}

/// Read one word starting at `start` (not whitespace); return it and the position after it.
fn read_word(chars: &[char], start: usize, dialect: Dialect) -> Result<(Word, usize), ParseError> {
    let mut text = String::new();
    let mut quoted = false;
    let mut position = start;
    while let Some(&c) = chars.get(position) {
        match c {
            c if c.is_whitespace() => break,
            '\'' => {
                quoted = true;
                let close = find_from(chars, position + 1, '\'')
                    .ok_or_else(|| ParseError::at("unterminated single quote", position, 1))?;
                text.extend(&chars[position + 1..close]);
                position = close + 1;
            }
            '"' => {
                quoted = true;
                position = read_double_quoted(chars, position, &mut text, dialect)?;
            }
            '\\' if dialect == Dialect::Shell => {
                quoted = true;
                match chars.get(position + 1) {
                    Some(&escaped) => text.push(escaped),
                    None => {
                        return Err(ParseError::at(
                            "a backslash at the end of the line escapes nothing",
                            position,
                            1,
                        ));
                    }
                }
                position += 2;
            }
            c => {
                text.push(c);
                position += 1;
            }
        }
    }
    Ok((
        Word {
            text,
            column: start,
            width: position - start,
            quoted,
        },
        position,
    ))
}

/// Read a "..." section opening at `open`; append its text; return the position after it.
fn read_double_quoted(
    chars: &[char],
    open: usize,
    text: &mut String,
    dialect: Dialect,
) -> Result<usize, ParseError> {
    let mut position = open + 1;
    loop {
        match chars.get(position) {
            None => return Err(ParseError::at("unterminated double quote", open, 1)),
            Some('"') => return Ok(position + 1),
            Some('\\') => {
                let Some(&next) = chars.get(position + 1) else {
                    return Err(ParseError::at("unterminated double quote", open, 1));
                };
                match (dialect, next) {
                    // POSIX: backslash-newline is a line continuation; it leaves nothing.
                    (Dialect::Shell, '\n') => {}
                    (Dialect::Shell, '$' | '`' | '"' | '\\') => text.push(next),
                    (Dialect::TxnItem, 'n') => text.push('\n'),
                    (Dialect::TxnItem, 't') => text.push('\t'),
                    (Dialect::TxnItem, 'r') => text.push('\r'),
                    (Dialect::TxnItem, '"' | '\\') => text.push(next),
                    // Anything else keeps its backslash (the shell's rule; Go would refuse it).
                    (_, other) => {
                        text.push('\\');
                        text.push(other);
                    }
                }
                position += 2;
            }
            Some(&c) => {
                text.push(c);
                position += 1;
            }
        }
    }
}

fn find_from(chars: &[char], from: usize, wanted: char) -> Option<usize> {
    chars
        .get(from..)?
        .iter()
        .position(|&c| c == wanted)
        .map(|offset| from + offset)
}

/// Split a txn section into its items at every `;` outside quotes. Items keep their quotes
/// (they are lexed again later) and their column within the section.
pub fn split_items(section: &str) -> Vec<(String, usize)> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut item_column = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (column, c) in section.chars().enumerate() {
        if escaped {
            escaped = false;
        } else if c == '\\' && quote != Some('\'') {
            escaped = true;
        } else if let Some(open) = quote {
            if c == open {
                quote = None;
            }
        } else if c == '\'' || c == '"' {
            quote = Some(c);
        } else if c == ';' {
            items.push((std::mem::take(&mut current), item_column));
            item_column = column + 1;
            continue;
        }
        current.push(c);
    }
    items.push((current, item_column));
    items.retain(|(text, _)| !text.trim().is_empty());
    items
}
