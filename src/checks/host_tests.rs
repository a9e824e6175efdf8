//! Host checks on hand-built snapshots.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::*;
use crate::checks::testing::problems;
use crate::host::{Reading, Usage, procs};
use crate::report::Area;

fn snap() -> HostSnapshot {
    HostSnapshot::empty("worker-7")
}

fn run(s: &HostSnapshot) -> Vec<Finding> {
    host_checks(s, &Thresholds::default())
}

fn conntrack(count: u64, max: u64) -> Conntrack {
    Conntrack {
        count,
        max,
        buckets: Some(max),
        hashsize: Some(max),
        stats: BTreeMap::new(),
        legacy: false,
    }
}

fn fs(point: &str, device: &str, root: &str, usage: Result<Usage, String>) -> Filesystem {
    Filesystem {
        mount_id: 1,
        parent_id: 0,
        device: device.into(),
        root: root.into(),
        mount_point: PathBuf::from(point),
        fs_type: "ext4".into(),
        source: "/dev/sda1".into(),
        usage,
    }
}

fn inodes(total: u64, free: u64) -> Result<Usage, String> {
    Ok(Usage {
        inodes_total: total,
        inodes_free: free,
        bytes_total: 1 << 30,
        bytes_free: 1 << 29,
    })
}

fn proc(pid: i32, ppid: i32, state: char, title: &str) -> Process {
    Process {
        pid,
        ppid,
        state,
        comm: "celery".into(),
        cmdline: if title.starts_with('[') && state == 'Z' {
            vec![]
        } else {
            vec![title.to_string()]
        },
        title: title.into(),
        rss_bytes: 100 << 20,
        start_ticks: 0,
        threads: 1,
        uid: Some(998),
    }
}

/// The zombies among `procs` as the second reading found them: all still there, each `age`
/// seconds old, read again 2 s after the first look.
fn persisting(procs: &[Process], age: Option<f64>) -> Zombies {
    Zombies {
        min_age_secs: 30.0,
        settle_secs: 2.0,
        young: 0,
        gone: 0,
        persisting: procs
            .iter()
            .filter(|p| p.state == 'Z')
            .map(|p| crate::host::Zombie {
                pid: p.pid,
                ppid: p.ppid,
                start_ticks: p.start_ticks,
                age_secs: age,
            })
            .collect(),
    }
}

fn find<'a>(f: &'a [Finding], id: &str) -> &'a Finding {
    f.iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("no {id} in {f:#?}"))
}

#[test]
fn an_empty_snapshot_gives_nothing() {
    assert_eq!(run(&snap()), vec![]);
}

#[test]
fn conntrack_usage_levels_and_remedy() {
    let mut s = snap();
    for (count, max, want) in [
        (100, 1000, Severity::Ok),
        (750, 1000, Severity::Warn),
        (900, 1000, Severity::Crit),
    ] {
        s.conntrack = Reading::Present(conntrack(count, max));
        let f = run(&s);
        let u = find(&f, "host.conntrack.usage");
        assert_eq!(u.severity, want, "{count}/{max}");
        assert_eq!(u.host.as_deref(), Some("worker-7"));
        assert_eq!(u.area, Area::Host);
        assert_eq!(u.evidence["used_ratio"], count as f64 / max as f64);
    }
    let f = run(&s);
    let u = find(&f, "host.conntrack.usage");
    assert!(
        u.remedy.contains("sysctl -w net.netfilter.nf_conntrack_max=65536")
            && u.remedy.contains(
                "echo 'net.netfilter.nf_conntrack_max = 65536' > /etc/sysctl.d/90-celtool-conntrack.conf"
            ),
        "{}",
        u.remedy
    );
    assert_eq!(
        suggested_conntrack_max(&conntrack(200_000, 262_144)),
        524_288
    );
    let mut legacy = conntrack(950, 1000);
    legacy.legacy = true;
    s.conntrack = Reading::Present(legacy);
    let f = run(&s);
    assert!(
        find(&f, "host.conntrack.usage")
            .remedy
            .contains("net.ipv4.netfilter.ip_conntrack_max")
    );
}

#[test]
fn conntrack_zero_max_and_absent_module_give_nothing() {
    let mut s = snap();
    let mut c = conntrack(10, 0);
    c.hashsize = Some(0);
    c.buckets = None;
    s.conntrack = Reading::Present(c);
    assert_eq!(run(&s), vec![]);
    s.conntrack = Reading::Absent("nf_conntrack module not loaded".into());
    assert_eq!(run(&s), vec![]);
}

