// The saoy web verifier: everything runs here, in the browser, on the saoy-wasm package.
// The dropped PDF and the QR text are never sent anywhere (see the page's CSP).
import init, { verifyPdf, verifyPdfAsync, verifySeal, parseCode, kindName, version } from "./pkg/saoy_wasm.js";

const T = {
  vi: {
    title: "Xác thực bản sao điện tử",
    subtitle: "Kiểm tra chữ ký số PAdES và con dấu QR của bản sao chứng thực — ngay trên trình duyệt, không tải tệp lên máy chủ.",
    pdfTitle: "1. Tệp PDF bản sao",
    drop: "Kéo thả tệp PDF vào đây, hoặc bấm để chọn tệp",
    qrTitle: "2. Con dấu QR",
    qrPlaceholder: "Dán nội dung mã QR (https://…/v/MÃ#…) hoặc mã xác thực",
    qrVerify: "Kiểm tra",
    qrScan: "Quét QR từ ảnh",
    trustTitle: "Chứng thư gốc tin cậy",
    useDemo: "Dùng chứng thư gốc demo đi kèm (CHỈ ĐỂ THỬ NGHIỆM)",
    trustHelp: "Thêm chứng thư gốc (PEM) của tổ chức cung cấp dịch vụ chứng thực:",
    sealKeysHelp: "Khóa công khai con dấu QR của cơ quan cấp (PEM hoặc hex), mỗi khóa một khối:",
    privacy: "Tệp của bạn không rời khỏi máy: mọi kiểm tra chạy bằng WebAssembly trong trình duyệt.",
    demoLoaded: "(đã nạp)", demoMissing: "(không có)",
    document: "Tài liệu", signature: "Chữ ký", signer: "Người ký", issuer: "Tổ chức cấp",
    claimed: "Thời gian ký (tự khai)", ts: "Dấu thời gian", level: "Mức PAdES", coverage: "Phạm vi",
    validity: "Hiệu lực chứng thư", at: "Thời điểm kiểm tra", anchors: "Số chứng thư gốc",
    wholeFile: "toàn bộ tệp", revision: (r, of) => `phiên bản ${r}/${of}`, unknown: "không xác định",
    code: "Mã xác thực", kind: "Loại giấy tờ", issued: "Thời điểm cấp", key: "Khóa ký",
    codeOk: "Mã xác thực đúng định dạng (chưa tra cứu sổ đăng ký).", took: (ms) => `${ms} ms`,
    error: "LỖI", file: "Tệp", elapsed: "Thời gian xử lý",
  },
  en: {
    title: "Verify a certified electronic copy",
    subtitle: "Checks the PAdES signature and the QR seal of a certified copy — in your browser, nothing is uploaded.",
    pdfTitle: "1. The copy's PDF",
    drop: "Drop the PDF here, or click to choose a file",
    qrTitle: "2. The QR seal",
    qrPlaceholder: "Paste the QR content (https://…/v/CODE#…) or a verification code",
    qrVerify: "Verify",
    qrScan: "Scan QR from an image",
    trustTitle: "Trusted roots",
    useDemo: "Use the bundled demo root (TESTING ONLY)",
    trustHelp: "Add the root certificate(s) (PEM) of the certification service provider:",
    sealKeysHelp: "The issuing authority's QR seal public keys (PEM or hex), one block each:",
    privacy: "Your file never leaves this device: every check runs as WebAssembly in the browser.",
    demoLoaded: "(loaded)", demoMissing: "(none bundled)",
    document: "Document", signature: "Signature", signer: "Signer", issuer: "Issued by",
    claimed: "Signing time (claimed)", ts: "Time-stamp", level: "PAdES level", coverage: "Coverage",
    validity: "Certificate validity", at: "Checked at", anchors: "Trusted roots",
    wholeFile: "whole file", revision: (r, of) => `revision ${r} of ${of}`, unknown: "unknown",
    code: "Verification code", kind: "Document kind", issued: "Issued", key: "Signing key",
    codeOk: "The verification code is well-formed (the registry was not consulted).", took: (ms) => `${ms} ms`,
    error: "ERROR", file: "File", elapsed: "Verified in",
  },
};

const $ = (id) => document.getElementById(id);
const state = { lang: "vi", pdf: null, pdfName: "", demoRoot: "", demoSealKeys: "", serverSealKeys: [], ready: false, pdfRun: 0 };

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const k of kids) if (k != null) e.append(k);
  return e;
}

