//! Line recognition: AsterNet input preparation, width-bucket batching,
//! greedy CTC decoding and per-line confidence.
//!
//! Facts this follows (measured, see the project's FACTS §1-2): height 32,
//! RGB scaled by `x/255` only, batches right-padded with 1.0 (white), no
//! input wider than 1024 (longer lines are split at a blank gap). One
//! departure, measured better and cheaper: the width is 3/4 of
//! `max(32, w*32/h)` (see [`REC_X_SCALE`]), rounded up to a multiple of 4.
//!
//! Lines that look like a machine-readable zone are read a second time for
//! the MRZ reader, on a margin and with MRZ classes only (see [`MRZ_PAD`]).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use image::RgbImage;
use image::imageops::{self, FilterType};
use unicode_normalization::UnicodeNormalization;

use crate::error::OcrError;
use crate::model::{TensorF32, TextRecognizer};

/// Input height of the recognizer.
pub const REC_HEIGHT: u32 = 32;
/// Widest input the recognizer accepts.
pub const MAX_REC_WIDTH: u32 = 1024;
/// Most columns (sum of padded widths) in the batches running at one time
/// (each of `n` concurrent batches gets a `1/n` share, at least
/// [`MAX_REC_WIDTH`]). AsterNet's cost is linear in the input width and
/// batching saves little per line (measured with the Python reference:
/// 1x1024 and 12x1024 cost the same per line, 8x320 about 20% less than
/// 1x320), while the activations of a batch grow with its columns: small
/// batches keep peak memory low.
const BATCH_COLUMNS: u32 = 2_048;
/// Most lines in one batch.
const BATCH_LINES: usize = 16;
/// Padding allowed in a batch: a piece joins a batch only if it is at most
/// this fraction (plus 8 columns) wider than the batch's narrowest piece,
/// so padded columns (computed, then thrown away) stay under ~10%.
const BATCH_SLACK: u32 = 10;

/// The recognized text of one line.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct LineText {
    /// The text, NFC-normalized.
    pub text: String,
    /// Mean probability of the emitted characters, `0..=1`.
    pub confidence: f32,
    /// The same line decoded with only the MRZ classes (`A-Z`, `0-9`, `<`)
    /// allowed, when the plain decoding looks like an MRZ line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mrz_text: Option<String>,
    /// Further MRZ readings of an MRZ-looking line, best first: the line
    /// read again on a margin of its paper colour (see [`MRZ_PAD`]) and
    /// decoded with MRZ classes only, greedily, then at each ICAO line
    /// length near that ([`ctc_best_paths_by_length`]). The MRZ reader
    /// ([`crate::mrz::find_mrz_among`]) prefers these to `mrz_text` and
    /// takes a later reading only when it verifies more check digits.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mrz_alternatives: Vec<String>,
}

/// Horizontal scale of the recognizer input, as `numerator / denominator`:
/// a crop is resized to height 32 and `3/4` of the width that keeps its
/// aspect ratio. AsterNet reads slightly narrowed text better, and a
/// quarter fewer columns is a quarter less work (its cost is linear in the
/// width). Measured (PP-OCRv6 det, 2 threads), CER at scale 1.0 / 0.8 /
/// 0.75 / 0.65: shared/data/vi-text line 1.00 / 0.60 / 0.70 / 0.40%, full
/// pipeline 0.60 / 0.60 / 0.40 / 0.30%; 40-image specimen sample 2.64 /
/// 1.62 / 1.44 / 2.12% (fields, MRZ and QR unchanged); 0.45 falls apart (3.98%).
pub const REC_X_SCALE: (u32, u32) = (3, 4);

/// Width of the recognizer input for a `w`x`h` crop:
/// `max(32, w * 32 / h * REC_X_SCALE)` rounded up to a multiple of 4.
pub fn rec_width(w: u32, h: u32) -> u32 {
    let h = h.max(1) as u64;
    let (num, den) = (REC_X_SCALE.0 as u64, REC_X_SCALE.1 as u64);
    let scaled = ((w as u64) * REC_HEIGHT as u64 * num)
        .div_ceil(h * den)
        .max(32);
    let rounded = scaled.div_ceil(4) * 4;
    rounded.min(u32::MAX as u64) as u32
}

/// One piece of a line sent to the recognizer: columns `start..end` of
/// line `line`, `width` columns wide once resized to the recognizer's height.
struct Piece {
    line: usize,
    /// Insert a space before this piece's text (it was cut at a word gap).
    space_before: bool,
    start: u32,
    end: u32,
    width: u32,
}

/// One decoded piece: class ids, confidence, MRZ-constrained class ids.
type Decoded = (Vec<usize>, f32, Option<Vec<usize>>);

/// Greedy CTC decoding of one sequence.
///
/// `step(t)` returns the log-probabilities of step `t` (class 0 = blank);
/// `allowed`, when given, restricts the argmax to the classes marked true
/// (the blank is always allowed). Returns the class ids emitted and the
/// mean probability of the emitting steps (or of all steps when nothing is
/// emitted).
pub fn ctc_greedy<'a>(
    steps: usize,
    step: impl Fn(usize) -> &'a [f32],
    allowed: Option<&[bool]>,
) -> (Vec<usize>, f32) {
    ctc_greedy_biased(steps, step, allowed, None)
}

/// [`ctc_greedy`] with an additive log-probability bias per class applied to
/// the argmax only (confidences stay unbiased).
pub fn ctc_greedy_biased<'a>(
    steps: usize,
    step: impl Fn(usize) -> &'a [f32],
    allowed: Option<&[bool]>,
    bias: Option<&[f32]>,
) -> (Vec<usize>, f32) {
    let mut out = Vec::new();
    let mut prev = 0usize;
    let mut emit_p = 0f64;
    let mut all_p = 0f64;
    for t in 0..steps {
        let lp = step(t);
        let mut best = 0usize;
        let mut best_v = f32::NEG_INFINITY;
        let mut best_score = f32::NEG_INFINITY;
        for (c, &v) in lp.iter().enumerate() {
            let ok = c == 0 || allowed.is_none_or(|a| a.get(c).copied().unwrap_or(false));
            let score = v + bias.and_then(|b| b.get(c).copied()).unwrap_or(0.0);
            if ok && score > best_score {
                best_score = score;
                best_v = v;
                best = c;
            }
        }
        let p = if best_v.is_finite() {
            f64::from(best_v).exp()
        } else {
            0.0
        };
        all_p += p;
        if best != 0 && best != prev {
            out.push(best);
            emit_p += p;
        }
        prev = best;
    }
    let conf = if !out.is_empty() {
        emit_p / out.len() as f64
    } else if steps > 0 {
        all_p / steps as f64
    } else {
        0.0
    };
    (out, conf as f32)
}

