//! Native unit tests of the binding logic (the same functions the JS exports call). The wasm
//! exports themselves are tested in Node and Chromium by `tests/web.rs` (wasm-bindgen-test).
// Test code: clippy's allow-unwrap-in-tests does not see through `cfg(all(test, ...))`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use saoy_signing::pki::TestPki;
use saoy_signing::sign::{SignOptions, sign_pdf};

const SEALS: &str = include_str!("../../../core/vectors/seals.json");
const CODES: &str = include_str!("../../../core/vectors/codes.json");

fn tiny_pdf() -> Vec<u8> {
    let objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ];
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offs = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offs.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(b"xref\n0 4\n0000000000 65535 f \n");
    for o in offs {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

fn signed() -> (Vec<u8>, String) {
    let pki = TestPki::generate().unwrap();
    let pdf = sign_pdf(&tiny_pdf(), &pki.signer().unwrap(), &SignOptions::default()).unwrap();
    let root = der::EncodePem::to_pem(&pki.root, der::pem::LineEnding::LF).unwrap();
    (pdf, root)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn reason_codes(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut all: Vec<&Value> = v["reasons"].as_array().unwrap().iter().collect();
    for s in v["signatures"].as_array().unwrap() {
        all.extend(s["reasons"].as_array().unwrap());
    }
    for r in all {
        out.push(r["code"].as_str().unwrap().to_string());
    }
    out
}

#[test]
fn signed_pdf_is_valid_with_its_root_and_messages_follow_lang() {
    let (pdf, root) = signed();
    let v = verify_pdf_report(&pdf, std::slice::from_ref(&root), Lang::Vi, now()).unwrap();
    assert_eq!(v["status"], "valid", "{v:#}");
    assert_eq!(v["label"], "HỢP LỆ");
    assert_eq!(v["lang"], "vi");
    assert_eq!(v["trustAnchors"], 1);
    assert_eq!(v["signatures"].as_array().unwrap().len(), 1);
    let r0 = &v["signatures"][0]["reasons"][0];
    assert_eq!(r0["message"], r0["vi"]);
    assert_ne!(r0["en"], r0["vi"]);
    assert!(v["text"].as_str().unwrap().starts_with("Tài liệu: HỢP LỆ"));

    let en = verify_pdf_report(&pdf, &[root], Lang::En, now()).unwrap();
    assert_eq!(en["label"], "VALID");
    assert_eq!(en["signatures"][0]["reasons"][0]["message"], r0["en"]);
}

#[test]
fn without_anchor_is_indeterminate_and_tampered_is_invalid() {
    let (pdf, root) = signed();
    let v = verify_pdf_report(&pdf, &[], Lang::En, now()).unwrap();
    assert_eq!(v["status"], "indeterminate", "{v:#}");
    // Flip one byte of the page object (inside the signed range).
    let mut bad = pdf.clone();
    let at = bad
        .windows(3)
        .position(|w| w == b"595")
        .expect("page object");
    bad[at + 2] = b'4';
    let v = verify_pdf_report(&bad, &[root], Lang::En, now()).unwrap();
    assert_eq!(v["status"], "invalid", "{v:#}");
    assert!(
        reason_codes(&v).iter().any(|c| c == "digest_mismatch"),
        "{:?}",
        reason_codes(&v)
    );
}

#[test]
fn errors_carry_codes_and_both_languages() {
    let e = verify_pdf_report(b"hello", &[], Lang::Vi, 0).unwrap_err();
    assert_eq!(e.code(), "not_pdf");
    assert!(e.vi().contains("PDF") && e.vi() != e.en());
    let e = verify_pdf_report(&tiny_pdf(), &["garbage".into()], Lang::Vi, 0).unwrap_err();
    assert_eq!(e.code(), "bad_pem");
    // An empty anchor string is ignored (an empty textarea on the page).
    let v = verify_pdf_report(&tiny_pdf(), &["  ".into()], Lang::En, 0).unwrap();
    assert_eq!(v["status"], "indeterminate");
    assert_eq!(parse_lang("vi-VN").unwrap(), Lang::Vi);
    assert_eq!(parse_lang("EN").unwrap(), Lang::En);
    assert_eq!(parse_lang("fr").unwrap_err().code(), "bad_lang");
}

#[test]
fn seal_vectors() {
    let d: Value = serde_json::from_str(SEALS).unwrap();
    let key = IssuerKeyInput::Named {
        name: Some(d["issuer_key"]["label"].as_str().unwrap().into()),
        pem: None,
        sec1_hex: Some(
            d["issuer_key"]["sec1_compressed_hex"]
                .as_str()
                .unwrap()
                .into(),
        ),
    };
    let keys = [key];
    let valid = d["valid"].as_array().unwrap();
    assert!(!valid.is_empty());
    for vec in valid {
        for text in [&vec["url"], &vec["seal_base64url"]] {
            let r = verify_seal_report(text.as_str().unwrap(), &keys, Lang::Vi).unwrap();
            assert_eq!(r["status"], "valid", "{r:#}");
            assert_eq!(r["label"], "HỢP LỆ");
            assert_eq!(r["content"]["code"], vec["code"]);
            assert_eq!(r["content"]["issued_at"], vec["issued_at"]);
            assert_eq!(r["reasons"][0]["code"], "seal_valid");
            assert_eq!(r["reasons"][0]["message"], r["reasons"][0]["vi"]);
        }
    }
    for vec in d["invalid"].as_array().unwrap() {
        let r = verify_seal_report(vec["text"].as_str().unwrap(), &keys, Lang::En).unwrap();
        assert_eq!(r["status"], vec["status"], "{r:#}");
        assert_eq!(r["reasons"][0]["code"], vec["reason"]);
    }
    // A well-formed seal with no trusted key: indeterminate.
    let url = valid[0]["url"].as_str().unwrap();
    let r = verify_seal_report(url, &[], Lang::En).unwrap();
    assert_eq!(r["status"], "indeterminate");
    assert_eq!(r["reasons"][0]["code"], "seal_unknown_key");
    // Bad key text is an error with the seal's code.
    let e = verify_seal_report(url, &[IssuerKeyInput::Text("zz".into())], Lang::En).unwrap_err();
    assert_eq!(e.code(), "bad_argument");
    let e = verify_seal_report(url, &[IssuerKeyInput::Text("0203".into())], Lang::En).unwrap_err();
    assert_eq!(e.code(), "seal_bad_key");
}

#[test]
fn code_vectors() {
    let d: Value = serde_json::from_str(CODES).unwrap();
    for v in d["valid"].as_array().unwrap() {
        let p = parse_code_value(v["compact"].as_str().unwrap()).unwrap();
        assert_eq!(p["code"], v["code"]);
        assert_eq!(p["compact"], v["compact"]);
    }
    for v in d["accepted"].as_array().unwrap() {
        let p = parse_code_value(v["input"].as_str().unwrap()).unwrap();
        assert_eq!(p["code"], v["code"]);
    }
    let rejected = d["rejected"].as_array().unwrap();
    assert!(rejected.len() >= 3);
    for v in rejected {
        let e = parse_code_value(v["input"].as_str().unwrap()).unwrap_err();
        assert_eq!(e.code(), v["error"].as_str().unwrap(), "{v}");
        assert_ne!(e.vi(), e.en());
    }
}

#[test]
fn kind_names() {
    assert_eq!(kind_name(3, Lang::Vi), "văn bằng");
    assert_eq!(kind_name(3, Lang::En), "diploma");
}
