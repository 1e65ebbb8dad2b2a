//! The browser binding's Blob side, tested in a dedicated Web Worker in
//! headless Chromium (wasm-bindgen-test): `FileReaderSync` exists only in
//! workers, exactly where the page runs the converter. The Blob reader (exact
//! bytes at any offset, seeks, few slices for many small reads), the reader
//! over a sync access handle of the origin private file system, the chunk
//! sink, the sample archive, `inspectFile`, `convertArchives` and the
//! page's second pass (the steps of `beginPackage`, `next`, ...).
#![cfg(target_arch = "wasm32")]

use chorus2outdoo::wasm::{self, blob::BlobReader, blob::ChunkSink};
use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::io::{Read, Seek, SeekFrom, Write};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

#[path = "support/package_checks.rs"]
mod package_checks;
use package_checks::{assert_crc_refused, Parts};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

const PAGE_CSV: &[u8] = include_bytes!("fixtures/e2e/trackers_page.csv");

fn blob(bytes: &[u8]) -> web_sys::Blob {
    web_sys::Blob::new_with_u8_array_sequence(&Array::of1(&Uint8Array::from(bytes))).unwrap()
}

/// 10,000 bytes where every position has a known value.
fn pattern() -> Vec<u8> {
    (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect()
}

fn plain(value: JsValue) -> Value {
    serde_wasm_bindgen::from_value(value).expect("a plain JSON-like object")
}

async fn blob_bytes(blob: &web_sys::Blob) -> Vec<u8> {
    Uint8Array::new(&JsFuture::from(blob.array_buffer()).await.unwrap()).to_vec()
}

/// A chunk's bytes, copied by JavaScript first: the chunk is a view of the
/// module's memory, which the copy into a Vec may grow (detaching it).
fn js_copy(chunk: &Uint8Array) -> Vec<u8> {
    chunk.slice(0, chunk.length()).to_vec()
}

/// A JS function collecting every chunk it is called with.
fn collector() -> (Function, Rc<RefCell<Vec<Vec<u8>>>>) {
    let chunks = Rc::new(RefCell::new(Vec::new()));
    let sink = chunks.clone();
    let closure = Closure::<dyn FnMut(Uint8Array)>::new(move |chunk: Uint8Array| {
        sink.borrow_mut().push(js_copy(&chunk))
    });
    let function: Function = closure.as_ref().clone().unchecked_into();
    closure.forget();
    (function, chunks)
}

/// Entries `start..end` of archive 0 of `archives` (an array, or one
/// `{name, blob}`) read by an `EntryReader` in steps of `max_bytes`: its
/// reads, until it answers undefined.
fn entry_steps(
    archives: &JsValue,
    start: u64,
    end: u64,
    on_progress: Option<Function>,
    max_bytes: f64,
) -> Vec<Uint8Array> {
    let list: JsValue = if Array::is_array(archives) {
        archives.clone()
    } else {
        Array::of1(archives).into()
    };
    let mut reader =
        wasm::EntryReader::new(list, 0, start as u32, end as u32, on_progress).unwrap();
    let mut steps = Vec::new();
    let mut done = Vec::new();
    while let Some(step) = reader.read(max_bytes) {
        steps.push(step);
        done.push(reader.done());
    }
    // Only the last step is done.
    let mut expected = vec![false; steps.len()];
    *expected.last_mut().expect("at least one step") = true;
    assert_eq!(done, expected);
    steps
}

/// The sample (`wasm::sample`): the archive's Blob and the tracker export
/// (`{name, bytes}`, as `convertArchives` takes a file).
fn sample(calls: u32, seed: u32) -> (web_sys::Blob, JsValue) {
    let sample = wasm::sample(calls, seed).unwrap();
    let archive = Reflect::get(&sample, &"archive".into()).unwrap();
    let trackers = Reflect::get(&sample, &"trackers".into()).unwrap();
    (archive.dyn_into().unwrap(), trackers)
}

fn sample_archive(calls: u32, seed: u32) -> web_sys::Blob {
    sample(calls, seed).0
}

/// The triggers a conversion's preparers replay (null without topics).
fn triggers(conversion: &wasm::ArchiveConversion) -> JsValue {
    conversion.replay_triggers().unwrap()
}

/// What a second pass driven as the page drives it saw: each step's
/// kind, the `prepare` steps' jobs and the `read` steps, in order, and
/// what `finishPackage` answered.
struct Driven {
    kinds: Vec<String>,
    jobs: Vec<JsValue>,
    reads: Vec<Value>,
    finished: JsValue,
}

/// `{workers, store, streams}`, as `beginPackage` takes the page's workers.
fn workers(workers: u32, streams: bool) -> JsValue {
    serde_wasm_bindgen::to_value(&json!({"workers": workers, "store": true, "streams": streams}))
        .unwrap()
}

/// Drives the second pass of `conversion` (begun with `beginPackage`) as
/// the page's converter does: each `prepare` step's job prepared by
/// `preparer` at once (every other one into a buffer the page gives, a
/// view at the start of a larger buffer as the worker's spares are),
/// handed over with `arrived`, each entry appended at its turn (the
/// first time, after an entry out of turn is refused), each recording to
/// read taken from `zip` in two pieces (its middle byte changed when
/// `alter`). The first refusal's message.
fn drive(
    conversion: &mut wasm::ArchiveConversion,
    preparer: &mut wasm::TranscriptPreparer,
    zip: &[u8],
    alter: bool,
) -> Result<Driven, String> {
    let buffers = Function::new_with_args(
        "length",
        "return new Uint8Array(new ArrayBuffer(length + 100), 0, length)",
    );
    let mut arrived: std::collections::BTreeMap<u32, JsValue> = Default::default();
    let mut driven = Driven {
        kinds: Vec::new(),
        jobs: Vec::new(),
        reads: Vec::new(),
        finished: JsValue::UNDEFINED,
    };
    let mut refused_out_of_turn = false;
    loop {
        let step = conversion.next_step().map_err(message)?;
        let kind = Reflect::get(&step, &"kind".into())
            .unwrap()
            .as_string()
            .unwrap();
        driven.kinds.push(kind.clone());
        match kind.as_str() {
            "prepare" => {
                let job = Reflect::get(&step, &"job".into()).unwrap();
                let index = plain(job.clone())["index"].as_u64().unwrap() as u32;
                let given = (driven.jobs.len() % 2 == 1).then(|| buffers.clone());
                let slack = if given.is_some() { 100 } else { 0 };
                let part = preparer.prepare(job.clone(), given).map_err(message)?;
                let zip: Uint8Array = Reflect::get(&part, &"zip".into()).unwrap().unchecked_into();
                assert_eq!(
                    zip.buffer().byte_length() - zip.length(),
                    slack,
                    "job {index}'s buffer"
                );
                let held = zip.buffer().byte_length() as f64;
                let answer = conversion.arrived(index, held).map_err(message)?;
                assert!(answer == "keep" || answer == "store", "{answer}");
                arrived.insert(index, part);
                driven.jobs.push(job);
            }
            "append" => {
                let job = plain(step)["job"].as_u64().unwrap() as u32;
                if !refused_out_of_turn {
                    if let Some((&other, part)) = arrived.iter().find(|(&other, _)| other != job) {
                        let error = conversion
                            .append(other, part.clone())
                            .map(drop)
                            .map_err(message);
                        let error = error.expect_err("an entry out of turn must be refused");
                        assert!(error.contains("appended out of turn"), "{error}");
                        refused_out_of_turn = true;
                    }
                }
                let part = arrived.remove(&job).expect("an arrived entry");
                conversion.append(job, part).map_err(message)?;
            }
            "read" => {
                let read = plain(step);
                let (start, end) = (
                    read["start"].as_u64().unwrap(),
                    read["end"].as_u64().unwrap(),
                );
                let mut bytes = zip[start as usize..end as usize].to_vec();
                let middle = bytes.len() / 2;
                bytes[middle] ^= u8::from(alter);
                conversion
                    .recording_bytes(&bytes[..middle])
                    .map_err(message)?;
                conversion
                    .recording_bytes(&bytes[middle..])
                    .map_err(message)?;
                conversion.end_recording().map_err(message)?;
                driven.reads.push(read);
            }
            "again" => {}
            "finish" => {
                assert!(arrived.is_empty(), "entries left over");
                driven.finished = conversion.finish_package().map_err(message)?;
                return Ok(driven);
            }
            other => panic!("a page preparing every job at once sees no {other:?} step"),
        }
    }
}

/// A JS function collecting every progress object it is called with.
fn progress_collector() -> (Function, Rc<RefCell<Vec<Value>>>) {
    let events = Rc::new(RefCell::new(Vec::new()));
    let sink = events.clone();
    let closure = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        sink.borrow_mut().push(plain(event))
    });
    let function: Function = closure.as_ref().clone().unchecked_into();
    closure.forget();
    (function, events)
}

