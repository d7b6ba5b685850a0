//! The chip-based citizen ID card (CCCD): field extraction from OCR lines,
//! ID-number structure rules, and the consistency report across printed
//! text, MRZ and QR.

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::mrz::{FieldStatus, Mrz};
use crate::qr::{CccdQr, iso_date, parse_sex};

/// Where a field value comes from, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Provenance {
    /// From the MRZ, covered by a check digit that verifies.
    MrzCheckDigit,
    /// Decoded from the QR code (error-corrected, not signed).
    Qr,
    /// From the MRZ without a check digit (names, sex, nationality).
    Mrz,
    /// Read by OCR from the printed text.
    Ocr,
}

/// A field value with its provenance and confidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Field {
    /// Normalized value (dates ISO 8601, sex `M`/`F`, names NFC).
    pub value: String,
    /// Where it comes from.
    pub source: Provenance,
    /// `0..=1`.
    pub confidence: f32,
}

impl Field {
    fn new(value: impl Into<String>, source: Provenance, confidence: f32) -> Field {
        Field {
            value: value.into(),
            source,
            confidence,
        }
    }
}

/// The CCCD fields (front and back), each from its best source.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CccdFields {
    /// 12-digit personal identification number.
    pub id_number: Option<Field>,
    /// Full name (NFC, as printed).
    pub full_name: Option<Field>,
    /// Date of birth.
    pub birth_date: Option<Field>,
    /// `M` or `F`.
    pub sex: Option<Field>,
    /// Nationality as printed.
    pub nationality: Option<Field>,
    /// Place of origin.
    pub place_of_origin: Option<Field>,
    /// Place of residence.
    pub place_of_residence: Option<Field>,
    /// Date of expiry.
    pub expiry_date: Option<Field>,
    /// Date of issue.
    pub issue_date: Option<Field>,
}

/// Outcome of one consistency check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CheckStatus {
    /// Consistent.
    Pass,
    /// Inconsistent: a reason to doubt the document or the reading.
    Fail,
    /// Could not be checked (a source is missing).
    Unknown,
}

/// One consistency check with reasons in English and Vietnamese.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Check {
    /// Stable name (`id.province`, `mrz.check_digits`, `qr_vs_printed.name`, ...).
    pub name: &'static str,
    /// Outcome.
    pub status: CheckStatus,
    /// Why, in English.
    pub reason_en: String,
    /// Why, in Vietnamese.
    pub reason_vi: String,
}

/// The consistency / authenticity report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ConsistencyReport {
    /// Every check made.
    pub checks: Vec<Check>,
}

impl ConsistencyReport {
    /// No check failed.
    pub fn consistent(&self) -> bool {
        !self.checks.iter().any(|c| c.status == CheckStatus::Fail)
    }

    fn push(&mut self, name: &'static str, status: CheckStatus, en: String, vi: String) {
        self.checks.push(Check {
            name,
            status,
            reason_en: en,
            reason_vi: vi,
        });
    }
}

/// Province (and centrally-run city) codes of the birth-registration place,
/// the first three digits of the ID number (Circular 07/2016/TT-BCA).
pub const PROVINCE_CODES: [u16; 63] = [
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37,
    38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77,
    79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
];

/// What the 12-digit ID number itself says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct IdNumberInfo {
    /// Province code (first three digits).
    pub province_code: u16,
    /// The code is a known province code.
    pub province_known: bool,
    /// Century of birth (1900, 2000, ...).
    pub century: u32,
    /// `M` or `F`.
    pub sex: char,
    /// Last two digits of the birth year.
    pub birth_year_2: u32,
}

/// Decode the structure of a 12-digit ID number (`None` if it is not 12 digits).
pub fn id_number_info(id: &str) -> Option<IdNumberInfo> {
    if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let province_code: u16 = id[0..3].parse().ok()?;
    let g: u32 = id[3..4].parse().ok()?;
    let century = match g / 2 {
        0 => 1900,
        1 => 2000,
        2 => 2100,
        3 => 2200,
        _ => 1800,
    };
    Some(IdNumberInfo {
        province_code,
        province_known: PROVINCE_CODES.contains(&province_code),
        century,
        sex: if g.is_multiple_of(2) { 'M' } else { 'F' },
        birth_year_2: id[4..6].parse().ok()?,
    })
}

