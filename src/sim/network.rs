//! The simulated network: a directed link for each ordered pair of nodes.
//!
//! Each direction of each pair has its own state (up or down), latency range, loss and
//! duplication probability, so a learner can cut one direction of one link (a one-way cut) or make
//! it slow or lossy. Reordering is not a separate knob: it follows from latency jitter, as on a
//! real network. Partitions, isolation and healing are shorthands that set many links at once.

use crate::raft::types::NodeId;
use crate::sim::queue::TimeMs;
use crate::sim::rng::Stream;
use crate::vec_map::VecMap;
use std::collections::BTreeSet;

/// The behaviour of one direction of one link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinkConfig {
    /// False when the link is cut: every message is dropped.
    pub up: bool,
    /// Smallest one-way delay.
    pub latency_ms_min: TimeMs,
    /// Largest one-way delay (inclusive).
    pub latency_ms_max: TimeMs,
    /// Probability (parts per million) that a message is lost.
    pub loss_ppm: u32,
    /// Probability (parts per million) that a delivered message arrives twice.
    pub duplicate_ppm: u32,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            up: true,
            latency_ms_min: TimeMs(10),
            latency_ms_max: TimeMs(30),
            loss_ppm: 0,
            duplicate_ppm: 0,
        }
    }
}

/// What happens to one message sent over a link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    /// The link is down.
    DroppedLinkDown,
    /// The link lost it at random.
    DroppedLoss,
    /// Delivered after `delay`, and a second copy after `duplicate` when the link duplicated
    /// it. Two fields, not a list: every message sent gets a fate, and a list cost one
    /// allocation per message.
    Deliver {
        delay: TimeMs,
        duplicate: Option<TimeMs>,
    },
}

/// All links of a cluster; links not set explicitly follow `default`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Network {
    default: LinkConfig,
    overrides: VecMap<(NodeId, NodeId), LinkConfig>,
}

impl Network {
    /// A network where every link behaves like `default`.
    pub fn new(default: LinkConfig) -> Network {
        Network {
            default,
            overrides: VecMap::new(),
        }
    }

    /// The default link behaviour.
    pub fn default_link(&self) -> LinkConfig {
        self.default
    }

    /// The behaviour of the link `from -> to`.
    pub fn link(&self, from: NodeId, to: NodeId) -> LinkConfig {
        self.overrides
            .get(&(from, to))
            .copied()
            .unwrap_or(self.default)
    }

    /// Changes the link `from -> to`.
    pub fn set_link(&mut self, from: NodeId, to: NodeId, config: LinkConfig) {
        if config == self.default {
            self.overrides.remove(&(from, to));
        } else {
            self.overrides.insert((from, to), config);
        }
    }

    /// Sets one direction up or down, keeping its latency and loss.
    pub fn set_up(&mut self, from: NodeId, to: NodeId, up: bool) {
        let mut config = self.link(from, to);
        config.up = up;
        self.set_link(from, to, config);
    }

    /// Cuts or restores both directions between `a` and `b`.
    pub fn set_both(&mut self, a: NodeId, b: NodeId, up: bool) {
        self.set_up(a, b, up);
        self.set_up(b, a, up);
    }

    /// Splits `nodes` into `groups`: links inside a group are up, links between groups are down.
    /// Nodes in no group are isolated from everyone.
    pub fn partition(&mut self, nodes: &BTreeSet<NodeId>, groups: &[BTreeSet<NodeId>]) {
        let group_of = |n: NodeId| groups.iter().position(|g| g.contains(&n));
        for &a in nodes {
            for &b in nodes {
                if a != b {
                    let same = matches!((group_of(a), group_of(b)), (Some(x), Some(y)) if x == y);
                    self.set_up(a, b, same);
                }
            }
        }
    }

    /// Cuts every link to and from `node`.
    pub fn isolate(&mut self, node: NodeId, nodes: &BTreeSet<NodeId>) {
        for &other in nodes {
            if other != node {
                self.set_both(node, other, false);
            }
        }
    }

