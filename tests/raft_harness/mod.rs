//! An in-memory cluster for the scripted Raft tests: it holds messages until the script
//! delivers them, persists per the Ready contract, and can crash (drop volatile state) and
//! restart nodes from their durable storage. It runs the simulator's safety monitors
//! (`raftlab::sim::monitor`, through the `NodeView` trait) with the rule monitors off, as the
//! simulator does when it hunts a teaching switch's harm, and prints a `VIOLATION` line when
//! the first one fires: one copy of each invariant check serves both.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use raftlab::raft::config::{Config, UnsafeSwitch};
use raftlab::raft::message::{
    ConfChangeV2, ConfState, Entry, HardState, Message, describe_conf_state, describe_entry,
    describe_message,
};
use raftlab::raft::raw_node::RawNode;
use raftlab::raft::read_only::ReadOnlyOption;
use raftlab::raft::storage::MemStorage;
use raftlab::raft::types::{Index, NodeId, Term};
use raftlab::scenario::script::Command;
use raftlab::sim::monitor::{AppState, Monitor, NodeView};
use raftlab::sim::queue::TimeMs;

/// One node: its configuration, the live node (None while crashed), its durable disk.
pub struct Slot {
    pub config: Config,
    pub node: Option<RawNode>,
    pub disk: MemStorage,
}

impl NodeView for Slot {
    fn id(&self) -> NodeId {
        self.config.id
    }
    fn running(&self) -> Option<&RawNode> {
        self.node.as_ref()
    }
    /// A running node's storage is its disk: the harness writes it only when a Ready is
    /// advanced, i.e. once the write is durable.
    fn durable(&self) -> Option<&MemStorage> {
        Some(self.node.as_ref().map_or(&self.disk, RawNode::storage))
    }
    fn app_state(&self) -> Option<AppState> {
        None
    }
}

/// The harness has no clock: the monitors' reports carry this time.
const NOW_MS: TimeMs = TimeMs::ZERO;

/// The cluster under test.
pub struct Cluster {
    pub slots: raftlab::vec_map::VecMap<NodeId, Slot>,
    /// Messages sent and not yet delivered, in send order.
    pub pending: Vec<Message>,
    /// Groups that can talk among themselves; empty = fully connected.
    pub partition: Vec<BTreeSet<u64>>,
    /// The simulator's safety monitors, fed the same hooks the simulator feeds them.
    monitor: Monitor,
    /// Whether the first violation was printed (the monitors stop at the first one).
    violation_reported: bool,
    /// Readies taken by `ready ID` whose disk write has not completed yet.
    held: BTreeMap<u64, raftlab::raft::Ready>,
}

impl Default for Cluster {
    fn default() -> Cluster {
        Cluster {
            slots: raftlab::vec_map::VecMap::new(),
            pending: Vec::new(),
            partition: Vec::new(),
            // Rule monitors off: the scripts with teaching switches show the harm each switch
            // leads to (two leaders, a lost or replaced entry), not the broken rule.
            monitor: Monitor::new(false),
            violation_reported: false,
            held: BTreeMap::new(),
        }
    }
}

fn parse_ids(values: &[String]) -> Result<Vec<u64>, String> {
    values
        .iter()
        .map(|v| v.parse::<u64>().map_err(|_| format!("bad node id '{v}'")))
        .collect()
}

fn parse_bool(value: Option<&str>, default: bool) -> Result<bool, String> {
    match value {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(other) => Err(format!("bad boolean '{other}'")),
    }
}

fn parse_num(value: Option<&str>, default: u64) -> Result<u64, String> {
    match value {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| format!("bad number '{v}'")),
    }
}

