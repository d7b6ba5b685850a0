//! Fuzz the RFC 3161 client's response check (TimeStampResp decoding, the
//! token's CMS and TSTInfo, imprint, nonce, TSA key purpose): any bytes give
//! a checked token or a typed `ltv_*` error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use saoy_signing::ltv::fuzz_check_timestamp_response;

fuzz_target!(|data: &[u8]| {
    // The seeds are tokens over b"seed" with an 8-byte 0x11 nonce.
    match fuzz_check_timestamp_response(data, b"seed", &[0x11; 8]) {
        Ok(token) => assert!(!token.der.is_empty()),
        Err(e) => assert!(e.code().starts_with("ltv_")),
    }
});
