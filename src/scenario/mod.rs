//! Scenarios: the text script language shared by the scripted tests and, later, the
//! playground's console, lessons and share links; and `raftlab console`, a live session in
//! the same language.

#![warn(missing_docs)]

pub mod console_line;
pub mod console_session;
pub mod lesson;
pub mod link;
pub mod script;
pub mod sim_script;
