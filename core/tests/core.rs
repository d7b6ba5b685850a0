//! Integration tests of saoy-core: pinned vectors (codes, seals), the registry suite (SQLite and,
//! with `SAOY_TEST_PG_URL`, PostgreSQL), and the workflow.

// Test helpers outside #[test] fns: a failing unwrap is a failing test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use saoy_core::VerificationCode;
use serde_json::Value;

fn vectors(name: &str) -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/");
    let text = std::fs::read_to_string(format!("{path}{name}")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn code_vectors_match() {
    let v = vectors("codes.json");
    assert_eq!(
        v["alphabet"],
        saoy_core::code::ALPHABET
            .iter()
            .map(|&b| b as char)
            .collect::<String>()
    );
    let valid = v["valid"].as_array().unwrap();
    assert!(valid.len() >= 16);
    for case in valid {
        let raw: [u8; 12] = hex::decode(case["random_hex"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let code = VerificationCode::from_random_bytes(raw);
        assert_eq!(code.to_string(), case["code"].as_str().unwrap());
        assert_eq!(code.compact(), case["compact"].as_str().unwrap());
        assert_eq!(
            hex::encode(code.to_packed()),
            case["packed_hex"].as_str().unwrap()
        );
        let symbols: Vec<u8> = case["symbols"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_u64().unwrap() as u8)
            .collect();
        assert_eq!(code.symbols().to_vec(), symbols);
        assert_eq!(
            VerificationCode::parse(case["code"].as_str().unwrap()),
            Ok(code)
        );
    }
    for case in v["accepted"].as_array().unwrap() {
        let parsed = VerificationCode::parse(case["input"].as_str().unwrap()).unwrap();
        assert_eq!(parsed.to_string(), case["code"].as_str().unwrap());
    }
    let rejected = v["rejected"].as_array().unwrap();
    assert!(rejected.len() >= 9);
    for case in rejected {
        let err = VerificationCode::parse(case["input"].as_str().unwrap()).unwrap_err();
        assert_eq!(err.code(), case["error"].as_str().unwrap(), "{case}");
    }
}

mod seal_vectors {
    use super::vectors;
    use p384::ecdsa::SigningKey;
    use saoy_core::seal::{IssuerKey, IssuerKeys, Seal, SealStatus, content_digest, verify_seal};
    use saoy_core::{DocumentKind, VerificationCode};
    use serde_json::{Value, json};
    use sha2::{Digest, Sha384};

    fn vector_key(label: &str) -> SigningKey {
        let scalar = Sha384::digest(label.as_bytes());
        SigningKey::from_slice(&scalar).unwrap()
    }

    /// Rebuild the whole vector file from its fixed inputs.
    fn build() -> Value {
        let sk = vector_key("saoy seal vector key 1");
        let other = vector_key("saoy seal vector key 2");
        let pub_hex = hex::encode(sk.verifying_key().to_sec1_point(true).as_bytes());
        let other_hex = hex::encode(other.verifying_key().to_sec1_point(true).as_bytes());
        let inputs = [
            (
                [0x11u8; 12],
                vec!["page-1 bytes"],
                1_795_596_756u64,
                DocumentKind::BIRTH_CERTIFICATE,
            ),
            (
                [0xa5u8; 12],
                vec!["p1", "p2", "p3"],
                1_767_225_600,
                DocumentKind::DIPLOMA,
            ),
            ([0x00u8; 12], vec![], 0, DocumentKind(0x1234)),
        ];
        let mut valid = Vec::new();
        let mut first = None;
        for (rnd, pages, t, kind) in inputs {
            let code = VerificationCode::from_random_bytes(rnd);
            let digest = content_digest(&pages);
            let seal = Seal::sign(code, digest, t, kind, &sk).unwrap();
            let url = seal.to_url("xacthuc.example.vn").unwrap();
            first.get_or_insert((seal.clone(), url.clone()));
            valid.push(json!({
                "code": code.to_string(),
                "pages_utf8": pages,
                "content_digest_hex": hex::encode(digest),
                "issued_at": t,
                "kind": kind.0,
                "key_id_hex": seal.content().key_id.to_hex(),
                "seal_hex": hex::encode(seal.to_bytes().unwrap()),
                "seal_base64url": seal.encode().unwrap(),
                "url": url,
            }));
        }
        let (seal, url) = first.unwrap();
        let mut bytes = seal.to_bytes().unwrap();
        bytes[20] ^= 0x01; // inside the content digest
        let tampered = <base64ct::Base64UrlUnpadded as base64ct::Encoding>::encode_string(&bytes);
        bytes[20] ^= 0x01;
        bytes[0] = 2;
        let version2 = <base64ct::Base64UrlUnpadded as base64ct::Encoding>::encode_string(&bytes);
        let wrong_code = VerificationCode::from_random_bytes([0x22; 12]);
        let (base, frag) = url.split_once('#').unwrap();
        let base_prefix = base.rsplit_once('/').unwrap().0;
        let invalid = vec![
            json!({"text": tampered, "status": "invalid", "reason": "seal_bad_signature"}),
            json!({"text": format!("{base_prefix}/{}#{frag}", wrong_code.compact()), "status": "invalid", "reason": "seal_code_mismatch"}),
            json!({"text": format!("{base}"), "status": "invalid", "reason": "seal_missing"}),
            json!({"text": &frag[..100], "status": "invalid", "reason": "seal_wrong_length"}),
            json!({"text": version2, "status": "invalid", "reason": "seal_unsupported_version"}),
            json!({"text": "#not*base64", "status": "invalid", "reason": "seal_bad_base64"}),
        ];
        let unknown_key = Seal::sign(
            seal.content().code,
            seal.content().content_digest,
            seal.content().issued_at,
            seal.content().kind,
            &other,
        )
        .unwrap();
        json!({
            "spec": "docs/seal-spec.md",
            "note": "issuer private scalars are SHA-384 of the labels; the signatures are deterministic (RFC 6979)",
            "issuer_key": {"label": "saoy seal vector key 1", "sec1_compressed_hex": pub_hex},
            "other_key": {"label": "saoy seal vector key 2", "sec1_compressed_hex": other_hex},
            "valid": valid,
            "invalid": invalid,
            "unknown_key": [{"text": unknown_key.encode().unwrap(), "status": "indeterminate", "reason": "seal_unknown_key"}],
        })
    }

    #[test]
    fn seal_vectors_match() {
        let built = build();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/seals.json");
        if std::env::var_os("SAOY_UPDATE_VECTORS").is_some() {
            std::fs::write(path, serde_json::to_string_pretty(&built).unwrap() + "\n").unwrap();
        }
        let pinned = vectors("seals.json");
        assert_eq!(
            built, pinned,
            "seals.json is stale (SAOY_UPDATE_VECTORS=1 rewrites it)"
        );

        // And the pinned file verifies through the public API, from its own data only.
        let pk = hex::decode(
            pinned["issuer_key"]["sec1_compressed_hex"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        let keys = IssuerKeys::new().with(IssuerKey::from_sec1("vector", &pk).unwrap());
        for case in pinned["valid"].as_array().unwrap() {
            let r = verify_seal(case["url"].as_str().unwrap(), &keys);
            assert_eq!(r.status, SealStatus::Valid, "{:?}", r.reasons);
            let c = r.content.unwrap();
            assert_eq!(c.code.to_string(), case["code"].as_str().unwrap());
            assert_eq!(c.issued_at, case["issued_at"].as_u64().unwrap());
            assert_eq!(u64::from(c.kind.0), case["kind"].as_u64().unwrap());
            assert_eq!(
                hex::encode(c.content_digest),
                case["content_digest_hex"].as_str().unwrap()
            );
            let pages: Vec<String> = serde_json::from_value(case["pages_utf8"].clone()).unwrap();
            assert_eq!(
                hex::encode(content_digest(&pages)),
                case["content_digest_hex"].as_str().unwrap()
            );
        }
        for group in ["invalid", "unknown_key"] {
            for case in pinned[group].as_array().unwrap() {
                let r = verify_seal(case["text"].as_str().unwrap(), &keys);
                let status = serde_json::to_value(r.status).unwrap();
                assert_eq!(status, case["status"], "{case}");
                assert_eq!(
                    r.reasons[0].code,
                    case["reason"].as_str().unwrap(),
                    "{case}"
                );
            }
        }
    }
}

#[cfg(feature = "registry")]
mod registry_suite {
    use saoy_core::registry::{
        CitizenIdHasher, CodeSource, IssueRequest, OsCodeSource, Registry, RegistryError,
        Requester, Reservation, Status, StatusKind,
    };
    use saoy_core::seal::KeyId;
    use saoy_core::{CodeError, DocumentKind, VerificationCode};
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Makes a registry on the backend under test, all instances on the same database.
    pub type Factory<'a> = &'a dyn Fn(Box<dyn CodeSource>) -> Box<dyn Registry>;

    struct Scripted {
        codes: Mutex<Vec<VerificationCode>>,
        calls: AtomicUsize,
    }
    impl CodeSource for Scripted {
        fn next_code(&self) -> Result<VerificationCode, CodeError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let mut c = self.codes.lock().unwrap();
            if c.len() > 1 {
                Ok(c.remove(0))
            } else {
                Ok(c[0])
            }
        }
    }

    fn request(id: &str, citizen: &str) -> IssueRequest {
        let h = CitizenIdHasher::new(b"registry-suite-secret-0123456789abcdef").unwrap();
        IssueRequest::new(
            id,
            DocumentKind::BIRTH_CERTIFICATE,
            "HN-HK-01",
            "officer-7",
            h.hash(citizen),
            KeyId([1, 2, 3, 4, 5, 6, 7, 8]),
            1_795_596_756,
            [0x42; 32],
        )
    }

    fn new_code(r: Result<Reservation, RegistryError>) -> VerificationCode {
        match r.unwrap() {
            Reservation::New(rec) => {
                assert_eq!(rec.status, Status::Pending);
                rec.code
            }
            other => panic!("expected a new reservation, got {other:?}"),
        }
    }

    pub fn run(make: Factory<'_>, tag: &str) {
        lifecycle_and_audit(make, tag);
        idempotency(make, tag);
        collisions(make, tag);
        concurrent_issuers(make, tag);
        concurrent_lookups_audited(make, tag);
    }

    /// Every lookup's audit entry is committed before `lookup` returns (default options), also
    /// when many threads look up at once: a second registry on the same database, which has no
    /// buffer of its own to flush, sees it.
    fn concurrent_lookups_audited(make: Factory<'_>, tag: &str) {
        let reg = make(Box::new(OsCodeSource));
        let other = make(Box::new(OsCodeSource));
        let code = new_code(reg.reserve(&request(&format!("{tag}-lookups"), "8")));
        reg.activate(&code, [4; 32]).unwrap();
        let (threads, each) = (8, 20);
        std::thread::scope(|s| {
            for t in 0..threads {
                let (reg, other, code) = (&reg, &other, &code);
                s.spawn(move || {
                    let who = Requester::new(format!("{tag}-lk-{t}"));
                    for n in 1..=each {
                        let rec = reg.lookup(code, &who).unwrap().unwrap();
                        assert_eq!(rec.status, Status::Valid);
                        let mine = other
                            .audit(code)
                            .unwrap()
                            .into_iter()
                            .filter(|e| e.action == "lookup" && e.actor == who.0)
                            .inspect(|e| assert_eq!(e.detail, "valid"))
                            .count();
                        assert_eq!(mine, n, "thread {t}: entries committed after lookup {n}");
                    }
                });
            }
        });
        let lookups = other
            .audit(&code)
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "lookup")
            .count();
        assert_eq!(lookups, threads * each);
    }

    fn lifecycle_and_audit(make: Factory<'_>, tag: &str) {
        let reg = make(Box::new(OsCodeSource));
        let req = request(&format!("{tag}-life-1"), "001099012345");
        let code = new_code(reg.reserve(&req));
        assert_eq!(
            reg.pending(0)
                .unwrap()
                .iter()
                .filter(|r| r.code == code)
                .count(),
            1
        );
        assert_eq!(
            reg.pending(3600)
                .unwrap()
                .iter()
                .filter(|r| r.code == code)
                .count(),
            0
        );
        // Wrong transitions are typed.
        let e = reg.revoke(&code, "x", "officer-7").unwrap_err();
        assert_eq!(e.code(), "registry_invalid_state");
        let rec = reg.activate(&code, [0x99; 32]).unwrap();
        assert_eq!(rec.status, Status::Valid);
        assert_eq!(rec.document_digest, Some([0x99; 32]));
        assert_eq!(rec.office_id, "HN-HK-01");
        assert_eq!(rec.kind, DocumentKind::BIRTH_CERTIFICATE);
        assert_eq!(
            reg.activate(&code, [0; 32]).unwrap_err().code(),
            "registry_invalid_state"
        );
        let who = Requester::new("portal");
        let seen = reg.lookup(&code, &who).unwrap().unwrap();
        assert_eq!(seen.status.kind(), StatusKind::Valid);
        assert_eq!(seen.citizen, req.citizen);
        assert_eq!(
            reg.revoke(&code, "  ", "officer-7").unwrap_err().code(),
            "registry_invalid_input"
        );
        let revoked = reg
            .revoke(&code, "bản gốc bị thu hồi", "officer-9")
            .unwrap();
        match &revoked.status {
            Status::Revoked { reason, at } => {
                assert_eq!(reason, "bản gốc bị thu hồi");
                assert!(*at >= 1_700_000_000);
            }
            s => panic!("{s:?}"),
        }
        assert_eq!(
            reg.lookup(&code, &who).unwrap().unwrap().status.kind(),
            StatusKind::Revoked
        );
        let unknown = VerificationCode::generate().unwrap();
        assert_eq!(reg.lookup(&unknown, &who).unwrap(), None);
        assert_eq!(
            reg.activate(&unknown, [0; 32]).unwrap_err().code(),
            "registry_not_found"
        );
        let log = reg.audit(&code).unwrap();
        let actions: Vec<(&str, &str)> = log
            .iter()
            .map(|e| (e.action.as_str(), e.detail.as_str()))
            .collect();
        assert_eq!(actions[0].0, "reserve");
        assert_eq!(actions[1].0, "activate");
        assert_eq!(actions[2], ("lookup", "valid"));
        assert_eq!(actions[3], ("revoke", "bản gốc bị thu hồi"));
        assert_eq!(actions[4], ("lookup", "revoked"));
        assert_eq!(log.len(), 5);
        assert_eq!(log[3].actor, "officer-9");
        assert!(log.windows(2).all(|w| w[0].id < w[1].id));
        let unknown_log = reg.audit(&unknown).unwrap();
        assert_eq!(unknown_log.len(), 1);
        assert_eq!(unknown_log[0].detail, "unknown");
        // No citizen ID number anywhere in the audit log.
        assert!(log.iter().all(|e| !e.detail.contains("001099012345")));
    }

    fn idempotency(make: Factory<'_>, tag: &str) {
        let reg = make(Box::new(OsCodeSource));
        let req = request(&format!("{tag}-idem-1"), "001099000001");
        let code = new_code(reg.reserve(&req));
        assert_eq!(
            reg.reserve(&req).unwrap_err().code(),
            "registry_request_in_progress"
        );
        reg.activate(&code, [1; 32]).unwrap();
        match reg.reserve(&req).unwrap() {
            Reservation::Existing(r) => assert_eq!(r.code, code),
            other => panic!("{other:?}"),
        }
        let other_citizen = request(&format!("{tag}-idem-1"), "001099000002");
        assert_eq!(
            reg.reserve(&other_citizen).unwrap_err().code(),
            "registry_request_conflict"
        );
        // A failed attempt is retried under the same code.
        let req2 = request(&format!("{tag}-idem-2"), "001099000003");
        let code2 = new_code(reg.reserve(&req2));
        let failed = reg.abandon(&code2, "PDF missing after crash").unwrap();
        assert_eq!(failed.status.kind(), StatusKind::Failed);
        assert_eq!(new_code(reg.reserve(&req2)), code2);
        let bad = request("", "1");
        assert_eq!(
            reg.reserve(&bad).unwrap_err().code(),
            "registry_invalid_input"
        );
    }

    fn collisions(make: Factory<'_>, tag: &str) {
        let a = VerificationCode::generate().unwrap();
        let b = VerificationCode::generate().unwrap();
        let src = Scripted {
            codes: Mutex::new(vec![a, a, a, b]),
            calls: AtomicUsize::new(0),
        };
        let src = std::sync::Arc::new(src);
        struct Shared(std::sync::Arc<Scripted>);
        impl CodeSource for Shared {
            fn next_code(&self) -> Result<VerificationCode, CodeError> {
                self.0.next_code()
            }
        }
        let reg = make(Box::new(Shared(src.clone())));
        assert_eq!(
            new_code(reg.reserve(&request(&format!("{tag}-col-1"), "1"))),
            a
        );
        // a, a collide; b is free.
        assert_eq!(
            new_code(reg.reserve(&request(&format!("{tag}-col-2"), "2"))),
            b
        );
        assert_eq!(src.calls.load(Ordering::SeqCst), 4);
        // Only b is left in the script: every attempt collides.
        let e = reg
            .reserve(&request(&format!("{tag}-col-3"), "3"))
            .unwrap_err();
        assert_eq!(e.code(), "registry_code_space_exhausted");
    }

    fn concurrent_issuers(make: Factory<'_>, tag: &str) {
        let regs: Vec<Box<dyn Registry>> = (0..2).map(|_| make(Box::new(OsCodeSource))).collect();
        let codes = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for t in 0..4 {
                let reg = &regs[t % 2];
                let codes = &codes;
                s.spawn(move || {
                    for i in 0..25 {
                        // Threads 0/1 and 2/3 race on the same request ids.
                        let req = request(&format!("{tag}-conc-{}-{i}", t / 2), "7");
                        match reg.reserve(&req) {
                            Ok(Reservation::New(r)) => {
                                reg.activate(&r.code, [3; 32]).unwrap();
                                codes.lock().unwrap().push(r.code);
                            }
                            Ok(Reservation::Existing(_)) => {}
                            Ok(other) => panic!("{other:?}"),
                            Err(e) => assert_eq!(e.code(), "registry_request_in_progress"),
                        }
                    }
                });
            }
        });
        let mut codes = codes.into_inner().unwrap();
        assert_eq!(codes.len(), 50, "one issuance per request id");
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 50);
        let all = regs[0].all().unwrap();
        let mine = all
            .iter()
            .filter(|r| r.request_id.starts_with(&format!("{tag}-conc-")))
            .count();
        assert_eq!(mine, 50);
    }
}

