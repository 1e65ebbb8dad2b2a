//! The whole pipeline behind one call, shared by the CLI and the browser:
//! input files in (tracker exports; call archives as `ArchiveSource`s; an
//! optional roster); a `Conversion` out that previews itself and writes the
//! package to any `Write` sink.
//!
//! Call archives are read twice: the first pass (`convert_with_archives`)
//! reads every entry's metadata, counting utterances without keeping them,
//! and decides which calls to import; the second pass
//! (`Conversion::write_package_with`) re-opens each imported call's
//! conversation document and recording and streams them into the package,
//! one call at a time. The transcripts, the costly part of that pass, are
//! independent jobs (`Conversion::transcript_jobs`) that a caller may
//! prepare in parallel and hand to `write_package_with_transcripts`; the
//! package bytes stay the same.

use crate::decide::calls::{decide_calls, CallScope, Scope};
use crate::decide::edits::apply_edits;
use crate::decide::ids::assign_ids;
use crate::decide::language::language_code;
use crate::decide::recover::unexported_trackers;
use crate::decide::replay::Replay;
use crate::decide::trackers::{themes_from_records, TrackerDecisions};
use crate::decide::users::decide_users;
use crate::detect::{detect, FileKind};
use crate::digest::sha256_hex;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::model::calls::{Call, EntryRef, SkippedCall, Transcript, User};
pub use crate::model::conversion::{
    ArchiveSummary, CallCounts, CallsOutcome, Conversion, ConversionEdits, Counts, EditsSource,
    InputRecord, SeverityCounts, Unedited,
};
use crate::model::edits::{EditsDocument, EDITS_FILE_NAME};
use crate::model::packed::Packed;
use crate::model::Location;
use crate::model::Theme;
use crate::read::archive::{read_archive, ArchiveContents, ArchiveRead, ArchiveSource};
use crate::read::earlier::{AlreadyMigrated, EarlierPackage, PackageSummary};
use crate::read::edits::{edits_from_value, read_edits};
use crate::read::trackers::read_trackers_with;
use crate::read::users::{read_people_csv, ACCEPTED_USER_HEADERS};
use crate::report::{ReasonCode, Report, ReportEntry, Severity};
use crate::write::calls::{
    recording_jobs, reread_transcript, transcript_jobs, TranscriptJob, TranscriptSupply,
};
use crate::write::package::{write_package, write_package_parts, PackageOutput, Written};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{Read, Write};

/// One input file: its name (without folders) and its bytes.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl InputFile {
    /// Reads a tracker export or roster from `reader`: it is read whole, up to
    /// `limits.max_tracker_file_bytes`; a larger file is refused with its name.
    pub fn read(name: impl Into<String>, reader: impl Read, limits: &Limits) -> Result<InputFile> {
        let name = name.into();
        let mut bytes = Vec::new();
        reader
            .take(limits.max_tracker_file_bytes.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| {
                Error::input(Location::file(&name), format!("cannot read the file: {e}"))
            })?;
        InputFile::check_size(&name, bytes.len() as u64, limits)?;
        Ok(InputFile { name, bytes })
    }

    /// Refuses a tracker export or roster of `size` bytes beyond the limit,
    /// before anything is read where the size is known up front.
    pub fn check_size(name: &str, size: u64, limits: &Limits) -> Result<()> {
        let limit = limits.max_tracker_file_bytes;
        if size > limit {
            return Err(Error::input(
                Location::file(name),
                format!(
                    "the file has more than {limit} bytes, the limit for a tracker export or roster; not read"
                ),
            ));
        }
        Ok(())
    }
}