/// Best CTC paths by output length: for every `n` in `0..=max_len`, the
/// most probable alignment (Viterbi over the CTC lattice) that emits exactly
/// `n` characters, as its class ids and its log-score, or `None` when no
/// alignment of `steps` steps emits `n` characters.
///
/// `allowed` and `bias` work as in [`ctc_greedy_biased`] (the bias enters
/// the path score of every step a class occupies). Greedy CTC decoding
/// merges runs of a repeated character (`<<<<` needs a blank between every
/// two `<`): when the length is known, as on an MRZ line, the best path of
/// that length puts the missing blanks where they cost the least.
pub fn ctc_best_paths_by_length<'a>(
    steps: usize,
    step: impl Fn(usize) -> &'a [f32],
    allowed: Option<&[bool]>,
    bias: Option<&[f32]>,
    max_len: usize,
) -> Vec<Option<(Vec<usize>, f32)>> {
    let lens = max_len + 1;
    let mut out = vec![None; lens];
    if steps == 0 {
        out[0] = Some((Vec::new(), 0.0));
        return out;
    }
    let classes = step(0).len();
    // State 0 is the blank, state k >= 1 the class labels[k - 1].
    let labels: Vec<usize> = (1..classes)
        .filter(|&c| allowed.is_none_or(|a| a.get(c).copied().unwrap_or(false)))
        .collect();
    let states = labels.len() + 1;
    // Back-pointers take steps x lengths x states entries: refuse absurd sizes.
    let cells = steps.saturating_mul(lens).saturating_mul(states);
    if states > usize::from(BP_STATE) + 1 || cells > MAX_LATTICE_CELLS {
        return out;
    }
    let score = |lp: &[f32], s: usize| -> f32 {
        let c = if s == 0 { 0 } else { labels[s - 1] };
        let v = lp.get(c).copied().unwrap_or(f32::NEG_INFINITY)
            + bias.and_then(|b| b.get(c).copied()).unwrap_or(0.0);
        if v.is_nan() { f32::NEG_INFINITY } else { v }
    };
    let neg = f32::NEG_INFINITY;
    // cur[n * states + s]: best score of a path ending in state s having emitted n.
    let mut cur = vec![neg; lens * states];
    // back[(t * lens + n) * states + s]: previous state, with BP_EMIT when
    // step t emitted a character (the previous step had emitted n - 1).
    let mut back = vec![0u16; steps * lens * states];
    let lp0 = step(0);
    cur[0] = score(lp0, 0);
    if max_len >= 1 {
        for s in 1..states {
            cur[states + s] = score(lp0, s);
            back[states + s] = BP_EMIT;
        }
    }
    let mut next = vec![neg; lens * states];
    for t in 1..steps {
        let lp = step(t);
        let own: Vec<f32> = (0..states).map(|s| score(lp, s)).collect();
        next.fill(neg);
        // No path of t + 1 steps emits more than t + 1 characters.
        for n in 0..lens.min(t + 2) {
            let row = &cur[n * states..(n + 1) * states];
            let bp = (t * lens + n) * states;
            // Blank: from any state with n emitted.
            let (bs, bv) = argmax(row);
            next[n * states] = bv + own[0];
            back[bp] = bs as u16;
            // Two best states with n - 1 emitted: a label follows any state
            // but itself (a repeat needs a blank in between).
            let (top1, top2) = if n >= 1 {
                top_two(&cur[(n - 1) * states..n * states])
            } else {
                ((0, neg), (0, neg))
            };
            for s in 1..states {
                let stay = row[s];
                let (from, emit) = if top1.0 != s { top1 } else { top2 };
                let (v, b) = if emit > stay {
                    (emit, from as u16 | BP_EMIT)
                } else {
                    (stay, s as u16)
                };
                next[n * states + s] = v + own[s];
                back[bp + s] = b;
            }
        }
        std::mem::swap(&mut cur, &mut next);
    }
    for (n, slot) in out.iter_mut().enumerate() {
        let (mut s, v) = argmax(&cur[n * states..(n + 1) * states]);
        if !v.is_finite() {
            continue;
        }
        let mut ids = Vec::with_capacity(n);
        let mut k = n;
        for t in (0..steps).rev() {
            let b = back[(t * lens + k) * states + s];
            if b & BP_EMIT != 0 {
                ids.push(labels[s - 1]);
                k = k.saturating_sub(1);
            }
            s = usize::from(b & BP_STATE);
        }
        ids.reverse();
        *slot = Some((ids, v));
    }
    out
}

/// Back-pointer bits of [`ctc_best_paths_by_length`]: the previous state,
/// and whether the step emitted a character.
const BP_STATE: u16 = 0x7fff;
const BP_EMIT: u16 = 0x8000;
/// Largest lattice [`ctc_best_paths_by_length`] decodes (an MRZ line:
/// 256 steps x 45 lengths x 38 states = 437,760).
const MAX_LATTICE_CELLS: usize = 1 << 24;

/// Index and value of the largest element (the first on ties; NaN never wins).
fn argmax(v: &[f32]) -> (usize, f32) {
    v.iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &x)| {
            if x > bv { (i, x) } else { (bi, bv) }
        })
}

/// The two largest elements as (index, value), largest first.
fn top_two(v: &[f32]) -> ((usize, f32), (usize, f32)) {
    let mut a = (0, f32::NEG_INFINITY);
    let mut b = (0, f32::NEG_INFINITY);
    for (i, &x) in v.iter().enumerate() {
        if x > a.1 {
            b = a;
            a = (i, x);
        } else if x > b.1 {
            b = (i, x);
        }
    }
    (a, b)
}

/// Whether a decoded line looks like a machine-readable zone line.
pub fn looks_like_mrz(text: &str) -> bool {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() < 20 {
        return false;
    }
    let fillers = chars.iter().filter(|&&c| c == '<' || c == '«').count();
    let mrzish = chars
        .iter()
        .filter(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || **c == '<' || **c == '«')
        .count();
    fillers >= 2 && mrzish * 10 >= chars.len() * 8
}

/// Which lines to read as MRZ lines, given per line (in reading order)
/// whether it looks like one, the length of its MRZ-constrained reading and
/// its crop's width/height ratio. The other lines of an MRZ may not look
/// like one on their own: a TD1 name line whose fillers were all read as
/// `c` ("Chongcckakkeongccc…"), a visa's second line (no filler at all). A
/// line of 26 characters or more next to an MRZ-looking one and of the
/// same shape (the same number of OCR-B characters at the same size, within
/// 15%) is one too.
fn with_mrz_neighbours(lines: &[(bool, usize, f64)]) -> Vec<bool> {
    (0..lines.len())
        .map(|i| {
            let (looks, len, aspect) = lines[i];
            looks
                || len >= 26
                    && [i.checked_sub(1), Some(i + 1)]
                        .into_iter()
                        .flatten()
                        .filter_map(|j| lines.get(j))
                        .any(|&(other_looks, _, other)| {
                            other_looks && (aspect - other).abs() <= 0.15 * aspect.max(other)
                        })
        })
        .collect()
}

