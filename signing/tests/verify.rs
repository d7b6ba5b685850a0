//! Integration tests of the PDF signature verifier.
#![allow(clippy::unwrap_used)] // a test binary: unwrapping is asserting

use saoy_signing::verify::external::verify_pdf_deferred;
use saoy_signing::verify::{DocumentReport, Status, VerifyOptions, parse_rfc3339, verify_pdf};
use std::path::{Path, PathBuf};

fn shared_dir() -> Option<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
    d.join("signed-pdfs/EXPECTED.csv").is_file().then_some(d)
}

/// Split one CSV line (double-quoted fields, "" escapes).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn corpus_options(shared: &Path, verdict: &str) -> VerifyOptions {
    let date = ["validate at ", "freeze "].iter().find_map(|k| {
        let i = verdict.find(k)?;
        verdict
            .get(i + k.len()..i + k.len() + 10)
            .map(str::to_owned)
    });
    let at = date
        .and_then(|d| parse_rfc3339(&d))
        .unwrap_or(1_767_225_600);
    let mut opts = VerifyOptions::new(at);
    let pki = shared.join("pki/pyhanko");
    let mut pems = vec![pki.join("testing-ca/root/root.cert.pem")];
    if let Ok(rd) = std::fs::read_dir(pki.join("roots-embedded-in-pdfs")) {
        pems.extend(
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "pem")),
        );
    }
    for p in pems {
        if let Ok(text) = std::fs::read_to_string(&p) {
            opts = opts.with_trust_anchors_pem(&text).unwrap();
        }
    }
    opts
}

/// Runs over ../shared/data/signed-pdfs when present (not counted as coverage:
/// the evaluation script .ci/eval/verify.sh is the gate).
#[test]
fn shared_corpus_agreement_when_present() {
    let Some(shared) = shared_dir() else {
        eprintln!("skipped: ../shared absent");
        return;
    };
    let csv = std::fs::read_to_string(shared.join("signed-pdfs/EXPECTED.csv")).unwrap();
    let mut disagreements = Vec::new();
    for line in csv.lines().skip(1) {
        let f = csv_fields(line);
        let (file, verdict, category) = (&f[0], &f[1], &f[2]);
        let bytes = std::fs::read(shared.join("signed-pdfs").join(file)).unwrap();
        let opts = corpus_options(
            &shared,
            &format!("{verdict} {}", f.get(3).cloned().unwrap_or_default()),
        );
        let res: Result<DocumentReport, _> = verify_pdf(&bytes, &opts);
        // The crypto seam (verify::external) answered locally: the very same report or error.
        let deferred = verify_pdf_deferred(&bytes, &opts).and_then(|d| {
            let answers = d.requests().map(|r| Some(r.answer_locally())).collect();
            d.finish(answers)
        });
        assert_eq!(deferred, res, "{file}: deferred verification differs");
        let (ours, codes) = match &res {
            Ok(r) => (r.status.as_str().to_owned(), r.reason_codes().join(" ")),
            Err(e) => (format!("error:{}", e.code()), String::new()),
        };
        let expect = if category.starts_with("valid") {
            "valid"
        } else if category.starts_with("invalid") {
            "invalid"
        } else {
            "-"
        };
        let ok = match expect {
            "valid" => res.as_ref().is_ok_and(|r| r.status != Status::Invalid),
            "invalid" => res.as_ref().is_ok_and(|r| {
                r.status == Status::Invalid
                    || (r.status == Status::Indeterminate && verdict.contains("INDETERMINATE"))
            }),
            _ => true,
        };
        println!(
            "{:<60} {:<8} {:<14} {} {}",
            file,
            expect,
            ours,
            if ok { "ok " } else { "BAD" },
            codes
        );
        if !ok {
            disagreements.push(file.clone());
        }
    }
    assert!(disagreements.is_empty(), "disagreements: {disagreements:?}");
}

/// Tamper and attack tests on PDFs signed with the crate's own signer and test PKI.
#[cfg(feature = "sign")]
mod signed {
    use saoy_signing::pki::TestPki;
    use saoy_signing::sign::{DocMdpPermissions, SignOptions, sign_pdf};
    use saoy_signing::verify::external::{
        CryptoAnswer, CryptoRequest, Curve, HashAlg, likely_requests, verify_pdf_deferred,
    };
    use saoy_signing::verify::{
        Coverage, DocumentReport, PadesLevel, ReasonCode, Severity, SignatureKind, Status,
        VerifyOptions, verify_pdf,
    };
    use std::sync::OnceLock;

