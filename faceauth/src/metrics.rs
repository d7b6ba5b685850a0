//! Verification metrics over genuine and impostor score lists (used by the
//! evaluation harness; a score ≥ threshold is a match).

use serde::Serialize;

/// Area under the ROC curve (Mann–Whitney: the probability that a random
/// genuine score exceeds a random impostor score, ties counting half).
pub fn roc_auc(genuine: &[f32], impostor: &[f32]) -> f64 {
    if genuine.is_empty() || impostor.is_empty() {
        return f64::NAN;
    }
    let mut imp: Vec<f32> = impostor.to_vec();
    imp.sort_by(f32::total_cmp);
    let mut wins = 0f64;
    for &g in genuine {
        let below = imp.partition_point(|&x| x < g);
        let not_above = imp.partition_point(|&x| x <= g);
        wins += below as f64 + 0.5 * (not_above - below) as f64;
    }
    wins / (genuine.len() as f64 * imp.len() as f64)
}

/// False accept rate at `t`: share of impostor scores ≥ t.
pub fn far_at(impostor: &[f32], t: f32) -> f64 {
    if impostor.is_empty() {
        return f64::NAN;
    }
    impostor.iter().filter(|&&s| s >= t).count() as f64 / impostor.len() as f64
}

/// False reject rate at `t`: share of genuine scores < t.
pub fn frr_at(genuine: &[f32], t: f32) -> f64 {
    if genuine.is_empty() {
        return f64::NAN;
    }
    genuine.iter().filter(|&&s| s < t).count() as f64 / genuine.len() as f64
}

/// Equal error rate and the threshold where it occurs: over every candidate
/// threshold (each observed score), the point where FAR and FRR are closest;
/// the EER is their mean there.
pub fn eer(genuine: &[f32], impostor: &[f32]) -> (f64, f32) {
    let mut cands: Vec<f32> = genuine.iter().chain(impostor).copied().collect();
    cands.sort_by(f32::total_cmp);
    cands.dedup();
    // Also the midpoints, so a perfectly separated set reaches 0.
    let mids: Vec<f32> = cands.windows(2).map(|w| (w[0] + w[1]) / 2.0).collect();
    cands.extend(mids);
    let mut best = (f64::INFINITY, f64::NAN, 0f32);
    for t in cands {
        let (fa, fr) = (far_at(impostor, t), frr_at(genuine, t));
        let gap = (fa - fr).abs();
        if gap < best.0 || (gap == best.0 && (fa + fr) / 2.0 < best.1) {
            best = (gap, (fa + fr) / 2.0, t);
        }
    }
    (best.1, best.2)
}

/// The lowest threshold whose FAR is ≤ `far`, and the TAR (1 − FRR) there.
///
/// With `n` impostors at most `floor(far·n)` may be accepted, so the threshold
/// sits just above the next-highest impostor score.
pub fn tar_at_far(genuine: &[f32], impostor: &[f32], far: f64) -> (f64, f32) {
    let mut imp: Vec<f32> = impostor.to_vec();
    imp.sort_by(|a, b| b.total_cmp(a));
    let allowed = (far * imp.len() as f64).floor() as usize;
    let t = match imp.get(allowed) {
        Some(&s) => next_up(s),
        None => f32::NEG_INFINITY,
    };
    (1.0 - frr_at(genuine, t), t)
}

fn next_up(x: f32) -> f32 {
    if x.is_nan() || x == f32::INFINITY {
        return x;
    }
    let bits = x.to_bits();
    let next = if x == 0.0 {
        1
    } else if x > 0.0 {
        bits + 1
    } else {
        bits - 1
    };
    f32::from_bits(next)
}

/// Accuracy of the decision `score ≥ t` over both lists.
pub fn accuracy_at(genuine: &[f32], impostor: &[f32], t: f32) -> f64 {
    let ok =
        genuine.iter().filter(|&&s| s >= t).count() + impostor.iter().filter(|&&s| s < t).count();
    ok as f64 / (genuine.len() + impostor.len()).max(1) as f64
}

