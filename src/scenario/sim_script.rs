//! Scenario scripts for the whole simulated cluster: what `raftlab run FILE` executes, what the
//! fuzzer writes to reproduce a failure, and the base of lessons and share links.
//!
//! ```text
//! # Goal: a partitioned leader steps down and the majority elects a new one.
//! cluster voters=3 seed=7
//! ----
//! ok
//!
//! run-until 3000
//! ----
//! n2@0 follower -> n2@0 pre-candidate
//! ...
//! ```
//!
//! After a violation the run is frozen: `run`, `run-until` and `liveness-check` print
//! `frozen: ...` and actions answer `error: the run is frozen ...` (see `Sim::apply_action`).
//! `cluster ... rule-monitors=false` switches off the monitors that restate a rule.
//!
//! Commands: `cluster key=value...` (first), `run MS`, `run-until MS`, `run-to-step STEPS
//! [clock=MS]` (runs events until STEPS simulator steps are done, at most 5,000,000 at once,
//! then moves the clock to MS with nothing run: how a page run's actions are put back between
//! the same two events, see [`replay_script`]), `status`, `leader`,
//! `hash`, `trace-hash`, `in-flight`, `trace`, `expect-no-violation`, `liveness-check MS`, `at MS ACTION`
//! (schedules an action), and one command per [`Action`] (applied now):
//! `crash N`, `restart N`, `pause N`, `resume N`, `fire-timer N`, `partition 1,2 3`,
//! `isolate N`, `heal`, `cut FROM TO`, `restore FROM TO`, `link FROM TO latency=A..B loss=PPM
//! dup=PPM`, `default-link latency=A..B loss=PPM dup=PPM`, `hold M`, `release M`, `drop M`,
//! `deliver-now M`, `propose N DATA`, `transfer-leader N TO`, `compact N`, `read-index N`,
//! `add-voter N via=V`, `add-learner N via=V`, `remove N via=V`, `change via=V add-voter=4,5
//! remove=1 add-learner=6 [leave=auto|explicit]` (several changes in one entry: a joint
//! configuration), `leave-joint via=V`, `console client=C node=N
//! ETCDCTL-LINE` (a client sends an etcdctl command), `retry OP node=N`, and `ops` (list client
//! operations with their answers), `check-history` (the linearizability checker's verdict on
//! the clients' history), `export-history [FILE]` (that history as JSON, docs/history-format.md,
//! printed, or written to FILE), and `act-json {...}` (any action as its JSON, for the few
//! that have no plain line: an etcdctl line with an odd quote, say).

use crate::raft::types::NodeId;
use crate::scenario::script::{self, Command, ParseError};
use crate::sim::action::{
    Action, JointLeave, LinkConfigData, MembershipChange, TimedAction, change_config_line,
};
use crate::sim::cluster::Sim;
use crate::sim::config::{SimConfig, UnsafeSwitches};
use crate::sim::fuzz::probe_liveness;
use crate::sim::monitor::Violation;
use crate::sim::network::LinkConfig;
use crate::sim::queue::TimeMs;
use crate::sim::trace::TraceKind;

/// Bound on simulator steps for one `run` command.
const STEPS_PER_RUN_MAX: u64 = 5_000_000;
/// Bound on how far one `run` may go.
const RUN_MS_MAX: TimeMs = TimeMs(24 * 3600 * 1000);

/// The outcome of running a script.
#[derive(Debug)]
pub struct ScriptRun {
    /// The actual output of every case, in order.
    pub outputs: Vec<String>,
    /// Cases whose output differs from the expected: (line, expected, actual).
    pub mismatches: Vec<(usize, String, String)>,
    /// The first safety violation, if a monitor fired.
    pub violation: Option<Violation>,
    /// The final state hash.
    pub state_hash: Option<u64>,
    /// The whole trace as text.
    pub trace: String,
}

/// Parses and runs a scenario script.
pub fn run_script(text: &str) -> Result<ScriptRun, ParseError> {
    run_script_then(text, |_| ()).map(|(run, ())| run)
}

/// [`run_script`], then `after` looks at the simulator as the script left it (`None` when the
/// script has no `cluster`): how `raftlab run --history` gets the clients' history out.
pub fn run_script_then<T>(
    text: &str,
    after: impl FnOnce(Option<&Sim>) -> T,
) -> Result<(ScriptRun, T), ParseError> {
    let parsed = script::parse(text)?;
    let mut runner = Runner::new();
    let mut outputs = Vec::new();
    let mut mismatches = Vec::new();
    for case in &parsed.cases {
        let output = runner
            .execute(&case.command, &case.raw)
            .map_err(|message| ParseError {
                line: case.command.line,
                message,
            })?;
        if output != case.expected {
            mismatches.push((case.command.line, case.expected.clone(), output.clone()));
        }
        outputs.push(output);
    }
    let (violation, state_hash, trace) = match &runner.sim {
        Some(sim) => (
            sim.violation().cloned(),
            Some(sim.state_hash()),
            sim.trace().to_text(),
        ),
        None => (None, None, String::new()),
    };
    let run = ScriptRun {
        outputs,
        mismatches,
        violation,
        state_hash,
        trace,
    };
    Ok((run, after(runner.sim.as_ref())))
}

/// Rewrites a script with the actual outputs (for `--update` and for generated repros).
pub fn render_with_outputs(text: &str, outputs: &[String]) -> Result<String, ParseError> {
    let mut parsed = script::parse(text)?;
    script::normalize(&mut parsed);
    Ok(script::render(&parsed, outputs))
}

/// Executes script commands one at a time against one simulated cluster; `raftlab console`
/// drives one too, so its dot commands mean exactly what they mean in a script.
pub(crate) struct Runner {
    sim: Option<Sim>,
    /// Ids of the next trace events the `trace` command and the notes have not shown yet.
    trace_cursor: u64,
    role_cursor: u64,
}