#[cfg(feature = "sqlite")]
#[test]
fn registry_suite_sqlite() {
    use saoy_core::registry::sqlite::{SqliteOptions, SqliteRegistry};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.sqlite");
    let make = |codes| -> Box<dyn saoy_core::registry::Registry> {
        Box::new(SqliteRegistry::open_with(&path, SqliteOptions::default(), codes).unwrap())
    };
    registry_suite::run(&make, "sqlite");
    // The audit log is append-only in the database itself.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
        .unwrap();
    assert!(n > 100);
    let e = conn.execute("DELETE FROM audit_log", []).unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    assert!(
        conn.execute("UPDATE audit_log SET actor = 'x'", [])
            .is_err()
    );
}

/// The PostgreSQL URL for tests, or a visible skip notice.
#[cfg(feature = "postgres")]
pub fn pg_url() -> Option<String> {
    match std::env::var("SAOY_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            println!("skipped: SAOY_TEST_PG_URL not set");
            eprintln!("skipped: SAOY_TEST_PG_URL not set");
            None
        }
    }
}

#[cfg(feature = "postgres")]
#[test]
fn registry_suite_postgres() {
    use saoy_core::registry::postgres::{PgOptions, PgRegistry};
    let Some(url) = pg_url() else { return };
    let schema = format!(
        "t_{}",
        hex::encode(saoy_core::VerificationCode::generate().unwrap().to_packed())
    );
    let make = |codes| -> Box<dyn saoy_core::registry::Registry> {
        Box::new(PgRegistry::open_with(&url, PgOptions::default().schema(&schema), codes).unwrap())
    };
    registry_suite::run(&make, "pg");
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let e = c
        .batch_execute(&format!("DELETE FROM {schema}.audit_log"))
        .unwrap_err();
    assert!(format!("{e:?}").contains("append-only"), "{e:?}");
    c.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .unwrap();
}

