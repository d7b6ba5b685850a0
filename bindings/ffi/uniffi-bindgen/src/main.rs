//! `uniffi-bindgen generate LIBRARY --language kotlin|python|swift|ruby --out-dir DIR
//! [--no-format] [--metadata-no-deps] [--config FILE] [--crate NAME]`: the subset of UniFFI's
//! own `uniffi-bindgen generate` that saoy uses, without its command-line parser dependency.

use std::process::ExitCode;
use uniffi_bindgen::bindings::{GenerateOptions, TargetLanguage, generate};

const USAGE: &str = "usage: uniffi-bindgen generate LIBRARY --language kotlin|python|swift|ruby \
                     --out-dir DIR [--no-format] [--metadata-no-deps] [--config FILE] [--crate NAME]";

fn language(name: &str) -> Result<TargetLanguage, String> {
    match name {
        "kotlin" => Ok(TargetLanguage::Kotlin),
        "python" => Ok(TargetLanguage::Python),
        "swift" => Ok(TargetLanguage::Swift),
        "ruby" => Ok(TargetLanguage::Ruby),
        other => Err(format!("unknown language `{other}`")),
    }
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<GenerateOptions, String> {
    if args.next().as_deref() != Some("generate") {
        return Err("the only command is `generate`".into());
    }
    let mut opts = GenerateOptions {
        format: true,
        ..GenerateOptions::default()
    };
    let mut source = None;
    let mut out_dir = None;
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or_else(|| format!("{flag} needs a value"));
        match arg.as_str() {
            "-l" | "--language" => opts.languages.push(language(&value(&arg)?)?),
            "-o" | "--out-dir" => out_dir = Some(value(&arg)?),
            "-c" | "--config" => opts.config_override = Some(value(&arg)?.into()),
            "--crate" => opts.crate_filter = Some(value(&arg)?),
            "-n" | "--no-format" => opts.format = false,
            "--metadata-no-deps" => opts.metadata_no_deps = true,
            // accepted for compatibility with UniFFI's CLI: library mode is auto-detected
            "--library" => {}
            a if a.starts_with('-') => return Err(format!("unknown option `{a}`")),
            _ if source.is_none() => source = Some(arg),
            _ => return Err(format!("unexpected argument `{arg}`")),
        }
    }
    opts.source = source.ok_or("LIBRARY is missing")?.into();
    opts.out_dir = out_dir.ok_or("--out-dir is missing")?.into();
    if opts.languages.is_empty() {
        return Err("--language is missing".into());
    }
    Ok(opts)
}

fn main() -> ExitCode {
    let opts = match parse(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("uniffi-bindgen: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match generate(opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("uniffi-bindgen: {e:#}");
            ExitCode::FAILURE
        }
    }
}
