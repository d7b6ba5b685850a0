//! Document kinds: a 16-bit registry of the documents a certified copy can be made of.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The kind of document a copy certifies. A newtype over the 16-bit number carried in the QR
/// seal, so unknown (future) kinds still parse; the named constants are the known ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DocumentKind(pub u16);

impl DocumentKind {
    /// Not classified.
    pub const UNSPECIFIED: Self = Self(0);
    /// Birth certificate (giấy khai sinh).
    pub const BIRTH_CERTIFICATE: Self = Self(1);
    /// Marriage certificate (giấy chứng nhận kết hôn).
    pub const MARRIAGE_CERTIFICATE: Self = Self(2);
    /// Diploma or degree (văn bằng).
    pub const DIPLOMA: Self = Self(3);
    /// Academic transcript (bảng điểm).
    pub const TRANSCRIPT: Self = Self(4);
    /// Citizen identity card (căn cước / CCCD).
    pub const CITIZEN_ID: Self = Self(5);
    /// Land use right certificate (giấy chứng nhận quyền sử dụng đất).
    pub const LAND_USE_CERTIFICATE: Self = Self(6);
    /// Residence confirmation (giấy xác nhận cư trú).
    pub const RESIDENCE_CONFIRMATION: Self = Self(7);
    /// Driving licence (giấy phép lái xe).
    pub const DRIVING_LICENCE: Self = Self(8);
    /// Other administrative document (văn bản hành chính khác).
    pub const OTHER: Self = Self(0xFFFF);

    const NAMES: &'static [(u16, &'static str, &'static str, &'static str)] = &[
        (
            0,
            "unspecified",
            "unspecified document",
            "tài liệu chưa phân loại",
        ),
        (
            1,
            "birth_certificate",
            "birth certificate",
            "giấy khai sinh",
        ),
        (
            2,
            "marriage_certificate",
            "marriage certificate",
            "giấy chứng nhận kết hôn",
        ),
        (3, "diploma", "diploma", "văn bằng"),
        (4, "transcript", "academic transcript", "bảng điểm"),
        (
            5,
            "citizen_id",
            "citizen identity card",
            "thẻ căn cước công dân",
        ),
        (
            6,
            "land_use_certificate",
            "land use right certificate",
            "giấy chứng nhận quyền sử dụng đất",
        ),
        (
            7,
            "residence_confirmation",
            "residence confirmation",
            "giấy xác nhận thông tin cư trú",
        ),
        (8, "driving_licence", "driving licence", "giấy phép lái xe"),
        (
            0xFFFF,
            "other",
            "other administrative document",
            "văn bản hành chính khác",
        ),
    ];

    fn entry(self) -> Option<&'static (u16, &'static str, &'static str, &'static str)> {
        Self::NAMES.iter().find(|e| e.0 == self.0)
    }

    /// Stable snake_case name (`kind_<n>` for unknown numbers).
    pub fn slug(self) -> String {
        self.entry()
            .map_or_else(|| format!("kind_{}", self.0), |e| e.1.to_string())
    }

    /// English name.
    pub fn name_en(self) -> String {
        self.entry()
            .map_or_else(|| format!("document kind {}", self.0), |e| e.2.to_string())
    }

    /// Vietnamese name.
    pub fn name_vi(self) -> String {
        self.entry()
            .map_or_else(|| format!("loại tài liệu {}", self.0), |e| e.3.to_string())
    }

    /// Look a kind up by its slug.
    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::NAMES.iter().find(|e| e.1 == slug).map(|e| Self(e.0))
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.slug())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_kinds_survive() {
        assert_eq!(
            DocumentKind::from_slug("diploma"),
            Some(DocumentKind::DIPLOMA)
        );
        assert_eq!(DocumentKind::BIRTH_CERTIFICATE.name_vi(), "giấy khai sinh");
        assert_eq!(DocumentKind(77).slug(), "kind_77");
        assert_eq!(DocumentKind(77).name_en(), "document kind 77");
        assert_eq!(DocumentKind::from_slug("kind_77"), None);
    }
}
