//! `celtool prune-tmp` as cron runs it: exit codes, silence, summaries, locks, refused roots.
//! The deletion engine's adversarial tests (races, mounts, deep trees) are unit tests in
//! src/prune/tests.rs; these drive the binary.

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::support::*;

fn age(path: &Path, by: Duration) {
    let t = SystemTime::now() - by;
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_times(std::fs::FileTimes::new().set_modified(t).set_accessed(t))
        .unwrap();
}

/// A tree with two old files, one young file and an old directory that empties.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("job-1")).unwrap();
    for (name, old) in [
        ("old.tmp", true),
        ("job-1/old.part", true),
        ("young.tmp", false),
    ] {
        std::fs::write(d.join(name), b"x").unwrap();
        if old {
            age(&d.join(name), Duration::from_secs(3 * 86400));
        }
    }
    let t = SystemTime::now() - Duration::from_secs(3 * 86400);
    std::fs::File::open(d.join("job-1"))
        .unwrap()
        .set_modified(t)
        .ok();
    dir
}

fn names(dir: &Path) -> Vec<String> {
    let mut v = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            v.push(e.path().strip_prefix(dir).unwrap().display().to_string());
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            }
        }
    }
    v.sort();
    v
}

#[test]
fn silent_on_success_when_piped_and_verbose_prints_the_summary() {
    let dir = tree();
    let r = run(celtool()
        .args(["prune-tmp", "--older-than", "2d"])
        .arg(dir.path()));
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    assert_eq!(names(dir.path()), vec!["job-1", "young.tmp"]);

    let dir = tree();
    let r = run(celtool()
        .args(["prune-tmp", "--older-than", "2d", "--rmdir", "-v"])
        .arg(dir.path()));
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stdout
            .starts_with("celtool prune-tmp: removed 2 files, 1 directories, 0 symlinks; freed "),
        "{}",
        r.stdout
    );
    assert_eq!(names(dir.path()), vec!["young.tmp"]);
}

#[test]
fn dry_run_changes_nothing_and_reports_what_would_go() {
    let dir = tree();
    let before = names(dir.path());
    let r = run(celtool()
        .args([
            "prune-tmp",
            "--older-than",
            "2d",
            "--rmdir",
            "--dry-run",
            "--format",
            "json",
        ])
        .arg(dir.path()));
    assert_eq!(r.code, 0, "{r:#?}");
    let j = r.json();
    assert_eq!(
        (
            j["dry_run"].as_bool(),
            j["files_removed"].as_u64(),
            j["dirs_removed"].as_u64()
        ),
        (Some(true), Some(2), Some(1))
    );
    assert_eq!(names(dir.path()), before);
}

#[test]
fn refused_roots_and_dot_dot_tricks_exit_3() {
    for root in ["/", "/etc", "/tmp/../usr", "//var/"] {
        let r = run(celtool().args(["prune-tmp", "--older-than", "1d", root]));
        assert_eq!(r.code, 3, "{root}: {r:#?}");
        assert!(
            r.stderr
                .starts_with(&format!("celtool: error: refusing to prune {root}: ")),
            "{r:#?}"
        );
        assert!(r.stderr.contains("--force-root"), "{r:#?}");
    }
    let r = run(celtool().args(["prune-tmp", "--older-than", "1d", "/nonexistent/celtool-it"]));
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("/nonexistent/celtool-it"), "{r:#?}");
    let r = run(celtool().args(["prune-tmp", "--older-than", "soon", "/tmp"]));
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("invalid duration 'soon'"), "{r:#?}");
}

#[test]
fn a_held_lock_makes_a_second_run_exit_3_or_wait() {
    let dir = tree();
    let guard = celtool::prune::lock(dir.path(), false).unwrap();
    let r = run(celtool()
        .args(["prune-tmp", "--older-than", "2d"])
        .arg(dir.path()));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(r.stderr.contains("another prune holds the lock"), "{r:#?}");
    assert_eq!(
        names(dir.path()).len(),
        4,
        "nothing may be removed while locked"
    );

    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(800));
        drop(guard);
    });
    let r = run(celtool()
        .args(["prune-tmp", "--older-than", "2d", "--wait"])
        .arg(dir.path()));
    release.join().unwrap();
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(names(dir.path()), vec!["job-1", "young.tmp"]);
}

