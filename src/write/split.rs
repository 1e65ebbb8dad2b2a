//! Split into parts: the bounds that decide where a part ends. In: the
//! conversion (its report, topics and inputs bound what every part's
//! closing writes: `Split`), the part as written so far (`OpenPart`) and
//! the next call (what it adds: `CallGrowth`, with its transcript entry as
//! prepared and its recording at its largest). Out: the part's size if
//! closed with the call (`OpenPart::projected`), at its largest, which the
//! session holds within the part size; and the call placed in the part
//! (`OpenPart::place`).

use crate::decide::fidelity::FidelityTally;
use crate::digest::HashingWriter;
use crate::model::calls::{PlannedCall, TrackerHitRecord, User};
use crate::model::conversion::{CallsOutcome, Conversion};
use crate::model::packed::Packed;
use crate::write::calls::recording_job;
use crate::write::entries::{PackageWriter, PreparedEntry};
use crate::write::manifest::write_manifest;
use crate::write::report::{write_report_csv, write_report_json};
use std::collections::BTreeSet;
use std::io::Write;

/// A package split into parts of at most `size` bytes.
pub(super) struct Split {
    pub(super) size: u64,
    /// Calls placed in a part so far (the next call's index).
    pub(super) placed: usize,
    /// Per user of the run (in `users.json` order): the first part whose
    /// calls need it; a later part lists it as `existing`.
    pub(super) first_part: Vec<Option<usize>>,
    /// Bounds of what every part's closing writes whatever its calls: the
    /// manifest's head and its fixed records, `fidelity.json` without
    /// missed mentions, the entries' headers and the end records.
    fixed: u64,
    /// The run's report (in part 1) and an empty report (in the others).
    report: u64,
    empty_report: u64,
    /// Topics, which bound the missed mentions `fidelity.json` lists.
    topics: u64,
}

/// Bounds the bytes deflate writes for `bytes` bytes (zlib's
/// `compressBound`: stored blocks when nothing compresses).
fn compress_bound(bytes: u64) -> u64 {
    bytes + (bytes >> 12) + (bytes >> 14) + (bytes >> 25) + 13
}

/// The most a listed missed mention adds to `fidelity.json`: its phrase
/// and text (48 characters each, escaped), the call's id and its figures.
const MISSED_MENTION_BOUND: u64 = 1024;
/// How many missed mentions `fidelity.json` lists per topic at most.
const MISSED_LISTED: u64 = crate::decide::fidelity::MISSED_MENTIONS_LISTED as u64;

/// The most an entry adds around its content: local header, zip64 extra
/// and data descriptor, central record, and its manifest record.
fn entry_bound(path: &str) -> u64 {
    let path = path.len() as u64;
    (30 + path + 20 + 24) + (46 + path + 28) + (path + 128)
}

/// The entries every part ends with, after its transcripts and recordings.
const CLOSING_ENTRIES: [&str; 8] = [
    "themes.json",
    "calls.jsonl",
    "users.json",
    "users.csv",
    "fidelity.json",
    "report.json",
    "report.csv",
    "manifest.json",
];

