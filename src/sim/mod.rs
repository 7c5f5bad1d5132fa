//! The deterministic cluster simulator: virtual time, a seeded network, disks and clients.
//!
//! All nondeterminism of a run lives here and is drawn from one seed ([`rng`]); events run in
//! (time, insertion) order ([`queue`]); the network is a set of directed links ([`network`]).
//! Same seed and same actions give the same run, natively and in the browser.

pub mod network;
pub mod queue;
pub mod rng;
