//! Fuzz the seal parsers (binary, base64url text, URL) and the verifier: never panics; a parsed
//! seal re-encodes to the same bytes; random bytes never verify.
#![no_main]

use libfuzzer_sys::fuzz_target;
use saoy_core::seal::{IssuerKey, IssuerKeys, Seal, SealStatus, parse_seal_text, verify_seal};

fuzz_target!(|data: &[u8]| {
    if let Ok(seal) = Seal::from_bytes(data) {
        assert_eq!(seal.to_bytes().ok().as_deref(), Some(data));
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_seal_text(text);
        let key = p384_key();
        let keys = IssuerKeys::new().with(key);
        let r = verify_seal(text, &keys);
        assert_ne!(r.status, SealStatus::Valid, "random text verified");
    }
});

fn p384_key() -> IssuerKey {
    // A fixed public point (the generator of P-384, compressed).
    const G: [u8; 49] = [
        0x03, 0xaa, 0x87, 0xca, 0x22, 0xbe, 0x8b, 0x05, 0x37, 0x8e, 0xb1, 0xc7, 0x1e, 0xf3, 0x20,
        0xad, 0x74, 0x6e, 0x1d, 0x3b, 0x62, 0x8b, 0xa7, 0x9b, 0x98, 0x59, 0xf7, 0x41, 0xe0, 0x82,
        0x54, 0x2a, 0x38, 0x55, 0x02, 0xf2, 0x5d, 0xbf, 0x55, 0x29, 0x6c, 0x3a, 0x54, 0x5e, 0x38,
        0x72, 0x76, 0x0a, 0xb7,
    ];
    match IssuerKey::from_sec1("fuzz", &G) {
        Ok(k) => k,
        Err(e) => panic!("fixed key: {e}"),
    }
}
