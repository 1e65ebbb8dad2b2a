//! The replay of the triggers against Chorus's own tracker hits
//! (`fidelity.json`), trackers seen in the calls but not exported, and the
//! trackers recovered from Chorus's mentions: exact figures on a
//! hand-written archive and on the sample, packages validated and
//! byte-identical across runs and thread counts.

mod common;

use chorus2outdoo::decide::fidelity::{package_fidelity, Fidelity};
use chorus2outdoo::report::ReasonCode;
use chorus2outdoo::{InputFile, Options};
use common::{
    assert_golden, cli, convert_with_tracker_hits, fixture, package_entry, scratch, unzip,
    validate_package,
};
use serde_json::{json, Value};
use std::io::Cursor;

fn trackers() -> InputFile {
    fixture("trackers_replayed_on_tracker_hits.csv")
}

/// Each topic of the fixture: both sides found Next steps on two calls and
/// only the triggers on a third (Chorus found nothing there); Pricing
/// meets an engagement's `tracker_matches` on a call whose document has no
/// trackers, misses "cost", and was said where Chorus found nothing;
/// Competitor's export lacks "Gong"; Security is said nowhere. The call
/// without any Chorus tracker data is not compared.
#[test]
fn fidelity_states_per_topic_what_each_side_found() {
    let (_, package) = convert_with_tracker_hits(&[trackers()], &Options::default());
    validate_package(&package);
    let fidelity = package_entry(&package, "fidelity.json");
    let example = |id: &str, utterance: u64, offset: u64, text: &str| json!({"source_id": id, "utterance": utterance, "offset": offset, "text": text});
    assert_eq!(
        fidelity,
        json!({
            "summary": {
                "calls_compared": 4, "calls_without_chorus_trackers": 1, "topics": 4,
                "topics_matched": 3, "topics_at_100": 0, "topics_below_90": 3, "topics_not_seen": 1
            },
            "topics": [
                {"theme": "Playbook", "topic": "Next steps", "topic_id": "tp_138e2e89b2f5",
                 "chorus_tracker": "Next Steps",
                 "calls": {"chorus": 2, "triggers": 3, "both": 2, "only_chorus": 0, "only_triggers": 1},
                 "hits": {"chorus": 2, "triggers": 3}, "agreement_percent": 66.6,
                 "missed_mentions": [], "missed_mentions_other": 0},
                {"theme": "Deal", "topic": "Pricing", "topic_id": "tp_d9f8e0360725",
                 "chorus_tracker": "Pricing",
                 "calls": {"chorus": 3, "triggers": 3, "both": 2, "only_chorus": 1, "only_triggers": 1},
                 "hits": {"chorus": 4, "triggers": 4}, "agreement_percent": 50.0,
                 "missed_mentions": [
                     {"phrase": "cost is", "mentions": 1, "calls": 1,
                      "example": example("bbbb0000000000000000000000000002", 4, 4, "cost is high.")}
                 ],
                 "missed_mentions_other": 0},
                {"theme": "Competitor", "topic": "Competitor", "topic_id": "tp_86fdfe74fe87",
                 "chorus_tracker": "Competitor",
                 "calls": {"chorus": 2, "triggers": 0, "both": 0, "only_chorus": 2, "only_triggers": 0},
                 "hits": {"chorus": 2, "triggers": 0}, "agreement_percent": 0.0,
                 "missed_mentions": [
                     {"phrase": "gong", "mentions": 2, "calls": 2,
                      "example": example("aaaa0000000000000000000000000001", 3, 18, "Gong last year.")}
                 ],
                 "missed_mentions_other": 0},
                {"theme": "Feature", "topic": "Security", "topic_id": "tp_7c320bb0ce42",
                 "chorus_tracker": null,
                 "calls": {"chorus": 0, "triggers": 0, "both": 0, "only_chorus": 0, "only_triggers": 0},
                 "hits": {"chorus": 0, "triggers": 0}, "agreement_percent": null,
                 "missed_mentions": [], "missed_mentions_other": 0}
            ]
        })
    );
    let manifest = package_entry(&package, "manifest.json");
    assert_eq!(manifest["counts"]["fidelity"], fidelity["summary"]);
    let names: Vec<String> = unzip(&package).into_iter().map(|(n, _)| n).collect();
    let at = |name: &str| names.iter().position(|n| n == name).unwrap();
    assert_eq!(at("fidelity.json"), at("users.csv") + 1);
    assert_eq!(at("report.json"), at("fidelity.json") + 1);
    assert_golden("tracker_hits", &package);

    let read_back: Fidelity = package_fidelity(Cursor::new(&package[..]))
        .unwrap()
        .unwrap();
    assert_eq!(
        read_back.summary_lines(10),
        [
            "fidelity: 4 topics replayed over 4 calls with Chorus tracker hits (1 call had none to compare): 0 at 100%, 3 below 90%, 1 not seen in any call; 3 met a Chorus tracker by name",
            "    0.0%  Competitor / Competitor: both 0, only Chorus 2, only the triggers 0 (hits: Chorus 2, triggers 0); most missed: \"gong\" (2 mentions)",
            "   50.0%  Deal / Pricing: both 2, only Chorus 1, only the triggers 1 (hits: Chorus 4, triggers 4); most missed: \"cost is\" (1 mention)",
            "   66.6%  Playbook / Next steps: both 2, only Chorus 0, only the triggers 1 (hits: Chorus 2, triggers 3)",
        ]
    );
}

