//! A list kept in short chunks, for the moments: once a kind is full, every push drops one
//! moment from the middle of the list's older part. In one `Vec` that moved the whole tail
//! behind it (about 1,300 moments of 48 bytes at every commit and every client answer of a
//! long run); here it moves at most one chunk's items and a few chunk offsets. A persistent
//! vector (`imbl::Vector`) was tried: its removal splits and re-joins the tree, which costs
//! several times the copy it saves.

/// At most this many items per chunk.
const CHUNK: usize = 64;

/// Items in order, in non-empty chunks of at most [`CHUNK`] items, where no two neighbouring
/// chunks would fit in one (so a list of n items has fewer than `2 n / CHUNK + 2` chunks).
#[derive(Clone, Debug)]
pub(super) struct ChunkList<T> {
    chunks: Vec<Vec<T>>,
    /// The index of each chunk's first item.
    starts: Vec<usize>,
    len: usize,
}

impl<T> Default for ChunkList<T> {
    fn default() -> Self {
        ChunkList {
            chunks: Vec::new(),
            starts: Vec::new(),
            len: 0,
        }
    }
}

impl<T> ChunkList<T> {
    /// The number of items.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Item `i`, if there is one.
    pub(super) fn get(&self, i: usize) -> Option<&T> {
        let (c, at) = self.locate(i)?;
        self.chunks[c].get(at)
    }

    /// The items in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flatten()
    }

    /// Appends `item` at the end.
    pub(super) fn push(&mut self, item: T) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(item),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(item);
                self.chunks.push(chunk);
                self.starts.push(self.len);
            }
        }
        self.len += 1;
    }

    /// Removes and returns item `i` (None past the end).
    pub(super) fn remove(&mut self, i: usize) -> Option<T> {
        let (c, at) = self.locate(i)?;
        let item = self.chunks[c].remove(at);
        self.len -= 1;
        for start in &mut self.starts[c + 1..] {
            *start -= 1;
        }
        if self.chunks[c].is_empty() {
            self.chunks.remove(c);
            self.starts.remove(c);
        } else {
            // Keep chunks from thinning out: join with a neighbour that fits.
            if c + 1 < self.chunks.len() {
                self.join_if_fits(c);
            }
            if c > 0 {
                self.join_if_fits(c - 1);
            }
        }
        Some(item)
    }

    /// Splits off the items from index `at` on (all of them past the end: none).
    pub(super) fn split_off(&mut self, at: usize) -> ChunkList<T> {
        let mut rest = ChunkList::default();
        if at >= self.len {
            return rest;
        }
        let Some((c, offset)) = self.locate(at) else {
            return rest;
        };
        let mut moved = self.chunks.split_off(c);
        self.starts.truncate(c);
        self.len = at - offset;
        if offset > 0 {
            // Chunk `c` is cut: its first `offset` items stay.
            let tail = moved[0].split_off(offset);
            let head = std::mem::replace(&mut moved[0], tail);
            self.append_chunk(head);
        }
        for chunk in moved {
            rest.append_chunk(chunk);
        }
        rest
    }

    /// Appends every item of `later`.
    pub(super) fn append(&mut self, later: ChunkList<T>) {
        for chunk in later.chunks {
            self.append_chunk(chunk);
        }
    }

    /// Appends a non-empty chunk (an empty one is dropped).
    fn append_chunk(&mut self, chunk: Vec<T>) {
        if chunk.is_empty() {
            return;
        }
        let added = chunk.len();
        self.chunks.push(chunk);
        self.starts.push(self.len);
        self.len += added;
        if self.chunks.len() >= 2 {
            self.join_if_fits(self.chunks.len() - 2);
        }
    }

    /// Joins chunk `c + 1` into chunk `c` if together they fit in one.
    fn join_if_fits(&mut self, c: usize) {
        if self.chunks[c].len() + self.chunks[c + 1].len() <= CHUNK {
            let next = self.chunks.remove(c + 1);
            self.starts.remove(c + 1);
            self.chunks[c].extend(next);
        }
    }

    /// The chunk holding item `i` and its place in it.
    fn locate(&self, i: usize) -> Option<(usize, usize)> {
        if i >= self.len {
            return None;
        }
        let c = self
            .starts
            .partition_point(|&start| start <= i)
            .checked_sub(1)?;
        Some((c, i - self.starts[c]))
    }

    /// The number of items for which `pred` holds, `pred` holding on a prefix of the list
    /// (as `slice::partition_point`).
    pub(super) fn partition_point(&self, pred: impl Fn(&T) -> bool) -> usize {
        // The chunks before the first whose last item fails are wholly in the prefix.
        let c = self
            .chunks
            .partition_point(|chunk| chunk.last().is_some_and(&pred));
        match self.chunks.get(c) {
            Some(chunk) => self.starts[c] + chunk.partition_point(pred),
            None => self.len,
        }
    }
}

impl<T> std::ops::Index<usize> for ChunkList<T> {
    type Output = T;

    /// Item `i`; panics past the end, as a slice does (callers index within `len`).
    fn index(&self, i: usize) -> &T {
        match self.get(i) {
            Some(item) => item,
            None => panic!("index {i} out of a list of {}", self.len),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::Stream;

    /// Random pushes, removals, splits and appends: the list holds what a `Vec` holds.
    #[test]
    fn the_list_holds_what_a_vec_holds() {
        let mut rng = Stream::new(5, 0);
        let mut plain: Vec<u64> = Vec::new();
        let mut list: ChunkList<u64> = ChunkList::default();
        let mut next = 0;
        for round in 0..20_000u64 {
            match rng.next_u64() % 10 {
                0..=5 => {
                    plain.push(next);
                    list.push(next);
                    next += 1 + rng.next_u64() % 3;
                }
                6..=8 if !plain.is_empty() => {
                    let i = (rng.next_u64() % plain.len() as u64) as usize;
                    assert_eq!(list.remove(i), Some(plain.remove(i)), "round {round}");
                }
                _ => {
                    let at = (rng.next_u64() % (plain.len() as u64 + 2)) as usize;
                    let rest_plain = plain.split_off(at.min(plain.len()));
                    let rest = list.split_off(at);
                    assert_eq!(rest.iter().copied().collect::<Vec<_>>(), rest_plain);
                    if round % 2 == 0 {
                        plain.extend(rest_plain);
                        list.append(rest);
                    }
                }
            }
            assert_eq!(list.len(), plain.len());
            assert_eq!(list.iter().copied().collect::<Vec<_>>(), plain);
            assert_eq!(list.iter().last(), plain.last());
            let probe = rng.next_u64() % (next + 2);
            assert_eq!(
                list.partition_point(|&x| x < probe),
                plain.partition_point(|&x| x < probe)
            );
            let i = (rng.next_u64() % (plain.len() as u64 + 1)) as usize;
            assert_eq!(list.get(i), plain.get(i));
            assert!(
                list.chunks
                    .iter()
                    .all(|c| !c.is_empty() && c.len() <= CHUNK)
            );
            assert!(
                list.chunks
                    .windows(2)
                    .all(|w| w[0].len() + w[1].len() > CHUNK)
            );
            let mut start = 0;
            for (chunk, &s) in list.chunks.iter().zip(&list.starts) {
                assert_eq!(s, start);
                start += chunk.len();
            }
        }
    }
}
