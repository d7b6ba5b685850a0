//! Bilingual reasons shared by every report (seal, registry status, issuance, verification).

use serde::{Deserialize, Serialize};

/// One finding of a check, with a stable machine code and its text in English and Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Reason {
    /// Stable machine code, e.g. `seal_bad_signature`.
    pub code: String,
    /// English text.
    pub en: String,
    /// Vietnamese text.
    pub vi: String,
}

impl Reason {
    /// A reason from its code and two texts.
    pub fn new(code: impl Into<String>, en: impl Into<String>, vi: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            en: en.into(),
            vi: vi.into(),
        }
    }

    /// The text in `lang` (`"vi"` gives Vietnamese, anything else English).
    pub fn text(&self, lang: &str) -> &str {
        if lang.eq_ignore_ascii_case("vi") {
            &self.vi
        } else {
            &self.en
        }
    }
}

/// Format Unix seconds (UTC) as RFC 3339 / ISO 8601, e.g. `2026-11-25T08:52:36Z`.
pub fn format_utc(unix_seconds: u64) -> String {
    let days = unix_seconds / 86_400;
    let secs = unix_seconds % 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Current time as Unix seconds (0 if the clock is before 1970).
pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_utc(1_795_596_756), "2026-11-25T08:52:36Z");
        assert_eq!(format_utc(4_102_444_799), "2099-12-31T23:59:59Z");
    }

    #[test]
    fn picks_language() {
        let r = Reason::new("x", "hello", "xin chào");
        assert_eq!(r.text("vi"), "xin chào");
        assert_eq!(r.text("en"), "hello");
    }
}
