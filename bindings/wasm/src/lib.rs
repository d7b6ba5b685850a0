#![doc = include_str!("../README.md")]

mod error;
pub mod js;
mod webcrypto;

#[doc(hidden)]
pub use webcrypto::last_answers as last_webcrypto_answers;

pub use error::Error;

use saoy_core::seal::{IssuerKey, IssuerKeys, SealStatus, verify_seal};
use saoy_core::{DocumentKind, VerificationCode};
use saoy_signing::verify::{DocumentReport, Lang, VerifyOptions, verify_pdf};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Parse a language tag: `vi` (also `vi-VN`) or `en` (also `en-US`), case-insensitive.
pub fn parse_lang(tag: &str) -> Result<Lang, Error> {
    let t = tag.trim().to_ascii_lowercase();
    match t.split(['-', '_']).next().unwrap_or("") {
        "vi" => Ok(Lang::Vi),
        "en" => Ok(Lang::En),
        _ => Err(Error::Lang {
            found: tag.chars().take(16).collect(),
        }),
    }
}

fn lang_key(lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => "vi",
        _ => "en",
    }
}

/// Add `message` (the text in `lang`) beside `en`/`vi` to every reason object in `v`.
fn add_messages(v: &mut Value, lang: Lang) {
    match v {
        Value::Object(m) => {
            if let (Some(Value::String(_)), Some(Value::String(_))) = (m.get("en"), m.get("vi"))
                && let Some(text) = m.get(lang_key(lang)).cloned()
            {
                m.insert("message".into(), text);
            }
            for child in m.values_mut() {
                add_messages(child, lang);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|c| add_messages(c, lang)),
        _ => {}
    }
}

fn to_object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => {
            let mut m = Map::new();
            m.insert("value".into(), other);
            m
        }
    }
}

/// Verify every signature of a PDF (the `verifyPdf` export).
///
/// `trust_anchors_pem`: PEM texts, each with one or more `CERTIFICATE` blocks. `at`: validation
/// time, Unix seconds. The result is the signing crate's `DocumentReport` as JSON plus `lang`,
/// `label` (the verdict in `lang`), `text` (a readable summary in `lang`) and a `message` (in
/// `lang`) on every reason. Only input that is not a PDF at all, exceeds a limit, or a trust
/// anchor that is not a certificate, is an [`Error`]; a tampered file is a report.
pub fn verify_pdf_report(
    bytes: &[u8],
    trust_anchors_pem: &[String],
    lang: Lang,
    at: i64,
) -> Result<Value, Error> {
    let opts = verify_options(trust_anchors_pem, at)?;
    let report = verify_pdf(bytes, &opts)?;
    report_value(&report, lang, &opts)
}

/// The options of [`verify_pdf_report`]: the trust anchors of every non-blank PEM text, time `at`.
pub fn verify_options(trust_anchors_pem: &[String], at: i64) -> Result<VerifyOptions, Error> {
    let mut opts = VerifyOptions::new(at);
    for pem in trust_anchors_pem.iter().filter(|p| !p.trim().is_empty()) {
        opts = opts.with_trust_anchors_pem(pem)?;
    }
    Ok(opts)
}

/// A report as [`verify_pdf_report`] returns it (the `verifyPdf` and `verifyPdfAsync` result).
pub fn report_value(
    report: &DocumentReport,
    lang: Lang,
    opts: &VerifyOptions,
) -> Result<Value, Error> {
    let mut out = to_object(serde_json::to_value(report).map_err(Error::json)?);
    out.insert("lang".into(), lang_key(lang).into());
    out.insert("label".into(), report.status.label(lang).into());
    out.insert("text".into(), report.render_text(lang).into());
    out.insert("trustAnchors".into(), opts.trust_anchor_count().into());
    let mut v = Value::Object(out);
    add_messages(&mut v, lang);
    Ok(v)
}

/// One trusted issuer (seal) key as JavaScript passes it: a PEM string (SPKI `PUBLIC KEY`), a hex
/// SEC1 point, or `{ name?, pem? , sec1Hex? }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum IssuerKeyInput {
    /// PEM text or hex SEC1 point.
    Text(String),
    /// Named key.
    Named {
        /// Display name.
        #[serde(default)]
        name: Option<String>,
        /// SPKI PEM.
        #[serde(default)]
        pem: Option<String>,
        /// SEC1 point, hex (compressed or not).
        #[serde(default, rename = "sec1Hex")]
        sec1_hex: Option<String>,
    },
}

