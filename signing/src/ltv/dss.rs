//! Incremental updates for LTV: the `/DSS` (certificates, OCSP responses,
//! CRLs) and the document time-stamp (`/DocTimeStamp`, `/ETSI.RFC3161`).

use lopdf::{Dictionary, Document, IncrementalDocument, Object, ObjectId, Stream, StringFormat};

use super::LtvError;
use super::revocation::ValidationData;
use super::tsp::TsaClient;
use crate::sign::{MAX_DECOMPRESSED_STREAM, MAX_PDF_BYTES, SignError};
use crate::verify::revocation::{VriIndex, signature_material};

fn malformed(d: impl Into<String>) -> LtvError {
    LtvError::Sign(SignError::MalformedPdf { detail: d.into() })
}

/// Load `pdf` for an incremental update (caps as for signing).
fn load(pdf: &[u8]) -> Result<IncrementalDocument, LtvError> {
    if pdf.len() > MAX_PDF_BYTES {
        return Err(LtvError::Sign(SignError::TooLarge {
            what: "input PDF",
            limit: MAX_PDF_BYTES,
        }));
    }
    if !pdf[..pdf.len().min(1024)].windows(5).any(|w| w == b"%PDF-") {
        return Err(LtvError::Sign(SignError::NotPdf));
    }
    let options = lopdf::LoadOptions {
        max_decompressed_size: Some(MAX_DECOMPRESSED_STREAM),
        ..Default::default()
    };
    let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Document::load_mem_with_options(pdf, options)
    }));
    let doc = match loaded {
        Ok(Ok(d)) => d,
        Ok(Err(e)) => return Err(malformed(e.to_string())),
        Err(_) => return Err(malformed("the PDF parser gave up on this file")),
    };
    if doc.is_encrypted() || doc.trailer.has(b"Encrypt") {
        return Err(LtvError::Sign(SignError::Encrypted));
    }
    Ok(IncrementalDocument::create_from(pdf.to_vec(), doc))
}

fn root_id(inc: &IncrementalDocument) -> Result<ObjectId, LtvError> {
    inc.get_prev_documents()
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|_| malformed("no /Root in the trailer"))
}

fn resolve<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    match o {
        Object::Reference(id) => doc.get_object(*id).unwrap_or(o),
        _ => o,
    }
}

fn save(inc: &mut IncrementalDocument) -> Result<Vec<u8>, LtvError> {
    let mut out = Vec::new();
    inc.save_to(&mut out).map_err(|e| LtvError::Internal {
        detail: format!("writing the update: {e}"),
    })?;
    Ok(out)
}

