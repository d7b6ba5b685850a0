// The page in headless Chromium (playwright-core, Debian's /usr/bin/chromium): serve the built
// site from 127.0.0.1, drop a signed copy and a tampered one, paste QR seals, assert the rendered
// verdicts in Vietnamese and English, save screenshots. (The Chromium benchmark is
// bindings/wasm/bench/bench-chromium.mjs.)
//
//   SITE=target/web-verifier/site SIGNED_PDF=signed.pdf SEALS_JSON=core/vectors/seals.json \
//   SHOTS=target/web-verifier NODE_PATH=.../node_modules node --test page.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require(process.env.PLAYWRIGHT_CORE || "playwright-core");

const env = (k) => { const v = process.env[k]; if (!v) throw new Error(`set ${k}`); return v; };
const SITE = path.resolve(env("SITE")), SIGNED_PDF = env("SIGNED_PDF"), SEALS_JSON = env("SEALS_JSON"), SHOTS = env("SHOTS");
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css",
  ".wasm": "application/wasm", ".pem": "text/plain", ".json": "application/json", ".ts": "text/plain" };

let server, browser, page, base;
const requests = [];

before(async () => {
  server = http.createServer((req, res) => {
    const p = path.join(SITE, decodeURIComponent(new URL(req.url, "http://x").pathname));
    if (!p.startsWith(path.resolve(SITE)) || !fs.existsSync(p) || fs.statSync(p).isDirectory()) {
      const idx = path.join(p, "index.html");
      if (fs.existsSync(idx)) { res.writeHead(200, { "content-type": TYPES[".html"] }); return res.end(fs.readFileSync(idx)); }
      res.writeHead(404); return res.end();
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(p)] || "application/octet-stream" });
    res.end(fs.readFileSync(p));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--no-first-run"], // playwright passes its own fresh --user-data-dir
  });
  page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
  page.on("request", (r) => requests.push({ method: r.method(), url: r.url() }));
  page.on("pageerror", (e) => console.error("pageerror:", e));
  await page.goto(base);
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60000 });
  assert.equal(await page.evaluate(() => document.body.dataset.ready), "1", "the page failed to start");
});

after(async () => {
  await browser?.close();
  server?.close();
});

// Drop a file on the drop zone the way a user does: a real `drop` event with a DataTransfer.
async function dropPdf(bytes, name) {
  const dt = await page.evaluateHandle(({ b64, name }) => {
    const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const d = new DataTransfer();
    d.items.add(new File([bin], name, { type: "application/pdf" }));
    return d;
  }, { b64: Buffer.from(bytes).toString("base64"), name });
  await page.dispatchEvent("#drop", "dragover", { dataTransfer: dt });
  await page.dispatchEvent("#drop", "drop", { dataTransfer: dt });
  await page.waitForFunction((n) => document.querySelector("#pdf-verdict")?.dataset.status === "error"
    || document.querySelector("#pdf-result dd")?.textContent.startsWith(n), name);
}

const verdict = async (id) => ({
  status: await page.getAttribute(id, "data-status"),
  text: (await page.textContent(id)).trim(),
});
const codes = (sel) => page.$$eval(`${sel} li[data-code]`, (ls) => ls.map((l) => l.dataset.code));

