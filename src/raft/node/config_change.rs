//! Applying committed configuration changes (thesis §4), leaving joint configurations, and a
//! leader that removes or demotes itself.
//!
//! A leader whose change takes it out of the voters (removed, or demoted to learner) does what
//! etcd intends (raft.go's TODO in `switchToConfig`, thesis §4.2.2) rather than stepping down
//! at once:
//!
//! 1. Once the change is in its log (appended, not yet applied) it is *leaving*: it refuses new
//!    proposals ([`ProposeError::Leaving`]) so its log stops growing, except for the leave-joint
//!    entry that completes its own removal. Otherwise a survivor still on the old
//!    configuration could need its vote and be refused for a longer log.
//! 2. It keeps leading while the change commits and applies: the change needs its appends, and
//!    its heartbeats carry the commit to the voters.
//! 3. When its applied configuration no longer has it as a voter (a joint configuration is left
//!    first: while it is in the outgoing half its acknowledgement still counts), it sends
//!    MsgTimeoutNow to the most caught-up voter of the new configuration (highest match, then
//!    lowest id), once that voter holds the whole log. The message carries the commit, so the
//!    voter applies the change before campaigning in the new configuration (at its next tick
//!    when the message taught it something new).
//! 4. It asks again at each heartbeat until a higher term deposes it. A removed leader is in
//!    nobody's configuration, so nodes answer its heartbeats with their term
//!    (`step_lower_term`). If no voter ever takes over (all down), it keeps leading without
//!    accepting proposals (no harm: nothing can commit without them either); with check-quorum
//!    it steps down after an election timeout, and, not being a voter, never campaigns again.

use super::*;

impl Raft {
    /// Applies a committed configuration change at `index` (called when the entry is applied).
    pub fn apply_conf_change(&mut self, index: Index, change: &ConfChangeV2) {
        // New members start probing at the last entry (not after it), so the first append
        // carries something and the probe gets an answer (etcd does the same).
        let next = self.log.last_index();
        match self.tracker.plan_change(change, next) {
            Ok((config, progress)) => {
                self.tracker.apply(config, progress);
                let conf_state = self.tracker.config.to_conf_state();
                self.conf_history.push((index, conf_state.clone()));
                self.record(Event::ConfigApplied {
                    id: self.id,
                    conf_state,
                });
                self.switch_to_config();
            }
            Err(reason) => self.record(Event::ConfigRejected {
                id: self.id,
                reason,
            }),
        }
    }

    pub(super) fn switch_to_config(&mut self) {
        if self.role != Role::Leader {
            return;
        }
        // A leader outside the new configuration keeps leading: it hands over once the change
        // is applied (`maybe_hand_over`, called after applying).
        if let Some(transferee) = self.lead_transferee
            && !self.tracker.is_voter(transferee)
        {
            self.lead_transferee = None;
        }
        if self.maybe_commit() {
            self.bcast_append();
        } else {
            let ids: Vec<NodeId> = self.tracker.progress.keys().copied().collect();
            for id in ids {
                if id != self.id {
                    self.maybe_send_append(id, false);
                }
            }
        }
    }

    /// After the application applied committed entries: leave an auto-leave joint
    /// configuration, or hand leadership over if this leader is no longer a voter.
    pub fn after_apply(&mut self) {
        self.maybe_auto_leave_joint();
        self.maybe_hand_over(false);
    }

    /// After applying: a leader in an auto-leave joint config proposes leaving it (thesis §4.3).
    pub fn maybe_auto_leave_joint(&mut self) {
        let config = &self.tracker.config;
        if self.role != Role::Leader
            || !config.auto_leave
            || !config.voters.is_joint()
            || self.log.applied < self.pending_conf_index
        {
            return;
        }
        let entry = Entry::from_conf_change(&ConfChangeV2::default());
        self.pending_conf_index = self.log.last_index().next();
        self.append_entries(vec![entry]);
        self.bcast_append();
    }

    /// The configuration this node's log leads to: the applied one with every unapplied
    /// configuration entry replayed on top (invalid ones skipped, as `apply_conf_change` skips
    /// them), and the index of the last such entry.
    fn newest_config(&self) -> (Configuration, Option<Index>) {
        let mut tracker = self.tracker.clone();
        let mut last_change = None;
        let from = self.log.applied.next();
        let entries = self
            .log
            .slice(from, self.log.last_index().next(), u64::MAX)
            .unwrap_or_default();
        for entry in &entries {
            let Some(Ok(change)) = entry.conf_change() else {
                continue;
            };
            if let Ok((config, progress)) = tracker.plan_change(&change, entry.index) {
                tracker.apply(config, progress);
            }
            last_change = Some(entry.index);
        }
        (tracker.config, last_change)
    }

