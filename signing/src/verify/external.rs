//! Crypto answered by the caller: the seam that lets a host with faster primitives (the
//! browser's WebCrypto under the wasm verifier) do the expensive work of [`super::verify_pdf`].
//!
//! [`verify_pdf_deferred`] runs the whole verification once, but instead of hashing large
//! signed byte ranges and verifying ECDSA P-256/P-384 signatures itself it records each of
//! them as a [`CryptoRequest`] and *assumes* the outcome that keeps the verification going
//! (the digest the signature claims; a good signature). The caller answers the requests
//! ([`CryptoAnswer`]) and [`DeferredVerification::finish`] returns the report:
//!
//! - every answer is the assumed one: the report of the first run is the report (the run was
//!   exactly the run with these answers);
//! - otherwise (a tampered file, an answer missing or unexpected): the verification runs a
//!   second time with the answers given; what was not answered, or is asked only now, is
//!   computed here as [`super::verify_pdf`] computes it. Never more than two runs.
//!
//! An assumption therefore never reaches a report unconfirmed: a wrong or missing answer can
//! make a report invalid or indeterminate, never valid. The report logic is the one of
//! [`super::verify_pdf`], which yields the same report for correct answers.
//! What is not asked (RSA, Ed25519, P-521, compressed points, SHA-1/SHA-3, small digests) is
//! computed here in both runs.

use std::cell::RefCell;

use super::algs::DigestAlg;
use super::{DocumentReport, VerifyError, VerifyOptions};

/// Digests of fewer bytes than this are computed here: a round trip costs more.
pub const EXTERNAL_DIGEST_MIN: usize = 8 * 1024;

/// A hash function of the requests (the ones WebCrypto offers besides SHA-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlg {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlg {
    /// The WebCrypto name (`"SHA-256"`, …).
    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Sha256 => "SHA-256",
            HashAlg::Sha384 => "SHA-384",
            HashAlg::Sha512 => "SHA-512",
        }
    }

    /// Digest length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
        }
    }

    pub(crate) fn from_digest(alg: DigestAlg) -> Option<Self> {
        match alg {
            DigestAlg::Sha256 => Some(HashAlg::Sha256),
            DigestAlg::Sha384 => Some(HashAlg::Sha384),
            DigestAlg::Sha512 => Some(HashAlg::Sha512),
            _ => None,
        }
    }

    fn digest_alg(self) -> DigestAlg {
        match self {
            HashAlg::Sha256 => DigestAlg::Sha256,
            HashAlg::Sha384 => DigestAlg::Sha384,
            HashAlg::Sha512 => DigestAlg::Sha512,
        }
    }
}

/// An elliptic curve of the requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Curve {
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
}

impl Curve {
    /// The WebCrypto name (`"P-256"`, `"P-384"`).
    pub fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
        }
    }
}

/// One computation the verifier leaves to the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CryptoRequest {
    /// The digest of `data` (answer: [`CryptoAnswer::Digest`]).
    Digest {
        /// Hash function.
        hash: HashAlg,
        /// The bytes to hash (the signed byte ranges, joined).
        data: Vec<u8>,
    },
    /// Whether `signature` is an ECDSA signature of `message` (hashed with `hash`) under
    /// `public_key` (answer: [`CryptoAnswer::Verified`]).
    EcdsaVerify {
        /// Curve of the key.
        curve: Curve,
        /// Hash function applied to `message` (a prehash is never asked).
        hash: HashAlg,
        /// The public key: an uncompressed SEC1 point (`04 || X || Y`), already checked to
        /// lie on `curve` (WebCrypto `importKey("raw", …)`).
        public_key: Vec<u8>,
        /// `r || s`, each as long as the curve's field (IEEE P1363, what WebCrypto takes),
        /// both already checked to be in range; re-encoded from the DER (or plain) value.
        signature: Vec<u8>,
        /// The signed message (DER signed attributes, a TBS certificate, …).
        message: Vec<u8>,
    },
}

