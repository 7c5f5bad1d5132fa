//! One lesson step as the page plays it: only what needs a live run (the fresh run's config,
//! the setup and task action lines, the wait and its limit), written as a few lines of text.
//!
//! The page's first wasm module plays a step but does not parse lessons: the parser and the
//! lesson's JSON are the on-demand module's (tools-wasm/), which writes each step's plan once
//! when a lesson starts. Reading a plan is a line split and [`Condition::parse`], far smaller
//! than the lesson parser it replaces in the first download. The format is internal to the two
//! modules (both built from this file), one item a line, never user-facing:
//!
//! ```text
//! line 12
//! limit 30000
//! restart {"seed":"7","voters":3,...}
//! act 14 crash leader
//! do 15 restart n2
//! wait 16 leader n2
//! ```
//!
//! `restart` (the step's own `cluster`: its config as JSON), `act` (any number), `do` and
//! `wait` are optional; an action line or a wait keeps the lesson line it was written on, for
//! the errors a learner sees.

use super::condition::Condition;
use super::{Step, Template};
use crate::sim::config::SimConfig;

/// A step's part that is played against the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepPlan {
    /// The line of the step's `step` command.
    pub line: usize,
    /// A fresh run with this config starts before the acts.
    pub restart: Option<SimConfig>,
    /// Setup action lines, taken when the step starts.
    pub acts: Vec<Template>,
    /// The learner's task's action line.
    pub task: Option<Template>,
    /// What the step runs until, with its line.
    pub wait: Option<(usize, Condition)>,
    /// The most virtual ms the wait may take.
    pub limit_ms: u64,
}

impl StepPlan {
    /// The plan of a parsed step.
    pub fn of(step: &Step) -> StepPlan {
        StepPlan {
            line: step.line,
            restart: step.restart.clone(),
            acts: step.acts.clone(),
            task: step.task.as_ref().map(|task| task.action.clone()),
            wait: step.wait.clone().map(|wait| (step.wait_line, wait)),
            limit_ms: step.limit_ms,
        }
    }

    /// The plan as text (the module comment's format).
    pub fn to_text(&self) -> String {
        let mut out = format!("line {}\nlimit {}\n", self.line, self.limit_ms);
        if let Some(config) = &self.restart {
            // A config always serializes; an empty line would be refused when read.
            let json = serde_json::to_string(config).unwrap_or_default();
            out.push_str(&format!("restart {json}\n"));
        }
        for act in &self.acts {
            out.push_str(&format!("act {} {}\n", act.line, act.text));
        }
        if let Some(task) = &self.task {
            out.push_str(&format!("do {} {}\n", task.line, task.text));
        }
        if let Some((line, wait)) = &self.wait {
            out.push_str(&format!("wait {line} {}\n", wait.source_words()));
        }
        out
    }

    /// Reads a plan [`StepPlan::to_text`] wrote; anything else is an error in words.
    pub fn parse(text: &str) -> Result<StepPlan, String> {
        let mut plan = StepPlan {
            line: 0,
            restart: None,
            acts: Vec::new(),
            task: None,
            wait: None,
            limit_ms: 0,
        };
        for item in text.lines().filter(|item| !item.is_empty()) {
            let bad = || format!("not a lesson step plan: '{item}'");
            let (key, rest) = item.split_once(' ').ok_or_else(bad)?;
            let number = |word: &str| word.parse::<u64>().map_err(|_| bad());
            let lined = || -> Result<Template, String> {
                let (line, text) = rest.split_once(' ').ok_or_else(bad)?;
                Ok(Template {
                    line: number(line)? as usize,
                    text: text.to_string(),
                })
            };
            match key {
                "line" => plan.line = number(rest)? as usize,
                "limit" => plan.limit_ms = number(rest)?,
                "restart" => {
                    let config = crate::json_text::from_text(rest)
                        .map_err(|e| format!("a lesson step plan's config: {e}"))?;
                    plan.restart = Some(config);
                }
                "act" => plan.acts.push(lined()?),
                "do" => plan.task = Some(lined()?),
                "wait" => {
                    let Template { line, text } = lined()?;
                    let words: Vec<&str> = text.split_whitespace().collect();
                    plan.wait = Some((line, Condition::parse(&words)?));
                }
                _ => return Err(bad()),
            }
        }
        Ok(plan)
    }
}
