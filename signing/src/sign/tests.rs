//! Unit tests of the signer.

use ::cms::content_info::ContentInfo;
use ::cms::signed_data::SignedData;
use const_oid::db::rfc5911::{ID_MESSAGE_DIGEST, ID_SIGNING_TIME};
use der::{Decode, Encode};
use lopdf::Object;
use rsa::Generate as _;
use signature::Verifier;

use super::*;
use crate::ess::{ID_AA_SIGNING_CERTIFICATE_V2, SigningCertificateV2};
use crate::pki::TestPki;

/// A one-page PDF with a classic xref table, built by hand.
pub(crate) fn minimal_pdf() -> Vec<u8> {
    let objs = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 300 144] >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << >> >>".to_string(),
        "<< /Length 20 >>\nstream\nBT /F1 18 Tf ET    \nendstream".to_string(),
    ];
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offs = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offs.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{}\nendobj\n", i + 1, o).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(b"xref\n0 5\n0000000000 65535 f\r\n");
    for o in offs {
        out.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

/// The `/ByteRange` of the n-th signature dictionary in file order.
pub(crate) fn byte_range(pdf: &[u8], n: usize) -> [usize; 4] {
    let key = b"/ByteRange [";
    let mut at = 0;
    let mut found = 0;
    loop {
        let pos = pdf[at..].windows(key.len()).position(|w| w == key).unwrap() + at;
        if found == n {
            let end = pdf[pos..].iter().position(|b| *b == b']').unwrap() + pos;
            let nums: Vec<usize> = std::str::from_utf8(&pdf[pos + key.len()..end])
                .unwrap()
                .split_whitespace()
                .map(|s| s.parse().unwrap())
                .collect();
            return [nums[0], nums[1], nums[2], nums[3]];
        }
        found += 1;
        at = pos + 1;
    }
}

/// The CMS bytes (first DER element) of the n-th signature.
pub(crate) fn cms_of(pdf: &[u8], n: usize) -> Vec<u8> {
    let br = byte_range(pdf, n);
    let hex_text = &pdf[br[1] + 1..br[2] - 1];
    let bytes = hex::decode(hex_text).unwrap();
    // First DER element only: the rest is zero padding.
    let mut r = der::SliceReader::new(&bytes).unwrap();
    let h = der::Header::decode(&mut r).unwrap();
    let hdr = usize::try_from(der::Reader::position(&r)).unwrap();
    let len = usize::try_from(h.length()).unwrap();
    bytes[..hdr + len].to_vec()
}

fn signed_data(cms: &[u8]) -> SignedData {
    let ci = ContentInfo::from_der(cms).unwrap();
    ci.content.decode_as::<SignedData>().unwrap()
}

fn attr_value(sd: &SignedData, oid: der::oid::ObjectIdentifier) -> Option<der::Any> {
    let si = sd.signer_infos.0.iter().next().unwrap();
    si.signed_attrs
        .as_ref()
        .unwrap()
        .iter()
        .find(|a| a.oid == oid)
        .map(|a| a.values.iter().next().unwrap().clone())
}

fn signed_bytes(pdf: &[u8], br: [usize; 4]) -> Vec<u8> {
    let mut v = pdf[br[0]..br[0] + br[1]].to_vec();
    v.extend_from_slice(&pdf[br[2]..br[2] + br[3]]);
    v
}

#[test]
fn byte_range_covers_everything_but_contents_and_digest_matches() {
    let pki = TestPki::generate().unwrap();
    let signer = pki.signer().unwrap();
    let input = minimal_pdf();
    let out = sign_pdf(
        &input,
        &signer,
        &SignOptions::default().reason("Sao y bản chính"),
    )
    .unwrap();
    assert!(out.starts_with(&input));
    let br = byte_range(&out, 0);
    assert_eq!(br[0], 0);
    assert_eq!(br[2] + br[3], out.len());
    assert_eq!(out[br[1]], b'<');
    assert_eq!(out[br[2] - 1], b'>');
    // The gap is exactly the hex string: hex digits only inside.
    assert!(out[br[1] + 1..br[2] - 1].iter().all(u8::is_ascii_hexdigit));
    let sd = signed_data(&cms_of(&out, 0));
    let md = attr_value(&sd, ID_MESSAGE_DIGEST).unwrap();
    let md = md.decode_as::<der::asn1::OctetString>().unwrap();
    assert_eq!(
        md.as_bytes(),
        super::DEFAULT_DIGEST.digest(&signed_bytes(&out, br))
    );
    // B-B: no signing-time attribute, detached content, id-data.
    assert!(attr_value(&sd, ID_SIGNING_TIME).is_none());
    assert!(sd.encap_content_info.econtent.is_none());
    assert_eq!(
        sd.encap_content_info.econtent_type,
        const_oid::db::rfc5911::ID_DATA
    );
    // Flipping one signed byte changes the digest.
    let mut tampered = out.clone();
    tampered[10] ^= 1;
    assert_ne!(
        md.as_bytes(),
        super::DEFAULT_DIGEST.digest(&signed_bytes(&tampered, br))
    );
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains("/SubFilter /ETSI.CAdES.detached"));
    assert!(text.contains("/M(D:") || text.contains("/M (D:"));
    assert!(text.contains("/SigFlags 3"));
}

