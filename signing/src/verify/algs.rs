//! Digest and signature algorithms the verifier understands.

use super::asn1::{self, Reader, Tlv, tag};
use rsa::{BoxedUint, Pkcs1v15Sign, Pss, PublicKey as RsaPublicKey};
use sha2::Digest;
use signature::hazmat::PrehashVerifier;

/// Parse an ECDSA signature value: DER first (unless the scheme is plain r||s), raw r||s as the
/// fallback. The one parser of signature values, for the pure-Rust check and the native path.
macro_rules! ec_sig {
    ($curve:ty, $sig:expr, $plain:expr) => {{
        let der: Option<ecdsa::Signature<$curve>> = if $plain {
            None
        } else {
            asn1::first($sig)
                .ok()
                .filter(|t| t.tag == tag::SEQUENCE)
                .and_then(|t| ecdsa::Signature::<$curve>::from_der(t.raw).ok())
        };
        der.or_else(|| ecdsa::Signature::<$curve>::from_slice($sig).ok())
    }};
}

/// Parse an ECDSA signature ([`ec_sig!`]) and verify a prehash.
macro_rules! ec_check {
    ($curve:ty, $key:expr, $sig:expr, $plain:expr, $digest:expr) => {{ ec_sig!($curve, $sig, $plain).is_some_and(|x| $key.verify_prehash($digest, &x).is_ok()) }};
}

/// A digest algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DigestAlg {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    Sha3_256,
    Sha3_384,
    Sha3_512,
}

impl DigestAlg {
    /// From a dotted OID.
    pub fn from_oid(oid: &str) -> Option<Self> {
        Some(match oid {
            "1.3.14.3.2.26" => DigestAlg::Sha1,
            "2.16.840.1.101.3.4.2.4" => DigestAlg::Sha224,
            "2.16.840.1.101.3.4.2.1" => DigestAlg::Sha256,
            "2.16.840.1.101.3.4.2.2" => DigestAlg::Sha384,
            "2.16.840.1.101.3.4.2.3" => DigestAlg::Sha512,
            "2.16.840.1.101.3.4.2.8" => DigestAlg::Sha3_256,
            "2.16.840.1.101.3.4.2.9" => DigestAlg::Sha3_384,
            "2.16.840.1.101.3.4.2.10" => DigestAlg::Sha3_512,
            _ => return None,
        })
    }

    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            DigestAlg::Sha1 => "SHA-1",
            DigestAlg::Sha224 => "SHA-224",
            DigestAlg::Sha256 => "SHA-256",
            DigestAlg::Sha384 => "SHA-384",
            DigestAlg::Sha512 => "SHA-512",
            DigestAlg::Sha3_256 => "SHA3-256",
            DigestAlg::Sha3_384 => "SHA3-384",
            DigestAlg::Sha3_512 => "SHA3-512",
        }
    }

    /// Hash the concatenation of `parts`.
    pub fn hash(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut d = D::new();
            for p in parts {
                d.update(p);
            }
            d.finalize().to_vec()
        }
        match self {
            DigestAlg::Sha1 => run::<sha1::Sha1>(parts),
            DigestAlg::Sha224 => run::<sha2::Sha224>(parts),
            DigestAlg::Sha256 => run::<sha2::Sha256>(parts),
            DigestAlg::Sha384 => run::<sha2::Sha384>(parts),
            DigestAlg::Sha512 => run::<sha2::Sha512>(parts),
            DigestAlg::Sha3_256 => run::<sha3::Sha3_256>(parts),
            DigestAlg::Sha3_384 => run::<sha3::Sha3_384>(parts),
            DigestAlg::Sha3_512 => run::<sha3::Sha3_512>(parts),
        }
    }
}

/// An AlgorithmIdentifier: dotted OID and the raw parameters element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AlgId {
    pub oid: String,
    pub params: Option<Vec<u8>>,
}

impl AlgId {
    /// Read from a SEQUENCE element.
    pub fn parse(t: &Tlv<'_>) -> asn1::Result<Self> {
        let t = t.expect(tag::SEQUENCE, "AlgorithmIdentifier is not a SEQUENCE")?;
        let mut r = t.children();
        let oid = r.need_tag(tag::OID, "AlgorithmIdentifier without OID")?;
        let params = r
            .next()?
            .filter(|p| p.tag != tag::NULL)
            .map(|p| p.raw.to_vec());
        Ok(AlgId {
            oid: asn1::oid_string(oid.content),
            params,
        })
    }

