//! Verification codes: the unique authentication code printed on a certified copy.
//!
//! A code is 20 Crockford base32 symbols shown in five groups of four, e.g.
//! `K7QM-2XPA-9D3T-HV6C-8WRZ`: 19 random symbols (95 bits from the OS CSPRNG) and one check
//! symbol. The check symbol is a weighted sum over GF(32), which detects **every**
//! single-symbol substitution and **every** adjacent transposition (see
//! `docs/verification-code.md` for the grammar and the proof).
//!
//! [`VerificationCode`] can only exist with a correct check symbol (parse, don't validate).

use std::fmt;
use std::str::FromStr;

/// Number of symbols in a code, check symbol included.
pub const CODE_SYMBOLS: usize = 20;
/// Number of random (data) symbols.
pub const DATA_SYMBOLS: usize = CODE_SYMBOLS - 1;
/// Bits of randomness in a code.
pub const RANDOM_BITS: usize = DATA_SYMBOLS * 5;
/// Symbols per displayed group.
pub const GROUP_LEN: usize = 4;
/// Length of the canonical display form (`XXXX-XXXX-XXXX-XXXX-XXXX`).
pub const DISPLAY_LEN: usize = CODE_SYMBOLS + CODE_SYMBOLS / GROUP_LEN - 1;
/// The Crockford base32 alphabet, symbol value = index.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Longest input [`VerificationCode::parse`] looks at (separators included); longer input is
/// rejected without further work.
pub const MAX_INPUT_LEN: usize = 128;

/// Why a string is not a verification code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodeError {
    /// The input holds no code symbols at all.
    #[error("the verification code is empty")]
    Empty,
    /// A character that is neither a code symbol nor a separator.
    #[error("character {character:?} at position {position} is not allowed in a verification code")]
    InvalidCharacter {
        /// The offending character.
        character: char,
        /// Its 0-based character index in the input.
        position: usize,
    },
    /// Too few or too many symbols.
    #[error("a verification code has {expected} symbols, this one has {found}")]
    WrongLength {
        /// Symbols found (separators not counted; counting stops past `expected + 1`).
        found: usize,
        /// Symbols required ([`CODE_SYMBOLS`]).
        expected: usize,
    },
    /// The input is longer than [`MAX_INPUT_LEN`] characters.
    #[error("input of {len} characters is too long for a verification code")]
    TooLong {
        /// Input length in bytes.
        len: usize,
    },
    /// All symbols are valid but the check symbol does not match: a typo.
    #[error(
        "the verification code's check symbol does not match (a character is mistyped or two are swapped)"
    )]
    CheckMismatch,
    /// The OS random number generator failed.
    #[error("the operating system's random number generator failed: {detail}")]
    RandomnessUnavailable {
        /// The OS error text.
        detail: String,
    },
}

impl CodeError {
    /// Stable machine code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            CodeError::Empty => "code_empty",
            CodeError::InvalidCharacter { .. } => "code_invalid_character",
            CodeError::WrongLength { .. } => "code_wrong_length",
            CodeError::TooLong { .. } => "code_too_long",
            CodeError::CheckMismatch => "code_check_mismatch",
            CodeError::RandomnessUnavailable { .. } => "code_rng_unavailable",
        }
    }
}

/// A verification code whose check symbol is correct.
///
/// Construct with [`VerificationCode::parse`] (or `str::parse`), [`VerificationCode::generate`]
/// or [`VerificationCode::from_random_bytes`]. Displays in canonical form
/// `XXXX-XXXX-XXXX-XXXX-XXXX`; [`VerificationCode::compact`] gives the 20 symbols without
/// separators.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VerificationCode {
    symbols: [u8; CODE_SYMBOLS],
}

/// Separators ignored anywhere in the input: ASCII hyphen and space, tab, no-break space and the
/// Unicode hyphens/dashes a PDF viewer or word processor puts on the clipboard.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        '-' | ' '
            | '\t'
            | '\u{00A0}'
            | '\u{2010}'
            | '\u{2011}'
            | '\u{2012}'
            | '\u{2013}'
            | '\u{2212}'
    )
}

