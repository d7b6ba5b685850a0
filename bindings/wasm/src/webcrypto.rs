//! `verifyPdfAsync`'s crypto: the requests of a deferred verification
//! (`saoy_signing::verify::external`) answered with the platform's WebCrypto
//! (`globalThis.crypto.subtle`: Node >= 19, browsers in a secure context), which hashes and
//! verifies ECDSA natively and off the main thread, where the wasm build has only portable Rust.
//! Every request is started before any is awaited, the likely content digest even before the
//! file is parsed. A request WebCrypto refuses (an engine without a curve, a thrown error) is
//! left unanswered and computed in Rust; without `crypto.subtle` everything is (`verify_pdf`).

use js_sys::{Array, ArrayBuffer, Object, Promise, Reflect, Uint8Array};
use saoy_signing::verify::external::{
    CryptoAnswer, CryptoRequest, likely_requests, verify_pdf_deferred,
};
use saoy_signing::verify::{DocumentReport, VerifyError, VerifyOptions, verify_pdf};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// `SubtleCrypto`.
    type Subtle;

    #[wasm_bindgen(method, catch)]
    fn digest(this: &Subtle, algorithm: &str, data: &[u8]) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch, js_name = importKey)]
    fn import_key(
        this: &Subtle,
        format: &str,
        key: &[u8],
        algorithm: &Object,
        extractable: bool,
        usages: &Array,
    ) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn verify(
        this: &Subtle,
        algorithm: &Object,
        key: &JsValue,
        signature: &[u8],
        data: &[u8],
    ) -> Result<Promise, JsValue>;
}

/// `globalThis.crypto.subtle`, if there is one.
fn subtle() -> Option<Subtle> {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).ok()?;
    let subtle = Reflect::get(&crypto, &"subtle".into()).ok()?;
    (subtle.is_object()).then(|| subtle.unchecked_into())
}

/// `{ name: "ECDSA", <field>: <value> }`.
fn ecdsa_params(field: &str, value: &str) -> Object {
    let o = Object::new();
    let _ = Reflect::set(&o, &"name".into(), &"ECDSA".into());
    let _ = Reflect::set(&o, &field.into(), &value.into());
    o
}

/// One request on its way through WebCrypto.
enum Pending {
    /// `digest()` started.
    Digest(JsFuture),
    /// `importKey()` started; `verify()` follows once the key is there.
    Key(JsFuture),
    /// `verify()` started.
    Verify(JsFuture),
    /// Not answered (computed in Rust).
    None,
}

/// Start what WebCrypto does first for `r`. The byte arguments are views of wasm memory:
/// WebCrypto copies them before the call returns.
fn start(subtle: &Subtle, r: &CryptoRequest) -> Pending {
    let started = match r {
        CryptoRequest::Digest { hash, data } => subtle
            .digest(hash.name(), data)
            .map(|p| Pending::Digest(p.into())),
        CryptoRequest::EcdsaVerify {
            curve, public_key, ..
        } => {
            let usages = Array::of1(&"verify".into());
            subtle
                .import_key(
                    "raw",
                    public_key,
                    &ecdsa_params("namedCurve", curve.name()),
                    false,
                    &usages,
                )
                .map(|p| Pending::Key(p.into()))
        }
        _ => return Pending::None,
    };
    started.unwrap_or(Pending::None)
}

/// Once the key of an ECDSA request is imported: start `verify()`.
async fn then_verify(subtle: &Subtle, r: &CryptoRequest, p: Pending) -> Pending {
    let (
        Pending::Key(key),
        CryptoRequest::EcdsaVerify {
            hash,
            signature,
            message,
            ..
        },
    ) = (p, r)
    else {
        return Pending::None;
    };
    let Ok(key) = key.await else {
        return Pending::None;
    };
    subtle
        .verify(&ecdsa_params("hash", hash.name()), &key, signature, message)
        .map_or(Pending::None, |p| Pending::Verify(p.into()))
}

/// The answer a finished WebCrypto call gives.
async fn answer(p: Pending) -> Option<CryptoAnswer> {
    match p {
        Pending::Digest(f) => {
            let buf: ArrayBuffer = f.await.ok()?.dyn_into().ok()?;
            Some(CryptoAnswer::Digest(Uint8Array::new(&buf).to_vec()))
        }
        Pending::Verify(f) => f.await.ok()?.as_bool().map(CryptoAnswer::Verified),
        Pending::Key(_) | Pending::None => None,
    }
}

/// Verify as `verify_pdf` does, with WebCrypto doing the large digests and the ECDSA
/// P-256/P-384 checks (the same report: `external`'s contract).
pub(crate) async fn verify_pdf_webcrypto(
    bytes: &[u8],
    opts: &VerifyOptions,
) -> Result<DocumentReport, VerifyError> {
    let Some(subtle) = subtle() else {
        return verify_pdf(bytes, opts);
    };
    // The content digest runs in WebCrypto while the file is parsed.
    let mut early: Vec<(CryptoRequest, Pending)> = likely_requests(bytes, opts)
        .into_iter()
        .map(|r| {
            let p = start(&subtle, &r);
            (r, p)
        })
        .collect();
    let deferred = verify_pdf_deferred(bytes, opts)?;
    let requests: Vec<&CryptoRequest> = deferred.requests().collect();
    let mut pending: Vec<Pending> = requests
        .iter()
        .map(|r| match early.iter().position(|(e, _)| e == *r) {
            Some(i) => early.swap_remove(i).1,
            None => start(&subtle, r),
        })
        .collect();
    for (p, r) in pending.iter_mut().zip(&requests) {
        if matches!(p, Pending::Key(_)) {
            let key = std::mem::replace(p, Pending::None);
            *p = then_verify(&subtle, r, key).await;
        }
    }
    let mut answers = Vec::with_capacity(pending.len());
    for p in pending {
        answers.push(answer(p).await);
    }
    let answered = answers.iter().filter(|a| a.is_some()).count();
    let digests = answers
        .iter()
        .filter(|a| matches!(a, Some(CryptoAnswer::Digest(_))))
        .count();
    LAST.with(|l| l.set((answers.len(), answered, digests)));
    deferred.finish(answers)
}

thread_local! {
    /// (requests, answered by WebCrypto, digests among them) of the last `verify_pdf_webcrypto`
    /// on this thread.
    static LAST: std::cell::Cell<(usize, usize, usize)> = const { std::cell::Cell::new((0, 0, 0)) };
}

/// (requests, answered by WebCrypto, digests among the answers) of the last `verifyPdfAsync`
/// that reached WebCrypto: the wasm tests' evidence that the WebCrypto path ran. Not a stable API.
pub fn last_answers() -> (usize, usize, usize) {
    LAST.with(|l| l.get())
}