    /// Human-readable name for the report (the OID when unknown).
    pub fn display(&self) -> String {
        let name = match self.oid.as_str() {
            "1.2.840.113549.1.1.1" => "RSA",
            "1.2.840.113549.1.1.5" => "SHA-1 with RSA",
            "1.2.840.113549.1.1.11" => "SHA-256 with RSA",
            "1.2.840.113549.1.1.12" => "SHA-384 with RSA",
            "1.2.840.113549.1.1.13" => "SHA-512 with RSA",
            "1.2.840.113549.1.1.10" => "RSASSA-PSS",
            "1.2.840.10045.2.1" => "ECDSA",
            "1.2.840.10045.4.1" => "ECDSA with SHA-1",
            "1.2.840.10045.4.3.2" => "ECDSA with SHA-256",
            "1.2.840.10045.4.3.3" => "ECDSA with SHA-384",
            "1.2.840.10045.4.3.4" => "ECDSA with SHA-512",
            "1.3.101.112" => "Ed25519",
            "1.3.101.113" => "Ed448",
            o => match DigestAlg::from_oid(o) {
                Some(d) => d.name(),
                None => return self.oid.clone(),
            },
        };
        name.to_owned()
    }
}

/// How a signature value is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// RSASSA-PKCS1-v1_5; hash from the algorithm or from the digest algorithm.
    RsaPkcs1(Option<DigestAlg>),
    /// RSASSA-PSS with MGF1 over the same hash.
    RsaPss { hash: DigestAlg, salt: usize },
    /// ECDSA, DER-encoded (r, s) (raw r||s accepted as a fallback).
    Ecdsa(Option<DigestAlg>),
    /// BSI plain-ECDSA: raw r||s.
    EcdsaPlain(DigestAlg),
    /// Ed25519 (PureEdDSA over the message itself, RFC 8419).
    Ed25519,
}

/// Result of a signature check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Check {
    /// The signature verifies.
    Good,
    /// The signature does not verify.
    Bad,
    /// Algorithm or key not supported (detail).
    Unsupported(String),
}

/// Map a signature AlgorithmIdentifier to a scheme.
pub(crate) fn scheme(alg: &AlgId) -> Result<Scheme, String> {
    use DigestAlg::*;
    Ok(match alg.oid.as_str() {
        "1.2.840.113549.1.1.1" => Scheme::RsaPkcs1(None),
        "1.2.840.113549.1.1.5" => Scheme::RsaPkcs1(Some(Sha1)),
        "1.2.840.113549.1.1.14" => Scheme::RsaPkcs1(Some(Sha224)),
        "1.2.840.113549.1.1.11" => Scheme::RsaPkcs1(Some(Sha256)),
        "1.2.840.113549.1.1.12" => Scheme::RsaPkcs1(Some(Sha384)),
        "1.2.840.113549.1.1.13" => Scheme::RsaPkcs1(Some(Sha512)),
        "2.16.840.1.101.3.4.3.14" => Scheme::RsaPkcs1(Some(Sha3_256)),
        "2.16.840.1.101.3.4.3.15" => Scheme::RsaPkcs1(Some(Sha3_384)),
        "2.16.840.1.101.3.4.3.16" => Scheme::RsaPkcs1(Some(Sha3_512)),
        "1.2.840.113549.1.1.10" => pss_params(alg.params.as_deref())?,
        // The ECDSA key OID used as a signature algorithm (some Java tools): accepted.
        "1.2.840.10045.2.1" => Scheme::Ecdsa(None),
        "1.2.840.10045.4.1" => Scheme::Ecdsa(Some(Sha1)),
        "1.2.840.10045.4.3.1" => Scheme::Ecdsa(Some(Sha224)),
        "1.2.840.10045.4.3.2" => Scheme::Ecdsa(Some(Sha256)),
        "1.2.840.10045.4.3.3" => Scheme::Ecdsa(Some(Sha384)),
        "1.2.840.10045.4.3.4" => Scheme::Ecdsa(Some(Sha512)),
        "2.16.840.1.101.3.4.3.10" => Scheme::Ecdsa(Some(Sha3_256)),
        "2.16.840.1.101.3.4.3.11" => Scheme::Ecdsa(Some(Sha3_384)),
        "2.16.840.1.101.3.4.3.12" => Scheme::Ecdsa(Some(Sha3_512)),
        // BSI TR-03111 plain ECDSA.
        "0.4.0.127.0.7.1.1.4.1.1" => Scheme::EcdsaPlain(Sha1),
        "0.4.0.127.0.7.1.1.4.1.2" => Scheme::EcdsaPlain(Sha224),
        "0.4.0.127.0.7.1.1.4.1.3" => Scheme::EcdsaPlain(Sha256),
        "0.4.0.127.0.7.1.1.4.1.4" => Scheme::EcdsaPlain(Sha384),
        "0.4.0.127.0.7.1.1.4.1.5" => Scheme::EcdsaPlain(Sha512),
        "0.4.0.127.0.7.1.1.4.1.8" => Scheme::EcdsaPlain(Sha3_256),
        "0.4.0.127.0.7.1.1.4.1.9" => Scheme::EcdsaPlain(Sha3_384),
        "0.4.0.127.0.7.1.1.4.1.10" => Scheme::EcdsaPlain(Sha3_512),
        "1.3.101.112" => Scheme::Ed25519,
        "1.3.101.113" => return Err("Ed448 is not supported".to_owned()),
        o => return Err(format!("signature algorithm {o} is not supported")),
    })
}

