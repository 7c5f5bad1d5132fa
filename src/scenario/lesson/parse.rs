//! The lesson text format: one command per line, checked as far as it can be without a run.
//! Every error names its line, because the author's loop is "edit, `raftlab run`, read the
//! first error".

use super::condition::Condition;
use super::expect::Expect;
use super::{
    CONTROLS, Highlight, LIMIT_MS_DEFAULT, LIMIT_MS_MAX, Lesson, MESSAGE_KINDS, PANELS, Predict,
    Step, Task, Template,
};
use crate::scenario::sim_script::{action_from_line, config_from_line};
use crate::sim::config::SimConfig;

pub use crate::scenario::script::ParseError;

/// Bound on a lesson's size, so hostile text cannot make the parser (or the page) work long.
pub const TEXT_BYTES_MAX: usize = 256 * 1024;
/// Bound on one line's length.
pub const LINE_CHARS_MAX: usize = 2_000;
/// Bound on the number of steps.
pub const STEPS_MAX: usize = 50;
/// A step's captions together hold at most this many sentences (LESSONS.md: one idea each).
pub const SENTENCES_MAX: usize = 2;

/// What the header (before the first `step`) has said so far.
#[derive(Default)]
struct Header {
    name: Option<String>,
    title: Option<String>,
    config: Option<SimConfig>,
    controls: Option<Option<Vec<String>>>,
    panels: Option<Option<Vec<String>>>,
    summary: Option<String>,
}

/// A step being read, with the lines of what must be checked when it ends.
struct Draft {
    step: Step,
    predict_line: Option<usize>,
    choices: Vec<(String, bool)>,
    reveal: Option<String>,
    limit_line: Option<usize>,
}

/// Parses a lesson (see the module docs of [`super`] and docs/lessons.md).
pub fn parse(text: &str) -> Result<Lesson, ParseError> {
    if text.len() > TEXT_BYTES_MAX {
        return Err(error(
            1,
            format!("a lesson is at most {TEXT_BYTES_MAX} bytes"),
        ));
    }
    let mut header = Header::default();
    let mut steps: Vec<Step> = Vec::new();
    let mut draft: Option<Draft> = None;
    let mut seen_command = false;
    for (at, raw) in text.lines().enumerate() {
        let line = at + 1;
        if raw.chars().count() > LINE_CHARS_MAX {
            return Err(error(
                line,
                format!("a line is at most {LINE_CHARS_MAX} characters"),
            ));
        }
        let content = strip_comment(raw).trim();
        if content.is_empty() {
            continue;
        }
        let (command, rest) = match content.split_once(char::is_whitespace) {
            Some((command, rest)) => (command, rest.trim()),
            None => (content, ""),
        };
        if !seen_command && command != "lesson" {
            return Err(error(line, "a lesson starts with 'lesson NAME'".into()));
        }
        seen_command = true;
        let result = match draft.as_mut() {
            _ if command == "step" => {
                if let Some(done) = draft.take() {
                    steps.push(finish_step(done)?);
                }
                if steps.len() >= STEPS_MAX {
                    return Err(error(
                        line,
                        format!("a lesson has at most {STEPS_MAX} steps"),
                    ));
                }
                draft = Some(new_step(line, rest));
                Ok(())
            }
            None => header_command(&mut header, command, rest),
            Some(draft) => step_command(draft, command, rest, line),
        };
        result.map_err(|message| error(line, message))?;
        if let Some(draft) = draft.as_ref()
            && draft.step.title.is_empty()
        {
            return Err(error(line, "a step needs a title: step TITLE".into()));
        }
    }
    if let Some(done) = draft.take() {
        steps.push(finish_step(done)?);
    }
    finish_lesson(header, steps, text.lines().count().max(1))
}

/// Whether `text` is a lesson rather than a scenario script: its first command is `lesson`.
pub fn looks_like_lesson(text: &str) -> bool {
    text.lines()
        .map(|l| strip_comment(l).trim())
        .find(|l| !l.is_empty())
        .is_some_and(|l| l.split_whitespace().next() == Some("lesson"))
}

