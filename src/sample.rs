//! The sample archive: a seed and a number of calls in, a Chorus archive zip
//! out, shaped like a real download (v3 engagement pages of 100 with
//! continuation keys, v1 conversation documents with 15-90 minute
//! transcripts, a users list, and a share of no-shows, dialer calls, short
//! calls and private recordings; optionally tiny media files). The same seed
//! and count always give the same bytes. For the page's "try it with a sample
//! archive" and for the benchmarks.
//!
//! Chorus's own tracker hits come with it (`SAMPLE_TRACKERS`, counted on the
//! transcripts: `recording.trackers[]` with mentions, and
//! `tracker_matches[]` on the engagements; a few calls have neither), and
//! `sample_trackers_csv` is the tracker export a customer would bring for
//! them, with a few deliberate differences, so the replay of the triggers
//! against Chorus's hits can be tried and measured: Pricing's export lacks
//! "per seat", Competitor's adds "salesloft" (which Chorus did not track),
//! and "Trial / POC" is not exported.

use serde_json::{json, Value};
use std::io::{Seek, Write};

/// Deterministic pseudo-random numbers (SplitMix64).
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A whole number in `low..=high`.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleOptions {
    pub calls: usize,
    pub seed: u64,
    /// Add a tiny (a few hundred bytes) media file per recorded call.
    pub media: bool,
    /// With `media`, make each media file this many bytes (a real
    /// recording's size, for measuring the copy of recordings): the tiny
    /// file's header, then pseudo-random bytes, which do not compress.
    pub media_bytes: Option<u64>,
}

/// What the sample holds, for messages and benchmarks.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SampleSummary {
    pub calls: usize,
    pub pages: usize,
    pub conversations: usize,
    pub json_bytes: u64,
    pub media_files: usize,
}

const FIRST: [&str; 12] = [
    "Alex", "Sam", "Jordan", "Robin", "Kim", "Noa", "Charlie", "Jamie", "Taylor", "Morgan",
    "Riley", "Quinn",
];
const LAST: [&str; 10] = [
    "Lee", "Berg", "Novak", "Silva", "Ito", "Khan", "Moreau", "Weber", "Rossi", "Park",
];
const COMPANIES: [&str; 8] = [
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella Labs",
    "Stark Tools",
    "Wayne Freight",
    "Hooli",
    "Vandelay Imports",
];
const WORDS: [&str; 48] = [
    "we",
    "could",
    "look",
    "at",
    "pricing",
    "for",
    "the",
    "next",
    "quarter",
    "and",
    "your",
    "team",
    "budget",
    "is",
    "approved",
    "security",
    "review",
    "timeline",
    "integration",
    "with",
    "our",
    "platform",
    "seats",
    "renewal",
    "contract",
    "legal",
    "send",
    "over",
    "proposal",
    "demo",
    "follow",
    "up",
    "call",
    "decision",
    "maker",
    "pilot",
    "trial",
    "success",
    "onboarding",
    "support",
    "data",
    "migration",
    "competitor",
    "discount",
    "value",
    "roadmap",
    "question",
    "thanks",
];
const SUBJECTS: [&str; 6] = [
    "Discovery call",
    "Product demo",
    "Pricing discussion",
    "Security review",
    "Renewal check-in",
    "Kick-off",
];

/// A Chorus tracker of the sample: what Chorus tracked, and what the
/// sample's tracker export says of it.
pub struct SampleTracker {
    pub name: &'static str,
    pub category: &'static str,
    /// Chorus's type: `custom`, or `chorus` for its default trackers.
    pub kind: &'static str,
    /// The phrases Chorus matched (none of them random `WORDS` text).
    pub phrases: &'static [&'static str],
    /// Chorus counted only what the rep (`Some(true)`) or the prospect
    /// (`Some(false)`) said.
    pub rep: Option<bool>,
    /// The export's phrases; `None`: not in the export.
    pub exported: Option<&'static [&'static str]>,
    /// The export writes the phrases as an advanced expression.
    pub advanced: bool,
}