#[cfg(all(feature = "workflow", feature = "sqlite"))]
mod workflow_fakes {
    use p384::ecdsa::SigningKey;
    use saoy_core::DocumentKind;
    use saoy_core::registry::sqlite::SqliteRegistry;
    use saoy_core::registry::{CitizenIdHasher, Registry, StatusKind};
    use saoy_core::seal::{IssuerKey, IssuerKeys};
    use saoy_core::workflow::fakes::{FakeFace, FakeRecognizer, FakeRenderer, FakeSigner};
    use saoy_core::workflow::{
        CopySigner, DeliveryStore, IssueInput, IssueOutcome, Issuer, IssuerConfig, OfficeContext,
        OfficerOverride, StepError, Verdict, Verifier,
    };
    use std::sync::Arc;

    pub struct Kit {
        pub dir: tempfile::TempDir,
        pub registry: Arc<dyn Registry>,
        pub keys: IssuerKeys,
        pub signer: Arc<FakeSigner>,
    }

    pub fn kit() -> Kit {
        let dir = tempfile::tempdir().unwrap();
        let registry: Arc<dyn Registry> =
            Arc::new(SqliteRegistry::open(dir.path().join("reg.sqlite")).unwrap());
        let seal_key = SigningKey::from_slice(&[0x5a; 48]).unwrap();
        let keys = IssuerKeys::new().with(IssuerKey::new("test office", *seal_key.verifying_key()));
        Kit {
            dir,
            registry,
            keys,
            signer: Arc::new(FakeSigner { key: b"k".to_vec() }),
        }
    }