fn error(line: usize, message: String) -> ParseError {
    ParseError { line, message }
}

/// Drops a comment: a whole `#` line, or `#` after a space.
fn strip_comment(line: &str) -> &str {
    if line.trim_start().starts_with('#') {
        return "";
    }
    match line.find(" #").or_else(|| line.find("\t#")) {
        Some(at) => &line[..at],
        None => line,
    }
}

fn header_command(header: &mut Header, command: &str, rest: &str) -> Result<(), String> {
    let once = |taken: bool| {
        if taken {
            Err(format!("'{command}' may appear only once"))
        } else {
            Ok(())
        }
    };
    match command {
        "lesson" => {
            once(header.name.is_some())?;
            let valid = !rest.is_empty()
                && rest.len() <= 64
                && rest
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !valid {
                return Err(format!(
                    "a lesson's name is 1 to 64 of a-z, 0-9 and '-', got '{rest}'"
                ));
            }
            header.name = Some(rest.into());
        }
        "title" => {
            once(header.title.is_some())?;
            header.title = Some(non_empty(rest, "title TEXT")?);
        }
        "cluster" => {
            once(header.config.is_some())?;
            header.config = Some(config_from_line(&format!("cluster {rest}"))?);
        }
        "controls" => {
            once(header.controls.is_some())?;
            header.controls = Some(name_list(rest, CONTROLS, "control")?);
        }
        "panels" => {
            once(header.panels.is_some())?;
            header.panels = Some(name_list(rest, PANELS, "panel")?);
        }
        "summary" => {
            once(header.summary.is_some())?;
            header.summary = Some(non_empty(rest, "summary TEXT")?);
        }
        "say" | "highlight" | "act" | "wait" | "limit" | "do" | "predict" | "choice" | "reveal"
        | "expect" => {
            return Err(format!(
                "'{command}' belongs in a step: write 'step TITLE' first"
            ));
        }
        other => return Err(unknown(other)),
    }
    Ok(())
}

fn unknown(command: &str) -> String {
    format!(
        "unknown command '{command}' (lesson, title, cluster, controls, panels, summary, step, \
         say, highlight, act, wait, limit, do, predict, choice, reveal, expect)"
    )
}

fn non_empty(rest: &str, usage: &str) -> Result<String, String> {
    if rest.is_empty() {
        Err(format!("like: {usage}"))
    } else {
        Ok(rest.to_string())
    }
}

/// `all` (None), `none` (empty), or a list of known names separated by commas or spaces.
fn name_list(rest: &str, known: &[&str], what: &str) -> Result<Option<Vec<String>>, String> {
    match rest {
        "" | "all" => return Ok(None),
        "none" => return Ok(Some(Vec::new())),
        _ => {}
    }
    let mut names: Vec<String> = Vec::new();
    for name in rest.split([',', ' ']).filter(|n| !n.is_empty()) {
        if !known.contains(&name) {
            return Err(format!(
                "unknown {what} '{name}' (all, none, or: {})",
                known.join(", ")
            ));
        }
        if !names.iter().any(|n| n == name) {
            names.push(name.into());
        }
    }
    Ok(Some(names))
}

fn new_step(line: usize, title: &str) -> Draft {
    Draft {
        step: Step {
            line,
            title: title.into(),
            captions: Vec::new(),
            highlight: Highlight::default(),
            restart: None,
            acts: Vec::new(),
            task: None,
            predict: None,
            wait: None,
            wait_line: 0,
            limit_ms: LIMIT_MS_DEFAULT,
            expects: Vec::new(),
        },
        predict_line: None,
        choices: Vec::new(),
        reveal: None,
        limit_line: None,
    }
}

