//! Where workers are started: Procfiles, systemd units (with their EnvironmentFiles),
//! docker-compose files and Kubernetes manifests. Each gives worker command lines, and what
//! lint judges beside them: how many replicas, how long the worker has to stop before it is
//! killed, and the probes that ping it.

use std::collections::HashMap;

use saphyr::{LoadableYamlNode, MarkedYamlOwned, ScalarOwned, YamlDataOwned};

use super::cmdline::{self, WorkerCmd};

/// How long a worker has between the stop signal and SIGKILL.
#[derive(Debug, Clone, PartialEq)]
pub struct Grace {
    pub seconds: f64,
    /// `terminationGracePeriodSeconds`, `stop_grace_period`, `TimeoutStopSec`.
    pub what: &'static str,
    /// Written in the file (else the platform's default).
    pub explicit: bool,
    pub line: usize,
}

/// A probe or healthcheck that runs a command.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// `livenessProbe`, `readinessProbe`, `startupProbe`, `healthcheck`.
    pub kind: &'static str,
    pub line: usize,
    /// It asks the worker over remote control (`celery inspect ping`, `celery status`,
    /// `celtool ping` / `probe readiness`).
    pub remote_control: bool,
}

/// One worker deployment: a command line and what surrounds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    /// `web` of a Procfile, a compose service, a unit, `Deployment/worker`.
    pub name: String,
    pub line: usize,
    pub worker: WorkerCmd,
    /// Pod or container replicas (None: not said, e.g. a Procfile's scale).
    pub replicas: Option<u64>,
    pub grace: Option<Grace>,
    pub probes: Vec<Probe>,
    /// The command line as read, for messages.
    pub command: String,
}

/// What a deploy file gives: worker deployments, and the EnvironmentFiles a unit names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeployFile {
    pub workers: Vec<Deployment>,
    /// `EnvironmentFile=` paths (optional ones start with `-` in the unit; here without it),
    /// with whether they are optional.
    pub env_files: Vec<(String, bool)>,
}

fn words(cmd: &str) -> Result<Vec<String>, String> {
    shlex::split(cmd).ok_or_else(|| format!("unbalanced quotes in {cmd:?}"))
}

/// A Procfile: `name: command` per line.
pub fn procfile(text: &str) -> Result<DeployFile, String> {
    let mut out = DeployFile::default();
    for (i, l) in text.lines().enumerate() {
        let l = l.trim();
        if l.starts_with('#') || l.is_empty() {
            continue;
        }
        let Some((name, cmd)) = l.split_once(':') else {
            continue;
        };
        if let Some(worker) = cmdline::parse(&words(cmd)?) {
            out.workers.push(Deployment {
                name: name.trim().to_string(),
                line: i + 1,
                worker,
                replicas: None,
                grace: None,
                probes: Vec::new(),
                command: cmd.trim().to_string(),
            });
        }
    }
    Ok(out)
}

/// `KEY=VALUE` lines of an EnvironmentFile or a `.env` file (quotes removed, `export`
/// allowed, comments skipped), with their lines.
pub fn env_file(text: &str) -> HashMap<String, (String, usize)> {
    let mut out = HashMap::new();
    let mut pending = String::new();
    let mut first = 0;
    for (i, raw) in text.lines().enumerate() {
        if pending.is_empty() {
            first = i + 1;
        }
        if let Some(cont) = raw.strip_suffix('\\') {
            pending.push_str(cont);
            continue;
        }
        pending.push_str(raw);
        let l = std::mem::take(&mut pending);
        let l = l.trim();
        let l = l.strip_prefix("export ").unwrap_or(l);
        if l.starts_with('#') {
            continue;
        }
        let Some((k, v)) = l.split_once('=') else {
            continue;
        };
        let v = v.trim();
        let value = shlex::split(v)
            .map(|w| w.join(" "))
            .unwrap_or_else(|| v.trim_matches(['"', '\'']).to_string());
        out.insert(k.trim().to_string(), (value, first));
    }
    out
}

