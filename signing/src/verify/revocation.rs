//! Revocation data: OCSP responses (RFC 6960) and CRLs (RFC 5280) as found
//! in a PDF's `/DSS`, read with the bounded reader (this runs in the browser
//! too), and the revocation check of a certificate path at a given time.

use lopdf::{Document, Object};

use super::algs::{self, AlgId, Check, DigestAlg};
use super::asn1::{self, Tlv, tag};
use super::cert::Cert;
use super::pdf;
use super::report::{Reason, ReasonCode};

/// id-pkix-ocsp-basic.
pub(crate) const OID_OCSP_BASIC: &str = "1.3.6.1.5.5.7.48.1.1";
/// id-kp-OCSPSigning.
pub(crate) const OID_KP_OCSP_SIGNING: &str = "1.3.6.1.5.5.7.3.9";
/// id-pkix-ocsp-nonce.
pub(crate) const OID_OCSP_NONCE: &str = "1.3.6.1.5.5.7.48.1.2";

/// Status of one certificate in an OCSP response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CertStatus {
    Good,
    Revoked(i64),
    Unknown,
}

/// One SingleResponse.
#[derive(Debug, Clone)]
pub(crate) struct SingleResponse {
    pub hash_alg: Option<DigestAlg>,
    pub issuer_name_hash: Vec<u8>,
    pub issuer_key_hash: Vec<u8>,
    pub serial: Vec<u8>,
    pub status: CertStatus,
    pub this_update: Option<i64>,
    pub next_update: Option<i64>,
}

/// A decoded BasicOCSPResponse.
#[derive(Debug, Clone)]
pub(crate) struct OcspResponse {
    pub tbs: Vec<u8>,
    pub responder_name: Option<Vec<u8>>,
    pub responder_key_hash: Option<Vec<u8>>,
    pub responses: Vec<SingleResponse>,
    #[cfg_attr(not(feature = "sign"), allow(dead_code))]
    pub nonce: Option<Vec<u8>>,
    pub sig_alg: AlgId,
    pub signature: Vec<u8>,
    pub certs: Vec<Cert>,
}

/// Why an OCSP response or CRL could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RevError(pub &'static str);

impl From<asn1::Asn1Error> for RevError {
    fn from(e: asn1::Asn1Error) -> Self {
        RevError(e.0)
    }
}

/// Decode an `OCSPResponse` (status must be successful, type basic).
pub(crate) fn parse_ocsp_response(der: &[u8]) -> Result<OcspResponse, RevError> {
    let outer = asn1::first(der)?.expect(tag::SEQUENCE, "OCSPResponse")?;
    let mut r = outer.children();
    let status = r.need_tag(0x0a, "responseStatus")?;
    if status.content != [0] {
        return Err(RevError("OCSP responseStatus is not successful"));
    }
    let rb = r.need_tag(0xa0, "responseBytes")?;
    let rb = asn1::first(rb.content)?.expect(tag::SEQUENCE, "ResponseBytes")?;
    let mut rr = rb.children();
    let typ = asn1::oid_string(rr.need_tag(tag::OID, "responseType")?.content);
    if typ != OID_OCSP_BASIC {
        return Err(RevError("OCSP response is not id-pkix-ocsp-basic"));
    }
    let basic = rr.need_tag(tag::OCTET_STRING, "response")?;
    parse_basic(basic.content)
}

