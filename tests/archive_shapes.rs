//! Call archives in the shapes customers' tools saved them, each a fixture
//! folder named for its quirk (tests/fixtures/archive_*), converted into a
//! validated package: the exact calls, transcripts, users and report
//! entries each gives.

mod common;

use chorus2outdoo::report::ReportEntry;
use chorus2outdoo::{Conversion, Options};
use common::{calls_jsonl, convert_fixture_folder, json_entry};
use serde_json::{json, Value};

/// The report's entries as `severity code | message | location`.
fn report_lines(conversion: &Conversion) -> Vec<String> {
    conversion
        .report
        .iter()
        .map(|e: ReportEntry| {
            format!(
                "{} {} | {} | {}",
                format!("{:?}", e.severity).to_lowercase(),
                e.code.as_str(),
                e.message,
                e.location
            )
        })
        .collect()
}

/// Calls without recordings: their `missing_media` entries, which every
/// fixture here has and no test is about, left out.
fn without_missing_media(lines: Vec<String>) -> Vec<String> {
    lines
        .into_iter()
        .filter(|l| !l.contains(" missing_media | "))
        .collect()
}

/// A call line with the fields these fixtures leave at their defaults.
fn call(id: &str, fields: Value) -> Value {
    let mut call = json!({
        "source_id": id,
        "title": null,
        "started_at": null,
        "duration_seconds": null,
        "kind": "meeting",
        "host_email": null,
        "participants": [],
        "account": null,
        "opportunity": null,
        "language": null,
        "chorus_url": format!("https://chorus.ai/meeting/{id}"),
        "transcript": null,
        "media": null,
        "chorus_summary": null,
        "chorus_action_items": []
    });
    for (key, value) in fields.as_object().unwrap() {
        call[key] = value.clone();
    }
    call
}

fn person(name: &str, email: &str, side: &str) -> Value {
    json!({"name": name, "email": email, "title": null, "company": null, "side": side})
}

fn speaker(id: u32, name: &str, email: Option<&str>, side: &str) -> Value {
    json!({"id": id, "name": name, "email": email, "side": side})
}

fn utterance(speaker: u32, start_ms: u64, end_ms: u64, text: &str) -> Value {
    json!({"speaker": speaker, "start_ms": start_ms, "end_ms": end_ms, "text": text})
}

#[test]
fn a_jsonapi_collection_holds_several_conversations_and_users() {
    let (conversion, entries) =
        convert_fixture_folder("archive_jsonapi_collection", &Options::default());
    let (first, second, third) = (
        "da7a0000000000000000000000000001",
        "da7a0000000000000000000000000002",
        "da7a0000000000000000000000000003",
    );
    assert_eq!(
        calls_jsonl(&entries),
        [
            call(
                first,
                json!({
                    "title": "Kickoff with Northwind",
                    "started_at": "2026-06-01T15:00:00Z",
                    "duration_seconds": 900,
                    "host_email": "rita@example.com",
                    "participants": [
                        person("Rita Rep", "rita@example.com", "internal"),
                        person("Cal Customer", "cal@northwind.example", "external")
                    ],
                    "account": {"id": "9001", "name": "Northwind"},
                    "language": "en",
                    "transcript": format!("transcripts/{first}.json")
                })
            ),
            call(
                second,
                json!({
                    "title": "Pricing follow-up",
                    "started_at": "2026-06-03T09:30:00Z",
                    "duration_seconds": 1200,
                    "host_email": "sam@example.com",
                    "participants": [
                        person("Sam Seller", "sam@example.com", "internal"),
                        person("Cal Customer", "cal@northwind.example", "external")
                    ],
                    "language": "en",
                    "transcript": format!("transcripts/{second}.json")
                })
            ),
            call(
                third,
                json!({
                    "title": "Saved as an array",
                    "started_at": "2026-06-05T12:00:00Z",
                    "duration_seconds": 60,
                    "host_email": "rita@example.com",
                    "language": "en",
                    "transcript": format!("transcripts/{third}.json")
                })
            ),
        ]
    );
    // A document saved in an array of documents, read again at /0.
    assert_eq!(
        json_entry(&entries, &format!("transcripts/{third}.json"))["utterances"],
        json!([utterance(1, 500, 2000, "One document of an array.")])
    );
    // The second conversation of the file, read again by its pointer.
    assert_eq!(
        json_entry(&entries, &format!("transcripts/{second}.json")),
        json!({
            "source_id": second,
            "speakers": [
                speaker(1, "Sam Seller", Some("sam@example.com"), "internal"),
                speaker(2, "Cal Customer", Some("cal@northwind.example"), "external")
            ],
            "utterances": [
                utterance(1, 1000, 6000, "Here is the price list."),
                utterance(2, 7500, 9500, "What about volume discounts?")
            ]
        })
    );
    assert_eq!(
        json_entry(&entries, "users.json"),
        json!({"users": [
            {"email": "rita@example.com", "name": "Rita Rep", "action": "create", "role": "Analyst", "chorus_user_id": "501"},
            {"email": "sam@example.com", "name": "Sam Seller", "action": "create", "role": "Analyst", "chorus_user_id": "502"}
        ]})
    );
    assert_eq!(
        without_missing_media(report_lines(&conversion)),
        [
            "warning unrecognised_entry | a v1 document of type \"note\"; ignored | chorus-export.zip entry conversations.json at /data/2",
            "warning unrecognised_entry | a v1 user document without an email; ignored | chorus-export.zip entry users.json at /data/2",
        ]
    );
}