/// Value of one input character, with Crockford's confusable mapping (I, L → 1; O → 0).
fn symbol_value(c: char) -> Option<u8> {
    let u = c.to_ascii_uppercase();
    match u {
        '0'..='9' => Some(u as u8 - b'0'),
        'O' => Some(0),
        'I' | 'L' => Some(1),
        'A'..='Z' => ALPHABET.iter().position(|&a| a == u as u8).map(|i| i as u8),
        _ => None,
    }
}

/// Multiplication in GF(32) = GF(2)[x] / (x^5 + x^2 + 1).
const fn gf32_mul(mut a: u8, mut b: u8) -> u8 {
    let mut r = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            r ^= a;
        }
        b >>= 1;
        a <<= 1;
        if a & 0x20 != 0 {
            a ^= 0x25;
        }
    }
    r
}

/// Weight of each position: `x^(19-i)` in GF(32). All distinct and non-zero (x has order 31).
const WEIGHTS: [u8; CODE_SYMBOLS] = {
    let mut w = [0u8; CODE_SYMBOLS];
    let mut i = CODE_SYMBOLS;
    let mut p = 1u8;
    while i > 0 {
        i -= 1;
        w[i] = p;
        p = gf32_mul(p, 2);
    }
    w
};

/// Weighted GF(32) sum over all symbols; zero for a valid code.
fn syndrome(symbols: &[u8; CODE_SYMBOLS]) -> u8 {
    symbols
        .iter()
        .zip(WEIGHTS.iter())
        .fold(0u8, |acc, (&s, &w)| acc ^ gf32_mul(s, w))
}