/// A weaker test on the unconstrained text: long, mostly capitals/digits/punctuation.
fn looks_like_mrz_loose(text: &str) -> bool {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    let upper = chars
        .iter()
        .filter(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "<«(-[{".contains(**c))
        .count();
    chars.len() >= 26 && upper * 10 >= chars.len() * 8
}

/// Split points of a wide crop so that each piece fits the recognizer.
/// Returns `(start, end, space_before)` column ranges.
fn split_columns(img: &RgbImage) -> Vec<(u32, u32, bool)> {
    let (w, h) = img.dimensions();
    if rec_width(w, h) <= MAX_REC_WIDTH {
        return vec![(0, w, false)];
    }
    // Longest piece in source columns that still fits, with a margin for rounding.
    let max_cols = (((MAX_REC_WIDTH - 8) as u64 * h as u64 * REC_X_SCALE.1 as u64)
        / (REC_HEIGHT as u64 * REC_X_SCALE.0 as u64))
        .max(8) as u32;
    // Column ink profile against a mid-grey threshold between the darkest and lightest pixel.
    let lum: Vec<u8> = img
        .pixels()
        .map(|p| {
            ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000) as u8
        })
        .collect();
    let (lo, hi) = lum
        .iter()
        .fold((255u8, 0u8), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let thr = (u16::from(lo) + u16::from(hi)) / 2;
    let mut ink = vec![0u32; w as usize];
    for y in 0..h as usize {
        for x in 0..w as usize {
            if u16::from(lum[y * w as usize + x]) < thr {
                ink[x] += 1;
            }
        }
    }
    let word_gap = (h / 5).max(2);
    let mut pieces = Vec::new();
    let mut start = 0u32;
    let mut space = false;
    while w - start > max_cols {
        let lo_c = start + max_cols / 2;
        let hi_c = start + max_cols;
        // Widest all-blank run inside [lo_c, hi_c).
        let mut best: Option<(u32, u32)> = None; // (run start, run len)
        let mut run_start = None;
        for x in lo_c..=hi_c.min(w - 1) {
            let blank = ink[x as usize] == 0 && x < hi_c;
            match (blank, run_start) {
                (true, None) => run_start = Some(x),
                (false, Some(s)) => {
                    let len = x - s;
                    if best.is_none_or(|(_, l)| len > l) {
                        best = Some((s, len));
                    }
                    run_start = None;
                }
                _ => {}
            }
        }
        let (cut, is_word_gap) = match best {
            Some((s, len)) => (s + len / 2, len >= word_gap),
            None => {
                // No blank column: cut where there is least ink.
                let mut c = lo_c;
                for x in lo_c..hi_c.min(w) {
                    if ink[x as usize] < ink[c as usize] {
                        c = x;
                    }
                }
                (c, false)
            }
        };
        let cut = cut.clamp(start + 1, w - 1);
        pieces.push((start, cut, space));
        start = cut;
        space = is_word_gap;
    }
    pieces.push((start, w, space));
    pieces
}

/// Resize a crop to the recognizer's height and `rw` columns and lay it out
/// as planar RGB `x/255`.
fn prepare_piece(img: &RgbImage, rw: u32) -> (u32, Vec<f32>) {
    // Lanczos measured best on real printed lines (1.00% vs 1.19% bilinear,
    // 1.09% Catmull-Rom CER on shared/data/vi-text): most lines are smaller
    // than 32 px and get upscaled, where a sharper kernel keeps tone marks apart.
    let resized = imageops::resize(img, rw, REC_HEIGHT, FilterType::Lanczos3);
    let plane = (rw * REC_HEIGHT) as usize;
    let mut data = vec![0f32; plane * 3];
    for (i, p) in resized.pixels().enumerate() {
        data[i] = f32::from(p[0]) / 255.0;
        data[plane + i] = f32::from(p[1]) / 255.0;
        data[2 * plane + i] = f32::from(p[2]) / 255.0;
    }
    (rw, data)
}

