//! Chorus texts that hold HTML (a summary with `<p>`, `<br>`, `<li>`,
//! `<b>` and entities) in, plain text with line breaks out: paragraphs and
//! line breaks become new lines, list items lines of their own starting
//! with "- ", tags go, entities become their characters. Text without
//! markup comes out as it went in.

/// True when `text` holds an HTML tag or entity, not merely a `<` or `&`
/// ("revenue < 5M & growing" is plain text).
pub fn looks_like_html(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(at, byte)| match byte {
        b'<' => {
            let rest = &bytes[at + 1..];
            let rest = rest.strip_prefix(b"/").unwrap_or(rest);
            rest.first().is_some_and(u8::is_ascii_alphabetic)
                && rest
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric())
                    .count()
                    <= 10
                && text[at..].contains('>')
        }
        b'&' => {
            let rest = &text[at + 1..];
            let end = rest.find(';').filter(|end| (2..=10).contains(end));
            end.is_some_and(|end| {
                let name = &rest[..end];
                name.bytes().all(|b| b.is_ascii_alphanumeric())
                    || name.strip_prefix('#').is_some_and(|n| {
                        n.bytes().all(|b| b.is_ascii_digit())
                            || n.strip_prefix(['x', 'X'])
                                .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                    })
            })
        }
        _ => false,
    })
}

/// `text` as plain text when it holds HTML; otherwise as it is.
pub fn plain_text(text: &str) -> std::borrow::Cow<'_, str> {
    if !looks_like_html(text) {
        return std::borrow::Cow::Borrowed(text);
    }
    let converted = nanohtml2text::html2text(&mark_blocks(text)).replace("\r\n", "\n");
    let lines: Vec<&str> = converted
        .split(['\n', '\r'])
        .map(|line| line.trim_matches(|c: char| c.is_whitespace()))
        .collect();
    // Blank lines between paragraphs stay single; none at either end.
    let mut out = String::with_capacity(converted.len());
    let mut blank = false;
    for line in lines {
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank { "\n\n" } else { "\n" });
        }
        blank = false;
        out.extend(line.chars().map(|c| if c == '\u{a0}' { ' ' } else { c }));
    }
    std::borrow::Cow::Owned(out)
}

/// Ends block elements the converter runs together (`</div>`, headings,
/// table rows) with a line break, and starts each list item with "- ".
fn mark_blocks(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tag_end = rest[at..].find('>').map(|end| at + end + 1);
        let Some(tag_end) = tag_end else {
            out.push_str(&rest[at..]);
            return out;
        };
        let tag = &rest[at..tag_end];
        let name: String = tag[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
            .flat_map(|c| c.to_lowercase())
            .collect();
        out.push_str(tag);
        match name.as_str() {
            "li" => out.push_str("- "),
            "/div" | "/h1" | "/h2" | "/h3" | "/h4" | "/h5" | "/h6" | "/tr" => out.push_str("<br>"),
            _ => {}
        }
        rest = &rest[tag_end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_lines() {
        assert_eq!(
            plain_text("<p>Intro &amp; goals</p><p>Second <b>bold</b> para</p>"),
            "Intro & goals\n\nSecond bold para"
        );
        assert_eq!(
            plain_text("Line one<br>Line two<BR/>Line three"),
            "Line one\nLine two\nLine three"
        );
        assert_eq!(
            plain_text("<ul><li>Send deck</li><li class=\"x\">Book demo &ndash; Tue</li></ul>"),
            "- Send deck\n- Book demo – Tue"
        );
        assert_eq!(plain_text("<div>A</div><div>B&nbsp;C</div>"), "A\nB C");
        assert_eq!(plain_text("Caf&eacute; &#8217;s &#x41;"), "Café ’s A");
    }

    #[test]
    fn plain_text_is_kept_as_it_is() {
        for text in [
            "revenue < 5M & growing",
            "a <-> b",
            "AT&T; then 3 < 4 > 2",
            "Line one\n\n  indented",
        ] {
            assert!(!looks_like_html(text), "{text}");
            assert_eq!(plain_text(text), text);
        }
    }
}