    pub fn issuer(
        k: &Kit,
        rec: FakeRecognizer,
        face: FakeFace,
        signer: Arc<dyn CopySigner>,
    ) -> Issuer {
        let seal_key = SigningKey::from_slice(&[0x5a; 48]).unwrap();
        Issuer::new(
            Arc::new(rec),
            Arc::new(face),
            Arc::new(FakeRenderer),
            signer,
            Arc::new(seal_key),
            k.registry.clone(),
            DeliveryStore::open(k.dir.path().join("out")).unwrap(),
            CitizenIdHasher::new(&[9; 32]).unwrap(),
            IssuerConfig::default().seal_host("verify.test"),
        )
    }

    pub fn input(id: &str) -> IssueInput {
        let jpeg = {
            let img = image::RgbImage::from_pixel(40, 30, image::Rgb([200, 180, 160]));
            let mut out = Vec::new();
            img.write_to(
                &mut std::io::Cursor::new(&mut out),
                image::ImageFormat::Jpeg,
            )
            .unwrap();
            out
        };
        IssueInput::new(
            id,
            vec![jpeg.clone()],
            b"front".to_vec(),
            None,
            vec![b"live1".to_vec(), b"live2".to_vec(), b"live3".to_vec()],
            OfficeContext::new("HN-HK-01", "UBND phường Hoàn Kiếm", "officer-1"),
        )
    }

    fn issued(o: IssueOutcome) -> Box<saoy_core::workflow::DeliveryBundle> {
        match o {
            IssueOutcome::Issued(b) => b,
            IssueOutcome::Refused(r) => panic!("refused: {:?}", r.reasons),
            _ => panic!("unexpected outcome"),
        }
    }

    #[test]
    fn issue_verify_revoke_round_trip() {
        let k = kit();
        let iss = issuer(
            &k,
            FakeRecognizer::default(),
            FakeFace::default(),
            k.signer.clone(),
        );
        let b = issued(iss.issue(&input("req-1")).unwrap());
        assert!(b.pdf_path.exists() && b.qr_path.exists() && b.receipt_path.exists());
        assert!(b.qr_png.starts_with(b"\x89PNG"));
        assert_eq!(b.receipt.code, b.code);
        assert_eq!(b.receipt.kind, DocumentKind::BIRTH_CERTIFICATE);
        assert!(
            b.receipt
                .seal_url
                .starts_with(&format!("https://verify.test/v/{}#", b.code.compact()))
        );
        let steps: Vec<&str> = b.receipt.timings.iter().map(|t| t.step.as_str()).collect();
        assert_eq!(
            steps,
            [
                "recognize",
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
        assert!(b.receipt.checks.iter().all(|c| c.passed));
        assert_eq!(b.receipt.thresholds["face_similarity"], 0.5);
        let receipt_json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&b.receipt_path).unwrap()).unwrap();
        assert_eq!(receipt_json["code"], b.code.to_string());
        assert!(
            !String::from_utf8_lossy(&std::fs::read(&b.receipt_path).unwrap())
                .contains("001099012345")
        );

        let v = Verifier::new(k.signer.clone(), Some(k.registry.clone()), k.keys.clone());
        let r = v.verify(&b.pdf, None);
        assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.reasons);
        assert_eq!(r.document_matches_registry, Some(true));
        // Typed code: exact, lower-case with confusables, a typo.
        let typed = b.code.to_string().to_lowercase();
        assert_eq!(v.verify(&b.pdf, Some(&typed)).verdict, Verdict::Valid);
        let mut typo = b.code.compact().into_bytes();
        typo[3] = if typo[3] == b'A' { b'B' } else { b'A' };
        let r = v.verify(&b.pdf, Some(std::str::from_utf8(&typo).unwrap()));
        assert_eq!(r.verdict, Verdict::Invalid);
        assert!(r.reasons.iter().any(|x| x.code == "code_check_mismatch"));

        // Tampered.
        let mut bad = b.pdf.clone();
        let i = bad.len() / 3;
        bad[i] ^= 0x20;
        let r = v.verify(&bad, None);
        assert_eq!(r.verdict, Verdict::Invalid);

        // Replay: same request id → same copy.
        let again = issued(iss.issue(&input("req-1")).unwrap());
        assert!(again.replayed);
        assert_eq!(again.code, b.code);
        assert_eq!(again.pdf, b.pdf);

        // Revoked.
        k.registry
            .revoke(&b.code, "bản gốc bị hủy", "officer-2")
            .unwrap();
        let r = v.verify(&b.pdf, None);
        assert_eq!(r.verdict, Verdict::Revoked);
        assert!(
            r.reasons
                .iter()
                .any(|x| x.code == "registry_revoked" && x.vi.contains("thu hồi"))
        );