#[wasm_bindgen_test]
fn blob_reader_gives_the_exact_bytes_at_any_offset() {
    let data = pattern();
    let mut reader = BlobReader::with_read_ahead(blob(&data), 1024).unwrap();
    assert_eq!(reader.size(), 10_000);

    let mut all = Vec::new();
    reader.read_to_end(&mut all).unwrap();
    assert_eq!(all, data);

    for (offset, length) in [
        (0u64, 1usize),
        (1023, 2),
        (1024, 1024),
        (4097, 3000),
        (9_990, 10),
    ] {
        assert_eq!(reader.seek(SeekFrom::Start(offset)).unwrap(), offset);
        let mut out = vec![0u8; length];
        reader.read_exact(&mut out).unwrap();
        assert_eq!(
            out,
            &data[offset as usize..offset as usize + length],
            "{length} bytes at {offset}"
        );
    }

    assert_eq!(reader.seek(SeekFrom::End(-4)).unwrap(), 9_996);
    let mut tail = Vec::new();
    reader.read_to_end(&mut tail).unwrap();
    assert_eq!(tail, &data[9_996..]);
    let mut nothing = [0u8; 8];
    assert_eq!(
        reader.read(&mut nothing).unwrap(),
        0,
        "at the end a read gives nothing"
    );

    assert_eq!(reader.seek(SeekFrom::Start(100)).unwrap(), 100);
    assert_eq!(reader.seek(SeekFrom::Current(-50)).unwrap(), 50);
    assert_eq!(reader.stream_position().unwrap(), 50);
    let mut byte = [0u8; 1];
    reader.read_exact(&mut byte).unwrap();
    assert_eq!(byte[0], data[50]);
    assert_eq!(
        reader.seek(SeekFrom::Current(-100)).unwrap_err().kind(),
        std::io::ErrorKind::InvalidInput
    );
    assert_eq!(
        reader.seek(SeekFrom::Start(20_000)).unwrap(),
        20_000,
        "a seek past the end is allowed"
    );
    assert_eq!(reader.read(&mut nothing).unwrap(), 0);
}

#[wasm_bindgen_test]
fn small_reads_cost_one_slice_per_read_ahead() {
    let data = pattern();
    let mut reader = BlobReader::with_read_ahead(blob(&data), 4096).unwrap();
    let mut byte = [0u8; 1];
    for i in 0..4096 {
        reader.read_exact(&mut byte).unwrap();
        assert_eq!(byte[0], data[i]);
    }
    assert_eq!(
        reader.slices(),
        1,
        "4,096 one-byte reads: one slice of the Blob"
    );
    reader.read_exact(&mut byte).unwrap();
    assert_eq!(reader.slices(), 2);
    // A read as large as the buffer goes straight through: one more slice.
    let mut large = vec![0u8; 5000];
    reader.read_exact(&mut large).unwrap();
    assert_eq!(large, &data[4097..9097]);
    assert_eq!(reader.slices(), 3);
}

#[wasm_bindgen_test]
fn after_a_jump_the_window_starts_small_and_grows_while_sequential() {
    use chorus2outdoo::wasm::blob::MIN_READ_AHEAD as MIN;
    let data: Vec<u8> = (0..(1u32 << 20)).map(|i| (i % 251) as u8).collect();
    let mut reader = BlobReader::with_read_ahead(blob(&data), 1 << 20).unwrap();
    let mut byte = [0u8; 1];
    let mut read_at = |reader: &mut BlobReader, at: u64| {
        reader.seek(SeekFrom::Start(at)).unwrap();
        reader.read_exact(&mut byte).unwrap();
        assert_eq!(byte[0], data[at as usize], "byte {at}");
    };
    // A jump (opening one entry of many) reads MIN bytes, not the whole window.
    read_at(&mut reader, 500_000);
    read_at(&mut reader, 500_000 + MIN as u64 - 1);
    assert_eq!(reader.slices(), 1);
    // Reading on from there doubles the window: 2 * MIN bytes in one slice.
    read_at(&mut reader, 500_000 + MIN as u64);
    read_at(&mut reader, 500_000 + 3 * MIN as u64 - 1);
    assert_eq!(reader.slices(), 2);
    // Another jump starts small again.
    read_at(&mut reader, 10);
    read_at(&mut reader, 10 + MIN as u64);
    assert_eq!(reader.slices(), 4);
}

#[wasm_bindgen_test]
fn chunk_sink_hands_over_full_chunks_then_the_rest() {
    let (callback, chunks) = collector();
    let mut sink = ChunkSink::new(callback, 1000);
    let data = pattern();
    for piece in data[..2500].chunks(300) {
        sink.write_all(piece).unwrap();
    }
    sink.flush().unwrap();
    assert_eq!(chunks.borrow().len(), 2, "flush keeps chunks large");
    assert_eq!(sink.finish().unwrap(), (2500, 3));
    let sizes: Vec<usize> = chunks.borrow().iter().map(Vec::len).collect();
    assert_eq!(sizes, [1200, 1200, 100]);
    assert_eq!(chunks.borrow().concat(), &data[..2500]);
}

