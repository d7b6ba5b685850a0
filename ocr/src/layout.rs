//! Reading order: lines top to bottom (boxes on the same row left to
//! right), then blocks of lines separated by larger vertical gaps.

use crate::pipeline::TextLine;

/// A block of consecutive lines (a paragraph or a key-value group).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Block {
    /// Indices into the page's lines, in reading order.
    pub lines: Vec<usize>,
}

/// Put lines in reading order and group them into blocks.
///
/// Boxes whose vertical centres are closer than half the smaller box height
/// (and at least within 10 px, as the reference does) are on one row and are
/// ordered left to right. A new block starts where the gap to the previous
/// row exceeds 1.2 times the row height.
pub fn layout(mut lines: Vec<TextLine>) -> (Vec<TextLine>, Vec<Block>) {
    if lines.is_empty() {
        return (lines, Vec::new());
    }
    lines.sort_by(|a, b| a.quad.center()[1].total_cmp(&b.quad.center()[1]));
    // Rows: (centre y, height, members)
    let mut rows: Vec<(f32, f32, Vec<TextLine>)> = Vec::new();
    for l in lines {
        let cy = l.quad.center()[1];
        let h = l.quad.height();
        if let Some(row) = rows.last_mut() {
            let tol = (0.5 * h.min(row.1)).max(10.0f32.min(0.8 * h.min(row.1)));
            if (cy - row.0).abs() <= tol {
                let n = row.2.len() as f32;
                row.0 = (row.0 * n + cy) / (n + 1.0);
                row.1 = row.1.max(h);
                row.2.push(l);
                continue;
            }
        }
        rows.push((cy, h, vec![l]));
    }
    let mut ordered = Vec::new();
    let mut blocks: Vec<Block> = Vec::new();
    let mut prev: Option<(f32, f32)> = None; // bottom y, height
    for (_, h, mut members) in rows {
        members.sort_by(|a, b| a.quad.bounds().0.total_cmp(&b.quad.bounds().0));
        let top = members
            .iter()
            .map(|m| m.quad.bounds().1)
            .fold(f32::INFINITY, f32::min);
        let bottom = members
            .iter()
            .map(|m| m.quad.bounds().3)
            .fold(f32::NEG_INFINITY, f32::max);
        let new_block = match prev {
            None => true,
            Some((pb, ph)) => top - pb > 1.2 * ph.max(h),
        };
        if new_block {
            blocks.push(Block { lines: Vec::new() });
        }
        for m in members {
            if let Some(b) = blocks.last_mut() {
                b.lines.push(ordered.len());
            }
            ordered.push(m);
        }
        prev = Some((bottom, h));
    }
    (ordered, blocks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Quad;

    fn line(text: &str, x: f32, y: f32, w: f32, h: f32) -> TextLine {
        TextLine {
            text: text.into(),
            confidence: 0.9,
            quad: Quad::rect(x, y, w, h),
            det_score: 0.9,
            mrz_text: None,
            mrz_alternatives: Vec::new(),
        }
    }

    #[test]
    fn rows_are_read_left_to_right_and_blocks_split_on_gaps() {
        let lines = vec![
            line("c", 10.0, 200.0, 100.0, 20.0),
            line("b", 300.0, 12.0, 100.0, 20.0),
            line("a", 10.0, 10.0, 100.0, 22.0),
            line("a2", 10.0, 40.0, 100.0, 20.0),
        ];
        let (ordered, blocks) = layout(lines);
        let texts: Vec<&str> = ordered.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, vec!["a", "b", "a2", "c"]);
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].lines, vec![0, 1, 2]);
        assert_eq!(blocks[1].lines, vec![3]);
    }

    #[test]
    fn empty_page_has_no_blocks() {
        let (l, b) = layout(Vec::new());
        assert!(l.is_empty() && b.is_empty());
    }
}
