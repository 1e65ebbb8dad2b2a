//! Fields that engagements and conversation documents share, read
//! leniently: JSON lists that skip what is not an object (`List`), the
//! people on a call (`RawParticipant`), and what Chorus's own trackers
//! found (`RawTrackerHit`, with the words at each mention). In: the JSON
//! values; out: the model's `ParticipantRecord` and `TrackerHitRecord`.

use crate::model::calls::{MentionRecord, ParticipantRecord, TrackerHitRecord, MAX_MENTIONS_KEPT};
use crate::read::lenient::Scalar;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RawParticipant {
    name: Scalar,
    email: Scalar,
    #[serde(rename = "type")]
    kind: Scalar,
    title: Scalar,
    company_name: Scalar,
    person_id: Scalar,
    user_id: Scalar,
    is_my_team: Scalar,
}

impl RawParticipant {
    pub(crate) fn record(self) -> ParticipantRecord {
        ParticipantRecord {
            name: self.name.text(),
            email: self.email.text(),
            kind: self.kind.text(),
            title: self.title.text(),
            company: self.company_name.text(),
            person_id: self.person_id.text(),
            user_id: self.user_id.text(),
            is_my_team: self.is_my_team.flag(),
        }
    }
}

/// A JSON array of objects read as `T`; elements that are not objects are
/// skipped, and `null` or a scalar in place of the array reads as empty.
/// Each object is kept with its index in the array, for JSON pointers.
#[derive(Debug)]
pub(crate) struct List<T>(pub(crate) Vec<(usize, T)>);

impl<T> List<T> {
    pub(crate) fn items(self) -> impl Iterator<Item = T> {
        self.0.into_iter().map(|(_, item)| item)
    }
}

