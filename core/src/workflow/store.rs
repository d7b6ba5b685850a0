//! The delivery store: where signed copies, QR images and receipts are written, with the crash-safe
//! commit order, recovery and a consistency check against the registry.

use super::issue::{DeliveryBundle, IssueError, Receipt};
use crate::code::VerificationCode;
use crate::registry::{Record, Registry, RegistryError, StatusKind};
use crate::report::format_utc;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A directory of delivered copies: `CODE.pdf`, `CODE.png`, `CODE.json`.
#[derive(Debug, Clone)]
pub struct DeliveryStore {
    dir: PathBuf,
    /// Set by [`DeliveryStore::for_office`]: the office/kiosk whose rows this store holds.
    office: Option<String>,
}

/// What [`DeliveryStore::recover`] repaired.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecoveryReport {
    /// Pending rows whose PDF was in place: activated.
    pub activated: Vec<VerificationCode>,
    /// Pending rows without a PDF: marked failed.
    pub abandoned: Vec<VerificationCode>,
    /// Pending rows whose own issuer's activation committed while recovery ran, with the digest
    /// of the PDF in place (PostgreSQL finishes a killed client's in-flight `COMMIT`): nothing
    /// to repair.
    pub already_active: Vec<VerificationCode>,
    /// Temporary files removed.
    pub removed_temp_files: usize,
}

/// Result of [`DeliveryStore::check_consistency`]; consistent when every list is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConsistencyReport {
    /// Rows (valid or revoked) whose PDF is missing.
    pub rows_without_pdf: Vec<String>,
    /// PDFs with no row, or whose row is failed.
    pub pdfs_without_row: Vec<String>,
    /// Rows whose recorded digest differs from the PDF on disk.
    pub digest_mismatches: Vec<String>,
    /// Rows still pending.
    pub pending: Vec<String>,
    /// Codes or request ids that occur more than once.
    pub duplicates: Vec<String>,
    /// Valid + revoked rows checked.
    pub rows_checked: usize,
    /// PDFs checked.
    pub pdfs_checked: usize,
}

impl ConsistencyReport {
    /// True when nothing is wrong.
    pub fn is_consistent(&self) -> bool {
        self.rows_without_pdf.is_empty()
            && self.pdfs_without_row.is_empty()
            && self.digest_mismatches.is_empty()
            && self.pending.is_empty()
            && self.duplicates.is_empty()
    }
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    // Persist the rename itself (the directory entry).
    File::open(dir)?.sync_all()
}

