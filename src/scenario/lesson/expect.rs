//! What a lesson checks after a step's wait (`expect ...`): facts about the live run, each
//! with what was seen, so a failing check says why.

use super::node_ref::{NodeRef, leader_commit, role_word, running_raft};
use crate::raft::types::NodeId;
use crate::sim::cluster::Sim;

/// One `expect` line: a check, possibly negated (`expect not key mykey = 1`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expect {
    /// Where it was written.
    pub line: usize,
    /// The check's words as written (after `expect`), for reports.
    pub text: String,
    /// True for `expect not ...`.
    pub negated: bool,
    /// What is checked.
    pub check: Check,
}

/// A fact about the run after a step's wait.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    /// This node leads (`None`: nobody leads).
    Leader(Option<NodeId>),
    /// The highest term of any running node, or (with `on`) one node's term.
    Term(u64, Option<NodeRef>),
    /// A key's value on a node's store (`None` value: the key is absent); the node is the
    /// leader unless named with `on`.
    Key {
        /// The key.
        key: String,
        /// The value it should have; `None`: it should be absent.
        value: Option<String>,
        /// Whose store.
        on: NodeRef,
    },
    /// The leader's commit index is at least this.
    Committed(u64),
    /// A monitor fired (this one, when a number is given).
    MonitorFired(Option<u64>),
    /// No monitor fired.
    MonitorQuiet,
    /// A node's role, or `down` / `paused`.
    Role(NodeRef, String),
    /// A node's log holds an entry at this index with this term.
    Entry {
        /// Whose log.
        node: NodeRef,
        /// The entry's index.
        index: u64,
        /// The term it should have.
        term: u64,
    },
    /// A node's last log index.
    Last(NodeRef, u64),
    /// A node's log starts after this index (the prefix is in a snapshot).
    Compacted(NodeRef, u64),
    /// Some event in the trace's window reads like this (`n2 rejected append from 3`): for
    /// what leaves no state behind, like a refused message.
    Event(String),
    /// A node's applied configuration as the trace writes it: `voters=(1 2 3)`, joint
    /// `voters=(3 4 5)&&(1 2 3)`, with `learners=(..)` when there are any.
    Config(NodeRef, String),
    /// The linearizability checker's verdict on the clients' history: `ok`, `violation` or
    /// `unknown` (what the page's History panel shows).
    History(String),
    /// The newest operation of a client: its answer (and a watch's events) contains this text,
    /// the answer's lines joined by ` | `.
    Answer {
        /// The client's id.
        client: u64,
        /// Text the answer should contain.
        text: String,
    },
}

/// How much of a matching trace event a report shows.
const EVENT_CHARS_SHOWN: usize = 80;

/// Role words a `role` check accepts.
const ROLE_WORDS: &[&str] = &[
    "follower",
    "pre-candidate",
    "candidate",
    "leader",
    "down",
    "paused",
];

impl Expect {
    /// Parses the words after `expect`.
    pub fn parse(words: &[&str], line: usize) -> Result<Expect, String> {
        let (negated, rest) = match words.first() {
            Some(&"not") => (true, &words[1..]),
            _ => (false, words),
        };
        Ok(Expect {
            line,
            text: words.join(" "),
            negated,
            check: Check::parse(rest)?,
        })
    }

    /// Whether it passed, and what was seen (for the report).
    pub fn evaluate(&self, sim: &Sim) -> (bool, String) {
        match self.check.observe(sim) {
            Ok((holds, seen)) => (holds != self.negated, seen),
            Err(why) => (false, why),
        }
    }
}