impl Cluster {
    /// Runs one script command and returns its output.
    pub fn run(&mut self, cmd: &Command) -> String {
        let result = match cmd.name.as_str() {
            "add-nodes" => self.add_nodes(cmd),
            "campaign" => self.each_node(cmd, |n| n.campaign().map_err(|e| e.to_string())),
            "tick" => self.tick(cmd),
            "tick-election" => self.tick_election(cmd),
            "tick-heartbeat" => self.tick_heartbeat(cmd),
            "propose" => self.propose(cmd),
            "propose-conf-change" => self.propose_conf_change(cmd),
            "read-index" => self.read_index(cmd),
            "transfer-leader" => self.transfer_leader(cmd),
            "process-ready" => self.process_ready_cmd(cmd),
            "ready" => self.for_ids(cmd, Self::take_ready),
            "advance" => self.for_ids(cmd, Self::advance_held),
            "deliver-msgs" => self.deliver_msgs_cmd(cmd),
            "stabilize" => self.stabilize(cmd),
            "partition" => self.partition(cmd),
            "isolate" => self.isolate(cmd),
            "heal" => {
                self.partition.clear();
                Ok(String::new())
            }
            "crash" => self.crash(cmd),
            "restart" => self.restart(cmd),
            "compact" => self.compact(cmd),
            "raft-log" => self.raft_log(cmd),
            "status" => self.status(cmd),
            "raft-state" => Ok(self.raft_state()),
            "pending-msgs" => Ok(self.pending_msgs()),
            "duplicate-msgs" => self.duplicate_msgs(cmd),
            "reorder-msgs" => self.reorder_msgs(cmd),
            other => Err(format!("unknown command '{other}'")),
        };
        let mut out = match result {
            Ok(out) => out,
            Err(e) => format!("error: {e}\n"),
        };
        out.push_str(&self.check_invariants());
        out.trim_end().to_string()
    }

    fn ids_arg(&self, cmd: &Command) -> Result<Vec<u64>, String> {
        let ids: Vec<String> = cmd.positionals().iter().map(|s| s.to_string()).collect();
        if ids.is_empty() {
            return Ok(self.slots.keys().map(|id| id.0).collect());
        }
        parse_ids(&ids)
    }

    fn node_mut(&mut self, id: u64) -> Result<&mut RawNode, String> {
        self.slots
            .get_mut(&NodeId(id))
            .ok_or(format!("no node {id}"))?
            .node
            .as_mut()
            .ok_or(format!("node {id} is down"))
    }

    /// Prints a node's events, and hands each to the monitors (a new leader is checked then).
    fn events_of(&mut self, id: u64) -> String {
        let mut out = String::new();
        let events = match self.node_mut(id) {
            Ok(node) => node.take_events(),
            Err(_) => return out,
        };
        for event in events {
            let _ = writeln!(out, "{event}");
            self.monitor
                .on_event(NodeId(id), &event, &self.slots, NOW_MS);
        }
        out
    }

    fn add_nodes(&mut self, cmd: &Command) -> Result<String, String> {
        let positionals = cmd.positionals();
        let count = parse_num(positionals.first().copied(), 1)?;
        let voters = parse_ids(cmd.values("voters").unwrap_or(&[]))?;
        let learners = parse_ids(cmd.values("learners").unwrap_or(&[]))?;
        let mut conf = ConfState::from_voters(voters);
        conf.learners = learners.into_iter().map(NodeId).collect();
        let mut out = String::new();
        for _ in 0..count {
            let id = self.slots.keys().last().map_or(0, |id| id.0) + 1;
            let mut config = Config::new(NodeId(id));
            config.pre_vote = parse_bool(cmd.value("prevote"), true)?;
            config.check_quorum = parse_bool(cmd.value("checkquorum"), true)?;
            config.election_timeout_ticks = parse_num(cmd.value("election"), 10)?;
            config.heartbeat_interval_ticks = parse_num(cmd.value("heartbeat"), 1)?;
            config.msg_entries_max = parse_num(cmd.value("max-msg-entries"), 64)? as usize;
            config.msg_bytes_max = parse_num(cmd.value("max-msg-bytes"), 1 << 20)?;
            config.inflight_count_max = parse_num(cmd.value("max-inflight"), 256)? as usize;
            if cmd.value("read-only") == Some("lease") {
                config.read_only = ReadOnlyOption::LeaseBased;
            }
            for name in cmd.values("unsafe").unwrap_or(&[]) {
                let switch =
                    UnsafeSwitch::from_name(name).ok_or(format!("unknown switch '{name}'"))?;
                config.unsafe_switches.insert(switch);
            }
            let mut disk = MemStorage::new_with_conf_state(conf.clone());
            let terms = cmd.values("log").unwrap_or(&[]);
            let mut entries = Vec::new();
            for (i, term) in terms.iter().enumerate() {
                let term: u64 = term.parse().map_err(|_| format!("bad term '{term}'"))?;
                entries.push(Entry {
                    term: Term(term),
                    index: Index(i as u64 + 1),
                    data: format!("e{}", i + 1).into_bytes().into(),
                    ..Entry::default()
                });
            }
            disk.append(&entries).map_err(|e| e.to_string())?;
            let last_term = entries.last().map(|e| e.term.0).unwrap_or(0);
            disk.set_hard_state(HardState {
                term: Term(parse_num(cmd.value("term"), last_term)?),
                vote: None,
                commit: Index(parse_num(cmd.value("commit"), 0)?),
            });
            let node = RawNode::new(&config, disk.clone()).map_err(|e| e.to_string())?;
            let status = node.status();
            let _ = writeln!(
                out,
                "n{id}: term={} last={} {} timeout={}",
                status.term,
                status.last_index,
                describe_conf_state(&status.conf_state),
                status.randomized_election_timeout_ticks
            );
            let slot = Slot {
                config,
                node: Some(node),
                disk,
            };
            self.monitor.observe(&slot);
            self.slots.insert(NodeId(id), slot);
        }
        Ok(out)
    }

