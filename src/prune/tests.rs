//! Real-filesystem tests of the pruner (run as root: mounts, chattr, setresuid).

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use super::*;

mod bench;
mod support;
use support::*;

#[test]
fn prune_mtime_just_under_and_over_the_limit() {
    let d = tmp();
    let now = SystemTime::now();
    let young = d.path().join("young");
    let old = d.path().join("old");
    fs::write(&young, b"x").unwrap();
    fs::write(&old, b"x").unwrap();
    set_times(&young, now - 3 * DAY, now - DAY + Duration::from_secs(1));
    set_times(&old, now, now - DAY - Duration::from_secs(1));
    let mut o = opts(d.path());
    o.now = now;
    let s = run(&o);
    assert!(
        young.exists(),
        "young file (mtime 1 s under the limit) must stay"
    );
    assert!(!old.exists(), "old file (mtime 1 s over the limit) must go");
    assert_eq!(
        (s.files_removed, s.errors, s.inodes_freed),
        (1, 0, 1),
        "{s:?}"
    );
    assert!(d.path().exists(), "root itself stays");
}

#[test]
fn prune_atime_and_combined_age_by() {
    let d = tmp();
    let now = SystemTime::now();
    let a = d.path().join("old-mtime-young-atime");
    let b = d.path().join("old-both");
    fs::write(&a, b"x").unwrap();
    fs::write(&b, b"x").unwrap();
    set_times(&a, now - DAY + Duration::from_secs(5), now - 5 * DAY);
    set_times(&b, now - DAY - Duration::from_secs(5), now - 5 * DAY);
    let mut o = opts(d.path());
    o.now = now;
    o.age_by = vec![AgeBy::Atime];
    o.dry_run = true;
    assert_eq!(run(&o).files_removed, 1, "by atime only b is old");
    o.dry_run = false;
    o.age_by = vec![AgeBy::Mtime, AgeBy::Atime];
    let s = run(&o);
    assert_eq!(s.files_removed, 1, "{s:?}");
    assert!(
        a.exists() && !b.exists(),
        "combined rule needs old atime AND mtime"
    );
}

#[test]
fn prune_ctime_via_injected_now() {
    let d = tmp();
    let f = d.path().join("f");
    let g = d.path().join("g");
    fs::write(&f, b"x").unwrap();
    fs::write(&g, b"x").unwrap();
    // ctime is "now" and cannot be set: move `now` instead.
    let real = SystemTime::now();
    set_times(&f, real - 30 * DAY, real - 30 * DAY);
    set_times(&g, real + 2 * DAY, real + 2 * DAY);
    let mut o = opts(d.path());
    o.age_by = vec![AgeBy::Ctime];
    o.now = real + DAY - Duration::from_secs(60);
    assert_eq!(run(&o).files_removed, 0, "ctime is 1 min under the limit");
    o.now = real + DAY + Duration::from_secs(60);
    o.age_by = vec![AgeBy::Ctime, AgeBy::Mtime];
    let s = run(&o);
    assert!(!f.exists(), "old by ctime and mtime");
    assert!(g.exists(), "old by ctime but mtime is in the future");
    assert_eq!(s.files_removed, 1, "{s:?}");
}

#[test]
fn prune_rmdir_removes_emptied_old_dirs_only() {
    let d = tmp();
    let r = d.path();
    for sub in ["a", "a/b", "keep", "young"] {
        fs::create_dir(r.join(sub)).unwrap();
    }
    file(&r.join("a/b/f"), 3 * DAY);
    file(&r.join("a/f"), 3 * DAY);
    file(&r.join("keep/young-file"), Duration::ZERO);
    for sub in ["a/b", "a", "keep"] {
        age(&r.join(sub), 3 * DAY);
    }
    let mut o = opts(r);
    let s = run(&o);
    assert_eq!((s.files_removed, s.dirs_removed), (2, 0), "no rmdir: {s:?}");
    assert!(r.join("a/b").is_dir());
    o.rmdir = true;
    // Removing children touched the directories' mtimes: age them again.
    for sub in ["a/b", "a", "keep"] {
        age(&r.join(sub), 3 * DAY);
    }
    let s = run(&o);
    assert_eq!((s.dirs_removed, s.errors), (2, 0), "{s:?}");
    assert!(
        !r.join("a").exists(),
        "old dirs emptied and removed bottom-up"
    );
    assert!(
        r.join("keep/young-file").exists(),
        "non-empty old dir stays"
    );
    assert!(r.join("young").is_dir(), "young empty dir stays");
    assert!(r.exists(), "root is never removed");
}

