//! JSON documents: whole numbers written as integers, and the envelope fields doctor carries.
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
        if value.fract() == 0.0 && value.abs() <= EXACT {
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
    fn the_timestamp_is_rfc3339_utc() {
        let t = timestamp_now();
        assert!(
            t.len() == 20 && t.ends_with('Z') && t.as_bytes()[10] == b'T',
            "{t}"
        );
    }
}