        // Unknown to another registry.
        let other = kit();
        let v2 = Verifier::new(
            k.signer.clone(),
            Some(other.registry.clone()),
            k.keys.clone(),
        );
        assert_eq!(v2.verify(&b.pdf, None).verdict, Verdict::Unknown);
        // Seal key not trusted.
        let v3 = Verifier::new(k.signer.clone(), None, IssuerKeys::new());
        assert_eq!(v3.verify(&b.pdf, None).verdict, Verdict::Indeterminate);
    }

    #[test]
    fn refusals_and_overrides() {
        let k = kit();
        let wrong_face = issuer(
            &k,
            FakeRecognizer::default(),
            FakeFace {
                similarity: 0.2,
                ..FakeFace::default()
            },
            k.signer.clone(),
        );
        match wrong_face.issue(&input("req-face")).unwrap() {
            IssueOutcome::Refused(r) => {
                let codes: Vec<&str> = r.reasons.iter().map(|x| x.code.as_str()).collect();
                assert_eq!(codes, ["face_mismatch"]);
                assert!(r.reasons[0].vi.contains("không khớp"));
                assert_eq!(r.timings.len(), 5);
            }
            _ => panic!("expected a refusal"),
        }
        assert!(
            k.registry.all().unwrap().is_empty(),
            "a refusal registers nothing"
        );
        let dead = issuer(
            &k,
            FakeRecognizer::default(),
            FakeFace {
                live: false,
                ..FakeFace::default()
            },
            k.signer.clone(),
        );
        // Face/liveness cannot be overridden.
        let o = OfficerOverride {
            officer_id: "officer-1".into(),
            codes: vec!["liveness_failed".into()],
            reason: "x".into(),
        };
        match dead.issue(&input("req-live").with_override(o)).unwrap() {
            IssueOutcome::Refused(r) => {
                let codes: Vec<&str> = r.reasons.iter().map(|x| x.code.as_str()).collect();
                assert_eq!(codes, ["liveness_failed", "override_not_allowed"]);
            }
            _ => panic!("expected a refusal"),
        }
        let unclassified = FakeRecognizer {
            kind: DocumentKind::UNSPECIFIED,
            ..FakeRecognizer::default()
        };
        let iss = issuer(&k, unclassified, FakeFace::default(), k.signer.clone());
        match iss.issue(&input("req-kind")).unwrap() {
            IssueOutcome::Refused(r) => assert_eq!(r.reasons[0].code, "wrong_document_kind"),
            _ => panic!("expected a refusal"),
        }
        let o = OfficerOverride {
            officer_id: "officer-1".into(),
            codes: vec!["wrong_document_kind".into()],
            reason: "loại giấy tờ đặc thù, đã kiểm tra thủ công".into(),
        };
        let b = issued(
            iss.issue(&input("req-kind-2").with_override(o.clone()))
                .unwrap(),
        );
        assert_eq!(b.receipt.officer_override, Some(o));
        let log = k.registry.audit(&b.code).unwrap();
        assert!(
            log[0]
                .detail
                .contains("officer override by officer-1: wrong_document_kind"),
            "{}",
            log[0].detail
        );
        let bad_id = FakeRecognizer {
            id_card_ok: false,
            ..FakeRecognizer::default()
        };
        match issuer(&k, bad_id, FakeFace::default(), k.signer.clone())
            .issue(&input("req-id"))
            .unwrap()
        {
            IssueOutcome::Refused(r) => assert_eq!(r.reasons[0].code, "id_card_inconsistent"),
            _ => panic!("expected a refusal"),
        }
        let empty = IssueInput::new(
            "req-e",
            vec![],
            vec![],
            None,
            vec![b"x".to_vec()],
            OfficeContext::new("o", "o", "o"),
        );
        assert_eq!(iss.issue(&empty).unwrap_err().code(), "issue_bad_input");
    }

    struct BrokenSigner;
    impl CopySigner for BrokenSigner {
        fn sign(&self, _: &[u8], _: u64) -> Result<Vec<u8>, StepError> {
            Err(StepError::new("sign_signer_failed", "token removed"))
        }
        fn signer_name(&self) -> String {
            "broken".into()
        }
    }

    #[test]
    fn a_failed_step_leaves_nothing_half_written() {
        let k = kit();
        let iss = issuer(
            &k,
            FakeRecognizer::default(),
            FakeFace::default(),
            Arc::new(BrokenSigner),
        );
        let e = iss.issue(&input("req-x")).unwrap_err();
        assert_eq!(e.code(), "issue_step_failed");
        assert!(e.to_string().contains("token removed"));
        let rows = k.registry.all().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].status.kind(), StatusKind::Failed);
        let files: Vec<_> = std::fs::read_dir(k.dir.path().join("out"))
            .unwrap()
            .collect();
        assert!(files.is_empty(), "no file left behind");
        let store = DeliveryStore::open(k.dir.path().join("out")).unwrap();
        assert!(
            store
                .check_consistency(k.registry.as_ref())
                .unwrap()
                .is_consistent()
        );
        // The same request succeeds later with a working signer, under the same (never published) code.
        let ok = issuer(
            &k,
            FakeRecognizer::default(),
            FakeFace::default(),
            k.signer.clone(),
        );
        let b = issued(ok.issue(&input("req-x")).unwrap());
        assert_eq!(b.code, rows[0].code);
        assert!(
            store
                .check_consistency(k.registry.as_ref())
                .unwrap()
                .is_consistent()
        );
    }
}

#[cfg(all(feature = "workflow", feature = "sqlite"))]
mod storage_full {
    use super::workflow_fakes::{Kit, input, issuer};
    use saoy_core::VerificationCode;
    use saoy_core::registry::sqlite::{SqliteOptions, SqliteRegistry};
    use saoy_core::registry::{
        AuditEvent, IssueRequest, OsCodeSource, Record, Registry, RegistryError, Requester,
        Reservation, StatusKind,
    };
    use saoy_core::workflow::DeliveryStore;
    use saoy_core::workflow::fakes::{FakeFace, FakeRecognizer, FakeSigner};
    use std::sync::Arc;

    fn kit_with(dir: tempfile::TempDir, registry: Arc<dyn Registry>) -> Kit {
        let seal_key = p384::ecdsa::SigningKey::from_slice(&[0x5a; 48]).unwrap();
        Kit {
            dir,
            registry,
            keys: saoy_core::seal::IssuerKeys::new().with(saoy_core::seal::IssuerKey::new(
                "test office",
                *seal_key.verifying_key(),
            )),
            signer: Arc::new(FakeSigner { key: b"k".to_vec() }),
        }
    }

    fn pdfs(k: &Kit) -> usize {
        std::fs::read_dir(k.dir.path().join("out"))
            .map(|d| d.flatten().count())
            .unwrap_or(0)
    }