/// Decode a `BasicOCSPResponse`.
pub(crate) fn parse_basic(der: &[u8]) -> Result<OcspResponse, RevError> {
    let b = asn1::first(der)?.expect(tag::SEQUENCE, "BasicOCSPResponse")?;
    let mut r = b.children();
    let tbs = r.need_tag(tag::SEQUENCE, "tbsResponseData")?;
    let sig_alg = algs::read_alg(&mut r, "OCSP signature algorithm")?;
    let sig = r.need_tag(tag::BIT_STRING, "OCSP signature")?;
    let mut certs = Vec::new();
    if let Some(c) = r.optional(0xa0)? {
        let seq = asn1::first(c.content)?;
        let mut cr = seq.children();
        while let Some(x) = cr.next()? {
            if let Ok(cert) = Cert::parse(x.raw) {
                certs.push(cert);
            }
        }
    }
    let mut t = tbs.children();
    t.optional(0xa0)?;
    let rid = t.need("responderID")?;
    let (responder_name, responder_key_hash) = match rid.tag {
        0xa1 => (Some(asn1::first(rid.content)?.raw.to_vec()), None),
        0xa2 => (None, Some(asn1::first(rid.content)?.content.to_vec())),
        _ => return Err(RevError("bad responderID")),
    };
    t.need_tag(tag::GENERALIZED_TIME, "producedAt")?;
    let list = t.need_tag(tag::SEQUENCE, "responses")?;
    let mut responses = Vec::new();
    let mut lr = list.children();
    while let Some(sr) = lr.next()? {
        responses.push(parse_single(&sr)?);
    }
    let mut nonce = None;
    if let Some(ext) = t.optional(0xa1)? {
        nonce = find_extension(ext.content, OID_OCSP_NONCE).map(|v| {
            // RFC 8954: the value is an OCTET STRING; some responders put the raw bytes.
            asn1::first(&v)
                .ok()
                .filter(|x| x.tag == tag::OCTET_STRING && x.raw.len() == v.len())
                .map(|x| x.content.to_vec())
                .unwrap_or(v)
        });
    }
    Ok(OcspResponse {
        tbs: tbs.raw.to_vec(),
        responder_name,
        responder_key_hash,
        responses,
        nonce,
        sig_alg,
        signature: sig.content.get(1..).unwrap_or_default().to_vec(),
        certs,
    })
}

fn parse_single(sr: &Tlv<'_>) -> Result<SingleResponse, RevError> {
    let mut r = sr.children();
    let cid = r.need_tag(tag::SEQUENCE, "certID")?;
    let mut c = cid.children();
    let alg = algs::read_alg(&mut c, "certID hash")?;
    let issuer_name_hash = c
        .need_tag(tag::OCTET_STRING, "issuerNameHash")?
        .content
        .to_vec();
    let issuer_key_hash = c
        .need_tag(tag::OCTET_STRING, "issuerKeyHash")?
        .content
        .to_vec();
    let serial = asn1::uint_bytes(c.need_tag(tag::INTEGER, "serialNumber")?.content).to_vec();
    let st = r.need("certStatus")?;
    let status = match st.tag {
        0x80 => CertStatus::Good,
        0xa1 => {
            let mut rr = st.children();
            let t = rr.need_tag(tag::GENERALIZED_TIME, "revocationTime")?;
            CertStatus::Revoked(asn1::time(&t)?)
        }
        _ => CertStatus::Unknown,
    };
    let this_update = asn1::time(&r.need_tag(tag::GENERALIZED_TIME, "thisUpdate")?).ok();
    let next_update = match r.optional(0xa0)? {
        Some(n) => asn1::first(n.content)
            .ok()
            .and_then(|t| asn1::time(&t).ok()),
        None => None,
    };
    Ok(SingleResponse {
        hash_alg: DigestAlg::from_oid(&alg.oid),
        issuer_name_hash,
        issuer_key_hash,
        serial,
        status,
        this_update,
        next_update,
    })
}

/// The extnValue octets of extension `oid` in an `Extensions` element's content.
fn find_extension(content: &[u8], oid: &str) -> Option<Vec<u8>> {
    let exts = asn1::first(content).ok()?;
    let mut r = exts.children();
    while let Ok(Some(e)) = r.next() {
        let mut er = e.children();
        let id = er.need_tag(tag::OID, "extnID").ok()?;
        if asn1::oid_string(id.content) != oid {
            continue;
        }
        er.optional(tag::BOOLEAN).ok()?;
        return Some(
            er.need_tag(tag::OCTET_STRING, "extnValue")
                .ok()?
                .content
                .to_vec(),
        );
    }
    None
}