/// All the figures the evaluation prints.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct VerificationFigures {
    /// Genuine pairs scored.
    pub genuine: usize,
    /// Impostor pairs scored.
    pub impostor: usize,
    /// ROC AUC.
    pub auc: f64,
    /// Equal error rate.
    pub eer: f64,
    /// TAR at FAR 1%.
    pub tar_far_1: f64,
    /// TAR at FAR 0.1%.
    pub tar_far_01: f64,
    /// Threshold applied for the accuracy figure.
    pub threshold: f32,
    /// Accuracy at that threshold.
    pub accuracy: f64,
    /// FAR at that threshold.
    pub far: f64,
    /// FRR at that threshold.
    pub frr: f64,
    /// Lowest genuine score.
    pub genuine_min: f32,
    /// Highest impostor score.
    pub impostor_max: f32,
}

impl VerificationFigures {
    /// Compute every figure at `threshold`.
    pub fn compute(genuine: &[f32], impostor: &[f32], threshold: f32) -> Self {
        Self {
            genuine: genuine.len(),
            impostor: impostor.len(),
            auc: roc_auc(genuine, impostor),
            eer: eer(genuine, impostor).0,
            tar_far_1: tar_at_far(genuine, impostor, 0.01).0,
            tar_far_01: tar_at_far(genuine, impostor, 0.001).0,
            threshold,
            accuracy: accuracy_at(genuine, impostor, threshold),
            far: far_at(impostor, threshold),
            frr: frr_at(genuine, threshold),
            genuine_min: genuine.iter().copied().fold(f32::INFINITY, f32::min),
            impostor_max: impostor.iter().copied().fold(f32::NEG_INFINITY, f32::max),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separated_sets() {
        let g = [0.6, 0.7, 0.8, 0.9];
        let i = [0.1, 0.2, 0.3, 0.35];
        assert_eq!(roc_auc(&g, &i), 1.0);
        assert_eq!(eer(&g, &i).0, 0.0);
        let t = eer(&g, &i).1;
        assert!(t > 0.35 && t <= 0.6, "{t}");
        let (tar, thr) = tar_at_far(&g, &i, 0.001);
        assert_eq!(tar, 1.0);
        assert!(thr > 0.35 && thr < 0.3501);
        assert_eq!(accuracy_at(&g, &i, 0.5), 1.0);
        let f = VerificationFigures::compute(&g, &i, 0.5);
        assert_eq!((f.genuine_min, f.impostor_max), (0.6, 0.35));
    }

    #[test]
    fn overlapping_sets() {
        let g = [0.2, 0.5, 0.6, 0.9];
        let i = [0.1, 0.3, 0.55, 0.7];
        // pairs won: 0.2>0.1 (1), 0.5>0.1,0.3 (2), 0.6>3 (3), 0.9>4 (4) = 10/16
        assert!((roc_auc(&g, &i) - 10.0 / 16.0).abs() < 1e-12);
        // FAR and FRR are both 0.5 for t in (0.5, 0.55]; elsewhere they differ.
        let (e, t) = eer(&g, &i);
        assert!((e - 0.5).abs() < 1e-12, "{e}");
        assert!(t > 0.5 && t <= 0.55, "{t}");
        // FAR 1% of 4 impostors allows 0: threshold above 0.7 -> only 0.9 accepted.
        assert_eq!(tar_at_far(&g, &i, 0.01).0, 0.25);
        // FAR 25% allows 1: threshold above 0.55.
        assert_eq!(tar_at_far(&g, &i, 0.25).0, 0.5);
        assert_eq!(accuracy_at(&g, &i, 0.55), 0.5);
        // ties count half
        assert_eq!(roc_auc(&[0.5], &[0.5]), 0.5);
        assert!(roc_auc(&[], &[0.5]).is_nan());
    }
}