fn pss_params(params: Option<&[u8]>) -> Result<Scheme, String> {
    let mut hash = DigestAlg::Sha1;
    let mut mgf_hash = DigestAlg::Sha1;
    let mut salt = 20usize;
    let bad = |_| "malformed RSASSA-PSS parameters".to_owned();
    if let Some(p) = params {
        let seq = asn1::first(p).map_err(bad)?;
        let mut r = seq.children();
        while let Some(f) = r.next().map_err(bad)? {
            let inner = asn1::first(f.content).map_err(bad)?;
            match f.tag {
                0xa0 => {
                    let a = AlgId::parse(&inner).map_err(bad)?;
                    hash = DigestAlg::from_oid(&a.oid)
                        .ok_or(format!("PSS hash {} is not supported", a.oid))?;
                }
                0xa1 => {
                    let a = AlgId::parse(&inner).map_err(bad)?;
                    if a.oid != "1.2.840.113549.1.1.8" {
                        return Err(format!("PSS mask generation {} is not supported", a.oid));
                    }
                    let h = a.params.as_deref().ok_or("MGF1 without hash")?;
                    let h = AlgId::parse(&asn1::first(h).map_err(bad)?).map_err(bad)?;
                    mgf_hash = DigestAlg::from_oid(&h.oid)
                        .ok_or(format!("MGF1 hash {} is not supported", h.oid))?;
                }
                0xa2 => {
                    salt = usize::try_from(asn1::small_uint(&inner).map_err(bad)?)
                        .map_err(|_| "salt too long")?;
                }
                _ => {}
            }
        }
    }
    if hash != mgf_hash {
        return Err(
            "RSASSA-PSS with an MGF1 hash different from the message hash is not supported"
                .to_owned(),
        );
    }
    Ok(Scheme::RsaPss { hash, salt })
}

/// The hash a scheme signs with, falling back to `default` (the SignerInfo digest algorithm).
pub(crate) fn scheme_hash(s: Scheme, default: Option<DigestAlg>) -> Option<DigestAlg> {
    match s {
        Scheme::RsaPkcs1(h) | Scheme::Ecdsa(h) => h.or(default),
        Scheme::RsaPss { hash, .. } => Some(hash),
        Scheme::EcdsaPlain(h) => Some(h),
        Scheme::Ed25519 => Some(DigestAlg::Sha512),
    }
}

/// Public key parts read from a SubjectPublicKeyInfo.
enum Key {
    Rsa(Box<RsaPublicKey>),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    P521(p521::ecdsa::VerifyingKey),
    Ed25519(Box<ed25519_dalek::VerifyingKey>),
}

