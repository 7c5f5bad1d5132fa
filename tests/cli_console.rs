//! `raftlab console` with piped input: a whole session through the built binary, its output
//! checked line by line. Piped, the console prints only the answers (no banner, no prompt),
//! and the same seed gives the same output.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn console(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_raftlab"))
        .arg("console")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start raftlab console");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write the session");
    child.wait_with_output().expect("raftlab console ends")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Seed 1 elects n2; the session crashes it, and the next leader still answers.
const SESSION: &[u8] = b"# a comment line prints nothing\n\
put greeting hello\n\
put colour \"red\x1b[31m!\"\n\
get greeting\n\
.status\n\
.crash 2\n\
get greeting\n\
get colour\n\
frobnicate x\n\
.frobnicate\n\
.status\n\
.quit\n\
get never-sent\n";

#[test]
fn a_piped_session_prints_only_the_answers() {
    let out = console(&["--seed", "1"], SESSION);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let expected_head = [
        "OK",
        "OK",
        "greeting",
        "hello",
        "time 1295ms",
        "n1 follower term=1 commit=3 applied=3 last=3",
        "n2 leader term=1 commit=3 applied=3 last=3",
        "n3 follower term=1 commit=3 applied=3 last=3",
        "leader n2",
        // .crash 2
        "ok",
        // The old leader is gone; the console waits for the next one and asks it.
        "greeting",
        "hello",
        // The escape character is shown escaped, never sent raw to the terminal.
        "colour",
        "red\\x1b[31m!",
    ];
    assert_eq!(&lines[..expected_head.len()], expected_head, "{text}");
    let rest = &lines[expected_head.len()..];
    // etcdctl's own error for an unknown command (its list of commands may grow).
    assert!(
        rest[0].starts_with("Error: unknown command \"frobnicate\""),
        "{text}"
    );
    assert_eq!(rest[1..3], ["  frobnicate x", "  ^^^^^^^^^^"], "{text}");
    assert_eq!(rest[3], "error: unknown command 'frobnicate' (type .help)");
    assert_eq!(
        rest[4..],
        [
            "time 2458ms",
            "n1 follower term=2 commit=4 applied=4 last=4",
            "n2 down",
            "n3 leader term=2 commit=4 applied=4 last=4",
            "leader n3",
        ],
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "a raw escape reached the output");
    assert!(
        !text.contains("never-sent"),
        "the session went on after .quit"
    );
}

#[test]
fn same_seed_same_output_and_echo_put_prints_ok() {
    assert_eq!(stdout(&console(&[], b"put a 1\n")), "OK\n");
    let first = console(&["--nodes", "5", "--seed", "9"], SESSION);
    let second = console(&["--nodes=5", "--seed=9"], SESSION);
    assert_eq!(stdout(&first), stdout(&second));
    assert!(stdout(&first).contains("red\\x1b[31m!"));
}