    /// A real SQLITE_FULL (the database capped at its current size): the issuance fails at
    /// `reserve` with a typed error before anything is rendered or written.
    #[test]
    fn a_full_database_refuses_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reg.sqlite");
        drop(SqliteRegistry::open(&path).unwrap()); // schema, checkpointed on close
        let size = std::fs::metadata(&path).unwrap().len();
        let reg = SqliteRegistry::open_with(
            &path,
            SqliteOptions::default().max_size_bytes(size),
            Box::new(OsCodeSource),
        )
        .unwrap();
        let registry: Arc<dyn Registry> = Arc::new(reg);
        let k = kit_with(dir, registry);
        let iss = issuer(
            &k,
            FakeRecognizer::default(),
            FakeFace::default(),
            k.signer.clone(),
        );
        let mut codes = Vec::new();
        let e = loop {
            // The first issuances may still fit in free pages; the cap is hit within a few.
            match iss.issue(&input(&format!("req-full-{}", codes.len()))) {
                Ok(_) => codes.push(()),
                Err(e) => break e,
            }
            assert!(codes.len() < 200, "the size cap was never hit");
        };
        assert_eq!(e.code(), "registry_storage_full", "{e}");
        let rows = k.registry.all().unwrap();
        let valid = rows
            .iter()
            .filter(|r| r.status.kind() == StatusKind::Valid)
            .count();
        assert_eq!(valid, codes.len());
        let store = DeliveryStore::open(k.dir.path().join("out")).unwrap();
        // The cap hit either `reserve` (no row, nothing written) or `activate` (a pending row
        // whose PDF is already in place, completed by recovery): never anything else.
        let pending: Vec<_> = rows
            .iter()
            .filter(|r| r.status.kind() != StatusKind::Valid)
            .collect();
        assert!(pending.len() <= 1, "{pending:?}");
        for r in &pending {
            assert_eq!(r.status.kind(), StatusKind::Pending);
            assert!(store.pdf_path(&r.code).exists());
        }
        // Each valid row has its PDF + QR + receipt; nothing else is in the store.
        assert_eq!(pdfs(&k), 3 * codes.len() + pending.len());
    }

    /// A registry with one fault injected around the real one.
    enum Fault {
        /// The disk fills up between the PDF's rename and the registry's `activate`.
        FullAtActivate,
        /// PostgreSQL finishes a killed issuer's in-flight `COMMIT` after the process is gone:
        /// the pending rows are read, then their activation (with this digest) lands.
        ActivatedAfterPending([u8; 32]),
    }
    struct Injected(Arc<dyn Registry>, Fault);
    impl Registry for Injected {
        fn reserve(&self, req: &IssueRequest) -> Result<Reservation, RegistryError> {
            self.0.reserve(req)
        }
        fn activate(&self, c: &VerificationCode, d: [u8; 32]) -> Result<Record, RegistryError> {
            match self.1 {
                Fault::FullAtActivate => Err(RegistryError::StorageFull {
                    detail: "database or disk is full (injected)".into(),
                }),
                Fault::ActivatedAfterPending(_) => self.0.activate(c, d),
            }
        }
        fn abandon(&self, c: &VerificationCode, r: &str) -> Result<Record, RegistryError> {
            self.0.abandon(c, r)
        }
        fn revoke(&self, c: &VerificationCode, r: &str, a: &str) -> Result<Record, RegistryError> {
            self.0.revoke(c, r, a)
        }
        fn lookup(
            &self,
            c: &VerificationCode,
            w: &Requester,
        ) -> Result<Option<Record>, RegistryError> {
            self.0.lookup(c, w)
        }
        fn get(&self, c: &VerificationCode) -> Result<Option<Record>, RegistryError> {
            self.0.get(c)
        }
        fn pending(&self, s: u64) -> Result<Vec<Record>, RegistryError> {
            let rows = self.0.pending(s)?;
            if let Fault::ActivatedAfterPending(digest) = self.1 {
                for r in &rows {
                    self.0.activate(&r.code, digest)?;
                }
            }
            Ok(rows)
        }
        fn all(&self) -> Result<Vec<Record>, RegistryError> {
            self.0.all()
        }
        fn audit(&self, c: &VerificationCode) -> Result<Vec<AuditEvent>, RegistryError> {
            self.0.audit(c)
        }
        fn flush(&self) -> Result<(), RegistryError> {
            self.0.flush()
        }
    }

    /// An issuance that fails at `activate`: the kit and the real registry underneath.
    fn failed_at_activate(request_id: &str) -> (Kit, Arc<dyn Registry>) {
        let dir = tempfile::tempdir().unwrap();
        let real: Arc<dyn Registry> =
            Arc::new(SqliteRegistry::open(dir.path().join("reg.sqlite")).unwrap());
        let k = kit_with(dir, Arc::new(Injected(real.clone(), Fault::FullAtActivate)));
        let iss = issuer(
            &k,
            FakeRecognizer::default(),
            FakeFace::default(),
            k.signer.clone(),
        );
        let e = iss.issue(&input(request_id)).unwrap_err();
        assert_eq!(e.code(), "registry_storage_full", "{e}");
        (k, real)
    }

    /// The disk fills up between the PDF's rename and the registry's `activate`: the error is
    /// typed, the row stays `pending` with its PDF in place (never "valid" without a PDF, never a
    /// PDF without a row), and recovery completes the issuance once space is back.
    #[test]
    fn full_at_activate_keeps_the_pdf_and_a_pending_row_then_recovers() {
        let (k, real) = failed_at_activate("req-act");
        let rows = real.all().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].status.kind(), StatusKind::Pending);
        let store = DeliveryStore::open(k.dir.path().join("out")).unwrap();
        assert!(store.pdf_path(&rows[0].code).exists(), "the PDF stays");
        // A pending code is not published: verification says unknown until recovery.
        let report = store.recover(real.as_ref(), 0).unwrap();
        assert_eq!(report.activated, vec![rows[0].code]);
        assert_eq!(
            real.get(&rows[0].code).unwrap().unwrap().status.kind(),
            StatusKind::Valid
        );
        assert!(
            store
                .check_consistency(real.as_ref())
                .unwrap()
                .is_consistent()
        );
    }

    /// A row recovery read as pending can turn valid (its issuer's in-flight `COMMIT`) before
    /// recovery activates it. Recovery must accept that when the recorded digest is the PDF's
    /// (and refuse when it is not).
    #[test]
    fn recovery_accepts_an_activation_that_lands_meanwhile() {
        use sha2::Digest;
        for same_digest in [true, false] {
            let (k, real) = failed_at_activate("req-inflight");
            let code = real.all().unwrap()[0].code;
            let store = DeliveryStore::open(k.dir.path().join("out")).unwrap();
            let pdf = std::fs::read(store.pdf_path(&code)).unwrap();
            let mut digest: [u8; 32] = sha2::Sha256::digest(&pdf).into();
            if !same_digest {
                digest[0] ^= 1;
            }
            let racing = Injected(real.clone(), Fault::ActivatedAfterPending(digest));
            let got = store.recover(&racing, 0);
            if same_digest {
                let report = got.unwrap();
                assert_eq!(report.already_active, vec![code]);
                assert!(report.activated.is_empty(), "{report:?}");
                assert!(
                    store
                        .check_consistency(real.as_ref())
                        .unwrap()
                        .is_consistent()
                );
            } else {
                // Another PDF's digest: not ours to accept.
                let e = got.unwrap_err();
                assert_eq!(e.code(), "registry_invalid_state", "{e}");
            }
        }
    }
}

#[cfg(all(feature = "workflow", feature = "sqlite"))]
mod crash {
    use saoy_core::registry::Registry;
    use saoy_core::workflow::DeliveryStore;
    use std::process::{Command, Stdio};
    use std::time::Duration;

    fn random_ms(lo: u64, hi: u64) -> u64 {
        lo + getrandom::u64().unwrap() % (hi - lo)
    }

