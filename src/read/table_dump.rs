//! Warehouse table dumps: a table's header (or a text file's first line)
//! in, which Chorus table it dumps out, so that such a file is named as what
//! it is instead of being read as a tracker export or a users list.
//!
//! The tables are those Fivetran's Chorus connector writes to a warehouse:
//! `engagement` (one row per call: `id`, `date_time`, `duration`,
//! `subject`, ...), `engagement_participant` (`engagement_id`, `person_id`,
//! `email`, ...), `engagement_tracker_match` (`engagement_id`, `name`,
//! `num_matches`, `type`), and the `recording_transcription_*` tables.
//! Column names are compared ignoring case and punctuation, as warehouses
//! upper-case them (`ENGAGEMENT_ID`). Dumps are not converted yet.

use crate::read::text::decode;
use std::fmt;

/// A recognised table dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDump {
    /// The Fivetran table it dumps, when its columns say which one.
    pub table: Option<&'static str>,
}

impl fmt::Display for TableDump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.table {
            Some(table) => write!(
                f,
                "a Chorus warehouse table dump (Fivetran `{table}` table)"
            ),
            None => f.write_str("a Chorus warehouse table dump (a Fivetran Chorus table)"),
        }
    }
}

fn normalise(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The table a header row dumps, if it is one: `None` for anything else
/// (a tracker export or a users list has no call id column).
pub fn table_dump<'a>(header: impl IntoIterator<Item = &'a str>) -> Option<TableDump> {
    let columns: Vec<String> = header.into_iter().map(normalise).collect();
    let has = |name: &str| columns.iter().any(|c| c == name);
    let call_id = has("engagementid");
    let table = if call_id && has("nummatches") {
        Some("engagement_tracker_match")
    } else if call_id && (has("personid") || has("email") || has("companyname")) {
        Some("engagement_participant")
    } else if (call_id || has("id"))
        && has("datetime")
        && has("duration")
        && ["subject", "engagementtype", "processingstate", "noshow"]
            .iter()
            .any(|c| has(c))
    {
        Some("engagement")
    } else if call_id || columns.iter().any(|c| c.starts_with("fivetran")) {
        // Another table of the connector: keyed by the call, or with
        // Fivetran's own `_fivetran_synced` / `_fivetran_id` columns.
        None
    } else {
        return None;
    };
    Some(TableDump { table })
}

/// The table a text file dumps, read from its first non-blank line.
pub fn table_dump_in_text(bytes: &[u8]) -> Option<TableDump> {
    let (text, _) = decode(&bytes[..bytes.len().min(64 * 1024)]);
    let line = text
        .trim_start_matches('\u{feff}')
        .lines()
        .find(|line| !line.trim().is_empty())?;
    let delimiter = [b'\t', b';', b',']
        .into_iter()
        .max_by_key(|d| (line.matches(*d as char).count(), *d == b','))
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(line.as_bytes());
    let header = reader.records().next()?.ok()?;
    table_dump(header.iter())
}

/// What the report says of a call archive entry that is a table dump.
pub fn archive_entry_notice(bytes: &[u8]) -> Option<String> {
    table_dump_in_text(bytes).map(|dump| {
        format!("{dump}, not Chorus API data; table dumps are not converted yet; ignored")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(header: &str) -> Option<String> {
        table_dump(header.split(',')).map(|dump| dump.to_string())
    }

    #[test]
    fn names_fivetrans_chorus_tables_by_their_columns() {
        assert_eq!(
            named("person_id,engagement_id,user_id,company_name,email,name,title,type").as_deref(),
            Some("a Chorus warehouse table dump (Fivetran `engagement_participant` table)")
        );
        assert_eq!(
            named("_FIVETRAN_ID,ENGAGEMENT_ID,NAME,NUM_MATCHES,TYPE").as_deref(),
            Some("a Chorus warehouse table dump (Fivetran `engagement_tracker_match` table)")
        );
        assert_eq!(
            named("id,user_id,account_name,date_time,duration,engagement_type,subject,url")
                .as_deref(),
            Some("a Chorus warehouse table dump (Fivetran `engagement` table)")
        );
        assert_eq!(
            named("index,engagement_id,recording_transcription_id,length,start").as_deref(),
            Some("a Chorus warehouse table dump (a Fivetran Chorus table)")
        );
    }

    #[test]
    fn tracker_exports_and_users_lists_are_not_dumps() {
        assert_eq!(named("Name,Keywords,Category,Type"), None);
        assert_eq!(
            named("First Name,Last Name,Email Address,Chorus Role"),
            None
        );
        assert_eq!(named("id,name,date_time"), None);
    }

    #[test]
    fn reads_the_first_line_of_a_text_file() {
        let csv = "\u{feff}\r\nengagement_id;person_id;email\r\nabc;1;a@example.com\r\n";
        assert_eq!(
            table_dump_in_text(csv.as_bytes()),
            Some(TableDump {
                table: Some("engagement_participant")
            })
        );
        assert_eq!(
            archive_entry_notice(b"ENGAGEMENT_ID\tNAME\tNUM_MATCHES\n").as_deref(),
            Some(
                "a Chorus warehouse table dump (Fivetran `engagement_tracker_match` table), not Chorus API \
                 data; table dumps are not converted yet; ignored"
            )
        );
        assert_eq!(table_dump_in_text(b"Name,Keywords\nPricing,price\n"), None);
    }
}