/// Fold Vietnamese text for label matching: lowercase, no diacritics, đ → d.
pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !('\u{0300}'..='\u{036f}').contains(c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .collect::<String>()
        .to_lowercase()
}

/// Find a `dd/mm/yyyy` (or `-`, `.` separated) date in text → ISO.
pub fn find_date(s: &str) -> Option<String> {
    let digits: Vec<(usize, char)> = s.char_indices().collect();
    let chars: Vec<char> = digits.iter().map(|(_, c)| *c).collect();
    for i in 0..chars.len() {
        // dd sep mm sep yyyy
        if i + 10 > chars.len() {
            break;
        }
        let w = &chars[i..i + 10];
        let sep = |c: char| matches!(c, '/' | '-' | '.');
        if w[0].is_ascii_digit()
            && w[1].is_ascii_digit()
            && sep(w[2])
            && w[3].is_ascii_digit()
            && w[4].is_ascii_digit()
            && sep(w[5])
            && w[6..10].iter().all(|c| c.is_ascii_digit())
        {
            let n = |a: &[char]| a.iter().collect::<String>().parse::<u32>().ok();
            if let (Some(d), Some(m), Some(y)) = (n(&w[0..2]), n(&w[3..5]), n(&w[6..10]))
                && let Some(iso) = iso_date(y, m, d)
            {
                return Some(iso);
            }
        }
    }
    None
}

/// The first run of exactly 12 digits in text.
pub fn find_id_number(s: &str) -> Option<String> {
    let mut run = String::new();
    for c in s.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            if run.len() == 12 {
                return Some(run);
            }
            run.clear();
        }
    }
    None
}

/// Labels of the CCCD, folded (Vietnamese and the English subtitle).
const LABELS: [(&str, &[&str]); 9] = [
    (
        "id",
        &[
            "so / no",
            "so/no",
            "so:",
            "no.:",
            "so dinh danh",
            "personal identification number",
        ],
    ),
    ("name", &["ho va ten", "ho, chu dem va ten", "full name"]),
    (
        "dob",
        &["ngay sinh", "ngay, thang, nam sinh", "date of birth"],
    ),
    ("sex", &["gioi tinh", "sex"]),
    ("nationality", &["quoc tich", "nationality"]),
    ("origin", &["que quan", "place of origin"]),
    (
        "residence",
        &["noi thuong tru", "noi cu tru", "place of residence"],
    ),
    (
        "expiry",
        &["co gia tri den", "date of expiry", "gia tri den"],
    ),
    (
        "issue",
        &[
            "ngay, thang, nam",
            "date, month, year",
            "ngay cap",
            "date of issue",
        ],
    ),
];

fn label_of(folded: &str) -> Option<&'static str> {
    LABELS
        .iter()
        .find(|(_, keys)| keys.iter().any(|k| folded.contains(k)))
        .map(|(name, _)| *name)
}

/// Text after the last label separator (`:`), trimmed.
fn after_colon(line: &str) -> Option<String> {
    let v = line.rsplit_once(':').map(|(_, v)| v.trim().to_string())?;
    (!v.is_empty()).then_some(v)
}

/// An OCR line (text and confidence) for field extraction.
#[derive(Debug, Clone)]
pub struct OcrLine<'a> {
    /// The text.
    pub text: &'a str,
    /// Recognition confidence.
    pub confidence: f32,
}

