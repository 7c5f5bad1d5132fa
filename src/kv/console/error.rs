//! Console syntax errors that point at the offending word: the message, the line with a caret
//! under the word, and the usage line of the command, so a typo costs one glance.

/// A syntax error in one console line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// What is wrong, in etcdctl's words where etcdctl has words for it.
    pub message: String,
    /// First column (in characters, from 0) of the offending text.
    pub column: usize,
    /// Width of the offending text in characters (at least 1 when shown).
    pub width: usize,
    /// The usage line of the command, when the command is known.
    pub usage: Option<&'static str>,
}

/// Characters of the line shown around the error at most, so a pasted megabyte does not come
/// back in the error message.
const CONTEXT_CHARS_MAX: usize = 72;

impl ParseError {
    /// An error at `column` spanning `width` characters.
    pub fn at(message: impl Into<String>, column: usize, width: usize) -> Self {
        ParseError {
            message: message.into(),
            column,
            width,
            usage: None,
        }
    }

    /// Attach a usage line (keeps an existing, more specific one).
    pub fn with_usage(mut self, usage: &'static str) -> Self {
        if self.usage.is_none() {
            self.usage = Some(usage);
        }
        self
    }

    /// Move the error right by `offset` columns (for errors inside a txn section, whose words
    /// are positioned relative to the section).
    pub fn shifted(mut self, offset: usize) -> Self {
        self.column += offset;
        self
    }

    /// The error as the console prints it: message, the line (or a window of it), a caret line,
    /// and the usage line.
    pub fn render(&self, line: &str) -> String {
        let chars: Vec<char> = line.chars().collect();
        let width = self.width.clamp(1, CONTEXT_CHARS_MAX);
        let start = self
            .column
            .saturating_sub(CONTEXT_CHARS_MAX / 2)
            .min(chars.len());
        let end = (self.column + width + CONTEXT_CHARS_MAX / 2)
            .min(chars.len())
            .max(start);
        let window: String = chars[start..end]
            .iter()
            .map(|c| if c.is_control() { ' ' } else { *c })
            .collect();
        let prefix = if start > 0 { "..." } else { "" };
        let suffix = if end < chars.len() { "..." } else { "" };
        let caret_column = self.column - start + prefix.len();
        let mut text = format!("Error: {}\n  {prefix}{window}{suffix}\n  ", self.message);
        text.push_str(&" ".repeat(caret_column));
        text.push_str(&"^".repeat(width));
        text.push('\n');
        if let Some(usage) = self.usage {
            text.push_str("Usage: ");
            text.push_str(usage);
            text.push('\n');
        }
        text
    }
}
