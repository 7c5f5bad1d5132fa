//! The leader lease (thesis §6.4.1), built so that it holds under every schedule: message
//! delays, pauses, crashes, forced election timers and leadership transfers.
//!
//! **The followers' promise.** With check-quorum, a follower that heard from its leader
//! ignores vote requests (transfers aside) until `election_timeout` of its own ticks have
//! passed (thesis §4.2.3, `in_lease` in `step_higher_term`), and its own election timer fires
//! no earlier than that. Two holes in that promise are closed here when lease reads are
//! configured: a forced timer (the application's `campaign`, the simulator's `fire-timer`)
//! inside the promise is postponed to the promise's end, and a node that restarts keeps quiet
//! (grants no vote, starts no campaign) for one election timeout after boot, because it may
//! have promised a lease just before it crashed and the promise was in memory only.
//!
//! **The leader's lease.** Each heartbeat carries the leader's tick count at send time; the
//! follower echoes it. A follower that echoes send-tick `s` received the heartbeat after the
//! leader's tick `s`, so its promise lasts until at least `election_timeout` of its ticks after
//! that moment. The lease start is the highest send-tick that a quorum of voters has echoed
//! (the leader counts itself with its current tick; a joint configuration needs both
//! majorities, computed by the same quorum code as the commit index). Any vote quorum for a
//! new leader contains one of those voters, so no new leader can exist before
//! `lease_start + election_timeout` ticks, minus the error of comparing the leader's ticks
//! with a follower's (see [`LEASE_MARGIN_TICKS`]).
//!
//! **Transfers never extend it.** While a transfer is pending no lease read is served, and
//! once this leader sent MsgTimeoutNow, none for the rest of its term: the transferee's forced
//! campaign (CAMPAIGN_TRANSFER) is granted votes regardless of the promises.

use crate::vec_map::VecMap;

use super::*;

/// Ticks the leader subtracts from the election timeout when it trusts its lease.
///
/// Every node ticks at the same period but at its own phase, and a follower counts its
/// promise from when the heartbeat arrived, in its own ticks. A follower's first tick after
/// the heartbeat can come at once (it was due the same instant), so its promise, ending on its
/// `election_timeout`-th tick, lasts at least `election_timeout - 1` periods after the leader's
/// send tick. The leader serves lease reads while `now < start + election_timeout - margin`,
/// that is, strictly before `start + election_timeout - margin` periods; with margin 1 that
/// bound would meet the promise's end exactly, which leaves nothing for events that share an
/// instant. Margin 2 keeps one whole tick period of slack. The simulator has no clock drift;
/// a real deployment would add its bound on drift here.
pub const LEASE_MARGIN_TICKS: u64 = 2;

/// What the leader knows about its lease in the current term.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeaderLease {
    /// Per follower: the highest heartbeat send-tick it echoed in this term.
    acks: VecMap<NodeId, u64>,
    /// This leader sent MsgTimeoutNow in this term: no lease reads until the term ends.
    transfer_sent: bool,
}

impl LeaderLease {
    /// Forgets everything (new term, or stepping down).
    pub fn clear(&mut self) {
        self.acks.clear();
        self.transfer_sent = false;
    }

    /// The send-tick `id` echoed most recently (highest), if any.
    pub fn ack(&self, id: NodeId) -> Option<u64> {
        self.acks.get(&id).copied()
    }
}

impl Raft {
    /// Whether this node runs lease reads with check-quorum: then it also keeps the promises
    /// a lease relies on (postponed forced timers, the quiet period after a restart).
    pub(super) fn keeps_lease_promises(&self) -> bool {
        self.config.read_only == ReadOnlyOption::LeaseBased && self.config.check_quorum
    }

    /// The tick a heartbeat carries: the current tick with lease reads, 0 (none) otherwise.
    pub(super) fn lease_tick_to_send(&self) -> u64 {
        if self.config.read_only == ReadOnlyOption::LeaseBased {
            self.clock_ticks
        } else {
            0
        }
    }

    /// A follower echoed the send-tick `tick` (in this term: `step` drops other terms).
    pub(super) fn note_lease_ack(&mut self, from: NodeId, tick: u64) {
        // A tick from our future cannot be an echo of ours: ignore it rather than trust it.
        if tick == 0 || tick > self.clock_ticks || from == self.id {
            return;
        }
        let ack = self.lease.acks.get_or_insert_with(from, || 0);
        *ack = (*ack).max(tick);
    }

