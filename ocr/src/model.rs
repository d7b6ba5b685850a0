//! Inference behind traits, so the pipeline can be tested with fake models.
//!
//! The real implementations ([`OrtModels`]) run the ONNX models of the
//! model store through ONNX Runtime; tests plug in their own.

use std::path::Path;
use std::sync::Mutex;

use ort::session::Session;
use ort::value::Tensor;

use crate::error::OcrError;

/// A dense `f32` tensor in row-major order with its shape.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorF32 {
    /// Dimensions, outermost first.
    pub shape: Vec<usize>,
    /// `shape.iter().product()` values.
    pub data: Vec<f32>,
}

/// A text detector: a normalized NCHW image batch of one → a probability map
/// `[1, 1, H, W]` giving, per pixel, the probability of being inside a text line.
pub trait TextDetector: Send + Sync {
    /// Run the detector on `input` (`[1, 3, H, W]`, H and W multiples of 32).
    fn probability_map(&self, input: &TensorF32) -> Result<TensorF32, OcrError>;
}

/// A text-line recognizer with a CTC head.
pub trait TextRecognizer: Send + Sync {
    /// Run the recognizer on `input` (`[B, 3, 32, W]`, RGB in `0..=1`, W a
    /// multiple of 4) → log-probabilities `[W/4, B, C]`, class 0 = CTC blank.
    fn log_probs(&self, input: &TensorF32) -> Result<TensorF32, OcrError>;
    /// The characters of classes `1..C` (index 0 of the returned slice is class 1).
    fn alphabet(&self) -> &[String];
}

/// A 0°/180° text-line orientation classifier.
pub trait OrientationClassifier: Send + Sync {
    /// Run on `input` (`[B, 3, 48, 192]`, normalized `(x/255-0.5)/0.5`, BGR)
    /// → probabilities `[B, 2]` (upright, upside down).
    fn classify(&self, input: &TensorF32) -> Result<TensorF32, OcrError>;
}

/// Load the recognizer's vocabulary file (`{"chars": ["<blank>", "a", ...]}`)
/// and return the characters of classes 1.. (the blank dropped).
pub fn load_vocab(path: &Path) -> Result<Vec<String>, OcrError> {
    let bad = |reason: String| OcrError::Vocab {
        path: path.to_path_buf(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    parse_vocab(&bytes).map_err(bad)
}

/// Parse the vocabulary JSON (see [`load_vocab`]).
pub fn parse_vocab(bytes: &[u8]) -> Result<Vec<String>, String> {
    #[derive(serde::Deserialize)]
    struct Vocab {
        chars: Vec<String>,
    }
    let v: Vocab = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if v.chars.len() < 2 {
        return Err(format!("{} classes, need at least 2", v.chars.len()));
    }
    Ok(v.chars.into_iter().skip(1).collect())
}

/// The ONNX Runtime implementation of the three model traits.
pub struct OrtModels {
    det: Mutex<Session>,
    cls: Option<Mutex<Session>>,
    rec: Mutex<Session>,
    alphabet: Vec<String>,
}

impl std::fmt::Debug for OrtModels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrtModels")
            .field("classes", &(self.alphabet.len() + 1))
            .field("orientation", &self.cls.is_some())
            .finish()
    }
}

impl OrtModels {
    /// Wrap already-opened sessions (detector, optional orientation classifier,
    /// recognizer) and the recognizer's alphabet (classes 1..).
    pub fn from_sessions(
        det: Session,
        cls: Option<Session>,
        rec: Session,
        alphabet: Vec<String>,
    ) -> Self {
        OrtModels {
            det: Mutex::new(det),
            cls: cls.map(Mutex::new),
            rec: Mutex::new(rec),
            alphabet,
        }
    }

    /// Open the detector, the recognizer (and, when `orientation`, the
    /// 0°/180° classifier) of `store` with `threads` intra-op threads each
    /// (0 = one per physical core).
    ///
    /// Sessions use full graph optimization, one inter-op thread, and no
    /// CPU memory arena nor memory-pattern planning: the detector and the
    /// recognizer see a new input shape on almost every call, and ONNX
    /// Runtime's arena keeps the high-water mark of every shape it has
    /// seen (over 2 GB after a few A4 pages), while plain allocation costs
    /// nothing measurable next to the convolutions.
    pub fn open(
        store: &saoy_models::ModelStore,
        threads: usize,
        orientation: bool,
    ) -> Result<Self, OcrError> {
        use saoy_models::ModelId;
        let det = open_session(store, ModelId::TextDetection, "text_det", threads)?;
        let rec = open_session(store, ModelId::TextRecognition, "text_rec", threads)?;
        let cls = if orientation {
            Some(open_session(
                store,
                ModelId::TextOrientation,
                "text_cls",
                threads,
            )?)
        } else {
            None
        };
        let alphabet = load_vocab(&store.path(ModelId::TextRecognitionVocab))?;
        Ok(Self::from_sessions(det, cls, rec, alphabet))
    }

