//! Linearizable reads on the leader: read-index (thesis §6.4) and lease reads (§6.4.1), which
//! fall back to read-index whenever the lease (`lease.rs`) is not valid.

use super::*;

impl Raft {
    /// Read-index on the leader (thesis §6.4). `request.from` is who gets the answer.
    pub(super) fn leader_read_index(&mut self, request: Message) {
        if self.is_sole_voter() {
            let committed = self.log.committed;
            if self.committed_entry_in_current_term() {
                self.respond_read_index(request, committed);
            } else if self.pending_read_index_messages.len() < READS_WAITING_MAX {
                self.pending_read_index_messages.push(request);
            }
            return;
        }
        if !self.committed_entry_in_current_term() {
            // Thesis §6.4 step 1: until its no-op commits, the leader's commit index may be
            // behind what earlier leaders committed.
            if self.pending_read_index_messages.len() < READS_WAITING_MAX {
                self.pending_read_index_messages.push(request);
            }
            return;
        }
        self.send_read_index_response(request);
    }

    pub(super) fn send_read_index_response(&mut self, request: Message) {
        let committed = self.log.committed;
        let lease_holds =
            self.read_only.option == ReadOnlyOption::LeaseBased && self.lease_ticks_left() > 0;
        if lease_holds {
            // Inside the lease no other leader can exist (see `lease.rs`): answer at once.
            self.respond_read_index(request, committed);
            return;
        }
        // No lease (or read-index configured): confirm leadership with a heartbeat round.
        let ctx = request.context.clone();
        if self.read_only.add_request(committed, request) {
            let self_id = self.id;
            self.read_only.recv_ack(self_id, &ctx);
            if self.is_sole_voter() {
                for status in self.read_only.advance(&ctx) {
                    self.respond_read_index(status.request, status.index);
                }
            } else {
                self.bcast_heartbeat(Some(ctx));
            }
        }
    }

    pub(super) fn release_pending_reads(&mut self) {
        if !self.committed_entry_in_current_term() {
            return;
        }
        let waiting = std::mem::take(&mut self.pending_read_index_messages);
        for request in waiting {
            if self.is_sole_voter() {
                let committed = self.log.committed;
                self.respond_read_index(request, committed);
            } else {
                self.send_read_index_response(request);
            }
        }
    }

    pub(super) fn respond_read_index(&mut self, request: Message, index: Index) {
        if request.from == self.id || request.from == NodeId::NONE {
            self.read_states.push(ReadState {
                index,
                request_ctx: request.context,
            });
            return;
        }
        self.send(Message {
            msg_type: MessageType::MsgReadIndexResp,
            to: request.from,
            index,
            context: request.context,
            ..Message::default()
        });
    }
}
