//! ICAO 9303 machine-readable zones (TD1 cards, TD2, TD3 passports, MRV-A
//! and MRV-B visas): parsing, check digits, check-digit-confirmed repair of
//! OCR confusions.

use serde::Serialize;

/// MRZ layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum MrzFormat {
    /// 3 lines of 30 (ID cards, the CCCD back).
    Td1,
    /// 2 lines of 36.
    Td2,
    /// 2 lines of 44 (passports).
    Td3,
    /// Visa, 2 lines of 44 (document code `V`): no personal number, no
    /// composite check digit.
    MrvA,
    /// Visa, 2 lines of 36 (document code `V`): no composite check digit.
    MrvB,
}

impl MrzFormat {
    /// (lines, characters per line).
    pub fn shape(self) -> (usize, usize) {
        match self {
            MrzFormat::Td1 => (3, 30),
            MrzFormat::Td2 => (2, 36),
            MrzFormat::Td3 | MrzFormat::MrvA => (2, 44),
            MrzFormat::MrvB => (2, 36),
        }
    }

    fn is_visa(self) -> bool {
        matches!(self, MrzFormat::MrvA | MrzFormat::MrvB)
    }
}

/// How far a field can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldStatus {
    /// Covered by a check digit that verifies.
    Proven,
    /// Read, but no check digit covers it (names, nationality, sex).
    Read,
    /// Its check digit does not verify.
    Invalid,
}

/// One MRZ field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct MrzField {
    /// Value with fillers removed (names: `<` → space).
    pub value: String,
    /// Trust.
    pub status: FieldStatus,
    /// Characters were changed (O→0, I→1, B→8, S→5, Z→2 or back) to get here.
    pub repaired: bool,
}

/// A parsed MRZ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Mrz {
    /// Layout.
    pub format: MrzFormat,
    /// The lines after repair.
    pub lines: Vec<String>,
    /// Document code (`I`, `ID`, `P`, ...).
    pub document_code: MrzField,
    /// Issuing state (ISO 3166 alpha-3 or ICAO code).
    pub issuing_state: MrzField,
    /// Document number (long numbers continued in the optional data are joined).
    pub document_number: MrzField,
    /// Date of birth `YYMMDD`.
    pub birth_date: MrzField,
    /// `M`, `F` or `<` (unspecified).
    pub sex: MrzField,
    /// Date of expiry `YYMMDD`.
    pub expiry_date: MrzField,
    /// Nationality.
    pub nationality: MrzField,
    /// Optional data of line 1 (TD1) or the personal number (TD3) / optional data (TD2).
    pub optional1: MrzField,
    /// Optional data of line 2 (TD1 only; empty otherwise).
    pub optional2: MrzField,
    /// Primary identifier (surname).
    pub surname: MrzField,
    /// Secondary identifier (given names, space-separated).
    pub given_names: MrzField,
    /// The composite check digit verifies (always `false` on a visa, which
    /// has none).
    pub composite_ok: bool,
    /// Every check digit verifies.
    pub all_checks_ok: bool,
}

/// Why a text is not an MRZ.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MrzError {
    /// The line count and lengths match no ICAO layout.
    #[error("no MRZ layout has {lines} lines of lengths {lengths:?}")]
    Layout {
        /// Number of lines given.
        lines: usize,
        /// Their lengths.
        lengths: Vec<usize>,
    },
    /// A character outside `A-Z 0-9 <`.
    #[error("character {ch:?} at line {line}, column {col} is not allowed in an MRZ")]
    BadChar {
        /// The character.
        ch: char,
        /// 0-based line.
        line: usize,
        /// 0-based column.
        col: usize,
    },
}

impl MrzError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            MrzError::Layout { .. } => "mrz.layout",
            MrzError::BadChar { .. } => "mrz.bad_char",
        }
    }
}

/// Value of an MRZ character in check-digit arithmetic (`None` if invalid).
fn char_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        'A'..='Z' => Some(c as u32 - 'A' as u32 + 10),
        '<' => Some(0),
        _ => None,
    }
}

/// ICAO 9303 check digit (weights 7, 3, 1) of `data`.
pub fn check_digit(data: &str) -> Option<char> {
    let mut sum = 0u32;
    for (i, c) in data.chars().enumerate() {
        sum += char_value(c)? * [7, 3, 1][i % 3];
    }
    char::from_digit(sum % 10, 10)
}

/// Whether `check` is the check digit of `data`. An all-filler field may
/// carry `<` as its check digit (common on optional data).
fn verifies(data: &str, check: char) -> bool {
    if check == '<' {
        return data.chars().all(|c| c == '<');
    }
    check_digit(data) == Some(check)
}

const TO_DIGIT: [(char, char); 5] = [('O', '0'), ('I', '1'), ('B', '8'), ('S', '5'), ('Z', '2')];

fn letter_to_digit(c: char) -> char {
    TO_DIGIT
        .iter()
        .find(|(l, _)| *l == c)
        .map_or(c, |(_, d)| *d)
}

fn digit_to_letter(c: char) -> char {
    TO_DIGIT
        .iter()
        .find(|(_, d)| *d == c)
        .map_or(c, |(l, _)| *l)
}

/// Make a numeric field (and its check digit) numeric; return the repaired
/// field and check and whether anything changed. The repair is kept only when
/// the check digit then verifies.
fn numeric_with_check(data: &str, check: char) -> (String, char, bool, FieldStatus) {
    if verifies(data, check) {
        return (data.to_string(), check, false, FieldStatus::Proven);
    }
    let fixed: String = data.chars().map(letter_to_digit).collect();
    let fixed_check = letter_to_digit(check);
    if verifies(&fixed, fixed_check) {
        return (fixed, fixed_check, true, FieldStatus::Proven);
    }
    (data.to_string(), check, false, FieldStatus::Invalid)
}

