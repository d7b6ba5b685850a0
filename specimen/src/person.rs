//! Fictional Vietnamese citizens: names, dates, places and a CCCD number that follows the rules.
//!
//! Names are drawn from lists of common family, middle and given names; places combine real
//! province names with generic commune/street names and random house numbers, so addresses are
//! plausible but fictional. Nothing here is any real person's data.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::rng::Rng;
use crate::text::nfc;

/// A calendar date (proleptic Gregorian). Serialized as ISO 8601 `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month 1-12.
    pub month: u8,
    /// Day 1-31.
    pub day: u8,
}

impl Date {
    /// A date, if it exists in the calendar.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let d = Date { year, month, day };
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)).then_some(d)
    }

    /// Days since 1970-01-01.
    pub fn to_days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let mp = if m > 2 { m - 3 } else { m + 9 };
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days after 1970-01-01.
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// `DD/MM/YYYY`, as printed on Vietnamese documents.
    pub fn dmy(self) -> String {
        format!("{:02}/{:02}/{:04}", self.day, self.month, self.year)
    }

    /// `DDMMYYYY`, as in the CCCD QR payload.
    pub fn dmy_compact(self) -> String {
        format!("{:02}{:02}{:04}", self.day, self.month, self.year)
    }

    /// `YYMMDD`, as in an MRZ.
    pub fn yymmdd(self) -> String {
        format!(
            "{:02}{:02}{:02}",
            self.year.rem_euclid(100),
            self.month,
            self.day
        )
    }

    /// This day-and-month `years` later (29 February becomes 28 February in common years).
    pub fn add_years(self, years: i32) -> Date {
        let year = self.year + years;
        let day = self.day.min(days_in_month(year, self.month));
        Date {
            year,
            month: self.month,
            day,
        }
    }

    /// Completed years from `self` to `on`.
    pub fn age_on(self, on: Date) -> i32 {
        let mut age = on.year - self.year;
        if (on.month, on.day) < (self.month, self.day) {
            age -= 1;
        }
        age
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl From<Date> for String {
    fn from(d: Date) -> String {
        d.to_string()
    }
}

impl TryFrom<String> for Date {
    type Error = String;
    fn try_from(s: String) -> Result<Date, String> {
        let parts: Vec<&str> = s.split('-').collect();
        let bad = || format!("not an ISO date: {s:?}");
        let [y, m, d] = parts.as_slice() else {
            return Err(bad());
        };
        let (Ok(y), Ok(m), Ok(d)) = (y.parse(), m.parse(), d.parse()) else {
            return Err(bad());
        };
        Date::new(y, m, d).ok_or_else(bad)
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Sex as printed on the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Sex {
    /// "Nam" / M.
    Male,
    /// "Nữ" / F.
    Female,
}

impl Sex {
    /// Vietnamese word printed on documents and in the QR payload: "Nam" or "Nữ".
    pub fn vi(self) -> &'static str {
        match self {
            Sex::Male => "Nam",
            Sex::Female => "Nữ",
        }
    }

    /// MRZ letter: `M` or `F`.
    pub fn mrz(self) -> char {
        match self {
            Sex::Male => 'M',
            Sex::Female => 'F',
        }
    }
}

/// A province (or centrally-run city) with its 3-digit code used in CCCD numbers.
/// Serialized as `{"code": "001", "name": "Hà Nội"}`; deserializing looks the code up in
/// [`PROVINCES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Province {
    /// 3-digit code, e.g. "001".
    pub code: &'static str,
    /// Name, e.g. "Hà Nội".
    pub name: &'static str,
}

/// The 63 province codes of CCCD numbers (Circular 07/2016/TT-BCA, Appendix; the place of birth
/// registration). The 2025 province mergers did not renumber existing citizen IDs.
pub const PROVINCES: [Province; 63] = {
    const fn p(code: &'static str, name: &'static str) -> Province {
        Province { code, name }
    }
    [
        p("001", "Hà Nội"),
        p("002", "Hà Giang"),
        p("004", "Cao Bằng"),
        p("006", "Bắc Kạn"),
        p("008", "Tuyên Quang"),
        p("010", "Lào Cai"),
        p("011", "Điện Biên"),
        p("012", "Lai Châu"),
        p("014", "Sơn La"),
        p("015", "Yên Bái"),
        p("017", "Hòa Bình"),
        p("019", "Thái Nguyên"),
        p("020", "Lạng Sơn"),
        p("022", "Quảng Ninh"),
        p("024", "Bắc Giang"),
        p("025", "Phú Thọ"),
        p("026", "Vĩnh Phúc"),
        p("027", "Bắc Ninh"),
        p("030", "Hải Dương"),
        p("031", "Hải Phòng"),
        p("033", "Hưng Yên"),
        p("034", "Thái Bình"),
        p("035", "Hà Nam"),
        p("036", "Nam Định"),
        p("037", "Ninh Bình"),
        p("038", "Thanh Hóa"),
        p("040", "Nghệ An"),
        p("042", "Hà Tĩnh"),
        p("044", "Quảng Bình"),
        p("045", "Quảng Trị"),
        p("046", "Thừa Thiên Huế"),
        p("048", "Đà Nẵng"),
        p("049", "Quảng Nam"),
        p("051", "Quảng Ngãi"),
        p("052", "Bình Định"),
        p("054", "Phú Yên"),
        p("056", "Khánh Hòa"),
        p("058", "Ninh Thuận"),
        p("060", "Bình Thuận"),
        p("062", "Kon Tum"),
        p("064", "Gia Lai"),
        p("066", "Đắk Lắk"),
        p("067", "Đắk Nông"),
        p("068", "Lâm Đồng"),
        p("070", "Bình Phước"),
        p("072", "Tây Ninh"),
        p("074", "Bình Dương"),
        p("075", "Đồng Nai"),
        p("077", "Bà Rịa - Vũng Tàu"),
        p("079", "Hồ Chí Minh"),
        p("080", "Long An"),
        p("082", "Tiền Giang"),
        p("083", "Bến Tre"),
        p("084", "Trà Vinh"),
        p("086", "Vĩnh Long"),
        p("087", "Đồng Tháp"),
        p("089", "An Giang"),
        p("091", "Kiên Giang"),
        p("092", "Cần Thơ"),
        p("093", "Hậu Giang"),
        p("094", "Sóc Trăng"),
        p("095", "Bạc Liêu"),
        p("096", "Cà Mau"),
    ]
};

#[derive(Deserialize)]
struct ProvinceRepr {
    code: String,
}

impl<'de> Deserialize<'de> for Province {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Province, D::Error> {
        let r = ProvinceRepr::deserialize(d)?;
        Province::by_code(&r.code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown province code {:?}", r.code)))
    }
}

impl Province {
    /// The province with this code.
    pub fn by_code(code: &str) -> Option<Province> {
        PROVINCES.iter().copied().find(|p| p.code == code)
    }

    /// The name as written at the end of an address ("TP. Hồ Chí Minh" for 079).
    pub fn address_name(self) -> String {
        if self.code == "079" {
            "TP. Hồ Chí Minh".to_string()
        } else {
            self.name.to_string()
        }
    }
}

/// The century-and-sex digit of a CCCD number (4th digit): 0/1 for 1900-1999 male/female,
/// 2/3 for 2000-2099, 4/5 for 2100-2199, … ; `None` outside 1900-2399.
pub fn century_sex_digit(birth_year: i32, sex: Sex) -> Option<u8> {
    if !(1900..2400).contains(&birth_year) {
        return None;
    }
    let base = ((birth_year - 1900) / 100) as u8 * 2;
    Some(base + u8::from(sex == Sex::Female))
}

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Đào", "Đinh", "Trịnh", "Lương", "Mai", "Trương", "Lâm", "Cao",
    "Hà", "Tạ", "Đoàn", "Phùng", "Kiều", "Quách",
];
const MIDDLE_MALE: &[&str] = &[
    "Văn", "Hữu", "Đức", "Minh", "Quốc", "Thành", "Công", "Xuân", "Anh", "Tuấn", "Gia", "Hoàng",
    "Đình", "Quang", "Trọng", "Mạnh", "Thế", "Ngọc",
];
const MIDDLE_FEMALE: &[&str] = &[
    "Thị", "Ngọc", "Thu", "Thanh", "Hồng", "Kim", "Phương", "Bảo", "Diệu", "Mỹ", "Khánh", "Thùy",
    "Hải", "Tuyết", "Minh", "Quỳnh",
];
const GIVEN_MALE: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy", "Khang", "Khoa",
    "Kiên", "Long", "Lộc", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Quý", "Sơn", "Tài",
    "Thắng", "Thịnh", "Toàn", "Trung", "Tú", "Việt", "Vinh", "Vũ", "Đông", "Tiến", "Hưng", "Lực",
    "Trí", "Hậu", "Ngữ", "Tưởng",
];
const GIVEN_FEMALE: &[&str] = &[
    "Anh",
    "Ánh",
    "Bích",
    "Châu",
    "Chi",
    "Diệp",
    "Dung",
    "Giang",
    "Hà",
    "Hạnh",
    "Hằng",
    "Hiền",
    "Hoa",
    "Hồng",
    "Hương",
    "Huyền",
    "Lan",
    "Liên",
    "Linh",
    "Loan",
    "Mai",
    "My",
    "Nga",
    "Ngân",
    "Nhung",
    "Oanh",
    "Phượng",
    "Quyên",
    "Thảo",
    "Thơ",
    "Thủy",
    "Trang",
    "Tuyết",
    "Uyên",
    "Vân",
    "Yến",
    "Xuân",
    "Ngọc",
    "Nhi",
    "Quỳnh",
];
pub(crate) const COMMUNES: &[&str] = &[
    "Tân Phú",
    "An Khánh",
    "Hòa Bình",
    "Đông Hưng",
    "Yên Thế",
    "Phú Lộc",
    "Thạch Bàn",
    "Mỹ Đức",
    "Nghĩa Đô",
    "Quỳnh Lưu",
    "Vĩnh Hưng",
    "Bình Minh",
    "Hưng Đạo",
    "Kim Liên",
    "Trung Hòa",
    "Xuân Phương",
    "Đồng Tâm",
    "Hợp Thành",
    "Lạc Long",
    "Thượng Đình",
    "Tiên Lữ",
    "Cẩm Giàng",
    "Ngọc Khánh",
    "Phước Hải",
    "Tường Vũ",
    "Hiệp Hòa",
];
pub(crate) const DISTRICTS: &[&str] = &[
    "Đông Anh",
    "Gia Lâm",
    "Thanh Trì",
    "Phú Xuyên",
    "Kim Bảng",
    "Yên Lạc",
    "Tiên Du",
    "Thuận Thành",
    "Nghĩa Hưng",
    "Hải Hậu",
    "Quế Võ",
    "Diễn Châu",
    "Hương Sơn",
    "Lệ Thủy",
    "Điện Bàn",
    "Tư Nghĩa",
    "Cái Bè",
    "Chợ Gạo",
    "Mỏ Cày",
    "Long Hồ",
    "Châu Thành",
    "Thới Lai",
    "Phụng Hiệp",
];
const STREETS: &[&str] = &[
    "Hoa Sữa",
    "Lê Lợi",
    "Trần Phú",
    "Nguyễn Trãi",
    "Quang Trung",
    "Hùng Vương",
    "Lý Thường Kiệt",
    "Hai Bà Trưng",
    "Phan Đình Phùng",
    "Bạch Đằng",
    "Điện Biên Phủ",
    "Trường Chinh",
    "Lạc Long Quân",
    "Nguyễn Du",
    "Hàng Bạc",
    "Bà Triệu",
];
const VILLAGES: &[&str] = &[
    "Thôn Đoài",
    "Thôn Đông",
    "Thôn Thượng",
    "Xóm Mới",
    "Ấp Bình Hòa",
    "Ấp Phú Thạnh",
    "Bản Khe",
    "Tổ 7",
    "Tổ 12",
    "Khu phố 3",
];
const MARKS: &[&str] = &[
    "Nốt ruồi C:1cm trên trước đầu lông mày trái",
    "Nốt ruồi C:2cm dưới sau đuôi mắt phải",
    "Sẹo chấm C:1,5cm trên trước cánh mũi trái",
    "Nốt ruồi C:3cm dưới trước mép phải",
    "Sẹo chấm C:2cm trên sau đuôi lông mày phải",
    "Nốt ruồi cách 1cm dưới cằm trái",
];

