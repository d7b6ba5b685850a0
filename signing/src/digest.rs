//! Digest algorithms used in CMS signatures (shared by the signer and the verifier).

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912::{ID_SHA_1, ID_SHA_256, ID_SHA_384, ID_SHA_512};
use spki::AlgorithmIdentifierOwned;

/// A message digest algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// SHA-1 (accepted only in legacy structures such as ESS signing-certificate v1).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestAlgorithm {
    /// The algorithm's object identifier.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha1 => ID_SHA_1,
            Self::Sha256 => ID_SHA_256,
            Self::Sha384 => ID_SHA_384,
            Self::Sha512 => ID_SHA_512,
        }
    }

    /// The algorithm for an object identifier, if it is one of ours.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        [Self::Sha1, Self::Sha256, Self::Sha384, Self::Sha512]
            .into_iter()
            .find(|a| a.oid() == *oid)
    }

    /// The `AlgorithmIdentifier` (parameters absent, as RFC 5754 asks).
    pub fn algorithm_identifier(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters: None,
        }
    }

    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// Hash the concatenation of `parts`.
    pub fn digest_parts(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: sha2::Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut h = D::new();
            for p in parts {
                h.update(p);
            }
            h.finalize().to_vec()
        }
        match self {
            Self::Sha1 => run::<sha1::Sha1>(parts),
            Self::Sha256 => run::<sha2::Sha256>(parts),
            Self::Sha384 => run::<sha2::Sha384>(parts),
            Self::Sha512 => run::<sha2::Sha512>(parts),
        }
    }

    /// Hash `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        self.digest_parts(&[data])
    }

    /// A streaming hasher: feed data with [`Hasher::update`] (it can be sent
    /// to another thread, so a large prefix can be hashed while other work proceeds).
    pub fn hasher(self) -> Hasher {
        use sha2::Digest as _;
        Hasher(match self {
            Self::Sha1 => HasherState::Sha1(sha1::Sha1::new()),
            Self::Sha256 => HasherState::Sha256(sha2::Sha256::new()),
            Self::Sha384 => HasherState::Sha384(sha2::Sha384::new()),
            Self::Sha512 => HasherState::Sha512(sha2::Sha512::new()),
        })
    }
}

/// An incremental digest computation (see [`DigestAlgorithm::hasher`]).
#[derive(Clone)]
pub struct Hasher(HasherState);

#[derive(Clone)]
enum HasherState {
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Hasher").field(&self.algorithm()).finish()
    }
}

impl Hasher {
    /// Feed `data`.
    pub fn update(&mut self, data: &[u8]) {
        use sha2::Digest as _;
        match &mut self.0 {
            HasherState::Sha1(h) => h.update(data),
            HasherState::Sha256(h) => h.update(data),
            HasherState::Sha384(h) => h.update(data),
            HasherState::Sha512(h) => h.update(data),
        }
    }

    /// The algorithm.
    pub fn algorithm(&self) -> DigestAlgorithm {
        match self.0 {
            HasherState::Sha1(_) => DigestAlgorithm::Sha1,
            HasherState::Sha256(_) => DigestAlgorithm::Sha256,
            HasherState::Sha384(_) => DigestAlgorithm::Sha384,
            HasherState::Sha512(_) => DigestAlgorithm::Sha512,
        }
    }

