//! Unit tests of the LTV updates (`/DSS` + `/VRI`, level detection) and
//! of the robustness of the time-stamp, OCSP and CRL parsers, all offline
//! (the in-process PKI and TSA of [`super::testkit`]).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use der::Encode;
use lopdf::{Dictionary, Document, Object};
use sha1::Digest as _;

use super::testkit::{self, Kit};
use super::*;
use crate::sign::tests::{cms_of, minimal_pdf};
use crate::sign::{CmsSigner, SignOptions};
use crate::verify::{PadesLevel, SignatureKind, VerifyOptions, verify_pdf};

fn now() -> i64 {
    tsp::now_unix()
}

/// Two signatures at B-T: signer A (field `A`), then signer B (field `B`).
fn two_signatures(kit: &Kit) -> Vec<u8> {
    let ltv = LtvOptions::new(Level::BT, Some(kit.tsa_client()));
    let one = sign_pdf_at_level(
        &minimal_pdf(),
        &kit.signer_a,
        &SignOptions::default().field_name("A"),
        &ltv,
    )
    .unwrap();
    assert_eq!(one.level, Level::BT);
    let two = sign_pdf_at_level(
        &one.pdf,
        &kit.signer_b,
        &SignOptions::default().field_name("B"),
        &ltv,
    )
    .unwrap();
    assert_eq!(two.level, Level::BT);
    two.pdf
}

fn stream_bytes(doc: &Document, o: &Object) -> Vec<u8> {
    let id = o.as_reference().expect("VRI and DSS items are references");
    doc.get_object(id)
        .and_then(Object::as_stream)
        .unwrap()
        .content
        .clone()
}

fn dss(doc: &Document) -> Dictionary {
    let cat = doc.catalog().unwrap();
    let o = cat.get(b"DSS").unwrap();
    match o {
        Object::Reference(id) => doc.get_dictionary(*id).unwrap().clone(),
        Object::Dictionary(d) => d.clone(),
        _ => panic!("/DSS is not a dictionary"),
    }
}

/// The DER of the items an array of a `/VRI` entry (or the `/DSS`) references.
fn items(doc: &Document, d: &Dictionary, key: &[u8]) -> Vec<Vec<u8>> {
    match d.get(key) {
        Ok(Object::Array(a)) => a.iter().map(|o| stream_bytes(doc, o)).collect(),
        _ => Vec::new(),
    }
}

fn sorted(mut v: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    v.sort();
    v
}

fn der(c: &x509_cert::Certificate) -> Vec<u8> {
    c.to_der().unwrap()
}

/// The stored `/Contents` (padding included) of each signature and whether
/// it is a document time-stamp (its only path is the TSA's), in field order.
fn contents_of(pdf: &[u8]) -> Vec<(Vec<u8>, bool)> {
    let doc = Document::load_mem(pdf).unwrap();
    crate::verify::revocation::signature_material(&doc)
        .into_iter()
        .map(|s| (s.contents, s.leaves.len() == 1))
        .collect()
}