#[wasm_bindgen_test]
async fn the_sample_archive_inspects_converts_and_streams_like_the_library() {
    let (sample, trackers_file) = self::sample(20, 3);
    assert_eq!(sample.type_(), "application/zip");
    assert_eq!(
        Reflect::get(&trackers_file, &"name".into()).unwrap(),
        "sample-trackers.csv"
    );
    let trackers_bytes: Uint8Array = Reflect::get(&trackers_file, &"bytes".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    assert_eq!(
        trackers_bytes.to_vec(),
        chorus2outdoo::sample::sample_trackers_csv(),
        "the bytes of `chorus2outdoo sample --trackers-out`"
    );
    let bytes = blob_bytes(&sample).await;
    let entries = sample_entries(&bytes);
    let options = chorus2outdoo::sample::SampleOptions {
        calls: 20,
        seed: 3,
        media: false,
        media_bytes: None,
    };
    let (expected, summary) =
        chorus2outdoo::sample::write_sample(std::io::Cursor::new(Vec::new()), &options).unwrap();
    assert_eq!(
        bytes,
        expected.into_inner(),
        "the same bytes as `chorus2outdoo sample --calls 20 --seed 3`"
    );

    let inspected = plain(wasm::inspect_file("sample.zip".into(), sample.clone(), None).unwrap());
    assert_eq!(inspected["kind"], "call_archive");
    assert_eq!(inspected["error"], Value::Null);
    assert_eq!(inspected["archive"]["engagements"], 20);
    assert_eq!(inspected["archive"]["conversations"], summary.conversations);
    assert_eq!(inspected["archive"]["users"], 12);
    let listed =
        plain(wasm::inspect_file("sample.zip".into(), sample.clone(), Some(true)).unwrap());
    assert_eq!(listed["kind"], "call_archive");
    assert_eq!(listed["archive"]["entries"], entries.len());
    assert_eq!(listed["archive"]["engagements"], 0, "listed, not read");

    let archive = Object::new();
    Reflect::set(&archive, &"name".into(), &"sample.zip".into()).unwrap();
    Reflect::set(&archive, &"blob".into(), &sample).unwrap();
    let scope = json!({"min_duration_seconds": 120, "calls": "meetings"});
    let scope_js = serde_wasm_bindgen::to_value(&scope).unwrap();
    let (on_progress, events) = progress_collector();
    // With the sample's tracker export, so the triggers are replayed.
    let trackers = || Array::of1(&trackers_file).into();
    let mut conversion = wasm::convert_archives(
        trackers(),
        Array::of1(&archive).into(),
        JsValue::NULL,
        scope_js,
        Some(on_progress),
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    )
    .unwrap();
    let preview = plain(conversion.preview().unwrap());
    let (callback, chunks) = collector();
    let written = plain(conversion.write_package(callback, Some(16 * 1024)).unwrap());
    let package = chunks.borrow().concat();
    let size = package.len();
    let name = written["name"].as_str().unwrap().to_string();
    assert!(
        name.starts_with("outdoo-import-20")
            && name.ends_with(".zip")
            && name.len() == "outdoo-import-YYYY-MM-DD.zip".len(),
        "{name}"
    );
    assert_eq!(
        written,
        json!({"name": name, "bytes": size, "parts": [{"number": 1, "name": name,
            "bytes": size, "sha256": null, "calls": plain(conversion.preview().unwrap())["counts"]["calls"]}]})
    );
    assert!(
        chunks.borrow().len() > 1,
        "the package came in several chunks"
    );
    assert!(chunks
        .borrow()
        .iter()
        .rev()
        .skip(1)
        .all(|c| c.len() >= 16 * 1024));

    // The library on an in-memory copy gives the same preview and bytes.
    let options: chorus2outdoo::Options = serde_json::from_value(scope.clone()).unwrap();
    let mut source =
        chorus2outdoo::ZipSource::new("sample.zip", std::io::Cursor::new(bytes.clone())).unwrap();
    let mut sources: Vec<&mut dyn chorus2outdoo::ArchiveSource> = vec![&mut source];
    let export = sample_export();
    let native =
        chorus2outdoo::convert_with_archives(&[export], &mut sources, None, &options).unwrap();
    let expected = native.write_package_with(&mut sources, Vec::new()).unwrap();
    assert_eq!(package, expected);
    // The replay's figures, read back from the package's Blob. Compared as
    // `Fidelity`: through JavaScript a whole-number percentage (100.0)
    // comes back as an integer, which `serde_json::Value` tells apart.
    let fidelity: chorus2outdoo::decide::fidelity::Fidelity =
        serde_json::from_value(plain(wasm::package_fidelity(blob(&package)).unwrap())).unwrap();
    let native_fidelity =
        chorus2outdoo::decide::fidelity::package_fidelity(std::io::Cursor::new(&expected))
            .unwrap()
            .unwrap();
    assert_eq!(fidelity, native_fidelity);
    assert_eq!(fidelity.summary.topics, 5);
    // In steps, as with helper workers: the first pass read in three ranges,
    // each in steps of 20 KB of entries (`EntryReader`), and handed over as
    // bytes while the archive is hashed a step at a time (`ArchiveDigest`),
    // the transcripts prepared by a `TranscriptPreparer` and handed over as
    // plain parts: the same bytes.
    let plan = plain(wasm::first_pass_ranges(Array::of1(&archive).into(), 3).unwrap());
    let ranges = plan["ranges"][0].as_array().unwrap();
    assert_eq!(ranges.len(), 3, "{plan}");
    assert_eq!(plan["entries_total"], entries.len());
    let (on_range_progress, range_events) = progress_collector();
    let reads = Array::new();
    for range in ranges {
        let (start, end) = (range[0].as_u64().unwrap(), range[1].as_u64().unwrap());
        for read in entry_steps(
            &archive,
            start,
            end,
            Some(on_range_progress.clone()),
            20_000.0,
        ) {
            reads.push(&read);
        }
    }
    assert!(reads.length() > 3 * 2, "{} steps", reads.length());
    // A range given backwards reads nothing, in one step; an archive that is not there is named.
    let backwards = entry_steps(&archive, 5, 2, None, 20_000.0);
    assert_eq!(backwards.len(), 1);
    let nothing =
        chorus2outdoo::read::archive::ArchiveRead::from_bytes(&backwards[0].to_vec()).unwrap();
    assert_eq!(
        (
            nothing.summary.entries,
            nothing.contents.engagements.len(),
            nothing.report.len()
        ),
        (0, 0, 0)
    );
    let missing = match wasm::EntryReader::new(Array::of1(&archive).into(), 1, 0, 1, None) {
        Ok(_) => panic!("archive 1 of one must be refused"),
        Err(error) => String::from(
            JsValue::from(error)
                .unchecked_into::<js_sys::Error>()
                .message(),
        ),
    };
    assert_eq!(missing, "there is no archive 1 among 1 archives");
    // Each range's progress ends with its entries done; together, every entry once.
    let range_ends: u64 = range_events
        .borrow()
        .iter()
        .filter(|e| e["entries_done"] == e["entries_total"] && e["entries_done"] != 0)
        .map(|e| e["entries_done"].as_u64().unwrap())
        .sum();
    assert_eq!(range_ends, entries.len() as u64);
    let mut digest = wasm::ArchiveDigest::new(sample.clone()).unwrap();
    let mut steps = 1;
    while !digest.step(1000.0).unwrap() {
        steps += 1;
    }
    assert!(steps > 1, "hashed in {steps} steps");
    let sha256 = digest.hex();
    assert_eq!(sha256, sources[0].sha256());
    // The same digest from bytes the page read itself, in uneven pieces.
    let mut given = wasm::ArchiveDigest::new(sample.clone()).unwrap();
    for piece in bytes.chunks(777) {
        given.update(piece);
    }
    assert_eq!(given.bytes(), bytes.len() as f64);
    assert_eq!(given.hex(), sha256);
    let digested = Object::new();
    Reflect::set(&digested, &"name".into(), &"sample.zip".into()).unwrap();
    Reflect::set(&digested, &"blob".into(), &sample).unwrap();
    Reflect::set(&digested, &"sha256".into(), &sha256.into()).unwrap();
    let scope_js = serde_wasm_bindgen::to_value(&scope).unwrap();
    let (on_stepped_progress, stepped_events) = progress_collector();
    let mut stepped = wasm::convert_archives(
        trackers(),
        Array::of1(&digested).into(),
        JsValue::NULL,
        scope_js,
        Some(on_stepped_progress),
        Array::of1(&reads).into(),
        JsValue::UNDEFINED,
    )
    .unwrap();
    assert_eq!(plain(stepped.preview().unwrap()), preview);
    let triggers = triggers(&stepped);
    assert_eq!(
        plain(triggers.clone())[0],
        json!({"topic": 0, "phrase": "price increase", "said_by": "anyone", "language": "en", "match": "exact"})
    );
    let mut preparer =
        wasm::TranscriptPreparer::new(Array::of1(&archive).into(), triggers).unwrap();
    let (callback, stepped_chunks) = collector();
    // Three helpers (their jobs prepared here, in the order given).
    let begun = stepped
        .begin_package(callback, None, None, workers(3, true))
        .unwrap();
    assert_eq!(plain(begun), json!({"helpers": 3}));
    let driven = drive(&mut stepped, &mut preparer, &[], false).unwrap();
    assert_eq!(
        driven.jobs.len() as u64,
        preview["counts"]["transcripts"].as_u64().unwrap()
    );
    assert!(driven.reads.is_empty());
    let short = Function::new_with_args("length", "return new Uint8Array(length + 1)");
    assert_eq!(
        preparer
            .prepare(driven.jobs[0].clone(), Some(short))
            .map(drop)
            .map_err(message),
        Err("buffers(length) must answer a Uint8Array of that length".to_string())
    );
    let finished = plain(driven.finished);
    // With the first pass read elsewhere, the conversion tells of the
    // package's phase only (no phase without a name).
    let phases: Vec<Value> = stepped_events
        .borrow()
        .iter()
        .map(|e| e["phase"].clone())
        .collect();
    assert!(!phases.is_empty());
    assert!(phases.iter().all(|phase| phase == "write"), "{phases:?}");
    assert_eq!(
        finished,
        json!({"name": name, "bytes": size as u64, "parts": [{"number": 1, "name": name,
            "bytes": size as u64, "sha256": null, "calls": preview["counts"]["calls"]}]})
    );
    assert!(
        stepped_chunks.borrow().concat() == package,
        "the stepped package differs"
    );

    // A call's transcript for the preview: the first utterances of what the
    // package holds, read again from the Blob.
    let first = preview["calls"]["calls"][0]["source_id"]
        .as_str()
        .unwrap()
        .to_string();
    let excerpt = plain(conversion.transcript(first.clone(), 3).unwrap());
    let mut whole = native.transcript(&first, &mut sources).unwrap().unwrap();
    let count = whole.utterances.len();
    assert!(count > 3);
    whole.utterances.truncate(3);
    let mut expected_excerpt = serde_json::to_value(&whole).unwrap();
    expected_excerpt["utterance_count"] = json!(count);
    assert_eq!(excerpt, expected_excerpt);
    let packaged: Value =
        serde_json::from_slice(&zip_entry(&package, &format!("transcripts/{first}.json"))).unwrap();
    assert_eq!(packaged["utterances"].as_array().unwrap().len(), count);
    assert_eq!(packaged["utterances"][0], excerpt["utterances"][0]);
    assert_eq!(
        conversion
            .transcript("ffff0000000000000000000000000000".into(), 3)
            .unwrap(),
        JsValue::NULL
    );

    // Progress: each phase starts at zero and ends with every entry it
    // counted, the first pass over all 20 engagements' entries (pages,
    // conversations, users), the write over the conversation documents.
    let events = events.borrow();
    let phase =
        |name: &str| -> Vec<&Value> { events.iter().filter(|e| e["phase"] == name).collect() };
    let (read, write) = (phase("read"), phase("write"));
    assert_eq!(read.len() + write.len(), events.len());
    assert_eq!(
        (
            read[0]["entries_done"].as_u64(),
            read[0]["bytes_done"].as_u64()
        ),
        (Some(0), Some(0))
    );
    let read_end = read.last().unwrap();
    assert_eq!(read_end["entries_done"], read_end["entries_total"]);
    assert_eq!(read_end["entries_total"], entries.len());
    assert_eq!(
        read_end["bytes_done"],
        entries.iter().map(|(_, n)| n).sum::<u64>()
    );
    let write_end = write.last().unwrap();
    let transcripts = preview["counts"]["transcripts"].as_u64().unwrap();
    assert_eq!(write_end["entries_done"], transcripts);
    assert_eq!(write_end["entries_total"], transcripts);
    assert_eq!(write_end["bytes_done"], write_end["bytes_total"]);
    assert!(write_end["bytes_total"].as_u64().unwrap() > 0);

    // The page's check of the package it built, read from a Blob.
    let verification = plain(wasm::verify_package(blob(&package).into(), JsValue::NULL).unwrap());
    let package_entries = zip::ZipArchive::new(std::io::Cursor::new(&package))
        .unwrap()
        .len();
    assert_eq!(
        verification,
        json!({"entries": package_entries, "problems": []})
    );
    let mut tampered = package.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    let alone = plain(wasm::verify_package(blob(&tampered).into(), JsValue::NULL).unwrap());
    assert!(!alone["problems"].as_array().unwrap().is_empty(), "{alone}");
    // Shared with two helpers (both shares checked here): the same result.
    let checks = Array::new();
    for share in 0..2 {
        for check in
            Array::from(&wasm::check_transcripts(blob(&tampered).into(), share, 2).unwrap()).iter()
        {
            checks.push(&check);
        }
    }
    assert_eq!(checks.length() as u64, transcripts);
    let shared =
        plain(wasm::verify_package(blob(&tampered).into(), checks.clone().into()).unwrap());
    assert_eq!(shared, alone);
    // In two halves, as the converter's worker does while helpers check.
    let check = wasm::PackageCheckJs::new(blob(&tampered).into()).unwrap();
    assert_eq!(plain(check.finish(checks.into()).unwrap()), alone);
    let verification =
        plain(wasm::verify_package(blob(b"not a zip").into(), JsValue::NULL).unwrap());
    let problems = verification["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{verification}");
    assert!(problems[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("not a readable zip archive"));

    let counts = &preview["counts"];
    let native_counts = serde_json::to_value(native.counts()).unwrap();
    assert_eq!(counts, &native_counts);
    assert!(
        counts["calls"].as_u64().unwrap() > 0 && counts["skipped_calls"].as_u64().unwrap() > 0,
        "{counts}"
    );
    assert_eq!(
        preview["calls"]["calls"].as_array().unwrap().len() as u64,
        counts["calls"].as_u64().unwrap()
    );
}

/// One entry of a zip, inflated.
fn zip_entry(zip: &[u8], name: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut bytes = Vec::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    bytes
}

/// The (name, size) of every entry of a zip.
fn sample_entries(zip: &[u8]) -> Vec<(String, u64)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    (0..archive.len())
        .map(|i| {
            let entry = archive.by_index(i).unwrap();
            (entry.name().unwrap().to_string(), entry.size())
        })
        .collect()
}

#[wasm_bindgen_test]
fn inspect_file_reads_a_tracker_export_whole() {
    let summary =
        plain(wasm::inspect_file("trackers_page.csv".into(), blob(PAGE_CSV), Some(true)).unwrap());
    assert_eq!(summary["kind"], "tracker_csv");
    assert_eq!(summary["trackers"], 6);
    assert_eq!(summary["phrases"], 15);
}

#[wasm_bindgen_test]
fn convert_archives_names_a_broken_zip() {
    let mut broken = b"PK\x03\x04".to_vec();
    broken.extend_from_slice(&[0u8; 60]);
    let archive = Object::new();
    Reflect::set(&archive, &"name".into(), &"broken.zip".into()).unwrap();
    Reflect::set(&archive, &"blob".into(), &blob(&broken)).unwrap();
    let error = match wasm::convert_archives(
        JsValue::NULL,
        Array::of1(&archive).into(),
        JsValue::NULL,
        JsValue::NULL,
        None,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    ) {
        Ok(_) => panic!("a broken zip must not convert"),
        Err(error) => JsValue::from(error).unchecked_into::<js_sys::Error>(),
    };
    let message = String::from(error.message());
    assert!(
        message.starts_with("broken.zip: this is not a readable zip archive"),
        "{message}"
    );
}

/// `{name, blob}`, as `convertArchives` takes an archive or an earlier package.
fn named(name: &str, blob: &web_sys::Blob) -> JsValue {
    let item = Object::new();
    Reflect::set(&item, &"name".into(), &name.into()).unwrap();
    Reflect::set(&item, &"blob".into(), blob).unwrap();
    item.into()
}

/// The `source_id`s of a package's `calls.jsonl`, sorted.
fn package_call_ids(package: &[u8]) -> Vec<String> {
    let mut ids: Vec<String> = String::from_utf8(zip_entry(package, "calls.jsonl"))
        .unwrap()
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["source_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    ids.sort();
    ids
}

/// The message of a binding's error.
fn message(error: JsError) -> String {
    JsValue::from(error)
        .unchecked_into::<js_sys::Error>()
        .message()
        .into()
}

#[wasm_bindgen_test]
async fn an_earlier_package_inspects_and_its_calls_are_left_out_as_already_migrated() {
    let sample = sample_archive(20, 3);
    let bytes = blob_bytes(&sample).await;
    // The library's packages of the sample: every call, and an earlier run
    // of the meetings only.
    let package_of = |scope: Value, after: Vec<chorus2outdoo::read::earlier::EarlierPackage>| {
        let mut source =
            chorus2outdoo::ZipSource::new("sample.zip", std::io::Cursor::new(bytes.clone()))
                .unwrap();
        let mut sources: Vec<&mut dyn chorus2outdoo::ArchiveSource> = vec![&mut source];
        let mut options: chorus2outdoo::Options = serde_json::from_value(scope).unwrap();
        options.after_packages = after;
        let conversion =
            chorus2outdoo::convert_with_archives(&[], &mut sources, None, &options).unwrap();
        conversion
            .write_package_with(&mut sources, Vec::new())
            .unwrap()
    };
    let full = package_of(json!({}), Vec::new());
    let earlier = package_of(json!({"calls": "meetings"}), Vec::new());
    let (full_ids, earlier_ids) = (package_call_ids(&full), package_call_ids(&earlier));
    assert_eq!((full_ids.len(), earlier_ids.len()), (18, 15));
    let new_ids: Vec<String> = full_ids
        .iter()
        .filter(|id| !earlier_ids.contains(id))
        .cloned()
        .collect();
    assert_eq!(new_ids.len(), 3);

    // Listed or not, an earlier package says its calls and users.
    for list_only in [Some(true), None] {
        let summary =
            plain(wasm::inspect_file("meetings.zip".into(), blob(&earlier), list_only).unwrap());
        assert_eq!(
            summary,
            json!({
                "name": "meetings.zip", "kind": "outdoo_package", "kind_label": "earlier Outdoo import package",
                "trackers": 0, "phrases": 0, "problems": 0, "error": null,
                "package": {"name": "meetings.zip", "calls": 15, "users": 8},
            })
        );
    }
    // A damaged one is still told apart from an archive, its line named.
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&earlier)).unwrap();
    let mut entries = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        if name == "calls.jsonl" {
            let text = String::from_utf8(content).unwrap();
            let mut lines: Vec<&str> = text.lines().collect();
            lines[1] = "{\"source_id\": 7}";
            content = format!("{}\n", lines.join("\n")).into_bytes();
        }
        entries.push((name, std::io::Cursor::new(content)));
    }
    let damaged = chorus2outdoo::fetch::write_archive(std::io::Cursor::new(Vec::new()), entries)
        .unwrap()
        .into_inner();
    let summary =
        plain(wasm::inspect_file("damaged.zip".into(), blob(&damaged), Some(true)).unwrap());
    assert_eq!(summary["kind"], "outdoo_package");
    assert_eq!(
        summary["error"],
        "damaged.zip entry calls.jsonl row 2: not a call line with a 32-hex source_id; the package is damaged (check it with chorus2outdoo verify)"
    );
    assert_eq!(summary.get("package"), None);

    // The cutover run: the archive with the earlier package.
    let convert = |first_pass: JsValue, earlier_list: JsValue| {
        wasm::convert_archives(
            JsValue::NULL,
            Array::of1(&named("sample.zip", &sample)).into(),
            JsValue::NULL,
            JsValue::NULL,
            None,
            first_pass,
            earlier_list,
        )
    };
    let earlier_list = || -> JsValue { Array::of1(&named("meetings.zip", &blob(&earlier))).into() };
    let mut conversion = convert(JsValue::UNDEFINED, earlier_list()).unwrap();
    let preview = plain(conversion.preview().unwrap());
    let counts = &preview["counts"];
    assert_eq!(
        (
            &counts["calls"],
            &counts["skipped_calls"],
            &counts["users"],
            &counts["users_to_create"]
        ),
        (&json!(3), &json!(17), &json!(3), &json!(1))
    );
    assert_eq!(
        preview["calls"]["skipped_by_reason"],
        json!({"already_migrated": 15, "host_did_not_join": 2})
    );
    let mut migrated: Vec<String> = Vec::new();
    for skipped in preview["calls"]["skipped"].as_array().unwrap() {
        if skipped["reason"] == "already_migrated" {
            assert_eq!(
                skipped["message"],
                "already migrated: the earlier package meetings.zip holds this call"
            );
            migrated.push(skipped["source_id"].as_str().unwrap().to_string());
        }
    }
    migrated.sort();
    assert_eq!(migrated, earlier_ids);
    let mut imported: Vec<String> = preview["calls"]["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|call| call["source_id"].as_str().unwrap().to_string())
        .collect();
    imported.sort();
    assert_eq!(imported, new_ids);
    let inputs: Vec<(&str, &str)> = preview["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["name"].as_str().unwrap(), i["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        inputs,
        [
            ("sample.zip", "call_archive"),
            ("meetings.zip", "outdoo_package")
        ]
    );
    let (callback, chunks) = collector();
    conversion.write_package(callback, None).unwrap();
    let package = chunks.borrow().concat();
    assert_eq!(package_call_ids(&package), new_ids);
    // The same bytes as the library given the package as `--after-package` reads it.
    let read = chorus2outdoo::read::earlier::read_earlier_package(
        "meetings.zip",
        std::io::Cursor::new(&earlier),
        earlier.len() as u64,
    )
    .unwrap();
    assert!(
        package == package_of(json!({}), vec![read]),
        "the cutover package differs from the library's"
    );

    // With helper workers' first pass (the archive only): the same preview.
    let archives: JsValue = Array::of1(&named("sample.zip", &sample)).into();
    let plan = plain(wasm::first_pass_ranges(archives.clone(), 2).unwrap());
    let reads = Array::new();
    for range in plan["ranges"][0].as_array().unwrap() {
        let (start, end) = (range[0].as_u64().unwrap(), range[1].as_u64().unwrap());
        for read in entry_steps(&archives, start, end, None, f64::MAX) {
            reads.push(&read);
        }
    }
    let stepped = convert(Array::of1(&reads).into(), earlier_list()).unwrap();
    assert_eq!(plain(stepped.preview().unwrap()), preview);

    // Refused by name: a file that is no package, and a package without archives.
    let not_a_package = convert(
        JsValue::UNDEFINED,
        Array::of1(&named("sample.zip", &sample)).into(),
    )
    .err()
    .map(message);
    assert_eq!(
        not_a_package.as_deref(),
        Some("sample.zip: this is not an Outdoo import package written by chorus2outdoo (no manifest.json); give the package an earlier conversion wrote")
    );
    let alone = wasm::convert_archives(
        JsValue::NULL,
        JsValue::NULL,
        JsValue::NULL,
        JsValue::NULL,
        None,
        JsValue::UNDEFINED,
        earlier_list(),
    )
    .err()
    .map(message);
    assert_eq!(
        alone.as_deref(),
        Some("meetings.zip: an earlier package only matters with call archives: it says which of their calls were migrated already; add the call archive (--archive)")
    );
}

