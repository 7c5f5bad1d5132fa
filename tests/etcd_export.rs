//! Goal: the real-etcd export does to a real cluster what the run did to the simulated one.
//!
//! `a_run_ends_with_the_same_keys_on_real_etcd` exports a run with puts, deletes, a follower's
//! crash and restart and a pause and resume, runs the script with `sh` against Debian's etcd
//! (`/usr/bin/etcd`, `/usr/bin/etcdctl`) on ports no other test uses, and compares the keys
//! and values it prints at the end with raftlab's own store at the end of the same run.
//!
//! `hostile_console_lines_reach_etcdctl_as_data` runs an exported script with stand-ins for
//! etcd and etcdctl that record their arguments: console lines written to break out of their
//! quotes reach etcdctl as exactly the words raftlab read, and run nothing.
//!
//! Both check that the script cleans up: the data directory goes, and the members stop.

use raftlab::raft::types::NodeId;
use raftlab::scenario::etcd_export::{FINAL_MARKER, PORT_BASE_VAR, etcd_script};
use raftlab::scenario::link::Scenario;
use raftlab::scenario::script_timeline::timeline_of_script;
use raftlab::sim::action::Action;
use raftlab::sim::config::SimConfig;
use raftlab::sim::queue::TimeMs;
use raftlab::sim::timeline::Timeline;
use std::io::Read;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard, mpsc};
use std::time::{Duration, Instant};

/// Forks of this test process and the writing of the executable stand-ins take turns. A child
/// forked while a stand-in is still open for writing holds that file open until it execs, and
/// running the stand-in meanwhile fails with "Text file busy" (ETXTBSY): the likely cause of
/// the one flake this file had under load.
static FORKS: Mutex<()> = Mutex::new(());

fn no_fork_now() -> MutexGuard<'static, ()> {
    FORKS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

const ETCD: &str = "/usr/bin/etcd";
const ETCDCTL: &str = "/usr/bin/etcdctl";
const INSTALL_HINT: &str = "real etcd is required for this test: install Debian's etcd 3.4 with \
     `apt-get update && apt-get install -y etcd-server etcd-client` (provides /usr/bin/etcd and /usr/bin/etcdctl)";
/// Far more than the script needs (seconds): a hung script is stopped and the test fails.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// The run: three voters; n2 leads (seed 5); a client watches `fruit` on n2; n3 crashes and
/// restarts, n1 pauses and resumes.
const RUN: &str = "cluster voters=3 seed=5
----

run-until 2000
----

console client=3 node=2 watch fruit
----

console client=1 node=1 put fruit apple
----

console client=2 node=2 put veg carrot
----

run 300
----

crash 3
----

console client=1 node=1 put fruit banana
----

console client=2 node=2 put nut almond
----

run 300
----

console client=1 node=2 del veg
----

run 300
----

restart 3
----

run 1000
----

pause 1
----

console client=2 node=2 put grain rice
----

console client=1 node=3 put --prev-kv colour 'sky blue'
----

run 300
----

resume 1
----

run 500
----

console client=1 node=1 put nutmeg brown
----

run 300
----

console client=2 node=3 del nu --prefix
----

console client=2 node=3 put veg leek
----

run 500
----
";

/// A base port with the `ports` ports from it free on loopback now.
fn free_port_base(ports: u16) -> u16 {
    let seed = u32::from(std::process::id() as u16);
    for attempt in 0..200u32 {
        let base = 20_000 + ((seed * 7_919 + attempt * 104_729) % 40_000) as u16;
        if (base..base + ports).all(|port| TcpListener::bind(("127.0.0.1", port)).is_ok()) {
            return base;
        }
    }
    panic!("no {ports} free consecutive loopback ports between 20000 and 60000");
}

