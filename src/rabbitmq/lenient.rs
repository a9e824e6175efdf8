//! What the management API sends in more than one spelling. List items whose JSON objects
//! repeat a key: RabbitMQ 3.10 sends a queue's `online` or `slave_nodes` twice for several
//! seconds after a cluster member stops or starts (once from the queue record, once from the
//! last statistics), and serde's derive refuses a duplicate field, which would lose the whole
//! queue listing at the moment a cluster is in trouble. And object fields sent as RabbitMQ's
//! spellings of "no object" (`[]`, `"not_available"`) or as a value of another type ([`Obj`]).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

/// Keys whose repeated lists are intersected: a mirror counts as synchronised only when both
/// answers say so. Every other repeated list is united (the checks intersect node lists with
/// the running nodes afterwards); any other repeated value keeps its first occurrence.
const INTERSECT: &[&str] = &["synchronised_slave_nodes"];

/// `T` decoded from an object whose repeated keys were merged first.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged<T>(pub T);

impl<T> Merged<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Merged<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = d.deserialize_map(MergingVisitor)?;
        T::deserialize(Value::Object(map))
            .map(Merged)
            .map_err(de::Error::custom)
    }
}

struct MergingVisitor;

impl<'de> Visitor<'de> for MergingVisitor {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut map = Map::new();
        while let Some((key, value)) = access.next_entry::<String, Value>()? {
            match map.get_mut(&key) {
                None => {
                    map.insert(key, value);
                }
                Some(old) => merge(&key, old, value),
            }
        }
        Ok(map)
    }
}

fn merge(key: &str, old: &mut Value, new: Value) {
    let (Value::Array(a), Value::Array(b)) = (&mut *old, new) else {
        return;
    };
    if INTERSECT.contains(&key) {
        a.retain(|v| b.contains(v));
    } else {
        for v in b {
            if !a.contains(&v) {
                a.push(v);
            }
        }
    }
}

/// Decode a list of `T` whose items may repeat keys.
pub fn merged_list<T: DeserializeOwned>(items: Vec<Merged<T>>) -> Vec<T> {
    items.into_iter().map(Merged::into_inner).collect()
}

/// A list whose items may repeat keys.
pub type MergedList<T> = Vec<Merged<T>>;

/// An object field of a record as the API sent it. RabbitMQ spells "no object" as `null`, `[]`
/// (an empty Erlang proplist) or `"not_available"` (a busy node's memory breakdown): those are
/// [`Obj::Nothing`], as is a field left out. Any other value that is not an object
/// (`object_totals: [1]`, `message_stats: 5`) is no spelling RabbitMQ has: [`Obj::NotAnObject`],
/// which the sanity check names (`broker.api.value`) instead of reading it as empty. An object
/// that does not decode as `T` is still an error, for its record (see `model::Listing`).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Obj<T> {
    #[default]
    Nothing,
    Object(T),
    NotAnObject,
}

impl<T> Obj<T> {
    pub fn as_ref(&self) -> Option<&T> {
        match self {
            Obj::Object(t) => Some(t),
            Obj::Nothing | Obj::NotAnObject => None,
        }
    }

    pub fn as_mut(&mut self) -> Option<&mut T> {
        match self {
            Obj::Object(t) => Some(t),
            Obj::Nothing | Obj::NotAnObject => None,
        }
    }

    pub fn into_option(self) -> Option<T> {
        match self {
            Obj::Object(t) => Some(t),
            Obj::Nothing | Obj::NotAnObject => None,
        }
    }

    pub fn is_not_an_object(&self) -> bool {
        matches!(self, Obj::NotAnObject)
    }
}

impl<T> From<Option<T>> for Obj<T> {
    fn from(o: Option<T>) -> Self {
        o.map_or(Obj::Nothing, Obj::Object)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ObjVisitor(std::marker::PhantomData))
    }
}

