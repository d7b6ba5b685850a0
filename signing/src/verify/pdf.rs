//! The PDF side: revisions, signature fields, /DSS certificates.

use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId};
use std::collections::HashSet;

/// Where a revision ends: right after `%%EOF` and, extended, after its end-of-line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RevisionEnd {
    pub eof_end: usize,
    pub line_end: usize,
}

impl RevisionEnd {
    /// Whether a signature whose bytes end at `end` covers exactly this revision.
    pub fn matches(&self, end: usize) -> bool {
        (self.eof_end..=self.line_end).contains(&end)
    }
}

/// Find revision boundaries: every `%%EOF` preceded (closely) by `startxref`.
pub(crate) fn revision_ends(bytes: &[u8], max: usize) -> Vec<RevisionEnd> {
    let mut out = Vec::new();
    let mut i = 0usize;
    while let Some(off) = find(&bytes[i..], b"%%EOF") {
        let at = i + off;
        if preceded_by_startxref(&bytes[..at]) {
            let eof_end = at + 5;
            let mut line_end = eof_end;
            if bytes.get(line_end) == Some(&b'\r') {
                line_end += 1;
            }
            if bytes.get(line_end) == Some(&b'\n') {
                line_end += 1;
            }
            out.push(RevisionEnd { eof_end, line_end });
            if out.len() > max {
                break;
            }
        }
        i = at + 5;
    }
    out
}

/// `startxref`, whitespace, an offset, whitespace: what must precede a revision's `%%EOF`.
fn preceded_by_startxref(before: &[u8]) -> bool {
    let trimmed = before.trim_ascii_end();
    let digits = trimmed
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        return false;
    }
    trimmed[..trimmed.len() - digits]
        .trim_ascii_end()
        .ends_with(b"startxref")
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    memchr::memmem::find(hay, needle)
}

/// Load a document (or a revision prefix) with a decompression cap.
pub(crate) fn load(bytes: &[u8], max_decompressed: usize) -> Option<Document> {
    let opts = LoadOptions::with_max_decompressed_size(max_decompressed);
    Document::load_mem_with_options(bytes, opts).ok()
}

/// Resolve one level of reference.
pub(crate) fn resolve<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    let mut cur = o;
    for _ in 0..32 {
        match cur {
            Object::Reference(id) => match doc.objects.get(id) {
                Some(next) => cur = next,
                None => return &Object::Null,
            },
            _ => return cur,
        }
    }
    &Object::Null
}

/// A dictionary entry, resolved.
pub(crate) fn get<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    d.get(key)
        .ok()
        .map(|o| resolve(doc, o))
        .filter(|o| !matches!(o, Object::Null))
}

/// A dictionary (or a stream's dictionary) entry as a dictionary.
pub(crate) fn get_dict<'a>(
    doc: &'a Document,
    d: &'a Dictionary,
    key: &[u8],
) -> Option<&'a Dictionary> {
    match get(doc, d, key)? {
        Object::Dictionary(x) => Some(x),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

/// Name value.
pub(crate) fn get_name<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> Option<&'a [u8]> {
    match get(doc, d, key)? {
        Object::Name(n) => Some(n),
        _ => None,
    }
}

/// The catalog.
pub(crate) fn catalog(doc: &Document) -> Option<&Dictionary> {
    match resolve(doc, doc.trailer.get(b"Root").ok()?) {
        Object::Dictionary(d) => Some(d),
        _ => None,
    }
}