/// What the customer chooses. Every field has a default, so `{}` is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// Language for triggers whose tracker names none (ISO 639-1).
    pub default_language: String,
    /// First day of the period to migrate, `YYYY-MM-DD`, inclusive, UTC;
    /// `None` for no lower bound.
    pub from: Option<String>,
    /// Last day of the period, `YYYY-MM-DD`, inclusive, UTC; `None` for no upper bound.
    pub to: Option<String>,
    /// Calls shorter than this are skipped as `too_short` (0: none are).
    pub min_duration_seconds: u64,
    /// `all` (meetings and dialer calls, the default) or `meetings`.
    pub calls: CallScope,
    /// Limits on hostile input (sizes, counts, compression ratios) for the
    /// tracker exports; call archives carry their own (`ZipSource::with_limits`).
    pub limits: Limits,
    /// Chorus trackers with hits in the calls that no tracker export holds
    /// become topics to review, their triggers read from Chorus's mentions
    /// (`decide::recover`); without it they are only reported.
    pub recover_trackers: bool,
    /// Earlier packages of the same migration (a cutover run after the
    /// bulk run): their calls are skipped as `already_migrated`, their
    /// users are `existing`. Read with `read::earlier`, not from JSON.
    #[serde(skip)]
    pub after_packages: Vec<EarlierPackage>,
    /// An edits document (docs/import-package.md, "Edits") as a JSON value
    /// (the page's object), applied after the edits documents among the
    /// files; recorded in the manifest as `outdoo-edits.json` with the
    /// bytes of its canonical text (`EditsDocument::to_bytes`).
    pub edits: Option<serde_json::Value>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            default_language: "en".to_string(),
            from: None,
            to: None,
            min_duration_seconds: 0,
            calls: CallScope::All,
            limits: Limits::default(),
            recover_trackers: false,
            after_packages: Vec::new(),
            edits: None,
        }
    }
}

fn parse_day(field: &str, value: &Option<String>) -> Result<Option<NaiveDate>> {
    let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            Error::input(
                Location::file("options"),
                format!("{field}: \"{value}\" is not a date; write it as YYYY-MM-DD"),
            )
        })
}

impl Options {
    /// The scope these options choose, or an error naming the bad option.
    pub fn scope(&self) -> Result<Scope> {
        let scope = Scope {
            from: parse_day("from", &self.from)?,
            to: parse_day("to", &self.to)?,
            min_duration_seconds: self.min_duration_seconds,
            calls: self.calls,
            already_migrated: AlreadyMigrated::new(&self.after_packages),
        };
        if let (Some(from), Some(to)) = (scope.from, scope.to) {
            if from > to {
                return Err(Error::input(
                    Location::file("options"),
                    format!("the period starts ({from}) after it ends ({to}); swap from and to"),
                ));
            }
        }
        Ok(scope)
    }
}

/// What `inspect` says about one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileSummary {
    pub name: String,
    pub kind: FileKind,
    pub kind_label: &'static str,
    pub trackers: usize,
    pub phrases: usize,
    /// Report entries of severity warning or worse.
    pub problems: usize,
    /// Why the file cannot be converted, with its location.
    pub error: Option<String>,
    /// What a call archive holds (zips that are not workbooks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archive: Option<ArchiveSummary>,
    /// What an earlier import package holds (`kind` `outdoo_package`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<PackageSummary>,
}

impl FileSummary {
    /// A summary with nothing counted yet.
    pub fn new(name: impl Into<String>, kind: FileKind) -> Self {
        FileSummary {
            name: name.into(),
            kind,
            kind_label: kind.label(),
            trackers: 0,
            phrases: 0,
            problems: 0,
            error: None,
            archive: None,
            package: None,
        }
    }

    /// A file that cannot be converted, and why.
    pub fn failed(name: impl Into<String>, kind: FileKind, error: impl Into<String>) -> Self {
        FileSummary {
            error: Some(error.into()),
            ..FileSummary::new(name, kind)
        }
    }
}

/// Reads a call archive's entries (the first pass) and says what it holds;
/// `problems` counts its report entries of severity warning or worse.
pub fn inspect_archive(source: &mut dyn ArchiveSource) -> FileSummary {
    let read = read_archive(0, source);
    let report = &read.report;
    FileSummary {
        // Unreadable conversation documents are reported with their call later.
        problems: report.count(Severity::Warning)
            + report.count(Severity::Review)
            + report.count(Severity::Error)
            + read.contents.unreadable.len(),
        archive: Some(read.summary),
        ..FileSummary::new(source.name(), FileKind::CallArchive)
    }
}