#[test]
fn engagements_keyed_by_id_in_a_page_and_a_bare_array() {
    let (conversion, entries) =
        convert_fixture_folder("archive_engagements_keyed_by_id", &Options::default());
    let (meeting, dialer) = (
        "1d000000000000000000000000000001",
        "1d000000000000000000000000000002",
    );
    assert_eq!(
        calls_jsonl(&entries),
        [
            call(
                meeting,
                json!({
                    "title": "Demo for Globex",
                    "started_at": "2026-05-28T20:26:40Z",
                    "duration_seconds": 600,
                    "host_email": "gina@example.com",
                    "participants": [
                        person("Gina Host", "gina@example.com", "internal"),
                        person("Hank Buyer", "hank@globex.example", "external")
                    ],
                    "language": "en",
                    "transcript": format!("transcripts/{meeting}.json")
                })
            ),
            call(
                dialer,
                json!({
                    "title": "Call with Globex",
                    "started_at": "2026-05-28T21:26:40Z",
                    "duration_seconds": 95,
                    "kind": "call",
                    "host_email": "gina@example.com"
                })
            ),
        ]
    );
    assert_eq!(
        json_entry(&entries, &format!("transcripts/{meeting}.json"))["utterances"],
        json!([
            utterance(1, 2000, 5000, "Let me share my screen."),
            utterance(2, 6000, 8000, "Looks good.")
        ])
    );
    assert_eq!(
        without_missing_media(report_lines(&conversion)),
        [
            "warning unrecognised_entry | an object among engagements that is not one (it has no engagement_id, and no id beside an engagement's fields); ignored | chorus-export.zip entry engagements-array.json at /1".to_string(),
            format!("warning missing_transcript | call {dialer}: no conversation document in the archive; imported without a transcript | chorus-export.zip entry engagements-array.json at /0"),
        ]
    );
}

