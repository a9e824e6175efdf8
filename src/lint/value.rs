//! Python values as lint resolves them from configuration files: literals, what same-file
//! constants, `timedelta(...)` and `os.environ.get(NAME, DEFAULT)` evaluate to, and the two
//! ways of not knowing (a value that is there but is no plain data, one that cannot be known).

use serde_json::{Map, Number, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Py {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Py>),
    Dict(Vec<(Py, Py)>),
    /// A value that exists but is no plain data (`crontab(minute=0)`, `Queue('a')`): fine for
    /// settings no rule reads.
    Opaque(String),
    /// A value lint cannot know from the files (`os.environ['X']`, a name imported from
    /// elsewhere), with why.
    Unknown(String),
}

impl Py {
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Py::Int(i) => Some(*i as f64),
            Py::Float(f) => Some(*f),
            Py::Bool(b) => Some(f64::from(u8::from(*b))),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Py::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Python's truthiness, None when it cannot be known.
    pub fn truthy(&self) -> Option<bool> {
        Some(match self {
            Py::None => false,
            Py::Bool(b) => *b,
            Py::Int(i) => *i != 0,
            Py::Float(f) => *f != 0.0,
            Py::Str(s) => !s.is_empty(),
            Py::List(l) => !l.is_empty(),
            Py::Dict(d) => !d.is_empty(),
            Py::Opaque(_) => true,
            Py::Unknown(_) => return None,
        })
    }

    /// Why the value (or a part of it) cannot be known, if so.
    pub fn unknown(&self) -> Option<&str> {
        match self {
            Py::Unknown(why) => Some(why),
            Py::List(l) => l.iter().find_map(Py::unknown),
            Py::Dict(d) => d
                .iter()
                .find_map(|(k, v)| k.unknown().or_else(|| v.unknown())),
            _ => None,
        }
    }

    /// A dict's value by string key.
    pub fn get(&self, key: &str) -> Option<&Py> {
        match self {
            Py::Dict(d) => d
                .iter()
                .rev()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// As Python's `repr` would write it, shortened: for messages and for the line to write.
    pub fn repr(&self) -> String {
        match self {
            Py::None => "None".into(),
            Py::Bool(true) => "True".into(),
            Py::Bool(false) => "False".into(),
            Py::Int(i) => i.to_string(),
            Py::Float(f) if f.is_infinite() => "float('inf')".into(),
            Py::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.1}"),
            Py::Float(f) => f.to_string(),
            Py::Str(s) => format!("{s:?}").replace('"', "'"),
            Py::List(l) => format!(
                "[{}]",
                l.iter().map(Py::repr).collect::<Vec<_>>().join(", ")
            ),
            Py::Dict(d) => format!(
                "{{{}}}",
                d.iter()
                    .map(|(k, v)| format!("{}: {}", k.repr(), v.repr()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Py::Opaque(what) => what.clone(),
            Py::Unknown(why) => format!("<{why}>"),
        }
    }

    /// The value as a Celery `conf` reply carries it in JSON; None for a value lint cannot know.
    pub fn to_json(&self) -> Option<Value> {
        Some(match self {
            Py::None => Value::Null,
            Py::Bool(b) => Value::Bool(*b),
            Py::Int(i) => Value::Number((*i).into()),
            // Python's json writes inf as Infinity; the workers' conf replies carry it so.
            Py::Float(f) => Number::from_f64(*f)
                .map(Value::Number)
                .unwrap_or_else(|| Value::String(f.to_string())),
            Py::Str(s) => Value::String(s.clone()),
            Py::List(l) => Value::Array(l.iter().map(Py::to_json).collect::<Option<_>>()?),
            Py::Dict(d) => {
                let mut m = Map::new();
                for (k, v) in d {
                    let key = match k {
                        Py::Str(s) => s.clone(),
                        other => other.repr(),
                    };
                    m.insert(key, v.to_json()?);
                }
                Value::Object(m)
            }
            Py::Opaque(what) => Value::String(what.clone()),
            Py::Unknown(_) => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_as_python_and_convert_to_conf_json() {
        let d = Py::Dict(vec![(Py::Str("visibility_timeout".into()), Py::Int(7200))]);
        assert_eq!(d.repr(), "{'visibility_timeout': 7200}");
        assert_eq!(d.get("visibility_timeout"), Some(&Py::Int(7200)));
        assert_eq!(
            d.to_json(),
            Some(serde_json::json!({"visibility_timeout": 7200}))
        );
        assert_eq!(Py::Float(300.0).repr(), "300.0");
        assert_eq!(Py::Bool(true).repr(), "True");
        let unknown = Py::List(vec![Py::Int(1), Py::Unknown("os.environ['X']".into())]);
        assert_eq!(unknown.unknown(), Some("os.environ['X']"));
        assert_eq!(unknown.to_json(), None);
        assert_eq!(Py::Str(String::new()).truthy(), Some(false));
    }
}