/// The subjectPublicKey bits of a certificate (what issuerKeyHash hashes).
pub(crate) fn public_key_bits(c: &Cert) -> Option<Vec<u8>> {
    let spki = asn1::first(&c.spki).ok()?;
    let mut r = spki.children();
    r.need_tag(tag::SEQUENCE, "algorithm").ok()?;
    let bits = r.need_tag(tag::BIT_STRING, "subjectPublicKey").ok()?;
    Some(bits.content.get(1..)?.to_vec())
}

impl OcspResponse {
    /// The single response about `cert` issued by `issuer`, if any.
    pub fn find(&self, cert: &Cert, issuer: &Cert) -> Option<&SingleResponse> {
        let key = public_key_bits(issuer)?;
        let serial = asn1::uint_bytes(&cert.serial);
        self.responses.iter().find(|s| {
            s.serial == serial
                && s.hash_alg.is_some_and(|h| {
                    h.hash(&[&key]) == s.issuer_key_hash
                        && h.hash(&[&issuer.subject]) == s.issuer_name_hash
                })
        })
    }

    /// Whether the response is signed by `issuer` or by a responder that
    /// `issuer` delegated (id-kp-OCSPSigning) and that is valid at `at`.
    pub fn signed_for(&self, issuer: &Cert, pool: &[Cert], at: i64) -> bool {
        let Ok(scheme) = algs::scheme(&self.sig_alg) else {
            return false;
        };
        let verifies = |c: &Cert| {
            algs::verify(&c.spki, scheme, None, &[&self.tbs], &self.signature) == Check::Good
        };
        let names_it = |c: &Cert| {
            self.responder_name.as_deref() == Some(c.subject.as_slice())
                || match (&self.responder_key_hash, public_key_bits(c)) {
                    (Some(h), Some(k)) => DigestAlg::Sha1.hash(&[&k]) == *h,
                    _ => false,
                }
        };
        if names_it(issuer) && verifies(issuer) {
            return true;
        }
        self.certs.iter().chain(pool.iter()).any(|r| {
            names_it(r)
                && r.eku
                    .as_ref()
                    .is_some_and(|(_, p)| p.iter().any(|o| o == OID_KP_OCSP_SIGNING))
                && r.issuer == issuer.subject
                && r.signed_by(issuer)
                && r.not_before.is_none_or(|nb| nb <= at)
                && r.not_after.is_none_or(|na| at <= na)
                && verifies(r)
        })
    }
}

/// A decoded CRL.
#[derive(Debug, Clone)]
pub(crate) struct Crl {
    pub tbs: Vec<u8>,
    pub issuer: Vec<u8>,
    pub this_update: Option<i64>,
    pub next_update: Option<i64>,
    /// (serial, revocation date).
    pub revoked: Vec<(Vec<u8>, Option<i64>)>,
    pub sig_alg: AlgId,
    pub signature: Vec<u8>,
}

/// Most CRL entries read.
const MAX_CRL_ENTRIES: usize = 1_000_000;