    /// SIGKILL a looping issuer 20 times at random points; after each kill, recovery must leave
    /// every registered code with its PDF, every PDF with its row, nothing pending, no duplicates.
    pub fn run(
        db_args: &[String],
        open: &dyn Fn() -> Box<dyn Registry>,
        settle: &mut dyn FnMut(),
        store_dir: &std::path::Path,
    ) {
        let store = DeliveryStore::open(store_dir).unwrap();
        let mut total_recovered = (0, 0, 0);
        for round in 0..20 {
            let mut child = Command::new(env!("CARGO_BIN_EXE_saoy-core-crash-worker"))
                .arg(store_dir)
                .args(db_args)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            // First round: give the worker time to migrate; then random points.
            let wait = if round == 0 { 800 } else { random_ms(100, 500) };
            std::thread::sleep(Duration::from_millis(wait));
            if let Ok(Some(status)) = child.try_wait() {
                let out = child.wait_with_output().unwrap();
                panic!(
                    "worker exited early: {status}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            child.kill().unwrap(); // SIGKILL on Unix
            child.wait().unwrap();
            settle();
            let reg = open();
            let rec = store.recover(reg.as_ref(), 0).unwrap();
            total_recovered.0 += rec.activated.len();
            total_recovered.1 += rec.abandoned.len();
            total_recovered.2 += rec.already_active.len();
            let report = store.check_consistency(reg.as_ref()).unwrap();
            assert!(
                report.is_consistent(),
                "round {round}: {}",
                saoy_core::workflow::store::describe(&report)
            );
        }
        let reg = open();
        let rows = reg.all().unwrap();
        let valid = rows
            .iter()
            .filter(|r| r.status.kind() == saoy_core::registry::StatusKind::Valid)
            .count();
        println!(
            "crash test: {} rows, {valid} valid, recovery activated {}, abandoned {} and found {} \
             already active over 20 kills",
            rows.len(),
            total_recovered.0,
            total_recovered.1,
            total_recovered.2
        );
        assert!(valid >= 5, "the worker made progress ({valid} copies)");
        let pdfs = std::fs::read_dir(store_dir)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".pdf"))
            .count();
        assert_eq!(pdfs, valid);
    }
}

#[cfg(all(feature = "workflow", feature = "sqlite"))]
#[test]
fn crash_safety_sqlite() {
    use saoy_core::registry::sqlite::SqliteRegistry;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("reg.sqlite");
    let open = || -> Box<dyn saoy_core::registry::Registry> {
        Box::new(SqliteRegistry::open(&db).unwrap())
    };
    crash::run(
        &[format!("sqlite:{}", db.display())],
        &open,
        &mut || {},
        &dir.path().join("out"),
    );
}

/// A lookup's audit entry is committed before the lookup returns: SIGKILL a process looking a
/// code up in a loop at random points; the audit log holds at least as many entries as the
/// lookups it had answered (printed after each return).
#[cfg(all(feature = "workflow", feature = "sqlite"))]
#[test]
fn lookup_audit_survives_a_crash_sqlite() {
    use saoy_core::registry::Registry;
    use saoy_core::registry::sqlite::SqliteRegistry;
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("reg.sqlite");
    let code = saoy_core::VerificationCode::generate().unwrap();
    drop(SqliteRegistry::open(&db).unwrap());
    let mut answered = 0u64;
    for round in 0..5 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_saoy-core-crash-worker"))
            .args([
                "--lookups",
                &format!("sqlite:{}", db.display()),
                &code.compact(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        // Read the answers on a thread; kill after a random number of them.
        let stop_after = 50 + getrandom::u64().unwrap() % 400;
        let reader = std::thread::spawn(move || {
            let mut last = 0u64;
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                last = line.trim().parse().unwrap();
                if last >= stop_after {
                    break;
                }
            }
            last
        });
        let last = reader.join().unwrap();
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        assert!(
            last >= stop_after,
            "round {round}: worker stopped at {last}"
        );
        answered += last;
        let reg = SqliteRegistry::open(&db).unwrap();
        let logged = reg
            .audit(&code)
            .unwrap()
            .iter()
            .filter(|e| e.action == "lookup" && e.actor == "crash-lookups")
            .count() as u64;
        // The worker may have committed a few more before the kill landed, never fewer.
        assert!(
            logged >= answered,
            "round {round}: {logged} audit entries for {answered} answered lookups"
        );
        answered = logged;
    }
}

#[cfg(all(feature = "workflow", feature = "postgres"))]
#[test]
fn crash_safety_postgres() {
    use saoy_core::registry::postgres::{PgOptions, PgRegistry};
    let Some(url) = pg_url() else { return };
    let schema = format!(
        "c_{}",
        hex::encode(saoy_core::VerificationCode::generate().unwrap().to_packed())
    );
    let dir = tempfile::tempdir().unwrap();
    let open = || -> Box<dyn saoy_core::registry::Registry> {
        Box::new(
            PgRegistry::open_with(
                &url,
                PgOptions::default().schema(&schema).pool_size(2),
                Box::new(saoy_core::registry::OsCodeSource),
            )
            .unwrap(),
        )
    };
    // The killed worker's server backends finish their statement (a `COMMIT` the worker had
    // sent lands after its death) before they notice the closed socket. Recovery runs once they
    // are gone, as an operator's recovery with a grace period would; the worker is found by its
    // application name.
    let app = format!("saoy-crash-{schema}");
    let sep = if url.contains('?') { '&' } else { '?' };
    let worker_url = format!("{url}{sep}application_name={app}");
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let mut settle = || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let n: i64 = c
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                    &[&app],
                )
                .unwrap()
                .get(0);
            if n == 0 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{n} backends of the killed worker still alive after 20 s"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    };
    crash::run(
        &[worker_url, schema.clone()],
        &open,
        &mut settle,
        &dir.path().join("out"),
    );
    c.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .unwrap();
}

/// The real workflow (saoy-ocr, saoy-faceauth, saoy-signing) on generated specimens: issue,
/// verify, tamper, revoke. Needs the models (fetched by saoy-models before `cargo test` in CI).
#[cfg(feature = "demo")]
#[test]
fn real_issue_verify_tamper_revoke() {
    use saoy_core::demo::{DemoOptions, DemoProgress, run_demo};
    use saoy_core::registry::Registry;
    use saoy_core::workflow::{Progress, Verdict};
    struct Quiet;
    impl Progress for Quiet {}
    impl DemoProgress for Quiet {}
    let dir = tempfile::tempdir().unwrap();
    let mut opts = DemoOptions::new(dir.path());
    opts.threads = 2;
    let report = run_demo(&opts, &Quiet).unwrap();
    let bundle = match report.outcome {
        Ok(b) => b,
        Err(refusal) => panic!("refused: {:#?}", refusal.reasons),
    };
    assert!(bundle.pdf.starts_with(b"%PDF-"));
    assert_eq!(
        bundle.receipt.kind,
        saoy_core::DocumentKind::BIRTH_CERTIFICATE
    );
    let v = report.verification.unwrap();
    let codes: Vec<&str> = v.reasons.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(v.verdict, Verdict::Valid, "{codes:?}");
    for c in ["signature_valid", "seal_valid", "registry_valid"] {
        assert!(codes.contains(&c), "{c} missing from {codes:?}");
    }
    assert_eq!(v.document_matches_registry, Some(true));
    assert_eq!(report.tampered.unwrap().verdict, Verdict::Invalid);
    let reg = saoy_core::registry::sqlite::SqliteRegistry::open(&report.registry_path).unwrap();
    reg.revoke(&bundle.code, "test revocation", "officer-9")
        .unwrap();
    let rec = reg.get(&bundle.code).unwrap().unwrap();
    assert_eq!(rec.status.kind(), saoy_core::registry::StatusKind::Revoked);
}