pub const SAMPLE_TRACKERS: [SampleTracker; 6] = [
    SampleTracker {
        name: "Pricing",
        category: "Deal",
        kind: "custom",
        phrases: &["price increase", "per seat", "list price"],
        rep: None,
        exported: Some(&["price increase", "list price"]),
        advanced: false,
    },
    SampleTracker {
        name: "Next Steps",
        category: "Playbook",
        kind: "custom",
        phrases: &["next steps", "circle back"],
        rep: Some(true),
        exported: Some(&["next steps", "circle back"]),
        advanced: false,
    },
    SampleTracker {
        name: "Security",
        category: "Feature",
        kind: "custom",
        phrases: &["soc 2", "penetration test"],
        rep: None,
        exported: Some(&["soc 2", "penetration test"]),
        advanced: true,
    },
    SampleTracker {
        name: "Competitor",
        category: "Competitor",
        kind: "custom",
        phrases: &["gong", "clari"],
        rep: None,
        exported: Some(&["gong", "clari", "salesloft"]),
        advanced: false,
    },
    SampleTracker {
        name: "Budget approved",
        category: "Deal",
        kind: "custom",
        phrases: &["signed off"],
        rep: Some(false),
        exported: Some(&["signed off"]),
        advanced: false,
    },
    SampleTracker {
        name: "Trial / POC",
        category: "Playbook",
        kind: "chorus",
        phrases: &["proof of concept", "free trial"],
        rep: None,
        exported: None,
        advanced: false,
    },
];

/// Adds a tracker's phrase to some utterances of a call: each tracker is
/// talked about on about a third of the calls, one to four times, by
/// whoever speaks; the phrases said are Chorus's and the export's (so the
/// export's extra phrase is said too).
struct TrackerTalk {
    /// Per tracker, how many more times it is said on this call.
    left: Vec<u64>,
}

impl TrackerTalk {
    fn for_call(dice: &mut Dice) -> Self {
        TrackerTalk {
            left: SAMPLE_TRACKERS
                .iter()
                .map(|_| {
                    if dice.chance(35) {
                        dice.between(1, 4)
                    } else {
                        0
                    }
                })
                .collect(),
        }
    }

    /// The sentence an utterance says, with a tracker's phrase added now and then.
    fn say(&mut self, dice: &mut Dice, mut sentence: String) -> String {
        for (number, tracker) in SAMPLE_TRACKERS.iter().enumerate() {
            if self.left[number] == 0 || !dice.chance(3) {
                continue;
            }
            self.left[number] -= 1;
            let said: Vec<&str> = tracker
                .phrases
                .iter()
                .chain(tracker.exported.into_iter().flatten())
                .copied()
                .collect();
            let phrase = *dice.pick(&said);
            let mut chars = phrase.chars();
            sentence.push(' ');
            if let Some(first) = chars.next() {
                sentence.extend(first.to_uppercase());
                sentence.push_str(chars.as_str());
            }
            sentence.push('.');
            break;
        }
        sentence
    }
}

/// The sample's tracker export (CSV): every exported `SAMPLE_TRACKERS`
/// tracker, its phrases in the Keywords cell or, for an advanced one, as
/// an expression.
pub fn sample_trackers_csv() -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let rows = SAMPLE_TRACKERS.iter().filter_map(|tracker| {
        let phrases = tracker.exported?;
        let (keywords, expression) = if tracker.advanced {
            let quoted: Vec<String> = phrases.iter().map(|p| format!("\"{p}\"")).collect();
            (String::new(), quoted.join(" OR "))
        } else {
            (phrases.join(", "), String::new())
        };
        let said_by = match tracker.rep {
            None => "Anyone",
            Some(true) => "Rep",
            Some(false) => "Prospect",
        };
        Some([
            tracker.name.to_string(),
            tracker.category.to_string(),
            if tracker.advanced {
                "Advanced"
            } else {
                "Basic"
            }
            .to_string(),
            keywords,
            expression,
            said_by.to_string(),
        ])
    });
    let header = [
        "Tracker name",
        "Category",
        "Type",
        "Keywords",
        "Expression",
        "Said by",
    ];
    writer
        .write_record(header)
        .expect("writing to a Vec cannot fail");
    for row in rows {
        writer
            .write_record(row)
            .expect("writing to a Vec cannot fail");
    }
    writer.into_inner().expect("writing to a Vec cannot fail")
}

/// Chorus's hits of `SAMPLE_TRACKERS` on one transcript (utterances with
/// their text and whether the rep said them): per tracker with hits, its
/// count and its mentions (`utterance` index, character `offset`).
fn tracker_hits(utterances: &[(u64, String, bool)]) -> Vec<(usize, Vec<(u64, usize)>)> {
    let mut hits: Vec<(usize, Vec<(u64, usize)>)> = Vec::new();
    for (number, tracker) in SAMPLE_TRACKERS.iter().enumerate() {
        let mut mentions = Vec::new();
        for (index, text, by_rep) in utterances {
            if tracker.rep.is_some_and(|rep| rep != *by_rep) {
                continue;
            }
            // The sample's words: ASCII, one space apart, a capital first
            // letter and a full stop or question mark at the end.
            let mut words: Vec<(usize, String)> = Vec::new();
            let mut at = 0;
            for word in text.split(' ') {
                words.push((at, word.trim_end_matches(['.', '?']).to_ascii_lowercase()));
                at += word.len() + 1;
            }
            for start in 0..words.len() {
                let said = tracker.phrases.iter().any(|phrase| {
                    let phrase: Vec<&str> = phrase.split(' ').collect();
                    words.len() >= start + phrase.len()
                        && phrase.iter().zip(&words[start..]).all(|(p, (_, w))| p == w)
                });
                if said {
                    mentions.push((*index, words[start].0));
                }
            }
        }
        if !mentions.is_empty() {
            hits.push((number, mentions));
        }
    }
    hits
}

