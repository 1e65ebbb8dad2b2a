//! What an entry's name and first bytes say: in, a name or a head of
//! bytes; out, its base name, whether it is junk (`__MACOSX/`,
//! `.DS_Store`, ...), the call id it starts with, or a recording's file type
//! by its magic bytes. Names only locate records, never become paths.

use crate::model::calls::MediaFormat;

/// The last part of an entry name, with `\` read as a folder separator.
pub fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

pub(crate) fn is_junk(name: &str) -> bool {
    let base = base_name(name);
    name.split(['/', '\\']).any(|part| part == "__MACOSX")
        || base.starts_with("._")
        || matches!(base, ".DS_Store" | "Thumbs.db" | "desktop.ini" | "")
}

/// True for 32 hex digits: the only ids that become output paths.
pub fn is_call_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The call id an entry's file name starts with (`<id>.mp4`,
/// `<id>_transcript.json`), lower-case.
pub fn id_from_name(name: &str) -> Option<String> {
    let base = base_name(name);
    let head = base.get(..32)?;
    let next = base[32..].chars().next();
    (is_call_id(head) && !next.is_some_and(|c| c.is_ascii_alphanumeric()))
        .then(|| head.to_ascii_lowercase())
}

/// A recording's file type from its first bytes.
pub fn media_format(head: &[u8]) -> Option<MediaFormat> {
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return Some(if matches!(&head[8..12], b"M4A " | b"M4B ") {
            MediaFormat::M4a
        } else {
            MediaFormat::Mp4
        });
    }
    if head.starts_with(b"ID3")
        || (head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0 && head[1] < 0xFE)
    {
        return Some(MediaFormat::Mp3);
    }
    if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WAVE" {
        return Some(MediaFormat::Wav);
    }
    if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return Some(MediaFormat::Webm);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_give_ids_and_junk() {
        let id = "0123456789abcdef0123456789ABCDEF";
        assert_eq!(
            id_from_name(&format!("export/media/{id}.mp4")),
            Some(id.to_ascii_lowercase())
        );
        assert_eq!(
            id_from_name(&format!("..\\..\\{id}_transcript.json")),
            Some(id.to_ascii_lowercase())
        );
        assert_eq!(id_from_name(&format!("{id}0.mp4")), None);
        assert_eq!(id_from_name("call.mp4"), None);
        assert!(is_junk("__MACOSX/export/._a.json"));
        assert!(is_junk("export/.DS_Store"));
        assert!(is_junk("Thumbs.db"));
        assert!(!is_junk("export/page-1.json"));
    }

    #[test]
    fn media_by_magic_bytes() {
        let extension = |head: &[u8]| media_format(head).map(MediaFormat::extension);
        assert_eq!(extension(b"\0\0\0\x20ftypisom\0\0\0\0"), Some("mp4"));
        assert_eq!(extension(b"\0\0\0\x20ftypM4A \0\0\0\0"), Some("m4a"));
        assert_eq!(extension(b"ID3\x04\0"), Some("mp3"));
        assert_eq!(extension(b"RIFF\0\0\0\0WAVEfmt "), Some("wav"));
        assert_eq!(extension(b"\x1a\x45\xdf\xa3\x01"), Some("webm"));
        assert_eq!(extension(b"{\"a\":1}"), None);
        assert_eq!(
            extension(b"\xff\xfeE\0m\0"),
            None,
            "a UTF-16 text is not an mp3"
        );
    }
}