/// A fictional citizen. Every string is NFC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Person {
    /// The seed this person was generated from.
    pub seed: u64,
    /// Family name, e.g. "Nguyễn".
    pub family_name: String,
    /// Middle name(s), e.g. "Thị Ngọc".
    pub middle_name: String,
    /// Given name, e.g. "Ánh".
    pub given_name: String,
    /// Sex.
    pub sex: Sex,
    /// Date of birth.
    pub date_of_birth: Date,
    /// Province where the birth was registered (first 3 digits of the ID).
    pub birth_province: Province,
    /// 12-digit CCCD number.
    pub id_number: String,
    /// Old 9-digit CMND number, when the person had one (empty otherwise).
    pub old_id_number: String,
    /// Nationality as printed ("Việt Nam").
    pub nationality: String,
    /// Ethnic group ("Kinh").
    pub ethnicity: String,
    /// Quê quán / place of origin.
    pub place_of_origin: String,
    /// Nơi thường trú / place of residence.
    pub place_of_residence: String,
    /// Đặc điểm nhân dạng / personal identification mark.
    pub identifying_mark: String,
    /// Card issue date.
    pub issue_date: Date,
    /// Card expiry date (the birthday at 25, 40 or 60, per the CCCD law's renewal ages).
    pub expiry_date: Date,
}

