//! `celtool doctor` through `sentinel://` against a private Redis Sentinel group (a master, a
//! replica and three Sentinels: redis-server processes of the test's own on free ports below the
//! ephemeral range, never the machine's own Redis on 6379), with a real Celery worker from the
//! test venv. Kept out of the `it` binary: a failover takes seconds. Nothing is slept for a fixed
//! time: every step waits for its condition with a bound.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

#[path = "../common/run.rs"]
mod run;
#[path = "../common/wait.rs"]
mod wait;
use run::{Run, celtool, run};
use wait::wait_for;

const NAME: &str = "celtool-group";
/// A failover here takes a few seconds; the bound is for a busy 2-core machine.
const STATE: Duration = Duration::from_secs(120);

/// A redis-server of the test's own, in its own process group; killed on drop.
struct Server {
    port: u16,
    child: Option<Child>,
    log: std::path::PathBuf,
}

impl Server {
    fn spawn(dir: &Path, port: u16, args: &[&str]) -> Server {
        let log = dir.join(format!("{port}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new("redis-server")
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .process_group(0)
            .spawn()
            .expect("redis-server");
        let s = Server {
            port,
            child: Some(child),
            log,
        };
        wait_for(Duration::from_secs(60), || {
            let pong = cli(port, &["PING"]);
            (pong == "PONG" || pong.contains("NOAUTH")).then_some(())
        })
        .unwrap_or_else(|| panic!("redis-server on {port} did not start: {}", s.log()));
        s
    }

    /// A data server; `extra` like `--replicaof 127.0.0.1 PORT`.
    fn data(dir: &Path, port: u16, extra: &[&str]) -> Server {
        let p = port.to_string();
        let mut args = vec!["--port", &p, "--bind", "127.0.0.1", "--save", ""];
        args.extend(["--appendonly", "no"]);
        args.extend(extra);
        Server::spawn(dir, port, &args)
    }

    /// A Sentinel watching `master` under [`NAME`], quick to fail over; `auth`: the master's
    /// password.
    fn sentinel(dir: &Path, port: u16, master: u16, auth: Option<&str>) -> Server {
        Server::sentinel_with(dir, port, master, auth, "")
    }

    /// [`Server::sentinel`] with more lines of configuration (TLS).
    fn sentinel_with(
        dir: &Path,
        port: u16,
        master: u16,
        auth: Option<&str>,
        extra: &str,
    ) -> Server {
        let conf = dir.join(format!("sentinel-{port}.conf"));
        std::fs::write(
            &conf,
            format!(
                "port {port}\nbind 127.0.0.1\ndir {}\nsentinel monitor {NAME} 127.0.0.1 {master} 2\n\
                 sentinel down-after-milliseconds {NAME} 1000\nsentinel failover-timeout {NAME} 3000\n{extra}{}",
                dir.display(),
                auth.map_or(String::new(), |pw| format!("sentinel auth-pass {NAME} {pw}\n"))
            ),
        )
        .unwrap();
        Server::spawn(dir, port, &[conf.to_str().unwrap(), "--sentinel"])
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A signal to the server's process group (SIGSTOP makes a replica fall behind).
    fn signal(&self, sig: nix::sys::signal::Signal) {
        if let Some(c) = &self.child {
            let pgid = nix::unistd::Pid::from_raw(c.id() as i32);
            let _ = nix::sys::signal::killpg(pgid, sig);
        }
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let pgid = nix::unistd::Pid::from_raw(c.id() as i32);
            let _ = nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGKILL);
            let _ = c.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.signal(nix::sys::signal::Signal::SIGCONT);
        self.stop();
    }
}

fn cli(port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .output()
        .expect("redis-cli");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A free port below the kernel's ephemeral range (a port from that range can be handed to an
/// outgoing connection before the server binds it), never Redis's own 6379 or 26379.
fn free_port(taken: &[u16]) -> u16 {
    let low: u32 = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse().ok())
        .unwrap_or(32_768u32)
        .clamp(12_000, 32_768);
    let span = low - 11_000;
    // A start that differs by process and call: the tests of this binary run at once.
    static CALLS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let seed = std::process::id()
        .wrapping_mul(7919)
        .wrapping_add(call.wrapping_mul(104_729));
    (0..span)
        .map(|i| (11_000 + (seed.wrapping_add(i * 13)) % span) as u16)
        .find(|p| {
            ![6379, 26379].contains(p)
                && !taken.contains(p)
                && std::net::TcpListener::bind(("127.0.0.1", *p)).is_ok()
        })
        .expect("a free port")
}

/// The group: a master, a replica and three Sentinels, all known to each other.
struct Group {
    dir: tempfile::TempDir,
    master: Server,
    replica: Server,
    sentinels: Vec<Server>,
}

impl Group {
    fn start() -> Group {
        Group::start_with(None)
    }

    /// The group with `password` on the master and the replica (the Sentinels have none).
    fn start_with(password: Option<&str>) -> Group {
        let dir = tempfile::tempdir().unwrap();
        let mut taken = Vec::new();
        let mut port = || {
            let p = free_port(&taken);
            taken.push(p);
            p
        };
        let auth: Vec<&str> = match password {
            Some(pw) => vec!["--requirepass", pw, "--masterauth", pw],
            None => Vec::new(),
        };
        let master = Server::data(dir.path(), port(), &auth);
        let m = master.port.to_string();
        let mut follow = vec!["--replicaof", "127.0.0.1", &m];
        follow.extend(&auth);
        let replica = Server::data(dir.path(), port(), &follow);
        let sentinels: Vec<Server> = (0..3)
            .map(|_| Server::sentinel(dir.path(), port(), master.port, password))
            .collect();
        let g = Group {
            dir,
            master,
            replica,
            sentinels,
        };
        // Every Sentinel knows the two others and the replica before anything is judged.
        for s in &g.sentinels {
            wait_for(STATE, || {
                let fields = cli(s.port, &["SENTINEL", "master", NAME]);
                let f: Vec<&str> = fields.lines().collect();
                let get = |k: &str| f.iter().position(|l| *l == k).and_then(|i| f.get(i + 1));
                (get("num-other-sentinels") == Some(&"2") && get("num-slaves") == Some(&"1"))
                    .then_some(())
            })
            .unwrap_or_else(|| panic!("Sentinel {} never saw the group: {}", s.port, s.log()));
        }
        // ... and the replica has finished its first sync (the master says state=online): a
        // replica still waiting for the master's snapshot (wait_bgsave) is rightly reported as
        // lagging, which a test that stops it to make it lag would take for its own doing.
        let mut info = match password {
            Some(pw) => vec!["-a", pw, "--no-auth-warning"],
            None => Vec::new(),
        };
        info.extend(["INFO", "replication"]);
        wait_for(STATE, || {
            cli(g.master.port, &info)
                .contains("state=online")
                .then_some(())
        })
        .unwrap_or_else(|| panic!("the replica never came online: {}", g.replica.log()));
        g
    }

    fn url(&self) -> String {
        self.sentinels
            .iter()
            .map(|s| format!("sentinel://{}", s.addr()))
            .collect::<Vec<_>>()
            .join(";")
    }

    fn doctor(&self, name: &str) -> Run {
        run(celtool().args([
            "doctor",
            "--only",
            "broker",
            "--format",
            "json",
            "--timeout",
            "5s",
            "--url",
            &self.url(),
            "--sentinel-master",
            name,
        ]))
    }

    /// doctor until `pred` holds on its JSON; panics with the last answer and the logs.
    fn doctor_until(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Run {
        let mut last = None;
        let found = wait_for(STATE, || {
            let r = self.doctor(NAME);
            // 3: during a failover the Sentinels still name the old master for a moment.
            assert!((0..=3).contains(&r.code), "{r:#?}");
            if pred(&r.json()) {
                Some(r)
            } else {
                last = Some(r);
                None
            }
        });
        found.unwrap_or_else(|| {
            let logs: Vec<String> = self.sentinels.iter().map(Server::log).collect();
            panic!(
                "doctor never showed {what}; last answer: {last:#?}\nSentinel logs: {}",
                logs.join("\n---\n")
            )
        })
    }
}

fn finding<'a>(json: &'a Value, id: &str) -> Option<&'a Value> {
    json["findings"].as_array()?.iter().find(|f| f["id"] == id)
}

fn master_is(json: &Value, addr: &str) -> bool {
    finding(json, "redis.sentinel.master").is_some_and(|f| f["subject"] == addr)
}

#[test]
fn doctor_follows_a_failover_and_names_the_worker_left_on_the_old_master() {
    let mut g = Group::start();
    let (old, new) = (g.master.addr(), g.replica.addr());
    // The master is found through the Sentinels and read as any Redis broker.
    let r = g.doctor_until("the master", |j| master_is(j, &old));
    let json = r.json();
    let m = finding(&json, "redis.sentinel.master").unwrap();
    assert_eq!(
        m["summary"],
        format!("the master of '{NAME}' is {old}: 3 of 3 Sentinel(s) name it (config epoch 0)")
    );
    assert!(
        finding(&json, "redis.info").is_some_and(|f| f["subject"] == format!("redis://{old}/0")),
        "{json:#?}"
    );
    assert_eq!(
        json["scope"]["broker"],
        format!("redis://{old} via {}/0 (master {NAME})", g.url())
    );
    assert!(
        json["findings"].as_array().unwrap().iter().all(|f| {
            !(f["id"].as_str().unwrap().starts_with("redis.sentinel") && f["severity"] != "ok")
        }),
        "{json:#?}"
    );

    // The master stops: after the failover the replica is the master, and doctor reads it.
    g.master.stop();
    let r = g.doctor_until("the new master", |j| master_is(j, &new));
    let f = finding(&r.json(), "redis.sentinel.failover").cloned();
    assert!(
        f.as_ref().is_some_and(|f| f["subject"] == new.as_str()),
        "a failover just happened: {f:#?}"
    );

    // The old master comes back (writable, as a misconfigured replica would be) and the
    // Sentinels make it a replica of the new one; a worker whose broker_url names it directly
    // connects there.
    let port = g.master.port;
    g.master = Server::data(g.dir.path(), port, &["--replica-read-only", "no"]);
    wait_for(STATE, || {
        let info = cli(port, &["INFO", "replication"]);
        (info.contains("role:slave") && info.contains("master_link_status:up")).then_some(())
    })
    .unwrap_or_else(|| panic!("{old} never became a replica: {}", g.master.log()));
    let mut worker = worker(&format!("redis://{old}/0"));
    let brpop = wait_for(STATE, || {
        cli(port, &["CLIENT", "LIST"])
            .lines()
            .find(|l| l.contains("cmd=brpop"))
            .and_then(|l| l.split(' ').find_map(|kv| kv.strip_prefix("addr=")))
            .map(str::to_string)
    })
    .unwrap_or_else(|| panic!("the worker never waited on {old}: {}", worker.log()));
    let r = g.doctor_until("the worker on the old master", |j| {
        finding(j, "redis.sentinel.stale-worker").is_some()
    });
    assert_eq!(r.code, 2, "{r:#?}");
    let json = r.json();
    assert!(master_is(&json, &new), "{json:#?}");
    let stale: Vec<&Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "redis.sentinel.stale-worker")
        .collect();
    assert_eq!(stale.len(), 1, "{stale:#?}");
    assert_eq!(stale[0]["severity"], "crit");
    assert_eq!(stale[0]["subject"], old.as_str());
    let summary = stale[0]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with(&format!(
            "{old} is not the master of '{NAME}' (now a replica of the master {new})"
        )) && summary.contains(&format!("(BRPOP) from {brpop}")),
        "{summary}"
    );
    worker.kill();
}