fn hex_id(dice: &mut Dice) -> String {
    format!("{:016x}{:016x}", dice.next(), dice.next())
}

fn sentence(dice: &mut Dice) -> String {
    let words = dice.between(4, 28) as usize;
    let mut text = String::new();
    for i in 0..words {
        let word = *dice.pick(&WORDS);
        if i == 0 {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                text.extend(first.to_uppercase());
                text.push_str(chars.as_str());
            }
        } else {
            text.push(' ');
            text.push_str(word);
        }
    }
    text.push(if dice.chance(20) { '?' } else { '.' });
    text
}

struct Person {
    name: String,
    email: String,
    user_id: u64,
}

/// The tiny media file: an MP4 `ftyp` box and 256 zero bytes.
const TINY_MEDIA: usize = 24 + 256;

/// Writes one media file: the `ftyp` box, then zeros up to `TINY_MEDIA`, or
/// pseudo-random bytes from `seed` up to `bytes` (at least the box).
fn write_media(out: &mut impl Write, bytes: Option<u64>, seed: u64) -> std::io::Result<()> {
    let header = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2";
    out.write_all(header)?;
    let Some(bytes) = bytes else {
        return out.write_all(&[0; TINY_MEDIA - 24]);
    };
    let mut dice = Dice(seed);
    let mut left = bytes.saturating_sub(header.len() as u64);
    let mut block = vec![0u8; 64 * 1024];
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        for word in block[..n].chunks_mut(8) {
            word.copy_from_slice(&dice.next().to_le_bytes()[..word.len()]);
        }
        out.write_all(&block[..n])?;
        left -= n as u64;
    }
    Ok(())
}