#[test]
fn vri_keys_are_the_sha1_of_each_signatures_contents_and_name_its_own_chain_data() {
    let kit = Kit::new();
    let pdf = two_signatures(&kit);
    let data = kit.validation_data(true);
    let out = add_dss(&pdf, &data).unwrap();
    assert!(
        out.starts_with(&pdf),
        "an incremental update keeps the old bytes"
    );
    let doc = Document::load_mem(&out).unwrap();
    let dss = dss(&doc);

    // The /DSS arrays hold exactly the items given, once each.
    assert_eq!(
        sorted(items(&doc, &dss, b"Certs")),
        sorted(data.certs.clone())
    );
    assert_eq!(
        sorted(items(&doc, &dss, b"OCSPs")),
        sorted(data.ocsps.clone())
    );
    assert_eq!(
        sorted(items(&doc, &dss, b"CRLs")),
        sorted(data.crls.clone())
    );

    let vri = match dss.get(b"VRI").unwrap() {
        Object::Dictionary(d) => d.clone(),
        o => panic!("/VRI is {o:?}"),
    };
    assert_eq!(vri.len(), 2, "one entry per signature");

    let sigs = contents_of(&out);
    assert_eq!(sigs.len(), 2);
    let tsa = der(&kit.tsa.cert);
    let root = der(&kit.root.cert);
    let ocsp_tsa = data.ocsps[2].clone();
    let crl_root = data.crls[0].clone();
    for (n, ((contents, _), (signer, issuing, own_ocsp))) in sigs
        .iter()
        .zip([
            (&kit.signer_a, &kit.issuing_a, data.ocsps[0].clone()),
            (&kit.signer_b, &kit.issuing_b, data.ocsps[1].clone()),
        ])
        .enumerate()
    {
        // Key: uppercase hex SHA-1 of the /Contents bytes as stored; these
        // begin with the signature's CMS DER, followed by the zero padding.
        let cms = cms_of(&out, n);
        assert!(contents.starts_with(&cms));
        assert!(contents[cms.len()..].iter().all(|b| *b == 0));
        let key = hex::encode_upper(sha1::Sha1::digest(contents));
        assert_eq!(key, vri_key(contents));
        assert_eq!(key.len(), 40);
        assert!(
            key.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        );
        let entry = match vri.get(key.as_bytes()) {
            Ok(Object::Dictionary(d)) => d.clone(),
            other => panic!("no /VRI entry {key} for signature {n}: {other:?}"),
        };
        // The signer's path (leaf, its issuing CA, root) and the TSA's.
        let want_certs = sorted(vec![
            der(signer.certificate()),
            der(&issuing.cert),
            root.clone(),
            tsa.clone(),
        ]);
        assert_eq!(sorted(items(&doc, &entry, b"Cert")), want_certs, "sig {n}");
        assert_eq!(
            sorted(items(&doc, &entry, b"OCSP")),
            sorted(vec![own_ocsp, ocsp_tsa.clone()]),
            "sig {n}: its signer's and its TSA's OCSP responses, not the other signer's"
        );
        assert_eq!(
            items(&doc, &entry, b"CRL"),
            vec![crl_root.clone()],
            "sig {n}"
        );
        // Same streams as the /DSS arrays (references, not copies).
        for (k, dk) in [
            (&b"Cert"[..], &b"Certs"[..]),
            (b"OCSP", b"OCSPs"),
            (b"CRL", b"CRLs"),
        ] {
            let Ok(Object::Array(refs)) = entry.get(k) else {
                continue;
            };
            let Ok(Object::Array(all)) = dss.get(dk) else {
                panic!("no /DSS {dk:?}")
            };
            assert!(refs.iter().all(|r| all.contains(r)));
        }
        assert!(matches!(entry.get(b"TU"), Ok(Object::String(s, _)) if s.starts_with(b"D:")));
    }

    // The verifier reads it, with or without the /VRI.
    let opts = VerifyOptions::new(now())
        .with_trust_anchor_der(&root)
        .unwrap();
    let report = verify_pdf(&out, &opts).unwrap();
    let levels: Vec<_> = report.signatures.iter().map(|s| s.pades_level).collect();
    assert_eq!(levels, vec![Some(PadesLevel::BLt), Some(PadesLevel::BLt)]);
    for s in &report.signatures {
        assert!(
            s.reasons
                .iter()
                .any(|r| r.code == crate::verify::ReasonCode::RevocationGood),
            "{:?}",
            s.reasons
        );
    }
}

#[test]
fn renewal_keeps_the_old_vri_entries_and_adds_one_for_the_document_timestamp() {
    let kit = Kit::new();
    let pdf = two_signatures(&kit);
    // One set of validation data for both rounds: its OCSP responses carry
    // the second they were produced in, and responses made a second apart
    // are different items (the test failed when its calls straddled one).
    let data = kit.validation_data(true);
    let first = add_dss(&pdf, &data).unwrap();
    let lta = add_document_timestamp(&first, &kit.tsa_client(), None).unwrap();
    let renewed = add_dss(&lta, &data).unwrap();
    let doc = Document::load_mem(&renewed).unwrap();
    let dss = dss(&doc);
    let Ok(Object::Dictionary(vri)) = dss.get(b"VRI") else {
        panic!("no /VRI")
    };
    let sigs = contents_of(&renewed);
    assert_eq!(sigs.len(), 3);
    assert_eq!(vri.len(), 3);
    for (contents, is_ts) in &sigs {
        let Ok(Object::Dictionary(entry)) = vri.get(vri_key(contents).as_bytes()) else {
            panic!("missing /VRI entry")
        };
        if *is_ts {
            // The document time-stamp: the TSA's path and its OCSP response.
            assert_eq!(
                sorted(items(&doc, entry, b"Cert")),
                sorted(vec![der(&kit.tsa.cert), der(&kit.root.cert)])
            );
            assert_eq!(items(&doc, entry, b"OCSP"), vec![data.ocsps[2].clone()]);
        } else {
            assert_eq!(items(&doc, entry, b"Cert").len(), 4);
        }
    }
    // Items are not duplicated by the renewal.
    assert_eq!(items(&doc, &dss, b"Certs").len(), 6);
    assert_eq!(items(&doc, &dss, b"OCSPs").len(), 3);
}

