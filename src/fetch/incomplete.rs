//! Whether a download lost too much to pass for a migration: in, the
//! progress counts and why recordings stopped being asked for
//! (`MediaStop`), if they did; out, an `Incomplete` naming what was lost,
//! as one sentence for the summary (a run that gives one exits 1).

use super::protocol::Progress;

/// Why no more recordings were asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaStop {
    /// Chorus refused the API token for recordings (no session was given).
    TokenRefused,
    /// The migration user's session was refused (a 401/403 or a login
    /// page) after this many recordings were saved: it expired, was logged
    /// out, or was copied incompletely.
    SessionRefused { after: usize },
}

impl MediaStop {
    /// One sentence saying what happened, for summaries.
    pub fn describe(&self) -> String {
        match self {
            MediaStop::TokenRefused => "Chorus refused the API token for recordings: they download only through the migration user's session".to_string(),
            MediaStop::SessionRefused { after: 0 } => "Chorus refused the migration user's session before any recording was downloaded: it has expired, or was copied incompletely".to_string(),
            MediaStop::SessionRefused { after } => format!("the migration user's Chorus session expired after {after} {}", plural(*after, "recording", "recordings")),
        }
    }

    /// Why a recording that was not asked for any more is missing.
    pub(super) fn not_asked(&self) -> &'static str {
        match self {
            MediaStop::TokenRefused => "not asked for: Chorus refused the API token for recordings; run again with the migration user's session to download it",
            MediaStop::SessionRefused { .. } => "not asked for: the migration user's Chorus session had expired; run again with a fresh session to download it",
        }
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// A download that lost too much to pass for a migration: most of the
/// conversations or most of the recordings asked for are missing, or
/// recordings stopped because Chorus refused the credentials for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incomplete {
    pub conversations_missing: usize,
    pub conversations_asked: usize,
    pub media_missing: usize,
    pub media_asked: usize,
    pub media_stop: Option<MediaStop>,
}

impl Incomplete {
    /// More than half of the conversations, or of the recordings, asked
    /// for are missing, or recordings stopped on refused credentials.
    pub(super) fn of(progress: &Progress, media_stop: Option<MediaStop>) -> Option<Incomplete> {
        let p = progress;
        let most = |missing: usize, asked: usize| missing * 2 > asked;
        (most(p.missing, p.calls_total)
            || most(p.media_missing, p.media_total)
            || media_stop.is_some())
        .then_some(Incomplete {
            conversations_missing: p.missing,
            conversations_asked: p.calls_total,
            media_missing: p.media_missing,
            media_asked: p.media_total,
            media_stop,
        })
    }
}

impl std::fmt::Display for Incomplete {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut lost = Vec::new();
        if self.conversations_missing > 0 {
            lost.push(format!(
                "{} of {} {}",
                self.conversations_missing,
                self.conversations_asked,
                plural(self.conversations_asked, "conversation", "conversations")
            ));
        }
        if self.media_missing > 0 {
            lost.push(format!(
                "{} of {} {}",
                self.media_missing,
                self.media_asked,
                plural(self.media_asked, "recording", "recordings")
            ));
        }
        write!(
            f,
            "the download is incomplete: {} could not be downloaded",
            lost.join(" and ")
        )?;
        if let Some(stop) = &self.media_stop {
            write!(f, "; {}", stop.describe())?;
        }
        Ok(())
    }
}
