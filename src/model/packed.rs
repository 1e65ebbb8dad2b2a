//! Records kept in bulk, packed: the first pass's engagements and
//! conversation documents and the decided calls in, one buffer of bytes per
//! kind out (`Packed<T>`), from which a record is decoded when it is used.
//!
//! A big archive has tens of thousands of calls. As plain structs each
//! call's records are some fifty small allocations (every name, email and
//! id its own string), which cost more than their text and, interleaved
//! with the large short-lived buffers of reading entries, fragment the heap
//! (native and wasm alike). Packed, a record is its text and a few length
//! bytes in one shared buffer.
//!
//! The codec is bitcode's, derived on each record type (`Encode`,
//! `Decode`): every field in declaration order, so a field added to a type
//! is in its records. Decoding checks what it reads (lengths, UTF-8, enum
//! variants, nothing left over): a store's own records decode as they were
//! written, and a whole store read from bytes (`Packed::read_from`: a first
//! pass handed over by a JavaScript caller) is refused, naming the record,
//! where one does not decode.

use crate::model::spill::{self, NewSpill, Spill};
use bitcode::{DecodeOwned, Encode};
use std::cell::RefCell;
use std::marker::PhantomData;
use std::ops::Range;
use std::sync::Arc;

thread_local! {
    /// The decoder's buffers, reused from record to record (a store is
    /// read from several threads at once, so each has its own).
    static DECODER: RefCell<bitcode::Buffer> = RefCell::default();
}

/// `bytes` decoded as a `T` (with this thread's reused buffers).
fn decode<T: DecodeOwned>(bytes: &[u8]) -> Result<T, bitcode::Error> {
    DECODER.with(|decoder| match decoder.try_borrow_mut() {
        Ok(mut decoder) => decoder.decode(bytes),
        // Only if a record's decoding read another record (it does not).
        Err(_) => bitcode::decode(bytes),
    })
}

/// The next `n` bytes of `input`, or `None` (and `input` as it was) where
/// fewer are left.
fn take<'a>(input: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    let head = input.get(..n)?;
    *input = &input[n..];
    Some(head)
}

/// The next 4 or 8 bytes of `input` as a little-endian number.
fn take_u32(input: &mut &[u8]) -> Option<u32> {
    Some(u32::from_le_bytes(take(input, 4)?.try_into().ok()?))
}

fn take_u64(input: &mut &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(take(input, 8)?.try_into().ok()?))
}

/// One value's bytes as `write_value` and `Packed::write_to` write them:
/// their length (4 bytes, little-endian), then the bytes.
fn put_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    let len = u32::try_from(bytes.len()).expect("a record is smaller than 4 GiB");
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(bytes);
}

/// Bytes `put_bytes` wrote, or `None` where `input` ends first.
fn take_bytes<'a>(input: &mut &'a [u8]) -> Option<&'a [u8]> {
    let mut rest = *input;
    let len = take_u32(&mut rest)?;
    let bytes = take(&mut rest, len as usize)?;
    *input = rest;
    Some(bytes)
}

/// Writes one value after `out`'s bytes: its length, then its encoding.
pub fn write_value<T: Encode>(value: &T, out: &mut Vec<u8>) {
    put_bytes(&bitcode::encode(value), out);
}

/// Reads a value `write_value` wrote from the front of `input` and
/// advances past it; `Err` says what is wrong (the bytes end first, or do
/// not decode as a `T`).
pub fn read_value<T: DecodeOwned>(input: &mut &[u8]) -> Result<T, String> {
    let bytes = take_bytes(input).ok_or("they end inside it")?;
    decode(bytes).map_err(|_| "its bytes are not what was written".to_string())
}

/// Bytes per block of a `Packed` store: records are appended to a block
/// until it is full, so the store grows without copying what it holds and
/// wastes at most one block (a record bigger than a block gets its own).
const BLOCK_BYTES: usize = 1 << 20;
/// Stores of at most this many blocks are copied by `Packed::append`.
const COPIED_BLOCKS: usize = 8;

/// A store keeps this many full blocks in memory; where the shell gives
/// stores a spill (`model::spill`: the CLI's temporary files), the blocks
/// it fills after them go there, so an archive of any size costs the same
/// memory. Without one (the browser) every block stays in memory.
const BLOCKS_IN_MEMORY: usize = 4;

