//! The JS exports, run as wasm in Node and in headless Chromium (wasm-bindgen-test):
//! `cargo test -p saoy-wasm --target wasm32-unknown-unknown` (Node), and the same with
//! `WASM_BINDGEN_USE_BROWSER=1` (Chromium through chromedriver). `.ci/eval/wasm.sh` runs both.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use js_sys::Reflect;
use saoy_wasm::js::{kind_name, parse_code, verify_pdf, verify_pdf_async, verify_seal};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

// Signed PDFs committed as the signing crate's fuzz seeds (signed by a throw-away test PKI whose
// root we do not have: their chains are indeterminate, their bytes intact).
const SIGNED: &[u8] = include_bytes!("../../../signing/fuzz/seeds/verify_pdf/signed-once.pdf");
const SIGNED_TWICE: &[u8] =
    include_bytes!("../../../signing/fuzz/seeds/verify_pdf/signed-twice.pdf");
const SEALS: &str = include_str!("../../../core/vectors/seals.json");
const CODES: &str = include_str!("../../../core/vectors/codes.json");

fn get(v: &JsValue, path: &str) -> JsValue {
    let mut cur = v.clone();
    for k in path.split('.') {
        cur = match k.parse::<u32>() {
            Ok(i) => Reflect::get_u32(&cur, i).unwrap(),
            Err(_) => Reflect::get(&cur, &JsValue::from_str(k)).unwrap(),
        };
    }
    cur
}

fn s(v: &JsValue, path: &str) -> String {
    get(v, path)
        .as_string()
        .unwrap_or_else(|| panic!("{path} is not a string"))
}

fn codes_of(report: &JsValue) -> Vec<String> {
    let mut out = Vec::new();
    let sigs = js_sys::Array::from(&get(report, "signatures"));
    let mut lists = vec![get(report, "reasons")];
    lists.extend(sigs.iter().map(|s| get(&s, "reasons")));
    for l in lists {
        for r in js_sys::Array::from(&l).iter() {
            out.push(s(&r, "code"));
        }
    }
    out
}

/// Change one byte inside the signed range (the page's font name) without breaking the syntax.
fn tamper(pdf: &[u8]) -> Vec<u8> {
    let mut bad = pdf.to_vec();
    let at = bad
        .windows(11)
        .position(|w| w == b"Times-Roman")
        .expect("the page font");
    bad[at + 10] = b'm';
    bad
}

const AT: f64 = 1_800_000_000.0; // 2027-01-15, inside the seeds' certificate validity

#[wasm_bindgen_test]
fn signed_copy_without_anchor_is_indeterminate_in_both_languages() {
    let vi = verify_pdf(SIGNED, vec![], Some("vi".into()), Some(AT)).unwrap();
    assert_eq!(s(&vi, "status"), "indeterminate");
    assert_eq!(s(&vi, "label"), "CHƯA XÁC ĐỊNH");
    assert_eq!(s(&vi, "lang"), "vi");
    let codes = codes_of(&vi);
    assert!(!codes.contains(&"digest_mismatch".to_string()), "{codes:?}");
    let r = get(&vi, "signatures.0.reasons.0");
    assert_eq!(s(&r, "message"), s(&r, "vi"));
    assert_ne!(s(&r, "en"), s(&r, "vi"));
    let en = verify_pdf(SIGNED, vec![], Some("en".into()), Some(AT)).unwrap();
    assert_eq!(s(&en, "label"), "INDETERMINATE");
    assert_eq!(s(&en, "signatures.0.reasons.0.message"), s(&r, "en"));
    assert!(s(&en, "text").starts_with("Document: INDETERMINATE"));
    let two = verify_pdf(SIGNED_TWICE, vec![], None, Some(AT)).unwrap();
    assert_eq!(js_sys::Array::from(&get(&two, "signatures")).length(), 2);
}

#[wasm_bindgen_test]
fn tampered_copy_is_invalid() {
    let r = verify_pdf(&tamper(SIGNED), vec![], Some("en".into()), Some(AT)).unwrap();
    assert_eq!(s(&r, "status"), "invalid");
    assert!(
        codes_of(&r).contains(&"digest_mismatch".to_string()),
        "{:?}",
        codes_of(&r)
    );
}

