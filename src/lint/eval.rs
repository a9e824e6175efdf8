//! Evaluating a Python expression as far as one file decides it: literals, names bound
//! earlier in the file, arithmetic, comparisons, `timedelta(...)`, `os.environ.get(NAME,
//! DEFAULT)` / `os.getenv` / django-environ / python-decouple defaults, and a few builtins and
//! string methods. Nothing is executed.

use std::collections::HashMap;

use tree_sitter::Node;

use super::Py;

/// Names bound so far: values of this file, and what imports bound.
#[derive(Debug, Default, Clone)]
pub struct Env {
    pub vars: HashMap<String, Py>,
    /// Bound name -> dotted path (`timedelta` -> `datetime.timedelta`, `dt` -> `datetime`).
    pub imports: HashMap<String, String>,
    pub star_imports: Vec<String>,
}

fn text<'a>(n: Node, src: &'a [u8]) -> &'a str {
    n.utf8_text(src).unwrap_or("")
}

/// An identifier or attribute chain as a dotted path, its first name resolved through the
/// imports: `dt.timedelta` -> `datetime.timedelta`; anything else as written.
pub fn dotted(n: Node, src: &[u8], env: &Env) -> String {
    match n.kind() {
        "identifier" => {
            let name = text(n, src);
            env.imports
                .get(name)
                .cloned()
                .unwrap_or_else(|| name.to_string())
        }
        "attribute" => match (
            n.child_by_field_name("object"),
            n.child_by_field_name("attribute"),
        ) {
            (Some(o), Some(a)) => format!("{}.{}", dotted(o, src, env), text(a, src)),
            _ => text(n, src).to_string(),
        },
        _ => text(n, src).to_string(),
    }
}

pub fn eval(n: Node, src: &[u8], env: &Env) -> Py {
    let t = text(n, src);
    match n.kind() {
        "integer" => int_literal(t),
        "float" => t
            .replace('_', "")
            .trim_end_matches(['j', 'J'])
            .parse()
            .map(Py::Float)
            .unwrap_or_else(|_| Py::Unknown(format!("the number {t}"))),
        "true" => Py::Bool(true),
        "false" => Py::Bool(false),
        "none" => Py::None,
        "string" => string(n, src, env),
        "concatenated_string" => concatenated(n, src, env),
        "identifier" => name(t, env),
        "parenthesized_expression" => n
            .named_child(0)
            .map(|x| eval(x, src, env))
            .unwrap_or(Py::None),
        "list" | "tuple" | "set" | "expression_list" => sequence(n, src, env),
        "dictionary" => dictionary(n, src, env),
        "unary_operator" => unary(n, src, env),
        "not_operator" => match n
            .child_by_field_name("argument")
            .map(|a| eval(a, src, env).truthy())
        {
            Some(Some(b)) => Py::Bool(!b),
            _ => Py::Unknown(format!("`{t}`")),
        },
        "boolean_operator" => boolean(n, src, env),
        "binary_operator" => binary_operator(n, src, env),
        "comparison_operator" => comparison(n, src, env),
        "conditional_expression" => conditional(n, src, env),
        "subscript" => subscript(n, src, env),
        "attribute" => attribute(n, src, env),
        "call" => call(n, src, env),
        "lambda" => Py::Opaque("lambda".into()),
        _ => Py::Unknown(format!("`{}`", short(t))),
    }
}

/// Adjacent string literals, joined.
fn concatenated(n: Node, src: &[u8], env: &Env) -> Py {
    let mut c = n.walk();
    let mut s = String::new();
    for part in n.named_children(&mut c) {
        match string(part, src, env) {
            Py::Str(p) => s.push_str(&p),
            other => return other,
        }
    }
    Py::Str(s)
}

/// A list, tuple or set display, with its `*spread`s followed when they are known.
fn sequence(n: Node, src: &[u8], env: &Env) -> Py {
    let mut c = n.walk();
    let mut items = Vec::new();
    for x in n.named_children(&mut c) {
        if x.kind() == "comment" {
            continue;
        }
        if x.kind() == "list_splat" {
            match x.named_child(0).map(|i| eval(i, src, env)) {
                Some(Py::List(more)) => items.extend(more),
                _ => return Py::Unknown("a *spread lint cannot follow".into()),
            }
            continue;
        }
        items.push(eval(x, src, env));
    }
    Py::List(items)
}

