//! One value inside a JSON document, found by its JSON pointer (RFC 6901)
//! without building the document: the bytes and a pointer in, the value at
//! the pointer deserialised as `T` out. Everything beside the path is
//! skipped as it is parsed. The second pass uses it to read one call's
//! conversation out of a file that holds several (a JSON:API collection, a
//! page of merged engagement records) exactly where the first pass found it.

use crate::read::json_lines::{json_values, more_values_follow};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::marker::PhantomData;

/// The tokens of a JSON pointer: `""` is the whole document, `"/a/0"` is
/// key `a`, then element 0. `~1` reads as `/` and `~0` as `~`.
fn tokens(pointer: &str) -> Result<Vec<String>, String> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(format!("\"{pointer}\" is not a JSON pointer"));
    };
    Ok(rest
        .split('/')
        .map(|token| token.replace("~1", "/").replace("~0", "~"))
        .collect())
}

/// The value at `pointer` in the JSON document `bytes`, read as `T`; an
/// error when the document is not JSON or nothing is at the pointer.
/// A file of several values (JSON Lines) reads as the array of its values
/// (`read::json_lines`): `/3/a` is key `a` of its fourth value.
pub fn read_at<'de, T: Deserialize<'de>>(bytes: &'de [u8], pointer: &str) -> Result<T, String> {
    let tokens = tokens(pointer)?;
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let found = Seek {
        tokens: &tokens,
        found: PhantomData,
    }
    .deserialize(&mut deserializer)
    .map_err(|e| format!("not readable JSON: {e}"))?;
    match deserializer.end() {
        Ok(()) => found.ok_or_else(|| format!("nothing at {pointer} in the document")),
        Err(e) if more_values_follow(&e) => {
            drop(found);
            let within = pointer.strip_prefix('/').unwrap_or_default();
            let (index, rest) = match within.split_once('/') {
                Some((index, rest)) => (index, format!("/{rest}")),
                None => (within, String::new()),
            };
            let value = index
                .parse::<usize>()
                .ok()
                .and_then(|index| json_values(bytes).into_iter().nth(index))
                .ok_or_else(|| format!("nothing at {pointer} in the document"))?;
            read_at(value.bytes?, &rest)
        }
        Err(e) => Err(format!("not readable JSON: {e}")),
    }
}

/// Walks `tokens` down the document; `Some` once the last one is reached.
struct Seek<'t, T> {
    tokens: &'t [String],
    found: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Seek<'_, T> {
    type Value = Option<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        if self.tokens.is_empty() {
            return T::deserialize(deserializer).map(Some);
        }
        deserializer.deserialize_any(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Seek<'_, T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object or an array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<T>, A::Error> {
        let (token, rest) = (&self.tokens[0], &self.tokens[1..]);
        let mut found = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if found.is_none() && key == token.as_str() {
                found = map.next_value_seed(Seek {
                    tokens: rest,
                    found: PhantomData,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<T>, A::Error> {
        let (token, rest) = (&self.tokens[0], &self.tokens[1..]);
        let wanted = token.parse::<usize>().ok();
        let mut found = None;
        let mut index = 0;
        loop {
            let element = if Some(index) == wanted {
                seq.next_element_seed(Seek {
                    tokens: rest,
                    found: PhantomData,
                })?
                .map(|value| found = value)
            } else {
                seq.next_element::<IgnoredAny>()?.map(|_| ())
            };
            if element.is_none() {
                return Ok(found);
            }
            index += 1;
        }
    }

    // A scalar where the path goes on: nothing is there.
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_found_by_pointer() {
        let doc = br#"{"a": {"b": [1, {"c": "here"}, 3]}, "d/e": 4, "f~g": 5, "z": "after"}"#;
        assert_eq!(read_at::<String>(doc, "/a/b/1/c"), Ok("here".to_string()));
        assert_eq!(read_at::<u32>(doc, "/d~1e"), Ok(4));
        assert_eq!(read_at::<u32>(doc, "/f~0g"), Ok(5));
        assert_eq!(
            read_at::<Vec<serde_json::Value>>(doc, "/a/b")
                .unwrap()
                .len(),
            3
        );
        assert_eq!(
            read_at::<serde_json::Value>(doc, "").unwrap()["z"],
            serde_json::json!("after")
        );
        assert_eq!(
            read_at::<u32>(doc, "/a/b/7"),
            Err("nothing at /a/b/7 in the document".to_string())
        );
        assert_eq!(
            read_at::<u32>(doc, "/a/b/0/x"),
            Err("nothing at /a/b/0/x in the document".to_string())
        );
        assert_eq!(
            read_at::<u32>(doc, "a"),
            Err("\"a\" is not a JSON pointer".to_string())
        );
        let error = read_at::<u32>(br#"{"a": [1, 2"#, "/a/0").unwrap_err();
        assert!(error.starts_with("not readable JSON: "), "{error}");
    }

    #[test]
    fn values_of_json_lines_are_found_by_their_number() {
        let lines = b"{\"a\": 1}\n{\"a\": [10, 20]}\n\n{\"b\": \"x\"}\n";
        assert_eq!(read_at::<u32>(lines, "/1/a/1"), Ok(20));
        assert_eq!(read_at::<String>(lines, "/2/b"), Ok("x".to_string()));
        assert_eq!(
            read_at::<serde_json::Value>(lines, "/0"),
            Ok(serde_json::json!({"a": 1}))
        );
        for missing in ["/3", "/x/a", ""] {
            assert_eq!(
                read_at::<serde_json::Value>(lines, missing),
                Err(format!("nothing at {missing} in the document"))
            );
        }
    }

    #[test]
    fn a_key_given_twice_is_read_where_it_first_stands() {
        assert_eq!(read_at::<u32>(br#"{"a": 1, "a": 2}"#, "/a"), Ok(1));
    }
}