/// Records' bytes: in memory, or written out to the store's spill.
#[derive(Clone)]
enum Block {
    Memory(Vec<u8>),
    Spilled {
        spill: Arc<dyn Spill>,
        offset: u64,
        len: usize,
    },
}

impl Block {
    fn len(&self) -> usize {
        match self {
            Block::Memory(bytes) => bytes.len(),
            Block::Spilled { len, .. } => *len,
        }
    }

    /// `f` of the block's bytes in `range` (read back from the spill
    /// where the block is there).
    fn with_bytes<R>(&self, range: Range<usize>, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Block::Memory(block) => f(&block[range]),
            Block::Spilled { spill, offset, .. } => {
                // A span or a short record is read into the stack.
                let mut short = [0; 64];
                let mut long = Vec::new();
                let bytes = match short.get_mut(..range.len()) {
                    Some(bytes) => bytes,
                    None => {
                        long.resize(range.len(), 0);
                        &mut long[..]
                    }
                };
                // Bytes this process wrote that cannot be read back: the
                // disk failed, and no result can be trusted.
                if let Err(e) = spill.read_at(offset + range.start as u64, bytes) {
                    panic!("cannot read back records kept out of memory: {e}");
                }
                f(bytes)
            }
        }
    }
}

/// Keeps the first `keep` full blocks in memory and writes the other full
/// ones to the store's spill (where it has one and can); the last block,
/// the one being filled, stays. Blocks already spilled (taken over by an
/// `append`) are not counted.
fn spill_full_blocks(blocks: &mut [Block], keep: usize, overflow: &mut Overflow) {
    let full = blocks.len().saturating_sub(1);
    let mut in_memory = 0;
    for block in &mut blocks[..full] {
        let Block::Memory(bytes) = block else {
            continue;
        };
        in_memory += 1;
        if in_memory <= keep {
            continue;
        }
        let Some((spill, offset)) = overflow.write(bytes) else {
            return;
        };
        *block = Block::Spilled {
            spill,
            offset,
            len: bytes.len(),
        };
    }
}

/// Where a record lies: its block, and its start and end in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    block: u32,
    start: u32,
    end: u32,
}

impl Span {
    const BYTES: usize = 12;

    fn to_bytes(self) -> [u8; Span::BYTES] {
        let mut bytes = [0; Span::BYTES];
        bytes[..4].copy_from_slice(&self.block.to_le_bytes());
        bytes[4..8].copy_from_slice(&self.start.to_le_bytes());
        bytes[8..].copy_from_slice(&self.end.to_le_bytes());
        bytes
    }

    fn from_bytes(bytes: &[u8]) -> Span {
        let word = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        Span {
            block: word(0),
            start: word(4),
            end: word(8),
        }
    }
}

/// Spans per chunk of a store's index (384 KiB): the index of where each
/// record lies grows with the records too, so it is kept in chunks, blocks
/// of their bytes, and the full chunks after the first
/// `SPAN_CHUNKS_IN_MEMORY` go to the store's spill like its blocks.
const SPAN_CHUNK: usize = 1 << 15;

const SPAN_CHUNKS_IN_MEMORY: usize = 4;

/// Where each record of a store lies, in its order: `Span::BYTES` a record
/// in chunks of `SPAN_CHUNK`.
#[derive(Clone, Default)]
struct SpanIndex {
    chunks: Vec<Block>,
    len: usize,
}

/// Where a store's blocks and index chunks go out of memory: a spill of
/// the store's own, made when the first goes.
#[derive(Default)]
struct Overflow {
    /// How the spill is made, where not as the shell said (a test's own).
    new_spill: Option<NewSpill>,
    spill: Option<Arc<dyn Spill>>,
}

impl Overflow {
    /// An overflow that makes its spill as this one does (a clone's).
    fn like(&self) -> Overflow {
        Overflow {
            new_spill: self.new_spill,
            spill: None,
        }
    }

    /// Writes `bytes` after what the spill holds; where they went, or
    /// `None` where there is no spill or it cannot be made or written.
    fn write(&mut self, bytes: &[u8]) -> Option<(Arc<dyn Spill>, u64)> {
        if self.spill.is_none() {
            let new_spill = self.new_spill.or_else(spill::registered)?;
            self.spill = new_spill().ok();
        }
        let spill = self.spill.as_ref()?;
        let offset = spill.write(bytes).ok()?;
        Some((spill.clone(), offset))
    }
}

impl SpanIndex {
    fn len(&self) -> usize {
        self.len
    }

