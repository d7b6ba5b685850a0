// saoy portal: language toggle and the QR seal check from the URL fragment (#SEAL).
// The fragment never reaches the server by itself. When the server has the browser verifier
// built (/web/), this page loads its WebAssembly module and checks the seal right here, against
// the public keys of GET /seal-keys: the fragment is not sent anywhere. Only when the module is
// not built or does not load is the fragment sent to GET /v/{code}?seal= for a server-side check.
// The result element says which engine answered: data-engine="wasm" or "server".
(function () {
  "use strict";
  var root = document.documentElement;
  var toggle = document.getElementById("lang-toggle");
  if (toggle) {
    toggle.addEventListener("click", function (e) {
      e.preventDefault();
      var en = !root.classList.contains("show-en");
      root.classList.toggle("show-en", en);
      root.classList.toggle("show-vi", !en);
      root.lang = en ? "en" : "vi";
      var u = new URL(location.href);
      u.searchParams.set("lang", en ? "en" : "vi");
      history.replaceState(null, "", u.toString());
      toggle.href = "?lang=" + (en ? "vi" : "en");
    });
  }
  var sec = document.getElementById("seal");
  var frag = location.hash.replace(/^#/, "");
  if (!sec || !frag) return;
  var code = sec.getAttribute("data-code");
  var out = document.getElementById("seal-result");
  var web = document.getElementById("seal-web");
  if (web) web.href = "/web/index.html?code=" + encodeURIComponent(code) + "#" + frag;

  function show(vi, en, status, engine) {
    out.textContent = "";
    var a = document.createElement("span"); a.className = "vi"; a.lang = "vi"; a.textContent = vi;
    var b = document.createElement("span"); b.className = "en"; b.lang = "en"; b.textContent = en;
    out.appendChild(a); out.appendChild(b);
    out.className = "status " + (status === "valid" ? "valid" : (status === "invalid" ? "revoked" : "unknown"));
    out.setAttribute("data-status", status);
    if (engine) out.setAttribute("data-engine", engine);
  }
  function sentence(label, reasons, key) {
    var parts = reasons.map(function (r) { return r[key]; }).filter(Boolean);
    return label + (parts.length ? " — " + parts.join(" ") : "");
  }

  function serverCheck() {
    return fetch("/v/" + encodeURIComponent(code) + "?format=json&seal=" + encodeURIComponent(frag), {
      headers: { Accept: "application/json" }
    }).then(function (r) { return r.json(); }).then(function (j) {
      var s = j.seal;
      if (!s) { show("Không kiểm tra được con dấu.", "The seal could not be checked.", "indeterminate", "server"); return; }
      var label = { valid: ["HỢP LỆ", "VALID"], invalid: ["KHÔNG HỢP LỆ", "INVALID"] }[s.status] ||
        ["CHƯA XÁC ĐỊNH", "INDETERMINATE"];
      show(sentence(label[0], s.reasons, "vi") + " (máy chủ kiểm tra)",
        sentence(label[1], s.reasons, "en") + " (checked by the server)", s.status, "server");
    }).catch(function () {
      show("Không kiểm tra được con dấu (mất kết nối).", "The seal could not be checked (network error).",
        "indeterminate", "server");
    });
  }

  function wasmCheck() {
    var mod = import("/web/pkg/saoy_wasm.js").then(function (m) {
      return m.default().then(function () { return m; });
    });
    var keys = fetch("/seal-keys", { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error("GET /seal-keys: " + r.status);
      return r.json();
    });
    return Promise.all([mod, keys]).then(function (got) {
      var m = got[0];
      var trusted = got[1].keys.map(function (k) { return { name: k.name, pem: k.pem }; });
      // The same text the server would check: this page's code with the fragment.
      var text = "/v/" + code + "#" + frag;
      var vi = m.verifySeal(text, trusted, "vi");
      var en = m.verifySeal(text, trusted, "en");
      show(sentence(vi.label, vi.reasons, "message") + " (kiểm tra ngay trên trình duyệt)",
        sentence(en.label, en.reasons, "message") + " (checked in your browser)", vi.status, "wasm");
      out.setAttribute("data-trusted-keys", String(vi.trustedKeys));
    });
  }

  show("Đang kiểm tra con dấu QR…", "Checking the QR seal…", "pending");
  if (sec.getAttribute("data-web") === "1") {
    wasmCheck().catch(function (e) {
      if (window.console) console.warn("in-browser seal check unavailable, asking the server:", e);
      return serverCheck();
    });
  } else {
    serverCheck();
  }
})();
