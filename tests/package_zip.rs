//! The package's zip written record by record (`write::zip_stream`)
//! against the zip crate writing the same entries in one streamed
//! `ZipWriter`, an independent writer: the same bytes, with zip64 end
//! records past 65,535 entries and zip64 offsets past 4 GiB, a recording
//! of over 4 GiB written in one go or handed over in pieces alike, and
//! entries written apart as zips of their own the zip crate's one-entry
//! zips. The zip crate reads the result back.

use chorus2outdoo::write::package::DEFLATE_LEVEL;
use chorus2outdoo::write::zip_stream::{Method, OneEntryZip, ZipStream};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

/// An entry: its path, how it is stored, and its content (`Zeros(n)`: n
/// zero bytes, written a MiB at a time).
#[derive(Clone)]
enum Content {
    Bytes(Vec<u8>),
    Zeros(u64),
}

#[derive(Clone)]
struct Entry {
    path: String,
    method: CompressionMethod,
    large: bool,
    content: Content,
    /// Written whole into a zip of its own first, then appended.
    prepared: bool,
    /// Its content handed over in pieces (`ZipStream::open_stored`,
    /// `push`, `close`), as the page hands over a recording it reads.
    pushed: bool,
    /// Its writer flushed halfway and at the end (as `report.csv`'s does
    /// at its end): a deflated entry's block ends there.
    flushed: bool,
}

fn entry(path: &str, method: CompressionMethod, content: &[u8]) -> Entry {
    Entry {
        path: path.to_string(),
        method,
        large: false,
        content: Content::Bytes(content.to_vec()),
        prepared: false,
        pushed: false,
        flushed: false,
    }
}

fn options(entry: &Entry) -> SimpleFileOptions {
    let options = SimpleFileOptions::default()
        .compression_method(entry.method)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644)
        .large_file(entry.large);
    match entry.method {
        CompressionMethod::Deflated => options.compression_level(Some(DEFLATE_LEVEL)),
        _ => options,
    }
}

fn write_content(entry: &Entry, out: &mut dyn Write) {
    match &entry.content {
        Content::Bytes(bytes) if entry.flushed => {
            let (first, second) = bytes.split_at(bytes.len() / 2);
            for half in [first, second] {
                out.write_all(half).unwrap();
                out.flush().unwrap();
            }
        }
        Content::Bytes(bytes) => out.write_all(bytes).unwrap(),
        Content::Zeros(n) => {
            let block = vec![0u8; 1 << 20];
            let mut left = *n;
            while left > 0 {
                let step = left.min(block.len() as u64) as usize;
                out.write_all(&block[..step]).unwrap();
                left -= step as u64;
            }
        }
    }
}

/// The entries as one `ZipWriter` writes them.
fn by_the_zip_crate<W: Write>(entries: &[Entry], sink: W) -> W {
    let mut zip = ZipWriter::new_stream(sink);
    for entry in entries {
        zip.start_file(entry.path.as_str(), options(entry)).unwrap();
        write_content(entry, &mut zip);
    }
    zip.finish().unwrap().into_inner()
}

fn method(entry: &Entry) -> Method {
    match entry.method {
        CompressionMethod::Deflated => Method::Deflated,
        _ => Method::Stored,
    }
}

/// The entry written apart, as a zip of its own.
fn one_entry_zip(entry: &Entry) -> OneEntryZip {
    let (zip, ()) = OneEntryZip::write(&entry.path, method(entry), entry.large, 0, |out| {
        write_content(entry, out);
        Ok(())
    })
    .unwrap();
    zip
}

/// The entries written by `ZipStream`, one after another.
fn written<W: Write>(entries: &[Entry], sink: W) -> W {
    let mut zip = ZipStream::new(sink);
    for entry in entries {
        if entry.prepared {
            zip.append(&one_entry_zip(entry)).unwrap();
            continue;
        }
        if entry.pushed {
            assert_eq!(entry.method, CompressionMethod::Stored);
            zip.open_stored(&entry.path, entry.large).unwrap();
            write_content(entry, &mut Pushing(&mut zip));
            zip.close().unwrap();
            continue;
        }
        zip.entry(&entry.path, method(entry), entry.large, |out| {
            write_content(entry, out);
            Ok(())
        })
        .unwrap();
    }
    zip.finish().unwrap()
}

/// Writes into the entry open in a `ZipStream`, piece by piece.
struct Pushing<'a, W: Write>(&'a mut ZipStream<W>);

impl<W: Write> Write for Pushing<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .push(buf)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What `entry` holds, in full.
fn content(entry: &Entry) -> Vec<u8> {
    let mut bytes = Vec::new();
    write_content(entry, &mut bytes);
    bytes
}