/// Pairs OCR confuses in alphanumeric fields, tried both ways: the
/// letter/digit pairs of [`TO_DIGIT`] plus `Z`/`7` (OCR-B's Z and 7 share
/// the top bar and the diagonal; a passport personal number "ZE184226B" was
/// read "7E184226B").
const ALNUM_SWAPS: [(char, char); 6] = [
    ('O', '0'),
    ('I', '1'),
    ('B', '8'),
    ('S', '5'),
    ('Z', '2'),
    ('Z', '7'),
];

/// The characters `c` may have been misread for.
fn alternatives(c: char) -> Vec<char> {
    ALNUM_SWAPS
        .iter()
        .filter_map(|&(a, b)| {
            if a == c {
                Some(b)
            } else if b == c {
                Some(a)
            } else {
                None
            }
        })
        .collect()
}

/// Alphanumeric field with check digit: try swapping ambiguous characters
/// (see [`ALNUM_SWAPS`]) until the check digit verifies; accept only a
/// unique repair with the fewest changes.
fn alnum_with_check(data: &str, check: char) -> (String, char, bool, FieldStatus) {
    if verifies(data, check) {
        return (data.to_string(), check, false, FieldStatus::Proven);
    }
    let check_fixed = letter_to_digit(check);
    let chars: Vec<char> = data.chars().collect();
    // (position, alternatives) of every ambiguous character.
    let ambiguous: Vec<(usize, Vec<char>)> = chars
        .iter()
        .enumerate()
        .map(|(i, c)| (i, alternatives(*c)))
        .filter(|(_, a)| !a.is_empty())
        .collect();
    // Every combination: each ambiguous character kept (0) or replaced by
    // one of its alternatives (1..).
    let combos = ambiguous
        .iter()
        .try_fold(1u64, |n, (_, a)| n.checked_mul(a.len() as u64 + 1));
    if let Some(combos) = combos.filter(|&n| n <= 4096) {
        let mut hits = Vec::new();
        for code in 1..combos {
            let mut cand = chars.clone();
            let (mut rest, mut changes) = (code, 0u32);
            for (i, alts) in &ambiguous {
                let radix = alts.len() as u64 + 1;
                let pick = (rest % radix) as usize;
                rest /= radix;
                if pick > 0 {
                    cand[*i] = alts[pick - 1];
                    changes += 1;
                }
            }
            let s: String = cand.into_iter().collect();
            if verifies(&s, check_fixed) {
                hits.push((changes, s));
            }
        }
        // Accept the repair with the fewest changes, if no other repair ties it.
        hits.sort();
        let unique = match hits.as_slice() {
            [only] => Some(only.1.clone()),
            [a, b, ..] if a.0 < b.0 => Some(a.1.clone()),
            _ => None,
        };
        if let Some(s) = unique {
            return (s, check_fixed, true, FieldStatus::Proven);
        }
    }
    if check != check_fixed && verifies(data, check_fixed) {
        return (data.to_string(), check_fixed, true, FieldStatus::Proven);
    }
    (data.to_string(), check, false, FieldStatus::Invalid)
}

fn strip(s: &str) -> String {
    s.trim_end_matches('<').replace('<', " ").trim().to_string()
}

fn read_field(value: String, status: FieldStatus) -> MrzField {
    MrzField {
        value,
        status,
        repaired: false,
    }
}

/// Alphabetic field: digits that OCR confuses with letters become letters.
fn alpha(s: &str) -> (String, bool) {
    let fixed: String = s.chars().map(digit_to_letter).collect();
    let changed = fixed != s;
    (fixed, changed)
}

/// The document code with its first character made a letter (it is `A`,
/// `C`, `I`, `P` or `V`: a `1D` read is `ID`); the second is the issuer's
/// choice and may be a digit (the US permanent resident card's `C1`).
fn document_code(code: &str) -> (String, bool) {
    let mut chars = code.chars();
    let first = chars.next().map(digit_to_letter);
    let fixed: String = first.into_iter().chain(chars).collect();
    let changed = fixed != code;
    (fixed, changed)
}

/// Split the name field into (surname, given names).
fn names(field: &str) -> (MrzField, MrzField, String) {
    let (fixed, digits_fixed) = alpha(field);
    let (fixed, fillers_fixed) = settle_fillers(&fixed, &['K', 'C']);
    let repaired = digits_fixed || fillers_fixed;
    let (sur, given) = match fixed.split_once("<<") {
        Some((s, g)) => (s.to_string(), g.to_string()),
        None => (fixed.clone(), String::new()),
    };
    let mk = |v: &str| MrzField {
        value: strip(v),
        status: FieldStatus::Read,
        repaired,
    };
    (mk(&sur), mk(&given), fixed)
}

/// Where a left-justified field's trailing fillers begin, make every
/// `confusable` character there a filler `<`; return the field and whether
/// it changed.
///
/// The recognizer reads OCR-B fillers as `K` or `C` (see
/// `recognize::MRZ_PAD`), and no check digit notices `K`: its value, 20, is
/// 0 modulo 10, as the filler's. The structure does: data are
/// left-justified and padded with fillers, and no data field holds three
/// fillers in a row, so the padding starts at the first `<<<`; where `C`
/// is confusable too (names, and [`fillers_under_check`]) also at a run of
/// three `C`s or three `K`s that only filler-like characters (`<`, `C`,
/// `K`) follow (no name ends so). Fields covered by a check digit pass `K`
/// only, so their check digits are unchanged.
fn settle_fillers(field: &str, confusable: &[char]) -> (String, bool) {
    let chars: Vec<char> = field.chars().collect();
    let filler_like = |c: char| c == '<' || confusable.contains(&c);
    let start = (0..chars.len().saturating_sub(2)).find(|&i| {
        let run = &chars[i..i + 3];
        let c = run[0];
        run.iter().all(|&x| x == c)
            && (c == '<'
                || confusable.contains(&c)
                    && confusable.contains(&'C')
                    && chars[i..].iter().all(|&x| filler_like(x)))
    });
    let Some(start) = start else {
        return (field.to_string(), false);
    };
    let mut changed = false;
    let out: String = chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if i >= start && c != '<' && confusable.contains(&c) {
                changed = true;
                '<'
            } else {
                c
            }
        })
        .collect();
    (out, changed)
}

