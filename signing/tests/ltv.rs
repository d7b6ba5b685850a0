//! Integration tests of long-term validation against real peers on
//! 127.0.0.1: certomancer (TSA, OCSP, CRLs; started by .ci/setup/ltv.sh).
//! Outside CI these tests skip with a visible message when the peer is
//! absent; in CI (`CI` or `SAOY_CI` set) they fail instead.

#![cfg(all(feature = "sign", feature = "writer"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use saoy_signing::ltv::{Level, LtvOptions, TsaClient, sign_pdf_at_level};
use saoy_signing::sign::{SignOptions, SoftwareSigner};
use saoy_signing::verify::{PadesLevel, ReasonCode, Status, VerifyOptions, verify_pdf};
use saoy_signing::writer::{CertificationBlock, CertifiedCopy, PageImage};

fn in_ci() -> bool {
    ["CI", "SAOY_CI"].iter().any(|k| {
        std::env::var(k)
            .map(|v| !v.is_empty() && v != "0" && v != "false")
            .unwrap_or(false)
    })
}

/// The certomancer PKI written by .ci/setup/ltv.sh, if its animator answers.
struct Peer {
    dir: PathBuf,
    url: String,
}

impl Peer {
    fn find(test: &str) -> Option<Peer> {
        let dir = std::env::var_os("SAOY_LTV_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/work/ltv"));
        let url = std::fs::read_to_string(dir.join("url"))
            .ok()
            .map(|s| s.trim().to_owned());
        let up = url.as_deref().is_some_and(|u| {
            let addr = u.trim_start_matches("http://");
            addr.parse::<std::net::SocketAddr>().is_ok_and(|a| {
                std::net::TcpStream::connect_timeout(&a, std::time::Duration::from_secs(2)).is_ok()
            })
        });
        match (up, url) {
            (true, Some(url)) => Some(Peer { dir, url }),
            _ if in_ci() => panic!(
                "{test}: certomancer is not running ({}): CI must run .ci/setup/ltv.sh first",
                dir.display()
            ),
            _ => {
                eprintln!(
                    "SKIPPED {test}: certomancer not running (run `bash .ci/setup/ltv.sh`; looked in {})",
                    dir.display()
                );
                None
            }
        }
    }

    fn pem(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join("certs").join(format!("{name}.cert.pem"))).unwrap()
    }

    fn signer(&self, name: &str) -> SoftwareSigner {
        let key =
            std::fs::read_to_string(self.dir.join("keys").join(format!("{name}.key.pem"))).unwrap();
        let cert = self.pem(name);
        let chain = [self.pem("issuing"), self.pem("root")];
        let chain: Vec<&[u8]> = chain.iter().map(|c| c.as_bytes()).collect();
        SoftwareSigner::from_pem(&key, cert.as_bytes(), &chain).unwrap()
    }

    fn tsa(&self) -> TsaClient {
        TsaClient::new(format!("{}/saoy/tsa/tsa", self.url))
    }

    fn opts(&self, at: i64) -> VerifyOptions {
        VerifyOptions::new(at)
            .with_trust_anchors_pem(&self.pem("root"))
            .unwrap()
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn copy_pdf() -> Vec<u8> {
    let img = image::RgbImage::from_fn(200, 283, |x, y| {
        image::Rgb([(x % 200) as u8, (y % 200) as u8, 90])
    });
    let mut jpeg = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80);
    enc.set_pixel_density(image::codecs::jpeg::PixelDensity::dpi(200));
    enc.encode_image(&img).unwrap();
    let mut copy = CertifiedCopy::new(
        "Bản sao LTV",
        CertificationBlock::new("UBND phường Thử Nghiệm", "8/2026/SY", "25/11/2026"),
    );
    copy.pages.push(PageImage::new(jpeg));
    copy.render().unwrap()
}