/// Append an incremental update that adds `data` to the document's `/DSS`
/// (existing entries are kept; identical items are not added twice), with a
/// `/VRI` entry per signature and document time-stamp of the document.
///
/// Each `/VRI` key is the uppercase hex SHA-1 of the signature's `/Contents`
/// bytes as stored (zero padding included, as EU DSS and pyHanko compute
/// it); its `/Cert`, `/OCSP` and `/CRL` arrays reference the same streams as
/// the `/DSS` arrays: the certificates on the paths of that signature's
/// signer and signature time-stamp TSA, the OCSP responses about them and
/// the CRLs their issuers signed. `/TU` is the time of the update.
pub fn add_dss(pdf: &[u8], data: &ValidationData) -> Result<Vec<u8>, LtvError> {
    let mut inc = load(pdf)?;
    let root = root_id(&inc)?;
    inc.opt_clone_object_to_new_document(root)
        .map_err(|e| malformed(e.to_string()))?;
    let prev = inc.get_prev_documents().clone();
    let catalog = inc
        .new_document
        .get_object(root)
        .and_then(Object::as_dict)
        .map_err(|_| malformed("/Root is not a dictionary"))?
        .clone();
    let old_dss: Dictionary = catalog
        .get(b"DSS")
        .ok()
        .map(|o| resolve(&prev, o))
        .and_then(|o| o.as_dict().ok())
        .cloned()
        .unwrap_or_default();
    let mut dss = Dictionary::new();
    dss.set("Type", Object::Name(b"DSS".to_vec()));
    // Per category: (DER, reference) of every item the new /DSS lists.
    let mut items_of: [Vec<(Vec<u8>, Object)>; 3] = Default::default();
    for ((key, items), listed) in [
        (&b"Certs"[..], &data.certs),
        (&b"OCSPs"[..], &data.ocsps),
        (&b"CRLs"[..], &data.crls),
    ]
    .into_iter()
    .zip(items_of.iter_mut())
    {
        let mut refs: Vec<Object> = Vec::new();
        if let Ok(o) = old_dss.get(key)
            && let Object::Array(a) = resolve(&prev, o)
        {
            for r in a {
                if let Object::Stream(s) = resolve(&prev, r)
                    && let Ok(b) = s.get_plain_content_with_limit(MAX_DECOMPRESSED_STREAM)
                {
                    listed.push((b, r.clone()));
                }
                refs.push(r.clone());
            }
        }
        for item in items {
            if listed.iter().any(|(b, _)| b == item) {
                continue;
            }
            let id = inc
                .new_document
                .add_object(Stream::new(Dictionary::new(), item.clone()));
            listed.push((item.clone(), Object::Reference(id)));
            refs.push(Object::Reference(id));
        }
        if !refs.is_empty() {
            dss.set(key, Object::Array(refs));
        }
    }
    let vri = vri_dictionary(&prev, &old_dss, &items_of)?;
    if !vri.is_empty() {
        dss.set("VRI", Object::Dictionary(vri));
    }
    // Keep anything else the old DSS had.
    for (k, v) in old_dss.iter() {
        if !dss.has(k) {
            dss.set(k.clone(), v.clone());
        }
    }
    let dss_id = inc.new_document.add_object(dss);
    let cat = inc
        .new_document
        .get_object_mut(root)
        .and_then(Object::as_dict_mut)
        .map_err(|_| malformed("/Root is not a dictionary"))?;
    cat.set("DSS", Object::Reference(dss_id));
    save(&mut inc)
}

/// The `/VRI` key of a signature: uppercase hex SHA-1 of its `/Contents` bytes.
pub fn vri_key(contents: &[u8]) -> String {
    use sha1::Digest as _;
    hex::encode_upper(sha1::Sha1::digest(contents))
}

/// The old `/VRI` entries, with a (merged) entry for every signature of `prev`.
fn vri_dictionary(
    prev: &Document,
    old_dss: &Dictionary,
    items_of: &[Vec<(Vec<u8>, Object)>; 3],
) -> Result<Dictionary, LtvError> {
    let mut vri: Dictionary = old_dss
        .get(b"VRI")
        .ok()
        .map(|o| resolve(prev, o))
        .and_then(|o| o.as_dict().ok())
        .cloned()
        .unwrap_or_default();
    let ders = |k: usize| -> Vec<Vec<u8>> { items_of[k].iter().map(|(b, _)| b.clone()).collect() };
    let index = VriIndex::new(&ders(0), &ders(1), &ders(2));
    let tu = crate::sign::pdf_date(std::time::SystemTime::now())?;
    for sig in signature_material(prev) {
        let sel = index.select(&sig);
        let key = vri_key(&sig.contents);
        let mut entry: Dictionary = vri
            .get(key.as_bytes())
            .ok()
            .map(|o| resolve(prev, o))
            .and_then(|o| o.as_dict().ok())
            .cloned()
            .unwrap_or_default();
        for (name, picked, k) in [
            (&b"Cert"[..], &sel.certs, 0),
            (&b"OCSP"[..], &sel.ocsps, 1),
            (&b"CRL"[..], &sel.crls, 2),
        ] {
            let mut refs: Vec<Object> = match entry.get(name).ok().map(|o| resolve(prev, o)) {
                Some(Object::Array(a)) => a.clone(),
                _ => Vec::new(),
            };
            for i in picked {
                if let Some((_, r)) = items_of[k].get(*i)
                    && !refs.contains(r)
                {
                    refs.push(r.clone());
                }
            }
            if !refs.is_empty() {
                entry.set(name, Object::Array(refs));
            }
        }
        if entry.has(b"Cert") || entry.has(b"OCSP") || entry.has(b"CRL") {
            entry.set("Type", Object::Name(b"VRI".to_vec()));
            entry.set(
                "TU",
                Object::String(tu.clone().into_bytes(), StringFormat::Literal),
            );
            vri.set(key.into_bytes(), Object::Dictionary(entry));
        }
    }
    Ok(vri)
}

