//! A manual measurement, not a check: `cargo test --release --lib prune_bench -- --ignored
//! --nocapture` (set PRUNE_BENCH_DIR to a directory to measure on its filesystem instead of a
//! scratch tmpfs). Same shape as the FACTS.md figure: 200 dirs x 1000 empty files, half aged.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Instant, SystemTime};

use super::support::*;

fn build(root: &Path) {
    let old = SystemTime::now() - 2 * DAY;
    for d in 0..200 {
        let dir = root.join(format!("d{d:03}"));
        fs::create_dir(&dir).unwrap();
        for f in 0..1000 {
            let p = dir.join(format!("f{f:04}"));
            fs::File::create(&p).unwrap();
            if f % 2 == 0 {
                set_times(&p, old, old);
            }
        }
    }
}

#[test]
#[ignore = "measurement; run by hand in release mode"]
fn prune_bench_200_dirs_x_1000_files() {
    let scratch = Scratch::new();
    let base = std::env::var_os("PRUNE_BENCH_DIR")
        .map(|d| tempfile::tempdir_in(d).unwrap())
        .map_or_else(|| scratch.path().to_path_buf(), |t| t.keep());
    let ours = base.join("ours");
    let theirs = base.join("find");
    fs::create_dir(&ours).unwrap();
    fs::create_dir(&theirs).unwrap();
    build(&ours);
    build(&theirs);
    let t = Instant::now();
    let s = run(&opts(&ours));
    let ours_t = t.elapsed();
    assert_eq!(s.files_removed, 100_000, "{s:?}");
    let t = Instant::now();
    let st = Command::new("find")
        .args([theirs.as_os_str(), "-mindepth".as_ref(), "1".as_ref()])
        .args(["-type", "f", "-mmin", "+1440", "-delete"])
        .status()
        .unwrap();
    let find_t = t.elapsed();
    assert!(st.success());
    eprintln!(
        "bench on {}: prune {ours_t:?}, find -mmin +1440 -delete {find_t:?}",
        base.display()
    );
    let _ = fs::remove_dir_all(&base);
}