/// What an earlier import package (`read::earlier::earlier_package_in`)
/// holds: its calls and users, or why it cannot be read.
pub fn inspect_package(name: &str, package: &Result<EarlierPackage>) -> FileSummary {
    match package {
        Ok(package) => FileSummary {
            package: Some(package.summary()),
            ..FileSummary::new(name, FileKind::OutdooPackage)
        },
        Err(e) => FileSummary::failed(name, FileKind::OutdooPackage, e.to_string()),
    }
}

/// Detects, reads and converts one file on its own, and summarises it:
/// `trackers` counts the topics it becomes, `phrases` their triggers. A zip
/// that is not a workbook is read as a call archive.
pub fn inspect(file: &InputFile) -> FileSummary {
    let kind = detect(&file.bytes);
    if kind == FileKind::Zip {
        return match crate::read::archive::ZipSource::new(
            file.name.clone(),
            std::io::Cursor::new(&file.bytes[..]),
        ) {
            Ok(mut source) => inspect_archive(&mut source),
            Err(e) => FileSummary::failed(&file.name, kind, e.to_string()),
        };
    }
    let mut summary = FileSummary::new(&file.name, kind);
    if kind == FileKind::Edits {
        if let Err(e) = read_edits(&file.name, &file.bytes, &Limits::default()) {
            summary.error = Some(e.to_string());
        }
        return summary;
    }
    match convert(std::slice::from_ref(file), &Options::default()) {
        Ok(conversion) => {
            let counts = conversion.counts();
            summary.trackers = counts.topics;
            summary.phrases = counts.triggers;
            summary.problems = counts.report.warning + counts.report.review + counts.report.error;
        }
        Err(e) => summary.error = Some(e.to_string()),
    }
    summary
}

/// How many calls the preview lists (the counts cover them all).
pub const PREVIEW_CALLS: usize = 200;

/// How many report entries of each reason code the preview lists
/// (`report.csv` in the package has them all; an archive without
/// recordings has one per call).
pub const PREVIEW_REPORT: usize = 500;

/// One reason code of the whole report: its most pressing severity and
/// how many entries have it, so the preview's counts are exact however few
/// of its entries the preview lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportCodeCount {
    pub code: ReasonCode,
    pub severity: Severity,
    pub entries: usize,
}

/// The calls side of the preview.
#[derive(Debug, Clone, Serialize)]
pub struct CallsPreview<'a> {
    /// The first `PREVIEW_CALLS` calls of `calls.jsonl`.
    pub calls: Vec<Call>,
    /// The first `PREVIEW_CALLS` skipped calls.
    pub skipped: Vec<SkippedCall>,
    /// Skipped calls per reason code.
    pub skipped_by_reason: BTreeMap<&'static str, usize>,
    pub users: &'a [User],
    pub archives: &'a [ArchiveSummary],
}

/// What the page shows before download.
#[derive(Debug, Clone, Serialize)]
pub struct Preview<'a> {
    pub counts: Counts,
    pub themes: &'a [Theme],
    /// The first `PREVIEW_REPORT` report entries of each reason code, in
    /// report order.
    pub report: Vec<ReportEntry>,
    /// How many entries the report has.
    pub report_entries: usize,
    /// Every reason code of the report, in the order each first appears.
    pub report_codes: Vec<ReportCodeCount>,
    pub inputs: &'a [InputRecord],
    /// Present when call archives were converted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calls: Option<CallsPreview<'a>>,
}

