//! Languages and speakers as trackers write them, in; Outdoo's values out:
//! ISO 639-1 codes ("English", "Deutsch", "en-US", Gong's ISO 639-2 "ger"
//! -> "en", "de") and `SaidBy` ("Rep", Gong's "Company" -> company;
//! "Prospect", "NonCompany" -> external).

use crate::model::SaidBy;

/// ISO 639-1 code, English name, native name (lower case).
const LANGUAGES: &[(&str, &str, &str)] = &[
    ("ar", "arabic", "العربية"),
    ("bg", "bulgarian", "български"),
    ("ca", "catalan", "català"),
    ("cs", "czech", "čeština"),
    ("da", "danish", "dansk"),
    ("de", "german", "deutsch"),
    ("el", "greek", "ελληνικά"),
    ("en", "english", "english"),
    ("es", "spanish", "español"),
    ("et", "estonian", "eesti"),
    ("fi", "finnish", "suomi"),
    ("fr", "french", "français"),
    ("he", "hebrew", "עברית"),
    ("hi", "hindi", "हिन्दी"),
    ("hr", "croatian", "hrvatski"),
    ("hu", "hungarian", "magyar"),
    ("id", "indonesian", "bahasa indonesia"),
    ("it", "italian", "italiano"),
    ("ja", "japanese", "日本語"),
    ("ko", "korean", "한국어"),
    ("lt", "lithuanian", "lietuvių"),
    ("lv", "latvian", "latviešu"),
    ("ms", "malay", "bahasa melayu"),
    ("nl", "dutch", "nederlands"),
    ("no", "norwegian", "norsk"),
    ("pl", "polish", "polski"),
    ("pt", "portuguese", "português"),
    ("ro", "romanian", "română"),
    ("ru", "russian", "русский"),
    ("sk", "slovak", "slovenčina"),
    ("sl", "slovenian", "slovenščina"),
    ("sr", "serbian", "српски"),
    ("sv", "swedish", "svenska"),
    ("th", "thai", "ไทย"),
    ("tr", "turkish", "türkçe"),
    ("uk", "ukrainian", "українська"),
    ("vi", "vietnamese", "tiếng việt"),
    ("zh", "chinese", "中文"),
];

/// ISO 639-2 codes (bibliographic and terminology, as Gong writes them:
/// `eng`, `ger`, `spa`) and the ISO 639-1 code of each.
const ISO_639_2: &[(&str, &str)] = &[
    ("ara", "ar"),
    ("bul", "bg"),
    ("cat", "ca"),
    ("cze", "cs"),
    ("ces", "cs"),
    ("dan", "da"),
    ("ger", "de"),
    ("deu", "de"),
    ("gre", "el"),
    ("ell", "el"),
    ("eng", "en"),
    ("spa", "es"),
    ("est", "et"),
    ("fin", "fi"),
    ("fre", "fr"),
    ("fra", "fr"),
    ("heb", "he"),
    ("hin", "hi"),
    ("hrv", "hr"),
    ("hun", "hu"),
    ("ind", "id"),
    ("ita", "it"),
    ("jpn", "ja"),
    ("kor", "ko"),
    ("lit", "lt"),
    ("lav", "lv"),
    ("may", "ms"),
    ("msa", "ms"),
    ("dut", "nl"),
    ("nld", "nl"),
    ("nor", "no"),
    ("nob", "no"),
    ("pol", "pl"),
    ("por", "pt"),
    ("rum", "ro"),
    ("ron", "ro"),
    ("rus", "ru"),
    ("slo", "sk"),
    ("slk", "sk"),
    ("slv", "sl"),
    ("srp", "sr"),
    ("swe", "sv"),
    ("tha", "th"),
    ("tur", "tr"),
    ("ukr", "uk"),
    ("vie", "vi"),
    ("chi", "zh"),
    ("zho", "zh"),
];

/// Whether a language as written means every language: ISO 639-2 `mul`
/// (Gong's keywords "relevant for all languages").
pub fn every_language(raw: &str) -> bool {
    raw.trim().eq_ignore_ascii_case("mul")
}