test("a signed copy is VALID with the bundled demo root, in Vietnamese and English", async () => {
  await page.click("#lang-vi");
  await dropPdf(fs.readFileSync(SIGNED_PDF), "ban-sao-da-ky.pdf");
  assert.deepEqual(await verdict("#pdf-verdict"), { status: "valid", text: "Tài liệu: HỢP LỆ" });
  const sigs = await page.$$eval("#pdf-result .sig", (s) => s.map((x) => [x.dataset.status, x.textContent]));
  assert.equal(sigs.length, 1);
  assert.equal(sigs[0][0], "valid");
  assert.match(sigs[0][1], /Người ký/);
  assert.match(sigs[0][1], /saoy TEST ONLY Document Signer/);
  assert.ok((await codes("#pdf-result")).length > 0, "every reason is listed");
  await page.screenshot({ path: path.join(SHOTS, "web-verifier-valid-vi.png"), fullPage: true });
  await page.click("#lang-en");
  await page.waitForFunction(() => document.querySelector("#pdf-verdict")?.textContent === "Document: VALID");
  assert.match(await page.textContent("#pdf-result .sig"), /Signer/);
  // Without the demo root the same copy is not proven: indeterminate.
  // (The page verifies with verifyPdfAsync: wait for the new verdict.)
  const statusIs = (s) => page.waitForFunction((s) => document.querySelector("#pdf-verdict")?.dataset.status === s, s);
  await page.uncheck("#use-demo");
  await statusIs("indeterminate");
  assert.equal((await verdict("#pdf-verdict")).status, "indeterminate");
  await page.check("#use-demo");
  await statusIs("valid");
  assert.equal((await verdict("#pdf-verdict")).status, "valid");
  // The page's verifyPdfAsync (WebCrypto) and verifyPdf agree on the whole report.
  const pairs = await page.evaluate(async (b64) => {
    const pdf = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const root = await (await fetch("demo-root.pem")).text();
    const at = Math.floor(Date.now() / 1000);
    const bad = pdf.slice();
    bad[Math.floor(bad.length / 3)] ^= 1;
    const out = [];
    for (const p of [pdf, bad]) {
      out.push([JSON.stringify(window.saoy.verifyPdf(p, [root], "en", at)),
        JSON.stringify(await window.saoy.verifyPdfAsync(p, [root], "en", at))]);
    }
    return out;
  }, Buffer.from(fs.readFileSync(SIGNED_PDF)).toString("base64"));
  for (const [sync, asyn] of pairs) assert.equal(asyn, sync);
  assert.deepEqual(pairs.map(([sync]) => JSON.parse(sync).status), ["valid", "invalid"]);
});

test("a tampered copy is INVALID with a digest mismatch", async () => {
  await page.click("#lang-vi");
  const bad = Buffer.from(fs.readFileSync(SIGNED_PDF));
  const at = Math.floor(bad.length / 3); // inside the page image stream, inside the signed range
  bad[at] ^= 0x01;
  await dropPdf(bad, "ban-sao-bi-sua.pdf");
  const v = await verdict("#pdf-verdict");
  assert.deepEqual(v, { status: "invalid", text: "Tài liệu: KHÔNG HỢP LỆ" });
  assert.ok((await codes("#pdf-result")).includes("digest_mismatch"), String(await codes("#pdf-result")));
  await page.screenshot({ path: path.join(SHOTS, "web-verifier-tampered-vi.png"), fullPage: true });
  // Not a PDF at all: a bilingual error, not a crash.
  await dropPdf(Buffer.from("hello"), "not-a.pdf");
  assert.deepEqual(await page.$eval("#pdf-verdict", (e) => e.dataset.status), "error");
  assert.ok((await codes("#pdf-result")).includes("not_pdf"));
});

test("QR seals: a valid one, a forged one, a typed code", async () => {
  const d = JSON.parse(fs.readFileSync(SEALS_JSON, "utf8"));
  await page.fill("#seal-keys", d.issuer_key.sec1_compressed_hex);
  await page.click("#lang-en");
  await page.fill("#qr-text", d.valid[0].url);
  await page.click("#qr-verify");
  assert.deepEqual(await verdict("#qr-verdict"), { status: "valid", text: "VALID" });
  assert.match(await page.textContent("#qr-result"), new RegExp(d.valid[0].code));
  const forged = d.invalid.find((x) => x.reason === "seal_bad_signature");
  await page.fill("#qr-text", forged.text);
  await page.click("#qr-verify");
  assert.equal((await verdict("#qr-verdict")).status, "invalid");
  assert.deepEqual(await codes("#qr-result"), ["seal_bad_signature"]);
  await page.click("#lang-vi");
  assert.equal((await verdict("#qr-verdict")).text, "KHÔNG HỢP LỆ");
  await page.fill("#qr-text", "67bf wf25 qaxx kcjd vg9x");
  await page.click("#qr-verify");
  assert.deepEqual(await codes("#qr-result"), ["code_check_mismatch"]);
  await page.fill("#qr-text", d.valid[0].url);
  await page.click("#qr-verify");
  await page.screenshot({ path: path.join(SHOTS, "web-verifier-seal-vi.png"), fullPage: true });
});

test("nothing is uploaded: every request is a GET to the page's own origin", async () => {
  assert.ok(requests.length > 0);
  for (const r of requests) {
    assert.equal(r.method, "GET", JSON.stringify(r));
    assert.ok(r.url.startsWith(base), JSON.stringify(r));
  }
  assert.ok(!requests.some((r) => /\.pdf/.test(r.url)));
});
