//! What a download leaves behind: in, the entries saved and the calls
//! that could not be downloaded; out, the archive zip (the same download
//! gives the same bytes) and its `fetch-report.json`.

use serde::Serialize;

/// The archive entry listing the calls that could not be downloaded.
pub const REPORT_ENTRY: &str = "fetch-report.json";

/// A call that could not be downloaded, as `fetch-report.json` lists it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct MissingCall {
    pub engagement_id: String,
    pub what: &'static str,
    pub message: String,
}

/// `fetch-report.json`: `{"missing": [{"engagement_id", "what", "message"}]}`,
/// sorted by engagement id, so the order requests finished in does not show.
pub fn fetch_report(missing: &[MissingCall]) -> Vec<u8> {
    #[derive(Serialize)]
    struct FetchReport<'a> {
        missing: &'a [MissingCall],
    }
    let mut missing = missing.to_vec();
    missing.sort_by(|a, b| (&a.engagement_id, a.what).cmp(&(&b.engagement_id, b.what)));
    let mut bytes = serde_json::to_vec_pretty(&FetchReport { missing: &missing })
        .expect("the report serialises");
    bytes.push(b'\n');
    bytes
}

/// Writes the downloaded entries as the archive zip: in the order given
/// (callers sort them), JSON deflated, media stored as they are, fixed
/// timestamps, so the same download gives the same bytes.
pub fn write_archive<W, R>(
    sink: W,
    entries: impl IntoIterator<Item = (String, R)>,
) -> zip::result::ZipResult<W>
where
    W: std::io::Write + std::io::Seek,
    R: std::io::Read,
{
    use zip::write::SimpleFileOptions;
    let mut zip = zip::ZipWriter::new(sink);
    for (name, mut source) in entries {
        let method = if name.starts_with("media/") {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o644)
            .large_file(true);
        zip.start_file(name.as_str(), options)?;
        std::io::copy(&mut source, &mut zip)?;
    }
    zip.finish()
}
