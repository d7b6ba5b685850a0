"""pytest suite of the `saoy` wheel: run after `pip install saoy-*.whl` into a clean venv.

Models come from the model store ($SAOY_MODELS or ~/.cache/saoy/models; fetched on first use).
Run from outside the source tree so `import saoy` is the installed wheel.
"""

import importlib.util
import io
import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import saoy

TOOLS = Path(__file__).resolve().parents[1] / "tools"
STUB = Path(__file__).resolve().parents[1] / "python" / "saoy" / "_native.pyi"


@pytest.fixture(scope="session")
def demo():
    return saoy.demo_inputs(7)


@pytest.fixture(scope="session")
def engine():
    return saoy.Ocr(threads=1)


@pytest.fixture(scope="session")
def front_result(demo, engine):
    return engine(demo.id_front)


# --- errors -------------------------------------------------------------------------------------


def test_exception_hierarchy():
    assert issubclass(saoy.SaoyError, Exception)
    for leaf, area in [
        (saoy.ModelsOfflineError, saoy.ModelsError),
        (saoy.NoFaceError, saoy.FaceError),
        (saoy.NotFoundError, saoy.RegistryError),
        (saoy.InvalidStateError, saoy.RegistryError),
        (saoy.RegistryUnavailableError, saoy.RegistryError),
        (saoy.InvalidCodeError, saoy.InputError),
    ]:
        assert issubclass(leaf, area) and issubclass(area, saoy.SaoyError), (leaf, area)
    for area in [saoy.OcrError, saoy.ImageError, saoy.IssueError, saoy.PkiError]:
        assert area.__bases__ == (saoy.SaoyError,)


def test_invalid_code_error_carries_the_stable_code(tmp_path):
    reg = saoy.Registry(str(tmp_path / "r.sqlite"))
    with pytest.raises(saoy.InvalidCodeError) as e:
        reg.lookup("NOT-A-CODE")
    assert e.value.code.startswith("code_"), e.value.code
    assert e.value.code in str(e.value)
    assert e.value.detail and e.value.detail in str(e.value)


def test_ocr_errors_are_typed(engine, tmp_path):
    with pytest.raises(saoy.ImageError) as e:
        engine(b"plain text, not an image")
    assert e.value.code == "ocr.not_an_image"
    with pytest.raises(saoy.ImageError) as e:
        engine(tmp_path / "missing.jpg")
    assert e.value.code == "ocr.read"
    with pytest.raises(TypeError):
        engine(np.zeros((10, 10, 3), dtype=np.float32))
    with pytest.raises(ValueError):
        engine(np.zeros((10, 10, 5), dtype=np.uint8))
    with pytest.raises(ValueError):
        engine(np.zeros((0, 10, 3), dtype=np.uint8))
    with pytest.raises(TypeError):
        engine(12345)


def test_missing_models_offline_is_a_models_error(tmp_path):
    with pytest.raises(saoy.ModelsError) as e:
        saoy.Ocr(threads=1, models_dir=str(tmp_path / "empty-store"), offline=True)
    assert e.value.code in ("models.missing_offline", "models.offline", "ocr.models"), e.value.code


# --- OCR ----------------------------------------------------------------------------------------


