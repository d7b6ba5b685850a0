//! The binding API end to end, from Rust: what Kotlin and Python call, minus the foreign side.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use saoy_ffi::*;
use std::sync::{Arc, Mutex};

/// One progress event: step name, `"start"` or `"end"`, ok.
type Event = (String, &'static str, bool);

#[derive(Default, Clone)]
struct Steps(Arc<Mutex<Vec<Event>>>);

impl IssueProgress for Steps {
    fn step_started(&self, step: String, _label_vi: String) {
        self.0.lock().unwrap().push((step, "start", true));
    }
    fn step_finished(&self, step: String, millis: f64, ok: bool) {
        println!("step {step}: {millis:.0} ms, ok={ok}");
        self.0.lock().unwrap().push((step, "end", ok));
    }
}

#[test]
fn errors_carry_stable_codes_without_models() {
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::open(dir.path().join("r.sqlite").display().to_string()).unwrap();
    let e = reg.lookup("NOT-A-CODE".into(), "test".into()).unwrap_err();
    assert_eq!(e.area(), "input");
    assert!(e.code().starts_with("code_"), "{e}");
    let e = Verifier::new(
        String::new(),
        vec![SealKey {
            name: "x".into(),
            public_key_pem: "nope".into(),
        }],
        None,
    )
    .unwrap_err();
    assert_eq!((e.area(), e.code()), ("pki", "pki_bad_seal_key"));

    let pki = KioskPki::open(dir.path().join("pki").display().to_string()).unwrap();
    assert!(pki.generated());
    assert!(pki.root_pem().contains("BEGIN CERTIFICATE"));
    let again = KioskPki::open(pki.dir()).unwrap();
    assert!(!again.generated());
    assert_eq!(again.seal_key(), pki.seal_key());
    let v = Verifier::new(pki.root_pem(), vec![pki.seal_key()], Some(reg)).unwrap();
    let r = v.verify(b"%PDF-1.7 not a signed copy".to_vec(), None);
    assert_eq!(r.verdict, Verdict::Invalid);
    // saoy-core's own `Reason` records, passed through unchanged.
    let reasons: &[saoy_core::Reason] = &r.reasons;
    assert!(!reasons.is_empty() && reasons.iter().all(|x| !x.vi.is_empty()));
}

#[test]
fn issue_verify_revoke_a_demo_copy() {
    let models = ModelStore::open(None, false).unwrap();
    assert_eq!(models.dir(), models_locate(None));
    assert!(models_status(None).iter().all(|f| f.present));
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).display().to_string();
    let pki = KioskPki::open(p("pki")).unwrap();
    let reg = Registry::open(p("registry.sqlite")).unwrap();
    let demo = demo_inputs(7).unwrap();

    let ocr = OcrEngine::new(models.clone(), 0).unwrap();
    let page = ocr.recognize(demo.id_front.clone()).unwrap();
    assert!(!page.lines.is_empty());
    assert_eq!(page.lines[0].quad.len(), 8);
    let e = ocr.recognize(b"not an image".to_vec()).unwrap_err();
    assert_eq!((e.area(), e.code()), ("ocr", "ocr.not_an_image"));

    let options = IssuerOptions {
        liveness_turn_target_deg: Some(demo.liveness_turn_target_deg),
        office_id: Some("HN-HK-KIOSK-01".into()),
        // One shared recognizer session (the Kotlin test issues with the default, one per
        // thread).
        recognizer_sessions: 1,
        ..IssuerOptions::default()
    };
    let issuer = Issuer::new(models, pki.clone(), reg.clone(), p("out"), options).unwrap();
    let steps = Steps::default();
    let request = IssueRequest {
        request_id: "rust-test-1".into(),
        pages: demo.pages.clone(),
        id_front: demo.id_front.clone(),
        id_back: Some(demo.id_back.clone()),
        live_frames: demo.live_frames.clone(),
        challenge: Some(demo.challenge.clone()),
        office_id: "HN-HK-KIOSK-01".into(),
        office_name: "UBND phường Hoàn Kiếm".into(),
        officer_id: "can-bo-01".into(),
    };
    let out = issuer
        .issue(request, Some(Box::new(steps.clone())))
        .unwrap();
    let copy = match out {
        IssueOutcome::Issued { copy } => copy,
        IssueOutcome::Refused { reasons, .. } => panic!("refused: {reasons:?}"),
    };
    let started: Vec<String> = steps
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.1 == "start")
        .map(|s| s.0.clone())
        .collect();
    // The page recognition may run beside the card, page and face steps (core's
    // `IssuerConfig::overlap_steps`): once, before eligibility; the other steps in order.
    let (recognize, rest): (Vec<&str>, Vec<&str>) = started
        .iter()
        .map(String::as_str)
        .partition(|s| *s == "recognize");
    assert_eq!(recognize, ["recognize"], "{started:?}");
    assert_eq!(
        rest,
        [
            "id_card",
            "authenticity",
            "face",
            "eligibility",
            "reserve",
            "render",
            "sign",
            "commit"
        ]
    );
    let at = |step: &str| started.iter().position(|s| s == step);
    assert!(at("recognize") < at("eligibility"), "{started:?}");
    // Checks are saoy-core's own `Check` records, passed through unchanged.
    let face: &saoy_core::workflow::Check =
        copy.checks.iter().find(|c| c.code == "face_match").unwrap();
    assert!(face.passed && !face.vi.is_empty(), "{face:?}");
    assert!(copy.pdf.starts_with(b"%PDF-"));

    let v = Verifier::new(pki.root_pem(), vec![pki.seal_key()], Some(reg.clone())).unwrap();
    let r = v.verify(copy.pdf.clone(), Some(copy.code.clone()));
    assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.reasons);
    assert_eq!(r.registry, "valid");
    let mut bad = copy.pdf.clone();
    let i = bad.len() / 2;
    bad[i] ^= 1;
    assert_eq!(v.verify(bad, None).verdict, Verdict::Invalid);

    let rec = reg
        .lookup(copy.code.clone(), "test".into())
        .unwrap()
        .unwrap();
    assert_eq!(
        (rec.status.as_str(), rec.request_id.as_str()),
        ("valid", "rust-test-1")
    );
    let rec = reg
        .revoke(copy.code.clone(), "test".into(), "can-bo-01".into())
        .unwrap();
    assert_eq!(rec.status, "revoked");
    assert_eq!(
        v.verify(copy.pdf.clone(), Some(copy.code.clone())).verdict,
        Verdict::Revoked
    );
    let e = reg
        .revoke(copy.code, "again".into(), "can-bo-01".into())
        .unwrap_err();
    assert_eq!((e.area(), e.code()), ("registry", "registry_invalid_state"));

    // Crash recovery at start-up. Nothing pending: consistent, nothing done.
    let r = issuer.recover(0).unwrap();
    assert!(r.consistent && r.activated.is_empty(), "{r:?}");
    // A killed issuance of this kiosk (PDF renamed, row still pending) and one of another kiosk
    // on the same registry: the first is completed, the second left alone.
    let core_reg =
        saoy_core::registry::sqlite::SqliteRegistry::open(dir.path().join("registry.sqlite"))
            .unwrap();
    let reserve = |id: &str, office: &str| {
        use saoy_core::registry::Registry as _;
        let h = saoy_core::registry::CitizenIdHasher::new(&[9; 32]).unwrap();
        let req = saoy_core::registry::IssueRequest::new(
            id,
            saoy_core::DocumentKind::BIRTH_CERTIFICATE,
            office,
            "can-bo-01",
            h.hash("001099012345"),
            saoy_core::seal::KeyId([1; 8]),
            1_795_596_756,
            [7; 32],
        );
        match core_reg.reserve(&req).unwrap() {
            saoy_core::registry::Reservation::New(rec) => rec.code,
            other => panic!("expected a new row, got {other:?}"),
        }
    };
    let ours = reserve("killed-1", "HN-HK-KIOSK-01");
    let theirs = reserve("other-kiosk-1", "HN-BD-02");
    let pdf = dir
        .path()
        .join("out")
        .join(format!("{}.pdf", ours.compact()));
    std::fs::write(pdf, b"%PDF-1.7").unwrap();
    let r = issuer.recover(0).unwrap();
    assert_eq!(r.activated, vec![ours.to_string()]);
    assert!(r.abandoned.is_empty() && r.consistent, "{r:?}");
    let status = |c: &saoy_core::VerificationCode| reg.lookup(c.to_string(), "test".into());
    assert_eq!(status(&ours).unwrap().unwrap().status, "valid");
    assert_eq!(status(&theirs).unwrap().unwrap().status, "pending");

    // The store holds HN-HK-KIOSK-01's copies: a request of another office is refused.
    let other = IssueRequest {
        request_id: "rust-test-other-office".into(),
        pages: demo.pages,
        id_front: demo.id_front,
        id_back: None,
        live_frames: demo.live_frames,
        challenge: Some(demo.challenge),
        office_id: "HN-BD-02".into(),
        office_name: "UBND phường Ba Đình".into(),
        officer_id: "can-bo-02".into(),
    };
    let e = issuer.issue(other, None).unwrap_err();
    assert_eq!((e.area(), e.code()), ("issue", "issue_bad_input"), "{e}");
}
