//! Reading an [`Action`] (and a [`MembershipChange`]) from JSON, written by hand.
//!
//! Both are internally tagged (`{"kind": "crash", "node": 2}`, `{"op": "remove", "node": 1}`;
//! docs/scenario-format.md). serde's derived reader for an internally tagged enum buffers the
//! whole object in its `Content` type, then reads the variant again out of that buffer: in the
//! page's wasm that came to about 75 KB of code for these two enums (issue 13). The field names
//! of all the variants are few and each has one type wherever it appears (`node` is always a
//! node, `up` always a flag, ...), so one pass over the object can read every field it knows
//! into its slot, whatever the order of the keys, and build the variant at the end.
//!
//! The same JSON gives the same action as the derived reader, and the same messages for a
//! missing tag (`missing field `kind``), an unknown one (`unknown variant ..., expected one of
//! ...`), a missing field and a repeated field the variant uses. Keys no variant uses are
//! skipped, as before. What is refused now and was not: a field that some other variant uses,
//! given with a value of the wrong type (`{"kind": "heal", "node": "x"}`), and an action
//! written as an array (`["crash", 2]`), which serde accepted and no writer ever produced.

use crate::raft::types::NodeId;
use crate::sim::action::{ACTION_KINDS, Action, JointLeave, LinkConfigData, MembershipChange};
use serde::de::{Deserialize, Deserializer, Error, IgnoredAny, MapAccess, Visitor};
use std::fmt;

/// The `op` words of [`MembershipChange`], in declaration order.
const CHANGE_OPS: &[&str] = &["add-voter", "add-learner", "remove"];

/// A tag's word (`kind`, `op`), read as serde reads a variant's name, so that a tag that is not
/// a string is refused with the derived reader's words (`expected variant identifier`).
struct Tag(String);

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Tag, D::Error> {
        deserializer.deserialize_identifier(TagVisitor)
    }
}

/// The visitor behind [`Tag`].
struct TagVisitor;

impl Visitor<'_> for TagVisitor {
    type Value = Tag;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("variant identifier")
    }

    fn visit_str<E: Error>(self, word: &str) -> Result<Tag, E> {
        Ok(Tag(word.to_string()))
    }
}

/// One field slot: its value once read, and whether it was given more than once.
struct Slot<T> {
    value: Option<T>,
    repeated: bool,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot {
            value: None,
            repeated: false,
        }
    }
}

impl<T> Slot<T> {
    /// Reads the entry's value into the slot (the last of repeated entries stays).
    fn read<'de, A: MapAccess<'de>>(&mut self, map: &mut A) -> Result<(), A::Error>
    where
        T: Deserialize<'de>,
    {
        self.repeated |= self.value.is_some();
        self.value = Some(map.next_value()?);
        Ok(())
    }

    /// The value a variant needs: an error if it is missing or was given twice.
    fn take<E: Error>(self, name: &'static str) -> Result<T, E> {
        if self.repeated {
            return Err(E::duplicate_field(name));
        }
        self.value.ok_or_else(|| E::missing_field(name))
    }

    /// The value of a field the variant may leave out (`leave`).
    fn take_optional<E: Error>(self, name: &'static str) -> Result<Option<T>, E> {
        if self.repeated {
            return Err(E::duplicate_field(name));
        }
        Ok(self.value)
    }
}

/// Every field of every [`Action`] variant, each with its one type.
#[derive(Default)]
struct ActionFields {
    kind: Slot<Tag>,
    node: Slot<NodeId>,
    from: Slot<NodeId>,
    to: Slot<NodeId>,
    via: Slot<NodeId>,
    up: Slot<bool>,
    link: Slot<LinkConfigData>,
    message: Slot<u64>,
    client: Slot<u64>,
    op: Slot<u64>,
    data: Slot<String>,
    line: Slot<String>,
    groups: Slot<Vec<Vec<NodeId>>>,
    change: Slot<MembershipChange>,
    changes: Slot<Vec<MembershipChange>>,
    leave: Slot<Option<JointLeave>>,
}