/// Writes the sample archive into `sink` and says what it holds.
pub fn write_sample<W: Write + Seek>(
    sink: W,
    options: &SampleOptions,
) -> zip::result::ZipResult<(W, SampleSummary)> {
    use zip::write::SimpleFileOptions;
    let mut dice = Dice(options.seed);
    // Apart from `dice`, so the calls are those of a sample without tracker hits.
    let mut tracker_dice = Dice(options.seed ^ 0x7472_6163_6b65_7273);
    let mut zip = zip::ZipWriter::new(sink);
    let json_options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644)
        .large_file(true);
    let media_options = json_options.compression_method(zip::CompressionMethod::Stored);
    let mut summary = SampleSummary {
        calls: options.calls,
        ..SampleSummary::default()
    };

    let reps: Vec<Person> = (0..12u64)
        .map(|i| {
            let (first, last) = (
                FIRST[i as usize % FIRST.len()],
                LAST[(i as usize * 7) % LAST.len()],
            );
            Person {
                name: format!("{first} {last}"),
                email: format!(
                    "{}.{}@seller.example",
                    first.to_lowercase(),
                    last.to_lowercase()
                ),
                user_id: 1000 + i,
            }
        })
        .collect();
    let users: Vec<Value> = reps
        .iter()
        .map(|p| {
            let (first, last) = p.name.split_once(' ').unwrap_or((&p.name, ""));
            json!({"id": p.user_id, "email": p.email, "first_name": first, "last_name": last, "name": p.name, "role": "User", "active": true})
        })
        .collect();
    let users = serde_json::to_vec_pretty(&users).expect("users serialise");
    summary.json_bytes += users.len() as u64;
    zip.start_file("users/users.json", json_options)?;
    zip.write_all(&users)?;

    // Newest first, as Chorus pages them: one call every ~40 minutes back from 2026-11-01.
    let newest = 1_793_491_200u64;
    let mut engagements = Vec::with_capacity(options.calls);
    let mut time = newest;
    for _ in 0..options.calls {
        time -= dice.between(600, 4200);
        let id = hex_id(&mut dice);
        let host = dice.between(0, reps.len() as u64 - 1) as usize;
        let company = *dice.pick(&COMPANIES);
        let dialer = dice.chance(15);
        let no_show = !dialer && dice.chance(8);
        let short = dice.chance(7);
        let private = dice.chance(2);
        let duration = if no_show {
            0
        } else if short {
            dice.between(20, 110)
        } else if dialer {
            dice.between(120, 900)
        } else {
            dice.between(15 * 60, 90 * 60)
        };
        let buyers: Vec<(String, String)> = (0..dice.between(1, 3))
            .map(|_| {
                let (first, last) = (*dice.pick(&FIRST), *dice.pick(&LAST));
                let domain = company.to_lowercase().replace(' ', "");
                (
                    format!("{first} {last}"),
                    format!(
                        "{}.{}@{domain}.example",
                        first.to_lowercase(),
                        last.to_lowercase()
                    ),
                )
            })
            .collect();
        let mut participants = vec![
            json!({"name": reps[host].name, "email": reps[host].email, "type": "rep", "user_id": reps[host].user_id}),
        ];
        participants.extend(buyers.iter().map(|(name, email)| json!({"name": name, "email": email, "type": "prospect", "company_name": company})));
        let subject = *dice.pick(&SUBJECTS);
        // A few calls were fetched without Chorus's tracker hits.
        let with_trackers = !tracker_dice.chance(3);
        let mut talk = TrackerTalk::for_call(&mut tracker_dice);
        engagements.push(json!({
            "engagement_id": id,
            "engagement_type": if dialer { "dialer" } else { "meeting" },
            "date_time": time,
            "duration": duration,
            "subject": format!("{subject} - {company}"),
            "user_id": reps[host].user_id,
            "user_email": reps[host].email,
            "user_name": reps[host].name,
            "participants": participants,
            "account_id": if dice.chance(30) { json!("") } else { json!(dice.between(10_000, 99_999)) },
            "account_name": company,
            "processing_state": if no_show { "no show" } else { "done" },
            "no_show": no_show,
            "language": "en",
            "url": format!("https://chorus.ai/meeting/{id}"),
        }));
        if no_show {
            continue;
        }
        // The transcript: utterances of 2-25 s, alternating speakers.
        let mut utterances = Vec::new();
        let mut said: Vec<(u64, String, bool)> = Vec::new();
        let mut at = 0.0f64;
        let mut index = 0u64;
        while at < duration as f64 {
            let length = dice.between(20, 250) as f64 / 10.0;
            let speaker = dice.between(0, buyers.len() as u64) as usize;
            let (name, kind, person) = if speaker == 0 {
                (reps[host].name.clone(), "rep", 1)
            } else {
                (
                    buyers[speaker - 1].0.clone(),
                    "customer",
                    speaker as u64 + 1,
                )
            };
            let snippet = talk.say(&mut tracker_dice, sentence(&mut dice));
            utterances.push(json!({
                "index": index, "snippet_time": at, "snippet_length": length, "snippet": snippet,
                "speaker_id": person, "speaker_name": name, "speaker_type": kind,
            }));
            said.push((index, snippet, speaker == 0));
            index += 1;
            at += length + dice.between(0, 15) as f64 / 10.0;
        }
        let mut people = vec![
            json!({"name": reps[host].name, "person_id": 1, "type": "rep", "email": reps[host].email, "is_my_team": true, "user_id": reps[host].user_id}),
        ];
        people.extend(buyers.iter().enumerate().map(|(i, (name, email))| {
            json!({"name": name, "person_id": i + 2, "type": "prospect", "email": email, "company_name": company, "is_my_team": false})
        }));
        let start = chrono::DateTime::from_timestamp(time as i64, 0)
            .map(|t| t.to_rfc3339())
            .unwrap_or_default();
        let hits = tracker_hits(&said);
        let mut recording = json!({"start_time": start, "duration": duration, "audio_only": dialer, "recordable": true});
        if with_trackers {
            let trackers: Vec<Value> = hits
                .iter()
                .map(|(number, mentions)| {
                    let tracker = &SAMPLE_TRACKERS[*number];
                    json!({"id": format!("t{}", number + 1), "name": tracker.name, "count": mentions.len(), "type": tracker.kind,
                        "mentions": mentions.iter().map(|(utterance, offset)| json!({"utterance": utterance, "offset": offset})).collect::<Vec<_>>()})
                })
                .collect();
            recording["trackers"] = json!(trackers);
            let matches: Vec<Value> = hits
                .iter()
                .map(|(number, mentions)| {
                    let tracker = &SAMPLE_TRACKERS[*number];
                    json!({"name": tracker.name, "num_matches": mentions.len(), "type": tracker.kind})
                })
                .collect();
            if let Some(engagement) = engagements.last_mut() {
                engagement["tracker_matches"] = json!(matches);
            }
        }
        recording["utterances"] = json!(utterances);
        let document = json!({"data": {"id": id, "type": "recording", "attributes": {
            "name": format!("{subject} - {company}"), "status": "done", "language": "en", "private": private,
            "owner": {"email": reps[host].email, "name": reps[host].name, "person_id": 1, "user_id": reps[host].user_id},
            "account": {"id": dice.between(10_000, 99_999), "name": company},
            "participants": people,
            "recording": recording,
        }}});
        let bytes = serde_json::to_vec(&document).expect("documents serialise");
        summary.json_bytes += bytes.len() as u64;
        summary.conversations += 1;
        zip.start_file(format!("conversations/{id}.json"), json_options)?;
        zip.write_all(&bytes)?;
        if options.media {
            zip.start_file(format!("media/{id}.mp4"), media_options)?;
            write_media(
                &mut zip,
                options.media_bytes,
                options.seed ^ summary.media_files as u64,
            )?;
            summary.media_files += 1;
        }
    }
    for (number, page) in engagements.chunks(100).enumerate() {
        let last = (number + 1) * 100 >= engagements.len();
        let key = if last {
            json!(" ")
        } else {
            json!(format!("page-{}-{:x}", number + 2, options.seed))
        };
        let bytes =
            serde_json::to_vec_pretty(&json!({"continuation_key": key, "engagements": page}))
                .expect("pages serialise");
        summary.json_bytes += bytes.len() as u64;
        summary.pages += 1;
        zip.start_file(
            format!("engagements/page-{:05}.json", number + 1),
            json_options,
        )?;
        zip.write_all(&bytes)?;
    }
    Ok((zip.finish()?, summary))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn the_same_seed_gives_the_same_bytes() {
        let options = SampleOptions {
            calls: 120,
            seed: 7,
            media: true,
            media_bytes: None,
        };
        let (first, summary) = write_sample(Cursor::new(Vec::new()), &options).unwrap();
        let (second, _) = write_sample(Cursor::new(Vec::new()), &options).unwrap();
        assert_eq!(first.into_inner(), second.into_inner());
        assert_eq!((summary.calls, summary.pages), (120, 2));
        assert_eq!(summary.conversations, summary.media_files);
        assert!(
            summary.conversations > 90 && summary.conversations < 120,
            "{summary:?}"
        );
        let (other, _) = write_sample(
            Cursor::new(Vec::new()),
            &SampleOptions { seed: 8, ..options },
        )
        .unwrap();
        assert_ne!(
            other.into_inner(),
            write_sample(Cursor::new(Vec::new()), &options)
                .unwrap()
                .0
                .into_inner()
        );
    }

    /// The entries of a sample zip by name.
    fn entries(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut entry = archive.by_index(i).unwrap();
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
                (entry.name().unwrap().to_string(), bytes)
            })
            .collect()
    }

    #[test]
    fn media_files_of_a_given_size_leave_the_calls_as_they_were() {
        let tiny = SampleOptions {
            calls: 30,
            seed: 4,
            media: true,
            media_bytes: None,
        };
        let sized = SampleOptions {
            media_bytes: Some(100_003),
            ..tiny.clone()
        };
        let (tiny_zip, _) = write_sample(Cursor::new(Vec::new()), &tiny).unwrap();
        let (sized_zip, summary) = write_sample(Cursor::new(Vec::new()), &sized).unwrap();
        let (tiny_entries, sized_entries) = (
            entries(&tiny_zip.into_inner()),
            entries(&sized_zip.into_inner()),
        );
        assert_eq!(tiny_entries.len(), sized_entries.len());
        let mut media = Vec::new();
        for ((tiny_name, tiny_bytes), (name, bytes)) in tiny_entries.iter().zip(&sized_entries) {
            assert_eq!(tiny_name, name);
            if name.starts_with("media/") {
                assert_eq!(tiny_bytes.len(), 280, "{name}");
                assert_eq!(bytes.len(), 100_003, "{name}");
                assert_eq!(&bytes[..24], &tiny_bytes[..24], "{name}: the ftyp box");
                assert_ne!(&bytes[24..], &vec![0; 100_003 - 24][..], "{name}");
                media.push(bytes);
            } else {
                assert_eq!(tiny_bytes, bytes, "{name}");
            }
        }
        assert_eq!(media.len(), summary.media_files);
        assert!(media.len() > 20, "{}", media.len());
        assert_ne!(
            media[0][24..],
            media[1][24..],
            "each recording its own bytes"
        );
    }
}