fn parse_key(spki: &[u8]) -> Result<Key, Check> {
    parse_key_bits(spki).map(|(k, _)| k)
}

/// The key and the raw public-key bits (the SEC1 point for EC keys).
fn parse_key_bits(spki: &[u8]) -> Result<(Key, &[u8]), Check> {
    let bad = |_| Check::Unsupported("malformed public key".to_owned());
    let seq = asn1::first(spki)
        .map_err(bad)?
        .expect(tag::SEQUENCE, "spki")
        .map_err(bad)?;
    let mut r = seq.children();
    let alg = AlgId::parse(&r.need("spki alg").map_err(bad)?).map_err(bad)?;
    let bits = r.need_tag(tag::BIT_STRING, "spki key").map_err(bad)?;
    let key = bits
        .content
        .get(1..)
        .ok_or(Check::Unsupported("empty public key".to_owned()))?;
    let parsed = match alg.oid.as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => {
            let k = asn1::first(key).map_err(bad)?;
            let mut kr = k.children();
            let n = kr.need_tag(tag::INTEGER, "n").map_err(bad)?;
            let e = kr.need_tag(tag::INTEGER, "e").map_err(bad)?;
            let n = BoxedUint::from_be_slice_vartime(asn1::uint_bytes(n.content));
            let e = BoxedUint::from_be_slice_vartime(asn1::uint_bytes(e.content));
            RsaPublicKey::new_with_size_limits(n, e, 1024..=16384)
                .map(|k| Key::Rsa(Box::new(k)))
                .map_err(|e| Check::Unsupported(format!("RSA key rejected: {e}")))
        }
        "1.2.840.10045.2.1" => {
            let curve = alg
                .params
                .as_deref()
                .and_then(|p| asn1::first(p).ok())
                .filter(|t| t.tag == tag::OID)
                .map(|t| asn1::oid_string(t.content))
                .unwrap_or_default();
            let inval = |_| Check::Unsupported("invalid EC point".to_owned());
            match curve.as_str() {
                "1.2.840.10045.3.1.7" => p256::ecdsa::VerifyingKey::from_sec1_bytes(key)
                    .map(Key::P256)
                    .map_err(inval),
                "1.3.132.0.34" => p384::ecdsa::VerifyingKey::from_sec1_bytes(key)
                    .map(Key::P384)
                    .map_err(inval),
                "1.3.132.0.35" => p521::ecdsa::VerifyingKey::from_sec1_bytes(key)
                    .map(Key::P521)
                    .map_err(inval),
                c => Err(Check::Unsupported(format!(
                    "elliptic curve {c} is not supported"
                ))),
            }
        }
        "1.3.101.112" => <[u8; 32]>::try_from(key)
            .ok()
            .and_then(|k| ed25519_dalek::VerifyingKey::from_bytes(&k).ok())
            .map(|k| Key::Ed25519(Box::new(k)))
            .ok_or(Check::Unsupported("invalid Ed25519 key".to_owned())),
        o => Err(Check::Unsupported(format!(
            "public key algorithm {o} is not supported"
        ))),
    };
    parsed.map(|k| (k, key))
}

/// Bits of an RSA modulus in a SubjectPublicKeyInfo (None for other keys).
pub(crate) fn rsa_bits(spki: &[u8]) -> Option<usize> {
    match parse_key(spki) {
        Ok(Key::Rsa(k)) => Some(rsa::traits::PublicKeyParts::size(k.as_ref()) * 8),
        _ => None,
    }
}