/// A checked field whose padding was read with `C`s (and `K`s) for
/// fillers, settled ([`settle_fillers`]) when, and only when, its check
/// digit then verifies and did not before. A `C` changes the check sum
/// (its value is 12), so unlike `K` it needs the check digit's word.
fn fillers_under_check(data: &str, check: char) -> Option<String> {
    if verifies(data, check) {
        return None;
    }
    let (settled, changed) = settle_fillers(data, &['K', 'C']);
    (changed && verifies(&settled, check)).then_some(settled)
}

/// Normalize OCR output into MRZ lines: drop spaces, uppercase, `«` → `<`.
pub fn normalize_line(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '«' | '‹' | '≤' => '<',
            c => c.to_ascii_uppercase(),
        })
        .collect()
}

/// Bring OCR lines to the layout's exact length: a short line is padded
/// with fillers (OCR drops trailing `<` runs), a long one loses trailing fillers.
fn fit(line: &str, len: usize) -> Option<String> {
    let n = line.chars().count();
    if n == len {
        return Some(line.to_string());
    }
    if n < len && len - n <= 3 {
        return Some(format!("{line}{}", "<".repeat(len - n)));
    }
    if n > len {
        let extra = n - len;
        let tail: String = line.chars().skip(len).collect();
        if extra <= 3 && tail.chars().all(|c| c == '<') {
            return Some(line.chars().take(len).collect());
        }
    }
    None
}

/// Parse MRZ lines (2 or 3, as printed). Check digits are verified; misreads
/// are repaired only where a check digit confirms the repair.
pub fn parse_mrz(lines: &[&str]) -> Result<Mrz, MrzError> {
    let norm: Vec<String> = lines
        .iter()
        .map(|l| normalize_line(l))
        .filter(|l| !l.is_empty())
        .collect();
    let lengths: Vec<usize> = norm.iter().map(|l| l.chars().count()).collect();
    let layout_err = || MrzError::Layout {
        lines: norm.len(),
        lengths: lengths.clone(),
    };
    let format = match norm.len() {
        3 => MrzFormat::Td1,
        2 => {
            let avg = (lengths[0] + lengths[1]) / 2;
            let visa = norm[0].starts_with('V');
            match (avg.abs_diff(36) < avg.abs_diff(44), visa) {
                (true, false) => MrzFormat::Td2,
                (false, false) => MrzFormat::Td3,
                (true, true) => MrzFormat::MrvB,
                (false, true) => MrzFormat::MrvA,
            }
        }
        _ => return Err(layout_err()),
    };
    let (_, width) = format.shape();
    let fitted: Vec<String> = norm
        .iter()
        .map(|l| fit(l, width))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(layout_err)?;
    for (li, l) in fitted.iter().enumerate() {
        if let Some((col, ch)) = l
            .chars()
            .enumerate()
            .find(|(_, c)| char_value(*c).is_none())
        {
            return Err(MrzError::BadChar { ch, line: li, col });
        }
    }
    let l: Vec<Vec<char>> = fitted.iter().map(|s| s.chars().collect()).collect();
    let sub = |line: usize, a: usize, b: usize| -> String { l[line][a..b].iter().collect() };
    Ok(match format {
        MrzFormat::Td1 => parse_td1(&sub),
        MrzFormat::Td2 | MrzFormat::Td3 | MrzFormat::MrvA | MrzFormat::MrvB => {
            parse_td23(format, &sub)
        }
    })
}

type Sub<'a> = dyn Fn(usize, usize, usize) -> String + 'a;

fn field(value: String, status: FieldStatus, repaired: bool) -> MrzField {
    MrzField {
        value,
        status,
        repaired,
    }
}

fn sex_field(c: &str) -> MrzField {
    let v = match c {
        "M" | "F" => c.to_string(),
        "<" | "X" => String::new(),
        "H" => "M".to_string(),
        other => other.to_string(),
    };
    read_field(v, FieldStatus::Read)
}

