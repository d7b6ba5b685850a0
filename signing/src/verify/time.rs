//! Calendar arithmetic without a clock: the verifier is given its
//! validation time as Unix seconds so that it runs the same in the browser.

/// Seconds since 1970-01-01T00:00:00Z of a UTC civil time, if the fields are in range.
pub(crate) fn unix_from_civil(
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
) -> Option<i64> {
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || !(0..=23).contains(&hour)
        || !(0..=59).contains(&minute)
        || !(0..=60).contains(&second)
        || !(0..=9999).contains(&year)
    {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for Unix seconds.
pub fn format_rfc3339(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// Parse an RFC 3339 date-time (`2020-11-01T00:00:00Z`, `…+07:00`, fractional
/// seconds ignored) or a plain date (`2020-11-01`, midnight UTC) to Unix seconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    let n = |r: core::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day) = (n(0..4)?, n(5..7)?, n(8..10)?);
    if b.len() == 10 {
        return unix_from_civil(year, month, day, 0, 0, 0);
    }
    if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 19 || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (hour, minute, second) = (n(11..13)?, n(14..16)?, n(17..19)?);
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let rb = rest.as_bytes();
            if rb.len() != 6 || !matches!(rb[0], b'+' | b'-') || rb[3] != b':' {
                return None;
            }
            let hh: i64 = rest.get(1..3)?.parse().ok()?;
            let mm: i64 = rest.get(4..6)?.parse().ok()?;
            let sign = if rb[0] == b'-' { -1 } else { 1 };
            sign * (hh * 3600 + mm * 60)
        }
    };
    Some(unix_from_civil(year, month, day, hour, minute, second)? - offset)
}

/// Parse a PDF date string (`D:YYYYMMDDHHmmSSOHH'mm'`, every part after the
/// year optional) to Unix seconds.
pub(crate) fn parse_pdf_date(raw: &[u8]) -> Option<i64> {
    let s = core::str::from_utf8(raw).ok()?.trim();
    let s = s.strip_prefix("D:").unwrap_or(s);
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let d = &s[..digits];
    let field = |r: core::ops::Range<usize>, default: i64| -> Option<i64> {
        if d.len() >= r.end {
            d.get(r)?.parse().ok()
        } else {
            Some(default)
        }
    };
    if d.len() < 4 {
        return None;
    }
    let t = unix_from_civil(
        field(0..4, 0)?,
        field(4..6, 1)?,
        field(6..8, 1)?,
        field(8..10, 0)?,
        field(10..12, 0)?,
        field(12..14, 0)?,
    )?;
    let tz = &s.as_bytes()[digits..];
    let offset = match tz.first() {
        Some(b'+') | Some(b'-') => {
            let txt: String = s[digits + 1..]
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            let hh: i64 = txt.get(0..2).and_then(|x| x.parse().ok()).unwrap_or(0);
            let mm: i64 = txt.get(2..4).and_then(|x| x.parse().ok()).unwrap_or(0);
            let sign = if tz[0] == b'-' { -1 } else { 1 };
            sign * (hh * 3600 + mm * 60)
        }
        _ => 0,
    };
    Some(t - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        assert_eq!(unix_from_civil(1970, 1, 1, 0, 0, 0), Some(0));
        assert_eq!(
            unix_from_civil(2024, 2, 29, 12, 30, 15),
            Some(1_709_209_815)
        );
        assert_eq!(format_rfc3339(1_709_209_815), "2024-02-29T12:30:15Z");
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(unix_from_civil(2024, 13, 1, 0, 0, 0), None);
    }

    #[test]
    fn rfc3339_forms() {
        assert_eq!(parse_rfc3339("2020-11-01"), Some(1_604_188_800));
        assert_eq!(
            parse_rfc3339("2020-11-01T07:00:00+07:00"),
            Some(1_604_188_800)
        );
        assert_eq!(
            parse_rfc3339("2020-11-01T00:00:00.250Z"),
            Some(1_604_188_800)
        );
        assert_eq!(parse_rfc3339("2020-11-01T00:00:00"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn pdf_dates() {
        assert_eq!(
            parse_pdf_date(b"D:20201101070000+07'00'"),
            Some(1_604_188_800)
        );
        assert_eq!(parse_pdf_date(b"D:20201101000000Z"), Some(1_604_188_800));
        assert_eq!(
            parse_pdf_date(b"D:2020"),
            unix_from_civil(2020, 1, 1, 0, 0, 0)
        );
        assert_eq!(parse_pdf_date(b"garbage"), None);
    }
}