/// Runs `script` with `sh`, the environment `env` and TMPDIR `tmp`; stops it (SIGTERM, so its
/// trap cleans up) when it outlasts [`SCRIPT_TIMEOUT`]. Fails, rather than hangs, when a
/// process the script started (a member, a watch) outlives it and holds its output open.
fn run_script(script: &str, tmp: &Path, env: &[(&str, String)]) -> Output {
    let path = tmp.join("exported.sh");
    std::fs::write(&path, script).expect("write the script");
    let mut command = Command::new("sh");
    command
        .arg(&path)
        .env("TMPDIR", tmp)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    // Its own process group, which every member and watch it starts joins: whatever happens
    // to the script or this test, the guard stops what is left of the group.
    command.process_group(0);
    let mut child = {
        let _turn = no_fork_now();
        command.spawn().expect("sh runs")
    };
    let _group = GroupGuard(child.id());
    let read_all = |mut pipe: Box<dyn Read + Send>| {
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            let _ = sender.send(bytes);
        });
        receiver
    };
    let stdout = read_all(Box::new(child.stdout.take().expect("stdout")));
    let stderr = read_all(Box::new(child.stderr.take().expect("stderr")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for sh") {
            break status;
        }
        if started.elapsed() > SCRIPT_TIMEOUT {
            // SIGTERM first, so the script's trap stops its members and removes its data.
            {
                let _turn = no_fork_now();
                let _ = Command::new("kill")
                    .args(["-TERM", &child.id().to_string()])
                    .status();
            }
            let _ = child.wait();
            panic!("the script ran over {SCRIPT_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let collect = |receiver: mpsc::Receiver<Vec<u8>>, name: &str| {
        receiver
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| {
                panic!("the script ended but a process it started still holds its {name}")
            })
    };
    Output {
        status,
        stdout: collect(stdout, "stdout"),
        stderr: collect(stderr, "stderr"),
    }
}

/// Stops (SIGKILL) every process left in a process group when dropped, on success or panic.
struct GroupGuard(u32);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        let _turn = no_fork_now();
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0)])
            .stderr(Stdio::null())
            .status();
    }
}

/// The data directories the script made under `tmp` and left behind.
fn leftovers(tmp: &Path) -> Vec<String> {
    std::fs::read_dir(tmp)
        .expect("read tmp")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("raftlab-etcd."))
        .collect()
}

/// raftlab's keys and values at the end of `timeline`, read from the leader's store, as
/// `etcdctl get "" --prefix` prints them: key line, value line.
fn raftlab_keys(timeline: &Timeline) -> Vec<String> {
    let sim = timeline.sim();
    let leader = sim.leader().expect("the run ends with a leader");
    let node = &sim.nodes()[&leader];
    node.app
        .kv()
        .store()
        .live()
        .flat_map(|kv| {
            [
                String::from_utf8_lossy(&kv.key).into_owned(),
                String::from_utf8_lossy(&kv.value).into_owned(),
            ]
        })
        .collect()
}

