//! Write a TurnLeft live-capture sequence as PNGs (for eyeballing): `live_dump OUT_DIR`.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/tmp/live".into());
    std::fs::create_dir_all(&out)?;
    let p = saoy_specimen::demo_portrait()?;
    let opts = saoy_specimen::LiveOptions::new(5, saoy_specimen::HeadMotion::TurnLeft);
    for (i, f) in saoy_specimen::live_frames_with(&p, &opts, 1)
        .iter()
        .enumerate()
    {
        f.image.save(format!("{out}/frame{i}.png"))?;
    }
    Ok(())
}