    /// 2026-01-01T00:00:00Z: inside the test PKI's validity.
    fn now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    /// A one-page PDF; object 5 is an unused "shadow" content stream already
    /// present (and signed) in the original, as in hide-and-replace attacks.
    fn base_pdf() -> Vec<u8> {
        pdf_with_shadow(b"BT /F1 24 Tf 72 700 Td (Noi dung gia mao) Tj ET")
    }

    /// [`base_pdf`] with `shadow` as object 5 (large ones make a large file).
    fn pdf_with_shadow(shadow: &[u8]) -> Vec<u8> {
        let visible = b"BT /F1 24 Tf 72 700 Td (Ban sao dung voi ban chinh) Tj ET";
        let objs: Vec<Vec<u8>> = vec![
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 6 0 R >> >> /Contents 4 0 R >>"
                .to_vec(),
            stream(visible),
            stream(shadow),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
        ];
        let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
        let mut offsets = Vec::new();
        for (i, o) in objs.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(o);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes(),
        );
        for o in offsets {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                objs.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    fn stream(data: &[u8]) -> Vec<u8> {
        let mut s = format!("<< /Length {} >>\nstream\n", data.len()).into_bytes();
        s.extend_from_slice(data);
        s.extend_from_slice(b"\nendstream");
        s
    }

    /// Append an incremental update (re)defining `objects`.
    fn append_update(pdf: &[u8], objects: &[(u32, Vec<u8>)]) -> Vec<u8> {
        let doc = lopdf::Document::load_mem(pdf).unwrap();
        let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
        let size = doc.trailer.get(b"Size").unwrap().as_i64().unwrap() as u32;
        let text = String::from_utf8_lossy(pdf);
        let sx = text.rfind("startxref").unwrap();
        let prev: usize = text[sx + 9..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let mut out = pdf.to_vec();
        if !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        let mut entries = Vec::new();
        for (id, body) in objects {
            entries.push((*id, out.len()));
            out.extend_from_slice(format!("{id} 0 obj\n").as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend_from_slice(b"xref\n");
        for (id, off) in &entries {
            out.extend_from_slice(format!("{id} 1\n{off:010} 00000 n \n").as_bytes());
        }
        let new_size = objects
            .iter()
            .map(|(id, _)| id + 1)
            .max()
            .unwrap_or(0)
            .max(size);
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {new_size} /Root {} {} R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n",
                root.0, root.1
            )
            .as_bytes(),
        );
        out
    }

    struct Fixture {
        root_der: Vec<u8>,
        signed: Vec<u8>,
        pki: TestPki,
    }

    fn fixture() -> &'static Fixture {
        static F: OnceLock<Fixture> = OnceLock::new();
        F.get_or_init(|| {
            let pki = TestPki::generate().unwrap();
            let signer = pki.signer().unwrap();
            let opts = SignOptions::default()
                .reason("Chung thuc ban sao")
                .field_name("Sig1");
            let signed = sign_pdf(&base_pdf(), &signer, &opts).unwrap();
            let root_der = der::Encode::to_der(&pki.root).unwrap();
            Fixture {
                root_der,
                signed,
                pki,
            }
        })
    }

    fn opts() -> VerifyOptions {
        VerifyOptions::new(now())
            .with_trust_anchor_der(&fixture().root_der)
            .unwrap()
    }

    fn verify(bytes: &[u8]) -> DocumentReport {
        verify_pdf(bytes, &opts()).unwrap()
    }

    fn codes(r: &DocumentReport) -> Vec<&'static str> {
        r.reason_codes()
    }

    fn assert_invalid_with(r: &DocumentReport, code: ReasonCode) {
        assert_eq!(r.status, Status::Invalid, "{:?}", codes(r));
        assert!(
            r.signatures
                .iter()
                .any(|s| s.status == Status::Invalid && s.reasons.iter().any(|x| x.code == code)),
            "expected {} in {:?}",
            code.code(),
            codes(r)
        );
    }

    /// Offset of a byte inside the page content stream (signed).
    fn find(hay: &[u8], needle: &[u8]) -> usize {
        hay.windows(needle.len()).position(|w| w == needle).unwrap()
    }

    /// The body (between `N 0 obj` and `endobj`) of the last definition of object `id`.
    fn raw_object(pdf: &[u8], id: u32) -> Vec<u8> {
        let head = format!("\n{id} 0 obj");
        let start = pdf
            .windows(head.len())
            .rposition(|w| w == head.as_bytes())
            .unwrap()
            + head.len();
        let end = start + find(&pdf[start..], b"endobj");
        pdf[start..end].to_vec()
    }

    /// Object 3 (the page) as last written, with `from` replaced by `to`.
    fn page_with(pdf: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
        let page = raw_object(pdf, 3);
        let i = find(&page, from);
        let mut out = page[..i].to_vec();
        out.extend_from_slice(to);
        out.extend_from_slice(&page[i + from.len()..]);
        out
    }

