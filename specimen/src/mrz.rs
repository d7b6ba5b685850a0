//! ICAO 9303 machine-readable zone: the 7-3-1 check digit and the TD1 lines of a CCCD back.

use crate::person::Person;

/// Value of an MRZ character for the check digit: digits 0-9, `A`-`Z` 10-35, `<` 0.
/// `None` for a character that may not appear in an MRZ.
pub fn char_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        'A'..='Z' => Some(c as u32 - 'A' as u32 + 10),
        '<' => Some(0),
        _ => None,
    }
}

/// ICAO 9303 check digit (weights 7, 3, 1 repeating; sum mod 10). `None` if `data` holds a
/// character outside `0-9A-Z<`.
pub fn check_digit(data: &str) -> Option<char> {
    const W: [u32; 3] = [7, 3, 1];
    let mut sum = 0u32;
    for (i, c) in data.chars().enumerate() {
        sum += char_value(c)? * W[i % 3];
    }
    char::from_digit(sum % 10, 10)
}

/// Transliterate a Vietnamese name for the MRZ: strip diacritics, Đ → D, upper case, anything
/// else that is not A-Z becomes a filler.
pub fn transliterate(name: &str) -> String {
    name.chars()
        .map(|c| {
            let base = base_letter(c);
            let u = base.to_ascii_uppercase();
            if u.is_ascii_uppercase() { u } else { '<' }
        })
        .collect()
}

fn base_letter(c: char) -> char {
    const GROUPS: [(char, &str); 7] = [
        ('a', "àáảãạăằắẳẵặâầấẩẫậÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ"),
        ('e', "èéẻẽẹêềếểễệÈÉẺẼẸÊỀẾỂỄỆ"),
        ('i', "ìíỉĩịÌÍỈĨỊ"),
        ('o', "òóỏõọôồốổỗộơờớởỡợÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ"),
        ('u', "ùúủũụưừứửữựÙÚỦŨỤƯỪỨỬỮỰ"),
        ('y', "ỳýỷỹỵỲÝỶỸỴ"),
        ('d', "đĐ"),
    ];
    GROUPS
        .iter()
        .find(|(_, set)| set.contains(c))
        .map(|(b, _)| *b)
        .unwrap_or(c)
}

fn pad(s: &str, len: usize) -> String {
    let mut out: String = s.chars().take(len).collect();
    while out.chars().count() < len {
        out.push('<');
    }
    out
}

/// The three 30-character TD1 lines of a CCCD back.
///
/// Line 1: `IDVNM` + document number (the ID's last 9 digits) + its check digit + optional data
/// (the full 12-digit ID, `<<`, and the check digit of the 15-character optional data).
/// Line 2: birth date YYMMDD + check, sex, expiry YYMMDD + check, `VNM`, 11 fillers, composite
/// check digit (over line 1 positions 6-30 and line 2 positions 1-7, 9-15, 19-29).
/// Line 3: `FAMILY<<MIDDLE<GIVEN`, transliterated, truncated/padded to 30.
pub fn td1_lines(person: &Person) -> [String; 3] {
    let id = &person.id_number;
    let doc: String = id.chars().skip(id.len().saturating_sub(9)).collect();
    let doc_cd = check_digit(&doc).unwrap_or('<');
    let opt = format!("{id}<<");
    let opt_cd = check_digit(&opt).unwrap_or('<');
    let line1 = pad(&format!("IDVNM{doc}{doc_cd}{opt}{opt_cd}"), 30);

    let dob = person.date_of_birth.yymmdd();
    let exp = person.expiry_date.yymmdd();
    let head = format!(
        "{dob}{}{}{exp}{}VNM",
        check_digit(&dob).unwrap_or('<'),
        person.sex.mrz(),
        check_digit(&exp).unwrap_or('<')
    );
    let body2 = pad(&head, 29);
    let composite_input = format!(
        "{}{}{}{}",
        &line1[5..30],
        &body2[0..7],
        &body2[8..15],
        &body2[18..29]
    );
    let line2 = format!("{body2}{}", check_digit(&composite_input).unwrap_or('<'));

    let name = format!(
        "{}<<{}<{}",
        transliterate(&person.family_name),
        transliterate(&person.middle_name),
        transliterate(&person.given_name)
    );
    let line3 = pad(&name, 30);
    [line1, line2, line3]
}

#[cfg(test)]
mod tests {
    use super::*;

    // ICAO Doc 9303 specimen documents of "Utopia" (published examples).
    #[test]
    fn icao_td1_specimen_check_digits() {
        // I<UTOD231458907<<<<<<<<<<<<<<<
        // 7408122F1204159UTO<<<<<<<<<<<6
        assert_eq!(check_digit("D23145890"), Some('7'));
        assert_eq!(check_digit("740812"), Some('2'));
        assert_eq!(check_digit("120415"), Some('9'));
        let l1 = "I<UTOD231458907<<<<<<<<<<<<<<<";
        let l2 = "7408122F1204159UTO<<<<<<<<<<<6";
        let composite = format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]);
        assert_eq!(check_digit(&composite), Some('6'));
    }

    #[test]
    fn icao_td3_specimen_check_digits() {
        // P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<
        // L898902C36UTO7408122F1204159ZE184226B<<<<<10
        assert_eq!(check_digit("L898902C3"), Some('6'));
        assert_eq!(check_digit("ZE184226B<<<<<"), Some('1'));
        let l2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
        let composite = format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..43]);
        assert_eq!(check_digit(&composite), Some('0'));
    }

    #[test]
    fn invalid_characters_have_no_check_digit() {
        assert_eq!(check_digit("AB-12"), None);
        assert_eq!(check_digit("abc"), None);
        assert_eq!(check_digit(""), Some('0'));
    }

    #[test]
    fn transliteration_strips_vietnamese_marks() {
        assert_eq!(transliterate("Nguyễn"), "NGUYEN");
        assert_eq!(transliterate("Đặng Thị Phượng"), "DANG<THI<PHUONG");
        assert_eq!(transliterate("Ưng Hoàng Hữu"), "UNG<HOANG<HUU");
    }
}