#[test]
fn a_stopped_sentinel_a_lagging_replica_and_an_unknown_master_are_named() {
    let mut g = Group::start();
    let master = g.master.addr();
    let stopped = g.sentinels[2].addr();
    g.sentinels[2].stop();
    let r = g.doctor_until("the stopped Sentinel", |j| {
        finding(j, "redis.sentinel.unreachable").is_some()
    });
    let json = r.json();
    let f = finding(&json, "redis.sentinel.unreachable").unwrap();
    assert_eq!(
        (&f["severity"], &f["subject"]),
        (&Value::from("warn"), &Value::from(stopped.as_str()))
    );
    // Two of three still answer, as the quorum of 2 needs: the master is found all the same.
    assert!(master_is(&json, &master), "{json:#?}");
    let m = finding(&json, "redis.sentinel.master").unwrap();
    assert_eq!(
        m["summary"],
        format!("the master of '{NAME}' is {master}: 2 of 3 Sentinel(s) name it (config epoch 0)")
    );

    // The listings read the master too: its clients include the replica's replication link.
    let r = run(celtool()
        .args(["connections", "--format", "json", "--url", &g.url()])
        .args(["--sentinel-master", NAME]));
    assert_eq!(r.code, 0, "{r:#?}");
    let peers: Vec<String> = r.json()["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["peer"].as_str().unwrap_or("").to_string())
        .collect();
    let link = cli(g.master.port, &["CLIENT", "LIST"])
        .lines()
        .find(|l| l.contains(" flags=S "))
        .and_then(|l| l.split(' ').find_map(|kv| kv.strip_prefix("addr=")))
        .map(str::to_string)
        .expect("the replica's link on the master");
    assert!(peers.contains(&link), "{link} not in {peers:?}");
    let r = run(celtool()
        .args(["queues", "--format", "json", "--url", &g.url()])
        .args(["--sentinel-master", NAME]));
    assert_eq!(
        (r.code, &r.json()["queues"]),
        (0, &serde_json::json!([])),
        "{r:#?}"
    );
    // ping asks the workers on the master the Sentinels name: none runs there.
    let r = run(celtool()
        .args(["ping", "--url", &g.url()])
        .args(["--sentinel-master", NAME]));
    assert_eq!(r.code, 2, "{r:#?}");
    assert!(r.stdout.starts_with("no worker answered"), "{r:#?}");

    // A replica that stops acknowledging the stream lags: 10 s warns.
    g.replica.signal(nix::sys::signal::Signal::SIGSTOP);
    let r = g.doctor_until("the replica's lag", |j| {
        finding(j, "redis.replica.lag").is_some_and(|f| f["severity"] != "ok")
    });
    g.replica.signal(nix::sys::signal::Signal::SIGCONT);
    let json = r.json();
    let f = finding(&json, "redis.replica.lag").unwrap();
    assert_eq!(f["subject"], g.replica.addr(), "{f:#?}");
    assert!(
        f["evidence"]["lag_seconds"].as_f64().unwrap() >= 10.0,
        "{f:#?}"
    );

    // A name no Sentinel monitors: one line, exit 3.
    let r = run(celtool()
        .args(["doctor", "--only", "broker", "--url", &g.url()])
        .args(["--sentinel-master", "nope"]));
    assert_eq!(r.code, 3, "{r:#?}");
    let asked: Vec<String> = g.sentinels.iter().map(Server::addr).collect();
    assert_eq!(
        r.stderr.trim(),
        format!(
            "celtool: error: no Sentinel knows a master named 'nope' (asked {}); give the name they monitor (SENTINEL MASTERS lists them) with --sentinel-master, CELTOOL_SENTINEL_MASTER or the profile's sentinel_master",
            asked.join(", ")
        )
    );
    assert_eq!(r.stdout, "");
}

/// A solo-pool Celery worker of the test app (tests/fixtures/celery_app) on `broker`, in its own
/// process group, killed with it.
fn worker(broker: &str) -> Worker {
    let venv = std::env::var_os("CELTOOL_TEST_VENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"));
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("worker.log");
    let out = std::fs::File::create(&log).unwrap();
    let child = Command::new(venv.join("bin/celery"))
        .args([
            "-A",
            "celtool_redisapp",
            "worker",
            "-n",
            "stale@sentinel-test",
        ])
        .args(["--pool", "solo", "--loglevel", "INFO"])
        .env(
            "PYTHONPATH",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/celery_app"),
        )
        .env("CELTOOL_TEST_BROKER", broker)
        .env("C_FORCE_ROOT", "1")
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .process_group(0)
        .spawn()
        .expect("start the test venv's celery (CELTOOL_TEST_VENV)");
    Worker {
        child: Some(child),
        log,
        _dir: dir,
    }
}