/// Verify `sig` over the concatenation of `message` parts with the key in `spki`.
pub(crate) fn verify(
    spki: &[u8],
    s: Scheme,
    default_hash: Option<DigestAlg>,
    message: &[&[u8]],
    sig: &[u8],
) -> Check {
    let Some(h) = scheme_hash(s, default_hash) else {
        return Check::Unsupported("no usable digest algorithm".to_owned());
    };
    let (key, bits) = match parse_key_bits(spki) {
        Ok(k) => k,
        Err(c) => return c,
    };
    if super::external::active()
        && let Some(ok) = external_ecdsa(&key, bits, s, h, message, sig)
    {
        return if ok { Check::Good } else { Check::Bad };
    }
    #[cfg(all(feature = "native-crypto", not(target_arch = "wasm32")))]
    if native::ecdsa_confirms(&key, bits, s, h, message, sig) {
        return Check::Good;
    }
    #[cfg(not(all(feature = "native-crypto", not(target_arch = "wasm32"))))]
    let _ = bits;
    if let (Key::Ed25519(k), Scheme::Ed25519) = (&key, s) {
        let Ok(sig) = ed25519_dalek::Signature::from_slice(sig) else {
            return Check::Bad;
        };
        return if k.verify_strict(&message.concat(), &sig).is_ok() {
            Check::Good
        } else {
            Check::Bad
        };
    }
    let digest = h.hash(message);
    let ok = match (key, s) {
        (Key::Rsa(k), Scheme::RsaPkcs1(_)) => {
            let scheme = match h {
                DigestAlg::Sha1 => Pkcs1v15Sign::new::<sha1::Sha1>(),
                DigestAlg::Sha224 => Pkcs1v15Sign::new::<sha2::Sha224>(),
                DigestAlg::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
                DigestAlg::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
                DigestAlg::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
                DigestAlg::Sha3_256 => Pkcs1v15Sign::new::<sha3::Sha3_256>(),
                DigestAlg::Sha3_384 => Pkcs1v15Sign::new::<sha3::Sha3_384>(),
                DigestAlg::Sha3_512 => Pkcs1v15Sign::new::<sha3::Sha3_512>(),
            };
            k.verify(scheme, &digest, sig).is_ok()
        }
        (Key::Rsa(k), Scheme::RsaPss { salt, .. }) => {
            let r = match h {
                DigestAlg::Sha1 => k.verify(Pss::<sha1::Sha1>::new_with_salt(salt), &digest, sig),
                DigestAlg::Sha224 => {
                    k.verify(Pss::<sha2::Sha224>::new_with_salt(salt), &digest, sig)
                }
                DigestAlg::Sha256 => {
                    k.verify(Pss::<sha2::Sha256>::new_with_salt(salt), &digest, sig)
                }
                DigestAlg::Sha384 => {
                    k.verify(Pss::<sha2::Sha384>::new_with_salt(salt), &digest, sig)
                }
                DigestAlg::Sha512 => {
                    k.verify(Pss::<sha2::Sha512>::new_with_salt(salt), &digest, sig)
                }
                DigestAlg::Sha3_256 => {
                    k.verify(Pss::<sha3::Sha3_256>::new_with_salt(salt), &digest, sig)
                }
                DigestAlg::Sha3_384 => {
                    k.verify(Pss::<sha3::Sha3_384>::new_with_salt(salt), &digest, sig)
                }
                DigestAlg::Sha3_512 => {
                    k.verify(Pss::<sha3::Sha3_512>::new_with_salt(salt), &digest, sig)
                }
            };
            r.is_ok()
        }
        (Key::P256(k), Scheme::Ecdsa(_) | Scheme::EcdsaPlain(_)) => {
            ec_check!(
                p256::NistP256,
                k,
                sig,
                matches!(s, Scheme::EcdsaPlain(_)),
                &digest
            )
        }
        (Key::P384(k), Scheme::Ecdsa(_) | Scheme::EcdsaPlain(_)) => {
            ec_check!(
                p384::NistP384,
                k,
                sig,
                matches!(s, Scheme::EcdsaPlain(_)),
                &digest
            )
        }
        (Key::P521(k), Scheme::Ecdsa(_) | Scheme::EcdsaPlain(_)) => {
            ec_check!(
                p521::NistP521,
                k,
                sig,
                matches!(s, Scheme::EcdsaPlain(_)),
                &digest
            )
        }
        _ => {
            return Check::Unsupported(
                "key type does not match the signature algorithm".to_owned(),
            );
        }
    };
    if ok { Check::Good } else { Check::Bad }
}

