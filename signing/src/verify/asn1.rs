//! A small, bounded DER/BER reader.
//!
//! CMS blobs inside PDFs come from many tools: some are BER (indefinite
//! lengths, chunked OCTET STRINGs) and most are followed by zero padding.
//! This reader keeps the original bytes of every element (signed
//! attributes must be hashed exactly as they were sent), never allocates
//! more than its input, and refuses nesting deeper than [`MAX_DEPTH`].

/// Deepest nesting accepted (CMS + X.509 need about 12).
pub(crate) const MAX_DEPTH: usize = 48;

/// Universal tags used by the verifier.
pub(crate) mod tag {
    pub const BOOLEAN: u8 = 0x01;
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const OCTET_STRING: u8 = 0x04;
    pub const NULL: u8 = 0x05;
    pub const OID: u8 = 0x06;
    pub const UTF8_STRING: u8 = 0x0c;
    pub const PRINTABLE_STRING: u8 = 0x13;
    pub const T61_STRING: u8 = 0x14;
    pub const IA5_STRING: u8 = 0x16;
    pub const UTC_TIME: u8 = 0x17;
    pub const GENERALIZED_TIME: u8 = 0x18;
    pub const BMP_STRING: u8 = 0x1e;
    pub const UNIVERSAL_STRING: u8 = 0x1c;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;
}

/// Why an ASN.1 structure could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Asn1Error(pub &'static str);

pub(crate) type Result<T> = core::result::Result<T, Asn1Error>;

/// One element: identifier octet, content and the whole encoding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    /// Identifier octet (class, constructed bit, low tag number).
    pub tag: u8,
    /// Content octets (for indefinite lengths: up to, not including, the end-of-contents).
    pub content: &'a [u8],
    /// The complete encoding, header included.
    pub raw: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// Whether the constructed bit is set.
    pub fn constructed(&self) -> bool {
        self.tag & 0x20 != 0
    }

    /// A reader over the children of a constructed element.
    pub fn children(&self) -> Reader<'a> {
        Reader::new(self.content)
    }

    /// The element must carry `tag`.
    pub fn expect(self, tag: u8, what: &'static str) -> Result<Self> {
        if self.tag == tag {
            Ok(self)
        } else {
            Err(Asn1Error(what))
        }
    }

    /// Octets of an OCTET STRING, joining BER chunks (constructed form).
    pub fn octets(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        collect_octets(self, &mut out, 0)?;
        Ok(out)
    }
}

fn collect_octets(t: &Tlv<'_>, out: &mut Vec<u8>, depth: usize) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(Asn1Error("octet string nested too deep"));
    }
    if !t.constructed() {
        out.extend_from_slice(t.content);
        return Ok(());
    }
    let mut r = t.children();
    while let Some(c) = r.next()? {
        if c.tag & 0x1f != tag::OCTET_STRING {
            return Err(Asn1Error(
                "chunk of constructed OCTET STRING is not an OCTET STRING",
            ));
        }
        collect_octets(&c, out, depth + 1)?;
    }
    Ok(())
}

/// Sequential reader over a run of elements.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Read elements from `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    /// Whether all input has been read.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// Identifier octet of the next element, if any.
    pub fn peek_tag(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// The next element, `None` at the end of input.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Tlv<'a>>> {
        if self.is_empty() {
            return Ok(None);
        }
        let rest = &self.data[self.pos..];
        let (tlv, used) = parse_one(rest, 0)?;
        self.pos += used;
        Ok(Some(tlv))
    }

    /// The next element, which must exist.
    pub fn need(&mut self, what: &'static str) -> Result<Tlv<'a>> {
        self.next()?.ok_or(Asn1Error(what))
    }

    /// The next element, which must exist and carry `tag`.
    pub fn need_tag(&mut self, tag: u8, what: &'static str) -> Result<Tlv<'a>> {
        self.need(what)?.expect(tag, what)
    }

    /// The next element if it carries `tag`.
    pub fn optional(&mut self, tag: u8) -> Result<Option<Tlv<'a>>> {
        if self.peek_tag() == Some(tag) {
            self.next()
        } else {
            Ok(None)
        }
    }
}

/// Parse the first element of `data` (trailing bytes, e.g. zero padding, are ignored).
pub(crate) fn first(data: &[u8]) -> Result<Tlv<'_>> {
    parse_one(data, 0).map(|(t, _)| t)
}

