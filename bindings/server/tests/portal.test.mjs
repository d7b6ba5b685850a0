// The portal page behind the QR (`saoy serve`, GET /v/{code}#SEAL) in headless Chromium
// (playwright-core, Debian's /usr/bin/chromium): the seal in the URL fragment is checked in the
// browser by the WebAssembly verifier the server serves under /web/, against GET /seal-keys, and
// the fragment is never sent to the server. A forged seal and a seal of another code are INVALID;
// a server without the browser verifier falls back to the server-side check; the portal's link
// to the full web verifier carries the seal there. Screenshots go to SHOTS.
//
//   SAOY=target/debug/saoy TOOL=target/debug/saoy-server-tool SITE=target/web-verifier/site \
//   WORK=/tmp/portal SHOTS=target/web-verifier NODE_PATH=.../node_modules node --test portal.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require(process.env.PLAYWRIGHT_CORE || "playwright-core");

const env = (k) => { const v = process.env[k]; if (!v) throw new Error(`set ${k}`); return v; };
const SAOY = env("SAOY"), TOOL = env("TOOL"), SITE = path.resolve(env("SITE")), SHOTS = env("SHOTS");
const WORK = path.resolve(env("WORK"));

const servers = [];
let browser, issued, second, withWasm, withoutWasm;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

async function serve(db, webDir, name) {
  const port = await freePort();
  const log = fs.openSync(path.join(WORK, `${name}.log`), "w");
  const child = spawn(SAOY, ["serve", "--listen", `127.0.0.1:${port}`, "--db", db,
    "--trust", path.join(WORK, "pki/root.pem"), "--seal-key", path.join(WORK, "pki/seal.pub.pem")], {
    env: { ...process.env, SAOY_SERVE_RATE_PER_SEC: "0", SAOY_SERVE_WEB_DIR: webDir, RUST_LOG: "warn" },
    stdio: ["ignore", log, log],
  });
  servers.push(child);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    try { if ((await fetch(`${base}/healthz`)).ok) return base; } catch { /* not up yet */ }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`saoy serve (${name}) did not come up: ${fs.readFileSync(path.join(WORK, `${name}.log`), "utf8")}`);
}

before(async () => {
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(WORK, { recursive: true });
  const db = path.join(WORK, "registry.sqlite");
  // A real signed copy issued into the registry (TEST PKI, stand-in OCR/face steps).
  const out = execFileSync(TOOL, ["issue", "--db", db, "--pki", path.join(WORK, "pki"),
    "--out", path.join(WORK, "out"), "--count", "2", "--page-bytes", "40000", "--prefix", "portal"],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  [issued, second] = out.trim().split("\n").map((l) => JSON.parse(l));
  assert.match(issued.seal_url, /\/v\/[0-9A-Z]+#./, issued.seal_url);
  // An empty directory is "not built" for the server: it serves its notice and checks seals itself.
  fs.mkdirSync(path.join(WORK, "no-web"));
  withWasm = await serve(db, SITE, "serve-web");
  withoutWasm = await serve(db, path.join(WORK, "no-web"), "serve-noweb");
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--no-first-run"],
  });
});

after(async () => {
  await browser?.close();
  for (const s of servers) s.kill("SIGTERM");
});

const fragment = () => issued.seal_url.split("#")[1];
const code = () => issued.seal_url.split("#")[0].split("/v/")[1];

// Open a portal URL in a fresh page; wait for the seal check to finish; return what it showed and
// every request the page made.
async function openPortal(url, shot) {
  const page = await browser.newPage({ viewport: { width: 900, height: 1100 } });
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForFunction(() => {
    const s = document.querySelector("#seal-result")?.dataset.status;
    return s && s !== "pending";
  }, null, { timeout: 60000 });
  const r = await page.$eval("#seal-result", (e) => ({
    status: e.dataset.status, engine: e.dataset.engine, keys: e.dataset.trustedKeys,
    vi: e.querySelector(".vi")?.textContent || "", en: e.querySelector(".en")?.textContent || "",
  }));
  const registry = await page.getAttribute("#status", "data-status");
  if (shot) await page.screenshot({ path: path.join(SHOTS, shot), fullPage: true });
  return { ...r, registry, requests, errors, page };
}