#[test]
fn signing_certificate_v2_hashes_the_signer_certificate() {
    let pki = TestPki::generate().unwrap();
    let out = sign_pdf(
        &minimal_pdf(),
        &pki.signer().unwrap(),
        &SignOptions::default(),
    )
    .unwrap();
    let sd = signed_data(&cms_of(&out, 0));
    let v = attr_value(&sd, ID_AA_SIGNING_CERTIFICATE_V2).unwrap();
    let scv2 = SigningCertificateV2::from_der(&v.to_der().unwrap()).unwrap();
    assert_eq!(scv2.certs.len(), 1);
    let id = &scv2.certs[0];
    let leaf_der = pki.leaf.to_der().unwrap();
    assert_eq!(
        id.cert_hash.as_bytes(),
        super::DEFAULT_DIGEST.digest(&leaf_der)
    );
    assert_eq!(id.hash_matches(&leaf_der), Some(true));
    assert_eq!(id.hash_matches(&pki.issuing.to_der().unwrap()), Some(false));
    assert!(id.issuer_serial.as_ref().unwrap().matches(&pki.leaf));
    assert!(!id.issuer_serial.as_ref().unwrap().matches(&pki.issuing));
    // Chain certificates are embedded.
    let certs = sd.certificates.as_ref().unwrap();
    assert_eq!(certs.0.len(), 3);
}

#[test]
fn default_sha256_cert_hash_algorithm_is_omitted_from_der() {
    let pki = TestPki::generate().unwrap();
    let id = crate::ess::EssCertIdV2::for_certificate(&pki.leaf, DigestAlgorithm::Sha256).unwrap();
    assert!(id.hash_algorithm.is_none());
    let der = id.to_der().unwrap();
    let back = crate::ess::EssCertIdV2::from_der(&der).unwrap();
    assert_eq!(
        back.effective_hash_algorithm().oid,
        const_oid::db::rfc5912::ID_SHA_256
    );
    // SEQUENCE { OCTET STRING (32), IssuerSerial }: the second byte after the
    // header is the OCTET STRING tag, not an AlgorithmIdentifier SEQUENCE.
    let mut r = der::SliceReader::new(&der).unwrap();
    let _ = der::Header::decode(&mut r).unwrap();
    let inner = der::Reader::read_slice(&mut r, 1u8.into()).unwrap();
    assert_eq!(inner, [0x04]);
}

