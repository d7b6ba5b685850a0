//! The JavaScript exports: one-line delegations to the crate's functions, plus the conversion of
//! reports (JSON values) to plain JS objects and of errors to thrown `SaoyError`s.

use crate::{Error, IssuerKeyInput, parse_lang};
use serde_json::Value;
use wasm_bindgen::prelude::*;

fn to_js(v: &Value) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(&v.to_string())
}

/// A thrown `SaoyError`: an `Error` whose `code`, `en` and `vi` properties carry the stable code
/// and both texts; `message` is in the requested language.
fn to_js_error(e: &Error, lang: &str) -> JsValue {
    let vi = parse_lang(lang).map(|l| l == saoy_signing::verify::Lang::Vi);
    let msg = if vi.unwrap_or(true) { e.vi() } else { e.en() };
    let err = js_sys::Error::new(&msg);
    err.set_name("SaoyError");
    let obj: &JsValue = err.as_ref();
    for (k, v) in [
        ("code", e.code().to_string()),
        ("en", e.en()),
        ("vi", e.vi()),
    ] {
        let _ = js_sys::Reflect::set(obj, &JsValue::from_str(k), &JsValue::from_str(&v));
    }
    err.into()
}

fn now_unix() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// `verifyPdf(bytes, trustAnchorsPem, lang = "vi", atUnixSeconds = now)`: verify every signature
/// of a PDF against the given PEM trust anchors. Returns the report object; throws `SaoyError` only
/// when the input is not a PDF, exceeds a limit, or a trust anchor is not a certificate.
#[wasm_bindgen(js_name = verifyPdf)]
pub fn verify_pdf(
    bytes: &[u8],
    trust_anchors_pem: Vec<String>,
    lang: Option<String>,
    at_unix_seconds: Option<f64>,
) -> Result<JsValue, JsValue> {
    let tag = lang.unwrap_or_else(|| "vi".into());
    let at = at_unix_seconds.map_or_else(now_unix, |t| t as i64);
    parse_lang(&tag)
        .and_then(|l| crate::verify_pdf_report(bytes, &trust_anchors_pem, l, at))
        .map_err(|e| to_js_error(&e, &tag))
        .and_then(|v| to_js(&v))
}

/// `verifyPdfAsync(bytes, trustAnchorsPem, lang = "vi", atUnixSeconds = now)`: `verifyPdf` with
/// the platform's WebCrypto (`globalThis.crypto.subtle`) hashing the signed bytes and checking the
/// ECDSA P-256/P-384 signatures, several times faster than the portable code in wasm; the same
/// report (same verdict, same reasons). Without `crypto.subtle` (an insecure context) it does what
/// `verifyPdf` does. Resolves to the report; rejects with a `SaoyError` where `verifyPdf` throws.
#[wasm_bindgen(js_name = verifyPdfAsync)]
pub async fn verify_pdf_async(
    bytes: Vec<u8>,
    trust_anchors_pem: Vec<String>,
    lang: Option<String>,
    at_unix_seconds: Option<f64>,
) -> Result<JsValue, JsValue> {
    let tag = lang.unwrap_or_else(|| "vi".into());
    let at = at_unix_seconds.map_or_else(now_unix, |t| t as i64);
    let run = async {
        let l = parse_lang(&tag)?;
        let opts = crate::verify_options(&trust_anchors_pem, at)?;
        let report = crate::webcrypto::verify_pdf_webcrypto(&bytes, &opts).await?;
        crate::report_value(&report, l, &opts)
    };
    run.await
        .map_err(|e: Error| to_js_error(&e, &tag))
        .and_then(|v| to_js(&v))
}

/// `verifySeal(qrText, issuerKeys, lang = "vi")`: verify the QR seal of a certified copy.
/// `issuerKeys` is an array of PEM strings (SPKI), hex SEC1 points, or `{ name, pem | sec1Hex }`.
#[wasm_bindgen(js_name = verifySeal)]
pub fn verify_seal(
    qr_text: &str,
    issuer_keys: JsValue,
    lang: Option<String>,
) -> Result<JsValue, JsValue> {
    let tag = lang.unwrap_or_else(|| "vi".into());
    let keys = keys_from_js(&issuer_keys).map_err(|e| to_js_error(&e, &tag))?;
    parse_lang(&tag)
        .and_then(|l| crate::verify_seal_report(qr_text, &keys, l))
        .map_err(|e| to_js_error(&e, &tag))
        .and_then(|v| to_js(&v))
}

fn keys_from_js(v: &JsValue) -> Result<Vec<IssuerKeyInput>, Error> {
    if v.is_undefined() || v.is_null() {
        return Ok(Vec::new());
    }
    let bad = |detail: String| Error::Input { detail };
    let text: String = js_sys::JSON::stringify(v)
        .map_err(|_| bad("issuerKeys is not JSON-serializable".into()))?
        .into();
    serde_json::from_str(&text).map_err(|e| bad(format!("issuerKeys: {e}")))
}

/// `parseCode(text)`: parse a verification code as typed or pasted; returns `{ code, compact,
/// checkChar }`, throws `SaoyError` (`code_check_mismatch`, `code_wrong_length`, …) otherwise.
#[wasm_bindgen(js_name = parseCode)]
pub fn parse_code(text: &str, lang: Option<String>) -> Result<JsValue, JsValue> {
    let tag = lang.unwrap_or_else(|| "vi".into());
    crate::parse_code_value(text)
        .map_err(|e| to_js_error(&e, &tag))
        .and_then(|v| to_js(&v))
}

/// `kindName(kind, lang = "vi")`: the name of a document-kind number.
#[wasm_bindgen(js_name = kindName)]
pub fn kind_name(kind: u16, lang: Option<String>) -> Result<String, JsValue> {
    let tag = lang.unwrap_or_else(|| "vi".into());
    parse_lang(&tag)
        .map(|l| crate::kind_name(kind, l))
        .map_err(|e| to_js_error(&e, &tag))
}

/// `version()`: the crate version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
