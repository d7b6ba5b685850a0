//! Integration tests of saoy-core: pinned vectors (codes, seals), the registry suite (SQLite and,
//! with `SAOY_TEST_PG_URL`, PostgreSQL), and the workflow.

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
    assert_eq!(v["alphabet"], saoy_core::code::ALPHABET.iter().map(|&b| b as char).collect::<String>());
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
        assert_eq!(hex::encode(code.to_packed()), case["packed_hex"].as_str().unwrap());
        let symbols: Vec<u8> = case["symbols"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_u64().unwrap() as u8)
            .collect();
        assert_eq!(code.symbols().to_vec(), symbols);
        assert_eq!(VerificationCode::parse(case["code"].as_str().unwrap()), Ok(code));
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
