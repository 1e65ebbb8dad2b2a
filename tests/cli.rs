//! The command-line tool on tracker exports: what it prints, the package it
//! writes (the library's bytes), and its exit codes.

mod common;

use common::{cli, fixture, repo, scratch, validate_package};

fn path(name: &str) -> String {
    repo()
        .join("tests/fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn convert_writes_the_library_package_and_a_summary() {
    let out = scratch("cli-convert").join("package.zip");
    let out = out.to_str().unwrap();
    let (code, stdout, stderr) = cli(&[
        "convert",
        "--trackers",
        &path("trackers_advanced_expressions.csv"),
        "--trackers",
        &path("trackers_array.json"),
        "--out",
        out,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        format!(
            "wrote {out}: 4 themes, 8 topics (4 need review), 17 triggers; report: 0 warnings, 4 review items, 3 errors\n"
        )
    );
    let package = std::fs::read(out).unwrap();
    validate_package(&package);
    let files = [
        fixture("trackers_advanced_expressions.csv"),
        fixture("trackers_array.json"),
    ];
    let library = chorus2outdoo::convert(&files, &chorus2outdoo::Options::default())
        .unwrap()
        .write_package(Vec::new())
        .unwrap();
    assert_eq!(package, library);

    let (code, _, stderr) = cli(&[
        "convert",
        "--quiet",
        "--trackers",
        &path("trackers_array.json"),
        "--out",
        out,
    ]);
    assert_eq!((code, stderr.as_str()), (0, ""));
}

#[test]
fn inspect_says_what_each_file_is() {
    let (code, stdout, stderr) = cli(&[
        "inspect",
        &path("trackers_row_per_phrase.csv"),
        &path("trackers_tab_utf16le_bom.txt"),
        &path("trackers_workbook_named_sheet.xlsx"),
        &path("trackers_wrapped_object.json"),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "trackers_row_per_phrase.csv: tracker table (CSV/text) - 2 trackers, 4 phrases, 0 problems\n\
trackers_tab_utf16le_bom.txt: tracker table (CSV/text) - 2 trackers, 3 phrases, 0 problems\n\
trackers_workbook_named_sheet.xlsx: tracker workbook (XLSX) - 3 trackers, 5 phrases, 0 problems\n\
trackers_wrapped_object.json: tracker list (JSON) - 1 trackers, 2 phrases, 0 problems\n"
    );
}

#[test]
fn bad_input_is_one_clear_line_and_exit_code_1() {
    let out = scratch("cli-bad").join("package.zip");
    let out = out.to_str().unwrap();
    let (code, _, stderr) = cli(&[
        "convert",
        "--trackers",
        &path("trackers_no_header.csv"),
        "--out",
        out,
    ]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("error: trackers_no_header.csv row 1: no tracker header found"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);
    assert!(
        !std::path::Path::new(out).exists(),
        "no half package is left behind"
    );

    let (code, _, stderr) = cli(&["convert", "--trackers", "/nonexistent/t.csv", "--out", out]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("error: /nonexistent/t.csv: cannot read the file"),
        "{stderr}"
    );

    let (code, _, stderr) = cli(&[
        "convert",
        "--trackers",
        &path("trackers_array.json"),
        "--default-language",
        "Klingon",
        "--out",
        out,
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "error: options: default language \"Klingon\" is not a language this tool knows; use an ISO 639-1 code such as en or de\n"
    );

    // A tracker file beyond the size limit is refused before it is read (a
    // sparse file: 300 MB long, nothing on disk).
    let huge = scratch("cli-huge").join("huge.csv");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(300 * 1024 * 1024)
        .unwrap();
    let (code, _, stderr) = cli(&[
        "convert",
        "--trackers",
        huge.to_str().unwrap(),
        "--out",
        out,
    ]);
    assert_eq!(
        (code, stderr.as_str()),
        (
            1,
            "error: huge.csv: the file has more than 268435456 bytes, the limit for a tracker export or roster; not read\n"
        )
    );

    let (code, _, stderr) = cli(&["convert", "--trackers"]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, _) = cli(&["frobnicate"]);
    assert_eq!(code, 2);
}
