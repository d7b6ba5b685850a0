//! CMS SignedData (RFC 5652) as found in PDF signatures, read with the
//! bounded reader so that the original signed-attribute bytes are kept.

use super::algs::{self, AlgId, DigestAlg};
use super::asn1::{self, Asn1Error, Tlv, tag};

pub(crate) const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
pub(crate) const OID_DATA: &str = "1.2.840.113549.1.7.1";
pub(crate) const OID_TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
pub(crate) const OID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
pub(crate) const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
pub(crate) const OID_SIGNING_TIME: &str = "1.2.840.113549.1.9.5";
pub(crate) const OID_SIGNING_CERT: &str = "1.2.840.113549.1.9.16.2.12";
pub(crate) const OID_SIGNING_CERT_V2: &str = "1.2.840.113549.1.9.16.2.47";
pub(crate) const OID_SIGNATURE_TIMESTAMP: &str = "1.2.840.113549.1.9.16.2.14";

/// One attribute: OID and its values (raw elements).
#[derive(Debug, Clone)]
pub(crate) struct Attribute<'a> {
    pub oid: String,
    pub values: Vec<Tlv<'a>>,
}

/// How the signer identifies its certificate.
#[derive(Debug, Clone)]
pub(crate) enum SignerId<'a> {
    IssuerSerial { issuer: &'a [u8], serial: &'a [u8] },
    KeyId(&'a [u8]),
}

/// One SignerInfo.
#[derive(Debug, Clone)]
pub(crate) struct SignerInfo<'a> {
    pub sid: SignerId<'a>,
    pub digest_alg: AlgId,
    /// `[0] IMPLICIT SET OF Attribute`, original bytes including the A0 header.
    pub signed_attrs_raw: Option<&'a [u8]>,
    pub signed_attrs: Vec<Attribute<'a>>,
    pub sig_alg: AlgId,
    pub signature: Vec<u8>,
    pub unsigned_attrs: Vec<Attribute<'a>>,
}

impl<'a> SignerInfo<'a> {
    /// First value of a signed attribute.
    pub fn signed(&self, oid: &str) -> Option<&Tlv<'a>> {
        self.signed_attrs
            .iter()
            .find(|a| a.oid == oid)
            .and_then(|a| a.values.first())
    }

    /// The bytes the signature value covers when signed attributes are present:
    /// the original encoding with the implicit [0] tag replaced by SET (0x31).
    pub fn signed_attrs_for_hash(&self) -> Option<Vec<u8>> {
        self.signed_attrs_raw.map(|raw| {
            let mut v = raw.to_vec();
            if let Some(first) = v.first_mut() {
                *first = tag::SET;
            }
            v
        })
    }
}

/// A decoded SignedData.
#[derive(Debug, Clone)]
pub(crate) struct SignedData<'a> {
    pub econtent_type: String,
    pub econtent: Option<Vec<u8>>,
    pub certificates: Vec<&'a [u8]>,
    pub signer_infos: Vec<SignerInfo<'a>>,
}

/// Decode a ContentInfo holding SignedData (the first DER/BER element of `blob`).
pub(crate) fn parse(blob: &[u8]) -> asn1::Result<SignedData<'_>> {
    let ci = asn1::first(blob)?.expect(tag::SEQUENCE, "ContentInfo is not a SEQUENCE")?;
    let mut r = ci.children();
    let ct = r.need_tag(tag::OID, "ContentInfo without contentType")?;
    if asn1::oid_string(ct.content) != OID_SIGNED_DATA {
        return Err(Asn1Error("content is not SignedData"));
    }
    let wrapped = r.need_tag(0xa0, "ContentInfo without content")?;
    let sd = asn1::first(wrapped.content)?.expect(tag::SEQUENCE, "SignedData is not a SEQUENCE")?;
    let mut s = sd.children();
    s.need_tag(tag::INTEGER, "SignedData version")?;
    s.need_tag(tag::SET, "digestAlgorithms")?;
    let eci = s.need_tag(tag::SEQUENCE, "encapContentInfo")?;
    let mut e = eci.children();
    let econtent_type = asn1::oid_string(e.need_tag(tag::OID, "eContentType")?.content);
    let econtent = match e.optional(0xa0)? {
        Some(w) => {
            let os = asn1::first(w.content)?;
            if os.tag & 0x1f != tag::OCTET_STRING {
                return Err(Asn1Error("eContent is not an OCTET STRING"));
            }
            Some(os.octets()?)
        }
        None => None,
    };
    let mut certificates = Vec::new();
    if let Some(certs) = s.optional(0xa0)? {
        let mut cr = certs.children();
        while let Some(c) = cr.next()? {
            if c.tag == tag::SEQUENCE {
                certificates.push(c.raw);
            }
        }
    }
    s.optional(0xa1)?;
    let sis = s.need_tag(tag::SET, "signerInfos")?;
    let mut signer_infos = Vec::new();
    let mut sr = sis.children();
    while let Some(si) = sr.next()? {
        if signer_infos.len() >= 16 {
            return Err(Asn1Error("too many SignerInfos"));
        }
        signer_infos.push(parse_signer_info(&si)?);
    }
    Ok(SignedData {
        econtent_type,
        econtent,
        certificates,
        signer_infos,
    })
}