/// Decode a DER CRL.
pub(crate) fn parse_crl(der: &[u8]) -> Result<Crl, RevError> {
    let outer = asn1::first(der)?.expect(tag::SEQUENCE, "CertificateList")?;
    let mut r = outer.children();
    let tbs = r.need_tag(tag::SEQUENCE, "tbsCertList")?;
    let sig_alg = algs::read_alg(&mut r, "CRL signature algorithm")?;
    let sig = r.need_tag(tag::BIT_STRING, "CRL signature")?;
    let mut t = tbs.children();
    t.optional(tag::INTEGER)?;
    t.need_tag(tag::SEQUENCE, "CRL signature algorithm")?;
    let issuer = t.need_tag(tag::SEQUENCE, "CRL issuer")?.raw.to_vec();
    let this_update = asn1::time(&t.need("thisUpdate")?).ok();
    let mut next_update = None;
    let mut revoked = Vec::new();
    while let Some(x) = t.next()? {
        match x.tag {
            tag::UTC_TIME | tag::GENERALIZED_TIME => next_update = asn1::time(&x).ok(),
            tag::SEQUENCE => {
                let mut er = x.children();
                while let Some(e) = er.next()? {
                    if revoked.len() >= MAX_CRL_ENTRIES {
                        return Err(RevError("too many CRL entries"));
                    }
                    let mut f = e.children();
                    let serial = asn1::uint_bytes(f.need_tag(tag::INTEGER, "CRL serial")?.content);
                    let date = f.next()?.and_then(|d| asn1::time(&d).ok());
                    revoked.push((serial.to_vec(), date));
                }
            }
            _ => {}
        }
    }
    Ok(Crl {
        tbs: tbs.raw.to_vec(),
        issuer,
        this_update,
        next_update,
        revoked,
        sig_alg,
        signature: sig.content.get(1..).unwrap_or_default().to_vec(),
    })
}

impl Crl {
    /// Whether `issuer` issued and signed this CRL.
    pub fn signed_by(&self, issuer: &Cert) -> bool {
        self.issuer == issuer.subject
            && algs::scheme(&self.sig_alg).is_ok_and(|s| {
                algs::verify(&issuer.spki, s, None, &[&self.tbs], &self.signature) == Check::Good
            })
    }
}

/// Revocation data available to the verifier.
#[derive(Debug, Clone, Default)]
pub(crate) struct RevocationData {
    pub ocsps: Vec<OcspResponse>,
    pub crls: Vec<Crl>,
}

impl RevocationData {
    /// Read `/DSS /OCSPs` and `/DSS /CRLs` (at most `max` of each, each at most `max_bytes`).
    pub fn from_dss(doc: &Document, max: usize, max_bytes: usize) -> Self {
        let mut out = RevocationData::default();
        let Some(cat) = pdf::catalog(doc) else {
            return out;
        };
        let Some(dss) = pdf::get_dict(doc, cat, b"DSS") else {
            return out;
        };
        // The document-wide arrays, then what only a /VRI entry names (writers
        // normally list every item in both; the /VRI is optional).
        let vri = pdf::get_dict(doc, dss, b"VRI");
        let streams = |key: &[u8], vri_key: &[u8]| -> Vec<Vec<u8>> {
            let mut v: Vec<Vec<u8>> = Vec::new();
            let mut add = |items: &[Object]| {
                for c in items {
                    if v.len() >= max {
                        return;
                    }
                    if let Object::Stream(s) = pdf::resolve(doc, c)
                        && let Ok(bytes) = s.get_plain_content_with_limit(max_bytes)
                        && !v.contains(&bytes)
                    {
                        v.push(bytes);
                    }
                }
            };
            if let Some(Object::Array(items)) = pdf::get(doc, dss, key) {
                add(items);
            }
            if let Some(vri) = vri {
                for (_, entry) in vri.iter().take(MAX_VRI_ENTRIES) {
                    if let Object::Dictionary(e) = pdf::resolve(doc, entry)
                        && let Some(Object::Array(items)) = pdf::get(doc, e, vri_key)
                    {
                        add(items);
                    }
                }
            }
            v
        };
        out.ocsps = streams(b"OCSPs", b"OCSP")
            .iter()
            .filter_map(|b| parse_ocsp_response(b).ok())
            .collect();
        out.crls = streams(b"CRLs", b"CRL")
            .iter()
            .filter_map(|b| parse_crl(b).ok())
            .collect();
        out
    }