/// The caller's answer to one [`CryptoRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CryptoAnswer {
    /// The digest of a [`CryptoRequest::Digest`].
    Digest(Vec<u8>),
    /// The outcome of a [`CryptoRequest::EcdsaVerify`].
    Verified(bool),
}

impl CryptoRequest {
    /// Compute the answer here (what the verifier does without a caller).
    pub fn answer_locally(&self) -> CryptoAnswer {
        match self {
            CryptoRequest::Digest { hash, data } => {
                CryptoAnswer::Digest(hash.digest_alg().hash(&[data]))
            }
            CryptoRequest::EcdsaVerify {
                curve,
                hash,
                public_key,
                signature,
                message,
            } => CryptoAnswer::Verified(super::algs::ecdsa_p1363(
                *curve,
                hash.digest_alg(),
                public_key,
                signature,
                message,
            )),
        }
    }
}

/// What requests of a session are met with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// First run: record each request and assume its answer.
    Assume,
    /// Second run: the caller's answers; anything else is computed here.
    Answered,
}

#[derive(Debug)]
struct Session {
    mode: Mode,
    /// (request, answer): assumed ones in [`Mode::Assume`], given ones in [`Mode::Answered`].
    entries: Vec<(CryptoRequest, CryptoAnswer)>,
}

/// More distinct requests than this in one run are computed here (path building is budgeted
/// far below; this only bounds memory).
const MAX_REQUESTS: usize = 512;

thread_local! {
    /// The session of the deferred verification running on this thread, if any.
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
}

/// Whether a deferred verification runs on this thread (then the verifier stays on it: no
/// helper threads, whose requests would bypass the session).
pub(crate) fn active() -> bool {
    SESSION.with(|s| s.borrow().is_some())
}

/// The answer to `request` from the running session, recording it with `assumed` in the first
/// run. `None`: no session, or compute it here.
fn resolve(
    request: CryptoRequest,
    assumed: impl FnOnce() -> Option<CryptoAnswer>,
) -> Option<CryptoAnswer> {
    SESSION.with(|s| {
        let mut s = s.borrow_mut();
        let s = s.as_mut()?;
        if let Some((_, a)) = s.entries.iter().find(|(r, _)| *r == request) {
            return Some(a.clone());
        }
        if s.mode == Mode::Answered || s.entries.len() >= MAX_REQUESTS {
            return None;
        }
        let a = assumed()?;
        s.entries.push((request, a.clone()));
        Some(a)
    })
}

/// The digest of `parts` with `alg`, asked of the caller when a session runs and the input is
/// large; `expected` (what the signature claims) is the assumption of the first run.
pub(crate) fn digest(alg: DigestAlg, parts: &[&[u8]], expected: Option<&[u8]>) -> Vec<u8> {
    let large = parts.iter().map(|p| p.len()).sum::<usize>() >= EXTERNAL_DIGEST_MIN;
    if let (true, Some(hash), true) = (large, HashAlg::from_digest(alg), active()) {
        let request = CryptoRequest::Digest {
            hash,
            data: parts.concat(),
        };
        let assumed = || expected.map(|e| CryptoAnswer::Digest(e.to_vec()));
        if let Some(CryptoAnswer::Digest(d)) = resolve(request, assumed) {
            return d;
        }
        // No answer, or one of the wrong kind: computed here.
    }
    alg.hash(parts)
}

/// Whether an ECDSA signature verifies, asked of the caller when a session runs (a good
/// signature is the assumption of the first run). `None`: no session; compute it here.
pub(crate) fn ecdsa(
    curve: Curve,
    hash: HashAlg,
    public_key: &[u8],
    signature: Vec<u8>,
    message: &[&[u8]],
) -> Option<bool> {
    if !active() {
        return None;
    }
    let request = CryptoRequest::EcdsaVerify {
        curve,
        hash,
        public_key: public_key.to_vec(),
        signature,
        message: message.concat(),
    };
    match resolve(request, || Some(CryptoAnswer::Verified(true)))? {
        CryptoAnswer::Verified(ok) => Some(ok),
        // A digest given as the answer to a signature: computed here.
        CryptoAnswer::Digest(_) => None,
    }
}

