//! The incremental update that carries a signature: signature dictionary with
//! `/ByteRange` and a zero-filled hex `/Contents` placeholder, signature field
//! and widget on page 1, AcroForm `/SigFlags 3`, optional DocMDP, and an xref
//! section (table or stream, matching the file) with `/Prev`.

use std::collections::{BTreeMap, HashSet};
use std::io::Write as _;

use lopdf::{Dictionary, Document, Object, ObjectId, StringFormat};

use super::{DocMdpPermissions, SignError, SignOptions};
use crate::digest::DigestAlgorithm;

/// Largest input PDF accepted (bytes).
pub const MAX_PDF_BYTES: usize = 256 * 1024 * 1024;
/// Largest number of objects in an input PDF.
pub const MAX_OBJECTS: usize = 1_000_000;
/// Largest decompressed size of one object or xref stream while loading.
pub const MAX_DECOMPRESSED_STREAM: usize = 64 * 1024 * 1024;
/// Deepest form-field tree walked.
const MAX_FIELD_DEPTH: usize = 32;
/// Most form fields walked.
const MAX_FIELDS: usize = 100_000;

/// Fixed-width placeholder for `/ByteRange`, patched in place.
const BYTE_RANGE_PLACEHOLDER: &str = "[0 0000000000 0000000000 0000000000]";

/// A file with a placeholder signature, ready for its CMS.
pub(crate) struct Placeholder {
    /// The whole output file.
    pub bytes: Vec<u8>,
    /// Offset of the `<` opening `/Contents`.
    pub contents_start: usize,
    /// Offset just past the `>` closing `/Contents`.
    pub contents_end: usize,
    /// Offset of the `/ByteRange` array placeholder.
    pub byte_range_at: usize,
}

impl Placeholder {
    /// The four `/ByteRange` numbers.
    pub fn byte_range(&self) -> [usize; 4] {
        [
            0,
            self.contents_start,
            self.contents_end,
            self.bytes.len() - self.contents_end,
        ]
    }

    /// Write the real `/ByteRange` over the placeholder.
    pub fn patch_byte_range(&mut self) -> Result<(), SignError> {
        let br = self.byte_range();
        let mut text = format!("[{} {} {} {}", br[0], br[1], br[2], br[3]);
        let width = BYTE_RANGE_PLACEHOLDER.len();
        if text.len() + 1 > width {
            return Err(SignError::TooLarge {
                what: "byte range",
                limit: width,
            });
        }
        while text.len() < width - 1 {
            text.push(' ');
        }
        text.push(']');
        self.bytes[self.byte_range_at..self.byte_range_at + width].copy_from_slice(text.as_bytes());
        Ok(())
    }

    /// The signed bytes: everything but `/Contents`.
    pub fn signed_parts(&self) -> [&[u8]; 2] {
        [
            &self.bytes[..self.contents_start],
            &self.bytes[self.contents_end..],
        ]
    }

    /// Write the hex CMS into the placeholder (zero-padded).
    pub fn patch_contents(&mut self, cms: &[u8]) -> Result<(), SignError> {
        let room = (self.contents_end - self.contents_start - 2) / 2;
        if cms.len() > room {
            return Err(SignError::SignatureTooLarge {
                size: cms.len(),
                reserved: room,
            });
        }
        let hex = hex::encode_upper(cms);
        let at = self.contents_start + 1;
        self.bytes[at..at + hex.len()].copy_from_slice(hex.as_bytes());
        Ok(())
    }
}

fn malformed(detail: impl Into<String>) -> SignError {
    SignError::MalformedPdf {
        detail: detail.into(),
    }
}

/// Load `pdf` with lopdf under our caps, mapping every failure to a typed error.
pub(crate) fn load(pdf: &[u8]) -> Result<Document, SignError> {
    if pdf.len() > MAX_PDF_BYTES {
        return Err(SignError::TooLarge {
            what: "input PDF",
            limit: MAX_PDF_BYTES,
        });
    }
    let head = &pdf[..pdf.len().min(1024)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(SignError::NotPdf);
    }
    let options = lopdf::LoadOptions {
        max_decompressed_size: Some(MAX_DECOMPRESSED_STREAM),
        ..Default::default()
    };
    let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Document::load_mem_with_options(pdf, options)
    }));
    let doc = match loaded {
        Ok(Ok(doc)) => doc,
        Ok(Err(e)) => {
            if tail_mentions_encrypt(pdf) {
                return Err(SignError::Encrypted);
            }
            return Err(malformed(e.to_string()));
        }
        Err(_) => return Err(malformed("the PDF parser gave up on this file")),
    };
    if doc.is_encrypted() || doc.trailer.has(b"Encrypt") {
        return Err(SignError::Encrypted);
    }
    if doc.objects.len() > MAX_OBJECTS {
        return Err(SignError::TooLarge {
            what: "object count",
            limit: MAX_OBJECTS,
        });
    }
    Ok(doc)
}