    fn each_node(
        &mut self,
        cmd: &Command,
        mut action: impl FnMut(&mut RawNode) -> Result<(), String>,
    ) -> Result<String, String> {
        let mut out = String::new();
        for id in self.ids_arg(cmd)? {
            let node = self.node_mut(id)?;
            if let Err(e) = action(node) {
                let _ = writeln!(out, "n{id}: error: {e}");
            }
            out.push_str(&self.events_of(id));
        }
        Ok(out)
    }

    fn tick(&mut self, cmd: &Command) -> Result<String, String> {
        let positionals = cmd.positionals();
        let id = parse_num(positionals.first().copied(), 0)?;
        let count = parse_num(positionals.get(1).copied(), 1)?;
        let node = self.node_mut(id)?;
        for _ in 0..count {
            node.tick();
        }
        Ok(self.events_of(id))
    }

    /// Ticks each node exactly until its election timeout fires: the randomized timeout for a
    /// follower or candidate, the base timeout for a leader (check-quorum and transfer abort).
    fn tick_election(&mut self, cmd: &Command) -> Result<String, String> {
        let mut out = String::new();
        for id in self.ids_arg(cmd)? {
            let node = self.node_mut(id)?;
            let status = node.status();
            let ticks = if status.role == raftlab::raft::node::Role::Leader {
                node.raft().config().election_timeout_ticks
            } else {
                status
                    .randomized_election_timeout_ticks
                    .saturating_sub(status.election_elapsed_ticks)
            };
            for _ in 0..ticks.max(1) {
                node.tick();
            }
            out.push_str(&self.events_of(id));
        }
        Ok(out)
    }

    fn tick_heartbeat(&mut self, cmd: &Command) -> Result<String, String> {
        let mut out = String::new();
        for id in self.ids_arg(cmd)? {
            let node = self.node_mut(id)?;
            for _ in 0..node.raft().config().heartbeat_interval_ticks {
                node.tick();
            }
            out.push_str(&self.events_of(id));
        }
        Ok(out)
    }

    fn first_id(cmd: &Command) -> Result<u64, String> {
        parse_num(cmd.positionals().first().copied(), 0)
    }

    fn propose(&mut self, cmd: &Command) -> Result<String, String> {
        let id = Self::first_id(cmd)?;
        let data = cmd
            .positionals()
            .get(1)
            .copied()
            .unwrap_or("")
            .as_bytes()
            .to_vec();
        let node = self.node_mut(id)?;
        let mut out = match node.propose(data) {
            Ok(()) => String::new(),
            Err(e) => format!("n{id}: error: {e}\n"),
        };
        out.push_str(&self.events_of(id));
        Ok(out)
    }