    /// The digest of everything fed.
    pub fn finalize(self) -> Vec<u8> {
        use sha2::Digest as _;
        match self.0 {
            HasherState::Sha1(h) => h.finalize().to_vec(),
            HasherState::Sha256(h) => h.finalize().to_vec(),
            HasherState::Sha384(h) => h.finalize().to_vec(),
            HasherState::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

/// Below this many bytes a second thread costs more than it saves.
pub(crate) const PARALLEL_MIN: usize = 128 * 1024;

/// Run `job` on a second thread while `meanwhile` runs on this one, when
/// `worth_it`; inline otherwise or where threads are unavailable (wasm32).
/// `job` must be a pure computation: if its thread cannot start (or dies), it
/// is simply run again here. Used to hash large byte ranges while the rest of
/// signing or verification proceeds.
pub(crate) fn join_beside<A: Send, B>(
    worth_it: bool,
    job: impl Fn() -> A + Sync,
    meanwhile: impl FnOnce() -> B,
) -> (A, B) {
    if !worth_it || cfg!(target_arch = "wasm32") {
        let a = job();
        return (a, meanwhile());
    }
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new().spawn_scoped(scope, &job);
        let b = meanwhile();
        let a = match handle.map(|h| h.join()) {
            Ok(Ok(a)) => a,
            _ => job(),
        };
        (a, b)
    })
}

/// The digest algorithm implied by a signature algorithm identifier
/// (ECDSA-with-SHA*, sha*WithRSAEncryption, RSASSA-PSS with its hash
/// parameter, Ed25519 → SHA-512). `None` when unknown.
pub fn digest_for_signature_algorithm(alg: &AlgorithmIdentifierOwned) -> Option<DigestAlgorithm> {
    use const_oid::db::rfc5912::{
        ECDSA_WITH_SHA_256, ECDSA_WITH_SHA_384, ECDSA_WITH_SHA_512, ID_RSASSA_PSS,
        SHA_256_WITH_RSA_ENCRYPTION, SHA_384_WITH_RSA_ENCRYPTION, SHA_512_WITH_RSA_ENCRYPTION,
    };
    const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
    let oid = alg.oid;
    if oid == ECDSA_WITH_SHA_256 || oid == SHA_256_WITH_RSA_ENCRYPTION {
        Some(DigestAlgorithm::Sha256)
    } else if oid == ECDSA_WITH_SHA_384 || oid == SHA_384_WITH_RSA_ENCRYPTION {
        Some(DigestAlgorithm::Sha384)
    } else if oid == ECDSA_WITH_SHA_512 || oid == SHA_512_WITH_RSA_ENCRYPTION || oid == ED25519 {
        Some(DigestAlgorithm::Sha512)
    } else if oid == ID_RSASSA_PSS {
        let params = alg.parameters.as_ref()?;
        let der = der::Encode::to_der(params).ok()?;
        let pss = <rsa::pkcs1::RsaPssParams<der::Any> as der::Decode>::from_der(&der).ok()?;
        DigestAlgorithm::from_oid(&pss.hash.oid)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc_matches_fips_vector() {
        assert_eq!(
            hex::encode(DigestAlgorithm::Sha256.digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            DigestAlgorithm::Sha384.digest_parts(&[b"a", b"bc"]),
            DigestAlgorithm::Sha384.digest(b"abc")
        );
    }

    #[test]
    fn streaming_and_parallel_digests_match_one_shot() {
        let big = vec![0xa5u8; 300 * 1024];
        for alg in [
            DigestAlgorithm::Sha1,
            DigestAlgorithm::Sha256,
            DigestAlgorithm::Sha384,
            DigestAlgorithm::Sha512,
        ] {
            let mut h = alg.hasher();
            h.update(&big[..1000]);
            h.update(&big[1000..]);
            assert_eq!(h.algorithm(), alg);
            assert_eq!(h.finalize(), alg.digest(&big));
            let parts: [&[u8]; 2] = [&big[..7], &big[7..]];
            let (d, x) = join_beside(true, || alg.digest_parts(&parts), || 42);
            assert_eq!((d, x), (alg.digest(&big), 42));
            let (d, ()) = join_beside(false, || alg.digest(b"abc"), || ());
            assert_eq!(d, alg.digest(b"abc"));
        }
    }

    #[test]
    fn signature_algorithms_map_to_digests() {
        let a = AlgorithmIdentifierOwned {
            oid: const_oid::db::rfc5912::ECDSA_WITH_SHA_384,
            parameters: None,
        };
        assert_eq!(
            digest_for_signature_algorithm(&a),
            Some(DigestAlgorithm::Sha384)
        );
        let unknown = AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap("1.2.3.4"),
            parameters: None,
        };
        assert_eq!(digest_for_signature_algorithm(&unknown), None);
    }
}