/// The sample's tracker export, as the library takes a file.
fn sample_export() -> chorus2outdoo::InputFile {
    chorus2outdoo::InputFile {
        name: "sample-trackers.csv".to_string(),
        bytes: chorus2outdoo::sample::sample_trackers_csv(),
    }
}

/// `files` and `archives` converted with no scope, no roster, no earlier packages.
fn converted(files: JsValue, archives: JsValue) -> wasm::ArchiveConversion {
    wasm::convert_archives(
        files,
        archives,
        JsValue::NULL,
        serde_wasm_bindgen::to_value(&json!({})).unwrap(),
        None,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    )
    .unwrap()
}

/// A JS function collecting `(chunk, part)` calls: each part's bytes.
fn part_collector() -> (Function, Rc<RefCell<Vec<Vec<u8>>>>) {
    let parts = Rc::new(RefCell::new(Vec::<Vec<u8>>::new()));
    let sink = parts.clone();
    let closure =
        Closure::<dyn FnMut(Uint8Array, u32)>::new(move |chunk: Uint8Array, part: u32| {
            let mut parts = sink.borrow_mut();
            if parts.len() < part as usize {
                parts.resize(part as usize, Vec::new());
            }
            parts[part as usize - 1].extend(js_copy(&chunk));
        });
    let function: Function = closure.as_ref().clone().unchecked_into();
    closure.forget();
    (function, parts)
}

