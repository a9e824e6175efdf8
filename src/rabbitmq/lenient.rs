//! Decoding list items whose JSON objects repeat a key. RabbitMQ 3.10 sends a queue's `online`
//! or `slave_nodes` twice for several seconds after a cluster member stops or starts (once from
//! the queue record, once from the last statistics), and serde's derive refuses a duplicate
//! field, which would lose the whole queue listing at the moment a cluster is in trouble.

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rabbitmq::records::Queue;

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
    fn a_non_object_is_a_decode_error() {
        assert!(serde_json::from_str::<MergedList<Queue>>("[1]").is_err());
    }
}