    /// Object 3 (the page) as last written, with annotation `id` prepended to /Annots.
    fn page_with_annot(pdf: &[u8], id: u32) -> Vec<u8> {
        let page = raw_object(pdf, 3);
        let i = find(&page, b"/Annots");
        let open = i + page[i..].iter().position(|c| *c == b'[').unwrap() + 1;
        let mut out = page[..open].to_vec();
        out.extend_from_slice(format!("{id} 0 R ").as_bytes());
        out.extend_from_slice(&page[open..]);
        out
    }

    /// Object number of the first signature dictionary.
    fn sig_dict_id(pdf: &[u8]) -> u32 {
        let doc = lopdf::Document::load_mem(pdf).unwrap();
        let cat = doc.catalog().unwrap();
        let acro = doc
            .get_dictionary(cat.get(b"AcroForm").unwrap().as_reference().unwrap())
            .unwrap();
        let fields = acro.get(b"Fields").unwrap().as_array().unwrap();
        let field = doc
            .get_dictionary(fields[0].as_reference().unwrap())
            .unwrap();
        field.get(b"V").unwrap().as_reference().unwrap().0
    }

    #[test]
    fn own_signature_is_valid_b_b_with_signer_and_time() {
        let r = verify(&fixture().signed);
        assert_eq!(r.status, Status::Valid, "{:?}", codes(&r));
        assert_eq!(r.revisions, 2);
        let s = &r.signatures[0];
        assert_eq!(s.kind, SignatureKind::Signature);
        assert_eq!(s.field.as_deref(), Some("Sig1"));
        assert_eq!(s.sub_filter.as_deref(), Some("ETSI.CAdES.detached"));
        assert_eq!(s.pades_level, Some(PadesLevel::BB));
        assert_eq!(s.coverage, Coverage::WholeFile);
        assert_eq!(s.stated_reason.as_deref(), Some("Chung thuc ban sao"));
        let signer = s.signer.as_ref().unwrap();
        let leaf_cn = fixture().pki.leaf.tbs_certificate().subject().to_string();
        assert!(
            leaf_cn.contains(signer.common_name.as_deref().unwrap()),
            "{leaf_cn} vs {signer:?}"
        );
        let claimed =
            saoy_signing::verify::parse_rfc3339(s.claimed_time.as_deref().unwrap()).unwrap();
        assert!((claimed - now()).abs() < 600, "claimed time {claimed}");
        assert!(s.signing_time_attribute.is_none());
        // Vietnamese text report names signer, time and integrity.
        let vi = r.render_text(saoy_signing::verify::Lang::Vi);
        assert!(
            vi.contains("HỢP LỆ") && vi.contains("Người ký") && vi.contains("Thời gian ký"),
            "{vi}"
        );
    }

    #[test]
    fn without_the_root_the_chain_is_untrusted_indeterminate() {
        let r = verify_pdf(&fixture().signed, &VerifyOptions::new(now())).unwrap();
        assert_eq!(r.status, Status::Indeterminate);
        assert!(codes(&r).contains(&"untrusted_chain"));
        // Expired at the validation time: indeterminate, not invalid.
        let later = VerifyOptions::new(now() + 200 * 365 * 86_400)
            .with_trust_anchor_der(&fixture().root_der)
            .unwrap();
        let r = verify_pdf(&fixture().signed, &later).unwrap();
        assert_eq!(r.status, Status::Indeterminate);
        assert!(codes(&r).contains(&"cert_expired"), "{:?}", codes(&r));
    }

    #[test]
    fn flipped_byte_inside_signed_range_is_a_digest_mismatch() {
        let mut b = fixture().signed.clone();
        let i = find(&b, b"Ban sao dung");
        b[i] = b'X';
        assert_invalid_with(&verify(&b), ReasonCode::DigestMismatch);
    }

    #[test]
    fn flipped_byte_in_contents_padding_is_detected() {
        let mut b = fixture().signed.clone();
        // The last hex digit before '>' of /Contents is zero padding.
        let close = find(&b, b"0000>") + 4;
        assert_eq!(b[close - 1], b'0');
        b[close - 1] = b'1';
        assert_invalid_with(&verify(&b), ReasonCode::ContentsPaddingModified);
    }

