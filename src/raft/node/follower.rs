//! The follower's side of replication: the AppendEntries consistency check (§5.3), heartbeats
//! and installing snapshots (§7).

use super::*;

impl Raft {
    pub(super) fn step_follower(&mut self, m: &Message) -> Result<(), StepError> {
        match m.msg_type {
            MessageType::MsgApp => {
                self.election_elapsed_ticks = 0;
                self.leader = Some(m.from);
                self.handle_append(m)
            }
            MessageType::MsgHeartbeat => {
                self.election_elapsed_ticks = 0;
                self.leader = Some(m.from);
                self.handle_heartbeat(m);
                Ok(())
            }
            MessageType::MsgSnapshot => {
                self.election_elapsed_ticks = 0;
                self.leader = Some(m.from);
                self.handle_snapshot(m)
            }
            MessageType::MsgTimeoutNow => {
                // The leader clamps the commit to what it knows we hold (as in heartbeats): learn
                // it first, so we campaign in the configuration the leader handed over from.
                let committed = self.log.committed;
                if m.commit <= self.log.last_index() {
                    self.log.commit_to(m.commit);
                }
                if self.log.committed > committed || self.has_unapplied_conf_change() {
                    // Apply what is now known committed first (`hup` refuses while a
                    // configuration change is unapplied), then campaign at the next tick: a
                    // campaign in the same step could win at once in a one-voter
                    // configuration, and a leader must not appear to have committed an entry
                    // of an older term itself.
                    self.campaign_after_apply = true;
                } else {
                    // Transfers skip pre-vote: the leader asked for it, no partition to guard.
                    self.hup(true);
                }
                Ok(())
            }
            MessageType::MsgReadIndexResp => {
                self.read_states.push(ReadState {
                    index: m.index,
                    request_ctx: m.context.clone(),
                });
                Ok(())
            }
            // Requests forwarded to a non-leader are dropped rather than forwarded again, so
            // nothing can loop between followers with stale leader knowledge.
            _ => Ok(()),
        }
    }

    pub(super) fn check_append_shape(m: &Message) -> Result<(), StepError> {
        let mut expected = m.index.next();
        let mut last_term = m.log_term;
        for entry in &m.entries {
            if entry.index != expected {
                return Err(StepError::Malformed("entries not contiguous after index"));
            }
            if entry.term < last_term || entry.term > m.term {
                return Err(StepError::Malformed("entry terms out of order"));
            }
            expected = expected.next();
            last_term = entry.term;
        }
        if m.log_term > m.term {
            return Err(StepError::Malformed("log term above message term"));
        }
        Ok(())
    }

    /// §5.3 AppendEntries receiver.
    pub(super) fn handle_append(&mut self, m: &Message) -> Result<(), StepError> {
        Self::check_append_shape(m)?;
        if m.index < self.log.committed {
            // Everything up to our commit is settled; tell the leader where we are.
            let committed = self.log.committed;
            self.send(Message {
                msg_type: MessageType::MsgAppResp,
                to: m.from,
                index: committed,
                ..Message::default()
            });
            return Ok(());
        }
        let truncate_blindly = self.switch(UnsafeSwitch::TruncateWithoutConflict);
        match self
            .log
            .maybe_append(m.index, m.log_term, m.commit, &m.entries, truncate_blindly)
        {
            Some(last_new) => self.send(Message {
                msg_type: MessageType::MsgAppResp,
                to: m.from,
                index: last_new,
                ..Message::default()
            }),
            None => {
                let probe_from = m.index.min(self.log.last_index());
                let (hint_index, hint_term) =
                    self.log.find_conflict_by_term(probe_from, m.log_term);
                self.record(Event::AppendRejected {
                    id: self.id,
                    leader: m.from,
                    prev: (m.log_term, m.index),
                    hint: (hint_term, hint_index),
                });
                self.send(Message {
                    msg_type: MessageType::MsgAppResp,
                    to: m.from,
                    index: m.index,
                    reject: true,
                    reject_hint: hint_index,
                    log_term: hint_term,
                    ..Message::default()
                });
            }
        }
        Ok(())
    }

    pub(super) fn handle_heartbeat(&mut self, m: &Message) {
        // The leader clamps the commit to what it knows we hold; never go beyond our log.
        if m.commit <= self.log.last_index() {
            self.log.commit_to(m.commit);
        }
        self.send(Message {
            msg_type: MessageType::MsgHeartbeatResp,
            to: m.from,
            context: m.context.clone(),
            lease_tick: m.lease_tick,
            ..Message::default()
        });
    }

    pub(super) fn handle_snapshot(&mut self, m: &Message) -> Result<(), StepError> {
        let Some(snapshot) = &m.snapshot else {
            return Err(StepError::Malformed("snapshot missing"));
        };
        if snapshot.metadata.index.0 == 0 || snapshot.metadata.term > m.term {
            return Err(StepError::Malformed("snapshot metadata"));
        }
        let index = if self.restore(Snapshot::clone(snapshot)) {
            self.log.last_index()
        } else {
            self.log.committed
        };
        self.send(Message {
            msg_type: MessageType::MsgAppResp,
            to: m.from,
            index,
            ..Message::default()
        });
        Ok(())
    }

    /// Installs a snapshot unless it is stale; returns whether it was installed.
    pub(super) fn restore(&mut self, snapshot: Snapshot) -> bool {
        let index = snapshot.metadata.index;
        let term = snapshot.metadata.term;
        if index <= self.log.committed {
            return false;
        }
        // A malformed configuration is refused. A configuration without this node is accepted:
        // a member added after the snapshot was taken learns of its membership from the
        // entries that follow (until then it is simply not promotable). etcd refuses this
        // case, which leaves such a member waiting for a newer snapshot.
        if Configuration::from_conf_state(&snapshot.metadata.conf_state).is_err() {
            return false;
        }
        if self.log.match_term(index, term) {
            // We already hold the snapshot's last entry: just learn that it is committed.
            self.log.commit_to(index);
            return false;
        }
        let conf_state = snapshot.metadata.conf_state.clone();
        self.log.restore(snapshot);
        if self
            .tracker
            .restore(&conf_state, self.log.last_index().next())
            .is_err()
        {
            return false;
        }
        self.conf_history.clear();
        self.record(Event::ConfigApplied {
            id: self.id,
            conf_state,
        });
        true
    }
}