/// A dict display; a later key replaces an earlier one, `**spread`s followed when known.
fn dictionary(n: Node, src: &[u8], env: &Env) -> Py {
    let mut c = n.walk();
    let mut items: Vec<(Py, Py)> = Vec::new();
    for x in n.named_children(&mut c) {
        match x.kind() {
            "pair" => {
                let k = x
                    .child_by_field_name("key")
                    .map(|k| eval(k, src, env))
                    .unwrap_or(Py::None);
                let v = x
                    .child_by_field_name("value")
                    .map(|v| eval(v, src, env))
                    .unwrap_or(Py::None);
                items.retain(|(old, _)| *old != k);
                items.push((k, v));
            }
            "dictionary_splat" => match x.named_child(0).map(|i| eval(i, src, env)) {
                Some(Py::Dict(more)) => {
                    for (k, v) in more {
                        items.retain(|(old, _)| *old != k);
                        items.push((k, v));
                    }
                }
                _ => return Py::Unknown("a **spread lint cannot follow".into()),
            },
            _ => {}
        }
    }
    Py::Dict(items)
}

/// `-x`, `+x` on numbers.
fn unary(n: Node, src: &[u8], env: &Env) -> Py {
    let op = n
        .child_by_field_name("operator")
        .map(|o| text(o, src))
        .unwrap_or("");
    let v = n
        .child_by_field_name("argument")
        .map(|a| eval(a, src, env))
        .unwrap_or(Py::None);
    match (op, v) {
        ("-", Py::Int(i)) => Py::Int(-i),
        ("-", Py::Float(f)) => Py::Float(-f),
        ("+", v @ (Py::Int(_) | Py::Float(_))) => v,
        (_, u @ Py::Unknown(_)) => u,
        (op, v) => Py::Unknown(format!("{op}{}", v.repr())),
    }
}

/// `and` / `or`, short-circuited as Python does.
fn boolean(n: Node, src: &[u8], env: &Env) -> Py {
    let t = text(n, src);
    let op = n
        .child_by_field_name("operator")
        .map(|o| text(o, src))
        .unwrap_or("");
    let left = n
        .child_by_field_name("left")
        .map(|x| eval(x, src, env))
        .unwrap_or(Py::None);
    let right = || {
        n.child_by_field_name("right")
            .map(|x| eval(x, src, env))
            .unwrap_or(Py::None)
    };
    match (op, left.truthy()) {
        ("and", Some(false)) | ("or", Some(true)) => left,
        ("and", Some(true)) | ("or", Some(false)) => right(),
        _ => Py::Unknown(format!("`{}`", short(t))),
    }
}

/// `a OP b`, its operands evaluated first.
fn binary_operator(n: Node, src: &[u8], env: &Env) -> Py {
    let op = n
        .child_by_field_name("operator")
        .map(|o| text(o, src))
        .unwrap_or("");
    let l = n
        .child_by_field_name("left")
        .map(|x| eval(x, src, env))
        .unwrap_or(Py::None);
    let r = n
        .child_by_field_name("right")
        .map(|x| eval(x, src, env))
        .unwrap_or(Py::None);
    binary(op, l, r)
}

/// `a if cond else b`.
fn conditional(n: Node, src: &[u8], env: &Env) -> Py {
    let t = text(n, src);
    let mut c = n.walk();
    let parts: Vec<Node> = n.named_children(&mut c).collect();
    if parts.len() != 3 {
        return Py::Unknown(format!("`{}`", short(t)));
    }
    match eval(parts[1], src, env).truthy() {
        Some(true) => eval(parts[0], src, env),
        Some(false) => eval(parts[2], src, env),
        None => Py::Unknown(format!("`{}`", short(t))),
    }
}

/// `a.b`: only `os.environ` means something here.
fn attribute(n: Node, src: &[u8], env: &Env) -> Py {
    let path = dotted(n, src, env);
    if path == "os.environ" {
        return Py::Opaque("os.environ".into());
    }
    match n.child_by_field_name("object").map(|o| eval(o, src, env)) {
        Some(u @ Py::Unknown(_)) => u,
        _ => Py::Unknown(format!("{path} is not known in this file")),
    }
}

fn short(t: &str) -> String {
    let line = t.lines().next().unwrap_or("");
    if line.chars().count() > 50 || t.contains('\n') {
        line.chars().take(50).collect::<String>() + "..."
    } else {
        line.to_string()
    }
}