    #[test]
    fn flipped_byte_in_the_signature_value_is_invalid() {
        let mut b = fixture().signed.clone();
        let start = find(&b, b"/Contents <") + 11;
        // Near the end of the CMS: inside the signature value OCTET STRING.
        let cms_hex_len = {
            let hex_end = start + b[start..].iter().position(|c| *c == b'>').unwrap();
            std::str::from_utf8(&b[start..hex_end])
                .unwrap()
                .trim_end_matches('0')
                .len()
        };
        let i = start + cms_hex_len - 6;
        b[i] = if b[i] == b'A' { b'B' } else { b'A' };
        assert_invalid_with(&verify(&b), ReasonCode::SignatureInvalid);
    }

    #[test]
    fn junk_appended_after_the_signed_revision_is_not_a_revision() {
        let mut b = fixture().signed.clone();
        b.extend_from_slice(b"% appended, not an incremental update\n");
        assert_invalid_with(&verify(&b), ReasonCode::CoverageNotRevision);
    }

    #[test]
    fn appended_update_changing_page_content_is_invalid() {
        let b = append_update(
            &fixture().signed,
            &[(4, stream(b"BT /F1 24 Tf 72 700 Td (Tampered) Tj ET"))],
        );
        let r = verify(&b);
        assert_invalid_with(&r, ReasonCode::ModifiedAfterSigningPageContent);
        assert!(matches!(
            r.signatures[0].coverage,
            Coverage::Revision {
                revision: 2,
                of: 3,
                ..
            }
        ));
    }

    #[test]
    fn shadow_hide_and_replace_update_is_invalid() {
        // The update only re-points the page at the shadow stream that was signed too.
        let page = page_with(&fixture().signed, b"/Contents 4 0 R", b"/Contents 5 0 R");
        let b = append_update(&fixture().signed, &[(3, page)]);
        let r = verify(&b);
        assert_invalid_with(&r, ReasonCode::ModifiedAfterSigningPageContent);
        assert_eq!(
            codes(&r)
                .iter()
                .filter(|c| c.starts_with("modified_after"))
                .count(),
            1,
            "{:?}",
            codes(&r)
        );
    }

    #[test]
    fn changed_reason_in_an_update_is_invalid() {
        let signed = &fixture().signed;
        let id = sig_dict_id(signed);
        let body = raw_object(signed, id);
        let r0 = find(&body, b"/Reason");
        let open = r0
            + body[r0..]
                .iter()
                .position(|c| *c == b'(' || *c == b'<')
                .unwrap();
        let close_ch = if body[open] == b'(' { b')' } else { b'>' };
        let close = open + body[open..].iter().position(|c| *c == close_ch).unwrap();
        let mut new_body = body[..open].to_vec();
        new_body.extend_from_slice(b"(Approved by the director)");
        new_body.extend_from_slice(&body[close + 1..]);
        let b = append_update(signed, &[(id, new_body)]);
        let r = verify(&b);
        assert_invalid_with(&r, ReasonCode::ModifiedAfterSigningSignatureDictionary);
        assert_eq!(
            r.signatures[0].stated_reason.as_deref(),
            Some("Approved by the director")
        );
    }

    #[test]
    fn added_annotation_after_signing_is_invalid() {
        // A white box over the text ("hide"), keeping the signature widget.
        let annot =
            b"<< /Type /Annot /Subtype /Square /Rect [50 680 550 730] /IC [1 1 1] /C [1 1 1] >>";
        let page = page_with_annot(&fixture().signed, 90);
        let b = append_update(&fixture().signed, &[(90, annot.to_vec()), (3, page)]);
        let r = verify(&b);
        assert_invalid_with(&r, ReasonCode::ModifiedAfterSigningAnnotations);
        assert!(
            !codes(&r).contains(&"modified_after_signing_page_content"),
            "{:?}",
            codes(&r)
        );
    }