impl Runner {
    /// A runner with no cluster yet (the first command must be `cluster`).
    pub(crate) fn new() -> Runner {
        Runner {
            sim: None,
            trace_cursor: 0,
            role_cursor: 0,
        }
    }

    /// The cluster, once `cluster` ran.
    pub(crate) fn cluster(&self) -> Option<&Sim> {
        self.sim.as_ref()
    }

    /// The cluster, mutable, once `cluster` ran.
    pub(crate) fn cluster_mut(&mut self) -> Option<&mut Sim> {
        self.sim.as_mut()
    }

    /// Parses and executes one script command line; the output is what a script would expect
    /// after its `----`.
    pub(crate) fn execute_line(&mut self, line: &str) -> Result<String, String> {
        let command = script::parse_command(line.trim(), 1).map_err(|e| e.message)?;
        self.execute(&command, line.trim())
    }

    fn sim(&mut self) -> Result<&mut Sim, String> {
        self.sim
            .as_mut()
            .ok_or_else(|| "the script must start with 'cluster'".to_string())
    }

    fn execute(&mut self, cmd: &Command, raw: &str) -> Result<String, String> {
        match cmd.name.as_str() {
            "ops" => Ok(ops_listing(self.sim()?)),
            "export-history" if !cmd.positionals().is_empty() => {
                let sim = self.sim()?;
                export_history_file(sim, cmd)
            }
            "export-history" => {
                let sim = self.sim()?;
                let built = crate::sim::history::client_history(sim.ops())?;
                let json = crate::check::to_json(&built.history).trim_end().to_string();
                Ok(match truncated_note(sim) {
                    Some(note) => format!("# {note}; this is the window\n{json}"),
                    None => json,
                })
            }
            "check-history" => {
                let sim = self.sim()?;
                if let Some(note) = truncated_note(sim) {
                    // The first kept reads may see writes that left the window: the checker
                    // would call a correct run non-linearizable, so it does not judge.
                    return Ok(format!("not checked: {note}"));
                }
                let (_, text) = crate::sim::history::check_clients(sim.ops())?;
                Ok(text.trim_end().to_string())
            }
            "cluster" => {
                if self.sim.is_some() {
                    return Err("'cluster' may appear only once".into());
                }
                let config = cluster_config(cmd)?;
                self.sim = Some(Sim::new(config)?);
                Ok("ok".into())
            }
            "run" | "run-until" => {
                let ms = TimeMs(number(cmd, 0)?);
                let sim = self.sim()?;
                let until = if cmd.name == "run" {
                    sim.now_ms().saturating_add(ms)
                } else {
                    ms
                };
                if until.saturating_sub(sim.now_ms()) > RUN_MS_MAX {
                    return Err(format!("cannot run more than {RUN_MS_MAX} ms at once"));
                }
                if let Some(frozen) = frozen(sim) {
                    return Ok(frozen);
                }
                let steps = sim.run_until(until, STEPS_PER_RUN_MAX);
                let capped =
                    steps >= STEPS_PER_RUN_MAX && sim.violation().is_none() && sim.now_ms() < until;
                let stopped_at = sim.now_ms();
                let notes = self.notable_since_last();
                if !capped {
                    return Ok(notes);
                }
                let cap = format!(
                    "stopped at {stopped_at}ms, {} ms short of {until}ms: one command runs at \
                     most {STEPS_PER_RUN_MAX} steps (run again to go on)",
                    until - stopped_at
                );
                Ok(if notes == "ok" {
                    cap
                } else {
                    format!("{notes}\n{cap}")
                })
            }
            "run-to-step" => {
                let target = number(cmd, 0)?;
                let clock = cmd
                    .value("clock")
                    .map(|v| {
                        v.parse().map(TimeMs).map_err(|_| {
                            format!("run-to-step: clock= must be a number of ms, got '{v}'")
                        })
                    })
                    .transpose()?;
                let sim = self.sim()?;
                let from = sim.steps();
                if target < from {
                    return Ok(format!(
                        "error: the run is already at step {from}, past step {target}"
                    ));
                }
                if target - from > STEPS_PER_RUN_MAX {
                    return Err(format!(
                        "run-to-step: one command runs at most {STEPS_PER_RUN_MAX} steps \
                         (from step {from}; write several)"
                    ));
                }
                if target > from
                    && let Some(frozen) = frozen(sim)
                {
                    return Ok(frozen);
                }
                while sim.steps() < target && sim.step() {}
                let mut problems = Vec::new();
                if sim.steps() < target && sim.violation().is_none() {
                    problems.push(format!(
                        "stopped at step {}: nothing left to run before step {target}",
                        sim.steps()
                    ));
                }
                if let Some(ms) = clock
                    && sim.violation().is_none()
                    && !(sim.idle_until(ms) && sim.now_ms() == ms)
                {
                    problems.push(format!(
                        "cannot set the clock to {ms}ms at step {}: it is {}ms and the next \
                         event is due at {}",
                        sim.steps(),
                        sim.now_ms(),
                        sim.next_event_ms()
                            .map_or("never".to_string(), |t| format!("{t}ms"))
                    ));
                }
                let notes = self.notable_since_last();
                if problems.is_empty() {
                    return Ok(notes);
                }
                let problems = problems.join("\n");
                Ok(if notes == "ok" {
                    problems
                } else {
                    format!("{notes}\n{problems}")
                })
            }
            "status" => Ok(status(self.sim()?)),
            "leader" => Ok(self
                .sim()?
                .leader()
                .map_or("none".into(), |l| format!("n{l}"))),
            "hash" => Ok(format!("{:016x}", self.sim()?.state_hash())),
            "trace-hash" => {
                // A running hash: it covers the events that left the trace window too.
                let trace = self.sim()?.trace();
                let hash = trace
                    .text_hash()
                    .map_or("not kept".to_string(), |h| format!("{h:016x}"));
                Ok(format!("{hash} ({} events)", trace.recorded_len()))
            }
            "in-flight" => {
                let sim = self.sim()?;
                let lines: Vec<String> = sim
                    .in_flight()
                    .values()
                    .map(|f| {
                        let held = if f.held { " (held)" } else { "" };
                        format!(
                            "m{} due {}ms {}{held}",
                            f.id,
                            f.due_ms,
                            crate::raft::message::describe_message(&f.message)
                        )
                    })
                    .collect();
                Ok(if lines.is_empty() {
                    "none".into()
                } else {
                    lines.join("\n")
                })
            }
            "trace" => {
                let cursor = self.trace_cursor;
                let sim = self.sim()?;
                let trace = sim.trace();
                let mut lines: Vec<String> = Vec::new();
                if let Some(first) = trace.events().next()
                    && first.id > cursor
                {
                    lines.push(format!(
                        "({} earlier events left the trace window)",
                        first.id - cursor
                    ));
                }
                lines.extend(trace.events_from(cursor).map(|e| e.to_string()));
                self.trace_cursor = trace.next_id();
                Ok(lines.join("\n"))
            }
            "at" => {
                let at_ms = TimeMs(number(cmd, 0)?);
                let inner = shifted(cmd)?;
                let inner_raw = raw.split_whitespace().skip(2).collect::<Vec<_>>().join(" ");
                let action = parse_action(&inner, &inner_raw)?;
                self.sim()?.schedule(&[TimedAction { at_ms, action }]);
                Ok("ok".into())
            }
            "liveness-check" => {
                let ms = TimeMs(number(cmd, 0)?);
                let sim = self.sim()?;
                if let Some(frozen) = frozen(sim) {
                    return Ok(frozen);
                }
                let head = probe_liveness(sim, ms.min(RUN_MS_MAX), STEPS_PER_RUN_MAX).describe();
                let notes = self.notable_since_last();
                Ok(if notes == "ok" {
                    head
                } else {
                    format!("{notes}\n{head}")
                })
            }
            "expect-no-violation" => Ok(match self.sim()?.violation() {
                Some(v) => format!("violation: {v}"),
                None => "ok".into(),
            }),
            _ => {
                let action = parse_action(cmd, raw)?;
                let sim = self.sim()?;
                let result = sim.apply_action(&action);
                let notes = self.notable_since_last();
                let head = match result {
                    Ok(()) => "ok".to_string(),
                    Err(e) => format!("error: {}", e.to_string().trim_end()),
                };
                Ok(if notes == "ok" {
                    head
                } else {
                    format!("{head}\n{notes}")
                })
            }
        }
    }