    /// Whether some OCSP response or CRL here is about `cert` (issued by
    /// `issuer`): an OCSP single response with its CertID, or a CRL issued
    /// under `issuer`'s name. Presence only (what the PAdES level needs);
    /// [`status_at`] checks signatures and times.
    pub fn has_data_for(&self, cert: &Cert, issuer: &Cert) -> bool {
        self.ocsps.iter().any(|o| o.find(cert, issuer).is_some())
            || self.crls.iter().any(|c| c.issuer == issuer.subject)
    }
}

/// Most `/VRI` entries read.
const MAX_VRI_ENTRIES: usize = 4096;

/// The (certificate, issuer) pairs from `leaf` up to a trust anchor or a
/// self-signed certificate (neither of which needs revocation data), or
/// `None` when an issuer is missing from `pool` and `anchors`.
pub(crate) fn chain_pairs(
    leaf: &Cert,
    pool: &[Cert],
    anchors: &[Cert],
    max_depth: usize,
) -> Option<Vec<(Cert, Cert)>> {
    let mut out = Vec::new();
    let mut cur = leaf.clone();
    for _ in 0..max_depth {
        let is_anchor = anchors
            .iter()
            .any(|a| a.der == cur.der || (a.subject == cur.subject && a.spki == cur.spki));
        if is_anchor || (cur.subject == cur.issuer && cur.signed_by(&cur)) {
            return Some(out);
        }
        let issuer = anchors
            .iter()
            .chain(pool.iter())
            .find(|c| c.subject == cur.issuer && c.der != cur.der && cur.signed_by(c))?
            .clone();
        out.push((cur, issuer.clone()));
        cur = issuer;
    }
    None
}

/// Outcome of checking one certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Good,
    Revoked(i64),
    NoData,
}

/// Status of `cert` (issued by `issuer`) at `at` from the data: revoked if
/// revoked at or before `at`; good if some signed response or CRL covering
/// `at` (issued after it, or valid until after it) does not list it.
pub(crate) fn status_at(
    cert: &Cert,
    issuer: &Cert,
    data: &RevocationData,
    pool: &[Cert],
    at: i64,
) -> Outcome {
    let mut good = false;
    let covers = |this: Option<i64>, next: Option<i64>| {
        this.is_some_and(|t| t >= at) || next.is_some_and(|n| n >= at)
    };
    for o in &data.ocsps {
        let Some(s) = o.find(cert, issuer) else {
            continue;
        };
        if !o.signed_for(issuer, pool, s.this_update.unwrap_or(at)) {
            continue;
        }
        match s.status {
            CertStatus::Revoked(t) if t <= at => return Outcome::Revoked(t),
            CertStatus::Revoked(_) | CertStatus::Good => {
                good |= covers(s.this_update, s.next_update);
            }
            CertStatus::Unknown => {}
        }
    }
    let serial = asn1::uint_bytes(&cert.serial);
    for c in &data.crls {
        if !c.signed_by(issuer) {
            continue;
        }
        if let Some((_, d)) = c.revoked.iter().find(|(s, _)| s == serial) {
            let t = d.unwrap_or(i64::MIN);
            if t <= at {
                return Outcome::Revoked(t);
            }
        }
        good |= covers(c.this_update, c.next_update);
    }
    if good { Outcome::Good } else { Outcome::NoData }
}