/// An object, or the same object saved as JSON text (connectors keep
/// nested objects as strings), or neither (absent, null, anything else).
#[derive(Debug, Default)]
pub(crate) enum Nested<T> {
    Object(T),
    Text(String),
    #[default]
    Absent,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nested<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NestedVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for NestedVisitor<T> {
            type Value = Nested<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object, or one as JSON text")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Nested<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Nested::Object)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Nested<T>, E> {
                Ok(Nested::Text(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Nested<T>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Nested::Absent)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Nested<T>, E> {
                Ok(Nested::Absent)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Nested<T>, E> {
                Ok(Nested::Absent)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Nested<T>, E> {
                Ok(Nested::Absent)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Nested<T>, E> {
                Ok(Nested::Absent)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Nested<T>, E> {
                Ok(Nested::Absent)
            }
        }
        deserializer.deserialize_any(NestedVisitor(PhantomData))
    }
}

/// An element of a `List`: an object, or nothing.
#[derive(Debug)]
pub(crate) struct ObjectOnly<T>(pub(crate) Option<T>);

impl<T> Default for ObjectOnly<T> {
    fn default() -> Self {
        ObjectOnly(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjectOnly<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = ObjectOnly<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ObjectOnly<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|t| ObjectOnly(Some(t)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ObjectOnly<T>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ObjectOnly(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<ObjectOnly<T>, E> {
                Ok(ObjectOnly(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<ObjectOnly<T>, E> {
                Ok(ObjectOnly(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<ObjectOnly<T>, E> {
                Ok(ObjectOnly(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<ObjectOnly<T>, E> {
                Ok(ObjectOnly(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<ObjectOnly<T>, E> {
                Ok(ObjectOnly(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<ObjectOnly<T>, E> {
                Ok(ObjectOnly(None))
            }
        }
        deserializer.deserialize_any(ObjectVisitor(PhantomData))
    }
}

impl<T> Default for List<T> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List<T>, A::Error> {
                let mut items = Vec::new();
                let mut index = 0;
                while let Some(ObjectOnly(item)) = seq.next_element::<ObjectOnly<T>>()? {
                    items.extend(item.map(|item| (index, item)));
                    index += 1;
                }
                Ok(List(items))
            }
            fn visit_unit<E: de::Error>(self) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
            fn visit_none<E: de::Error>(self) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<List<T>, D::Error> {
                List::deserialize(d)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
        }
        deserializer.deserialize_any(ListVisitor(PhantomData))
    }
}

pub(crate) fn full_name(name: &Scalar, first: &Scalar, last: &Scalar) -> Option<String> {
    name.text().or_else(|| {
        let parts: Vec<String> = [first.text(), last.text()].into_iter().flatten().collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    })
}

/// A tracker hit: an engagement's `tracker_matches[]` item (`name`,
/// `num_matches`, `type`) or a conversation's `recording.trackers[]` item
/// (`id`, `name`, `count`, `type`, `mentions[]`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RawTrackerHit {
    name: Scalar,
    tracker_name: Scalar,
    count: Scalar,
    num_matches: Scalar,
    #[serde(rename = "type")]
    kind: Scalar,
    mentions: List<RawMention>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawMention {
    utterance: Scalar,
    utterance_index: Scalar,
    offset: Scalar,
}

/// A whole number of at least zero, from a number or numeric text.
pub(crate) fn whole(value: &Scalar) -> Option<u64> {
    value
        .number()
        .filter(|n| *n >= 0.0 && *n < 1e15)
        .map(|n| n as u64)
}

/// How much of an utterance's text a mention keeps: a few words.
const MENTION_TEXT_CHARS: usize = 48;

/// The text of `utterances` (index and text, in array order) at a mention:
/// the utterance whose `index` is the mention's, else the one at that
/// position; from the offset (in characters) on, cut after the last whole
/// word within `MENTION_TEXT_CHARS`. An offset past the end reads from the
/// utterance's start.
fn mention_text(
    utterances: &[(Option<f64>, Cow<'_, str>)],
    utterance: u64,
    offset: Option<u64>,
) -> Option<String> {
    let text = utterances
        .iter()
        .find(|(index, _)| *index == Some(utterance as f64))
        .or_else(|| {
            utterances
                .iter()
                .all(|(index, _)| index.is_none())
                .then(|| utterances.get(utterance as usize))
                .flatten()
        })
        .map(|(_, text)| text.trim())?;
    let offset = offset.unwrap_or(0) as usize;
    let rest: &str = match text.char_indices().nth(offset) {
        Some((at, _)) => &text[at..],
        None => text,
    };
    let rest = rest.trim_start();
    let cut = if rest.chars().count() <= MENTION_TEXT_CHARS {
        rest
    } else {
        let end = rest
            .char_indices()
            .nth(MENTION_TEXT_CHARS)
            .map_or(rest.len(), |(at, _)| at);
        match rest[..end].rfind(char::is_whitespace) {
            Some(space) if space > 0 => &rest[..space],
            _ => &rest[..end],
        }
    };
    let cut = cut.trim_end();
    (!cut.is_empty()).then(|| cut.to_string())
}

impl RawTrackerHit {
    /// The hit as the model keeps it; `utterances` resolve mention texts
    /// (empty for engagements). A hit without a name is not kept.
    pub(crate) fn record(
        self,
        utterances: &[(Option<f64>, Cow<'_, str>)],
    ) -> Option<TrackerHitRecord> {
        let name = self.name.text().or_else(|| self.tracker_name.text())?;
        let all = self.mentions.0.len() as u64;
        let mentions: Vec<MentionRecord> = self
            .mentions
            .items()
            .take(MAX_MENTIONS_KEPT)
            .map(|m| {
                let utterance = whole(&m.utterance).or_else(|| whole(&m.utterance_index));
                let offset = whole(&m.offset);
                MentionRecord {
                    utterance,
                    offset,
                    text: utterance.and_then(|u| mention_text(utterances, u, offset)),
                }
            })
            .collect();
        let count = whole(&self.count)
            .or_else(|| whole(&self.num_matches))
            .unwrap_or(all);
        Some(TrackerHitRecord {
            name,
            kind: self.kind.text().map(|k| k.to_ascii_lowercase()),
            count,
            mentions,
        })
    }
}
