// verifyPdf from the npm package in Node (wasm): median over N runs after 2 warm-ups.
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
const times = [];
let status = "";
for (let i = 0; i < iters + 2; i++) {
  const t0 = performance.now();
  status = mod.verifyPdf(pdf, [root], "en").status;
  if (i >= 2) times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const r = { status, median_ms: times[Math.floor(times.length / 2)], min_ms: times[0], n: times.length, bytes: pdf.length };
console.log(`BENCH node-wasm ${JSON.stringify(r)}`);
if (status !== "valid") { console.error("the benchmark PDF did not verify as valid"); process.exit(1); }