#[test]
fn conntrack_drops_are_critical_with_numbers() {
    let mut s = snap();
    let mut c = conntrack(10, 1000);
    c.stats = BTreeMap::from([
        ("drop".to_string(), 17),
        ("early_drop".to_string(), 2),
        ("insert_failed".to_string(), 0),
        ("found".to_string(), 99),
    ]);
    s.conntrack = Reading::Present(c);
    let f = run(&s);
    let d = find(&f, "host.conntrack.drops");
    assert_eq!(d.severity, Severity::Crit);
    assert_eq!(
        (
            d.evidence["drop"],
            d.evidence["early_drop"],
            d.evidence["insert_failed"]
        ),
        (17.0, 2.0, 0.0)
    );
    assert!(
        d.summary.contains("drop 17, early_drop 2, insert_failed 0"),
        "{}",
        d.summary
    );
}

#[test]
fn hashsize_warns_strictly_above_eight_per_bucket() {
    let mut s = snap();
    let mut c = conntrack(10, 8192);
    c.hashsize = Some(1024);
    s.conntrack = Reading::Present(c.clone());
    assert_eq!(problems(&run(&s)), vec![]);
    c.max = 8193;
    s.conntrack = Reading::Present(c.clone());
    let f = run(&s);
    let h = find(&f, "host.conntrack.hashsize");
    assert_eq!(h.severity, Severity::Warn);
    assert!(
        h.remedy
            .contains("echo 16384 > /sys/module/nf_conntrack/parameters/hashsize"),
        "{}",
        h.remedy
    );
    assert!(h.remedy.contains("options nf_conntrack hashsize=16384"));
    // Without the module parameter, the buckets sysctl stands in for it.
    c.hashsize = None;
    c.buckets = Some(512);
    s.conntrack = Reading::Present(c);
    assert_eq!(
        find(&run(&s), "host.conntrack.hashsize").evidence["hashsize"],
        512.0
    );
}

#[test]
fn inode_levels_btrfs_bind_mounts_and_timeouts() {
    let mut s = snap();
    s.filesystems = Reading::Present(vec![
        fs("/", "253:1", "/", inodes(1000, 500)),
        fs("/srv/data", "253:2", "/", inodes(1000, 90)),
        fs("/var/spool/celery", "253:2", "/spool", inodes(1000, 90)),
        fs("/tmp", "0:26", "/", inodes(1000, 40)),
        fs("/home", "0:42", "/", inodes(0, 0)),
        fs(
            "/mnt/nfs",
            "0:40",
            "/",
            Err("statvfs did not answer within 2s (dead network mount?)".into()),
        ),
    ]);
    let f = run(&s);
    assert_eq!(
        problems(&f),
        vec![
            ("host.inodes.usage", Severity::Unknown, "/mnt/nfs".into()),
            ("host.inodes.usage", Severity::Warn, "/srv/data".into()),
            ("host.inodes.usage", Severity::Crit, "/tmp".into()),
        ]
    );
    let tmp = f.iter().find(|f| f.subject == "/tmp").unwrap();
    assert_eq!(tmp.evidence["used_ratio"], 0.96);
    assert_eq!(
        (tmp.evidence["inodes_total"], tmp.evidence["inodes_free"]),
        (1000.0, 40.0)
    );
    assert!(
        tmp.remedy.contains("celtool inodes --top /tmp"),
        "{}",
        tmp.remedy
    );
    assert!(tmp.remedy.contains("celtool prune-tmp DIR --older-than 2d"));
    assert_eq!(
        f.iter().filter(|f| f.subject == "/").count(),
        1,
        "ok gauge for /"
    );
    assert!(
        !f.iter().any(|f| f.subject == "/home"),
        "btrfs has no inode limit"
    );
}

#[test]
fn inode_thresholds_can_be_overridden_and_paths_are_quoted() {
    let mut s = snap();
    s.filesystems = Reading::Present(vec![fs("/srv/celery data", "8:1", "/", inodes(1000, 400))]);
    let mut t = Thresholds::default();
    t.set("host.inodes.usage", Some(0.5), Some(0.3));
    let f = host_checks(&s, &t);
    assert_eq!(f[0].severity, Severity::Warn);
    assert!(
        f[0].remedy
            .contains("celtool inodes --top '/srv/celery data'"),
        "{}",
        f[0].remedy
    );
}