fn tail_mentions_encrypt(pdf: &[u8]) -> bool {
    let tail = &pdf[pdf.len().saturating_sub(64 * 1024)..];
    tail.windows(8).any(|w| w == b"/Encrypt")
}

/// Offset after the last `startxref` keyword, and whether that section is a table.
fn last_xref(pdf: &[u8]) -> Result<(usize, bool), SignError> {
    let from = pdf.len().saturating_sub(4096);
    let tail = &pdf[from..];
    let last_kb = &pdf[pdf.len().saturating_sub(1024)..];
    if !last_kb.windows(5).any(|w| w == b"%%EOF") {
        return Err(malformed("no %%EOF marker at the end: truncated file?"));
    }
    let pos = tail
        .windows(9)
        .rposition(|w| w == b"startxref")
        .ok_or_else(|| malformed("no startxref"))?;
    let rest = &tail[pos + 9..];
    let digits: Vec<u8> = rest
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .copied()
        .collect();
    let offset: usize = std::str::from_utf8(&digits)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| malformed("startxref is not a number"))?;
    if offset >= pdf.len() {
        return Err(malformed(format!(
            "startxref {offset} lies beyond the file"
        )));
    }
    let at = &pdf[offset..];
    let skip = at.iter().take_while(|b| b.is_ascii_whitespace()).count();
    Ok((offset, at[skip..].starts_with(b"xref")))
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Object> {
    doc.dereference(o).ok().map(|(_, o)| o)
}

fn dict_of<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Dictionary> {
    deref(doc, o).and_then(|o| o.as_dict().ok())
}

/// A signature field found in the AcroForm tree.
struct FieldInfo {
    id: Option<ObjectId>,
    name: Vec<u8>,
    is_sig: bool,
    signed: bool,
}

fn walk_fields(
    doc: &Document,
    arr: &Object,
    depth: usize,
    out: &mut Vec<FieldInfo>,
    seen: &mut HashSet<ObjectId>,
) {
    if depth > MAX_FIELD_DEPTH || out.len() > MAX_FIELDS {
        return;
    }
    let Some(Object::Array(items)) = deref(doc, arr) else {
        return;
    };
    for item in items {
        let id = item.as_reference().ok();
        if let Some(id) = id
            && !seen.insert(id)
        {
            continue;
        }
        let Some(d) = dict_of(doc, item) else {
            continue;
        };
        let name = d
            .get(b"T")
            .ok()
            .and_then(|t| deref(doc, t))
            .and_then(|t| t.as_str().ok())
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        let is_sig = matches!(d.get(b"FT").ok().and_then(|o| deref(doc, o)), Some(Object::Name(n)) if n == b"Sig");
        // Signed = /V is a signature dictionary with a non-zero /Contents. A /V
        // with an all-zero placeholder (an unfinished signature) counts as empty.
        let signed = d
            .get(b"V")
            .ok()
            .and_then(|v| dict_of(doc, v))
            .and_then(|v| v.get(b"Contents").ok())
            .and_then(|c| deref(doc, c))
            .and_then(|c| c.as_str().ok())
            .is_some_and(|c| c.iter().any(|b| *b != 0));
        out.push(FieldInfo {
            id,
            name,
            is_sig,
            signed,
        });
        if let Ok(kids) = d.get(b"Kids") {
            walk_fields(doc, kids, depth + 1, out, seen);
        }
    }
}

/// The DocMDP permission level of an existing certification signature, if any.
fn existing_docmdp(doc: &Document, catalog: &Dictionary) -> Option<i64> {
    let perms = dict_of(doc, catalog.get(b"Perms").ok()?)?;
    let sig = dict_of(doc, perms.get(b"DocMDP").ok()?)?;
    let refs = deref(doc, sig.get(b"Reference").ok()?)?.as_array().ok()?;
    for r in refs {
        let r = dict_of(doc, r)?;
        let is_docmdp = matches!(r.get(b"TransformMethod").ok().and_then(|o| deref(doc, o)), Some(Object::Name(n)) if n == b"DocMDP");
        if is_docmdp {
            let p = r
                .get(b"TransformParams")
                .ok()
                .and_then(|o| dict_of(doc, o))
                .and_then(|tp| tp.get(b"P").ok())
                .and_then(|p| deref(doc, p))
                .and_then(|p| p.as_i64().ok())
                .unwrap_or(2);
            return Some(p);
        }
    }
    None
}