#[test]
fn per_entry_errors_are_reported_and_give_exit_1() {
    let dir = tree();
    let stuck = dir.path().join("immutable.tmp");
    std::fs::write(&stuck, b"x").unwrap();
    age(&stuck, Duration::from_secs(3 * 86400));
    let chattr = std::process::Command::new("chattr")
        .arg("+i")
        .arg(&stuck)
        .status();
    if !chattr.is_ok_and(|s| s.success()) {
        panic!(
            "chattr +i failed on {}: this test needs root and a filesystem with immutable files (ext4)",
            stuck.display()
        );
    }
    let r = run(celtool()
        .args(["prune-tmp", "--older-than", "2d", "--format", "json"])
        .arg(dir.path()));
    let _ = std::process::Command::new("chattr")
        .arg("-i")
        .arg(&stuck)
        .status();
    assert_eq!(r.code, 1, "{r:#?}");
    assert_eq!(
        (
            r.json()["errors"].as_u64(),
            r.json()["files_removed"].as_u64()
        ),
        (Some(1), Some(2))
    );
    assert!(r.stderr.starts_with("celtool: warning: "), "{r:#?}");
    assert!(r.stderr.contains("immutable.tmp"), "{r:#?}");
}

#[test]
fn textfile_is_written_for_node_exporter() {
    let dir = tree();
    let out = tempfile::tempdir().unwrap();
    let prom = out.path().join("celtool_prune.prom");
    let r = run(celtool()
        .args(["prune-tmp", "--older-than", "2d", "--textfile"])
        .arg(&prom)
        .arg(dir.path()));
    assert_eq!(r.code, 0, "{r:#?}");
    let text = std::fs::read_to_string(&prom).unwrap();
    let label = dir.path().display().to_string();
    assert!(
        text.contains(&format!(
            "celtool_prune_files_removed{{paths=\"{label}\"}} 2\n"
        )),
        "{text}"
    );
    assert!(
        text.contains("# TYPE celtool_prune_success gauge\n"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        1,
        "no temp file left behind"
    );
}

#[test]
fn a_missing_path_is_reported_and_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir");
    let parent_missing = dir.path().join("gone");
    for path in [&missing, &parent_missing] {
        for dry in [false, true] {
            let mut cmd = celtool();
            cmd.args(["prune-tmp", "--older-than", "1d"]).arg(path);
            if dry {
                cmd.arg("--dry-run");
            }
            let r = run(&mut cmd);
            assert_eq!(r.code, 3, "{r:#?}");
            assert_eq!(
                r.stderr.trim_end(),
                format!(
                    "celtool: error: cannot prune {}: it does not exist; give the directory that holds the temp files",
                    path.display()
                )
            );
            assert!(
                std::fs::symlink_metadata(path).is_err(),
                "{} was created",
                path.display()
            );
        }
    }
    assert_eq!(names(dir.path()), Vec::<String>::new(), "nothing created");
}

#[test]
fn a_symlink_path_is_refused_with_or_without_a_trailing_slash() {
    let dir = tree();
    let before = names(dir.path());
    let links = tempfile::tempdir().unwrap();
    let link = links.path().join("tmp-link");
    std::os::unix::fs::symlink(dir.path(), &link).unwrap();
    let shown = link.display().to_string();
    for path in [
        shown.clone(),
        format!("{shown}/"),
        format!("{shown}//"),
        format!("{shown}/."),
    ] {
        for dry in [false, true] {
            let mut cmd = celtool();
            cmd.args(["prune-tmp", "--older-than", "2d", "--rmdir", &path]);
            if dry {
                cmd.arg("--dry-run");
            }
            let r = run(&mut cmd);
            assert_eq!(r.code, 3, "{path}: {r:#?}");
            assert!(
                r.stderr.starts_with(&format!(
                    "celtool: error: refusing to prune {path}: it is a symbolic link to {}",
                    dir.path().display()
                )),
                "{path}: {r:#?}"
            );
            assert_eq!(r.stderr.lines().count(), 1, "{r:#?}");
        }
    }
    assert_eq!(
        names(dir.path()),
        before,
        "nothing removed through the link"
    );
    assert_eq!(
        names(links.path()),
        vec!["tmp-link"],
        "no lock file created beside it"
    );
}

