//! [`Verifier`]: verification with a bounded cache of certificate-signature
//! checks, for a service that verifies many documents from the same signers.
//!
//! What is cached is the one expensive, pure part of chain validation: "the
//! signature on certificate C verifies under public key K", keyed by the
//! SHA-256 of C's DER and of K's SubjectPublicKeyInfo. Path building, trust
//! anchor matching, validity periods at the validation time, key usage and
//! everything else still run on every call, so a cached entry can never carry
//! a result across trust-anchor sets, validation times or documents: a
//! certificate whose signature was checked once is simply not re-checked.
//! The cache holds at most [`Verifier::with_cache_capacity`] entries (default
//! [`DEFAULT_CACHE_CAPACITY`]); when full, the oldest entries are dropped first.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use super::{DocumentReport, VerifyError, VerifyOptions, verify_pdf};

/// Default number of cached certificate-signature checks.
pub const DEFAULT_CACHE_CAPACITY: usize = 4096;

type Key = ([u8; 32], [u8; 32]);

#[derive(Debug, Default)]
struct Links {
    map: HashMap<Key, bool>,
    order: VecDeque<Key>,
    hits: u64,
    misses: u64,
}

/// A bounded map (certificate DER digest, issuer key digest) → signature ok.
#[derive(Debug)]
pub(crate) struct LinkCache {
    capacity: usize,
    links: Mutex<Links>,
}

impl LinkCache {
    fn new(capacity: usize) -> Self {
        LinkCache {
            capacity,
            links: Mutex::new(Links::default()),
        }
    }

    fn key(cert_der: &[u8], issuer_spki: &[u8]) -> Key {
        (
            Sha256::digest(cert_der).into(),
            Sha256::digest(issuer_spki).into(),
        )
    }

    fn get(&self, key: &Key) -> Option<bool> {
        let mut l = self.links.lock().ok()?;
        let hit = l.map.get(key).copied();
        if hit.is_some() {
            l.hits += 1;
        } else {
            l.misses += 1;
        }
        hit
    }

    fn put(&self, key: Key, ok: bool) {
        if self.capacity == 0 {
            return;
        }
        let Ok(mut l) = self.links.lock() else { return };
        if l.map.insert(key, ok).is_none() {
            l.order.push_back(key);
        }
        while l.map.len() > self.capacity {
            match l.order.pop_front() {
                Some(old) => {
                    l.map.remove(&old);
                }
                None => break,
            }
        }
    }
}

thread_local! {
    /// The cache of the [`Verifier`] running on this thread, if any.
    static CURRENT: RefCell<Option<Arc<LinkCache>>> = const { RefCell::new(None) };
}

thread_local! {
    /// The certificate-signature checks made so far by the verification call
    /// running on this thread ([`within_call`]), if any.
    static CALL: RefCell<Option<HashMap<Key, bool>>> = const { RefCell::new(None) };
}

/// Most links one call remembers (path building is budgeted far below this).
const CALL_MEMO_CAPACITY: usize = 4096;

/// Restores the previous per-call memo of this thread when dropped (also on unwind).
struct CallMemo(Option<HashMap<Key, bool>>);

impl Drop for CallMemo {
    fn drop(&mut self) {
        let prev = self.0.take();
        CALL.with(|c| *c.borrow_mut() = prev);
    }
}

/// Run `f` (one verification call) with a fresh memo of certificate-signature
/// checks: path building, the B-LT pairs and the revocation walk each ask
/// whether the same certificate verifies under the same issuer key, and
/// within one call the answer cannot change, so the signature is checked
/// once. The memo ends with the call; a [`Verifier`]'s cache (if installed)
/// is still consulted and filled as before.
pub(crate) fn within_call<R>(f: impl FnOnce() -> R) -> R {
    let prev = CALL.with(|c| c.borrow_mut().replace(HashMap::new()));
    let _restore = CallMemo(prev);
    f()
}

/// Whether a [`Verifier`]'s cache is installed on this thread.
pub(crate) fn verifier_installed() -> bool {
    CURRENT.with(|c| c.borrow().is_some())
}

/// The links checked so far in one call's memo.
pub(crate) type CallLinks = Vec<(Key, bool)>;

/// Run `f` (a part of a verification call, on a helper thread) with a fresh
/// memo; return its result and the links it checked, for [`absorb`].
pub(crate) fn within_call_links<R>(f: impl FnOnce() -> R) -> (R, CallLinks) {
    let prev = CALL.with(|c| c.borrow_mut().replace(HashMap::new()));
    let restore = CallMemo(prev);
    let r = f();
    let links = CALL
        .with(|c| c.borrow_mut().take())
        .map(|m| m.into_iter().collect())
        .unwrap_or_default();
    drop(restore);
    (r, links)
}

