//! Integration tests of the signing side: certified copy → certification
//! signature → second signature, the external-signer path, and a cross-check
//! with the crate's own verifier.

#![cfg(all(feature = "sign", feature = "writer"))]
// Test helpers outside #[test] fns: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::panic)]

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::{Decode, Encode};
use saoy_signing::digest::DigestAlgorithm;
use saoy_signing::pki::TestPki;
use saoy_signing::sign::{
    CmsSigner, DocMdpPermissions, KeyAlgorithm, PreparedSignature, SignOptions, sign_pdf,
};
use saoy_signing::verify::{Status, VerifyOptions, verify_pdf};
use saoy_signing::writer::{CertificationBlock, CertifiedCopy, PageImage, SignatureText, TextLine};
use signature::Signer;

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 200) as u8, (y % 200) as u8, 90])
    });
    let mut out = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80);
    enc.set_pixel_density(image::codecs::jpeg::PixelDensity::dpi(200));
    enc.encode_image(&img).unwrap();
    out
}

fn certified_copy() -> Vec<u8> {
    let mut copy = CertifiedCopy::new(
        "Giấy khai sinh - bản sao điện tử",
        CertificationBlock::new("UBND phường Hoàn Kiếm", "77/2026/SY", "25/11/2026"),
    );
    copy.pages.push(PageImage::new(jpeg(330, 467)));
    copy.text_lines.push(TextLine::new(
        0,
        "GIẤY KHAI SINH",
        [60.0, 40.0, 270.0, 70.0],
    ));
    copy.qr_payload = Some("https://example.invalid/v/77".into());
    copy.signature_text = Some(SignatureText::new(
        "UBND phường Hoàn Kiếm",
        "2026-11-25T09:30:00Z",
    ));
    copy.render().unwrap()
}

/// (byte range, CMS) of every signature, in file order.
fn signatures(pdf: &[u8]) -> Vec<([usize; 4], Vec<u8>)> {
    let key = b"/ByteRange [";
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(p) = pdf[at..].windows(key.len()).position(|w| w == key) {
        let pos = at + p + key.len();
        let end = pos + pdf[pos..].iter().position(|b| *b == b']').unwrap();
        let n: Vec<usize> = std::str::from_utf8(&pdf[pos..end])
            .unwrap()
            .split_whitespace()
            .map(|s| s.parse().unwrap())
            .collect();
        let br = [n[0], n[1], n[2], n[3]];
        let raw = hex::decode(&pdf[br[1] + 1..br[2] - 1]).unwrap();
        let mut r = der::SliceReader::new(&raw).unwrap();
        let h = der::Header::decode(&mut r).unwrap();
        let len = usize::try_from(der::Reader::position(&r)).unwrap()
            + usize::try_from(h.length()).unwrap();
        out.push((br, raw[..len].to_vec()));
        at = end;
    }
    out
}