    fn propose_conf_change(&mut self, cmd: &Command) -> Result<String, String> {
        let id = Self::first_id(cmd)?;
        let mut words: Vec<String> = cmd
            .positionals()
            .iter()
            .skip(1)
            .map(|s| s.to_string())
            .collect();
        match cmd.value("transition") {
            Some("implicit") => words.insert(0, "joint-implicit".into()),
            Some("explicit") => words.insert(0, "joint-explicit".into()),
            _ => {}
        }
        let change = ConfChangeV2::decode(words.join(" ").as_bytes())?;
        let node = self.node_mut(id)?;
        let mut out = match node.propose_conf_change(&change) {
            Ok(()) => String::new(),
            Err(e) => format!("n{id}: error: {e}\n"),
        };
        out.push_str(&self.events_of(id));
        Ok(out)
    }

    fn read_index(&mut self, cmd: &Command) -> Result<String, String> {
        let id = Self::first_id(cmd)?;
        let ctx = cmd
            .positionals()
            .get(1)
            .copied()
            .unwrap_or("")
            .as_bytes()
            .to_vec();
        self.monitor.on_read_requested(&ctx);
        let node = self.node_mut(id)?;
        Ok(match node.read_index(ctx) {
            Ok(()) => String::new(),
            Err(e) => format!("n{id}: error: {e}\n"),
        })
    }

    fn transfer_leader(&mut self, cmd: &Command) -> Result<String, String> {
        let id = Self::first_id(cmd)?;
        let target = parse_num(cmd.positionals().get(1).copied(), 0)?;
        let node = self.node_mut(id)?;
        let mut out = match node.transfer_leader(NodeId(target)) {
            Ok(()) => String::new(),
            Err(e) => format!("n{id}: error: {e}\n"),
        };
        out.push_str(&self.events_of(id));
        Ok(out)
    }

    fn connected(&self, from: u64, to: u64) -> bool {
        if self.partition.is_empty() {
            return true;
        }
        self.partition
            .iter()
            .any(|group| group.contains(&from) && group.contains(&to))
    }

    /// Handles one node's Ready per the contract: persist, then send, then apply.
    fn process_ready(&mut self, id: u64) -> String {
        let mut out = self.advance_held(id);
        let Ok(node) = self.node_mut(id) else {
            return out;
        };
        if !node.has_ready() {
            return out;
        }
        let rd = node.ready();
        node.advance(&rd);
        self.monitor.on_ready(NodeId(id), &rd, &self.slots, NOW_MS);
        out.push_str(&self.finish_ready(id, &rd, "handling Ready"));
        out
    }

    /// Takes a Ready and holds it: the disk write is in progress until `advance ID`. Ticks and
    /// messages may be processed meanwhile.
    fn take_ready(&mut self, id: u64) -> String {
        if self.held.contains_key(&id) {
            return format!("> {id} already has a Ready in flight\n");
        }
        let Ok(node) = self.node_mut(id) else {
            return String::new();
        };
        if !node.has_ready() {
            return String::new();
        }
        let rd = node.ready();
        self.held.insert(id, rd);
        format!("> {id} took a Ready (disk write in progress)\n")
    }

    /// Completes a held Ready: advance (now durable), then send and apply.
    fn advance_held(&mut self, id: u64) -> String {
        let Some(rd) = self.held.remove(&id) else {
            return String::new();
        };
        let Ok(node) = self.node_mut(id) else {
            return String::new();
        };
        node.advance(&rd);
        self.monitor.on_ready(NodeId(id), &rd, &self.slots, NOW_MS);
        self.finish_ready(id, &rd, "handling Ready (written)")
    }