impl ActionFields {
    /// The action the fields describe.
    fn build<E: Error>(self) -> Result<Action, E> {
        let f = self;
        let Tag(kind) = f.kind.take::<E>("kind")?;
        Ok(match kind.as_str() {
            "crash" => Action::Crash {
                node: f.node.take("node")?,
            },
            "restart" => Action::Restart {
                node: f.node.take("node")?,
            },
            "pause" => Action::Pause {
                node: f.node.take("node")?,
            },
            "resume" => Action::Resume {
                node: f.node.take("node")?,
            },
            "fire-timer" => Action::FireTimer {
                node: f.node.take("node")?,
            },
            "partition" => Action::Partition {
                groups: f.groups.take("groups")?,
            },
            "isolate" => Action::Isolate {
                node: f.node.take("node")?,
            },
            "heal" => Action::Heal,
            "set-link-up" => Action::SetLinkUp {
                from: f.from.take("from")?,
                to: f.to.take("to")?,
                up: f.up.take("up")?,
            },
            "set-link" => Action::SetLink {
                from: f.from.take("from")?,
                to: f.to.take("to")?,
                link: f.link.take("link")?,
            },
            "set-default-link" => Action::SetDefaultLink {
                link: f.link.take("link")?,
            },
            "hold" => Action::Hold {
                message: f.message.take("message")?,
            },
            "release" => Action::Release {
                message: f.message.take("message")?,
            },
            "drop" => Action::Drop {
                message: f.message.take("message")?,
            },
            "deliver-now" => Action::DeliverNow {
                message: f.message.take("message")?,
            },
            "propose" => Action::Propose {
                node: f.node.take("node")?,
                data: f.data.take("data")?,
            },
            "transfer-leader" => Action::TransferLeader {
                node: f.node.take("node")?,
                to: f.to.take("to")?,
            },
            "compact" => Action::Compact {
                node: f.node.take("node")?,
            },
            "read-index" => Action::ReadIndex {
                node: f.node.take("node")?,
            },
            "console" => Action::Console {
                client: f.client.take("client")?,
                node: f.node.take("node")?,
                line: f.line.take("line")?,
            },
            "retry" => Action::Retry {
                op: f.op.take("op")?,
                node: f.node.take("node")?,
            },
            "change-membership" => Action::ChangeMembership {
                via: f.via.take("via")?,
                change: f.change.take("change")?,
            },
            "change-config" => Action::ChangeConfig {
                via: f.via.take("via")?,
                changes: f.changes.take("changes")?,
                leave: f.leave.take_optional("leave")?.flatten(),
            },
            "leave-joint" => Action::LeaveJoint {
                via: f.via.take("via")?,
            },
            other => return Err(E::unknown_variant(other, ACTION_KINDS)),
        })
    }
}

/// The visitor that reads an action's object in one pass.
struct ActionVisitor;

impl<'de> Visitor<'de> for ActionVisitor {
    type Value = Action;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("internally tagged enum Action")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Action, A::Error> {
        let mut f = ActionFields::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "kind" => {
                    if f.kind.value.is_some() {
                        return Err(A::Error::duplicate_field("kind"));
                    }
                    f.kind.read(&mut map)?
                }
                "node" => f.node.read(&mut map)?,
                "from" => f.from.read(&mut map)?,
                "to" => f.to.read(&mut map)?,
                "via" => f.via.read(&mut map)?,
                "up" => f.up.read(&mut map)?,
                "link" => f.link.read(&mut map)?,
                "message" => f.message.read(&mut map)?,
                "client" => f.client.read(&mut map)?,
                "op" => f.op.read(&mut map)?,
                "data" => f.data.read(&mut map)?,
                "line" => f.line.read(&mut map)?,
                "groups" => f.groups.read(&mut map)?,
                "change" => f.change.read(&mut map)?,
                "changes" => f.changes.read(&mut map)?,
                "leave" => f.leave.read(&mut map)?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        f.build()
    }
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Action, D::Error> {
        deserializer.deserialize_map(ActionVisitor)
    }
}

/// The visitor that reads a membership change's object in one pass.
struct ChangeVisitor;

