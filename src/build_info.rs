//! The core's version and build id, shown in the page and printed by the CLI so a bug report
//! (or a share link) can name exactly which build produced a run.

/// The crate version from Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A build id: the git commit the build came from when the build tool passed one in
/// (`RAFTLAB_BUILD_ID`), otherwise `dev`.
pub const BUILD_ID: &str = match option_env!("RAFTLAB_BUILD_ID") {
    Some(id) => id,
    None => "dev",
};

/// `raftlab 0.1.0 (abc1234)`: the one-line form used by the CLI and the page.
pub fn version_line() -> String {
    format!("raftlab {VERSION} ({BUILD_ID})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_line_names_the_crate_version() {
        let line = version_line();
        assert!(line.starts_with("raftlab "), "{line}");
        assert!(line.contains(env!("CARGO_PKG_VERSION")), "{line}");
        assert!(!BUILD_ID.is_empty());
    }
}
