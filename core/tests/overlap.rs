//! The issuance steps that do not depend on each other overlap: the original's page recognition
//! runs beside the card, page-bytes and face steps (`IssuerConfig::overlap_steps`), and an error
//! still comes from the first failing step in the sequential order.
#![cfg(all(feature = "workflow", feature = "sqlite"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use p384::ecdsa::SigningKey;
use saoy_core::registry::CitizenIdHasher;
use saoy_core::registry::sqlite::SqliteRegistry;
use saoy_core::workflow::fakes::{FakeFace, FakeRecognizer, FakeRenderer, FakeSigner};
use saoy_core::workflow::{
    DeliveryStore, DocumentRecognizer, FaceOutcome, FaceVerifier, IdCardReading, IssueError,
    IssueInput, IssueOutcome, Issuer, IssuerConfig, ModelVersion, OfficeContext, Progress,
    Recognition, Step, StepError,
};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Set once the face step has started; the recognizer can wait for it.
#[derive(Default)]
struct Flag {
    set: Mutex<bool>,
    cv: Condvar,
}

impl Flag {
    fn raise(&self) {
        *self.set.lock().unwrap() = true;
        self.cv.notify_all();
    }
    /// Whether the flag was raised within `limit`.
    fn wait(&self, limit: Duration) -> bool {
        let g = self.set.lock().unwrap();
        let (g, _) = self.cv.wait_timeout_while(g, limit, |s| !*s).unwrap();
        *g
    }
}

/// Recognizes only after the face step has started (or gives up after `limit`), and records
/// whether it saw it; can also fail on purpose.
struct WaitingRecognizer {
    inner: FakeRecognizer,
    face_started: Arc<Flag>,
    limit: Duration,
    saw_face: Mutex<Option<bool>>,
    fail_pages: bool,
    fail_card: bool,
}

impl DocumentRecognizer for WaitingRecognizer {
    fn recognize(&self, pages: &[Vec<u8>]) -> Result<Recognition, StepError> {
        let saw = self.face_started.wait(self.limit);
        *self.saw_face.lock().unwrap() = Some(saw);
        if self.fail_pages {
            return Err(StepError::new("test_pages", "pages fail on purpose"));
        }
        self.inner.recognize(pages)
    }
    fn read_id_card(&self, f: &[u8], b: Option<&[u8]>) -> Result<IdCardReading, StepError> {
        if self.fail_card {
            return Err(StepError::new("test_card", "card fails on purpose"));
        }
        self.inner.read_id_card(f, b)
    }
    fn versions(&self) -> Vec<ModelVersion> {
        self.inner.versions()
    }
}

struct SignallingFace {
    inner: FakeFace,
    started: Arc<Flag>,
}

impl FaceVerifier for SignallingFace {
    fn verify(
        &self,
        id_front: &[u8],
        live: &[Vec<u8>],
        challenge: Option<&str>,
    ) -> Result<FaceOutcome, StepError> {
        self.started.raise();
        self.inner.verify(id_front, live, challenge)
    }
    fn versions(&self) -> Vec<ModelVersion> {
        self.inner.versions()
    }
}

#[derive(Default)]
struct Events(Mutex<Vec<String>>);
impl Progress for Events {
    fn step_started(&self, step: Step) {
        self.0
            .lock()
            .unwrap()
            .push(format!("start {}", step.name()));
    }
    fn step_finished(&self, step: Step, _took: Duration, ok: bool) {
        self.0
            .lock()
            .unwrap()
            .push(format!("end {} {ok}", step.name()));
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    issuer: Issuer,
    rec: Arc<WaitingRecognizer>,
}

fn setup(overlap: bool, limit: Duration, fail_pages: bool, fail_card: bool) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let flag = Arc::new(Flag::default());
    let rec = Arc::new(WaitingRecognizer {
        inner: FakeRecognizer::default(),
        face_started: flag.clone(),
        limit,
        saw_face: Mutex::new(None),
        fail_pages,
        fail_card,
    });
    let face = SignallingFace {
        inner: FakeFace::default(),
        started: flag,
    };
    let issuer = Issuer::new(
        rec.clone(),
        Arc::new(face),
        Arc::new(FakeRenderer),
        Arc::new(FakeSigner { key: b"k".to_vec() }),
        Arc::new(SigningKey::from_slice(&[0x5a; 48]).unwrap()),
        Arc::new(SqliteRegistry::open(dir.path().join("reg.sqlite")).unwrap()),
        DeliveryStore::open(dir.path().join("out")).unwrap(),
        CitizenIdHasher::new(&[9; 32]).unwrap(),
        IssuerConfig::default()
            .seal_host("verify.test")
            .overlap_steps(overlap),
    );
    Setup {
        _dir: dir,
        issuer,
        rec,
    }
}

