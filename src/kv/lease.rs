//! Leases: keys that disappear when their owner stops renewing. A lease is granted with a TTL,
//! keys are attached by `put --lease`, and revoking the lease deletes them all in one revision.
//!
//! Time is the delicate part in a replicated state machine: nodes must not read their own
//! clocks during apply, or they would diverge. So time is *proposed*: the leader stamps
//! grant and keep-alive requests with its logical time (`now_ms`), and the replicated state
//! stores each lease's expiry in that time. Expiry itself is not applied by anyone's clock:
//! only the current leader asks [`Lessor::expired`] with its time and proposes a revoke for
//! each expired lease, which then commits and applies like any write (etcd does the same).

use super::types::KvError;
use crate::vec_map::VecMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A lease id (etcd's int64; printed in hex by etcdctl).
pub type LeaseId = i64;

/// Leases at most; granting more fails (a limit on every map).
pub const LEASES_MAX: usize = 10_000;

/// Ids the state machine assigns when a grant asks for none start here, plus the Raft index
/// of the grant, so they are unique and equal on every node.
pub const LEASE_ID_BASE: LeaseId = 0x694d_0000_0000_0000;

/// One lease.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// Its id.
    pub id: LeaseId,
    /// The TTL it was granted with, in seconds.
    pub ttl_seconds: i64,
    /// When it expires, in the leader's logical milliseconds.
    pub expiry_ms: u64,
    /// Keys attached to it.
    pub keys: BTreeSet<Vec<u8>>,
}

impl Lease {
    /// Whole seconds left at `now_ms` (rounded up, never negative).
    pub fn remaining_seconds(&self, now_ms: u64) -> i64 {
        let left_ms = self.expiry_ms.saturating_sub(now_ms);
        left_ms.div_ceil(1000) as i64
    }
}

/// All leases of a store.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Lessor {
    pub(super) leases: VecMap<LeaseId, Lease>,
}

impl Lessor {
    /// Grant a lease; fails if the id is taken, the TTL is not positive, or too many exist.
    pub fn grant(&mut self, id: LeaseId, ttl_seconds: i64, now_ms: u64) -> Result<&Lease, KvError> {
        if ttl_seconds <= 0 {
            return Err(KvError::LeaseTtlInvalid);
        }
        if self.leases.contains_key(&id) || id <= 0 {
            return Err(KvError::LeaseExists);
        }
        if self.leases.len() >= LEASES_MAX {
            return Err(KvError::TooManyLeases);
        }
        let expiry_ms = now_ms.saturating_add((ttl_seconds as u64).saturating_mul(1000));
        let lease = Lease {
            id,
            ttl_seconds,
            expiry_ms,
            keys: BTreeSet::new(),
        };
        Ok(self.leases.get_or_insert_with(id, || lease))
    }

    /// Renew a lease for its full TTL from `now_ms`.
    pub fn keep_alive(&mut self, id: LeaseId, now_ms: u64) -> Result<&Lease, KvError> {
        let lease = self.leases.get_mut(&id).ok_or(KvError::LeaseNotFound)?;
        lease.expiry_ms = now_ms.saturating_add((lease.ttl_seconds as u64).saturating_mul(1000));
        Ok(lease)
    }

    /// Remove a lease, returning it (its keys are the caller's to delete).
    pub fn remove(&mut self, id: LeaseId) -> Result<Lease, KvError> {
        self.leases.remove(&id).ok_or(KvError::LeaseNotFound)
    }

    /// A lease by id.
    pub fn get(&self, id: LeaseId) -> Option<&Lease> {
        self.leases.get(&id)
    }

    /// Every lease id, ascending.
    pub fn ids(&self) -> Vec<LeaseId> {
        self.leases.keys().copied().collect()
    }

    /// Leases expired at `now_ms`. Only the current leader should act on this (by proposing
    /// revokes); followers never expire leases on their own.
    pub fn expired(&self, now_ms: u64) -> Vec<LeaseId> {
        self.leases
            .values()
            .filter(|lease| lease.expiry_ms <= now_ms)
            .map(|lease| lease.id)
            .collect()
    }

    /// Attach `key` to lease `id` (which must exist).
    pub fn attach(&mut self, id: LeaseId, key: &[u8]) {
        if let Some(lease) = self.leases.get_mut(&id) {
            lease.keys.insert(key.to_vec());
        }
    }

    /// Detach `key` from lease `id`, if attached.
    pub fn detach(&mut self, id: LeaseId, key: &[u8]) {
        if let Some(lease) = self.leases.get_mut(&id) {
            lease.keys.remove(key);
        }
    }

    /// Every lease, for the state hash.
    pub fn iter(&self) -> impl Iterator<Item = &Lease> {
        self.leases.values()
    }

    /// Number of leases.
    pub fn len(&self) -> usize {
        self.leases.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.leases.is_empty()
    }
}
