//! raftlab's build tool, run as `cargo xtask <command>` (an alias in .cargo/config.toml).
//!
//! It exists so that a fresh clone needs exactly two commands (`cargo xtask serve` and
//! `cargo xtask test`) and nothing outside the package registries: the wasm-bindgen generation
//! step runs as a library call pinned in Cargo.lock, and the static server is Rust, so no Python
//! or globally installed tool is needed.

mod bench;
mod build;
mod minify;
mod proc;
mod serve;
mod size;
mod target_dir;
mod test;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command> [options]

commands:
  serve [--port N] [--no-build]   build the wasm and serve the playground on http://127.0.0.1:N
                                  (default port 8080)
  build                           build the wasm and write the JS bindings to www/pkg/
  size                            print what the page loads first, gzipped, against its budget
                                  (after `build`)
  dist [--out DIR]                build a static folder (default dist/) for any static host
  test                            run every test: fmt, clippy, native, wasm, browser end-to-end
  bench [--quick] [--json]        build, then run `raftlab bench` natively and in wasm (one table)
  bench-page                      build, serve and run bench/page.mjs (load, frames, sim speed,
                                  JS heap in headless Chromium)
  help                            print this message";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve::command(&args[1..]),
        Some("build") => no_options("build", &args[1..]).and_then(|()| build::web_and_node()),
        Some("size") => no_options("size", &args[1..]).and_then(|()| size::check_budget()),
        Some("dist") => build::dist_command(&args[1..]),
        Some("test") => no_options("test", &args[1..]).and_then(|()| test::run_all()),
        Some("bench") => bench::command(&args[1..]),
        Some("bench-page") => {
            no_options("bench-page", &args[1..]).and_then(|()| test::bench_page())
        }
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown command '{other}'\n\n{USAGE}")),
        None => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn no_options(command: &str, rest: &[String]) -> Result<(), String> {
    match rest.first() {
        None => Ok(()),
        Some(extra) => Err(format!(
            "'{command}' takes no options, got '{extra}'\n\n{USAGE}"
        )),
    }
}

/// Parses `--name VALUE` or `--name=VALUE` at `rest[*i]`, advancing `i` past a separate value.
pub(crate) fn flag_value(
    rest: &[String],
    i: &mut usize,
    name: &str,
) -> Option<Result<String, String>> {
    let arg = &rest[*i];
    if let Some(value) = arg.strip_prefix(&format!("{name}=")) {
        return Some(Ok(value.to_string()));
    }
    if arg != name {
        return None;
    }
    *i += 1;
    Some(
        rest.get(*i)
            .cloned()
            .ok_or_else(|| format!("{name} needs a value\n\n{USAGE}")),
    )
}

pub(crate) fn usage_error(message: String) -> String {
    format!("{message}\n\n{USAGE}")
}
