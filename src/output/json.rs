//! JSON documents: whole numbers written as integers, and the envelope every document carries.
//!
//! The models keep `f64` (the management API and Redis send counts and rates alike as JSON
//! numbers, and may send 1e20), so the one writer of JSON turns every finite whole number that
//! an `i64`/`u64` holds exactly into an integer as it writes it: `"ready": 2500`, never
//! `2500.0`. Fractions (rates, ratios) stay floats. It does so in the formatter, so a document
//! streamed row by row (`queues` on 100 000 queues) is converted without being built in memory.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

/// Version of the JSON documents' shape; bumped when a key changes meaning or disappears
/// (adding keys does not bump it). The schemas under `schemas/` state it.
pub const SCHEMA_VERSION: u32 = 1;

/// Largest magnitude up to which every whole f64 is exact, so writing it as an integer loses
/// nothing.
const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53

/// serde_json's pretty formatter, with whole floats written as integers.
pub struct Integers(PrettyFormatter<'static>);

impl Default for Integers {
    fn default() -> Self {
        Integers(PrettyFormatter::new())
    }
}

impl Formatter for Integers {
    fn write_f64<W: ?Sized + Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        // Whole when a cast drops nothing (cheaper than `fract`, a library call here).
        if value.abs() <= EXACT && (value as i64) as f64 == value {
            // -0.0 is written as 0.
            return write!(w, "{}", value as i64);
        }
        self.0.write_f64(w, value)
    }
    fn write_f32<W: ?Sized + Write>(&mut self, w: &mut W, value: f32) -> io::Result<()> {
        self.write_f64(w, f64::from(value))
    }
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Write `value` as pretty JSON with whole numbers as integers.
pub fn write<W: Write, T: Serialize + ?Sized>(w: W, value: &T) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(w, Integers::default());
    value.serialize(&mut ser)
}

/// A whole `--format json` document: the keys every command's document starts with (which
/// celtool wrote it, in which shape, when), then the command's own keys. One envelope for every
/// command, so a script reads the version the same way everywhere, and a listing is an object
/// that can grow keys beside its rows (a bare array could not).
///
/// `body` must serialise as an object (a struct or a map): a list goes under its name with
/// [`Named`]. A bare sequence is an error when written, never a malformed document.
#[derive(Serialize)]
pub struct Document<T> {
    celtool_version: &'static str,
    schema_version: u32,
    generated_at: String,
    #[serde(flatten)]
    body: T,
}

impl<T: Serialize> Document<T> {
    /// `body` under the envelope, stamped now.
    pub fn new(body: T) -> Self {
        Document {
            celtool_version: env!("CARGO_PKG_VERSION"),
            schema_version: SCHEMA_VERSION,
            generated_at: timestamp_now(),
            body,
        }
    }
}

/// A list under its name, as a document's body: `Named("queues", rows)` is `{"queues": [...]}`.
pub struct Named<T>(pub &'static str, pub T);

impl<T: Serialize> Serialize for Named<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry(self.0, &self.1)?;
        map.end()
    }
}

/// Now as RFC 3339 in UTC, to the second: `2026-12-01T21:30:00Z`.
pub fn timestamp_now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(v: &serde_json::Value) -> String {
        let mut out = Vec::new();
        write(&mut out, v).unwrap();
        String::from_utf8(out).unwrap().split_whitespace().collect()
    }

    #[test]
    fn whole_floats_become_integers_and_fractions_stay() {
        let v = json!({
            "ready": 2500.0, "consumers": 0.0, "neg": -3.0, "rate": 0.5, "zero": -0.0,
            "big": 1e20, "nested": [35.0, {"x": 1.25}], "int": 7, "s": "2.0"
        });
        assert_eq!(
            text(&v),
            r#"{"big":1e+20,"consumers":0,"int":7,"neg":-3,"nested":[35,{"x":1.25}],"rate":0.5,"ready":2500,"s":"2.0","zero":0}"#
        );
    }

    #[test]
    fn the_layout_is_serde_jsons_pretty_one() {
        let v = json!({"a": [1.0, 2.5], "b": {}});
        let mut out = Vec::new();
        write(&mut out, &v).unwrap();
        let ints = serde_json::to_string_pretty(&json!({"a": [1, 2.5], "b": {}})).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), ints);
    }

    #[test]
    fn a_document_is_the_envelope_then_the_body() {
        #[derive(Serialize)]
        struct Body {
            answered: f64,
        }
        let mut out = Vec::new();
        write(
            &mut out,
            &Document::new(Named("queues", [json!({"ready": 3.0})])),
        )
        .unwrap();
        let written = String::from_utf8(out).unwrap();
        let at = |key: &str| written.find(&format!("\"{key}\":")).unwrap();
        assert!(
            at("celtool_version") < at("schema_version")
                && at("schema_version") < at("generated_at")
                && at("generated_at") < at("queues"),
            "{written}"
        );
        let v: serde_json::Value = serde_json::from_str(&written).unwrap();
        assert_eq!(v.as_object().unwrap().len(), 4, "{v}");
        assert_eq!(v["celtool_version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(v["schema_version"], SCHEMA_VERSION);
        assert_eq!(v["queues"], json!([{"ready": 3}]));
        assert!(written.contains("\"ready\": 3\n"), "{written}");
        let mut out = Vec::new();
        write(&mut out, &Document::new(Body { answered: 2.0 })).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("\"generated_at\": \""), "{text}");
        assert!(text.ends_with("\"answered\": 2\n}"), "{text}");
    }

    #[test]
    fn a_bare_list_is_no_document() {
        let e = write(&mut Vec::new(), &Document::new([1, 2])).unwrap_err();
        assert!(e.to_string().contains("flatten"), "{e}");
    }

    #[test]
    fn the_timestamp_is_rfc3339_utc() {
        let t = timestamp_now();
        assert!(
            t.len() == 20 && t.ends_with('Z') && t.as_bytes()[10] == b'T',
            "{t}"
        );
    }
}
