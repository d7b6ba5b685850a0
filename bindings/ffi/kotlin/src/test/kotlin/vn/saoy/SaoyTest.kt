package vn.saoy

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import vn.saoy.core.Check
import vn.saoy.core.Reason
import vn.saoy.faceauth.FaceSource
import java.nio.file.Path
import java.util.Collections

/** Issues a demo copy through the real pipeline, verifies it, revokes it, and checks typed errors. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SaoyTest {
    private lateinit var models: ModelStore

    @BeforeAll
    fun openModels() {
        // Fetches missing models through the store (SAOY_MODELS or ~/.cache/saoy/models).
        models = ModelStore.open(null, false)
        assertEquals(modelsLocate(null), models.dir())
        val files = modelsStatus(null)
        assertTrue(files.isNotEmpty() && files.all { it.present }, "model files: $files")
    }

    private class Steps : IssueProgress {
        val started: MutableList<String> = Collections.synchronizedList(mutableListOf())
        val finished: MutableList<Pair<String, Boolean>> = Collections.synchronizedList(mutableListOf())
        override fun stepStarted(step: String, labelVi: String) {
            started.add(step)
        }
        override fun stepFinished(step: String, millis: Double, ok: Boolean) {
            println("issue step %-12s %8.0f ms  ok=%s  (thread %s)".format(step, millis, ok, Thread.currentThread().name))
            finished.add(step to ok)
        }
    }

    @Test
    fun issueVerifyRevoke(@TempDir dir: Path) {
        val pki = KioskPki.open(dir.resolve("pki").toString())
        assertTrue(pki.generated())
        val registry = Registry.open(dir.resolve("registry.sqlite").toString())
        val inputs = demoInputs(7uL)
        val issuer = Issuer(
            models, pki, registry, dir.resolve("out").toString(),
            IssuerOptions(livenessTurnTargetDeg = inputs.livenessTurnTargetDeg, officeId = "HN-HK-KIOSK-01"),
        )
        // Start-up crash recovery: nothing pending in a fresh store.
        val recovered = issuer.recover(0uL)
        assertTrue(recovered.consistent && recovered.activated.isEmpty(), "$recovered")
        val steps = Steps()
        val request = IssueRequest(
            requestId = "kotlin-test-1",
            pages = inputs.pages,
            idFront = inputs.idFront,
            idBack = inputs.idBack,
            liveFrames = inputs.liveFrames,
            challenge = inputs.challenge,
            officeId = "HN-HK-KIOSK-01",
            officeName = "UBND phường Hoàn Kiếm",
            officerId = "can-bo-01",
        )
        // The suspend variant: the issuance runs on a Rust worker thread.
        val outcome = runBlocking { issuer.issueAsync(request, steps) }
        val copy = when (outcome) {
            is IssueOutcome.Issued -> outcome.copy
            is IssueOutcome.Refused -> throw AssertionError("refused: ${outcome.reasons}")
        }
        // The page recognition may run beside the card, page and face steps (core's
        // IssuerConfig::overlap_steps): once, before eligibility; the other steps in order.
        val started = steps.started.toList()
        assertEquals(1, started.count { it == "recognize" }, "$started")
        assertEquals(
            listOf("id_card", "authenticity", "face", "eligibility", "reserve", "render", "sign", "commit"),
            started.filter { it != "recognize" },
        )
        assertTrue(started.indexOf("recognize") < started.indexOf("eligibility"), "$started")
        // Checks are saoy-core's records (package vn.saoy.core), passed through unchanged.
        val faceCheck: Check = copy.checks.first { it.code == "face_match" }
        assertTrue(faceCheck.passed && faceCheck.vi.isNotEmpty(), "$faceCheck")
        assertTrue(steps.finished.all { it.second }, "every step ok: ${steps.finished}")
        assertTrue(copy.pdf.copyOfRange(0, 5).contentEquals("%PDF-".toByteArray()))

        val verifier = Verifier(pki.rootPem(), listOf(pki.sealKey()), registry)
        val report = runBlocking { verifier.verifyAsync(copy.pdf, copy.code) }
        assertEquals(Verdict.VALID, report.verdict, report.reasons.joinToString { it.en })
        val reasons: List<Reason> = report.reasons
        assertTrue(reasons.all { it.vi.isNotEmpty() }, "$reasons")
        assertEquals("valid", report.registry)

        val tampered = copy.pdf.copyOf()
        tampered[tampered.size / 2] = (tampered[tampered.size / 2].toInt() xor 1).toByte()
        assertEquals(Verdict.INVALID, verifier.verify(tampered, null).verdict)

        // Same request id again: the earlier copy is replayed (blocking variant).
        val again = issuer.issue(request, null) as IssueOutcome.Issued
        assertEquals(copy.code, again.copy.code)
        assertTrue(again.copy.replayed)

        // Face compare on its own: the first live frame against the CCCD portrait.
        val face = FaceEngine(models, 0u)
        val cmp = runBlocking {
            face.compareAsync(inputs.liveFrames[0], inputs.idFront, FaceSource.LIVE_CAPTURE, FaceSource.ID_PORTRAIT)
        }
        assertTrue(cmp.isMatch && cmp.score >= cmp.threshold, "face compare: $cmp")

        val found = registry.lookup(copy.code, "kotlin-test")
        assertEquals("valid", found?.status)
        val revoked = registry.revoke(copy.code, "test revocation", "can-bo-01")
        assertEquals("revoked", revoked.status)
        assertEquals(Verdict.REVOKED, verifier.verify(copy.pdf, copy.code).verdict)

        // Revoking twice is a typed registry error with the stable code.
        val e = assertThrows<SaoyException.Registry> { registry.revoke(copy.code, "again", "can-bo-01") }
        assertEquals("registry_invalid_state", e.code)

        // This issuer's store holds office HN-HK-KIOSK-01's copies: another office is refused.
        val other = request.copy(requestId = "kotlin-test-2", officeId = "HN-BD-02")
        val refused = assertThrows<SaoyException.Issue> { issuer.issue(other, null) }
        assertEquals("issue_bad_input", refused.code)
        assertTrue(issuer.recover(0uL).consistent)
    }

    @Test
    fun typedErrors(@TempDir dir: Path) {
        val registry = Registry.open(dir.resolve("r.sqlite").toString())
        val bad = assertThrows<SaoyException.Input> { registry.lookup("NOT-A-CODE", "kotlin-test") }
        assertTrue(bad.code.startsWith("code_"), bad.code)

        val ocr = OcrEngine(models, 1u)
        val notImage = assertThrows<SaoyException.Ocr> { ocr.recognize("plain text".toByteArray()) }
        assertEquals("ocr.not_an_image", notImage.code)
        // The same typed error out of a suspend call.
        val notImageAsync = assertThrows<SaoyException.Ocr> {
            runBlocking { ocr.recognizeAsync("plain text".toByteArray()) }
        }
        assertEquals("ocr.not_an_image", notImageAsync.code)

        val pki = assertThrows<SaoyException.Pki> { Verifier("", listOf(SealKey("x", "not a key")), null) }
        assertEquals("pki_bad_seal_key", pki.code)
    }
}