fn name(n: &str, env: &Env) -> Py {
    if let Some(v) = env.vars.get(n) {
        return v.clone();
    }
    if let Some(path) = env.imports.get(n) {
        return Py::Unknown(format!("{n} is imported from {path}"));
    }
    if !env.star_imports.is_empty() {
        return Py::Unknown(format!(
            "{n} is not defined in this file (it may come from `from {} import *`)",
            env.star_imports.join(", ")
        ));
    }
    Py::Unknown(format!("{n} is not defined in this file"))
}

fn int_literal(t: &str) -> Py {
    let s = t.replace('_', "").to_ascii_lowercase();
    let parsed = if let Some(h) = s.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()
    } else if let Some(o) = s.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()
    } else if let Some(b) = s.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()
    } else {
        s.parse().ok()
    };
    match parsed {
        Some(i) => Py::Int(i),
        None => s
            .parse::<f64>()
            .map(Py::Float)
            .unwrap_or_else(|_| Py::Unknown(format!("the number {t}"))),
    }
}

/// A string literal: prefixes, escapes, and an f-string's fields when this file decides them.
fn string(n: Node, src: &[u8], env: &Env) -> Py {
    let mut c = n.walk();
    let mut prefix = String::new();
    let mut out = String::new();
    for part in n.children(&mut c) {
        match part.kind() {
            "string_start" => {
                prefix = text(part, src)
                    .trim_end_matches(['"', '\''])
                    .to_ascii_lowercase();
            }
            "string_content" => {
                let raw = text(part, src);
                if prefix.contains('r') {
                    out.push_str(raw);
                } else {
                    out.push_str(&unescape(raw));
                }
            }
            "interpolation" => {
                if part.child_by_field_name("format_specifier").is_some()
                    || part.child_by_field_name("type_conversion").is_some()
                {
                    return Py::Unknown("an f-string with a format lint does not apply".into());
                }
                let v = part
                    .child_by_field_name("expression")
                    .map(|e| eval(e, src, env))
                    .unwrap_or(Py::None);
                match str_of(&v) {
                    Some(s) => out.push_str(&s),
                    None => return v,
                }
            }
            _ => {}
        }
    }
    Py::Str(out)
}

/// Python's `str(v)` for plain values.
fn str_of(v: &Py) -> Option<String> {
    Some(match v {
        Py::Str(s) => s.clone(),
        Py::Int(i) => i.to_string(),
        Py::Float(f) if f.fract() == 0.0 && f.abs() < 1e16 => format!("{f:.1}"),
        Py::Float(f) => f.to_string(),
        Py::Bool(_) | Py::None => v.repr(),
        Py::Unknown(_) => return None,
        other => other.repr(),
    })
}