/// ECDSA P-256/P-384 with SHA-256/384/512 asked of the caller of a deferred verification
/// ([`super::external`]). The signature and key are parsed here first ([`ec_sig!`], as the
/// pure-Rust check parses them; the key by [`parse_key_bits`]) and handed over re-encoded (r||s,
/// uncompressed point), so the caller is asked only about well-formed values. `None`: not
/// asked (another curve, hash or scheme, a compressed point, an unparsable signature: the last
/// is rejected by the pure-Rust check as well).
fn external_ecdsa(
    key: &Key,
    bits: &[u8],
    s: Scheme,
    h: DigestAlg,
    message: &[&[u8]],
    sig: &[u8],
) -> Option<bool> {
    use super::external::{self, Curve, HashAlg};
    let plain = match s {
        Scheme::Ecdsa(_) => false,
        Scheme::EcdsaPlain(_) => true,
        _ => return None,
    };
    let hash = HashAlg::from_digest(h)?;
    if bits.first() != Some(&0x04) {
        return None;
    }
    let (curve, rs) = match key {
        Key::P256(_) => (
            Curve::P256,
            ec_sig!(p256::NistP256, sig, plain)?.to_bytes().to_vec(),
        ),
        Key::P384(_) => (
            Curve::P384,
            ec_sig!(p384::NistP384, sig, plain)?.to_bytes().to_vec(),
        ),
        _ => return None,
    };
    external::ecdsa(curve, hash, bits, rs, message)
}

/// Verify an r||s ECDSA signature over `message` with a SEC1 point (the local answer to an
/// [`super::external::CryptoRequest::EcdsaVerify`]).
pub(crate) fn ecdsa_p1363(
    curve: super::external::Curve,
    h: DigestAlg,
    point: &[u8],
    sig: &[u8],
    message: &[u8],
) -> bool {
    use super::external::Curve;
    let digest = h.hash(&[message]);
    match curve {
        Curve::P256 => p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
            .is_ok_and(|k| ec_check!(p256::NistP256, k, sig, true, &digest)),
        Curve::P384 => p384::ecdsa::VerifyingKey::from_sec1_bytes(point)
            .is_ok_and(|k| ec_check!(p384::NistP384, k, sig, true, &digest)),
    }
}

/// ECDSA P-256/P-384 through AWS-LC. It can only confirm: the signature and key are parsed by
/// the pure-Rust code above ([`ec_sig!`], as [`verify`] parses them) and handed over re-encoded
/// (canonical DER, uncompressed point), and a refusal sends the caller on to the pure-Rust
/// check, so the set of accepted signatures is the pure-Rust one.
#[cfg(all(feature = "native-crypto", not(target_arch = "wasm32")))]
mod native {
    use super::{DigestAlg, Key, Scheme, asn1, tag};
    use aws_lc_rs::signature::{self as lc, EcdsaVerificationAlgorithm, UnparsedPublicKey};

    pub(super) fn ecdsa_confirms(
        key: &Key,
        bits: &[u8],
        s: Scheme,
        h: DigestAlg,
        message: &[&[u8]],
        sig: &[u8],
    ) -> bool {
        let plain = match s {
            Scheme::Ecdsa(_) => false,
            Scheme::EcdsaPlain(_) => true,
            _ => return false,
        };
        // Uncompressed SEC1 points only (what AWS-LC takes); others go the pure-Rust way.
        if bits.first() != Some(&0x04) {
            return false;
        }
        let (alg, der): (&'static EcdsaVerificationAlgorithm, Vec<u8>) = match (key, h) {
            (Key::P256(_), DigestAlg::Sha256 | DigestAlg::Sha384 | DigestAlg::Sha512) => {
                let Some(x) = ec_sig!(p256::NistP256, sig, plain) else {
                    return false;
                };
                let alg = match h {
                    DigestAlg::Sha256 => &lc::ECDSA_P256_SHA256_ASN1,
                    DigestAlg::Sha384 => &lc::ECDSA_P256_SHA384_ASN1,
                    _ => &lc::ECDSA_P256_SHA512_ASN1,
                };
                (alg, x.to_der().as_bytes().to_vec())
            }
            (Key::P384(_), DigestAlg::Sha256 | DigestAlg::Sha384 | DigestAlg::Sha512) => {
                let Some(x) = ec_sig!(p384::NistP384, sig, plain) else {
                    return false;
                };
                let alg = match h {
                    DigestAlg::Sha256 => &lc::ECDSA_P384_SHA256_ASN1,
                    DigestAlg::Sha384 => &lc::ECDSA_P384_SHA384_ASN1,
                    _ => &lc::ECDSA_P384_SHA512_ASN1,
                };
                (alg, x.to_der().as_bytes().to_vec())
            }
            _ => return false,
        };
        let joined;
        let msg: &[u8] = match message {
            [one] => one,
            parts => {
                joined = parts.concat();
                &joined
            }
        };
        UnparsedPublicKey::new(alg, bits).verify(msg, &der).is_ok()
    }
}

