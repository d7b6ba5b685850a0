//! Test and load-test support (fictional data only, TEST PKI): deterministic load-test codes, a
//! fast bulk loader (PostgreSQL `COPY`, one SQLite transaction), and real signed certified
//! copies issued through the workflow with stand-in OCR/face steps (no models needed).

use saoy_core::VerificationCode;
use saoy_core::registry::{CitizenIdHasher, Registry};
use saoy_core::workflow::adapters::{PadesSigner, PdfCopyRenderer};
use saoy_core::workflow::fakes::{FakeFace, FakeRecognizer};
use saoy_core::workflow::{
    DeliveryBundle, DeliveryStore, IssueInput, IssueOutcome, Issuer, IssuerConfig, OfficeContext,
};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Fixture failures (tests and the load tool only).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FixtureError {
    /// A database statement failed.
    #[error("database: {0}")]
    Database(String),
    /// Files or keys could not be written or read.
    #[error("I/O: {0}")]
    Io(String),
    /// The workflow refused or failed.
    #[error("issue: {0}")]
    Issue(String),
}

impl FixtureError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            FixtureError::Database(_) => "fixture_database",
            FixtureError::Io(_) => "fixture_io",
            FixtureError::Issue(_) => "fixture_issue",
        }
    }
}

fn derive(domain: &str, seed: u64, i: u64) -> VerificationCode {
    let mut h = Sha256::new();
    h.update(domain.as_bytes());
    h.update(seed.to_le_bytes());
    h.update(i.to_le_bytes());
    let d = h.finalize();
    let mut b = [0u8; 12];
    b.copy_from_slice(&d[..12]);
    VerificationCode::from_random_bytes(b)
}

/// The `i`-th registered code of a load-test registry seeded with `seed`.
pub fn load_code(seed: u64, i: u64) -> VerificationCode {
    derive("saoy-load/registered", seed, i)
}

/// The `i`-th code that is NOT registered (same distribution, another domain).
pub fn unknown_code(seed: u64, i: u64) -> VerificationCode {
    derive("saoy-load/unknown", seed, i)
}

/// Whether load-test row `i` is stored revoked (one in ten).
pub fn load_revoked(i: u64) -> bool {
    i % 10 == 7
}

const ISSUED_AT: i64 = 1_795_596_756;

/// Columns written by the bulk loader (saoy-core's registry schema v1).
const COPY_COLS: &str = "code, request_id, status, kind, office_id, officer_id, citizen_id_hmac, \
    seal_key_id, issued_at, content_digest, document_digest, status_reason, status_at, created_at";

/// Bulk-load `count` load-test rows into the PostgreSQL registry at `url` (schema `schema` or
/// the default search path) with one `COPY`. The registry must have been opened once (schema
/// migrated). Returns the number of rows written (0 when the rows are already there).
pub fn seed_postgres(
    url: &str,
    schema: Option<&str>,
    seed: u64,
    count: u64,
) -> Result<u64, FixtureError> {
    use std::io::Write;
    let db = |e: postgres::Error| FixtureError::Database(e.to_string());
    let mut c = postgres::Client::connect(url, postgres::NoTls).map_err(db)?;
    if let Some(s) = schema {
        c.batch_execute(&format!("SET search_path = {s}"))
            .map_err(db)?;
    }
    let have: i64 = c
        .query_one(
            "SELECT count(*) FROM copies WHERE request_id LIKE 'load-%'",
            &[],
        )
        .map_err(db)?
        .get(0);
    if have as u64 >= count {
        return Ok(0);
    }
    let mut tx = c.transaction().map_err(db)?;
    tx.batch_execute("DELETE FROM copies WHERE request_id LIKE 'load-%'")
        .map_err(db)?;
    let mut w = tx
        .copy_in(&format!("COPY copies ({COPY_COLS}) FROM STDIN"))
        .map_err(db)?;
    let mut line = String::with_capacity(512);
    for i in 0..count {
        line.clear();
        let (status, reason) = if load_revoked(i) {
            ("revoked", "load-test revocation")
        } else {
            ("valid", "\\N")
        };
        let dig = Sha256::digest(i.to_le_bytes());
        line.push_str(&format!(
            "{}\tload-{seed}-{i}\t{status}\t1\tHN-LOAD-{:02}\tofficer-load\t\\\\x{}\t0011223344556677\t{ISSUED_AT}\t\\\\x{}\t\\\\x{}\t{reason}\t{ISSUED_AT}\t{ISSUED_AT}\n",
            load_code(seed, i).compact(),
            i % 32,
            hex::encode(Sha256::digest(format!("citizen {i}"))),
            hex::encode(dig),
            hex::encode(Sha256::digest(dig)),
        ));
        w.write_all(line.as_bytes())
            .map_err(|e| FixtureError::Database(e.to_string()))?;
    }
    w.finish().map_err(db)?;
    tx.commit().map_err(db)?;
    // Statistics for the planner, and hint bits and the visibility map set now rather than by
    // the first lookups of each page (which would dirty every page under load).
    c.batch_execute("VACUUM ANALYZE copies").map_err(db)?;
    Ok(count)
}