function pemBlocks(text, label) {
  const re = new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----`, "g");
  return (text || "").match(re) || [];
}

function trustAnchors() {
  const out = [];
  if ($("use-demo").checked && state.demoRoot) out.push(state.demoRoot);
  out.push(...pemBlocks($("anchors").value, "CERTIFICATE"));
  return out;
}

function sealKeys() {
  const text = [$("seal-keys").value, $("use-demo").checked ? state.demoSealKeys : ""].join("\n");
  const pems = pemBlocks(text, "PUBLIC KEY");
  const rest = text.replace(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g, "");
  const hex = rest.split(/\s+/).filter((s) => /^[0-9a-fA-F]{66,194}$/.test(s));
  return [...pems.map((pem, i) => ({ name: `key ${i + 1}`, pem })), ...hex, ...state.serverSealKeys];
}

function reasonsList(reasons) {
  const ul = el("ul", { class: "reasons" });
  for (const r of reasons || []) {
    ul.append(el("li", { "data-code": r.code, "data-severity": r.severity || "" },
      el("code", { class: "rc", text: r.code }), r.message,
      r.detail ? el("span", { class: "muted", text: ` (${r.detail})` }) : null));
  }
  return ul;
}

function dl(rows) {
  const d = el("dl");
  for (const [k, v] of rows) if (v != null && v !== "") d.append(el("dt", { text: k }), el("dd", { text: String(v) }));
  return d;
}

function verdict(id, status, label) {
  return el("div", { id, class: "verdict", "data-status": status, role: "status", text: label });
}

function errorBox(target, id, e) {
  const t = T[state.lang];
  const msg = e && e.code ? (state.lang === "vi" ? e.vi : e.en) : String(e);
  target.replaceChildren(verdict(id, "error", t.error),
    reasonsList([{ code: (e && e.code) || "error", message: msg, severity: "invalid" }]));
}

// verifyPdfAsync: the browser's WebCrypto hashes the signed bytes and checks the ECDSA
// signatures (several times faster than the same work in wasm); the report is verifyPdf's. A
// render started later (another file, language or trust anchor) wins over one still running.
async function renderPdf() {
  const out = $("pdf-result");
  if (!state.pdf) return;
  const run = ++state.pdfRun;
  const lang = state.lang;
  const t = T[lang];
  let r;
  const t0 = performance.now();
  try {
    r = await verifyPdfAsync(state.pdf, trustAnchors(), lang);
  } catch (e) {
    if (run === state.pdfRun) errorBox(out, "pdf-verdict", e);
    return;
  }
  if (run !== state.pdfRun) return;
  const ms = (performance.now() - t0).toFixed(1);
  const cov = (c) => c.kind === "whole_file" ? t.wholeFile : c.kind === "revision" ? t.revision(c.revision, c.of) : t.unknown;
  const sigs = r.signatures.map((s) => el("div", { class: "sig", "data-status": s.status },
    el("h3", { text: `${t.signature} #${s.index + 1}${s.field ? ` (${s.field})` : ""}: ${labelOf(s.status)}` }),
    dl([
      [t.signer, s.signer && (s.signer.common_name || s.signer.subject)],
      [t.issuer, s.signer && s.signer.issuer],
      [t.validity, s.signer && s.signer.not_before && `${s.signer.not_before} → ${s.signer.not_after}`],
      [t.claimed, s.claimed_time || s.signing_time_attribute],
      [t.ts, s.timestamp_time],
      [t.level, s.pades_level],
      [t.coverage, cov(s.coverage)],
    ]),
    reasonsList(s.reasons)));
  out.replaceChildren(
    verdict("pdf-verdict", r.status, `${t.document}: ${r.label}`),
    dl([[t.file, state.pdfName], [t.at, r.validation_time], [t.anchors, r.trustAnchors], [t.elapsed, t.took(ms)]]),
    reasonsList(r.reasons), ...sigs);
  out.dataset.ms = ms;
}

function labelOf(status) {
  const L = { vi: { valid: "HỢP LỆ", invalid: "KHÔNG HỢP LỆ", indeterminate: "CHƯA XÁC ĐỊNH" },
              en: { valid: "VALID", invalid: "INVALID", indeterminate: "INDETERMINATE" } };
  return L[state.lang][status] || status;
}