    /// Files of 128 KiB and more have their newest byte range hashed from the start, beside the
    /// parsing, on a guess read from the raw bytes: the guess must never decide what is checked.
    #[test]
    fn large_files_hashed_early_are_checked_against_the_parsed_byte_range() {
        let shadow = b"BT /F1 8 Tf 72 700 Td (lap lai) Tj ET\n".repeat(8000);
        let big = pdf_with_shadow(&shadow);
        assert!(big.len() > 256 * 1024);
        let signer = fixture().pki.signer().unwrap();
        let signed = sign_pdf(&big, &signer, &SignOptions::default()).unwrap();
        assert_eq!(verify(&signed).status, Status::Valid);
        let mut tampered = signed.clone();
        let i = find(&tampered, b"Ban sao dung");
        tampered[i] = b'X';
        assert_invalid_with(&verify(&tampered), ReasonCode::DigestMismatch);
        let mut tampered = signed.clone();
        let i = find(&tampered, b"(lap lai)") + 200_000;
        tampered[i] ^= 1;
        assert_invalid_with(&verify(&tampered), ReasonCode::DigestMismatch);

        // A decoy /ByteRange after the signature: the guess is wrong, the real range is hashed.
        let decoy = append_update(
            &signed,
            &[(91, b"<< /ByteRange [0 100 200 300] >>".to_vec())],
        );
        let r = verify(&decoy);
        assert!(!codes(&r).contains(&"digest_mismatch"), "{:?}", codes(&r));
        assert!(!codes(&r).contains(&"signature_invalid"), "{:?}", codes(&r));
        let mut tampered = decoy.clone();
        let i = find(&tampered, b"Ban sao dung");
        tampered[i] = b'X';
        assert_invalid_with(&verify(&tampered), ReasonCode::DigestMismatch);

        // Two signatures: the newer one matches the guess, the older one is hashed as usual.
        let twice = sign_pdf(&signed, &signer, &SignOptions::default().field_name("Sig2")).unwrap();
        let r = verify(&twice);
        assert_eq!(r.status, Status::Valid, "{:?}", codes(&r));
        assert_eq!(r.signatures.len(), 2);
        let mut tampered = twice.clone();
        let i = find(&tampered, b"Ban sao dung");
        tampered[i] = b'X';
        let r = verify(&tampered);
        assert_eq!(r.status, Status::Invalid);
        for s in &r.signatures {
            assert!(
                s.reasons
                    .iter()
                    .any(|x| x.code == ReasonCode::DigestMismatch),
                "{:?}",
                s.reasons
            );
        }

        // SHA-384 content digest: the early SHA-256 is not used.
        let sha384 = fixture()
            .pki
            .signer()
            .unwrap()
            .with_digest(saoy_signing::digest::DigestAlgorithm::Sha384)
            .unwrap();
        let signed384 = sign_pdf(&big, &sha384, &SignOptions::default()).unwrap();
        assert_eq!(verify(&signed384).status, Status::Valid);
        let mut tampered = signed384.clone();
        let i = find(&tampered, b"Ban sao dung");
        tampered[i] = b'X';
        assert_invalid_with(&verify(&tampered), ReasonCode::DigestMismatch);
    }

    #[test]
    fn harmless_update_is_allowed_and_reported() {
        // An update that re-saves the page unchanged and adds an unreferenced object.
        let page = raw_object(&fixture().signed, 3);
        let b = append_update(&fixture().signed, &[(3, page), (91, b"(orphan)".to_vec())]);
        let r = verify(&b);
        assert_eq!(r.status, Status::Valid, "{:?}", codes(&r));
        assert!(codes(&r).contains(&"allowed_changes_after_signing"));
    }

    #[test]
    fn second_signature_keeps_the_first_valid() {
        let signer = fixture().pki.signer().unwrap();
        let twice = sign_pdf(
            &fixture().signed,
            &signer,
            &SignOptions::default().field_name("Sig2"),
        )
        .unwrap();
        let r = verify(&twice);
        assert_eq!(r.status, Status::Valid, "{:?}", codes(&r));
        assert_eq!(r.signatures.len(), 2);
        assert!(matches!(
            r.signatures[0].coverage,
            Coverage::Revision {
                revision: 2,
                of: 3,
                ..
            }
        ));
        assert!(
            r.signatures[0]
                .reasons
                .iter()
                .any(|x| x.code == ReasonCode::AllowedChangesAfterSigning)
        );
        assert_eq!(r.signatures[1].coverage, Coverage::WholeFile);
    }

    #[test]
    fn certification_p1_forbids_later_annotations() {
        let signer = fixture().pki.signer().unwrap();
        let opts = SignOptions::default().certify(DocMdpPermissions::NoChanges);
        let certified = sign_pdf(&base_pdf(), &signer, &opts).unwrap();
        let r = verify(&certified);
        assert_eq!(r.status, Status::Valid, "{:?}", codes(&r));
        assert_eq!(r.signatures[0].certification_level, Some(1));
        let annot = b"<< /Type /Annot /Subtype /Text /Rect [10 10 20 20] /Contents (note) >>";
        let page = page_with_annot(&certified, 92);
        let b = append_update(&certified, &[(92, annot.to_vec()), (3, page)]);
        assert_invalid_with(&verify(&b), ReasonCode::DocmdpViolation);
    }

