//! Character error rate: Levenshtein distance over Unicode scalar values,
//! both sides NFC-normalized.

use unicode_normalization::UnicodeNormalization;

/// Edit distance (insertions, deletions, substitutions) between two
/// strings, counted in Unicode scalar values after NFC normalization.
pub fn edit_distance(reference: &str, hypothesis: &str) -> usize {
    let a: Vec<char> = reference.nfc().collect();
    let b: Vec<char> = hypothesis.nfc().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0usize; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Number of Unicode scalar values of `s` after NFC normalization.
pub fn nfc_len(s: &str) -> usize {
    s.nfc().count()
}

/// Accumulates a corpus-level character error rate (total edits / total
/// reference characters).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CerCounter {
    /// Total edit distance.
    pub edits: usize,
    /// Total reference characters.
    pub chars: usize,
}

impl CerCounter {
    /// Add one reference/hypothesis pair.
    pub fn add(&mut self, reference: &str, hypothesis: &str) {
        self.edits += edit_distance(reference, hypothesis);
        self.chars += nfc_len(reference);
    }

    /// The error rate in percent (0 when nothing was added).
    pub fn percent(&self) -> f64 {
        if self.chars == 0 {
            0.0
        } else {
            100.0 * self.edits as f64 / self.chars as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_scalar_values_after_nfc() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", ""), 3);
        // "ệ" precomposed vs decomposed e + circumflex + dot below: equal after NFC.
        assert_eq!(edit_distance("Việt", "Vie\u{0302}\u{0323}t"), 0);
        // A lost tone mark is one substitution.
        assert_eq!(edit_distance("tiếng", "tiêng"), 1);
    }

    #[test]
    fn counter_is_corpus_level() {
        let mut c = CerCounter::default();
        c.add("abcd", "abed");
        c.add("xyzxyz", "xyzxyz");
        assert_eq!(
            c,
            CerCounter {
                edits: 1,
                chars: 10
            }
        );
        assert!((c.percent() - 10.0).abs() < 1e-9);
    }
}
