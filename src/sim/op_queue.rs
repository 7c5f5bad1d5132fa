//! The finished operations still in the operations window, oldest first: a persistent queue.
//!
//! A timeline checkpoint keeps a copy of the queue, so it must be cheap to share. It was an
//! `imbl::Vector`, whose pushes at one end and pops at the other rewrote its buffers and tree
//! edges at both ends: each of the one-hour bench run's 192 checkpoints held about 10 KB of
//! its own (1.9 MB). Here the ids sit in blocks of [`BLOCK`] behind `Arc`s, in the order they
//! were pushed: a pop only moves the head (a block is dropped once all of it is popped), and a
//! push writes the last block, so a checkpoint costs at most one block of its own.

use std::sync::Arc;

/// Ids per block.
const BLOCK: u64 = 64;

/// A first-in first-out queue of operation ids that copies share (see the module's doc).
#[derive(Clone, Debug, Default)]
pub struct OpQueue {
    /// Block number -> the ids pushed at positions `number * BLOCK ..`; blocks wholly before
    /// `head` are gone.
    blocks: imbl::OrdMap<u64, Arc<[u64; BLOCK as usize]>>,
    /// Position of the oldest id still queued.
    head: u64,
    /// Position the next push takes.
    tail: u64,
}

impl OpQueue {
    /// The number of queued ids.
    pub fn len(&self) -> usize {
        usize::try_from(self.tail - self.head).unwrap_or(usize::MAX)
    }

    /// Whether no id is queued.
    pub fn is_empty(&self) -> bool {
        self.head == self.tail
    }

    /// Queues `id` last.
    pub fn push_back(&mut self, id: u64) {
        let (number, slot) = (self.tail / BLOCK, (self.tail % BLOCK) as usize);
        match self.blocks.get_mut(&number) {
            Some(block) => Arc::make_mut(block)[slot] = id,
            None => {
                let mut block = [0; BLOCK as usize];
                block[slot] = id;
                self.blocks.insert(number, Arc::new(block));
            }
        }
        self.tail += 1;
    }

    /// Takes the oldest id.
    pub fn pop_front(&mut self) -> Option<u64> {
        if self.is_empty() {
            return None;
        }
        let (number, slot) = (self.head / BLOCK, (self.head % BLOCK) as usize);
        let id = self.blocks.get(&number).map(|block| block[slot]);
        self.head += 1;
        if self.head.is_multiple_of(BLOCK) || self.is_empty() {
            // The head left this block (or the queue is empty): nobody reads it again.
            self.blocks.remove(&number);
        }
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::VecDeque;

    /// The blocks that hold queued ids: none when empty, else those from the head's to the
    /// last id's (a block the head has left is dropped).
    fn blocks_spanned(queue: &OpQueue) -> usize {
        if queue.is_empty() {
            return 0;
        }
        usize::try_from((queue.tail - 1) / BLOCK - queue.head / BLOCK + 1).unwrap_or(usize::MAX)
    }

    proptest! {
        /// Pushes and pops, copies taken on the way: the queue behaves as a `VecDeque`, and a
        /// copy never sees later changes.
        #[test]
        fn behaves_as_a_vecdeque(ops in proptest::collection::vec((0u8..4, 0u64..1000), 1..600)) {
            let mut queue = OpQueue::default();
            let mut model: VecDeque<u64> = VecDeque::new();
            let mut copies: Vec<(OpQueue, VecDeque<u64>)> = Vec::new();
            for (kind, id) in ops {
                match kind {
                    0 => prop_assert_eq!(queue.pop_front(), model.pop_front()),
                    1 => copies.push((queue.clone(), model.clone())),
                    _ => {
                        queue.push_back(id);
                        model.push_back(id);
                    }
                }
                prop_assert_eq!(queue.len(), model.len());
                prop_assert_eq!(queue.blocks.len(), blocks_spanned(&queue), "a block left behind");
            }
            copies.push((queue, model));
            for (mut queue, mut model) in copies {
                while let Some(id) = model.pop_front() {
                    prop_assert_eq!(queue.pop_front(), Some(id));
                }
                prop_assert_eq!(queue.pop_front(), None);
                prop_assert!(queue.is_empty());
            }
        }
    }
}