fn write_durably(path: &Path, tmp: &Path, bytes: &[u8], dir: &Path) -> Result<(), IssueError> {
    let r = (|| {
        let mut f = File::create(tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(tmp, path)?;
        sync_dir(dir)
    })();
    r.map_err(|e| {
        let _ = fs::remove_file(tmp);
        IssueError::io(path, &e)
    })
}

impl DeliveryStore {
    /// Open (create) a store directory.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, IssueError> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(|e| IssueError::io(&dir, &e))?;
        Ok(Self { dir, office: None })
    }

    /// Scope the store to one office or kiosk id: [`recover`](Self::recover) and
    /// [`check_consistency`](Self::check_consistency) then consider only that office's registry
    /// rows, and [`Issuer`](super::Issuer) refuses input of another office. Needed when several
    /// kiosks, each with its own store, share one registry (PostgreSQL): unscoped, one kiosk's
    /// recovery would mark another's pending rows failed, since their PDFs are not in its store.
    pub fn for_office(mut self, office_id: impl Into<String>) -> Self {
        self.office = Some(office_id.into());
        self
    }

    /// The office this store is scoped to, if any.
    pub fn office(&self) -> Option<&str> {
        self.office.as_deref()
    }

    fn holds(&self, r: &Record) -> bool {
        self.office.as_deref().is_none_or(|o| r.office_id == o)
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of a copy's PDF.
    pub fn pdf_path(&self, code: &VerificationCode) -> PathBuf {
        self.dir.join(format!("{}.pdf", code.compact()))
    }

    fn tmp_path(&self, code: &VerificationCode) -> PathBuf {
        self.dir.join(format!("{}.pdf.tmp", code.compact()))
    }

    /// Path of a copy's QR PNG.
    pub fn qr_path(&self, code: &VerificationCode) -> PathBuf {
        self.dir.join(format!("{}.png", code.compact()))
    }

    /// Path of a copy's receipt.
    pub fn receipt_path(&self, code: &VerificationCode) -> PathBuf {
        self.dir.join(format!("{}.json", code.compact()))
    }

    /// Write the signed PDF: temp file, fsync, rename, fsync the directory. `renamed` turns true
    /// once the final name exists (from then on the copy must not be abandoned).
    pub(crate) fn commit_pdf(
        &self,
        code: &VerificationCode,
        pdf: &[u8],
        renamed: &mut bool,
    ) -> Result<PathBuf, IssueError> {
        let path = self.pdf_path(code);
        let tmp = self.tmp_path(code);
        let r = (|| {
            let mut f = File::create(&tmp)?;
            f.write_all(pdf)?;
            f.sync_all()?;
            drop(f);
            fs::rename(&tmp, &path)?;
            Ok::<(), std::io::Error>(())
        })();
        if let Err(e) = r {
            let _ = fs::remove_file(&tmp);
            return Err(IssueError::io(&path, &e));
        }
        *renamed = true;
        sync_dir(&self.dir).map_err(|e| IssueError::io(&self.dir, &e))?;
        Ok(path)
    }

    /// Remove a copy's temporary file (issuance failed before the rename).
    pub(crate) fn discard(&self, code: &VerificationCode) {
        let _ = fs::remove_file(self.tmp_path(code));
    }

    /// Write the QR and the receipt (atomically; they can be regenerated, the PDF cannot).
    pub(crate) fn write_extras(
        &self,
        code: &VerificationCode,
        qr: &[u8],
        receipt: &Receipt,
    ) -> Result<(PathBuf, PathBuf), IssueError> {
        let qr_path = self.qr_path(code);
        write_durably(&qr_path, &qr_path.with_extension("png.tmp"), qr, &self.dir)?;
        let json = serde_json::to_vec_pretty(receipt).map_err(|e| IssueError::Io {
            path: self.receipt_path(code),
            detail: e.to_string(),
        })?;
        let rp = self.receipt_path(code);
        write_durably(&rp, &rp.with_extension("json.tmp"), &json, &self.dir)?;
        Ok((qr_path, rp))
    }

    /// Load a delivered copy (for an idempotent replay). The PDF must exist; a missing receipt
    /// (crash after activation) is rebuilt from the registry row.
    pub fn load(&self, code: &VerificationCode) -> Result<DeliveryBundle, IssueError> {
        let pdf_path = self.pdf_path(code);
        let pdf = fs::read(&pdf_path).map_err(|_| IssueError::MissingDelivery { code: *code })?;
        let receipt_path = self.receipt_path(code);
        let receipt: Receipt = fs::read(&receipt_path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(IssueError::MissingDelivery { code: *code })?;
        let qr_path = self.qr_path(code);
        let qr_png = match fs::read(&qr_path) {
            Ok(b) => b,
            Err(_) => qr_png(&receipt.seal_url)?,
        };
        Ok(DeliveryBundle {
            code: *code,
            pdf,
            pdf_path,
            qr_png,
            qr_path,
            receipt,
            receipt_path,
            replayed: false,
        })
    }

    /// Repair after a crash: pending rows at least `grace_secs` old are activated when their PDF
    /// is in place (it was fsynced before the rename) or marked failed when it is not; stray
    /// temporary files of non-pending rows are removed. Use a grace period longer than one
    /// issuance when an issuer may be running, and scope the store
    /// ([`for_office`](Self::for_office)) when other kiosks share the registry.
    pub fn recover(
        &self,
        registry: &dyn Registry,
        grace_secs: u64,
    ) -> Result<RecoveryReport, IssueError> {
        let mut report = RecoveryReport::default();
        for rec in registry.pending(grace_secs)? {
            if !self.holds(&rec) {
                continue;
            }
            let path = self.pdf_path(&rec.code);
            match fs::read(&path) {
                Ok(pdf) => {
                    let digest: [u8; 32] = Sha256::digest(&pdf).into();
                    match registry.activate(&rec.code, digest) {
                        Ok(_) => report.activated.push(rec.code),
                        Err(RegistryError::InvalidState { .. })
                            if registry.get(&rec.code)?.is_some_and(|now| {
                                now.status.kind() != StatusKind::Pending
                                    && now.document_digest == Some(digest)
                            }) =>
                        {
                            report.already_active.push(rec.code);
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    self.discard(&rec.code);
                    registry.abandon(&rec.code, "recovery: the PDF was never committed")?;
                    report.abandoned.push(rec.code);
                }
                Err(e) => return Err(IssueError::io(&path, &e)),
            }
        }
        let entries = fs::read_dir(&self.dir).map_err(|e| IssueError::io(&self.dir, &e))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".tmp") {
                continue;
            }
            let stem = name.split('.').next().unwrap_or("");
            let still_pending = VerificationCode::parse(stem)
                .ok()
                .map(|c| registry.get(&c))
                .transpose()?
                .flatten()
                .is_some_and(|r| r.status.kind() == StatusKind::Pending);
            if !still_pending && fs::remove_file(entry.path()).is_ok() {
                report.removed_temp_files += 1;
            }
        }
        Ok(report)
    }

    /// Compare the store with the registry: every valid/revoked row (of the store's office, when
    /// scoped) has its PDF with the recorded digest, every PDF has a valid/revoked row (of that
    /// office), nothing pending, no duplicate codes or request ids in the whole registry.
    pub fn check_consistency(
        &self,
        registry: &dyn Registry,
    ) -> Result<ConsistencyReport, IssueError> {
        let rows: Vec<Record> = registry.all()?;
        let mut report = ConsistencyReport::default();
        let mut codes = BTreeSet::new();
        let mut requests = BTreeSet::new();
        for r in &rows {
            if !codes.insert(r.code) {
                report.duplicates.push(r.code.to_string());
            }
            if !requests.insert(r.request_id.clone()) {
                report.duplicates.push(r.request_id.clone());
            }
        }
        let mut files = BTreeSet::new();
        let entries = fs::read_dir(&self.dir).map_err(|e| IssueError::io(&self.dir, &e))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(stem) = name.strip_suffix(".pdf") {
                files.insert(stem.to_string());
            }
        }
        report.pdfs_checked = files.len();
        let rows: Vec<&Record> = rows.iter().filter(|r| self.holds(r)).collect();
        for r in &rows {
            let key = r.code.compact();
            match r.status.kind() {
                StatusKind::Pending => report.pending.push(key),
                StatusKind::Failed => {
                    if files.contains(&key) {
                        report.pdfs_without_row.push(key);
                    }
                }
                _ => {
                    report.rows_checked += 1;
                    match fs::read(self.pdf_path(&r.code)) {
                        Ok(pdf) => {
                            let d: [u8; 32] = Sha256::digest(&pdf).into();
                            if Some(d) != r.document_digest {
                                report.digest_mismatches.push(key);
                            }
                        }
                        Err(_) => report.rows_without_pdf.push(key),
                    }
                }
            }
        }
        let row_codes: BTreeSet<String> = rows.iter().map(|r| r.code.compact()).collect();
        for f in &files {
            if !row_codes.contains(f) {
                report.pdfs_without_row.push(f.clone());
            }
        }
        Ok(report)
    }
}

/// Page images as the copy embeds them: JPEG scans unchanged, anything else re-encoded as JPEG
/// (quality 92). Their bytes are what the seal's content digest covers.
pub(crate) fn normalize_pages(pages: &[Vec<u8>]) -> Result<Vec<Vec<u8>>, IssueError> {
    pages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if p.starts_with(&[0xFF, 0xD8, 0xFF]) {
                return Ok(p.clone());
            }
            let img = image::load_from_memory(p).map_err(|e| IssueError::Input {
                what: "pages",
                detail: format!("page {} cannot be decoded: {e}", i + 1),
            })?;
            let mut out = Vec::new();
            let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92);
            img.to_rgb8()
                .write_with_encoder(enc)
                .map_err(|e| IssueError::Input {
                    what: "pages",
                    detail: format!("page {} cannot be re-encoded: {e}", i + 1),
                })?;
            Ok(out)
        })
        .collect()
}

