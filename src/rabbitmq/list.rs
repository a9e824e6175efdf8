//! Decoding a JSON array item by item: the bytes of each item are found with a small scanner
//! (strings, escapes and nesting) and decoded from a slice, which serde_json does several times
//! faster than from a reader (a reader is read a byte at a time, with line and column kept for
//! every byte). One item's bytes are held at a time, never the body.

use std::io::BufRead;

use serde::de::DeserializeOwned;

use super::records::Listing;

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The items of the JSON array `r` holds. A body that is not an array is decoded as one by
/// serde_json, for its own message ("invalid type: map, expected a sequence").
pub fn decode_list<E: DeserializeOwned>(r: impl BufRead) -> Result<Vec<E>, String> {
    let listing = decode_list_by(r, |t| serde_json::from_str(t))?;
    match listing.skipped {
        0 => Ok(listing.items),
        n => Err(format!("{n} item(s) of the list are not the JSON expected")),
    }
}

/// How one item's text is decoded.
pub type ItemDecoder<E> = fn(&str) -> Result<E, serde_json::Error>;

/// The items of the JSON array `r` holds, each decoded by `decode`. An item that does not
/// decode is left out and counted (one odd record never fails a whole listing); a body that is
/// not a JSON array at all is an error, and so is one whose every item was left out: nothing
/// was read (`[[[...]]]` nested past serde_json's depth limit is one such item).
pub fn decode_list_by<E: DeserializeOwned>(
    mut r: impl BufRead,
    decode: ItemDecoder<E>,
) -> Result<Listing<E>, String> {
    let whole = |r: &mut dyn std::io::Read| {
        serde_json::from_reader::<_, Vec<E>>(r)
            .map(|items| Listing { items, skipped: 0 })
            .map_err(|e| e.to_string())
    };
    if !opens_array(&mut r)? {
        return whole(&mut r);
    }
    let mut items = Vec::new();
    let mut skipped = 0;
    let mut item: Vec<u8> = Vec::new();
    let string_end = StringEnd::new();
    let (mut depth, mut in_string, mut escaped) = (0u32, false, false);
    'body: loop {
        let buf = r.fill_buf().map_err(|e| e.to_string())?;
        if buf.is_empty() {
            return Err(format!(
                "EOF while parsing a list (after {} items)",
                items.len()
            ));
        }
        let mut start = 0;
        let mut i = 0;
        while i < buf.len() {
            if escaped {
                escaped = false;
                i += 1;
                continue;
            }
            if in_string {
                // Most bytes are inside strings: jump to the next quote or backslash.
                match string_end.find(&buf[i..]) {
                    None => i = buf.len(),
                    Some(at) if buf[i + at] == b'"' => {
                        in_string = false;
                        i += at + 1;
                    }
                    Some(at) => {
                        escaped = true;
                        i += at + 1;
                    }
                }
                continue;
            }
            let b = buf[i];
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth > 0 => depth -= 1,
                b',' | b']' if depth == 0 => {
                    item.extend_from_slice(&buf[start..i]);
                    start = i + 1;
                    let closes = b == b']';
                    finish(&mut item, &mut items, &mut skipped, closes, decode)?;
                    if closes {
                        r.consume(i + 1);
                        break 'body;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        item.extend_from_slice(&buf[start..]);
        let n = buf.len();
        r.consume(n);
    }
    rest_is_space(&mut r)?;
    if items.is_empty() && skipped > 0 {
        return Err(format!(
            "none of the {skipped} item(s) of the list is the JSON expected"
        ));
    }
    items.shrink_to_fit();
    Ok(Listing { items, skipped })
}

/// The search for the end of a string's run of plain bytes (a quote or a backslash), made once
/// for a listing: `memchr2` picks its implementation on every call, and with two or three dozen
/// short strings in each queue record that choice was 2 % of a doctor run at 10 000 queues.
struct StringEnd {
    #[cfg(target_arch = "x86_64")]
    sse2: Option<memchr::arch::x86_64::sse2::memchr::Two>,
}

impl StringEnd {
    fn new() -> Self {
        StringEnd {
            #[cfg(target_arch = "x86_64")]
            sse2: memchr::arch::x86_64::sse2::memchr::Two::new(b'"', b'\\'),
        }
    }

    #[inline]
    fn find(&self, haystack: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some(two) = &self.sse2 {
            return two.find(haystack);
        }
        memchr::memchr2(b'"', b'\\', haystack)
    }
}

/// Skip the whitespace before the body; true (and the `[` read) when it opens an array, else
/// the first other byte is left unread.
fn opens_array(r: &mut impl BufRead) -> Result<bool, String> {
    loop {
        let buf = r.fill_buf().map_err(|e| e.to_string())?;
        let Some(at) = buf.iter().position(|b| !is_space(*b)) else {
            if buf.is_empty() {
                return Ok(false);
            }
            let n = buf.len();
            r.consume(n);
            continue;
        };
        let opens = buf[at] == b'[';
        r.consume(at + usize::from(opens));
        return Ok(opens);
    }
}

/// Only whitespace may follow the array.
fn rest_is_space(r: &mut impl BufRead) -> Result<(), String> {
    loop {
        let buf = r.fill_buf().map_err(|e| e.to_string())?;
        if buf.is_empty() {
            return Ok(());
        }
        if !buf.iter().all(|b| is_space(*b)) {
            return Err("trailing characters after the list".into());
        }
        let n = buf.len();
        r.consume(n);
    }
}

/// Decode one item's bytes (and clear them for the next). Only the `]` of an empty array may
/// come without an item before it.
fn finish<E: DeserializeOwned>(
    item: &mut Vec<u8>,
    items: &mut Vec<E>,
    skipped: &mut usize,
    closes: bool,
    decode: ItemDecoder<E>,
) -> Result<(), String> {
    if item.iter().all(|b| is_space(*b)) {
        return if closes && items.is_empty() && *skipped == 0 {
            Ok(())
        } else {
            Err(format!(
                "expected a value as item {} of the list",
                items.len() + 1
            ))
        };
    }
    // One UTF-8 check for the item, rather than one per string inside it.
    match std::str::from_utf8(item).ok().map(decode) {
        Some(Ok(value)) => push(items, value),
        Some(Err(_)) | None => *skipped += 1,
    }
    item.clear();
    Ok(())
}

/// Push, growing a long list by an eighth rather than doubling it: 100 000 queues of a few
/// hundred bytes each are tens of MB, and doubling leaves up to half of the last block unused
/// (realloc of a block that size moves pages, it does not copy them).
fn push<E>(items: &mut Vec<E>, value: E) {
    if items.len() == items.capacity() && items.len() >= 4096 {
        items.reserve_exact(items.len() / 8);
    }
    items.push(value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    fn list(text: &str, buffer: usize) -> Result<Vec<serde_json::Value>, String> {
        decode_list(BufReader::with_capacity(buffer, text.as_bytes()))
    }

    #[test]
    fn a_long_list_grows_by_an_eighth_and_ends_tight() {
        let text = format!("[{}]", vec!["[1,2]"; 100_000].join(","));
        let l =
            decode_list_by::<Vec<u8>>(BufReader::new(text.as_bytes()), |t| serde_json::from_str(t))
                .unwrap();
        assert_eq!(l.items.len(), 100_000);
        assert!(
            l.items.capacity() < 100_000 + 100_000 / 8,
            "{}",
            l.items.capacity()
        );
        let mut v: Vec<u32> = Vec::new();
        for i in 0..50_000 {
            push(&mut v, i);
            assert!(
                v.capacity() <= (v.len() + v.len() / 8).max(8192),
                "{}",
                v.capacity()
            );
        }
    }

    #[test]
    fn items_across_any_buffer_boundary_decode_as_the_whole_array() {
        let text =
            r#" [ {"name":"a,]}\"[{","n":[1,2,{"x":"]"}]} , {"name":"b\\"}, 3 ,"s",[],{}]  "#;
        let whole: Vec<serde_json::Value> = serde_json::from_str(text).unwrap();
        for buffer in [1, 2, 3, 7, 64, 4096] {
            assert_eq!(list(text, buffer).unwrap(), whole, "buffer {buffer}");
        }
        assert_eq!(list("[]", 1).unwrap(), Vec::<serde_json::Value>::new());
        assert!(list(" \n[ \n] \n", 1).unwrap().is_empty());
    }

    #[test]
    fn bad_bodies_are_errors_that_say_so() {
        assert_eq!(
            list(r#"[{"name":"rabbit@a","mem_u"#, 8).unwrap_err(),
            "EOF while parsing a list (after 0 items)"
        );
        assert!(
            list(r#"{"items": []}"#, 8)
                .unwrap_err()
                .starts_with("invalid type: map, expected a sequence"),
        );
        assert!(
            list("", 8)
                .unwrap_err()
                .starts_with("EOF while parsing a value")
        );
        assert_eq!(
            list("[1,]", 8).unwrap_err(),
            "expected a value as item 2 of the list"
        );
        assert_eq!(
            list("[,1]", 8).unwrap_err(),
            "expected a value as item 1 of the list"
        );
        assert_eq!(
            list("[1] x", 8).unwrap_err(),
            "trailing characters after the list"
        );
        let typed = decode_list::<u8>(BufReader::new(&b"[1,\"x\"]"[..])).unwrap_err();
        assert_eq!(typed, "1 item(s) of the list are not the JSON expected");
        // A listing skips and counts the odd item instead.
        let l = decode_list_by::<u8>(BufReader::new(&b"[1,\"x\",3]"[..]), |t| {
            serde_json::from_str(t)
        })
        .unwrap();
        assert_eq!((l.items, l.skipped), (vec![1, 3], 1));
        // Every item left out: nothing was read.
        let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
        let l = decode_list_by::<Vec<serde_json::Value>>(BufReader::new(deep.as_bytes()), |t| {
            serde_json::from_str(t)
        });
        assert_eq!(
            l.unwrap_err(),
            "none of the 1 item(s) of the list is the JSON expected"
        );
        let typed = decode_list::<u8>(BufReader::new(&b"[\"x\"]"[..])).unwrap_err();
        assert_eq!(
            typed,
            "none of the 1 item(s) of the list is the JSON expected"
        );
    }
}