/// Group piece indices (sorted by width) into batches of similar width,
/// each at most `max_columns` wide in total.
fn batches(widths: &[u32], max_columns: u32) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..widths.len()).collect();
    order.sort_by_key(|&i| widths[i]);
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut cur: Vec<usize> = Vec::new();
    for i in order {
        if let Some(&first) = cur.first() {
            let w0 = widths[first];
            let wi = widths[i];
            let fits = cur.len() < BATCH_LINES
                && wi * (cur.len() as u32 + 1) <= max_columns
                && wi <= w0 + w0 / BATCH_SLACK + 8;
            if !fits {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(i);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Recognize line crops (each image one text line, upright).
///
/// Lines are cut into pieces the recognizer accepts, grouped into batches
/// of similar width, and the batches run [`TextRecognizer::parallelism`] at
/// a time (costliest first), each worker resizing its own pieces.
pub fn recognize_lines(
    model: &dyn TextRecognizer,
    lines: &[RgbImage],
) -> Result<Vec<LineText>, OcrError> {
    let alphabet = model.alphabet();
    let mut pieces = Vec::new();
    for (li, img) in lines.iter().enumerate() {
        if img.width() == 0 || img.height() == 0 {
            continue;
        }
        for (start, end, space_before) in split_columns(img) {
            pieces.push(Piece {
                line: li,
                space_before,
                start,
                end,
                width: rec_width(end - start, img.height()).min(MAX_REC_WIDTH),
            });
        }
    }
    let widths: Vec<u32> = pieces.iter().map(|p| p.width).collect();
    let workers = model.parallelism().max(1);
    let max_columns = (BATCH_COLUMNS / workers as u32).max(MAX_REC_WIDTH);
    let mut groups = batches(&widths, max_columns);
    // Costliest first, so that concurrent workers finish close together.
    groups.sort_by_key(|g| {
        let bw = g.iter().map(|&i| widths[i]).max().unwrap_or(0);
        std::cmp::Reverse(bw as usize * g.len())
    });
    let mrz_allowed = mrz_mask(alphabet);
    let mrz_bias = mrz_filler_bias(alphabet);
    let ctx = BatchContext {
        model,
        lines,
        pieces: &pieces,
        mrz_allowed: &mrz_allowed,
        mrz_bias: &mrz_bias,
    };
    // Per piece: class ids, confidence, MRZ-constrained ids.
    let mut decoded: Vec<Option<Decoded>> = vec![None; pieces.len()];
    let workers = workers.min(groups.len());
    if workers <= 1 {
        for g in &groups {
            for (pi, d) in ctx.run(g)? {
                decoded[pi] = Some(d);
            }
        }
    } else {
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let work = || {
            let mut out = Vec::new();
            while !failed.load(Ordering::Relaxed) {
                let Some(g) = groups.get(next.fetch_add(1, Ordering::Relaxed)) else {
                    break;
                };
                match ctx.run(g) {
                    Ok(v) => out.extend(v),
                    Err(e) => {
                        failed.store(true, Ordering::Relaxed);
                        return Err(e);
                    }
                }
            }
            Ok(out)
        };
        // The calling thread is one of the workers: fewer threads, and fewer
        // malloc arenas each keeping its own high-water mark.
        let results: Vec<Result<Vec<(usize, Decoded)>, OcrError>> = std::thread::scope(|s| {
            let handles: Vec<_> = (1..workers).map(|_| s.spawn(work)).collect();
            let mut results = vec![work()];
            results.extend(handles.into_iter().map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(OcrError::Inference {
                        model: "text_rec",
                        reason: "a recognition worker panicked".into(),
                    })
                })
            }));
            results
        });
        for r in results {
            for (pi, d) in r? {
                decoded[pi] = Some(d);
            }
        }
    }
    // Reassemble pieces into lines.
    let mut texts: Vec<(String, f64, usize, String, bool)> =
        vec![(String::new(), 0.0, 0, String::new(), false); lines.len()];
    for (pi, p) in pieces.iter().enumerate() {
        let Some((ids, conf, mrz)) = &decoded[pi] else {
            continue;
        };
        let entry = &mut texts[p.line];
        let piece_text = ids_to_text(alphabet, ids);
        if p.space_before && !entry.0.is_empty() && !piece_text.starts_with(' ') {
            entry.0.push(' ');
        }
        entry.0.push_str(&piece_text);
        let n = ids.len().max(1);
        entry.1 += f64::from(*conf) * n as f64;
        entry.2 += n;
        if let Some(m) = mrz {
            entry.3.push_str(&ids_to_text(alphabet, m));
        }
    }
    for t in texts.iter_mut() {
        t.4 = looks_like_mrz(&t.0) || looks_like_mrz(&t.3) && looks_like_mrz_loose(&t.0);
    }
    let shapes: Vec<(bool, usize, f64)> = texts
        .iter()
        .zip(lines)
        .map(|(t, img)| {
            let len = t.3.chars().filter(|c| !c.is_whitespace()).count();
            let aspect = f64::from(img.width()) / f64::from(img.height().max(1));
            (t.4, len, aspect)
        })
        .collect();
    for (t, is_mrz) in texts.iter_mut().zip(with_mrz_neighbours(&shapes)) {
        t.4 = is_mrz;
    }
    let mut mrz_lines: Vec<usize> = (0..texts.len()).filter(|&i| texts[i].4).collect();
    // The second pass costs one more recognizer batch (+42% columns on a
    // CCCD back): skip it when the first reading already settles the MRZ.
    let first: Vec<String> = mrz_lines
        .iter()
        .map(|&i| texts[i].3.chars().filter(|c| !c.is_whitespace()).collect())
        .collect();
    if crate::mrz::reading_is_settled(&first) {
        mrz_lines.clear();
    }
    let mut rereads = mrz_reread(model, lines, &mrz_lines, &mrz_allowed, &mrz_bias)?.into_iter();
    Ok(texts
        .into_iter()
        .map(|(text, csum, n, mrz, is_mrz)| LineText {
            text: text.trim().nfc().collect(),
            confidence: if n > 0 { (csum / n as f64) as f32 } else { 0.0 },
            mrz_text: is_mrz.then(|| mrz.chars().filter(|c| !c.is_whitespace()).collect()),
            mrz_alternatives: if is_mrz {
                rereads.next().unwrap_or_default()
            } else {
                Vec::new()
            },
        })
        .collect())
}

/// Margin put around an MRZ-looking line when it is read again for the MRZ
/// reader, as a fraction of the crop's height on each side.
///
/// AsterNet, trained on Vietnamese print, reads the filler `<` between
/// letters of a tightly cropped line as `K`, `C` or `(`: on the ICAO TD2
/// specimen (shared/data/mrz passport-td2.jpg) "I<UTOERIKSSON<<ANNA<MARIA"
/// came out "IKUTOERIKSSONKKANNAKMARIA" (`K` at -0.01, `<` at -6.5
/// log-probability), at every horizontal scale tried (0.5-1.2). On a
/// margin the same line reads right. Measured with the re-read below
/// (MRZ lines of the parsed MRZ against the truth): margins 0.2, 0.25, 0.3,
/// 0.35 and 0.4 all read the TD2 and TD3 specimens and the 20 CCCD backs
/// of the 40-image specimen set without an error (margin 0: 4 errors on
/// TD2), and prove every check digit on 8 of the 14 PassportEye test
/// images instead of 6.
pub const MRZ_PAD: f32 = 0.3;

/// ICAO 9303 line lengths (TD1, TD2, TD3).
pub const MRZ_LINE_LENGTHS: [usize; 3] = [30, 36, 44];

/// How far (in characters) a re-read line's greedy length may be from an
/// ICAO line length for the best path of that length to be proposed.
const MRZ_LENGTH_SLACK: usize = 4;

/// Read MRZ-looking lines again for the MRZ reader: each crop on a margin
/// of its paper colour ([`MRZ_PAD`]), whole (an MRZ line is at most 44
/// characters: a line wider than the recognizer's input is narrowed rather
/// than split), decoded with MRZ classes only.
///
/// The margined crop is given as many columns as the crop alone would get,
/// so the text keeps its time steps: left to shrink with the margin
/// (1.6x narrower at 0.3), runs of fillers merged under CTC, and the best
/// paths of the ICAO length then broke the runs with a `K` (`K` and `<`
/// weigh the same, 0 mod 10, in check digits): 4 errors on the 20 CCCD
/// backs instead of 0.
///
/// Returns per line (in the order of `which`) its readings, best first:
/// the greedy decoding, then the best path of each ICAO line length within
/// [`MRZ_LENGTH_SLACK`] of it, nearest first ([`ctc_best_paths_by_length`]:
/// fillers merged anywhere in the line come back where the recognizer
/// leaves room for them). The MRZ reader takes a later reading only when
/// it verifies more check digits.
fn mrz_reread(
    model: &dyn TextRecognizer,
    lines: &[RgbImage],
    which: &[usize],
    allowed: &[bool],
    bias: &[f32],
) -> Result<Vec<Vec<String>>, OcrError> {
    let alphabet = model.alphabet();
    let views: Vec<(RgbImage, u32)> = which
        .iter()
        .map(|&i| match lines.get(i) {
            Some(img) if img.width() > 0 && img.height() > 0 => (
                pad_with_paper(img, MRZ_PAD),
                rec_width(img.width(), img.height()),
            ),
            _ => (RgbImage::new(0, 0), 0),
        })
        .collect();
    let lattices = run_whole(model, &views)?;
    let max_len = MRZ_LINE_LENGTHS.iter().copied().max().unwrap_or(0);
    Ok(lattices
        .iter()
        .map(|lat| {
            let Some(lat) = lat else {
                return Vec::new();
            };
            let step = |t: usize| lat.step(t);
            let greedy = ctc_greedy_biased(lat.steps, step, Some(allowed), Some(bias)).0;
            let by_len =
                ctc_best_paths_by_length(lat.steps, step, Some(allowed), Some(bias), max_len);
            let mut near: Vec<usize> = MRZ_LINE_LENGTHS
                .into_iter()
                .filter(|n| n.abs_diff(greedy.len()) <= MRZ_LENGTH_SLACK)
                .collect();
            near.sort_by_key(|n| n.abs_diff(greedy.len()));
            let mut readings = vec![ids_to_text(alphabet, &greedy)];
            for n in near {
                if let Some(Some((ids, _))) = by_len.get(n) {
                    let r = ids_to_text(alphabet, ids);
                    if !readings.contains(&r) {
                        readings.push(r);
                    }
                }
            }
            readings.retain(|r| !r.is_empty());
            readings
        })
        .collect())
}

