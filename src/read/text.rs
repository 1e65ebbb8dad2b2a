//! Text decoding for tracker exports.
//!
//! In: the raw bytes of a file. Out: its text as a Rust string, and which
//! encoding it was in. UTF-8 (with or without BOM), UTF-16 LE/BE (with BOM, or
//! without one when the byte pattern is unmistakable, as Excel's "Unicode
//! text" writes it), and Windows-1252 when the bytes are not valid UTF-8.

use encoding_rs::{UTF_16BE, UTF_16LE, WINDOWS_1252};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Windows1252,
}

impl TextEncoding {
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 with BOM",
            TextEncoding::Utf16Le => "UTF-16 LE",
            TextEncoding::Utf16Be => "UTF-16 BE",
            TextEncoding::Windows1252 => "Windows-1252",
        }
    }
}

/// Guesses UTF-16 without a BOM: in ASCII-heavy text every other byte is 0.
fn utf16_without_bom(bytes: &[u8]) -> Option<TextEncoding> {
    let sample = &bytes[..bytes.len().min(512) & !1];
    if sample.len() < 4 {
        return None;
    }
    let pairs = sample.len() / 2;
    let even_zero = sample.iter().step_by(2).filter(|b| **b == 0).count();
    let odd_zero = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|b| **b == 0)
        .count();
    if odd_zero * 10 >= pairs * 8 && even_zero == 0 {
        Some(TextEncoding::Utf16Le)
    } else if even_zero * 10 >= pairs * 8 && odd_zero == 0 {
        Some(TextEncoding::Utf16Be)
    } else {
        None
    }
}

/// Decodes a whole file. Malformed sequences in UTF-16 become U+FFFD; the
/// caller sees them in the output rather than losing the record.
pub fn decode(bytes: &[u8]) -> (String, TextEncoding) {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return (
            String::from_utf8_lossy(rest).into_owned(),
            TextEncoding::Utf8Bom,
        );
    }
    if bytes.starts_with(&[0xFF, 0xFE]) {
        let (text, _) = UTF_16LE.decode_with_bom_removal(bytes);
        return (text.into_owned(), TextEncoding::Utf16Le);
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        let (text, _) = UTF_16BE.decode_with_bom_removal(bytes);
        return (text.into_owned(), TextEncoding::Utf16Be);
    }
    if let Some(encoding) = utf16_without_bom(bytes) {
        let codec = if encoding == TextEncoding::Utf16Le {
            UTF_16LE
        } else {
            UTF_16BE
        };
        let (text, _) = codec.decode_without_bom_handling(bytes);
        return (text.into_owned(), encoding);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), TextEncoding::Utf8),
        Err(_) => {
            let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
            (text.into_owned(), TextEncoding::Windows1252)
        }
    }
}

/// True when the bytes look like text in one of the encodings above (no NUL
/// bytes outside UTF-16, mostly printable), so detection can tell a text
/// export from a binary file.
pub fn looks_like_text(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE])
        || bytes.starts_with(&[0xFE, 0xFF])
        || utf16_without_bom(bytes).is_some()
    {
        return true;
    }
    let sample = &bytes[..bytes.len().min(4096)];
    if sample.contains(&0) {
        return false;
    }
    let control = sample
        .iter()
        .filter(|b| **b < 0x20 && !matches!(**b, b'\n' | b'\r' | b'\t' | 0x0C))
        .count();
    control * 100 <= sample.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_each_encoding() {
        assert_eq!(decode(b"a,b"), ("a,b".to_string(), TextEncoding::Utf8));
        assert_eq!(
            decode(b"\xEF\xBB\xBFa"),
            ("a".to_string(), TextEncoding::Utf8Bom)
        );
        assert_eq!(
            decode(b"\xFF\xFEa\0\xFC\0"),
            ("a\u{fc}".to_string(), TextEncoding::Utf16Le)
        );
        assert_eq!(
            decode(b"\xFE\xFF\0a\0\xFC"),
            ("a\u{fc}".to_string(), TextEncoding::Utf16Be)
        );
        assert_eq!(
            decode(b"a\0b\0c\0"),
            ("abc".to_string(), TextEncoding::Utf16Le)
        );
        assert_eq!(
            decode(b"caf\xE9 \x80"),
            ("caf\u{e9} \u{20ac}".to_string(), TextEncoding::Windows1252)
        );
    }

    #[test]
    fn binary_is_not_text() {
        assert!(!looks_like_text(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"));
        assert!(looks_like_text(b"Name;Keywords\r\n"));
    }
}
