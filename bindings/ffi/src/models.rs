//! The pinned model store: locate it, fetch missing files, list them.

use crate::SaoyError;
use std::path::PathBuf;
use std::sync::Arc;

/// One pinned model file.
// A view of saoy-models' `FileStatus`, whose names are `&'static str` (no lifetimes over UniFFI).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ModelFile {
    /// Store file name.
    pub file: String,
    /// Source package (`name==version`).
    pub source: String,
    /// Licence of the weights.
    pub license: String,
    /// Pinned size in bytes.
    pub size: u64,
    /// Pinned SHA-256 (hex).
    pub sha256: String,
    /// Present with the pinned size.
    pub present: bool,
}

/// What a fetch did.
// saoy-models' `FetchSummary` plus the store directory.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FetchSummary {
    /// The store directory.
    pub dir: String,
    /// Files installed by this call (empty: everything was present).
    pub installed: Vec<String>,
    /// Bytes of wheels downloaded.
    pub downloaded_bytes: u64,
}

fn options(dir: Option<String>, offline: bool) -> saoy_models::StoreOptions {
    let opts = match dir {
        Some(d) => saoy_models::StoreOptions::with_dir(PathBuf::from(d)),
        None => saoy_models::StoreOptions::default(),
    };
    opts.offline(offline).quiet()
}

/// The store directory that would be used: `dir`, else `$SAOY_MODELS`, else
/// `~/.cache/saoy/models` (nothing is checked or fetched).
#[uniffi::export]
pub fn models_locate(dir: Option<String>) -> String {
    dir.map(PathBuf::from)
        .unwrap_or_else(saoy_models::ModelStore::default_dir)
        .display()
        .to_string()
}

/// Status of every pinned model file in the store at `dir` (default location when `None`).
#[uniffi::export]
pub fn models_status(dir: Option<String>) -> Vec<ModelFile> {
    saoy_models::ModelStore::at(models_locate(dir))
        .status()
        .into_iter()
        .map(|s| ModelFile {
            file: s.file.into(),
            source: s.source,
            license: s.license.into(),
            size: s.size,
            sha256: s.sha256.into(),
            present: s.present,
        })
        .collect()
}

/// Download, convert, verify and install every missing pinned model (idempotent).
#[uniffi::export]
pub fn models_fetch(dir: Option<String>) -> Result<FetchSummary, SaoyError> {
    let opts = options(dir.clone(), false);
    let store = saoy_models::ModelStore::at(models_locate(dir));
    let s = store.fetch(&opts)?;
    Ok(FetchSummary {
        dir: store.dir().display().to_string(),
        installed: s.installed,
        downloaded_bytes: s.downloaded_bytes,
    })
}

/// An opened model store (every file present), shared by the OCR and face engines.
#[derive(Debug, uniffi::Object)]
pub struct ModelStore {
    pub(crate) inner: saoy_models::ModelStore,
}

#[uniffi::export]
impl ModelStore {
    /// Open the store at `dir` (default location when `None`), fetching missing files unless
    /// `offline` (then a missing file is `models.missing_offline`).
    #[uniffi::constructor]
    pub fn open(dir: Option<String>, offline: bool) -> Result<Arc<Self>, SaoyError> {
        let inner = saoy_models::ModelStore::open(&options(dir, offline))?;
        Ok(Arc::new(Self { inner }))
    }

    /// The store directory.
    pub fn dir(&self) -> String {
        self.inner.dir().display().to_string()
    }

    /// Hash every file against the pinned manifest.
    pub fn verify(&self) -> Result<(), SaoyError> {
        Ok(self.inner.verify()?)
    }
}
