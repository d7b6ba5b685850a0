//! Long-term validation against the local certomancer TSA/OCSP/CRL peer
//! (127.0.0.1, started by `.ci/setup/ltv.sh`; found through `SAOY_LTV_DIR`,
//! default `.ci/work/ltv`): B-LTA signing latency of a certified copy
//! (signature time-stamp, OCSP/CRL fetches, `/DSS` + `/VRI`, document
//! time-stamp), and `extend` (new `/DSS` + document time-stamp) per file as
//! the batch archive job runs it (revocation answers cached per batch).
//! Without the peer it prints one line saying so and measures nothing.

#![allow(missing_docs)] // criterion_group! generates an undocumented fn

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use saoy_signing::ltv::{
    Level, LtvOptions, RevocationClient, TsaClient, extend_pdf, sign_pdf_at_level,
};
use saoy_signing::sign::{SignOptions, SoftwareSigner};
use saoy_signing::writer::{CertificationBlock, CertifiedCopy, PageImage};

/// The certomancer directory and URL, if its animator answers.
fn peer() -> Result<(PathBuf, String), String> {
    let dir = std::env::var_os("SAOY_LTV_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/work/ltv"));
    let url = std::fs::read_to_string(dir.join("url"))
        .map_err(|e| format!("no {}: {e}", dir.join("url").display()))?
        .trim()
        .to_owned();
    let addr: std::net::SocketAddr = url
        .trim_start_matches("http://")
        .parse()
        .map_err(|e| format!("bad URL {url}: {e}"))?;
    std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .map_err(|e| format!("{url} not reachable: {e}"))?;
    Ok((dir, url))
}

fn signer(dir: &Path) -> Result<SoftwareSigner, String> {
    let read =
        |p: PathBuf| std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()));
    let cert = |n: &str| read(dir.join("certs").join(format!("{n}.cert.pem")));
    let key = read(dir.join("keys").join("signer.key.pem"))?;
    let chain = [cert("issuing")?, cert("root")?];
    let chain: Vec<&[u8]> = chain.iter().map(|c| c.as_bytes()).collect();
    SoftwareSigner::from_pem(&key, cert("signer")?.as_bytes(), &chain).map_err(|e| e.to_string())
}

/// A one-page certified copy (a 200x283 px JPEG page).
fn copy_pdf() -> Result<Vec<u8>, String> {
    let img = image::RgbImage::from_fn(200, 283, |x, y| {
        image::Rgb([(x % 200) as u8, (y % 200) as u8, 90])
    });
    let mut jpeg = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80);
    enc.set_pixel_density(image::codecs::jpeg::PixelDensity::dpi(200));
    enc.encode_image(&img).map_err(|e| e.to_string())?;
    let mut copy = CertifiedCopy::new(
        "Bản sao LTV",
        CertificationBlock::new("UBND phường Thử Nghiệm", "8/2026/SY", "25/11/2026"),
    );
    copy.pages.push(PageImage::new(jpeg));
    copy.render().map_err(|e| e.to_string())
}

fn bench(c: &mut Criterion) {
    let (dir, url) = match peer() {
        Ok(p) => p,
        Err(e) => {
            println!(
                "ltv bench SKIPPED: certomancer TSA/OCSP not available ({e}); run `bash .ci/setup/ltv.sh`"
            );
            return;
        }
    };
    let (signer, pdf) = match (signer(&dir), copy_pdf()) {
        (Ok(s), Ok(p)) => (s, p),
        (Err(e), _) | (_, Err(e)) => {
            println!("ltv bench SKIPPED: {e}");
            return;
        }
    };
    let tsa = TsaClient::new(format!("{url}/saoy/tsa/tsa"));
    let opts = SignOptions::default();
    let lta = LtvOptions::new(Level::BLta, Some(tsa.clone()));
    let blt = match sign_pdf_at_level(
        &pdf,
        &signer,
        &opts,
        &LtvOptions::new(Level::BLt, Some(tsa.clone())),
    ) {
        Ok(s) if s.level == Level::BLt => s.pdf,
        Ok(s) => {
            println!(
                "ltv bench SKIPPED: B-LT signing reached only {}",
                s.level.as_str()
            );
            return;
        }
        Err(e) => {
            println!("ltv bench SKIPPED: B-LT signing failed: {} ({e})", e.code());
            return;
        }
    };
    let mut g = c.benchmark_group("ltv");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(4));
    g.throughput(Throughput::Elements(1));
    g.bench_function(format!("sign_b_lta_{}kb", pdf.len() / 1024), |b| {
        b.iter(|| sign_pdf_at_level(black_box(&pdf), &signer, &opts, &lta).map(|s| s.pdf.len()))
    });
    // One client for the whole batch, as `saoy extend` uses it.
    let rev = RevocationClient::default().with_cache();
    g.bench_function("extend_b_lt_to_b_lta", |b| {
        b.iter(|| extend_pdf(black_box(&blt), &tsa, &rev).map(|p| p.len()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