/// Seconds of a systemd time span (`90`, `90s`, `5min`, `1min 30s`, `infinity`).
fn systemd_span(v: &str) -> Option<f64> {
    let v = v.trim();
    if v == "infinity" {
        return Some(f64::INFINITY);
    }
    if let Ok(n) = v.parse::<f64>() {
        return Some(n);
    }
    humantime::parse_duration(&v.replace("min", "m").replace("sec", "s"))
        .ok()
        .map(|d| d.as_secs_f64())
}

/// The variables of an EnvironmentFile by its path, when lint has read it.
pub type EnvFiles<'a> = dyn Fn(&str) -> Option<HashMap<String, (String, usize)>> + 'a;

/// A systemd unit: ExecStart of a Celery worker, Environment and EnvironmentFile to expand it,
/// TimeoutStopSec. `env_files` gives the variables of the EnvironmentFiles lint has read.
/// The `key=value` lines of a unit's [Service] section, continuations joined, each with the
/// line it starts on.
fn service_entries(text: &str) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut pending = String::new();
    let mut first = 0;
    for (i, raw) in text.lines().enumerate() {
        if pending.is_empty() {
            first = i + 1;
        }
        if let Some(cont) = raw.trim_end().strip_suffix('\\') {
            pending.push_str(cont);
            pending.push(' ');
            continue;
        }
        pending.push_str(raw);
        let l = std::mem::take(&mut pending);
        let l = l.trim();
        if l.starts_with('#') || l.starts_with(';') || l.is_empty() {
            continue;
        }
        if l.starts_with('[') {
            section = l.trim_matches(['[', ']']).to_string();
            continue;
        }
        if section != "Service" {
            continue;
        }
        if let Some((k, v)) = l.split_once('=') {
            out.push((first, k.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

pub fn systemd(text: &str, name: &str, env_files: &EnvFiles) -> Result<DeployFile, String> {
    let mut out = DeployFile::default();
    let mut vars: HashMap<String, String> = HashMap::new();
    let mut execs: Vec<(usize, String)> = Vec::new();
    let mut grace: Option<Grace> = None;
    for (first, k, v) in service_entries(text) {
        let v = v.as_str();
        match k.as_str() {
            "Environment" => {
                for w in words(v)? {
                    if let Some((a, b)) = w.split_once('=') {
                        vars.insert(a.to_string(), b.to_string());
                    }
                }
            }
            "EnvironmentFile" => {
                let (path, optional) = match v.strip_prefix('-') {
                    Some(p) => (p.to_string(), true),
                    None => (v.to_string(), false),
                };
                if let Some(file) = env_files(&path) {
                    for (a, (b, _)) in file {
                        vars.entry(a).or_insert(b);
                    }
                }
                out.env_files.push((path, optional));
            }
            "ExecStart" => {
                execs.push((
                    first,
                    v.trim_start_matches(['-', '@', '+', '!', ':']).to_string(),
                ));
            }
            "TimeoutStopSec" | "TimeoutSec" => {
                if let Some(s) = systemd_span(v) {
                    grace = Some(Grace {
                        seconds: s,
                        what: "TimeoutStopSec",
                        explicit: true,
                        line: first,
                    });
                }
            }
            _ => {}
        }
    }
    for (line, exec) in execs {
        let Some(worker) = unit_worker(&exec, &vars, name)? else {
            continue;
        };
        out.workers.push(Deployment {
            name: name.to_string(),
            line,
            worker,
            replicas: None,
            grace: Some(grace.clone().unwrap_or(Grace {
                seconds: 90.0,
                what: "TimeoutStopSec",
                explicit: false,
                line,
            })),
            probes: Vec::new(),
            command: exec,
        });
    }
    Ok(out)
}

/// The worker an ExecStart starts, its variables expanded from the unit's environment; None
/// when it is no Celery worker.
fn unit_worker(
    exec: &str,
    vars: &HashMap<String, String>,
    name: &str,
) -> Result<Option<WorkerCmd>, String> {
    let lookup = |n: &str| vars.get(n).cloned();
    let expanded = cmdline::expand(exec, &lookup, false);
    Ok(match cmdline::parse(&words(&expanded)?) {
        Some(w) => Some(w),
        // A Celery unit whose command is made of variables no file read sets: a worker
        // whose options are not known.
        None if (exec.contains("celery") || name.contains("celery") || exec.contains("CELERY"))
            && expanded.contains('$') =>
        {
            Some(WorkerCmd {
                nodes: 1,
                unset: unset_vars(&expanded),
                ..WorkerCmd::default()
            })
        }
        None => None,
    })
}

/// The variables left unexpanded in a command line.
fn unset_vars(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        rest = &rest[i + 1..];
        let name: String = rest
            .trim_start_matches(['{', '('])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

fn line_of(n: &MarkedYamlOwned) -> usize {
    n.span.start.line().max(1)
}

fn str_of(n: &MarkedYamlOwned) -> Option<String> {
    match &n.data {
        YamlDataOwned::Value(ScalarOwned::String(s)) => Some(s.clone()),
        YamlDataOwned::Value(ScalarOwned::Integer(i)) => Some(i.to_string()),
        YamlDataOwned::Value(ScalarOwned::FloatingPoint(f)) => Some(f.to_string()),
        YamlDataOwned::Value(ScalarOwned::Boolean(b)) => Some(b.to_string()),
        _ => None,
    }
}

fn num_of(n: &MarkedYamlOwned) -> Option<f64> {
    match &n.data {
        YamlDataOwned::Value(ScalarOwned::Integer(i)) => Some(*i as f64),
        YamlDataOwned::Value(ScalarOwned::FloatingPoint(f)) => Some(f.into_inner()),
        YamlDataOwned::Value(ScalarOwned::String(s)) => s.parse().ok(),
        _ => None,
    }
}

/// A mapping's value by key, `<<` merge keys followed.
fn get<'a>(n: &'a MarkedYamlOwned, key: &str) -> Option<&'a MarkedYamlOwned> {
    let YamlDataOwned::Mapping(m) = &n.data else {
        return None;
    };
    for (k, v) in m.iter() {
        if str_of(k).as_deref() == Some(key) {
            return Some(v);
        }
    }
    for (k, v) in m.iter() {
        if str_of(k).as_deref() == Some("<<") {
            let merged = match &v.data {
                YamlDataOwned::Sequence(s) => s.iter().find_map(|x| get(x, key)),
                _ => get(v, key),
            };
            if merged.is_some() {
                return merged;
            }
        }
    }
    None
}

fn seq(n: &MarkedYamlOwned) -> Vec<&MarkedYamlOwned> {
    match &n.data {
        YamlDataOwned::Sequence(s) => s.iter().collect(),
        _ => Vec::new(),
    }
}

fn entries(n: &MarkedYamlOwned) -> Vec<(String, &MarkedYamlOwned)> {
    let YamlDataOwned::Mapping(m) = &n.data else {
        return Vec::new();
    };
    m.iter()
        .filter_map(|(k, v)| Some((str_of(k)?, v)))
        .filter(|(k, _)| k != "<<")
        .collect()
}

/// A command as a list of words: a YAML list, or a string split like a shell.
fn command_words(n: &MarkedYamlOwned) -> Result<Vec<String>, String> {
    match &n.data {
        YamlDataOwned::Sequence(s) => Ok(s.iter().filter_map(str_of).collect()),
        _ => str_of(n).map(|s| words(&s)).unwrap_or(Ok(Vec::new())),
    }
}

/// Whether a probe's command asks the worker over remote control.
fn pings(words: &[String]) -> bool {
    let joined = words.join(" ");
    let has = |w: &str| words.iter().any(|x| x == w) || joined.contains(w);
    (has("celery") && (has("inspect") || has("status") || has("control")))
        || (has("celtool") && (has("ping") || has("readiness")))
}

/// Parse YAML documents, or say why not. A file holding template markup is a template.
pub fn yaml_docs(text: &str) -> Result<Vec<MarkedYamlOwned>, String> {
    if text.contains("{{") || text.contains("{%") {
        return Err(
            "a template (Helm or Jinja markup `{{ }}`/`{% %}`): render it, then lint the result"
                .into(),
        );
    }
    MarkedYamlOwned::load_from_str(text).map_err(|e| format!("not valid YAML: {e}"))
}

/// What a YAML document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YamlKind {
    Compose,
    Kubernetes,
    Other,
}

pub fn yaml_kind(doc: &MarkedYamlOwned) -> YamlKind {
    if get(doc, "apiVersion").is_some() && get(doc, "kind").is_some() {
        YamlKind::Kubernetes
    } else if get(doc, "services").is_some_and(|s| matches!(s.data, YamlDataOwned::Mapping(_))) {
        YamlKind::Compose
    } else {
        YamlKind::Other
    }
}

/// Seconds of a compose duration (`1m30s`, `10s`, `90`).
fn compose_span(n: &MarkedYamlOwned) -> Option<f64> {
    num_of(n).or_else(|| {
        humantime::parse_duration(&str_of(n)?)
            .ok()
            .map(|d| d.as_secs_f64())
    })
}

/// The services of a compose file that run a Celery worker. `dotenv` gives the variables
/// compose interpolates (`.env` beside the file).
pub fn compose(
    doc: &MarkedYamlOwned,
    dotenv: &HashMap<String, String>,
) -> Result<DeployFile, String> {
    let mut out = DeployFile::default();
    let Some(services) = get(doc, "services") else {
        return Ok(out);
    };
    for (name, svc) in entries(services) {
        let (all, at) = service_command(svc, dotenv)?;
        let Some(worker) = cmdline::parse(&all) else {
            continue;
        };
        let replicas = get(svc, "deploy")
            .and_then(|d| get(d, "replicas"))
            .or_else(|| get(svc, "scale"))
            .and_then(num_of)
            .map(|n| n as u64)
            .or(Some(1));
        let grace = match get(svc, "stop_grace_period") {
            Some(g) => compose_span(g).map(|s| Grace {
                seconds: s,
                what: "stop_grace_period",
                explicit: true,
                line: line_of(g),
            }),
            None => Some(Grace {
                seconds: 10.0,
                what: "stop_grace_period",
                explicit: false,
                line: at,
            }),
        };
        let mut probes = Vec::new();
        if let Some(h) = get(svc, "healthcheck").and_then(|h| get(h, "test")) {
            let mut w = command_words(h)?;
            if w.first().is_some_and(|f| f == "CMD-SHELL") && w.len() == 2 {
                w = words(&w[1])?;
            }
            probes.push(Probe {
                kind: "healthcheck",
                line: line_of(h),
                remote_control: pings(&w),
            });
        }
        out.workers.push(Deployment {
            command: all.join(" "),
            name,
            line: at,
            worker,
            replicas,
            grace,
            probes,
        });
    }
    Ok(out)
}

/// A Compose service's entrypoint and command, its environment (over the `.env` beside the
/// file) expanded, and the line they start on.
fn service_command(
    svc: &MarkedYamlOwned,
    dotenv: &HashMap<String, String>,
) -> Result<(Vec<String>, usize), String> {
    let mut env: HashMap<String, String> = dotenv.clone();
    if let Some(e) = get(svc, "environment") {
        for (k, v) in entries(e) {
            if let Some(v) = str_of(v) {
                env.insert(k, v);
            }
        }
        for item in seq(e) {
            if let Some((k, v)) = str_of(item).as_deref().and_then(|s| s.split_once('=')) {
                env.insert(k.to_string(), v.to_string());
            }
        }
    }
    let lookup = |n: &str| env.get(n).cloned();
    let mut all = Vec::new();
    let mut at = line_of(svc);
    for key in ["entrypoint", "command"] {
        if let Some(c) = get(svc, key) {
            at = line_of(c);
            all.extend(command_words(c)?);
        }
    }
    let all = all
        .iter()
        .map(|w| cmdline::expand(w, &lookup, false))
        .collect();
    Ok((all, at))
}

/// The workers of a Kubernetes manifest (Deployment, StatefulSet, DaemonSet, ReplicaSet,
/// Job, CronJob, Pod).
pub fn kubernetes(doc: &MarkedYamlOwned) -> Result<DeployFile, String> {
    let mut out = DeployFile::default();
    let kind = get(doc, "kind").and_then(str_of).unwrap_or_default();
    let name = get(doc, "metadata")
        .and_then(|m| get(m, "name"))
        .and_then(str_of)
        .unwrap_or_default();
    let spec = get(doc, "spec");
    let pod = match kind.as_str() {
        "Pod" => spec,
        "CronJob" => spec
            .and_then(|s| get(s, "jobTemplate"))
            .and_then(|j| get(j, "spec"))
            .and_then(|s| get(s, "template"))
            .and_then(|t| get(t, "spec")),
        _ => spec
            .and_then(|s| get(s, "template"))
            .and_then(|t| get(t, "spec")),
    };
    let Some(pod) = pod else {
        return Ok(out);
    };
    let replicas = match kind.as_str() {
        "Deployment" | "StatefulSet" | "ReplicaSet" => Some(
            spec.and_then(|s| get(s, "replicas"))
                .and_then(num_of)
                .map(|n| n as u64)
                .unwrap_or(1),
        ),
        "Pod" | "Job" | "CronJob" => Some(1),
        _ => None,
    };
    let grace = pod_grace(pod);
    for c in get(pod, "containers").map(seq).unwrap_or_default() {
        let (all, at) = container_command(c)?;
        let Some(worker) = cmdline::parse(&all) else {
            continue;
        };
        let container = get(c, "name").and_then(str_of).unwrap_or_default();
        out.workers.push(Deployment {
            name: format!("{kind}/{name} container {container}"),
            line: at,
            worker,
            replicas,
            grace: Some(grace.clone()),
            probes: container_probes(c)?,
            command: all.join(" "),
        });
    }
    Ok(out)
}

/// A container's command and args, its `env` values expanded, and the line they start on.
fn container_command(c: &MarkedYamlOwned) -> Result<(Vec<String>, usize), String> {
    let mut env: HashMap<String, String> = HashMap::new();
    for e in get(c, "env").map(seq).unwrap_or_default() {
        if let (Some(k), Some(v)) = (
            get(e, "name").and_then(str_of),
            get(e, "value").and_then(str_of),
        ) {
            env.insert(k, v);
        }
    }
    let lookup = |n: &str| env.get(n).cloned();
    let mut all = Vec::new();
    let mut at = line_of(c);
    for key in ["command", "args"] {
        if let Some(x) = get(c, key) {
            if key == "command" || all.is_empty() {
                at = line_of(x);
            }
            all.extend(command_words(x)?);
        }
    }
    let all = all
        .iter()
        .map(|w| cmdline::expand(w, &lookup, true))
        .collect();
    Ok((all, at))
}

/// A container's exec probes, and whether each asks the worker over remote control.
fn container_probes(c: &MarkedYamlOwned) -> Result<Vec<Probe>, String> {
    let mut probes = Vec::new();
    for (kind, key) in [
        ("livenessProbe", "livenessProbe"),
        ("readinessProbe", "readinessProbe"),
        ("startupProbe", "startupProbe"),
    ] {
        if let Some(cmd) = get(c, key)
            .and_then(|p| get(p, "exec"))
            .and_then(|e| get(e, "command"))
        {
            probes.push(Probe {
                kind,
                line: line_of(cmd),
                remote_control: pings(&command_words(cmd)?),
            });
        }
    }
    Ok(probes)
}

/// The pod's terminationGracePeriodSeconds, else Kubernetes's default of 30 s.
fn pod_grace(pod: &MarkedYamlOwned) -> Grace {
    let grace_node = get(pod, "terminationGracePeriodSeconds");
    match grace_node.and_then(|g| num_of(g).map(|s| (s, g))) {
        Some((s, g)) => Grace {
            seconds: s,
            what: "terminationGracePeriodSeconds",
            explicit: true,
            line: line_of(g),
        },
        None => Grace {
            seconds: 30.0,
            what: "terminationGracePeriodSeconds",
            explicit: false,
            line: line_of(pod),
        },
    }
}

#[cfg(test)]
#[path = "deploy_tests.rs"]
mod tests;