/// Extract printed CCCD fields from lines in reading order.
pub fn fields_from_ocr(lines: &[OcrLine<'_>]) -> CccdFields {
    let mut f = CccdFields::default();
    let folded: Vec<String> = lines.iter().map(|l| fold(l.text)).collect();
    let is_label = |i: usize| label_of(&folded[i]).is_some();
    for (i, line) in lines.iter().enumerate() {
        let Some(label) = label_of(&folded[i]) else {
            continue;
        };
        let next = (i + 1 < lines.len() && !is_label(i + 1)).then(|| &lines[i + 1]);
        let same = after_colon(line.text);
        let value_line: Option<(String, f32)> = match (&same, next) {
            (Some(v), _) => Some((v.clone(), line.confidence)),
            (None, Some(n)) => Some((n.text.trim().to_string(), n.confidence)),
            _ => None,
        };
        let ocr = |v: String, c: f32| Some(Field::new(v, Provenance::Ocr, c));
        match label {
            "id" => {
                let cand = find_id_number(line.text)
                    .map(|v| (v, line.confidence))
                    .or_else(|| {
                        next.and_then(|n| find_id_number(n.text).map(|v| (v, n.confidence)))
                    });
                if let Some((v, c)) = cand {
                    f.id_number = ocr(v, c);
                }
            }
            "name" => {
                if let Some((v, c)) = value_line {
                    let v: String = v.nfc().collect();
                    if v.chars().any(char::is_alphabetic) {
                        f.full_name = ocr(v.to_uppercase(), c);
                    }
                }
            }
            "dob" | "expiry" | "issue" => {
                // The date is on the label's line or a few lines below: the
                // card front prints "Có giá trị đến:" / "Date of expiry" /
                // the date in a column of its own, which reading order may
                // interleave with the address lines beside it. Look ahead
                // until a label of another field.
                let d = find_date(line.text)
                    .map(|v| (v, line.confidence))
                    .or_else(|| {
                        (i + 1..lines.len().min(i + 5))
                            .take_while(|&j| label_of(&folded[j]).is_none_or(|l| l == label))
                            .find_map(|j| {
                                find_date(lines[j].text).map(|v| (v, lines[j].confidence))
                            })
                    });
                if let Some((v, c)) = d {
                    let slot = match label {
                        "dob" => &mut f.birth_date,
                        "expiry" => &mut f.expiry_date,
                        _ => &mut f.issue_date,
                    };
                    *slot = ocr(v, c);
                }
                // Sex and nationality often share the date-of-birth row.
                if label == "dob" {
                    for part in line.text.split([':', ' ']) {
                        if let Some(s) = parse_sex(part)
                            && part.chars().count() > 1
                        {
                            f.sex = ocr(s.to_string(), line.confidence);
                        }
                    }
                }
            }
            "sex" => {
                let text = same.clone().or_else(|| next.map(|n| n.text.to_string()));
                if let Some(t) = text {
                    let s = t.split([':', ' ', '/']).find_map(|p| {
                        if p.chars().count() > 1 {
                            parse_sex(p)
                        } else {
                            None
                        }
                    });
                    if let Some(s) = s {
                        f.sex = ocr(s.to_string(), line.confidence);
                    }
                }
                // "Giới tính / Sex: Nam   Quốc tịch / Nationality: Việt Nam" on one row.
                if folded[i].contains("quoc tich") || folded[i].contains("nationality") {
                    if let Some(v) = after_colon(line.text) {
                        f.nationality = ocr(v, line.confidence);
                    }
                    let head = line.text.split(['Q', 'q']).next().unwrap_or("");
                    if let Some(s) = head.split([':', ' ']).find_map(|p| {
                        if p.chars().count() > 1 {
                            parse_sex(p)
                        } else {
                            None
                        }
                    }) {
                        f.sex = ocr(s.to_string(), line.confidence);
                    }
                }
            }
            "nationality" => {
                if let Some((v, c)) = value_line {
                    f.nationality = ocr(v, c);
                }
            }
            "origin" | "residence" => {
                if let Some((mut v, c)) = value_line {
                    // Addresses continue on the next line when it is not a label.
                    let cont = if same.is_some() { i + 1 } else { i + 2 };
                    if cont < lines.len() && !is_label(cont) && !folded[cont].contains("co gia tri")
                    {
                        v = format!("{v}, {}", lines[cont].text.trim());
                    }
                    let slot = if label == "origin" {
                        &mut f.place_of_origin
                    } else {
                        &mut f.place_of_residence
                    };
                    *slot = ocr(v.nfc().collect(), c);
                }
            }
            _ => {}
        }
    }
    if f.id_number.is_none()
        && let Some((v, c)) = lines
            .iter()
            .find_map(|l| find_id_number(l.text).map(|v| (v, l.confidence)))
    {
        f.id_number = Some(Field::new(v, Provenance::Ocr, c));
    }
    f
}

/// MRZ `YYMMDD` → ISO; `birth` picks the century that is not in the future.
pub fn mrz_date_to_iso(yymmdd: &str, birth: bool, this_year: u32) -> Option<String> {
    if yymmdd.len() != 6 || !yymmdd.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let yy: u32 = yymmdd[0..2].parse().ok()?;
    let m: u32 = yymmdd[2..4].parse().ok()?;
    let d: u32 = yymmdd[4..6].parse().ok()?;
    let y = if birth {
        if 2000 + yy > this_year {
            1900 + yy
        } else {
            2000 + yy
        }
    } else {
        2000 + yy
    };
    iso_date(y, m, d)
}

/// Today's date (UTC) as `(year, ISO string)`.
pub fn today() -> (u32, String) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    // Civil-from-days (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y as u32, format!("{y:04}-{m:02}-{d:02}"))
}