/// Check every certificate from `leaf` up to a trust anchor (anchors
/// themselves excluded) at time `at`. One reason: `revocation_good`,
/// `cert_revoked` or `revocation_not_checked`.
pub(crate) fn path_reasons(
    leaf: &Cert,
    pool: &[Cert],
    anchors: &[Cert],
    data: &RevocationData,
    at: i64,
    max_depth: usize,
) -> Reason {
    let mut cur = leaf.clone();
    let mut missing: Vec<String> = Vec::new();
    for _ in 0..max_depth {
        if anchors
            .iter()
            .any(|a| a.der == cur.der || (a.subject == cur.subject && a.spki == cur.spki))
        {
            break;
        }
        let issuer = anchors
            .iter()
            .chain(pool.iter())
            .find(|c| c.subject == cur.issuer && c.der != cur.der && cur.signed_by(c))
            .cloned();
        let Some(issuer) = issuer else {
            missing.push(super::cert::name_text(&cur.subject));
            break;
        };
        match status_at(&cur, &issuer, data, pool, at) {
            Outcome::Revoked(t) => {
                return Reason::new(
                    ReasonCode::CertRevoked,
                    Some(format!(
                        "{} revoked at {}",
                        super::cert::name_text(&cur.subject),
                        super::time::format_rfc3339(t)
                    )),
                );
            }
            Outcome::NoData => missing.push(super::cert::name_text(&cur.subject)),
            Outcome::Good => {}
        }
        cur = issuer;
    }
    if missing.is_empty() {
        Reason::new(
            ReasonCode::RevocationGood,
            Some(format!("at {}", super::time::format_rfc3339(at))),
        )
    } else {
        Reason::new(
            ReasonCode::RevocationNotChecked,
            Some(format!("no revocation data for {}", missing.join("; "))),
        )
    }
}

#[cfg(feature = "sign")]
/// What the signing side learns from a fetched OCSP response or CRL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fetched {
    /// Not revoked; the data is fresh at `now`.
    Good,
    /// Revoked at this time.
    Revoked(i64),
    /// OCSP says unknown.
    Unknown,
}

#[cfg(feature = "sign")]
/// Check a fetched `OCSPResponse` about `cert_der` (issued by `issuer_der`):
/// signature by the issuer or a delegated responder, our nonce when the
/// responder echoes one (`require_nonce`: it must), freshness at `now`.
pub(crate) fn check_fetched_ocsp(
    resp_der: &[u8],
    cert_der: &[u8],
    issuer_der: &[u8],
    nonce: Option<&[u8]>,
    require_nonce: bool,
    now: i64,
    max_skew: i64,
) -> Result<Fetched, &'static str> {
    let cert = Cert::parse(cert_der).map_err(|e| e.0)?;
    let issuer = Cert::parse(issuer_der).map_err(|e| e.0)?;
    let o = parse_ocsp_response(resp_der).map_err(|e| e.0)?;
    if let Some(n) = nonce {
        match &o.nonce {
            Some(got) if got.as_slice() == n => {}
            Some(_) => return Err("nonce mismatch"),
            None if require_nonce => return Err("nonce missing"),
            None => {}
        }
    }
    let s = o
        .find(&cert, &issuer)
        .ok_or("no response for the certificate")?;
    if !o.signed_for(&issuer, &[], now) {
        return Err("OCSP response not signed by the issuer or its delegated responder");
    }
    if s.this_update.is_none_or(|t| t > now + max_skew) {
        return Err("OCSP thisUpdate is in the future");
    }
    if s.next_update.is_some_and(|n| n + max_skew < now) {
        return Err("OCSP response is stale (nextUpdate passed)");
    }
    Ok(match s.status {
        CertStatus::Good => Fetched::Good,
        CertStatus::Revoked(t) => Fetched::Revoked(t),
        CertStatus::Unknown => Fetched::Unknown,
    })
}

#[cfg(feature = "sign")]
/// Check a fetched CRL for `cert_der` issued by `issuer_der`.
pub(crate) fn check_fetched_crl(
    crl_der: &[u8],
    cert_der: &[u8],
    issuer_der: &[u8],
    now: i64,
    max_skew: i64,
) -> Result<Fetched, &'static str> {
    let cert = Cert::parse(cert_der).map_err(|e| e.0)?;
    let issuer = Cert::parse(issuer_der).map_err(|e| e.0)?;
    let c = parse_crl(crl_der).map_err(|e| e.0)?;
    if !c.signed_by(&issuer) {
        return Err("CRL not signed by the certificate's issuer");
    }
    if c.next_update.is_some_and(|n| n + max_skew < now) {
        return Err("CRL is stale (nextUpdate passed)");
    }
    let serial = asn1::uint_bytes(&cert.serial);
    Ok(match c.revoked.iter().find(|(s, _)| s == serial) {
        Some((_, d)) => Fetched::Revoked(d.unwrap_or(i64::MIN)),
        None => Fetched::Good,
    })
}

