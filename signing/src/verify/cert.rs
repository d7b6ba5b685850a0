//! X.509 certificates (only what verification needs) and path building.

use super::algs::{self, AlgId, Check};
use super::asn1::{self, Tlv, tag};
use super::report::{Reason, ReasonCode};

/// A parsed certificate; fields are copies of the original DER.
#[derive(Debug, Clone)]
pub(crate) struct Cert {
    pub der: Vec<u8>,
    pub tbs: Vec<u8>,
    pub serial: Vec<u8>,
    pub sig_alg: AlgId,
    pub issuer: Vec<u8>,
    pub subject: Vec<u8>,
    pub not_before: Option<i64>,
    pub not_after: Option<i64>,
    pub spki: Vec<u8>,
    pub signature: Vec<u8>,
    pub ski: Option<Vec<u8>>,
    pub aki: Option<Vec<u8>>,
    /// KeyUsage bits (bit 0 = digitalSignature, as in the DER BIT STRING order).
    pub key_usage: Option<u16>,
    /// basicConstraints cA.
    pub is_ca: bool,
    /// extKeyUsage: (critical, purpose OIDs).
    pub eku: Option<(bool, Vec<String>)>,
}

impl Cert {
    /// Parse a DER certificate (trailing bytes ignored).
    pub fn parse(der: &[u8]) -> asn1::Result<Cert> {
        let outer = asn1::first(der)?.expect(tag::SEQUENCE, "certificate is not a SEQUENCE")?;
        let mut r = outer.children();
        let tbs = r.need_tag(tag::SEQUENCE, "tbsCertificate")?;
        let sig_alg = algs::read_alg(&mut r, "certificate signature algorithm")?;
        let sig = r.need_tag(tag::BIT_STRING, "certificate signature")?;
        let mut t = tbs.children();
        t.optional(0xa0)?;
        let serial = t.need_tag(tag::INTEGER, "serialNumber")?;
        t.need_tag(tag::SEQUENCE, "tbs signature")?;
        let issuer = t.need_tag(tag::SEQUENCE, "issuer")?;
        let validity = t.need_tag(tag::SEQUENCE, "validity")?;
        let subject = t.need_tag(tag::SEQUENCE, "subject")?;
        let spki = t.need_tag(tag::SEQUENCE, "subjectPublicKeyInfo")?;
        let mut v = validity.children();
        let not_before = v.next()?.and_then(|x| asn1::time(&x).ok());
        let not_after = v.next()?.and_then(|x| asn1::time(&x).ok());
        let mut cert = Cert {
            der: outer.raw.to_vec(),
            tbs: tbs.raw.to_vec(),
            serial: serial.content.to_vec(),
            sig_alg,
            issuer: issuer.raw.to_vec(),
            subject: subject.raw.to_vec(),
            not_before,
            not_after,
            spki: spki.raw.to_vec(),
            signature: sig.content.get(1..).unwrap_or_default().to_vec(),
            ski: None,
            aki: None,
            key_usage: None,
            is_ca: false,
            eku: None,
        };
        while let Some(f) = t.next()? {
            if f.tag == 0xa3 {
                let exts = asn1::first(f.content)?;
                let mut er = exts.children();
                while let Some(e) = er.next()? {
                    cert.read_extension(&e)?;
                }
            }
        }
        Ok(cert)
    }

