//! The report as files: `report.json` (the entries as they are) and
//! `report.csv` (one row an entry, safe to open in a spreadsheet: a cell that
//! starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
//! apostrophe so it is never run as a formula).
//!
//! With call archives both also list the skipped calls: `report.json` under
//! `skipped` (and `counts.skipped`), `report.csv` as rows of severity
//! `skipped` whose code is the skip reason, with an extra last column
//! `source_id` (the Chorus engagement id; empty on other rows).

use crate::model::calls::SkippedCall;
use crate::report::{Report, Severity};
use crate::write::package::to_json_bytes;
use serde::Serialize;

#[derive(Serialize)]
struct ReportCounts {
    info: usize,
    warning: usize,
    review: usize,
    error: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<usize>,
}

#[derive(Serialize)]
struct ReportFile<'a> {
    counts: ReportCounts,
    entries: &'a [crate::report::ReportEntry],
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<&'a [SkippedCall]>,
}

fn report_file<'a>(report: &'a Report, skipped: Option<&'a [SkippedCall]>) -> ReportFile<'a> {
    ReportFile {
        counts: ReportCounts {
            info: report.count(Severity::Info),
            warning: report.count(Severity::Warning),
            review: report.count(Severity::Review),
            error: report.count(Severity::Error),
            skipped: skipped.map(<[SkippedCall]>::len),
        },
        entries: &report.entries,
        skipped,
    }
}

pub fn report_json(report: &Report) -> Vec<u8> {
    to_json_bytes(&report_file(report, None))
}

/// `report.json` of a conversion with call archives.
pub fn report_json_with_skipped(report: &Report, skipped: &[SkippedCall]) -> Vec<u8> {
    to_json_bytes(&report_file(report, Some(skipped)))
}

/// Neutralises spreadsheet formula prefixes.
pub fn spreadsheet_safe(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Review => "review",
        Severity::Error => "error",
    }
}

fn location_cells(l: &crate::model::Location) -> [String; 5] {
    [
        l.file.clone(),
        l.entry.clone().unwrap_or_default(),
        l.row.map(|r| r.to_string()).unwrap_or_default(),
        l.pointer.clone().unwrap_or_default(),
        l.column.map(|c| c.to_string()).unwrap_or_default(),
    ]
}

pub fn report_csv(report: &Report) -> Vec<u8> {
    csv_rows(report, None)
}

/// `report.csv` of a conversion with call archives.
pub fn report_csv_with_skipped(report: &Report, skipped: &[SkippedCall]) -> Vec<u8> {
    csv_rows(report, Some(skipped))
}

fn csv_rows(report: &Report, skipped: Option<&[SkippedCall]>) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut header = vec![
        "severity", "code", "message", "file", "entry", "row", "pointer", "column",
    ];
    if skipped.is_some() {
        header.push("source_id");
    }
    let mut rows = vec![header.into_iter().map(str::to_string).collect::<Vec<_>>()];
    for entry in &report.entries {
        let mut row = vec![
            severity_name(entry.severity).to_string(),
            entry.code.as_str().to_string(),
            entry.message.clone(),
        ];
        row.extend(location_cells(&entry.location));
        if skipped.is_some() {
            row.push(String::new());
        }
        rows.push(row);
    }
    for call in skipped.unwrap_or_default() {
        let mut row = vec![
            "skipped".to_string(),
            call.reason.as_str().to_string(),
            call.message.clone(),
        ];
        row.extend(location_cells(&call.location));
        row.push(call.source_id.clone());
        rows.push(row);
    }
    for row in rows {
        writer
            .write_record(row.iter().map(|c| spreadsheet_safe(c)))
            .expect("writing to a Vec cannot fail");
    }
    writer.into_inner().expect("writing to a Vec cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Location;
    use crate::report::ReasonCode;

    #[test]
    fn csv_neutralises_formulas() {
        let mut report = Report::default();
        report.warning(
            ReasonCode::UnknownSaidBy,
            Location::row("=HYPERLINK(\"x\").csv", 2),
            "-1 said \"hi\"",
        );
        let csv = String::from_utf8(report_csv(&report)).unwrap();
        assert_eq!(
            csv,
            "severity,code,message,file,entry,row,pointer,column\r\n\
warning,unknown_said_by,\"'-1 said \"\"hi\"\"\",\"'=HYPERLINK(\"\"x\"\").csv\",,2,,\r\n"
        );
    }
}