impl Conversion {
    pub fn preview(&self) -> Preview<'_> {
        let mut report = Vec::new();
        let mut report_codes: Vec<ReportCodeCount> = Vec::new();
        for entry in self.report.iter() {
            let code = match report_codes.iter_mut().find(|c| c.code == entry.code) {
                Some(code) => code,
                None => {
                    report_codes.push(ReportCodeCount {
                        code: entry.code,
                        severity: entry.severity,
                        entries: 0,
                    });
                    report_codes.last_mut().expect("just pushed")
                }
            };
            code.severity = code.severity.max(entry.severity);
            code.entries += 1;
            if code.entries <= PREVIEW_REPORT {
                report.push(entry);
            }
        }
        Preview {
            counts: self.counts(),
            themes: &self.themes,
            report,
            report_entries: self.report.len(),
            report_codes,
            inputs: &self.inputs,
            calls: self.calls.as_ref().map(|outcome| {
                let mut skipped_by_reason = BTreeMap::new();
                for skipped in outcome.skipped.iter() {
                    *skipped_by_reason
                        .entry(skipped.reason.as_str())
                        .or_insert(0) += 1;
                }
                CallsPreview {
                    calls: outcome
                        .calls
                        .iter()
                        .take(PREVIEW_CALLS)
                        .map(|c| c.call)
                        .collect(),
                    skipped: outcome.skipped.iter().take(PREVIEW_CALLS).collect(),
                    skipped_by_reason,
                    users: &outcome.users,
                    archives: &outcome.archives,
                }
            }),
        }
    }

    /// Applies the edits documents found among the input files, then
    /// `edits` (an edits document as a JSON value, the page's
    /// `options.edits`; null is none), to the themes as converted: any edits
    /// applied before are undone first (the conversion keeps what it was).
    /// Each document goes into the inputs (kind `edits`) and each edit into
    /// the report. A malformed `edits` is refused before anything changes.
    pub fn set_edits(&mut self, edits: Option<&serde_json::Value>, limits: &Limits) -> Result<()> {
        let mut sources = self.edits.from_files.clone();
        if let Some(value) = edits.filter(|v| !v.is_null()) {
            let document = edits_from_value(EDITS_FILE_NAME, value, limits)?;
            let bytes = document.to_bytes();
            sources.push(edits_source(EDITS_FILE_NAME, &bytes, document));
        }
        for (i, source) in sources.iter().enumerate() {
            let name = &source.input.name;
            if sources[..i].iter().any(|s| &s.input.name == name) {
                return Err(Error::input(
                    Location::file(name),
                    "two edits documents have this name, so the report could not tell their edits apart; rename one or join them",
                ));
            }
        }
        match &self.edits.unedited {
            Some(unedited) => {
                self.themes.clone_from(&unedited.themes);
                self.report = unedited.report.clone();
                self.inputs.clone_from(&unedited.inputs);
            }
            None if sources.is_empty() => return Ok(()),
            None => {
                self.edits.unedited = Some(Box::new(Unedited {
                    themes: self.themes.clone(),
                    report: self.report.clone(),
                    inputs: self.inputs.clone(),
                }));
            }
        }
        for source in sources {
            apply_edits(
                &mut self.themes,
                &source.document,
                &source.input.name,
                &mut self.report,
            );
            self.inputs.push(source.input);
        }
        Ok(())
    }

    /// The replay of the topics' triggers over the transcripts, for a
    /// conversion with call archives and at least one topic.
    pub fn replay(&self) -> Option<Replay> {
        let topics = self.themes.iter().map(|t| t.topics.len()).sum::<usize>();
        (self.calls.is_some() && topics > 0).then(|| Replay::from_themes(&self.themes))
    }

    /// Writes the Outdoo import package (a zip) to `sink` and hands it back.
    /// For a conversion with call archives use `write_package_with`.
    pub fn write_package<W: Write>(&self, sink: W) -> Result<W> {
        write_package(self, &mut [], None, sink)
    }

    /// Writes the package, re-reading transcripts and recordings from
    /// `archives`: the same sources, in the same order, as given to
    /// `convert_with_archives`.
    pub fn write_package_with<W: Write>(
        &self,
        archives: &mut [&mut dyn ArchiveSource],
        sink: W,
    ) -> Result<W> {
        write_package(self, archives, None, sink)
    }

    /// The transcript entries the package holds, in package order: the
    /// work a caller may spread over threads or workers for
    /// `write_package_with_transcripts`.
    pub fn transcript_jobs(&self) -> Packed<TranscriptJob> {
        self.calls.as_ref().map(transcript_jobs).unwrap_or_default()
    }

    /// The transcript of one imported call as the package will hold it,
    /// read again from `archives` (the sources given to
    /// `convert_with_archives`); `None` for a call without one.
    pub fn transcript(
        &self,
        source_id: &str,
        archives: &mut [&mut dyn ArchiveSource],
    ) -> Result<Option<Transcript>> {
        let job = self
            .transcript_jobs()
            .iter()
            .find(|j| j.source_id == source_id);
        job.map(|job| reread_transcript(&job, archives)).transpose()
    }

    /// The archive entries writing the package reads again (conversation
    /// documents, then recordings), in the order it reads them: what a
    /// progress display counts during the write.
    pub fn reread_entries(&self) -> Vec<EntryRef> {
        let Some(outcome) = &self.calls else {
            return Vec::new();
        };
        transcript_jobs(outcome)
            .iter()
            .map(|job| job.source.entry)
            .chain(recording_jobs(outcome).map(|recording| recording.source))
            .collect()
    }

    /// Writes the package like `write_package_with`, taking each transcript
    /// entry from `transcripts`, called once per `transcript_jobs` item in
    /// that order (each prepared with `prepare_transcript` wherever the
    /// caller likes). The bytes are the same as `write_package_with`'s.
    pub fn write_package_with_transcripts<W: Write>(
        &self,
        archives: &mut [&mut dyn ArchiveSource],
        transcripts: &mut TranscriptSupply,
        sink: W,
    ) -> Result<W> {
        write_package(self, archives, Some(transcripts), sink)
    }

    /// Writes the package into `output`, split into parts of at most
    /// `part_size` bytes when given (else whole, as `write_package_with`),
    /// taking the transcript entries from `transcripts` when given.
    pub fn write_parts<O: PackageOutput>(
        &self,
        archives: &mut [&mut dyn ArchiveSource],
        transcripts: Option<&mut TranscriptSupply>,
        output: O,
        part_size: Option<u64>,
    ) -> Result<Written<O>> {
        write_package_parts(self, archives, transcripts, output, part_size)
    }
}