impl Person {
    /// Generate a fictional person, deterministically from `seed`.
    ///
    /// Birth years 1968-2007; the card was issued between 2021-01-01 and 2024-06-30 (chip CCCD
    /// era), at age ≥ 14; the expiry is the 25th, 40th or 60th birthday, skipping a milestone
    /// that is less than 2 years after issue (so no "no expiry" cards are generated).
    pub fn generate(seed: u64) -> Person {
        let mut r = Rng::derive(seed, "person");
        let sex = if r.chance(0.5) {
            Sex::Male
        } else {
            Sex::Female
        };
        let family = pick(&mut r, FAMILY);
        let (middle, given) = match sex {
            Sex::Male => (pick(&mut r, MIDDLE_MALE), pick(&mut r, GIVEN_MALE)),
            Sex::Female => (pick(&mut r, MIDDLE_FEMALE), pick(&mut r, GIVEN_FEMALE)),
        };
        // Some people carry two middle names ("Nguyễn Thị Ngọc Ánh").
        let middle = if r.chance(0.2) {
            let extra = match sex {
                Sex::Male => pick(&mut r, MIDDLE_MALE),
                Sex::Female => pick(&mut r, MIDDLE_FEMALE),
            };
            if extra == middle {
                middle.to_string()
            } else {
                format!("{middle} {extra}")
            }
        } else {
            middle.to_string()
        };

        let dob_lo = Date {
            year: 1968,
            month: 1,
            day: 1,
        }
        .to_days();
        let dob_hi = Date {
            year: 2007,
            month: 12,
            day: 31,
        }
        .to_days();
        let date_of_birth = Date::from_days(r.range_i64(dob_lo, dob_hi));

        let birth_province = PROVINCES[r.below(PROVINCES.len() as u64) as usize];
        let digit = century_sex_digit(date_of_birth.year, sex).unwrap_or(0);
        let serial = r.below(1_000_000);
        let id_number = format!(
            "{}{}{:02}{:06}",
            birth_province.code,
            digit,
            date_of_birth.year.rem_euclid(100),
            serial
        );
        let old_id_number = if date_of_birth.year <= 2000 && r.chance(0.6) {
            format!("{:09}", r.below(1_000_000_000))
        } else {
            String::new()
        };

        let issue_lo = Date {
            year: 2021,
            month: 1,
            day: 1,
        }
        .to_days()
        .max(date_of_birth.add_years(14).to_days());
        let issue_hi = Date {
            year: 2024,
            month: 6,
            day: 30,
        }
        .to_days();
        let issue_date = Date::from_days(r.range_i64(issue_lo, issue_hi));
        let age = date_of_birth.age_on(issue_date);
        let milestone = [25, 40, 60].into_iter().find(|m| age < m - 2).unwrap_or(60);
        let expiry_date = date_of_birth.add_years(milestone);

        let origin_province = if r.chance(0.7) {
            birth_province
        } else {
            PROVINCES[r.below(PROVINCES.len() as u64) as usize]
        };
        let place_of_origin = format!(
            "{} {}, {}, {}",
            if r.chance(0.7) { "Xã" } else { "Phường" },
            pick(&mut r, COMMUNES),
            pick(&mut r, DISTRICTS),
            origin_province.address_name()
        );
        let residence_province = if r.chance(0.5) {
            origin_province
        } else {
            PROVINCES[r.below(PROVINCES.len() as u64) as usize]
        };
        let place_of_residence = if r.chance(0.55) {
            format!(
                "Số {}, ngõ {}, đường {}, Phường {}, {}, {}",
                r.range_i64(1, 199),
                r.range_i64(2, 120),
                pick(&mut r, STREETS),
                pick(&mut r, COMMUNES),
                pick(&mut r, DISTRICTS),
                residence_province.address_name()
            )
        } else {
            format!(
                "{}, Xã {}, {}, {}",
                pick(&mut r, VILLAGES),
                pick(&mut r, COMMUNES),
                pick(&mut r, DISTRICTS),
                residence_province.address_name()
            )
        };

        Person {
            seed,
            family_name: nfc(family),
            middle_name: nfc(&middle),
            given_name: nfc(given),
            sex,
            date_of_birth,
            birth_province,
            id_number,
            old_id_number,
            nationality: "Việt Nam".to_string(),
            ethnicity: "Kinh".to_string(),
            place_of_origin: nfc(&place_of_origin),
            place_of_residence: nfc(&place_of_residence),
            identifying_mark: nfc(pick(&mut r, MARKS)),
            issue_date,
            expiry_date,
        }
    }

