//! Reading Celery configuration from Python source with tree-sitter's Python grammar (never
//! with regular expressions): module assignments (`celeryconfig.py`, Django settings),
//! configuration classes, `Celery(..., **kw)`, `app.conf.update(...)`, `app.conf.x = ...`,
//! `config_from_object(..., namespace=...)`, `DJANGO_SETTINGS_MODULE`, and the countdowns and
//! retry delays that tell how long a message may wait. Values are resolved as far as the file
//! allows (see `eval.rs`); the rest is [`Py::Unknown`].

use std::collections::HashMap;

use tree_sitter::{Node, Parser};

use super::value::Py;

#[path = "eval.rs"]
mod eval;

/// How a setting was written, which says how to write the fix beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    /// `name = value` at module level.
    Module,
    /// `name = value` in `class NAME:`.
    Class(String),
    /// `name=value` in `Celery(...)` or `APP.conf.update(...)`.
    Kwarg,
    /// `APP.conf.name = value`.
    ConfAttr(String),
}

/// One assignment of a name to a value.
#[derive(Debug, Clone, PartialEq)]
pub struct Assign {
    pub name: String,
    pub value: Py,
    pub line: usize,
    pub form: Form,
}

/// A configuration class (`class Config: broker_url = ...`).
#[derive(Debug, Clone, PartialEq)]
pub struct Class {
    pub name: String,
    pub line: usize,
    pub assigns: Vec<Assign>,
}

/// What `config_from_object` was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A module by dotted path (`'proj.celeryconfig'`, `'django.conf:settings'`), or by the
    /// name it was imported as.
    Module(String),
    /// A class of this file, or `'module:Class'`.
    Class(Option<String>, String),
    /// Something lint cannot follow (a variable, a call).
    Other,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConfigFrom {
    pub line: usize,
    pub target: Target,
    pub namespace: Option<String>,
}

/// A `Celery(...)` call.
#[derive(Debug, Clone, PartialEq)]
pub struct App {
    pub line: usize,
    /// The name it was assigned to (`app`).
    pub var: Option<String>,
    /// Its settings (`broker=` as `broker_url`, `backend=` as `result_backend`, other keywords).
    pub settings: Vec<Assign>,
    pub namespace: Option<String>,
}

/// How long a message may wait before it runs, as the code says.
#[derive(Debug, Clone, PartialEq)]
pub struct Hint {
    /// `countdown`, `eta` or `default_retry_delay`.
    pub what: &'static str,
    pub seconds: f64,
    pub line: usize,
}

/// What one Python file says about Celery.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PyFile {
    /// Module-level assignments, in order.
    pub assigns: Vec<Assign>,
    pub classes: Vec<Class>,
    pub apps: Vec<App>,
    pub config_from: Vec<ConfigFrom>,
    /// `APP.conf.update(...)` and `APP.conf.x = ...`, in order.
    pub conf_sets: Vec<Assign>,
    /// The line of the first `APP.conf.update(...)`, where a fix can be added.
    pub conf_update_line: Option<usize>,
    /// `os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')`.
    pub django_settings_module: Option<String>,
    pub hints: Vec<Hint>,
    /// `from x import *` at module level: names may come from there.
    pub star_imports: Vec<String>,
}

/// Why a file could not be read as Python.
pub fn parse(text: &str) -> Result<PyFile, String> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .map_err(|e| format!("the Python grammar could not be loaded: {e}"))?;
    let tree = parser
        .parse(text, None)
        .ok_or_else(|| "the Python parser gave up".to_string())?;
    let root = tree.root_node();
    if root.has_error() {
        let (line, what) = first_error(root, text.as_bytes());
        return Err(format!(
            "not valid Python: syntax error at line {line}{what}"
        ));
    }
    let mut r = Reader {
        src: text.as_bytes(),
        env: eval::Env::default(),
        out: PyFile::default(),
    };
    r.block(root, false);
    r.hints(root);
    Ok(r.out)
}