/// The replay adds `fidelity.json` and its counts and changes no other
/// entry of the call side: calls, transcripts and users are the bytes a
/// conversion without topics writes, themes those of the trackers alone.
#[test]
fn the_replay_changes_no_other_entry() {
    let (_, package) = convert_with_tracker_hits(&[trackers()], &Options::default());
    let entries = unzip(&package);
    assert_eq!(
        entries,
        unzip(&convert_with_tracker_hits(&[trackers()], &Options::default()).1),
        "two runs differ"
    );
    assert!(entries.iter().any(|(n, _)| n == "fidelity.json"));
    let trackers_alone = chorus2outdoo::convert(&[trackers()], &Options::default())
        .unwrap()
        .write_package(Vec::new())
        .unwrap();
    assert_eq!(
        package_entry(&package, "themes.json"),
        package_entry(&trackers_alone, "themes.json")
    );
    let no_topics = unzip(&convert_with_tracker_hits(&[], &Options::default()).1);
    assert!(!no_topics.iter().any(|(n, _)| n == "fidelity.json"));
    let mut compared = 0;
    for (name, bytes) in &entries {
        if name.starts_with("transcripts/") || name == "calls.jsonl" || name.starts_with("users.") {
            let (_, other) = no_topics.iter().find(|(n, _)| n == name).unwrap();
            assert!(other == bytes, "{name} changed with the replay");
            compared += 1;
        }
    }
    assert_eq!(compared, 8);
}