    /// Role changes, notes and violations since the last call: the story of a run, compact.
    pub(crate) fn notable_since_last(&mut self) -> String {
        let Some(sim) = self.sim.as_ref() else {
            return String::new();
        };
        let lines: Vec<String> = sim
            .trace()
            .events_from(self.role_cursor)
            .filter_map(|e| match &e.kind {
                TraceKind::Role { text, .. } => Some(format!("{}ms {text}", e.at_ms)),
                TraceKind::Note { node, text } if *node != NodeId::NONE => Some(format!(
                    "{}ms n{node}: {text}{}",
                    e.at_ms,
                    answer_continuation(sim, text)
                )),
                TraceKind::Note { text, .. } => Some(format!("{}ms {text}", e.at_ms)),
                TraceKind::Violation { .. } => sim
                    .violation()
                    .map(|v| format!("{}ms VIOLATION {v}\nwhy: {}", e.at_ms, v.explanation)),
                _ => None,
            })
            .collect();
        self.role_cursor = sim.trace().next_id();
        if lines.is_empty() {
            "ok".into()
        } else {
            lines.join("\n")
        }
    }
}

/// The trace's `client cC: opN answered: FIRST-LINE` note carries only the answer's first
/// line (the trace hash covers the trace text, so the note stays as it is); a script shows the
/// rest of the answer under it, each line behind `  | ` (`  |` for a blank line, so the golden
/// block has no blank line). Empty when the answer is one line or the op left the ops window.
fn answer_continuation(sim: &Sim, note: &str) -> String {
    let op = note
        .split_once(": op")
        .and_then(|(_, rest)| rest.split_once(" answered: "))
        .and_then(|(id, _)| id.parse::<u64>().ok())
        .and_then(|id| sim.ops().get(&id));
    let Some(op) = op else {
        return String::new();
    };
    let answer = op.output.get(..op.answer_len).unwrap_or(&op.output);
    let mut text = String::new();
    for line in answer.lines().skip(1) {
        text.push_str("\n  |");
        if !line.is_empty() {
            text.push(' ');
            text.push_str(line);
        }
    }
    text
}

/// After a violation the run is frozen (see `Sim::apply_action`): `run` and `liveness-check`
/// say so instead of printing a misleading "ok".
fn frozen(sim: &Sim) -> Option<String> {
    sim.violation().map(|v| {
        format!(
            "frozen: the run stopped at the violation of monitor {} at {}ms; nothing more happens",
            v.invariant, v.at_ms
        )
    })
}

/// Why the clients' history is incomplete, if operations left the ops window.
fn truncated_note(sim: &Sim) -> Option<String> {
    let forgotten = sim.ops_forgotten();
    (forgotten > 0).then(|| {
        format!(
            "history truncated: the {forgotten} earliest finished operations left the operations window (ops-window={}; 0 keeps all)",
            sim.config().ops_window
        )
    })
}