fn unescape(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some('0') => out.push('\0'),
            Some('\n') => {}
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// `l OP r` in Python, for numbers, strings and lists.
pub fn binary(op: &str, l: Py, r: Py) -> Py {
    if let Py::Unknown(_) = l {
        return l;
    }
    if let Py::Unknown(_) = r {
        return r;
    }
    match (op, &l, &r) {
        ("+", Py::Str(a), Py::Str(b)) => return Py::Str(format!("{a}{b}")),
        ("+", Py::List(a), Py::List(b)) => {
            return Py::List(a.iter().chain(b).cloned().collect());
        }
        ("*", Py::Str(a), Py::Int(k)) => return Py::Str(a.repeat((*k).max(0) as usize)),
        ("|", Py::Dict(a), Py::Dict(b)) => {
            let mut items = a.clone();
            for (k, v) in b {
                items.retain(|(old, _)| old != k);
                items.push((k.clone(), v.clone()));
            }
            return Py::Dict(items);
        }
        _ => {}
    }
    let ints = matches!((&l, &r), (Py::Int(_), Py::Int(_)));
    let (Some(a), Some(b)) = (l.as_f64(), r.as_f64()) else {
        return Py::Unknown(format!("{} {op} {}", l.repr(), r.repr()));
    };
    let whole = |v: f64| {
        if ints && v.fract() == 0.0 && v.abs() < 9e15 {
            Py::Int(v as i64)
        } else {
            Py::Float(v)
        }
    };
    match op {
        "+" => whole(a + b),
        "-" => whole(a - b),
        "*" => whole(a * b),
        "/" if b != 0.0 => Py::Float(a / b),
        "//" if b != 0.0 => whole((a / b).floor()),
        "%" if b != 0.0 => whole(a.rem_euclid(b)),
        "**" => whole(a.powf(b)),
        _ => Py::Unknown(format!("{} {op} {}", l.repr(), r.repr())),
    }
}

fn comparison(n: Node, src: &[u8], env: &Env) -> Py {
    let mut c = n.walk();
    let mut operands = Vec::new();
    let mut ops: Vec<String> = Vec::new();
    let mut pending = String::new();
    for x in n.children(&mut c) {
        if x.is_named() {
            if !pending.is_empty() {
                ops.push(std::mem::take(&mut pending));
            }
            operands.push(eval(x, src, env));
        } else {
            if !pending.is_empty() {
                pending.push(' ');
            }
            pending.push_str(text(x, src));
        }
    }
    if operands.len() != ops.len() + 1 {
        return Py::Unknown("a comparison lint cannot read".into());
    }
    for (i, op) in ops.iter().enumerate() {
        let (a, b) = (&operands[i], &operands[i + 1]);
        if let Some(why) = a.unknown().or_else(|| b.unknown()) {
            return Py::Unknown(why.to_string());
        }
        let holds = match op.as_str() {
            "==" | "is" => Some(equal(a, b)),
            "!=" | "is not" | "<>" => Some(!equal(a, b)),
            "in" => contains(b, a),
            "not in" => contains(b, a).map(|x| !x),
            "<" | "<=" | ">" | ">=" => match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => Some(match op.as_str() {
                    "<" => x < y,
                    "<=" => x <= y,
                    ">" => x > y,
                    _ => x >= y,
                }),
                _ => None,
            },
            _ => None,
        };
        match holds {
            Some(true) => {}
            Some(false) => return Py::Bool(false),
            None => return Py::Unknown(format!("a `{op}` comparison lint cannot decide")),
        }
    }
    Py::Bool(true)
}

fn equal(a: &Py, b: &Py) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) if !matches!(a, Py::Str(_)) && !matches!(b, Py::Str(_)) => x == y,
        _ => a == b,
    }
}

fn contains(container: &Py, item: &Py) -> Option<bool> {
    match (container, item) {
        (Py::Str(s), Py::Str(i)) => Some(s.contains(i.as_str())),
        (Py::List(l), i) => Some(l.iter().any(|x| equal(x, i))),
        (Py::Dict(d), i) => Some(d.iter().any(|(k, _)| equal(k, i))),
        _ => None,
    }
}

fn subscript(n: Node, src: &[u8], env: &Env) -> Py {
    let Some(obj) = n.child_by_field_name("value") else {
        return Py::Unknown("a subscript".into());
    };
    let index = n
        .child_by_field_name("subscript")
        .map(|i| eval(i, src, env))
        .unwrap_or(Py::None);
    if dotted(obj, src, env) == "os.environ" {
        return Py::Unknown(format!(
            "os.environ[{}] has no default in the file",
            index.repr()
        ));
    }
    match (eval(obj, src, env), index) {
        (u @ Py::Unknown(_), _) | (_, u @ Py::Unknown(_)) => u,
        (Py::Dict(d), k) => d
            .iter()
            .rev()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| Py::Unknown(format!("no key {} in the dict", k.repr()))),
        (Py::List(l), Py::Int(i)) => {
            let at = if i < 0 { l.len() as i64 + i } else { i };
            usize::try_from(at)
                .ok()
                .and_then(|at| l.get(at).cloned())
                .unwrap_or_else(|| Py::Unknown("an index out of range".into()))
        }
        (v, k) => Py::Unknown(format!("{}[{}]", v.repr(), k.repr())),
    }
}