fn verify_signature_value(pki: &TestPki, out: &[u8]) -> der::oid::ObjectIdentifier {
    let sd = signed_data(&cms_of(out, 0));
    let si = sd.signer_infos.0.iter().next().unwrap();
    let tbs = si.signed_attrs.as_ref().unwrap().to_der().unwrap();
    let spki = pki.leaf.tbs_certificate().subject_public_key_info();
    let spki_der = spki.to_der().unwrap();
    let sig = si.signature.as_bytes();
    // ECDSA: the hash of the signature algorithm (SHA-256 by default, on any curve).
    let sig_hash = crate::digest::digest_for_signature_algorithm(&si.signature_algorithm).unwrap();
    let hash_of = |m: &[u8]| sig_hash.digest(m);
    use signature::hazmat::PrehashVerifier as _;
    match pki.leaf_key().algorithm() {
        KeyAlgorithm::P384 => {
            let vk = <p384::ecdsa::VerifyingKey as spki::DecodePublicKey>::from_public_key_der(
                &spki_der,
            )
            .unwrap();
            let s = p384::ecdsa::Signature::from_der(sig).unwrap();
            vk.verify_prehash(&hash_of(&tbs), &s).unwrap();
            let mut bad = tbs.clone();
            bad[5] ^= 1;
            assert!(vk.verify_prehash(&hash_of(&bad), &s).is_err());
        }
        KeyAlgorithm::P256 => {
            let vk = <p256::ecdsa::VerifyingKey as spki::DecodePublicKey>::from_public_key_der(
                &spki_der,
            )
            .unwrap();
            let s = p256::ecdsa::Signature::from_der(sig).unwrap();
            vk.verify_prehash(&hash_of(&tbs), &s).unwrap();
        }
        KeyAlgorithm::RsaPss => {
            let pk =
                <rsa::PublicKey as spki::DecodePublicKey>::from_public_key_der(&spki_der).unwrap();
            let vk = rsa::pss::VerifyingKey::<sha2::Sha256>::new(pk);
            let s = rsa::pss::Signature::try_from(sig).unwrap();
            vk.verify(&tbs, &s).unwrap();
            let mut bad = tbs.clone();
            bad[5] ^= 1;
            assert!(vk.verify(&bad, &s).is_err());
        }
    }
    assert_eq!(
        si.digest_alg.oid,
        crate::digest::digest_for_signature_algorithm(&si.signature_algorithm)
            .unwrap()
            .oid()
    );
    si.signature_algorithm.oid
}

#[test]
fn p384_signature_value_verifies() {
    let pki = TestPki::generate().unwrap();
    let out = sign_pdf(
        &minimal_pdf(),
        &pki.signer().unwrap(),
        &SignOptions::default(),
    )
    .unwrap();
    assert_eq!(
        verify_signature_value(&pki, &out),
        const_oid::db::rfc5912::ECDSA_WITH_SHA_256
    );
    // SHA-384 on request.
    let signer = pki
        .signer()
        .unwrap()
        .with_digest(DigestAlgorithm::Sha384)
        .unwrap();
    let out = sign_pdf(&minimal_pdf(), &signer, &SignOptions::default()).unwrap();
    assert_eq!(
        verify_signature_value(&pki, &out),
        const_oid::db::rfc5912::ECDSA_WITH_SHA_384
    );
    assert!(
        pki.signer()
            .unwrap()
            .with_digest(DigestAlgorithm::Sha1)
            .is_err()
    );
}

#[test]
fn p256_sign_path() {
    let pki = TestPki::generate_with(KeyAlgorithm::P256).unwrap();
    let out = sign_pdf(
        &minimal_pdf(),
        &pki.signer().unwrap(),
        &SignOptions::default(),
    )
    .unwrap();
    assert_eq!(
        verify_signature_value(&pki, &out),
        const_oid::db::rfc5912::ECDSA_WITH_SHA_256
    );
}