def _png(pixels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="session")
def heading(demo):
    """The CCCD front's heading block (4 short lines) as RGB pixels: a small, fast OCR input.
    Lossless PNG bytes of the same pixels must give exactly the same result."""
    rgb = np.asarray(Image.open(io.BytesIO(demo.id_front)).convert("RGB"))
    h, w, _ = rgb.shape
    return np.ascontiguousarray(rgb[: h // 4, w // 5 : (3 * w) // 4])


@pytest.fixture(scope="session")
def heading_result(engine, heading):
    return engine(_png(heading))


def test_ocr_reads_the_cccd_front(front_result):
    r = front_result
    assert r.kind == "cccd_front", r.kind
    assert "CĂN CƯỚC" in r.text.upper(), r.text[:200]
    assert len(r.lines) >= 5
    line = r.lines[0]
    assert len(line.quad) == 4 and all(len(pt) == 2 for pt in line.quad)
    assert 0.0 < line.confidence <= 1.0
    d = r.to_dict()
    assert d["document"]["kind"] == r.kind


def test_ocr_accepts_path_bytes_and_numpy(engine, heading, heading_result, tmp_path):
    want = heading_result.text
    assert "CĂN CƯỚC" in want.upper(), want
    assert (heading_result.width, heading_result.height) == (heading.shape[1], heading.shape[0])
    p = tmp_path / "heading.png"
    p.write_bytes(_png(heading))
    assert engine(p).text == want  # pathlib.Path
    assert saoy.ocr(str(p), threads=1).text == want  # str path, module-level shared engine
    assert engine(bytearray(_png(heading))).text == want

    before = heading.copy()
    assert engine(heading).text == want  # C-contiguous RGB: read in place, one copy for the engine
    assert np.array_equal(heading, before), "the caller's array is read, never written"
    rgba = np.dstack([heading, np.full(heading.shape[:2], 255, np.uint8)])
    assert engine(rgba).text == want
    view = np.ascontiguousarray(heading[..., ::-1])[..., ::-1]  # BGR buffer seen as RGB: strided
    assert not view.flags["C_CONTIGUOUS"]
    assert engine(view).text == want
    grey = np.asarray(Image.fromarray(heading).convert("L"))
    assert "CĂN CƯỚC" in engine(grey).text.upper()


def _max_gap(stamps, t0, t1):
    points = [t0] + [s for s in stamps if t0 <= s <= t1] + [t1]
    return max(b - a for a, b in zip(points, points[1:]))


def test_ocr_releases_the_gil(engine, demo):
    """A pure-Python thread keeps ticking while OCR runs: with the GIL held for the whole call
    it would be frozen, leaving one gap as long as the call. One call on a whole CCCD front (over
    a second of work), so the call is long enough to tell on an idle machine too (a small crop
    can finish in under 0.1 s there)."""
    stamps, stop = [], threading.Event()

    def ticker():
        while not stop.is_set():
            stamps.append(time.perf_counter())
            time.sleep(0.002)

    t = threading.Thread(target=ticker)
    t.start()
    time.sleep(0.02)
    t0 = time.perf_counter()
    engine(demo.id_front)
    t1 = time.perf_counter()
    stop.set()
    t.join()
    took = t1 - t0
    inside = [s for s in stamps if t0 <= s <= t1]
    assert took > 0.1, took
    assert len(inside) >= 10, (len(inside), took)
    assert _max_gap(stamps, t0, t1) < 0.5 * took, (_max_gap(stamps, t0, t1), took)


def test_two_threads_share_one_engine(demo, engine, heading, heading_result):
    """Concurrent calls on one engine return the same results as serial calls."""
    rgb = np.asarray(Image.open(io.BytesIO(demo.id_front)).convert("RGB"))
    h, w, _ = rgb.shape
    name = np.ascontiguousarray(rgb[h // 4 : h // 2, w // 5 :])
    name_serial = engine(name).text
    out = {}

    def run(key, image):
        out[key] = engine(image).text

    threads = [
        threading.Thread(target=run, args=("heading", heading)),
        threading.Thread(target=run, args=("name", name)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == {"heading": heading_result.text, "name": name_serial}


# --- faces --------------------------------------------------------------------------------------


def test_face_compare(demo):
    c = saoy.face_compare(demo.live_frames[0], demo.id_front, probe_source="live", reference_source="id_portrait")
    assert c.is_match, c
    assert c.score >= c.threshold > 0.0
    assert c.probe_faces >= 1 and c.reference_faces >= 1
    frame = np.asarray(Image.open(io.BytesIO(demo.live_frames[0])).convert("RGB"))
    c2 = saoy.face_compare(frame, demo.id_front, reference_source="id_portrait")
    assert abs(c2.score - c.score) < 0.05, (c2.score, c.score)


def test_face_errors_are_typed(demo):
    blank = np.full((240, 320, 3), 255, dtype=np.uint8)
    with pytest.raises(saoy.NoFaceError) as e:
        saoy.face_compare(blank, demo.id_front, reference_source="id_portrait")
    assert e.value.code == "face.no_face"
    with pytest.raises(saoy.ImageError) as e:
        saoy.face_compare(b"not an image", demo.id_front)
    assert e.value.code.startswith("face."), e.value.code
    with pytest.raises(ValueError):
        saoy.face_compare(blank, blank, probe_source="selfie")


# --- issue, verify, registry ------------------------------------------------------------------


def test_issue_verify_revoke(demo, tmp_path):
    pki = saoy.KioskPki(str(tmp_path / "pki"))
    assert pki.generated and "BEGIN CERTIFICATE" in pki.root_pem
    assert not saoy.KioskPki(str(tmp_path / "pki")).generated, "reopened, not regenerated"
    reg = saoy.Registry(str(tmp_path / "registry.sqlite"))
    issuer = saoy.Issuer(str(tmp_path / "out"), pki, reg, liveness_turn_target_deg=demo.liveness_turn_target_deg,
                         office_id="HN-HK-KIOSK-01")
    events = []
    res = issuer.issue(
        "py-test-1",
        demo.pages,
        demo.id_front,
        demo.live_frames,
        id_back=demo.id_back,
        challenge=demo.challenge,
        progress=lambda step, phase, ms, ok, label: events.append((step, phase, ok, label)),
    )
    assert res.issued, [r.en for r in res.reasons]
    assert res.pdf.startswith(b"%PDF-")
    assert Path(res.pdf_path).read_bytes() == res.pdf
    assert res.receipt()["code"] == res.code
    started = [s for s, phase, _, _ in events if phase == "start"]
    # The page recognition runs on a second thread beside the card, page and face steps: it
    # starts once, before eligibility; the other steps keep their order.
    assert started.count("recognize") == 1
    assert started.index("recognize") < started.index("eligibility")
    others = [s for s in started if s != "recognize"]
    assert others == ["id_card", "authenticity", "face", "eligibility", "reserve", "render", "sign", "commit"]
    ended = [s for s, phase, _, _ in events if phase == "end"]
    assert sorted(ended) == sorted(started), "every started step ends"
    assert all(label for _, phase, _, label in events if phase == "start"), "Vietnamese step labels"
    assert all(ok for _, phase, ok, _ in events if phase == "end")
    assert all(c.passed for c in res.checks), [c.code for c in res.checks if not c.passed]

    assert not res.replayed
    keys = [pki.seal_key]
    report = saoy.verify_pdf(res.pdf, trust_anchors_pem=pki.root_pem, seal_keys=keys, registry=reg, code=res.code)
    assert report.verdict == "valid", [r.en for r in report.reasons]
    assert report.is_valid and report.registry == "valid"
    assert all(r.en and r.vi for r in report.reasons)
    assert report.to_dict()["verdict"] == "valid"
    from_path = saoy.verify_pdf(res.pdf_path, trust_anchors_pem=pki.root_pem, seal_keys=keys)
    assert from_path.verdict == "valid"

    bad = bytearray(res.pdf)
    bad[len(bad) // 2] ^= 1
    tampered = saoy.verify_pdf(bytes(bad), trust_anchors_pem=pki.root_pem, seal_keys=keys)
    assert tampered.verdict == "invalid" and not tampered.is_valid
    assert tampered.reasons and all(r.vi for r in tampered.reasons)

    rec = reg.lookup(res.code)
    assert rec.status == "valid" and rec.request_id == "py-test-1"
    assert reg.revoke(res.code, "test revocation").status == "revoked"
    assert saoy.verify_pdf(res.pdf, trust_anchors_pem=pki.root_pem, seal_keys=keys, registry=reg).verdict == "revoked"
    with pytest.raises(saoy.InvalidStateError) as e:
        reg.revoke(res.code, "again")
    assert e.value.code == "registry_invalid_state"

    other = saoy.Registry(str(tmp_path / "other.sqlite"))
    assert other.lookup(res.code) is None
    with pytest.raises(saoy.NotFoundError) as e:
        other.revoke(res.code, "unknown here")
    assert e.value.code == "registry_not_found"

    # Start-up crash recovery: nothing pending, the store agrees with the registry ...
    recovery = issuer.recover(0)
    assert recovery.consistent and recovery.problems is None, recovery
    assert recovery.activated == recovery.abandoned == recovery.already_active == []
    # ... until a delivered PDF goes missing: the check names its code.
    Path(res.pdf_path).unlink()
    recovery = issuer.recover(0)
    assert not recovery.consistent and res.code.replace("-", "") in recovery.problems, recovery
    # The store holds HN-HK-KIOSK-01's copies: a request of another office is refused.
    with pytest.raises(saoy.IssueError) as e:
        issuer.issue("py-other-office", demo.pages, demo.id_front, demo.live_frames, office_id="HN-BD-02")
    assert e.value.code == "issue_bad_input"


def test_refusal_is_a_result_not_an_exception(demo, tmp_path):
    pki = saoy.KioskPki(str(tmp_path / "pki"))
    reg = saoy.Registry(str(tmp_path / "registry.sqlite"))
    # One shared recognizer session (the low-memory choice); the other tests use one per thread.
    issuer = saoy.Issuer(str(tmp_path / "out"), pki, reg, liveness_turn_target_deg=demo.liveness_turn_target_deg,
                         recognizer_sessions=1)
    # The frames turn left; asking for a right turn fails the liveness challenge.
    assert demo.challenge == "turn_left"
    res = issuer.issue("py-refused", demo.pages, demo.id_front, demo.live_frames,
                       id_back=demo.id_back, challenge="turn_right")
    assert not res.issued and res.code is None and res.pdf is None and res.receipt() is None
    assert res.reasons and all(r.code and r.en and r.vi for r in res.reasons)
    assert any(not c.passed for c in res.checks)


# --- package ------------------------------------------------------------------------------------


def test_models_dir_is_the_store():
    d = saoy.models_dir()
    assert os.path.isdir(d)
    assert saoy.models_fetch() == []  # everything is present after the tests above


def _load_checker():
    spec = importlib.util.spec_from_file_location("check_stubs", TOOLS / "check_stubs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_stubs_match_and_drift_is_caught(tmp_path):
    checker = _load_checker()
    assert checker.main(str(STUB)) == 0
    text = STUB.read_text(encoding="utf-8")
    drifts = {
        "renamed parameter": text.replace("def ocr(image: ImageInput,", "def ocr(img: ImageInput,"),
        "dropped attribute": text.replace("    kind_confidence: float\n", ""),
        "wrong base": text.replace("class NoFaceError(FaceError)", "class NoFaceError(SaoyError)"),
        "lost keyword-only": text.replace("def verify_pdf(\n    pdf: BytesInput,\n    *,", "def verify_pdf(\n    pdf: BytesInput,"),
        "wrong default": text.replace('requester: str = "python"', 'requester: str = "kiosk"'),
    }
    for name, drifted in drifts.items():
        assert drifted != text, f"{name}: the mutation did not apply"
        p = tmp_path / f"{name.replace(' ', '_')}.pyi"
        p.write_text(drifted, encoding="utf-8")
        assert checker.main(str(p)) == 1, name


def test_the_wheel_ships_the_checked_stubs():
    installed = Path(saoy.__file__).parent
    assert (installed / "py.typed").exists()
    shipped = installed / "_native.pyi"
    assert shipped.read_text(encoding="utf-8") == STUB.read_text(encoding="utf-8")
