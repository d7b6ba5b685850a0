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