/// Bulk-load `count` load-test rows into the SQLite registry at `path` in one transaction.
pub fn seed_sqlite(path: &Path, seed: u64, count: u64) -> Result<u64, FixtureError> {
    let db = |e: rusqlite::Error| FixtureError::Database(e.to_string());
    let mut c = rusqlite::Connection::open(path).map_err(db)?;
    // Random codes land all over the primary-key index: keep it in memory while loading.
    c.pragma_update(None, "cache_size", -262_144).map_err(db)?;
    let have: i64 = c
        .query_row(
            "SELECT count(*) FROM copies WHERE request_id LIKE 'load-%'",
            [],
            |r| r.get(0),
        )
        .map_err(db)?;
    if have as u64 >= count {
        return Ok(0);
    }
    let tx = c.transaction().map_err(db)?;
    tx.execute("DELETE FROM copies WHERE request_id LIKE 'load-%'", [])
        .map_err(db)?;
    {
        let mut st = tx
            .prepare(&format!(
                "INSERT INTO copies ({COPY_COLS}) VALUES (?1, ?2, ?3, 1, ?4, 'officer-load', ?5, \
                 '0011223344556677', ?6, ?7, ?8, ?9, ?6, ?6)"
            ))
            .map_err(db)?;
        for i in 0..count {
            let revoked = load_revoked(i);
            let dig = Sha256::digest(i.to_le_bytes());
            st.execute(rusqlite::params![
                load_code(seed, i).compact(),
                format!("load-{seed}-{i}"),
                if revoked { "revoked" } else { "valid" },
                format!("HN-LOAD-{:02}", i % 32),
                Sha256::digest(format!("citizen {i}")).to_vec(),
                ISSUED_AT,
                dig.to_vec(),
                Sha256::digest(dig).to_vec(),
                revoked.then_some("load-test revocation"),
            ])
            .map_err(db)?;
        }
    }
    tx.commit().map_err(db)?;
    Ok(count)
}

/// Trust material written by [`Kit::new`]: the files a server config names.
#[derive(Debug, Clone)]
pub struct TrustFiles {
    /// Root certificate (PAdES trust anchor).
    pub root_pem: PathBuf,
    /// Seal public key (SPKI PEM).
    pub seal_pub_pem: PathBuf,
}

/// An issuer of real signed copies (TEST PKI from `saoy_core::demo::kiosk_keys`, stand-in OCR and
/// face steps) registering into a given registry.
pub struct Kit {
    issuer: Issuer,
    /// Trust files for the server.
    pub trust: TrustFiles,
}

impl std::fmt::Debug for Kit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kit").field("trust", &self.trust).finish()
    }
}

impl Kit {
    /// Keys in `pki_dir` (generated on first use), PDFs stored in `out_dir`.
    pub fn new(
        registry: Arc<dyn Registry>,
        pki_dir: &Path,
        out_dir: &Path,
    ) -> Result<Self, FixtureError> {
        use p384::pkcs8::EncodePublicKey;
        let io = |e: &dyn std::fmt::Display| FixtureError::Io(e.to_string());
        std::fs::create_dir_all(pki_dir).map_err(|e| io(&e))?;
        let keys = saoy_core::demo::kiosk_keys(pki_dir).map_err(|e| io(&e))?;
        let seal_pub_pem = pki_dir.join("seal.pub.pem");
        let pem = keys
            .seal_key
            .verifying_key()
            .to_public_key_pem(p384::pkcs8::LineEnding::LF)
            .map_err(|e| io(&e))?;
        std::fs::write(&seal_pub_pem, pem).map_err(|e| io(&e))?;
        let issuer = Issuer::new(
            Arc::new(FakeRecognizer::default()),
            Arc::new(FakeFace::default()),
            Arc::new(PdfCopyRenderer),
            Arc::new(PadesSigner::new(
                keys.signer,
                "UBND phường Hoàn Kiếm (TEST)",
                "Hà Nội",
            )),
            Arc::new(keys.seal_key),
            registry,
            DeliveryStore::open(out_dir).map_err(|e| io(&e))?,
            CitizenIdHasher::new(&keys.registry_secret).map_err(|e| io(&e))?,
            IssuerConfig::default().seal_host("127.0.0.1"),
        );
        Ok(Self {
            issuer,
            trust: TrustFiles {
                root_pem: pki_dir.join("root.pem"),
                seal_pub_pem,
            },
        })
    }