/// Add links checked on a helper thread to this thread's call memo.
pub(crate) fn absorb(links: CallLinks) {
    CALL.with(|c| {
        if let Some(m) = c.borrow_mut().as_mut() {
            for (k, ok) in links {
                if m.len() >= CALL_MEMO_CAPACITY {
                    break;
                }
                m.insert(k, ok);
            }
        }
    });
}

/// Restores the previous cache of this thread when dropped (also on unwind).
struct Installed(Option<Arc<LinkCache>>);

impl Drop for Installed {
    fn drop(&mut self) {
        let prev = self.0.take();
        CURRENT.with(|c| *c.borrow_mut() = prev);
    }
}

/// Whether `cert_der`'s signature verifies under `issuer_spki`, using the
/// current thread's [`Verifier`] cache when one is installed; `check` does
/// the real verification on a miss.
pub(crate) fn signature_link(
    cert_der: &[u8],
    issuer_spki: &[u8],
    check: impl FnOnce() -> bool,
) -> bool {
    let cache = CURRENT.with(|c| c.borrow().clone());
    let memo = CALL.with(|c| c.borrow().is_some());
    if cache.is_none() && !memo {
        return check();
    }
    let key = LinkCache::key(cert_der, issuer_spki);
    if let Some(ok) = CALL.with(|c| c.borrow().as_ref().and_then(|m| m.get(&key).copied())) {
        return ok;
    }
    let ok = match cache {
        Some(cache) => match cache.get(&key) {
            Some(ok) => ok,
            None => {
                let ok = check();
                // A deferred verification's answers (assumed, or the caller's) stay in its call.
                if !super::external::active() {
                    cache.put(key, ok);
                }
                ok
            }
        },
        None => check(),
    };
    CALL.with(|c| {
        if let Some(m) = c.borrow_mut().as_mut()
            && m.len() < CALL_MEMO_CAPACITY
        {
            m.insert(key, ok);
        }
    });
    ok
}

/// Cache counters of a [`Verifier`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CacheStats {
    /// Entries held.
    pub entries: usize,
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that ran the signature check.
    pub misses: u64,
}

/// A reusable verifier: the options of [`verify_pdf`] plus a bounded cache of
/// certificate-signature checks (see the module documentation), so that a
/// service verifying thousands of copies from the same signer checks each
/// certificate of the chain once. `Send + Sync`: share it between threads.
///
/// ```
/// use saoy_signing::verify::{Verifier, VerifyOptions};
/// let v = Verifier::new(VerifyOptions::new(1_767_225_600));
/// assert!(v.verify(b"not a pdf").is_err());
/// assert_eq!(v.cache_stats().entries, 0);
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    options: VerifyOptions,
    cache: Arc<LinkCache>,
}

impl Verifier {
    /// A verifier with `options` and a cache of [`DEFAULT_CACHE_CAPACITY`] entries.
    pub fn new(options: VerifyOptions) -> Self {
        Verifier {
            options,
            cache: Arc::new(LinkCache::new(DEFAULT_CACHE_CAPACITY)),
        }
    }

    /// Replace the cache with an empty one of `capacity` entries (0 disables it).
    pub fn with_cache_capacity(mut self, capacity: usize) -> Self {
        self.cache = Arc::new(LinkCache::new(capacity));
        self
    }

    /// The options in use.
    pub fn options(&self) -> &VerifyOptions {
        &self.options
    }

    /// Set the validation time (Unix seconds); the cache stays valid.
    pub fn set_validation_time(&mut self, at: i64) {
        self.options.at = at;
    }

    /// Verify every signature of a PDF, as [`verify_pdf`] does.
    pub fn verify(&self, bytes: &[u8]) -> Result<DocumentReport, VerifyError> {
        let prev = CURRENT.with(|c| c.borrow_mut().replace(self.cache.clone()));
        let _restore = Installed(prev);
        verify_pdf(bytes, &self.options)
    }