/// Removes the session when dropped (also on unwind).
struct Running;

impl Drop for Running {
    fn drop(&mut self) {
        SESSION.with(|s| *s.borrow_mut() = None);
    }
}

/// Run one verification inside a session; the entries it ended with.
fn run_session(
    bytes: &[u8],
    opts: &VerifyOptions,
    mode: Mode,
    entries: Vec<(CryptoRequest, CryptoAnswer)>,
) -> (
    Result<DocumentReport, VerifyError>,
    Vec<(CryptoRequest, CryptoAnswer)>,
) {
    // A session never nests: a deferred verification inside another (not done by this crate)
    // would otherwise answer the outer one's requests.
    let outer = SESSION.with(|s| s.borrow_mut().take());
    SESSION.with(|s| *s.borrow_mut() = Some(Session { mode, entries }));
    let result = {
        let _running = Running;
        let r = super::cache::within_call(|| super::verify_document(bytes, opts, None));
        let entries = SESSION
            .with(|s| s.borrow_mut().take())
            .map(|s| s.entries)
            .unwrap_or_default();
        (r, entries)
    };
    SESSION.with(|s| *s.borrow_mut() = outer);
    result
}

/// A verification whose expensive crypto waits for the caller: answer [`Self::requests`],
/// then [`Self::finish`].
#[derive(Debug)]
pub struct DeferredVerification<'a> {
    bytes: &'a [u8],
    opts: &'a VerifyOptions,
    /// The first run's report, right if every assumption holds.
    report: DocumentReport,
    /// The requests and the answers assumed for them.
    asked: Vec<(CryptoRequest, CryptoAnswer)>,
}

/// Verify every signature of a PDF as [`super::verify_pdf`] does, leaving the large digests
/// and the ECDSA P-256/P-384 verifications to the caller (see the module documentation).
/// Errors are those of [`super::verify_pdf`].
///
/// ```
/// use saoy_signing::verify::{verify_pdf, VerifyOptions, external::verify_pdf_deferred};
/// let opts = VerifyOptions::new(1_767_225_600);
/// let pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n\
/// xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \ntrailer<</Size 3/Root 1 0 R>>\nstartxref\n95\n%%EOF\n";
/// let deferred = verify_pdf_deferred(pdf, &opts).unwrap();
/// // Answer each request (with WebCrypto, say); here: computed locally.
/// let answers = deferred.requests().map(|r| Some(r.answer_locally())).collect();
/// assert_eq!(deferred.finish(answers).unwrap(), verify_pdf(pdf, &opts).unwrap());
/// ```
pub fn verify_pdf_deferred<'a>(
    bytes: &'a [u8],
    opts: &'a VerifyOptions,
) -> Result<DeferredVerification<'a>, VerifyError> {
    let (report, asked) = run_session(bytes, opts, Mode::Assume, Vec::new());
    Ok(DeferredVerification {
        bytes,
        opts,
        report: report?,
        asked,
    })
}

impl DeferredVerification<'_> {
    /// What the verification asks, in a stable order (the order of [`Self::finish`]'s answers).
    pub fn requests(&self) -> impl ExactSizeIterator<Item = &CryptoRequest> {
        self.asked.iter().map(|(r, _)| r)
    }

    /// The report, given the answers to [`Self::requests`] in their order (`None`: not
    /// answered, computed here; missing trailing answers count as `None`).
    pub fn finish(self, answers: Vec<Option<CryptoAnswer>>) -> Result<DocumentReport, VerifyError> {
        let confirmed = answers.len() == self.asked.len()
            && self
                .asked
                .iter()
                .zip(&answers)
                .all(|((_, assumed), given)| given.as_ref() == Some(assumed));
        if confirmed {
            return Ok(self.report);
        }
        let given = self
            .asked
            .into_iter()
            .zip(answers)
            .filter_map(|((r, _), a)| Some((r, a?)))
            .collect();
        run_session(self.bytes, self.opts, Mode::Answered, given).0
    }
}