/// Converts tracker exports into Themes, Topics and Triggers. Fails on the
/// first file that cannot be read at all; problems with single records go
/// into the report instead.
pub fn convert(files: &[InputFile], options: &Options) -> Result<Conversion> {
    convert_with_archives(files, &mut [], None, options)
}

/// Converts tracker exports (`files`), call archives and an optional roster
/// of existing Outdoo users (a CSV with an email column) in one package.
/// With no archives this is exactly `convert`. Archives are read entry by
/// entry; their transcripts and recordings are read again by
/// `Conversion::write_package_with`.
pub fn convert_with_archives(
    files: &[InputFile],
    archives: &mut [&mut dyn ArchiveSource],
    roster: Option<&InputFile>,
    options: &Options,
) -> Result<Conversion> {
    let mut read_here =
        |index: usize, source: &mut dyn ArchiveSource| Ok(read_archive(index, source));
    convert_with_first_pass(files, archives, roster, options, &mut read_here)
}

/// The first pass over one archive: its index among the archives and its
/// source in, what it holds out (`read_archive`, or ranges of its entries
/// read elsewhere and appended in order).
pub type FirstPass<'a> = dyn FnMut(usize, &mut dyn ArchiveSource) -> Result<ArchiveRead> + 'a;

/// `convert_with_archives` with each archive's first pass done by
/// `first_pass` (spread over threads, or read by other Web Workers); the
/// conversion is the same as long as it gives what `read_archive` gives.
pub fn convert_with_first_pass(
    files: &[InputFile],
    archives: &mut [&mut dyn ArchiveSource],
    roster: Option<&InputFile>,
    options: &Options,
    first_pass: &mut FirstPass,
) -> Result<Conversion> {
    let scope = options.scope()?;
    let mut conversion = convert_trackers(files, options)?;
    if archives.is_empty() {
        if let Some(roster) = roster {
            return Err(Error::input(
                Location::file(&roster.name),
                "a roster only matters with call archives; add a call archive (--archive) or leave the roster out",
            ));
        }
        if let Some(earlier) = options.after_packages.first() {
            return Err(Error::input(
                Location::file(&earlier.name),
                "an earlier package only matters with call archives: it says which of their calls were migrated already; add the call archive (--archive)",
            ));
        }
        conversion.set_edits(options.edits.as_ref(), &options.limits)?;
        return Ok(conversion);
    }
    let report = &mut conversion.report;
    let mut roster_people = match roster {
        Some(file) => {
            let people = read_people_csv(&file.bytes, &Location::file(&file.name)).ok_or_else(|| {
                Error::input(
                    Location::file(&file.name),
                    format!("this roster has no email column. Accepted headers: {ACCEPTED_USER_HEADERS}"),
                )
            })?;
            Some(people)
        }
        None => None,
    };
    // Users of earlier packages are in Outdoo already: the roster's rows
    // first, then theirs, in the order given.
    for earlier in &options.after_packages {
        roster_people
            .get_or_insert_with(Vec::new)
            .extend(earlier.users.iter().cloned());
    }
    let mut contents = ArchiveContents::default();
    let mut summaries = Vec::new();
    for (index, source) in archives.iter_mut().enumerate() {
        let read = first_pass(index, &mut **source)?;
        contents.append(read.contents);
        report.extend(read.report);
        summaries.push(read.summary);
        conversion.inputs.push(InputRecord {
            name: source.name().to_string(),
            bytes: source.bytes(),
            sha256: source.sha256().to_string(),
            kind: FileKind::CallArchive,
            edits: None,
        });
    }
    if let Some(file) = roster {
        conversion.inputs.push(InputRecord {
            name: file.name.clone(),
            bytes: file.bytes.len() as u64,
            sha256: sha256_hex(&file.bytes),
            kind: FileKind::UserRoster,
            edits: None,
        });
    }
    for earlier in &options.after_packages {
        conversion.inputs.push(InputRecord {
            name: earlier.name.clone(),
            bytes: earlier.bytes,
            sha256: earlier.manifest_sha256.clone(),
            kind: FileKind::OutdooPackage,
            edits: None,
        });
    }
    let decisions = decide_calls(&contents, &scope, report);
    let default_language = language_code(&options.default_language).unwrap_or("en");
    unexported_trackers(
        &mut conversion.themes,
        &decisions.calls,
        options.recover_trackers,
        default_language,
        report,
    );
    assign_ids(&mut conversion.themes);
    let users = decide_users(
        &decisions.calls,
        &contents.people,
        roster_people.as_deref(),
        report,
    );
    conversion.calls = Some(CallsOutcome {
        calls: decisions.calls,
        skipped: decisions.skipped,
        users,
        archives: summaries,
    });
    conversion.set_edits(options.edits.as_ref(), &options.limits)?;
    Ok(conversion)
}