    /// The send-tick a quorum of voters has echoed (this leader counts with its current tick),
    /// or `None` while no quorum has echoed any heartbeat of this term.
    pub fn lease_start(&self) -> Option<u64> {
        if self.role != Role::Leader {
            return None;
        }
        let now = self.clock_ticks;
        let self_id = self.id;
        // The quorum rule of the commit index, applied to ticks instead of log indexes.
        let start = self.tracker.config.voters.committed_index(|id| {
            let tick = if id == self_id {
                now
            } else {
                self.lease.ack(id).unwrap_or(0)
            };
            Some(Index(tick))
        });
        (start.0 != 0 && start != Index::MAX).then_some(start.0)
    }

    /// Ticks left in the lease (0 = no lease): the leader may answer reads at once only while
    /// this is positive.
    pub fn lease_ticks_left(&self) -> u64 {
        if self.lead_transferee.is_some() || self.lease.transfer_sent {
            return 0;
        }
        let Some(start) = self.lease_start() else {
            return 0;
        };
        let end = start
            .saturating_add(self.config.election_timeout_ticks)
            .saturating_sub(LEASE_MARGIN_TICKS);
        end.saturating_sub(self.clock_ticks)
    }

    /// This leader sent MsgTimeoutNow: its lease ends for the rest of the term.
    pub(super) fn end_lease_for_transfer(&mut self) {
        self.lease.transfer_sent = true;
    }

    /// Ticks for which this node must still refuse votes and not campaign: its promise to
    /// the leader it heard from (check-quorum), or the quiet period after a restart.
    pub fn promise_ticks_left(&self) -> u64 {
        let timeout = self.config.election_timeout_ticks;
        let to_leader =
            if self.config.check_quorum && self.role != Role::Leader && self.leader.is_some() {
                timeout.saturating_sub(self.election_elapsed_ticks)
            } else {
                0
            };
        let quiet = if self.keeps_lease_promises() {
            self.quiet_ticks_left
        } else {
            0
        };
        to_leader.max(quiet)
    }

