//! Requests from this node's own application: proposals, reads, transfers, transport reports.

use super::*;

impl Raft {
    /// A proposal from this node's application: appended on the leader, forwarded otherwise.
    pub fn propose(&mut self, entries: Vec<Entry>) -> Result<(), ProposeError> {
        match self.role {
            Role::Leader => self.propose_as_leader(entries),
            Role::Follower => {
                let Some(leader) = self.leader else {
                    return Err(ProposeError::NoLeader);
                };
                if entries.is_empty() {
                    return Err(ProposeError::Empty);
                }
                self.send(Message {
                    msg_type: MessageType::MsgProp,
                    to: leader,
                    entries,
                    ..Message::default()
                });
                Ok(())
            }
            Role::PreCandidate | Role::Candidate => Err(ProposeError::NoLeader),
        }
    }

    /// A linearizable read request from this node's application.
    pub fn read_index(&mut self, ctx: Vec<u8>) -> Result<(), ProposeError> {
        let request = Message {
            msg_type: MessageType::MsgReadIndex,
            from: self.id,
            to: self.id,
            context: ctx,
            ..Message::default()
        };
        match self.role {
            Role::Leader => {
                self.leader_read_index(request);
                Ok(())
            }
            Role::Follower => {
                let Some(leader) = self.leader else {
                    return Err(ProposeError::NoLeader);
                };
                self.send(Message {
                    to: leader,
                    ..request
                });
                Ok(())
            }
            Role::PreCandidate | Role::Candidate => Err(ProposeError::NoLeader),
        }
    }

    /// Leadership transfer to `target` (on the leader), or "transfer to me" on a follower.
    pub fn transfer_leader(&mut self, target: NodeId) -> Result<(), ProposeError> {
        match self.role {
            Role::Leader => {
                self.handle_transfer_leader(target);
                Ok(())
            }
            Role::Follower if target == self.id => {
                let Some(leader) = self.leader else {
                    return Err(ProposeError::NoLeader);
                };
                self.send(Message {
                    msg_type: MessageType::MsgTransferLeader,
                    to: leader,
                    ..Message::default()
                });
                Ok(())
            }
            _ => Err(ProposeError::NotLeader),
        }
    }

    /// The transport could not reach `id`: stop pipelining to it and probe again.
    pub fn report_unreachable(&mut self, id: NodeId) {
        if self.role != Role::Leader {
            return;
        }
        if let Some(pr) = self.tracker.progress.get_mut(&id)
            && pr.state == ProgressState::Replicate
        {
            pr.become_probe();
        }
    }

    /// The transport reports whether a snapshot reached `id`.
    pub fn report_snapshot(&mut self, id: NodeId, delivered: bool) {
        if self.role != Role::Leader {
            return;
        }
        if let Some(pr) = self.tracker.progress.get_mut(&id)
            && pr.state == ProgressState::Snapshot
        {
            if !delivered {
                pr.pending_snapshot = Index(0);
            }
            pr.become_probe();
            // Wait for the follower's answer (or a heartbeat) before probing.
            pr.probe_sent = true;
        }
    }
}
