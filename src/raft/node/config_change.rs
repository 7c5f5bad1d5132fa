//! Applying committed configuration changes (thesis §4) and leaving joint configurations.

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
        let member = self.tracker.progress.get(&self.id);
        self.is_learner = member.is_some_and(|pr| pr.is_learner);
        if self.role != Role::Leader {
            return;
        }
        if member.is_none() || self.is_learner {
            // Thesis §4.2.2: a leader removed from the configuration steps down once the change
            // is committed. Tell the followers the commit first.
            self.bcast_append();
            let term = self.term;
            self.become_follower(term, None);
            return;
        }
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
        let entry = Entry {
            entry_type: EntryType::ConfChangeV2,
            data: ConfChangeV2::default().encode(),
            ..Entry::default()
        };
        self.pending_conf_index = self.log.last_index().next();
        self.append_entries(vec![entry]);
        self.bcast_append();
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