    /// Issue one copy for `request_id` whose page image is a JPEG of about `page_bytes` bytes
    /// (noise compresses badly, so the PDF is about that large).
    pub fn issue(
        &self,
        request_id: &str,
        page_bytes: usize,
    ) -> Result<DeliveryBundle, FixtureError> {
        let page = noise_jpeg(request_id, page_bytes)?;
        let input = IssueInput::new(
            request_id,
            vec![page],
            b"front".to_vec(),
            None,
            vec![b"live1".to_vec(), b"live2".to_vec(), b"live3".to_vec()],
            OfficeContext::new("HN-HK-01", "UBND phường Hoàn Kiếm", "officer-1"),
        );
        match self.issuer.issue(&input) {
            Ok(IssueOutcome::Issued(b)) => Ok(*b),
            Ok(IssueOutcome::Refused(r)) => Err(FixtureError::Issue(format!("{:?}", r.reasons))),
            Ok(_) => Err(FixtureError::Issue("unexpected outcome".into())),
            Err(e) => Err(FixtureError::Issue(e.to_string())),
        }
    }
}

/// A JPEG of roughly `bytes` bytes: a light page with deterministic noise.
fn noise_jpeg(seed: &str, bytes: usize) -> Result<Vec<u8>, FixtureError> {
    // How many bytes a pixel of this noise costs depends on the encoder: start from an estimate,
    // then rescale the pixel count by the size actually reached (two corrections land within a
    // few percent of `bytes`).
    let mut px = (bytes as f64 / 1.5).max(1200.0);
    let mut out = noise_jpeg_px(seed, px)?;
    for _ in 0..2 {
        let ratio = bytes as f64 / out.len().max(1) as f64;
        if (0.95..=1.05).contains(&ratio) {
            break;
        }
        px = (px * ratio).max(1200.0);
        out = noise_jpeg_px(seed, px)?;
    }
    Ok(out)
}

fn noise_jpeg_px(seed: &str, px: f64) -> Result<Vec<u8>, FixtureError> {
    let w = (px * 0.707).sqrt().max(40.0) as u32;
    let h = (px / w as f64).max(30.0) as u32;
    let mut state = u64::from_le_bytes(
        Sha256::digest(seed.as_bytes())[..8]
            .try_into()
            .unwrap_or([1; 8]),
    ) | 1;
    let img = image::RgbImage::from_fn(w, h, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let v = 150 + (state % 100) as u8;
        image::Rgb([v, v.saturating_sub((state >> 8) as u8 % 30), v])
    });
    let mut out = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 75);
    // The copy writer needs the scan resolution (A4 scans are 200 dpi or more).
    enc.set_pixel_density(image::codecs::jpeg::PixelDensity::dpi(200));
    enc.encode_image(&img)
        .map_err(|e| FixtureError::Io(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_page_lands_near_the_requested_size() {
        for want in [200_000usize, 1_000_000] {
            let got = noise_jpeg("size", want).unwrap().len();
            let ratio = got as f64 / want as f64;
            assert!(
                (0.9..=1.1).contains(&ratio),
                "asked {want} bytes, got {got}"
            );
        }
    }

    #[test]
    fn load_codes_are_deterministic_and_disjoint() {
        assert_eq!(load_code(1, 5), load_code(1, 5));
        assert_ne!(load_code(1, 5), load_code(2, 5));
        assert_ne!(load_code(1, 5), unknown_code(1, 5));
        let n = (0..100).filter(|i| load_revoked(*i)).count();
        assert_eq!(n, 10);
    }

    #[test]
    fn sqlite_bulk_load_is_readable_through_the_registry() {
        use saoy_core::registry::sqlite::SqliteRegistry;
        use saoy_core::registry::{Requester, StatusKind};
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("r.sqlite");
        drop(SqliteRegistry::open(&p).unwrap());
        assert_eq!(seed_sqlite(&p, 3, 50).unwrap(), 50);
        assert_eq!(seed_sqlite(&p, 3, 50).unwrap(), 0, "second run is a no-op");
        let reg = SqliteRegistry::open(&p).unwrap();
        let who = Requester::new("test");
        let r = reg.lookup(&load_code(3, 7), &who).unwrap().unwrap();
        assert_eq!(r.status.kind(), StatusKind::Revoked);
        let r = reg.lookup(&load_code(3, 8), &who).unwrap().unwrap();
        assert_eq!(r.status.kind(), StatusKind::Valid);
        assert_eq!(r.office_id, "HN-LOAD-08");
        assert!(reg.lookup(&unknown_code(3, 8), &who).unwrap().is_none());
    }
}
