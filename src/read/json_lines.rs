//! Files of several JSON values: JSON Lines (a value a line, as connectors
//! and data pipelines write records) or documents written one after
//! another. In: the file's bytes. Out: each value's bytes with its line,
//! numbered 0, 1, 2, ... so that such a file reads as the array of its
//! values: `/3/_conversation` is the `_conversation` of its fourth value.
//! Both passes number the values here, so a pointer the first pass gives a
//! record finds it again on the second.
//!
//! A file whose first non-blank line is a whole JSON value is read a line
//! at a time (a broken line is that value alone, its error kept, and the
//! next line is read on); any other is read as values one after another,
//! up to the first that does not parse.

use serde::de::IgnoredAny;
use serde::Deserialize;

/// One value of a file of several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonValue<'a> {
    /// Its bytes, or why they are not a JSON value.
    pub bytes: Result<&'a [u8], String>,
    /// The line it starts on, from 1.
    pub line: u64,
}

/// True when `error` says a whole value was read and more bytes follow it.
pub fn more_values_follow(error: &serde_json::Error) -> bool {
    error.classify() == serde_json::error::Category::Syntax
        && error.to_string().starts_with("trailing characters")
}

fn is_one_value(bytes: &[u8]) -> bool {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    IgnoredAny::deserialize(&mut deserializer).is_ok() && deserializer.end().is_ok()
}

/// The values of `bytes`, in order.
pub fn json_values(bytes: &[u8]) -> Vec<JsonValue<'_>> {
    let mut lines = bytes
        .split(|b| *b == b'\n')
        .enumerate()
        .map(|(n, line)| (n as u64 + 1, line))
        .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace));
    let line_mode = lines.next().is_some_and(|(_, first)| is_one_value(first));
    if line_mode {
        return bytes
            .split(|b| *b == b'\n')
            .enumerate()
            .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
            .map(|(n, line)| {
                let mut deserializer = serde_json::Deserializer::from_slice(line);
                let checked = IgnoredAny::deserialize(&mut deserializer)
                    .and_then(|_| deserializer.end())
                    .map(|()| line)
                    .map_err(|e| format!("not readable JSON: {e}"));
                JsonValue {
                    bytes: checked,
                    line: n as u64 + 1,
                }
            })
            .collect();
    }
    let line_at =
        |offset: usize| 1 + bytes[..offset].iter().filter(|b| **b == b'\n').count() as u64;
    let mut values = Vec::new();
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<IgnoredAny>();
    let mut start = 0;
    loop {
        // The next value starts after the white space that follows the last.
        let skipped = bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        match stream.next() {
            None => return values,
            Some(Ok(_)) => {
                let end = stream.byte_offset();
                values.push(JsonValue {
                    bytes: Ok(&bytes[start + skipped..end]),
                    line: line_at(start + skipped),
                });
                start = end;
            }
            Some(Err(e)) => {
                values.push(JsonValue {
                    bytes: Err(format!("not readable JSON: {e}")),
                    line: line_at(start + skipped),
                });
                return values;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> Vec<(Result<String, String>, u64)> {
        json_values(bytes)
            .into_iter()
            .map(|v| {
                (
                    v.bytes.map(|b| String::from_utf8_lossy(b).into_owned()),
                    v.line,
                )
            })
            .collect()
    }

    #[test]
    fn json_lines_a_value_a_line_a_broken_one_kept_in_its_place() {
        assert_eq!(
            read(b"{\"a\": 1}\n\n{\"b\": [1,\n{\"c\": 3}\r\n"),
            [
                (Ok("{\"a\": 1}".to_string()), 1),
                (
                    Err(
                        "not readable JSON: EOF while parsing a value at line 1 column 9"
                            .to_string()
                    ),
                    3
                ),
                (Ok("{\"c\": 3}\r".to_string()), 4),
            ]
        );
    }

    #[test]
    fn documents_one_after_another() {
        assert_eq!(
            read(b"{\n  \"a\": 1\n}\n{\n  \"b\": 2\n} [3] x"),
            [
                (Ok("{\n  \"a\": 1\n}".to_string()), 1),
                (Ok("{\n  \"b\": 2\n}".to_string()), 4),
                (Ok("[3]".to_string()), 6),
                (
                    Err("not readable JSON: expected value at line 6 column 7".to_string()),
                    6
                ),
            ]
        );
        let error = serde_json::from_slice::<IgnoredAny>(b"{} {}").unwrap_err();
        assert!(more_values_follow(&error));
        let error = serde_json::from_slice::<IgnoredAny>(b"{").unwrap_err();
        assert!(!more_values_follow(&error));
    }
}