/// Decode a PDF text string (UTF-16BE with BOM, UTF-8 with BOM, or PDFDocEncoding as Latin-1).
pub(crate) fn text(raw: &[u8]) -> String {
    if raw.len() >= 2 && raw[0] == 0xfe && raw[1] == 0xff {
        let units: Vec<u16> = raw[2..]
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if raw.len() >= 3 && raw[..3] == [0xef, 0xbb, 0xbf] {
        return String::from_utf8_lossy(&raw[3..]).into_owned();
    }
    raw.iter().map(|b| char::from(*b)).collect()
}

fn get_text(doc: &Document, d: &Dictionary, key: &[u8]) -> Option<String> {
    match get(doc, d, key)? {
        Object::String(s, _) => Some(text(s)),
        Object::Name(n) => Some(String::from_utf8_lossy(n).into_owned()),
        _ => None,
    }
}

/// What the verifier needs of one signature dictionary.
#[derive(Debug, Clone)]
pub(crate) struct SigDict {
    pub field: Option<String>,
    pub byte_range: Option<Vec<i64>>,
    pub contents: Option<Vec<u8>>,
    pub sub_filter: Option<String>,
    pub is_doc_timestamp: bool,
    pub m: Option<Vec<u8>>,
    pub reason: Option<String>,
    pub location: Option<String>,
    pub docmdp_p: Option<u8>,
}

/// Every signature field with a value, in field order.
pub(crate) fn signatures(doc: &Document, max: usize) -> Vec<SigDict> {
    let mut out = Vec::new();
    let Some(cat) = catalog(doc) else { return out };
    let Some(acro) = get_dict(doc, cat, b"AcroForm") else {
        return out;
    };
    let Some(Object::Array(fields)) = get(doc, acro, b"Fields") else {
        return out;
    };
    let mut seen = HashSet::new();
    for f in fields {
        walk_field(doc, f, None, None, 0, &mut seen, &mut out, max);
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn walk_field(
    doc: &Document,
    f: &Object,
    parent_name: Option<&str>,
    inherited_ft: Option<&[u8]>,
    depth: usize,
    seen: &mut HashSet<ObjectId>,
    out: &mut Vec<SigDict>,
    max: usize,
) {
    if depth > 32 || out.len() >= max {
        return;
    }
    if let Object::Reference(id) = f
        && !seen.insert(*id)
    {
        return;
    }
    let Object::Dictionary(d) = resolve(doc, f) else {
        return;
    };
    let partial = get_text(doc, d, b"T");
    let name = match (parent_name, partial) {
        (Some(p), Some(t)) => Some(format!("{p}.{t}")),
        (None, Some(t)) => Some(t),
        (Some(p), None) => Some(p.to_owned()),
        (None, None) => None,
    };
    let ft = get_name(doc, d, b"FT").or(inherited_ft);
    if ft == Some(b"Sig".as_slice())
        && let Some(v) = d.get(b"V").ok()
        && let Object::Dictionary(sd) = resolve(doc, v)
    {
        out.push(read_sig_dict(doc, sd, name.clone()));
    }
    if let Some(Object::Array(kids)) = get(doc, d, b"Kids") {
        for k in kids {
            walk_field(doc, k, name.as_deref(), ft, depth + 1, seen, out, max);
        }
    }
}

fn read_sig_dict(doc: &Document, sd: &Dictionary, field: Option<String>) -> SigDict {
    let byte_range = match get(doc, sd, b"ByteRange") {
        Some(Object::Array(a)) => a
            .iter()
            .map(|x| match resolve(doc, x) {
                Object::Integer(i) => Some(*i),
                _ => None,
            })
            .collect::<Option<Vec<i64>>>(),
        _ => None,
    };
    let contents = match get(doc, sd, b"Contents") {
        Some(Object::String(s, _)) => Some(s.clone()),
        _ => None,
    };
    let sub_filter =
        get_name(doc, sd, b"SubFilter").map(|n| String::from_utf8_lossy(n).into_owned());
    let is_doc_timestamp = get_name(doc, sd, b"Type") == Some(b"DocTimeStamp".as_slice())
        || sub_filter.as_deref() == Some("ETSI.RFC3161");
    let m = match get(doc, sd, b"M") {
        Some(Object::String(s, _)) => Some(s.clone()),
        _ => None,
    };
    let mut docmdp_p = None;
    if let Some(Object::Array(refs)) = get(doc, sd, b"Reference") {
        for r in refs.iter().take(16) {
            if let Object::Dictionary(rd) = resolve(doc, r)
                && get_name(doc, rd, b"TransformMethod") == Some(b"DocMDP".as_slice())
            {
                let p = get_dict(doc, rd, b"TransformParams")
                    .and_then(|tp| match get(doc, tp, b"P") {
                        Some(Object::Integer(p)) => Some(*p),
                        _ => None,
                    })
                    .unwrap_or(2);
                docmdp_p = Some(u8::try_from(p.clamp(1, 3)).unwrap_or(2));
            }
        }
    }
    SigDict {
        field,
        byte_range,
        contents,
        sub_filter,
        is_doc_timestamp,
        m,
        reason: get_text(doc, sd, b"Reason"),
        location: get_text(doc, sd, b"Location"),
        docmdp_p,
    }
}

/// Certificates stored in the catalog's /DSS /Certs.
pub(crate) fn dss_certs(doc: &Document, max: usize, max_bytes: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let Some(cat) = catalog(doc) else { return out };
    let Some(dss) = get_dict(doc, cat, b"DSS") else {
        return out;
    };
    let Some(Object::Array(certs)) = get(doc, dss, b"Certs") else {
        return out;
    };
    for c in certs.iter().take(max) {
        if let Object::Stream(s) = resolve(doc, c)
            && let Ok(bytes) = s.get_plain_content_with_limit(max_bytes)
        {
            out.push(bytes);
        }
    }
    out
}

/// Whether the catalog has a /DSS.
pub(crate) fn has_dss(doc: &Document) -> bool {
    catalog(doc).is_some_and(|c| c.has(b"DSS"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_revision_ends() {
        let f = b"%PDF-1.7\n...\nstartxref\n9\n%%EOF\nupdate\nstartxref\n20\n%%EOF\r\n(%%EOF in a string)";
        let ends = revision_ends(f, 10);
        assert_eq!(ends.len(), 2);
        assert_eq!(&f[ends[0].eof_end - 5..ends[0].eof_end], b"%%EOF");
        assert_eq!(ends[0].line_end, ends[0].eof_end + 1);
        assert_eq!(ends[1].line_end, ends[1].eof_end + 2);
        assert!(ends[1].matches(ends[1].eof_end + 1));
        assert!(!ends[1].matches(ends[1].eof_end + 3));
    }

    #[test]
    fn text_strings() {
        assert_eq!(text(b"\xfe\xff\x00V\x1e\xc7"), "Vệ");
        assert_eq!(text(b"abc"), "abc");
    }
}
