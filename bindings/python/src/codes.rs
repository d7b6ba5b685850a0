//! Which Python exception class each stable error code maps to (pure Rust, no interpreter).

/// Codes about the input image (as opposed to the installation).
const IMAGE_CODES: &[&str] = &[
    "ocr.read",
    "ocr.empty_input",
    "ocr.not_an_image",
    "ocr.image_too_large",
    "ocr.image_too_small",
    "ocr.corrupt_image",
    "face.unsupported_format",
    "face.corrupt_image",
    "face.image_too_large",
    "face.image_too_small",
];

/// The Python class name for an error (area + code).
pub fn class_name(area: &str, code: &str) -> &'static str {
    match (area, code) {
        (_, "models.missing_offline" | "models.offline") => "ModelsOfflineError",
        ("models", _) | (_, "ocr.models" | "face.models") => "ModelsError",
        (_, "face.no_face") => "NoFaceError",
        (_, c) if IMAGE_CODES.contains(&c) => "ImageError",
        ("ocr", _) => "OcrError",
        ("face", _) => "FaceError",
        (_, "registry_not_found") => "NotFoundError",
        (_, "registry_invalid_state") => "InvalidStateError",
        (_, "registry_unavailable") => "RegistryUnavailableError",
        ("registry", _) => "RegistryError",
        ("issue", _) => "IssueError",
        ("pki", _) => "PkiError",
        ("input", c) if c.starts_with("code_") => "InvalidCodeError",
        ("input", _) => "InputError",
        _ => "SaoyError",
    }
}

#[cfg(test)]
mod tests {
    use super::class_name;

    #[test]
    fn codes_map_to_the_most_specific_class() {
        assert_eq!(
            class_name("models", "models.missing_offline"),
            "ModelsOfflineError"
        );
        assert_eq!(
            class_name("models", "models.download_failed"),
            "ModelsError"
        );
        assert_eq!(class_name("ocr", "ocr.models"), "ModelsError");
        assert_eq!(class_name("face", "face.models"), "ModelsError");
        assert_eq!(class_name("ocr", "ocr.not_an_image"), "ImageError");
        assert_eq!(class_name("face", "face.corrupt_image"), "ImageError");
        assert_eq!(class_name("ocr", "ocr.inference"), "OcrError");
        assert_eq!(class_name("face", "face.no_face"), "NoFaceError");
        assert_eq!(
            class_name("registry", "registry_not_found"),
            "NotFoundError"
        );
        assert_eq!(
            class_name("registry", "registry_invalid_state"),
            "InvalidStateError"
        );
        assert_eq!(class_name("registry", "registry_database"), "RegistryError");
        assert_eq!(
            class_name("input", "code_check_mismatch"),
            "InvalidCodeError"
        );
        assert_eq!(class_name("input", "io"), "InputError");
        assert_eq!(class_name("issue", "issue_bad_input"), "IssueError");
        assert_eq!(class_name("elsewhere", "x"), "SaoyError");
    }
}