#[test]
fn a_written_zip_is_the_zip_crates() {
    let text: Vec<u8> = (0..20_000u32)
        .flat_map(|i| format!("{{\"line\": {i}}}\n").into_bytes())
        .collect();
    let mut prepared = entry(
        "transcripts/b.json",
        CompressionMethod::Deflated,
        &text[..5000],
    );
    prepared.prepared = true;
    let mut prepared_empty = entry("transcripts/c.json", CompressionMethod::Deflated, b"");
    prepared_empty.prepared = true;
    let mut pushed = entry("media/b.mp4", CompressionMethod::Stored, &text[..9000]);
    pushed.pushed = true;
    let flushed = |path: &str, method, content: &[u8]| Entry {
        flushed: true,
        ..entry(path, method, content)
    };
    let mut zeros = entry("transcripts/d.json", CompressionMethod::Deflated, b"");
    // Deflated from a MiB at a time, many deflate blocks.
    zeros.content = Content::Zeros(3 << 20);
    let entries = vec![
        entry(
            "themes.json",
            CompressionMethod::Deflated,
            b"{\"themes\": []}\n",
        ),
        entry("calls.jsonl", CompressionMethod::Deflated, &text),
        entry("transcripts/a.json", CompressionMethod::Deflated, b""),
        prepared,
        prepared_empty,
        zeros,
        entry("media/a.mp4", CompressionMethod::Stored, &text[..70_000]),
        pushed,
        entry("media/é.m4a", CompressionMethod::Stored, b"\x00\x01\x02"),
        entry("users/ü.json", CompressionMethod::Deflated, "ß".as_bytes()),
        flushed("report.csv", CompressionMethod::Deflated, &text[..30_000]),
        flushed("report.txt", CompressionMethod::Stored, &text[..300]),
        entry("manifest.json", CompressionMethod::Deflated, b"{}\n"),
    ];
    let expected = by_the_zip_crate(&entries, Vec::new());
    let zip = written(&entries, Vec::new());
    assert!(
        zip == expected,
        "the written zip differs from the zip crate's"
    );

    let mut archive = ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    assert_eq!(archive.len(), entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let mut file = archive.by_index(index).unwrap();
        assert_eq!(file.name().unwrap(), entry.path);
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        assert!(bytes == content(entry), "{}", entry.path);
    }
}

/// An entry written apart is the zip crate's one-entry zip of it, and
/// comes back from its bytes (as from another Web Worker) the same.
#[test]
fn a_one_entry_zip_is_the_zip_crates() {
    let text: Vec<u8> = (0..3000u32)
        .flat_map(|i| format!("{{\"word\": {i}}}\n").into_bytes())
        .collect();
    for entry in [
        entry("transcripts/a.json", CompressionMethod::Deflated, &text),
        entry("transcripts/b.json", CompressionMethod::Deflated, b""),
        entry("transcripts/é.json", CompressionMethod::Deflated, b"{}\n"),
        entry("media/a.mp4", CompressionMethod::Stored, &text[..100]),
        Entry {
            large: true,
            ..entry("media/b.mp4", CompressionMethod::Stored, &text[..100])
        },
    ] {
        let zip = one_entry_zip(&entry);
        let expected = by_the_zip_crate(std::slice::from_ref(&entry), Vec::new());
        assert!(zip.bytes() == expected.as_slice(), "{}", entry.path);
        assert_eq!(zip.entry().size, content(&entry).len() as u64);
        let again = OneEntryZip::from_bytes(expected).unwrap();
        assert_eq!(again, zip);
    }
}

#[test]
fn past_65535_entries_the_end_records_are_zip64() {
    let entries: Vec<Entry> = (0..65_600)
        .map(|i| entry(&format!("t/{i}"), CompressionMethod::Stored, b""))
        .collect();
    let expected = by_the_zip_crate(&entries, Vec::new());
    let zip = written(&entries, Vec::new());
    assert!(
        zip == expected,
        "the written zip differs from the zip crate's"
    );
    // The zip64 end record and its locator come before the end record.
    let end = zip.len() - 22;
    assert_eq!(zip[end - 20..end - 16], [0x50, 0x4b, 0x06, 0x07]);
    assert_eq!(
        ZipArchive::new(std::io::Cursor::new(zip)).unwrap().len(),
        65_600
    );
}

/// Hashes what is written, keeping its length and its last 64 KiB.
#[derive(Default)]
struct Digest64 {
    sha256: Sha256,
    len: u64,
    tail: Vec<u8>,
}

impl Digest64 {
    /// The last 64 KiB written.
    fn last(&self) -> &[u8] {
        &self.tail[self.tail.len().saturating_sub(64 * 1024)..]
    }
}

impl Write for Digest64 {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.sha256.update(buf);
        self.len += buf.len() as u64;
        self.tail.extend_from_slice(buf);
        if self.tail.len() > 128 * 1024 {
            self.tail.drain(..self.tail.len() - 64 * 1024);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn past_4_gib_offsets_are_zip64() {
    // A recording over 4 GiB (sizes in its zip64 field), then entries that
    // start past 4 GiB (their offsets in a zip64 field).
    let mut recording = entry("media/big.mp4", CompressionMethod::Stored, b"");
    recording.content = Content::Zeros((4 << 30) + 3);
    recording.large = true;
    let mut prepared = entry(
        "transcripts/c.json",
        CompressionMethod::Deflated,
        b"{\"c\": 1}\n",
    );
    prepared.prepared = true;
    let mut large_after = recording.clone();
    large_after.path = "media/small-but-large.mp4".into();
    large_after.content = Content::Bytes(b"tiny".to_vec());
    let entries = vec![
        entry(
            "themes.json",
            CompressionMethod::Deflated,
            b"{\"themes\": []}\n",
        ),
        recording,
        entry(
            "users.json",
            CompressionMethod::Deflated,
            b"{\"users\": []}\n",
        ),
        prepared,
        large_after,
        entry("users.csv", CompressionMethod::Stored, b"email\n"),
    ];
    let expected = by_the_zip_crate(&entries, Digest64::default());
    let expected_sha256 = expected.sha256.clone().finalize();
    // The recording written in one go, then handed over in pieces.
    for pushed in [false, true] {
        let mut entries = entries.clone();
        entries[1].pushed = pushed;
        let zip = written(&entries, Digest64::default());
        assert_eq!(zip.len, expected.len, "pushed: {pushed}");
        assert!(zip.len > 4 << 30);
        assert!(
            zip.last() == expected.last(),
            "the central directories differ (pushed: {pushed})"
        );
        assert_eq!(
            zip.sha256.finalize()[..],
            expected_sha256[..],
            "the zips differ (pushed: {pushed})"
        );
    }
}