fn parse_td1(sub: &Sub<'_>) -> Mrz {
    let (code, code_rep) = document_code(&sub(0, 0, 2));
    let state = alpha(&sub(0, 2, 5)).0;
    let mut num = sub(0, 5, 14);
    let mut num_check = sub(0, 14, 15);
    let mut opt1 = sub(0, 15, 30);
    // Long document number: check position holds '<', the number continues in
    // the optional data up to the first filler, whose last character is the check digit.
    let mut long_number = false;
    if num_check == "<" {
        let cont: String = opt1.chars().take_while(|&c| c != '<').collect();
        if cont.len() >= 2 {
            let (rest, chk) = cont.split_at(cont.len() - 1);
            // The check digit covers the filler at position 15 as well.
            num = format!("{num}<{rest}");
            num_check = chk.to_string();
            opt1 = opt1.chars().skip(cont.len()).collect();
            long_number = true;
        }
    }
    let (num_v, num_c, num_rep, num_st) = alnum_with_check(&num, first(&num_check));
    let (dob, dob_c, dob_rep, dob_st) = numeric_with_check(&sub(1, 0, 6), first(&sub(1, 6, 7)));
    let sex = sex_field(&sub(1, 7, 8));
    let (exp, exp_c, exp_rep, exp_st) = numeric_with_check(&sub(1, 8, 14), first(&sub(1, 14, 15)));
    let nat = alpha(&sub(1, 15, 18)).0;
    let (opt1, opt1_fixed) = settle_fillers(&opt1, &['K']);
    let (opt2, opt2_fixed) = settle_fillers(&sub(1, 18, 29), &['K']);
    let comp_c = letter_to_digit(first(&sub(1, 29, 30)));
    // Composite: line 1 positions 6-30, line 2 positions 1-7, 9-15, 19-29 (repaired values).
    let line1_tail = if long_number {
        let cont_len = 15 - opt1.chars().count();
        format!("{}{opt1}", sub(0, 5, 15 + cont_len))
    } else {
        format!("{num_v}{num_c}{opt1}")
    };
    let composite_data = format!("{line1_tail}{dob}{dob_c}{exp}{exp_c}{opt2}");
    let composite_ok = verifies(&composite_data, comp_c);
    let (surname, given, name_line) = names(&sub(2, 0, 30));
    let all = composite_ok
        && [num_st, dob_st, exp_st]
            .iter()
            .all(|s| *s == FieldStatus::Proven);
    let line1 = format!("{code}{state}{line1_tail}");
    let line2 = format!(
        "{dob}{dob_c}{}{exp}{exp_c}{nat}{opt2}{comp_c}",
        sub(1, 7, 8)
    );
    let covered = if composite_ok {
        FieldStatus::Proven
    } else {
        FieldStatus::Read
    };
    Mrz {
        format: MrzFormat::Td1,
        lines: vec![line1, line2, name_line],
        document_code: field(strip(&code), FieldStatus::Read, code_rep),
        issuing_state: read_field(strip(&state), FieldStatus::Read),
        document_number: field(num_v.replace('<', ""), num_st, num_rep),
        birth_date: field(dob, dob_st, dob_rep),
        sex,
        expiry_date: field(exp, exp_st, exp_rep),
        nationality: read_field(strip(&nat), FieldStatus::Read),
        optional1: field(strip(&opt1), covered, opt1_fixed),
        optional2: field(strip(&opt2), covered, opt2_fixed),
        surname,
        given_names: given,
        composite_ok,
        all_checks_ok: all,
    }
}

fn first(s: &str) -> char {
    s.chars().next().unwrap_or('<')
}

fn parse_td23(format: MrzFormat, sub: &Sub<'_>) -> Mrz {
    let width = format.shape().1;
    let (code, code_rep) = document_code(&sub(0, 0, 2));
    let state = alpha(&sub(0, 2, 5)).0;
    let (surname, given, name_line) = names(&sub(0, 5, width));
    let (num_v, num_c, num_rep, num_st) = alnum_with_check(&sub(1, 0, 9), first(&sub(1, 9, 10)));
    let nat = alpha(&sub(1, 10, 13)).0;
    let (dob, dob_c, dob_rep, dob_st) = numeric_with_check(&sub(1, 13, 19), first(&sub(1, 19, 20)));
    let sex = sex_field(&sub(1, 20, 21));
    let (exp, exp_c, exp_rep, exp_st) = numeric_with_check(&sub(1, 21, 27), first(&sub(1, 27, 28)));
    let (opt, opt_st, opt_c, opt_rep) = if format == MrzFormat::Td3 {
        let data = sub(1, 28, 42);
        let c = first(&sub(1, 42, 43));
        // An empty personal number may carry '<' or '0' as its check digit.
        if data.chars().all(|x| x == '<') && (c == '0' || c == '<') {
            (data, FieldStatus::Proven, Some(c), false)
        } else if let Some(settled) = fillers_under_check(&data, c) {
            (settled, FieldStatus::Proven, Some(c), true)
        } else {
            // A misread repaired only when the check digit confirms it.
            let (d, c, rep, st) = alnum_with_check(&data, c);
            (d, st, Some(c), rep)
        }
    } else if format.is_visa() {
        // A visa's optional data runs to the end of the line, unchecked.
        (sub(1, 28, width), FieldStatus::Read, None, false)
    } else {
        (sub(1, 28, 35), FieldStatus::Read, None, false)
    };
    let (opt, opt_fixed) = settle_fillers(&opt, &['K']);
    let opt_rep = opt_rep || opt_fixed;
    let composite = (!format.is_visa()).then(|| {
        let c = letter_to_digit(first(&sub(1, width - 1, width)));
        let data = format!(
            "{num_v}{num_c}{dob}{dob_c}{exp}{exp_c}{opt}{}",
            opt_c.map(String::from).unwrap_or_default()
        );
        (c, verifies(&data, c))
    });
    let composite_ok = composite.is_some_and(|(_, ok)| ok);
    let all = (composite_ok || format.is_visa())
        && [num_st, dob_st, exp_st]
            .iter()
            .all(|s| *s == FieldStatus::Proven)
        && opt_st != FieldStatus::Invalid;
    let opt_status = if opt_st == FieldStatus::Read && composite_ok {
        FieldStatus::Proven
    } else {
        opt_st
    };
    let line2 = format!(
        "{num_v}{num_c}{nat}{dob}{dob_c}{}{exp}{exp_c}{opt}{}{}",
        sub(1, 20, 21),
        opt_c.map(String::from).unwrap_or_default(),
        composite.map(|(c, _)| String::from(c)).unwrap_or_default()
    );
    Mrz {
        format,
        lines: vec![format!("{code}{state}{name_line}"), line2],
        document_code: field(strip(&code), FieldStatus::Read, code_rep),
        issuing_state: read_field(strip(&state), FieldStatus::Read),
        document_number: field(strip(&num_v), num_st, num_rep),
        birth_date: field(dob, dob_st, dob_rep),
        sex,
        expiry_date: field(exp, exp_st, exp_rep),
        nationality: read_field(strip(&nat), FieldStatus::Read),
        optional1: field(strip(&opt), opt_status, opt_rep),
        optional2: read_field(String::new(), FieldStatus::Read),
        surname,
        given_names: given,
        composite_ok,
        all_checks_ok: all,
    }
}