#[test]
fn b_t_with_certomancer_tsa_is_detected_and_validated() {
    let Some(peer) = Peer::find("b_t_with_certomancer_tsa_is_detected_and_validated") else {
        return;
    };
    let signer = peer.signer("signer");
    let out = sign_pdf_at_level(
        &copy_pdf(),
        &signer,
        &SignOptions::default(),
        &LtvOptions::new(Level::BT, Some(peer.tsa())),
    )
    .unwrap();
    assert_eq!(out.level, Level::BT);
    let report = verify_pdf(&out.pdf, &peer.opts(now())).unwrap();
    let sig = &report.signatures[0];
    assert_eq!(sig.pades_level, Some(PadesLevel::BT), "{sig:#?}");
    assert_eq!(sig.status, Status::Valid, "{sig:#?}");
    assert!(sig.timestamp_time.is_some());
    assert!(
        sig.reasons
            .iter()
            .any(|r| r.code == ReasonCode::TimestampValid),
        "{:#?}",
        sig.reasons
    );
    // Without the root the TSA is untrusted: the time-stamp is not relied on.
    let untrusted = verify_pdf(&out.pdf, &VerifyOptions::new(now())).unwrap();
    assert!(
        untrusted.signatures[0]
            .reasons
            .iter()
            .any(|r| r.code == ReasonCode::TimestampNotTrusted)
    );
}

#[test]
fn tsa_down_is_a_typed_error_or_an_explicit_downgrade() {
    // A port nobody listens on (bound, then released).
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/tsa", l.local_addr().unwrap());
    drop(l);
    let pki = saoy_signing::pki::TestPki::generate().unwrap();
    let signer = pki.signer().unwrap();
    let pdf = copy_pdf();
    let strict = LtvOptions::new(Level::BT, Some(TsaClient::new(url.clone())));
    let e = sign_pdf_at_level(&pdf, &signer, &SignOptions::default(), &strict).unwrap_err();
    assert_eq!(e.code(), "ltv_unreachable");
    let lenient = strict.allow_downgrade(true);
    let out = sign_pdf_at_level(&pdf, &signer, &SignOptions::default(), &lenient).unwrap();
    assert_eq!(out.level, Level::BB);
    assert_eq!(
        out.downgraded_because.as_ref().map(|e| e.code()),
        Some("ltv_unreachable")
    );
    let report = verify_pdf(&out.pdf, &VerifyOptions::new(now())).unwrap();
    assert_eq!(report.signatures[0].pades_level, Some(PadesLevel::BB));
}

#[test]
fn b_lta_with_dss_and_expired_signer_point_in_time() {
    let Some(peer) = Peer::find("b_lta_with_dss_and_expired_signer_point_in_time") else {
        return;
    };
    let signer = peer.signer("short");
    let pdf = copy_pdf();
    let lta = sign_pdf_at_level(
        &pdf,
        &signer,
        &SignOptions::default(),
        &LtvOptions::new(Level::BLta, Some(peer.tsa())),
    )
    .unwrap();
    assert_eq!(lta.level, Level::BLta);
    let now_report = verify_pdf(&lta.pdf, &peer.opts(now())).unwrap();
    let sig = &now_report.signatures[0];
    assert_eq!(sig.pades_level, Some(PadesLevel::BLta), "{now_report:#?}");
    assert_eq!(now_report.status, Status::Valid, "{now_report:#?}");
    assert!(
        sig.reasons
            .iter()
            .any(|r| r.code == ReasonCode::RevocationGood),
        "{:#?}",
        sig.reasons
    );
    // Long after the short-lived signer expired: B-LTA still valid, B-B not.
    let not_after = saoy_signing::verify::parse_rfc3339(
        sig.signer.as_ref().unwrap().not_after.as_deref().unwrap(),
    )
    .unwrap();
    let later = not_after + 200 * 86_400;
    let late = verify_pdf(&lta.pdf, &peer.opts(later)).unwrap();
    assert_eq!(late.status, Status::Valid, "{late:#?}");
    let bb = saoy_signing::sign::sign_pdf(&pdf, &signer, &SignOptions::default()).unwrap();
    let late_bb = verify_pdf(&bb, &peer.opts(later)).unwrap();
    assert_ne!(late_bb.status, Status::Valid);
    assert!(
        late_bb.signatures[0]
            .reasons
            .iter()
            .any(|r| r.code == ReasonCode::CertExpired)
    );
    // Renewal: a new DSS + document time-stamp keeps it B-LTA and valid.
    let renewed = saoy_signing::ltv::extend_pdf(
        &lta.pdf,
        &peer.tsa(),
        &saoy_signing::ltv::RevocationClient::default(),
    )
    .unwrap();
    let r = verify_pdf(&renewed, &peer.opts(now())).unwrap();
    assert_eq!(r.status, Status::Valid, "{r:#?}");
    assert_eq!(r.signatures[0].pades_level, Some(PadesLevel::BLta));
    assert_eq!(r.revisions, 6, "copy, sig, DSS, doc TS, DSS, doc TS");
}