/// Counts what `write` writes.
fn written_bytes(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> u64 {
    let mut counted = HashingWriter::counting(std::io::sink());
    write(&mut counted).expect("writing to a sink cannot fail");
    counted.finish().1
}

/// The part being written.
pub(super) struct OpenPart<S: Write> {
    pub(super) number: usize,
    pub(super) package: PackageWriter<HashingWriter<S>>,
    /// Its calls, by index in `calls.jsonl` order.
    pub(super) calls: std::ops::Range<usize>,
    pub(super) transcripts: usize,
    pub(super) media: usize,
    /// The recordings its closing copies, with their entries' bounds.
    media_bytes: u64,
    /// `calls.jsonl`, `users.json` and `users.csv` as they stand, the
    /// missed mentions of Chorus's hits on its calls (which bound those
    /// `fidelity.json` lists) and the manifest records of its entries.
    lines: u64,
    users_json: u64,
    users_csv: u64,
    mentions: u64,
    records: u64,
    /// Its users, by index in the run's `users.json`.
    pub(super) users: BTreeSet<usize>,
    /// The tally of its calls' fidelity (split into parts, with topics).
    pub(super) tally: Option<FidelityTally>,
}

impl<S: Write> OpenPart<S> {
    /// Part `number`, its first call `first` (in `calls.jsonl` order), as
    /// `package` begins it.
    pub(super) fn new(
        number: usize,
        package: PackageWriter<HashingWriter<S>>,
        first: usize,
        tally: Option<FidelityTally>,
    ) -> Self {
        OpenPart {
            number,
            package,
            calls: first..first,
            transcripts: 0,
            media: 0,
            media_bytes: 0,
            lines: 0,
            users_json: 0,
            users_csv: 0,
            mentions: 0,
            records: 0,
            users: BTreeSet::new(),
            tally,
        }
    }

    /// The part's size if closed now (with `growth`, the next call, added),
    /// at its largest.
    pub(super) fn projected(&self, split: &Split, growth: Option<&CallGrowth>) -> u64 {
        let (written, central) = self.package.zip.written();
        let add = |field: fn(&CallGrowth) -> u64| growth.map_or(0, field);
        let report = if self.number == 1 {
            split.report
        } else {
            split.empty_report
        };
        let mentions = self.mentions + add(|g| g.mentions);
        let missed = mentions.min(split.topics * MISSED_LISTED) * MISSED_MENTION_BOUND;
        written
            + central
            + add(|g| g.entries)
            + self.media_bytes
            + add(|g| g.media_bytes)
            + compress_bound(self.lines + add(|g| g.line))
            + compress_bound(self.users_json + add(|g| g.users_json))
            + compress_bound(self.users_csv + add(|g| g.users_csv))
            + compress_bound(report)
            + split.fixed
            + compress_bound(missed)
            + compress_bound(self.records + add(|g| g.records))
    }

    /// Places the call that adds `growth` (with a transcript entry or not,
    /// with a recording or not) in the part.
    pub(super) fn place(
        &mut self,
        split: &mut Split,
        growth: CallGrowth,
        transcript: bool,
        recording: bool,
    ) {
        self.calls.end += 1;
        split.placed = self.calls.end;
        self.transcripts += usize::from(transcript);
        self.media += usize::from(recording);
        self.media_bytes += growth.media_bytes;
        self.lines += growth.line;
        self.users_json += growth.users_json;
        self.users_csv += growth.users_csv;
        self.mentions += growth.mentions;
        self.records += growth.records;
        for user in growth.users {
            split.first_part[user].get_or_insert(self.number);
            self.users.insert(user);
        }
    }
}

/// What one call adds to a part: its entries (the transcript as
/// prepared, the recording at its largest), its line, its users new to the
/// part, Chorus's mentions on it.
pub(super) struct CallGrowth {
    entries: u64,
    media_bytes: u64,
    line: u64,
    users: Vec<usize>,
    users_json: u64,
    users_csv: u64,
    mentions: u64,
    records: u64,
}

impl CallGrowth {
    /// What `planned` adds to `part`: with `transcript`, its transcript
    /// entry and Chorus's hits on the call.
    pub(super) fn of<S: Write>(
        planned: &PlannedCall,
        transcript: Option<(&PreparedEntry, Option<&[TrackerHitRecord]>)>,
        outcome: &CallsOutcome,
        part: &OpenPart<S>,
    ) -> CallGrowth {
        let mut growth = CallGrowth {
            entries: 0,
            media_bytes: 0,
            line: serde_json::to_vec(&planned.call).map_or(0, |line| line.len() as u64 + 1),
            users: Vec::new(),
            users_json: 0,
            users_csv: 0,
            mentions: 0,
            records: 0,
        };
        if let Some((entry, chorus)) = transcript {
            growth.entries += entry.zip_len() + 46 + 28 + entry.path().len() as u64;
            growth.records += entry.path().len() as u64 + 128;
            growth.mentions = chorus
                .iter()
                .flat_map(|hits| hits.iter())
                .map(|hit| hit.mentions.len() as u64)
                .sum();
        }
        if let Some(recording) = recording_job(planned) {
            growth.media_bytes += recording.bytes + entry_bound(&recording.path);
        }
        for user in users_of(planned, &outcome.users) {
            if part.users.contains(&user) {
                continue;
            }
            let row = serde_json::to_vec(&outcome.users[user]).map_or(0, |row| row.len() as u64);
            growth.users_json += row + 128;
            growth.users_csv += 2 * row + 16;
            growth.users.push(user);
        }
        growth
    }
}

/// The users (of the run's, sorted by email) that `planned` needs.
fn users_of(planned: &PlannedCall, users: &[User]) -> Vec<usize> {
    let mut found: Vec<usize> = planned
        .internal_people
        .iter()
        .filter_map(|person| person.email.as_deref())
        .filter_map(|email| {
            let email = email.to_ascii_lowercase();
            users
                .binary_search_by(|u| u.email.as_str().cmp(&email))
                .ok()
        })
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

impl Split {
    /// The bounds of `conversion`'s parts of at most `size` bytes.
    pub(super) fn new(conversion: &Conversion, size: u64) -> Split {
        let topics: u64 = conversion
            .themes
            .iter()
            .map(|t| t.topics.len() as u64)
            .sum();
        let skipped = conversion.calls.as_ref().map(|calls| &calls.skipped);
        let no_skipped = Packed::default();
        let empty = crate::report::Report::default();
        let report =
            |report: &crate::report::Report,
             skipped: Option<&Packed<crate::model::calls::SkippedCall>>| {
                written_bytes(|out| write_report_json(report, skipped, out))
                    + written_bytes(|out| write_report_csv(report, skipped, out))
            };
        let mut counts = conversion.counts();
        counts.fidelity = Some(crate::decide::fidelity::FidelitySummary {
            calls_compared: u64::MAX,
            calls_without_chorus_trackers: u64::MAX,
            topics: u64::MAX,
            topics_matched: u64::MAX,
            topics_at_100: u64::MAX,
            topics_below_90: u64::MAX,
            topics_not_seen: u64::MAX,
        });
        let manifest_head = written_bytes(|out| {
            write_manifest(
                out,
                &conversion.inputs,
                &counts,
                Some(usize::MAX),
                &Packed::default(),
            )
        });
        // fidelity.json's topics with every figure at its widest and the
        // tracker's name (Chorus's spelling, the topic's up to case and
        // spaces) escaped at its longest.
        let fidelity = if conversion.replay().is_some() {
            let skeleton = written_bytes(|out| {
                serde_json::to_writer_pretty(
                    &mut *out,
                    &FidelityTally::new(&conversion.themes).finish(),
                )?;
                out.write_all(b"\n")
            });
            let names: u64 = conversion
                .themes
                .iter()
                .flat_map(|t| t.topics.iter())
                .map(|topic| 6 * topic.name.len() as u64 + 64 + 12 * 20)
                .sum();
            compress_bound(skeleton + names)
        } else {
            0
        };
        let closing: u64 = CLOSING_ENTRIES.iter().map(|path| entry_bound(path)).sum();
        Split {
            size,
            placed: 0,
            first_part: vec![None; conversion.calls.as_ref().map_or(0, |c| c.users.len())],
            fixed: compress_bound(manifest_head) + fidelity + closing + 98 + 22,
            report: report(&conversion.report, skipped),
            empty_report: report(&empty, skipped.map(|_| &no_skipped)),
            topics,
        }
    }
}