fn issuer_key(i: usize, input: &IssuerKeyInput) -> Result<IssuerKey, Error> {
    let default_name = || format!("issuer key #{}", i + 1);
    let (name, pem, sec1) = match input {
        IssuerKeyInput::Text(t) if t.contains("-----BEGIN") => (default_name(), Some(t), None),
        IssuerKeyInput::Text(t) => (default_name(), None, Some(t)),
        IssuerKeyInput::Named {
            name,
            pem,
            sec1_hex,
        } => (
            name.clone().unwrap_or_else(default_name),
            pem.as_ref(),
            sec1_hex.as_ref(),
        ),
    };
    match (pem, sec1) {
        (Some(pem), _) => Ok(IssuerKey::from_public_key_pem(name, pem)?),
        (None, Some(h)) => {
            let bytes = decode_hex(h.trim()).ok_or_else(|| Error::Input {
                detail: format!("issuer key #{}: not PEM and not hex", i + 1),
            })?;
            Ok(IssuerKey::from_sec1(name, &bytes)?)
        }
        (None, None) => Err(Error::Input {
            detail: format!("issuer key #{}: neither `pem` nor `sec1Hex`", i + 1),
        }),
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.is_empty() || !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
        .collect()
}

/// Build the trusted seal-key set from JavaScript inputs.
pub fn issuer_keys(inputs: &[IssuerKeyInput]) -> Result<IssuerKeys, Error> {
    let mut keys = IssuerKeys::new();
    for (i, k) in inputs.iter().enumerate() {
        keys.push(issuer_key(i, k)?);
    }
    Ok(keys)
}

fn seal_label(status: SealStatus, lang: Lang) -> &'static str {
    match (status, lang) {
        (SealStatus::Valid, Lang::Vi) => "HỢP LỆ",
        (SealStatus::Invalid, Lang::Vi) => "KHÔNG HỢP LỆ",
        (_, Lang::Vi) => "CHƯA XÁC ĐỊNH",
        (SealStatus::Valid, _) => "VALID",
        (SealStatus::Invalid, _) => "INVALID",
        _ => "INDETERMINATE",
    }
}

/// Verify QR text (a `https://HOST/v/CODE#SEAL` link, a `#SEAL` fragment or the bare seal) against
/// trusted issuer keys (the `verifySeal` export). The result is core's `SealReport` as JSON plus
/// `lang`, `label`, `kind_name` (document kind in `lang`) and `message` on every reason. A
/// malformed seal is a report (`invalid`); only an unreadable issuer key is an [`Error`].
pub fn verify_seal_report(
    qr_text: &str,
    keys: &[IssuerKeyInput],
    lang: Lang,
) -> Result<Value, Error> {
    let keys = issuer_keys(keys)?;
    let report = verify_seal(qr_text, &keys);
    let kind_name = report.content.as_ref().map(|c| match lang {
        Lang::Vi => c.kind.name_vi(),
        _ => c.kind.name_en(),
    });
    let mut out = to_object(serde_json::to_value(&report).map_err(Error::json)?);
    out.insert("lang".into(), lang_key(lang).into());
    out.insert("label".into(), seal_label(report.status, lang).into());
    out.insert("kind_name".into(), kind_name.into());
    out.insert("trustedKeys".into(), keys.len().into());
    let mut v = Value::Object(out);
    add_messages(&mut v, lang);
    Ok(v)
}

/// Parse a verification code as typed or pasted (the `parseCode` export): `{ code, compact,
/// checkChar }` with `code` in canonical `XXXX-XXXX-XXXX-XXXX-XXXX` form.
pub fn parse_code_value(text: &str) -> Result<Value, Error> {
    let code = VerificationCode::parse(text)?;
    let mut m = Map::new();
    m.insert("code".into(), code.to_string().into());
    m.insert("compact".into(), code.compact().into());
    m.insert("checkChar".into(), code.check_char().to_string().into());
    Ok(Value::Object(m))
}

/// Name of a document kind number in `lang` (for the page's seal view).
pub fn kind_name(kind: u16, lang: Lang) -> String {
    let k = DocumentKind(kind);
    match lang {
        Lang::Vi => k.name_vi(),
        _ => k.name_en(),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