fn step_command(draft: &mut Draft, command: &str, rest: &str, line: usize) -> Result<(), String> {
    let step = &mut draft.step;
    let words: Vec<&str> = rest.split_whitespace().collect();
    match command {
        "say" => step.captions.push(non_empty(rest, "say TEXT")?),
        "highlight" => highlight(&mut step.highlight, &words)?,
        "cluster" => {
            if step.restart.is_some() || !step.acts.is_empty() {
                return Err("a step's 'cluster' (a fresh run) comes once, before its acts".into());
            }
            step.restart = Some(config_from_line(&format!("cluster {rest}"))?);
        }
        "act" => step.acts.push(template(rest, line)?.0),
        "do" => {
            if step.task.is_some() {
                return Err("a step has at most one 'do'".into());
            }
            let (action, label) = rest
                .split_once('|')
                .map(|(a, l)| (a.trim(), l.trim()))
                .filter(|(a, l)| !a.is_empty() && !l.is_empty())
                .ok_or("like: do crash leader | Crash the leader")?;
            let (action, kind) = template(action, line)?;
            step.task = Some(Task {
                action,
                label: label.into(),
                kind,
            });
        }
        "wait" => {
            if step.wait.is_some() {
                return Err("a step has at most one 'wait'".into());
            }
            step.wait = Some(Condition::parse(&words)?);
            step.wait_line = line;
        }
        "limit" => {
            if draft.limit_line.is_some() {
                return Err("a step has at most one 'limit'".into());
            }
            step.limit_ms = match words[..] {
                [ms] => ms.parse().ok().filter(|ms| (1..=LIMIT_MS_MAX).contains(ms)),
                _ => None,
            }
            .ok_or(format!(
                "like: limit 20000 (virtual ms, 1 to {LIMIT_MS_MAX})"
            ))?;
            draft.limit_line = Some(line);
        }
        "predict" => {
            if draft.predict_line.is_some() {
                return Err("a step has at most one 'predict'".into());
            }
            draft.predict_line = Some(line);
            step.predict = Some(Predict {
                question: non_empty(rest, "predict QUESTION")?,
                choices: Vec::new(),
                answer: 0,
                reveal: String::new(),
            });
        }
        "choice" => {
            if draft.predict_line.is_none() {
                return Err("'choice' follows a 'predict' in the same step".into());
            }
            let (text, correct) = match rest.strip_suffix(" correct") {
                Some(text) => (text.trim(), true),
                None => (rest, false),
            };
            draft
                .choices
                .push((non_empty(text, "choice TEXT [correct]")?, correct));
        }
        "reveal" => {
            if draft.predict_line.is_none() {
                return Err("'reveal' follows a 'predict' in the same step".into());
            }
            if draft.reveal.is_some() {
                return Err("a step has at most one 'reveal'".into());
            }
            draft.reveal = Some(non_empty(rest, "reveal TEXT")?);
        }
        "expect" => step.expects.push(Expect::parse(&words, line)?),
        "lesson" | "title" | "controls" | "panels" | "summary" => {
            return Err(format!("'{command}' belongs before the first step"));
        }
        other => return Err(unknown(other)),
    }
    Ok(())
}

/// `timers`, `node N|leader`, `messages KIND...`, `entry INDEX`.
fn highlight(highlight: &mut Highlight, words: &[&str]) -> Result<(), String> {
    const USAGE: &str = "highlight timers | node N | node leader | messages KIND... | entry INDEX";
    match words {
        ["timers"] => highlight.timers = true,
        ["node", "leader"] => highlight.leader = true,
        ["node", id] => {
            let id = id
                .strip_prefix('n')
                .unwrap_or(id)
                .parse::<u64>()
                .ok()
                .filter(|id| (1..=crate::sim::config::NODES_MAX).contains(id))
                .ok_or(format!("like: {USAGE}"))?;
            highlight.nodes.push(id);
        }
        ["messages", kinds @ ..] if !kinds.is_empty() => {
            for kind in kinds {
                if !MESSAGE_KINDS.iter().any(|(k, _)| k == kind) {
                    let known: Vec<&str> = MESSAGE_KINDS.iter().map(|(k, _)| *k).collect();
                    return Err(format!(
                        "unknown message kind '{kind}' (known: {})",
                        known.join(", ")
                    ));
                }
                highlight.message_kinds.push(kind.to_string());
            }
        }
        ["entry", index] => highlight
            .indexes
            .push(index.parse().map_err(|_| format!("like: {USAGE}"))?),
        _ => return Err(format!("like: {USAGE}")),
    }
    Ok(())
}

