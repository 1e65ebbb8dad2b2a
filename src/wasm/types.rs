//! The shapes of the binding's arguments and results, for TypeScript:
//! wasm-bindgen writes them into `www/pkg/chorus2outdoo.d.ts` next to the
//! functions and classes (whose `unchecked_param_type` and
//! `unchecked_return_type` name them), and `make test-types` checks the
//! page's JavaScript against them. Each shape is the serde form of the
//! Rust type named beside it; the Rust type is the authority.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const INPUTS: &'static str = r#"
/** A file in memory: a tracker export, the roster, a package's index (`inputs::FileArg`). */
export interface FileInput { name: string; bytes: Uint8Array<ArrayBuffer> }
/** A call archive, once hashed with its SHA-256 (`inputs::ArchiveArg`). */
export interface ArchiveInput { name: string; blob: Blob; sha256?: string | null }
/** An earlier import package, a package's part (`inputs::NamedBlob`). */
export interface NamedBlob { name: string; blob: Blob }
/** A part of a package in parts: its Blob, or a range of a file read through its handle. */
export type PartInput = NamedBlob | { name: string; handle: SyncAccessHandle; start: number; end: number };
/** What `verifyPackage` and the others read through a file's `FileSystemSyncAccessHandle`. */
export interface SyncAccessHandle { getSize(): number; read(buffer: ArrayBufferView, options?: { at?: number }): number }
/** The conversion's options (`Options`); every field has a default. */
export interface Options {
  default_language?: string; from?: string | null; to?: string | null; min_duration_seconds?: number;
  calls?: 'all' | 'meetings'; recover_trackers?: boolean;
  /** Applied after the conversion (and after edits documents among the files); recorded as `outdoo-edits.json`. */
  edits?: EditsDocument | null;
}
/** A trigger's content in an edit (`model::edits::TriggerContent`). */
export interface TriggerContent {
  phrase: string; said_by: 'anyone' | 'company' | 'external'; language: string; match: 'exact' | 'prefix';
}
/** One edit (`model::edits::Edit`), naming themes (`th_…`), topics (`tp_…`) and triggers (`tg_…`) by their ids. */
export type Edit =
  | { op: 'rename_theme'; theme: string; name: string }
  | { op: 'rename_topic'; topic: string; name: string }
  | { op: 'move_topic'; topic: string; theme: string }
  | { op: 'merge_topics'; topic: string; into: string }
  | { op: 'add_trigger'; topic: string; trigger: TriggerContent }
  | { op: 'change_trigger'; topic: string; trigger: string; to: TriggerContent }
  | { op: 'remove_trigger'; topic: string; trigger: string }
  | { op: 'mark_ready'; topic: string }
  | { op: 'leave_out'; topic: string };