    /// Leader: recomputes whether the newest configuration in its log leaves it out of the
    /// incoming voters, and says so the first time.
    pub(super) fn update_leaving(&mut self) {
        if self.role != Role::Leader || self.leaving {
            return;
        }
        let (config, last_change) = self.newest_config();
        if config.voters.incoming.voters.contains(&self.id) {
            return;
        }
        self.leaving = true;
        let learner = config.learners.contains(&self.id) || config.learners_next.contains(&self.id);
        let index = last_change.unwrap_or(self.log.applied);
        self.record(Event::LeaderLeaving {
            id: self.id,
            index,
            learner,
        });
    }

    /// Whether this node is the only voter (reads it may confirm alone). A removed leader
    /// whose configuration has one voter is not that voter.
    pub(super) fn is_sole_voter(&self) -> bool {
        self.tracker.is_singleton() && self.tracker.is_voter(self.id)
    }

    /// A leader whose applied configuration no longer has it as a voter asks the most
    /// caught-up voter to campaign. `retry` (each heartbeat) sends again even to the same
    /// voter, since the last MsgTimeoutNow may have been lost.
    pub(super) fn maybe_hand_over(&mut self, retry: bool) {
        if !self.leaving
            || self.role != Role::Leader
            || self.tracker.is_voter(self.id)
            || self.log.applied < self.pending_conf_index
        {
            return;
        }
        // Keep asking the same voter within one election timeout (the transfer window that
        // `tick_heartbeat` closes): two voters asked at once would split the vote. A transfer
        // the user asked for counts as well.
        let asked = self
            .lead_transferee
            .filter(|&id| id != self.id && self.tracker.is_voter(id));
        let Some(target) = asked.or_else(|| self.pick_successor()) else {
            return;
        };
        let matched = self.matched_of(target);
        // Commitment guarantees a voter holds the change; until its ack arrives, wait.
        if matched < self.pending_conf_index {
            return;
        }
        let new_window = asked.is_none();
        if new_window {
            // Proposals are refused during a transfer; the transfer logic also sends
            // MsgTimeoutNow as soon as the target's acknowledgement shows it caught up. Like a
            // transfer, the attempt gets a whole election timeout.
            self.lead_transferee = Some(target);
            self.election_elapsed_ticks = 0;
        }
        if self.handover_to != Some(target) {
            self.handover_to = Some(target);
            let learner = self.tracker.progress.contains_key(&self.id);
            self.record(Event::LeaderHandingOver {
                id: self.id,
                to: target,
                learner,
            });
        } else if !new_window && !retry {
            return;
        }
        if matched >= self.log.last_index() {
            self.send_timeout_now(target);
        } else {
            self.maybe_send_append(target, true);
        }
    }

    /// The voter to ask to take over: the most caught-up (highest match); among equals the
    /// lowest id, or, after an attempt that did not succeed within an election timeout (that
    /// voter may be down), the next id after the one asked last.
    fn pick_successor(&self) -> Option<NodeId> {
        let candidates: Vec<(Index, NodeId)> = self
            .tracker
            .config
            .voters
            .ids()
            .into_iter()
            .filter(|&id| id != self.id)
            .filter_map(|id| self.tracker.progress.get(&id).map(|pr| (pr.matched, id)))
            .collect();
        let top = candidates.iter().map(|&(matched, _)| matched).max()?;
        let tied: Vec<NodeId> = candidates
            .iter()
            .filter(|&&(matched, _)| matched == top)
            .map(|&(_, id)| id)
            .collect();
        let after_last = self
            .handover_to
            .and_then(|last| tied.iter().copied().find(|&id| id > last));
        after_last.or_else(|| tied.first().copied())
    }

    /// The configuration in force at `index` (for snapshots taken at `index`).
    pub fn conf_state_at(&self, index: Index) -> ConfState {
        self.conf_history
            .iter()
            .rev()
            .find(|(at, _)| *at <= index)
            .map(|(_, conf)| conf.clone())
            .unwrap_or_else(|| self.log.storage.snapshot().metadata.conf_state.clone())
    }

    /// Forgets configuration history covered by a snapshot at `index`.
    pub fn prune_conf_history(&mut self, index: Index) {
        self.conf_history.retain(|(at, _)| *at > index);
    }
}
