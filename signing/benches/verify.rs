//! Verify a ~1 MB signed PDF (P-384 key, SHA-256 PAdES B-B, test PKI, trusted root):
//! cold (`verify_pdf`) and warm (a reused `Verifier` with its certificate cache).
//!
//! With `SAOY_BENCH_DIR` set, the PDF and its root are also written there
//! (`verify-1mb.pdf`, `root.pem`) so that `.ci/eval/verify.sh` can time
//! pyHanko on the very same file.

#![allow(missing_docs)] // criterion_group! generates an undocumented fn

use criterion::{Criterion, criterion_group, criterion_main};
use saoy_signing::pki::TestPki;
use saoy_signing::sign::{SignOptions, sign_pdf};
use saoy_signing::verify::{Status, Verifier, VerifyOptions, verify_pdf};
use std::hint::black_box;

/// A one-page PDF whose page content stream is about `size` bytes of text operators.
fn big_pdf(size: usize) -> Vec<u8> {
    let mut content = Vec::with_capacity(size + 64);
    let mut i = 0u64;
    while content.len() < size {
        i += 1;
        let x = (i * 37) % 500;
        let y = (i * 101) % 780;
        content.extend_from_slice(format!("BT /F1 8 Tf {x} {y} Td (dong {i}) Tj ET\n").as_bytes());
    }
    let objs: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
            .to_vec(),
        {
            let mut s = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
            s.extend_from_slice(&content);
            s.extend_from_slice(b"\nendstream");
            s
        },
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (n, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", n + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objs.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn bench(c: &mut Criterion) {
    let Ok(pki) = TestPki::generate() else { return };
    let Ok(signer) = pki.signer() else { return };
    let Ok(signed) = sign_pdf(&big_pdf(1 << 20), &signer, &SignOptions::default()) else {
        return;
    };
    let Ok(root) = der::Encode::to_der(&pki.root) else {
        return;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let Ok(opts) = VerifyOptions::new(now).with_trust_anchor_der(&root) else {
        return;
    };
    // The benchmark only means something if the file verifies.
    let ok = verify_pdf(&signed, &opts)
        .map(|r| r.status == Status::Valid)
        .unwrap_or(false);
    assert!(ok, "benchmark PDF does not verify as valid");
    if let Some(dir) = std::env::var_os("SAOY_BENCH_DIR") {
        let dir = std::path::PathBuf::from(dir);
        let pem = der::EncodePem::to_pem(&pki.root, der::pem::LineEnding::LF).unwrap_or_default();
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join("verify-1mb.pdf"), &signed);
        let _ = std::fs::write(dir.join("root.pem"), pem);
    }
    let mut g = c.benchmark_group("verify");
    g.throughput(criterion::Throughput::Bytes(signed.len() as u64));
    // Cold: every call validates the whole chain.
    g.bench_function("verify_pdf_1mb", |b| {
        b.iter(|| verify_pdf(black_box(&signed), &opts))
    });
    // A service's steady state: one Verifier, the signer's chain already seen.
    let verifier = Verifier::new(opts.clone());
    g.bench_function("verifier_warm_1mb", |b| {
        b.iter(|| verifier.verify(black_box(&signed)))
    });
    // Where the time goes: parsing the PDF, and hashing the signed bytes.
    g.bench_function("lopdf_load_1mb", |b| {
        b.iter(|| lopdf::Document::load_mem(black_box(&signed)).is_ok())
    });
    g.bench_function("sha384_1mb", |b| {
        b.iter(|| <sha2::Sha384 as sha2::Digest>::digest(black_box(&signed)))
    });
    g.bench_function("sha256_1mb", |b| {
        b.iter(|| <sha2::Sha256 as sha2::Digest>::digest(black_box(&signed)))
    });
    // What the crate's digest helper runs (AWS-LC's SHA-NI/AVX code on native targets).
    g.bench_function("digest_sha256_1mb", |b| {
        b.iter(|| saoy_signing::digest::DigestAlgorithm::Sha256.digest(black_box(&signed)))
    });
    #[cfg(feature = "native-crypto")]
    g.bench_function("awslc_sha256_1mb", |b| {
        b.iter(|| aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, black_box(&signed)))
    });
    g.finish();
    primitives(c);
}

/// One ECDSA verification per curve (prehash), the floor under every signature check.
fn primitives(c: &mut Criterion) {
    use signature::hazmat::{PrehashSigner, PrehashVerifier};
    let z = [7u8; 48];
    let mut g = c.benchmark_group("ecdsa_verify");
    if let Ok(k) = saoy_signing::sign::SoftwareKey::generate(saoy_signing::sign::KeyAlgorithm::P384)
        && let saoy_signing::sign::SoftwareKey::P384(sk) = k
    {
        let vk = *sk.verifying_key();
        if let Ok(sig) = PrehashSigner::<p384::ecdsa::Signature>::sign_prehash(&sk, &z) {
            g.bench_function("p384", |b| {
                b.iter(|| vk.verify_prehash(black_box(&z), &sig).is_ok())
            });
        }
    }
    if let Ok(k) = saoy_signing::sign::SoftwareKey::generate(saoy_signing::sign::KeyAlgorithm::P256)
        && let saoy_signing::sign::SoftwareKey::P256(sk) = k
    {
        let vk = *sk.verifying_key();
        if let Ok(sig) = PrehashSigner::<p256::ecdsa::Signature>::sign_prehash(&sk, &z[..32]) {
            g.bench_function("p256", |b| {
                b.iter(|| vk.verify_prehash(black_box(&z[..32]), &sig).is_ok())
            });
            g.bench_function("p256_sign", |b| {
                b.iter(|| {
                    PrehashSigner::<p256::ecdsa::Signature>::sign_prehash(&sk, black_box(&z[..32]))
                        .is_ok()
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
