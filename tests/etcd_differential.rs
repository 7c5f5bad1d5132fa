//! Goal: raftlab's console answers like a real etcd 3.4. Every command sequence of
//! `tests/etcd_corpus/*.txt` runs through a real `etcdctl -w json` against a real `etcd`
//! started here, and through raftlab's console with `-w json`; what a user sees must match:
//! values, revisions, create/mod revisions, versions, counts, `more`, deleted counts, prev-kvs,
//! txn outcomes and results, watch events, compaction, and the kind of error.
//!
//! The whole corpus runs three times: with `-w json` (parsed and compared field by field after
//! normalizing revisions), in the simple format (compared byte for byte: it shows no
//! revisions except `compacted revision N`, which is made relative), and with `-w fields`
//! (compared line by line after dropping the ids and term and making revisions relative).
//!
//! etcdctl gets each line through `sh -c`, so the shell splits the words: a line with quotes
//! or backslashes checks that raftlab's lexer splits it as `sh` does (txn lines excepted: their
//! three sections become etcdctl's stdin, see below).
//!
//! A sequence whose header ends in `[fresh etcd]` runs against an etcd started for it alone:
//! what it checks depends on the server never having compacted (a watch from `--rev=-1`).
//!
//! One etcd serves every sequence. Before each sequence the test deletes every key and reads
//! the revision R0; raftlab starts fresh at revision 1, so etcd revision `r` corresponds to
//! raftlab revision `r - R0 + 1`. Corpus lines write revisions as `{N}` (raftlab's number);
//! the test substitutes `N + R0 - 1` for etcd. Watches start at `{2}` or later (at `{1}` etcd
//! would replay the cleanup's deletes).
//!
//! Set `RAFTLAB_DIFF_VERBOSE=1` to print every comparison.
//!
//! Deliberate differences, named and not compared:
//! - headers: cluster_id, member_id and raft_term differ by nature; raftlab adds `raft_index`.
//! - `txn`: etcdctl reads compares/then/else from stdin; raftlab takes them as three quoted
//!   arguments. The test feeds etcdctl the same items (see `txn_syntax::etcdctl_stdin`).
//! - syntax errors: raftlab's messages point at the word and differ in text from cobra's;
//!   only the kind of error is compared ("usage" for any command-line error).
//! - `get --count-only` exists in raftlab only (etcdctl 3.4 has no such flag): not in the corpus.
//! - raftlab refuses puts above 64 KiB (etcd: 1.5 MiB): not in the corpus.
//! - a watch canceled for a compacted revision: etcd also prints a JSON object with
//!   `"Canceled":true`; raftlab prints only the two error lines. The error kind is compared.
//! - compaction keeps a tombstone at exactly the compaction revision (etcd drops it, so its
//!   watch from that revision misses the delete): not in the corpus, see `kv/history.rs`.
//! - leases: etcd's lease ids are random and time is real; raftlab's are derived from the Raft
//!   index and time is logical. Covered by `tests/scripts/kv/09_leases.txt`, not the corpus.
//! - a watch's response header revision (etcd batches events in responses at its own pace):
//!   only the events are compared (with `-w fields`, every header line of a watch is dropped).
//! - `-w fields` headers: `ClusterID`, `MemberID` and `RaftTerm` differ by nature (txn
//!   sub-responses print them as 0 in both); they are dropped, revisions made relative.
//! - `version` prints etcdctl's two lines in every format; with `-w json` both sides print
//!   the same text, which is compared as "unparsed output".

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use raftlab::kv::console::lexer::{Word, split_words};
use raftlab::kv::console::txn_syntax::etcdctl_stdin;
use raftlab::kv::console::{LocalExecutor, run_line};
use serde_json::Value;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ETCD: &str = "/usr/bin/etcd";
const ETCDCTL: &str = "/usr/bin/etcdctl";
const INSTALL_HINT: &str = "real etcd is required for this test: install Debian's etcd 3.4 with \
     `apt-get update && apt-get install -y etcd-server etcd-client` (provides /usr/bin/etcd and /usr/bin/etcdctl)";
/// How long a watch runs before the test stops it: replay arrives in milliseconds.
const WATCH_WAIT: Duration = Duration::from_millis(700);
/// How long etcd may take to start.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Stops etcd when the test ends, passes or fails.
struct EtcdGuard {
    child: Child,
    endpoint: String,
    _data_dir: tempfile::TempDir,
}

impl Drop for EtcdGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free loopback port");
    listener.local_addr().expect("local address").port()
}