#[test]
fn a_signature_whose_own_revocation_data_is_missing_is_b_t_not_b_lt() {
    let kit = Kit::new();
    let pdf = two_signatures(&kit);
    let root = der(&kit.root.cert);
    let opts = VerifyOptions::new(now())
        .with_trust_anchor_der(&root)
        .unwrap();
    let levels = |pdf: &[u8]| -> Vec<Option<PadesLevel>> {
        verify_pdf(pdf, &opts)
            .unwrap()
            .signatures
            .iter()
            .filter(|s| s.kind == SignatureKind::Signature)
            .map(|s| s.pades_level)
            .collect()
    };
    assert_eq!(
        levels(&pdf),
        vec![Some(PadesLevel::BT), Some(PadesLevel::BT)]
    );

    // A /DSS without signer A's OCSP response: A stays B-T, B is B-LT.
    let partial = add_dss(&pdf, &kit.validation_data(false)).unwrap();
    assert_eq!(
        levels(&partial),
        vec![Some(PadesLevel::BT), Some(PadesLevel::BLt)]
    );
    // ... and after a document time-stamp A is still not B-LTA.
    let partial_lta = add_document_timestamp(&partial, &kit.tsa_client(), None).unwrap();
    assert_eq!(
        levels(&partial_lta),
        vec![Some(PadesLevel::BT), Some(PadesLevel::BLta)]
    );

    // A /DSS holding only certificates (no revocation data) is not B-LT.
    let mut certs_only = kit.validation_data(true);
    certs_only.ocsps.clear();
    certs_only.crls.clear();
    let bare = add_dss(&pdf, &certs_only).unwrap();
    assert_eq!(
        levels(&bare),
        vec![Some(PadesLevel::BT), Some(PadesLevel::BT)]
    );

    // Without the CRL the issuing CAs lack data: both stay B-T.
    let mut no_crl = kit.validation_data(true);
    no_crl.crls.clear();
    let no_crl = add_dss(&pdf, &no_crl).unwrap();
    assert_eq!(
        levels(&no_crl),
        vec![Some(PadesLevel::BT), Some(PadesLevel::BT)]
    );

    // Adding A's data later (a second /DSS update) lifts A to B-LT.
    let completed = add_dss(&partial, &kit.validation_data(true)).unwrap();
    assert_eq!(
        levels(&completed),
        vec![Some(PadesLevel::BLt), Some(PadesLevel::BLt)]
    );
    let lta = add_document_timestamp(&completed, &kit.tsa_client(), None).unwrap();
    assert_eq!(
        levels(&lta),
        vec![Some(PadesLevel::BLta), Some(PadesLevel::BLta)]
    );
}

#[test]
fn level_detection_does_not_need_a_vri() {
    // The same data as a /DSS without /VRI (as some writers produce).
    let kit = Kit::new();
    let pdf = two_signatures(&kit);
    let out = add_dss(&pdf, &kit.validation_data(true)).unwrap();
    let mut doc = Document::load_mem(&out).unwrap();
    let dss_id = doc
        .catalog()
        .unwrap()
        .get(b"DSS")
        .unwrap()
        .as_reference()
        .unwrap();
    doc.get_dictionary_mut(dss_id).unwrap().remove(b"VRI");
    let mut no_vri = Vec::new();
    doc.save_to(&mut no_vri).unwrap();
    assert!(!no_vri.windows(4).any(|w| w == b"/VRI"));
    // A full rewrite breaks the byte ranges' revision structure but not the
    // level inputs; check the DSS reader instead of the whole report.
    let loaded = Document::load_mem(&no_vri).unwrap();
    let data = crate::verify::revocation::RevocationData::from_dss(&loaded, 64, 1 << 20);
    assert_eq!(data.ocsps.len(), 3);
    assert_eq!(data.crls.len(), 1);
}

// ---- Parser robustness: deterministic mutations of real inputs ----------