/// The library's package of `native` in parts of `size` bytes.
fn library_parts(
    native: &chorus2outdoo::Conversion,
    sources: &mut [&mut dyn chorus2outdoo::ArchiveSource],
    size: u64,
) -> chorus2outdoo::write::package::Written<Parts> {
    chorus2outdoo::write::package::write_package_parts(
        native,
        sources,
        None,
        Parts::default(),
        Some(size),
    )
    .unwrap()
}

#[wasm_bindgen_test]
async fn a_package_split_into_parts_comes_part_by_part_as_the_library_writes_it() {
    let sample = sample_archive(60, 5);
    let bytes = blob_bytes(&sample).await;
    let archives: JsValue = Array::of1(&named("sample.zip", &sample)).into();
    let mut conversion = converted(Array::of1(&self::sample(1, 1).1).into(), archives.clone());
    let mut preparer = wasm::TranscriptPreparer::new(archives, triggers(&conversion)).unwrap();
    let (callback, parts) = part_collector();
    let refused = conversion
        .begin_package(
            callback.clone(),
            None,
            Some("60KB".into()),
            workers(1, true),
        )
        .map(drop)
        .map_err(message);
    assert_eq!(
        refused,
        Err("part size: a part size of 60KB is too small: give at least 64 KiB".to_string())
    );
    let refused = conversion
        .begin_package(
            callback.clone(),
            None,
            None,
            serde_wasm_bindgen::to_value(&json!({"helpers": 2})).unwrap(),
        )
        .map(drop)
        .map_err(message);
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.starts_with("plan: unknown field `helpers`")),
        "{refused:?}"
    );
    // The converter's worker alone (one worker: no helpers).
    let begun = conversion
        .begin_package(callback, Some(4096), Some("65536".into()), workers(1, true))
        .unwrap();
    assert_eq!(plain(begun), json!({"helpers": 0}));
    let driven = drive(&mut conversion, &mut preparer, &[], false).unwrap();
    let finished = driven.finished;
    let index_js = Reflect::get(&finished, &"index".into()).unwrap();
    let index_name = Reflect::get(&index_js, &"name".into())
        .unwrap()
        .as_string()
        .unwrap();
    let index_bytes = Uint8Array::new(&Reflect::get(&index_js, &"bytes".into()).unwrap()).to_vec();
    Reflect::delete_property(finished.unchecked_ref::<Object>(), &"index".into()).unwrap();
    let finished = plain(finished);
    let parts = parts.borrow();

    // The library's parts of the same conversion, byte for byte.
    let mut source =
        chorus2outdoo::ZipSource::new("sample.zip", std::io::Cursor::new(bytes)).unwrap();
    let mut sources: Vec<&mut dyn chorus2outdoo::ArchiveSource> = vec![&mut source];
    let export = sample_export();
    let native = chorus2outdoo::convert_with_archives(
        &[export],
        &mut sources,
        None,
        &chorus2outdoo::Options::default(),
    )
    .unwrap();
    let written = library_parts(&native, &mut sources, 65536);
    let expected = &written.output.0;
    assert!(expected.len() >= 3, "{} parts", expected.len());
    assert!(*parts == *expected, "the parts differ from the library's");
    let name = finished["name"].as_str().unwrap().to_string();
    assert!(
        name.starts_with("outdoo-import-20") && name.ends_with(".zip"),
        "{name}"
    );
    let listed: Vec<Value> = written
        .parts
        .iter()
        .map(|part| {
            json!({"number": part.number, "name": chorus2outdoo::write::parts::part_name(&name, part.number),
                "bytes": part.bytes, "sha256": part.sha256, "calls": part.calls})
        })
        .collect();
    let index = chorus2outdoo::write::parts::index_bytes(
        &name,
        65536,
        &native.inputs,
        &written.counts,
        &written.parts,
    )
    .unwrap();
    let total: u64 = written.parts.iter().map(|part| part.bytes).sum();
    let fidelity: chorus2outdoo::decide::fidelity::Fidelity =
        serde_json::from_value(finished["fidelity"].clone()).unwrap();
    assert_eq!(Some(fidelity), written.fidelity);
    assert_eq!(finished["bytes"], json!(total));
    assert_eq!(finished["parts"], json!(listed));
    assert_eq!(index_name, chorus2outdoo::write::parts::index_name(&name));
    assert!(index_bytes == index, "the index differs from the library's");

    // The set checks out from Blobs; without its last part it does not.
    let blobs = Array::new();
    for (at, part) in parts.iter().enumerate() {
        blobs.push(&named(
            &chorus2outdoo::write::parts::part_name(&name, at + 1),
            &blob(part),
        ));
    }
    let index_js = finished_js_index(&index_name, &index);
    let verified = plain(wasm::verify_parts(index_js.clone(), blobs.clone().into()).unwrap());
    assert_eq!(verified["problems"], json!([]));
    blobs.pop();
    let missing = plain(wasm::verify_parts(index_js, blobs.into()).unwrap());
    let last = chorus2outdoo::write::parts::part_name(&name, parts.len());
    assert_eq!(
        missing["problems"],
        json!([{"entry": last, "message": format!("cannot be read (not among the parts given); the index names it as part {}", parts.len())}])
    );

    // The parts one after another in one file, as the page writes them,
    // each read through the file's sync access handle within its range.
    let file = opfs_file("parts-one-after-another.zip", &parts.concat()).await;
    let ranges = |parts: &[Vec<u8>]| {
        let handles = Array::new();
        let mut start = 0;
        for (at, part) in parts.iter().enumerate() {
            let item = Object::new();
            let name = chorus2outdoo::write::parts::part_name(&name, at + 1);
            Reflect::set(&item, &"name".into(), &name.into()).unwrap();
            Reflect::set(&item, &"handle".into(), &file).unwrap();
            Reflect::set(&item, &"start".into(), &(start as f64).into()).unwrap();
            Reflect::set(&item, &"end".into(), &((start + part.len()) as f64).into()).unwrap();
            handles.push(&item);
            start += part.len();
        }
        handles
    };
    let handles = ranges(&parts);
    let verified =
        plain(wasm::verify_parts(finished_js_index(&index_name, &index), handles.into()).unwrap());
    assert_eq!(verified["problems"], json!([]));
    assert_eq!(
        verified["entries"].as_u64().unwrap() > parts.len() as u64,
        true
    );
    // A range one byte short of its part is a part that does not check out.
    let mut short = parts.clone();
    short[0].pop();
    let verified = plain(
        wasm::verify_parts(
            finished_js_index(&index_name, &index),
            ranges(&short).into(),
        )
        .unwrap(),
    );
    assert_ne!(verified["problems"], json!([]));
    // A range past the file's end is refused by name.
    let mut long = parts.clone();
    long.last_mut().unwrap().push(0);
    let verified = plain(
        wasm::verify_parts(finished_js_index(&index_name, &index), ranges(&long).into()).unwrap(),
    );
    let problems = verified["problems"].to_string();
    let total = parts.iter().map(Vec::len).sum::<usize>();
    assert!(
        problems.contains(&format!("are not within the package file ({total} bytes)")),
        "{problems}"
    );
    call(&file, "close", &[]).await;
}