    /// Full name in normal case, e.g. "Nguyễn Thị Ngọc Ánh".
    pub fn full_name(&self) -> String {
        nfc(&format!(
            "{} {} {}",
            self.family_name, self.middle_name, self.given_name
        ))
    }

    /// Full name in capitals, as printed on the card: "NGUYỄN THỊ NGỌC ÁNH".
    pub fn full_name_upper(&self) -> String {
        nfc(&self.full_name().to_uppercase())
    }

    /// The legacy 7-field QR payload of the chip CCCD front:
    /// `ID12|oldID9|Full name|DDMMYYYY|Nam/Nữ|Address|DDMMYYYY(issue)`.
    pub fn qr_payload(&self) -> String {
        nfc(&format!(
            "{}|{}|{}|{}|{}|{}|{}",
            self.id_number,
            self.old_id_number,
            self.full_name(),
            self.date_of_birth.dmy_compact(),
            self.sex.vi(),
            self.place_of_residence,
            self.issue_date.dmy_compact()
        ))
    }

    /// A fictional parent of this person (deterministic): a father carries the person's family
    /// name. Used by the A4 birth-certificate form.
    pub fn parent(&self, sex: Sex) -> Person {
        let salt = match sex {
            Sex::Male => 0x5eed_fa7e_0000_0001,
            Sex::Female => 0x5eed_0707_0000_0002,
        };
        let mut parent = Person::generate(self.seed ^ salt);
        let mut r = Rng::derive(self.seed, "parent");
        let mut tries = 0;
        while parent.sex != sex && tries < 64 {
            parent = Person::generate(self.seed ^ salt ^ r.next_u64());
            tries += 1;
        }
        if sex == Sex::Male {
            parent.family_name = self.family_name.clone();
        }
        parent
    }
}