#[test]
fn revoked_signer_is_refused_at_b_lt() {
    let Some(peer) = Peer::find("revoked_signer_is_refused_at_b_lt") else {
        return;
    };
    let signer = peer.signer("revoked");
    let e = sign_pdf_at_level(
        &copy_pdf(),
        &signer,
        &SignOptions::default(),
        &LtvOptions::new(Level::BLt, Some(peer.tsa())),
    )
    .unwrap_err();
    assert_eq!(e.code(), "ltv_revoked", "{e}");
}

/// Counts the requests that reach the network.
struct Counting {
    inner: saoy_signing::ltv::HttpTransport,
    posts: std::sync::atomic::AtomicUsize,
    gets: std::sync::atomic::AtomicUsize,
}

impl saoy_signing::ltv::Transport for Counting {
    fn post(
        &self,
        url: &str,
        content_type: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, saoy_signing::ltv::LtvError> {
        self.posts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.post(url, content_type, body)
    }
    fn get(&self, url: &str) -> Result<Vec<u8>, saoy_signing::ltv::LtvError> {
        self.gets.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.get(url)
    }
}

#[test]
fn extend_batch_fetches_revocation_data_once() {
    use std::sync::atomic::Ordering::SeqCst;
    let Some(peer) = Peer::find("extend_batch_fetches_revocation_data_once") else {
        return;
    };
    let blt = sign_pdf_at_level(
        &copy_pdf(),
        &peer.signer("signer"),
        &SignOptions::default(),
        &LtvOptions::new(Level::BLt, Some(peer.tsa())),
    )
    .unwrap();
    assert_eq!(blt.level, Level::BLt);
    let net = std::sync::Arc::new(Counting {
        inner: saoy_signing::ltv::HttpTransport::default(),
        posts: Default::default(),
        gets: Default::default(),
    });
    let tsa = peer.tsa().with_transport(net.clone());
    let rev = saoy_signing::ltv::RevocationClient::new(net.clone()).with_cache();
    let first = saoy_signing::ltv::extend_pdf(&blt.pdf, &tsa, &rev).unwrap();
    let (p1, g1) = (net.posts.load(SeqCst), net.gets.load(SeqCst));
    assert!(
        p1 + g1 > 1,
        "revocation data was fetched: {p1} posts, {g1} gets"
    );
    let second = saoy_signing::ltv::extend_pdf(&blt.pdf, &tsa, &rev).unwrap();
    // The second file of the batch only asks the TSA for its document time-stamp.
    assert_eq!(net.posts.load(SeqCst) - p1, 1);
    assert_eq!(net.gets.load(SeqCst) - g1, 0);
    for pdf in [&first, &second] {
        let r = verify_pdf(pdf, &peer.opts(now())).unwrap();
        assert_eq!(r.status, Status::Valid, "{r:#?}");
        assert_eq!(r.signatures[0].pades_level, Some(PadesLevel::BLta));
    }
}

/// PKCS#11 against SoftHSM2: the test makes its own token in a temporary
/// directory (SOFTHSM2_CONF), then runs the signing part in a child process
/// of this test binary, because the module reads SOFTHSM2_CONF from the
/// process environment (which this crate may not change: no unsafe code).
#[cfg(feature = "pkcs11")]
mod pkcs11 {
    use super::*;
    use der::Encode;
    use der::asn1::OctetString;
    use p384::elliptic_curve::Generate as _;
    use saoy_signing::pkcs11::{
        Pkcs11Signer, TokenConfig, TokenCurve, generate_key_pair, import_certificate,
    };
    use spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
    use std::str::FromStr;
    use x509_cert::Certificate;
    use x509_cert::builder::profile::BuilderProfile;
    use x509_cert::builder::{Builder, CertificateBuilder};
    use x509_cert::certificate::TbsCertificate;
    use x509_cert::ext::Extension;
    use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
    use x509_cert::name::Name;
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::time::Validity;