    fn get(&self, index: usize) -> Option<Span> {
        if index >= self.len {
            return None;
        }
        let at = index % SPAN_CHUNK * Span::BYTES;
        Some(self.chunks[index / SPAN_CHUNK].with_bytes(at..at + Span::BYTES, Span::from_bytes))
    }

    /// `f` of every span in order (a spilled chunk read whole).
    fn for_each(&self, mut f: impl FnMut(Span)) {
        for chunk in &self.chunks {
            chunk.with_bytes(0..chunk.len(), |bytes| {
                bytes
                    .chunks_exact(Span::BYTES)
                    .for_each(|span| f(Span::from_bytes(span)))
            });
        }
    }

    fn push(&mut self, span: Span, overflow: &mut Overflow) {
        if self.len.is_multiple_of(SPAN_CHUNK) {
            self.chunks.push(Block::Memory(Vec::new()));
            spill_full_blocks(&mut self.chunks, SPAN_CHUNKS_IN_MEMORY, overflow);
        }
        // Always so: the last chunk is the one just started or one with room.
        if let Some(Block::Memory(chunk)) = self.chunks.last_mut() {
            if chunk.len() == chunk.capacity() {
                // Doubling, as a vector would, but never past a whole chunk.
                let room = SPAN_CHUNK * Span::BYTES - chunk.len();
                chunk.reserve_exact(chunk.len().max(4 * Span::BYTES).min(room));
            }
            chunk.extend_from_slice(&span.to_bytes());
            self.len += 1;
        }
    }
}

/// Records of one type packed one after another in blocks of bytes, in the
/// order given (or a later `reorder`).
pub struct Packed<T> {
    blocks: Vec<Block>,
    spans: SpanIndex,
    /// The encoder's buffers, reused from push to push.
    encoder: bitcode::Buffer,
    /// Where its blocks go out of memory.
    overflow: Overflow,
    kind: PhantomData<fn() -> T>,
}

impl<T> Default for Packed<T> {
    fn default() -> Self {
        Packed {
            blocks: Vec::new(),
            spans: SpanIndex::default(),
            encoder: bitcode::Buffer::new(),
            overflow: Overflow::default(),
            kind: PhantomData,
        }
    }
}

impl<T> Packed<T> {
    /// An empty store whose spill `new_spill` makes (not the shell's).
    #[cfg(test)]
    fn spilling_to(new_spill: NewSpill) -> Self {
        Packed {
            overflow: Overflow {
                new_spill: Some(new_spill),
                spill: None,
            },
            ..Packed::default()
        }
    }
}

impl<T> Clone for Packed<T> {
    /// The clone reads the same blocks; it writes blocks of its own to a
    /// spill of its own.
    fn clone(&self) -> Self {
        Packed {
            blocks: self.blocks.clone(),
            spans: self.spans.clone(),
            overflow: self.overflow.like(),
            ..Packed::default()
        }
    }
}

impl<T> std::fmt::Debug for Packed<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Packed({} records, {} bytes)",
            self.spans.len(),
            self.blocks.iter().map(Block::len).sum::<usize>()
        )
    }
}

impl<T: Encode + DecodeOwned> Packed<T> {
    pub fn push(&mut self, record: &T) {
        let mut encoder = std::mem::take(&mut self.encoder);
        self.push_bytes(encoder.encode(record));
        self.encoder = encoder;
    }

    /// Stores one record's bytes after the others.
    fn push_bytes(&mut self, bytes: &[u8]) {
        let fits = matches!(
            self.blocks.last(),
            Some(Block::Memory(block)) if block.capacity() - block.len() >= bytes.len()
        );
        if !fits {
            let block = Vec::with_capacity(BLOCK_BYTES.max(bytes.len()));
            self.blocks.push(Block::Memory(block));
            self.spill_excess();
        }
        let index = self.blocks.len() - 1;
        // Always so: the last block is the one just started or one that fits.
        if let Block::Memory(block) = &mut self.blocks[index] {
            let start = block.len();
            block.extend_from_slice(bytes);
            let span = Span {
                block: index as u32,
                start: start as u32,
                end: block.len() as u32,
            };
            self.spans.push(span, &mut self.overflow);
        }
    }

    /// Keeps at most `BLOCKS_IN_MEMORY` full blocks in memory (the first
    /// ones) and writes the others to this store's spill; without a spill,
    /// or where it cannot be made or written, blocks stay in memory.
    fn spill_excess(&mut self) {
        spill_full_blocks(&mut self.blocks, BLOCKS_IN_MEMORY, &mut self.overflow);
    }