    /// Prints an advanced Ready, sends its messages and records what it applies.
    fn finish_ready(&mut self, id: u64, rd: &raftlab::raft::Ready, title: &str) -> String {
        let Ok(node) = self.node_mut(id) else {
            return String::new();
        };
        let disk = node.storage().clone();
        let mut out = format!("> {id} {title}\n");
        if let Some(ss) = &rd.soft_state {
            let lead = ss.leader.map(|l| l.0).unwrap_or(0);
            let _ = writeln!(out, "  State:{} Lead:{lead}", ss.role.name());
        }
        if let Some(hs) = &rd.hard_state {
            let vote = hs.vote.map(|v| v.0).unwrap_or(0);
            let _ = writeln!(
                out,
                "  HardState Term:{} Vote:{vote} Commit:{}",
                hs.term, hs.commit
            );
        }
        if let Some(snap) = &rd.snapshot {
            let _ = writeln!(
                out,
                "  Snapshot Index:{} Term:{} ConfState:{}",
                snap.metadata.index,
                snap.metadata.term,
                describe_conf_state(&snap.metadata.conf_state)
            );
        }
        if !rd.entries.is_empty() {
            out.push_str("  Entries:\n");
            for e in &rd.entries {
                let _ = writeln!(out, "    {}", describe_entry(e));
            }
        }
        if !rd.committed_entries.is_empty() {
            out.push_str("  CommittedEntries:\n");
            for e in &rd.committed_entries {
                let _ = writeln!(out, "    {}", describe_entry(e));
            }
        }
        if !rd.messages.is_empty() {
            out.push_str("  Messages:\n");
            for m in &rd.messages {
                self.monitor.on_send(m, NOW_MS);
                let down = self.slots.get(&m.to).is_none_or(|s| s.node.is_none());
                if down {
                    let _ = writeln!(out, "    {} (dropped: node down)", describe_message(m));
                } else if self.connected(m.from.0, m.to.0) {
                    let _ = writeln!(out, "    {}", describe_message(m));
                    self.pending.push(m.clone());
                } else {
                    let _ = writeln!(out, "    {} (dropped: partition)", describe_message(m));
                }
            }
        }
        for rs in &rd.read_states {
            self.monitor
                .on_read_served(NodeId(id), &rs.request_ctx, rs.index, NOW_MS);
            let _ = writeln!(
                out,
                "  ReadState Index:{} Ctx:{:?}",
                rs.index,
                String::from_utf8_lossy(&rs.request_ctx)
            );
        }
        out.push_str(
            &self
                .events_of(id)
                .lines()
                .map(|l| format!("  {l}\n"))
                .collect::<String>(),
        );
        if let Some(slot) = self.slots.get_mut(&NodeId(id)) {
            slot.disk = disk;
        }
        out
    }

    /// Runs the monitors' after-step checks and prints the first violation once, on the
    /// command after which it fired.
    fn check_invariants(&mut self) -> String {
        let Some(violation) = self.monitor.check(&self.slots, NOW_MS, 0) else {
            return String::new();
        };
        if std::mem::replace(&mut self.violation_reported, true) {
            return String::new();
        }
        format!(
            "VIOLATION {}: {}\n",
            violation.invariant, violation.evidence
        )
    }

    fn for_ids(
        &mut self,
        cmd: &Command,
        action: fn(&mut Cluster, u64) -> String,
    ) -> Result<String, String> {
        let mut out = String::new();
        for id in self.ids_arg(cmd)? {
            out.push_str(&action(self, id));
        }
        Ok(out)
    }

    fn process_ready_cmd(&mut self, cmd: &Command) -> Result<String, String> {
        let mut out = String::new();
        for id in self.ids_arg(cmd)? {
            out.push_str(&self.process_ready(id));
        }
        Ok(out)
    }

    /// Steps every pending message addressed to `id` (or drops them).
    fn deliver(&mut self, id: u64, drop: bool) -> String {
        self.deliver_some(id, drop, usize::MAX)
    }

    /// Steps (or drops) the first `count` pending messages addressed to `id`.
    fn deliver_some(&mut self, id: u64, drop: bool, count: usize) -> String {
        let mut mine = Vec::new();
        let mut rest = Vec::new();
        for m in std::mem::take(&mut self.pending) {
            if m.to.0 == id && mine.len() < count {
                mine.push(m);
            } else {
                rest.push(m);
            }
        }
        self.pending = rest;
        if mine.is_empty() {
            return String::new();
        }
        let verb = if drop { "dropping" } else { "receiving" };
        let mut out = format!("> {id} {verb} messages\n");
        for m in mine {
            let _ = writeln!(out, "  {}", describe_message(&m));
            if drop {
                continue;
            }
            let Ok(node) = self.node_mut(id) else {
                continue;
            };
            if let Err(e) = node.step(m) {
                let _ = writeln!(out, "  error: {e}");
            }
            out.push_str(
                &self
                    .events_of(id)
                    .lines()
                    .map(|l| format!("  {l}\n"))
                    .collect::<String>(),
            );
        }
        out
    }