/// The ISO 639-1 code for a language as written: a code ("de"), a locale
/// ("en-US", "pt_BR"), an English name ("German", "English (US)") or a
/// native name ("Deutsch").
pub fn language_code(raw: &str) -> Option<&'static str> {
    let lower = raw.trim().to_lowercase();
    // "English (US)" -> "english"; "en-US" -> "en".
    let base = lower.split(['(', '-', '_']).next().unwrap_or("").trim();
    let aliases = [
        ("norwegian bokmål", "no"),
        ("bokmål", "no"),
        ("nb", "no"),
        ("mandarin", "zh"),
        ("farsi", "fa"),
        ("iw", "he"),
    ];
    if let Some((_, code)) = aliases.iter().find(|(alias, _)| *alias == base) {
        return LANGUAGES
            .iter()
            .map(|(c, _, _)| *c)
            .find(|c| c == code)
            .or(Some(code));
    }
    LANGUAGES
        .iter()
        .find(|(code, english, native)| *code == base || *english == base || *native == base)
        .map(|(code, _, _)| *code)
        .or_else(|| {
            ISO_639_2
                .iter()
                .find(|(three, _)| *three == base)
                .map(|(_, code)| *code)
        })
}

/// Splits a language cell ("English, German") and maps each; the second
/// list holds the parts that were not understood.
pub fn language_codes(raw: &str) -> (Vec<&'static str>, Vec<String>) {
    let mut codes = Vec::new();
    let mut unknown = Vec::new();
    for part in raw
        .split([',', ';', '|', '/', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match language_code(part) {
            Some(code) if !codes.contains(&code) => codes.push(code),
            Some(_) => {}
            None => unknown.push(part.to_string()),
        }
    }
    (codes, unknown)
}

/// Outdoo's "who said it" for Chorus's wording; `None` when not understood.
pub fn said_by(raw: &str) -> Option<SaidBy> {
    let key: String = raw
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    match key.as_str() {
        "" | "anyone" | "any" | "all" | "both" | "everyone" | "anybody" | "allparticipants"
        | "repsandprospects" | "repandprospect" | "repsandcustomers" => Some(SaidBy::Anyone),
        "rep" | "reps" | "company" | "companyemployees" | "employee" | "employees" | "internal"
        | "myteam" | "us" | "seller" | "sellers" | "salesrep" | "agent" => Some(SaidBy::Company),
        "prospect"
        | "noncompany"
        | "prospects"
        | "customer"
        | "customers"
        | "external"
        | "externalparticipants"
        | "buyer"
        | "buyers"
        | "them"
        | "client"
        | "clients"
        | "cust" => Some(SaidBy::External),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_language_names_codes_and_locales() {
        assert_eq!(language_code("English"), Some("en"));
        assert_eq!(language_code("German"), Some("de"));
        assert_eq!(language_code("Deutsch"), Some("de"));
        assert_eq!(language_code("en-US"), Some("en"));
        assert_eq!(language_code("pt_BR"), Some("pt"));
        assert_eq!(language_code("English (UK)"), Some("en"));
        assert_eq!(language_code("Français"), Some("fr"));
        assert_eq!(language_code("Klingon"), None);
        assert_eq!(language_code("eng"), Some("en"));
        assert_eq!(language_code("ger"), Some("de"));
        assert_eq!(language_code("deu"), Some("de"));
        assert_eq!(language_code("spa"), Some("es"));
        assert_eq!(language_code("FRE"), Some("fr"));
        assert_eq!(language_code("mul"), None);
        assert!(every_language(" MUL "));
        assert_eq!(
            language_codes("English, German; xx"),
            (vec!["en", "de"], vec!["xx".to_string()])
        );
    }

    #[test]
    fn maps_speakers() {
        assert_eq!(said_by("Rep"), Some(SaidBy::Company));
        assert_eq!(said_by("Prospect"), Some(SaidBy::External));
        assert_eq!(said_by("customer"), Some(SaidBy::External));
        assert_eq!(said_by("Anyone"), Some(SaidBy::Anyone));
        assert_eq!(said_by("Company employees"), Some(SaidBy::Company));
        assert_eq!(said_by("Company"), Some(SaidBy::Company));
        assert_eq!(said_by("NonCompany"), Some(SaidBy::External));
        assert_eq!(said_by("the dog"), None);
    }
}