/// The recognizer's log-probabilities for one image: `steps` rows of `classes`.
struct Lattice {
    steps: usize,
    classes: usize,
    lp: Vec<f32>,
}

impl Lattice {
    fn step(&self, t: usize) -> &[f32] {
        let o = t * self.classes;
        self.lp.get(o..o + self.classes).unwrap_or(&[])
    }
}

/// Run the recognizer on whole images, each resized to the given number of
/// columns (rounded down to a multiple of 4, within 32..=[`MAX_REC_WIDTH`];
/// never split), batched by width. `None` for an empty image.
fn run_whole(
    model: &dyn TextRecognizer,
    images: &[(RgbImage, u32)],
) -> Result<Vec<Option<Lattice>>, OcrError> {
    let mut out: Vec<Option<Lattice>> = images.iter().map(|_| None).collect();
    let readable: Vec<usize> = (0..images.len())
        .filter(|&i| images[i].0.width() > 0 && images[i].0.height() > 0)
        .collect();
    let widths: Vec<u32> = readable
        .iter()
        .map(|&i| images[i].1.clamp(32, MAX_REC_WIDTH) / 4 * 4)
        .collect();
    for batch in batches(&widths, BATCH_COLUMNS) {
        let items: Vec<(&RgbImage, u32)> = batch
            .iter()
            .map(|&k| (&images[readable[k]].0, widths[k]))
            .collect();
        let res = run_batch(model, &items)?;
        for (bi, &k) in batch.iter().enumerate() {
            let steps = res.steps(widths[k]);
            let mut lp = Vec::with_capacity(steps * res.classes);
            for t in 0..steps {
                lp.extend_from_slice(res.step(bi, t));
            }
            out[readable[k]] = Some(Lattice {
                steps,
                classes: res.classes,
                lp,
            });
        }
    }
    Ok(out)
}

/// A crop on a margin of `ratio` times its height on every side, filled
/// with its paper colour: per channel, the median of the pixels lighter
/// than the midpoint of the darkest and lightest luma (white for an empty crop).
pub fn pad_with_paper(img: &RgbImage, ratio: f32) -> RgbImage {
    let m = (img.height() as f32 * ratio.max(0.0)).round() as u32;
    let luma = |p: &image::Rgb<u8>| {
        (u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000
    };
    let (lo, hi) = img.pixels().fold((255u32, 0u32), |(lo, hi), p| {
        (lo.min(luma(p)), hi.max(luma(p)))
    });
    let mid = (lo + hi) / 2;
    let mut hist = [[0u64; 256]; 3];
    let mut count = 0u64;
    for p in img.pixels().filter(|p| luma(p) >= mid) {
        for (h, &v) in hist.iter_mut().zip(p.0.iter()) {
            h[usize::from(v)] += 1;
        }
        count += 1;
    }
    let median = |h: &[u64; 256]| -> u8 {
        let mut acc = 0u64;
        for (v, &n) in h.iter().enumerate() {
            acc += n;
            if acc * 2 > count {
                return v as u8;
            }
        }
        255
    };
    let paper = image::Rgb([median(&hist[0]), median(&hist[1]), median(&hist[2])]);
    let (w, h) = img.dimensions();
    let mut out = RgbImage::from_pixel(
        w.saturating_add(m.saturating_mul(2)),
        h.saturating_add(m.saturating_mul(2)),
        paper,
    );
    imageops::overlay(&mut out, img, i64::from(m), i64::from(m));
    out
}

/// What every batch of one [`recognize_lines`] call shares.
struct BatchContext<'a> {
    model: &'a dyn TextRecognizer,
    lines: &'a [RgbImage],
    pieces: &'a [Piece],
    mrz_allowed: &'a [bool],
    mrz_bias: &'a [f32],
}

impl BatchContext<'_> {
    /// Resize the pieces of one batch, run the recognizer, decode each piece
    /// by its own width.
    fn run(&self, batch: &[usize]) -> Result<Vec<(usize, Decoded)>, OcrError> {
        let subs: Vec<RgbImage> = batch
            .iter()
            .map(|&pi| {
                let p = &self.pieces[pi];
                let img = &self.lines[p.line];
                imageops::crop_imm(img, p.start, 0, p.end - p.start, img.height()).to_image()
            })
            .collect();
        let items: Vec<(&RgbImage, u32)> = subs
            .iter()
            .zip(batch)
            .map(|(sub, &pi)| (sub, self.pieces[pi].width))
            .collect();
        let res = run_batch(self.model, &items)?;
        let mut decoded = Vec::with_capacity(batch.len());
        for (bi, &pi) in batch.iter().enumerate() {
            let steps = res.steps(self.pieces[pi].width);
            let step = |t: usize| res.step(bi, t);
            let (ids, conf) = ctc_greedy(steps, step, None);
            // Decoded with MRZ classes only; kept if the whole line looks like an MRZ.
            let mrz = ctc_greedy_biased(steps, step, Some(self.mrz_allowed), Some(self.mrz_bias)).0;
            decoded.push((pi, (ids, conf, Some(mrz))));
        }
        Ok(decoded)
    }
}

/// The recognizer's output for one batch: `[steps, batch, classes]`, checked.
struct BatchOutput {
    out: TensorF32,
    batch: usize,
    steps: usize,
    classes: usize,
}

impl BatchOutput {
    /// Time steps of an image given `width` columns (the output has W/4).
    fn steps(&self, width: u32) -> usize {
        ((width / 4) as usize).min(self.steps)
    }

    /// Log-probabilities of image `bi` at step `t` (`t` below [`Self::steps`]).
    fn step(&self, bi: usize, t: usize) -> &[f32] {
        let o = (t * self.batch + bi) * self.classes;
        self.out.data.get(o..o + self.classes).unwrap_or(&[])
    }
}

