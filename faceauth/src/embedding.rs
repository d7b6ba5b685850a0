//! Face templates (embeddings) and their comparison.

use zeroize::{Zeroize, ZeroizeOnDrop};

/// Length of an SFace embedding.
pub const EMBEDDING_LEN: usize = 128;

/// An L2-normalised SFace face template.
///
/// Biometric data: the values are wiped from memory when the embedding is
/// dropped, they never appear in `Debug` output, and the type deliberately
/// implements neither `Serialize` nor `Display` — the SDK never persists
/// or logs templates.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Embedding {
    values: Vec<f32>,
}

impl std::fmt::Debug for Embedding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Embedding({} values, redacted)", self.values.len())
    }
}

impl Embedding {
    /// Normalise raw model output to unit length. `None` when the vector is
    /// empty, not finite or all zero.
    pub fn from_raw(mut raw: Vec<f32>) -> Option<Self> {
        let norm = raw
            .iter()
            .map(|v| f64::from(*v) * f64::from(*v))
            .sum::<f64>()
            .sqrt();
        if raw.is_empty() || !norm.is_finite() || norm < 1e-12 {
            raw.zeroize();
            return None;
        }
        for v in &mut raw {
            *v = (f64::from(*v) / norm) as f32;
        }
        Some(Self { values: raw })
    }

    /// Cosine similarity in -1..1 (a dot product: both are unit vectors).
    /// Embeddings of different lengths compare as 0.
    pub fn cosine(&self, other: &Embedding) -> f32 {
        if self.values.len() != other.values.len() {
            return 0.0;
        }
        let dot: f64 = self
            .values
            .iter()
            .zip(&other.values)
            .map(|(a, b)| f64::from(*a) * f64::from(*b))
            .sum();
        dot.clamp(-1.0, 1.0) as f32
    }

    /// Number of dimensions.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True for an empty embedding (never produced by the pipeline).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The values, for callers that must feed them to their own matcher.
    /// Treat as biometric data: do not log or persist.
    pub fn expose_values(&self) -> &[f32] {
        &self.values
    }

    /// Mean of several embeddings, renormalised (e.g. a template from several
    /// live frames). `None` for an empty list or mismatched lengths.
    pub fn mean(list: &[&Embedding]) -> Option<Embedding> {
        let first = list.first()?;
        let mut acc = vec![0f32; first.len()];
        for e in list {
            if e.len() != acc.len() {
                acc.zeroize();
                return None;
            }
            for (a, v) in acc.iter_mut().zip(&e.values) {
                *a += v;
            }
        }
        Embedding::from_raw(acc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_compares() {
        let a = Embedding::from_raw(vec![3.0, 4.0]).unwrap();
        assert!((a.expose_values()[0] - 0.6).abs() < 1e-6);
        let b = Embedding::from_raw(vec![4.0, -3.0]).unwrap();
        assert!(a.cosine(&b).abs() < 1e-6);
        assert!((a.cosine(&a) - 1.0).abs() < 1e-6);
        let c = Embedding::from_raw(vec![-3.0, -4.0]).unwrap();
        assert!((a.cosine(&c) + 1.0).abs() < 1e-6);
        assert_eq!(
            a.cosine(&Embedding::from_raw(vec![1.0, 2.0, 3.0]).unwrap()),
            0.0
        );
        let m = Embedding::mean(&[&a, &b]).unwrap();
        assert!((m.cosine(&a) - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-5);
    }

    #[test]
    fn rejects_degenerate_vectors() {
        assert!(Embedding::from_raw(vec![]).is_none());
        assert!(Embedding::from_raw(vec![0.0; 128]).is_none());
        assert!(Embedding::from_raw(vec![f32::NAN, 1.0]).is_none());
    }

    #[test]
    fn debug_hides_values_and_zeroize_wipes() {
        let mut e = Embedding::from_raw(vec![0.123_456, 0.654_321]).unwrap();
        let dbg = format!("{e:?}");
        assert!(!dbg.contains("0.18") && !dbg.contains("0.98"), "{dbg}");
        assert!(dbg.contains("redacted"));
        assert_eq!(e.len(), 2);
        // zeroize overwrites the values (and spare capacity) then truncates.
        e.zeroize();
        assert!(e.is_empty());
    }
}
