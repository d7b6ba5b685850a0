// The npm package as shipped (after wasm-opt -Oz), in Node: the same checks as the wasm-bindgen
// tests (bindings/wasm/tests/web.rs, which run the unoptimized module), on the optimized module.
//
//   PKG=target/web-verifier/pkg SIGNED_PDF=signed.pdf ROOT_PEM=root.pem node --test pkg.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const env = (k) => { const v = process.env[k]; if (!v) throw new Error(`set ${k}`); return v; };
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const PKG = path.resolve(env("PKG"));
const saoy = await import(pathToFileURL(path.join(PKG, "saoy_wasm.js")).href);
saoy.initSync({ module: fs.readFileSync(path.join(PKG, "saoy_wasm_bg.wasm")) });

const SIGNED = new Uint8Array(fs.readFileSync(env("SIGNED_PDF")));
const ROOT = fs.readFileSync(env("ROOT_PEM"), "utf8");
const SEED = new Uint8Array(fs.readFileSync(path.join(REPO, "signing/fuzz/seeds/verify_pdf/signed-once.pdf")));
const SEED_TWICE = new Uint8Array(fs.readFileSync(path.join(REPO, "signing/fuzz/seeds/verify_pdf/signed-twice.pdf")));
const SEALS = JSON.parse(fs.readFileSync(path.join(REPO, "core/vectors/seals.json"), "utf8"));
const CODES = JSON.parse(fs.readFileSync(path.join(REPO, "core/vectors/codes.json"), "utf8"));
const AT = 1_800_000_000; // inside the fuzz seeds' certificate validity

const codesOf = (r) => [...r.reasons, ...r.signatures.flatMap((s) => s.reasons)].map((x) => x.code);
const thrown = (f) => { try { f(); } catch (e) { return e; } assert.fail("no SaoyError thrown"); };

test("a copy signed by the CLI is valid with its root, indeterminate without", () => {
  const vi = saoy.verifyPdf(SIGNED, [ROOT], "vi");
  assert.equal(vi.status, "valid", JSON.stringify(codesOf(vi)));
  assert.equal(vi.label, "HỢP LỆ");
  assert.equal(vi.signatures.length, 1);
  assert.match(vi.signatures[0].signer.common_name, /saoy TEST ONLY Document Signer/);
  const en = saoy.verifyPdf(SIGNED, [], "en");
  assert.equal(en.status, "indeterminate");
  assert.equal(en.label, "INDETERMINATE");
  assert.ok(en.text.startsWith("Document: INDETERMINATE"), en.text);
});

test("verifyPdfAsync (WebCrypto) gives verifyPdf's whole report: signed, tampered, seeds", async () => {
  assert.ok(globalThis.crypto?.subtle, "Node has WebCrypto");
  const now = Math.floor(Date.now() / 1000);
  const bad = SIGNED.slice();
  bad[Math.floor(bad.length / 3)] ^= 0x01;
  const cases = [[SIGNED, [ROOT], now], [bad, [ROOT], now], [SIGNED, [], now], [SEED, [], AT], [SEED_TWICE, [], AT]];
  const statuses = [];
  for (const [pdf, anchors, at] of cases) {
    for (const lang of ["vi", "en"]) {
      const sync = saoy.verifyPdf(pdf, anchors, lang, at);
      const asyn = await saoy.verifyPdfAsync(pdf, anchors, lang, at);
      assert.deepEqual(asyn, sync);
      if (lang === "en") statuses.push(asyn.status);
    }
  }
  assert.deepEqual(statuses, ["valid", "invalid", "indeterminate", "indeterminate", "indeterminate"]);
  await assert.rejects(saoy.verifyPdfAsync(new TextEncoder().encode("not a pdf"), [], "en", AT),
    (e) => e.name === "SaoyError" && e.code === "not_pdf");
});

test("tampered copies are invalid with digest_mismatch", () => {
  const bad = SIGNED.slice();
  bad[Math.floor(bad.length / 3)] ^= 0x01; // inside the signed range (page image)
  const r = saoy.verifyPdf(bad, [ROOT], "en");
  assert.equal(r.status, "invalid");
  assert.ok(codesOf(r).includes("digest_mismatch"), String(codesOf(r)));
  const seed = SEED.slice();
  const at = Buffer.from(seed).indexOf("Times-Roman");
  assert.ok(at > 0);
  seed[at + 10] = "m".charCodeAt(0);
  assert.equal(saoy.verifyPdf(seed, [], "vi", AT).status, "invalid");
});

test("reasons carry both languages and the message in the requested one", () => {
  const vi = saoy.verifyPdf(SEED, [], "vi", AT);
  assert.equal(vi.status, "indeterminate");
  const r = vi.signatures[0].reasons[0];
  assert.equal(r.message, r.vi);
  assert.notEqual(r.en, r.vi);
  assert.equal(saoy.verifyPdf(SEED, [], "en", AT).signatures[0].reasons[0].message, r.en);
  assert.equal(saoy.verifyPdf(SEED_TWICE, [], "en", AT).signatures.length, 2);
});

test("errors are thrown as SaoyError with a stable code", () => {
  let e = thrown(() => saoy.verifyPdf(new TextEncoder().encode("not a pdf"), [], "en", AT));
  assert.equal(e.name, "SaoyError");
  assert.equal(e.code, "not_pdf");
  assert.equal(e.message, e.en);
  e = thrown(() => saoy.verifyPdf(SEED, ["x"], "vi", AT));
  assert.equal(e.code, "bad_pem");
  assert.equal(e.message, e.vi);
  assert.equal(thrown(() => saoy.verifyPdf(SEED, [], "fr", AT)).code, "bad_lang");
});

test("seal vectors", () => {
  const keys = [{ name: SEALS.issuer_key.label, sec1Hex: SEALS.issuer_key.sec1_compressed_hex }];
  assert.ok(SEALS.valid.length > 0);
  for (const v of SEALS.valid) {
    const r = saoy.verifySeal(v.url, keys, "vi");
    assert.equal(r.status, "valid");
    assert.equal(r.label, "HỢP LỆ");
    assert.equal(r.content.code, v.code);
    assert.equal(r.key_name, SEALS.issuer_key.label);
  }
  for (const v of [...SEALS.invalid, ...SEALS.unknown_key]) {
    const r = saoy.verifySeal(v.text, keys, "en");
    assert.equal(r.status, v.status);
    assert.equal(r.reasons[0].code, v.reason);
  }
  assert.equal(saoy.verifySeal(SEALS.valid[0].url, null).status, "indeterminate");
  assert.equal(thrown(() => saoy.verifySeal(SEALS.valid[0].url, ["zz"], "en")).code, "bad_argument");
});

test("code vectors", () => {
  for (const v of CODES.accepted) assert.equal(saoy.parseCode(v.input).code, v.code);
  assert.ok(CODES.rejected.length >= 3);
  for (const v of CODES.rejected) {
    const e = thrown(() => saoy.parseCode(v.input, "vi"));
    assert.equal(e.code, v.error);
    assert.equal(e.message, e.vi);
  }
  assert.equal(saoy.kindName(3, "vi"), "văn bằng");
});