/// Trackers with hits and no topic are reported; with `recover_trackers`
/// they become topics to review with the words at Chorus's mentions.
#[test]
fn trackers_seen_in_calls_are_reported_and_recovered() {
    let (conversion, _) = convert_with_tracker_hits(&[trackers()], &Options::default());
    let reported: Vec<String> = conversion
        .report
        .iter()
        .filter(|e| e.code == ReasonCode::TrackerNotExported)
        .map(|e| format!("{}: {}", e.location, e.message))
        .collect();
    assert_eq!(
        reported,
        ["tracker-hits.zip entry engagements.json at /engagements/1: Chorus tracker \"Trial / POC\" has 1 hit(s) in 1 imported call(s), first on call bbbb0000000000000000000000000002, but no tracker export holds it, so no topic detects it; add it to the export, or convert with --recover-trackers (the page's \"recover trackers from the calls\") to get a topic to review"]
    );

    let options = Options {
        recover_trackers: true,
        ..Options::default()
    };
    let (_, package) = convert_with_tracker_hits(&[trackers()], &options);
    validate_package(&package);
    let themes = package_entry(&package, "themes.json");
    assert_eq!(
        themes["themes"][4],
        json!({"id": "th_436251dc6e9c", "name": "Recovered from Chorus calls", "topics": [{
            "id": "tp_11420eb1c6b9", "name": "Trial / POC", "description": "", "status": "needs_review",
            "review_reasons": ["recovered from the calls: Chorus found this tracker 1 time(s) in 1 call(s); the triggers are the words at 1 of its mentions, not its definition; compare them with the tracker in Chorus"],
            "source": {"locations": [{"file": "tracker-hits.zip", "entry": "engagements.json", "pointer": "/engagements/1"}],
                       "chorus_type": "chorus", "expression": null},
            "triggers": [{"id": "tg_5e277e7096b5", "phrase": "free trial", "said_by": "anyone", "language": "en", "match": "exact", "recovered_from_mentions": 1}]
        }]})
    );
    // The recovered topic is replayed too: its trigger finds its one call.
    let fidelity = package_entry(&package, "fidelity.json");
    assert_eq!(fidelity["topics"][4]["topic"], "Trial / POC");
    assert_eq!(fidelity["topics"][4]["agreement_percent"], 100.0);

    // Without any tracker export every tracker of the calls is recovered.
    let (_, recovered) = convert_with_tracker_hits(&[], &options);
    validate_package(&recovered);
    let names: Vec<Value> = package_entry(&recovered, "themes.json")["themes"][0]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            json!([
                t["name"],
                t["triggers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|g| g["phrase"].clone())
                    .collect::<Vec<_>>()
            ])
        })
        .collect();
    assert_eq!(
        names,
        [
            json!(["Competitor", ["gong"]]),
            json!(["Next Steps", ["follow up", "next steps"]]),
            json!(["Pricing", ["pricing", "cost is"]]),
            json!(["Trial / POC", ["free trial"]]),
        ]
    );
}

/// The sample's trackers and its export: the deliberate differences show,
/// and the package is the same whatever the number of threads.
#[test]
fn the_sample_replays_with_its_deliberate_misses() {
    let dir = scratch("fidelity-sample");
    let archive = dir.join("sample.zip");
    let export = dir.join("sample-trackers.csv");
    let (code, _, err) = cli(&[
        "--quiet",
        "sample",
        "--calls",
        "200",
        "--seed",
        "1",
        "--out",
        archive.to_str().unwrap(),
        "--trackers-out",
        export.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let convert = |jobs: &str, out: &str| {
        let out = dir.join(out);
        let (code, _, err) = cli(&[
            "convert",
            "--archive",
            archive.to_str().unwrap(),
            "--trackers",
            export.to_str().unwrap(),
            "--jobs",
            jobs,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        (std::fs::read(out).unwrap(), err)
    };
    let (one, said) = convert("1", "one.zip");
    let (three, _) = convert("3", "three.zip");
    assert!(one == three, "one thread and three differ");
    validate_package(&one);
    let lines: Vec<&str> = said.lines().filter(|l| l.contains('%')).collect();
    assert_eq!(
        lines,
        [
            "fidelity: 5 topics replayed over 171 calls with Chorus tracker hits (4 calls had none to compare): 3 at 100%, 0 below 90%, 0 not seen in any call; 5 met a Chorus tracker by name",
            "   92.1%  Competitor / Competitor: both 47, only Chorus 0, only the triggers 4 (hits: Chorus 101, triggers 115)",
            "   94.2%  Deal / Pricing: both 49, only Chorus 3, only the triggers 0 (hits: Chorus 121, triggers 99); most missed: \"per seat\" (3 mentions)",
        ]
    );
    let report = package_entry(&one, "report.json");
    let not_exported: Vec<&str> = report["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["code"] == "tracker_not_exported")
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert_eq!(not_exported.len(), 1);
    assert!(
        not_exported[0]
            .starts_with("Chorus tracker \"Trial / POC\" has 124 hit(s) in 51 imported call(s)"),
        "{}",
        not_exported[0]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