fn start_etcd() -> EtcdGuard {
    assert!(
        Path::new(ETCD).exists() && Path::new(ETCDCTL).exists(),
        "{INSTALL_HINT}"
    );
    let data_dir = tempfile::tempdir().expect("temp dir for etcd");
    let client = format!("http://127.0.0.1:{}", free_port());
    let peer = format!("http://127.0.0.1:{}", free_port());
    let child = Command::new(ETCD)
        .args(["--name", "node1", "--data-dir"])
        .arg(data_dir.path().join("etcd"))
        .args([
            "--listen-client-urls",
            &client,
            "--advertise-client-urls",
            &client,
        ])
        .args([
            "--listen-peer-urls",
            &peer,
            "--initial-advertise-peer-urls",
            &peer,
        ])
        .args([
            "--initial-cluster",
            &format!("node1={peer}"),
            "--initial-cluster-state",
            "new",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start {ETCD}: {error}. {INSTALL_HINT}"));
    let guard = EtcdGuard {
        child,
        endpoint: client,
        _data_dir: data_dir,
    };
    let started = Instant::now();
    loop {
        let probe = etcdctl(&guard.endpoint, &["get", "probe"], None);
        if probe.code == Some(0) {
            return guard;
        }
        assert!(
            started.elapsed() < START_TIMEOUT,
            "etcd did not start: {}",
            probe.stderr
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

struct Run {
    stdout: String,
    stderr: String,
    code: Option<i32>,
}

/// Run etcdctl with `-w json`; `stdin` for txn. Watches are stopped after [`WATCH_WAIT`].
fn etcdctl(endpoint: &str, args: &[&str], stdin: Option<&str>) -> Run {
    etcdctl_as(endpoint, args, stdin, Output::Json)
}

/// The output formats compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Output {
    /// `-w json`: parsed, normalized, compared field by field.
    Json,
    /// The default simple format: compared byte for byte (it shows no revisions, except
    /// `compacted revision N`, which is made relative).
    Simple,
    /// `-w fields`: compared line by line without ids and term, revisions made relative.
    Fields,
}

impl Output {
    fn flag_value(self) -> &'static str {
        match self {
            Output::Json => "json",
            Output::Simple => "simple",
            Output::Fields => "fields",
        }
    }
}

/// Run etcdctl in the given output format.
fn etcdctl_as(endpoint: &str, args: &[&str], stdin: Option<&str>, output: Output) -> Run {
    let mut command = Command::new(ETCDCTL);
    command
        .arg(format!("--endpoints={endpoint}"))
        .args(["-w", output.flag_value(), "--command-timeout=5s"])
        .args(args);
    run_etcdctl(command, args.first() == Some(&"watch"), stdin)
}

/// Run a corpus line (without `ETCDCTL_API=3 etcdctl`) through `sh -c`, so the shell, not
/// raftlab's lexer, splits its words for etcdctl.
fn etcdctl_shell(endpoint: &str, line: &str, output: Output, is_watch: bool) -> Run {
    let mut command = Command::new("sh");
    command.arg("-c").arg(format!(
        "exec {ETCDCTL} --endpoints={endpoint} -w {} --command-timeout=5s {line}",
        output.flag_value()
    ));
    run_etcdctl(command, is_watch, None)
}

/// Run a prepared etcdctl command; watches are stopped after [`WATCH_WAIT`].
fn run_etcdctl(mut command: Command, is_watch: bool, stdin: Option<&str>) -> Run {
    let mut child = command
        .env("ETCDCTL_API", "3")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run etcdctl");
    if let Some(mut pipe) = child.stdin.take() {
        let _ = pipe.write_all(stdin.unwrap_or("").as_bytes());
    }
    if is_watch {
        let started = Instant::now();
        while started.elapsed() < WATCH_WAIT {
            if child.try_wait().ok().flatten().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
    }
    let output = child.wait_with_output().expect("etcdctl output");
    let all_output = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let code = if is_watch && !all_output.contains("watch was canceled") {
        Some(0)
    } else {
        output.status.code()
    };
    Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code,
    }
}

/// One corpus sequence.
struct Sequence {
    name: String,
    lines: Vec<String>,
    /// Runs against an etcd started for it alone (`[fresh etcd]` in the header).
    fresh: bool,
}

/// The header suffix asking for a fresh etcd.
const FRESH_MARK: &str = "[fresh etcd]";

fn load_corpus() -> Vec<Sequence> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/etcd_corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/etcd_corpus")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    files.sort();
    let mut sequences = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("corpus file");
        for line in text.lines() {
            if let Some(name) = line.strip_prefix("### ") {
                let name = name.trim();
                let fresh = name.ends_with(FRESH_MARK);
                sequences.push(Sequence {
                    name: name.trim_end_matches(FRESH_MARK).trim().to_string(),
                    lines: Vec::new(),
                    fresh,
                });
            } else if !line.trim().is_empty() && !line.starts_with('#') {
                let sequence = sequences
                    .last_mut()
                    .expect("a corpus line before any ### header");
                sequence.lines.push(line.to_string());
            }
        }
    }
    sequences
}

/// Replace `{N}` by `N + offset`.
fn substitute(line: &str, offset: i64) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&rest[..open]);
        let inner = &rest[open + 1..open + close];
        match inner.parse::<i64>() {
            Ok(number) => out.push_str(&(number + offset).to_string()),
            Err(_) => out.push_str(&rest[open..=open + close]),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// The kind of an error as a user would name it.
fn error_kind(text: &str) -> String {
    let lowered = text.to_lowercase();
    for (needle, kind) in [
        ("required revision has been compacted", "compacted"),
        ("required revision is a future revision", "future revision"),
        ("key is not provided", "key not provided"),
        ("duplicate key", "duplicate key"),
        ("request is too large", "too large"),
        ("key not found", "key not found"),
        ("requested lease not found", "lease not found"),
        ("lease is provided", "lease provided"),
        ("value is provided", "value provided"),
    ] {
        if lowered.contains(needle) {
            return kind.to_string();
        }
    }
    "usage".to_string()
}

/// Revisions relative to the sequence start; base64 decoded; ids and terms dropped.
fn normalize(value: &Value, offset: i64) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (key, field) in map {
                match key.as_str() {
                    "cluster_id" | "member_id" | "raft_term" | "raft_index" => {}
                    "revision" | "create_revision" | "mod_revision" => {
                        let number = field.as_i64().unwrap_or(0);
                        out.insert(
                            key.clone(),
                            Value::from(if number == 0 { 0 } else { number - offset }),
                        );
                    }
                    "key" | "value" => {
                        let bytes = STANDARD
                            .decode(field.as_str().unwrap_or(""))
                            .unwrap_or_default();
                        out.insert(
                            key.clone(),
                            Value::from(String::from_utf8_lossy(&bytes).into_owned()),
                        );
                    }
                    _ => {
                        out.insert(key.clone(), normalize(field, offset));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|item| normalize(item, offset)).collect())
        }
        other => other.clone(),
    }
}