fn input(id: &str) -> IssueInput {
    let img = image::RgbImage::from_pixel(40, 30, image::Rgb([200, 180, 160]));
    let mut jpeg = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut jpeg),
        image::ImageFormat::Jpeg,
    )
    .unwrap();
    IssueInput::new(
        id,
        vec![jpeg],
        b"front".to_vec(),
        None,
        vec![b"live1".to_vec(), b"live2".to_vec(), b"live3".to_vec()],
        OfficeContext::new("HN-HK-01", "UBND phường Hoàn Kiếm", "officer-1"),
    )
}

const STEPS: [&str; 4] = ["recognize", "id_card", "authenticity", "face"];

#[test]
fn recognition_overlaps_the_face_step_by_default() {
    assert!(IssuerConfig::default().overlap_steps);
    // The recognizer waits (up to 60 s) for the face step: only concurrent steps let it see it.
    let s = setup(true, Duration::from_secs(60), false, false);
    let events = Events::default();
    let out = s
        .issuer
        .issue_with_progress(&input("overlap-1"), &events)
        .unwrap();
    assert_eq!(*s.rec.saw_face.lock().unwrap(), Some(true));
    let IssueOutcome::Issued(bundle) = out else {
        panic!("not issued: {out:?}");
    };
    // Every step is reported once, started before it ended, and timed in the receipt in the
    // sequential order.
    let ev = events.0.lock().unwrap().clone();
    for step in STEPS {
        let start = ev.iter().position(|e| e == &format!("start {step}"));
        let end = ev.iter().position(|e| e == &format!("end {step} true"));
        assert!(
            matches!((start, end), (Some(a), Some(b)) if a < b),
            "{step}: {ev:?}"
        );
    }
    let timed: Vec<&str> = bundle
        .receipt
        .timings
        .iter()
        .map(|t| t.step.as_str())
        .collect();
    assert_eq!(&timed[..4], &STEPS, "{timed:?}");
    // The receipt's wall time covers every step, overlapped or not.
    let r = &bundle.receipt;
    assert!(r.total_millis > 0.0);
    for t in &r.timings {
        assert!(t.millis <= r.total_millis, "{t:?} > {}", r.total_millis);
    }
}

#[test]
fn without_overlap_each_step_runs_in_turn() {
    // The recognizer gives up waiting quickly: the face step cannot have started before it.
    let s = setup(false, Duration::from_millis(50), false, false);
    let events = Events::default();
    let out = s
        .issuer
        .issue_with_progress(&input("serial-1"), &events)
        .unwrap();
    assert!(matches!(out, IssueOutcome::Issued(_)), "{out:?}");
    assert_eq!(*s.rec.saw_face.lock().unwrap(), Some(false));
    let ev = events.0.lock().unwrap().clone();
    let want: Vec<String> = STEPS
        .iter()
        .flat_map(|s| [format!("start {s}"), format!("end {s} true")])
        .collect();
    assert_eq!(&ev[..8], &want[..], "{ev:?}");
}

#[test]
fn the_first_failing_step_in_order_is_reported() {
    for overlap in [true, false] {
        // Both the pages and the card fail: the pages' error wins, as in sequential order.
        let s = setup(overlap, Duration::from_millis(50), true, true);
        match s.issuer.issue(&input("fail-1")) {
            Err(IssueError::Step { step, source }) => {
                assert_eq!(step, Step::Recognize, "overlap {overlap}");
                assert_eq!(source.code, "test_pages");
            }
            other => panic!("overlap {overlap}: {other:?}"),
        }
        // Only the card fails.
        let s = setup(overlap, Duration::from_millis(50), false, true);
        match s.issuer.issue(&input("fail-2")) {
            Err(IssueError::Step { step, source }) => {
                assert_eq!(step, Step::IdCard, "overlap {overlap}");
                assert_eq!(source.code, "test_card");
            }
            other => panic!("overlap {overlap}: {other:?}"),
        }
    }
}
