//! The report as files: `report.json` (the entries as they are) and
//! `report.csv` (one row an entry, safe to open in a spreadsheet: a cell that
//! starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
//! apostrophe so it is never run as a formula).

use crate::report::{Report, Severity};
use crate::write::package::to_json_bytes;
use serde::Serialize;

#[derive(Serialize)]
struct ReportCounts {
    info: usize,
    warning: usize,
    review: usize,
    error: usize,
}

#[derive(Serialize)]
struct ReportFile<'a> {
    counts: ReportCounts,
    entries: &'a [crate::report::ReportEntry],
}

pub fn report_json(report: &Report) -> Vec<u8> {
    to_json_bytes(&ReportFile {
        counts: ReportCounts {
            info: report.count(Severity::Info),
            warning: report.count(Severity::Warning),
            review: report.count(Severity::Review),
            error: report.count(Severity::Error),
        },
        entries: &report.entries,
    })
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

pub fn report_csv(report: &Report) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let header = ["severity", "code", "message", "file", "entry", "row", "pointer", "column"];
    let mut rows = vec![header.map(str::to_string).to_vec()];
    for entry in &report.entries {
        let l = &entry.location;
        rows.push(vec![
            severity_name(entry.severity).to_string(),
            entry.code.as_str().to_string(),
            entry.message.clone(),
            l.file.clone(),
            l.entry.clone().unwrap_or_default(),
            l.row.map(|r| r.to_string()).unwrap_or_default(),
            l.pointer.clone().unwrap_or_default(),
            l.column.map(|c| c.to_string()).unwrap_or_default(),
        ]);
    }
    for row in rows {
        writer.write_record(row.iter().map(|c| spreadsheet_safe(c))).expect("writing to a Vec cannot fail");
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
        report.warning(ReasonCode::UnknownSaidBy, Location::row("=HYPERLINK(\"x\").csv", 2), "-1 said \"hi\"");
        let csv = String::from_utf8(report_csv(&report)).unwrap();
        assert_eq!(
            csv,
            "severity,code,message,file,entry,row,pointer,column\r\n\
warning,unknown_said_by,\"'-1 said \"\"hi\"\"\",\"'=HYPERLINK(\"\"x\"\").csv\",,2,,\r\n"
        );
    }
}