/// PDF text string: literal for printable ASCII, UTF-16BE with BOM otherwise.
pub(crate) fn text_string(s: &str) -> Object {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut v = vec![0xfe, 0xff];
        for u in s.encode_utf16() {
            v.extend_from_slice(&u.to_be_bytes());
        }
        Object::String(v, StringFormat::Hexadecimal)
    }
}

/// `D:YYYYMMDDHHmmSSZ` for a time.
pub(crate) fn pdf_date(t: std::time::SystemTime) -> Result<String, SignError> {
    let dt = der::DateTime::from_system_time(t).map_err(|_| SignError::InvalidOption {
        option: "signing_time",
        detail: "outside 1970-9999".into(),
    })?;
    Ok(format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}+00'00'",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minutes(),
        dt.seconds()
    ))
}

fn serialize(o: &Object) -> Result<Vec<u8>, SignError> {
    let mut v = Vec::new();
    lopdf::Writer::write_object(&mut v, o).map_err(|e| malformed(e.to_string()))?;
    Ok(v)
}

fn name(n: &str) -> Object {
    Object::Name(n.as_bytes().to_vec())
}

/// Build the update. `reserve` is the number of CMS bytes `/Contents` can hold.
pub(crate) fn prepare(
    pdf: &[u8],
    doc: &Document,
    options: &SignOptions,
    reserve: usize,
) -> Result<Placeholder, SignError> {
    let (prev_xref, prev_is_table) = last_xref(pdf)?;
    let trailer = &doc.trailer;
    let root_id = trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|_| malformed("trailer has no /Root reference"))?;
    let catalog = doc
        .get_dictionary(root_id)
        .map_err(|_| malformed("the /Root catalog is missing"))?
        .clone();
    let pages = doc.get_pages();
    let page_id = *pages.values().next().ok_or(SignError::NoPages)?;
    let page = doc
        .get_dictionary(page_id)
        .map_err(|_| malformed("page 1 is not a dictionary"))?
        .clone();

    if let Some(p) = existing_docmdp(doc, &catalog)
        && p == 1
    {
        return Err(SignError::ChangesNotPermitted { docmdp: 1 });
    }

    // Existing fields.
    let acroform_obj = catalog.get(b"AcroForm").ok();
    let acroform_ref = acroform_obj.and_then(|o| o.as_reference().ok());
    let acroform = acroform_obj.and_then(|o| dict_of(doc, o)).cloned();
    let mut fields = Vec::new();
    if let Some(f) = acroform.as_ref().and_then(|a| a.get(b"Fields").ok()) {
        walk_fields(doc, f, 0, &mut fields, &mut HashSet::new());
    }
    let signed_count = fields.iter().filter(|f| f.is_sig && f.signed).count();
    if options.certify.is_some() && signed_count > 0 {
        return Err(SignError::CertifyNotFirst {
            existing: signed_count,
        });
    }

    // Which field: an existing empty signature field named by the caller, or a new one.
    let mut fill: Option<ObjectId> = None;
    let field_name = match &options.field_name {
        Some(n) => {
            if let Some(f) = fields.iter().find(|f| f.name == n.as_bytes()) {
                if !f.is_sig {
                    return Err(SignError::InvalidOption {
                        option: "field_name",
                        detail: format!("field {n:?} exists and is not a signature field"),
                    });
                }
                if f.signed {
                    return Err(SignError::FieldAlreadySigned { field: n.clone() });
                }
                fill = Some(
                    f.id.ok_or_else(|| malformed("signature field is not an indirect object"))?,
                );
            }
            n.clone()
        }
        None => match fields
            .iter()
            .find(|f| f.is_sig && !f.signed && f.id.is_some())
        {
            Some(f) => {
                fill = f.id;
                String::from_utf8_lossy(&f.name).into_owned()
            }
            None => {
                let names: HashSet<&[u8]> = fields.iter().map(|f| f.name.as_slice()).collect();
                (1..)
                    .map(|i| format!("Signature{i}"))
                    .find(|n| !names.contains(n.as_bytes()))
                    .unwrap_or_else(|| "Signature".into())
            }
        },
    };

    // Object numbers.
    let size = trailer
        .get(b"Size")
        .and_then(Object::as_i64)
        .ok()
        .and_then(|s| u32::try_from(s).ok())
        .unwrap_or(0);
    let mut next = size.max(doc.max_id.saturating_add(1));
    let mut alloc = || {
        let id = (next, 0u16);
        next += 1;
        id
    };
    let sig_id = alloc();
    let mut objects: BTreeMap<ObjectId, Vec<u8>> = BTreeMap::new();

    // Field + widget.
    let field_id = match fill {
        Some(id) => {
            let mut f = doc
                .get_dictionary(id)
                .map_err(|_| malformed("signature field vanished"))?
                .clone();
            f.set("V", Object::Reference(sig_id));
            objects.insert(id, serialize(&Object::Dictionary(f))?);
            id
        }
        None => {
            let id = alloc();
            let mut f = Dictionary::new();
            f.set("FT", name("Sig"));
            f.set("Type", name("Annot"));
            f.set("Subtype", name("Widget"));
            f.set("T", text_string(&field_name));
            f.set("V", Object::Reference(sig_id));
            f.set("F", Object::Integer(132));
            f.set(
                "Rect",
                Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]),
            );
            f.set("P", Object::Reference(page_id));
            objects.insert(id, serialize(&Object::Dictionary(f))?);
            id
        }
    };

    let mut catalog_new = catalog.clone();
    let mut catalog_changed = false;

    if fill.is_none() {
        // Page /Annots.
        match page.get(b"Annots") {
            Ok(Object::Reference(aid)) => {
                let mut arr = doc
                    .get_object(*aid)
                    .and_then(Object::as_array)
                    .map_err(|_| malformed("page /Annots is not an array"))?
                    .clone();
                arr.push(Object::Reference(field_id));
                objects.insert(*aid, serialize(&Object::Array(arr))?);
            }
            Ok(Object::Array(a)) => {
                let mut p = page.clone();
                let mut a = a.clone();
                a.push(Object::Reference(field_id));
                p.set("Annots", Object::Array(a));
                objects.insert(page_id, serialize(&Object::Dictionary(p))?);
            }
            _ => {
                let mut p = page.clone();
                p.set("Annots", Object::Array(vec![Object::Reference(field_id)]));
                objects.insert(page_id, serialize(&Object::Dictionary(p))?);
            }
        }
    }

    // AcroForm: always an indirect object after we are done.
    let mut form = acroform.clone().unwrap_or_default();
    let mut form_changed = acroform_ref.is_none();
    if fill.is_none() {
        match form.get(b"Fields") {
            Ok(Object::Reference(fid)) => {
                let mut arr = doc
                    .get_object(*fid)
                    .and_then(Object::as_array)
                    .map_err(|_| malformed("/AcroForm /Fields is not an array"))?
                    .clone();
                arr.push(Object::Reference(field_id));
                objects.insert(*fid, serialize(&Object::Array(arr))?);
            }
            Ok(Object::Array(a)) => {
                let mut a = a.clone();
                a.push(Object::Reference(field_id));
                form.set("Fields", Object::Array(a));
                form_changed = true;
            }
            _ => {
                form.set("Fields", Object::Array(vec![Object::Reference(field_id)]));
                form_changed = true;
            }
        }
    }
    if form.get(b"SigFlags").and_then(Object::as_i64).ok() != Some(3) {
        form.set("SigFlags", Object::Integer(3));
        form_changed = true;
    }
    if form_changed {
        let form_id = match acroform_ref {
            Some(id) => id,
            None => {
                let id = alloc();
                catalog_new.set("AcroForm", Object::Reference(id));
                catalog_changed = true;
                id
            }
        };
        objects.insert(form_id, serialize(&Object::Dictionary(form))?);
    }

    if options.certify.is_some() {
        let mut perms = catalog
            .get(b"Perms")
            .ok()
            .and_then(|o| dict_of(doc, o))
            .cloned()
            .unwrap_or_default();
        perms.set("DocMDP", Object::Reference(sig_id));
        catalog_new.set("Perms", Object::Dictionary(perms));
        catalog_changed = true;
    }
    if catalog_changed {
        objects.insert(root_id, serialize(&Object::Dictionary(catalog_new))?);
    }

    // Signature dictionary, by hand: the placeholders must sit at known offsets.
    let mut sig = Vec::with_capacity(reserve * 2 + 1024);
    sig.extend_from_slice(
        b"<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange ",
    );
    let br_rel = sig.len();
    sig.extend_from_slice(BYTE_RANGE_PLACEHOLDER.as_bytes());
    sig.extend_from_slice(b" /Contents ");
    let contents_rel = sig.len();
    sig.push(b'<');
    sig.resize(sig.len() + reserve * 2, b'0');
    sig.push(b'>');
    let contents_rel_end = sig.len();
    let when = options
        .signing_time
        .unwrap_or_else(std::time::SystemTime::now);
    let mut extra = Dictionary::new();
    extra.set(
        "M",
        Object::String(pdf_date(when)?.into_bytes(), StringFormat::Literal),
    );
    if let Some(r) = &options.reason {
        extra.set("Reason", text_string(r));
    }
    if let Some(l) = &options.location {
        extra.set("Location", text_string(l));
    }
    if let Some(c) = &options.contact_info {
        extra.set("ContactInfo", text_string(c));
    }
    if let Some(n) = &options.signer_name {
        extra.set("Name", text_string(n));
    }
    let mut app = Dictionary::new();
    app.set("Name", name("saoy"));
    app.set(
        "REx",
        Object::String(
            env!("CARGO_PKG_VERSION").as_bytes().to_vec(),
            StringFormat::Literal,
        ),
    );
    let mut build = Dictionary::new();
    build.set("App", Object::Dictionary(app));
    extra.set("Prop_Build", Object::Dictionary(build));
    if let Some(p) = options.certify {
        let mut tp = Dictionary::new();
        tp.set("Type", name("TransformParams"));
        tp.set("P", Object::Integer(p.level()));
        tp.set("V", name("1.2"));
        let mut r = Dictionary::new();
        r.set("Type", name("SigRef"));
        r.set("TransformMethod", name("DocMDP"));
        r.set("TransformParams", Object::Dictionary(tp));
        extra.set("Reference", Object::Array(vec![Object::Dictionary(r)]));
    }
    // Serialize `extra` and splice its entries (without << >>) into ours.
    let extra = serialize(&Object::Dictionary(extra))?;
    let inner = extra
        .strip_prefix(b"<<")
        .and_then(|e| e.strip_suffix(b">>"))
        .ok_or_else(|| malformed("unexpected dictionary serialization"))?;
    sig.push(b' ');
    sig.extend_from_slice(inner);
    sig.extend_from_slice(b">>");

    // Write the update.
    let mut out = Vec::with_capacity(pdf.len() + sig.len() + 4096);
    out.extend_from_slice(pdf);
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut offsets: BTreeMap<ObjectId, usize> = BTreeMap::new();
    let mut sig_at = 0usize;
    objects.insert(sig_id, Vec::new());
    for (id, body) in &objects {
        offsets.insert(*id, out.len());
        writeln!(out, "{} {} obj", id.0, id.1).map_err(|e| malformed(e.to_string()))?;
        if *id == sig_id {
            sig_at = out.len();
            out.extend_from_slice(&sig);
        } else {
            out.extend_from_slice(body);
        }
        out.extend_from_slice(b"\nendobj\n");
    }

    // Trailer entries carried over.
    let mut tr = Dictionary::new();
    tr.set("Root", Object::Reference(root_id));
    if let Ok(info) = trailer.get(b"Info")
        && info.as_reference().is_ok()
    {
        tr.set("Info", info.clone());
    }
    let new_id = {
        use sha2::Digest as _;
        let mut h = sha2::Sha256::new();
        h.update(pdf.len().to_le_bytes());
        h.update(&out[out.len().saturating_sub(4096)..]);
        h.update(format!("{when:?}").as_bytes());
        h.finalize()[..16].to_vec()
    };
    let first_id = match trailer.get(b"ID").and_then(Object::as_array) {
        Ok(a) if !a.is_empty() => a[0].clone(),
        _ => Object::String(new_id.clone(), StringFormat::Hexadecimal),
    };
    tr.set(
        "ID",
        Object::Array(vec![
            first_id,
            Object::String(new_id, StringFormat::Hexadecimal),
        ]),
    );
    tr.set("Prev", Object::Integer(prev_xref as i64));

    let xref_at = out.len();
    if prev_is_table {
        let size = next;
        tr.set("Size", Object::Integer(i64::from(size)));
        out.extend_from_slice(b"xref\n");
        for run in runs(&offsets) {
            writeln!(out, "{} {}", run[0].0.0, run.len()).map_err(|e| malformed(e.to_string()))?;
            for (id, off) in run {
                write!(out, "{:010} {:05} n\r\n", off, id.1)
                    .map_err(|e| malformed(e.to_string()))?;
            }
        }
        out.extend_from_slice(b"trailer\n");
        out.extend_from_slice(&serialize(&Object::Dictionary(tr))?);
        out.push(b'\n');
    } else {
        let xref_id = (next, 0u16);
        let size = next + 1;
        offsets.insert(xref_id, xref_at);
        let mut data = Vec::with_capacity(offsets.len() * 7);
        let mut index = Vec::new();
        for run in runs(&offsets) {
            index.push(Object::Integer(i64::from(run[0].0.0)));
            index.push(Object::Integer(run.len() as i64));
            for (id, off) in run {
                let off = u32::try_from(off).map_err(|_| SignError::TooLarge {
                    what: "offset for a 4-byte xref stream field",
                    limit: u32::MAX as usize,
                })?;
                data.push(1u8);
                data.extend_from_slice(&off.to_be_bytes());
                data.extend_from_slice(&id.1.to_be_bytes());
            }
        }
        tr.set("Type", name("XRef"));
        tr.set("Size", Object::Integer(i64::from(size)));
        tr.set("Index", Object::Array(index));
        tr.set("W", Object::Array(vec![1.into(), 4.into(), 2.into()]));
        tr.set("Length", Object::Integer(data.len() as i64));
        writeln!(out, "{} 0 obj", xref_id.0).map_err(|e| malformed(e.to_string()))?;
        out.extend_from_slice(&serialize(&Object::Dictionary(tr))?);
        out.extend_from_slice(b"\nstream\n");
        out.extend_from_slice(&data);
        out.extend_from_slice(b"\nendstream\nendobj\n");
    }
    write!(out, "startxref\n{xref_at}\n%%EOF\n").map_err(|e| malformed(e.to_string()))?;

    Ok(Placeholder {
        bytes: out,
        contents_start: sig_at + contents_rel,
        contents_end: sig_at + contents_rel_end,
        byte_range_at: sig_at + br_rel,
    })
}