/// `export-history FILE`: writes the clients' history to FILE (relative to the working
/// directory) instead of printing it, so a checker outside can read it.
fn export_history_file(sim: &Sim, cmd: &Command) -> Result<String, String> {
    let [path] = cmd.positionals()[..] else {
        return Err("'export-history' takes at most one FILE".into());
    };
    let description = format!(
        "the clients' history of a raftlab scenario script, exported at {} ms",
        sim.now_ms()
    );
    let json = crate::sim::history::history_file(sim.ops(), sim.ops_forgotten(), &description)?;
    std::fs::write(path, json)
        .map_err(|error| format!("export-history: cannot write {path}: {error}"))?;
    Ok(match truncated_note(sim) {
        Some(note) => format!("history written to {path} (# {note}; this is the window)"),
        None => format!("history written to {path}"),
    })
}

/// `at 500 crash 2` -> the command `crash 2`.
pub(crate) fn shifted(cmd: &Command) -> Result<Command, String> {
    let mut args = cmd.args.clone();
    let first_positional =
        |args: &Vec<crate::scenario::script::Arg>| args.iter().position(|a| a.key.is_none());
    // Drop the time, then take the action's name.
    let time_at =
        first_positional(&args).ok_or("'at' needs a time and an action, like: at 500 crash 2")?;
    args.remove(time_at);
    let name_at = first_positional(&args)
        .ok_or("'at' needs an action after the time, like: at 500 crash 2")?;
    let name = args
        .remove(name_at)
        .values
        .first()
        .cloned()
        .unwrap_or_default();
    Ok(Command {
        name,
        args,
        line: cmd.line,
    })
}

pub(crate) fn number(cmd: &Command, position: usize) -> Result<u64, String> {
    let words = cmd.positionals();
    let word = words
        .get(position)
        .ok_or_else(|| format!("'{}' needs argument {}", cmd.name, position + 1))?;
    word.trim_start_matches(['n', 'm'])
        .parse()
        .map_err(|_| format!("'{}': '{word}' is not a number", cmd.name))
}

fn flag(cmd: &Command, key: &str, default: bool) -> Result<bool, String> {
    match cmd.value(key) {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(other) => Err(format!("{key}= must be true or false, got '{other}'")),
    }
}

fn uint(cmd: &Command, key: &str, default: u64) -> Result<u64, String> {
    match cmd.value(key) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| format!("{key}= must be a number, got '{v}'")),
    }
}

pub(crate) fn cluster_config(cmd: &Command) -> Result<SimConfig, String> {
    let d = SimConfig::default();
    let disk_latency = match cmd.value("disk-latency") {
        None => (d.disk_latency_ms_min, d.disk_latency_ms_max),
        Some(range) => {
            let (a, b) = range.split_once("..").unwrap_or((range, range));
            let ms = |v: &str| {
                v.parse()
                    .map(TimeMs)
                    .map_err(|_| format!("disk-latency= must look like 1..3 (ms), got '{range}'"))
            };
            (ms(a)?, ms(b)?)
        }
    };
    Ok(SimConfig {
        seed: uint(cmd, "seed", d.seed)?,
        voters: uint(cmd, "voters", d.voters)?,
        spares: uint(cmd, "spares", d.spares)?,
        tick_ms: TimeMs(uint(cmd, "tick-ms", d.tick_ms.0)?),
        election_timeout_ticks: uint(cmd, "election-ticks", d.election_timeout_ticks)?,
        heartbeat_interval_ticks: uint(cmd, "heartbeat-ticks", d.heartbeat_interval_ticks)?,
        pre_vote: flag(cmd, "prevote", d.pre_vote)?,
        check_quorum: flag(cmd, "checkquorum", d.check_quorum)?,
        lease_reads: flag(cmd, "lease-reads", d.lease_reads)?,
        unsafe_switches: UnsafeSwitches::parse(cmd.values("unsafe").unwrap_or_default())?,
        disk_loses_unsynced: flag(cmd, "disk-lies", d.disk_loses_unsynced)?,
        msg_entries_max: uint(cmd, "msg-entries", d.msg_entries_max)?,
        sessions: flag(cmd, "sessions", d.sessions)?,
        client_timeout_ms: TimeMs(uint(cmd, "client-timeout", d.client_timeout_ms.0)?),
        rule_monitors: flag(cmd, "rule-monitors", d.rule_monitors)?,
        monitors: d.monitors,
        link: LinkConfigData {
            up: flag(cmd, "link-up", d.link.up)?,
            ..link_from(cmd, d.link)?
        },
        disk_latency_ms_min: disk_latency.0,
        disk_latency_ms_max: disk_latency.1,
        record_trace: flag(cmd, "record-trace", d.record_trace)?,
        snapshot_count: uint(cmd, "snapshot-count", d.snapshot_count)?,
        snapshot_catch_up: uint(cmd, "snapshot-catch-up", d.snapshot_catch_up)?,
        mvcc_retention: uint(cmd, "auto-compact", d.mvcc_retention)?,
        trace_window: uint(cmd, "trace-window", d.trace_window)?,
        ops_window: uint(cmd, "ops-window", d.ops_window)?,
    })
}

fn link_from(cmd: &Command, base: LinkConfigData) -> Result<LinkConfigData, String> {
    let mut link = base;
    if let Some(latency) = cmd.value("latency") {
        let (a, b) = latency.split_once("..").unwrap_or((latency, latency));
        link.latency_ms_min = a
            .parse()
            .map(TimeMs)
            .map_err(|_| format!("latency= must look like 10..30, got '{latency}'"))?;
        link.latency_ms_max = b
            .parse()
            .map(TimeMs)
            .map_err(|_| format!("latency= must look like 10..30, got '{latency}'"))?;
    }
    link.loss_ppm = ppm(cmd, "loss", link.loss_ppm)?;
    link.duplicate_ppm = ppm(cmd, "dup", link.duplicate_ppm)?;
    link.validate()?;
    Ok(link)
}