/// Accessor of one field of [`CccdFields`].
type FieldGetter = fn(&CccdFields) -> &Option<Field>;

fn merge(slot: &mut Option<Field>, cand: Option<Field>) {
    if let Some(c) = cand {
        let better = match slot {
            None => true,
            Some(cur) => c.source < cur.source,
        };
        if better {
            *slot = Some(c);
        }
    }
}

fn norm_name(s: &str) -> String {
    fold(s)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
}

/// Combine printed, MRZ and QR fields (strongest source wins per field) and
/// check them against each other and against the ID-number rules.
pub fn reconcile(
    printed: &CccdFields,
    mrz: Option<&Mrz>,
    qr: Option<&CccdQr>,
    today_iso: &str,
    this_year: u32,
) -> (CccdFields, ConsistencyReport) {
    let mut out = printed.clone();
    let mut rep = ConsistencyReport::default();
    let mut mrz_fields = CccdFields::default();
    if let Some(m) = mrz {
        let src = |st: FieldStatus| {
            if st == FieldStatus::Proven {
                Provenance::MrzCheckDigit
            } else {
                Provenance::Mrz
            }
        };
        let conf = |st: FieldStatus| {
            if st == FieldStatus::Proven {
                0.999
            } else {
                0.6
            }
        };
        // CCCD: the full 12-digit ID sits in the optional data.
        let id12 = find_id_number(&m.optional1.value);
        if let Some(id) = id12 {
            let st = if m.composite_ok {
                FieldStatus::Proven
            } else {
                FieldStatus::Read
            };
            mrz_fields.id_number = Some(Field::new(id, src(st), conf(st)));
        }
        if m.birth_date.status != FieldStatus::Invalid
            && let Some(d) = mrz_date_to_iso(&m.birth_date.value, true, this_year)
        {
            mrz_fields.birth_date = Some(Field::new(
                d,
                src(m.birth_date.status),
                conf(m.birth_date.status),
            ));
        }
        if m.expiry_date.status != FieldStatus::Invalid
            && let Some(d) = mrz_date_to_iso(&m.expiry_date.value, false, this_year)
        {
            mrz_fields.expiry_date = Some(Field::new(
                d,
                src(m.expiry_date.status),
                conf(m.expiry_date.status),
            ));
        }
        if !m.sex.value.is_empty() {
            mrz_fields.sex = Some(Field::new(m.sex.value.clone(), Provenance::Mrz, 0.8));
        }
        let (sp, fp) = if m.all_checks_ok {
            (
                ("pass", CheckStatus::Pass),
                ("every check digit verifies", "mọi chữ số kiểm tra đều đúng"),
            )
        } else {
            (
                ("fail", CheckStatus::Fail),
                (
                    "a check digit does not verify",
                    "có chữ số kiểm tra không khớp",
                ),
            )
        };
        let _ = sp.0;
        rep.push("mrz.check_digits", sp.1, fp.0.into(), fp.1.into());
        // Document number = last 9 digits of the ID.
        if let (Some(id), true) = (
            printed.id_number.as_ref(),
            !m.document_number.value.is_empty(),
        ) {
            let ok = id.value.ends_with(&m.document_number.value);
            push_cmp(
                &mut rep,
                "mrz_vs_printed.document_number",
                ok,
                "MRZ document number",
                "số giấy tờ trong MRZ",
                &m.document_number.value,
                &id.value,
            );
        }
    }
    let mut qr_fields = CccdFields::default();
    if let Some(q) = qr {
        let qf = |v: &str| Some(Field::new(v, Provenance::Qr, 0.99));
        qr_fields.id_number = qf(&q.id_number);
        qr_fields.full_name = qf(&q.full_name.to_uppercase());
        qr_fields.birth_date = qf(&q.birth_date);
        qr_fields.sex = q.sex.and_then(|s| qf(&s.to_string()));
        qr_fields.place_of_residence = qf(&q.address);
        qr_fields.issue_date = qf(&q.issue_date);
    }
    // Cross-source comparisons on the fields both carry.
    let pairs: [(&'static str, FieldGetter, &str, &str); 5] = [
        ("id_number", |f| &f.id_number, "ID number", "số định danh"),
        ("full_name", |f| &f.full_name, "full name", "họ và tên"),
        (
            "birth_date",
            |f| &f.birth_date,
            "date of birth",
            "ngày sinh",
        ),
        ("sex", |f| &f.sex, "sex", "giới tính"),
        (
            "expiry_date",
            |f| &f.expiry_date,
            "date of expiry",
            "ngày hết hạn",
        ),
    ];
    for (key, get, en, vi) in pairs {
        let p = get(printed);
        for (other, name) in [(&mrz_fields, "mrz"), (&qr_fields, "qr")] {
            if let (Some(a), Some(b)) = (get(other), p) {
                let ok = if key == "full_name" {
                    norm_name(&a.value) == norm_name(&b.value)
                } else {
                    a.value == b.value
                };
                let check_name: &'static str = match (name, key) {
                    ("mrz", "id_number") => "mrz_vs_printed.id_number",
                    ("mrz", "birth_date") => "mrz_vs_printed.birth_date",
                    ("mrz", "sex") => "mrz_vs_printed.sex",
                    ("mrz", "expiry_date") => "mrz_vs_printed.expiry_date",
                    ("mrz", _) => "mrz_vs_printed.other",
                    ("qr", "id_number") => "qr_vs_printed.id_number",
                    ("qr", "full_name") => "qr_vs_printed.full_name",
                    ("qr", "birth_date") => "qr_vs_printed.birth_date",
                    ("qr", "sex") => "qr_vs_printed.sex",
                    _ => "qr_vs_printed.other",
                };
                push_cmp(&mut rep, check_name, ok, en, vi, &a.value, &b.value);
            }
        }
        if let (Some(a), Some(b)) = (get(&mrz_fields), get(&qr_fields)) {
            let ok = a.value == b.value;
            let n: &'static str = match key {
                "id_number" => "mrz_vs_qr.id_number",
                "birth_date" => "mrz_vs_qr.birth_date",
                "sex" => "mrz_vs_qr.sex",
                _ => "mrz_vs_qr.other",
            };
            push_cmp(&mut rep, n, ok, en, vi, &a.value, &b.value);
        }
    }
    for src in [&mrz_fields, &qr_fields] {
        merge(&mut out.id_number, src.id_number.clone());
        merge(&mut out.full_name, src.full_name.clone());
        merge(&mut out.birth_date, src.birth_date.clone());
        merge(&mut out.sex, src.sex.clone());
        merge(&mut out.expiry_date, src.expiry_date.clone());
        merge(&mut out.issue_date, src.issue_date.clone());
        merge(&mut out.place_of_residence, src.place_of_residence.clone());
    }
    id_rules(&out, &mut rep);
    if let Some(exp) = &out.expiry_date {
        let ok = exp.value.as_str() >= today_iso;
        rep.push(
            "expiry",
            if ok {
                CheckStatus::Pass
            } else {
                CheckStatus::Fail
            },
            if ok {
                format!("valid until {}", exp.value)
            } else {
                format!("expired on {}", exp.value)
            },
            if ok {
                format!("còn giá trị đến {}", exp.value)
            } else {
                format!("đã hết hạn từ {}", exp.value)
            },
        );
    }
    (out, rep)
}

