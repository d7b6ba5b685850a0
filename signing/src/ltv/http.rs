//! A minimal blocking HTTP/1.1 client for RFC 3161, OCSP and CRL requests.
//!
//! Only `http://` URLs: time-stamping, OCSP and CRL distribution are plain
//! HTTP by design (their payloads are signed). Every request has a connect
//! timeout, a read/write timeout and a response-size cap; `https://` URLs
//! are refused with [`LtvError::UnsupportedUrl`] (plug in another
//! [`Transport`] for them).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::LtvError;

/// Largest HTTP response accepted (bytes).
pub const MAX_RESPONSE: usize = 16 * 1024 * 1024;

/// How LTV requests reach the network. [`HttpTransport`] is the default;
/// tests and deployments behind a proxy can supply their own.
pub trait Transport: Send + Sync {
    /// POST `body` with `content_type` to `url`; the response body on HTTP 200.
    fn post(&self, url: &str, content_type: &str, body: &[u8]) -> Result<Vec<u8>, LtvError>;
    /// GET `url`; the response body on HTTP 200.
    fn get(&self, url: &str) -> Result<Vec<u8>, LtvError>;
}

/// Plain HTTP/1.1 over TCP with timeouts.
#[derive(Debug, Clone)]
pub struct HttpTransport {
    /// Time allowed for connecting, and for each read or write.
    pub timeout: Duration,
    /// Time allowed for the whole exchange.
    pub deadline: Duration,
}

impl Default for HttpTransport {
    fn default() -> Self {
        HttpTransport {
            timeout: Duration::from_secs(10),
            deadline: Duration::from_secs(30),
        }
    }
}

impl HttpTransport {
    /// A transport with `timeout` for connect/read/write and 3x that for the exchange.
    pub fn with_timeout(timeout: Duration) -> Self {
        HttpTransport {
            timeout,
            deadline: timeout.saturating_mul(3),
        }
    }

    fn exchange(
        &self,
        method: &str,
        url: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Vec<u8>, LtvError> {
        let (host, port, path) = parse_url(url)?;
        let started = Instant::now();
        let net = |e: std::io::Error| {
            if matches!(
                e.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ) {
                LtvError::Timeout {
                    url: url.to_owned(),
                }
            } else {
                LtvError::Unreachable {
                    url: url.to_owned(),
                    detail: e.to_string(),
                }
            }
        };
        let addrs: Vec<_> = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(net)?
            .collect();
        let mut last = None;
        let mut stream = None;
        for a in addrs {
            match TcpStream::connect_timeout(&a, self.timeout) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let mut stream = match stream {
            Some(s) => s,
            None => {
                return Err(net(last.unwrap_or_else(|| {
                    std::io::Error::new(std::io::ErrorKind::NotFound, "no address")
                })));
            }
        };
        stream.set_read_timeout(Some(self.timeout)).map_err(net)?;
        stream.set_write_timeout(Some(self.timeout)).map_err(net)?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\nUser-Agent: saoy-signing\r\nContent-Length: {}\r\n",
            body.len()
        );
        if let Some(ct) = content_type {
            head.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).map_err(net)?;
        stream.write_all(body).map_err(net)?;
        stream.flush().map_err(net)?;
        let mut resp = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        loop {
            if started.elapsed() > self.deadline {
                return Err(LtvError::Timeout {
                    url: url.to_owned(),
                });
            }
            let n = stream.read(&mut buf).map_err(net)?;
            if n == 0 {
                break;
            }
            resp.extend_from_slice(&buf[..n]);
            if resp.len() > MAX_RESPONSE {
                return Err(LtvError::BadResponse {
                    url: url.to_owned(),
                    detail: format!("response larger than {MAX_RESPONSE} bytes"),
                });
            }
        }
        parse_response(url, &resp)
    }
}

impl Transport for HttpTransport {
    fn post(&self, url: &str, content_type: &str, body: &[u8]) -> Result<Vec<u8>, LtvError> {
        self.exchange("POST", url, Some(content_type), body)
    }
    fn get(&self, url: &str) -> Result<Vec<u8>, LtvError> {
        self.exchange("GET", url, None, &[])
    }
}

/// Split `http://host[:port]/path`.
fn parse_url(url: &str) -> Result<(String, u16, String), LtvError> {
    let bad = |d: &str| LtvError::UnsupportedUrl {
        url: url.to_owned(),
        detail: d.to_owned(),
    };
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| bad("only http:// URLs are supported"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') {
        return Err(bad("bad host"));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
            (h, p.parse::<u16>().map_err(|_| bad("bad port"))?)
        }
        _ => (authority, 80),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if path.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(bad("bad path"));
    }
    Ok((host.to_owned(), port, path.to_owned()))
}