#[test]
fn fixture_processes_give_zombie_orphan_rss_and_stuck() {
    let root = crate::host::fixture("kernel6/proc");
    let Reading::Present(procs) = procs::read(&root) else {
        panic!("fixture processes")
    };
    let mut s = snap();
    let watched = crate::host::ZombieCandidates::select(
        &procs,
        Some(86400.5),
        100,
        std::time::Duration::from_secs(30),
    )
    .recheck(&root, std::time::Duration::from_secs(2));
    s.zombies = Reading::Present(watched);
    s.processes = Reading::Present(procs);
    let mut t = Thresholds::default();
    // The fixture's pages are counted with this host's page size: put the limit between the
    // big pool child (300000 pages) and the main (60000 pages).
    t.set(
        "host.workers.rss",
        Some(100_000.0 * crate::host::page_size() as f64),
        None,
    );
    let f = host_checks(&s, &t);
    let main =
        "pid 1200 ([celeryd: w1@worker-7:MainProcess] -active- (worker -A proj -l INFO -n w1@%h))";
    let child = "pid 1301 ([celeryd: w1@worker-7:ForkPoolWorker-1])";
    assert_eq!(
        problems(&f),
        vec![
            (
                "host.workers.orphan",
                Severity::Warn,
                "w0@worker-7 (pid 900)".into()
            ),
            ("host.workers.rss", Severity::Warn, child.into()),
            ("host.workers.stuck", Severity::Warn, child.into()),
            ("host.workers.zombie", Severity::Warn, main.into()),
        ]
    );
    let z = find(&f, "host.workers.zombie");
    assert!(
        z.summary
            .contains("pid 1200 (the Celery main process of w1@worker-7)"),
        "{}",
        z.summary
    );
    assert!(z.remedy.contains("kill -CHLD 1200"));
    assert_eq!(z.evidence["zombies"], 1.0);
    // Up 86400.5 s, the zombie started at tick 7000200: 16398.5 s ago, whole minutes down.
    assert!(
        z.summary.ends_with(
            "still zombies when read again 2.0s later, each started at least 4h 33m ago"
        ),
        "{}",
        z.summary
    );
    let stuck = find(&f, "host.workers.stuck");
    assert!(
        stuck.summary.contains("one sample cannot tell"),
        "{}",
        stuck.summary
    );
    assert!(
        find(&f, "host.workers.orphan")
            .remedy
            .contains("kill -TERM 900")
    );
    assert!(
        find(&f, "host.workers.rss")
            .remedy
            .contains("worker_max_memory_per_child")
    );
}

#[test]
fn zombies_crit_at_a_hundred_and_under_non_celery_parents() {
    let mut procs = vec![
        proc(10, 1, 'S', "/usr/sbin/cron -f"),
        proc(20, 1, 'S', "[celeryd: a@h:MainProcess] -active-"),
    ];
    for i in 0..100 {
        procs.push(proc(1000 + i, 10, 'Z', "[sh]"));
    }
    procs.push(proc(2000, 20, 'Z', "[celery]"));
    let mut s = snap();
    s.zombies = Reading::Present(persisting(&procs, Some(45.0)));
    s.processes = Reading::Present(procs);
    let f = run(&s);
    assert_eq!(
        problems(&f),
        vec![
            (
                "host.workers.zombie",
                Severity::Crit,
                "pid 10 (/usr/sbin/cron -f)".into()
            ),
            (
                "host.workers.zombie",
                Severity::Warn,
                "pid 20 ([celeryd: a@h:MainProcess] -active-)".into()
            ),
        ]
    );
    assert!(
        f[0].summary.contains("not a Celery worker"),
        "{}",
        f[0].summary
    );
    let mut t = Thresholds::default();
    t.set("host.workers.zombie", Some(5.0), None);
    assert_eq!(
        problems(&host_checks(&s, &t)).len(),
        1,
        "one zombie under pid 20 is below 5"
    );
}