    /// `f` of the packed bytes of the record a span points at.
    fn with_bytes<R>(&self, span: Span, f: impl FnOnce(&[u8]) -> R) -> R {
        self.blocks[span.block as usize].with_bytes(span.start as usize..span.end as usize, f)
    }

    /// Moves `later`'s records after these, in their order. A store of a
    /// few blocks, all in memory (a step of a helper worker's first pass),
    /// is copied into these blocks, so its blocks are freed and the next
    /// step's reuse their memory: taken over, each step would leave a
    /// partly filled block behind, and a worker's memory never shrinks.
    /// Larger stores' blocks are taken over, not copied.
    pub fn append(&mut self, later: Packed<T>) {
        let small = later.blocks.len() <= COPIED_BLOCKS
            && later
                .blocks
                .iter()
                .all(|block| matches!(block, Block::Memory(_)));
        if small {
            later
                .spans
                .for_each(|span| later.with_bytes(span, |bytes| self.push_bytes(bytes)));
            return;
        }
        let offset = self.blocks.len() as u32;
        self.blocks.extend(later.blocks);
        let (spans, overflow) = (&mut self.spans, &mut self.overflow);
        later.spans.for_each(|span| {
            let moved = Span {
                block: span.block + offset,
                ..span
            };
            spans.push(moved, overflow);
        });
        self.spill_excess();
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// The bytes its records take, packed.
    pub fn byte_len(&self) -> usize {
        let mut bytes = 0;
        self.spans
            .for_each(|span| bytes += (span.end - span.start) as usize);
        bytes
    }

    pub fn is_empty(&self) -> bool {
        self.spans.len() == 0
    }

    /// The record at `index` (in the current order), decoded.
    pub fn get(&self, index: usize) -> Option<T> {
        let span = self.spans.get(index)?;
        // The store's own bytes, encoded from a `T` (or checked when read
        // from outside): only memory or a disk that failed decode otherwise.
        Some(self.with_bytes(span, |bytes| {
            decode(bytes).expect("a record reads back as it was stored")
        }))
    }

    /// Every record, decoded one at a time.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = T> + '_ {
        (0..self.len()).filter_map(|index| self.get(index))
    }

    /// Puts the records in the order of `order`, a permutation of their
    /// current positions: the record at the `i`th position `order` gives
    /// becomes the `i`th.
    pub fn reorder(&mut self, order: impl IntoIterator<Item = usize>) {
        let mut spans = SpanIndex::default();
        for index in order {
            if let Some(span) = self.spans.get(index) {
                spans.push(span, &mut self.overflow);
            }
        }
        debug_assert_eq!(spans.len(), self.len());
        self.spans = spans;
    }

    /// Writes the whole store after `out`'s bytes (what crosses from one
    /// Web Worker to another): its record count (8 bytes, little-endian),
    /// then each record's length (4 bytes) and bytes.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.len() as u64).to_le_bytes());
        self.spans
            .for_each(|span| self.with_bytes(span, |bytes| put_bytes(bytes, out)));
    }

    /// Reads a store `write_to` wrote from the front of `input` and
    /// advances past it. Every record is decoded once, so bytes from
    /// elsewhere are refused here, not when a record is used; `Err` says
    /// what is wrong (where the bytes end, or which record does not decode).
    pub fn read_from(input: &mut &[u8]) -> Result<Packed<T>, String> {
        let count = take_u64(input).ok_or("they end before the count of records")?;
        let mut packed = Packed::default();
        for index in 0..count {
            let bytes = take_bytes(input)
                .ok_or_else(|| format!("they end inside record {} of {count}", index + 1))?;
            if decode::<T>(bytes).is_err() {
                return Err(format!(
                    "record {} of {count} is not what was written",
                    index + 1
                ));
            }
            packed.push_bytes(bytes);
        }
        Ok(packed)
    }
}

/// Serialised as the list of its records, decoded one at a time.
impl<T: Encode + DecodeOwned + serde::Serialize> serde::Serialize for Packed<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<T: Encode + DecodeOwned + PartialEq> PartialEq for Packed<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<T: Encode + DecodeOwned> FromIterator<T> for Packed<T> {
    fn from_iter<I: IntoIterator<Item = T>>(records: I) -> Self {
        let mut packed = Packed::default();
        for record in records {
            packed.push(&record);
        }
        packed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Location, Timestamp};
    use chrono::DateTime;
    use std::io;
    use std::sync::Mutex;