/// `int(...)`, `float(...)`, `bool(...)`, `str(...)` of a known value, as Python does.
fn cast(to: &str, v: Py) -> Py {
    if let Py::Unknown(_) = v {
        return v;
    }
    match (to, &v) {
        ("int", Py::Str(s)) => s
            .trim()
            .parse::<i64>()
            .map(Py::Int)
            .unwrap_or_else(|_| Py::Unknown(format!("int({})", v.repr()))),
        ("int", _) => v
            .as_f64()
            .map(|f| Py::Int(f.trunc() as i64))
            .unwrap_or_else(|| Py::Unknown(format!("int({})", v.repr()))),
        ("float", Py::Str(s)) => {
            let s = s.trim().to_ascii_lowercase();
            match s.as_str() {
                "inf" | "infinity" | "+inf" => Py::Float(f64::INFINITY),
                _ => s
                    .parse::<f64>()
                    .map(Py::Float)
                    .unwrap_or_else(|_| Py::Unknown(format!("float({})", v.repr()))),
            }
        }
        ("float", _) => v
            .as_f64()
            .map(Py::Float)
            .unwrap_or_else(|| Py::Unknown(format!("float({})", v.repr()))),
        ("bool", _) => v.truthy().map(Py::Bool).unwrap_or(v),
        ("str", _) => str_of(&v).map(Py::Str).unwrap_or(v),
        // django-environ's env.bool and decouple's cast=bool read words, unlike bool().
        ("envbool", Py::Str(s)) => Py::Bool(matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "true" | "on" | "ok" | "y" | "yes" | "1"
        )),
        ("envbool", _) => v.truthy().map(Py::Bool).unwrap_or(v),
        _ => v,
    }
}

/// A call's positional and keyword arguments, evaluated; a `*`/`**` spread makes the call
/// unknown.
type Arguments = (Vec<Py>, Vec<(String, Py)>);

fn arguments(n: Node, src: &[u8], env: &Env, callee: &str) -> Result<Arguments, Py> {
    let mut pos = Vec::new();
    let mut kw: Vec<(String, Py)> = Vec::new();
    if let Some(args) = n.child_by_field_name("arguments") {
        let mut c = args.walk();
        for a in args.named_children(&mut c) {
            match a.kind() {
                "keyword_argument" => {
                    let k = a
                        .child_by_field_name("name")
                        .map(|x| text(x, src).to_string())
                        .unwrap_or_default();
                    let v = a
                        .child_by_field_name("value")
                        .map(|x| eval(x, src, env))
                        .unwrap_or(Py::None);
                    kw.push((k, v));
                }
                "comment" => {}
                "list_splat" | "dictionary_splat" => {
                    return Err(Py::Unknown(format!("{callee}(...) with a spread")));
                }
                _ => pos.push(eval(a, src, env)),
            }
        }
    }
    Ok((pos, kw))
}

fn call(n: Node, src: &[u8], env: &Env) -> Py {
    let Some(f) = n.child_by_field_name("function") else {
        return Py::Unknown("a call".into());
    };
    let callee = dotted(f, src, env);
    let (pos, kw) = match arguments(n, src, env, &callee) {
        Ok(a) => a,
        Err(unknown) => return unknown,
    };
    if let Some(v) = builtin(&callee, &pos, &kw) {
        return v;
    }
    let last = callee.rsplit('.').next().unwrap_or("").to_string();
    if let Some(v) = env_reader(&callee, &last, &pos, &kw) {
        return v;
    }
    // String and dict methods on a value this file decides.
    if let Some(obj) = f
        .child_by_field_name("object")
        .filter(|_| f.kind() == "attribute")
    {
        let value = eval(obj, src, env);
        if let Py::Unknown(_) = value {
            return value;
        }
        if let Some(v) = method(&last, value, &pos) {
            return v;
        }
    }
    Py::Opaque(format!("{callee}(...)"))
}

/// The builtins and standard-library calls lint follows; None for any other callee.
fn builtin(callee: &str, pos: &[Py], kw: &[(String, Py)]) -> Option<Py> {
    let kwarg = |name: &str| kw.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    Some(match callee {
        "datetime.timedelta" => timedelta(pos, kw),
        "os.environ.get" | "os.getenv" | "os.environ.setdefault" => {
            let default = pos.get(1).cloned().or_else(|| kwarg("default"));
            default.unwrap_or(Py::None)
        }
        "int" | "float" | "bool" | "str" => match pos.first() {
            Some(v) => cast(callee, v.clone()),
            None => cast(callee, Py::Int(0)),
        },
        "dict" => {
            let mut items = match pos.first() {
                Some(Py::Dict(d)) => d.clone(),
                None => Vec::new(),
                Some(other) => return Some(Py::Unknown(format!("dict({})", other.repr()))),
            };
            for (k, v) in kw {
                items.push((Py::Str(k.clone()), v.clone()));
            }
            Py::Dict(items)
        }
        "list" | "tuple" | "set" | "frozenset" => match pos.first() {
            Some(l @ Py::List(_)) => l.clone(),
            None => Py::List(Vec::new()),
            Some(other) => Py::Unknown(format!("{callee}({})", other.repr())),
        },
        "min" | "max" => min_max(callee, pos),
        _ => return None,
    })
}