#[cfg(feature = "sign")]
/// What one signature or document time-stamp of a PDF needs validation data for.
#[derive(Debug, Clone, Default)]
pub(crate) struct SigMaterial {
    /// Its `/Contents` bytes as stored (zero padding included): the `/VRI` key hashes them.
    pub contents: Vec<u8>,
    /// The signer's (or the TSA's, for a document time-stamp) certificate
    /// and the TSA certificate of its signature time-stamp (DER).
    pub leaves: Vec<Vec<u8>>,
    /// Every certificate its CMS and its time-stamp tokens carry (DER).
    pub certs: Vec<Vec<u8>>,
}

#[cfg(feature = "sign")]
/// Certificates and signature values an LTV update must cover.
#[derive(Debug, Clone, Default)]
pub(crate) struct Material {
    /// Per signature and document time-stamp, in file order.
    pub sigs: Vec<SigMaterial>,
    /// Every certificate from the `/DSS`, the signatures' CMS and their time-stamp tokens (DER).
    pub certs: Vec<Vec<u8>>,
    /// (leaf DER) of each signer and TSA: the certificates whose chains need revocation data.
    pub leaves: Vec<Vec<u8>>,
}

#[cfg(feature = "sign")]
/// Collect [`Material`] from a PDF's signatures and document time-stamps.
pub(crate) fn material(bytes: &[u8], max_decompressed: usize) -> Option<Material> {
    let doc = pdf::load(bytes, max_decompressed)?;
    Some(material_of(&doc))
}

#[cfg(feature = "sign")]
/// [`material`] of a loaded document.
pub(crate) fn material_of(doc: &Document) -> Material {
    let mut m = Material::default();
    for c in pdf::dss_certs(doc, 1024, 1 << 20) {
        push_unique(&mut m.certs, c);
    }
    for s in signature_material(doc) {
        for c in &s.certs {
            push_unique(&mut m.certs, c.clone());
        }
        for l in &s.leaves {
            push_unique(&mut m.leaves, l.clone());
        }
        m.sigs.push(s);
    }
    m
}

#[cfg(feature = "sign")]
/// [`SigMaterial`] of each signature and document time-stamp whose CMS parses.
pub(crate) fn signature_material(doc: &Document) -> Vec<SigMaterial> {
    let mut out = Vec::new();
    for s in pdf::signatures(doc, 64) {
        let Some(contents) = s.contents else { continue };
        let Ok(sd) = super::cms::parse(&contents) else {
            continue;
        };
        let mut sm = SigMaterial::default();
        for c in &sd.certificates {
            push_unique(&mut sm.certs, c.to_vec());
        }
        if let [si] = sd.signer_infos.as_slice() {
            let pool: Vec<Cert> = sd
                .certificates
                .iter()
                .filter_map(|c| Cert::parse(c).ok())
                .collect();
            if let Some(leaf) = pool.iter().find(|c| match &si.sid {
                super::cms::SignerId::IssuerSerial { issuer, serial } => {
                    c.issuer.as_slice() == *issuer
                        && asn1::uint_bytes(&c.serial) == asn1::uint_bytes(serial)
                }
                super::cms::SignerId::KeyId(k) => c.ski.as_deref() == Some(*k),
            }) {
                push_unique(&mut sm.leaves, leaf.der.clone());
            }
            for a in si
                .unsigned_attrs
                .iter()
                .filter(|a| a.oid == super::cms::OID_SIGNATURE_TIMESTAMP)
            {
                for v in &a.values {
                    if let Ok(t) = super::ltv::parse_token(v.raw, &[]) {
                        push_unique(&mut sm.leaves, t.tsa.der.clone());
                        for c in t.pool {
                            push_unique(&mut sm.certs, c.der);
                        }
                    }
                }
            }
        }
        sm.contents = contents;
        out.push(sm);
    }
    out
}