/// xorshift64*: deterministic pseudo-random numbers for the mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// One mutation of `base`: byte flips, DER-significant byte values,
/// truncation, insertion, deletion, duplication, or random bytes.
fn mutate(base: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut v = base.to_vec();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let at = rng.below(v.len().max(1));
        match rng.below(8) {
            0 if !v.is_empty() => v[at] ^= 1 << rng.below(8),
            1 if !v.is_empty() => v[at] = [0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0xff][rng.below(7)],
            2 => v.truncate(at),
            3 => {
                let n = rng.below(8) + 1;
                let junk: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                v.splice(at..at, junk);
            }
            4 => {
                let end = (at + rng.below(64) + 1).min(v.len());
                v.drain(at..end);
            }
            5 => {
                let end = (at + rng.below(256) + 1).min(v.len());
                let chunk = v[at..end].to_vec();
                v.splice(at..at, chunk);
            }
            6 if !v.is_empty() => {
                // Lengths: make a long-form length claim huge.
                v[at] = 0x84;
                for k in 1..5 {
                    if let Some(b) = v.get_mut(at + k) {
                        *b = 0xff;
                    }
                }
            }
            _ => {
                let n = rng.below(64);
                v = (0..n).map(|_| rng.next() as u8).collect();
            }
        }
    }
    v
}

/// Run `f` on `n` mutations of `base`; every call must return (no panic).
/// Returns how many returned `true` (accepted).
fn fuzz_with(base: &[u8], seed: u64, n: usize, f: impl Fn(&[u8]) -> bool) -> usize {
    let mut rng = Rng(seed);
    let mut accepted = 0;
    for i in 0..n {
        let input = mutate(base, &mut rng);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&input)));
        match r {
            Ok(true) => accepted += 1,
            Ok(false) => {}
            Err(_) => panic!(
                "panicked on mutation {i} (seed {seed}): {}",
                hex::encode(&input)
            ),
        }
    }
    accepted
}

/// A real time-stamp response for `data` with `nonce`, from the kit's TSA.
fn real_timestamp_response(kit: &Kit, data: &[u8], nonce: &[u8]) -> Vec<u8> {
    let imprint = tsp::MessageImprint {
        hash_algorithm: crate::digest::DigestAlgorithm::Sha256.algorithm_identifier(),
        hashed_message: der::asn1::OctetString::new(
            crate::digest::DigestAlgorithm::Sha256.digest(data),
        )
        .unwrap(),
    }
    .to_der()
    .unwrap();
    let tok = testkit::token(
        &imprint,
        Some(nonce),
        &kit.tsa.key,
        &kit.tsa.cert,
        std::slice::from_ref(&kit.root.cert),
    );
    testkit::timestamp_response(&tok)
}

const MUTATIONS: usize = 3000;

#[test]
fn time_stamp_response_and_token_parsing_never_panics_on_mutations() {
    let kit = Kit::new();
    let data = b"signature value";
    let nonce = [0x5a, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07];
    let resp = real_timestamp_response(&kit, data, &nonce);
    let client = TsaClient::new("http://tsa.test/");
    // The unmutated response is accepted.
    let tok = tsp::check_response("http://tsa.test/", &resp, data, &nonce, &client).unwrap();
    assert!(
        tok.tsa_subject.starts_with("CN=LTV TSA"),
        "{}",
        tok.tsa_subject
    );
    assert_eq!(tok.certificates[0], der(&kit.tsa.cert));
    let opts = VerifyOptions::new(now());
    let check = |r: &[u8]| match tsp::check_response("http://tsa.test/", r, data, &nonce, &client) {
        Ok(t) => {
            assert!(!t.der.is_empty());
            true
        }
        Err(e) => {
            assert!(e.code().starts_with("ltv_"), "{}", e.code());
            false
        }
    };
    let accepted = fuzz_with(&resp, 0x7e57_0001, MUTATIONS, check);
    assert!(accepted < MUTATIONS / 2, "{accepted} mutations accepted");

    // The token alone, through the public verifier entry point.
    let token = tok.der;
    let report = crate::verify::verify_timestamp_token(&token, Some(data), &opts).unwrap();
    assert!(report.gen_time.is_some());
    let accepted =
        fuzz_with(
            &token,
            0x7e57_0002,
            MUTATIONS,
            |t| match crate::verify::verify_timestamp_token(t, Some(data), &opts) {
                Ok(r) => r.status != crate::verify::Status::Invalid,
                Err(e) => {
                    assert!(!e.code().is_empty());
                    false
                }
            },
        );
    assert!(accepted < MUTATIONS / 2, "{accepted} mutations accepted");
    // The request type too (what a TSA would parse).
    let (req, _) = client.request(data).unwrap();
    fuzz_with(&req, 0x7e57_0003, MUTATIONS, |r| {
        <tsp::TimeStampReq as der::Decode>::from_der(r).is_ok()
    });
}