#[test]
fn rsa_pss_sign_path() {
    let pki = TestPki::generate_with(KeyAlgorithm::RsaPss).unwrap();
    let out = sign_pdf(
        &minimal_pdf(),
        &pki.signer().unwrap(),
        &SignOptions::default(),
    )
    .unwrap();
    assert_eq!(
        verify_signature_value(&pki, &out),
        const_oid::db::rfc5912::ID_RSASSA_PSS
    );
    // Round trip of the PKCS#8 PEM keeps the RSA-PSS path.
    let pem = pki.leaf_key().to_pkcs8_pem().unwrap();
    assert_eq!(
        SoftwareKey::from_pkcs8_pem(&pem).unwrap().algorithm(),
        KeyAlgorithm::RsaPss
    );
}

#[test]
fn generic_keypair_signer_and_async_signer_work() {
    let pki = TestPki::generate().unwrap();
    let SoftwareKey::P384(k) = pki.leaf_key().clone() else {
        panic!("P-384 expected")
    };
    let chain = vec![pki.issuing.clone()];
    let generic = KeypairSigner::<_, p384::ecdsa::DerSignature>::new(
        k.clone(),
        pki.leaf.clone(),
        chain.clone(),
    )
    .unwrap();
    let out = sign_pdf(&minimal_pdf(), &generic, &SignOptions::default()).unwrap();
    verify_signature_value(&pki, &out);
    // A key that does not match the certificate is refused.
    let other = p384::ecdsa::SigningKey::try_generate_from_rng(&mut getrandom::SysRng).unwrap();
    let err = KeypairSigner::<_, p384::ecdsa::DerSignature>::new(other, pki.leaf.clone(), vec![]);
    assert_eq!(err.err().unwrap().code(), "sign_key_certificate_mismatch");

    // The async path with a trivial executor (the future never pends).
    let input = minimal_pdf();
    let opts = SignOptions::default();
    let fut = sign_pdf_async::<_, p384::ecdsa::DerSignature>(&input, &k, &pki.leaf, &chain, &opts);
    let out = block_on(fut).unwrap();
    verify_signature_value(&pki, &out);
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

#[test]
fn second_signature_preserves_the_first() {
    let pki = TestPki::generate().unwrap();
    let signer = pki.signer().unwrap();
    let once = sign_pdf(&minimal_pdf(), &signer, &SignOptions::default()).unwrap();
    let twice = sign_pdf(&once, &signer, &SignOptions::default()).unwrap();
    assert!(twice.starts_with(&once));
    let br1 = byte_range(&twice, 0);
    assert_eq!(br1, byte_range(&once, 0));
    assert_eq!(br1[2] + br1[3], once.len());
    let br2 = byte_range(&twice, 1);
    assert_eq!(br2[2] + br2[3], twice.len());
    // The first signature's digest still matches its (unchanged) range.
    let sd = signed_data(&cms_of(&twice, 0));
    let md = attr_value(&sd, ID_MESSAGE_DIGEST)
        .unwrap()
        .decode_as::<der::asn1::OctetString>()
        .unwrap();
    assert_eq!(
        md.as_bytes(),
        super::DEFAULT_DIGEST.digest(&signed_bytes(&twice, br1))
    );
    // Two distinct fields exist.
    let doc = lopdf::Document::load_mem(&twice).unwrap();
    let text = String::from_utf8_lossy(&twice);
    assert!(text.contains("/T (Signature1)") || text.contains("/T(Signature1)"));
    assert!(text.contains("/T (Signature2)") || text.contains("/T(Signature2)"));
    let sigs = doc
        .objects
        .values()
        .filter(|o| matches!(o.as_dict().and_then(|d| d.get(b"Type")), Ok(Object::Name(n)) if n == b"Sig"))
        .count();
    assert_eq!(sigs, 2);
}

#[test]
fn certification_signature_writes_docmdp() {
    let pki = TestPki::generate().unwrap();
    let signer = pki.signer().unwrap();
    let opts = SignOptions::default().certify(DocMdpPermissions::FormFillingAndSigning);
    let out = sign_pdf(&minimal_pdf(), &signer, &opts).unwrap();
    let doc = lopdf::Document::load_mem(&out).unwrap();
    let catalog = doc.catalog().unwrap();
    let perms = catalog.get(b"Perms").unwrap().as_dict().unwrap();
    let sig_id = perms.get(b"DocMDP").unwrap().as_reference().unwrap();
    let sig = doc.get_dictionary(sig_id).unwrap();
    assert_eq!(sig.get(b"Type").unwrap().as_name().unwrap(), b"Sig");
    let r = &sig.get(b"Reference").unwrap().as_array().unwrap()[0];
    let r = r.as_dict().unwrap();
    assert_eq!(
        r.get(b"TransformMethod").unwrap().as_name().unwrap(),
        b"DocMDP"
    );
    let tp = r.get(b"TransformParams").unwrap().as_dict().unwrap();
    assert_eq!(tp.get(b"P").unwrap().as_i64().unwrap(), 2);

    // P=2 allows a later approval signature; certifying again does not.
    let again = sign_pdf(&out, &signer, &SignOptions::default()).unwrap();
    assert!(again.len() > out.len());
    let err = sign_pdf(&out, &signer, &opts).unwrap_err();
    assert!(matches!(err, SignError::CertifyNotFirst { existing: 1 }));

    // P=1 forbids any further signature.
    let locked = sign_pdf(
        &minimal_pdf(),
        &signer,
        &SignOptions::default().certify(DocMdpPermissions::NoChanges),
    )
    .unwrap();
    let err = sign_pdf(&locked, &signer, &SignOptions::default()).unwrap_err();
    assert_eq!(err.code(), "sign_changes_not_permitted");
}

#[test]
fn xref_stream_inputs_get_an_xref_stream_update() {
    let mut doc = lopdf::Document::load_mem(&minimal_pdf()).unwrap();
    let mut modern = Vec::new();
    doc.save_modern(&mut modern).unwrap();
    assert!(!modern.windows(5).any(|w| w == b"\nxref"));
    let pki = TestPki::generate().unwrap();
    let out = sign_pdf(&modern, &pki.signer().unwrap(), &SignOptions::default()).unwrap();
    let tail = String::from_utf8_lossy(&out[modern.len()..]);
    assert!(tail.contains("/Type/XRef") || tail.contains("/Type /XRef"));
    assert!(!tail.contains("\nxref\n"));
    let reloaded = lopdf::Document::load_mem(&out).unwrap();
    assert_eq!(reloaded.get_pages().len(), 1);
    let br = byte_range(&out, 0);
    assert_eq!(br[2] + br[3], out.len());
}

#[test]
fn existing_empty_field_is_filled() {
    let pki = TestPki::generate().unwrap();
    let signer = pki.signer().unwrap();
    // First make a field by signing, then strip: simpler to build with lopdf.
    let mut doc = lopdf::Document::load_mem(&minimal_pdf()).unwrap();
    let mut field = lopdf::Dictionary::new();
    field.set("FT", Object::Name(b"Sig".to_vec()));
    field.set("T", Object::string_literal("Officer"));
    field.set("Type", Object::Name(b"Annot".to_vec()));
    field.set("Subtype", Object::Name(b"Widget".to_vec()));
    field.set(
        "Rect",
        Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]),
    );
    let fid = doc.add_object(field);
    let mut form = lopdf::Dictionary::new();
    form.set("Fields", Object::Array(vec![Object::Reference(fid)]));
    let form_id = doc.add_object(form);
    let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
    doc.get_object_mut(root)
        .unwrap()
        .as_dict_mut()
        .unwrap()
        .set("AcroForm", Object::Reference(form_id));
    let page = *doc.get_pages().values().next().unwrap();
    doc.get_object_mut(page)
        .unwrap()
        .as_dict_mut()
        .unwrap()
        .set("Annots", Object::Array(vec![Object::Reference(fid)]));
    let mut pdf = Vec::new();
    doc.save_to(&mut pdf).unwrap();

    let out = sign_pdf(&pdf, &signer, &SignOptions::default().field_name("Officer")).unwrap();
    let d = lopdf::Document::load_mem(&out).unwrap();
    let f = d.get_dictionary(fid).unwrap();
    let v = f.get(b"V").unwrap().as_reference().unwrap();
    assert_eq!(
        d.get_dictionary(v)
            .unwrap()
            .get(b"Type")
            .unwrap()
            .as_name()
            .unwrap(),
        b"Sig"
    );
    // No second field was made.
    let form = d.get_dictionary(form_id).unwrap();
    assert_eq!(form.get(b"Fields").unwrap().as_array().unwrap().len(), 1);
    // Filling it again is refused.
    let err = sign_pdf(&out, &signer, &SignOptions::default().field_name("Officer")).unwrap_err();
    assert!(matches!(err, SignError::FieldAlreadySigned { .. }));
}

