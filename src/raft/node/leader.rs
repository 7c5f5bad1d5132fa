//! The leader's side of replication: appending proposals, sending appends or snapshots within
//! flow-control limits, handling acknowledgements, committing (§5.3, §5.4.2) and transfers
//! (thesis §3.10).

use super::*;

impl Raft {
    pub(super) fn tick_heartbeat(&mut self) {
        self.heartbeat_elapsed_ticks += 1;
        self.election_elapsed_ticks += 1;
        if self.election_elapsed_ticks >= self.config.election_timeout_ticks {
            self.election_elapsed_ticks = 0;
            if self.config.check_quorum {
                let active = self.tracker.quorum_active(self.id);
                let self_id = self.id;
                for (&id, pr) in self.tracker.progress.iter_mut() {
                    if id != self_id {
                        pr.recent_active = false;
                    }
                }
                if !active {
                    // Thesis §6.2: a leader that cannot reach a quorum steps down.
                    let term = self.term;
                    self.become_follower(term, None);
                    return;
                }
            }
            // Transfer did not finish within an election timeout: give up (thesis §3.10).
            self.lead_transferee = None;
            // A snapshot may have been lost on the way; probe again.
            for pr in self.tracker.progress.values_mut() {
                if pr.state == ProgressState::Snapshot {
                    pr.become_probe();
                }
            }
        }
        if self.role != Role::Leader {
            return;
        }
        if self.heartbeat_elapsed_ticks >= self.config.heartbeat_interval_ticks {
            self.heartbeat_elapsed_ticks = 0;
            let ctx = self.read_only.last_pending_request_ctx();
            self.bcast_heartbeat(ctx);
            // A MsgTimeoutNow of a leader outside its configuration may have been lost: ask
            // again each heartbeat until a higher term deposes this leader.
            self.maybe_hand_over(true);
        }
    }