fn parse_attrs<'a>(set: &Tlv<'a>) -> asn1::Result<Vec<Attribute<'a>>> {
    let mut out = Vec::new();
    let mut r = set.children();
    while let Some(a) = r.next()? {
        let mut ar = a
            .expect(tag::SEQUENCE, "Attribute is not a SEQUENCE")?
            .children();
        let oid = asn1::oid_string(ar.need_tag(tag::OID, "Attribute type")?.content);
        let vals = ar.need_tag(tag::SET, "Attribute values")?;
        let mut vr = vals.children();
        let mut values = Vec::new();
        while let Some(v) = vr.next()? {
            values.push(v);
        }
        out.push(Attribute { oid, values });
    }
    Ok(out)
}

fn parse_signer_info<'a>(si: &Tlv<'a>) -> asn1::Result<SignerInfo<'a>> {
    let mut r = si
        .expect(tag::SEQUENCE, "SignerInfo is not a SEQUENCE")?
        .children();
    r.need_tag(tag::INTEGER, "SignerInfo version")?;
    let sid_t = r.need("SignerInfo sid")?;
    let sid = match sid_t.tag {
        tag::SEQUENCE => {
            let mut ir = sid_t.children();
            let issuer = ir.need_tag(tag::SEQUENCE, "sid issuer")?;
            let serial = ir.need_tag(tag::INTEGER, "sid serial")?;
            SignerId::IssuerSerial {
                issuer: issuer.raw,
                serial: serial.content,
            }
        }
        0x80 => SignerId::KeyId(sid_t.content),
        _ => return Err(Asn1Error("unknown SignerIdentifier")),
    };
    let digest_alg = algs::read_alg(&mut r, "SignerInfo digestAlgorithm")?;
    let (signed_attrs_raw, signed_attrs) = match r.optional(0xa0)? {
        Some(sa) => (Some(sa.raw), parse_attrs(&sa)?),
        None => (None, Vec::new()),
    };
    let sig_alg = algs::read_alg(&mut r, "SignerInfo signatureAlgorithm")?;
    let sig = r.need("SignerInfo signature")?;
    if sig.tag & 0x1f != tag::OCTET_STRING {
        return Err(Asn1Error("signature is not an OCTET STRING"));
    }
    let signature = sig.octets()?;
    let unsigned_attrs = match r.optional(0xa1)? {
        Some(ua) => parse_attrs(&ua)?,
        None => Vec::new(),
    };
    Ok(SignerInfo {
        sid,
        digest_alg,
        signed_attrs_raw,
        signed_attrs,
        sig_alg,
        signature,
        unsigned_attrs,
    })
}

/// The certificate ID list of a signing-certificate(-v2) attribute: (hash alg, hash, issuer serial).
pub(crate) struct EssCertId {
    pub hash_alg: Option<DigestAlg>,
    pub hash: Vec<u8>,
    pub serial: Option<Vec<u8>>,
}

/// First ESSCertID(v2) of a signing-certificate attribute value.
pub(crate) fn ess_first_cert_id(value: &Tlv<'_>, v2: bool) -> asn1::Result<EssCertId> {
    let mut r = value
        .expect(tag::SEQUENCE, "SigningCertificate")?
        .children();
    let certs = r.need_tag(tag::SEQUENCE, "certs")?;
    let mut cr = certs.children();
    let id = cr.need_tag(tag::SEQUENCE, "ESSCertID")?;
    let mut ir = id.children();
    let mut hash_alg = Some(if v2 {
        DigestAlg::Sha256
    } else {
        DigestAlg::Sha1
    });
    if v2 && ir.peek_tag() == Some(tag::SEQUENCE) {
        let a = algs::read_alg(&mut ir, "ESSCertIDv2 hashAlgorithm")?;
        hash_alg = DigestAlg::from_oid(&a.oid);
    }
    let hash = ir.need_tag(tag::OCTET_STRING, "certHash")?.content.to_vec();
    let mut serial = None;
    if let Some(is) = ir.optional(tag::SEQUENCE)? {
        let mut isr = is.children();
        isr.need_tag(tag::SEQUENCE, "GeneralNames")?;
        serial = Some(
            isr.need_tag(tag::INTEGER, "issuerSerial serial")?
                .content
                .to_vec(),
        );
    }
    Ok(EssCertId {
        hash_alg,
        hash,
        serial,
    })
}

/// The fields of an RFC 3161 TSTInfo the verifier uses.
#[derive(Debug, Clone)]
pub(crate) struct TstInfo {
    pub imprint_alg: AlgId,
    pub imprint: Vec<u8>,
    pub gen_time: Option<i64>,
}

/// Decode a TSTInfo.
pub(crate) fn parse_tst_info(der: &[u8]) -> asn1::Result<TstInfo> {
    let mut r = asn1::first(der)?
        .expect(tag::SEQUENCE, "TSTInfo")?
        .children();
    r.need_tag(tag::INTEGER, "TSTInfo version")?;
    r.need_tag(tag::OID, "TSTInfo policy")?;
    let mi = r.need_tag(tag::SEQUENCE, "messageImprint")?;
    let mut mr = mi.children();
    let imprint_alg = algs::read_alg(&mut mr, "imprint algorithm")?;
    let imprint = mr
        .need_tag(tag::OCTET_STRING, "hashedMessage")?
        .content
        .to_vec();
    r.need_tag(tag::INTEGER, "TSTInfo serial")?;
    let gen_time = r
        .need_tag(tag::GENERALIZED_TIME, "genTime")
        .ok()
        .and_then(|t| asn1::time(&t).ok());
    Ok(TstInfo {
        imprint_alg,
        imprint,
        gen_time,
    })
}

/// Read the value of a signing-time attribute.
pub(crate) fn signing_time(v: &Tlv<'_>) -> Option<i64> {
    asn1::time(v).ok()
}
