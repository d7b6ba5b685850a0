// saoy portal: language toggle and the QR seal check from the URL fragment (#SEAL).
// The fragment never reaches the server by itself; it is checked by the in-browser verifier
// (/web/, when built) and, as a fallback, sent explicitly to GET /v/{code}?seal=.
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
  function show(vi, en, cls) {
    out.textContent = "";
    var a = document.createElement("span"); a.className = "vi"; a.lang = "vi"; a.textContent = vi;
    var b = document.createElement("span"); b.className = "en"; b.lang = "en"; b.textContent = en;
    out.appendChild(a); out.appendChild(b);
    out.className = "status " + cls;
  }
  show("Đang kiểm tra con dấu QR…", "Checking the QR seal…", "unknown");
  fetch("/v/" + encodeURIComponent(code) + "?format=json&seal=" + encodeURIComponent(frag), {
    headers: { Accept: "application/json" }
  }).then(function (r) { return r.json(); }).then(function (j) {
    var s = j.seal;
    if (!s) { show("Không kiểm tra được con dấu.", "The seal could not be checked.", "unknown"); return; }
    var vi = s.reasons.map(function (x) { return x.vi; }).join(" ");
    var en = s.reasons.map(function (x) { return x.en; }).join(" ");
    var cls = s.status === "valid" ? "valid" : (s.status === "invalid" ? "revoked" : "unknown");
    show(vi, en, cls);
  }).catch(function () {
    show("Không kiểm tra được con dấu (mất kết nối).", "The seal could not be checked (network error).", "unknown");
  });
})();