#[test]
fn prune_symlinks_are_removed_as_links_never_followed() {
    let outside = tmp();
    let d = tmp();
    let od = outside.path().join("dir");
    fs::create_dir(&od).unwrap();
    for i in 0..10 {
        file(&od.join(format!("f{i}")), 5 * DAY);
    }
    file(&outside.path().join("target"), 5 * DAY);
    age(&od, 5 * DAY);
    let l1 = d.path().join("to-file");
    let l2 = d.path().join("to-dir");
    let l3 = d.path().join("young-link");
    symlink(outside.path().join("target"), &l1).unwrap();
    symlink(&od, &l2).unwrap();
    symlink(&od, &l3).unwrap();
    age(&l1, 5 * DAY);
    age(&l2, 5 * DAY);
    let before = listing(outside.path());
    let mut o = opts(d.path());
    o.rmdir = true;
    let s = run(&o);
    assert_eq!(
        (s.symlinks_removed, s.files_removed, s.errors),
        (2, 0, 0),
        "{s:?}"
    );
    assert!(fs::symlink_metadata(&l1).is_err() && fs::symlink_metadata(&l2).is_err());
    assert!(fs::symlink_metadata(&l3).is_ok(), "young link stays");
    assert_eq!(before, listing(outside.path()), "symlink targets untouched");
}