fn push_cmp(
    rep: &mut ConsistencyReport,
    name: &'static str,
    ok: bool,
    en: &str,
    vi: &str,
    a: &str,
    b: &str,
) {
    if ok {
        rep.push(
            name,
            CheckStatus::Pass,
            format!("{en} agrees ({a})"),
            format!("{vi} khớp ({a})"),
        );
    } else {
        rep.push(
            name,
            CheckStatus::Fail,
            format!("{en} differs: {a} vs {b}"),
            format!("{vi} không khớp: {a} và {b}"),
        );
    }
}

/// The ID-number structure checks.
fn id_rules(f: &CccdFields, rep: &mut ConsistencyReport) {
    let Some(id) = &f.id_number else {
        rep.push(
            "id.present",
            CheckStatus::Unknown,
            "no ID number was read".into(),
            "không đọc được số định danh".into(),
        );
        return;
    };
    let Some(info) = id_number_info(&id.value) else {
        rep.push(
            "id.format",
            CheckStatus::Fail,
            format!("ID number {} is not 12 digits", id.value),
            format!("số định danh {} không đủ 12 chữ số", id.value),
        );
        return;
    };
    rep.push(
        "id.province",
        if info.province_known {
            CheckStatus::Pass
        } else {
            CheckStatus::Fail
        },
        format!(
            "province code {:03} {}",
            info.province_code,
            if info.province_known {
                "is known"
            } else {
                "does not exist"
            }
        ),
        format!(
            "mã tỉnh {:03} {}",
            info.province_code,
            if info.province_known {
                "hợp lệ"
            } else {
                "không tồn tại"
            }
        ),
    );
    if let Some(dob) = &f.birth_date {
        let year: u32 = dob
            .value
            .get(0..4)
            .and_then(|y| y.parse().ok())
            .unwrap_or(0);
        let century_ok = year / 100 * 100 == info.century;
        let yy_ok = year % 100 == info.birth_year_2;
        rep.push(
            "id.century",
            if century_ok {
                CheckStatus::Pass
            } else {
                CheckStatus::Fail
            },
            format!(
                "century digit says {}s, date of birth {}",
                info.century, dob.value
            ),
            format!(
                "chữ số thế kỷ cho {}, ngày sinh {}",
                info.century, dob.value
            ),
        );
        rep.push(
            "id.birth_year",
            if yy_ok {
                CheckStatus::Pass
            } else {
                CheckStatus::Fail
            },
            format!(
                "birth-year digits {:02}, date of birth {}",
                info.birth_year_2, dob.value
            ),
            format!(
                "hai số năm sinh {:02}, ngày sinh {}",
                info.birth_year_2, dob.value
            ),
        );
    }
    if let Some(sex) = &f.sex {
        let ok = sex.value.starts_with(info.sex);
        rep.push(
            "id.sex",
            if ok {
                CheckStatus::Pass
            } else {
                CheckStatus::Fail
            },
            format!("sex digit says {}, card says {}", info.sex, sex.value),
            format!("chữ số giới tính cho {}, thẻ ghi {}", info.sex, sex.value),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mrz::parse_mrz;
    use crate::qr::parse_cccd_qr;

    #[test]
    fn id_number_structure() {
        let i = id_number_info("001098012345").unwrap();
        assert_eq!(
            (
                i.province_code,
                i.province_known,
                i.century,
                i.sex,
                i.birth_year_2
            ),
            (1, true, 1900, 'M', 98)
        );
        let i = id_number_info("079305000001").unwrap();
        assert_eq!(
            (i.province_code, i.century, i.sex, i.birth_year_2),
            (79, 2000, 'F', 5)
        );
        assert!(!id_number_info("003098012345").unwrap().province_known);
        assert!(id_number_info("00109801234").is_none());
        assert!(id_number_info("00109801234x").is_none());
    }

    #[test]
    fn folding_and_finders() {
        assert_eq!(fold("Họ và tên / Full name:"), "ho va ten / full name:");
        assert_eq!(fold("ĐẶC ĐIỂM"), "dac diem");
        assert_eq!(
            find_date("Ngày sinh / Date of birth: 15/08/1998").as_deref(),
            Some("1998-08-15")
        );
        assert_eq!(find_date("31/02/1998"), None);
        assert_eq!(
            find_id_number("Số / No.: 001098012345").as_deref(),
            Some("001098012345")
        );
        assert_eq!(find_id_number("0010980123456"), None);
    }

    fn lines(v: &[&'static str]) -> Vec<OcrLine<'static>> {
        v.iter()
            .map(|t| OcrLine {
                text: t,
                confidence: 0.95,
            })
            .collect()
    }

    #[test]
    fn front_fields_with_and_without_diacritics() {
        let front = lines(&[
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "CĂN CƯỚC CÔNG DÂN",
            "Số / No.: 001098012345",
            "Họ và tên / Full name:",
            "Nguyễn Văn A",
            "Ngày sinh / Date of birth: 15/08/1998",
            "Giới tính / Sex: Nam   Quốc tịch / Nationality: Việt Nam",
            "Quê quán / Place of origin:",
            "Hai Bà Trưng, Hà Nội",
            "Nơi thường trú / Place of residence: Số 1 Đại Cồ Việt",
            "Hai Bà Trưng, Hà Nội",
            "Có giá trị đến: 15/08/2038",
        ]);
        let f = fields_from_ocr(&front);
        assert_eq!(f.id_number.as_ref().unwrap().value, "001098012345");
        assert_eq!(f.full_name.as_ref().unwrap().value, "NGUYỄN VĂN A");
        assert_eq!(f.birth_date.as_ref().unwrap().value, "1998-08-15");
        assert_eq!(f.sex.as_ref().unwrap().value, "M");
        assert_eq!(f.nationality.as_ref().unwrap().value, "Việt Nam");
        assert_eq!(
            f.place_of_origin.as_ref().unwrap().value,
            "Hai Bà Trưng, Hà Nội"
        );
        assert_eq!(
            f.place_of_residence.as_ref().unwrap().value,
            "Số 1 Đại Cồ Việt, Hai Bà Trưng, Hà Nội"
        );
        assert_eq!(f.expiry_date.as_ref().unwrap().value, "2038-08-15");
        assert_eq!(f.full_name.as_ref().unwrap().source, Provenance::Ocr);

        let plain = lines(&[
            "So / No.: 001098012345",
            "Ho va ten / Full name: NGUYEN VAN A",
            "Gioi tinh / Sex: Nu",
        ]);
        let f = fields_from_ocr(&plain);
        assert_eq!(f.full_name.unwrap().value, "NGUYEN VAN A");
        assert_eq!(f.sex.unwrap().value, "F");
    }

    #[test]
    fn expiry_date_found_below_its_two_labels_across_interleaved_lines() {
        let texts = [
            "Nơi thường trú / Place of residence:",
            "Có giá trị đến:",
            "Tổ 12, Xã Cẩm Giàng, Châu Thành, Tuyên Quang",
            "Date of expiry",
            "27/10/2038",
        ];
        let lines: Vec<OcrLine<'_>> = texts
            .iter()
            .map(|t| OcrLine {
                text: t,
                confidence: 0.9,
            })
            .collect();
        let f = fields_from_ocr(&lines);
        assert_eq!(f.expiry_date.as_ref().unwrap().value, "2038-10-27");
        // A date below another field's label is not taken.
        let texts = [
            "Có giá trị đến:",
            "Ngày sinh / Date of birth:",
            "01/02/1990",
        ];
        let lines: Vec<OcrLine<'_>> = texts
            .iter()
            .map(|t| OcrLine {
                text: t,
                confidence: 0.9,
            })
            .collect();
        let f = fields_from_ocr(&lines);
        assert!(f.expiry_date.is_none());
        assert_eq!(f.birth_date.as_ref().unwrap().value, "1990-02-01");
    }

    #[test]
    fn reconcile_prefers_proven_sources_and_reports_mismatches() {
        let printed = fields_from_ocr(&lines(&[
            "Số / No.: 001098012345",
            "Họ và tên / Full name: NGUYỄN VĂN A",
            "Ngày sinh / Date of birth: 15/08/1998",
            "Giới tính / Sex: Nam",
            "Có giá trị đến: 15/08/2038",
        ]));
        let qr = parse_cccd_qr("001098012345|012345678|NGUYỄN VĂN A|15081998|Nam|Hà Nội|25052021")
            .unwrap();
        let (f, rep) = reconcile(&printed, None, Some(&qr), "2026-01-01", 2026);
        assert_eq!(f.id_number.as_ref().unwrap().source, Provenance::Qr);
        assert_eq!(f.issue_date.as_ref().unwrap().value, "2021-05-25");
        assert!(rep.consistent(), "{rep:?}");
        let names: Vec<&str> = rep.checks.iter().map(|c| c.name).collect();
        for n in [
            "qr_vs_printed.id_number",
            "qr_vs_printed.full_name",
            "id.province",
            "id.century",
            "id.birth_year",
            "id.sex",
            "expiry",
        ] {
            assert!(names.contains(&n), "{n} missing from {names:?}");
        }
        // A QR with another birth date is flagged, in both languages.
        let qr2 = parse_cccd_qr("001098012345||NGUYỄN VĂN A|16081998|Nam|Hà Nội|25052021").unwrap();
        let (_, rep) = reconcile(&printed, None, Some(&qr2), "2026-01-01", 2026);
        let bad = rep
            .checks
            .iter()
            .find(|c| c.name == "qr_vs_printed.birth_date")
            .unwrap();
        assert_eq!(bad.status, CheckStatus::Fail);
        assert!(bad.reason_vi.contains("không khớp"));
        // Expired card.
        let (_, rep) = reconcile(&printed, None, None, "2039-01-01", 2039);
        assert_eq!(
            rep.checks
                .iter()
                .find(|c| c.name == "expiry")
                .unwrap()
                .status,
            CheckStatus::Fail
        );
    }

    #[test]
    fn mrz_fields_are_proven_and_checked_against_the_id() {
        let m = parse_mrz(&[
            "IDVNM0980123451001098012345<<<",
            "9808154M3808150VNM<<<<<<<<<<<0",
            "NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<",
        ]);
        // Build a self-consistent MRZ from check digits rather than trusting the literal above.
        let l1_data = "098012345";
        let c1 = crate::mrz::check_digit(l1_data).unwrap();
        let l1 = format!("IDVNM{l1_data}{c1}001098012345<<<");
        let dob_c = crate::mrz::check_digit("980815").unwrap();
        let exp_c = crate::mrz::check_digit("380815").unwrap();
        let comp = crate::mrz::check_digit(&format!(
            "{}980815{dob_c}380815{exp_c}<<<<<<<<<<<",
            &l1[5..30]
        ))
        .unwrap();
        let l2 = format!("980815{dob_c}M380815{exp_c}VNM<<<<<<<<<<<{comp}");
        let m2 = parse_mrz(&[&l1, &l2, "NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<"]).unwrap();
        assert!(m2.all_checks_ok, "{m2:?}");
        let _ = m;
        let printed = fields_from_ocr(&lines(&[
            "Số / No.: 001098012345",
            "Ngày sinh / Date of birth: 15/08/1998",
        ]));
        let (f, rep) = reconcile(&printed, Some(&m2), None, "2026-01-01", 2026);
        assert_eq!(
            f.birth_date.as_ref().unwrap().source,
            Provenance::MrzCheckDigit
        );
        assert_eq!(
            f.id_number.as_ref().unwrap().source,
            Provenance::MrzCheckDigit
        );
        assert_eq!(f.expiry_date.as_ref().unwrap().value, "2038-08-15");
        assert!(rep.consistent(), "{rep:?}");
        assert!(
            rep.checks
                .iter()
                .any(|c| c.name == "mrz.check_digits" && c.status == CheckStatus::Pass)
        );
        assert!(
            rep.checks.iter().any(
                |c| c.name == "mrz_vs_printed.document_number" && c.status == CheckStatus::Pass
            )
        );
    }

    #[test]
    fn mrz_dates_pick_a_past_century_for_births() {
        assert_eq!(
            mrz_date_to_iso("980815", true, 2026).as_deref(),
            Some("1998-08-15")
        );
        assert_eq!(
            mrz_date_to_iso("050101", true, 2026).as_deref(),
            Some("2005-01-01")
        );
        assert_eq!(
            mrz_date_to_iso("380815", false, 2026).as_deref(),
            Some("2038-08-15")
        );
        assert_eq!(mrz_date_to_iso("38081x", false, 2026), None);
    }

    #[test]
    fn today_is_a_plausible_date() {
        let (y, iso) = today();
        assert!(y >= 2024);
        assert_eq!(iso.len(), 10);
        assert!(iso.starts_with(&y.to_string()));
    }
}