/** An edits document (`model::edits::EditsDocument`; docs/import-package.md, "Edits"). */
export interface EditsDocument { format: 'chorus2outdoo-edits'; version: 1; edits: Edit[] }
/** The scope of a download from the Chorus API (`fetch::FetchScope`). */
export interface FetchScope {
  from?: string | null; to?: string | null; min_duration_seconds?: number | null; meetings_only?: boolean; media?: boolean;
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const PREVIEW: &'static str = r#"
/** Where a record came from (`model::Location`). */
export interface Location { file: string; entry?: string; row?: number; pointer?: string; column?: number }
/** `model::Trigger`. */
export interface Trigger {
  id: string; phrase: string; said_by: string; language: string; match: string; related_forms?: boolean; recovered_from_mentions?: number;
}
/** `model::Topic`. */
export interface Topic {
  id: string; name: string; description: string; status: 'ready' | 'needs_review'; review_reasons: string[]; enabled?: boolean;
  teams?: string[]; exclusions?: string[]; example_sentences?: string[];
  source: { locations: Location[]; chorus_type?: string | null; expression?: string | null };
  triggers: Trigger[];
}
/** `model::Theme`. */
export interface Theme { id: string; name: string; topics: Topic[] }
/** `model::conversion::Counts`: the call counts with call archives. */
export interface Counts {
  themes: number; topics: number; needs_review: number; triggers: number;
  report: { info: number; warning: number; review: number; error: number };
  calls?: number; skipped_calls?: number; transcripts?: number; media?: number; users?: number; users_to_create?: number;
}
/** `report::ReportEntry`. */
export interface ReportEntry { severity: string; code: string; message: string; location?: Location | null }
/** `convert::ReportCodeCount`: a reason code of the whole report, its most pressing severity and how many entries have it. */
export interface ReportCodeCount { code: string; severity: string; entries: number }
/** `model::calls::Participant`. */
export interface Participant { name?: string | null; email?: string | null; title?: string | null; company?: string | null; side: string }
/** `model::calls::Call`, a line of calls.jsonl. */
export interface Call {
  source_id: string; title?: string | null; started_at: string; duration_seconds: number; host_email?: string | null;
  participants: Participant[]; transcript?: string | null; [field: string]: unknown;
}
/** `model::calls::User`. */
export interface User { email: string; name?: string | null; action: 'create' | 'existing'; role?: string | null; chorus_user_id?: string | null }
/** `model::calls::SkippedCall`. */
export interface SkippedCall { source_id: string; reason: string; message: string; location: Location }
/** What a call archive holds (`read::archive::ArchiveSummary`). */
export interface ArchiveSummary {
  name: string; entries: number; engagements: number; conversations: number; users: number; media: number;
  unrecognised: number; unreadable: number; [field: string]: unknown;
}
/** What an earlier import package holds (`read::earlier::PackageSummary`). */
export interface PackageSummary { name: string; calls: number; users: number }
/** `convert::FileSummary`: what `inspect` and `inspectFile` say of a file. */
export interface FileSummary {
  name: string; kind: string; kind_label: string; trackers: number; phrases: number; problems: number; error: string | null;
  archive?: ArchiveSummary; package?: PackageSummary;
}
/** `convert::Preview`: what the page shows before the package. */
export interface Preview {
  counts: Counts; themes: Theme[]; report: ReportEntry[]; report_entries: number; report_codes: ReportCodeCount[]; inputs: { name: string; kind: string }[];
  calls?: {
    calls: Call[]; skipped: SkippedCall[]; skipped_by_reason: Record<string, number>; users: User[]; archives: ArchiveSummary[];
  };
}
/** What `convert` answers. */
export interface Converted { preview: Preview; package: Blob; package_name: string }
/** `model::calls::Transcript`'s first utterances and how many it has (`transcript`). */
export interface Excerpt {
  source_id: string; speakers: { id: number; name?: string | null; email?: string | null; side: string }[];
  utterances: { speaker: number; start_ms: number; end_ms: number; text: string }[]; utterance_count: number;
}
/** A conversion's progress (`progress::Progress`). */
export interface Progress { phase: string; entries_done: number; entries_total: number; bytes_done: number; bytes_total: number }
/** The sample archive and its tracker export (`sample`). */
export interface Sample { archive: Blob; trackers: FileInput }
"#;

#[wasm_bindgen(typescript_custom_section)]
const PASSES: &'static str = r#"
/** How the first pass is spread over helpers (`firstPassRanges`). */
export interface FirstPassPlan { ranges: [number, number][][]; entries_total: number; bytes_total: number }
/** A trigger every preparer replays (`decide::replay::ReplayTrigger`). */
export interface ReplayTrigger { topic: number; phrase: string; said_by: string; language: string; match: string }
/** A transcript entry to prepare (`preparer::JobJs`); `index`: its place in package order. */
export interface TranscriptJob {
  index: number; source_id: string; path: string; archive: number; entry: number; pointer: string; form: string;
  duration_seconds: number; language?: string | null; bytes: number;
}
/** The page's workers for the second pass (`package::PlanArg`). */
export interface PackagePlan { workers?: number; store?: boolean; streams?: boolean }
/** What to do next in the second pass (`package::StepJs`, `second_pass::Step`). */
export type PackageStep =
  | { kind: 'prepare'; worker: number; job: TranscriptJob }
  | { kind: 'append'; job: number }
  | { kind: 'read'; archive: number; entry: string; start: number; end: number }
  | { kind: 'again'; copied: boolean }
  | { kind: 'wait' }
  | { kind: 'finish' };
/** A prepared transcript entry as it crosses workers (`preparer::PreparedJs`). */
export interface PreparedTranscript { path: string; bytes: number; sha256: string; zip: Uint8Array<ArrayBuffer>; hits: [number, number][] }
/** A part of the package as written (`package::FinishedPart`). */
export interface FinishedPart { number: number; name: string; bytes: number; sha256: string | null; calls: number }
/** What `finishPackage` and `writePackage` answer (`package::FinishedPackage`). */
export interface FinishedPackage { name: string; bytes: number; parts: FinishedPart[]; index?: FileInput; fidelity?: Fidelity }
"#;

#[wasm_bindgen(typescript_custom_section)]
const CHECKS: &'static str = r#"
/** A problem the check found (`verify::Problem`). */
export interface Problem { entry: string | null; message: string }
/** `verify::Verification`. */
export interface Verification { entries: number; problems: Problem[] }
/** A helper's check of one transcript entry (`verify::EntryCheck`). */
export interface EntryCheck { index: number; name: string; bytes: number; sha256: string; problems: { message: string }[] }
/** A topic's figures in fidelity.json (`decide::fidelity`). */
export interface TopicFidelity {
  theme: string; topic: string; topic_id: string; chorus_tracker: string | null; agreement_percent: number | null;
  calls: { both: number; only_chorus: number; only_triggers: number }; hits: { chorus: number; triggers: number };
  missed_mentions: { phrase: string; mentions: number; example: { source_id: string; text: string } }[];
}
/** fidelity.json (`decide::fidelity::Fidelity`). */
export interface Fidelity {
  summary: {
    calls_compared: number; calls_without_chorus_trackers: number; topics: number; topics_matched: number;
    topics_at_100: number; topics_below_90: number; topics_not_seen: number;
  };
  topics: TopicFidelity[];
}
/** A download's progress (`fetch::Progress`). */
export interface FetchProgress {
  pages: number; engagements: number; calls_total: number; calls_done: number; media_total: number; media_done: number;
  media_saved: number; missing: number; media_missing: number; retries: number;
}
/** What `fetchArchive` answers. */
export interface Fetched {
  archive: Uint8Array<ArrayBuffer>; missing: { engagement_id: string; what: string; message: string }[]; progress: FetchProgress;
}
"#;