function renderQr() {
  const out = $("qr-result");
  const text = $("qr-text").value.trim();
  if (!text) { out.replaceChildren(); return; }
  const t = T[state.lang];
  // A bare verification code (no seal): check its form only.
  if (!text.includes("#") && text.replace(/[\s-]/g, "").length <= 24) {
    try {
      const c = parseCode(text, state.lang);
      out.replaceChildren(verdict("qr-verdict", "indeterminate", c.code), el("p", { text: t.codeOk }));
    } catch (e) { errorBox(out, "qr-verdict", e); }
    return;
  }
  try {
    const r = verifySeal(text, sealKeys(), state.lang);
    const c = r.content;
    out.replaceChildren(verdict("qr-verdict", r.status, r.label),
      dl([[t.code, c && c.code], [t.kind, r.kind_name], [t.issued, r.issued_at_utc], [t.key, r.key_name || (c && c.key_id)]]),
      reasonsList(r.reasons));
  } catch (e) { errorBox(out, "qr-verdict", e); }
}

function applyLang(lang) {
  state.lang = lang;
  document.documentElement.lang = lang;
  const t = T[lang];
  for (const e of document.querySelectorAll("[data-i18n]")) e.textContent = t[e.dataset.i18n];
  for (const e of document.querySelectorAll("[data-i18n-placeholder]")) e.placeholder = t[e.dataset.i18nPlaceholder];
  for (const b of document.querySelectorAll(".lang button")) b.setAttribute("aria-pressed", String(b.dataset.lang === lang));
  $("demo-status").textContent = state.demoRoot ? t.demoLoaded : t.demoMissing;
  document.title = `${t.title} — saoy`;
  if (state.ready) { renderPdf(); renderQr(); }
}

async function loadPdf(file) {
  if (!file) return;
  state.pdf = new Uint8Array(await file.arrayBuffer());
  state.pdfName = `${file.name} (${file.size.toLocaleString()} B)`;
  renderPdf();
}

async function optionalText(url) {
  try {
    const r = await fetch(url, { cache: "no-store" });
    return r.ok ? await r.text() : "";
  } catch { return ""; }
}

// Served by `saoy serve` (under /web/), the page also trusts the service's published seal keys.
async function serverSealKeys() {
  try {
    const r = await fetch("/seal-keys", { cache: "no-store", headers: { Accept: "application/json" } });
    if (!r.ok) return [];
    const j = await r.json();
    return (j.keys || []).map((k) => ({ name: k.name, pem: k.pem }));
  } catch { return []; }
}

async function main() {
  for (const b of document.querySelectorAll(".lang button")) b.addEventListener("click", () => applyLang(b.dataset.lang));
  applyLang(new URLSearchParams(location.search).get("lang") === "en" ? "en" : "vi");
  await init();
  [state.demoRoot, state.demoSealKeys, state.serverSealKeys] = await Promise.all(
    [optionalText("demo-root.pem"), optionalText("demo-seal-keys.pem"), serverSealKeys()]);
  state.ready = true;
  $("engine").textContent = `saoy-wasm ${version()}`;
  applyLang(state.lang);

  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault(); drop.classList.remove("over");
    loadPdf(e.dataTransfer.files[0]);
  });
  $("pdf-input").addEventListener("change", (e) => loadPdf(e.target.files[0]));
  $("qr-verify").addEventListener("click", renderQr);
  for (const id of ["use-demo", "anchors", "seal-keys"]) $(id).addEventListener("change", () => { renderPdf(); renderQr(); });
  $("anchors-file").addEventListener("change", async (e) => {
    for (const f of e.target.files) $("anchors").value += `\n${await f.text()}`;
    renderPdf();
  });
  // Scan a QR from a photo where the browser has a barcode detector.
  if ("BarcodeDetector" in window) {
    $("qr-scan-label").hidden = false;
    $("qr-image").addEventListener("change", async (e) => {
      const f = e.target.files[0];
      if (!f) return;
      const codes = await new window.BarcodeDetector({ formats: ["qr_code"] }).detect(await createImageBitmap(f));
      if (codes.length) { $("qr-text").value = codes[0].rawValue; renderQr(); }
    });
  }
  // Opened from the portal's link (/web/index.html?code=CODE#SEAL): check that seal at once.
  const linkCode = new URLSearchParams(location.search).get("code");
  if (location.hash.length > 1) {
    $("qr-text").value = linkCode ? `${location.origin}/v/${linkCode}${location.hash}` : location.hash;
    renderQr();
  }
  // For tests and benchmarks driving the page (Playwright).
  window.saoy = { verifyPdf, verifyPdfAsync, verifySeal, parseCode, kindName, version };
  document.body.dataset.ready = "1";
}

main().catch((e) => { document.body.dataset.ready = "error"; console.error(e); });