    fn deliver_msgs_cmd(&mut self, cmd: &Command) -> Result<String, String> {
        let drop = parse_bool(cmd.value("drop"), false)?;
        let count = parse_num(cmd.value("count"), u64::MAX)? as usize;
        let mut out = String::new();
        for id in self.ids_arg(cmd)? {
            out.push_str(&self.deliver_some(id, drop, count));
        }
        Ok(out)
    }

    /// Appends a copy of every pending message addressed to the given nodes (a network that
    /// duplicates), printing the copies.
    fn duplicate_msgs(&mut self, cmd: &Command) -> Result<String, String> {
        let ids = self.ids_arg(cmd)?;
        let copies: Vec<Message> = self
            .pending
            .iter()
            .filter(|m| ids.contains(&m.to.0))
            .cloned()
            .collect();
        let out = copies
            .iter()
            .map(|m| format!("duplicated {}\n", describe_message(m)))
            .collect();
        self.pending.extend(copies);
        Ok(out)
    }

    /// Reverses the order of the pending messages addressed to the given nodes.
    fn reorder_msgs(&mut self, cmd: &Command) -> Result<String, String> {
        let ids = self.ids_arg(cmd)?;
        let (mut mine, rest): (Vec<Message>, Vec<Message>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|m| ids.contains(&m.to.0));
        mine.reverse();
        self.pending = rest;
        self.pending.extend(mine);
        Ok(self.pending_msgs())
    }

    fn stabilize(&mut self, cmd: &Command) -> Result<String, String> {
        let ids = self.ids_arg(cmd)?;
        let mut out = String::new();
        for _round in 0..1000 {
            let mut progressed = false;
            for &id in &ids {
                let text = self.process_ready(id);
                progressed |= !text.is_empty();
                out.push_str(&text);
            }
            for &id in &ids {
                let live = self
                    .slots
                    .get(&NodeId(id))
                    .is_some_and(|s| s.node.is_some());
                let has_msgs = self.pending.iter().any(|m| m.to.0 == id);
                if live && has_msgs {
                    out.push_str(&self.deliver(id, false));
                    progressed = true;
                }
            }
            if !progressed {
                return Ok(out);
            }
        }
        Err("stabilize did not converge in 1000 rounds".into())
    }

    fn partition(&mut self, cmd: &Command) -> Result<String, String> {
        let mut groups = vec![BTreeSet::new()];
        for word in cmd.positionals() {
            if word == "/" {
                groups.push(BTreeSet::new());
            } else if let Some(group) = groups.last_mut() {
                group.insert(
                    word.parse::<u64>()
                        .map_err(|_| format!("bad id '{word}'"))?,
                );
            }
        }
        self.partition = groups;
        Ok(String::new())
    }

    fn isolate(&mut self, cmd: &Command) -> Result<String, String> {
        let id = Self::first_id(cmd)?;
        let rest: BTreeSet<u64> = self
            .slots
            .keys()
            .map(|i| i.0)
            .filter(|&i| i != id)
            .collect();
        self.partition = vec![BTreeSet::from([id]), rest];
        Ok(String::new())
    }

    fn crash(&mut self, cmd: &Command) -> Result<String, String> {
        for id in self.ids_arg(cmd)? {
            let slot = self
                .slots
                .get_mut(&NodeId(id))
                .ok_or(format!("no node {id}"))?;
            if let Some(node) = slot.node.take() {
                slot.disk = node.storage().clone();
            }
            // An unfinished disk write is lost with the node.
            self.held.remove(&id);
            self.pending.retain(|m| m.to.0 != id);
            self.monitor.on_crash(NodeId(id));
        }
        Ok(String::new())
    }