    /// `value` stored three times over, each read back.
    fn round_trip<T: Encode + DecodeOwned + Clone + PartialEq + std::fmt::Debug>(value: T) {
        let store: Packed<T> = std::iter::repeat_n(value.clone(), 3).collect();
        assert_eq!(store.len(), 3);
        for index in 0..3 {
            assert_eq!(store.get(index).as_ref(), Some(&value));
        }
    }

    #[test]
    fn numbers_strings_and_times_round_trip() {
        for n in [0u64, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            round_trip(n);
        }
        for n in [0i64, -1, 1, -64, 64, i64::MIN, i64::MAX] {
            round_trip(n);
        }
        for x in [0.0f64, -1.5, 1e300, f64::MAX] {
            round_trip(x);
        }
        round_trip(String::new());
        round_trip("Zoë <zoe@example.com> \u{202E}".to_string());
        round_trip(Some("a".to_string()));
        round_trip(None::<String>);
        round_trip(vec![Some(1u64), None, Some(300)]);
        for (seconds, nanos) in [(1_700_000_000, 123_456_789), (-62_000_000_000, 0)] {
            let time = DateTime::from_timestamp(seconds, nanos).unwrap();
            round_trip(Timestamp::from(time));
            assert_eq!(Timestamp::from(time).time(), time);
        }
        round_trip(Location::default());
        round_trip(Location {
            file: "a.zip".into(),
            entry: Some("e.json".into()),
            row: Some(7),
            pointer: Some("/engagements/3".into()),
            column: Some(2),
        });
    }

    #[test]
    fn call_records_round_trip() {
        use crate::model::calls::*;
        let at = |s: i64| DateTime::from_timestamp(s, 500_000_000).map(Timestamp::from);
        let some = |s: &str| Some(s.to_string());
        let location = Location::pointer("a.zip", "/engagements/0").with_entry("p-1.json");
        let person = ParticipantRecord {
            name: some("Ana"),
            email: some("ana@example.com"),
            kind: some("rep"),
            title: some("AE"),
            company: some("Seller"),
            person_id: some("p1"),
            user_id: some("u1"),
            is_my_team: Some(true),
        };
        round_trip(EngagementRecord {
            id: "0123456789abcdef0123456789abcdef".into(),
            kind: some("meeting"),
            started_at: at(1_700_000_000),
            duration_seconds: Some(1800.5),
            subject: some("Demo"),
            user_id: some("u1"),
            user_email: some("ana@example.com"),
            user_name: some("Ana"),
            participants: vec![person.clone(), ParticipantRecord::default()],
            account_id: some("a1"),
            account_name: some("Buyer"),
            opportunity_id: some("o1"),
            opportunity_name: some("Deal"),
            processing_state: some("done"),
            no_show: Some(false),
            language: some("en"),
            url: some("https://chorus.ai/meeting/x"),
            tracker_matches: Some(vec![TrackerHitRecord {
                name: "Pricing".into(),
                kind: some("custom"),
                count: 3,
                mentions: Vec::new(),
            }]),
            text_transcript_lines: 12,
            text_transcript_timed: true,
            source: EntryRef {
                archive: 2,
                entry: 9,
            },
            location: location.clone(),
            summary: some("Ana showed the demo."),
            action_items: vec!["Send the quote".into(), String::new()],
        });
        round_trip(EngagementRecord::default());
        round_trip(ConversationRecord {
            id: "c".into(),
            title: some("Demo"),
            generated_subject: some("Demo with Buyer"),
            status: some("done"),
            language: some("de"),
            private: Some(false),
            owner_email: some("ana@example.com"),
            owner_name: some("Ana"),
            owner_user_id: some("u1"),
            account_id: some("a1"),
            account_name: some("Buyer"),
            deal_id: some("d1"),
            deal_name: some("Deal"),
            participants: vec![person],
            started_at: at(-5),
            scheduled_start: at(1_700_000_100),
            utterance_start: at(1_700_000_007),
            duration_seconds: Some(0.0),
            recordable: Some(true),
            unrecorded_reason: some("none"),
            utterances: 300,
            utterances_dropped: 2,
            trackers: Some(vec![
                TrackerHitRecord {
                    name: "Next Steps".into(),
                    kind: None,
                    count: 2,
                    mentions: vec![
                        MentionRecord {
                            utterance: Some(4),
                            offset: Some(17),
                            text: some("follow up on"),
                        },
                        MentionRecord::default(),
                    ],
                },
                TrackerHitRecord::default(),
            ]),
            source: EntryRef {
                archive: 1,
                entry: 70_000,
            },
            location: location.clone(),
            summary: None,
            action_items: vec!["Book a call".into()],
        });
        round_trip(ConversationRecord::default());
        let participant = |side| Participant {
            name: some("Bo"),
            email: None,
            title: some("CTO"),
            company: some("Buyer"),
            side,
        };
        round_trip(PlannedCall {
            call: Call {
                source_id: "0123456789abcdef0123456789abcdef".into(),
                title: None,
                started_at: "2026-01-02T03:04:05Z".into(),
                duration_seconds: 61,
                kind: CallKind::Call,
                host_email: some("ana@example.com"),
                participants: vec![
                    participant(Side::Internal),
                    participant(Side::External),
                    participant(Side::Unknown),
                ],
                account: Some(Reference {
                    id: None,
                    name: some("Buyer"),
                }),
                opportunity: None,
                language: some("en"),
                chorus_url: some("https://chorus.ai/meeting/x"),
                transcript: some("transcripts/x.json"),
                media: None,
                chorus_summary: some("Bo asked for a trial."),
                chorus_action_items: vec!["Set up the trial".into(), "Share pricing".into()],
            },
            transcript: Some(TranscriptSource {
                entry: EntryRef {
                    archive: 0,
                    entry: 3,
                },
                pointer: "/engagements/4/_conversation".into(),
                form: TranscriptForm::Text,
            }),
            media: None,
            media_bytes: u64::MAX,
            internal_people: vec![InternalPerson {
                email: some("ana@example.com"),
                name: None,
                chorus_user_id: some("u1"),
            }],
            chorus_trackers: Some(Vec::new()),
            location,
        });
    }