fn digest_matches(pdf: &[u8], br: [usize; 4], cms: &[u8]) -> bool {
    let sd = ContentInfo::from_der(cms)
        .unwrap()
        .content
        .decode_as::<SignedData>()
        .unwrap();
    let si = sd.signer_infos.0.iter().next().unwrap();
    let alg = DigestAlgorithm::from_oid(&si.digest_alg.oid).unwrap();
    let md = si
        .signed_attrs
        .as_ref()
        .unwrap()
        .iter()
        .find(|a| a.oid == const_oid::db::rfc5911::ID_MESSAGE_DIGEST)
        .unwrap()
        .values
        .iter()
        .next()
        .unwrap()
        .decode_as::<der::asn1::OctetString>()
        .unwrap();
    md.as_bytes() == alg.digest_parts(&[&pdf[..br[1]], &pdf[br[2]..br[2] + br[3]]])
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn certified_copy_then_second_signer_keeps_both_signatures_intact() {
    let officer = TestPki::generate().unwrap();
    let seal = TestPki::generate_with(KeyAlgorithm::P256).unwrap();
    let copy = certified_copy();
    let certified = sign_pdf(
        &copy,
        &officer.signer().unwrap(),
        &SignOptions::default()
            .certify(DocMdpPermissions::FormFillingAndSigning)
            .reason("Chứng thực bản sao từ bản chính")
            .location("Hà Nội"),
    )
    .unwrap();
    let both = sign_pdf(&certified, &seal.signer().unwrap(), &SignOptions::default()).unwrap();
    assert!(both.starts_with(&certified) && certified.starts_with(&copy));

    let sigs = signatures(&both);
    assert_eq!(sigs.len(), 2);
    assert_eq!(
        sigs[0].0[2] + sigs[0].0[3],
        certified.len(),
        "first covers its revision"
    );
    assert_eq!(
        sigs[1].0[2] + sigs[1].0[3],
        both.len(),
        "second covers the whole file"
    );
    for (br, cms) in &sigs {
        assert!(digest_matches(&both, *br, cms));
    }
    // Tampering with a byte of the first revision breaks both digests.
    let mut bad = both.clone();
    bad[copy.len() / 2] ^= 0x20;
    for (br, cms) in &sigs {
        assert!(!digest_matches(&bad, *br, cms));
    }

    // Our own verifier agrees: valid with both roots trusted.
    let opts = VerifyOptions::new(now())
        .with_trust_anchor_der(&officer.root.to_der().unwrap())
        .unwrap()
        .with_trust_anchor_der(&seal.root.to_der().unwrap())
        .unwrap();
    let report = verify_pdf(&both, &opts).unwrap();
    assert_eq!(report.status, Status::Valid, "{report:?}");
    let tampered = verify_pdf(&bad, &opts).map(|r| r.status);
    assert!(!matches!(tampered, Ok(Status::Valid)));
}

/// A "remote" signer: only sees the to-be-signed bytes.
#[test]
fn external_signer_path_produces_the_same_structure() {
    let pki = TestPki::generate().unwrap();
    // The remote key below signs with P-384's own hash (SHA-384 via `Signer`).
    let signer = pki
        .signer()
        .unwrap()
        .with_digest(saoy_signing::digest::DigestAlgorithm::Sha384)
        .unwrap();
    let copy = certified_copy();
    let prepared = PreparedSignature::new(
        &copy,
        signer.certificate(),
        signer.chain(),
        signer.signature_algorithm().unwrap(),
        &SignOptions::default(),
    )
    .unwrap();
    let br = prepared.byte_range();
    assert_eq!(br[0], 0);
    let saoy_signing::sign::SoftwareKey::P384(key) = pki.leaf_key().clone() else {
        panic!("P-384 leaf expected")
    };
    let sig: p384::ecdsa::DerSignature = key.sign(prepared.to_be_signed());
    let signed = prepared.finish(&sig.to_bytes()).unwrap();
    let sigs = signatures(&signed);
    assert_eq!(sigs.len(), 1);
    assert_eq!(sigs[0].0, br);
    assert!(digest_matches(&signed, sigs[0].0, &sigs[0].1));
    let opts = VerifyOptions::new(now())
        .with_trust_anchor_der(&pki.root.to_der().unwrap())
        .unwrap();
    assert_eq!(verify_pdf(&signed, &opts).unwrap().status, Status::Valid);
}

#[test]
fn cli_style_pem_round_trip_signs() {
    let pki = TestPki::generate_with(KeyAlgorithm::RsaPss).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = pki.write_pem_dir(dir.path()).unwrap();
    let signer = saoy_signing::sign::SoftwareSigner::from_pem(
        &std::fs::read_to_string(&files.signer_key).unwrap(),
        &std::fs::read(&files.signer_cert).unwrap(),
        &[&std::fs::read(&files.chain).unwrap()],
    )
    .unwrap();
    assert_eq!(signer.chain().len(), 2);
    let input = dir.path().join("copy.pdf");
    let output = dir.path().join("copy.signed.pdf");
    std::fs::write(&input, certified_copy()).unwrap();
    saoy_signing::sign::sign_file(&input, &output, &signer, &SignOptions::default()).unwrap();
    let signed = std::fs::read(&output).unwrap();
    let sigs = signatures(&signed);
    assert!(digest_matches(&signed, sigs[0].0, &sigs[0].1));
    let opts = VerifyOptions::new(now())
        .with_trust_anchors_pem(&std::fs::read_to_string(&files.root_cert).unwrap())
        .unwrap();
    assert_eq!(verify_pdf(&signed, &opts).unwrap().status, Status::Valid);
}