    /// Restores every link to the default behaviour.
    pub fn heal_all(&mut self) {
        self.overrides.clear();
    }

    /// Sets the default latency, loss and duplication (links already overridden keep theirs).
    pub fn set_default(&mut self, default: LinkConfig) {
        self.default = default;
        self.overrides.retain(|_, config| *config != default);
    }

    /// The links that differ from the default, in a stable order (for views and hashing).
    pub fn overrides(&self) -> impl Iterator<Item = (&(NodeId, NodeId), &LinkConfig)> {
        self.overrides.iter()
    }

    /// Decides the fate of one message on `from -> to`, drawing from the network stream.
    pub fn fate(&self, from: NodeId, to: NodeId, rng: &mut Stream) -> Fate {
        let link = self.link(from, to);
        if !link.up {
            return Fate::DroppedLinkDown;
        }
        if rng.chance_ppm(link.loss_ppm) {
            return Fate::DroppedLoss;
        }
        let delay = rng.between_ms(link.latency_ms_min, link.latency_ms_max);
        let duplicate = rng
            .chance_ppm(link.duplicate_ppm)
            .then(|| rng.between_ms(link.latency_ms_min, link.latency_ms_max));
        Fate::Deliver { delay, duplicate }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::PPM_ONE;

    fn nodes(ids: &[u64]) -> BTreeSet<NodeId> {
        ids.iter().copied().map(NodeId).collect()
    }

    #[test]
    fn one_way_cut_drops_only_that_direction() {
        let mut net = Network::default();
        let mut rng = Stream::new(1, 1);
        net.set_up(NodeId(1), NodeId(2), false);
        assert_eq!(
            net.fate(NodeId(1), NodeId(2), &mut rng),
            Fate::DroppedLinkDown
        );
        assert!(matches!(
            net.fate(NodeId(2), NodeId(1), &mut rng),
            Fate::Deliver { .. }
        ));
    }

    #[test]
    fn partition_cuts_across_groups_and_heal_restores() {
        let mut net = Network::default();
        let all = nodes(&[1, 2, 3, 4, 5]);
        net.partition(&all, &[nodes(&[1, 2]), nodes(&[3, 4])]);
        assert!(net.link(NodeId(1), NodeId(2)).up && net.link(NodeId(3), NodeId(4)).up);
        assert!(!net.link(NodeId(1), NodeId(3)).up && !net.link(NodeId(4), NodeId(2)).up);
        assert!(
            !net.link(NodeId(5), NodeId(1)).up && !net.link(NodeId(1), NodeId(5)).up,
            "5 is in no group: isolated"
        );
        net.heal_all();
        assert!(all.iter().all(|&a| all.iter().all(|&b| net.link(a, b).up)));
    }

    #[test]
    fn latency_loss_and_duplication_follow_the_link() {
        let mut net = Network::default();
        let mut rng = Stream::new(9, 1);
        net.set_link(
            NodeId(1),
            NodeId(2),
            LinkConfig {
                latency_ms_min: TimeMs(50),
                latency_ms_max: TimeMs(60),
                duplicate_ppm: PPM_ONE,
                ..LinkConfig::default()
            },
        );
        match net.fate(NodeId(1), NodeId(2), &mut rng) {
            Fate::Deliver {
                delay,
                duplicate: Some(duplicate),
            } => {
                assert!([delay, duplicate].iter().all(|d| (50..=60).contains(&d.0)));
            }
            other => panic!("expected two deliveries, got {other:?}"),
        }
        net.set_link(
            NodeId(1),
            NodeId(3),
            LinkConfig {
                loss_ppm: PPM_ONE,
                ..LinkConfig::default()
            },
        );
        assert_eq!(net.fate(NodeId(1), NodeId(3), &mut rng), Fate::DroppedLoss);
    }

    #[test]
    fn setting_a_link_back_to_default_forgets_the_override() {
        let mut net = Network::default();
        net.set_up(NodeId(1), NodeId(2), false);
        net.set_up(NodeId(1), NodeId(2), true);
        assert_eq!(net.overrides().count(), 0);
    }
}