/// Find an MRZ among recognized lines (top to bottom): the last run of 2-3
/// consecutive MRZ-looking lines that parses. Lines are given as text.
pub fn find_mrz(lines: &[String]) -> Option<Mrz> {
    let readings: Vec<Vec<String>> = lines.iter().map(|l| vec![l.clone()]).collect();
    find_mrz_among(&readings)
}

/// Whether a first reading of the MRZ-looking lines needs no second look:
/// an MRZ is found whose every check digit verifies, whose lines (every
/// reading that looks like an MRZ line, as read) have their format's exact
/// length, and whose name field holds the surname/given-names separator
/// `<<` before its trailing fillers. The recognizer's known failure,
/// fillers read as `K` (see `recognize::MRZ_PAD`), hides in the name field,
/// which has no check digit: "ERIKSSONKKANNAKMARIA<<<…" is one long token,
/// and a partial misreading, "ERIKSSONK<ANNAKMARIA<<<…", loses the `<<`.
/// A name with given names always has `<<`; a name without (surname only)
/// is simply read again.
pub fn reading_is_settled(lines: &[String]) -> bool {
    let Some(m) = find_mrz(lines) else {
        return false;
    };
    let want = m.format.shape().1;
    let names_line = match m.format {
        MrzFormat::Td1 => m.lines.get(2).map(|l| l.as_str()),
        _ => m.lines.first().and_then(|l| l.get(5..)),
    };
    m.all_checks_ok
        && lines
            .iter()
            .filter(|l| l.len() >= 26 && l.contains('<'))
            .all(|l| l.chars().count() == want)
        && names_line.is_some_and(|n| n.trim_end_matches('<').contains("<<"))
}

/// Most readings of one line [`find_mrz_among`] considers.
const MAX_READINGS: usize = 6;

/// [`find_mrz`] over lines that each have several readings, in order of
/// preference (the recognizer's MRZ re-readings, then its plain decoding).
///
/// In every run of 2-3 consecutive MRZ-looking lines, every combination of
/// the lines' readings is parsed; the parse with the most verified check
/// digits wins, and among equals the one made of the most preferred
/// readings. A reading is never edited here: misreads are repaired only
/// by [`parse_mrz`], under a check digit.
pub fn find_mrz_among(lines: &[Vec<String>]) -> Option<Mrz> {
    let cands: Vec<(usize, Vec<String>)> = lines
        .iter()
        .enumerate()
        .map(|(i, rs)| {
            let mut seen = Vec::new();
            for r in rs.iter().map(|r| normalize_line(r)) {
                // A line without a single `<` may still be one: a name line
                // whose fillers were all read as `C`, a visa's second line.
                let mrz_chars = r.contains('<') || r.chars().all(|c| char_value(c).is_some());
                if r.len() >= 26 && mrz_chars && !seen.contains(&r) {
                    seen.push(r);
                }
            }
            seen.truncate(MAX_READINGS);
            (i, seen)
        })
        .filter(|(_, rs)| !rs.is_empty())
        .collect();
    let mut best: Option<(usize, Mrz)> = None;
    for n in [3usize, 2] {
        for w in cands.windows(n) {
            if w.windows(2).any(|p| p[1].0 != p[0].0 + 1) {
                continue;
            }
            // (score, rank sum) of the best combination of this window.
            let mut win: Option<(usize, usize, Mrz)> = None;
            let combos: usize = w.iter().map(|(_, rs)| rs.len()).product();
            for code in 0..combos {
                let (mut rest, mut rank) = (code, 0usize);
                let mut refs: Vec<&str> = Vec::with_capacity(n);
                for (_, rs) in w {
                    let k = rest % rs.len();
                    rest /= rs.len();
                    rank += k;
                    refs.push(rs[k].as_str());
                }
                if let Ok(m) = parse_mrz(&refs) {
                    let s = score(&m);
                    let better = win
                        .as_ref()
                        .is_none_or(|(bs, br, _)| s > *bs || s == *bs && rank < *br);
                    if better {
                        win = Some((s, rank, m));
                    }
                }
            }
            if let Some((s, _, m)) = win
                && best.as_ref().is_none_or(|(bs, _)| s > *bs)
            {
                best = Some((s, m));
            }
        }
    }
    best.map(|(_, m)| m)
}

