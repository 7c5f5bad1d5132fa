//! Scenarios: the text script language shared by the scripted tests and, later, the
//! playground's console, lessons and share links.

#![warn(missing_docs)]

pub mod script;
pub mod sim_script;
