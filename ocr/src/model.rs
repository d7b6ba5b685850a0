//! Inference behind traits, so the pipeline can be tested with fake models.
//!
//! The real implementations ([`OrtModels`]) run the ONNX models of the
//! model store through ONNX Runtime; tests plug in their own.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

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
    /// How many [`log_probs`](Self::log_probs) calls can usefully run at
    /// the same time; the pipeline runs that many batches concurrently
    /// (default 1: one call at a time).
    fn parallelism(&self) -> usize {
        1
    }
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
    /// One or more recognizer sessions; calls go to a free one.
    rec: Vec<Mutex<Session>>,
    next_rec: AtomicUsize,
    alphabet: Vec<String>,
}

impl std::fmt::Debug for OrtModels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrtModels")
            .field("classes", &(self.alphabet.len() + 1))
            .field("orientation", &self.cls.is_some())
            .field("recognizer_sessions", &self.rec.len())
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
            rec: vec![Mutex::new(rec)],
            next_rec: AtomicUsize::new(0),
            alphabet,
        }
    }

    /// Add recognizer sessions (of the same model): batches then run on
    /// as many sessions at once ([`TextRecognizer::parallelism`]).
    pub fn with_more_recognizers(mut self, extra: impl IntoIterator<Item = Session>) -> Self {
        self.rec.extend(extra.into_iter().map(Mutex::new));
        self
    }

    /// Open the detector, the recognizer (and, when `orientation`, the
    /// 0°/180° classifier) of `store` for `threads` threads (0 = one per
    /// physical core), with one recognizer session: see
    /// [`OrtModels::open_with`].
    pub fn open(
        store: &saoy_models::ModelStore,
        threads: usize,
        orientation: bool,
    ) -> Result<Self, OcrError> {
        Self::open_with(store, threads, 1, orientation)
    }

    /// [`OrtModels::open`] with an explicit number of recognizer sessions
    /// (0 = one per thread).
    ///
    /// The detector (one large image per page) and the classifier use
    /// `threads` intra-op threads. With several recognizer sessions, each
    /// gets `threads / sessions` threads (at least one), they share their
    /// pre-packed weights, and the pipeline runs that many line batches at
    /// once: AsterNet's layers are too small to keep two intra-op threads
    /// busy. Measured on the A4 page, 2 threads, two 1-thread sessions vs
    /// one 2-thread session: 2.0x faster recognition at load ~4.6 on the
    /// shared machine, 1.3x at load ~6 (CCCD card: no gain), but peak RSS
    /// 0.58-0.66 GB vs 0.42 GB (A4) and 0.47 vs 0.35 GB (card): each session
    /// holds its own optimized weights (~55 MB) and each worker thread its
    /// own allocator arena. One session (the default of [`OrtModels::open`]
    /// and of the pipeline builder) keeps peak memory under 0.5 GB.
    ///
    /// Every session uses full graph optimization, one inter-op thread, no
    /// thread spinning (spinning threads steal the cores of the other
    /// session and of every other process on a shared machine), and no CPU
    /// memory arena nor memory-pattern planning: the detector and the
    /// recognizer see a new input shape on almost every call, and ONNX
    /// Runtime's arena keeps the high-water mark of every shape it has
    /// seen (over 2 GB after a few A4 pages), while plain allocation costs
    /// nothing measurable next to the convolutions.
    pub fn open_with(
        store: &saoy_models::ModelStore,
        threads: usize,
        recognizer_sessions: usize,
        orientation: bool,
    ) -> Result<Self, OcrError> {
        use saoy_models::ModelId;
        let threads = if threads == 0 {
            saoy_models::default_threads()
        } else {
            threads
        };
        let sessions = if recognizer_sessions == 0 {
            threads
        } else {
            recognizer_sessions
        };
        let det = open_session(store, ModelId::TextDetection, "text_det", threads, None)?;
        let rec_threads = (threads / sessions).max(1);
        let packed = (sessions > 1).then(ort::session::builder::PrepackedWeights::new);
        let mut recs = Vec::with_capacity(sessions);
        for _ in 0..sessions {
            recs.push(open_session(
                store,
                ModelId::TextRecognition,
                "text_rec",
                rec_threads,
                packed.as_ref(),
            )?);
        }
        let cls = if orientation {
            Some(open_session(
                store,
                ModelId::TextOrientation,
                "text_cls",
                threads,
                None,
            )?)
        } else {
            None
        };
        let alphabet = load_vocab(&store.path(ModelId::TextRecognitionVocab))?;
        let mut recs = recs.into_iter();
        let first = recs.next().ok_or(OcrError::Models {
            model: "text_rec",
            reason: "no recognizer session".into(),
        })?;
        Ok(Self::from_sessions(det, cls, first, alphabet).with_more_recognizers(recs))
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
    packed: Option<&ort::session::builder::PrepackedWeights>,
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
    let e = |e: &dyn std::fmt::Display| fail(e.to_string());
    let mut builder = Session::builder(env)
        .map_err(|x| e(&x))?
        .with_optimization_level(GraphOptimizationLevel::Level3)
        .map_err(|x| e(&x))?
        .with_intra_threads(threads.max(1))
        .map_err(|x| e(&x))?
        .with_inter_threads(1)
        .map_err(|x| e(&x))?
        .with_config_entry("session.intra_op.allow_spinning", "0")
        .map_err(|x| e(&x))?
        .with_config_entry("session.inter_op.allow_spinning", "0")
        .map_err(|x| e(&x))?
        .with_memory_pattern(false)
        .map_err(|x| e(&x))?
        .with_execution_providers([ort::ep::CPU::default().with_arena_allocator(false).build()])
        .map_err(|x| e(&x))?;
    if let Some(p) = packed {
        builder = builder.with_prepacked_weights(p).map_err(|x| e(&x))?;
    }
    builder.commit_from_file(&path).map_err(|x| e(&x))
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
        // A session nobody is running, else the next one in turn.
        let n = self.rec.len();
        let start = self.next_rec.fetch_add(1, Ordering::Relaxed);
        let pick = (0..n)
            .map(|k| (start + k) % n)
            .find(|&i| self.rec[i].try_lock().is_ok())
            .unwrap_or(start % n);
        run_one(&self.rec[pick], "text_rec", "images", input)
    }
    fn alphabet(&self) -> &[String] {
        &self.alphabet
    }
    fn parallelism(&self) -> usize {
        self.rec.len()
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