fn convert_trackers(files: &[InputFile], options: &Options) -> Result<Conversion> {
    let mut report = Report::default();
    let mut records = Vec::new();
    let mut inputs = Vec::new();
    let mut edits = ConversionEdits::default();
    for file in files {
        let kind = detect(&file.bytes);
        if kind == FileKind::Edits {
            let document = read_edits(&file.name, &file.bytes, &options.limits)?;
            edits
                .from_files
                .push(edits_source(&file.name, &file.bytes, document));
            continue;
        }
        records.extend(read_trackers_with(
            &file.name,
            &file.bytes,
            kind,
            &options.limits,
            &mut report,
        )?);
        inputs.push(InputRecord {
            name: file.name.clone(),
            bytes: file.bytes.len() as u64,
            sha256: sha256_hex(&file.bytes),
            kind,
            edits: None,
        });
    }
    let default_language = language_code(&options.default_language).ok_or_else(|| {
        Error::input(
            Location::file("options"),
            format!("default language \"{}\" is not a language this tool knows; use an ISO 639-1 code such as en or de", options.default_language),
        )
    })?;
    let decisions = TrackerDecisions {
        default_language: default_language.to_string(),
    };
    let mut themes = themes_from_records(records, &decisions, &mut report);
    assign_ids(&mut themes);
    Ok(Conversion {
        themes,
        report,
        inputs,
        calls: None,
        edits,
    })
}

/// An edits document with its input record (kind `edits`).
fn edits_source(name: &str, bytes: &[u8], document: EditsDocument) -> EditsSource {
    EditsSource {
        input: InputRecord {
            name: name.to_string(),
            bytes: bytes.len() as u64,
            sha256: sha256_hex(bytes),
            kind: FileKind::Edits,
            edits: Some(document.edits.len()),
        },
        document,
    }
}