    /// The application asks for an election now (a forced timer). With lease reads, a node
    /// inside its promise postpones it: its election timer is set to fire when the promise
    /// ends. Otherwise it campaigns at once.
    pub fn campaign_requested(&mut self) {
        let left = self.promise_ticks_left();
        if !self.keeps_lease_promises()
            || left == 0
            || self.role == Role::Leader
            || !self.promotable()
        {
            self.hup(false);
            return;
        }
        // Never below the election timeout: after a heartbeat resets the elapsed ticks, the
        // timer must not fire inside the renewed promise either.
        self.randomized_election_timeout_ticks =
            (self.election_elapsed_ticks + left).max(self.config.election_timeout_ticks);
        let event = Event::CampaignPostponed {
            id: self.id,
            leader: self.leader,
            ticks: self.randomized_election_timeout_ticks - self.election_elapsed_ticks,
        };
        self.record(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::message::HardState;

    fn config(id: u64) -> Config {
        let mut config = Config::new(NodeId(id));
        config.read_only = ReadOnlyOption::LeaseBased;
        config
    }

    /// Node 1 as leader of `conf` at tick `now`, no echoes yet.
    fn leader(conf: ConfState, now: u64) -> Raft {
        let mut raft =
            Raft::new(&config(1), MemStorage::new_with_conf_state(conf)).expect("valid config");
        // Only `become_*` changes the role, tests included.
        raft.become_candidate();
        raft.become_leader();
        raft.clock_ticks = now;
        raft
    }

    fn ack(raft: &mut Raft, from: u64, tick: u64) {
        raft.note_lease_ack(NodeId(from), tick);
    }

    #[test]
    fn lease_starts_at_the_send_tick_a_majority_echoed() {
        let mut raft = leader(ConfState::from_voters([1, 2, 3]), 9);
        assert_eq!(raft.lease_start(), None, "no echo yet: no lease");
        ack(&mut raft, 2, 5);
        // The leader counts itself at tick 9: {9, 5, 0} -> a majority has 5.
        assert_eq!(raft.lease_start(), Some(5));
        ack(&mut raft, 3, 7);
        assert_eq!(raft.lease_start(), Some(7));
        ack(&mut raft, 3, 6);
        assert_eq!(
            raft.lease_start(),
            Some(7),
            "an older echo never moves it back"
        );
        ack(&mut raft, 2, 100);
        assert_eq!(
            raft.lease.ack(NodeId(2)),
            Some(5),
            "an echo from the future is ignored"
        );
    }

    #[test]
    fn five_voters_need_two_echoes_and_the_lower_one_counts() {
        let mut raft = leader(ConfState::from_voters([1, 2, 3, 4, 5]), 10);
        ack(&mut raft, 2, 8);
        assert_eq!(raft.lease_start(), None, "{{10, 8}} is not a majority of 5");
        ack(&mut raft, 3, 6);
        ack(&mut raft, 4, 4);
        // {10, 8, 6, 4, 0}: the third highest is held by a majority.
        assert_eq!(raft.lease_start(), Some(6));
    }

    #[test]
    fn a_joint_configuration_needs_both_majorities() {
        let conf = ConfState {
            voters: [1, 2, 3].into_iter().map(NodeId).collect(),
            voters_outgoing: [1, 4, 5].into_iter().map(NodeId).collect(),
            ..ConfState::default()
        };
        let mut raft = leader(conf, 12);
        ack(&mut raft, 2, 9);
        ack(&mut raft, 3, 9);
        assert_eq!(raft.lease_start(), None, "the outgoing half has not echoed");
        ack(&mut raft, 4, 5);
        assert_eq!(raft.lease_start(), Some(5), "the lower of the two halves");
    }

    #[test]
    fn the_lease_ends_margin_ticks_before_the_promises_and_transfers_end_it() {
        let mut raft = leader(ConfState::from_voters([1, 2, 3]), 9);
        ack(&mut raft, 2, 5);
        // Start 5, election timeout 10, margin 2: valid while now < 13.
        assert_eq!(raft.lease_ticks_left(), 4);
        raft.clock_ticks = 12;
        assert_eq!(raft.lease_ticks_left(), 1);
        raft.clock_ticks = 13;
        assert_eq!(raft.lease_ticks_left(), 0);
        raft.clock_ticks = 9;
        raft.lead_transferee = Some(NodeId(2));
        assert_eq!(
            raft.lease_ticks_left(),
            0,
            "no lease reads while a transfer is pending"
        );
        raft.lead_transferee = None;
        raft.end_lease_for_transfer();
        assert_eq!(
            raft.lease_ticks_left(),
            0,
            "none after MsgTimeoutNow, all term long"
        );
        let term = raft.term;
        raft.become_follower(term, None);
        assert_eq!(raft.lease_start(), None, "stepping down clears it");
    }

    #[test]
    fn a_forced_timer_inside_a_promise_waits_for_its_end() {
        let mut raft = Raft::new(
            &config(2),
            MemStorage::new_with_conf_state(ConfState::from_voters([1, 2, 3])),
        )
        .expect("valid config");
        raft.become_follower(Term(1), Some(NodeId(1)));
        raft.election_elapsed_ticks = 3;
        raft.take_events();
        raft.campaign_requested();
        assert_eq!(raft.role, Role::Follower, "no campaign inside the promise");
        assert_eq!(
            raft.take_events(),
            vec![Event::CampaignPostponed {
                id: NodeId(2),
                leader: Some(NodeId(1)),
                ticks: 7
            }]
        );
        for _ in 0..6 {
            raft.tick();
        }
        assert_eq!(raft.role, Role::Follower, "still inside the promise");
        raft.tick();
        assert_eq!(
            raft.role,
            Role::PreCandidate,
            "campaigns when the promise ends"
        );
    }

    #[test]
    fn a_restarted_node_stays_quiet_for_an_election_timeout() {
        let mut storage = MemStorage::new_with_conf_state(ConfState::from_voters([1, 2, 3]));
        storage.set_hard_state(HardState {
            term: Term(3),
            vote: None,
            commit: Index(0),
        });
        let mut raft = Raft::new(&config(2), storage.clone()).expect("valid config");
        assert_eq!(raft.quiet_ticks_left, 10);
        let vote = Message {
            msg_type: MessageType::MsgVote,
            from: NodeId(3),
            to: NodeId(2),
            term: Term(4),
            ..Message::default()
        };
        raft.step(&vote).expect("well formed");
        assert_eq!(raft.term, Term(3), "vote ignored, term unchanged");
        assert!(raft.take_messages().is_empty(), "no vote granted");
        raft.campaign_requested();
        assert_eq!(raft.role, Role::Follower, "no campaign while quiet");
        for _ in 0..10 {
            raft.tick();
        }
        assert_eq!(raft.quiet_ticks_left, 0);
        // The timer was set to the quiet period's end: the node has campaigned by now.
        assert_eq!(raft.role, Role::PreCandidate);
        let fresh = Raft::new(
            &config(2),
            MemStorage::new_with_conf_state(ConfState::from_voters([1, 2, 3])),
        )
        .expect("valid config");
        assert_eq!(
            fresh.quiet_ticks_left, 0,
            "a node that never lived promised nothing"
        );
        let mut safe = Config::new(NodeId(2));
        safe.read_only = ReadOnlyOption::Safe;
        let safe = Raft::new(&safe, storage).expect("valid config");
        assert_eq!(safe.quiet_ticks_left, 0, "only with lease reads");
    }
}