    const TOKEN: &str = "saoy-test";
    const PIN: &str = "246810";
    const KEY: &str = "copy-signer";

    fn module() -> PathBuf {
        std::env::var_os("SAOY_SOFTHSM_MODULE")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/lib/softhsm/libsofthsm2.so"))
    }

    struct Prof {
        subject: Name,
        issuer: Name,
        ca: bool,
    }

    impl BuilderProfile for Prof {
        fn get_issuer(&self, _: &Name) -> Name {
            self.issuer.clone()
        }
        fn get_subject(&self) -> Name {
            self.subject.clone()
        }
        fn build_extensions(
            &self,
            _: SubjectPublicKeyInfoRef<'_>,
            _: SubjectPublicKeyInfoRef<'_>,
            _: &TbsCertificate,
        ) -> x509_cert::builder::Result<Vec<Extension>> {
            let usage = if self.ca {
                KeyUsages::KeyCertSign | KeyUsages::CRLSign
            } else {
                KeyUsages::DigitalSignature | KeyUsages::NonRepudiation
            };
            let bc = BasicConstraints {
                ca: self.ca,
                path_len_constraint: None,
            };
            Ok(vec![
                Extension {
                    extn_id: const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS,
                    critical: true,
                    extn_value: OctetString::new(bc.to_der()?)?,
                },
                Extension {
                    extn_id: const_oid::db::rfc5280::ID_CE_KEY_USAGE,
                    critical: true,
                    extn_value: OctetString::new(KeyUsage(usage).to_der()?)?,
                },
            ])
        }
    }

    fn issue(
        subject: &str,
        issuer: &str,
        ca: bool,
        spki: SubjectPublicKeyInfoOwned,
        key: &p384::ecdsa::SigningKey,
        serial: u8,
    ) -> Certificate {
        let prof = Prof {
            subject: Name::from_str(subject).unwrap(),
            issuer: Name::from_str(issuer).unwrap(),
            ca,
        };
        let validity = Validity::from_now(std::time::Duration::from_secs(86_400 * 30)).unwrap();
        CertificateBuilder::new(prof, SerialNumber::from(serial), validity, spki)
            .unwrap()
            .build::<_, p384::ecdsa::DerSignature>(key)
            .unwrap()
    }