fn parse_one(data: &[u8], depth: usize) -> Result<(Tlv<'_>, usize)> {
    if depth > MAX_DEPTH {
        return Err(Asn1Error("nested too deep"));
    }
    let tag = *data.first().ok_or(Asn1Error("truncated tag"))?;
    if tag & 0x1f == 0x1f {
        return Err(Asn1Error("high tag numbers are not used here"));
    }
    let len0 = *data.get(1).ok_or(Asn1Error("truncated length"))?;
    let mut hdr = 2usize;
    if len0 == 0x80 {
        // Indefinite length (BER): constructed only; children until 00 00.
        if tag & 0x20 == 0 {
            return Err(Asn1Error("indefinite length on a primitive element"));
        }
        let mut pos = hdr;
        loop {
            let rest = data
                .get(pos..)
                .ok_or(Asn1Error("truncated indefinite element"))?;
            if rest.len() >= 2 && rest[0] == 0 && rest[1] == 0 {
                let content = &data[hdr..pos];
                let raw = &data[..pos + 2];
                return Ok((Tlv { tag, content, raw }, pos + 2));
            }
            if rest.is_empty() {
                return Err(Asn1Error("missing end-of-contents"));
            }
            let (_, used) = parse_one(rest, depth + 1)?;
            pos += used;
        }
    }
    let len = if len0 < 0x80 {
        usize::from(len0)
    } else {
        let n = usize::from(len0 & 0x7f);
        if n > 4 {
            return Err(Asn1Error("length too large"));
        }
        let bytes = data
            .get(2..2 + n)
            .ok_or(Asn1Error("truncated long length"))?;
        hdr += n;
        bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    let end = hdr.checked_add(len).ok_or(Asn1Error("length overflow"))?;
    let content = data
        .get(hdr..end)
        .ok_or(Asn1Error("element longer than its container"))?;
    if tag == tag::INTEGER
        && (content.is_empty()
            || (content.len() > 1
                && ((content[0] == 0 && content[1] & 0x80 == 0)
                    || (content[0] == 0xff && content[1] & 0x80 != 0))))
    {
        // X.690 8.3.2 (BER and DER alike): integers are minimal.
        return Err(Asn1Error("INTEGER is not minimally encoded"));
    }
    if tag & 0x20 != 0 {
        // Validate children eagerly so that later readers cannot fail on depth.
        let mut pos = 0usize;
        while pos < content.len() {
            let (_, used) = parse_one(&content[pos..], depth + 1)?;
            pos += used;
        }
    }
    Ok((
        Tlv {
            tag,
            content,
            raw: &data[..end],
        },
        end,
    ))
}

/// Content of an INTEGER as unsigned big-endian bytes (leading zero dropped).
pub(crate) fn uint_bytes(content: &[u8]) -> &[u8] {
    let mut c = content;
    while c.len() > 1 && c[0] == 0 {
        c = &c[1..];
    }
    c
}

/// A small non-negative INTEGER.
pub(crate) fn small_uint(t: &Tlv<'_>) -> Result<u64> {
    if t.tag != tag::INTEGER
        || t.content.is_empty()
        || t.content.len() > 8
        || t.content[0] & 0x80 != 0
    {
        return Err(Asn1Error("expected a small non-negative INTEGER"));
    }
    Ok(t.content
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

/// Dotted text of an OID's content octets.
pub(crate) fn oid_string(content: &[u8]) -> String {
    let mut parts: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    for b in content {
        acc = (acc << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if parts.is_empty() {
                let (first, second) = if acc < 40 {
                    (0, acc)
                } else if acc < 80 {
                    (1, acc - 40)
                } else {
                    (2, acc - 80)
                };
                parts.push(first);
                parts.push(second);
            } else {
                parts.push(acc);
            }
            acc = 0;
        }
        if acc > (u64::MAX >> 8) {
            return "(oversized OID)".to_owned();
        }
    }
    parts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// Seconds since the Unix epoch of a UTCTime or GeneralizedTime element.
pub(crate) fn time(t: &Tlv<'_>) -> Result<i64> {
    let s = core::str::from_utf8(t.content).map_err(|_| Asn1Error("time is not ASCII"))?;
    let (year, rest) = match t.tag {
        tag::UTC_TIME => {
            let yy: i64 = num(s.get(0..2))?;
            (
                if yy >= 50 { 1900 + yy } else { 2000 + yy },
                s.get(2..).unwrap_or(""),
            )
        }
        tag::GENERALIZED_TIME => (num(s.get(0..4))?, s.get(4..).unwrap_or("")),
        _ => return Err(Asn1Error("expected a time")),
    };
    let month = num(rest.get(0..2))?;
    let day = num(rest.get(2..4))?;
    let hour = num(rest.get(4..6))?;
    let minute = num(rest.get(6..8))?;
    let second = if rest.len() > 8 && rest.as_bytes()[8].is_ascii_digit() {
        num(rest.get(8..10))?
    } else {
        0
    };
    crate::verify::time::unix_from_civil(year, month, day, hour, minute, second)
        .ok_or(Asn1Error("time out of range"))
}

fn num(s: Option<&str>) -> Result<i64> {
    let s = s.ok_or(Asn1Error("truncated time"))?;
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Asn1Error("time has non-digits"));
    }
    s.parse().map_err(|_| Asn1Error("bad time digits"))
}

/// Text of a directory string (UTF8, Printable, IA5, T61 as Latin-1, BMP).
pub(crate) fn string(t: &Tlv<'_>) -> Option<String> {
    match t.tag {
        tag::UTF8_STRING | tag::PRINTABLE_STRING | tag::IA5_STRING => {
            Some(String::from_utf8_lossy(t.content).into_owned())
        }
        tag::T61_STRING => Some(t.content.iter().map(|b| char::from(*b)).collect()),
        tag::BMP_STRING => {
            let units: Vec<u16> = t
                .content
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        tag::UNIVERSAL_STRING => Some(
            t.content
                .chunks(4)
                .filter_map(|c| {
                    if c.len() == 4 {
                        char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                    } else {
                        None
                    }
                })
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_definite_and_indefinite_lengths() {
        // SEQUENCE (indefinite) { INTEGER 5, OCTET STRING (constructed, indefinite) { "ab", "c" } } + padding
        let ber = [
            0x30, 0x80, 0x02, 0x01, 0x05, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0,
            0, 0, 0, 0, 0, 0,
        ];
        let t = first(&ber).unwrap();
        assert_eq!(t.tag, tag::SEQUENCE);
        assert_eq!(t.raw.len(), 18);
        let mut r = t.children();
        assert_eq!(small_uint(&r.need("int").unwrap()).unwrap(), 5);
        assert_eq!(r.need("os").unwrap().octets().unwrap(), b"abc");
        assert!(r.next().unwrap().is_none());
    }

    #[test]
    fn rejects_non_minimal_integers() {
        assert!(first(&[0x02, 0x02, 0x00, 0x50]).is_err());
        assert!(first(&[0x02, 0x02, 0xff, 0x80]).is_err());
        assert!(first(&[0x02, 0x00]).is_err());
        assert!(first(&[0x02, 0x02, 0x00, 0x80]).is_ok());
    }

    #[test]
    fn rejects_truncation_and_overlong_lengths() {
        assert!(first(&[0x30, 0x05, 0x02, 0x01]).is_err());
        assert!(first(&[0x04, 0x85, 1, 1, 1, 1, 1]).is_err());
        assert!(first(&[0x30, 0x80, 0x02, 0x01, 0x05]).is_err());
        assert!(first(&[]).is_err());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut v = Vec::new();
        for _ in 0..200 {
            v.extend_from_slice(&[0x30, 0x80]);
        }
        assert_eq!(first(&v).unwrap_err(), Asn1Error("nested too deep"));
    }

    #[test]
    fn oid_and_time_text() {
        assert_eq!(
            oid_string(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]),
            "1.2.840.113549.1.7.2"
        );
        let t = Tlv {
            tag: tag::UTC_TIME,
            content: b"201101000000Z",
            raw: b"",
        };
        assert_eq!(time(&t).unwrap(), 1_604_188_800);
        let g = Tlv {
            tag: tag::GENERALIZED_TIME,
            content: b"20201101000000.5Z",
            raw: b"",
        };
        assert_eq!(time(&g).unwrap(), 1_604_188_800);
    }
}