/// Load `pdf`, build the update with [`prepare`], patch its `/ByteRange`, and
/// return it with the digest of the signed bytes. The input is a prefix of the
/// output, so it is hashed on a second thread while the PDF is parsed and the
/// update built; only the few update bytes are hashed afterwards.
pub(crate) fn prepare_hashed(
    pdf: &[u8],
    options: &SignOptions,
    reserve: usize,
    digest: DigestAlgorithm,
) -> Result<(Placeholder, Vec<u8>), SignError> {
    let (prefix, placeholder) = crate::digest::join_beside(
        pdf.len() >= crate::digest::PARALLEL_MIN,
        || {
            let mut h = digest.hasher();
            h.update(pdf);
            h
        },
        || -> Result<Placeholder, SignError> {
            let doc = load(pdf)?;
            let mut p = prepare(pdf, &doc, options, reserve)?;
            drop(doc);
            p.patch_byte_range()?;
            Ok(p)
        },
    );
    let placeholder = placeholder?;
    let [head, tail] = placeholder.signed_parts();
    // `prepare` writes the input first, unchanged: `head` starts with `pdf`.
    let content_digest = match head.get(pdf.len()..) {
        Some(rest) => {
            let mut h = prefix;
            h.update(rest);
            h.update(tail);
            h.finalize()
        }
        // Not reached (the update is appended after the input), but stay correct.
        None => digest.digest_parts(&[head, tail]),
    };
    Ok((placeholder, content_digest))
}

/// Consecutive object-number runs of `(id, offset)`.
fn runs(offsets: &BTreeMap<ObjectId, usize>) -> Vec<Vec<(ObjectId, usize)>> {
    let mut out: Vec<Vec<(ObjectId, usize)>> = Vec::new();
    for (id, off) in offsets {
        match out.last_mut() {
            Some(run) if run.last().is_some_and(|(l, _)| l.0 + 1 == id.0) => run.push((*id, *off)),
            _ => out.push(vec![(*id, *off)]),
        }
    }
    out
}

impl DocMdpPermissions {
    pub(crate) fn level(self) -> i64 {
        match self {
            Self::NoChanges => 1,
            Self::FormFillingAndSigning => 2,
            Self::AnnotationsFormsAndSigning => 3,
        }
    }
}