impl VerificationCode {
    /// Parse a code as a person or a QR reader gives it: case-insensitive, separators (hyphens,
    /// spaces) anywhere, `I`/`L` read as `1` and `O` as `0`. Anything else is an error; a wrong
    /// check symbol is [`CodeError::CheckMismatch`] (never silently corrected).
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        if input.len() > MAX_INPUT_LEN {
            return Err(CodeError::TooLong { len: input.len() });
        }
        let mut symbols = [0u8; CODE_SYMBOLS];
        let mut n = 0usize;
        for (position, character) in input.chars().enumerate() {
            if is_separator(character) {
                continue;
            }
            let v = symbol_value(character).ok_or(CodeError::InvalidCharacter {
                character,
                position,
            })?;
            if n < CODE_SYMBOLS {
                symbols[n] = v;
            }
            n += 1;
        }
        if n == 0 {
            return Err(CodeError::Empty);
        }
        if n != CODE_SYMBOLS {
            return Err(CodeError::WrongLength {
                found: n,
                expected: CODE_SYMBOLS,
            });
        }
        Self::from_symbols(symbols)
    }

    /// Build from 20 symbol values (0..32). Errors if a value is out of range or the check
    /// symbol is wrong.
    pub fn from_symbols(symbols: [u8; CODE_SYMBOLS]) -> Result<Self, CodeError> {
        if let Some((position, &v)) = symbols.iter().enumerate().find(|(_, v)| **v >= 32) {
            return Err(CodeError::InvalidCharacter {
                character: char::from(v),
                position,
            });
        }
        if syndrome(&symbols) != 0 {
            return Err(CodeError::CheckMismatch);
        }
        Ok(Self { symbols })
    }

    /// Build a code from 12 random bytes: the first 95 bits (big-endian bit order) become the 19
    /// data symbols, the last bit is dropped, and the check symbol is computed.
    ///
    /// Only feed this CSPRNG output (it exists for test vectors and custom RNGs);
    /// [`VerificationCode::generate`] does it for you.
    pub fn from_random_bytes(bytes: [u8; 12]) -> Self {
        let mut symbols = [0u8; CODE_SYMBOLS];
        for (k, s) in symbols.iter_mut().take(DATA_SYMBOLS).enumerate() {
            *s = read_bits5(&bytes, k * 5);
        }
        // With the check weight 1, the check symbol is the weighted sum of the data symbols.
        symbols[DATA_SYMBOLS] = syndrome(&symbols);
        Self { symbols }
    }

    /// A fresh code from the operating system's CSPRNG (95 random bits).
    #[cfg(feature = "generate")]
    pub fn generate() -> Result<Self, CodeError> {
        let mut bytes = [0u8; 12];
        getrandom::fill(&mut bytes).map_err(|e| CodeError::RandomnessUnavailable {
            detail: e.to_string(),
        })?;
        Ok(Self::from_random_bytes(bytes))
    }

    /// The 20 symbol values (0..32), check symbol last.
    pub fn symbols(&self) -> [u8; CODE_SYMBOLS] {
        self.symbols
    }

    /// The check symbol as a character.
    pub fn check_char(&self) -> char {
        char::from(ALPHABET[usize::from(self.symbols[DATA_SYMBOLS] & 31)])
    }

    /// The 20 symbols without separators, upper case (used in URLs and file names).
    pub fn compact(&self) -> String {
        self.symbols
            .iter()
            .map(|&s| char::from(ALPHABET[usize::from(s & 31)]))
            .collect()
    }

    /// Pack the 20 symbols (100 bits) into 13 bytes, most significant bit first, 4 zero bits at
    /// the end (the seal's code field).
    pub fn to_packed(&self) -> [u8; 13] {
        let mut out = [0u8; 13];
        for (k, &s) in self.symbols.iter().enumerate() {
            for b in 0..5 {
                if s & (0x10 >> b) != 0 {
                    let bit = k * 5 + b;
                    out[bit / 8] |= 0x80 >> (bit % 8);
                }
            }
        }
        out
    }

    /// Unpack [`VerificationCode::to_packed`]'s form. The padding bits must be zero and the
    /// check symbol right.
    pub fn from_packed(bytes: &[u8; 13]) -> Result<Self, CodeError> {
        if bytes[12] & 0x0f != 0 {
            return Err(CodeError::InvalidCharacter {
                character: char::from(bytes[12] & 0x0f),
                position: CODE_SYMBOLS,
            });
        }
        let mut symbols = [0u8; CODE_SYMBOLS];
        for (k, s) in symbols.iter_mut().enumerate() {
            *s = read_bits5(bytes, k * 5);
        }
        Self::from_symbols(symbols)
    }
}

/// Five bits starting at bit `start` (MSB-first) of `bytes`; bits past the end read as 0.
fn read_bits5(bytes: &[u8], start: usize) -> u8 {
    let mut v = 0u8;
    for b in 0..5 {
        let bit = start + b;
        let set = bytes
            .get(bit / 8)
            .is_some_and(|byte| byte & (0x80 >> (bit % 8)) != 0);
        v = (v << 1) | u8::from(set);
    }
    v
}

impl fmt::Display for VerificationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, &s) in self.symbols.iter().enumerate() {
            if i > 0 && i % GROUP_LEN == 0 {
                f.write_str("-")?;
            }
            write!(f, "{}", char::from(ALPHABET[usize::from(s & 31)]))?;
        }
        Ok(())
    }
}

impl fmt::Debug for VerificationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerificationCode({self})")
    }
}

impl FromStr for VerificationCode {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for VerificationCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for VerificationCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(seed: u8) -> VerificationCode {
        let mut b = [0u8; 12];
        for (i, x) in b.iter_mut().enumerate() {
            *x = seed
                .wrapping_mul(37)
                .wrapping_add((i as u8).wrapping_mul(101))
                ^ 0x5a;
        }
        VerificationCode::from_random_bytes(b)
    }