#[cfg(feature = "sign")]
fn push_unique(v: &mut Vec<Vec<u8>>, x: Vec<u8>) {
    if !v.contains(&x) {
        v.push(x);
    }
}

#[cfg(feature = "sign")]
/// Parsed `/DSS` items, to pick the ones a signature's `/VRI` entry names.
pub(crate) struct VriIndex {
    certs: Vec<Option<Cert>>,
    ocsps: Vec<Option<OcspResponse>>,
    crls: Vec<Option<Crl>>,
}

#[cfg(feature = "sign")]
/// Indices (into the lists given to [`VriIndex::new`]) of the items that
/// validate one signature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct VriSelection {
    pub certs: Vec<usize>,
    pub ocsps: Vec<usize>,
    pub crls: Vec<usize>,
}

#[cfg(feature = "sign")]
impl VriIndex {
    /// Parse the DER of every certificate, `OCSPResponse` and CRL (unreadable ones are never selected).
    pub fn new(certs: &[Vec<u8>], ocsps: &[Vec<u8>], crls: &[Vec<u8>]) -> Self {
        VriIndex {
            certs: certs.iter().map(|d| Cert::parse(d).ok()).collect(),
            ocsps: ocsps.iter().map(|d| parse_ocsp_response(d).ok()).collect(),
            crls: crls.iter().map(|d| parse_crl(d).ok()).collect(),
        }
    }

    /// The certificates on the paths of `sig`'s signer and TSA (as far as
    /// they can be built from its own certificates and the indexed ones),
    /// the OCSP responses about any of them and the CRLs their issuers signed.
    pub fn select(&self, sig: &SigMaterial) -> VriSelection {
        let mut pool: Vec<Cert> = self.certs.iter().flatten().cloned().collect();
        pool.extend(sig.certs.iter().filter_map(|d| Cert::parse(d).ok()));
        let mut chain: Vec<Cert> = Vec::new();
        let mut pairs: Vec<(Cert, Cert)> = Vec::new();
        for leaf in sig.leaves.iter().filter_map(|d| Cert::parse(d).ok()) {
            let mut cur = leaf;
            for _ in 0..10 {
                if !chain.iter().any(|c| c.der == cur.der) {
                    chain.push(cur.clone());
                }
                if cur.subject == cur.issuer && cur.signed_by(&cur) {
                    break;
                }
                let Some(issuer) = pool
                    .iter()
                    .find(|c| c.subject == cur.issuer && c.der != cur.der && cur.signed_by(c))
                    .cloned()
                else {
                    break;
                };
                pairs.push((cur, issuer.clone()));
                cur = issuer;
            }
        }
        let certs = self
            .certs
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.as_ref()
                    .is_some_and(|c| chain.iter().any(|x| x.der == c.der))
            })
            .map(|(i, _)| i)
            .collect();
        let ocsps = self
            .ocsps
            .iter()
            .enumerate()
            .filter(|(_, o)| {
                o.as_ref()
                    .is_some_and(|o| pairs.iter().any(|(c, i)| o.find(c, i).is_some()))
            })
            .map(|(i, _)| i)
            .collect();
        let crls = self
            .crls
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                l.as_ref()
                    .is_some_and(|l| pairs.iter().any(|(_, i)| l.signed_by(i)))
            })
            .map(|(i, _)| i)
            .collect();
        VriSelection { certs, ocsps, crls }
    }
}