/// What the user saw, in a comparable form.
fn observed(
    output: Output,
    is_watch: bool,
    success: bool,
    stdout: &str,
    stderr: &str,
    offset: i64,
) -> String {
    let all_output = format!("{stdout}{stderr}");
    if let Some(start) = all_output.find("watch was canceled (") {
        return format!("error: {}", error_kind(&all_output[start..]));
    }
    if !success {
        let message = stderr
            .lines()
            .rev()
            .find(|line| line.starts_with("Error:"))
            .unwrap_or(stderr);
        return format!("error: {}", error_kind(message));
    }
    if let Some(revision) = stdout.trim().strip_prefix("compacted revision ") {
        let number: i64 = revision.trim().parse().unwrap_or(-1);
        return format!("compacted revision {}", number - offset);
    }
    if output == Output::Simple {
        return stdout.to_string();
    }
    if output == Output::Fields {
        return normalize_fields(stdout, is_watch, offset);
    }
    let mut events = Vec::new();
    let mut documents = Vec::new();
    for line in stdout.lines().filter(|line| !line.trim().is_empty()) {
        let Ok(value) = serde_json::from_str::<Value>(line) else {
            return format!("unparsed output: {stdout}");
        };
        let value = normalize(&value, offset);
        if is_watch {
            if let Some(Value::Array(batch)) = value.get("Events") {
                events.extend(batch.iter().cloned());
            }
        } else {
            documents.push(value);
        }
    }
    if is_watch {
        format!("events: {}", Value::Array(events))
    } else {
        format!("{}", Value::Array(documents))
    }
}