impl<'de> Visitor<'de> for ChangeVisitor {
    type Value = MembershipChange;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("internally tagged enum MembershipChange")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MembershipChange, A::Error> {
        let mut op = Slot::<Tag>::default();
        let mut node = Slot::<NodeId>::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "op" => {
                    if op.value.is_some() {
                        return Err(A::Error::duplicate_field("op"));
                    }
                    op.read(&mut map)?
                }
                "node" => node.read(&mut map)?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let Tag(op) = op.take::<A::Error>("op")?;
        let change = match op.as_str() {
            "add-voter" => MembershipChange::AddVoter {
                node: node.take("node")?,
            },
            "add-learner" => MembershipChange::AddLearner {
                node: node.take("node")?,
            },
            "remove" => MembershipChange::Remove {
                node: node.take("node")?,
            },
            other => return Err(A::Error::unknown_variant(other, CHANGE_OPS)),
        };
        Ok(change)
    }
}

impl<'de> Deserialize<'de> for MembershipChange {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<MembershipChange, D::Error> {
        deserializer.deserialize_map(ChangeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`Action`] and [`MembershipChange`] as serde derived their reader before: the reference
    /// the hand-written one is held to (same names, so the messages name the same types).
    mod derived {
        use crate::raft::types::NodeId;
        use crate::sim::action::{JointLeave, LinkConfigData};
        use serde::{Deserialize, Serialize};

        #[derive(Debug, Serialize, Deserialize)]
        #[serde(tag = "kind", rename_all = "kebab-case")]
        pub enum Action {
            Crash {
                node: NodeId,
            },
            Restart {
                node: NodeId,
            },
            Pause {
                node: NodeId,
            },
            Resume {
                node: NodeId,
            },
            FireTimer {
                node: NodeId,
            },
            Partition {
                groups: Vec<Vec<NodeId>>,
            },
            Isolate {
                node: NodeId,
            },
            Heal,
            SetLinkUp {
                from: NodeId,
                to: NodeId,
                up: bool,
            },
            SetLink {
                from: NodeId,
                to: NodeId,
                link: LinkConfigData,
            },
            SetDefaultLink {
                link: LinkConfigData,
            },
            Hold {
                message: u64,
            },
            Release {
                message: u64,
            },
            Drop {
                message: u64,
            },
            DeliverNow {
                message: u64,
            },
            Propose {
                node: NodeId,
                data: String,
            },
            TransferLeader {
                node: NodeId,
                to: NodeId,
            },
            Compact {
                node: NodeId,
            },
            ReadIndex {
                node: NodeId,
            },
            Console {
                client: u64,
                node: NodeId,
                line: String,
            },
            Retry {
                op: u64,
                node: NodeId,
            },
            ChangeMembership {
                via: NodeId,
                change: MembershipChange,
            },
            ChangeConfig {
                via: NodeId,
                changes: Vec<MembershipChange>,
                #[serde(default, skip_serializing_if = "Option::is_none")]
                leave: Option<JointLeave>,
            },
            LeaveJoint {
                via: NodeId,
            },
        }

        #[derive(Debug, Serialize, Deserialize)]
        #[serde(tag = "op", rename_all = "kebab-case")]
        pub enum MembershipChange {
            AddVoter { node: NodeId },
            AddLearner { node: NodeId },
            Remove { node: NodeId },
        }
    }

    /// Both readers on `json`: the action written back as JSON, or the error's message
    /// without its position (which the two readers place differently).
    fn both(json: &str) -> (Result<String, String>, Result<String, String>) {
        let message = |e: serde_json::Error| {
            let text = e.to_string();
            text.split(" at line ")
                .next()
                .unwrap_or_default()
                .to_string()
        };
        let new = serde_json::from_str::<Action>(json)
            .map(|a| serde_json::to_string(&a).expect("writes"))
            .map_err(message);
        let old = serde_json::from_str::<derived::Action>(json)
            .map(|a| serde_json::to_string(&a).expect("writes"))
            .map_err(message);
        (new, old)
    }

    const LINK: &str =
        r#"{"up":true,"latency_ms_min":1,"latency_ms_max":5,"loss_ppm":0,"duplicate_ppm":7}"#;