/// Width-fixed `/ByteRange` placeholder numbers (patched in place).
const BR_PLACEHOLDER: i64 = 9_999_999_999;
/// Bytes reserved for a document time-stamp token.
pub const DOC_TIMESTAMP_RESERVE: usize = 16 * 1024;

/// Append an incremental update with a document time-stamp from `tsa` over
/// the whole file (a new invisible signature field `field_name`, default
/// `DocTimeStampN`).
pub fn add_document_timestamp(
    pdf: &[u8],
    tsa: &TsaClient,
    field_name: Option<&str>,
) -> Result<Vec<u8>, LtvError> {
    let mut inc = load(pdf)?;
    let root = root_id(&inc)?;
    let prev = inc.get_prev_documents().clone();
    let page = *prev
        .get_pages()
        .values()
        .next()
        .ok_or(LtvError::Sign(SignError::NoPages))?;
    inc.opt_clone_object_to_new_document(root)
        .map_err(|e| malformed(e.to_string()))?;
    inc.opt_clone_object_to_new_document(page)
        .map_err(|e| malformed(e.to_string()))?;

    let mut sig = Dictionary::new();
    sig.set("Type", Object::Name(b"DocTimeStamp".to_vec()));
    sig.set("Filter", Object::Name(b"Adobe.PPKLite".to_vec()));
    sig.set("SubFilter", Object::Name(b"ETSI.RFC3161".to_vec()));
    sig.set(
        "ByteRange",
        Object::Array(vec![
            Object::Integer(0),
            Object::Integer(BR_PLACEHOLDER),
            Object::Integer(BR_PLACEHOLDER),
            Object::Integer(BR_PLACEHOLDER),
        ]),
    );
    sig.set(
        "Contents",
        Object::String(vec![0u8; DOC_TIMESTAMP_RESERVE], StringFormat::Hexadecimal),
    );
    let sig_id = inc.new_document.add_object(sig);

    // Field names in use.
    let catalog = inc
        .new_document
        .get_object(root)
        .and_then(Object::as_dict)
        .map_err(|_| malformed("/Root is not a dictionary"))?
        .clone();
    let acro_obj = catalog.get(b"AcroForm").ok().cloned();
    let mut acro: Dictionary = acro_obj
        .as_ref()
        .map(|o| resolve(&prev, o))
        .and_then(|o| o.as_dict().ok())
        .cloned()
        .unwrap_or_default();
    let mut fields: Vec<Object> = match acro.get(b"Fields").ok().map(|o| resolve(&prev, o)) {
        Some(Object::Array(a)) => a.clone(),
        _ => Vec::new(),
    };
    let names: Vec<Vec<u8>> = fields
        .iter()
        .filter_map(|f| resolve(&prev, f).as_dict().ok())
        .filter_map(|d| {
            d.get(b"T")
                .ok()
                .and_then(|t| t.as_str().ok())
                .map(<[u8]>::to_vec)
        })
        .collect();
    let name = match field_name {
        Some(n) => n.as_bytes().to_vec(),
        None => (1..)
            .map(|i| format!("DocTimeStamp{i}").into_bytes())
            .find(|n| !names.contains(n))
            .unwrap_or_else(|| b"DocTimeStamp".to_vec()),
    };
    if names.contains(&name) {
        return Err(LtvError::InvalidOption {
            option: "field_name",
            detail: format!("field {:?} exists", String::from_utf8_lossy(&name)),
        });
    }

    let mut widget = Dictionary::new();
    widget.set("FT", Object::Name(b"Sig".to_vec()));
    widget.set("T", Object::String(name, StringFormat::Literal));
    widget.set("V", Object::Reference(sig_id));
    widget.set("Type", Object::Name(b"Annot".to_vec()));
    widget.set("Subtype", Object::Name(b"Widget".to_vec()));
    widget.set(
        "Rect",
        Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]),
    );
    widget.set("F", Object::Integer(132));
    widget.set("P", Object::Reference(page));
    let widget_id = inc.new_document.add_object(widget);

    // Page /Annots.
    let page_dict = inc
        .new_document
        .get_object(page)
        .and_then(Object::as_dict)
        .map_err(|_| malformed("page is not a dictionary"))?
        .clone();
    match page_dict.get(b"Annots").ok() {
        Some(Object::Reference(aid)) => {
            let aid = *aid;
            inc.opt_clone_object_to_new_document(aid)
                .map_err(|e| malformed(e.to_string()))?;
            match inc.new_document.get_object_mut(aid) {
                Ok(Object::Array(a)) => a.push(Object::Reference(widget_id)),
                _ => return Err(malformed("/Annots is not an array")),
            }
        }
        Some(Object::Array(a)) => {
            let mut a = a.clone();
            a.push(Object::Reference(widget_id));
            set_in(&mut inc, page, "Annots", Object::Array(a))?;
        }
        _ => set_in(
            &mut inc,
            page,
            "Annots",
            Object::Array(vec![Object::Reference(widget_id)]),
        )?,
    }

    // AcroForm /Fields and /SigFlags.
    fields.push(Object::Reference(widget_id));
    match acro.get(b"Fields").ok() {
        Some(Object::Reference(fid)) => {
            let fid = *fid;
            inc.new_document.set_object(fid, Object::Array(fields));
        }
        _ => acro.set("Fields", Object::Array(fields)),
    }
    acro.set("SigFlags", Object::Integer(3));
    match acro_obj {
        Some(Object::Reference(id)) => inc.new_document.set_object(id, acro),
        _ => {
            let id = inc.new_document.add_object(acro);
            set_in(&mut inc, root, "AcroForm", Object::Reference(id))?;
        }
    }

    let mut out = save(&mut inc)?;
    patch_and_stamp(&mut out, pdf.len(), tsa)?;
    Ok(out)
}