#[test]
fn hostile_inputs_are_typed_errors() {
    let pki = TestPki::generate().unwrap();
    let signer = pki.signer().unwrap();
    let opts = SignOptions::default();
    assert!(matches!(
        sign_pdf(b"hello", &signer, &opts),
        Err(SignError::NotPdf)
    ));
    let pdf = minimal_pdf();
    for cut in [10, 60, pdf.len() / 2, pdf.len() - 8] {
        let r = sign_pdf(&pdf[..cut], &signer, &opts);
        assert!(
            r.is_err(),
            "truncated at {cut} must fail: {}",
            String::from_utf8_lossy(&pdf[..cut])
        );
    }
    // An encrypted PDF (standard security handler) is refused as such.
    let mut enc = String::from_utf8_lossy(&pdf).into_owned();
    let pos = enc.rfind("xref\n").unwrap();
    let body = "5 0 obj\n<< /Filter /Standard /V 2 /R 3 /Length 128 /P -4 /O <00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff> /U <00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff> >>\nendobj\n";
    enc.insert_str(pos, body);
    let enc = enc.replace(
        "<< /Size 5 /Root 1 0 R >>",
        "<< /Size 6 /Root 1 0 R /Encrypt 5 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>] >>",
    );
    let err = sign_pdf(enc.as_bytes(), &signer, &opts).unwrap_err();
    assert_eq!(err.code(), "sign_encrypted_pdf", "{err}");
    // Oversized reservation is an option error.
    let err = sign_pdf(
        &pdf,
        &signer,
        &SignOptions::default().contents_reserve(10 << 20),
    )
    .unwrap_err();
    assert_eq!(err.code(), "sign_invalid_option");
    // Too small a reservation is reported, not truncated.
    let err = sign_pdf(&pdf, &signer, &SignOptions::default().contents_reserve(100)).unwrap_err();
    assert!(matches!(
        err,
        SignError::SignatureTooLarge { reserved: 100, .. }
    ));
}