struct Worker {
    child: Option<Child>,
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Worker {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let pgid = nix::unistd::Pid::from_raw(c.id() as i32);
            let _ = nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGKILL);
            let _ = c.wait();
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A master and replica with a password: it comes from CELTOOL_PASSWORD (the Sentinels have
/// none and are asked without it), is never printed, and without it the master's refusal is
/// `redis.auth`. A fourth Sentinel that monitors another server under the same name is named
/// as disagreeing.
#[test]
fn a_password_protected_master_is_read_and_a_disagreeing_sentinel_is_named() {
    const PW: &str = "s3ntinel-secret-pw";
    let g = Group::start_with(Some(PW));
    let master = g.master.addr();
    let doctor = |url: &str, pw: Option<&str>| {
        let mut cmd = celtool();
        cmd.args([
            "doctor",
            "--only",
            "broker",
            "--format",
            "json",
            "--timeout",
            "5s",
        ])
        .args(["--url", url, "--sentinel-master", NAME]);
        if let Some(pw) = pw {
            cmd.env("CELTOOL_PASSWORD", pw);
        }
        let r = run(&mut cmd);
        assert!(!r.stdout.contains(PW) && !r.stderr.contains(PW), "{r:#?}");
        r
    };
    let r = doctor(&g.url(), Some(PW));
    assert!((0..=1).contains(&r.code), "{r:#?}");
    assert!(master_is(&r.json(), &master), "{r:#?}");
    let r = doctor(&g.url(), None);
    assert_eq!(r.code, 3, "{r:#?}");
    let json = r.json();
    let f = finding(&json, "redis.auth").unwrap_or_else(|| panic!("{r:#?}"));
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .starts_with(&format!("redis://{master}/0: authentication failed")),
        "{f:#?}"
    );

    // An odd Sentinel watching another server under the same name.
    let mut taken: Vec<u16> = g.sentinels.iter().map(|s| s.port).collect();
    taken.extend([g.master.port, g.replica.port]);
    let other = Server::data(g.dir.path(), free_port(&taken), &[]);
    taken.push(other.port);
    let odd = Server::sentinel(g.dir.path(), free_port(&taken), other.port, None);
    wait_for(STATE, || {
        let addr = cli(odd.port, &["SENTINEL", "get-master-addr-by-name", NAME]);
        addr.contains(&other.port.to_string()).then_some(())
    })
    .unwrap_or_else(|| {
        panic!(
            "the odd Sentinel never watched {}: {}",
            other.addr(),
            odd.log()
        )
    });
    let url = format!("{};sentinel://{}", g.url(), odd.addr());
    let r = doctor(&url, Some(PW));
    assert_eq!(r.code, 2, "{r:#?}");
    let json = r.json();
    assert!(
        master_is(&json, &master),
        "the majority's master is read: {json:#?}"
    );
    let f = finding(&json, "redis.sentinel.disagree").unwrap_or_else(|| panic!("{json:#?}"));
    assert_eq!(
        (&f["severity"], &f["subject"]),
        (&Value::from("crit"), &Value::from(odd.addr()))
    );
    assert_eq!(
        f["summary"],
        format!(
            "Sentinel {} names {} as the master of '{NAME}', while 3 of 4 Sentinel(s) name {master}: clients asking it connect elsewhere",
            odd.addr(),
            other.addr()
        )
    );
}

/// A CA and a certificate for 127.0.0.1 and localhost signed by it (rcgen), as PEM files.
struct Certs {
    ca: std::path::PathBuf,
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
}

impl Certs {
    fn make(dir: &Path) -> Certs {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let issuer = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &issuer)
            .unwrap();
        let c = Certs {
            ca: dir.join("ca.pem"),
            cert: dir.join("srv.pem"),
            key: dir.join("srv.key"),
        };
        std::fs::write(&c.ca, issuer.pem()).unwrap();
        std::fs::write(&c.cert, leaf.pem()).unwrap();
        std::fs::write(&c.key, leaf_key.serialize_pem()).unwrap();
        c
    }

