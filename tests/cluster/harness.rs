//! A private RabbitMQ cluster for the tests: nodes started from the Debian package's own scripts
//! (lib/rabbitmq/bin, not the sbin wrappers that switch user) on free ports, with their data,
//! logs, config and Erlang cookie under one temporary directory, clustered with each other only.
//! The machine's own node (rabbit@..., ports 5672/15672/25672) is never addressed: every node
//! name starts with `celtool-c` and carries this process's id, and every port is checked.
//! Dropping the cluster kills every node's process group and removes the directory, also when a
//! test panics; a node also dies with the test thread that started it (PR_SET_PDEATHSIG).
//! A one-node "cluster" is a private node for the tests that change node-wide settings
//! (tests/broker_global.rs); several clusters may run at once in one test binary.
//! Shared through `#[path]` by `tests/cluster` and `tests/broker_global.rs`.

#![allow(dead_code)]

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

#[path = "../common/run.rs"]
mod run;
pub use run::*;
#[path = "../common/wait.rs"]
pub mod wait;
pub use wait::wait_for;

/// The machine's RabbitMQ scripts (Debian 12's 3.10.8).
const BIN: &str = "/usr/lib/rabbitmq/bin";
/// Where bench/rmq4node.sh unpacks Debian 13's RabbitMQ 4.0.5 and Erlang 27 (`fetch`);
/// CELTOOL_RMQ4_ROOT overrides it.
const RMQ4_ROOT: &str = "/var/tmp/celtool-rmq4/root";
/// Ports of the machine's own node and epmd, which no private node may take.
const RESERVED: &[u16] = &[4369, 5672, 15672, 25672];
/// A node boots in ~10 s on an idle machine; a busy 2-core machine is far slower.
pub const BOOT: Duration = Duration::from_secs(300);

pub struct Node {
    pub name: String,
    pub amqp: u16,
    pub dist: u16,
    pub mgmt: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl Node {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.mgmt)
    }
}

/// Which RabbitMQ the nodes run.
#[derive(Clone, Copy, PartialEq)]
pub enum Broker {
    /// The machine's rabbitmq-server package.
    Debian,
    /// RabbitMQ 4.0.5 unpacked by `bench/rmq4node.sh fetch` (nothing installed).
    Rmq4,
}

pub struct Cluster {
    pub nodes: Vec<Node>,
    /// The directory of the RabbitMQ scripts (rabbitmq-server, rabbitmqctl, rabbitmq-queues).
    bin: PathBuf,
    /// PATH for the scripts: the private Erlang first for RabbitMQ 4.x.
    path: std::ffi::OsString,
    /// RABBITMQ_HOME for the scripts, when not the package's own.
    rabbitmq_home: Option<PathBuf>,
    /// This process's id and the cluster's number in it: part of every node name.
    pub tag: String,
    home: PathBuf,
    env_file: PathBuf,
    http: reqwest::Client,
    rt: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

/// A free TCP port on 127.0.0.1 that is none of the machine's own RabbitMQ ports, below the
/// kernel's ephemeral range: a port taken from that range (what binding port 0 gives) can be
/// handed to any outgoing connection before the node binds it, and the node then has no AMQP
/// listener (a worker saw "connection refused" for minutes on a busy CI run). Ports are tried
/// from a start that differs by process and call, so parallel tests rarely try the same one.
fn free_port(taken: &[u16]) -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static CALLS: AtomicU32 = AtomicU32::new(0);
    let low = ephemeral_low().clamp(10_000, 32_768);
    let (first, span) = (10_000u32, u32::from(low) - 10_000);
    let seed = std::process::id()
        .wrapping_mul(7919)
        .wrapping_add(CALLS.fetch_add(1, Ordering::Relaxed).wrapping_mul(104_729));
    for i in 0..span {
        let port = (first + (seed.wrapping_add(i * 7)) % span) as u16;
        if RESERVED.contains(&port) || taken.contains(&port) {
            continue;
        }
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port between {first} and {low}");
}

/// The first port of the kernel's ephemeral range (32768 when it cannot be read).
fn ephemeral_low() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse().ok())
        .unwrap_or(32_768)
}

impl Cluster {
    /// Start `n` nodes of the machine's RabbitMQ at once and cluster nodes 2..n with node 1.
    pub fn start(n: usize) -> Cluster {
        Cluster::start_with(n, Broker::Debian)
    }