    #[test]
    fn ber_indefinite_length_cms_is_accepted() {
        let signed = fixture().signed.clone();
        let start = find(&signed, b"/Contents <") + 11;
        let hex_end = start + signed[start..].iter().position(|c| *c == b'>').unwrap();
        let bytes = hex::decode(&signed[start..hex_end]).unwrap();
        // Re-wrap ContentInfo and its [0] in indefinite-length form (BER).
        let der = {
            let len = der_len(&bytes);
            bytes[..len].to_vec()
        };
        let (ci_hdr, ci_body) = split_header(&der);
        assert!(ci_hdr > 0);
        let oid_len = der_len(ci_body);
        let (_, explicit_body) = split_header(&ci_body[oid_len..]);
        let mut ber = vec![0x30, 0x80];
        ber.extend_from_slice(&ci_body[..oid_len]);
        ber.extend_from_slice(&[0xa0, 0x80]);
        ber.extend_from_slice(explicit_body);
        ber.extend_from_slice(&[0, 0, 0, 0]);
        let mut hexed = hex::encode_upper(&ber).into_bytes();
        hexed.resize(hex_end - start, b'0');
        let mut b = signed.clone();
        b[start..hex_end].copy_from_slice(&hexed);
        let r = verify(&b);
        assert_eq!(r.status, Status::Valid, "{:?}", codes(&r));
    }

    /// Length of the first DER element.
    fn der_len(b: &[u8]) -> usize {
        let (h, body) = split_header(b);
        h + body.len()
    }

    /// (header length, content) of a definite-length DER element.
    fn split_header(b: &[u8]) -> (usize, &[u8]) {
        let l0 = b[1] as usize;
        if l0 < 0x80 {
            return (2, &b[2..2 + l0]);
        }
        let n = l0 & 0x7f;
        let len = b[2..2 + n]
            .iter()
            .fold(0usize, |a, x| (a << 8) | *x as usize);
        (2 + n, &b[2 + n..2 + n + len])
    }

    /// Deterministic mutation smoke-fuzz (runs on stable in `cargo test`; the
    /// cargo-fuzz target in `fuzz/` explores further): byte flips, truncations,
    /// splices and ByteRange rewrites of a signed PDF never panic, and every
    /// report is self-consistent.
    #[test]
    fn mutated_signed_pdfs_never_panic_and_stay_consistent() {
        let seed = &fixture().signed;
        let opts = opts();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let (mut reports, mut errors, mut valid_after_flip_in_signed) = (0, 0, 0);
        let br_at = find(seed, b"/ByteRange");
        for i in 0..250 {
            let mut m = seed.clone();
            let pos = (next() as usize) % m.len();
            match i % 5 {
                0 => m[pos] ^= 1 << (next() % 8),
                1 => m.truncate(pos),
                2 => {
                    let from = (next() as usize) % seed.len();
                    let len = ((next() as usize) % 64).min(seed.len() - from);
                    m.splice(pos..pos, seed[from..from + len].iter().copied());
                }
                3 => {
                    // Rewrite one digit of the ByteRange.
                    let d = br_at + 12 + (next() as usize) % 30;
                    if m[d].is_ascii_digit() {
                        m[d] = b'0' + (next() % 10) as u8;
                    }
                }
                _ => m[pos] = (next() & 0xff) as u8,
            }
            match verify_pdf(&m, &opts) {
                Ok(r) => {
                    reports += 1;
                    let worst = r.signatures.iter().map(|s| s.status).max();
                    assert_eq!(r.status, worst.unwrap_or(Status::Indeterminate));
                    for s in &r.signatures {
                        let has_invalid = s.reasons.iter().any(|x| x.severity == Severity::Invalid);
                        assert_eq!(s.status == Status::Invalid, has_invalid, "{:?}", s.reasons);
                    }
                    // A changed byte in the page content (signed) can never verify.
                    if i % 5 == 0 && pos < br_at && r.status == Status::Valid && m != *seed {
                        valid_after_flip_in_signed += 1;
                    }
                }
                Err(e) => {
                    errors += 1;
                    assert!(!e.code().is_empty());
                }
            }
        }
        assert_eq!(valid_after_flip_in_signed, 0);
        assert!(reports > 60, "only {reports} reports ({errors} errors)");
    }

