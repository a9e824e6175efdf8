//! `celtool probe liveness` on /proc trees written by the test: alive, stopped, zombie, no pool
//! children, no such worker, several workers; and that it never reads the broker or the config.

use std::path::Path;

use crate::replay::{Run, celtool, run};

/// One process of a fixture tree: pid, ppid, state, command line (NUL-joined as the kernel does).
type P<'a> = (i32, i32, char, &'a [&'a str]);

const W1: &[&str] = &[
    "/venv/bin/python3",
    "/venv/bin/celery",
    "-A",
    "proj",
    "worker",
    "-n",
    "w1@%h",
];

fn tree(procs: &[P]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("sys/kernel")).unwrap();
    std::fs::write(root.join("sys/kernel/hostname"), "pod-1\n").unwrap();
    std::fs::write(root.join("uptime"), "1000.00 1900.00\n").unwrap();
    for (pid, ppid, state, cmdline) in procs {
        let d = root.join(pid.to_string());
        std::fs::create_dir(&d).unwrap();
        std::fs::write(
            d.join("stat"),
            format!("{pid} (celery) {state} {ppid} {pid} {pid} 0 -1 4194560 0 0 0 0 1 1 0 0 20 0 1 0 5000 1000 100 0\n"),
        )
        .unwrap();
        std::fs::write(
            d.join("status"),
            "Name:\tcelery\nUid:\t1000\t1000\t1000\t1000\n",
        )
        .unwrap();
        let mut bytes = Vec::new();
        for a in *cmdline {
            bytes.extend(a.as_bytes());
            bytes.push(0);
        }
        std::fs::write(d.join("cmdline"), bytes).unwrap();
    }
    dir
}

fn liveness(root: &Path, args: &[&str]) -> Run {
    run(celtool()
        .env("CELTOOL_PROC_ROOT", root)
        .args(["probe", "liveness"])
        .args(args))
}

fn expect(r: &Run, code: i32, line: &str) {
    assert_eq!((r.code, r.stdout.as_str()), (code, line), "{r:#?}");
}

fn prefork(main: char, children: char) -> tempfile::TempDir {
    tree(&[
        (10, 1, main, W1),
        (11, 10, children, W1),
        (12, 10, children, W1),
    ])
}

#[test]
fn liveness_on_fixture_trees() {
    let alive = prefork('S', 'S');
    expect(
        &liveness(alive.path(), &["--node", "w1@%h"]),
        0,
        "ok: w1@pod-1 is alive: main process 10, prefork pool, 2 live pool children\n",
    );
    expect(
        &liveness(alive.path(), &[]),
        0,
        "ok: w1@pod-1 is alive: main process 10, prefork pool, 2 live pool children\n",
    );
    expect(
        &liveness(prefork('T', 'S').path(), &["--node", "w1"]),
        2,
        "not alive: w1@pod-1: main process 10 is stopped (state T)\n",
    );
    expect(
        &liveness(prefork('Z', 'S').path(), &["--node", "w1"]),
        2,
        "not alive: w1@pod-1: main process 10 is a zombie (state Z)\n",
    );
    expect(
        &liveness(prefork('S', 'Z').path(), &["--node", "w1"]),
        2,
        "not alive: w1@pod-1: main process 10 has no live prefork pool children\n",
    );
    let lonely = tree(&[(10, 1, 'S', W1)]);
    expect(
        &liveness(lonely.path(), &[]),
        2,
        "not alive: w1@pod-1: main process 10 has no live prefork pool children\n",
    );
    // The same main process with a solo pool, said by --pool (worker_pool in the config).
    expect(
        &liveness(lonely.path(), &["--pool", "solo"]),
        0,
        "ok: w1@pod-1 is alive: main process 10, solo pool, 0 live pool children\n",
    );
    expect(
        &liveness(alive.path(), &["--node", "w2@pod-1"]),
        3,
        "unknown: no Celery worker w2@pod-1 on this host (workers here: w1@pod-1)\n",
    );
    let two = tree(&[
        (10, 1, 'S', W1),
        (11, 10, 'S', W1),
        (
            20,
            1,
            'S',
            &[
                "celery", "-A", "proj", "worker", "-P", "solo", "-n", "w2@%h",
            ],
        ),
    ]);
    expect(
        &liveness(two.path(), &[]),
        3,
        "unknown: 2 Celery workers on this host (w1@pod-1, w2@pod-1): name one with --node\n",
    );
    expect(
        &liveness(two.path(), &["--node", "w2"]),
        0,
        "ok: w2@pod-1 is alive: main process 20, solo pool, 0 live pool children\n",
    );
    let quiet = liveness(prefork('T', 'S').path(), &["-q"]);
    expect(&quiet, 2, "");
}

/// A broker outage never fails liveness: it reads neither the broker (a listener that would
/// see any connection stays untouched) nor the config file (one that does not parse).
#[test]
fn liveness_never_reads_the_broker_or_the_config() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "this is [not toml").unwrap();
    let alive = prefork('S', 'S');
    let url = format!("http://127.0.0.1:{port}");
    let r = run(celtool()
        .env("CELTOOL_PROC_ROOT", alive.path())
        .env("CELTOOL_CONFIG", &config)
        .env("CELTOOL_AMQP_URL", format!("amqp://127.0.0.1:{port}"))
        .args(["probe", "liveness", "--url", &url, "--node", "w1"]));
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(r.stderr, "", "{r:#?}");
    let accepted = listener.accept();
    assert!(
        accepted
            .as_ref()
            .is_err_and(|e| e.kind() == std::io::ErrorKind::WouldBlock),
        "liveness connected to the broker: {accepted:?}"
    );
    // Nagios and Prometheus are refused before anything is read.
    let r = run(celtool()
        .env("CELTOOL_PROC_ROOT", alive.path())
        .args(["probe", "liveness", "--format", "nagios"]));
    assert_eq!(r.code, 3, "{r:#?}");
    assert_eq!(
        r.stderr,
        "celtool: error: probe liveness has no metrics: use --format table or json\n"
    );
}