#[test]
fn vietnamese_reason_is_utf16_text_string() {
    let o = pdf::text_string("Sao y bản chính");
    let Object::String(bytes, _) = o else {
        panic!()
    };
    assert_eq!(&bytes[..2], &[0xfe, 0xff]);
    let units: Vec<u16> = bytes[2..]
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    assert_eq!(String::from_utf16(&units).unwrap(), "Sao y bản chính");
    let d = pdf::pdf_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(86400 + 3661))
        .unwrap();
    assert_eq!(d, "D:19700102010101+00'00'");
}

#[test]
fn sign_file_writes_atomically_and_leaves_no_output_on_error() {
    let pki = TestPki::generate().unwrap();
    let signer = pki.signer().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.pdf");
    let output = dir.path().join("out.pdf");
    std::fs::write(&input, minimal_pdf()).unwrap();
    sign_file(&input, &output, &signer, &SignOptions::default()).unwrap();
    let signed = std::fs::read(&output).unwrap();
    assert!(signed.starts_with(&minimal_pdf()));
    let bad = dir.path().join("bad.pdf");
    std::fs::write(&bad, b"%PDF-1.7 garbage").unwrap();
    let out2 = dir.path().join("out2.pdf");
    assert!(sign_file(&bad, &out2, &signer, &SignOptions::default()).is_err());
    assert!(!out2.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}
