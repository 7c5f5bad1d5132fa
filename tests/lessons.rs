//! The built-in lessons (www/lessons/*.txt) each tell their story: every one parses, plays
//! headless with every wait met, every expectation true and no monitor firing where none is
//! expected (`raftlab run` on each, in-process); www/lessons/index.json lists each file once,
//! in order; and the first lesson's report matches its golden copy, so the authors' output
//! stays stable, and each lesson's final state hash is the one the page reaches playing it
//! (tests/lessons/final-hashes.txt, read by tests/wasm/lessons.test.mjs).
//! `UPDATE_GOLDEN=1 cargo test --test lessons` rewrites the golden copies.

use raftlab::scenario::lesson::step_plan::StepPlan;
use raftlab::scenario::lesson::{Lesson, runner};
use std::path::{Path, PathBuf};

fn lessons_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("www/lessons")
}

fn lesson_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(lessons_dir())
        .expect("www/lessons")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_built_in_lesson_tells_its_story() {
    let files = lesson_files();
    assert!(!files.is_empty());
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("read lesson");
        let lesson = match Lesson::parse(&text) {
            Ok(lesson) => lesson,
            Err(e) => {
                failures.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        if !(5..=10).contains(&lesson.steps.len()) {
            failures.push(format!(
                "{}: {} steps; a lesson has 5 to 10",
                path.display(),
                lesson.steps.len()
            ));
        }
        let report = runner::run_lesson(&lesson);
        if let Some(failure) = report.failure {
            failures.push(format!("{}: {failure}\n{}", path.display(), report.text));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The page plays each step from its plan text (src/scenario/lesson/step_plan.rs), which the
/// on-demand module writes and the first module reads: every built-in step survives the trip.
#[test]
fn every_step_plan_reads_back_as_written() {
    for path in lesson_files() {
        let text = std::fs::read_to_string(&path).expect("read lesson");
        let lesson = Lesson::parse(&text).expect("the lesson parses");
        for step in &lesson.steps {
            let plan = StepPlan::of(step);
            let read = StepPlan::parse(&plan.to_text());
            assert_eq!(
                read.as_ref(),
                Ok(&plan),
                "{} line {}",
                path.display(),
                step.line
            );
        }
    }
    assert!(StepPlan::parse("line x").is_err());
    assert!(StepPlan::parse("fly 3").is_err());
    assert!(StepPlan::parse("wait 3 explode").is_err());
    assert!(StepPlan::parse("restart {").is_err());
}

#[test]
fn each_lessons_final_state_hash_is_recorded_for_the_page() {
    let mut lines = String::new();
    for path in lesson_files() {
        let text = std::fs::read_to_string(&path).expect("read lesson");
        let lesson = Lesson::parse(&text).expect("parses");
        let report = runner::run_lesson(&lesson);
        lines.push_str(&format!("{} {:016x}\n", lesson.name, report.state_hash));
    }
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lessons/final-hashes.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &lines).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&golden).expect("golden hashes");
    assert!(
        expected == lines,
        "--- expected\n{expected}\n--- actual\n{lines}"
    );
}

#[test]
fn the_index_lists_every_lesson_once_in_order() {
    let text = std::fs::read_to_string(lessons_dir().join("index.json")).expect("index.json");
    let index: serde_json::Value = serde_json::from_str(&text).expect("index.json is JSON");
    let entries = index.as_array().expect("an array");
    let files: Vec<String> = lesson_files()
        .iter()
        .filter_map(|p| p.file_name()?.to_str().map(String::from))
        .collect();
    let listed: Vec<&str> = entries.iter().filter_map(|e| e["file"].as_str()).collect();
    assert_eq!(listed, files, "index.json lists the files in order");
    for entry in entries {
        let file = entry["file"].as_str().unwrap_or_default();
        let text = std::fs::read_to_string(lessons_dir().join(file)).expect("listed file");
        let lesson = Lesson::parse(&text).expect("parses");
        assert_eq!(entry["name"], lesson.name.as_str(), "{file}");
        assert_eq!(entry["title"], lesson.title.as_str(), "{file}");
    }
}

#[test]
fn the_first_lessons_report_matches_its_golden_copy() {
    let text = std::fs::read_to_string(lessons_dir().join("01-leader-election.txt")).expect("read");
    let report = runner::run_lesson(&Lesson::parse(&text).expect("parses"));
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lessons/01-leader-election.out");
    let actual = format!("{}\n", report.text);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&golden).expect("golden copy");
    assert!(
        expected == actual,
        "--- expected\n{expected}\n--- actual\n{actual}"
    );
}

#[test]
fn raftlab_run_plays_a_lesson_and_exits_by_its_outcome() {
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_raftlab"))
            .args(args)
            .output()
            .expect("run raftlab")
    };
    let good = lessons_dir().join("01-leader-election.txt");
    let out = run(&["run", good.to_str().expect("utf-8 path")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("ok: 5 steps"), "{stdout}");
    let dir = std::env::temp_dir().join(format!("raftlab-lessons-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write lesson");
        path.to_string_lossy().into_owned()
    };
    let header = "lesson x\ntitle X\ncluster voters=3 seed=1\nsummary S.\n";
    let unmet = write(
        "unmet.txt",
        &format!("{header}step A\nsay a.\nwait leader\nexpect leader n3\n"),
    );
    let out = run(&["run", &unmet]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("step 1 (line 8): expect leader n3: saw leader n2"),
        "{stderr}"
    );
    let bad = write("bad.txt", "lesson x\nfly away\n");
    let out = run(&["run", &bad]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("line 2: unknown command 'fly'"), "{stderr}");
    let out = run(&["run", &unmet, "--update"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["run", &unmet, "--trace"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("role n2@1 candidate -> n2@1 leader"));
    let _ = std::fs::remove_dir_all(&dir);
}