/// `{name, bytes: Uint8Array}`, as `verifyParts` takes an index.
fn finished_js_index(name: &str, bytes: &[u8]) -> JsValue {
    let index = Object::new();
    Reflect::set(&index, &"name".into(), &name.into()).unwrap();
    Reflect::set(&index, &"bytes".into(), &Uint8Array::from(bytes)).unwrap();
    index.into()
}

/// `object.name(...args)`, awaited when it answers a promise.
async fn call(object: &JsValue, name: &str, args: &[JsValue]) -> JsValue {
    let function: Function = Reflect::get(object, &name.into()).unwrap().unchecked_into();
    let answer = function
        .apply(object, &args.iter().collect::<Array>())
        .unwrap();
    match answer.dyn_into::<js_sys::Promise>() {
        Ok(promise) => JsFuture::from(promise).await.unwrap(),
        Err(value) => value,
    }
}

/// A file of the origin private file system holding `bytes`, and a sync
/// access handle open on it.
async fn opfs_file(name: &str, bytes: &[u8]) -> JsValue {
    let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).unwrap();
    let storage = Reflect::get(&navigator, &"storage".into()).unwrap();
    let root = call(&storage, "getDirectory", &[]).await;
    let create = Object::new();
    Reflect::set(&create, &"create".into(), &true.into()).unwrap();
    let file = call(&root, "getFileHandle", &[name.into(), create.into()]).await;
    let handle = call(&file, "createSyncAccessHandle", &[]).await;
    call(&handle, "truncate", &[0.into()]).await;
    let at = Object::new();
    Reflect::set(&at, &"at".into(), &0.into()).unwrap();
    let written = call(
        &handle,
        "write",
        &[Uint8Array::from(bytes).into(), at.into()],
    )
    .await;
    assert_eq!(written.as_f64(), Some(bytes.len() as f64));
    call(&handle, "flush", &[]).await;
    handle
}