impl Check {
    fn parse(words: &[&str]) -> Result<Check, String> {
        let number = |i: usize, what: &str| -> Result<u64, String> {
            words
                .get(i)
                .and_then(|w| w.parse().ok())
                .ok_or_else(|| format!("'expect {what}' needs a number at word {}", i + 1))
        };
        let node = |i: usize| -> Result<NodeRef, String> {
            NodeRef::parse(words.get(i).copied().unwrap_or(""))
        };
        let exactly = |count: usize, usage: &str, check: Check| {
            if words.len() == count {
                Ok(check)
            } else {
                Err(format!("like: expect {usage}"))
            }
        };
        match words.first().copied() {
            Some("leader") => match words.get(1).copied() {
                Some("none") => exactly(2, "leader none", Check::Leader(None)),
                _ => match node(1)? {
                    NodeRef::Id(id) => exactly(2, "leader n2", Check::Leader(Some(id))),
                    _ => Err(
                        "'expect leader' takes a fixed node or none, like: expect leader n2".into(),
                    ),
                },
            },
            Some("term") => match words {
                [_, _] => Ok(Check::Term(number(1, "term")?, None)),
                [_, _, "on", node] => Ok(Check::Term(number(1, "term")?, Some(NodeRef::parse(node)?))),
                _ => Err("like: expect term 3 [on n2]".into()),
            },
            Some("committed") => {
                exactly(2, "committed 2", Check::Committed(number(1, "committed")?))
            }
            Some("monitor") => match (words.get(1).copied(), words.len()) {
                (Some("fired"), 2) => Ok(Check::MonitorFired(None)),
                (Some("fired"), 3) => Ok(Check::MonitorFired(Some(number(2, "monitor fired")?))),
                (Some("quiet"), 2) => Ok(Check::MonitorQuiet),
                _ => Err("like: expect monitor fired [N] | expect monitor quiet".into()),
            },
            Some("role") => {
                let role = words.get(2).copied().unwrap_or("");
                if !ROLE_WORDS.contains(&role) {
                    return Err(format!(
                        "'expect role NODE ROLE': the role is one of {}",
                        ROLE_WORDS.join(", ")
                    ));
                }
                exactly(3, "role n2 follower", Check::Role(node(1)?, role.into()))
            }
            Some("entry") => {
                let check = Check::Entry {
                    node: node(1)?,
                    index: number(2, "entry")?,
                    term: number(4, "entry")?,
                };
                if words.get(3) != Some(&"term") {
                    return Err("like: expect entry n2 3 term 2".into());
                }
                exactly(5, "entry n2 3 term 2", check)
            }
            Some("last") => exactly(3, "last n2 4", Check::Last(node(1)?, number(2, "last")?)),
            Some("compacted") => exactly(
                3,
                "compacted n2 10",
                Check::Compacted(node(1)?, number(2, "compacted")?),
            ),
            Some("key") => parse_key(&words[1..]),
            Some("event") if words.len() > 1 => Ok(Check::Event(words[1..].join(" "))),
            Some("config") if words.len() > 2 => {
                Ok(Check::Config(node(1)?, words[2..].join(" ")))
            }
            Some("history") => match words {
                [_, verdict @ ("ok" | "violation" | "unknown")] => {
                    Ok(Check::History(verdict.to_string()))
                }
                _ => Err("like: expect history ok | violation | unknown".into()),
            },
            Some("answer") => {
                let client = number(1, "answer")?;
                if words.get(2) != Some(&"contains") || words.len() < 4 {
                    return Err("like: expect answer 1 contains myvalue".into());
                }
                Ok(Check::Answer {
                    client,
                    text: words[3..].join(" "),
                })
            }
            _ => Err(
                "expect one of: leader nN|none, term N [on NODE], key K = V [on NODE], key K absent \
                      [on NODE], committed N, monitor fired [N], monitor quiet, role NODE ROLE, \
                      entry NODE INDEX term T, last NODE INDEX, compacted NODE INDEX, config NODE TEXT, event TEXT, history VERDICT, \
                      answer C contains TEXT (any of them after 'not')"
                    .into(),
            ),
        }
    }