#[test]
fn merged_records_carry_their_conversation_or_a_flattened_transcript() {
    let (conversion, entries) =
        convert_fixture_folder("archive_merged_records", &Options::default());
    let ids = [
        "3e000000000000000000000000000001",
        "3e000000000000000000000000000002",
        "3e000000000000000000000000000003",
    ];
    let calls = calls_jsonl(&entries);
    let summary: Vec<(&str, &str, &str, u64)> = calls
        .iter()
        .map(|c| {
            (
                c["source_id"].as_str().unwrap(),
                c["title"].as_str().unwrap(),
                c["started_at"].as_str().unwrap(),
                c["duration_seconds"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (ids[0], "Quarterly review", "2026-06-09T10:13:20Z", 1800),
            (ids[1], "Intro call", "2026-06-10T10:13:20Z", 300),
            (ids[2], "Timed notes", "2026-06-11T10:13:20Z", 120),
        ]
    );
    assert!(calls
        .iter()
        .zip(ids)
        .all(|(c, id)| c["transcript"] == json!(format!("transcripts/{id}.json"))));
    // One engagement object per file, its `_conversation` the attributes:
    // Chorus's utterances, not the flattened text beside them.
    assert_eq!(
        json_entry(&entries, &format!("transcripts/{}.json", ids[0])),
        json!({
            "source_id": ids[0],
            "speakers": [
                speaker(1, "Mia Manager", Some("mia@example.com"), "internal"),
                speaker(2, "Oscar Owner", Some("oscar@initech.example"), "external")
            ],
            "utterances": [
                utterance(1, 3000, 7000, "Thanks for making the time."),
                utterance(2, 8000, 14000, "Happy to, the quarter went well.")
            ]
        })
    );
    // A flattened text without times: speakers by name, joined to the
    // participants, the line without a name added to the one before, the
    // 300 s shared out by characters (27, 45 and 19 of 91).
    assert_eq!(
        json_entry(&entries, &format!("transcripts/{}.json", ids[1])),
        json!({
            "source_id": ids[1],
            "speakers": [
                speaker(1, "Mia Manager", Some("mia@example.com"), "internal"),
                speaker(2, "Pia Prospect", Some("pia@umbrella.example"), "external")
            ],
            "utterances": [
                utterance(1, 0, 89011, "Hi Pia, thanks for joining."),
                utterance(2, 89011, 237363, "Hi! Happy to be here. We have twenty minutes."),
                utterance(1, 237363, 300000, "Great, let's start.")
            ],
            "timing": "estimated"
        })
    );
    // A `_conversation` that is a whole document without utterances, and a
    // text with times: each utterance lasts until the next, the last until
    // the call ends.
    assert_eq!(
        json_entry(&entries, &format!("transcripts/{}.json", ids[2])),
        json!({
            "source_id": ids[2],
            "speakers": [
                speaker(1, "Mia Manager", None, "unknown"),
                speaker(2, "Quinn Quiet", None, "unknown")
            ],
            "utterances": [
                utterance(1, 3000, 60000, "Short one today."),
                utterance(2, 60000, 120000, "Agreed.")
            ]
        })
    );
    assert_eq!(
        without_missing_media(report_lines(&conversion)),
        [
            format!("warning transcript_from_text | call {}: no utterances from Chorus; the transcript is the flattened transcript text (3 utterance(s), speakers by name, times estimated by spreading the words over the call's length) | chorus-export.zip entry merged-batch.json at /0", ids[1]),
            format!("warning transcript_from_text | call {}: no utterances from Chorus; the transcript is the flattened transcript text (2 utterance(s), speakers by name, times as the text gives them) | chorus-export.zip entry merged-batch.json at /1", ids[2]),
        ]
    );
}

#[test]
fn a_call_keeps_a_title_and_a_start_and_says_where_they_came_from() {
    let (conversion, entries) =
        convert_fixture_folder("archive_conversation_fallbacks", &Options::default());
    let ids = [
        "fa110000000000000000000000000001",
        "fa110000000000000000000000000002",
        "fa110000000000000000000000000003",
    ];
    let calls = calls_jsonl(&entries);
    let summary: Vec<(&str, Value, &str)> = calls
        .iter()
        .map(|c| {
            (
                c["source_id"].as_str().unwrap(),
                c["title"].clone(),
                c["started_at"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                ids[0],
                json!("Renewal call with Acme"),
                "2026-07-01T08:00:00Z"
            ),
            (ids[1], json!("Scheduled sync"), "2026-07-01T09:00:00Z"),
            (ids[2], Value::Null, "2026-07-02T10:00:00Z"),
        ]
    );
    let at = |id: &str| format!("chorus-export.zip entry conversations/{id}.json at /data");
    assert_eq!(
        without_missing_media(report_lines(&conversion)),
        [
            format!("info fallback_used | call {}: no title (subject, name); its title is Chorus's generated subject \"Renewal call with Acme\" | {}", ids[0], at(ids[0])),
            format!("info fallback_used | call {}: no start time (date_time, recording.start_time); it starts at the scheduled start (schedule_start_time), 2026-07-01T09:00:00Z | {}", ids[1], at(ids[1])),
            format!("info fallback_used | call {}: no start time (date_time, recording.start_time); it starts at the first utterance's time (its date_time less its snippet_time), 2026-07-02T10:00:00Z | {}", ids[2], at(ids[2])),
        ]
    );
    // Within the period by the fallback start, and outside it.
    let (conversion, _) = convert_fixture_folder(
        "archive_conversation_fallbacks",
        &Options {
            from: Some("2026-07-02".into()),
            ..Options::default()
        },
    );
    let skipped: Vec<(String, String)> = conversion
        .calls
        .as_ref()
        .unwrap()
        .skipped
        .iter()
        .map(|s| (s.source_id.clone(), s.message.clone()))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                ids[0].to_string(),
                "started 2026-07-01, before the period's first day 2026-07-02".to_string()
            ),
            (
                ids[1].to_string(),
                "started 2026-07-01, before the period's first day 2026-07-02".to_string()
            ),
        ]
    );
}