/// Swaps directories inside the root with symlinks to an outside directory full of old files,
/// in a tight loop, while prune runs; not one outside file may go.
#[test]
fn prune_race_dir_swapped_for_symlink_never_escapes() {
    const VICTIMS: usize = 20;
    let outside = tmp();
    let d = tmp();
    let od = outside.path();
    fs::create_dir(od.join("sub")).unwrap();
    for i in 0..30 {
        file(&od.join(format!("o{i}")), 9 * DAY);
        file(&od.join(format!("sub/o{i}")), 9 * DAY);
    }
    age(&od.join("sub"), 9 * DAY);
    let before = listing(od);
    let victim = |i: usize| d.path().join(format!("v{i}"));
    let link = |i: usize| d.path().join(format!("l{i}"));
    for i in 0..VICTIMS {
        symlink(od, link(i)).unwrap();
    }
    let started = std::time::Instant::now();
    let (mut swaps_total, mut caught) = (0u64, 0u64);
    for _ in 0..200 {
        for i in 0..VICTIMS {
            // Whichever of the two names holds the directory now.
            let dir = if fs::symlink_metadata(link(i)).unwrap().is_dir() {
                link(i)
            } else {
                victim(i)
            };
            fs::create_dir_all(dir.join("sub")).unwrap();
            file(&dir.join("f"), 9 * DAY);
            file(&dir.join("sub/f"), 9 * DAY);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let swaps = Arc::new(AtomicU64::new(0));
        let swapper = {
            let (stop, swaps) = (stop.clone(), swaps.clone());
            let pairs: Vec<_> = (0..VICTIMS).map(|i| (victim(i), link(i))).collect();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    for (v, l) in &pairs {
                        if exchange(v, l) {
                            swaps.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        };
        while swaps.load(Ordering::Relaxed) < VICTIMS as u64 {
            std::thread::yield_now();
        }
        let mut o = opts(d.path());
        o.rmdir = true;
        let s = run(&o);
        stop.store(true, Ordering::Relaxed);
        swapper.join().unwrap();
        swaps_total += swaps.load(Ordering::Relaxed);
        caught += s
            .error_samples
            .iter()
            .filter(|e| e.contains("replaced"))
            .count() as u64;
        assert_eq!(before, listing(od), "an outside file was touched: {s:?}");
    }
    eprintln!(
        "race: 200 runs, {swaps_total} swaps, {caught} swaps caught between stat and open, {:?}",
        started.elapsed()
    );
    assert!(
        swaps_total > 1000,
        "the swapper must actually race ({swaps_total} swaps)"
    );
}

fn check_mounts_not_entered(ignore_mnt_id: bool) {
    let d = tmp();
    let src = tmp();
    let r = d.path();
    fs::create_dir(r.join("tmpfs")).unwrap();
    fs::create_dir(r.join("bind")).unwrap();
    for i in 0..5 {
        file(&src.path().join(format!("s{i}")), 9 * DAY);
    }
    let m1 = match mount("tmpfs", &r.join("tmpfs"), "tmpfs", 0) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("SKIPPED: mount not permitted: {e}");
            return;
        }
    };
    let sp = src.path().to_str().unwrap().to_string();
    let m2 = mount(&sp, &r.join("bind"), "", libc::MS_BIND).expect("bind mount");
    for i in 0..5 {
        file(&r.join(format!("tmpfs/t{i}")), 9 * DAY);
    }
    age(&r.join("tmpfs"), 9 * DAY);
    age(&r.join("bind"), 9 * DAY);
    file(&r.join("plain"), 9 * DAY);
    let before_src = listing(src.path());
    let before_tmpfs = listing(&r.join("tmpfs"));
    walk::IGNORE_MNT_ID.set(ignore_mnt_id);
    let mut o = opts(r);
    o.rmdir = true;
    let s = run(&o);
    walk::IGNORE_MNT_ID.set(false);
    assert_eq!(
        (s.files_removed, s.dirs_removed, s.errors),
        (1, 0, 0),
        "{s:?}"
    );
    assert_eq!(
        before_src,
        listing(src.path()),
        "bind mount source untouched"
    );
    assert_eq!(before_tmpfs, listing(&r.join("tmpfs")), "tmpfs untouched");
    drop((m2, m1));
}

#[test]
fn prune_does_not_enter_tmpfs_or_bind_mounts() {
    check_mounts_not_entered(false);
}

#[test]
fn prune_does_not_enter_mounts_without_mount_ids() {
    // What a kernel without STATX_MNT_ID sees: only st_dev and /proc/self/mountinfo.
    check_mounts_not_entered(true);
}

#[test]
fn prune_hard_links_count_inodes_once() {
    let d = tmp();
    let outside = tmp();
    let r = d.path();
    fs::write(r.join("a"), vec![7u8; 8192]).unwrap();
    fs::hard_link(r.join("a"), r.join("b")).unwrap();
    fs::write(r.join("c"), b"c").unwrap();
    fs::hard_link(r.join("c"), outside.path().join("c-link")).unwrap();
    for n in ["a", "c"] {
        age(&r.join(n), 3 * DAY);
    }
    let blocks = fs::metadata(r.join("a")).unwrap().blocks() * 512;
    let s = run(&opts(r));
    assert_eq!(
        (s.files_removed, s.inodes_freed, s.bytes_freed),
        (3, 1, blocks),
        "{s:?}"
    );
    assert!(outside.path().join("c-link").exists());
}

#[test]
fn prune_skips_sockets_and_fifos_unless_all_types() {
    let d = tmp();
    let r = d.path();
    let _sock = std::os::unix::net::UnixListener::bind(r.join("sock")).unwrap();
    mkfifo(&r.join("fifo"));
    age(&r.join("sock"), 3 * DAY);
    age(&r.join("fifo"), 3 * DAY);
    let mut o = opts(r);
    let s = run(&o);
    assert_eq!((s.files_removed, s.skipped), (0, 2), "{s:?}");
    o.all_types = true;
    let s = run(&o);
    assert_eq!(s.files_removed, 2, "{s:?}");
    assert!(
        fs::symlink_metadata(r.join("sock")).is_err()
            && fs::symlink_metadata(r.join("fifo")).is_err()
    );
}

#[test]
fn prune_handles_non_utf8_and_newline_names() {
    let d = tmp();
    let r = d.path();
    let names: [&[u8]; 3] = [b"bad\xff\xfe", b"new\nline", b"dir\x01\xc3"];
    for n in &names[..2] {
        file(&r.join(OsStr::from_bytes(n)), 3 * DAY);
    }
    let dir = r.join(OsStr::from_bytes(names[2]));
    fs::create_dir(&dir).unwrap();
    file(&dir.join(OsStr::from_bytes(b"in\nside\xff")), 3 * DAY);
    let mut o = opts(r);
    o.now = SystemTime::now() + 3 * DAY; // the dir's mtime is now: age it by moving now
    o.rmdir = true;
    let s = run(&o);
    assert_eq!(
        (s.files_removed, s.dirs_removed, s.errors),
        (3, 1, 0),
        "{s:?}"
    );
    assert_eq!(fs::read_dir(r).unwrap().count(), 0);
    assert_eq!(sys::escape_bytes(b"a\nb\xff\x1b"), "a\\nb\\xff\\u{1b}");
}

#[test]
fn prune_100000_deep_chain_without_recursion_or_fd_growth() {
    const DEPTH: usize = 100_000;
    let d = Scratch::new();
    make_chain(d.path(), DEPTH);
    let root = d.path().to_path_buf();
    let dev = {
        use std::os::unix::fs::MetadataExt;
        fs::metadata(&root).unwrap().dev()
    };
    // A small stack proves the walk does not recurse.
    let s = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let base = open_fds_on(dev);
            let max = std::cell::Cell::new(0usize);
            let cb = |_: u64| max.set(max.get().max(open_fds_on(dev)));
            let mut o = opts(&root);
            o.now = SystemTime::now() + 3 * DAY;
            o.rmdir = true;
            let s = prune(&o, Some(&cb)).expect("prune");
            (s, base, max.get())
        })
        .unwrap()
        .join()
        .unwrap();
    let (s, base, max) = s;
    eprintln!(
        "100000-deep chain: {:?}, fds {base} at start, at most {max} during the walk",
        s.elapsed
    );
    assert_eq!(
        (s.dirs_removed, s.errors),
        (DEPTH as u64, 0),
        "{:?}",
        s.error_samples
    );
    assert!(
        max <= base + FD_BUDGET + 40,
        "fds grew: {base} at start, {max} during the walk"
    );
    assert_eq!(fs::read_dir(d.path()).unwrap().count(), 0);
}

