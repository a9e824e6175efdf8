//! The files as one project: which Python file is the configuration Celery reads (the
//! `config_from_object` target, Django's settings under its namespace, a `celeryconfig.py`),
//! which names in it Celery takes, ignores or does not know, and the worker deployments.

use std::collections::HashMap;

use super::deploy::{self, Deployment};
use super::python::{self, Assign, Form, PyFile, Target};
use super::table::{self, Setting};
use super::value::Py;
use super::{FileSummary, Input, LintFinding, LintReport, located};
use crate::report::Severity;

/// How a fix is written where a setting lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Style {
    /// `worker_prefetch_multiplier = 1` (a config module or class).
    Module,
    /// `CELERYD_PREFETCH_MULTIPLIER = 1` (a module of old names).
    OldModule,
    /// `CELERY_WORKER_PREFETCH_MULTIPLIER = 1` (Django under `namespace="CELERY"`).
    Namespace(String),
    /// `worker_prefetch_multiplier=1` (in `Celery(...)` or `app.conf.update(...)`).
    Kwarg,
    /// `app.conf.worker_prefetch_multiplier = 1`.
    ConfAttr(String),
    /// `--prefetch-multiplier=1` on a worker command line.
    Cli,
}

impl Style {
    /// The line that sets `key` to `value` (Python source) in this style.
    pub fn spell(&self, key: &str, value: &str) -> String {
        let s = table::by_new(key);
        match self {
            Style::Module => format!("{key} = {value}"),
            Style::OldModule => format!("{} = {value}", s.map(|s| s.old.as_str()).unwrap_or(key)),
            Style::Namespace(ns) => format!(
                "{} = {value}",
                s.map(|s| s.namespaced(ns))
                    .unwrap_or_else(|| format!("{ns}_{}", key.to_ascii_uppercase()))
            ),
            Style::Kwarg => format!("{key}={value}"),
            Style::ConfAttr(app) => format!("{app}.conf.{key} = {value}"),
            Style::Cli => match super::cmdline::option_for(key) {
                Some(opt) => format!("{opt}={value}"),
                None if key == "worker_send_task_events" => "-E".into(),
                None => format!("{key} = {value}"),
            },
        }
    }
}

/// A place in a file and how to write there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: usize,
    pub style: Style,
}

/// A setting as the application configuration has it.
#[derive(Debug, Clone, PartialEq)]
pub struct Set {
    pub key: &'static str,
    pub value: Py,
    pub origin: Origin,
}

/// A worker deployment with the file it is in.
#[derive(Debug, Clone, PartialEq)]
pub struct Worker {
    pub file: String,
    pub deploy: Deployment,
}

/// The project as lint understands it.
#[derive(Debug, Default)]
pub struct Project {
    /// The application's settings, lowest precedence first.
    pub settings: Vec<Set>,
    /// Where a setting that is not set at all is best written.
    pub anchor: Option<Origin>,
    pub workers: Vec<Worker>,
    /// Countdowns, ETAs and retry delays, with their file.
    pub hints: Vec<(String, python::Hint)>,
    pub findings: Vec<LintFinding>,
    pub files: Vec<FileSummary>,
    pub notes: Vec<String>,
    /// A configuration source Celery reads is not among the files: the rules are not judged
    /// on what is left (a lint.unresolved finding says so).
    pub incomplete: bool,
}

/// A file's kind, from its name.
fn kind_of(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    for ext in [".j2", ".jinja", ".jinja2", ".tmpl", ".tpl"] {
        if lower.ends_with(ext) {
            return "template";
        }
    }
    if lower.ends_with(".py") {
        "python"
    } else if name == "Procfile" || name.starts_with("Procfile.") {
        "procfile"
    } else if lower.ends_with(".service") {
        "systemd"
    } else if lower.ends_with(".yml") || lower.ends_with(".yaml") {
        "yaml"
    } else if lower == ".env" || lower.ends_with(".env") {
        "env"
    } else {
        "other"
    }
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// A Python file lint parsed, with its role.
struct PySource<'a> {
    path: &'a str,
    file: PyFile,
}