/// Read an `AlgorithmIdentifier` from a reader.
pub(crate) fn read_alg(r: &mut Reader<'_>, what: &'static str) -> asn1::Result<AlgId> {
    AlgId::parse(&r.need(what)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_known_vectors() {
        assert_eq!(
            hex::encode(DigestAlg::Sha256.hash(&[b"a", b"bc"])),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex::encode(DigestAlg::Sha1.hash(&[b"abc"])),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            DigestAlg::from_oid("2.16.840.1.101.3.4.2.2"),
            Some(DigestAlg::Sha384)
        );
    }

    #[test]
    fn ecdsa_key_oid_quirk_and_plain_ecdsa_are_schemes() {
        let quirk = AlgId {
            oid: "1.2.840.10045.2.1".into(),
            params: None,
        };
        assert_eq!(scheme(&quirk), Ok(Scheme::Ecdsa(None)));
        assert_eq!(
            scheme_hash(Scheme::Ecdsa(None), Some(DigestAlg::Sha384)),
            Some(DigestAlg::Sha384)
        );
        let plain = AlgId {
            oid: "0.4.0.127.0.7.1.1.4.1.3".into(),
            params: None,
        };
        assert_eq!(scheme(&plain), Ok(Scheme::EcdsaPlain(DigestAlg::Sha256)));
        assert!(
            scheme(&AlgId {
                oid: "1.3.101.113".into(),
                params: None
            })
            .is_err()
        );
    }

    #[test]
    fn p384_signature_verifies_in_der_and_raw_form() {
        use p384::ecdsa::{SigningKey, signature::hazmat::PrehashSigner};
        use spki::EncodePublicKey;
        let sk = SigningKey::from_slice(&[7u8; 48]).unwrap();
        let spki = sk.verifying_key().to_public_key_der().unwrap();
        let msg = b"hello";
        let digest = DigestAlg::Sha384.hash(&[msg]);
        let sig: p384::ecdsa::Signature = sk.sign_prehash(&digest).unwrap();
        let der = sig.to_der();
        let s = Scheme::Ecdsa(Some(DigestAlg::Sha384));
        assert_eq!(
            verify(spki.as_bytes(), s, None, &[msg], der.as_bytes()),
            Check::Good
        );
        assert_eq!(
            verify(
                spki.as_bytes(),
                Scheme::EcdsaPlain(DigestAlg::Sha384),
                None,
                &[msg],
                &sig.to_bytes()
            ),
            Check::Good
        );
        assert_eq!(
            verify(spki.as_bytes(), s, None, &[b"hel", b"lp"], der.as_bytes()),
            Check::Bad
        );
    }

    #[test]
    fn ed25519_verifies_over_the_whole_message() {
        use ed25519_dalek::Signer;
        let sk = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
        let mut spki = vec![
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ];
        spki.extend_from_slice(sk.verifying_key().as_bytes());
        let sig = sk.sign(b"signed attributes").to_bytes();
        let ed = scheme(&AlgId {
            oid: "1.3.101.112".into(),
            params: None,
        })
        .unwrap();
        assert_eq!(
            verify(&spki, ed, None, &[b"signed ", b"attributes"], &sig),
            Check::Good
        );
        assert_eq!(
            verify(&spki, ed, None, &[b"signed attributez"], &sig),
            Check::Bad
        );
    }

    /// AWS-LC and the pure-Rust curves agree on every kind of input: good signatures (DER and
    /// plain r||s, SHA-256/384/512 with P-256 and P-384), a flipped signature byte, a changed
    /// message, and the other key.
    #[cfg(all(feature = "native-crypto", not(target_arch = "wasm32")))]
    #[test]
    fn native_ecdsa_agrees_with_the_pure_rust_curves() {
        use sha2::Digest as _;
        use signature::hazmat::PrehashSigner;
        use spki::EncodePublicKey;

        fn seed(tag: &str) -> [u8; 32] {
            sha2::Sha256::digest(tag.as_bytes()).into()
        }
        let mut cases = 0;
        for round in 0..8 {
            let msg_a = format!("tbs bytes, round {round}").repeat(round + 1);
            let msg_b = [b"second part".as_slice(), &seed(&msg_a)].concat();
            let parts: [&[u8]; 2] = [msg_a.as_bytes(), &msg_b];
            for h in [DigestAlg::Sha256, DigestAlg::Sha384, DigestAlg::Sha512] {
                let digest = h.hash(&parts);
                // (spki, DER signature, raw signature, spki of another key)
                type Case = (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>);
                let mut keys: Vec<Case> = Vec::new();
                let k256 =
                    p256::ecdsa::SigningKey::from_slice(&seed(&format!("p256 {round}"))).unwrap();
                let o256 =
                    p256::ecdsa::SigningKey::from_slice(&seed(&format!("o256 {round}"))).unwrap();
                let s: p256::ecdsa::Signature = k256.sign_prehash(&digest).unwrap();
                keys.push((
                    k256.verifying_key()
                        .to_public_key_der()
                        .unwrap()
                        .as_bytes()
                        .to_vec(),
                    s.to_der().as_bytes().to_vec(),
                    s.to_bytes().to_vec(),
                    o256.verifying_key()
                        .to_public_key_der()
                        .unwrap()
                        .as_bytes()
                        .to_vec(),
                ));
                let mut k = seed(&format!("p384 {round}")).to_vec();
                k.extend_from_slice(&seed("tail")[..16]);
                let k384 = p384::ecdsa::SigningKey::from_slice(&k).unwrap();
                k[0] ^= 1;
                let o384 = p384::ecdsa::SigningKey::from_slice(&k).unwrap();
                let s: p384::ecdsa::Signature = k384.sign_prehash(&digest).unwrap();
                keys.push((
                    k384.verifying_key()
                        .to_public_key_der()
                        .unwrap()
                        .as_bytes()
                        .to_vec(),
                    s.to_der().as_bytes().to_vec(),
                    s.to_bytes().to_vec(),
                    o384.verifying_key()
                        .to_public_key_der()
                        .unwrap()
                        .as_bytes()
                        .to_vec(),
                ));
                for (spki, der, raw, other) in &keys {
                    let (key, bits) = parse_key_bits(spki).unwrap();
                    let (okey, obits) = parse_key_bits(other).unwrap();
                    let ecdsa = Scheme::Ecdsa(Some(h));
                    let plain = Scheme::EcdsaPlain(h);
                    let mut bad_sig = der.clone();
                    let last = bad_sig.len() - 1;
                    bad_sig[last] ^= 0x01;
                    let changed: [&[u8]; 2] = [msg_a.as_bytes(), b"another message"];
                    // (native verdict, expected verdict)
                    let checks = [
                        (
                            native::ecdsa_confirms(&key, bits, ecdsa, h, &parts, der),
                            true,
                        ),
                        (
                            native::ecdsa_confirms(&key, bits, plain, h, &parts, raw),
                            true,
                        ),
                        (
                            native::ecdsa_confirms(&key, bits, ecdsa, h, &parts, &bad_sig),
                            false,
                        ),
                        (
                            native::ecdsa_confirms(&key, bits, ecdsa, h, &changed, der),
                            false,
                        ),
                        (
                            native::ecdsa_confirms(&okey, obits, ecdsa, h, &parts, der),
                            false,
                        ),
                    ];
                    for (i, (got, want)) in checks.iter().enumerate() {
                        assert_eq!(got, want, "round {round} {h:?} check {i}");
                        cases += 1;
                    }
                    // And the whole verify() agrees with the pure-Rust verdicts.
                    assert_eq!(verify(spki, ecdsa, None, &parts, der), Check::Good);
                    assert_eq!(verify(spki, ecdsa, None, &parts, &bad_sig), Check::Bad);
                    assert_eq!(verify(other, ecdsa, None, &parts, der), Check::Bad);
                }
            }
        }
        assert_eq!(cases, 8 * 3 * 2 * 5);
    }
}
