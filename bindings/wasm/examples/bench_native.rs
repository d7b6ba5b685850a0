//! Native side of the wasm benchmark: sign a ~1 MB one-page PDF with a fresh test PKI (the input
//! of `signing/benches/verify.rs`, rebuilt here) and write it and its root to DIR (or reuse the
//! ones already there), and time `saoy_wasm::verify_pdf_report` (what `verifyPdf` runs in wasm,
//! JSON report included). `bindings/wasm/bench/run.sh` times `verifyPdf` on the same file in Node
//! and in Chromium, in the same run.
//!
//! `cargo run --release -p saoy-wasm --example bench_native -- DIR [ITERS]`

#[cfg(not(target_arch = "wasm32"))]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    use saoy_signing::pki::TestPki;
    use saoy_signing::sign::{SignOptions, sign_pdf};
    use saoy_signing::verify::Lang;
    use std::time::{Instant, SystemTime, UNIX_EPOCH};

    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().ok_or("usage: bench_native DIR [ITERS]")?);
    let iters: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(15);
    let (pdf_path, root_path) = (dir.join("verify-1mb.pdf"), dir.join("root.pem"));
    let (signed, root) = if pdf_path.exists() && root_path.exists() {
        (
            std::fs::read(&pdf_path)?,
            std::fs::read_to_string(&root_path)?,
        )
    } else {
        let pki = TestPki::generate()?;
        let signed = sign_pdf(&big_pdf(1 << 20), &pki.signer()?, &SignOptions::default())?;
        let root = der::EncodePem::to_pem(&pki.root, der::pem::LineEnding::LF)?;
        std::fs::create_dir_all(&dir)?;
        std::fs::write(&pdf_path, &signed)?;
        std::fs::write(&root_path, &root)?;
        (signed, root)
    };
    let at = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
    let anchors = [root];
    let mut times = Vec::with_capacity(iters);
    let mut status = String::new();
    for i in 0..iters + 2 {
        let t0 = Instant::now();
        let v = saoy_wasm::verify_pdf_report(&signed, &anchors, Lang::En, at)?;
        let dt = t0.elapsed().as_secs_f64() * 1e3;
        status = v["status"].as_str().unwrap_or("").to_string();
        if i >= 2 {
            times.push(dt);
        }
    }
    times.sort_by(f64::total_cmp);
    println!(
        "BENCH native {{\"status\":\"{status}\",\"median_ms\":{:.3},\"min_ms\":{:.3},\"n\":{},\"bytes\":{}}}",
        times[times.len() / 2],
        times[0],
        times.len(),
        signed.len()
    );
    if status != "valid" {
        return Err("the benchmark PDF did not verify as valid".into());
    }
    Ok(())
}

/// A one-page PDF whose content stream is about `size` bytes of text operators.
#[cfg(not(target_arch = "wasm32"))]
fn big_pdf(size: usize) -> Vec<u8> {
    let mut content = Vec::with_capacity(size + 64);
    let mut i = 0u64;
    while content.len() < size {
        i += 1;
        let (x, y) = ((i * 37) % 500, (i * 101) % 780);
        content.extend_from_slice(format!("BT /F1 8 Tf {x} {y} Td (dong {i}) Tj ET\n").as_bytes());
    }
    let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
    stream.extend_from_slice(&content);
    stream.extend_from_slice(b"\nendstream");
    let objs: [Vec<u8>; 5] = [
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_vec(),
        stream,
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

#[cfg(target_arch = "wasm32")]
fn main() {}