    pub(super) fn step_leader(&mut self, m: &Message) -> Result<(), StepError> {
        match m.msg_type {
            MessageType::MsgProp => {
                // Errors of forwarded proposals are the forwarding client's timeout to handle.
                let _ = self.propose_as_leader(m.entries.clone());
                Ok(())
            }
            MessageType::MsgReadIndex => {
                self.leader_read_index(m.clone());
                Ok(())
            }
            MessageType::MsgAppResp => {
                self.handle_append_response(m);
                Ok(())
            }
            MessageType::MsgHeartbeatResp => {
                self.handle_heartbeat_response(m);
                Ok(())
            }
            MessageType::MsgTransferLeader => {
                self.handle_transfer_leader(m.from);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Appends proposals as the leader.
    pub fn propose_as_leader(&mut self, mut entries: Vec<Entry>) -> Result<(), ProposeError> {
        if entries.is_empty() {
            return Err(ProposeError::Empty);
        }
        if self.leaving && !entries.iter().all(Self::leaves_joint) {
            // Only the leave-joint entry that completes this leader's own removal may follow.
            return Err(ProposeError::Leaving);
        }
        if !self.tracker.progress.contains_key(&self.id) {
            return Err(ProposeError::NotMember);
        }
        if self.lead_transferee.is_some() {
            return Err(ProposeError::TransferInProgress);
        }
        let last_index = self.log.last_index();
        let mut changes_config = false;
        for (offset, entry) in entries.iter_mut().enumerate() {
            let Some(change) = entry.conf_change() else {
                continue;
            };
            let change = change.map_err(|reason| {
                ProposeError::ConfChangeRefused(ConfChangeRefusal::Malformed(reason))
            })?;
            self.check_conf_change_allowed(&change)?;
            self.pending_conf_index = last_index.plus(offset as u64 + 1);
            changes_config = true;
        }
        self.append_entries(entries);
        if changes_config {
            self.update_leaving();
        }
        self.bcast_append();
        Ok(())
    }

    fn leaves_joint(entry: &Entry) -> bool {
        entry
            .conf_change()
            .is_some_and(|change| change.is_ok_and(|change| change.leaves_joint()))
    }

    pub(super) fn check_conf_change_allowed(
        &self,
        change: &ConfChangeV2,
    ) -> Result<(), ProposeError> {
        let safeguard = !self.switch(UnsafeSwitch::NoMembershipSafeguard);
        if safeguard && self.pending_conf_index > self.log.applied {
            return Err(ProposeError::ConfChangeRefused(
                ConfChangeRefusal::Pending {
                    index: self.pending_conf_index,
                    applied: self.log.applied,
                },
            ));
        }
        let joint = self.tracker.config.voters.is_joint();
        if joint && !change.leaves_joint() {
            return Err(ProposeError::ConfChangeRefused(
                ConfChangeRefusal::MustLeaveJointFirst,
            ));
        }
        if !joint && change.leaves_joint() {
            return Err(ProposeError::ConfChangeRefused(ConfChangeRefusal::NotJoint));
        }
        Ok(())
    }

    pub(super) fn append_entries(&mut self, mut entries: Vec<Entry>) {
        let last_index = self.log.last_index();
        for (offset, entry) in entries.iter_mut().enumerate() {
            entry.term = self.term;
            entry.index = last_index.plus(offset as u64 + 1);
        }
        self.log.append(&entries);
        // The leader's own acknowledgement is counted when the entries are durable, in
        // `on_persisted` (thesis §10.2.1: a leader may only count itself once its log is on disk).
    }

    /// The leader's log is durable up to `persisted`: count its own acknowledgement.
    pub fn on_persisted(&mut self) {
        if self.role != Role::Leader {
            return;
        }
        let persisted = self.log.persisted_last_index();
        let updated = match self.tracker.progress.get_mut(&self.id) {
            Some(pr) => pr.maybe_update(persisted),
            None => false,
        };
        if updated && self.maybe_commit() {
            self.release_pending_reads();
            self.bcast_append();
        }
    }

    pub(super) fn maybe_commit(&mut self) -> bool {
        let committed = self
            .tracker
            .committed(self.switch(UnsafeSwitch::CountLearnersInQuorum));
        let count_old = self.switch(UnsafeSwitch::CommitOldTermByCount);
        self.log.maybe_commit(committed, self.term, count_old)
    }

    pub(super) fn committed_entry_in_current_term(&self) -> bool {
        self.log.term(self.log.committed) == Some(self.term)
    }

    /// Sends entries (or a snapshot) to every follower.
    pub fn bcast_append(&mut self) {
        let ids: Vec<NodeId> = self.tracker.progress.keys().copied().collect();
        for id in ids {
            if id != self.id {
                self.maybe_send_append(id, true);
            }
        }
    }

    /// How far `id` has matched our log (0 when unknown).
    pub(super) fn matched_of(&self, id: NodeId) -> Index {
        self.tracker
            .progress
            .get(&id)
            .map(|pr| pr.matched)
            .unwrap_or_default()
    }

    /// The commit index we may tell `id`: never beyond what it is known to hold (§5.3: the
    /// follower's entries past its match may still differ from ours). Heartbeats and
    /// MsgTimeoutNow both carry it.
    fn commit_known_safe_for(&self, id: NodeId) -> Index {
        self.matched_of(id).min(self.log.committed)
    }

    pub(super) fn bcast_heartbeat(&mut self, ctx: Option<Vec<u8>>) {
        let ids: Vec<NodeId> = self.tracker.progress.keys().copied().collect();
        for id in ids {
            if id == self.id {
                continue;
            }
            let commit = self.commit_known_safe_for(id);
            let lease_tick = self.lease_tick_to_send();
            self.send(Message {
                msg_type: MessageType::MsgHeartbeat,
                to: id,
                commit,
                context: ctx.clone().unwrap_or_default(),
                lease_tick,
                ..Message::default()
            });
        }
    }

    /// Sends the next append to `to` if flow control allows; returns whether one was sent.
    pub(super) fn maybe_send_append(&mut self, to: NodeId, send_if_empty: bool) -> bool {
        let Some(pr) = self.tracker.progress.get(&to) else {
            return false;
        };
        if pr.is_paused() {
            return false;
        }
        let next = pr.next;
        let prev_index = next.prev();
        let prev_term = self.log.term(prev_index);
        let entries =
            self.log
                .entries_from(next, self.config.msg_bytes_max, self.config.msg_entries_max);
        let (Some(prev_term), Ok(entries)) = (prev_term, entries) else {
            return self.send_snapshot(to);
        };
        if entries.is_empty() && !send_if_empty {
            return false;
        }
        let count = entries.len();
        let bytes: u64 = entries.iter().map(Entry::size_bytes).sum();
        let last = entries.last().map(|e| e.index).unwrap_or(prev_index);
        if let Some(pr) = self.tracker.progress.get_mut(&to) {
            pr.sent_entries(last, count, bytes);
        }
        let commit = self.log.committed;
        self.send(Message {
            msg_type: MessageType::MsgApp,
            to,
            index: prev_index,
            log_term: prev_term,
            entries,
            commit,
            ..Message::default()
        });
        true
    }

    /// §7: the entries a follower needs are compacted, send the snapshot instead.
    pub(super) fn send_snapshot(&mut self, to: NodeId) -> bool {
        let Some(pr) = self.tracker.progress.get(&to) else {
            return false;
        };
        if !pr.recent_active {
            return false;
        }
        let snapshot = self.log.snapshot();
        if snapshot.metadata.index.0 == 0 {
            return false;
        }
        if let Some(pr) = self.tracker.progress.get_mut(&to) {
            pr.become_snapshot(snapshot.metadata.index);
        }
        self.send(Message {
            msg_type: MessageType::MsgSnapshot,
            to,
            snapshot: Some(Box::new(snapshot)),
            ..Message::default()
        });
        true
    }

    pub(super) fn handle_append_response(&mut self, m: &Message) {
        let last_index = self.log.last_index();
        let Some(pr) = self.tracker.progress.get_mut(&m.from) else {
            return;
        };
        pr.recent_active = true;
        if m.reject {
            // Fast backtracking (§5.3, etcd's findConflictByTerm): the follower's hint names
            // its last entry with term <= our probe's term; skip to our matching point.
            let mut next_probe = m.reject_hint;
            if m.log_term.0 > 0 {
                next_probe = self.log.find_conflict_by_term(m.reject_hint, m.log_term).0;
            }
            let Some(pr) = self.tracker.progress.get_mut(&m.from) else {
                return;
            };
            if pr.maybe_decr_to(m.index, next_probe) {
                if pr.state == ProgressState::Replicate {
                    pr.become_probe();
                }
                self.maybe_send_append(m.from, true);
            }
            return;
        }
        if m.index > last_index {
            return;
        }
        let was_paused = pr.is_paused();
        let same_probe = pr.matched == m.index && pr.state == ProgressState::Probe;
        if !pr.maybe_update(m.index) && !same_probe {
            return;
        }
        let first_index = self.log.first_index();
        match pr.state {
            ProgressState::Probe => pr.become_replicate(),
            ProgressState::Snapshot if pr.matched.next() >= first_index => {
                pr.become_probe();
                pr.become_replicate();
            }
            ProgressState::Snapshot => {}
            ProgressState::Replicate => pr.inflights.free_le(m.index),
        }
        if self.maybe_commit() {
            self.release_pending_reads();
            self.bcast_append();
        } else if was_paused {
            self.maybe_send_append(m.from, true);
        }
        // Fill the window, bounded by the inflight limit.
        for _ in 0..=self.config.inflight_count_max {
            if !self.maybe_send_append(m.from, false) {
                break;
            }
        }
        let matched = self.tracker.progress.get(&m.from).map(|pr| pr.matched);
        if self.lead_transferee == Some(m.from) && matched == Some(self.log.last_index()) {
            self.send_timeout_now(m.from);
        } else if self.leaving && self.handover_to.is_none() {
            // A leader outside its configuration waits for a voter to hold the change.
            self.maybe_hand_over(false);
        }
    }

    pub(super) fn handle_heartbeat_response(&mut self, m: &Message) {
        let last_index = self.log.last_index();
        let Some(pr) = self.tracker.progress.get_mut(&m.from) else {
            return;
        };
        pr.recent_active = true;
        pr.probe_sent = false;
        if pr.matched < last_index || pr.state == ProgressState::Probe {
            self.maybe_send_append(m.from, true);
        }
        self.note_lease_ack(m.from, m.lease_tick);
        // Read contexts are confirmed in both modes: lease reads fall back to read-index
        // whenever the lease is not valid.
        if m.context.is_empty() {
            return;
        }
        let Some(acks) = self.read_only.recv_ack(m.from, &m.context) else {
            return;
        };
        let acks = acks.clone();
        let result = self
            .tracker
            .config
            .voters
            .vote_result(|id| acks.contains(&id).then_some(true));
        if result != VoteResult::Won {
            return;
        }
        for status in self.read_only.advance(&m.context) {
            self.respond_read_index(status.request, status.index);
        }
    }

    pub(super) fn handle_transfer_leader(&mut self, transferee: NodeId) {
        let Some(pr) = self.tracker.progress.get(&transferee) else {
            return;
        };
        if self.tracker.config.is_learner(transferee) || transferee == self.id {
            return;
        }
        if self.lead_transferee == Some(transferee) {
            return;
        }
        let caught_up = pr.matched == self.log.last_index();
        // The transfer must finish within one election timeout (thesis §3.10).
        self.election_elapsed_ticks = 0;
        self.lead_transferee = Some(transferee);
        if caught_up {
            self.send_timeout_now(transferee);
        } else {
            self.maybe_send_append(transferee, true);
        }
    }

    /// Asks `to` to campaign now. The message carries the commit, clamped to what `to` is
    /// known to hold (as heartbeats do), so the target campaigns knowing every committed
    /// configuration change it holds.
    pub(super) fn send_timeout_now(&mut self, to: NodeId) {
        // The transferee's forced campaign is granted votes regardless of the followers'
        // promises: the lease cannot be trusted again in this term.
        self.end_lease_for_transfer();
        let commit = self.commit_known_safe_for(to);
        self.send(Message {
            msg_type: MessageType::MsgTimeoutNow,
            to,
            commit,
            ..Message::default()
        });
    }
}