#[test]
fn persisting_zombies_say_how_many_how_old_and_for_how_long() {
    let procs = vec![
        proc(1, 0, 'S', "/sbin/init"),
        proc(4242, 1, 'Z', "[sh]"),
        proc(4243, 1, 'Z', "[sh]"),
    ];
    let mut z = persisting(&procs, Some(95.7));
    z.persisting[1].age_secs = Some(3600.0);
    let mut s = snap();
    s.zombies = Reading::Present(z);
    s.processes = Reading::Present(procs);
    let f = run(&s);
    let z = find(&f, "host.workers.zombie");
    assert_eq!(
        (z.severity, z.subject.as_str()),
        (Severity::Warn, "pid 1 (/sbin/init)")
    );
    assert_eq!(
        z.summary,
        "2 zombie process(es) not reaped by their parent, pid 1 (not a Celery worker): still zombies when read again 2.0s later, each started at least 1m ago"
    );
    assert_eq!(
        &*z.remedy,
        "zombies that stay under pid 1 mean init does not reap: in a container run the worker under an init (docker run --init, tini, dumb-init)"
    );
    assert_eq!(z.evidence.len(), 1, "{:?}", z.evidence);
    assert_eq!(z.evidence["zombies"], 2.0);
}

#[test]
fn young_and_reaped_zombies_give_no_finding() {
    // The field report: pid 1's zombies, 0-1 s old, reaped within a second.
    let procs = vec![
        proc(1, 0, 'S', "/sbin/init"),
        proc(4242, 1, 'Z', "[sh]"),
        proc(4243, 1, 'Z', "[sh]"),
    ];
    let mut s = snap();
    s.zombies = Reading::Present(Zombies {
        min_age_secs: 30.0,
        settle_secs: 2.0,
        young: 1,
        gone: 1,
        persisting: vec![],
    });
    s.processes = Reading::Present(procs.clone());
    assert_eq!(run(&s), vec![]);
    // A snapshot whose zombies were not read twice judges none from one reading.
    s.zombies = Reading::Absent("not gathered".into());
    assert_eq!(run(&s), vec![]);
    // Their age unknown (no uptime), persisting zombies are still reported, saying so.
    s.zombies = Reading::Present(persisting(&procs, None));
    let f = run(&s);
    let z = find(&f, "host.workers.zombie");
    assert!(
        z.summary.ends_with("their age unknown (no uptime)"),
        "{}",
        z.summary
    );
}

#[test]
fn rss_default_is_one_gib() {
    let mut big = proc(30, 1, 'S', "[celeryd: a@h:ForkPoolWorker-1]");
    big.rss_bytes = 1 << 30;
    let mut small = proc(31, 1, 'S', "[celeryd: b@h:MainProcess]");
    small.rss_bytes = (1 << 30) - 1;
    let mut not_celery = proc(32, 1, 'S', "/usr/bin/postgres");
    not_celery.rss_bytes = 8 << 30;
    let mut s = snap();
    s.processes = Reading::Present(vec![big, small, not_celery]);
    let p = problems(&run(&s));
    assert!(
        p.contains(&(
            "host.workers.rss",
            Severity::Warn,
            "pid 30 ([celeryd: a@h:ForkPoolWorker-1])".into()
        )),
        "{p:?}"
    );
    assert_eq!(p.iter().filter(|p| p.0 == "host.workers.rss").count(), 1);
}

#[test]
fn file_handles_levels_and_zero_max() {
    let mut s = snap();
    for (alloc, max, want) in [
        (10, 100, Severity::Ok),
        (80, 100, Severity::Warn),
        (95, 100, Severity::Crit),
    ] {
        s.file_nr = Reading::Present(FileNr {
            allocated: alloc,
            unused: 0,
            max,
        });
        assert_eq!(find(&run(&s), "host.fd").severity, want);
    }
    s.file_nr = Reading::Present(FileNr {
        allocated: 10,
        unused: 0,
        max: 0,
    });
    assert_eq!(run(&s), vec![]);
    s.file_nr = Reading::Present(FileNr {
        allocated: 10,
        unused: 0,
        max: u64::MAX,
    });
    assert_eq!(find(&run(&s), "host.fd").severity, Severity::Ok);
}