/// A probability in parts per million: 0 to 1,000,000, never silently clamped.
fn ppm(cmd: &Command, key: &str, default: u32) -> Result<u32, String> {
    let value = uint(cmd, key, u64::from(default))?;
    u32::try_from(value)
        .ok()
        .filter(|v| *v <= crate::sim::rng::PPM_ONE)
        .ok_or_else(|| format!("{key}= is in parts per million, 0 to 1000000, got {value}"))
}

/// `console client=1 node=2 put k v` -> the etcdctl line `put k v` (as written, quotes kept).
fn console_line(raw: &str) -> String {
    let mut rest = raw.trim_start();
    rest = rest.strip_prefix("console").unwrap_or(rest).trim_start();
    loop {
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..word_end];
        if word.starts_with("client=") || word.starts_with("node=") {
            rest = rest[word_end..].trim_start();
        } else {
            return rest.to_string();
        }
    }
}

pub(crate) fn parse_action(cmd: &Command, raw: &str) -> Result<Action, String> {
    let node = |i| number(cmd, i).map(NodeId);
    let via = || -> Result<NodeId, String> {
        let v = cmd
            .value("via")
            .ok_or_else(|| format!("'{}' needs via=NODE", cmd.name))?;
        v.trim_start_matches('n')
            .parse()
            .map(NodeId)
            .map_err(|_| format!("via= must be a node number, got '{v}'"))
    };
    Ok(match cmd.name.as_str() {
        "act-json" => {
            let json = raw.trim_start();
            let json = json.strip_prefix("act-json").unwrap_or(json).trim();
            crate::json_text::from_text(json)
                .map_err(|e| format!("act-json: not an action: {e}"))?
        }
        "crash" => Action::Crash { node: node(0)? },
        "restart" => Action::Restart { node: node(0)? },
        "pause" => Action::Pause { node: node(0)? },
        "resume" => Action::Resume { node: node(0)? },
        "fire-timer" => Action::FireTimer { node: node(0)? },
        "isolate" => Action::Isolate { node: node(0)? },
        "heal" => Action::Heal,
        "partition" => {
            let groups = cmd
                .positionals()
                .iter()
                .map(|g| {
                    g.split(',')
                        .map(|n| {
                            n.trim_start_matches('n')
                                .parse::<u64>()
                                .map(NodeId)
                                .map_err(|_| {
                                    format!("partition: '{g}' is not a list of nodes like 1,2")
                                })
                        })
                        .collect::<Result<Vec<NodeId>, String>>()
                })
                .collect::<Result<Vec<_>, String>>()?;
            if groups.is_empty() {
                return Err("partition needs groups, like: partition 1,2 3".into());
            }
            Action::Partition { groups }
        }
        "cut" => Action::SetLinkUp {
            from: node(0)?,
            to: node(1)?,
            up: false,
        },
        "restore" => Action::SetLinkUp {
            from: node(0)?,
            to: node(1)?,
            up: true,
        },
        "link" => Action::SetLink {
            from: node(0)?,
            to: node(1)?,
            link: link_from(cmd, LinkConfig::default().into())?,
        },
        "default-link" => Action::SetDefaultLink {
            link: link_from(cmd, LinkConfig::default().into())?,
        },
        "hold" => Action::Hold {
            message: number(cmd, 0)?,
        },
        "release" => Action::Release {
            message: number(cmd, 0)?,
        },
        "drop" => Action::Drop {
            message: number(cmd, 0)?,
        },
        "deliver-now" => Action::DeliverNow {
            message: number(cmd, 0)?,
        },
        "propose" => {
            let data = cmd
                .positionals()
                .get(1)
                .map(|s| s.to_string())
                .ok_or("propose needs NODE DATA")?;
            Action::Propose {
                node: node(0)?,
                data,
            }
        }
        "transfer-leader" => Action::TransferLeader {
            node: node(0)?,
            to: node(1)?,
        },
        "compact" => Action::Compact { node: node(0)? },
        "read-index" => Action::ReadIndex { node: node(0)? },
        "console" => Action::Console {
            client: uint(cmd, "client", 1)?,
            node: NodeId(uint(cmd, "node", 1)?),
            line: console_line(raw),
        },
        "retry" => Action::Retry {
            op: number(cmd, 0)?,
            node: NodeId(uint(cmd, "node", 1)?),
        },
        "add-voter" => Action::ChangeMembership {
            via: via()?,
            change: MembershipChange::AddVoter { node: node(0)? },
        },
        "add-learner" => Action::ChangeMembership {
            via: via()?,
            change: MembershipChange::AddLearner { node: node(0)? },
        },
        "remove" => Action::ChangeMembership {
            via: via()?,
            change: MembershipChange::Remove { node: node(0)? },
        },
        "change" => {
            let (changes, leave) = config_changes(cmd)?;
            Action::ChangeConfig {
                via: via()?,
                changes,
                leave,
            }
        }
        "leave-joint" => {
            if let Some(extra) = cmd.args.iter().find(|a| a.key.as_deref() != Some("via")) {
                let word = extra.key.clone().unwrap_or_else(|| extra.values.join(","));
                return Err(format!(
                    "leave-joint takes only via=NODE, not '{word}' (like: leave-joint via=1)"
                ));
            }
            Action::LeaveJoint { via: via()? }
        }
        other => return Err(format!("unknown command '{other}'")),
    })
}

/// One action line as a script writes it (`crash 2`, `console client=1 node=2 put k v`,
/// `partition 1,2 3`, ...): the same parser as a script's action commands, so lessons and
/// scripts cannot drift apart. Refuses script-only commands (`run`, `status`, ...).
pub fn action_from_line(line: &str) -> Result<Action, String> {
    let line = line.trim();
    let command = script::parse_command(line, 1).map_err(|e| e.message)?;
    parse_action(&command, line)
}