#[test]
fn without_a_quorum_the_console_says_so_and_goes_on() {
    let out = console(
        &["--seed", "1"],
        b"put a 1\n.crash 1\n.crash 3\nput a 2\n.restart 3\nget a\n",
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(text.contains("Error: context deadline exceeded"), "{text}");
    assert!(
        text.contains("a quorum is 2 of 3 voters that reach each other"),
        "{text}"
    );
    assert!(text.contains("its outcome is unknown"), "{text}");
    // Once a quorum is back, the session answers again (the timed-out write may have landed).
    let last: Vec<&str> = text.lines().rev().take(2).collect();
    assert_eq!(last[1], "a", "{text}");
    assert!(["1", "2"].contains(&last[0]), "{text}");
}

#[test]
fn bad_options_print_usage_and_exit_2() {
    for args in [
        &["--nodes"][..],
        &["--nodes", "many"],
        &["--nodes", "0"],
        &["--nodes", "12"],
        &["--verbose"],
    ] {
        let out = console(args, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("raftlab"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// Drives `raftlab console` on a pseudo-terminal (util-linux `script`), as a person would: it
/// waits for each prompt before typing, so the line editor is really reading keys.
#[cfg(target_os = "linux")]
mod terminal {
    use std::io::{Read, Write};
    use std::process::{Child, Command, Stdio};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    struct Terminal {
        child: Child,
        screen: Arc<Mutex<Vec<u8>>>,
    }

    impl Terminal {
        fn start() -> Terminal {
            let command = format!("{} console --seed 1", env!("CARGO_BIN_EXE_raftlab"));
            let mut child = Command::new("script")
                .args(["-qfec", &command, "/dev/null"])
                .env("TERM", "xterm")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("util-linux `script` runs the console on a pseudo-terminal");
            let screen = Arc::new(Mutex::new(Vec::new()));
            let mut stdout = child.stdout.take().expect("stdout");
            let sink = Arc::clone(&screen);
            std::thread::spawn(move || {
                let mut buffer = [0u8; 4096];
                while let Ok(n) = stdout.read(&mut buffer) {
                    if n == 0 {
                        break;
                    }
                    sink.lock().expect("screen").extend_from_slice(&buffer[..n]);
                }
            });
            Terminal { child, screen }
        }

        /// The output so far, without escape sequences and carriage returns.
        fn text(&self) -> String {
            let raw = String::from_utf8_lossy(&self.screen.lock().expect("screen")).into_owned();
            let mut text = String::new();
            let mut chars = raw.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '\u{1b}' => {
                        // CSI: ESC [ parameters final-letter.
                        if chars.next_if_eq(&'[').is_some() {
                            for p in chars.by_ref() {
                                if p.is_ascii_alphabetic() || p == '~' {
                                    break;
                                }
                            }
                        }
                    }
                    '\r' => {}
                    c => text.push(c),
                }
            }
            text
        }

        fn wait_for_prompts(&mut self, count: usize) {
            let deadline = Instant::now() + Duration::from_secs(20);
            // A prompt starts a line; the editor's redraws (after Ctrl-A, say) do not.
            let prompts = |text: String| {
                text.lines()
                    .filter(|line| line.starts_with("etcdctl@"))
                    .count()
            };
            while prompts(self.text()) < count {
                if Instant::now() > deadline {
                    let _ = self.child.kill();
                    panic!("no prompt number {count}; the screen:\n{}", self.text());
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }

        fn type_keys(&mut self, keys: &[u8]) {
            let stdin = self.child.stdin.as_mut().expect("stdin");
            stdin.write_all(keys).expect("type");
            stdin.flush().expect("flush");
        }
    }

    #[test]
    fn a_terminal_gets_a_banner_prompts_line_editing_and_history() {
        let mut terminal = Terminal::start();
        terminal.wait_for_prompts(1);
        terminal.type_keys(b"put a 1\r");
        terminal.wait_for_prompts(2);
        // Typed "et a", then Ctrl-A (start of line) and "g": the editor makes it "get a".
        terminal.type_keys(b"et a\x01g\r");
        terminal.wait_for_prompts(3);
        // Up arrow recalls "get a" from the history.
        terminal.type_keys(b"\x1b[A\r");
        terminal.wait_for_prompts(4);
        terminal.type_keys(b".quit\r");
        let deadline = Instant::now() + Duration::from_secs(20);
        while terminal.child.try_wait().expect("wait").is_none() {
            if Instant::now() > deadline {
                let _ = terminal.child.kill();
                panic!(".quit did not end the console:\n{}", terminal.text());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let text = terminal.text();
        assert!(
            text.contains("raftlab console: 3 simulated etcd nodes, seed 1; n2 leads"),
            "{text}"
        );
        assert!(text.contains("put a 1\nOK\n"), "{text}");
        assert_eq!(text.matches("get a\na\n1\n").count(), 2, "{text}");
    }
}