#[test]
fn ocsp_response_parsing_never_panics_on_mutations() {
    let kit = Kit::new();
    let nonce = [9u8; 16];
    let cert = der(kit.signer_a.certificate());
    let issuer = der(&kit.issuing_a.cert);
    let resp = testkit::ocsp_response(kit.signer_a.certificate(), &kit.issuing_a, Some(&nonce));
    use crate::verify::revocation::{Fetched, check_fetched_ocsp, parse_ocsp_response};
    assert_eq!(
        check_fetched_ocsp(&resp, &cert, &issuer, Some(&nonce), true, now(), 300),
        Ok(Fetched::Good)
    );
    let accepted = fuzz_with(&resp, 0x0c5b_0001, MUTATIONS, |r| {
        let parsed = parse_ocsp_response(r);
        if let Err(e) = &parsed {
            assert!(!e.0.is_empty());
        }
        match check_fetched_ocsp(r, &cert, &issuer, Some(&nonce), true, now(), 300) {
            Ok(_) => true,
            Err(e) => {
                assert!(!e.is_empty());
                false
            }
        }
    });
    assert!(accepted < MUTATIONS / 2, "{accepted} mutations accepted");
}

#[test]
fn crl_parsing_never_panics_on_mutations() {
    let kit = Kit::new();
    let crl = testkit::crl(&kit.issuing_b, &[kit.signer_b.certificate()]);
    let cert = der(kit.signer_b.certificate());
    let issuer = der(&kit.issuing_b.cert);
    use crate::verify::revocation::{Fetched, check_fetched_crl, parse_crl};
    let parsed = parse_crl(&crl).unwrap();
    assert_eq!(parsed.revoked.len(), 1);
    assert!(matches!(
        check_fetched_crl(&crl, &cert, &issuer, now(), 300),
        Ok(Fetched::Revoked(_))
    ));
    let accepted = fuzz_with(&crl, 0x0c41_0001, MUTATIONS, |r| {
        let _ = parse_crl(r);
        match check_fetched_crl(r, &cert, &issuer, now(), 300) {
            Ok(_) => true,
            Err(e) => {
                assert!(!e.is_empty());
                false
            }
        }
    });
    assert!(accepted < MUTATIONS / 2, "{accepted} mutations accepted");
}

/// `SAOY_WRITE_FUZZ_SEEDS=signing/fuzz/seeds cargo test -p saoy-signing --lib write_fuzz_seeds`
/// writes the seed corpus of the fuzz targets from this kit (nothing otherwise).
#[test]
fn write_fuzz_seeds() {
    let Some(dir) = std::env::var_os("SAOY_WRITE_FUZZ_SEEDS") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let kit = Kit::new();
    let resp = real_timestamp_response(&kit, b"seed", &[0x11; 8]);
    let token = tsp::check_response(
        "http://tsa.test/",
        &resp,
        b"seed",
        &[0x11; 8],
        &TsaClient::new("http://tsa.test/"),
    )
    .unwrap()
    .der;
    let ocsp = testkit::ocsp_response(kit.signer_a.certificate(), &kit.issuing_a, Some(&[7; 16]));
    let ocsp_plain = testkit::ocsp_response(&kit.tsa.cert, &kit.root, None);
    let crl_empty = testkit::crl(&kit.root, &[]);
    let crl_one = testkit::crl(&kit.issuing_b, &[kit.signer_b.certificate()]);
    for (target, name, bytes) in [
        ("timestamp_response", "granted.der", &resp),
        ("timestamp_token", "token.der", &token),
        ("ocsp_response", "good-with-nonce.der", &ocsp),
        ("ocsp_response", "good.der", &ocsp_plain),
        ("crl", "empty.der", &crl_empty),
        ("crl", "one-revoked.der", &crl_one),
    ] {
        let d = dir.join(target);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(name), bytes).unwrap();
    }
}