#[test]
fn time_wait_against_conntrack_or_the_fixed_default() {
    let tw = |n| Sockstat {
        tw: n,
        ..Sockstat::default()
    };
    let mut s = snap();
    s.sockstat = Reading::Present(tw(30_000));
    assert_eq!(
        find(&run(&s), "host.tcp.time_wait").severity,
        Severity::Warn
    );
    s.conntrack = Reading::Present(conntrack(10, 262_144));
    let f = run(&s);
    assert_eq!(find(&f, "host.tcp.time_wait").severity, Severity::Ok);
    assert_eq!(
        find(&f, "host.tcp.time_wait").evidence["warn_at"],
        131_072.0
    );
    s.conntrack = Reading::Present(conntrack(10, 40_000));
    let f = run(&s);
    let w = find(&f, "host.tcp.time_wait");
    assert_eq!(w.severity, Severity::Warn);
    assert!(
        w.summary.contains("half of nf_conntrack_max (40000)"),
        "{}",
        w.summary
    );
    assert!(w.remedy.contains("net.ipv4.tcp_tw_reuse") && w.remedy.contains("broker_pool_limit"));
    let mut t = Thresholds::default();
    t.set("host.tcp.time_wait", Some(50_000.0), None);
    assert_eq!(
        find(&host_checks(&s, &t), "host.tcp.time_wait").severity,
        Severity::Ok
    );
}

#[test]
fn unreadable_parts_are_unknown_and_absent_ones_silent() {
    let mut s = snap();
    s.conntrack = Reading::Absent("nf_conntrack module not loaded".into());
    s.processes = Reading::Unreadable("/proc: Permission denied (os error 13)".into());
    s.sockstat = Reading::Unreadable("/proc/net/sockstat: unexpected format".into());
    let f = run(&s);
    assert_eq!(
        problems(&f),
        vec![
            ("host.unreadable", Severity::Unknown, "processes".into()),
            ("host.unreadable", Severity::Unknown, "sockstat".into()),
        ]
    );
    assert!(
        f[0].summary.contains("/proc: Permission denied"),
        "{}",
        f[0].summary
    );
}

#[test]
fn every_host_id_is_in_the_catalog() {
    for id in [
        "host.conntrack.usage",
        "host.conntrack.drops",
        "host.conntrack.hashsize",
        "host.inodes.usage",
        "host.workers.zombie",
        "host.workers.orphan",
        "host.workers.rss",
        "host.workers.stuck",
        "host.fd",
        "host.tcp.time_wait",
        "host.unreadable",
    ] {
        let e = catalog::entry(id).unwrap_or_else(|| panic!("{id} not in the catalog"));
        assert_eq!(e.area, Area::Host, "{id}");
    }
}

#[test]
fn the_kernel6_fixture_end_to_end() {
    let roots = crate::host::Roots {
        proc: crate::host::fixture("kernel6/proc"),
        sys: crate::host::fixture("kernel6/sys"),
    };
    let opts = crate::host::GatherOptions {
        filesystems: false,
        zombies: Some(crate::host::ZombieWatch {
            min_age: std::time::Duration::from_secs(30),
            settle: std::time::Duration::ZERO,
            not_after: None,
        }),
        ..Default::default()
    };
    let f = run(&crate::host::gather(&roots, &opts));
    let ids: Vec<(&str, Severity)> = problems(&f).into_iter().map(|p| (p.0, p.1)).collect();
    assert_eq!(
        ids,
        vec![
            ("host.conntrack.drops", Severity::Crit),
            ("host.conntrack.hashsize", Severity::Warn),
            ("host.conntrack.usage", Severity::Warn),
            ("host.fd", Severity::Warn),
            ("host.tcp.time_wait", Severity::Warn),
            ("host.workers.orphan", Severity::Warn),
            ("host.workers.rss", Severity::Warn),
            ("host.workers.stuck", Severity::Warn),
            ("host.workers.zombie", Severity::Warn),
        ]
    );
    assert!(f.iter().all(|f| f.host.as_deref() == Some("worker-7")));
}

#[test]
fn a_network_card_near_its_link_speed_is_found_by_the_host_checks() {
    let mut s = snap();
    let sample = |name: &str, tx: f64| crate::host::nic::NicSample {
        name: name.into(),
        rx_bytes_per_second: 1_000.0,
        tx_bytes_per_second: tx,
        speed_mbit: Some(1000),
    };
    // 1 Gbit/s is 125 MB/s: the field report's card, 95 % full on the way out.
    s.nic = Reading::Present(vec![sample("eth0", 118_750_000.0), sample("eth1", 1_000.0)]);
    let found = problems(&run(&s));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].0, found[0].2.as_str()),
        ("host.nic.saturation", "eth0")
    );
    assert_ne!(found[0].1, Severity::Ok);
}