test("the portal checks a valid seal in the browser (wasm); the fragment never reaches the server", async () => {
  const r = await openPortal(`${withWasm}/v/${code()}#${fragment()}`, "portal-seal-valid-vi.png");
  assert.deepEqual(r.errors, []);
  assert.equal(r.registry, "valid");
  assert.equal(r.engine, "wasm", JSON.stringify(r));
  assert.equal(r.status, "valid", JSON.stringify(r));
  assert.equal(r.keys, "1");
  assert.match(r.vi, /^HỢP LỆ/);
  assert.match(r.en, /^VALID/);
  assert.ok(r.requests.some((u) => u.endsWith("/web/pkg/saoy_wasm_bg.wasm")), r.requests.join("\n"));
  assert.ok(r.requests.some((u) => u.endsWith("/seal-keys")));
  const frag = fragment();
  for (const u of r.requests) {
    assert.ok(!u.includes("seal=") && !u.includes(frag), `the seal was sent to the server: ${u}`);
  }
  // English toggle: the same verdict in English.
  await r.page.click("#lang-toggle");
  assert.equal(await r.page.getAttribute("html", "lang"), "en");
  assert.ok(await r.page.isVisible("#seal-result .en"));
  await r.page.screenshot({ path: path.join(SHOTS, "portal-seal-valid-en.png"), fullPage: true });
  await r.page.close();
});

test("a forged seal and another code's seal are INVALID in the browser", async () => {
  const f = fragment();
  const i = f.length - 5;
  const forged = f.slice(0, i) + (f[i] === "A" ? "B" : "A") + f.slice(i + 1);
  const r = await openPortal(`${withWasm}/v/${code()}#${forged}`, "portal-seal-forged-vi.png");
  assert.equal(r.engine, "wasm");
  assert.equal(r.status, "invalid", JSON.stringify(r));
  assert.match(r.vi, /^KHÔNG HỢP LỆ/);
  await r.page.close();
  // The first copy's genuine seal on the page of the second copy (also registered and valid):
  // the seal names another code.
  const other = second.seal_url.split("#")[0].split("/v/")[1];
  assert.notEqual(other, code());
  const o = await openPortal(`${withWasm}/v/${other}#${f}`);
  assert.equal(o.registry, "valid");
  assert.equal(o.engine, "wasm");
  assert.equal(o.status, "invalid", JSON.stringify(o));
  await o.page.close();
});

test("without the browser verifier the portal falls back to the server-side seal check", async () => {
  const r = await openPortal(`${withoutWasm}/v/${code()}#${fragment()}`);
  assert.equal(r.engine, "server", JSON.stringify(r));
  assert.equal(r.status, "valid");
  assert.ok(await r.page.isVisible("#web-not-built"));
  assert.ok(r.requests.some((u) => u.includes("seal=")), "the fallback asks the server");
  await r.page.close();
});

test("the portal's link opens the full web verifier with the seal already checked", async () => {
  const r = await openPortal(`${withWasm}/v/${code()}#${fragment()}`);
  const href = await r.page.getAttribute("#seal-web", "href");
  assert.ok(href.startsWith("/web/index.html?code=") && href.endsWith(`#${fragment()}`), href);
  await r.page.click("#seal-web");
  await r.page.waitForFunction(() => document.querySelector("#qr-verdict")?.dataset.status, null, { timeout: 60000 });
  assert.equal(await r.page.getAttribute("#qr-verdict", "data-status"), "valid");
  await r.page.screenshot({ path: path.join(SHOTS, "portal-web-verifier-link.png"), fullPage: true });
  await r.page.close();
});