    fn restart(&mut self, cmd: &Command) -> Result<String, String> {
        let mut out = String::new();
        for id in self.ids_arg(cmd)? {
            let slot = self
                .slots
                .get_mut(&NodeId(id))
                .ok_or(format!("no node {id}"))?;
            let node =
                RawNode::restart(&slot.config, slot.disk.clone()).map_err(|e| e.to_string())?;
            slot.node = Some(node);
            // Commit and applied are volatile: a restart may legitimately lower them. A Ready
            // still in flight died with the old process.
            self.monitor.on_restart(NodeId(id), &self.slots);
            self.held.remove(&id);
            out.push_str(&self.status_line(id));
        }
        Ok(out)
    }

    fn compact(&mut self, cmd: &Command) -> Result<String, String> {
        let id = Self::first_id(cmd)?;
        let index = parse_num(cmd.positionals().get(1).copied(), 0)?;
        let node = self.node_mut(id)?;
        node.compact(Index(index), format!("snap@{index}").into_bytes())
            .map_err(|e| e.to_string())?;
        let disk = node.storage().clone();
        if let Some(slot) = self.slots.get_mut(&NodeId(id)) {
            slot.disk = disk;
        }
        self.raft_log_of(id)
    }

    fn raft_log_of(&mut self, id: u64) -> Result<String, String> {
        let node = self.node_mut(id)?;
        let mut out = String::new();
        let snap = node.storage().snapshot();
        if snap.metadata.index.0 > 0 {
            let _ = writeln!(
                out,
                "snapshot Index:{} Term:{} ConfState:{}",
                snap.metadata.index,
                snap.metadata.term,
                describe_conf_state(&snap.metadata.conf_state)
            );
        }
        let entries = node.log_entries();
        if entries.is_empty() && out.is_empty() {
            out.push_str("log is empty\n");
        }
        for e in entries {
            let _ = writeln!(out, "{}", describe_entry(&e));
        }
        Ok(out)
    }

    fn raft_log(&mut self, cmd: &Command) -> Result<String, String> {
        let mut out = String::new();
        for id in self.ids_arg(cmd)? {
            if cmd.positionals().is_empty() || cmd.positionals().len() > 1 {
                let _ = writeln!(out, "n{id}:");
            }
            out.push_str(&self.raft_log_of(id)?);
        }
        Ok(out)
    }

    fn status_line(&self, id: u64) -> String {
        let Some(slot) = self.slots.get(&NodeId(id)) else {
            return format!("n{id}: unknown\n");
        };
        let Some(node) = &slot.node else {
            return format!("n{id}: down\n");
        };
        let s = node.status();
        let transfer = s
            .lead_transferee
            .map(|t| format!(" transferee={t}"))
            .unwrap_or_default();
        format!(
            "n{id}: {} term={} vote={} lead={} commit={} applied={} last={} {}{}{transfer}\n",
            s.role.name(),
            s.term,
            s.vote.map(|v| v.0).unwrap_or(0),
            s.leader.map(|v| v.0).unwrap_or(0),
            s.commit,
            s.applied,
            s.last_index,
            describe_conf_state(&s.conf_state),
            if s.is_learner { " learner" } else { "" }
        )
    }

    fn status(&mut self, cmd: &Command) -> Result<String, String> {
        let mut out = String::new();
        for id in self.ids_arg(cmd)? {
            out.push_str(&self.status_line(id));
            let Some(node) = self.slots.get(&NodeId(id)).and_then(|s| s.node.as_ref()) else {
                continue;
            };
            for (peer, pr) in node.status().progress {
                let _ = writeln!(
                    out,
                    "  {peer}: {} match={} next={} inflight={}{}{}",
                    pr.state.name(),
                    pr.matched,
                    pr.next,
                    pr.inflight_count,
                    if pr.is_learner { " learner" } else { "" },
                    if pr.pending_snapshot.0 > 0 {
                        format!(" pending_snapshot={}", pr.pending_snapshot)
                    } else {
                        String::new()
                    }
                );
            }
        }
        Ok(out)
    }

    fn raft_state(&self) -> String {
        self.slots.keys().map(|id| self.status_line(id.0)).collect()
    }

    fn pending_msgs(&self) -> String {
        if self.pending.is_empty() {
            return "no messages in flight\n".into();
        }
        self.pending
            .iter()
            .map(|m| format!("{}\n", describe_message(m)))
            .collect()
    }
}