/// A CCCD presented as the original with only one of its labels legible: the original's pages
/// are read without the QR search (it cost ~0.2 s per A4 scan), and the text alone classifies
/// nothing, so the adapter searches after all and the card's QR makes it a citizen ID.
#[cfg(feature = "demo")]
#[test]
fn a_card_as_the_original_is_known_by_its_qr_when_its_labels_are_not_read() {
    use saoy_core::workflow::DocumentRecognizer;
    use saoy_core::workflow::adapters::OcrRecognizer;
    use saoy_specimen as sp;
    let person = sp::Person::generate(11);
    let portrait = sp::demo_portrait().unwrap();
    let opts = sp::RenderOptions::new(11).with_specimen_mark(false);
    let front = sp::render_cccd_front(&person, Some(&portrait), &opts).unwrap();
    let payload = front.truth.qr_payload.clone().unwrap();
    // Paper over every printed run but one label.
    let mut img = front.image.clone();
    let kept: Vec<&sp::TextLine> = front
        .truth
        .lines
        .iter()
        .filter(|l| l.text.contains("Họ và tên"))
        .collect();
    assert_eq!(kept.len(), 1, "{:?}", front.truth.lines);
    for l in front
        .truth
        .lines
        .iter()
        .filter(|l| !l.text.contains("Họ và tên"))
    {
        let xs = l.quad.0.iter().map(|p| p[0]);
        let ys = l.quad.0.iter().map(|p| p[1]);
        let x0 = (xs.clone().fold(f32::MAX, f32::min) - 4.0).max(0.0) as u32;
        let y0 = (ys.clone().fold(f32::MAX, f32::min) - 4.0).max(0.0) as u32;
        let x1 = ((xs.fold(f32::MIN, f32::max) + 4.0) as u32).min(img.width());
        let y1 = ((ys.fold(f32::MIN, f32::max) + 4.0) as u32).min(img.height());
        for y in y0..y1 {
            for x in x0..x1 {
                img.put_pixel(x, y, image::Rgb([250, 250, 250]));
            }
        }
    }
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();

    let store = saoy_models::ModelStore::open(&saoy_models::StoreOptions::default().offline(true))
        .expect("model store (run `saoy models fetch` first)");
    // Without the QR, this page is no CCCD: the fallback is what makes it one.
    let ocr = saoy_ocr::Ocr::builder().threads(2).build(&store).unwrap();
    let mut text_only = ocr.config().clone();
    text_only.search_qr = false;
    let page = ocr.with_config(text_only).recognize_page(&img).unwrap();
    assert!(
        !matches!(
            page.document.kind,
            saoy_ocr::DocumentKind::CccdFront | saoy_ocr::DocumentKind::CccdBack
        ),
        "{:?} from {:?}",
        page.document.kind,
        page.text()
    );
    assert!(page.document.qr_texts.is_empty());
    let with_qr = ocr.recognize_page(&img).unwrap();
    assert_eq!(with_qr.document.qr_texts, vec![payload]);

    let recognizer = OcrRecognizer::new(&store, 2).unwrap();
    let rec = recognizer.recognize(&[png]).unwrap();
    assert_eq!(
        rec.kind,
        saoy_core::DocumentKind::CITIZEN_ID,
        "{:?}",
        rec.pages_text
    );
}

/// Several kiosks, each with its own delivery store, on one registry: a store scoped to its
/// office recovers and checks only that office's rows (unscoped, one kiosk's recovery would mark
/// another's in-flight issuance failed), and an issuer refuses input of another office.
#[cfg(all(feature = "workflow", feature = "sqlite"))]
mod shared_registry {
    use super::workflow_fakes::{input, kit};
    use saoy_core::DocumentKind;
    use saoy_core::registry::{CitizenIdHasher, IssueRequest, Reservation, StatusKind};
    use saoy_core::seal::KeyId;
    use saoy_core::workflow::fakes::{FakeFace, FakeRecognizer, FakeRenderer};
    use saoy_core::workflow::{DeliveryStore, Issuer, IssuerConfig};
    use std::sync::Arc;

    #[test]
    fn recovery_and_checks_stay_within_the_store_s_office() {
        let k = kit();
        let reg = k.registry.as_ref();
        let h = CitizenIdHasher::new(&[9; 32]).unwrap();
        let reserve = |id: &str, office: &str| {
            let req = IssueRequest::new(
                id,
                DocumentKind::BIRTH_CERTIFICATE,
                office,
                "officer-1",
                h.hash("001099012345"),
                KeyId([1; 8]),
                1_795_596_756,
                [7; 32],
            );
            match reg.reserve(&req).unwrap() {
                Reservation::New(r) => r.code,
                other => panic!("expected a new row, got {other:?}"),
            }
        };
        let a_renamed = reserve("a-1", "K1"); // PDF in place, killed before `activate`
        let a_lost = reserve("a-2", "K1"); // killed before the PDF was written
        let b_running = reserve("b-1", "K2"); // the other kiosk, still issuing
        let store_a = DeliveryStore::open(k.dir.path().join("a"))
            .unwrap()
            .for_office("K1");
        let store_b = DeliveryStore::open(k.dir.path().join("b"))
            .unwrap()
            .for_office("K2");
        std::fs::write(store_a.pdf_path(&a_renamed), b"%PDF-1.7 a").unwrap();
        std::fs::write(store_b.pdf_path(&b_running), b"%PDF-1.7 b").unwrap();

        let rep = store_a.recover(reg, 0).unwrap();
        assert_eq!(rep.activated, vec![a_renamed]);
        assert_eq!(rep.abandoned, vec![a_lost]);
        let status = |c| reg.get(c).unwrap().unwrap().status.kind();
        assert_eq!(status(&a_renamed), StatusKind::Valid);
        assert_eq!(status(&a_lost), StatusKind::Failed);
        assert_eq!(
            status(&b_running),
            StatusKind::Pending,
            "K2's row left alone"
        );
        let check = store_a.check_consistency(reg).unwrap();
        assert!(check.is_consistent(), "{check:?}");
        assert_eq!(check.rows_checked, 1);

        // The same directory unscoped sees K2's pending row as a fault of its own.
        let unscoped = DeliveryStore::open(k.dir.path().join("a")).unwrap();
        let check = unscoped.check_consistency(reg).unwrap();
        assert_eq!(check.pending, vec![b_running.compact()]);

        // K2's own recovery completes its copy.
        assert_eq!(store_b.recover(reg, 0).unwrap().activated, vec![b_running]);
        assert!(store_b.check_consistency(reg).unwrap().is_consistent());
    }

    #[test]
    fn an_issuer_refuses_input_of_another_office() {
        let k = kit();
        let seal_key = p384::ecdsa::SigningKey::from_slice(&[0x5a; 48]).unwrap();
        let store = DeliveryStore::open(k.dir.path().join("out"))
            .unwrap()
            .for_office("HN-BD-02");
        let iss = Issuer::new(
            Arc::new(FakeRecognizer::default()),
            Arc::new(FakeFace::default()),
            Arc::new(FakeRenderer),
            k.signer.clone(),
            Arc::new(seal_key),
            k.registry.clone(),
            store,
            CitizenIdHasher::new(&[9; 32]).unwrap(),
            IssuerConfig::default(),
        );
        let e = iss.issue(&input("req-other-office")).unwrap_err();
        assert_eq!(e.code(), "issue_bad_input", "{e}");
        assert!(e.to_string().contains("HN-BD-02"), "{e}");
        assert!(k.registry.all().unwrap().is_empty(), "nothing reserved");
    }
}