/// `-w fields` output without what differs by nature (cluster and member ids, term; for a
/// watch the whole header, whose revision depends on etcd's batching), revisions relative.
fn normalize_fields(stdout: &str, is_watch: bool, offset: i64) -> String {
    let mut out = String::new();
    for line in stdout.lines() {
        let field = line
            .strip_prefix('"')
            .and_then(|rest| rest.split_once("\" : "));
        let Some((name, value)) = field else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        match name {
            "ClusterID" | "MemberID" | "RaftTerm" => continue,
            "Revision" if is_watch => continue,
            "Revision" | "CreateRevision" | "ModRevision" | "PrevCreateRevision"
            | "PrevModRevision" => {
                let number: i64 = value.parse().unwrap_or(-1);
                let relative = if number == 0 { 0 } else { number - offset };
                out.push_str(&format!("\"{name}\" : {relative}\n"));
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// The line without a leading `ETCDCTL_API=3` and `etcdctl` (etcdctl is the program run).
fn without_program(line: &str) -> &str {
    let mut rest = line.trim_start();
    if let Some(after) = rest.strip_prefix("ETCDCTL_API=3 ") {
        rest = after.trim_start();
    }
    if let Some(after) = rest.strip_prefix("etcdctl ") {
        rest = after.trim_start();
    }
    rest
}

#[test]
fn raftlab_console_matches_real_etcd() {
    let corpus = load_corpus();
    assert!(
        corpus.len() >= 40,
        "the corpus must hold at least 40 sequences, found {}",
        corpus.len()
    );
    let shared = start_etcd();
    let mut mismatches = Vec::new();
    let mut commands = 0;
    for output in [Output::Json, Output::Simple, Output::Fields] {
        for sequence in &corpus {
            let fresh = sequence.fresh.then(start_etcd);
            let etcd = fresh.as_ref().unwrap_or(&shared);
            let reset = etcdctl(&etcd.endpoint, &["del", "", "--from-key"], None);
            assert_eq!(reset.code, Some(0), "cleanup failed: {}", reset.stderr);
            let probe = etcdctl(&etcd.endpoint, &["get", "", "--from-key"], None);
            let header: Value = serde_json::from_str(probe.stdout.trim()).expect("etcd json");
            let start_revision = header["header"]["revision"]
                .as_i64()
                .expect("header revision");
            let offset = start_revision - 1;
            let mut raftlab = LocalExecutor::new();
            for line in &sequence.lines {
                commands += 1;
                let ours_line = substitute(line, 0);
                let theirs_line = substitute(line, offset);
                let words = split_words(&theirs_line).expect("corpus lines lex");
                // etcdctl itself is the program here: drop the optional `ETCDCTL_API=3 etcdctl`.
                let skip = words
                    .iter()
                    .take_while(|word| {
                        word.text.starts_with("ETCDCTL_API=") || word.text == "etcdctl"
                    })
                    .count();
                let words = &words[skip..];
                let texts: Vec<&str> = words.iter().map(|word| word.text.as_str()).collect();
                let is_watch = texts.first() == Some(&"watch");
                let theirs = if texts.first() == Some(&"txn") {
                    // Global flags (`--hex`) stay on etcdctl's command line; the three
                    // sections become its stdin.
                    let is_flag = |word: &&Word| !word.quoted && word.text.starts_with('-');
                    let sections: Vec<Word> =
                        words[1..].iter().filter(|w| !is_flag(w)).cloned().collect();
                    let mut args = vec!["txn"];
                    args.extend(words[1..].iter().filter(is_flag).map(|w| w.text.as_str()));
                    let stdin = etcdctl_stdin(&sections);
                    etcdctl_as(&etcd.endpoint, &args, Some(&stdin), output)
                } else {
                    etcdctl_shell(
                        &etcd.endpoint,
                        without_program(&theirs_line),
                        output,
                        is_watch,
                    )
                };
                let format_flag = format!(" -w {}", output.flag_value());
                let ours = run_line(&mut raftlab, &format!("{ours_line}{format_flag}"));
                let seen_etcd = observed(
                    output,
                    is_watch,
                    theirs.code == Some(0),
                    &theirs.stdout,
                    &theirs.stderr,
                    offset,
                );
                let seen_raftlab = observed(
                    output,
                    is_watch,
                    ours.success,
                    &ours.stdout,
                    &ours.stderr,
                    0,
                );
                if std::env::var_os("RAFTLAB_DIFF_VERBOSE").is_some() {
                    println!(
                        "[{} {output:?}] {line}\n  etcd:    {seen_etcd}\n  raftlab: {seen_raftlab}",
                        sequence.name
                    );
                }
                if seen_etcd != seen_raftlab {
                    mismatches.push(format!(
                    "[{} {output:?}] {line}\n  etcd:    {seen_etcd:?}\n  raftlab: {seen_raftlab:?}",
                    sequence.name
                ));
                }
            }
        }
    }
    println!(
        "etcd differential (json, simple and fields output): {} sequences, {commands} commands, {} mismatches",
        corpus.len(),
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "raftlab differs from etcd:\n{}",
        mismatches.join("\n")
    );
}