/// One recognizer call: each image resized to its width in columns (see
/// [`prepare_piece`]), right-padded with 1.0 to the widest, run as one batch.
fn run_batch(
    model: &dyn TextRecognizer,
    items: &[(&RgbImage, u32)],
) -> Result<BatchOutput, OcrError> {
    let bw = items.iter().map(|&(_, w)| w).max().unwrap_or(32);
    let b = items.len();
    let plane = (bw * REC_HEIGHT) as usize;
    let mut data = vec![1f32; b * 3 * plane];
    for (bi, &(img, width)) in items.iter().enumerate() {
        let (pw, pixels) = prepare_piece(img, width);
        let pw = pw as usize;
        let src_plane = pw * REC_HEIGHT as usize;
        for ch in 0..3 {
            for y in 0..REC_HEIGHT as usize {
                let src = &pixels[ch * src_plane + y * pw..ch * src_plane + (y + 1) * pw];
                let dst = (bi * 3 + ch) * plane + y * bw as usize;
                data[dst..dst + pw].copy_from_slice(src);
            }
        }
    }
    let input = TensorF32 {
        shape: vec![b, 3, REC_HEIGHT as usize, bw as usize],
        data,
    };
    let out = model.log_probs(&input)?;
    let [steps, ob, classes] = out.shape[..] else {
        return Err(bad_rec_output(&out));
    };
    if ob != b || classes < 2 || out.data.len() < steps * b * classes {
        return Err(bad_rec_output(&out));
    }
    Ok(BatchOutput {
        out,
        batch: b,
        steps,
        classes,
    })
}

fn bad_rec_output(out: &TensorF32) -> OcrError {
    OcrError::BadOutput {
        model: "text_rec",
        got: out.shape.iter().map(|&d| d as i64).collect(),
        expected: "[W/4, B, classes]",
    }
}

/// Classes allowed in an MRZ (`A-Z`, `0-9`, `<`), as a mask over class ids.
fn mrz_mask(alphabet: &[String]) -> Vec<bool> {
    let mut mask = vec![false; alphabet.len() + 1];
    for (i, s) in alphabet.iter().enumerate() {
        let mut cs = s.chars();
        if let (Some(c), None) = (cs.next(), cs.next()) {
            mask[i + 1] = c.is_ascii_uppercase() || c.is_ascii_digit() || c == '<';
        }
    }
    mask
}

/// Log-probability bonus of the filler `<` in MRZ lines: the recognizer,
/// trained on Vietnamese print, reads OCR-B fillers as `K`/`C` when they are
/// close calls.
fn mrz_filler_bias(alphabet: &[String]) -> Vec<f32> {
    let b = MRZ_FILLER_BIAS;
    let mut bias = vec![0f32; alphabet.len() + 1];
    for (i, s) in alphabet.iter().enumerate() {
        if s == "<" {
            bias[i + 1] = b;
        }
    }
    bias
}

/// See [`mrz_filler_bias`].
const MRZ_FILLER_BIAS: f32 = 1.5;