fn first_error(node: Node, src: &[u8]) -> (usize, String) {
    let mut cursor = node.walk();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if n.is_error() || n.is_missing() {
            let text = n.utf8_text(src).unwrap_or("").lines().next().unwrap_or("");
            let what = if n.is_missing() {
                format!(" (missing {})", n.kind())
            } else if text.is_empty() {
                String::new()
            } else {
                format!(" near {:?}", truncate(text.trim(), 40))
            };
            return (n.start_position().row + 1, what);
        }
        let children: Vec<Node> = n.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev().filter(|c| c.has_error()));
    }
    (node.start_position().row + 1, String::new())
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n).collect::<String>() + "..."
    }
}

fn line(n: Node) -> usize {
    n.start_position().row + 1
}

struct Reader<'a> {
    src: &'a [u8],
    env: eval::Env,
    out: PyFile,
}

impl<'a> Reader<'a> {
    fn text(&self, n: Node) -> &'a str {
        n.utf8_text(self.src).unwrap_or("")
    }

    fn eval(&self, n: Node) -> Py {
        eval::eval(n, self.src, &self.env)
    }

    /// The statements of a module or block. `uncertain`: inside a branch lint cannot decide,
    /// so what is assigned there is not known.
    fn block(&mut self, block: Node, uncertain: bool) {
        let mut cursor = block.walk();
        let children: Vec<Node> = block.named_children(&mut cursor).collect();
        for stmt in children {
            self.statement(stmt, uncertain);
        }
    }

    fn statement(&mut self, stmt: Node, uncertain: bool) {
        match stmt.kind() {
            "expression_statement" => {
                let mut cursor = stmt.walk();
                let children: Vec<Node> = stmt.named_children(&mut cursor).collect();
                for e in children {
                    match e.kind() {
                        "assignment" => self.assignment(e, uncertain),
                        "augmented_assignment" => self.augmented(e, uncertain),
                        "call" => self.call_statement(e, uncertain),
                        _ => {}
                    }
                }
            }
            "import_statement" | "import_from_statement" => self.import(stmt),
            "class_definition" => self.class(stmt),
            "decorated_definition" => {
                if let Some(def) = stmt.child_by_field_name("definition")
                    && def.kind() == "class_definition"
                {
                    self.class(def);
                }
            }
            "if_statement" => self.if_statement(stmt, uncertain),
            "try_statement" | "with_statement" => {
                if let Some(body) = stmt.child_by_field_name("body") {
                    self.block(body, uncertain);
                }
            }
            _ => {}
        }
    }

    fn if_statement(&mut self, stmt: Node, uncertain: bool) {
        let decided = stmt
            .child_by_field_name("condition")
            .and_then(|c| self.eval(c).truthy());
        let mut cursor = stmt.walk();
        let alternatives: Vec<Node> = stmt
            .children_by_field_name("alternative", &mut cursor)
            .collect();
        match decided {
            Some(true) => {
                if let Some(b) = stmt.child_by_field_name("consequence") {
                    self.block(b, uncertain);
                }
            }
            Some(false) => {
                // The first elif whose condition holds, else the else clause; an undecided
                // elif makes the rest uncertain.
                let mut unsure = uncertain;
                for alt in alternatives {
                    let body = alt
                        .child_by_field_name("consequence")
                        .or_else(|| alt.child_by_field_name("body"));
                    let cond = alt
                        .child_by_field_name("condition")
                        .map(|c| self.eval(c).truthy());
                    match cond {
                        Some(Some(false)) => continue,
                        Some(None) => unsure = true,
                        _ => {}
                    }
                    if let Some(b) = body {
                        self.block(b, unsure);
                    }
                    if !unsure {
                        break;
                    }
                }
            }
            None => {
                if let Some(b) = stmt.child_by_field_name("consequence") {
                    self.block(b, true);
                }
                for alt in alternatives {
                    if let Some(b) = alt
                        .child_by_field_name("consequence")
                        .or_else(|| alt.child_by_field_name("body"))
                    {
                        self.block(b, true);
                    }
                }
            }
        }
    }

    fn import(&mut self, stmt: Node) {
        let mut cursor = stmt.walk();
        if stmt.kind() == "import_statement" {
            for name in stmt.children_by_field_name("name", &mut cursor) {
                let (path, alias) = self.import_name(name);
                let bound = alias.unwrap_or_else(|| path.split('.').next().unwrap_or("").into());
                let target = if bound == path.split('.').next().unwrap_or("") {
                    bound.clone()
                } else {
                    path
                };
                self.env.imports.insert(bound, target);
            }
            return;
        }
        let module = stmt
            .child_by_field_name("module_name")
            .map(|m| self.text(m).to_string())
            .unwrap_or_default();
        let has_star = {
            let mut c = stmt.walk();
            stmt.named_children(&mut c)
                .any(|n| n.kind() == "wildcard_import")
        };
        if has_star {
            self.env.star_imports.push(module.clone());
            self.out.star_imports.push(module);
            return;
        }
        for name in stmt.children_by_field_name("name", &mut cursor) {
            let (path, alias) = self.import_name(name);
            let bound = alias.unwrap_or_else(|| path.rsplit('.').next().unwrap_or("").into());
            self.env.imports.insert(bound, format!("{module}.{path}"));
        }
    }

    /// `a.b` or `a.b as c` in an import.
    fn import_name(&self, n: Node) -> (String, Option<String>) {
        if n.kind() == "aliased_import" {
            let path = n
                .child_by_field_name("name")
                .map(|p| self.text(p).to_string())
                .unwrap_or_default();
            let alias = n
                .child_by_field_name("alias")
                .map(|a| self.text(a).to_string());
            (path, alias)
        } else {
            (self.text(n).to_string(), None)
        }
    }

    fn class(&mut self, def: Node) {
        let Some(name) = def
            .child_by_field_name("name")
            .map(|n| self.text(n).to_string())
        else {
            return;
        };
        let mut assigns = Vec::new();
        // Attributes of a base class of this file come first (Python's lookup finds them when
        // the class does not set them).
        if let Some(bases) = def.child_by_field_name("superclasses") {
            let mut c = bases.walk();
            for b in bases.named_children(&mut c) {
                let base = self.text(b);
                if let Some(parent) = self.out.classes.iter().find(|k| k.name == base) {
                    assigns.extend(parent.assigns.iter().cloned().map(|mut a| {
                        a.form = Form::Class(name.clone());
                        a
                    }));
                }
            }
        }
        if let Some(body) = def.child_by_field_name("body") {
            let mut c = body.walk();
            let stmts: Vec<Node> = body.named_children(&mut c).collect();
            // A class body sees the module's names and its own earlier ones.
            let saved = self.env.vars.clone();
            for stmt in stmts {
                if stmt.kind() != "expression_statement" {
                    continue;
                }
                let Some(a) = stmt.named_child(0).filter(|a| a.kind() == "assignment") else {
                    continue;
                };
                for (target, value, at) in self.targets(a) {
                    if let Some(n) = target {
                        self.env.vars.insert(n.clone(), value.clone());
                        assigns.push(Assign {
                            name: n,
                            value,
                            line: at,
                            form: Form::Class(name.clone()),
                        });
                    }
                }
            }
            self.env.vars = saved;
        }
        self.out.classes.push(Class {
            name,
            line: line(def),
            assigns,
        });
    }

    /// The names an assignment binds, each with its value: `a = b = 1`, `a, b = 1, 2`,
    /// `x: int = 1`. A target that is no plain name (an attribute, a subscript) is None.
    fn targets(&self, a: Node<'_>) -> Vec<(Option<String>, Py, usize)> {
        let mut lefts = Vec::new();
        let mut node = a;
        let value_node = loop {
            if let Some(l) = node.child_by_field_name("left") {
                lefts.push(l);
            }
            match node.child_by_field_name("right") {
                Some(r) if r.kind() == "assignment" => node = r,
                Some(r) => break Some(r),
                None => break None,
            }
        };
        // `x: int` alone binds nothing.
        let Some(value_node) = value_node else {
            return Vec::new();
        };
        let value = self.eval(value_node);
        let mut out = Vec::new();
        for l in lefts {
            match l.kind() {
                "identifier" => out.push((Some(self.text(l).to_string()), value.clone(), line(l))),
                "pattern_list" | "tuple_pattern" | "list_pattern" => {
                    let mut c = l.walk();
                    let names: Vec<Node> = l.named_children(&mut c).collect();
                    for (i, n) in names.iter().enumerate() {
                        let v = match &value {
                            Py::List(items) if items.len() == names.len() => items[i].clone(),
                            Py::Unknown(w) => Py::Unknown(w.clone()),
                            _ => Py::Unknown("an unpacking lint cannot follow".into()),
                        };
                        let name = (n.kind() == "identifier").then(|| self.text(*n).to_string());
                        out.push((name, v, line(*n)));
                    }
                }
                _ => out.push((None, value.clone(), line(l))),
            }
        }
        out
    }

    fn assignment(&mut self, a: Node<'_>, uncertain: bool) {
        // `APP.conf.name = value`
        if let Some(left) = a.child_by_field_name("left")
            && left.kind() == "attribute"
            && let Some((app, key)) = self.conf_attribute(left)
        {
            let value = a
                .child_by_field_name("right")
                .map(|r| self.eval(r))
                .unwrap_or(Py::None);
            self.out.conf_sets.push(Assign {
                name: key,
                value: doubt(value, uncertain),
                line: line(a),
                form: Form::ConfAttr(app),
            });
            return;
        }
        // `app = Celery(...)`
        if let Some(right) = a.child_by_field_name("right")
            && right.kind() == "call"
            && self.is_celery_call(right)
        {
            let var = a
                .child_by_field_name("left")
                .filter(|l| l.kind() == "identifier")
                .map(|l| self.text(l).to_string());
            self.celery_app(right, var);
        }
        for (name, value, at) in self.targets(a) {
            let Some(name) = name else { continue };
            let value = doubt(value, uncertain);
            self.env.vars.insert(name.clone(), value.clone());
            self.out.assigns.push(Assign {
                name,
                value,
                line: at,
                form: Form::Module,
            });
        }
    }

    fn augmented(&mut self, a: Node<'_>, uncertain: bool) {
        let (Some(left), Some(right)) = (
            a.child_by_field_name("left"),
            a.child_by_field_name("right"),
        ) else {
            return;
        };
        if left.kind() != "identifier" {
            return;
        }
        let name = self.text(left).to_string();
        let op = a
            .child_by_field_name("operator")
            .map(|o| self.text(o).trim_end_matches('=').to_string())
            .unwrap_or_default();
        let before = self
            .env
            .vars
            .get(&name)
            .cloned()
            .unwrap_or_else(|| Py::Unknown(format!("{name} is not defined in this file")));
        let value = doubt(eval::binary(&op, before, self.eval(right)), uncertain);
        self.env.vars.insert(name.clone(), value.clone());
        self.out.assigns.push(Assign {
            name,
            value,
            line: line(a),
            form: Form::Module,
        });
    }

    /// `X.conf.key` as (X, key).
    fn conf_attribute(&self, n: Node) -> Option<(String, String)> {
        let key = self.text(n.child_by_field_name("attribute")?).to_string();
        let obj = n.child_by_field_name("object")?;
        if obj.kind() != "attribute" || self.text(obj.child_by_field_name("attribute")?) != "conf" {
            return None;
        }
        Some((
            self.text(obj.child_by_field_name("object")?).to_string(),
            key,
        ))
    }

    fn callee(&self, call: Node) -> String {
        call.child_by_field_name("function")
            .map(|f| eval::dotted(f, self.src, &self.env))
            .unwrap_or_default()
    }

    fn is_celery_call(&self, call: Node) -> bool {
        matches!(self.callee(call).as_str(), "celery.Celery" | "Celery")
    }

    /// Positional and keyword arguments of a call, evaluated; `**kw` of a known dict spread.
    fn arguments(&self, call: Node<'_>) -> (Vec<Py>, Vec<(String, Py, usize)>) {
        let mut pos = Vec::new();
        let mut kw = Vec::new();
        let Some(args) = call.child_by_field_name("arguments") else {
            return (pos, kw);
        };
        let mut c = args.walk();
        for a in args.named_children(&mut c) {
            match a.kind() {
                "keyword_argument" => {
                    let name = a
                        .child_by_field_name("name")
                        .map(|n| self.text(n).to_string())
                        .unwrap_or_default();
                    let value = a
                        .child_by_field_name("value")
                        .map(|v| self.eval(v))
                        .unwrap_or(Py::None);
                    kw.push((name, value, line(a)));
                }
                "dictionary_splat" => {
                    let inner = a.named_child(0).map(|v| self.eval(v));
                    match inner {
                        Some(Py::Dict(items)) => {
                            for (k, v) in items {
                                if let Py::Str(k) = k {
                                    kw.push((k, v, line(a)));
                                }
                            }
                        }
                        other => kw.push((
                            "**".into(),
                            Py::Unknown(format!(
                                "**{} is not a dict known in this file",
                                other.map(|o| o.repr()).unwrap_or_default()
                            )),
                            line(a),
                        )),
                    }
                }
                "comment" => {}
                _ => pos.push(self.eval(a)),
            }
        }
        (pos, kw)
    }

    fn celery_app(&mut self, call: Node<'_>, var: Option<String>) {
        let (pos, kw) = self.arguments(call);
        let _ = pos;
        let mut settings = Vec::new();
        let mut namespace = None;
        for (name, value, at) in kw {
            let key = match name.as_str() {
                "broker" => "broker_url",
                "backend" => "result_backend",
                "namespace" => {
                    namespace = value.as_str().map(str::to_string);
                    continue;
                }
                // Celery's own parameters, not settings.
                "main" | "loader" | "amqp" | "events" | "log" | "control" | "set_as_current"
                | "tasks" | "changes" | "config_source" | "fixups" | "task_cls"
                | "autofinalize" | "strict_typing" => continue,
                other => other,
            };
            settings.push(Assign {
                name: key.to_string(),
                value,
                line: at,
                form: Form::Kwarg,
            });
        }
        self.out.apps.push(App {
            line: line(call),
            var,
            settings,
            namespace,
        });
    }

    fn call_statement(&mut self, call: Node<'_>, uncertain: bool) {
        let callee = self.callee(call);
        let last = callee.rsplit('.').next().unwrap_or("");
        if self.is_celery_call(call) {
            self.celery_app(call, None);
            return;
        }
        if last == "update"
            && let Some(f) = call.child_by_field_name("function")
            && let Some(obj) = f.child_by_field_name("object")
            && obj.kind() == "attribute"
            && obj
                .child_by_field_name("attribute")
                .is_some_and(|a| self.text(a) == "conf")
        {
            let (pos, kw) = self.arguments(call);
            self.out.conf_update_line.get_or_insert(line(call));
            for p in pos {
                match p {
                    Py::Dict(items) => {
                        for (k, v) in items {
                            if let Py::Str(k) = k {
                                self.out.conf_sets.push(Assign {
                                    name: k,
                                    value: doubt(v, uncertain),
                                    line: line(call),
                                    form: Form::Kwarg,
                                });
                            }
                        }
                    }
                    other => self.out.conf_sets.push(Assign {
                        name: "**".into(),
                        value: Py::Unknown(format!(
                            "conf.update({}) is not a dict known in this file",
                            other.repr()
                        )),
                        line: line(call),
                        form: Form::Kwarg,
                    }),
                }
            }
            for (k, v, at) in kw {
                self.out.conf_sets.push(Assign {
                    name: k,
                    value: doubt(v, uncertain),
                    line: at,
                    form: Form::Kwarg,
                });
            }
            return;
        }
        if last == "config_from_object" {
            self.config_from_object(call);
            return;
        }
        if callee == "os.environ.setdefault" {
            let (pos, _) = self.arguments(call);
            if pos.first().and_then(Py::as_str) == Some("DJANGO_SETTINGS_MODULE")
                && let Some(m) = pos.get(1).and_then(Py::as_str)
            {
                self.out.django_settings_module = Some(m.to_string());
            }
        }
    }

    fn config_from_object(&mut self, call: Node<'_>) {
        let Some(args) = call.child_by_field_name("arguments") else {
            return;
        };
        let (pos, kw) = self.arguments(call);
        let namespace = kw
            .iter()
            .find(|(k, _, _)| k == "namespace")
            .map(|(_, v, _)| v.clone())
            .or_else(|| pos.get(3).cloned())
            .and_then(|v| v.as_str().map(str::to_string));
        let mut c = args.walk();
        let first = args
            .named_children(&mut c)
            .find(|a| !matches!(a.kind(), "keyword_argument" | "comment"));
        let target = match first {
            Some(n) if n.kind() == "identifier" || n.kind() == "attribute" => {
                let name = self.text(n).to_string();
                if self.out.classes.iter().any(|k| k.name == name) {
                    Target::Class(None, name)
                } else {
                    let path = eval::dotted(n, self.src, &self.env);
                    Target::Module(path)
                }
            }
            Some(n) => match self.eval(n) {
                Py::Str(s) => match s.split_once(':') {
                    Some((m, attr)) if m == "django.conf" && attr == "settings" => {
                        Target::Module(s.clone())
                    }
                    Some((m, attr)) => Target::Class(Some(m.to_string()), attr.to_string()),
                    None => Target::Module(s),
                },
                _ => Target::Other,
            },
            None => Target::Other,
        };
        self.out.config_from.push(ConfigFrom {
            line: line(call),
            target,
            namespace,
        });
    }

    /// Countdowns, ETAs and retry delays anywhere in the file: keyword arguments of calls
    /// (`apply_async(countdown=3600)`, `self.retry(countdown=...)`, `@app.task(
    /// default_retry_delay=600)`) whose value this file decides.
    fn hints(&mut self, root: Node<'_>) {
        let mut stack = vec![root];
        let mut cursor = root.walk();
        while let Some(n) = stack.pop() {
            if n.kind() == "keyword_argument"
                && let (Some(name), Some(value)) = (
                    n.child_by_field_name("name"),
                    n.child_by_field_name("value"),
                )
            {
                let what = match self.text(name) {
                    "countdown" => Some("countdown"),
                    "default_retry_delay" => Some("default_retry_delay"),
                    "eta" => Some("eta"),
                    _ => None,
                };
                let seconds = match what {
                    Some("eta") => self.timedelta_within(value),
                    Some(_) => self.eval(value).as_f64(),
                    None => None,
                };
                if let (Some(what), Some(seconds)) = (what, seconds) {
                    self.out.hints.push(Hint {
                        what,
                        seconds,
                        line: line(n),
                    });
                }
            }
            let children: Vec<Node> = n.named_children(&mut cursor).collect();
            stack.extend(children.into_iter().rev());
        }
        self.out.hints.sort_by_key(|h| h.line);
    }

    /// An ETA like `now() + timedelta(hours=2)`: the timedelta's seconds.
    fn timedelta_within(&self, n: Node) -> Option<f64> {
        let mut stack = vec![n];
        let mut cursor = n.walk();
        while let Some(x) = stack.pop() {
            if x.kind() == "call"
                && self.callee(x) == "datetime.timedelta"
                && let Some(s) = self.eval(x).as_f64()
            {
                return Some(s);
            }
            stack.extend(x.named_children(&mut cursor).collect::<Vec<_>>());
        }
        None
    }
}

/// A value assigned in a branch lint cannot decide is not known.
fn doubt(value: Py, uncertain: bool) -> Py {
    if uncertain {
        Py::Unknown("set inside an `if` whose condition lint cannot decide".into())
    } else {
        value
    }
}

/// The module path a `config_from_object` target names, for matching it to a file.
pub fn module_file_suffixes(module: &str) -> Vec<String> {
    let path = module.replace('.', "/");
    vec![format!("{path}.py"), format!("{path}/__init__.py")]
}

/// Names bound at module level, last value wins (for tests and callers that want a map).
pub fn module_values(f: &PyFile) -> HashMap<String, Py> {
    f.assigns
        .iter()
        .map(|a| (a.name.clone(), a.value.clone()))
        .collect()
}

#[cfg(test)]
#[path = "python_tests.rs"]
mod tests;