    #[test]
    fn a_store_keeps_records_in_order_and_reorders_them() {
        let mut store: Packed<String> = ["one", "two", "", "four"]
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(store.len(), 4);
        assert_eq!(store.get(1).as_deref(), Some("two"));
        assert_eq!(store.get(4), None);
        store.reorder([3, 0, 2, 1]);
        assert_eq!(store.iter().collect::<Vec<_>>(), ["four", "one", "", "two"]);
        store.push(&"five".to_string());
        assert_eq!(store.get(4).as_deref(), Some("five"));
        // Records beyond one block, and one bigger than a block.
        let big = "x".repeat(BLOCK_BYTES + 10);
        let mut store: Packed<String> = Packed::spilling_to(memory_spill);
        for n in 0..30_000 {
            store.push(&format!("record {n} {}", "y".repeat(n % 100)));
        }
        store.push(&big);
        store.push(&"after".to_string());
        assert_eq!(store.len(), 30_002);
        assert!(
            store.overflow.spill.is_none(),
            "a small store stays in memory"
        );
        assert_eq!(
            store.get(29_999),
            Some(format!("record 29999 {}", "y".repeat(99)))
        );
        assert_eq!(store.get(30_000).map(|s| s.len()), Some(BLOCK_BYTES + 10));
        assert_eq!(store.get(30_001).as_deref(), Some("after"));
        assert!(store.blocks.len() >= 3);
    }

    #[test]
    fn stores_append_and_pack_whole() {
        let mut first: Packed<String> = ["a", "b"].into_iter().map(String::from).collect();
        let later: Packed<String> = ["c", "", "e"].into_iter().map(String::from).collect();
        first.append(later);
        first.push(&"f".to_string());
        assert_eq!(
            first.iter().collect::<Vec<_>>(),
            ["a", "b", "c", "", "e", "f"]
        );
        // A small store is copied into the last block; a store of more
        // blocks than COPIED_BLOCKS hands its blocks over.
        assert_eq!(first.blocks.len(), 1);
        let big: Packed<String> = (0..=COPIED_BLOCKS)
            .map(|i| i.to_string().repeat(BLOCK_BYTES))
            .collect();
        let mut taker: Packed<String> = ["x"].into_iter().map(String::from).collect();
        taker.append(big);
        assert_eq!(taker.blocks.len(), 1 + COPIED_BLOCKS + 1);
        assert_eq!(
            taker.get(COPIED_BLOCKS + 1).map(|s| s.len()),
            Some(BLOCK_BYTES)
        );
        assert_eq!(
            taker.get(3).map(|s| s[..2].to_string()).as_deref(),
            Some("22")
        );
        let mut bytes = Vec::new();
        first.write_to(&mut bytes);
        let mut input = &bytes[..];
        let back = Packed::<String>::read_from(&mut input).unwrap();
        assert!(input.is_empty());
        assert_eq!(
            back.iter().collect::<Vec<_>>(),
            ["a", "b", "c", "", "e", "f"]
        );
    }

