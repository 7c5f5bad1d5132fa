//! Flags in etcdctl's (cobra's) forms: `--name=value`, `--name value`, `-w json`, `-w=json`,
//! boolean `--name` or `--name=true|false`; `--` ends flags. Flags may appear anywhere after
//! the command word, as with etcdctl. A quoted word is never a flag, so `put k '-1'` works.

use super::error::ParseError;
use super::lexer::Word;

/// A flag raftlab knows.
struct FlagSpec {
    long: &'static str,
    short: Option<&'static str>,
    takes_value: bool,
}

const FLAG_SPECS: &[FlagSpec] = &[
    FlagSpec {
        long: "endpoints",
        short: None,
        takes_value: true,
    },
    FlagSpec {
        long: "write-out",
        short: Some("w"),
        takes_value: true,
    },
    FlagSpec {
        long: "prefix",
        short: None,
        takes_value: false,
    },
    FlagSpec {
        long: "from-key",
        short: None,
        takes_value: false,
    },
    FlagSpec {
        long: "rev",
        short: None,
        takes_value: true,
    },
    FlagSpec {
        long: "limit",
        short: None,
        takes_value: true,
    },
    FlagSpec {
        long: "keys-only",
        short: None,
        takes_value: false,
    },
    FlagSpec {
        long: "count-only",
        short: None,
        takes_value: false,
    },
    FlagSpec {
        long: "print-value-only",
        short: None,
        takes_value: false,
    },
    FlagSpec {
        long: "consistency",
        short: None,
        takes_value: true,
    },
    FlagSpec {
        long: "sort-by",
        short: None,
        takes_value: true,
    },
    FlagSpec {
        long: "order",
        short: None,
        takes_value: true,
    },
    FlagSpec {
        long: "prev-kv",
        short: None,
        takes_value: false,
    },
    FlagSpec {
        long: "physical",
        short: None,
        takes_value: false,
    },
    FlagSpec {
        long: "help",
        short: Some("h"),
        takes_value: false,
    },
    FlagSpec {
        long: "lease",
        short: None,
        takes_value: true,
    },
    FlagSpec {
        long: "once",
        short: None,
        takes_value: false,
    },
    FlagSpec {
        long: "keys",
        short: None,
        takes_value: false,
    },
    FlagSpec {
        long: "hex",
        short: None,
        takes_value: false,
    },
    FlagSpec {
        long: "ignore-value",
        short: None,
        takes_value: false,
    },
    FlagSpec {
        long: "ignore-lease",
        short: None,
        takes_value: false,
    },
];

/// One flag as given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    /// Long name, without dashes.
    pub name: &'static str,
    /// The value (for booleans: "true" or "false").
    pub value: String,
    /// Column of the flag word.
    pub column: usize,
    /// Width of the flag (and its separate value word, if any).
    pub width: usize,
}

/// A line's words sorted into positional arguments and flags.
#[derive(Clone, Debug, Default)]
pub struct SortedWords {
    /// Arguments in order (the command word first).
    pub positionals: Vec<Word>,
    /// Flags in order.
    pub flags: Vec<Flag>,
}

/// Sort `words` into positionals and flags, rejecting unknown flags and missing values.
pub fn sort_words(words: &[Word]) -> Result<SortedWords, ParseError> {
    let mut sorted = SortedWords::default();
    let mut index = 0;
    let mut flags_ended = false;
    while let Some(word) = words.get(index) {
        index += 1;
        if flags_ended || word.quoted || !word.text.starts_with('-') || word.text == "-" {
            sorted.positionals.push(word.clone());
            continue;
        }
        if word.text == "--" {
            flags_ended = true;
            continue;
        }
        let (name, inline) = split_flag(&word.text);
        let spec = find_spec(name, word.text.starts_with("--")).ok_or_else(|| {
            ParseError::at(
                format!("unknown flag: {}", word.text),
                word.column,
                word.width,
            )
        })?;
        let mut width = word.width;
        let value = match (spec.takes_value, inline) {
            (true, Some(value)) => value.to_string(),
            (true, None) => {
                let next = words.get(index).ok_or_else(|| {
                    ParseError::at(
                        format!("flag needs an argument: {}", word.text),
                        word.column,
                        word.width,
                    )
                })?;
                index += 1;
                width = next.column + next.width - word.column;
                next.text.clone()
            }
            (false, None) => "true".to_string(),
            (false, Some(value)) => match value {
                "true" | "false" => value.to_string(),
                _ => {
                    return Err(ParseError::at(
                        format!(
                            "invalid argument \"{value}\" for \"--{}\" flag: use true or false",
                            spec.long
                        ),
                        word.column,
                        word.width,
                    ));
                }
            },
        };
        sorted.flags.push(Flag {
            name: spec.long,
            value,
            column: word.column,
            width,
        });
    }
    Ok(sorted)
}

/// Whether the flag with long name `long` takes a value (false for a switch such as
/// `--prefix`, and for a name raftlab does not know): how a flag is written back for etcdctl.
pub fn takes_value(long: &str) -> bool {
    FLAG_SPECS
        .iter()
        .any(|spec| spec.long == long && spec.takes_value)
}

/// `--name=value` -> (name, Some(value)); `-w` -> ("w", None).
fn split_flag(text: &str) -> (&str, Option<&str>) {
    let body = text.trim_start_matches('-');
    match body.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (body, None),
    }
}

fn find_spec(name: &str, long_form: bool) -> Option<&'static FlagSpec> {
    FLAG_SPECS.iter().find(|spec| {
        if long_form {
            spec.long == name
        } else {
            spec.short == Some(name)
        }
    })
}

impl SortedWords {
    /// Remove and return the last occurrence of a flag (later flags win, as in etcdctl).
    pub fn take(&mut self, name: &str) -> Option<Flag> {
        let mut found = None;
        self.flags.retain(|flag| {
            if flag.name == name {
                found = Some(flag.clone());
                false
            } else {
                true
            }
        });
        found
    }

    /// Remove a boolean flag; true when given (and not `=false`).
    pub fn take_bool(&mut self, name: &str) -> bool {
        self.take(name).is_some_and(|flag| flag.value == "true")
    }

    /// Remove an integer flag.
    pub fn take_i64(&mut self, name: &str) -> Result<Option<i64>, ParseError> {
        match self.take(name) {
            None => Ok(None),
            Some(flag) => flag.value.parse::<i64>().map(Some).map_err(|_| {
                ParseError::at(
                    format!(
                        "invalid argument \"{}\" for \"--{name}\" flag: not an integer",
                        flag.value
                    ),
                    flag.column,
                    flag.width,
                )
            }),
        }
    }

    /// Fail on any flag left over: the command does not accept it.
    pub fn reject_rest(&self) -> Result<(), ParseError> {
        match self.flags.first() {
            None => Ok(()),
            Some(flag) => Err(ParseError::at(
                format!(
                    "unknown flag: --{} (not an option of this command)",
                    flag.name
                ),
                flag.column,
                flag.width,
            )),
        }
    }
}