/// The check digits of `m` that verify (a visa counts its missing
/// composite as verified; a TD3 personal number whose check digit fails
/// counts against it, so a passport reading whose composite verifies by
/// chance does not tie with a visa reading of the same lines).
fn score(m: &Mrz) -> usize {
    [&m.document_number, &m.birth_date, &m.expiry_date]
        .iter()
        .filter(|f| f.status == FieldStatus::Proven)
        .count()
        + usize::from(m.composite_ok || m.format.is_visa())
        + usize::from(m.optional1.status != FieldStatus::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_of_icao_examples() {
        assert_eq!(check_digit("D23145890"), Some('7'));
        assert_eq!(check_digit("740812"), Some('2'));
        assert_eq!(check_digit("120415"), Some('9'));
        assert_eq!(check_digit("L898902C3"), Some('6'));
        assert_eq!(check_digit("a"), None);
    }

    #[test]
    fn td1_swiss_parses_and_proves() {
        let m = parse_mrz(&[
            "IDCHEA1234567<6<<<<<<<<<<<<<<<",
            "7510256M2009018CHE<<<<<<<<<<<8",
            "SMITH<<JOHN<ALBERT<<<<<<<<<<<<",
        ])
        .unwrap();
        assert_eq!(m.format, MrzFormat::Td1);
        assert_eq!(m.document_number.value, "A1234567");
        assert_eq!(m.document_number.status, FieldStatus::Proven);
        assert_eq!(m.birth_date.value, "751025");
        assert_eq!(m.expiry_date.value, "200901");
        assert_eq!(m.sex.value, "M");
        assert_eq!(m.surname.value, "SMITH");
        assert_eq!(m.given_names.value, "JOHN ALBERT");
        assert!(m.composite_ok && m.all_checks_ok);
    }

    #[test]
    fn ocr_confusions_are_repaired_only_under_a_check_digit() {
        let m = parse_mrz(&[
            "IDCHEA1234567<6<<<<<<<<<<<<<<<",
            "75IOZ56M2009018CHE<<<<<<<<<<<8",
            "5M1TH<<J0HN<AL8ERT<<<<<<<<<<<<",
        ])
        .unwrap();
        assert_eq!(m.birth_date.value, "751025");
        assert!(m.birth_date.repaired);
        assert_eq!(m.birth_date.status, FieldStatus::Proven);
        assert_eq!(m.surname.value, "SMITH");
        assert_eq!(m.given_names.value, "JOHN ALBERT");
        assert!(m.all_checks_ok);
        // A wrong digit (not a confusion) stays invalid.
        let bad = parse_mrz(&[
            "I<VNM0123456784<<<<<<<<<<<<<<<",
            "9501019M3001019VNM<<<<<<<<<<<0",
            "NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<",
        ])
        .unwrap();
        assert_eq!(bad.birth_date.status, FieldStatus::Invalid);
        assert!(!bad.birth_date.repaired);
        assert!(!bad.all_checks_ok);
    }

    #[test]
    fn td3_personal_number_z_read_as_7_is_repaired_under_its_check_digit() {
        // ICAO 9303 specimen passport, personal number "ZE184226B" (check 1)
        // as OCR read it: Z -> 7.
        let m = parse_mrz(&[
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F12041597E184226B<<<<<10",
        ])
        .unwrap();
        assert_eq!(m.optional1.value, "ZE184226B");
        assert_eq!(m.optional1.status, FieldStatus::Proven);
        assert!(m.optional1.repaired);
        assert!(m.composite_ok && m.all_checks_ok);
        assert_eq!(m.lines[1], "L898902C36UTO7408122F1204159ZE184226B<<<<<10");
        // A personal number whose check digit no swap satisfies stays invalid.
        let bad = parse_mrz(&[
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F12041594E184226B<<<<<10",
        ])
        .unwrap();
        assert_eq!(bad.optional1.value, "4E184226B");
        assert_eq!(bad.optional1.status, FieldStatus::Invalid);
        assert!(!bad.optional1.repaired && !bad.all_checks_ok);
    }

    #[test]
    fn document_number_repair_must_be_unique_and_verified() {
        // D23145890 check 7; OCR read the 0 as O.
        let m = parse_mrz(&[
            "I<UTOD2314589O7<<<<<<<<<<<<<<<",
            "7408122F1204159UTO<<<<<<<<<<<6",
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        ])
        .unwrap();
        assert_eq!(m.document_number.value, "D23145890");
        assert!(m.document_number.repaired);
        assert!(m.all_checks_ok, "{m:?}");
    }

    #[test]
    fn long_document_number_continues_in_optional_data() {
        let m = parse_mrz(&[
            "I<UTOD23145890<1240<XYZ<<<<<<<",
            "7408122F1204159UTO<<<<<<<<<<<8",
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        ])
        .unwrap();
        assert_eq!(m.document_number.value, "D23145890124");
        assert_eq!(m.document_number.status, FieldStatus::Proven);
        assert_eq!(m.optional1.value, "XYZ");
        assert!(m.composite_ok);
    }

    #[test]
    fn visas_parse_without_composite_check() {
        // ICAO 9303 part 7's MRV-A and MRV-B specimens.
        let a = parse_mrz(&[
            "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
        ])
        .unwrap();
        assert_eq!(a.format, MrzFormat::MrvA);
        assert_eq!(a.document_code.value, "V");
        assert_eq!(a.document_number.value, "L8988901C");
        assert_eq!(a.nationality.value, "XXX");
        assert_eq!(a.birth_date.value, "400907");
        assert_eq!(a.expiry_date.value, "961210");
        assert_eq!(a.optional1.value, "6ZE184226B");
        assert_eq!(a.optional1.status, FieldStatus::Read);
        assert!(a.all_checks_ok && !a.composite_ok);
        assert_eq!(a.lines[1], "L8988901C4XXX4009078F96121096ZE184226B<<<<<<");
        let b = parse_mrz(&[
            "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
            "L8988901C4XXX4009078F9612109<<<<<<<<",
        ])
        .unwrap();
        assert_eq!(b.format, MrzFormat::MrvB);
        assert_eq!(b.given_names.value, "ANNA MARIA");
        assert!(b.all_checks_ok);
        // A wrong date still fails, with no composite to fall back on.
        let bad = parse_mrz(&[
            "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
            "L8988901C4XXX4009079F9612109<<<<<<<<",
        ])
        .unwrap();
        assert_eq!(bad.birth_date.status, FieldStatus::Invalid);
        assert!(!bad.all_checks_ok);
        // A visa whose `V<` was also read as `I` (as on a US visa photo),
        // its last optional character chosen so that, read as a passport,
        // the composite verifies by chance: the passport reading fails its
        // personal number's check digit, so the visa reading wins.
        let readings = vec![
            vec![
                "IUTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<".to_string(),
                "VIUTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<".to_string(),
            ],
            vec!["L8988901C4XXX4009078F96121096ZE184226B<<<<<5".to_string()],
        ];
        let passport = parse_mrz(&[&readings[0][0], &readings[1][0]]).unwrap();
        assert_eq!(passport.format, MrzFormat::Td3);
        assert!(passport.composite_ok);
        assert_eq!(passport.optional1.status, FieldStatus::Invalid);
        let m = find_mrz_among(&readings).expect("found");
        assert_eq!(m.format, MrzFormat::MrvA);
        assert!(m.all_checks_ok);
        assert_eq!(m.issuing_state.value, "UTO");
    }

    #[test]
    fn fillers_read_as_k_or_c_after_the_padding_starts_are_fillers() {
        // Name fields: after the first `<<<`, and at a trailing run of C/K.
        assert_eq!(
            settle_fillers("MUSTERMANN<<ERIKA<<<<CCCC<<<<C", &['K', 'C']),
            ("MUSTERMANN<<ERIKA<<<<<<<<<<<<<".to_string(), true)
        );
        assert_eq!(
            settle_fillers("CHONGCCKAKKEONGCCCCCCCCCCCCCCC", &['K', 'C']).0,
            "CHONGCCKAKKEONG<<<<<<<<<<<<<<<"
        );
        // Letters of the name itself stay: a name ending in K, a double C.
        assert!(!settle_fillers("ERIK<<<<<<", &['K', 'C']).1);
        assert!(!settle_fillers("ACCORSI<<LUCA<<<<", &['K', 'C']).1);
        // A run of K that something other than fillers follows is no padding.
        assert!(!settle_fillers("KKKA<<", &['K', 'C']).1);
        // Checked fields: `K` only (its check value equals the filler's).
        assert_eq!(
            settle_fillers("<<<<<<<<<<<<<<K", &['K']).0,
            "<<<<<<<<<<<<<<<"
        );
        assert!(!settle_fillers("AB<<<C", &['K']).1);
        // Through the parser: the same check digits verify before and after.
        let m = parse_mrz(&[
            "IDCHEA1234567<6<<<<<<<<<<<<<<K",
            "7510256M2009018CHE<<<<<<<<<<<8",
            "SMITH<<JOHN<ALBERT<<<<KKK<<<<C",
        ])
        .unwrap();
        assert!(m.all_checks_ok);
        assert_eq!(m.optional1.value, "");
        assert!(m.optional1.repaired);
        assert_eq!(m.lines[0], "IDCHEA1234567<6<<<<<<<<<<<<<<<");
        assert_eq!(m.lines[2], "SMITH<<JOHN<ALBERT<<<<<<<<<<<<");
        assert_eq!(m.given_names.value, "JOHN ALBERT");
        assert!(m.given_names.repaired);
        // The document code is letters: a `1` there is an `I`.
        let m = parse_mrz(&[
            "1DCHEA1234567<6<<<<<<<<<<<<<<<",
            "7510256M2009018CHE<<<<<<<<<<<8",
            "SMITH<<JOHN<ALBERT<<<<<<<<<<<<",
        ])
        .unwrap();
        assert_eq!(m.document_code.value, "ID");
        assert!(m.document_code.repaired && m.all_checks_ok);
        assert_eq!(m.lines[0], "IDCHEA1234567<6<<<<<<<<<<<<<<<");
        // Its second character is the issuer's: a digit stays.
        assert_eq!(document_code("C1"), ("C1".to_string(), false));
        assert_eq!(document_code("10"), ("I0".to_string(), true));
    }

    #[test]
    fn a_personal_number_padded_with_c_is_settled_under_its_check_digit() {
        // ICAO's TD3 specimen with a personal number "123456782" (check 0)
        // whose padding was read "<CCCC" (composite 8 over the true line).
        let m = parse_mrz(&[
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159123456782<CCCC08",
        ])
        .unwrap();
        assert_eq!(m.optional1.value, "123456782");
        assert_eq!(m.optional1.status, FieldStatus::Proven);
        assert!(m.optional1.repaired && m.all_checks_ok, "{m:?}");
        assert_eq!(m.lines[1], "L898902C36UTO7408122F1204159123456782<<<<<08");
        // With a check digit the settled field does not satisfy, nothing
        // changes and the field stays invalid.
        let bad = parse_mrz(&[
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159123456782<CCCC38",
        ])
        .unwrap();
        assert_eq!(bad.optional1.status, FieldStatus::Invalid);
        assert!(!bad.optional1.repaired && !bad.all_checks_ok);
    }

    #[test]
    fn a_name_line_without_fillers_still_completes_a_td1() {
        // Every filler of the name line read as C: no `<` on the line.
        let lines: Vec<String> = [
            "IDCHEA1234567<6<<<<<<<<<<<<<<<",
            "7510256M2009018CHE<<<<<<<<<<<8",
            "SMITHCCJOHNCALBERTCCCCCCCCCCCC",
        ]
        .map(String::from)
        .to_vec();
        let m = find_mrz(&lines).expect("found");
        assert_eq!(m.format, MrzFormat::Td1);
        assert!(m.all_checks_ok);
        assert_eq!(m.lines[2], "SMITHCCJOHNCALBERT<<<<<<<<<<<<");
        // A line with other characters than the MRZ's does not join it.
        let mut prose = lines.clone();
        prose[2] = "Smith, John Albert (holder)".into();
        assert!(find_mrz(&prose).is_none());
    }

    #[test]
    fn td3_with_empty_personal_number_check_written_as_filler() {
        // ICAO specimen with the personal number emptied: its check digit is '<'.
        let l1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
        let data = "L898902C36UTO7408122F1204159<<<<<<<<<<<<<<<";
        let comp = check_digit(&format!(
            "{}{}{}<<<<<<<<<<<<<<<",
            &data[0..10],
            &data[13..20],
            &data[21..28]
        ))
        .unwrap();
        let l2 = format!("{data}{comp}");
        let m = parse_mrz(&[l1, &l2]).unwrap();
        assert_eq!(m.format, MrzFormat::Td3);
        assert_eq!(m.document_number.value, "L898902C3");
        assert_eq!(m.optional1.value, "");
        assert_ne!(m.optional1.status, FieldStatus::Invalid);
        assert!(m.all_checks_ok, "{m:?}");
        assert_eq!(m.surname.value, "ERIKSSON");
    }

    #[test]
    fn td3_icao_specimen() {
        let m = parse_mrz(&[
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ])
        .unwrap();
        assert_eq!(m.optional1.value, "ZE184226B");
        assert_eq!(m.optional1.status, FieldStatus::Proven);
        assert!(m.all_checks_ok);
        assert_eq!(m.sex.value, "F");
    }

    #[test]
    fn garbage_is_a_typed_error() {
        assert_eq!(parse_mrz(&["hello"]).unwrap_err().code(), "mrz.layout");
        let e = parse_mrz(&[
            "I<UTOD23145890#<<<<<<<<<<<<<<<",
            "x".repeat(30).as_str(),
            "<".repeat(30).as_str(),
        ])
        .unwrap_err();
        assert_eq!(e.code(), "mrz.bad_char");
        assert!(parse_mrz(&[]).is_err());
    }

    #[test]
    fn find_mrz_among_page_lines() {
        let lines: Vec<String> = [
            "Đặc điểm nhân dạng",
            "IDVNM0099999999001099999999<<4",
            "9001011M3901011VNM<<<<<<<<<<<4",
            "NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let m = find_mrz(&lines).unwrap();
        assert_eq!(m.format, MrzFormat::Td1);
        assert_eq!(m.birth_date.value, "900101");
        assert_eq!(m.surname.value, "NGUYEN");
        assert_eq!(m.given_names.value, "VAN A");
    }

    fn readings(lines: &[&[&str]]) -> Vec<Vec<String>> {
        lines
            .iter()
            .map(|rs| rs.iter().map(|r| r.to_string()).collect())
            .collect()
    }

    #[test]
    fn among_equally_proven_readings_the_first_is_taken() {
        // ICAO TD2 specimen. Its first line has no check digit: the reading
        // with fillers read as 'K' proves as much as the right one, and only
        // the order of preference (the MRZ re-reading first) decides.
        let right = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<";
        let k_read = "IKUTOERIKSSONKKANNAKMARIA<<<<<<<<<<<";
        let line2 = "D231458907UTO7408122F1204159<<<<<<<6";
        let m = find_mrz_among(&readings(&[&[right, k_read], &[line2]])).unwrap();
        assert_eq!(m.format, MrzFormat::Td2);
        assert_eq!(m.document_code.value, "I");
        assert_eq!(m.surname.value, "ERIKSSON");
        assert_eq!(m.given_names.value, "ANNA MARIA");
        assert_eq!(m.surname.status, FieldStatus::Read);
        assert!(m.all_checks_ok);
        // Nothing rewrites a 'K' on its own: with only the 'K' reading, it stands.
        let k_only = find_mrz_among(&readings(&[&[k_read], &[line2]])).unwrap();
        assert_eq!(k_only.surname.value, "ERIKSSONKKANNAKMARIA");
        assert_eq!(k_only.document_code.value, "IK");
    }

    #[test]
    fn a_settled_first_reading_is_not_read_again() {
        let s =
            |ls: &[&str]| reading_is_settled(&ls.iter().map(|l| l.to_string()).collect::<Vec<_>>());
        let line2 = "D231458907UTO7408122F1204159<<<<<<<6";
        // Fillers inside the name field: settled.
        assert!(s(&["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", line2]));
        // Every check digit verifies, but the name field is one token: the
        // 'K' misreading of its fillers. Read again.
        assert!(!s(&["IKUTOERIKSSONKKANNAKMARIA<<<<<<<<<<<", line2]));
        // Partly misread: the separator `<<` became `K<` (a tight crop from
        // the light detector, ICAO TD3 specimen). Read again.
        assert!(!s(&["IKUTOERIKSSONK<ANNAKMARIA<<<<<<<<<<<", line2]));
        // A surname-only name has no separator: read again (costs time only).
        assert!(!s(&["I<UTOERIKSSON<<<<<<<<<<<<<<<<<<<<<<<", line2]));
        // A failed check digit (birth date changed).
        assert!(!s(&[
            "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
            "D231458907UTO7408123F1204159<<<<<<<6"
        ]));
        // A filler lost from a run: wrong line length.
        assert!(!s(&["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<", line2]));
        // No MRZ at all.
        assert!(!s(&["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
            .to_string()
            .as_str()]));
    }

    #[test]
    fn a_later_reading_wins_only_by_more_check_digits() {
        let line1 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<";
        // A filler merged in the middle of the run: padded at the end, the
        // composite check digit lands on a filler and fails.
        let merged = "D231458907UTO7408122F1204159<<<<<<6";
        let exact = "D231458907UTO7408122F1204159<<<<<<<6";
        let m = find_mrz_among(&readings(&[&[line1], &[merged, exact]])).unwrap();
        assert!(m.composite_ok && m.all_checks_ok, "{m:?}");
        assert_eq!(m.lines[1], exact);
        let only_merged = find_mrz_among(&readings(&[&[line1], &[merged]])).unwrap();
        assert!(!only_merged.composite_ok);
        // A later reading that proves no more than the first is not taken.
        let wrong_dob = "D231458907UTO7408123F1204159<<<<<<<6";
        let m = find_mrz_among(&readings(&[&[line1], &[wrong_dob, exact]])).unwrap();
        assert_eq!(m.birth_date.value, "740812");
        let m = find_mrz_among(&readings(&[&[line1], &[exact, wrong_dob]])).unwrap();
        assert_eq!(m.birth_date.value, "740812");
        assert_eq!(m.birth_date.status, FieldStatus::Proven);
    }

    #[test]
    fn readings_that_are_not_mrz_lines_are_ignored() {
        let lines = readings(&[
            &["Đặc điểm nhân dạng"],
            &["IDVNM0099999999001099999999<<4", "short"],
            &["9001011M3901011VNM<<<<<<<<<<<4"],
            &["NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<", "NGUYEN VAN A"],
            &[],
        ]);
        let m = find_mrz_among(&lines).unwrap();
        assert_eq!(m.format, MrzFormat::Td1);
        assert_eq!(m.given_names.value, "VAN A");
        assert!(find_mrz_among(&[]).is_none());
        assert!(find_mrz_among(&readings(&[&[], &["hello"]])).is_none());
    }
}
