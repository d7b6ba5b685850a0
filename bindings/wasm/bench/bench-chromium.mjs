// verifyPdf (sync, all crypto in wasm) and verifyPdfAsync (WebCrypto for the digests and ECDSA)
// from the npm package in headless Chromium: median over N runs of each after 2 warm-ups each.
//   NODE_PATH=.../node_modules node bench-chromium.mjs PKG_DIR PDF ROOT.pem [ITERS]
// Serves PKG_DIR and a one-line page from 127.0.0.1; drives Debian's /usr/bin/chromium (or
// $CHROMIUM) with playwright-core (or $PLAYWRIGHT_CORE).
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require(process.env.PLAYWRIGHT_CORE || "playwright-core");
const [pkg, pdfPath, rootPath, itersArg] = process.argv.slice(2);
const iters = Number(itersArg || 15);
const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm" };
const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import init, * as saoy from "./saoy_wasm.js"; await init(); window.saoy = saoy; document.title = "ready";
</script>`;

const server = http.createServer((req, res) => {
  const name = path.basename(new URL(req.url, "http://x").pathname);
  const file = path.join(pkg, name);
  if (name === "" || !fs.existsSync(file)) {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    return res.end(PAGE);
  }
  res.writeHead(200, { "content-type": TYPES[path.extname(name)] || "application/octet-stream" });
  res.end(fs.readFileSync(file));
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run"],
});
try {
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.error("pageerror:", e));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => document.title === "ready", null, { timeout: 60000 });
  const bytes = fs.readFileSync(pdfPath);
  const rs = await page.evaluate(async ({ b64, root, iters }) => {
    const pdf = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    async function time(verify) {
      const times = [];
      let status = "";
      for (let i = 0; i < iters + 2; i++) {
        const t0 = performance.now();
        status = (await verify()).status;
        if (i >= 2) times.push(performance.now() - t0); // 2 warm-up runs
      }
      times.sort((a, b) => a - b);
      return { status, median_ms: times[Math.floor(times.length / 2)], min_ms: times[0], n: times.length };
    }
    return {
      sync: await time(() => window.saoy.verifyPdf(pdf, [root], "en")),
      async: await time(() => window.saoy.verifyPdfAsync(pdf, [root], "en")),
      subtle: !!(globalThis.crypto && crypto.subtle),
    };
  }, { b64: bytes.toString("base64"), root: fs.readFileSync(rootPath, "utf8"), iters });
  if (!rs.subtle) console.error("warning: no crypto.subtle in the page: verifyPdfAsync ran without WebCrypto");
  console.log(`BENCH chromium-wasm ${JSON.stringify({ ...rs.sync, bytes: bytes.length })}`);
  console.log(`BENCH chromium-wasm-async ${JSON.stringify({ ...rs.async, bytes: bytes.length })}`);
  if (rs.sync.status !== "valid" || rs.async.status !== "valid") {
    console.error("the benchmark PDF did not verify as valid"); process.exitCode = 1;
  }
} finally {
  await browser.close();
  server.close();
}