    #[test]
    fn p256_signature_is_valid() {
        let pki = TestPki::generate_with(saoy_signing::sign::KeyAlgorithm::P256).unwrap();
        let signed =
            sign_pdf(&base_pdf(), &pki.signer().unwrap(), &SignOptions::default()).unwrap();
        let root = der::Encode::to_der(&pki.root).unwrap();
        let r = verify_pdf(
            &signed,
            &VerifyOptions::new(now())
                .with_trust_anchor_der(&root)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(r.status, Status::Valid, "{:?}", r.reason_codes());
        assert_eq!(
            r.signatures[0].signature_algorithm.as_deref(),
            Some("ECDSA with SHA-256")
        );
    }

    #[test]
    fn rsa_pss_signature_is_valid() {
        let pki = TestPki::generate_with(saoy_signing::sign::KeyAlgorithm::RsaPss).unwrap();
        let signed =
            sign_pdf(&base_pdf(), &pki.signer().unwrap(), &SignOptions::default()).unwrap();
        let root = der::Encode::to_der(&pki.root).unwrap();
        let opts = VerifyOptions::new(now())
            .with_trust_anchor_der(&root)
            .unwrap();
        let r = verify_pdf(&signed, &opts).unwrap();
        assert_eq!(r.status, Status::Valid, "{:?}", r.reason_codes());
        assert_eq!(
            r.signatures[0].signature_algorithm.as_deref(),
            Some("RSASSA-PSS")
        );
        let mut tampered = signed.clone();
        let i = find(&tampered, b"Ban sao dung");
        tampered[i] = b'b';
        assert_invalid_with(
            &verify_pdf(&tampered, &opts).unwrap(),
            ReasonCode::DigestMismatch,
        );
    }

    /// A deferred verification whose requests get `answer(index, request)`: the report and the
    /// requests.
    fn deferred(
        bytes: &[u8],
        opts: &VerifyOptions,
        answer: impl Fn(usize, &CryptoRequest) -> Option<CryptoAnswer>,
    ) -> (DocumentReport, Vec<CryptoRequest>) {
        let d = verify_pdf_deferred(bytes, opts).unwrap();
        let requests: Vec<CryptoRequest> = d.requests().cloned().collect();
        let answers = requests
            .iter()
            .enumerate()
            .map(|(i, r)| answer(i, r))
            .collect();
        (d.finish(answers).unwrap(), requests)
    }

    /// A signed ~300 KB copy: its content digest is large enough to be asked.
    fn big_signed() -> &'static Vec<u8> {
        static B: OnceLock<Vec<u8>> = OnceLock::new();
        B.get_or_init(|| {
            let shadow = b"BT /F1 8 Tf 72 700 Td (lap lai) Tj ET\n".repeat(8000);
            let signer = fixture().pki.signer().unwrap();
            sign_pdf(&pdf_with_shadow(&shadow), &signer, &SignOptions::default()).unwrap()
        })
    }

    /// The crypto seam (`verify::external`): answered correctly, or not at all, a deferred
    /// verification gives exactly `verify_pdf`'s report, valid or tampered, P-384 or P-256.
    #[test]
    fn deferred_crypto_gives_the_report_of_verify_pdf() {
        let signer = fixture().pki.signer().unwrap();
        let twice = sign_pdf(
            big_signed(),
            &signer,
            &SignOptions::default().field_name("Sig2"),
        )
        .unwrap();
        let mut tampered = big_signed().clone();
        let i = find(&tampered, b"Ban sao dung");
        tampered[i] = b'X';
        let mut bad_sig = big_signed().clone();
        // A hex digit of the CMS signature value: the last bytes of the DER, before the padding.
        let open = find(&bad_sig, b"/Contents <") + 11;
        let mut j = open + find(&bad_sig[open..], b">");
        while bad_sig[j - 1] == b'0' {
            j -= 1;
        }
        bad_sig[j - 3] = if bad_sig[j - 3] == b'1' { b'2' } else { b'1' };
        let p256 = TestPki::generate_with(saoy_signing::sign::KeyAlgorithm::P256).unwrap();
        let p256_signed = sign_pdf(
            &base_pdf(),
            &p256.signer().unwrap(),
            &SignOptions::default(),
        )
        .unwrap();
        let p256_opts = VerifyOptions::new(now())
            .with_trust_anchor_der(&der::Encode::to_der(&p256.root).unwrap())
            .unwrap();
        let cases: [(&str, &[u8], VerifyOptions); 6] = [
            ("small", &fixture().signed, opts()),
            ("big", big_signed(), opts()),
            ("twice", &twice, opts()),
            ("tampered", &tampered, opts()),
            ("bad signature value", &bad_sig, opts()),
            ("p256", &p256_signed, p256_opts),
        ];
        for (name, bytes, o) in &cases {
            let want = verify_pdf(bytes, o).unwrap();
            let (local, requests) = deferred(bytes, o, |_, r| Some(r.answer_locally()));
            assert_eq!(local, want, "{name}: local answers");
            let (none, _) = deferred(bytes, o, |_, _| None);
            assert_eq!(none, want, "{name}: no answers");
            let ecdsa = requests
                .iter()
                .filter(|r| matches!(r, CryptoRequest::EcdsaVerify { .. }))
                .count();
            // The signer's signature and the two chain links (leaf, issuing CA).
            assert!(ecdsa >= 3, "{name}: {requests:?}");
        }
        let verdicts: Vec<Status> = cases
            .iter()
            .map(|(_, b, o)| verify_pdf(b, o).unwrap().status)
            .collect();
        use Status::*;
        assert_eq!(verdicts, [Valid, Valid, Valid, Invalid, Invalid, Valid]);

        // What is asked: the content digest of the big file (predicted before parsing) and
        // P-384 checks with r||s signatures of 96 bytes and uncompressed points.
        let (_, requests) = deferred(big_signed(), &opts(), |_, r| Some(r.answer_locally()));
        let digests: Vec<&CryptoRequest> = requests
            .iter()
            .filter(|r| matches!(r, CryptoRequest::Digest { .. }))
            .collect();
        assert_eq!(digests.len(), 1, "{requests:?}");
        assert!(
            matches!(digests[0], CryptoRequest::Digest { hash: HashAlg::Sha256, data }
            if data.len() + 2 * 16384 > big_signed().len())
        );
        assert_eq!(likely_requests(big_signed(), &opts()), [digests[0].clone()]);
        for r in &requests {
            if let CryptoRequest::EcdsaVerify {
                curve,
                hash,
                public_key,
                signature,
                ..
            } = r
            {
                assert_eq!(
                    (*curve, public_key.len(), signature.len()),
                    (Curve::P384, 97, 96)
                );
                assert_eq!(public_key[0], 4);
                assert!(
                    matches!(hash, HashAlg::Sha256 | HashAlg::Sha384),
                    "{hash:?}"
                );
            }
        }
        // The small file's digest is computed here.
        let (_, requests) = deferred(&fixture().signed, &opts(), |_, _| None);
        assert!(
            requests
                .iter()
                .all(|r| matches!(r, CryptoRequest::EcdsaVerify { .. }))
        );
    }