    fn read_extension(&mut self, e: &Tlv<'_>) -> asn1::Result<()> {
        let mut r = e.children();
        let oid = asn1::oid_string(r.need_tag(tag::OID, "extension id")?.content);
        let critical = r
            .optional(tag::BOOLEAN)?
            .is_some_and(|b| b.content.first().is_some_and(|x| *x != 0));
        let value = r.need_tag(tag::OCTET_STRING, "extension value")?;
        let inner = asn1::first(value.content)?;
        match oid.as_str() {
            "2.5.29.14" => self.ski = Some(inner.content.to_vec()),
            "2.5.29.35" => {
                let mut ar = inner.children();
                while let Some(x) = ar.next()? {
                    if x.tag == 0x80 {
                        self.aki = Some(x.content.to_vec());
                    }
                }
            }
            "2.5.29.15" => {
                let c = inner.content;
                let b0 = u16::from(*c.get(1).unwrap_or(&0));
                let b1 = u16::from(*c.get(2).unwrap_or(&0));
                // Bit 0 (digitalSignature) is the most significant bit of the first byte.
                let mut bits = 0u16;
                for i in 0..8 {
                    if b0 & (0x80 >> i) != 0 {
                        bits |= 1 << i;
                    }
                }
                if b1 & 0x80 != 0 {
                    bits |= 1 << 8;
                }
                self.key_usage = Some(bits);
            }
            "2.5.29.37" => {
                let mut purposes = Vec::new();
                let mut pr = inner.children();
                while let Some(p) = pr.next()? {
                    if p.tag == tag::OID {
                        purposes.push(asn1::oid_string(p.content));
                    }
                }
                self.eku = Some((critical, purposes));
            }
            "2.5.29.19" => {
                let mut br = inner.children();
                if let Some(b) = br.optional(tag::BOOLEAN)? {
                    self.is_ca = b.content.first().is_some_and(|x| *x != 0);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Whether this certificate's signature verifies with `issuer`'s key.
    /// (Memoized by the running [`super::Verifier`]'s cache, if any.)
    pub fn signed_by(&self, issuer: &Cert) -> bool {
        super::cache::signature_link(&self.der, &issuer.spki, || {
            match algs::scheme(&self.sig_alg) {
                Ok(s) => {
                    algs::verify(&issuer.spki, s, None, &[&self.tbs], &self.signature)
                        == Check::Good
                }
                Err(_) => false,
            }
        })
    }

    /// Subject common name.
    pub fn common_name(&self) -> Option<String> {
        name_attrs(&self.subject)
            .into_iter()
            .find(|(k, _)| k == "CN")
            .map(|(_, v)| v)
    }

    /// Serial number as hex.
    pub fn serial_hex(&self) -> String {
        hex::encode_upper(asn1::uint_bytes(&self.serial))
    }

    fn same_key_and_name(&self, other: &Cert) -> bool {
        self.der == other.der || (self.subject == other.subject && self.spki == other.spki)
    }
}

fn attr_label(oid: &str) -> String {
    match oid {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.5" => "SERIALNUMBER",
        "2.5.4.12" => "T",
        "2.5.4.42" => "GN",
        "2.5.4.4" => "SN",
        "1.2.840.113549.1.9.1" => "E",
        "0.9.2342.19200300.100.1.1" => "UID",
        "0.9.2342.19200300.100.1.25" => "DC",
        o => return o.to_owned(),
    }
    .to_owned()
}

/// (label, value) pairs of a Name, in encoding order.
pub(crate) fn name_attrs(raw: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Ok(seq) = asn1::first(raw) else {
        return out;
    };
    let mut rdns = seq.children();
    while let Ok(Some(set)) = rdns.next() {
        let mut atvs = set.children();
        while let Ok(Some(atv)) = atvs.next() {
            let mut a = atv.children();
            let (Ok(Some(oid)), Ok(Some(val))) = (a.next(), a.next()) else {
                continue;
            };
            let text = asn1::string(&val).unwrap_or_else(|| hex::encode(val.content));
            out.push((attr_label(&asn1::oid_string(oid.content)), text));
        }
    }
    out
}

/// RFC 4514-style text of a Name (most significant last).
pub(crate) fn name_text(raw: &[u8]) -> String {
    let mut parts: Vec<String> = name_attrs(raw)
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    parts.reverse();
    parts.join(", ")
}

/// Limits for path building.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PathLimits {
    pub max_depth: usize,
}

/// Build a path from `leaf` to one of `anchors` using `pool`, then check
/// validity at `at`. `check_ku` enables the document-signing key-usage check.
pub(crate) fn validate_path(
    leaf: &Cert,
    pool: &[Cert],
    anchors: &[Cert],
    at: i64,
    limits: PathLimits,
    check_ku: bool,
) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if check_ku
        && let Some(ku) = leaf.key_usage
        && ku & 0b11 == 0
    {
        reasons.push(Reason::new(
            ReasonCode::KeyUsageInvalid,
            Some(format!("keyUsage bits {ku:#06b}")),
        ));
    }
    let mut path: Vec<&Cert> = vec![leaf];
    let mut budget = 256usize;
    let found = extend(&mut path, pool, anchors, limits.max_depth, &mut budget);
    match found {
        PathResult::Found => {}
        PathResult::TooDeep => reasons.push(Reason::new(
            ReasonCode::ChainTooDeep,
            Some(format!("more than {} certificates", limits.max_depth)),
        )),
        PathResult::NotFound => reasons.push(Reason::new(
            ReasonCode::UntrustedChain,
            Some(format!(
                "no path from \"{}\" to a trust anchor",
                name_text(&leaf.subject)
            )),
        )),
    }
    // Validity of the certificates we could place (the anchor itself excluded).
    let checked: Vec<&Cert> = if found == PathResult::Found {
        path.iter()
            .copied()
            .filter(|c| !anchors.iter().any(|a| a.same_key_and_name(c)))
            .collect()
    } else {
        vec![leaf]
    };
    for c in checked {
        let who = name_text(&c.subject);
        if let Some(nb) = c.not_before
            && at < nb
        {
            reasons.push(Reason::new(
                ReasonCode::CertNotYetValid,
                Some(format!(
                    "{who}: valid from {}",
                    super::time::format_rfc3339(nb)
                )),
            ));
        }
        if let Some(na) = c.not_after
            && at > na
        {
            reasons.push(Reason::new(
                ReasonCode::CertExpired,
                Some(format!(
                    "{who}: expired {}",
                    super::time::format_rfc3339(na)
                )),
            ));
        }
    }
    reasons
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PathResult {
    Found,
    NotFound,
    TooDeep,
}

fn extend<'a>(
    path: &mut Vec<&'a Cert>,
    pool: &'a [Cert],
    anchors: &'a [Cert],
    max: usize,
    budget: &mut usize,
) -> PathResult {
    let Some(cur) = path.last().copied() else {
        return PathResult::NotFound;
    };
    if anchors.iter().any(|a| a.same_key_and_name(cur)) {
        return PathResult::Found;
    }
    if path.len() >= max {
        return PathResult::TooDeep;
    }
    let mut worst = PathResult::NotFound;
    let candidates = anchors
        .iter()
        .map(|c| (c, true))
        .chain(pool.iter().map(|c| (c, false)));
    for (cand, is_anchor) in candidates {
        if *budget == 0 {
            return worst;
        }
        let name_ok = cand.subject == cur.issuer;
        let key_ok = matches!((&cur.aki, &cand.ski), (Some(a), Some(s)) if a == s);
        if !(name_ok || key_ok) || path.iter().any(|p| p.der == cand.der) {
            continue;
        }
        *budget -= 1;
        if !cur.signed_by(cand) {
            continue;
        }
        if is_anchor {
            path.push(cand);
            return PathResult::Found;
        }
        if !cand.is_ca {
            continue;
        }
        path.push(cand);
        match extend(path, pool, anchors, max, budget) {
            PathResult::Found => return PathResult::Found,
            PathResult::TooDeep => worst = PathResult::TooDeep,
            PathResult::NotFound => {}
        }
        path.pop();
    }
    worst
}