    #[test]
    fn every_kind_reads_as_the_derived_reader_read_it() {
        let inputs = [
            r#"{"kind":"crash","node":2}"#.to_string(),
            r#"{"kind":"restart","node":2}"#.to_string(),
            r#"{"kind":"pause","node":3}"#.to_string(),
            r#"{"kind":"resume","node":3}"#.to_string(),
            r#"{"kind":"fire-timer","node":1}"#.to_string(),
            r#"{"kind":"partition","groups":[[1,2],[3]]}"#.to_string(),
            r#"{"kind":"isolate","node":1}"#.to_string(),
            r#"{"kind":"heal"}"#.to_string(),
            r#"{"kind":"set-link-up","from":1,"to":2,"up":false}"#.to_string(),
            format!(r#"{{"kind":"set-link","from":1,"to":2,"link":{LINK}}}"#),
            format!(r#"{{"kind":"set-default-link","link":{LINK}}}"#),
            r#"{"kind":"hold","message":9}"#.to_string(),
            r#"{"kind":"release","message":9}"#.to_string(),
            r#"{"kind":"drop","message":9}"#.to_string(),
            r#"{"kind":"deliver-now","message":9}"#.to_string(),
            r#"{"kind":"propose","node":1,"data":"x \"y\""}"#.to_string(),
            r#"{"kind":"transfer-leader","node":1,"to":3}"#.to_string(),
            r#"{"kind":"compact","node":1}"#.to_string(),
            r#"{"kind":"read-index","node":1}"#.to_string(),
            r#"{"kind":"console","client":4,"node":1,"line":"put a 1"}"#.to_string(),
            r#"{"kind":"retry","op":12,"node":2}"#.to_string(),
            r#"{"kind":"change-membership","via":1,"change":{"op":"add-learner","node":4}}"#
                .to_string(),
            r#"{"kind":"change-config","via":2,"changes":[{"op":"add-voter","node":4},{"op":"remove","node":1}],"leave":"explicit"}"#.to_string(),
            r#"{"kind":"change-config","via":2,"changes":[{"op":"add-voter","node":5}]}"#
                .to_string(),
            r#"{"kind":"change-config","via":2,"changes":[],"leave":null}"#.to_string(),
            r#"{"kind":"leave-joint","via":3}"#.to_string(),
            // Key order, keys no variant uses, whitespace.
            r#"{ "node" : 2 , "extra": [1, {"a": null}], "kind": "crash" }"#.to_string(),
            r#"{"to":3,"node":1,"kind":"transfer-leader"}"#.to_string(),
            r#"{"kind":"change-membership","change":{"node":4,"why":"x","op":"add-voter"},"via":1}"#
                .to_string(),
            r#"{"kind":"heal","node":2,"groups":[[1]]}"#.to_string(),
            // Errors: no tag, unknown tag, missing field, repeated field, wrong type, not an
            // object.
            r#"{"node":2}"#.to_string(),
            r#"{"kind":"explode","node":2}"#.to_string(),
            r#"{"kind":"crash"}"#.to_string(),
            r#"{"kind":"set-link-up","from":1,"up":true}"#.to_string(),
            r#"{"kind":"crash","node":2,"node":3}"#.to_string(),
            r#"{"kind":"crash","kind":"crash","node":3}"#.to_string(),
            r#"{"kind":"crash","node":"2"}"#.to_string(),
            r#"{"kind":"crash","node":-2}"#.to_string(),
            r#"{"kind":"change-membership","via":1,"change":{"op":"promote","node":4}}"#
                .to_string(),
            r#"{"kind":"change-membership","via":1,"change":{"node":4}}"#.to_string(),
            r#"{"kind":"change-config","via":1,"changes":[],"leave":"never"}"#.to_string(),
            r#"{"kind":5,"node":2}"#.to_string(),
            r#"{"kind":"crash","node":2"#.to_string(),
            r#"null"#.to_string(),
            r#"{}"#.to_string(),
        ];
        for json in &inputs {
            let (new, old) = both(json);
            assert_eq!(new, old, "{json}");
        }
    }

    #[test]
    fn what_is_refused_now_and_was_not() {
        // A field another kind uses, with the wrong type for it.
        assert!(serde_json::from_str::<Action>(r#"{"kind":"heal","node":"x"}"#).is_err());
        assert!(serde_json::from_str::<derived::Action>(r#"{"kind":"heal","node":"x"}"#).is_ok());
        // An action as an array.
        assert!(serde_json::from_str::<Action>(r#"["crash",2]"#).is_err());
        assert!(serde_json::from_str::<derived::Action>(r#"["crash",2]"#).is_ok());
    }
}