    /// Cache counters.
    pub fn cache_stats(&self) -> CacheStats {
        match self.cache.links.lock() {
            Ok(l) => CacheStats {
                entries: l.map.len(),
                hits: l.hits,
                misses: l.misses,
            },
            Err(_) => CacheStats::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_is_bounded_and_keyed_by_certificate_and_issuer_key() {
        let c = LinkCache::new(2);
        let k1 = LinkCache::key(b"cert1", b"key");
        let k2 = LinkCache::key(b"cert1", b"other key");
        let k3 = LinkCache::key(b"cert3", b"key");
        assert_ne!(k1, k2);
        c.put(k1, true);
        c.put(k2, false);
        assert_eq!(c.get(&k1), Some(true));
        assert_eq!(c.get(&k2), Some(false));
        c.put(k3, true);
        // Oldest entry evicted.
        assert_eq!(c.get(&k1), None);
        assert_eq!(c.get(&k3), Some(true));
        let l = c.links.lock().unwrap();
        assert_eq!(l.map.len(), 2);
        assert_eq!(l.order.len(), 2);
    }

    #[test]
    fn without_an_installed_cache_every_check_runs() {
        let mut runs = 0;
        for _ in 0..2 {
            signature_link(b"c", b"k", || {
                runs += 1;
                true
            });
        }
        assert_eq!(runs, 2);
    }

    #[cfg(feature = "sign")]
    #[test]
    fn a_reused_verifier_checks_each_chain_link_once() {
        use crate::verify::Status;
        let pdf = b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n\
xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n\
trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n";
        let pki = crate::pki::TestPki::generate().unwrap();
        let signed = crate::sign::sign_pdf(
            pdf,
            &pki.signer().unwrap(),
            &crate::sign::SignOptions::default(),
        )
        .unwrap();
        let root = der::Encode::to_der(&pki.root).unwrap();
        let opts = VerifyOptions::now().with_trust_anchor_der(&root).unwrap();
        let v = Verifier::new(opts.clone());
        let first = v.verify(&signed).unwrap();
        assert_eq!(first.status, Status::Valid);
        let after_first = v.cache_stats();
        assert!(after_first.entries >= 2, "{after_first:?}");
        let second = v.verify(&signed).unwrap();
        assert_eq!(second.status, Status::Valid);
        let after_second = v.cache_stats();
        assert_eq!(after_second.entries, after_first.entries);
        assert!(after_second.hits > after_first.hits, "{after_second:?}");
        assert_eq!(after_second.misses, after_first.misses);
        // Same report as the cache-less entry point, and the cache does not
        // outlive the call on this thread.
        let plain = verify_pdf(&signed, &opts).unwrap();
        assert_eq!(
            serde_json::to_value(&plain).unwrap(),
            serde_json::to_value(&second).unwrap()
        );
        assert_eq!(v.cache_stats(), after_second);
        // Another trust anchor set: the cached links do not make it trusted.
        let other = crate::pki::TestPki::generate().unwrap();
        let mut v2 = v.clone();
        v2.options = VerifyOptions::now()
            .with_trust_anchor_der(&der::Encode::to_der(&other.root).unwrap())
            .unwrap();
        assert_ne!(v2.verify(&signed).unwrap().status, Status::Valid);
        // A tampered copy is still caught with a warm cache.
        let mut bad = signed.clone();
        bad[20] ^= 1;
        assert_eq!(v.verify(&bad).unwrap().status, Status::Invalid);
    }

    #[test]
    fn within_one_call_each_link_is_checked_once() {
        let runs = std::cell::Cell::new(0);
        let check = |ok: bool| {
            runs.set(runs.get() + 1);
            ok
        };
        within_call(|| {
            assert!(signature_link(b"c", b"k", || check(true)));
            assert!(signature_link(b"c", b"k", || check(true)));
            // Another issuer key is another link.
            assert!(!signature_link(b"c", b"k2", || check(false)));
            assert!(!signature_link(b"c", b"k2", || check(false)));
        });
        assert_eq!(runs.get(), 2);
        // The memo ends with the call.
        signature_link(b"c", b"k", || check(true));
        assert_eq!(runs.get(), 3);
        assert!(CALL.with(|c| c.borrow().is_none()));
        // Links checked on a helper thread join the caller's memo.
        within_call(|| {
            let (r, links) = std::thread::scope(|s| {
                s.spawn(|| within_call_links(|| signature_link(b"h", b"k", || true)))
                    .join()
                    .unwrap()
            });
            assert!(r);
            assert_eq!(links.len(), 1);
            absorb(links);
            assert!(signature_link(b"h", b"k", || check(false)));
        });
        assert_eq!(runs.get(), 3);
    }

    #[test]
    fn zero_capacity_caches_nothing() {
        let c = LinkCache::new(0);
        let k = LinkCache::key(b"c", b"k");
        c.put(k, true);
        assert_eq!(c.get(&k), None);
    }
}
