//! The browser binding, tested in headless Chromium (wasm-bindgen-test):
//! what JavaScript gets from `inspect` and `convert`, and the errors it sees.
//! Run with `make test` (or `cargo test --target wasm32-unknown-unknown`).
#![cfg(target_arch = "wasm32")]

use chorus2outdoo::wasm;
use js_sys::{Array, Object, Reflect, Uint8Array};
use serde::Serialize;
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const PAGE_CSV: &[u8] = include_bytes!("fixtures/e2e/trackers_page.csv");
const BROKEN_CSV: &[u8] = include_bytes!("fixtures/e2e/broken_no_header.csv");
const ARRAY_JSON: &[u8] = include_bytes!("fixtures/trackers_array.json");

const NO_HEADER: &str = "broken_no_header.csv row 1: no tracker header found: a header row needs a tracker name \
column and a keywords or expression column. Headers found: \"Owner\", \"Notes\", \"Created\". Accepted headers: \
name / tracker / tracker name / title; keywords / phrases / terms / words / phrase; category / group; type / \
tracker type; said by / speaker / mentioned by / track when said by; language; description; expression / query / boolean; \
exclude / negative keywords; status / enabled / active; teams; example sentences / guiding sentences";

fn plain(value: JsValue) -> Value {
    serde_wasm_bindgen::from_value(value).expect("a plain JSON-like object")
}

fn file(name: &str, bytes: &[u8]) -> JsValue {
    let file = Object::new();
    Reflect::set(&file, &"name".into(), &name.into()).unwrap();
    Reflect::set(&file, &"bytes".into(), &Uint8Array::from(bytes)).unwrap();
    file.into()
}

fn files(list: &[(&str, &[u8])]) -> JsValue {
    list.iter()
        .map(|(name, bytes)| file(name, bytes))
        .collect::<Array>()
        .into()
}

fn options(json: Value) -> JsValue {
    json.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap()
}

fn message(error: wasm_bindgen::JsError) -> String {
    let value = JsValue::from(error);
    assert!(
        value.is_instance_of::<js_sys::Error>(),
        "errors reach JS as Error objects"
    );
    String::from(value.unchecked_into::<js_sys::Error>().message())
}

#[wasm_bindgen_test]
fn inspect_summarises_a_csv() {
    let summary = plain(wasm::inspect("trackers_page.csv".into(), PAGE_CSV).unwrap());
    assert_eq!(
        summary,
        json!({
            "name": "trackers_page.csv",
            "kind": "tracker_csv",
            "kind_label": "tracker table (CSV/text)",
            "trackers": 6,
            "phrases": 15,
            "problems": 2,
            "error": null
        })
    );
}

#[wasm_bindgen_test]
fn inspect_names_the_problem_of_a_broken_file() {
    let summary = plain(wasm::inspect("broken_no_header.csv".into(), BROKEN_CSV).unwrap());
    assert_eq!(summary["kind"], "tracker_csv");
    assert_eq!(summary["trackers"], 0);
    assert_eq!(summary["error"], NO_HEADER);
}

#[wasm_bindgen_test]
fn inspect_of_an_empty_file() {
    let summary = plain(wasm::inspect("empty.csv".into(), b"").unwrap());
    assert_eq!(summary["kind"], "empty");
    assert!(
        summary["error"].is_string(),
        "an empty file cannot be converted: {summary}"
    );
}