/// An env file's variables (value, line) by the path a unit or compose file names it by.
type EnvOf<'a> = dyn Fn(&str) -> Option<HashMap<String, (String, usize)>> + 'a;

/// The Compose services and Kubernetes workloads of a YAML file, with the `.env` beside a
/// Compose file (when it was read) for its interpolation.
fn yaml_deploys(
    inputs: &[Input],
    path: &str,
    text: &str,
    env_of: &EnvOf,
) -> Result<(Vec<deploy::DeployFile>, &'static str), String> {
    let docs = deploy::yaml_docs(text)?;
    let dotenv: HashMap<String, String> = env_of(&format!("{}/.env", dir_of(path)))
        .filter(|_| {
            inputs
                .iter()
                .any(|i| i.path.ends_with(".env") && dir_of(&i.path) == dir_of(path))
        })
        .map(|m| m.into_iter().map(|(k, (v, _))| (k, v)).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut kind = "yaml";
    for d in &docs {
        match deploy::yaml_kind(d) {
            deploy::YamlKind::Compose => {
                kind = "compose";
                out.push(deploy::compose(d, &dotenv)?);
            }
            deploy::YamlKind::Kubernetes => {
                kind = "kubernetes";
                out.push(deploy::kubernetes(d)?);
            }
            deploy::YamlKind::Other => {}
        }
    }
    Ok((out, kind))
}

/// The EnvironmentFiles named by systemd units: read as env files whatever their name.
fn environment_files(inputs: &[Input]) -> Vec<String> {
    inputs
        .iter()
        .filter(|i| kind_of(&i.path) == "systemd")
        .filter_map(|i| i.text.as_ref().ok())
        .flat_map(|t| {
            t.lines()
                .filter_map(|l| l.trim().strip_prefix("EnvironmentFile="))
                .map(|v| v.trim().trim_start_matches('-').to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Every `config_from_object` of the files (target, namespace, file, line), an app's namespace
/// given to those without one, and DJANGO_SETTINGS_MODULE when a file sets it.
type ConfigTarget = (Target, Option<String>, String, usize);

fn config_targets(py: &[PySource]) -> (Vec<ConfigTarget>, Option<String>) {
    let mut config_targets: Vec<ConfigTarget> = Vec::new();
    let mut settings_module: Option<String> = None;
    for s in py {
        for c in &s.file.config_from {
            config_targets.push((
                c.target.clone(),
                c.namespace.clone(),
                s.path.to_string(),
                c.line,
            ));
        }
        if let Some(m) = &s.file.django_settings_module {
            settings_module = Some(m.clone());
        }
        for app in &s.file.apps {
            if let Some(ns) = &app.namespace {
                for t in config_targets.iter_mut().filter(|t| t.1.is_none()) {
                    t.1 = Some(ns.clone());
                }
            }
        }
    }
    (config_targets, settings_module)
}

/// The file of a dotted module name among the files read, else one named like its last part.
fn find_module<'p, 'a>(py: &'p [PySource<'a>], module: &str) -> Option<&'p PySource<'a>> {
    let suffixes = python::module_file_suffixes(module);
    py.iter()
        .find(|s| {
            suffixes
                .iter()
                .any(|x| s.path == x.as_str() || s.path.ends_with(&format!("/{x}")))
        })
        .or_else(|| {
            let last = module.rsplit('.').next().unwrap_or(module);
            py.iter()
                .find(|s| s.path.rsplit('/').next() == Some(&format!("{last}.py")))
        })
}

impl Project {
    pub fn read(inputs: &[Input]) -> Project {
        let mut p = Project::default();
        let mut py: Vec<PySource> = Vec::new();
        let mut deploys: Vec<&Input> = Vec::new();
        let env_named = environment_files(inputs);
        for input in inputs {
            let mut kind = kind_of(&input.path);
            let base = input.path.rsplit('/').next().unwrap_or("");
            if env_named
                .iter()
                .any(|e| e == &input.path || e.rsplit('/').next() == Some(base))
            {
                kind = "env";
            }
            let text = match &input.text {
                Ok(t) => t,
                Err(why) => {
                    p.unreadable(&input.path, kind, 1, why.clone());
                    continue;
                }
            };
            match kind {
                "template" => {
                    let inner = kind_of(base.rsplit_once('.').map(|(s, _)| s).unwrap_or(base));
                    if input.explicit || inner != "other" || text.to_lowercase().contains("celery")
                    {
                        p.unreadable(
                            &input.path,
                            kind,
                            1,
                            "a template (Jinja): render it, then lint the result".into(),
                        );
                    }
                }
                "python" => {
                    if let Some(file) = p.python(input, text) {
                        py.push(PySource {
                            path: &input.path,
                            file,
                        });
                    }
                }
                "procfile" | "systemd" | "yaml" => deploys.push(input),
                "env" => p.files.push(FileSummary {
                    path: input.path.clone(),
                    kind,
                    read: true,
                }),
                _ => {
                    if input.explicit {
                        p.files.push(FileSummary {
                            path: input.path.clone(),
                            kind,
                            read: false,
                        });
                        p.notes
                            .push(format!("{} is no kind of file lint reads", input.path));
                    }
                }
            }
        }
        p.deployments(inputs, &deploys);
        p.configuration(&py);
        for s in &py {
            for h in &s.file.hints {
                p.hints.push((s.path.to_string(), h.clone()));
            }
        }
        p
    }

    /// A Python file, parsed; one that does not parse is unreadable when it concerns Celery,
    /// else none of lint's business.
    fn python(&mut self, input: &Input, text: &str) -> Option<PyFile> {
        let relevant = input.explicit
            || text.to_lowercase().contains("celery")
            || input.path.to_lowercase().contains("celery");
        match python::parse(text) {
            Ok(file) => {
                self.files.push(FileSummary {
                    path: input.path.clone(),
                    kind: "python",
                    read: true,
                });
                Some(file)
            }
            Err(why) if relevant => {
                let line = why
                    .split("at line ")
                    .nth(1)
                    .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1);
                self.unreadable(&input.path, "python", line, why);
                None
            }
            Err(_) => None,
        }
    }

    fn unreadable(&mut self, path: &str, kind: &'static str, line: usize, why: String) {
        self.files.push(FileSummary {
            path: path.to_string(),
            kind,
            read: false,
        });
        self.findings.push(located(
            "lint.unreadable",
            Severity::Unknown,
            path,
            line,
            format!("{path} could not be read: {why}"),
            "fix the file, or render the template and lint the result; a file lint cannot read is never reported clean".into(),
            Vec::new(),
        ));
    }

    fn deployments(&mut self, inputs: &[Input], deploys: &[&Input]) {
        let env_of = |path: &str| -> Option<HashMap<String, (String, usize)>> {
            let base = path.rsplit('/').next().unwrap_or(path);
            inputs
                .iter()
                .find(|i| i.path == path || i.path.rsplit('/').next() == Some(base))
                .and_then(|i| i.text.as_ref().ok())
                .map(|t| deploy::env_file(t))
        };
        for input in deploys {
            let Ok(text) = &input.text else { continue };
            let kind = kind_of(&input.path);
            let base = input.path.rsplit('/').next().unwrap_or("");
            let parsed: Result<(Vec<deploy::DeployFile>, &'static str), String> = match kind {
                "procfile" => deploy::procfile(text).map(|d| (vec![d], "procfile")),
                "systemd" => deploy::systemd(text, base, &env_of).map(|d| (vec![d], "systemd")),
                _ => yaml_deploys(inputs, &input.path, text, &env_of),
            };
            match parsed {
                Ok((files, kind)) => self.deployed(input, kind, files, &env_of),
                Err(why) => {
                    // A YAML file that is no template and does not parse is judged only when
                    // it may be a deploy file.
                    let relevant = input.explicit
                        || kind != "yaml"
                        || text.contains("celery")
                        || text.contains("services:")
                        || text.contains("apiVersion");
                    if relevant {
                        let line = why
                            .split("line ")
                            .nth(1)
                            .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
                            .and_then(|n| n.parse().ok())
                            .unwrap_or(1);
                        let k = if why.starts_with("a template") {
                            "template"
                        } else {
                            kind
                        };
                        self.unreadable(&input.path, k, line, why);
                    }
                }
            }
        }
    }

    /// The workers a deploy file starts, and the EnvironmentFiles it names that were not read.
    fn deployed(
        &mut self,
        input: &Input,
        kind: &'static str,
        files: Vec<deploy::DeployFile>,
        env_of: &EnvOf,
    ) {
        self.files.push(FileSummary {
            path: input.path.clone(),
            kind,
            read: true,
        });
        for f in files {
            for (env, optional) in &f.env_files {
                if !optional && env_of(env).is_none() {
                    self.notes.push(format!(
                        "{}: EnvironmentFile={env} is not among the files read",
                        input.path
                    ));
                }
            }
            for d in f.workers {
                self.workers.push(Worker {
                    file: input.path.clone(),
                    deploy: d,
                });
            }
        }
    }

    /// The application configuration, lowest precedence first: Celery's defaults are implicit;
    /// then the configuration object(s), then `Celery(...)` keywords, then `conf.update` and
    /// `conf.x = ...`.
    fn configuration(&mut self, py: &[PySource]) {
        let (config_targets, settings_module) = config_targets(py);
        let mut used_config = false;
        for (target, ns, from, line) in &config_targets {
            used_config |= self.follow(py, target, ns.as_deref(), from, *line, &settings_module);
        }
        if !used_config {
            self.without_config_from_object(py);
        }
        self.app_settings(py);
    }

    /// Read the configuration one `config_from_object` names; false when it is not among the
    /// files (said as a gap).
    fn follow(
        &mut self,
        py: &[PySource],
        target: &Target,
        ns: Option<&str>,
        from: &str,
        line: usize,
        settings_module: &Option<String>,
    ) -> bool {
        let find = |module: &str| find_module(py, module);
        match target {
            Target::Module(m) if m == "django.conf:settings" => {
                let file = settings_module
                    .as_deref()
                    .and_then(find)
                    .or_else(|| py.iter().find(|s| is_django_settings(s)));
                match file {
                    Some(f) => {
                        self.django(f, ns);
                        return true;
                    }
                    None => self.missing(from, line, &format!(
                        "config_from_object('django.conf:settings') reads Django's settings ({}), which are not among the files read",
                        settings_module.as_deref().unwrap_or("DJANGO_SETTINGS_MODULE")
                    )),
                }
            }
            Target::Module(m) => match find(m) {
                Some(f) => {
                    self.module(f, ns);
                    return true;
                }
                None => self.missing(
                    from,
                    line,
                    &format!(
                        "config_from_object('{m}') reads a module that is not among the files read"
                    ),
                ),
            },
            Target::Class(module, class) => {
                let file = match module {
                    Some(m) => find(m),
                    None => py.iter().find(|s| s.path == from),
                };
                match file.and_then(|f| f.file.classes.iter().find(|c| &c.name == class).map(|c| (f, c))) {
                    Some((f, c)) => {
                        self.object(f.path, &c.assigns, ns, Style::Module, false);
                        return true;
                    }
                    None => self.missing(from, line, &format!(
                        "config_from_object names the class {class}, which is not among the files read"
                    )),
                }
            }
            Target::Other => self.missing(
                from,
                line,
                "config_from_object is given something lint cannot follow",
            ),
        }
        false
    }

    /// Without config_from_object: a celeryconfig.py (Celery's own name), or Django settings
    /// holding CELERY_ names under the namespace Celery's Django guide uses.
    fn without_config_from_object(&mut self, py: &[PySource]) {
        if let Some(f) = py
            .iter()
            .find(|s| s.path.rsplit('/').next() == Some("celeryconfig.py"))
        {
            self.module(f, None);
        } else if let Some(f) = py.iter().find(|s| is_django_settings(s)) {
            self.notes.push(format!(
                "{}: read as Django settings under namespace='CELERY' (no config_from_object among the files)",
                f.path
            ));
            self.django(f, Some("CELERY"));
        }
    }

    /// The settings given to `Celery(...)` and `app.conf` assignments and updates, over what
    /// the configuration said.
    fn app_settings(&mut self, py: &[PySource]) {
        for s in py {
            for app in &s.file.apps {
                self.preconf(s.path, &app.settings);
                if self.anchor.is_none() {
                    self.anchor = Some(Origin {
                        file: s.path.to_string(),
                        line: app.line,
                        style: Style::Kwarg,
                    });
                }
            }
        }
        for s in py {
            self.preconf(s.path, &s.file.conf_sets);
            if let Some(l) = s.file.conf_update_line
                && self.anchor.as_ref().is_none_or(|a| a.style == Style::Kwarg)
            {
                self.anchor = Some(Origin {
                    file: s.path.to_string(),
                    line: l,
                    style: Style::Kwarg,
                });
            }
        }
    }

    fn missing(&mut self, file: &str, line: usize, what: &str) {
        self.incomplete = true;
        self.findings.push(located(
            "lint.unresolved",
            Severity::Unknown,
            file,
            line,
            format!("{what}: the configuration is not all known, so it is not judged clean"),
            "give lint the file that holds it too (celtool lint DIR reads a whole tree)".into(),
            Vec::new(),
        ));
    }

    /// Settings given to Celery directly: `Celery(...)` keywords, `conf.update`, `conf.x = `.
    fn preconf(&mut self, path: &str, assigns: &[Assign]) {
        for a in assigns {
            let style = match &a.form {
                Form::ConfAttr(app) => Style::ConfAttr(app.clone()),
                _ => Style::Kwarg,
            };
            let origin = Origin {
                file: path.to_string(),
                line: a.line,
                style,
            };
            if a.name == "**" {
                self.findings.push(located(
                    "lint.unresolved",
                    Severity::Unknown,
                    path,
                    a.line,
                    format!(
                        "settings lint cannot see: {}",
                        a.value.unknown().unwrap_or("")
                    ),
                    "write the settings out, or give them values this file decides".into(),
                    Vec::new(),
                ));
                continue;
            }
            let setting = table::by_new(&a.name).or_else(|| table::by_old(&a.name));
            match setting {
                Some(s) => self.push(s, a.value.clone(), origin),
                None => self.unknown_name(
                    &a.name,
                    &a.value,
                    &origin,
                    table::all().iter().map(|s| s.new.as_str()),
                    true,
                ),
            }
        }
    }

    fn push(&mut self, s: &'static Setting, value: Py, origin: Origin) {
        self.settings.push(Set {
            key: s.new.as_str(),
            value,
            origin,
        });
    }

    /// An unknown name: a did-you-mean when one is close; `always` reports it even when none
    /// is (where every name is meant to be a setting).
    fn unknown_name<'a>(
        &mut self,
        name: &str,
        value: &Py,
        origin: &Origin,
        names: impl Iterator<Item = &'a str>,
        always: bool,
    ) {
        let near = table::did_you_mean(name, names);
        if near.is_none() && !always {
            return;
        }
        let (summary, write) = match near {
            Some(n) => (
                format!("{name} is not a Celery setting, so Celery ignores it; did you mean {n}?"),
                vec![match origin.style {
                    Style::Kwarg => format!("{n}={}", value.repr()),
                    _ => format!("{n} = {}", value.repr()),
                }],
            ),
            None => (
                format!("{name} is not a Celery setting, so Celery ignores it"),
                Vec::new(),
            ),
        };
        self.findings.push(located(
            "lint.unknown-setting",
            Severity::Warn,
            &origin.file,
            origin.line,
            summary,
            "rename it to the setting meant (names: https://docs.celeryq.dev/en/stable/userguide/configuration.html), or remove it".into(),
            write,
        ));
    }

    /// A configuration module or class without namespace: new lowercase names or old
    /// uppercase ones, not both (Celery refuses to start on a mix).
    fn module(&mut self, f: &PySource, ns: Option<&str>) {
        self.object(f.path, &f.file.assigns, ns, Style::Module, false);
    }

    fn django(&mut self, f: &PySource, ns: Option<&str>) {
        self.object(f.path, &f.file.assigns, ns, Style::Module, true);
    }

    fn object(
        &mut self,
        path: &str,
        assigns: &[Assign],
        ns: Option<&str>,
        _style: Style,
        django: bool,
    ) {
        let last_line = assigns.iter().map(|a| a.line).max().unwrap_or(1);
        let mut found: Vec<(&'static Setting, &Assign, bool)> = Vec::new(); // (setting, assign, old name)
        for a in assigns {
            let at = Origin {
                file: path.to_string(),
                line: a.line,
                style: Style::Module,
            };
            let named = match ns {
                Some(ns) => self.namespaced_name(path, a, ns, django, &at),
                None => self.plain_name(path, a, django, &at),
            };
            if let Some((s, old)) = named {
                found.push((s, a, old));
            }
        }
        let old_format = self.mixed_names(path, &found, ns);
        let style = match ns {
            Some(ns) => Style::Namespace(ns.to_string()),
            None if old_format || django => Style::OldModule,
            None => Style::Module,
        };
        for (s, a, _) in found {
            let origin = Origin {
                file: path.to_string(),
                line: a.line,
                style: style.clone(),
            };
            self.push(s, a.value.clone(), origin);
        }
        self.anchor = Some(Origin {
            file: path.to_string(),
            line: last_line,
            style,
        });
    }

    /// A name under `config_from_object(..., namespace=NS)`: the setting it names, or a
    /// finding that it does nothing.
    fn namespaced_name(
        &mut self,
        path: &str,
        a: &Assign,
        ns: &str,
        django: bool,
        at: &Origin,
    ) -> Option<(&'static Setting, bool)> {
        let name = a.name.as_str();
        let prefix = format!("{ns}_");
        if let Some(rest) = name.strip_prefix(&prefix)
            && let Some(s) = table::by_new(&rest.to_ascii_lowercase())
            && name == s.namespaced(ns)
        {
            return Some((s, false));
        }
        let right = table::by_old(name).or_else(|| table::by_new(name));
        if let Some(s) = right {
            let why = if table::by_old(name).is_some() {
                "it is an old name, and"
            } else if django {
                "Django's settings keep only UPPERCASE names, and"
            } else {
                "it lacks the prefix, and"
            };
            self.findings.push(located(
                "lint.ignored-name",
                Severity::Warn,
                path,
                a.line,
                format!(
                    "{name} does nothing: {why} config_from_object(..., namespace='{ns}') reads only {ns}_-prefixed new names, so Celery runs with {} = {} (its default) instead of {}",
                    s.new, s.default, a.value.repr()
                ),
                format!("rename it to {}{}", s.namespaced(ns), s.since_note()),
                vec![format!("{} = {}", s.namespaced(ns), a.value.repr())],
            ));
            return None;
        }
        if name.starts_with(&prefix) {
            let names: Vec<String> = table::all().iter().map(|s| s.namespaced(ns)).collect();
            self.unknown_name(name, &a.value, at, names.iter().map(String::as_str), true);
        }
        None
    }

    /// A name without a namespace: the setting it names (and whether by its old name), or a
    /// finding that it does nothing.
    fn plain_name(
        &mut self,
        path: &str,
        a: &Assign,
        django: bool,
        at: &Origin,
    ) -> Option<(&'static Setting, bool)> {
        let name = a.name.as_str();
        if let Some(s) = table::by_new(name).filter(|_| !django) {
            return Some((s, false));
        }
        if let Some(s) = table::by_old(name) {
            return Some((s, true));
        }
        if let Some(s) = table::all().iter().find(|s| s.namespaced("CELERY") == name) {
            self.findings.push(located(
                    "lint.ignored-name",
                    Severity::Warn,
                    path,
                    a.line,
                    format!(
                        "{name} does nothing: it is the name under namespace='CELERY', but config_from_object is called without a namespace, so Celery runs with {} = {}",
                        s.new, s.default
                    ),
                    "pass namespace='CELERY' to config_from_object (and name every setting so), or use the old name".into(),
                    vec![format!("{} = {}", s.old, a.value.repr())],
                ));
        } else if django && table::by_new(name).is_some() {
            self.findings.push(located(
                "lint.ignored-name",
                Severity::Warn,
                path,
                a.line,
                format!("{name} does nothing: Django's settings keep only UPPERCASE names"),
                "use the UPPERCASE name".into(),
                Vec::new(),
            ));
        } else {
            let upper = name.chars().any(|c| c.is_ascii_uppercase());
            let names: Vec<&str> = table::all()
                .iter()
                .map(|s| {
                    if upper {
                        s.old.as_str()
                    } else {
                        s.new.as_str()
                    }
                })
                .collect();
            if !django || upper {
                self.unknown_name(name, &a.value, at, names.into_iter(), false);
            }
        }
        None
    }

    /// Celery refuses a mix of old and new names (ImproperlyConfigured) unless a namespace is
    /// given; the minority is what it names, unless both forms of a setting are there. Returns
    /// whether the old names are the majority.
    fn mixed_names(
        &mut self,
        path: &str,
        found: &[(&'static Setting, &Assign, bool)],
        ns: Option<&str>,
    ) -> bool {
        let new = found.iter().filter(|f| !f.2).count();
        let old = found.len() - new;
        let old_format = old > new;
        if ns.is_none() && new > 0 && old > 0 {
            for (s, a, is_old) in found {
                if *is_old == old_format {
                    continue;
                }
                let other = if old_format { &s.old } else { &s.new };
                if found
                    .iter()
                    .any(|(t, _, o)| t.new == s.new && *o == old_format)
                {
                    continue;
                }
                let (upgrade, write) = if old_format {
                    (
                        "the old names are the majority here",
                        format!("{other} = {}", a.value.repr()),
                    )
                } else {
                    (
                        "the new names are the majority here",
                        format!("{other} = {}", a.value.repr()),
                    )
                };
                self.findings.push(located(
                    "lint.mixed-names",
                    Severity::Crit,
                    path,
                    a.line,
                    format!(
                        "{} mixes old and new setting names: Celery refuses to start (ImproperlyConfigured: Cannot mix new and old setting keys) and asks to rename {} to {other} ({upgrade})",
                        path, a.name
                    ),
                    "use one form throughout; `celery upgrade settings FILE` rewrites old names to the new lowercase ones".into(),
                    vec![write],
                ));
            }
        }
        old_format
    }

    pub fn judge(self) -> LintReport {
        super::rules::judge(self)
    }
}

/// A Django settings module: `settings.py` or a module of a `settings/` package that holds
/// Django's own settings or CELERY_ names.
fn is_django_settings(s: &PySource) -> bool {
    let p = s.path;
    let named =
        p.ends_with("settings.py") || p.contains("/settings/") || p.starts_with("settings/");
    named
        && s.file.assigns.iter().any(|a| {
            a.name == "INSTALLED_APPS" || a.name.starts_with("CELERY_") || a.name == "SECRET_KEY"
        })
}