/// The settings of a `cluster key=value...` line (the same keys as a script's `cluster`),
/// validated.
pub fn config_from_line(line: &str) -> Result<SimConfig, String> {
    let command = script::parse_command(line.trim(), 1).map_err(|e| e.message)?;
    if command.name != "cluster" {
        return Err(format!("expected 'cluster', got '{}'", command.name));
    }
    let config = cluster_config(&command)?;
    config.validate()?;
    Ok(config)
}

/// The changes and the leave mode of `change via=1 add-voter=4,5 remove=1 leave=auto`, in
/// the order written. Refuses an empty change and unknown arguments (the simulator refuses
/// unknown nodes and a node named twice, for actions from any source).
fn config_changes(cmd: &Command) -> Result<(Vec<MembershipChange>, Option<JointLeave>), String> {
    const USAGE: &str = "like: change via=1 add-voter=4,5 remove=1 add-learner=6 leave=auto";
    let mut changes: Vec<MembershipChange> = Vec::new();
    let mut leave = None;
    for arg in &cmd.args {
        let Some(key) = arg.key.as_deref() else {
            let word = arg.values.join(",");
            return Err(format!(
                "change takes key=value arguments, not '{word}' ({USAGE})"
            ));
        };
        let make: fn(NodeId) -> MembershipChange = match key {
            "via" => continue,
            "leave" => {
                leave = Some(match arg.values.first().map(String::as_str) {
                    Some("auto") => JointLeave::Auto,
                    Some("explicit") => JointLeave::Explicit,
                    other => {
                        return Err(format!(
                            "leave= must be auto or explicit, got '{}'",
                            other.unwrap_or("")
                        ));
                    }
                });
                continue;
            }
            "add-voter" => |node| MembershipChange::AddVoter { node },
            "add-learner" => |node| MembershipChange::AddLearner { node },
            "remove" => |node| MembershipChange::Remove { node },
            other => {
                return Err(format!(
                    "change: unknown argument '{other}=' (expected add-voter=, add-learner=, \
                     remove=, leave=, via=)"
                ));
            }
        };
        for value in arg.values.iter().flat_map(|v| v.split(',')) {
            let value = value.trim();
            let node: u64 = value
                .trim_start_matches('n')
                .parse()
                .map_err(|_| format!("{key}= must be a list of nodes like 4,5, got '{value}'"))?;
            changes.push(make(NodeId(node)));
        }
    }
    if changes.is_empty() {
        return Err(format!(
            "change needs at least one of add-voter=, add-learner=, remove= ({USAGE})"
        ));
    }
    Ok((changes, leave))
}