#[test]
fn a_run_ends_with_the_same_keys_on_real_etcd() {
    assert!(
        Path::new(ETCD).exists() && Path::new(ETCDCTL).exists(),
        "{INSTALL_HINT}"
    );
    let timeline = timeline_of_script(RUN).expect("the run records");
    assert_eq!(timeline.actions().len(), 15, "every action was taken");
    let leader = timeline.sim().leader();
    let term = leader
        .and_then(|id| timeline.sim().nodes()[&id].raft())
        .map(|raw| raw.raft().term().0);
    assert_eq!(
        (leader, term),
        (Some(NodeId(2)), Some(1)),
        "n2 led the whole run: the crashed n3 and the paused n1 were followers"
    );
    let expected = raftlab_keys(&timeline);
    assert_eq!(
        expected,
        [
            "colour", "sky blue", "fruit", "banana", "grain", "rice", "veg", "leek"
        ],
        "raftlab's own run"
    );
    let script = etcd_script(&Scenario::of(&timeline));
    let tmp = tempfile::tempdir().expect("temp dir");
    let base = free_port_base(6);
    let started = Instant::now();
    let out = run_script(
        &script,
        tmp.path(),
        &[
            ("ETCD", ETCD.to_string()),
            ("ETCDCTL", ETCDCTL.to_string()),
            (PORT_BASE_VAR, base.to_string()),
            // A busy machine (other builds) may take longer than the default 20 s to elect.
            ("RAFTLAB_ETCD_WAIT", "60".to_string()),
        ],
    );
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("the exported script ran {took:?} against real etcd (ports {base}..)");
    assert!(
        out.status.success(),
        "the script failed: {:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    let (shown, end) = stdout
        .split_once(&format!("{FINAL_MARKER}\n"))
        .unwrap_or_else(|| panic!("no final keys\n--- stdout\n{stdout}\n--- stderr\n{stderr}"));
    let real: Vec<&str> = end.lines().collect();
    assert_eq!(
        real, expected,
        "etcd's keys and values at the end\n{stdout}\n{stderr}"
    );
    assert!(
        shown.contains("n3> put --prev-kv colour 'sky blue'\nOK\n"),
        "{stdout}"
    );
    assert!(shown.contains("n3> del nu --prefix\n2\n"), "{stdout}");
    assert!(
        shown.lines().any(|line| line == "banana"),
        "the watch on n2 printed the put of banana\n{stdout}"
    );
    assert!(!stderr.contains("not healthy"), "{stderr}");
    assert_eq!(
        leftovers(tmp.path()),
        Vec::<String>::new(),
        "the data directory is removed"
    );
}

/// A stand-in `etcdctl`: records each call's arguments (each followed by a NUL, the call by
/// the word `CALL-END`) and succeeds, so `endpoint health` finds every member healthy.
const FAKE_ETCDCTL: &str = r#"#!/bin/sh
for arg in "$@"; do printf '%s\0' "$arg"; done >> "$FAKE_LOG"
printf 'CALL-END\0' >> "$FAKE_LOG"
exit 0
"#;

/// A stand-in `etcd`: notes its pid and waits to be stopped.
const FAKE_ETCD: &str = r#"#!/bin/sh
echo $$ >> "$FAKE_PIDS"
exec sleep 300
"#;

#[test]
fn hostile_console_lines_reach_etcdctl_as_data() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mark = tmp.path().join("pwned");
    let mark_text = mark.to_str().expect("utf-8 path");
    let hostile = [
        format!("put k \"$(touch {mark_text})\""),
        format!("put k '`touch {mark_text}`'"),
        format!("put \"a'; touch {mark_text}; echo '\" v"),
        format!("put k \"x\ntouch {mark_text}\""),
        format!("put k '\"; touch {mark_text} #' --endpoints=n2"),
    ];
    let mut timeline = Timeline::new(SimConfig {
        voters: 2,
        seed: 3,
        ..SimConfig::default()
    })
    .expect("config");
    timeline.run_until(TimeMs(2_000));
    for line in &hostile {
        timeline
            .act(Action::Console {
                client: 1,
                node: NodeId(1),
                line: line.clone(),
            })
            .unwrap_or_else(|e| panic!("raftlab takes {line:?}: {e}"));
    }
    let script = etcd_script(&Scenario::of(&timeline));
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin).expect("bin dir");
    for (name, text) in [("etcd", FAKE_ETCD), ("etcdctl", FAKE_ETCDCTL)] {
        let _turn = no_fork_now();
        std::fs::write(bin.join(name), text).expect("write a stand-in");
        let executable = std::fs::Permissions::from_mode(0o755);
        std::fs::set_permissions(bin.join(name), executable).expect("chmod a stand-in");
    }
    let log = tmp.path().join("calls");
    let pids = tmp.path().join("pids");
    let out = run_script(
        &script,
        tmp.path(),
        &[
            ("ETCD", bin.join("etcd").display().to_string()),
            ("ETCDCTL", bin.join("etcdctl").display().to_string()),
            ("FAKE_LOG", log.display().to_string()),
            ("FAKE_PIDS", pids.display().to_string()),
        ],
    );
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!mark.exists(), "a console line ran a command");
    let bytes = std::fs::read(&log).expect("etcdctl was called");
    let text = String::from_utf8(bytes).expect("utf-8");
    let mut calls: Vec<Vec<&str>> = Vec::new();
    let mut call = Vec::new();
    for arg in text.split('\0') {
        match arg {
            "CALL-END" => calls.push(std::mem::take(&mut call)),
            _ => call.push(arg),
        }
    }
    calls.retain(|args| !args.contains(&"health"));
    let put = |endpoint: &str, key: &str, value: &str| {
        vec![
            "--dial-timeout=2s".to_string(),
            "--command-timeout=5s".to_string(),
            format!("--endpoints={endpoint}"),
            "put".to_string(),
            key.to_string(),
            value.to_string(),
        ]
    };
    let n1 = "http://127.0.0.1:2379";
    let n2 = "http://127.0.0.1:2381";
    let expected = vec![
        put(n1, "k", &format!("$(touch {mark_text})")),
        put(n1, "k", &format!("`touch {mark_text}`")),
        put(n1, &format!("a'; touch {mark_text}; echo '"), "v"),
        put(n1, "k", &format!("x\ntouch {mark_text}")),
        put(n2, "k", &format!("\"; touch {mark_text} #")),
    ];
    let mut expected_calls: Vec<Vec<String>> = expected;
    // The final read of every key.
    expected_calls.push(vec![
        "--dial-timeout=2s".into(),
        "--command-timeout=5s".into(),
        format!("--endpoints={n1},{n2}"),
        "get".into(),
        String::new(),
        "--prefix".into(),
    ]);
    assert_eq!(calls, expected_calls);
    let started: Vec<String> = std::fs::read_to_string(&pids)
        .expect("the members started")
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(started.len(), 2, "one member per voter");
    for pid in started {
        let _turn = no_fork_now();
        let alive = Command::new("kill")
            .args(["-0", &pid])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(!alive, "member {pid} still runs after the script");
    }
    assert_eq!(leftovers(tmp.path()), Vec::<String>::new());
}