    #[test]
    fn weights_distinct_nonzero() {
        for (i, a) in WEIGHTS.iter().enumerate() {
            assert_ne!(*a, 0);
            for b in &WEIGHTS[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(WEIGHTS[CODE_SYMBOLS - 1], 1);
    }

    #[test]
    fn gf32_is_a_field() {
        // every non-zero element has an inverse, and x has multiplicative order 31
        for a in 1u8..32 {
            assert_eq!((1u8..32).filter(|&b| gf32_mul(a, b) == 1).count(), 1);
        }
        let mut p = 1u8;
        for k in 1..=31 {
            p = gf32_mul(p, 2);
            assert_eq!(p == 1, k == 31, "x^{k}");
        }
    }

    #[test]
    fn display_and_parse_round_trip() {
        let c = sample(7);
        let s = c.to_string();
        assert_eq!(s.len(), DISPLAY_LEN);
        assert_eq!(s.matches('-').count(), 4);
        assert_eq!(VerificationCode::parse(&s), Ok(c));
        assert_eq!(VerificationCode::parse(&c.compact()), Ok(c));
        assert_eq!(VerificationCode::parse(&s.to_lowercase()), Ok(c));
    }

    #[test]
    fn confusables_map_to_digits() {
        // First four symbols 0,0,0,1: typed as O, o, 0 and i / L / l.
        let c = VerificationCode::from_random_bytes([0x00, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 9]);
        let s = c.compact();
        assert!(s.starts_with("0001"), "{s}");
        for typed in ["Oo0i", "oO0L", "000l", "O00I"] {
            let input = format!("{typed}{}", &s[4..]);
            assert_eq!(VerificationCode::parse(&input), Ok(c), "{input}");
        }
    }

    #[test]
    fn errors_are_typed() {
        assert_eq!(VerificationCode::parse(""), Err(CodeError::Empty));
        assert_eq!(VerificationCode::parse(" - "), Err(CodeError::Empty));
        assert_eq!(
            VerificationCode::parse("ABCU"),
            Err(CodeError::InvalidCharacter {
                character: 'U',
                position: 3
            })
        );
        assert_eq!(
            VerificationCode::parse("ABCD-EFGH"),
            Err(CodeError::WrongLength {
                found: 8,
                expected: 20
            })
        );
        let long = "A".repeat(MAX_INPUT_LEN + 1);
        assert_eq!(
            VerificationCode::parse(&long).map_err(|e| e.code()),
            Err("code_too_long")
        );
        let c = sample(3).compact();
        let extra = format!("{c}0");
        assert_eq!(
            VerificationCode::parse(&extra),
            Err(CodeError::WrongLength {
                found: 21,
                expected: 20
            })
        );
    }

    #[test]
    fn every_single_substitution_is_detected() {
        for seed in 0..64u8 {
            let c = sample(seed);
            let base = c.symbols();
            for pos in 0..CODE_SYMBOLS {
                for v in 0..32u8 {
                    if v == base[pos] {
                        continue;
                    }
                    let mut s = base;
                    s[pos] = v;
                    assert_eq!(
                        VerificationCode::from_symbols(s),
                        Err(CodeError::CheckMismatch),
                        "seed {seed} pos {pos} value {v}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_adjacent_transposition_is_detected() {
        for seed in 0..64u8 {
            let base = sample(seed).symbols();
            for pos in 0..CODE_SYMBOLS - 1 {
                if base[pos] == base[pos + 1] {
                    continue;
                }
                let mut s = base;
                s.swap(pos, pos + 1);
                assert_eq!(
                    VerificationCode::from_symbols(s),
                    Err(CodeError::CheckMismatch),
                    "seed {seed} pos {pos}"
                );
            }
        }
    }

    #[test]
    fn packed_round_trip_and_padding() {
        for seed in 0..32u8 {
            let c = sample(seed);
            let p = c.to_packed();
            assert_eq!(VerificationCode::from_packed(&p), Ok(c));
            let mut bad = p;
            bad[12] |= 1;
            assert!(VerificationCode::from_packed(&bad).is_err());
        }
    }

    #[cfg(feature = "generate")]
    #[test]
    fn generated_codes_are_valid_and_distinct() {
        let a = VerificationCode::generate().unwrap();
        let b = VerificationCode::generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(VerificationCode::parse(&a.to_string()), Ok(a));
    }
}
