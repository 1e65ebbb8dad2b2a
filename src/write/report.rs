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
use crate::model::packed::Packed;
use crate::report::{Report, Severity};
use serde::Serialize;
use std::io::Write;

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
    entries: &'a Report,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<&'a Packed<SkippedCall>>,
}

fn report_file<'a>(report: &'a Report, skipped: Option<&'a Packed<SkippedCall>>) -> ReportFile<'a> {
    ReportFile {
        counts: ReportCounts {
            info: report.count(Severity::Info),
            warning: report.count(Severity::Warning),
            review: report.count(Severity::Review),
            error: report.count(Severity::Error),
            skipped: skipped.map(Packed::len),
        },
        entries: report,
        skipped,
    }
}

/// Writes `report.json` to `out`; `skipped` is given with call archives.
pub fn write_report_json(
    report: &Report,
    skipped: Option<&Packed<SkippedCall>>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &report_file(report, skipped))?;
    out.write_all(b"\n")
}

pub fn report_json(report: &Report) -> Vec<u8> {
    let mut bytes = Vec::new();
    write_report_json(report, None, &mut bytes).expect("writing to a Vec cannot fail");
    bytes
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
    let mut bytes = Vec::new();
    write_report_csv(report, None, &mut bytes).expect("writing to a Vec cannot fail");
    bytes
}

/// Writes `report.csv` to `out`, row by row; `skipped` is given with call
/// archives.
pub fn write_report_csv(
    report: &Report,
    skipped: Option<&Packed<SkippedCall>>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let mut header = vec![
        "severity", "code", "message", "file", "entry", "row", "pointer", "column",
    ];
    if skipped.is_some() {
        header.push("source_id");
    }
    writer.write_record(&header)?;
    let mut row = |first: [&str; 3], location: &crate::model::Location, source_id: Option<&str>| {
        let cells = first
            .into_iter()
            .map(str::to_string)
            .chain(location_cells(location))
            .chain(skipped.map(|_| source_id.unwrap_or_default().to_string()));
        writer.write_record(cells.map(|c| spreadsheet_safe(&c)))
    };
    for entry in report.iter() {
        row(
            [
                severity_name(entry.severity),
                entry.code.as_str(),
                &entry.message,
            ],
            &entry.location,
            None,
        )?;
    }
    for call in skipped.into_iter().flat_map(Packed::iter) {
        row(
            ["skipped", call.reason.as_str(), &call.message],
            &call.location,
            Some(&call.source_id),
        )?;
    }
    writer.flush()
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