    #[test]
    fn pkcs11_softhsm_p384_token_key_signs_a_certified_copy() {
        let test = "pkcs11_softhsm_p384_token_key_signs_a_certified_copy";
        let util = Path::new("/usr/bin/softhsm2-util");
        if !module().exists() || !util.exists() {
            assert!(
                !in_ci(),
                "{test}: SoftHSM2 is not installed ({}): CI must run .ci/setup/ltv.sh",
                module().display()
            );
            eprintln!("SKIPPED {test}: SoftHSM2 not installed (apt-get install softhsm2)");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tokens")).unwrap();
        let conf = dir.path().join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                dir.path().join("tokens").display()
            ),
        )
        .unwrap();
        let init = std::process::Command::new(util)
            .args(["--init-token", "--free", "--label", TOKEN])
            .args(["--so-pin", "13579135", "--pin", PIN])
            .env("SOFTHSM2_CONF", &conf)
            .output()
            .unwrap();
        assert!(init.status.success(), "{init:?}");
        let child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["pkcs11::child_signs_with_the_token", "--exact", "--ignored"])
            .args(["--nocapture", "--test-threads=1"])
            .env("SOFTHSM2_CONF", &conf)
            .env("SAOY_PKCS11_TEST_DIR", dir.path())
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&child.stdout);
        let err = String::from_utf8_lossy(&child.stderr);
        assert!(
            child.status.success() && out.contains("1 passed"),
            "child failed:\n{out}\n{err}"
        );
    }

    /// The token part of the test above (it needs SOFTHSM2_CONF set by it).
    #[test]
    #[ignore = "run by pkcs11_softhsm_p384_token_key_signs_a_certified_copy in a child process"]
    fn child_signs_with_the_token() {
        let dir = PathBuf::from(std::env::var_os("SAOY_PKCS11_TEST_DIR").unwrap());
        assert!(dir.is_dir());
        let cfg = TokenConfig::new(module(), TOKEN, PIN);
        let spki = generate_key_pair(&cfg, KEY, TokenCurve::P384).unwrap();
        assert_eq!(
            spki.algorithm
                .parameters
                .as_ref()
                .unwrap()
                .to_der()
                .unwrap(),
            const_oid::db::rfc5912::SECP_384_R_1.to_der().unwrap()
        );
        // A test CA certifies the token's public key.
        let ca_key =
            p384::ecdsa::SigningKey::try_generate_from_rng(&mut getrandom::SysRng).unwrap();
        let ca_spki = SubjectPublicKeyInfoOwned::from_key(ca_key.verifying_key()).unwrap();
        let ca_name = "CN=saoy PKCS11 Test CA,O=saoy TEST ONLY,C=VN";
        let ca = issue(ca_name, ca_name, true, ca_spki, &ca_key, 1);
        let leaf = issue(
            "CN=UBND Phuong Thu Nghiem HSM (TEST),O=saoy TEST ONLY,C=VN",
            ca_name,
            false,
            spki,
            &ca_key,
            2,
        );
        let signer = Pkcs11Signer::open(&cfg, KEY, Some(leaf.clone()), vec![ca.clone()]).unwrap();
        assert_eq!(signer.curve(), TokenCurve::P384);
        let signed =
            saoy_signing::sign::sign_pdf(&copy_pdf(), &signer, &SignOptions::default()).unwrap();
        let ca_pem = der::EncodePem::to_pem(&ca, der::pem::LineEnding::LF).unwrap();
        let opts = VerifyOptions::new(now())
            .with_trust_anchors_pem(&ca_pem)
            .unwrap();
        let report = verify_pdf(&signed, &opts).unwrap();
        assert_eq!(report.status, Status::Valid, "{report:#?}");
        let sig = &report.signatures[0];
        assert!(
            sig.signer.as_ref().unwrap().subject.contains("HSM (TEST)"),
            "{sig:#?}"
        );
        drop(signer);

        // The certificate may live on the token instead of in a file.
        import_certificate(&cfg, KEY, &leaf).unwrap();
        let from_token = Pkcs11Signer::open(&cfg, KEY, None, vec![ca.clone()]).unwrap();
        let again = saoy_signing::sign::sign_pdf(&copy_pdf(), &from_token, &SignOptions::default())
            .unwrap();
        assert_eq!(verify_pdf(&again, &opts).unwrap().status, Status::Valid);
        drop(from_token);

        // Typed errors: wrong PIN, unknown key, unknown token, key/certificate mismatch.
        let e = Pkcs11Signer::open(
            &TokenConfig::new(module(), TOKEN, "000000"),
            KEY,
            None,
            vec![],
        )
        .unwrap_err();
        assert_eq!(e.code(), "pkcs11_login", "{e}");
        let e = Pkcs11Signer::open(&cfg, "no-such-key", None, vec![]).unwrap_err();
        assert_eq!(e.code(), "pkcs11_key_not_found", "{e}");
        let e = Pkcs11Signer::open(&TokenConfig::new(module(), "nope", PIN), KEY, None, vec![])
            .unwrap_err();
        assert_eq!(e.code(), "pkcs11_token_not_found", "{e}");
        let e = Pkcs11Signer::open(&cfg, KEY, Some(ca), vec![]).unwrap_err();
        assert_eq!(e.code(), "pkcs11_key_certificate_mismatch", "{e}");
    }
}

/// Answers the first request from the real TSA, then replays that answer (or garbage).
struct Replaying {
    inner: saoy_signing::ltv::HttpTransport,
    recorded: std::sync::Mutex<Option<Vec<u8>>>,
    garbage: bool,
}