#[wasm_bindgen_test]
async fn a_package_read_through_its_sync_access_handle_checks_as_from_its_blob() {
    use chorus2outdoo::wasm::blob::{HandleReader, HANDLE_READ_AHEAD};
    // Exact bytes at any offset, across the read-ahead buffer and past it.
    let data: Vec<u8> = (0..700_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let handle = opfs_file("handle-reader-pattern.bin", &data).await;
    let mut reader = HandleReader::new(handle.clone().unchecked_into()).unwrap();
    let mut all = Vec::new();
    reader.read_to_end(&mut all).unwrap();
    assert!(all == data, "read whole: {} bytes", all.len());
    for (offset, length) in [
        (0u64, 1usize),
        (HANDLE_READ_AHEAD as u64 - 1, 2),
        (HANDLE_READ_AHEAD as u64, 300_000),
        (5, HANDLE_READ_AHEAD + 7),
        (699_990, 10),
    ] {
        assert_eq!(reader.seek(SeekFrom::Start(offset)).unwrap(), offset);
        let mut out = vec![0u8; length];
        reader.read_exact(&mut out).unwrap();
        assert!(
            out == data[offset as usize..offset as usize + length],
            "{length} bytes at {offset}"
        );
    }
    assert_eq!(reader.seek(SeekFrom::End(-3)).unwrap(), 699_997);
    let mut tail = Vec::new();
    reader.read_to_end(&mut tail).unwrap();
    assert_eq!(tail, &data[699_997..]);
    call(&handle, "close", &[]).await;

    // A package checked through its handle: what its Blob gives.
    let sample = sample_archive(20, 3);
    let mut conversion = converted(
        Array::new().into(),
        Array::of1(&named("sample.zip", &sample)).into(),
    );
    let (callback, chunks) = collector();
    conversion.write_package(callback, None).unwrap();
    let package = chunks.borrow().concat();
    let handle = opfs_file("handle-reader-package.zip", &package).await;
    let from_blob = plain(wasm::verify_package(blob(&package).into(), JsValue::NULL).unwrap());
    let from_handle = plain(wasm::verify_package(handle.clone(), JsValue::NULL).unwrap());
    assert_eq!(from_handle, from_blob);
    assert_eq!(from_handle["problems"], json!([]));
    assert_eq!(
        plain(wasm::check_transcripts(handle.clone(), 1, 2).unwrap()),
        plain(wasm::check_transcripts(blob(&package).into(), 1, 2).unwrap())
    );
    // A cut package read through its handle fails as its Blob does.
    let cut = opfs_file("handle-reader-cut.zip", &package[..package.len() - 40]).await;
    let cut_check = plain(wasm::verify_package(cut.clone(), JsValue::NULL).unwrap());
    assert_eq!(
        cut_check,
        plain(
            wasm::verify_package(blob(&package[..package.len() - 40]).into(), JsValue::NULL)
                .unwrap()
        )
    );
    assert_ne!(cut_check["problems"], json!([]));
    call(&cut, "close", &[]).await;
    call(&handle, "close", &[]).await;
}

/// A generated archive with `calls` calls and recordings of `bytes`
/// bytes, its conversion by the library, and how many recordings it holds.
fn media_sample(
    calls: usize,
    seed: u64,
    bytes: u64,
) -> (Vec<u8>, chorus2outdoo::Conversion, usize) {
    use chorus2outdoo::{convert_with_archives, ArchiveSource, Options, ZipSource};
    let options = chorus2outdoo::sample::SampleOptions {
        calls,
        seed,
        media: true,
        media_bytes: Some(bytes),
    };
    let (zip, _) =
        chorus2outdoo::sample::write_sample(std::io::Cursor::new(Vec::new()), &options).unwrap();
    let zip = zip.into_inner();
    let mut source = ZipSource::new("sample.zip", std::io::Cursor::new(&zip[..])).unwrap();
    let mut sources: Vec<&mut dyn ArchiveSource> = vec![&mut source];
    let native = convert_with_archives(&[], &mut sources, None, &Options::default()).unwrap();
    let calls = &native.calls.as_ref().unwrap().calls;
    let recordings = calls
        .iter()
        .filter(|planned| planned.media.is_some())
        .count();
    drop(sources);
    (zip, native, recordings)
}

/// The page's copy of recordings: where the browser streams Files, the
/// second pass names each recording of a MiB and more stored as it is in
/// its archive (`read`), and the bytes handed over give the library's
/// package; without streams, the converter copies them all itself; bytes
/// that do not match are refused by name.
#[wasm_bindgen_test]
async fn recordings_the_page_reads_give_the_librarys_package() {
    use chorus2outdoo::{ArchiveSource, ZipSource};
    let (zip, native, recordings) = media_sample(6, 2, 1_048_576);
    let mut source = ZipSource::new("sample.zip", std::io::Cursor::new(&zip[..])).unwrap();
    let mut sources: Vec<&mut dyn ArchiveSource> = vec![&mut source];
    let expected = native.write_package_with(&mut sources, Vec::new()).unwrap();
    assert!(recordings >= 3, "{recordings} recordings");

    let archives: JsValue = Array::of1(&named("sample.zip", &blob(&zip))).into();
    let written = |streams: bool, alter: bool| {
        let mut conversion = converted(Array::new().into(), archives.clone());
        let mut preparer =
            wasm::TranscriptPreparer::new(archives.clone(), triggers(&conversion)).unwrap();
        let (callback, chunks) = collector();
        conversion
            .begin_package(callback, None, None, workers(1, streams))
            .unwrap();
        let driven = drive(&mut conversion, &mut preparer, &zip, alter)?;
        let package = chunks.borrow().concat();
        Ok::<_, String>((driven, package))
    };

    let (driven, package) = written(true, false).unwrap();
    assert_eq!(driven.reads.len(), recordings);
    for read in &driven.reads {
        let (start, end) = (
            read["start"].as_u64().unwrap(),
            read["end"].as_u64().unwrap(),
        );
        assert_eq!(end - start, 1_048_576, "{read}");
        assert_eq!(read["archive"], 0, "{read}");
        let entry = read["entry"].as_str().unwrap();
        assert!(
            entry.starts_with("media/") && entry.ends_with(".mp4"),
            "{read}"
        );
    }
    // Written whole, the recordings come once every transcript is in.
    let first_read = driven.kinds.iter().position(|k| k == "read").unwrap();
    assert!(
        !driven.kinds[first_read..].iter().any(|k| k == "append"),
        "{:?}",
        driven.kinds
    );
    assert!(
        package == expected,
        "the package differs from the library's"
    );
    let first = driven.reads[0]["entry"].as_str().unwrap().to_string();

    // Without streams, the converter copies them.
    let (driven, package) = written(false, false).unwrap();
    assert!(driven.reads.is_empty());
    assert!(
        package == expected,
        "the package differs from the library's"
    );

    let refused = written(true, true).err().unwrap();
    assert_crc_refused(&refused, &first);
}

/// Split into parts, a part that is full waits for its recordings: the
/// page reads them where the `read` steps say, then the part closes and
/// the transcript that waited goes in. The parts are the library's, byte
/// for byte, and recordings are read before the last transcript goes in.
#[wasm_bindgen_test]
async fn parts_wait_for_the_recordings_the_page_reads() {
    use chorus2outdoo::{ArchiveSource, ZipSource};
    let (zip, native, recordings) = media_sample(12, 3, 1_048_576);
    let mut source = ZipSource::new("sample.zip", std::io::Cursor::new(&zip[..])).unwrap();
    let mut sources: Vec<&mut dyn ArchiveSource> = vec![&mut source];
    let expected = library_parts(&native, &mut sources, 3_000_000);
    assert!(expected.parts.len() >= 3, "{} parts", expected.parts.len());

    let archives: JsValue = Array::of1(&named("sample.zip", &blob(&zip))).into();
    let mut conversion = converted(Array::new().into(), archives.clone());
    let mut preparer = wasm::TranscriptPreparer::new(archives, triggers(&conversion)).unwrap();
    let (callback, parts) = part_collector();
    conversion
        .begin_package(callback, None, Some("3000000".into()), workers(2, true))
        .unwrap();
    let driven = drive(&mut conversion, &mut preparer, &zip, false).unwrap();
    assert!(
        *parts.borrow() == expected.output.0,
        "the parts differ from the library's"
    );
    assert_eq!(driven.reads.len(), recordings);
    let last_append = driven.kinds.iter().rposition(|k| k == "append").unwrap();
    let first_read = driven.kinds.iter().position(|k| k == "read").unwrap();
    assert!(first_read < last_append, "{:?}", driven.kinds);
}

/// `setEdits`: edits set on a conversion with archives apply to the themes
/// as converted; the answer is the edited preview, the package written
/// afterwards is the library's with the same `options.edits`, and `null`
/// gives back the unedited preview. A malformed document changes nothing.
#[wasm_bindgen_test]
async fn set_edits_answers_the_edited_preview_and_writes_the_edited_package() {
    let (archive_blob, trackers_file) = sample(20, 3);
    let mut conversion = converted(
        Array::of1(&trackers_file).into(),
        Array::of1(&named("sample.zip", &archive_blob)).into(),
    );
    let preview = plain(conversion.preview().unwrap());
    let topic = preview["themes"][0]["topics"][0].clone();
    let edits = json!({"format": "chorus2outdoo-edits", "version": 1, "edits": [
        {"op": "rename_topic", "topic": topic["id"], "name": "Renamed"},
        {"op": "remove_trigger", "topic": topic["id"], "trigger": topic["triggers"][0]["id"]},
        {"op": "leave_out", "topic": "tp_000000000000"}
    ]});
    let edited = plain(
        conversion
            .set_edits(serde_wasm_bindgen::to_value(&edits).unwrap())
            .unwrap(),
    );
    let edited_topic = &edited["themes"][0]["topics"][0];
    assert_eq!(edited_topic["id"], topic["id"]);
    assert_eq!(edited_topic["name"], "Renamed");
    let mut triggers = topic["triggers"].as_array().unwrap().clone();
    triggers.remove(0);
    assert_eq!(edited_topic["triggers"], Value::Array(triggers));
    let count = |p: &Value, s: &str| p["counts"]["report"][s].as_u64().unwrap();
    assert_eq!(count(&edited, "info"), count(&preview, "info") + 2);
    assert_eq!(count(&edited, "warning"), count(&preview, "warning") + 1);
    let inputs = edited["inputs"].as_array().unwrap();
    assert_eq!(
        inputs.len(),
        preview["inputs"].as_array().unwrap().len() + 1
    );
    let canonical = chorus2outdoo::read::edits::edits_from_value(
        "outdoo-edits.json",
        &edits,
        &chorus2outdoo::Limits::default(),
    )
    .unwrap()
    .to_bytes();
    assert_eq!(
        inputs.last().unwrap(),
        &json!({"name": "outdoo-edits.json", "bytes": canonical.len(),
                "sha256": chorus2outdoo::digest::sha256_hex(&canonical), "kind": "edits", "edits": 3})
    );

    let (callback, chunks) = collector();
    conversion.write_package(callback, None).unwrap();
    let package = chunks.borrow().concat();
    let bytes = blob_bytes(&archive_blob).await;
    let mut source =
        chorus2outdoo::ZipSource::new("sample.zip", std::io::Cursor::new(bytes)).unwrap();
    let mut sources: Vec<&mut dyn chorus2outdoo::ArchiveSource> = vec![&mut source];
    let options = chorus2outdoo::Options {
        edits: Some(edits),
        ..Default::default()
    };
    let native =
        chorus2outdoo::convert_with_archives(&[sample_export()], &mut sources, None, &options)
            .unwrap();
    let expected = native.write_package_with(&mut sources, Vec::new()).unwrap();
    assert!(
        package == expected,
        "the library's package with options.edits"
    );

    let broken =
        json!({"format": "chorus2outdoo-edits", "version": 1, "edits": [{"op": "leave_out"}]});
    let error = conversion
        .set_edits(serde_wasm_bindgen::to_value(&broken).unwrap())
        .err()
        .map(message);
    assert_eq!(
        error.as_deref(),
        Some("outdoo-edits.json at /edits/0: the field \"topic\" is missing")
    );
    assert_eq!(plain(conversion.preview().unwrap()), edited);
    assert_eq!(plain(conversion.set_edits(JsValue::NULL).unwrap()), preview);
}
