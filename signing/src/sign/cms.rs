//! CMS SignedData for PAdES B-B: detached, id-data, signed attributes
//! content-type + message-digest + signing-certificate-v2, no signing-time.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedAttributes, SignedData, SignerIdentifier,
    SignerInfo, SignerInfos,
};
use const_oid::db::rfc5911::{ID_CONTENT_TYPE, ID_DATA, ID_MESSAGE_DIGEST, ID_SIGNED_DATA};
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode, Tag};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;

use super::SignError;
use crate::digest::DigestAlgorithm;
use crate::ess::{EssCertIdV2, ID_AA_SIGNING_CERTIFICATE_V2, SigningCertificateV2};

fn cms_err(e: der::Error) -> SignError {
    SignError::Cms {
        detail: e.to_string(),
    }
}

fn attribute(oid: der::oid::ObjectIdentifier, value: Any) -> Result<Attribute, SignError> {
    let mut values = SetOfVec::new();
    values.insert(value).map_err(cms_err)?;
    Ok(Attribute { oid, values })
}

/// The signed attributes for a detached signature over content whose
/// digest (with `digest`) is `content_digest`.
pub(crate) fn signed_attributes(
    content_digest: &[u8],
    signer_cert: &Certificate,
    digest: DigestAlgorithm,
) -> Result<SignedAttributes, SignError> {
    let content_type = attribute(
        ID_CONTENT_TYPE,
        Any::new(Tag::ObjectIdentifier, ID_DATA.as_bytes()).map_err(cms_err)?,
    )?;
    let md = attribute(
        ID_MESSAGE_DIGEST,
        Any::new(Tag::OctetString, content_digest).map_err(cms_err)?,
    )?;
    let cert_hash = match digest {
        DigestAlgorithm::Sha1 => DigestAlgorithm::Sha256,
        d => d,
    };
    let scv2 = SigningCertificateV2 {
        certs: vec![EssCertIdV2::for_certificate(signer_cert, cert_hash).map_err(cms_err)?],
        policies: None,
    };
    let scv2 = attribute(
        ID_AA_SIGNING_CERTIFICATE_V2,
        Any::from_der(&scv2.to_der().map_err(cms_err)?).map_err(cms_err)?,
    )?;
    SetOfVec::try_from(vec![content_type, md, scv2]).map_err(cms_err)
}

/// The bytes the signer signs: the DER of the attributes as a SET OF.
pub(crate) fn to_be_signed(attrs: &SignedAttributes) -> Result<Vec<u8>, SignError> {
    attrs.to_der().map_err(cms_err)
}

/// Assemble the DER `ContentInfo` (SignedData) around a finished signature.
pub(crate) fn assemble(
    attrs: SignedAttributes,
    signature: &[u8],
    signature_algorithm: AlgorithmIdentifierOwned,
    digest: DigestAlgorithm,
    signer_cert: &Certificate,
    chain: &[Certificate],
    unsigned_attrs: Vec<Attribute>,
) -> Result<Vec<u8>, SignError> {
    let unsigned_attrs = if unsigned_attrs.is_empty() {
        None
    } else {
        Some(SetOfVec::try_from(unsigned_attrs).map_err(cms_err)?)
    };
    let tbs = signer_cert.tbs_certificate();
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: digest.algorithm_identifier(),
        signed_attrs: Some(attrs),
        signature_algorithm,
        signature: OctetString::new(signature).map_err(cms_err)?,
        unsigned_attrs,
    };
    let mut certs: Vec<CertificateChoices> = Vec::with_capacity(chain.len() + 1);
    for c in std::iter::once(signer_cert).chain(chain.iter()) {
        let choice = CertificateChoices::Certificate(c.clone());
        if !certs.contains(&choice) {
            certs.push(choice);
        }
    }
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms
        .insert(digest.algorithm_identifier())
        .map_err(cms_err)?;
    let mut infos = SetOfVec::new();
    infos.insert(signer_info).map_err(cms_err)?;
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet(SetOfVec::try_from(certs).map_err(cms_err)?)),
        crls: None,
        signer_infos: SignerInfos(infos),
    };
    let content = Any::from_der(&signed_data.to_der().map_err(cms_err)?).map_err(cms_err)?;
    ContentInfo {
        content_type: ID_SIGNED_DATA,
        content,
    }
    .to_der()
    .map_err(cms_err)
}

/// Signed attributes kept between preparing and finishing a signature.
pub(crate) struct SignedAttributesHolder(pub SignedAttributes);
