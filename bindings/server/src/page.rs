//! The HTML portal: the lookup page (Vietnamese first, English toggle), the index form and the
//! "web verifier not built" notice. Pages carry both languages; CSS shows one, the toggle (or
//! `?lang=`) switches. Scripts come from `/assets/` so the CSP forbids inline script.

use crate::app::LookupBody;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::fmt::Write as _;
use std::path::Path;

/// The portal script (seal check from the URL fragment, language toggle).
pub const PORTAL_JS: &str = include_str!("../assets/portal.js");
/// The portal style sheet.
pub const PORTAL_CSS: &str = include_str!("../assets/portal.css");

const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Vietnamese (default).
    Vi,
    /// English.
    En,
}

impl Lang {
    /// From `?lang=` (anything but `en` is Vietnamese).
    pub fn from_query(q: Option<&str>) -> Self {
        match q {
            Some(l) if l.eq_ignore_ascii_case("en") => Lang::En,
            _ => Lang::Vi,
        }
    }

    /// `vi` or `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
}

/// True when `dir` holds a built browser verifier: an `index.html` and a `.wasm` file (at most
/// two levels down, e.g. `pkg/*.wasm`).
pub fn web_verifier_built(dir: &Path) -> bool {
    fn has_wasm(dir: &Path, depth: u32) -> bool {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return false;
        };
        rd.flatten().any(|e| {
            let p = e.path();
            if p.is_dir() {
                depth > 0 && has_wasm(&p, depth - 1)
            } else {
                p.extension().is_some_and(|x| x == "wasm")
            }
        })
    }
    dir.join("index.html").is_file() && has_wasm(dir, 2)
}

/// HTML-escape text.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// An HTML response with the portal's security headers.
pub fn html_response(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    r
}

/// Both languages of one piece of text.
fn bi(vi: &str, en: &str) -> String {
    format!(
        "<span class=\"vi\" lang=\"vi\">{}</span><span class=\"en\" lang=\"en\">{}</span>",
        esc(vi),
        esc(en)
    )
}

fn shell(lang: Lang, title_vi: &str, main: &str) -> String {
    let other = match lang {
        Lang::Vi => "en",
        Lang::En => "vi",
    };
    format!(
        "<!doctype html>\n<html lang=\"{l}\" class=\"show-{l}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{t}</title><link rel=\"stylesheet\" href=\"/assets/portal.css\"></head><body>\
<header><a class=\"brand\" href=\"/?lang={l}\">{brand}</a>\
<a id=\"lang-toggle\" href=\"?lang={other}\">{toggle}</a></header><main>{main}</main>\
<footer>{foot}</footer><script src=\"/assets/portal.js\" defer></script></body></html>\n",
        l = lang.as_str(),
        t = esc(title_vi),
        brand = bi("Xác thực bản sao điện tử", "Certified copy verification"),
        toggle = bi("English", "Tiếng Việt"),
        foot = bi(
            "Tra cứu được ghi vào nhật ký kiểm toán, không lưu dữ liệu cá nhân.",
            "Lookups are recorded in the audit log without personal data."
        ),
    )
}