/// The script line for an action (the inverse of `parse_action`).
pub fn action_line(action: &Action) -> String {
    let link_args = |l: &LinkConfigData| {
        format!(
            "latency={}..{} loss={} dup={}",
            l.latency_ms_min, l.latency_ms_max, l.loss_ppm, l.duplicate_ppm
        )
    };
    match action {
        Action::Crash { node } => format!("crash {node}"),
        Action::Restart { node } => format!("restart {node}"),
        Action::Pause { node } => format!("pause {node}"),
        Action::Resume { node } => format!("resume {node}"),
        Action::FireTimer { node } => format!("fire-timer {node}"),
        Action::Isolate { node } => format!("isolate {node}"),
        Action::Heal => "heal".into(),
        Action::Partition { groups } => {
            let groups: Vec<String> = groups
                .iter()
                .filter(|g| !g.is_empty())
                .map(|g| {
                    g.iter()
                        .map(NodeId::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .collect();
            format!("partition {}", groups.join(" "))
        }
        Action::SetLinkUp {
            from,
            to,
            up: false,
        } => format!("cut {from} {to}"),
        Action::SetLinkUp { from, to, up: true } => format!("restore {from} {to}"),
        Action::SetLink { from, to, link } => format!("link {from} {to} {}", link_args(link)),
        Action::SetDefaultLink { link } => format!("default-link {}", link_args(link)),
        Action::Hold { message } => format!("hold {message}"),
        Action::Release { message } => format!("release {message}"),
        Action::Drop { message } => format!("drop {message}"),
        Action::DeliverNow { message } => format!("deliver-now {message}"),
        Action::Propose { node, data } => format!("propose {node} {data:?}"),
        Action::TransferLeader { node, to } => format!("transfer-leader {node} {to}"),
        Action::Compact { node } => format!("compact {node}"),
        Action::ReadIndex { node } => format!("read-index {node}"),
        Action::Console { client, node, line } => {
            format!("console client={client} node={node} {line}")
        }
        Action::Retry { op, node } => format!("retry {op} node={node}"),
        Action::ChangeMembership { via, change } => match change {
            MembershipChange::AddVoter { node } => format!("add-voter {node} via={via}"),
            MembershipChange::AddLearner { node } => format!("add-learner {node} via={via}"),
            MembershipChange::Remove { node } => format!("remove {node} via={via}"),
        },
        Action::ChangeConfig {
            via,
            changes,
            leave,
        } => change_config_line(*via, changes, *leave),
        Action::LeaveJoint { via } => format!("leave-joint via={via}"),
    }
}

/// The `cluster` line that sets up `config` exactly: the seed and the voters, then every
/// setting that differs from [`SimConfig::default`] (the inverse of `cluster_config`).
pub fn cluster_line(config: &SimConfig) -> String {
    let d = SimConfig::default();
    let mut line = format!("cluster seed={} voters={}", config.seed, config.voters);
    let mut arg = |differs: bool, text: String| {
        if differs {
            line.push(' ');
            line.push_str(&text);
        }
    };
    arg(
        config.spares != d.spares,
        format!("spares={}", config.spares),
    );
    arg(
        config.tick_ms != d.tick_ms,
        format!("tick-ms={}", config.tick_ms),
    );
    arg(
        config.election_timeout_ticks != d.election_timeout_ticks,
        format!("election-ticks={}", config.election_timeout_ticks),
    );
    arg(
        config.heartbeat_interval_ticks != d.heartbeat_interval_ticks,
        format!("heartbeat-ticks={}", config.heartbeat_interval_ticks),
    );
    arg(
        config.pre_vote != d.pre_vote,
        format!("prevote={}", config.pre_vote),
    );
    arg(
        config.check_quorum != d.check_quorum,
        format!("checkquorum={}", config.check_quorum),
    );
    arg(
        config.lease_reads != d.lease_reads,
        format!("lease-reads={}", config.lease_reads),
    );
    arg(
        !config.unsafe_switches.is_empty(),
        format!("unsafe=({})", config.unsafe_switches.names().join(",")),
    );
    arg(
        config.msg_entries_max != d.msg_entries_max,
        format!("msg-entries={}", config.msg_entries_max),
    );
    let (l, dl) = (&config.link, &d.link);
    arg(
        (l.latency_ms_min, l.latency_ms_max) != (dl.latency_ms_min, dl.latency_ms_max),
        format!("latency={}..{}", l.latency_ms_min, l.latency_ms_max),
    );
    arg(l.loss_ppm != dl.loss_ppm, format!("loss={}", l.loss_ppm));
    arg(
        l.duplicate_ppm != dl.duplicate_ppm,
        format!("dup={}", l.duplicate_ppm),
    );
    arg(l.up != dl.up, format!("link-up={}", l.up));
    arg(
        (config.disk_latency_ms_min, config.disk_latency_ms_max)
            != (d.disk_latency_ms_min, d.disk_latency_ms_max),
        format!(
            "disk-latency={}..{}",
            config.disk_latency_ms_min, config.disk_latency_ms_max
        ),
    );
    arg(
        config.disk_loses_unsynced != d.disk_loses_unsynced,
        format!("disk-lies={}", config.disk_loses_unsynced),
    );
    arg(
        config.client_timeout_ms != d.client_timeout_ms,
        format!("client-timeout={}", config.client_timeout_ms),
    );
    arg(
        config.sessions != d.sessions,
        format!("sessions={}", config.sessions),
    );
    arg(
        config.record_trace != d.record_trace,
        format!("record-trace={}", config.record_trace),
    );
    arg(
        config.rule_monitors != d.rule_monitors,
        format!("rule-monitors={}", config.rule_monitors),
    );
    arg(
        config.snapshot_count != d.snapshot_count,
        format!("snapshot-count={}", config.snapshot_count),
    );
    arg(
        config.snapshot_catch_up != d.snapshot_catch_up,
        format!("snapshot-catch-up={}", config.snapshot_catch_up),
    );
    arg(
        config.mvcc_retention != d.mvcc_retention,
        format!("auto-compact={}", config.mvcc_retention),
    );
    arg(
        config.trace_window != d.trace_window,
        format!("trace-window={}", config.trace_window),
    );
    arg(
        config.ops_window != d.ops_window,
        format!("ops-window={}", config.ops_window),
    );
    line
}

/// The script command for an action: its [`action_line`] when that reads back as the same
/// action, otherwise `act-json` with the action as JSON (an etcdctl line with an odd quote or
/// parenthesis, a line break, spaces at either end...). Quotes and parentheses inside the JSON
/// are written as `\u0022`, `\u0028`, `\u0029`, so the script's word splitter sees one
/// balanced string.
pub fn action_command(action: &Action) -> String {
    let line = action_line(action);
    let reads_back = script::parse(&format!("{line}\n----\n"))
        .ok()
        .filter(|parsed| parsed.cases.len() == 1)
        .and_then(|parsed| {
            let case = &parsed.cases[0];
            parse_action(&case.command, &case.raw).ok()
        })
        .is_some_and(|back| &back == action);
    if reads_back {
        return line;
    }
    let json = serde_json::to_string(action).unwrap_or_default();
    let mut escaped = String::with_capacity(json.len());
    let mut in_string = false;
    let mut after_backslash = false;
    for ch in json.chars() {
        if in_string {
            match ch {
                _ if after_backslash => {
                    after_backslash = false;
                    if ch == '"' {
                        // `\"` inside a string: write the quote as an escape of its own.
                        escaped.pop();
                        escaped.push_str("\\u0022");
                        continue;
                    }
                }
                '\\' => after_backslash = true,
                '"' => in_string = false,
                '(' => {
                    escaped.push_str("\\u0028");
                    continue;
                }
                ')' => {
                    escaped.push_str("\\u0029");
                    continue;
                }
                _ => {}
            }
        } else if ch == '"' {
            in_string = true;
        }
        escaped.push(ch);
    }
    format!("act-json {escaped}")
}

/// A script that replays the run of `timeline` exactly, to its current moment: the cluster
/// line, then each applied action right after the step it was taken at (`run-to-step STEPS
/// clock=MS`, then the action), then `run-to-step` to the present and `hash`, whose expected
/// output is the timeline's state hash, so `raftlab run` fails when the replay differs. The
/// other expected outputs are filled in by running the script once here (a replay of the
/// whole run; the cost of one seek from the start). After a seek back, the recorded future
/// is not part of the present and is left out.
pub fn replay_script(timeline: &crate::sim::timeline::Timeline) -> Result<String, String> {
    let sim = timeline.sim();
    let mut text = String::from(
        "# A playground run, replayed exactly: its settings, then every action at the step it \
         was taken.\n# Run it with `raftlab run FILE`: it fails when an output or the final \
         state hash differs.\n",
    );
    text.push_str(&cluster_line(sim.config()));
    text.push_str("\n----\n\n");
    let mut at = (0u64, TimeMs::ZERO);
    let mut run_to = |text: &mut String, step: u64, ms: TimeMs| {
        if (step, ms) == at {
            return;
        }
        // One command runs at most STEPS_PER_RUN_MAX events: long stretches take several.
        while step - at.0.min(step) > STEPS_PER_RUN_MAX {
            at.0 += STEPS_PER_RUN_MAX;
            text.push_str(&format!("run-to-step {}\n----\n\n", at.0));
        }
        text.push_str(&format!("run-to-step {step} clock={ms}\n----\n\n"));
        at = (step, ms);
    };
    for recorded in timeline.applied_actions() {
        run_to(&mut text, recorded.at_step, recorded.at_ms);
        text.push_str(&action_command(&recorded.action));
        text.push_str("\n----\n\n");
    }
    run_to(&mut text, sim.steps(), sim.now_ms());
    text.push_str("hash\n----\n");
    let run = run_script(&text).map_err(|e| format!("the replay script does not run: {e}"))?;
    let mut outputs = run.outputs;
    if let Some(last) = outputs.last_mut() {
        *last = format!("{:016x}", sim.state_hash());
    }
    render_with_outputs(&text, &outputs).map_err(|e| e.to_string())
}

/// A script that replays `config` and `actions` exactly (they are scheduled up front, as the
/// fuzzer does), runs to `until_ms`, optionally runs the fuzzer's liveness check, and expects
/// no violation.
pub fn script_for(
    config: &SimConfig,
    actions: &[TimedAction],
    until_ms: TimeMs,
    liveness_ms: Option<TimeMs>,
) -> String {
    let mut text = String::new();
    // A repro is read by a person: it records the trace even when the fuzzer did not (the
    // trace changes no state; its ids count either way).
    let readable = SimConfig {
        record_trace: true,
        ..config.clone()
    };
    text.push_str(&cluster_line(&readable));
    text.push_str("\n----\n\n");
    for timed in actions {
        text.push_str(&format!(
            "at {} {}\n----\nok\n\n",
            timed.at_ms,
            action_line(&timed.action)
        ));
    }
    text.push_str(&format!("run-until {until_ms}\n----\n\n"));
    if let Some(ms) = liveness_ms {
        text.push_str(&format!(
            "liveness-check {ms}\n----\ncommits: yes\nconverged: yes\n\n"
        ));
    }
    text.push_str("expect-no-violation\n----\nok\n");
    text
}

fn ops_listing(sim: &Sim) -> String {
    use crate::sim::client::OpState;
    let lines: Vec<String> = sim
        .ops()
        .values()
        .map(|op| {
            let when = match (op.state, op.return_ms) {
                (OpState::Done, Some(r)) => format!("{}..{}ms", op.call_ms, r),
                (OpState::TimedOut, _) => format!("{}ms..timeout", op.call_ms),
                _ => format!("{}ms..pending", op.call_ms),
            };
            let output = op.output.trim_end().replace('\n', " | ");
            format!(
                "op{} c{} n{} {when} {} => {output}",
                op.id, op.client, op.node, op.line
            )
        })
        .collect();
    if lines.is_empty() {
        "none".into()
    } else {
        lines.join("\n")
    }
}

fn status(sim: &Sim) -> String {
    let mut lines = vec![format!("time {}ms", sim.now_ms())];
    for node in sim.nodes().values() {
        let line = match node.raft() {
            None => format!("n{} down", node.id),
            Some(raw) => {
                let r = raw.raft();
                let paused = if node.paused { " paused" } else { "" };
                format!(
                    "n{} {} term={} commit={} applied={} last={}{paused}",
                    node.id,
                    r.role().name(),
                    r.term(),
                    r.log().committed,
                    node.app.applied(),
                    r.log().last_index()
                )
            }
        };
        lines.push(line);
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action_of(line: &str) -> Result<Action, String> {
        let parsed = script::parse(&format!("{line}\n----\n")).map_err(|e| e.to_string())?;
        let case = &parsed.cases[0];
        parse_action(&case.command, &case.raw)
    }

    #[test]
    fn change_keeps_the_written_order_and_reads_back_its_own_line() {
        let action = action_of("change via=2 add-voter=4,n5 remove=1 add-learner=6 leave=auto")
            .expect("parses");
        assert_eq!(
            action,
            Action::ChangeConfig {
                via: NodeId(2),
                changes: vec![
                    MembershipChange::AddVoter { node: NodeId(4) },
                    MembershipChange::AddVoter { node: NodeId(5) },
                    MembershipChange::Remove { node: NodeId(1) },
                    MembershipChange::AddLearner { node: NodeId(6) },
                ],
                leave: Some(JointLeave::Auto),
            }
        );
        for action in [
            action,
            action_of("change via=1 remove=3").expect("parses"),
            action_of("change via=1 add-voter=(4,5) leave=explicit").expect("parses"),
            action_of("leave-joint via=3").expect("parses"),
        ] {
            assert_eq!(action_of(&action_line(&action)), Ok(action.clone()));
            assert_eq!(action_of(&action.to_string()), Ok(action));
        }
    }

    #[test]
    fn change_refuses_what_it_cannot_mean_in_plain_words() {
        let error = |line: &str| action_of(line).expect_err(line);
        assert!(error("change via=1").contains("needs at least one of add-voter="));
        assert!(error("change via=1 leave=auto").contains("needs at least one"));
        assert!(error("change add-voter=2").contains("needs via=NODE"));
        assert!(error("change via=1 add-voter=2 leave=later").contains("auto or explicit"));
        assert!(error("change via=1 promote=2").contains("unknown argument 'promote='"));
        assert!(error("change via=1 add-voter=two").contains("list of nodes like 4,5"));
        assert!(error("change via=1 2").contains("key=value arguments"));
        assert!(error("leave-joint via=1 now").contains("only via=NODE"));
        assert!(error("leave-joint").contains("needs via=NODE"));
    }
}