struct ObjVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjVisitor<T> {
    type Value = Obj<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object, or [] for an empty one")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Obj::Object)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = 0usize;
        while seq.next_element::<de::IgnoredAny>()?.is_some() {
            items += 1;
        }
        Ok(if items == 0 {
            Obj::Nothing
        } else {
            Obj::NotAnObject
        })
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Obj::Nothing)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Obj::Nothing)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(if text == "not_available" {
            Obj::Nothing
        } else {
            Obj::NotAnObject
        })
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Obj::NotAnObject)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Obj::NotAnObject)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Obj::NotAnObject)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Obj::NotAnObject)
    }
}

/// A record whose object fields may arrive as something else ([`Obj::NotAnObject`]).
pub trait Shapes {
    /// The fields that did, by the name the API gives them (`message_stats.publish_details`).
    fn not_objects(&self) -> Vec<&'static str>;
}

/// The names of `fields` whose value was no object.
pub fn not_objects(fields: &[(&'static str, bool)]) -> Vec<&'static str> {
    fields
        .iter()
        .filter(|(_, wrong)| *wrong)
        .map(|(name, _)| *name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rabbitmq::records::Queue;
    use std::collections::BTreeMap;

    #[test]
    fn repeated_lists_are_united_or_intersected() {
        // As 3.10 answered two seconds after a mirror's node started again.
        let body = r#"[{"name":"mirrored","slave_nodes":[],"slave_nodes":["b@h"],
            "synchronised_slave_nodes":["b@h"],"synchronised_slave_nodes":[],
            "online":["a@h"],"online":["a@h","b@h"],"state":"running","state":"down"}]"#;
        let qs: MergedList<Queue> = serde_json::from_str(body).unwrap();
        let q = &merged_list(qs)[0];
        assert_eq!(q.slave_nodes(), &Some(vec!["b@h".to_string()]));
        assert_eq!(q.synchronised_slave_nodes(), &Some(vec![]));
        assert_eq!(
            q.online(),
            &Some(vec!["a@h".to_string(), "b@h".to_string()])
        );
        assert_eq!(q.state.as_deref(), Some("running"));
    }

    #[test]
    fn the_plain_derive_refuses_what_merging_accepts() {
        let body = r#"{"name":"q","online":["a"],"online":["a","b"]}"#;
        assert!(serde_json::from_str::<Queue>(body).is_err());
        assert!(serde_json::from_str::<Merged<Queue>>(body).is_ok());
    }

    #[test]
    fn rabbitmq_s_spellings_of_nothing_are_nothing_and_other_values_are_said() {
        #[derive(Debug, Default, Deserialize, PartialEq)]
        struct R {
            #[serde(default)]
            o: Obj<BTreeMap<String, f64>>,
        }
        let o = |body: &str| serde_json::from_str::<R>(body).unwrap().o;
        assert_eq!(
            o(r#"{"o": {"a": 1}}"#),
            Obj::Object(BTreeMap::from([("a".to_string(), 1.0)]))
        );
        for nothing in [
            r#"{}"#,
            r#"{"o": null}"#,
            r#"{"o": []}"#,
            r#"{"o": "not_available"}"#,
        ] {
            assert_eq!(o(nothing), Obj::Nothing, "{nothing}");
        }
        for wrong in ["[1]", "[{}]", "5", "-1.5", "true", r#""x""#] {
            let body = format!(r#"{{"o": {wrong}}}"#);
            assert_eq!(o(&body), Obj::NotAnObject, "{body}");
            assert!(o(&body).as_ref().is_none());
        }
        // An object that is not the one expected is still an error, for its record.
        assert!(serde_json::from_str::<R>(r#"{"o": {"a": "x"}}"#).is_err());
        assert_eq!(
            not_objects(&[("a", true), ("b", false), ("c", true)]),
            ["a", "c"]
        );
    }

    #[test]
    fn a_non_object_is_a_decode_error() {
        assert!(serde_json::from_str::<MergedList<Queue>>("[1]").is_err());
    }
}