#[test]
fn prune_directory_with_200000_entries() {
    const N: usize = 200_000;
    let d = Scratch::new();
    let big = d.path().join("big");
    fs::create_dir(&big).unwrap();
    for i in 0..N {
        fs::File::create(big.join(format!("f{i:06}"))).unwrap();
    }
    let mut o = opts(d.path());
    o.now = SystemTime::now() + 3 * DAY;
    o.rmdir = true;
    let t = std::time::Instant::now();
    let s = run(&o);
    eprintln!("200000 entries: {:?}", t.elapsed());
    assert_eq!(
        (s.files_removed, s.dirs_removed, s.errors),
        (N as u64, 1, 0),
        "{:?}",
        s.error_samples
    );
    assert!(!big.exists());
}

#[test]
fn prune_counts_eperm_on_immutable_files_and_goes_on() {
    const LOCKED: usize = MAX_ERROR_SAMPLES + 5;
    let d = tmp();
    let r = d.path();
    file(&r.join("free"), 3 * DAY);
    let mut guards = Vec::new();
    for i in 0..LOCKED {
        let p = r.join(format!("locked{i}"));
        file(&p, 3 * DAY);
        if let Err(e) = set_immutable(&p, true) {
            eprintln!("SKIPPED: chattr +i not supported on /tmp here: {e}");
            return;
        }
        guards.push(Immutable(p));
    }
    let s = run(&opts(r));
    assert_eq!((s.files_removed, s.errors), (1, LOCKED as u64), "{s:?}");
    assert_eq!(
        s.error_samples.len(),
        MAX_ERROR_SAMPLES,
        "samples are capped"
    );
    assert!(
        s.error_samples[0].contains("/locked") && s.error_samples[0].contains(": cannot remove: "),
        "{:?}",
        s.error_samples
    );
    assert!(guards.iter().all(|g| g.0.exists()) && !r.join("free").exists());
}