fn parse_response(url: &str, resp: &[u8]) -> Result<Vec<u8>, LtvError> {
    let bad = |d: String| LtvError::BadResponse {
        url: url.to_owned(),
        detail: d,
    };
    let end = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no HTTP header".into()))?;
    let head = std::str::from_utf8(&resp[..end]).map_err(|_| bad("header not UTF-8".into()))?;
    let body = &resp[end + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad(format!("bad status line {status_line:?}")))?;
    if status != 200 {
        return Err(LtvError::HttpStatus {
            url: url.to_owned(),
            status,
        });
    }
    let mut length = None;
    let mut chunked = false;
    for l in lines {
        let Some((k, v)) = l.split_once(':') else {
            continue;
        };
        let v = v.trim();
        if k.eq_ignore_ascii_case("content-length") {
            length = Some(
                v.parse::<usize>()
                    .map_err(|_| bad("bad Content-Length".into()))?,
            );
        } else if k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked") {
            chunked = true;
        }
    }
    if chunked {
        return dechunk(body).ok_or_else(|| bad("bad chunked encoding".into()));
    }
    match length {
        Some(n) if n <= body.len() => Ok(body[..n].to_vec()),
        Some(n) => Err(bad(format!("truncated body: {} of {n} bytes", body.len()))),
        None => Ok(body.to_vec()),
    }
}

fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&b[..eol]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        b = &b[eol + 2..];
        if size == 0 {
            return Some(out);
        }
        if b.len() < size + 2 {
            return None;
        }
        out.extend_from_slice(&b[..size]);
        b = &b[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("http://127.0.0.1:9000/tsa").unwrap(),
            ("127.0.0.1".into(), 9000, "/tsa".into())
        );
        assert_eq!(
            parse_url("http://example.test").unwrap(),
            ("example.test".into(), 80, "/".into())
        );
        assert!(matches!(
            parse_url("https://x/"),
            Err(LtvError::UnsupportedUrl { .. })
        ));
        assert!(parse_url("http://h/a b").is_err());
    }

    #[test]
    fn responses() {
        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef";
        assert_eq!(parse_response("u", ok).unwrap(), b"abc");
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse_response("u", chunked).unwrap(), b"abcde");
        let e = parse_response("u", b"HTTP/1.1 503 Busy\r\n\r\n").unwrap_err();
        assert!(matches!(e, LtvError::HttpStatus { status: 503, .. }));
        assert!(parse_response("u", b"garbage").is_err());
        let short = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
        assert!(parse_response("u", short).is_err());
    }

    #[test]
    fn refused_and_slow_peers_are_typed_errors() {
        // A listener that accepts and never answers: a timeout.
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let t = HttpTransport::with_timeout(Duration::from_millis(300));
        let e = t.get(&format!("http://{addr}/")).unwrap_err();
        assert_eq!(e.code(), "ltv_timeout");
        drop(l);
        // Nothing listening any more: unreachable.
        let e = t.get(&format!("http://{addr}/")).unwrap_err();
        assert_eq!(e.code(), "ltv_unreachable");
    }
}