#[wasm_bindgen_test]
async fn convert_gives_the_preview_and_the_same_package_as_native() {
    let result = wasm::convert(
        files(&[
            ("trackers_page.csv", PAGE_CSV),
            ("trackers_array.json", ARRAY_JSON),
        ]),
        options(json!({"default_language": "de"})),
    )
    .unwrap();

    let preview = plain(Reflect::get(&result, &"preview".into()).unwrap());
    let page_only = wasm::convert(
        files(&[("trackers_page.csv", PAGE_CSV)]),
        JsValue::UNDEFINED,
    )
    .unwrap();
    let page_only = json!({"preview": plain(Reflect::get(&page_only, &"preview".into()).unwrap())});
    assert_eq!(
        page_only["preview"]["counts"],
        json!({"themes": 3, "topics": 6, "needs_review": 1, "triggers": 15,
               "report": {"info": 0, "warning": 0, "review": 2, "error": 0}})
    );
    let themes: Vec<&str> = page_only["preview"]["themes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(themes, ["Deal", "Competitor", "Playbook"]);
    // Ids as docs/import-package.md derives them.
    assert_eq!(page_only["preview"]["themes"][1]["id"], "th_0ab1f019fa38");
    assert_eq!(
        page_only["preview"]["themes"][1]["topics"][1]["id"],
        "tp_84fef5b7c59d"
    );
    let budget = &page_only["preview"]["themes"][0]["topics"][2];
    assert_eq!(budget["name"], "Budget approval");
    assert_eq!(budget["status"], "needs_review");
    assert_eq!(
        budget["source"]["expression"],
        "budget AND (approve OR approval) NOT \"no budget\""
    );
    assert_eq!(
        budget["source"]["locations"],
        json!([{"file": "trackers_page.csv", "row": 4}])
    );
    assert_eq!(
        page_only["preview"]["themes"][1]["topics"][1]["triggers"],
        json!([{"id": "tg_d5220c4af24d", "phrase": "Clari", "said_by": "company", "language": "en", "match": "exact"}])
    );
    assert_eq!(page_only["preview"]["inputs"][0]["kind"], "tracker_csv");

    // The options reach the core: a tracker without a language gets the default.
    let clari = &preview["themes"][1]["topics"][1]["triggers"][0];
    assert_eq!(clari["language"], "de");

    let name = Reflect::get(&result, &"package_name".into())
        .unwrap()
        .as_string()
        .unwrap();
    assert!(
        name.starts_with("outdoo-import-20")
            && name.ends_with(".zip")
            && name.len() == "outdoo-import-YYYY-MM-DD.zip".len(),
        "{name}"
    );

    let blob: web_sys::Blob = Reflect::get(&result, &"package".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    assert_eq!(blob.type_(), "application/zip");
    let bytes = Uint8Array::new(&JsFuture::from(blob.array_buffer()).await.unwrap()).to_vec();

    let inputs = [
        chorus2outdoo::InputFile {
            name: "trackers_page.csv".into(),
            bytes: PAGE_CSV.to_vec(),
        },
        chorus2outdoo::InputFile {
            name: "trackers_array.json".into(),
            bytes: ARRAY_JSON.to_vec(),
        },
    ];
    let options = chorus2outdoo::Options {
        default_language: "de".into(),
        ..Default::default()
    };
    let expected = chorus2outdoo::convert(&inputs, &options)
        .unwrap()
        .write_package(Vec::new())
        .unwrap();
    assert_eq!(
        bytes, expected,
        "the Blob holds exactly the package the library writes"
    );
    assert_eq!(&bytes[..4], b"PK\x03\x04");
}

#[wasm_bindgen_test]
fn convert_reports_a_broken_file_with_its_location() {
    let error = wasm::convert(
        files(&[
            ("trackers_page.csv", PAGE_CSV),
            ("broken_no_header.csv", BROKEN_CSV),
        ]),
        JsValue::NULL,
    )
    .unwrap_err();
    assert_eq!(message(error), NO_HEADER);
}

#[wasm_bindgen_test]
fn convert_rejects_bad_arguments_with_a_clear_message() {
    let not_a_list =
        wasm::convert(JsValue::from_str("trackers.csv"), JsValue::UNDEFINED).unwrap_err();
    assert_eq!(
        message(not_a_list),
        "files must be an array of {name, bytes}"
    );

    let no_bytes = Object::new();
    Reflect::set(&no_bytes, &"name".into(), &"a.csv".into()).unwrap();
    let error = wasm::convert(Array::of1(&no_bytes).into(), JsValue::UNDEFINED).unwrap_err();
    assert_eq!(
        message(error),
        "files[0].bytes must be a Uint8Array (a.csv)"
    );

    let error = wasm::convert(
        files(&[("trackers_page.csv", PAGE_CSV)]),
        options(json!({"default_lang": "de"})),
    )
    .unwrap_err();
    let text = message(error);
    assert!(
        text.starts_with("options: unknown field `default_lang`"),
        "{text}"
    );
}

/// `options.edits` reaches the core: the edited preview, each edit in the
/// report; `editsText` gives the canonical text the package records, or
/// the place of a fault.
#[wasm_bindgen_test]
fn convert_applies_options_edits_and_edits_text_is_their_canonical_text() {
    let plain_preview = |result: JsValue| plain(Reflect::get(&result, &"preview".into()).unwrap());
    let before = plain_preview(
        wasm::convert(
            files(&[("trackers_page.csv", PAGE_CSV)]),
            JsValue::UNDEFINED,
        )
        .unwrap(),
    );
    let clari = before["themes"][1]["topics"][1].clone();
    assert_eq!(clari["name"], "Clari");
    let edits = json!({"format": "chorus2outdoo-edits", "version": 1, "edits": [
        {"op": "rename_topic", "topic": clari["id"], "name": "Clari AI"},
        {"op": "add_trigger", "topic": clari["id"],
         "trigger": {"phrase": "clari.ai", "said_by": "external", "language": "en", "match": "exact"}}
    ]});
    let after = plain_preview(
        wasm::convert(
            files(&[("trackers_page.csv", PAGE_CSV)]),
            options(json!({"edits": edits})),
        )
        .unwrap(),
    );
    let topic = &after["themes"][1]["topics"][1];
    assert_eq!(topic["id"], clari["id"]);
    assert_eq!(topic["name"], "Clari AI");
    let document = chorus2outdoo::read::edits::edits_from_value(
        "outdoo-edits.json",
        &edits,
        &chorus2outdoo::Limits::default(),
    )
    .unwrap();
    let added = topic["triggers"][1]["id"].as_str().unwrap().to_string();
    assert_eq!(
        topic["triggers"][1],
        json!({"id": added, "phrase": "clari.ai", "said_by": "external", "language": "en", "match": "exact"})
    );
    let edit_entries: Vec<Value> = after["report"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["code"].as_str().unwrap().starts_with("edit_"))
        .cloned()
        .collect();
    let id = clari["id"].as_str().unwrap();
    assert_eq!(
        edit_entries,
        [
            json!({"severity": "info", "code": "edit_rename_topic",
                   "message": format!("topic \"Clari\" ({id}) is now named \"Clari AI\""),
                   "location": {"file": "outdoo-edits.json", "pointer": "/edits/0"}}),
            json!({"severity": "info", "code": "edit_add_trigger",
                   "message": format!("trigger \"clari.ai\" (external, en, exact) added to the topic \"Clari AI\" ({id}) as {added}"),
                   "location": {"file": "outdoo-edits.json", "pointer": "/edits/1"}}),
        ]
    );

    let text = wasm::edits_text(options(edits)).unwrap();
    assert_eq!(text.as_bytes(), document.to_bytes());
    let error = wasm::edits_text(options(
        json!({"format": "chorus2outdoo-edits", "version": 1,
        "edits": [{"op": "mark_ready", "topic": "tp_0123456789ab", "colour": "red"}]}),
    ))
    .err()
    .map(message);
    assert_eq!(
        error.as_deref(),
        Some("outdoo-edits.json at /edits/0/colour: unknown field \"colour\"; expected only op, topic")
    );
}
