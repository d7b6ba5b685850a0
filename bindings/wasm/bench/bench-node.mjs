// verifyPdf (sync, all crypto in wasm) and verifyPdfAsync (WebCrypto for the digests and ECDSA)
// from the npm package in Node: median over N runs of each after 2 warm-ups each.
//   node bench-node.mjs PKG_DIR PDF ROOT.pem [ITERS]   (bindings/wasm/bench/run.sh runs it)
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pkg, pdfPath, rootPath, itersArg] = process.argv.slice(2);
const mod = await import(pathToFileURL(path.join(pkg, "saoy_wasm.js")).href);
mod.initSync({ module: fs.readFileSync(path.join(pkg, "saoy_wasm_bg.wasm")) });
const pdf = new Uint8Array(fs.readFileSync(pdfPath));
const root = fs.readFileSync(rootPath, "utf8");
const iters = Number(itersArg || 15);

async function time(name, verify) {
  const times = [];
  let status = "";
  for (let i = 0; i < iters + 2; i++) {
    const t0 = performance.now();
    status = (await verify()).status;
    if (i >= 2) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const r = { status, median_ms: times[Math.floor(times.length / 2)], min_ms: times[0], n: times.length, bytes: pdf.length };
  console.log(`BENCH ${name} ${JSON.stringify(r)}`);
  return status;
}
const sync = await time("node-wasm", () => mod.verifyPdf(pdf, [root], "en"));
const asyn = await time("node-wasm-async", () => mod.verifyPdfAsync(pdf, [root], "en"));
if (sync !== "valid" || asyn !== "valid") { console.error("the benchmark PDF did not verify as valid"); process.exit(1); }
