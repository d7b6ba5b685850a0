//! Side-by-side timing helper for `benches/peers/sign_vs_pyhanko.sh`.
//!
//! `sign_bench make DIR`: write a ~1 MB certified copy (`DIR/input-1mb.pdf`)
//! and a TEST-ONLY PKI (`DIR/pki/`).
//! `sign_bench time DIR N`: sign that PDF N times in-process with the PKI's
//! P-384 key and print `saoy_sign_median_ms=…` (wall time) and
//! `saoy_sign_cpu_ms=…` (CPU time of the process, every thread, per document:
//! what throughput on a busy machine depends on).
//! `sign_bench verify DIR N`: sign that PDF once, write it to `DIR/signed-1mb.pdf`,
//! then verify it (trusting `DIR/pki/root.pem`) N times cold
//! (`verify_pdf`) and N times warm (one reused `Verifier`), printing the same
//! two measures for each.

use std::path::Path;
use std::time::Instant;

use saoy_signing::pki::TestPki;
use saoy_signing::sign::{SignOptions, SoftwareSigner, sign_pdf};
use saoy_signing::writer::{CertificationBlock, CertifiedCopy, PageImage};

fn noise_png(w: u32, h: u32) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let img = image::RgbImage::from_fn(w, h, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let b = state.to_le_bytes();
        image::Rgb([b[0], b[1], b[2]])
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .map(|()| out)
        .unwrap_or_default()
}

/// A certified copy of about 1 MB (one incompressible 600x600 page image).
pub fn one_mb_copy() -> Result<Vec<u8>, saoy_signing::writer::WriterError> {
    let mut copy = CertifiedCopy::new(
        "Benchmark copy",
        CertificationBlock::new("UBND phường Hoàn Kiếm", "1/2026/SY", "25/11/2026"),
    );
    copy.pages
        .push(PageImage::with_dpi(noise_png(600, 600), 200.0));
    copy.qr_payload = Some("https://example.invalid/v/BENCH".into());
    copy.render()
}

/// CPU time (user + system, all threads) this process has used, in ms, from
/// `/proc/self/stat` (clock ticks of 10 ms: time loops of many calls).
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let f: Vec<f64> = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|x| x.parse().ok())
        .collect();
    f.iter().sum::<f64>() * 10.0
}

/// Run `f` `n` times: (median wall ms, CPU ms per call).
fn time_it<T>(n: usize, mut f: impl FnMut() -> T) -> (f64, f64) {
    let mut ms = Vec::with_capacity(n);
    let cpu0 = cpu_ms();
    for _ in 0..n {
        let t = Instant::now();
        std::hint::black_box(f());
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let cpu = (cpu_ms() - cpu0) / n.max(1) as f64;
    ms.sort_by(f64::total_cmp);
    (ms.get(ms.len() / 2).copied().unwrap_or(0.0), cpu)
}

/// The document signer `make` wrote into `pki`.
fn load_signer(pki: &Path) -> Result<SoftwareSigner, Box<dyn std::error::Error>> {
    Ok(SoftwareSigner::from_pem(
        &std::fs::read_to_string(pki.join("signer.key.pem"))?,
        &std::fs::read(pki.join("signer.pem"))?,
        &[&std::fs::read(pki.join("chain.pem"))?],
    )?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("make") => {
            let dir = Path::new(args.get(2).ok_or("DIR missing")?);
            std::fs::create_dir_all(dir)?;
            std::fs::write(dir.join("input-1mb.pdf"), one_mb_copy()?)?;
            TestPki::generate()?.write_pem_dir(&dir.join("pki"))?;
        }
        Some("time") => {
            let dir = Path::new(args.get(2).ok_or("DIR missing")?);
            let n: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(30);
            let pdf = std::fs::read(dir.join("input-1mb.pdf"))?;
            let pki = dir.join("pki");
            let signer = load_signer(&pki)?;
            let opts = SignOptions::default();
            sign_pdf(&pdf, &signer, &opts)?;
            let (median, cpu) = time_it(n, || sign_pdf(&pdf, &signer, &opts));
            if std::env::var_os("SAOY_BENCH_BREAKDOWN").is_some() {
                let t = Instant::now();
                for _ in 0..n {
                    std::hint::black_box(
                        saoy_signing::digest::DigestAlgorithm::Sha384.digest(&pdf),
                    );
                }
                println!(
                    "sha384_1mb_ms={:.3}",
                    t.elapsed().as_secs_f64() * 1000.0 / n as f64
                );
                let t = Instant::now();
                for _ in 0..n {
                    std::hint::black_box(
                        saoy_signing::digest::DigestAlgorithm::Sha256.digest(&pdf),
                    );
                }
                println!(
                    "sha256_1mb_ms={:.3}",
                    t.elapsed().as_secs_f64() * 1000.0 / n as f64
                );
                let t = Instant::now();
                for _ in 0..n {
                    let _ = std::hint::black_box(lopdf::Document::load_mem(&pdf));
                }
                println!(
                    "lopdf_load_ms={:.3}",
                    t.elapsed().as_secs_f64() * 1000.0 / n as f64
                );
            }
            println!("saoy_sign_median_ms={median:.3}");
            println!("saoy_sign_cpu_ms={cpu:.3}");
            println!("input_bytes={}", pdf.len());
        }
        Some("verify") => {
            use saoy_signing::verify::{Status, Verifier, VerifyOptions, verify_pdf};
            let dir = Path::new(args.get(2).ok_or("DIR missing")?);
            let n: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(30);
            let pdf = std::fs::read(dir.join("input-1mb.pdf"))?;
            let pki = dir.join("pki");
            let signer = load_signer(&pki)?;
            let signed = sign_pdf(&pdf, &signer, &SignOptions::default())?;
            std::fs::write(dir.join("signed-1mb.pdf"), &signed)?;
            let root = std::fs::read_to_string(pki.join("root.pem"))?;
            let opts = VerifyOptions::now().with_trust_anchors_pem(&root)?;
            if verify_pdf(&signed, &opts)?.status != Status::Valid {
                return Err("the benchmark PDF does not verify as valid".into());
            }
            let (cold, cold_cpu) = time_it(n, || verify_pdf(&signed, &opts));
            let verifier = Verifier::new(opts);
            let (warm, warm_cpu) = time_it(n, || verifier.verify(&signed));
            println!("saoy_verify_cold_median_ms={cold:.3}");
            println!("saoy_verify_cold_cpu_ms={cold_cpu:.3}");
            println!("saoy_verify_warm_median_ms={warm:.3}");
            println!("saoy_verify_warm_cpu_ms={warm_cpu:.3}");
            println!("signed_bytes={}", signed.len());
        }
        _ => return Err("usage: sign_bench make DIR | time DIR N | verify DIR N".into()),
    }
    Ok(())
}
