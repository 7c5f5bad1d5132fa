//! The simulator names nodes with the core's [`NodeId`], and writes it as the bare number.
//!
//! The Raft core does not depend on serde, but the simulator's actions, trace events, reports
//! and configurations are plain data for the page, share links and scripts, where a node has
//! always been a number. These impls keep that format (the equivalent of
//! `#[serde(transparent)]`), so typing the ids changed no JSON.

use crate::raft::types::NodeId;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

impl Serialize for NodeId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for NodeId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<NodeId, D::Error> {
        u64::deserialize(deserializer).map(NodeId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_id_is_written_as_its_number() {
        assert_eq!(serde_json::to_string(&NodeId(7)).expect("writes"), "7");
        assert_eq!(
            serde_json::from_str::<NodeId>("7").expect("reads"),
            NodeId(7)
        );
        assert!(serde_json::from_str::<NodeId>("\"7\"").is_err());
    }
}
