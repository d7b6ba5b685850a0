//! Fuzz the OCSP response parser (what the verifier reads from a `/DSS` and
//! the B-LT client reads from a responder): Ok or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use saoy_signing::verify::fuzzing::parse_ocsp_response;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = parse_ocsp_response(data) {
        assert!(!e.is_empty());
    }
});
