//! Scenarios: the text script language shared by the scripted tests, the playground's
//! console, guided lessons (`lesson`) and share links (`link`); and `raftlab console`, a live
//! session in the same language. A run also leaves raftlab as a real-etcd shell script
//! (`etcd_export`) or a Rust regression test (`rust_test_export`).

#![warn(missing_docs)]

pub mod console_line;
pub mod console_session;
pub mod etcd_export;
pub mod etcdctl_call;
pub mod lesson;
pub mod link;
pub mod rust_test_export;
pub mod script;
pub mod script_timeline;
pub mod shell_text;
pub mod sim_script;
