package vn.saoy.example

import kotlinx.coroutines.runBlocking
import vn.saoy.*
import java.nio.file.Files

// Issue a certified copy of fictional demo inputs, verify it, revoke it, catch a typed error.
fun main(args: Array<String>): Unit = runBlocking {
    val work = args.firstOrNull() ?: Files.createTempDirectory("saoy-kiosk").toString()
    val models = ModelStore.open(null, false)              // $SAOY_MODELS or ~/.cache/saoy/models
    val pki = KioskPki.open("$work/pki")                   // a TEST PKI, generated on first use
    val registry = Registry.open("$work/registry.sqlite")  // or "postgresql://…"
    val demo = demoInputs(7uL)                             // fictional specimens ("MẪU - SPECIMEN")
    val issuer = Issuer(models, pki, registry, "$work/out",
        IssuerOptions(livenessTurnTargetDeg = demo.livenessTurnTargetDeg))
    val progress = object : IssueProgress {
        override fun stepStarted(step: String, labelVi: String) = println("… $labelVi")
        override fun stepFinished(step: String, millis: Double, ok: Boolean) =
            println("  $step: ${millis.toLong()} ms" + if (ok) "" else " (failed)")
    }
    val request = IssueRequest("session-1", demo.pages, demo.idFront, demo.idBack, demo.liveFrames,
        demo.challenge, "HN-HK-KIOSK-01", "UBND phường Hoàn Kiếm", "can-bo-01")
    when (val outcome = issuer.issueAsync(request, progress)) {  // suspend: runs on a Rust thread
        is IssueOutcome.Refused -> println("refused: " + outcome.reasons.joinToString { it.vi })
        is IssueOutcome.Issued -> {
            val copy = outcome.copy
            println("issued ${copy.code} → ${copy.pdfPath}")
            val verifier = Verifier(pki.rootPem(), listOf(pki.sealKey()), registry)
            println("verify: ${verifier.verifyAsync(copy.pdf, copy.code).verdict}")   // VALID
            registry.revoke(copy.code, "quick start", "can-bo-01")
            println("after revoke: ${verifier.verify(copy.pdf, copy.code).verdict}")  // REVOKED
            try {
                registry.revoke(copy.code, "again", "can-bo-01")
            } catch (e: SaoyException.Registry) {
                println("typed error: ${e.code}")                    // registry_invalid_state
            }
        }
    }
}