#[test]
fn summaries_and_action_items_in_html_read_as_plain_text() {
    let (_, entries) = convert_fixture_folder("archive_html_summaries", &Options::default());
    let texts: Vec<(Value, Value)> = calls_jsonl(&entries)
        .iter()
        .map(|c| {
            (
                c["chorus_summary"].clone(),
                c["chorus_action_items"].clone(),
            )
        })
        .collect();
    assert_eq!(
        texts,
        [
            (
                json!("Discovery with Vandelay & partners.\n\nBudget confirmed.\nTimeline: Q3."),
                json!(["Send the proposal", "Book a demo – Tuesday"])
            ),
            (
                json!("Margins < 5% & growing; no markup here."),
                json!(["Call Art back", "Draft \"terms\""])
            ),
        ]
    );
}

#[test]
fn a_merged_records_conversation_saved_as_json_text_is_read_as_one() {
    let (conversion, entries) =
        convert_fixture_folder("archive_merged_records_as_json_text", &Options::default());
    let (text, broken) = (
        "3e000000000000000000000000000004",
        "3e000000000000000000000000000005",
    );
    assert_eq!(
        json_entry(&entries, &format!("transcripts/{text}.json")),
        json!({
            "source_id": text,
            "speakers": [speaker(1, "Ned Nested", Some("ned@example.com"), "internal")],
            "utterances": [utterance(1, 1000, 3000, "Nested as text, read all the same.")]
        })
    );
    let transcripts: Vec<Value> = calls_jsonl(&entries)
        .iter()
        .map(|c| c["transcript"].clone())
        .collect();
    assert_eq!(
        transcripts,
        [json!(format!("transcripts/{text}.json")), Value::Null]
    );
    assert_eq!(
        without_missing_media(report_lines(&conversion)),
        [
            "warning unrecognised_entry | `_conversation` holds text that is not a JSON object (EOF while parsing a string at line 1 column 17); ignored | chorus-export.zip entry merged.json at /1/_conversation".to_string(),
            format!("warning missing_transcript | call {broken}: no conversation document in the archive; imported without a transcript | chorus-export.zip entry merged.json at /1"),
        ]
    );
}

#[test]
fn json_lines_read_a_value_a_line_and_a_broken_line_is_reported_with_its_row() {
    let (conversion, entries) = convert_fixture_folder("archive_json_lines", &Options::default());
    let ids = [
        "5e000000000000000000000000000001",
        "5e000000000000000000000000000002",
        "5e000000000000000000000000000003",
    ];
    let calls: Vec<(String, Value)> = calls_jsonl(&entries)
        .iter()
        .map(|c| {
            (
                c["source_id"].as_str().unwrap().to_string(),
                c["transcript"].clone(),
            )
        })
        .collect();
    assert_eq!(
        calls,
        ids.map(|id| (id.to_string(), json!(format!("transcripts/{id}.json"))))
    );
    // Each transcript read again from its line: a `_conversation`, a
    // flattened text, a conversation document.
    let utterances =
        |id: &str| json_entry(&entries, &format!("transcripts/{id}.json"))["utterances"].clone();
    assert_eq!(
        utterances(ids[0]),
        json!([utterance(1, 2000, 5000, "First line's call.")])
    );
    assert_eq!(
        utterances(ids[1]),
        json!([
            // 35 and 7 characters of 42: 100 s and 20 s of the call's 120.
            utterance(1, 0, 100000, "Third line, a flattened transcript."),
            utterance(2, 100000, 120000, "Thanks.")
        ])
    );
    assert_eq!(
        utterances(ids[2]),
        json!([utterance(1, 0, 1000, "Fourth.")])
    );
    assert_eq!(
        without_missing_media(report_lines(&conversion)),
        [
            "error unreadable_record | not readable JSON: EOF while parsing a string at line 1 column 71; the value was not used | chorus-export.zip entry engagements.jsonl row 2 at /1".to_string(),
            format!("warning transcript_from_text | call {}: no utterances from Chorus; the transcript is the flattened transcript text (2 utterance(s), speakers by name, times estimated by spreading the words over the call's length) | chorus-export.zip entry engagements.jsonl row 3 at /2", ids[1]),
        ]
    );
}