    /// A wrong answer from outside, to any one request, leaves the report not valid; an answer
    /// of the wrong kind is not used (computed here).
    #[test]
    fn a_wrong_external_answer_never_makes_a_report_valid() {
        let bytes = big_signed();
        let (_, requests) = deferred(bytes, &opts(), |_, _| None);
        assert!(requests.len() >= 4);
        for (i, r) in requests.iter().enumerate() {
            let wrong = |j: usize, r: &CryptoRequest| {
                let right = r.answer_locally();
                if j != i {
                    return Some(right);
                }
                Some(match right {
                    CryptoAnswer::Digest(mut d) => {
                        d[0] ^= 1;
                        CryptoAnswer::Digest(d)
                    }
                    CryptoAnswer::Verified(ok) => CryptoAnswer::Verified(!ok),
                    other => other,
                })
            };
            let (report, _) = deferred(bytes, &opts(), wrong);
            assert_ne!(report.status, Status::Valid, "request {i}: {r:?}");
            let c = codes(&report);
            match r {
                CryptoRequest::Digest { .. } => {
                    assert_invalid_with(&report, ReasonCode::DigestMismatch)
                }
                _ => assert!(
                    c.contains(&"signature_invalid") || c.contains(&"untrusted_chain"),
                    "request {i}: {c:?}"
                ),
            }
            // A digest too short, a digest given for a signature and the other way round.
            let odd = |j: usize, r: &CryptoRequest| match (j == i, r.answer_locally()) {
                (false, a) => Some(a),
                (true, CryptoAnswer::Digest(d)) => Some(CryptoAnswer::Digest(d[..8].to_vec())),
                (true, _) => Some(CryptoAnswer::Digest(vec![0; 48])),
            };
            let (report, _) = deferred(bytes, &opts(), odd);
            match r {
                CryptoRequest::Digest { .. } => {
                    assert_invalid_with(&report, ReasonCode::DigestMismatch)
                }
                _ => assert_eq!(report.status, Status::Valid, "{:?}", codes(&report)),
            }
        }
        let kinds = |_: usize, r: &CryptoRequest| match r {
            CryptoRequest::Digest { .. } => Some(CryptoAnswer::Verified(true)),
            _ => Some(r.answer_locally()),
        };
        assert_eq!(deferred(bytes, &opts(), kinds).0.status, Status::Valid);
        // A tampered file whose checks are all answered "good" except the digest, answered
        // correctly: invalid.
        let mut tampered = bytes.clone();
        let i = find(&tampered, b"(lap lai)") + 100_000;
        tampered[i] ^= 1;
        let (report, _) = deferred(&tampered, &opts(), |_, r| match r {
            CryptoRequest::Digest { .. } => Some(r.answer_locally()),
            _ => Some(CryptoAnswer::Verified(true)),
        });
        assert_invalid_with(&report, ReasonCode::DigestMismatch);
    }
}