/// `datetime.timedelta(...)` in seconds.
fn timedelta(pos: &[Py], kw: &[(String, Py)]) -> Py {
    const ORDER: [(&str, f64); 7] = [
        ("days", 86400.0),
        ("seconds", 1.0),
        ("microseconds", 1e-6),
        ("milliseconds", 1e-3),
        ("minutes", 60.0),
        ("hours", 3600.0),
        ("weeks", 604800.0),
    ];
    let mut total = 0.0;
    for (i, v) in pos.iter().enumerate() {
        let Some(x) = v.as_f64() else {
            return Py::Unknown(format!("timedelta({})", v.repr()));
        };
        total += x * ORDER.get(i).map(|o| o.1).unwrap_or(0.0);
    }
    for (k, v) in kw {
        let (Some(unit), Some(x)) = (ORDER.iter().find(|o| o.0 == k), v.as_f64()) else {
            return Py::Unknown(format!("timedelta({k}={})", v.repr()));
        };
        total += x * unit.1;
    }
    Py::Float(total)
}

/// `min(...)` / `max(...)` of numbers, as the item itself (an int stays an int).
fn min_max(callee: &str, pos: &[Py]) -> Py {
    let items = match pos {
        [Py::List(l)] => l.clone(),
        _ => pos.to_vec(),
    };
    let nums: Option<Vec<f64>> = items.iter().map(Py::as_f64).collect();
    match nums {
        Some(v) if !v.is_empty() => {
            let pick = if callee == "min" {
                v.iter().copied().fold(f64::INFINITY, f64::min)
            } else {
                v.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            };
            items
                .into_iter()
                .find(|i| i.as_f64() == Some(pick))
                .unwrap_or(Py::Float(pick))
        }
        _ => Py::Unknown(format!("{callee}(...)")),
    }
}

/// django-environ: env("X", default=...), env.int("X", default=...); python-decouple:
/// config("X", default=..., cast=int). None for any other callee.
fn env_reader(callee: &str, last: &str, pos: &[Py], kw: &[(String, Py)]) -> Option<Py> {
    let base = callee.rsplit_once('.').map(|(b, _)| b).unwrap_or("");
    let reader = matches!(callee, "env" | "config" | "decouple.config")
        || base == "env"
        || base == "environ.Env";
    if !reader {
        return None;
    }
    let kwarg = |name: &str| kw.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let Some(default) = kwarg("default") else {
        let var = pos.first().map(Py::repr).unwrap_or_default();
        return Some(Py::Unknown(format!(
            "the environment variable {var} has no default in the file"
        )));
    };
    let to = match (last, kwarg("cast")) {
        ("int", _) => "int",
        ("float", _) => "float",
        ("bool", _) => "envbool",
        ("str", _) => "str",
        (_, Some(Py::Unknown(c))) if c.ends_with("is not defined in this file") => {
            let name = c.split_whitespace().next().unwrap_or("");
            match name {
                "int" => "int",
                "float" => "float",
                "bool" => "envbool",
                _ => "",
            }
        }
        _ => "",
    };
    Some(cast(to, default))
}

/// A string or dict method on a value the file decides; None when lint does not follow it.
fn method(name: &str, value: Py, pos: &[Py]) -> Option<Py> {
    let first = || pos.first().and_then(Py::as_str);
    match (name, &value) {
        ("lower", Py::Str(s)) => Some(Py::Str(s.to_lowercase())),
        ("upper", Py::Str(s)) => Some(Py::Str(s.to_uppercase())),
        ("strip", Py::Str(s)) => Some(Py::Str(s.trim().to_string())),
        ("split", Py::Str(s)) => Some(Py::List(match first() {
            Some(sep) => s.split(sep).map(|p| Py::Str(p.to_string())).collect(),
            None => s
                .split_whitespace()
                .map(|p| Py::Str(p.to_string()))
                .collect(),
        })),
        ("startswith", Py::Str(s)) => first().map(|p| Py::Bool(s.starts_with(p))),
        ("endswith", Py::Str(s)) => first().map(|p| Py::Bool(s.ends_with(p))),
        ("get", Py::Dict(_)) => first().map(|k| {
            value
                .get(k)
                .cloned()
                .unwrap_or_else(|| pos.get(1).cloned().unwrap_or(Py::None))
        }),
        _ => None,
    }
}