#[test]
fn a_busy_network_card_without_a_link_speed_is_said_not_judged() {
    let mut s = snap();
    let sample = |name: &str, tx: f64| crate::host::nic::NicSample {
        name: name.into(),
        rx_bytes_per_second: 0.0,
        tx_bytes_per_second: tx,
        speed_mbit: None,
    };
    // virtio reads -1: eth0 carries traffic, ifb0 is idle, lo is never reported.
    s.nic = Reading::Present(vec![
        sample("eth0", 5_000_000.0),
        sample("ifb0", 0.0),
        sample("lo", 9_000.0),
    ]);
    let all = run(&s);
    let nic: Vec<_> = all
        .iter()
        .filter(|f| f.id == "host.nic.saturation")
        .collect();
    assert_eq!(nic.len(), 1, "{nic:?}");
    assert_eq!(
        (nic[0].subject.as_str(), nic[0].severity),
        ("eth0", Severity::Ok)
    );
    assert!(
        nic[0].summary.contains("publishes no link speed"),
        "{}",
        nic[0].summary
    );
}

#[test]
fn node_names_are_expanded_as_the_broker_knows_them_and_subjects_stay_on_one_line() {
    // No setproctitle: the node comes from the command line, `%h` and all.
    let mut main = proc(
        300,
        1,
        'S',
        "celery -A proj worker -n w1@%h --loglevel=INFO",
    );
    main.cmdline = main.title.split(' ').map(String::from).collect();
    main.rss_bytes = 2 << 30;
    let mut plain = proc(400, 1, 'S', "celery -A proj worker");
    plain.cmdline = plain.title.split(' ').map(String::from).collect();
    plain.rss_bytes = 2 << 30;
    // A parent whose command line holds a newline, with a zombie child.
    let parent = proc(500, 1, 'S', "python -c import os\nos.fork()");
    let procs = vec![main, plain, parent, proc(501, 500, 'Z', "[python]")];
    let mut s = snap();
    s.zombies = Reading::Present(persisting(&procs, Some(45.0)));
    s.processes = Reading::Present(procs);
    let f = run(&s);
    let rss: Vec<&str> = f
        .iter()
        .filter(|f| f.id == "host.workers.rss")
        .map(|f| f.summary.as_str())
        .collect();
    assert_eq!(
        rss,
        vec![
            "Celery process 300 of w1@worker-7 uses 2.0 GiB of memory",
            "Celery process 400 of celery@worker-7 uses 2.0 GiB of memory",
        ]
    );
    let z = find(&f, "host.workers.zombie");
    assert_eq!(z.subject, "pid 500 (python -c import os os.fork())");
}

#[test]
fn a_stopped_celery_process_is_a_finding_critical_for_a_main() {
    let procs = vec![
        proc(700, 1, 'T', "[celeryd: w1@worker-7:MainProcess] -active-"),
        proc(701, 700, 'T', "[celeryd: w1@worker-7:ForkPoolWorker-1]"),
        proc(702, 700, 'S', "[celeryd: w1@worker-7:ForkPoolWorker-2]"),
        proc(800, 1, 'T', "vim notes.txt"),
    ];
    let mut s = snap();
    s.processes = Reading::Present(procs);
    let f = run(&s);
    assert_eq!(
        problems(&f),
        vec![
            (
                "host.workers.stopped",
                Severity::Crit,
                "pid 700 ([celeryd: w1@worker-7:MainProcess] -active-)".into()
            ),
            (
                "host.workers.stopped",
                Severity::Warn,
                "pid 701 ([celeryd: w1@worker-7:ForkPoolWorker-1])".into()
            ),
        ]
    );
    let main = f
        .iter()
        .find(|f| f.id == "host.workers.stopped" && f.severity == Severity::Crit)
        .unwrap();
    assert_eq!(
        main.summary,
        "Celery main process 700 of w1@worker-7 is stopped (state T, by SIGSTOP or SIGTSTP): it runs no task and answers no ping, while its broker connection stays open and keeps the messages it prefetched"
    );
    assert!(
        main.remedy.starts_with("continue it: kill -CONT 700;"),
        "{}",
        main.remedy
    );
}