    #[test]
    fn a_store_read_from_bytes_is_checked() {
        let record = Location {
            file: "a.zip".into(),
            entry: Some("e.json".into()),
            row: Some(7),
            pointer: None,
            column: Some(2),
        };
        let store: Packed<Location> = [record.clone(), record].into_iter().collect();
        let mut bytes = Vec::new();
        store.write_to(&mut bytes);
        let first_record = 8 + 4 + store.with_bytes(store.spans.get(0).unwrap(), <[u8]>::len);
        assert_eq!(bytes.len(), first_record + first_record - 8);
        // Cut anywhere: refused, saying where the bytes end.
        for end in 0..bytes.len() {
            let expected = match end {
                ..8 => "they end before the count of records",
                _ if end < first_record => "they end inside record 1 of 2",
                _ => "they end inside record 2 of 2",
            };
            assert_eq!(
                Packed::<Location>::read_from(&mut &bytes[..end]).map(|_| ()),
                Err(expected.to_string()),
                "cut at {end}"
            );
        }
        // A record whose bytes are not a `Location`'s, and one that says it
        // is longer than the bytes are.
        let mut altered = bytes.clone();
        altered.truncate(first_record);
        altered[..8].copy_from_slice(&3u64.to_le_bytes());
        put_bytes(&[0xff; 9], &mut altered);
        assert_eq!(
            Packed::<Location>::read_from(&mut &altered[..]).map(|_| ()),
            Err("record 2 of 3 is not what was written".to_string())
        );
        let mut long = 2u64.to_le_bytes().to_vec();
        long.extend_from_slice(&u32::MAX.to_le_bytes());
        long.extend_from_slice(&[1, 2, 3]);
        assert_eq!(
            Packed::<Location>::read_from(&mut &long[..]).map(|_| ()),
            Err("they end inside record 1 of 2".to_string())
        );
        // A record with bytes after its value.
        let mut extended = 1u64.to_le_bytes().to_vec();
        let mut record = bitcode::encode(&Location::file("a.zip"));
        record.push(0);
        put_bytes(&record, &mut extended);
        assert_eq!(
            Packed::<Location>::read_from(&mut &extended[..]).map(|_| ()),
            Err("record 1 of 1 is not what was written".to_string())
        );
        // Read whole, the input is left after the store.
        bytes.extend_from_slice(b"next");
        let mut input = &bytes[..];
        assert_eq!(Packed::<Location>::read_from(&mut input).unwrap(), store);
        assert_eq!(input, b"next");
    }

    /// A spill in memory, standing for the CLI's temporary files.
    #[derive(Default)]
    struct MemorySpill(Mutex<Vec<u8>>);

    impl Spill for MemorySpill {
        fn write(&self, bytes: &[u8]) -> io::Result<u64> {
            let mut written = self.0.lock().unwrap();
            let offset = written.len() as u64;
            written.extend_from_slice(bytes);
            Ok(offset)
        }
        fn read_at(&self, offset: u64, buffer: &mut [u8]) -> io::Result<()> {
            let written = self.0.lock().unwrap();
            let start = offset as usize;
            let bytes = written
                .get(start..start + buffer.len())
                .ok_or(io::ErrorKind::UnexpectedEof)?;
            buffer.copy_from_slice(bytes);
            Ok(())
        }
    }

    fn memory_spill() -> io::Result<Arc<dyn Spill>> {
        Ok(Arc::new(MemorySpill::default()))
    }

    fn no_spill() -> io::Result<Arc<dyn Spill>> {
        Err(io::Error::other("no room"))
    }

    fn blocks_spilled(blocks: &[Block]) -> usize {
        blocks
            .iter()
            .filter(|b| matches!(b, Block::Spilled { .. }))
            .count()
    }