#[test]
fn nagios_format_prints_one_monitoring_plugins_line() {
    let dir = tree();
    let r = run(celtool()
        .args([
            "prune-tmp",
            "--older-than",
            "2d",
            "--rmdir",
            "--format",
            "nagios",
        ])
        .arg(dir.path()));
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(r.stdout.lines().count(), 1, "{r:#?}");
    let line = r.stdout.trim_end();
    assert!(
        line.starts_with(
            "PRUNE-TMP OK - removed 3 entries (2 files, 1 directories, 0 symlinks), freed "
        ),
        "{line}"
    );
    let (_, perf) = line.split_once(" | ").expect("perfdata");
    let labels: Vec<&str> = perf
        .split(' ')
        .map(|p| p.split_once('=').unwrap().0)
        .collect();
    assert_eq!(
        labels,
        [
            "'removed'",
            "'files'",
            "'directories'",
            "'symlinks'",
            "'bytes_freed'",
            "'inodes_freed'",
            "'errors'",
            "'vanished'",
            "'time'"
        ]
    );
    assert!(
        perf.starts_with(
            "'removed'=3;;;0 'files'=2;;;0 'directories'=1;;;0 'symlinks'=0;;;0 'bytes_freed'="
        ),
        "{perf}"
    );
    assert!(perf.contains(" 'errors'=0;0;;0 "), "{perf}");
    // Could not check: UNKNOWN on stdout (the error on stderr as always), exit 3.
    let missing = dir.path().join("missing");
    let r = run(celtool()
        .args(["prune-tmp", "--older-than", "2d", "--format", "nagios"])
        .arg(&missing));
    assert_eq!(r.code, 3, "{r:#?}");
    assert_eq!(
        r.stdout,
        format!(
            "PRUNE-TMP UNKNOWN - cannot prune {}: it does not exist; give the directory that holds the temp files\n",
            missing.display()
        )
    );
}

#[test]
fn dry_run_verbose_lists_what_would_go_one_escaped_path_per_line() {
    let dir = tree();
    let odd = dir.path().join("evil\u{1b}[31m\nname.tmp");
    std::fs::write(&odd, b"x").unwrap();
    age(&odd, Duration::from_secs(3 * 86400));
    let before = names(dir.path());
    let r = run(celtool()
        .args([
            "prune-tmp",
            "--older-than",
            "2d",
            "--rmdir",
            "--dry-run",
            "-v",
        ])
        .arg(dir.path()));
    assert_eq!(r.code, 0, "{r:#?}");
    let d = dir.path().display();
    let mut lines: Vec<&str> = r.stdout.lines().collect();
    let summary = lines.pop().unwrap();
    assert!(
        summary.starts_with("celtool prune-tmp: would remove 3 files, 1 directories"),
        "{}",
        r.stdout
    );
    lines.sort();
    assert_eq!(
        lines,
        [
            format!("{d}/evil\\u{{1b}}[31m\\nname.tmp"),
            format!("{d}/job-1/"),
            format!("{d}/job-1/old.part"),
            format!("{d}/old.tmp"),
        ]
    );
    assert_eq!(names(dir.path()), before, "a dry run removes nothing");
    // Without -v a dry run off a terminal stays silent; a real run with -v prints the summary only.
    let r = run(celtool()
        .args(["prune-tmp", "--older-than", "2d", "--dry-run"])
        .arg(dir.path()));
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
}