#[test]
fn prune_counts_eacces_as_unprivileged_user() {
    const NOBODY: u32 = 65534;
    let d = tmp();
    let r = d.path().join("root");
    fs::create_dir_all(r.join("mine")).unwrap();
    fs::create_dir_all(r.join("private")).unwrap();
    file(&r.join("mine/f"), 3 * DAY);
    file(&r.join("private/f"), 3 * DAY);
    for p in [&r, &r.join("mine"), &r.join("mine/f")] {
        std::os::unix::fs::lchown(p, Some(NOBODY), Some(NOBODY)).unwrap();
    }
    fs::set_permissions(r.join("private"), fs::Permissions::from_mode(0o700)).unwrap();
    let o = opts(&r);
    // Credentials are per thread at the syscall level: drop to nobody in this thread only.
    let s = std::thread::spawn(move || {
        // SAFETY: raw setresuid/setresgid affect only the calling thread.
        unsafe {
            assert_eq!(
                libc::syscall(libc::SYS_setgroups, 0, std::ptr::null::<libc::gid_t>()),
                0
            );
            assert_eq!(
                libc::syscall(libc::SYS_setresgid, NOBODY, NOBODY, NOBODY),
                0
            );
            assert_eq!(
                libc::syscall(libc::SYS_setresuid, NOBODY, NOBODY, NOBODY),
                0
            );
        }
        prune(&o, None).expect("prune as nobody")
    })
    .join()
    .unwrap();
    assert_eq!((s.files_removed, s.errors), (1, 1), "{s:?}");
    assert!(
        s.error_samples[0].contains("private: cannot open directory"),
        "{:?}",
        s.error_samples
    );
    assert!(r.join("private/f").exists() && !r.join("mine/f").exists());
}

#[test]
fn prune_counts_entries_deleted_by_someone_else() {
    const N: usize = 5_000;
    let d = tmp();
    let r = d.path().to_path_buf();
    for i in 0..N {
        fs::File::create(r.join(format!("f{i}"))).unwrap();
    }
    let go = Arc::new(AtomicBool::new(false));
    let deleter = {
        let (r, go) = (r.clone(), go.clone());
        std::thread::spawn(move || {
            while !go.load(Ordering::Acquire) {}
            (0..N)
                .rev()
                .filter(|i| fs::remove_file(r.join(format!("f{i}"))).is_ok())
                .count() as u64
        })
    };
    let mut o = opts(&r);
    o.now = SystemTime::now() + 3 * DAY;
    go.store(true, Ordering::Release);
    let s = run(&o);
    let theirs = deleter.join().unwrap();
    assert_eq!(s.errors, 0, "{:?}", s.error_samples);
    assert_eq!(
        s.files_removed + theirs,
        N as u64,
        "each file removed exactly once: {s:?}"
    );
    assert_eq!(fs::read_dir(&r).unwrap().count(), 0);
}

#[test]
fn prune_reopen_through_dotdot_detects_a_moved_ancestor() {
    // Deeper than the fd budget, so ancestors are closed; move one while the walk is below it.
    const DEPTH: usize = 5_000;
    let d = tmp();
    let outside = tmp();
    let root = d.path().join("root");
    fs::create_dir(&root).unwrap();
    make_chain(&root, DEPTH);
    file(&outside.path().join("precious"), 30 * DAY);
    let level100: PathBuf = (0..100).fold(root.clone(), |p, _| p.join("d"));
    let dest = outside.path().join("moved");
    let moved = std::cell::Cell::new(false);
    let cb = |_: u64| {
        if !moved.get() {
            fs::rename(&level100, &dest).expect("move level 100 out");
            moved.set(true);
        }
    };
    let mut o = opts(&root);
    o.now = SystemTime::now() + 3 * DAY;
    o.rmdir = true;
    let s = prune(&o, Some(&cb)).expect("prune");
    assert!(moved.get(), "callback ran during the descent");
    assert!(
        s.error_samples
            .iter()
            .any(|e| e.contains("it was moved while being pruned")),
        "{s:?}"
    );
    assert!(
        outside.path().join("precious").exists(),
        "the new parent's other files untouched"
    );
    let level99 = (0..99).fold(root.clone(), |p, _| p.join("d"));
    assert!(
        level99.is_dir(),
        "ancestors above the move are abandoned, not removed"
    );
}