    /// Without a spill (none given, as in the browser, or one that cannot
    /// be made) every block stays in memory.
    #[test]
    fn without_a_spill_a_store_keeps_every_block() {
        let record = |n: usize| format!("record {n} {}", "w".repeat(n % 300));
        let count = 80_000;
        let mut stores = [Packed::default(), Packed::spilling_to(no_spill)];
        for store in &mut stores {
            for n in 0..count {
                store.push(&record(n));
            }
            assert!(store.blocks.len() > BLOCKS_IN_MEMORY + 3);
            assert_eq!(blocks_spilled(&store.blocks), 0);
            assert!(store.overflow.spill.is_none());
            assert!(store.iter().eq((0..count).map(record)));
        }
    }

    /// With a spill, a big store keeps its first blocks in memory and the
    /// rest in its spill; its records read back the same, in any order,
    /// after an append, a clone and a reorder.
    #[test]
    fn a_big_store_keeps_its_later_blocks_in_its_spill() {
        let record = |n: usize| format!("record {n} {}", "z".repeat(n % 300));
        let count = 80_000;
        let mut store: Packed<String> = Packed::spilling_to(memory_spill);
        for n in 0..count {
            store.push(&record(n));
        }
        let on_disk = |store: &Packed<String>| blocks_spilled(&store.blocks);
        let blocks = store.blocks.len();
        assert!(blocks > BLOCKS_IN_MEMORY + 3, "{blocks} blocks");
        assert_eq!(on_disk(&store), blocks - BLOCKS_IN_MEMORY - 1);
        let in_memory = |store: &Packed<String>| store.blocks.len() - on_disk(store);
        assert_eq!(store.get(count - 1), Some(record(count - 1)));
        assert!(store.iter().eq((0..count).map(record)));
        let mut bytes = Vec::new();
        store.write_to(&mut bytes);
        let back = Packed::<String>::read_from(&mut &bytes[..]).unwrap();
        assert!(back.iter().eq((0..count).map(record)));
        let mut copy = store.clone();
        copy.push(&"copy".to_string());
        store.append(back);
        assert_eq!(
            in_memory(&store),
            BLOCKS_IN_MEMORY + 1,
            "an append keeps as few in memory"
        );
        store.push(&"last".to_string());
        assert_eq!(copy.get(count).as_deref(), Some("copy"));
        assert_eq!(store.get(2 * count).as_deref(), Some("last"));
        store.reorder((0..store.len()).rev());
        assert_eq!(store.get(0).as_deref(), Some("last"));
        assert_eq!(store.get(2 * count), Some(record(0)));
        assert!(copy.iter().take(count).eq((0..count).map(record)));
    }

    /// With a spill, the index of where each record lies goes there too
    /// past `SPAN_CHUNKS_IN_MEMORY` chunks; records read back the same by
    /// index, in order, written whole, after an append and a reorder.
    #[test]
    fn a_store_of_many_records_keeps_its_later_spans_in_its_spill() {
        let count = SPAN_CHUNK * (SPAN_CHUNKS_IN_MEMORY + 3) + 5;
        let mut store: Packed<u64> = Packed::spilling_to(memory_spill);
        for n in 0..count as u64 {
            store.push(&n);
        }
        let chunks_on_disk = |store: &Packed<u64>| blocks_spilled(&store.spans.chunks);
        assert_eq!(store.spans.chunks.len(), SPAN_CHUNKS_IN_MEMORY + 4);
        assert_eq!(chunks_on_disk(&store), 3);
        for index in [0, SPAN_CHUNK * 5 + 7, count - 1] {
            assert_eq!(store.get(index), Some(index as u64));
        }
        assert_eq!(store.get(count), None);
        assert!(store.iter().eq(0..count as u64));
        let mut bytes = Vec::new();
        store.write_to(&mut bytes);
        let back = Packed::<u64>::read_from(&mut &bytes[..]).unwrap();
        assert!(back.iter().eq(0..count as u64));
        store.append(back);
        assert_eq!(store.len(), 2 * count);
        assert_eq!(store.get(count + 3), Some(3));
        assert!(chunks_on_disk(&store) >= 2 * 4 - 1);
        store.reorder((0..store.len()).rev());
        assert_eq!(store.get(0), Some(count as u64 - 1));
        assert_eq!(store.get(count), Some(count as u64 - 1));
        assert_eq!(store.get(2 * count - 1), Some(0));
    }

    #[test]
    fn spans_round_trip_as_bytes() {
        let span = Span {
            block: 7,
            start: u32::MAX,
            end: 0x0102_0304,
        };
        assert_eq!(Span::from_bytes(&span.to_bytes()), span);
    }
}