fn set_in(
    inc: &mut IncrementalDocument,
    id: ObjectId,
    key: &str,
    value: Object,
) -> Result<(), LtvError> {
    inc.new_document
        .get_object_mut(id)
        .and_then(Object::as_dict_mut)
        .map_err(|_| malformed("expected a dictionary"))?
        .set(key, value);
    Ok(())
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Fill in the `/ByteRange` and the time-stamp token of the update written after `prev_len`.
fn patch_and_stamp(out: &mut [u8], prev_len: usize, tsa: &TsaClient) -> Result<(), LtvError> {
    let br_text = format!("[0 {BR_PLACEHOLDER} {BR_PLACEHOLDER} {BR_PLACEHOLDER}]");
    let br_at = find(out, br_text.as_bytes(), prev_len).ok_or_else(|| LtvError::Internal {
        detail: "ByteRange placeholder not found in the update".into(),
    })?;
    let mut zeros = vec![b'<'];
    zeros.extend(std::iter::repeat_n(b'0', DOC_TIMESTAMP_RESERVE * 2));
    zeros.push(b'>');
    let c_start = find(out, &zeros, prev_len).ok_or_else(|| LtvError::Internal {
        detail: "/Contents placeholder not found in the update".into(),
    })?;
    let c_end = c_start + zeros.len();
    let len = out.len();
    let mut text = format!("[0 {c_start} {c_end} {}", len - c_end);
    if text.len() + 1 > br_text.len() {
        return Err(LtvError::Internal {
            detail: "byte range does not fit".into(),
        });
    }
    while text.len() < br_text.len() - 1 {
        text.push(' ');
    }
    text.push(']');
    out[br_at..br_at + br_text.len()].copy_from_slice(text.as_bytes());
    let mut signed = Vec::with_capacity(len - zeros.len());
    signed.extend_from_slice(&out[..c_start]);
    signed.extend_from_slice(&out[c_end..]);
    let token = tsa.timestamp(&signed)?;
    if token.der.len() > DOC_TIMESTAMP_RESERVE {
        return Err(LtvError::Sign(SignError::SignatureTooLarge {
            size: token.der.len(),
            reserved: DOC_TIMESTAMP_RESERVE,
        }));
    }
    let hex = hex::encode_upper(&token.der);
    out[c_start + 1..c_start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(())
}