impl saoy_signing::ltv::Transport for Replaying {
    fn post(
        &self,
        url: &str,
        content_type: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, saoy_signing::ltv::LtvError> {
        if self.garbage {
            return Ok(b"<html>502 Bad Gateway</html>".to_vec());
        }
        let mut rec = self.recorded.lock().unwrap();
        if let Some(old) = rec.as_ref() {
            return Ok(old.clone());
        }
        let fresh = self.inner.post(url, content_type, body)?;
        *rec = Some(fresh.clone());
        Ok(fresh)
    }
    fn get(&self, url: &str) -> Result<Vec<u8>, saoy_signing::ltv::LtvError> {
        self.inner.get(url)
    }
}

#[test]
fn replayed_and_garbage_tsa_answers_are_typed_errors_and_never_a_half_written_pdf() {
    let Some(peer) = Peer::find("replayed_and_garbage_tsa_answers_are_typed_errors") else {
        return;
    };
    let replay = std::sync::Arc::new(Replaying {
        inner: saoy_signing::ltv::HttpTransport::default(),
        recorded: Default::default(),
        garbage: false,
    });
    let tsa = peer.tsa().with_transport(replay.clone());
    // The same data twice: the imprint matches, only the nonce tells the replay apart.
    tsa.timestamp(b"the same bytes").unwrap();
    let e = tsa.timestamp(b"the same bytes").unwrap_err();
    assert_eq!(e.code(), "ltv_nonce_mismatch", "{e}");

    let junk = std::sync::Arc::new(Replaying {
        inner: saoy_signing::ltv::HttpTransport::default(),
        recorded: Default::default(),
        garbage: true,
    });
    let tsa = peer.tsa().with_transport(junk);
    let e = tsa.timestamp(b"data").unwrap_err();
    assert_eq!(e.code(), "ltv_bad_response", "{e}");
    // Signing at B-T with that TSA: an error and no PDF, unless the caller allows B-B.
    let signer = peer.signer("signer");
    let e = sign_pdf_at_level(
        &copy_pdf(),
        &signer,
        &SignOptions::default(),
        &LtvOptions::new(Level::BT, Some(tsa.clone())),
    )
    .unwrap_err();
    assert_eq!(e.code(), "ltv_bad_response", "{e}");
    let down = sign_pdf_at_level(
        &copy_pdf(),
        &signer,
        &SignOptions::default(),
        &LtvOptions::new(Level::BT, Some(tsa)).allow_downgrade(true),
    )
    .unwrap();
    assert_eq!(down.level, Level::BB);
    assert_eq!(
        down.downgraded_because.as_ref().map(|e| e.code()),
        Some("ltv_bad_response")
    );
    let r = verify_pdf(&down.pdf, &peer.opts(now())).unwrap();
    assert_eq!(r.status, Status::Valid, "{r:#?}");
}

/// Passes everything through but OCSP requests, which find no responder.
struct NoOcsp {
    inner: saoy_signing::ltv::HttpTransport,
}

impl saoy_signing::ltv::Transport for NoOcsp {
    fn post(
        &self,
        url: &str,
        content_type: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, saoy_signing::ltv::LtvError> {
        if content_type == "application/ocsp-request" {
            return saoy_signing::ltv::HttpTransport::default().post(
                "http://127.0.0.1:9/ocsp",
                content_type,
                body,
            );
        }
        self.inner.post(url, content_type, body)
    }
    fn get(&self, url: &str) -> Result<Vec<u8>, saoy_signing::ltv::LtvError> {
        self.inner.get(url)
    }
}

#[test]
fn ocsp_only_refuses_the_crl_fallback() {
    let Some(peer) = Peer::find("ocsp_only_refuses_the_crl_fallback") else {
        return;
    };
    let net = std::sync::Arc::new(NoOcsp {
        inner: saoy_signing::ltv::HttpTransport::default(),
    });
    let sign = |ocsp_only: bool| {
        let rev = saoy_signing::ltv::RevocationClient::new(net.clone()).ocsp_only(ocsp_only);
        sign_pdf_at_level(
            &copy_pdf(),
            &peer.signer("signer"),
            &SignOptions::default(),
            &LtvOptions::new(Level::BLt, Some(peer.tsa())).revocation(rev),
        )
    };
    // OCSP down: the default falls back to the CRLs and still reaches B-LT …
    let out = sign(false).unwrap();
    assert_eq!(out.level, Level::BLt);
    let r = verify_pdf(&out.pdf, &peer.opts(now())).unwrap();
    assert_eq!(r.status, Status::Valid, "{r:#?}");
    // … while OCSP-only is a typed error (the responder is unreachable).
    let e = sign(true).unwrap_err();
    assert_eq!(e.code(), "ltv_unreachable", "{e}");
}
