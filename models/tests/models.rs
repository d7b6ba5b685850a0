//! Integration tests of the model store and runtime against the real,
//! pinned models (fetched on first use by `ModelStore::open`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test/example code: a failure is the signal

use ndarray::Array4;
use saoy_models::ort::value::Tensor;
use saoy_models::{FetchEvent, ModelError, ModelId, ModelStore, StoreOptions};
use std::sync::{Arc, Mutex};

fn store() -> ModelStore {
    ModelStore::open(&StoreOptions::default()).expect("model store (run `saoy models fetch`)")
}

/// Run one inference with a constant input and return every output's shape.
fn run(id: ModelId, input: &str, shape: [usize; 4], threads: usize) -> Vec<(String, Vec<usize>)> {
    let mut session = store().session(id, threads).expect("session");
    assert_eq!(session.inputs()[0].name(), input, "{id:?} input name");
    let x = Array4::<f32>::from_elem(shape, 0.5);
    let t = Tensor::from_array(x).expect("tensor");
    let outputs = session
        .run(saoy_models::ort::inputs![input => t])
        .expect("run");
    outputs
        .iter()
        .map(|(name, v)| {
            let a = v.try_extract_array::<f32>().expect("f32 output");
            assert!(a.iter().all(|x| x.is_finite()), "{id:?}/{name} finite");
            (name.to_string(), a.shape().to_vec())
        })
        .collect()
}

#[test]
fn text_detection_outputs_probability_map() {
    let out = run(ModelId::TextDetection, "x", [1, 3, 64, 96], 1);
    assert_eq!(out, vec![("fetch_name_0".to_string(), vec![1, 1, 64, 96])]);
}

#[test]
fn text_orientation_outputs_two_classes() {
    let out = run(ModelId::TextOrientation, "x", [2, 3, 48, 192], 1);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].1, vec![2, 2]);
}

#[test]
fn text_recognition_outputs_log_probs_per_4_columns() {
    let out = run(ModelId::TextRecognition, "images", [1, 3, 32, 320], 2);
    assert_eq!(out, vec![("log_probs".to_string(), vec![80, 1, 227])]);
    // the vocabulary matches the output width
    let vocab: serde_json::Value = serde_json::from_slice(
        &std::fs::read(store().path(ModelId::TextRecognitionVocab)).unwrap(),
    )
    .unwrap();
    assert_eq!(vocab["chars"].as_array().unwrap().len(), 227);
    assert_eq!(vocab["chars"][0], "<blank>");
}

#[test]
fn face_detection_outputs_three_strides() {
    let out = run(ModelId::FaceDetection, "input", [1, 3, 640, 640], 1);
    let get = |n: &str| out.iter().find(|(k, _)| k == n).map(|(_, s)| s.clone());
    assert_eq!(out.len(), 12);
    assert_eq!(get("cls_8"), Some(vec![1, 6400, 1]));
    assert_eq!(get("bbox_16"), Some(vec![1, 1600, 4]));
    assert_eq!(get("kps_32"), Some(vec![1, 400, 10]));
}

#[test]
fn face_embedding_outputs_128_floats() {
    let out = run(ModelId::FaceEmbedding, "data", [1, 3, 112, 112], 1);
    assert_eq!(out, vec![("fc1".to_string(), vec![1, 128])]);
}

#[test]
fn every_pinned_file_verifies() {
    store().verify().expect("all hashes match the manifest");
}

#[test]
fn second_fetch_downloads_nothing() {
    let s = store();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let opts = StoreOptions::with_dir(s.dir()).progress(Arc::new(move |e: &FetchEvent| {
        sink.lock().unwrap().push(e.clone())
    }));
    let summary = s.fetch(&opts).expect("fetch");
    assert!(summary.installed.is_empty());
    assert_eq!(summary.downloaded_bytes, 0);
    let events = events.lock().unwrap();
    assert!(matches!(
        events.as_slice(),
        [FetchEvent::UpToDate { files: 7, .. }]
    ));
}

#[test]
fn tampered_file_is_rejected_by_verify() {
    let dir = tempfile::tempdir().unwrap();
    let real = store();
    for id in ModelId::all() {
        // hard links keep the test cheap; the tampered file is a fresh copy
        let dst = dir.path().join(id.file_name());
        if id == ModelId::TextRecognitionVocab {
            let mut bytes = std::fs::read(real.path(id)).unwrap();
            bytes[10] ^= 0x20;
            std::fs::write(&dst, bytes).unwrap();
        } else {
            std::fs::hard_link(real.path(id), &dst)
                .or_else(|_| std::fs::copy(real.path(id), &dst).map(|_| ()))
                .unwrap();
        }
    }
    let tampered = ModelStore::at(dir.path());
    // same size, so the quick presence check passes; the hash check does not
    assert!(tampered.missing().is_empty());
    match tampered.verify() {
        Err(ModelError::HashMismatch {
            file,
            expected,
            actual,
        }) => {
            assert!(file.ends_with("text_rec_vocab.json"));
            assert_eq!(expected, ModelId::TextRecognitionVocab.spec().sha256);
            assert_ne!(actual, expected);
        }
        other => panic!("expected a hash mismatch, got {other:?}"),
    }
}

#[test]
fn offline_index_is_a_typed_error_and_leaves_no_partial_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = StoreOptions::with_dir(dir.path()).quiet();
    // port 9 (discard) on loopback: connection refused, like a machine offline
    opts.pip_env = vec![
        ("PIP_INDEX_URL".into(), "http://127.0.0.1:9/simple".into()),
        ("PIP_FIND_LINKS".into(), String::new()),
    ];
    let err = ModelStore::at(dir.path()).fetch(&opts).unwrap_err();
    assert_eq!(err.code(), "models.offline", "{err}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".lock")
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn offline_flag_never_downloads() {
    let dir = tempfile::tempdir().unwrap();
    let opts = StoreOptions::with_dir(dir.path()).offline(true).quiet();
    match ModelStore::open(&opts) {
        Err(ModelError::MissingOffline { missing, .. }) => assert_eq!(missing.len(), 7),
        other => panic!("expected MissingOffline, got {other:?}"),
    }
}

#[test]
fn missing_python_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = StoreOptions::with_dir(dir.path()).quiet();
    opts.python = Some("/nonexistent/python3".into());
    let err = ModelStore::at(dir.path()).fetch(&opts).unwrap_err();
    assert_eq!(err.code(), "models.python_missing", "{err}");
}