/// A PNG of the QR code for `url` (error correction M, 6 px per module, 4-module quiet zone).
pub fn qr_png(url: &str) -> Result<Vec<u8>, IssueError> {
    let code =
        qrcode::QrCode::with_error_correction_level(url, qrcode::EcLevel::M).map_err(|e| {
            IssueError::Input {
                what: "seal_url",
                detail: format!("cannot encode the QR: {e}"),
            }
        })?;
    let w = code.width();
    let (scale, quiet) = (6usize, 4usize);
    let side = (w + 2 * quiet) * scale;
    let colors = code.to_colors();
    let img = image::GrayImage::from_fn(side as u32, side as u32, |x, y| {
        let (mx, my) = (x as usize / scale, y as usize / scale);
        let dark = mx >= quiet
            && my >= quiet
            && mx - quiet < w
            && my - quiet < w
            && colors[(my - quiet) * w + (mx - quiet)] == qrcode::Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .map_err(|e| IssueError::Io {
            path: PathBuf::from("<qr>"),
            detail: e.to_string(),
        })?;
    Ok(out)
}

/// Summary line for logs.
pub fn describe(r: &ConsistencyReport) -> String {
    format!(
        "{} rows, {} PDFs; missing PDFs {:?}, orphan PDFs {:?}, digest mismatches {:?}, pending {:?}, duplicates {:?} (checked {})",
        r.rows_checked,
        r.pdfs_checked,
        r.rows_without_pdf,
        r.pdfs_without_row,
        r.digest_mismatches,
        r.pending,
        r.duplicates,
        format_utc(crate::report::now_unix())
    )
}