/// Map class ids (1-based, 0 = blank) to text.
pub fn ids_to_text(alphabet: &[String], ids: &[usize]) -> String {
    ids.iter()
        .filter_map(|&i| i.checked_sub(1).and_then(|j| alphabet.get(j)))
        .map(String::as_str)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rec_width_rounds_up_to_multiple_of_four_and_floors_at_32() {
        // 3/4 of the aspect-preserving width.
        assert_eq!(rec_width(100, 32), 76);
        assert_eq!(rec_width(104, 32), 80);
        assert_eq!(rec_width(105, 32), 80);
        assert_eq!(rec_width(107, 32), 84);
        assert_eq!(rec_width(10, 32), 32);
        assert_eq!(rec_width(400, 64), 152);
        assert_eq!(rec_width(5, 0), 120);
    }

    fn steps_from(rows: &[[f32; 4]]) -> Vec<Vec<f32>> {
        rows.iter()
            .map(|r| r.iter().map(|p| p.ln()).collect())
            .collect()
    }

    #[test]
    fn ctc_collapses_repeats_and_drops_blanks() {
        // classes: 0 blank, 1 'a', 2 'b', 3 '<'
        let s = steps_from(&[
            [0.1, 0.8, 0.05, 0.05],
            [0.1, 0.8, 0.05, 0.05],
            [0.9, 0.05, 0.03, 0.02],
            [0.1, 0.6, 0.2, 0.1],
            [0.2, 0.1, 0.7, 0.0001],
        ]);
        let (ids, conf) = ctc_greedy(s.len(), |t| &s[t], None);
        assert_eq!(ids, vec![1, 1, 2]);
        // Emitting steps: t0 (0.8), t3 (0.6), t4 (0.7).
        assert!((conf - 0.7).abs() < 1e-4, "{conf}");
        let alphabet: Vec<String> = ["a", "b", "<"].iter().map(|s| s.to_string()).collect();
        assert_eq!(ids_to_text(&alphabet, &ids), "aab");
    }

    #[test]
    fn ctc_constrained_picks_best_allowed_class() {
        let s = steps_from(&[[0.1, 0.5, 0.0001, 0.3999], [0.9, 0.05, 0.03, 0.02]]);
        let allowed = [false, false, true, true];
        let (ids, conf) = ctc_greedy(s.len(), |t| &s[t], Some(&allowed));
        assert_eq!(ids, vec![3]);
        assert!((conf - 0.3999).abs() < 1e-4);
    }

    #[test]
    fn ctc_empty_sequence_reports_blank_confidence() {
        let s = steps_from(&[[0.9, 0.05, 0.03, 0.02], [0.7, 0.1, 0.1, 0.1]]);
        let (ids, conf) = ctc_greedy(s.len(), |t| &s[t], None);
        assert!(ids.is_empty());
        assert!((conf - 0.8).abs() < 1e-4);
    }

    #[test]
    fn mrz_lines_are_recognized_by_shape() {
        assert!(looks_like_mrz("IDVNM0099999999001099999999<<4"));
        assert!(looks_like_mrz("NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<"));
        assert!(!looks_like_mrz("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
        assert!(!looks_like_mrz("<<<"));
    }

    #[test]
    fn lines_beside_an_mrz_line_of_its_shape_are_mrz_lines() {
        // (looks like an MRZ line, MRZ reading length, width/height)
        let page = [
            (false, 14, 9.0),  // a short label above
            (true, 30, 20.0),  // TD1 line 1
            (true, 30, 20.5),  // TD1 line 2
            (false, 30, 19.6), // the name line, fillers read as `c`
            (false, 40, 21.0), // prose below, not beside an MRZ line
        ];
        assert_eq!(
            with_mrz_neighbours(&page),
            vec![false, true, true, true, false]
        );
        // Beside one but of another shape (a wider line of text), or too
        // short to be one: not an MRZ line.
        let other = [(true, 44, 28.0), (false, 44, 36.0), (false, 20, 28.0)];
        assert_eq!(with_mrz_neighbours(&other), vec![true, false, false]);
        // The rule does not chain: only lines that look like one pull in
        // their neighbours.
        let chain = [(true, 44, 28.0), (false, 44, 28.0), (false, 44, 28.0)];
        assert_eq!(with_mrz_neighbours(&chain), vec![true, true, false]);
    }

    #[test]
    fn batches_group_similar_widths() {
        let widths = [100, 1000, 104, 900, 40, 1020];
        let b = batches(&widths, BATCH_COLUMNS);
        // Every piece appears once.
        let mut all: Vec<usize> = b.iter().flatten().copied().collect();
        all.sort();
        assert_eq!(all, vec![0, 1, 2, 3, 4, 5]);
        // 100 and 104 share a batch; 40 and 1000 do not.
        assert!(b.iter().any(|g| g.contains(&0) && g.contains(&2)));
        assert!(!b.iter().any(|g| g.contains(&4) && g.contains(&1)));
    }

    #[test]
    fn wide_lines_split_at_the_widest_gap() {
        // 40 px tall, 2000 px wide: two dark blocks with a 30 px white gap at 1000..1030.
        let mut img = RgbImage::from_pixel(2000, 40, image::Rgb([255, 255, 255]));
        for x in (0..2000).filter(|x| !(1000..1030).contains(x) && x % 7 != 0) {
            for y in 10..30 {
                img.put_pixel(x, y, image::Rgb([0, 0, 0]));
            }
        }
        let parts = split_columns(&img);
        assert_eq!(parts.len(), 2, "{parts:?}");
        assert_eq!(parts[0].0, 0);
        assert!((1000..1030).contains(&parts[0].1));
        assert!(parts[1].2, "a 30 px gap in a 40 px line is a word gap");
        for (s, e, _) in &parts {
            assert!(rec_width(e - s, 40) <= MAX_REC_WIDTH);
        }
    }

    struct FakeRec {
        alphabet: Vec<String>,
    }

    impl TextRecognizer for FakeRec {
        /// Emits class 1 at every step whose input column block is dark, blank otherwise.
        fn log_probs(&self, input: &TensorF32) -> Result<TensorF32, OcrError> {
            let (b, w) = (input.shape[0], input.shape[3]);
            let c = self.alphabet.len() + 1;
            let t_n = w / 4;
            let plane = 32 * w;
            let mut data = vec![-20f32; t_n * b * c];
            for t in 0..t_n {
                for bi in 0..b {
                    let v = input.data[bi * 3 * plane + 16 * w + t * 4];
                    let cls = if v < 0.5 { 1 + (t % 2) } else { 0 };
                    data[(t * b + bi) * c + cls] = (0.9f32).ln();
                }
            }
            Ok(TensorF32 {
                shape: vec![t_n, b, c],
                data,
            })
        }
        fn alphabet(&self) -> &[String] {
            &self.alphabet
        }
    }

    /// [`FakeRec`] claiming `n`-way parallelism, recording the calls.
    struct ParallelRec {
        inner: FakeRec,
        n: usize,
        calls: std::sync::atomic::AtomicUsize,
        threads: std::sync::Mutex<std::collections::HashSet<std::thread::ThreadId>>,
    }

    impl TextRecognizer for ParallelRec {
        fn log_probs(&self, input: &TensorF32) -> Result<TensorF32, OcrError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            self.threads
                .lock()
                .unwrap()
                .insert(std::thread::current().id());
            // Give the other worker time to take a batch too.
            std::thread::sleep(std::time::Duration::from_millis(5));
            self.inner.log_probs(input)
        }
        fn alphabet(&self) -> &[String] {
            self.inner.alphabet()
        }
        fn parallelism(&self) -> usize {
            self.n
        }
    }

    #[test]
    fn parallel_batches_give_the_sequential_result() {
        // Lines of many widths (several batches), each with `k` dark blocks.
        let lines: Vec<RgbImage> = (0..24u32)
            .map(|k| {
                let w = 64 + 120 * k;
                let mut img = RgbImage::from_pixel(w, 32, image::Rgb([255, 255, 255]));
                for x in (0..w).filter(|x| x % 32 < 8) {
                    for y in 0..32 {
                        img.put_pixel(x, y, image::Rgb([0, 0, 0]));
                    }
                }
                img
            })
            .collect();
        let seq = FakeRec {
            alphabet: vec!["x".into(), "y".into()],
        };
        let expected = recognize_lines(&seq, &lines).unwrap();
        let par = ParallelRec {
            inner: FakeRec {
                alphabet: vec!["x".into(), "y".into()],
            },
            n: 2,
            calls: Default::default(),
            threads: Default::default(),
        };
        let got = recognize_lines(&par, &lines).unwrap();
        assert_eq!(got, expected);
        assert!(expected.iter().all(|l| !l.text.is_empty()));
        assert!(par.calls.load(Ordering::SeqCst) >= 4);
        assert_eq!(par.threads.lock().unwrap().len(), 2);
    }

    /// Log-probabilities from probability rows (classes: 0 blank, 1 'A', 2 'K', 3 '<').
    fn decode_len(s: &[Vec<f32>], bias: Option<&[f32]>, n: usize) -> Option<Vec<usize>> {
        let allowed = [false, true, true, true];
        ctc_best_paths_by_length(s.len(), |t| &s[t], Some(&allowed), bias, 8)
            .get(n)
            .cloned()
            .flatten()
            .map(|(ids, _)| ids)
    }

    #[test]
    fn best_path_of_known_length_recovers_fillers_greedy_merges() {
        // "A<<A" where the recognizer puts '<' on three steps in a row with
        // only a weak blank between: greedy CTC merges the run into one '<'.
        let s = steps_from(&[
            [0.05, 0.9, 0.03, 0.02],
            [0.9, 0.04, 0.03, 0.03],
            [0.1, 0.02, 0.08, 0.8],
            [0.35, 0.02, 0.03, 0.6],
            [0.1, 0.02, 0.08, 0.8],
            [0.9, 0.04, 0.03, 0.03],
            [0.05, 0.9, 0.03, 0.02],
        ]);
        let (greedy, _) = ctc_greedy(s.len(), |t| &s[t], None);
        assert_eq!(greedy, vec![1, 3, 1], "greedy merges the run");
        assert_eq!(decode_len(&s, None, 3), Some(vec![1, 3, 1]));
        // Four characters: the second '<' comes back, split at the weak blank.
        assert_eq!(decode_len(&s, None, 4), Some(vec![1, 3, 3, 1]));
        // No alignment of 7 steps emits 8 characters.
        assert_eq!(decode_len(&s, None, 8), None);
    }

    #[test]
    fn best_path_of_a_length_chooses_k_or_filler_by_probability() {
        // "A?A" with the middle contested between 'K' and '<'.
        let contested = |k: f32, f: f32| {
            steps_from(&[
                [0.05, 0.9, 0.03, 0.02],
                [0.9, 0.04, 0.03, 0.03],
                [0.1, 0.02, k, f],
                [0.9, 0.04, 0.03, 0.03],
                [0.05, 0.9, 0.03, 0.02],
            ])
        };
        assert_eq!(
            decode_len(&contested(0.5, 0.3), None, 3),
            Some(vec![1, 2, 1])
        );
        assert_eq!(
            decode_len(&contested(0.3, 0.5), None, 3),
            Some(vec![1, 3, 1])
        );
        // The MRZ filler bonus tips a close call to '<' (ln 0.3 + 1.5 > ln 0.5)
        // but not a clear one (ln 0.05 + 1.5 < ln 0.8).
        let bias = [0.0, 0.0, 0.0, MRZ_FILLER_BIAS];
        assert_eq!(
            decode_len(&contested(0.5, 0.3), Some(&bias), 3),
            Some(vec![1, 3, 1])
        );
        assert_eq!(
            decode_len(&contested(0.8, 0.05), Some(&bias), 3),
            Some(vec![1, 2, 1])
        );
    }

    #[test]
    fn best_path_of_the_greedy_length_is_the_greedy_path() {
        // A deterministic pseudo-random lattice of 40 steps over 4 classes.
        let mut x = 12345u32;
        let s: Vec<Vec<f32>> = (0..40)
            .map(|_| {
                let raw: Vec<f32> = (0..4)
                    .map(|_| {
                        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                        ((x >> 16) % 1000) as f32 / 1000.0 + 0.01
                    })
                    .collect();
                let sum: f32 = raw.iter().sum();
                raw.iter().map(|p| (p / sum).ln()).collect()
            })
            .collect();
        let (greedy, _) = ctc_greedy(s.len(), |t| &s[t], None);
        let by_len = ctc_best_paths_by_length(s.len(), |t| &s[t], None, None, 40);
        let (ids, score) = by_len[greedy.len()].clone().unwrap();
        assert_eq!(ids, greedy);
        // The greedy path is the best of all: no length scores higher.
        for (ids, v) in by_len.iter().flatten() {
            assert!(*v <= score + 1e-4, "{ids:?} {v} > {score}");
        }
        // Every reported path has the length it is reported for.
        for (n, r) in by_len.iter().enumerate() {
            if let Some((ids, _)) = r {
                assert_eq!(ids.len(), n);
            }
        }
    }

    #[test]
    fn best_paths_by_length_survive_degenerate_input() {
        let empty: Vec<Vec<f32>> = Vec::new();
        let r = ctc_best_paths_by_length(0, |t| &empty[t], None, None, 3);
        assert_eq!(r[0], Some((Vec::new(), 0.0)));
        assert!(r[1..].iter().all(Option::is_none));
        // NaN and missing classes do not panic and never win.
        let s = [
            vec![f32::NAN, 0.9f32.ln(), 0.1f32.ln()],
            vec![0.9f32.ln()],
            vec![0.1f32.ln(), f32::NAN, 0.9f32.ln()],
        ];
        let r = ctc_best_paths_by_length(s.len(), |t| &s[t], None, None, 3);
        assert_eq!(r[2].as_ref().map(|(ids, _)| ids.clone()), Some(vec![1, 2]));
    }

    #[test]
    fn paper_margin_takes_the_crop_background() {
        // Tinted paper with a dark stroke.
        let mut crop = RgbImage::from_pixel(40, 10, image::Rgb([210, 230, 200]));
        for x in 5..35 {
            crop.put_pixel(x, 5, image::Rgb([20, 20, 30]));
        }
        let p = pad_with_paper(&crop, 0.3);
        assert_eq!(p.dimensions(), (46, 16));
        assert_eq!(p.get_pixel(0, 0).0, [210, 230, 200]);
        assert_eq!(p.get_pixel(45, 15).0, [210, 230, 200]);
        assert_eq!(p.get_pixel(3 + 10, 3 + 5).0, [20, 20, 30]);
        assert_eq!(pad_with_paper(&crop, 0.0), crop);
    }

    /// A recognizer that reads MRZ fillers between letters as `K` when the
    /// text touches the top of its input, and right when it sits on a margin.
    struct TightCropRec {
        alphabet: Vec<String>,
    }

    const MRZ_GOOD: &str = "AB<<CD<EF<<<<<<<<<<<<<<<<<<<<<";
    const MRZ_BAD: &str = "ABKKCDKEF<<<<<<<<<<<<<<<<<<<<<";

    impl TextRecognizer for TightCropRec {
        fn log_probs(&self, input: &TensorF32) -> Result<TensorF32, OcrError> {
            let (b, w) = (input.shape[0], input.shape[3]);
            let c = self.alphabet.len() + 1;
            let t_n = w / 4;
            let plane = 32 * w;
            let mut data = vec![-20f32; t_n * b * c];
            for bi in 0..b {
                // Top row white over the first columns: a margin.
                let margin = (0..8).all(|x| input.data[bi * 3 * plane + x] > 0.9);
                let text = if margin { MRZ_GOOD } else { MRZ_BAD };
                let chars: Vec<char> = text.chars().collect();
                for t in 0..t_n {
                    let cls = match chars.get(t / 2) {
                        Some(ch) if t % 2 == 0 => {
                            1 + self
                                .alphabet
                                .iter()
                                .position(|a| a.starts_with(*ch))
                                .unwrap_or(0)
                        }
                        _ => 0,
                    };
                    data[(t * b + bi) * c + cls] = (0.9f32).ln();
                }
            }
            Ok(TensorF32 {
                shape: vec![t_n, b, c],
                data,
            })
        }
        fn alphabet(&self) -> &[String] {
            &self.alphabet
        }
    }

    #[test]
    fn mrz_lines_are_read_again_on_a_margin() {
        let model = TightCropRec {
            alphabet: ["A", "B", "C", "D", "E", "F", "K", "<", "x"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        };
        // A 500x40 crop whose text touches its top edge.
        let mut crop = RgbImage::from_pixel(500, 40, image::Rgb([255, 255, 255]));
        for x in 0..500 {
            for y in 0..3 {
                crop.put_pixel(x, y, image::Rgb([0, 0, 0]));
            }
        }
        let out = recognize_lines(&model, &[crop]).unwrap();
        assert_eq!(out[0].text, MRZ_BAD);
        assert_eq!(out[0].mrz_text.as_deref(), Some(MRZ_BAD));
        assert_eq!(
            out[0].mrz_alternatives.first().map(String::as_str),
            Some(MRZ_GOOD)
        );
    }

    #[test]
    fn recognize_lines_runs_batches_and_decodes_each_line_by_its_own_width() {
        let model = FakeRec {
            alphabet: vec!["x".into(), "y".into()],
        };
        // Line 0: 8 dark columns then white (steps 0,1 dark → "xy").
        let mut a = RgbImage::from_pixel(64, 32, image::Rgb([255, 255, 255]));
        for x in 0..8 {
            for y in 0..32 {
                a.put_pixel(x, y, image::Rgb([0, 0, 0]));
            }
        }
        // Line 1: all white → nothing.
        let b = RgbImage::from_pixel(40, 32, image::Rgb([255, 255, 255]));
        let out = recognize_lines(&model, &[a, b]).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].text, "xy");
        assert!((out[0].confidence - 0.9).abs() < 1e-4);
        assert_eq!(out[1].text, "");
        assert!(out[0].mrz_text.is_none());
        assert!(out[0].mrz_alternatives.is_empty());
    }
}