#[wasm_bindgen_test]
fn errors_are_thrown_as_saoy_errors() {
    let e = verify_pdf(b"not a pdf", vec![], Some("en".into()), Some(AT)).unwrap_err();
    assert_eq!(s(&e, "name"), "SaoyError");
    assert_eq!(s(&e, "code"), "not_pdf");
    assert_eq!(s(&e, "message"), s(&e, "en"));
    let e = verify_pdf(SIGNED, vec!["x".into()], Some("vi".into()), Some(AT)).unwrap_err();
    assert_eq!(s(&e, "code"), "bad_pem");
    assert_eq!(s(&e, "message"), s(&e, "vi"));
    let e = verify_pdf(SIGNED, vec![], Some("fr".into()), Some(AT)).unwrap_err();
    assert_eq!(s(&e, "code"), "bad_lang");
    // Without a time, the browser's clock is used (no panic on wasm32).
    let r = verify_pdf(SIGNED, vec![], None, None).unwrap();
    assert!(s(&r, "validation_time").starts_with("20"));
}

#[wasm_bindgen_test]
fn seal_vectors() {
    let d = js_sys::JSON::parse(SEALS).unwrap();
    let key = js_sys::Object::new();
    Reflect::set(&key, &"name".into(), &get(&d, "issuer_key.label")).unwrap();
    Reflect::set(
        &key,
        &"sec1Hex".into(),
        &get(&d, "issuer_key.sec1_compressed_hex"),
    )
    .unwrap();
    let keys = js_sys::Array::of1(&key);
    let valid = js_sys::Array::from(&get(&d, "valid"));
    assert!(valid.length() > 0);
    for v in valid.iter() {
        let r = verify_seal(&s(&v, "url"), keys.clone().into(), Some("vi".into())).unwrap();
        assert_eq!(s(&r, "status"), "valid");
        assert_eq!(s(&r, "label"), "HỢP LỆ");
        assert_eq!(s(&r, "content.code"), s(&v, "code"));
        assert_eq!(s(&r, "key_name"), s(&d, "issuer_key.label"));
        assert_eq!(s(&r, "reasons.0.message"), s(&r, "reasons.0.vi"));
    }
    for v in js_sys::Array::from(&get(&d, "invalid")).iter() {
        let r = verify_seal(&s(&v, "text"), keys.clone().into(), Some("en".into())).unwrap();
        assert_eq!(s(&r, "status"), s(&v, "status"));
        assert_eq!(s(&r, "reasons.0.code"), s(&v, "reason"));
    }
    let url = s(&valid.get(0), "url");
    let r = verify_seal(&url, JsValue::NULL, None).unwrap();
    assert_eq!(s(&r, "status"), "indeterminate");
    let bad = js_sys::Array::of1(&"zz".into());
    let e = verify_seal(&url, bad.into(), Some("en".into())).unwrap_err();
    assert_eq!(s(&e, "code"), "bad_argument");
}

#[wasm_bindgen_test]
fn code_vectors() {
    let d = js_sys::JSON::parse(CODES).unwrap();
    for v in js_sys::Array::from(&get(&d, "accepted")).iter() {
        let p = parse_code(&s(&v, "input"), None).unwrap();
        assert_eq!(s(&p, "code"), s(&v, "code"));
    }
    let rejected = js_sys::Array::from(&get(&d, "rejected"));
    assert!(rejected.length() >= 3);
    for v in rejected.iter() {
        let e = parse_code(&s(&v, "input"), Some("vi".into())).unwrap_err();
        assert_eq!(s(&e, "code"), s(&v, "error"));
        assert_eq!(s(&e, "message"), s(&e, "vi"));
    }
    assert_eq!(kind_name(3, Some("vi".into())).unwrap(), "văn bằng");
}

/// The DER elements inside `content` (raw, header included). Test input only: our own seeds.
fn der_children(mut content: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while content.len() >= 2 {
        let (head, len) = match content[1] {
            l if l < 0x80 => (2, usize::from(l)),
            l => {
                let n = usize::from(l & 0x7f);
                let len = content[2..2 + n]
                    .iter()
                    .fold(0usize, |a, b| a << 8 | usize::from(*b));
                (2 + n, len)
            }
        };
        out.push(&content[..head + len]);
        content = &content[head + len..];
    }
    out
}

/// The content octets of a DER element.
fn der_content(raw: &[u8]) -> &[u8] {
    let head = if raw[1] < 0x80 {
        2
    } else {
        2 + usize::from(raw[1] & 0x7f)
    };
    &raw[head..]
}