    /// Whether the check holds and what was seen; `Err` when it cannot be judged (no leader).
    fn observe(&self, sim: &Sim) -> Result<(bool, String), String> {
        match self {
            Check::Leader(want) => {
                let leader = sim.leader();
                let seen = leader.map_or("no leader".into(), |l| format!("leader n{l}"));
                Ok((leader == *want, seen))
            }
            Check::Term(term, None) => {
                let seen = sim
                    .nodes()
                    .values()
                    .filter_map(|n| n.raft().map(|r| r.raft().term().0))
                    .max()
                    .ok_or("no node is running")?;
                Ok((seen == *term, format!("term {seen}")))
            }
            Check::Term(term, Some(node)) => {
                let id = node.resolve(sim)?;
                let seen = running_raft(sim, id)?.term().0;
                Ok((seen == *term, format!("n{id} term {seen}")))
            }
            Check::Committed(index) => {
                let seen = leader_commit(sim).ok_or("no leader")?;
                Ok((seen >= *index, format!("commit {seen}")))
            }
            Check::MonitorFired(number) => Ok(match sim.violation() {
                None => (false, "no monitor fired".into()),
                Some(v) => {
                    let fired = v.invariant.split(' ').next().and_then(|n| n.parse().ok());
                    let holds = number.is_none() || fired == *number;
                    (holds, format!("monitor {}", v.invariant))
                }
            }),
            Check::MonitorQuiet => Ok(match sim.violation() {
                None => (true, "no monitor fired".into()),
                Some(v) => (false, format!("monitor {}", v.invariant)),
            }),
            Check::Role(node, role) => {
                let id = node.resolve(sim)?;
                let seen = role_word(sim, id)?;
                Ok((seen == *role, format!("n{id} {seen}")))
            }
            Check::Entry { node, index, term } => {
                let id = node.resolve(sim)?;
                let log = running_raft(sim, id)?.log();
                let seen = log.term(crate::raft::types::Index(*index));
                let words = seen.map_or(format!("n{id} has no entry {index}"), |t| {
                    format!("n{id} entry {index} term {}", t.0)
                });
                Ok((seen.map(|t| t.0) == Some(*term), words))
            }
            Check::Last(node, index) => {
                let id = node.resolve(sim)?;
                let last = running_raft(sim, id)?.log().last_index().0;
                Ok((last == *index, format!("n{id} last {last}")))
            }
            Check::Compacted(node, index) => {
                let id = node.resolve(sim)?;
                let first = running_raft(sim, id)?.log().first_index().0;
                Ok((first > *index, format!("n{id} log starts at {first}")))
            }
            Check::Key { key, value, on } => {
                let id = on.resolve(sim)?;
                let node = sim
                    .nodes()
                    .get(&id)
                    .ok_or(format!("there is no node n{id}"))?;
                let found = node
                    .app
                    .kv()
                    .store()
                    .live()
                    .find(|kv| kv.key == key.as_bytes())
                    .map(|kv| String::from_utf8_lossy(&kv.value).into_owned());
                let seen = match &found {
                    Some(v) => format!("{key} = {v} on n{id}"),
                    None => format!("{key} absent on n{id}"),
                };
                Ok((found == *value, seen))
            }
            Check::Event(text) => {
                let found = sim
                    .trace()
                    .events()
                    .map(|e| e.to_string())
                    .find(|line| line.contains(text.as_str()));
                // Messages carry whole entries: the report shows the start, enough to see which.
                Ok(match found {
                    Some(line) if line.chars().count() > EVENT_CHARS_SHOWN => (
                        true,
                        line.chars()
                            .take(EVENT_CHARS_SHOWN)
                            .chain("...".chars())
                            .collect(),
                    ),
                    Some(line) => (true, line),
                    None => (false, "no such event".into()),
                })
            }
            Check::Config(node, want) => {
                let id = node.resolve(sim)?;
                let conf = running_raft(sim, id)?.tracker().config.to_conf_state();
                let seen = crate::raft::message::describe_conf_state(&conf);
                Ok((seen == *want, format!("n{id} {seen}")))
            }
            Check::History(want) => {
                let (verdict, _) = crate::sim::history::check_clients(sim.ops())?;
                let seen = verdict.name();
                Ok((seen == want, format!("history {seen}")))
            }
            Check::Answer { client, text } => {
                let op = sim
                    .ops()
                    .values()
                    .rev()
                    .find(|op| op.client == *client)
                    .ok_or(format!("client {client} sent nothing"))?;
                // Lines read as ` | `, so one line of a lesson can check an order of lines.
                let output = op.output.trim_end().replace('\n', " | ");
                Ok((
                    output.contains(text.as_str()),
                    format!("c{client}: {output}"),
                ))
            }
        }
    }
}

/// `key K = V [on NODE]` or `key K absent [on NODE]`.
fn parse_key(words: &[&str]) -> Result<Check, String> {
    const USAGE: &str = "like: expect key mykey = myvalue [on n2] | expect key mykey absent";
    let (words, on) = match words {
        [head @ .., "on", node] => (head, NodeRef::parse(node)?),
        _ => (words, NodeRef::Leader),
    };
    match words {
        [key, "=", value] => Ok(Check::Key {
            key: key.to_string(),
            value: Some(value.to_string()),
            on,
        }),
        [key, "absent"] => Ok(Check::Key {
            key: key.to_string(),
            value: None,
            on,
        }),
        _ => Err(USAGE.into()),
    }
}