#[test]
fn prune_refuses_system_roots_and_tricks() {
    let d = tmp();
    let link = d.path().join("etc-link");
    symlink("/etc", &link).unwrap();
    let tricky = [
        PathBuf::from("/"),
        PathBuf::from("/usr"),
        PathBuf::from("//usr/"),
        PathBuf::from("/tmp/../etc"),
        PathBuf::from("/var/"),
        link,
    ];
    for p in tricky {
        let mut o = opts(&p);
        o.dry_run = true;
        match prune(&o, None) {
            Err(PruneError::RefusedRoot { path, why }) => {
                assert_eq!(path, p.display().to_string());
                assert!(why.contains("system directory"), "{why}");
            }
            other => panic!("{} must be refused, got {other:?}", p.display()),
        }
    }
    let f = d.path().join("file");
    fs::write(&f, b"").unwrap();
    assert!(matches!(
        prune(&opts(&f), None),
        Err(PruneError::RootNotDirectory { .. })
    ));
    let missing = d.path().join("missing");
    let e = prune(&opts(&missing), None).unwrap_err();
    assert!(matches!(e, PruneError::RootMissing { .. }), "{e:?}");
    assert!(e.to_string().contains("missing"), "{e}");
    // A refused root is checked before any other root is touched.
    file(&d.path().join("old"), 3 * DAY);
    let mut o = opts(d.path());
    o.roots.push("/etc".into());
    assert!(prune(&o, None).is_err());
    assert!(d.path().join("old").exists());
}

#[test]
fn prune_dry_run_changes_nothing() {
    let d = tmp();
    let r = d.path();
    fs::create_dir_all(r.join("a/b")).unwrap();
    file(&r.join("a/b/f"), 3 * DAY);
    file(&r.join("a/g"), 3 * DAY);
    file(&r.join("young"), Duration::ZERO);
    symlink("/etc/passwd", r.join("link")).unwrap();
    age(&r.join("link"), 3 * DAY);
    age(&r.join("a/b"), 3 * DAY);
    age(&r.join("a"), 3 * DAY);
    let before = listing(r);
    let mut o = opts(r);
    o.dry_run = true;
    o.rmdir = true;
    let s = run(&o);
    assert_eq!(before, listing(r), "dry run must not change the tree");
    assert!(s.dry_run);
    assert_eq!(
        (s.files_removed, s.symlinks_removed, s.dirs_removed),
        (2, 1, 2),
        "{s:?}"
    );
    o.dry_run = false;
    let real = run(&o);
    assert_eq!(
        real.removed(),
        s.removed(),
        "dry run predicted the real run"
    );
}