/// The certificates of the newest signature's CMS, as PEM texts.
fn cms_certificates_pem(pdf: &[u8]) -> Vec<String> {
    let open = pdf
        .windows(11)
        .rposition(|w| w == b"/Contents <")
        .expect("a signature")
        + 11;
    let len = pdf[open..].iter().position(|c| *c == b'>').unwrap();
    let hex = std::str::from_utf8(&pdf[open..open + len]).unwrap();
    let cms: Vec<u8> = (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let content_info = der_children(&cms)[0];
    let wrapped = der_children(der_content(content_info))[1];
    let signed_data = der_children(der_content(wrapped))[0];
    let certs = der_children(der_content(signed_data))
        .into_iter()
        .find(|e| e[0] == 0xa0)
        .expect("certificates in the CMS");
    der_children(der_content(certs))
        .into_iter()
        .map(|der| {
            let b64 = base64(der);
            let lines: Vec<&str> = b64
                .as_bytes()
                .chunks(64)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect();
            format!(
                "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
                lines.join("\n")
            )
        })
        .collect()
}

fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = c
            .iter()
            .enumerate()
            .fold(0u32, |a, (i, b)| a | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= c.len() {
                A[(n >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

fn json(v: &JsValue) -> String {
    js_sys::JSON::stringify(v).unwrap().into()
}

async fn both(pdf: &[u8], anchors: &[String], lang: &str) -> (JsValue, JsValue) {
    let sync = verify_pdf(pdf, anchors.to_vec(), Some(lang.into()), Some(AT)).unwrap();
    let asyn = verify_pdf_async(pdf.to_vec(), anchors.to_vec(), Some(lang.into()), Some(AT))
        .await
        .unwrap();
    (sync, asyn)
}

/// verifyPdfAsync (WebCrypto for the digests and ECDSA checks) gives verifyPdf's report, the
/// whole of it (verdict, every reason, both languages): valid, tampered, signed twice.
#[wasm_bindgen_test]
async fn verify_pdf_async_gives_the_report_of_verify_pdf() {
    let subtle = Reflect::get(&js_sys::global(), &"crypto".into())
        .and_then(|c| Reflect::get(&c, &"subtle".into()))
        .unwrap();
    assert!(subtle.is_object(), "no crypto.subtle here");
    // Each certificate of the seed's CMS as the trust anchor: the issuing CA's makes it valid.
    let anchors = cms_certificates_pem(SIGNED);
    assert!(anchors.len() >= 2, "{anchors:?}");
    let (mut valid, mut most) = (0, 0);
    for anchor in &anchors {
        let one = [anchor.clone()];
        let (sync, asyn) = both(SIGNED, &one, "vi").await;
        assert_eq!(json(&asyn), json(&sync));
        // Every ECDSA check (the signature value; the chain links up to the anchor) went to
        // WebCrypto, and each was answered there.
        let (requests, answered, _) = saoy_wasm::last_webcrypto_answers();
        assert!(
            requests >= 1 && answered == requests,
            "{requests} {answered}"
        );
        most = most.max(requests);
        if s(&sync, "status") == "valid" {
            valid += 1;
            let (sync, asyn) = both(&tamper(SIGNED), &one, "en").await;
            assert_eq!(s(&asyn, "status"), "invalid");
            assert!(codes_of(&asyn).contains(&"digest_mismatch".to_string()));
            assert_eq!(json(&asyn), json(&sync));
            // Signed twice: the newer signature's content digest (14 KB) is WebCrypto's too.
            for a in &cms_certificates_pem(SIGNED_TWICE) {
                let (sync, asyn) = both(SIGNED_TWICE, std::slice::from_ref(a), "en").await;
                assert_eq!(json(&asyn), json(&sync));
                let (requests, answered, digests) = saoy_wasm::last_webcrypto_answers();
                assert_eq!((answered, digests), (requests, 1));
            }
            let mut bad = SIGNED_TWICE.to_vec();
            // A letter's case in the last trailer's /ID: signed by the newer signature only.
            let id = bad.windows(4).rposition(|w| w == b"/ID[").unwrap();
            let k = id
                + 5
                + bad[id + 5..]
                    .iter()
                    .position(u8::is_ascii_alphabetic)
                    .unwrap();
            bad[k] ^= 0x20;
            let (sync, asyn) = both(&bad, &one, "en").await;
            assert_eq!(json(&asyn), json(&sync));
            assert!(codes_of(&asyn).contains(&"digest_mismatch".to_string()));
        }
    }
    assert!(valid >= 1, "no certificate of the CMS makes the seed valid");
    assert!(most >= 2, "{most}");
    // Without anchors, and errors: rejected with the same SaoyError.
    let (sync, asyn) = both(SIGNED_TWICE, &[], "vi").await;
    assert_eq!(json(&asyn), json(&sync));
    let e = verify_pdf_async(b"not a pdf".to_vec(), vec![], Some("en".into()), Some(AT))
        .await
        .unwrap_err();
    assert_eq!(s(&e, "name"), "SaoyError");
    assert_eq!(s(&e, "code"), "not_pdf");
    let e = verify_pdf_async(
        SIGNED.to_vec(),
        vec!["x".into()],
        Some("vi".into()),
        Some(AT),
    )
    .await
    .unwrap_err();
    assert_eq!(s(&e, "code"), "bad_pem");
}