    /// The TLS settings of a server: its TLS port, its certificate, replication over TLS.
    fn settings(&self, tls_port: u16) -> Vec<(String, String)> {
        [
            ("tls-port", tls_port.to_string()),
            ("tls-cert-file", self.cert.display().to_string()),
            ("tls-key-file", self.key.display().to_string()),
            ("tls-ca-cert-file", self.ca.display().to_string()),
            ("tls-auth-clients", "no".to_string()),
            ("tls-replication", "yes".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}

/// `sentinels://`: the Sentinels and the master are spoken to over TLS, trusting the CA of
/// --ca-file as for rediss://; without it the certificate is refused in one line.
#[test]
fn sentinels_over_tls_find_and_read_the_master_through_the_ca_file() {
    let dir = tempfile::tempdir().unwrap();
    let certs = Certs::make(dir.path());
    let mut taken = Vec::new();
    let mut port = || {
        let p = free_port(&taken);
        taken.push(p);
        p
    };
    let flags = |tls_port: u16| -> Vec<String> {
        certs
            .settings(tls_port)
            .into_iter()
            .flat_map(|(k, v)| [format!("--{k}"), v])
            .collect()
    };
    let (mp, mt, rp, rt) = (port(), port(), port(), port());
    let m_flags = flags(mt);
    let _master = Server::data(
        dir.path(),
        mp,
        &m_flags.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let mut r_flags = flags(rt);
    r_flags.extend(["--replicaof".into(), "127.0.0.1".into(), mt.to_string()]);
    let _replica = Server::data(
        dir.path(),
        rp,
        &r_flags.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let sentinels: Vec<(Server, u16)> = (0..3)
        .map(|_| {
            let (sp, st) = (port(), port());
            let conf: String = certs
                .settings(st)
                .into_iter()
                .map(|(k, v)| format!("{k} {v}\n"))
                .collect();
            (Server::sentinel_with(dir.path(), sp, mt, None, &conf), st)
        })
        .collect();
    let url = sentinels
        .iter()
        .map(|(_, st)| format!("sentinels://127.0.0.1:{st}"))
        .collect::<Vec<_>>()
        .join(";");
    let doctor = |ca: Option<&Path>| {
        let mut cmd = celtool();
        cmd.args([
            "doctor",
            "--only",
            "broker",
            "--format",
            "json",
            "--timeout",
            "5s",
        ])
        .args(["--url", &url, "--sentinel-master", NAME]);
        if let Some(ca) = ca {
            cmd.args(["--ca-file", ca.to_str().unwrap()]);
        }
        run(&mut cmd)
    };
    let master = format!("127.0.0.1:{mt}");
    let found = wait_for(STATE, || {
        let r = doctor(Some(&certs.ca));
        (r.code <= 2 && master_is(&r.json(), &master)).then_some(r)
    });
    let r = found.unwrap_or_else(|| {
        panic!(
            "doctor never found {master} over TLS: {:#?}\n{}",
            doctor(Some(&certs.ca)),
            sentinels[0].0.log()
        )
    });
    let json = r.json();
    assert!(
        finding(&json, "redis.info")
            .is_some_and(|f| f["subject"] == format!("rediss://{master}/0")),
        "{json:#?}"
    );
    // Without the CA the Sentinels' certificate is not trusted: one line, exit 3.
    let r = run(celtool().args(["queues", "--url", &url, "--sentinel-master", NAME]));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(
        r.stderr.trim().lines().count() == 1 && r.stderr.contains("--ca-file"),
        "{r:#?}"
    );
}

/// `doctor --fix` through Sentinel changes the master it read (never a Sentinel); `undo`
/// through Sentinel is refused in one line (the master may have moved), and with the master's
/// own redis:// URL restores the old value.
#[test]
fn doctor_fix_through_sentinel_changes_the_master_and_undo_needs_its_own_url() {
    let g = Group::start();
    let port = g.master.port;
    cli(port, &["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"]);
    cli(port, &["RPUSH", "celery", "{}"]);
    let binding = Command::new("redis-cli")
        .args([
            "-p",
            &port.to_string(),
            "-x",
            "SADD",
            "_kombu.binding.celery",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin
                .take()
                .unwrap()
                .write_all(b"celery\x06\x16\x06\x16celery")?;
            c.wait()
        })
        .expect("redis-cli SADD");
    assert!(binding.success());
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let journal = journal.to_str().unwrap();
    let r = run(celtool()
        .args([
            "doctor",
            "--only",
            "broker",
            "--fix",
            "--yes",
            "--journal",
            journal,
        ])
        .args(["--url", &g.url(), "--sentinel-master", NAME]));
    assert_eq!(r.code, 2, "the policy was judged before the fix: {r:#?}");
    assert_eq!(
        cli(port, &["CONFIG", "GET", "maxmemory-policy"]),
        "maxmemory-policy\nnoeviction",
        "{r:#?}"
    );
    let entry: Value = serde_json::from_str(
        std::fs::read_to_string(journal)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let run_id = entry["run"].as_str().unwrap().to_string();
    let r = run(celtool()
        .args(["undo", &run_id, "--yes", "--journal", journal])
        .args(["--url", &g.url(), "--sentinel-master", NAME]));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(
        r.stderr
            .trim()
            .starts_with("celtool: error: undo cannot go through Sentinel")
            && r.stderr
                .contains(&format!("--url redis://{}/DB", g.master.addr())),
        "{r:#?}"
    );
    let r = run(celtool()
        .args(["undo", &run_id, "--yes", "--journal", journal])
        .args(["--url", &format!("redis://{}/0", g.master.addr())]));
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(
        cli(port, &["CONFIG", "GET", "maxmemory-policy"]),
        "maxmemory-policy\nallkeys-lru"
    );
}
