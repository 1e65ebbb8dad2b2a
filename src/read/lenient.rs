//! Lenient leaf values for Chorus JSON: whatever a field holds in, one typed
//! reading out. Ids as numbers or strings, flags as bools or strings, times
//! as epoch seconds, epoch milliseconds or ISO 8601, numbers as numbers or
//! numeric strings. A value of the wrong shape reads as absent, never as an
//! error, so one odd field does not lose a whole page.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Any JSON value, kept only when it is a scalar.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Scalar {
    #[default]
    Missing,
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Text(String),
    /// An object or array where a scalar was expected.
    Structured,
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl<'de> Visitor<'de> for ScalarVisitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Number(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::Number(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(serde_json::Number::from_f64(v)
                    .map(Scalar::Number)
                    .unwrap_or(Scalar::Null))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::Text(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
                Scalar::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Structured)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Structured)
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

impl Scalar {
    /// Trimmed non-empty text; numbers as their decimal text.
    pub fn text(&self) -> Option<String> {
        match self {
            Scalar::Text(t) => {
                let t = t.trim();
                (!t.is_empty()).then(|| t.to_string())
            }
            Scalar::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// A number, or a string holding one.
    pub fn number(&self) -> Option<f64> {
        match self {
            Scalar::Number(n) => n.as_f64(),
            Scalar::Text(t) => t.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
            _ => None,
        }
    }

    /// `true`/`false`, `"true"`/`"false"`, `"yes"`/`"no"`, `1`/`0`.
    pub fn flag(&self) -> Option<bool> {
        match self {
            Scalar::Bool(b) => Some(*b),
            Scalar::Number(n) => match n.as_f64() {
                Some(0.0) => Some(false),
                Some(1.0) => Some(true),
                _ => None,
            },
            Scalar::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "y" | "1" => Some(true),
                "false" | "no" | "n" | "0" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// A point in time: epoch seconds (numbers below 10^11), epoch
    /// milliseconds (larger numbers), or ISO 8601 text (with an offset, or
    /// without one meaning UTC; a bare date means midnight UTC).
    pub fn time(&self) -> Option<DateTime<Utc>> {
        match self {
            Scalar::Number(_) => self.number().and_then(epoch),
            Scalar::Text(t) => {
                let t = t.trim();
                if let Ok(n) = t.parse::<f64>() {
                    return epoch(n);
                }
                parse_iso(t)
            }
            _ => None,
        }
    }
}

fn epoch(value: f64) -> Option<DateTime<Utc>> {
    if !value.is_finite() || value < 0.0 {
        return None;
    }
    let millis = if value >= 1e11 { value } else { value * 1000.0 };
    if millis > 1e15 {
        return None;
    }
    Utc.timestamp_millis_opt(millis.round() as i64).single()
}

fn parse_iso(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%.f%:z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(text, format) {
            return Some(t.with_timezone(&Utc));
        }
    }
    let naive = text.trim_end_matches('Z');
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(naive, format) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(json: &str) -> Scalar {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn ids_flags_numbers_and_times_read_leniently() {
        assert_eq!(scalar("12345").text().as_deref(), Some("12345"));
        assert_eq!(scalar("\" abc \"").text().as_deref(), Some("abc"));
        assert_eq!(scalar("\"\"").text(), None);
        assert_eq!(scalar("{\"a\":1}"), Scalar::Structured);
        assert_eq!(scalar("\"false\"").flag(), Some(false));
        assert_eq!(scalar("true").flag(), Some(true));
        assert_eq!(scalar("\"12.5\"").number(), Some(12.5));
        let expected = Utc.with_ymd_and_hms(2026, 5, 1, 9, 30, 0).unwrap();
        assert_eq!(scalar("1777627800").time(), Some(expected));
        assert_eq!(scalar("1777627800.0").time(), Some(expected));
        assert_eq!(scalar("1777627800000").time(), Some(expected));
        assert_eq!(scalar("\"1777627800\"").time(), Some(expected));
        assert_eq!(scalar("\"2026-05-01T09:30:00Z\"").time(), Some(expected));
        assert_eq!(
            scalar("\"2026-05-01T11:30:00+02:00\"").time(),
            Some(expected)
        );
        assert_eq!(scalar("\"2026-05-01T09:30:00.000\"").time(), Some(expected));
        assert_eq!(scalar("\"2026-05-01 09:30:00\"").time(), Some(expected));
        assert_eq!(scalar("\"yesterday\"").time(), None);
        assert_eq!(scalar("null").time(), None);
    }
}
