//! Leader election (§5.2): campaigns, pre-vote (thesis §9.6), counting votes, and the voter's
//! side: one vote per term and the election restriction (§5.4.1).

use super::*;

impl Raft {
    pub(super) fn tick_election(&mut self) {
        self.election_elapsed_ticks += 1;
        if self.campaign_after_apply && !self.has_unapplied_conf_change() {
            // The campaign a MsgTimeoutNow asked for (see `step_follower`); `hup` checks that
            // this node is still a voter of the configuration it applied.
            self.campaign_after_apply = false;
            self.election_elapsed_ticks = 0;
            self.hup(true);
            return;
        }
        if self.promotable()
            && self.election_elapsed_ticks >= self.randomized_election_timeout_ticks
        {
            self.election_elapsed_ticks = 0;
            self.hup(false);
        }
    }

    pub(super) fn step_candidate(&mut self, m: &Message) -> Result<(), StepError> {
        let my_response = if self.role == Role::PreCandidate {
            MessageType::MsgPreVoteResp
        } else {
            MessageType::MsgVoteResp
        };
        match m.msg_type {
            MessageType::MsgApp => {
                self.become_follower(m.term, Some(m.from));
                self.handle_append(m)
            }
            MessageType::MsgHeartbeat => {
                self.become_follower(m.term, Some(m.from));
                self.handle_heartbeat(m);
                Ok(())
            }
            MessageType::MsgSnapshot => {
                self.become_follower(m.term, Some(m.from));
                self.handle_snapshot(m)
            }
            t if t == my_response => {
                let kind = if self.role == Role::PreCandidate {
                    CampaignKind::PreElection
                } else {
                    CampaignKind::Election
                };
                match self.poll(m.from, !m.reject) {
                    VoteResult::Won => self.win_election(kind),
                    VoteResult::Lost => {
                        let term = self.term;
                        self.become_follower(term, None);
                    }
                    VoteResult::Pending => {}
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Starts an election now (the application's `campaign`, or an election timeout).
    pub fn hup(&mut self, transfer: bool) {
        if self.role == Role::Leader || !self.promotable() {
            return;
        }
        if self.has_unapplied_conf_change() {
            // The configuration we would campaign in is about to change; wait for it.
            return;
        }
        let kind = if transfer {
            CampaignKind::Transfer
        } else if self.config.pre_vote {
            CampaignKind::PreElection
        } else {
            CampaignKind::Election
        };
        self.campaign(kind);
    }

    pub(super) fn has_unapplied_conf_change(&self) -> bool {
        if self.log.committed <= self.log.applied {
            return false;
        }
        self.log
            .next_committed_entries(u64::MAX)
            .iter()
            .any(|e| e.entry_type != EntryType::Normal)
    }

    pub(super) fn campaign(&mut self, kind: CampaignKind) {
        let (vote_type, term) = if kind == CampaignKind::PreElection {
            self.become_pre_candidate();
            // Pre-vote asks about the next term without moving to it.
            (MessageType::MsgPreVote, self.term.next())
        } else {
            self.become_candidate();
            (MessageType::MsgVote, self.term)
        };
        let self_id = self.id;
        if self.poll(self_id, true) == VoteResult::Won {
            self.win_election(kind);
            return;
        }
        let last_index = self.log.last_index();
        let last_term = self.log.last_term();
        let context = if kind == CampaignKind::Transfer {
            CAMPAIGN_TRANSFER.to_vec()
        } else {
            Vec::new()
        };
        for id in self.tracker.config.voters.ids() {
            if id == self.id {
                continue;
            }
            self.send(Message {
                msg_type: vote_type,
                to: id,
                term,
                log_term: last_term,
                index: last_index,
                context: context.clone(),
                ..Message::default()
            });
        }
    }

    pub(super) fn win_election(&mut self, kind: CampaignKind) {
        if kind == CampaignKind::PreElection {
            self.campaign(CampaignKind::Election);
        } else {
            self.become_leader();
            self.bcast_append();
        }
    }

    pub(super) fn poll(&mut self, id: NodeId, granted: bool) -> VoteResult {
        self.tracker.record_vote(id, granted);
        let (_, _, result) = self
            .tracker
            .tally_votes(self.switch(UnsafeSwitch::CountLearnersInQuorum));
        result
    }

    /// §5.2 one vote per term, §5.4.1 election restriction.
    pub(super) fn handle_vote_request(&mut self, m: &Message) {
        let is_pre_vote = m.msg_type == MessageType::MsgPreVote;
        let response_type = if is_pre_vote {
            MessageType::MsgPreVoteResp
        } else {
            MessageType::MsgVoteResp
        };
        let can_vote = self.vote == Some(m.from)
            || (self.vote.is_none() && self.leader.is_none())
            || (is_pre_vote && m.term > self.term);
        let up_to_date = self.log.is_up_to_date(m.index, m.log_term)
            || self.switch(UnsafeSwitch::SkipElectionRestriction);
        if can_vote && up_to_date {
            self.send(Message {
                msg_type: response_type,
                to: m.from,
                term: m.term,
                ..Message::default()
            });
            if !is_pre_vote {
                self.election_elapsed_ticks = 0;
                self.vote = Some(m.from);
            }
        } else {
            let reason = if !can_vote {
                match (self.vote, self.leader) {
                    (Some(vote), _) => VoteRejection::AlreadyVoted {
                        vote,
                        term: self.term,
                    },
                    (None, Some(leader)) => VoteRejection::FollowsLeader {
                        leader,
                        term: self.term,
                    },
                    (None, None) => VoteRejection::StaleTerm { term: m.term },
                }
            } else {
                VoteRejection::LogBehind {
                    candidate: (m.log_term, m.index),
                    ours: (self.log.last_term(), self.log.last_index()),
                }
            };
            self.record(Event::VoteRejected {
                id: self.id,
                candidate: m.from,
                pre_vote: is_pre_vote,
                reason,
            });
            self.send(Message {
                msg_type: response_type,
                to: m.from,
                term: self.term,
                reject: true,
                ..Message::default()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Node 1, a follower of voters {1, 2} in term 1 with `entries` entries of term 1, that has
    /// counted `elapsed` ticks towards a timeout of 15.
    fn follower(entries: u64, elapsed: u64) -> Raft {
        let conf = ConfState::from_voters([1, 2]);
        let config = Config::new(NodeId(1));
        let mut raft = Raft::new(&config, MemStorage::new_with_conf_state(conf)).expect("config");
        raft.become_follower(Term(1), None);
        let log: Vec<Entry> = (1..=entries)
            .map(|i| Entry {
                term: Term(1),
                index: Index(i),
                ..Entry::default()
            })
            .collect();
        raft.log.append(&log);
        raft.election_elapsed_ticks = elapsed;
        raft.randomized_election_timeout_ticks = 15;
        raft
    }

    fn vote_request(last_index: u64) -> Message {
        Message {
            msg_type: MessageType::MsgVote,
            from: NodeId(2),
            to: NodeId(1),
            term: Term(2),
            index: Index(last_index),
            log_term: Term(1),
            ..Message::default()
        }
    }

    #[test]
    fn rejecting_a_later_term_vote_keeps_the_election_timer() {
        let mut raft = follower(8, 7);
        raft.step(&vote_request(6)).expect("step");
        assert_eq!(raft.term, Term(2), "the term still moves");
        assert_eq!(raft.vote, None, "log 1/6 is behind 1/8: refused");
        assert_eq!(
            (
                raft.election_elapsed_ticks,
                raft.randomized_election_timeout_ticks
            ),
            (7, 15),
            "Figure 2: only a granted vote restarts the timer"
        );
        let refusal = VoteRejection::LogBehind {
            candidate: (Term(1), Index(6)),
            ours: (Term(1), Index(8)),
        };
        let events = raft.take_events();
        let rejected = events.iter().find_map(|e| match e {
            Event::VoteRejected { reason, .. } => Some(reason),
            _ => None,
        });
        assert_eq!(rejected, Some(&refusal));
        assert_eq!(
            refusal.to_string(),
            "candidate log 1/6 is behind ours 1/8",
            "the words the traces print"
        );
    }

    #[test]
    fn granting_a_vote_restarts_the_election_timer() {
        let mut raft = follower(6, 7);
        raft.step(&vote_request(8)).expect("step");
        assert_eq!(raft.vote, Some(NodeId(2)));
        assert_eq!(raft.election_elapsed_ticks, 0);
    }
}