/// An action template checked by parsing it with every node word standing for n1: its kind
/// comes back, and a typo is an error at its line instead of at run time.
fn template(text: &str, line: usize) -> Result<(Template, String), String> {
    let trial = super::player::substitute(text, &mut |_| Ok(crate::raft::types::NodeId(1)))?;
    let action = action_from_line(&trial)?;
    let kind = serde_json::to_value(&action)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(String::from))
        .unwrap_or_default();
    Ok((
        Template {
            line,
            text: text.into(),
        },
        kind,
    ))
}

/// The checks that need the whole step.
fn finish_step(draft: Draft) -> Result<Step, ParseError> {
    let mut step = draft.step;
    let at = |message: String| error(step.line, format!("step '{}': {message}", step.title));
    if step.captions.is_empty() {
        return Err(at("a step needs at least one 'say'".into()));
    }
    let sentences = sentence_count(&step.captions.join(" "));
    if sentences > SENTENCES_MAX {
        return Err(at(format!(
            "its captions have {sentences} sentences; a step says at most {SENTENCES_MAX}"
        )));
    }
    if let (Some(line), None) = (draft.limit_line, &step.wait) {
        return Err(error(
            line,
            "'limit' bounds a 'wait'; this step has none".into(),
        ));
    }
    if let Some(Condition::Time(ms)) = step.wait
        && ms > step.limit_ms
    {
        return Err(at(format!(
            "'wait time {ms}' is longer than the step's limit of {} ms",
            step.limit_ms
        )));
    }
    if let (Some(predict), Some(line)) = (step.predict.as_mut(), draft.predict_line) {
        let correct: Vec<usize> = (0..draft.choices.len())
            .filter(|&i| draft.choices[i].1)
            .collect();
        predict.answer = match (&correct[..], &draft.reveal, &step.wait) {
            _ if !(2..=3).contains(&draft.choices.len()) => {
                Err("a prediction has two or three choices")
            }
            ([answer], Some(_), Some(_)) => Ok(*answer),
            ([_], None, _) => Err("a prediction needs a 'reveal'"),
            ([_], Some(_), None) => {
                Err("a prediction is answered by running: the step needs a 'wait'")
            }
            _ => Err("a prediction has exactly one choice marked 'correct'"),
        }
        .map_err(|problem| error(line, problem.into()))?;
        predict.choices = draft.choices.into_iter().map(|(text, _)| text).collect();
        predict.reveal = draft.reveal.unwrap_or_default();
    }
    Ok(step)
}

fn finish_lesson(header: Header, steps: Vec<Step>, last_line: usize) -> Result<Lesson, ParseError> {
    let missing = |what: &str| error(last_line, format!("the lesson has no '{what}' line"));
    let name = header.name.ok_or_else(|| missing("lesson NAME"))?;
    let title = header.title.ok_or_else(|| missing("title"))?;
    let config = header.config.ok_or_else(|| missing("cluster"))?;
    let summary = header.summary.ok_or_else(|| missing("summary"))?;
    if steps.is_empty() {
        return Err(error(last_line, "the lesson has no steps".into()));
    }
    Ok(Lesson {
        name,
        title,
        config,
        controls: header.controls.unwrap_or(None),
        panels: header.panels.unwrap_or(None),
        summary,
        steps,
    })
}

/// Sentences in a caption: ends of `.`, `!` or `?` followed by a space or the end (so
/// `3.5`, `n1.log` and `...x` do not count, `e.g. this` would: captions avoid abbreviations).
/// Text without an end mark is one sentence.
pub fn sentence_count(text: &str) -> usize {
    let chars: Vec<char> = text.trim_end().chars().collect();
    (0..chars.len())
        .filter(|&i| {
            matches!(chars[i], '.' | '!' | '?')
                && chars.get(i + 1).is_none_or(|c| c.is_whitespace())
        })
        .count()
        .max(usize::from(!chars.is_empty()))
}