/// The lookup page.
pub fn lookup_page(lang: Lang, b: &LookupBody, web_built: bool) -> String {
    let mut m = String::with_capacity(4096);
    let (cls, vi, en) = match b.status {
        "valid" => (
            "valid",
            "HỢP LỆ — bản sao đã được đăng ký",
            "VALID — registered certified copy",
        ),
        "revoked" => ("revoked", "ĐÃ BỊ THU HỒI", "REVOKED"),
        _ => (
            "unknown",
            "KHÔNG TÌM THẤY — mã chưa được đăng ký",
            "UNKNOWN — no copy has this code",
        ),
    };
    let _ = write!(
        m,
        "<h1>{}</h1><p class=\"code\">{}</p><p class=\"status {cls}\" id=\"status\" data-status=\"{cls}\">{}</p>",
        bi("Tra cứu bản sao chứng thực", "Certified copy lookup"),
        esc(&b.code),
        bi(vi, en)
    );
    m.push_str("<table class=\"facts\">");
    let mut row = |vi: &str, en: &str, v: &str| {
        let _ = write!(m, "<tr><th>{}</th><td>{v}</td></tr>", bi(vi, en));
    };
    if let Some(k) = &b.kind {
        row("Loại giấy tờ", "Document kind", &bi(&k.name_vi, &k.name_en));
    }
    if let Some(o) = &b.office_id {
        row("Cơ quan cấp", "Issuing office", &esc(o));
    }
    if let Some(t) = &b.issued_at_utc {
        row("Thời điểm cấp (UTC)", "Issued at (UTC)", &esc(t));
    }
    if let Some(d) = &b.document_digest {
        row(
            "SHA-256 của tệp PDF",
            "SHA-256 of the PDF",
            &format!("<code>{}</code>", esc(d)),
        );
    }
    if let Some(r) = &b.revocation {
        row("Thu hồi lúc (UTC)", "Revoked at (UTC)", &esc(&r.at_utc));
        row("Lý do thu hồi", "Revocation reason", &esc(&r.reason));
    }
    m.push_str("</table><ul class=\"reasons\">");
    for r in &b.reasons {
        let _ = write!(m, "<li>{}</li>", bi(&r.vi, &r.en));
    }
    m.push_str("</ul>");
    let _ = write!(
        m,
        "<section id=\"seal\" data-code=\"{code}\" data-web=\"{web}\"><h2>{h}</h2>\
<p id=\"seal-result\">{none}</p>",
        code = esc(&b.code),
        web = u8::from(web_built),
        h = bi("Con dấu QR", "QR seal"),
        none = bi(
            "Liên kết không kèm con dấu QR (phần sau dấu #): chỉ kiểm tra đăng ký.",
            "The link carries no QR seal (the part after #): registry check only."
        ),
    );
    if web_built {
        let _ = write!(
            m,
            "<p><a id=\"seal-web\" href=\"/web/index.html?code={}\">{}</a></p>",
            esc(&b.code),
            bi(
                "Kiểm tra con dấu ngay trên trình duyệt (không cần máy chủ)",
                "Check the seal in your browser (no server needed)"
            )
        );
    } else {
        let _ = write!(
            m,
            "<p class=\"notice\" id=\"web-not-built\">{}</p>",
            bi(
                "Trình xác minh chạy trên trình duyệt (WebAssembly) chưa được xây dựng trên máy chủ này; con dấu được máy chủ kiểm tra.",
                "The in-browser (WebAssembly) verifier is not built on this server; the seal is checked by the server."
            )
        );
    }
    m.push_str("</section>");
    let _ = write!(
        m,
        "<p><a href=\"/?lang={}\">{}</a></p>",
        lang.as_str(),
        bi("Tra cứu mã khác", "Look up another code")
    );
    shell(lang, "Tra cứu bản sao chứng thực", &m)
}

/// The index page with the code form (and an error, if the last code was malformed).
pub fn index_page(lang: Lang, error: Option<(&str, &str)>) -> String {
    let mut m = String::new();
    let _ = write!(
        m,
        "<h1>{}</h1><form method=\"get\" action=\"/\"><input type=\"hidden\" name=\"lang\" value=\"{}\">\
<label for=\"code\">{}</label> <input id=\"code\" name=\"code\" autocomplete=\"off\" \
placeholder=\"XXXX-XXXX-XXXX-XXXX-XXXX\" maxlength=\"64\"> <button>{}</button></form>",
        bi(
            "Tra cứu bản sao chứng thực điện tử",
            "Look up a certified electronic copy"
        ),
        lang.as_str(),
        bi("Mã xác thực", "Verification code"),
        bi("Tra cứu", "Look up"),
    );
    if let Some((en, vi)) = error {
        let _ = write!(m, "<p class=\"status unknown\">{}</p>", bi(vi, en));
    }
    shell(lang, "Xác thực bản sao điện tử", &m)
}

/// An error page (malformed code).
pub fn error_page(lang: Lang, en: &str, vi: &str) -> String {
    let m = format!(
        "<h1>{}</h1><p class=\"status unknown\">{}</p><p><a href=\"/?lang={}\">{}</a></p>",
        bi("Mã không hợp lệ", "Invalid code"),
        bi(vi, en),
        lang.as_str(),
        bi("Nhập lại mã", "Enter the code again")
    );
    shell(lang, "Mã không hợp lệ", &m)
}

/// The notice served under `/web/` while the browser verifier is not built.
pub fn not_built_page(lang: Lang) -> String {
    let m = format!(
        "<h1>{}</h1><p class=\"notice\" id=\"web-not-built\">{}</p>",
        bi("Trình xác minh trên trình duyệt", "In-browser verifier"),
        bi(
            "Chưa được xây dựng: hãy xây dựng bindings/wasm và examples/web-verifier, rồi khởi động lại máy chủ.",
            "Not built: build bindings/wasm and examples/web-verifier, then restart the server."
        )
    );
    shell(lang, "Trình xác minh chưa được xây dựng", &m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_detects_built_dir() {
        assert_eq!(
            esc("<a href='x'>&\""),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;"
        );
        let d = tempfile::tempdir().unwrap();
        assert!(!web_verifier_built(d.path()));
        std::fs::write(d.path().join("index.html"), "x").unwrap();
        assert!(!web_verifier_built(d.path()));
        std::fs::create_dir(d.path().join("pkg")).unwrap();
        std::fs::write(d.path().join("pkg/v_bg.wasm"), "x").unwrap();
        assert!(web_verifier_built(d.path()));
        assert_eq!(Lang::from_query(Some("EN")), Lang::En);
        assert_eq!(Lang::from_query(Some("fr")), Lang::Vi);
    }
}