/// Requests a verification of `bytes` will most likely make, known before the file is parsed
/// (today: the SHA-256 of the newest signature's `/ByteRange`, for files of 128 KiB and more),
/// so that the caller can start answering them while [`verify_pdf_deferred`] runs; an answer
/// is used only if the verification makes the very same request.
pub fn likely_requests(bytes: &[u8], opts: &VerifyOptions) -> Vec<CryptoRequest> {
    if bytes.len() < crate::digest::PARALLEL_MIN || bytes.len() > opts.limits.max_file_size {
        return Vec::new();
    }
    let Some([a0, l0, a1, l1]) = super::byte_range_hint(bytes) else {
        return Vec::new();
    };
    let mut data = Vec::with_capacity(l0 + l1);
    data.extend_from_slice(&bytes[a0..a0 + l0]);
    data.extend_from_slice(&bytes[a1..a1 + l1]);
    vec![CryptoRequest::Digest {
        hash: HashAlg::Sha256,
        data,
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The local answer to a signature request takes r||s and an uncompressed point, on both
    /// curves; the hooks compute locally outside a session.
    #[test]
    fn local_answers_and_no_session() {
        use p384::ecdsa::signature::Signer;
        let msg = b"signed attributes".to_vec();
        let k384 = p384::ecdsa::SigningKey::from_slice(&[5u8; 48]).unwrap();
        let s384: p384::ecdsa::Signature = k384.sign(&msg);
        let k256 = p256::ecdsa::SigningKey::from_slice(&[6u8; 32]).unwrap();
        let s256: p256::ecdsa::Signature = k256.sign(&msg);
        let req = |curve, hash, key: Vec<u8>, sig: Vec<u8>, message: Vec<u8>| {
            CryptoRequest::EcdsaVerify {
                curve,
                hash,
                public_key: key,
                signature: sig,
                message,
            }
            .answer_locally()
        };
        let p384_point = k384
            .verifying_key()
            .to_sec1_point(false)
            .as_bytes()
            .to_vec();
        let p256_point = k256
            .verifying_key()
            .to_sec1_point(false)
            .as_bytes()
            .to_vec();
        let good = CryptoAnswer::Verified(true);
        let bad = CryptoAnswer::Verified(false);
        let (sig384, sig256) = (s384.to_bytes().to_vec(), s256.to_bytes().to_vec());
        let c = (Curve::P384, HashAlg::Sha384);
        assert_eq!(
            req(c.0, c.1, p384_point.clone(), sig384.clone(), msg.clone()),
            good
        );
        assert_eq!(
            req(c.0, c.1, p384_point.clone(), sig384.clone(), b"x".to_vec()),
            bad
        );
        assert_eq!(
            req(
                c.0,
                HashAlg::Sha256,
                p384_point.clone(),
                sig384.clone(),
                msg.clone()
            ),
            bad
        );
        assert_eq!(req(c.0, c.1, p384_point, sig256.clone(), msg.clone()), bad);
        let c = (Curve::P256, HashAlg::Sha256);
        assert_eq!(
            req(c.0, c.1, p256_point.clone(), sig256.clone(), msg.clone()),
            good
        );
        assert_eq!(req(c.0, c.1, vec![4, 1, 2], sig256, msg.clone()), bad);
        let request = CryptoRequest::Digest {
            hash: HashAlg::Sha256,
            data: b"abc".to_vec(),
        };
        assert_eq!(
            request.answer_locally(),
            CryptoAnswer::Digest(DigestAlg::Sha256.hash(&[b"abc"]))
        );
        // Outside a session: nothing is asked, everything is computed here.
        assert!(!active());
        let big = vec![7u8; EXTERNAL_DIGEST_MIN];
        assert_eq!(
            digest(DigestAlg::Sha256, &[&big], Some(b"claimed")),
            DigestAlg::Sha256.hash(&[&big])
        );
        assert_eq!(
            ecdsa(
                Curve::P256,
                HashAlg::Sha256,
                &p256_point,
                vec![0; 64],
                &[&msg]
            ),
            None
        );
    }
}