    /// Where `broker`'s scripts are, the PATH they run with and their RABBITMQ_HOME.
    fn locate(broker: Broker) -> (PathBuf, std::ffi::OsString, Option<PathBuf>) {
        let path = std::env::var_os("PATH").unwrap_or_default();
        if broker == Broker::Debian {
            return (PathBuf::from(BIN), path, None);
        }
        let root = std::env::var_os("CELTOOL_RMQ4_ROOT")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(RMQ4_ROOT));
        assert!(
            root.join(".unpacked").exists(),
            "no RabbitMQ 4.0.5 in {}: run bench/rmq4node.sh fetch (or set CELTOOL_RMQ4_ROOT)",
            root.display()
        );
        let mut dirs = vec![root.join("usr/lib/erlang/bin")];
        dirs.extend(std::env::split_paths(&path));
        let path = std::env::join_paths(dirs).unwrap();
        let home = root.join("usr/lib/rabbitmq/lib/rabbitmq_server-4.0.5");
        (root.join("usr/lib/rabbitmq/bin"), path, Some(home))
    }

    /// Start `n` nodes of `broker` at once and cluster nodes 2..n with node 1.
    pub fn start_with(n: usize, broker: Broker) -> Cluster {
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let tag = format!(
            "{}-{}",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::SeqCst)
        );
        let (bin, path, rabbitmq_home) = Cluster::locate(broker);
        assert!(
            bin.join("rabbitmq-server").exists(),
            "{}/rabbitmq-server is missing: install the rabbitmq-server package",
            bin.display()
        );
        let dir = tempfile::Builder::new()
            .prefix("celtool-cluster-")
            .tempdir()
            .unwrap();
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let cookie = home.join(".erlang.cookie");
        std::fs::write(&cookie, format!("CELTOOLTEST{}", std::process::id())).unwrap();
        std::fs::set_permissions(&cookie, std::os::unix::fs::PermissionsExt::from_mode(0o400))
            .unwrap();
        // Our own (empty) rabbitmq-env.conf: the machine's sets NODENAME=rabbit@localhost.
        let env_file = dir.path().join("rabbitmq-env.conf");
        std::fs::write(&env_file, "").unwrap();
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let mut cluster = Cluster {
            nodes: Vec::new(),
            bin,
            path,
            rabbitmq_home,
            tag,
            home,
            env_file,
            http,
            rt,
            _dir: dir,
        };
        let mut taken = Vec::new();
        for i in 1..=n {
            let ports = [free_port(&taken), free_port(&taken), free_port(&taken)];
            taken.extend(ports);
            let node = cluster.spawn(i, ports);
            cluster.nodes.push(node);
        }
        for i in 0..n {
            cluster.wait_booted(i);
        }
        for i in 1..n {
            let first = cluster.nodes[0].name.clone();
            cluster.ctl(i, &["stop_app"]);
            cluster.ctl(i, &["join_cluster", &first]);
            cluster.ctl(i, &["start_app"]);
        }
        cluster.wait_all_running();
        cluster
    }

    fn base_env(&self, cmd: &mut Command) {
        cmd.env_clear()
            .env("PATH", &self.path)
            .env("HOME", &self.home)
            .env("LC_ALL", "C.UTF-8")
            .env("RABBITMQ_CONF_ENV_FILE", &self.env_file);
        if let Some(home) = &self.rabbitmq_home {
            cmd.env("RABBITMQ_HOME", home);
        }
    }

    fn spawn(&self, i: usize, [amqp, dist, mgmt]: [u16; 3]) -> Node {
        let name = format!("celtool-c{i}-{}@localhost", self.tag);
        assert!(name.starts_with("celtool-c") && !name.starts_with("rabbit@"));
        let dir = self._dir.path().join(format!("n{i}"));
        for sub in ["mnesia", "log"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let conf = dir.join("rabbitmq.conf");
        std::fs::write(
            &conf,
            format!(
                "listeners.tcp.default = 127.0.0.1:{amqp}\nmanagement.tcp.ip = 127.0.0.1\n\
                 management.tcp.port = {mgmt}\nloopback_users = none\n"
            ),
        )
        .unwrap();
        std::fs::write(dir.join("enabled_plugins"), "[rabbitmq_management].\n").unwrap();
        let out = std::fs::File::create(dir.join("stdout.log")).unwrap();
        let mut cmd = Command::new(self.bin.join("rabbitmq-server"));
        self.base_env(&mut cmd);
        cmd.env("RABBITMQ_NODENAME", &name)
            .env("RABBITMQ_NODE_PORT", amqp.to_string())
            .env("RABBITMQ_DIST_PORT", dist.to_string())
            .env("RABBITMQ_MNESIA_BASE", dir.join("mnesia"))
            .env("RABBITMQ_LOG_BASE", dir.join("log"))
            .env("RABBITMQ_CONFIG_FILE", &conf)
            .env("RABBITMQ_ADVANCED_CONFIG_FILE", dir.join("advanced.config"))
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", dir.join("enabled_plugins"))
            .env("RABBITMQ_ENABLED_PLUGINS", "rabbitmq_management")
            // Run the VM in place of the script (no proxy shell), so PDEATHSIG reaches it.
            .env("RABBITMQ_ALLOW_INPUT", "1")
            .env(
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS",
                "-noinput -kernel inet_dist_use_interface {127,0,0,1}",
            )
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .process_group(0);
        // SAFETY: prctl is async-signal-safe; it only marks this child to be killed with us.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = cmd.spawn().expect("start rabbitmq-server");
        Node {
            name,
            amqp,
            dist,
            mgmt,
            dir,
            child: Some(child),
        }
    }

    /// The last lines of a node's logs, for failure messages.
    pub fn log_tail(&self, i: usize) -> String {
        let n = &self.nodes[i];
        let mut text = std::fs::read_to_string(n.dir.join("stdout.log")).unwrap_or_default();
        let log = n.dir.join("log").join(format!("{}.log", n.name));
        text.push_str(&std::fs::read_to_string(log).unwrap_or_default());
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    fn wait_booted(&mut self, i: usize) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.nodes[i]
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!(
                    "node {} exited ({status}):\n{}",
                    self.nodes[i].name,
                    self.log_tail(i)
                );
            }
            if self.get(i, &["overview"]).0 == 200 {
                return;
            }
            assert!(
                start.elapsed() < BOOT,
                "node {} did not boot:\n{}",
                self.nodes[i].name,
                self.log_tail(i)
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// Wait until node 1's API shows every node running.
    pub fn wait_all_running(&self) {
        let ok = wait_for(BOOT, || {
            let (status, nodes) = self.get(0, &["nodes"]);
            let running = nodes
                .as_array()
                .map(|a| a.iter().filter(|n| n["running"] == true).count());
            (status == 200 && running == Some(self.nodes.len())).then_some(())
        });
        assert!(
            ok.is_some(),
            "the cluster never showed all nodes running:\n{}",
            self.log_tail(0)
        );
    }

    /// `rabbitmqctl -n NODE args...` against node `i`; panics with its output on failure.
    pub fn ctl(&self, i: usize, args: &[&str]) -> String {
        self.try_ctl(i, args).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `rabbitmqctl -n NODE args...` against node `i` under a watchdog: its stdout, or what went
    /// wrong (for Drop guards, which must not panic).
    pub fn try_ctl(&self, i: usize, args: &[&str]) -> Result<String, String> {
        self.try_tool(i, "rabbitmqctl", args)
    }

    /// `TOOL -n NODE args...` (rabbitmqctl, rabbitmq-queues, rabbitmq-diagnostics) against node
    /// `i` under a watchdog: its stdout, or what went wrong.
    pub fn try_tool(&self, i: usize, tool: &str, args: &[&str]) -> Result<String, String> {
        let name = &self.nodes[i].name;
        if !name.starts_with("celtool-c") {
            return Err(format!("refusing to address {name}"));
        }
        let mut cmd = Command::new(self.bin.join(tool));
        self.base_env(&mut cmd);
        cmd.arg("-n").arg(name).args(args);
        let r = run_bounded(&mut cmd, BOOT).map_err(|e| e.to_string())?;
        if r.code == 0 {
            Ok(r.stdout)
        } else {
            Err(format!(
                "{tool} -n {name} {args:?} exited {}: {}{}",
                r.code, r.stdout, r.stderr
            ))
        }
    }

    /// The AMQP URL of node `i`, without credentials (celtool's --amqp-url).
    pub fn amqp_url(&self, i: usize) -> String {
        format!("amqp://127.0.0.1:{}", self.nodes[i].amqp)
    }

    /// A vhost on the cluster, with every permission for guest.
    pub fn add_vhost(&self, vhost: &str) {
        self.send(0, "PUT", &["vhosts", vhost], json!({}));
        self.send(
            0,
            "PUT",
            &["permissions", vhost, "guest"],
            json!({"configure": ".*", "write": ".*", "read": ".*"}),
        );
    }

    fn url(&self, i: usize, segments: &[&str], query: Option<&str>) -> reqwest::Url {
        let mut u = reqwest::Url::parse(&self.nodes[i].url()).unwrap();
        u.set_path(&celtool::rabbitmq::client::api_path("", segments));
        u.set_query(query);
        u
    }

    /// GET from node `i`'s management API: (status, body as text).
    pub fn get_text(&self, i: usize, segments: &[&str], query: Option<&str>) -> (u16, String) {
        let u = self.url(i, segments, query);
        self.rt.block_on(async {
            match self
                .http
                .get(u)
                .basic_auth("guest", Some("guest"))
                .send()
                .await
            {
                Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
                Err(_) => (0, String::new()),
            }
        })
    }

    pub fn get(&self, i: usize, segments: &[&str]) -> (u16, Value) {
        let (status, text) = self.get_text(i, segments, None);
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// A write to node `i`'s API; panics unless it succeeds.
    pub fn send(&self, i: usize, method: &str, segments: &[&str], body: Value) -> Value {
        let u = self.url(i, segments, None);
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let (status, text) = self.rt.block_on(async {
            let r = self
                .http
                .request(m, u.clone())
                .basic_auth("guest", Some("guest"))
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .unwrap_or_else(|e| panic!("{method} {u}: {e}"));
            (r.status(), r.text().await.unwrap_or_default())
        });
        assert!(status.is_success(), "{method} {u}: {status}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for n in &mut self.nodes {
            if let Some(mut child) = n.child.take() {
                let pgid = nix::unistd::Pid::from_raw(child.id() as i32);
                let _ = nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGKILL);
                let _ = child.wait();
            }
        }
    }
}
