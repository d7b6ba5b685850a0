//! Fuzz the verifier entry point: any bytes must give a report or a typed
//! error, never a panic, and the document status must follow its signatures.
#![no_main]

use libfuzzer_sys::fuzz_target;
use saoy_signing::verify::{Limits, Status, VerifyOptions, verify_pdf};

fuzz_target!(|data: &[u8]| {
    let mut limits = Limits::default();
    limits.max_file_size = 1 << 20;
    let opts = VerifyOptions::new(1_767_225_600).with_limits(limits);
    if let Ok(report) = verify_pdf(data, &opts) {
        let worst = report.signatures.iter().map(|s| s.status).max();
        match worst {
            Some(w) => assert_eq!(report.status, w),
            None => assert_eq!(report.status, Status::Indeterminate),
        }
    }
});