    /// Whether an orientation classifier is loaded.
    pub fn has_orientation(&self) -> bool {
        self.cls.is_some()
    }
}

/// One ONNX Runtime session with the options of [`OrtModels::open`].
fn open_session(
    store: &saoy_models::ModelStore,
    id: saoy_models::ModelId,
    model: &'static str,
    threads: usize,
) -> Result<Session, OcrError> {
    use ort::session::builder::GraphOptimizationLevel;
    let fail = |reason: String| OcrError::Models { model, reason };
    let path = store.path(id);
    if !path.is_file() {
        return Err(fail(format!(
            "{} not found; run `saoy models fetch`",
            path.display()
        )));
    }
    let env = saoy_models::environment(&store.runtime_library())
        .map_err(|e| fail(format!("{} ({})", e, e.code())))?;
    let threads = if threads == 0 {
        saoy_models::default_threads()
    } else {
        threads
    };
    let e = |e: &dyn std::fmt::Display| fail(e.to_string());
    Session::builder(env)
        .map_err(|x| e(&x))?
        .with_optimization_level(GraphOptimizationLevel::Level3)
        .map_err(|x| e(&x))?
        .with_intra_threads(threads)
        .map_err(|x| e(&x))?
        .with_inter_threads(1)
        .map_err(|x| e(&x))?
        .with_memory_pattern(false)
        .map_err(|x| e(&x))?
        .with_execution_providers([ort::ep::CPU::default().with_arena_allocator(false).build()])
        .map_err(|x| e(&x))?
        .commit_from_file(&path)
        .map_err(|x| e(&x))
}

fn run_one(
    session: &Mutex<Session>,
    model: &'static str,
    input_name: &str,
    input: &TensorF32,
) -> Result<TensorF32, OcrError> {
    let fail = |e: &dyn std::fmt::Display| OcrError::Inference {
        model,
        reason: e.to_string(),
    };
    let shape: Vec<i64> = input.shape.iter().map(|&d| d as i64).collect();
    let tensor = Tensor::from_array((shape, input.data.clone())).map_err(|e| fail(&e))?;
    let mut session = session
        .lock()
        .map_err(|_| fail(&"session mutex poisoned by an earlier panic"))?;
    let outputs = session
        .run(ort::inputs![input_name => tensor])
        .map_err(|e| fail(&e))?;
    if outputs.len() == 0 {
        return Err(fail(&"no output"));
    }
    let (shape, data) = outputs[0]
        .try_extract_tensor::<f32>()
        .map_err(|e| fail(&e))?;
    let dims: Vec<usize> = shape.iter().map(|&d| d.max(0) as usize).collect();
    if dims.iter().product::<usize>() != data.len() {
        return Err(OcrError::BadOutput {
            model,
            got: shape.to_vec(),
            expected: "a dense tensor",
        });
    }
    Ok(TensorF32 {
        shape: dims,
        data: data.to_vec(),
    })
}

impl TextDetector for OrtModels {
    fn probability_map(&self, input: &TensorF32) -> Result<TensorF32, OcrError> {
        run_one(&self.det, "text_det", "x", input)
    }
}

impl TextRecognizer for OrtModels {
    fn log_probs(&self, input: &TensorF32) -> Result<TensorF32, OcrError> {
        run_one(&self.rec, "text_rec", "images", input)
    }
    fn alphabet(&self) -> &[String] {
        &self.alphabet
    }
}

impl OrientationClassifier for OrtModels {
    fn classify(&self, input: &TensorF32) -> Result<TensorF32, OcrError> {
        match &self.cls {
            Some(s) => run_one(s, "text_cls", "x", input),
            None => Err(OcrError::Inference {
                model: "text_cls",
                reason: "no orientation model loaded".into(),
            }),
        }
    }
}