fn pick(r: &mut Rng, items: &'static [&'static str]) -> &'static str {
    r.pick(items).copied().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_day_numbers_round_trip() {
        assert_eq!(Date::new(1970, 1, 1).unwrap().to_days(), 0);
        assert_eq!(Date::new(2000, 3, 1).unwrap().to_days(), 11_017);
        for d in [-800_000i64, -1, 0, 59, 11_016, 20_000, 150_000] {
            assert_eq!(Date::from_days(d).to_days(), d);
        }
        assert_eq!(Date::new(2023, 2, 29), None);
        assert!(Date::new(2024, 2, 29).is_some());
        assert_eq!(
            Date::new(2024, 2, 29).unwrap().add_years(1),
            Date::new(2025, 2, 28).unwrap()
        );
        assert_eq!(Date::new(1990, 5, 2).unwrap().dmy(), "02/05/1990");
        assert_eq!(Date::new(1990, 5, 2).unwrap().yymmdd(), "900502");
    }

    #[test]
    fn date_serializes_as_iso() {
        let d = Date::new(2007, 12, 31).unwrap();
        let j = serde_json::to_string(&d).unwrap();
        assert_eq!(j, "\"2007-12-31\"");
        assert_eq!(serde_json::from_str::<Date>(&j).unwrap(), d);
        assert!(serde_json::from_str::<Date>("\"2007-13-01\"").is_err());
    }

    #[test]
    fn century_sex_digits_follow_the_rule() {
        assert_eq!(century_sex_digit(1999, Sex::Male), Some(0));
        assert_eq!(century_sex_digit(1900, Sex::Female), Some(1));
        assert_eq!(century_sex_digit(2000, Sex::Male), Some(2));
        assert_eq!(century_sex_digit(2099, Sex::Female), Some(3));
        assert_eq!(century_sex_digit(2100, Sex::Male), Some(4));
        assert_eq!(century_sex_digit(1899, Sex::Male), None);
    }

    #[test]
    fn province_table_is_sorted_unique_and_has_known_codes() {
        for w in PROVINCES.windows(2) {
            assert!(w[0].code < w[1].code);
        }
        assert_eq!(Province::by_code("001").unwrap().name, "Hà Nội");
        assert_eq!(Province::by_code("079").unwrap().name, "Hồ Chí Minh");
        assert_eq!(Province::by_code("096").unwrap().name, "Cà Mau");
        assert_eq!(Province::by_code("003"), None);
    }

    #[test]
    fn expiry_follows_renewal_ages() {
        for seed in 0..300 {
            let p = Person::generate(seed);
            let age = p.date_of_birth.age_on(p.issue_date);
            assert!(age >= 14, "seed {seed}: issued at {age}");
            let m = p.date_of_birth.age_on(p.expiry_date);
            assert!([25, 40, 60].contains(&m), "seed {seed}: expiry at {m}");
            assert!(m - age >= 2, "seed {seed}: issued at {age}, expires at {m}");
            assert!(p.expiry_date > p.issue_date);
        }
    }

    #[test]
    fn qr_payload_has_seven_fields() {
        let p = Person::generate(42);
        let q = p.qr_payload();
        let f: Vec<&str> = q.split('|').collect();
        assert_eq!(f.len(), 7);
        assert_eq!(f[0], p.id_number);
        assert_eq!(f[2], p.full_name());
        assert_eq!(f[3], p.date_of_birth.dmy_compact());
        assert_eq!(f[4], p.sex.vi());
        assert_eq!(f[5], p.place_of_residence);
        assert_eq!(f[6], p.issue_date.dmy_compact());
    }

    #[test]
    fn parents_have_the_requested_sex() {
        let p = Person::generate(9);
        let father = p.parent(Sex::Male);
        let mother = p.parent(Sex::Female);
        assert_eq!(father.sex, Sex::Male);
        assert_eq!(mother.sex, Sex::Female);
        assert_eq!(father.family_name, p.family_name);
    }
}