#[test]
fn prune_include_exclude_and_depth_limits() {
    let d = tmp();
    let r = d.path();
    fs::create_dir_all(r.join("sub/deeper")).unwrap();
    for p in [
        "a.tmp",
        "a.keep",
        "sub/b.tmp",
        "sub/c.log",
        "sub/deeper/d.tmp",
        "sub/deeper/e.log",
    ] {
        file(&r.join(p), 3 * DAY);
    }
    let mut o = opts(r);
    o.dry_run = true;
    o.include = vec!["*.tmp".into(), "sub/*.log".into()];
    o.exclude = vec!["keep*".into(), "a.*".into()];
    let s = run(&o);
    // a.tmp excluded by "a.*"; sub/c.log by path; sub/deeper/e.log not ("*" does not cross "/").
    assert_eq!(s.files_removed, 3, "b.tmp, c.log, d.tmp: {s:?}");
    o.include.clear();
    o.exclude.clear();
    o.min_depth = 2;
    assert_eq!(run(&o).files_removed, 4, "only depth >= 2");
    o.min_depth = 0;
    o.max_depth = Some(2);
    assert_eq!(run(&o).files_removed, 4, "only depth <= 2");
    o.include = vec!["[".into()];
    assert!(matches!(prune(&o, None), Err(PruneError::BadGlob { .. })));
    // A root given as a symlink is refused, with or without a trailing slash or `/.`.
    let elsewhere = tmp();
    let link = elsewhere.path().join("root-link");
    symlink(r, &link).unwrap();
    let shown = link.display().to_string();
    for p in [shown.clone(), format!("{shown}/"), format!("{shown}/.")] {
        let mut o = opts(Path::new(&p));
        o.now = SystemTime::now() + 3 * DAY;
        match prune(&o, None) {
            Err(PruneError::RootSymlink { path, target }) => {
                assert_eq!(
                    (path.as_str(), target),
                    (p.as_str(), r.display().to_string())
                );
            }
            other => panic!("{p} must be refused as a symlink, got {other:?}"),
        }
    }
    assert!(r.join("a.tmp").exists(), "nothing removed through the link");
    // A missing root is named as such.
    let gone = elsewhere.path().join("gone");
    assert!(matches!(
        prune(&opts(&gone), None),
        Err(PruneError::RootMissing { .. })
    ));
}

#[test]
fn prune_lock_is_exclusive_and_wait_proceeds_after_release() {
    let d = tmp();
    let g = lock(d.path(), false).expect("first lock");
    match lock(d.path(), false) {
        Err(PruneError::Locked { path }) => assert_eq!(path, d.path().display().to_string()),
        other => panic!("second lock must be Locked, got {other:?}"),
    }
    let released = Arc::new(AtomicBool::new(false));
    let waiter = {
        let (p, released) = (d.path().to_path_buf(), released.clone());
        std::thread::spawn(move || {
            let g = lock(&p, true).expect("waiting lock");
            (released.load(Ordering::SeqCst), g)
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    released.store(true, Ordering::SeqCst);
    drop(g);
    let (after_release, _g2) = waiter.join().unwrap();
    assert!(
        after_release,
        "waiting lock was granted while the first was held"
    );
    let lockfile = d.path().join("prune.lock");
    let _g3 = lock(&lockfile, false).expect("lock file is created");
    assert!(matches!(
        lock(&lockfile, false),
        Err(PruneError::Locked { .. })
    ));
}

/// The racing toucher at the latest moment the walk can see: after the directory listing has
/// named an old file and just before the look that judges it (the last system call before its
/// `unlinkat`), a writer touches it (makes it young) or replaces it with a new file under the
/// same name. Neither may be removed.
#[test]
fn prune_keeps_a_file_made_young_or_replaced_just_before_its_last_look() {
    let d = tmp();
    let r = d.path().to_path_buf();
    for i in 0..30 {
        file(&r.join(format!("f{i:02}")), 3 * DAY);
    }
    let hook_root = r.clone();
    walk::BEFORE_STAT.set(Some(Box::new(move |name: &std::ffi::CStr| {
        let name = name.to_str().unwrap();
        let i: usize = name[1..].parse().unwrap();
        let p = hook_root.join(name);
        match i % 3 {
            0 => set_times(&p, SystemTime::now(), SystemTime::now()),
            1 => {
                fs::remove_file(&p).unwrap();
                fs::write(&p, b"new").unwrap();
            }
            _ => {}
        }
    })));
    let s = run(&opts(&r));
    walk::BEFORE_STAT.set(None);
    let left: Vec<String> = fs::read_dir(&r)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let expected: Vec<String> = (0..30)
        .filter(|i| i % 3 != 2)
        .map(|i| format!("f{i:02}"))
        .collect();
    assert_eq!(left, expected, "touched and replaced files must stay");
    assert_eq!((s.files_removed, s.skipped, s.errors), (10, 20, 0), "{s:?}");
}
