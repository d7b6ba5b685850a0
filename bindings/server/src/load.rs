//! A small HTTP/1.1 client (blocking, keep-alive) and a closed-loop load generator over it, for
//! the integration tests and the load test. Loopback use only.

use crate::fixture::{load_code, unknown_code};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A parsed response.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// First header with this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// One keep-alive connection.
#[derive(Debug)]
pub struct HttpConn {
    reader: BufReader<TcpStream>,
    /// Whether the server asked to close.
    pub closed: bool,
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

impl HttpConn {
    /// Connect (with a 30 s read timeout).
    pub fn connect(addr: SocketAddr) -> io::Result<Self> {
        let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Self {
            reader: BufReader::with_capacity(64 * 1024, s),
            closed: false,
        })
    }

    /// Send one request and read its response.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<HttpResponse> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n");
        for (n, v) in headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            head.push_str(&format!("content-length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let s = self.reader.get_mut();
        s.write_all(head.as_bytes())?;
        if !body.is_empty()
            && let Err(e) = s.write_all(body)
        {
            // The server may answer (413) and close before the body is sent: read that answer.
            return self.read_response(false).map_err(|_| e);
        }
        self.read_response(method == "HEAD")
    }

    /// Read one response from the connection.
    pub fn read_response(&mut self, head_only: bool) -> io::Result<HttpResponse> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed"));
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("bad status line"))?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(bad("eof in headers"));
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((n, v)) = l.split_once(':') {
                headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let mut resp = HttpResponse {
            status,
            headers,
            body: Vec::new(),
        };
        if resp
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
        {
            self.closed = true;
        }
        if head_only || status == 204 || status == 304 {
            return Ok(resp);
        }
        if let Some(n) = resp
            .header("content-length")
            .and_then(|v| v.parse::<usize>().ok())
        {
            resp.body.resize(n, 0);
            self.reader.read_exact(&mut resp.body)?;
        } else if resp
            .header("transfer-encoding")
            .is_some_and(|v| v.contains("chunked"))
        {
            loop {
                line.clear();
                self.reader.read_line(&mut line)?;
                let n = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                    .map_err(|_| bad("bad chunk size"))?;
                let mut chunk = vec![0; n + 2];
                self.reader.read_exact(&mut chunk)?;
                if n == 0 {
                    break;
                }
                resp.body.extend_from_slice(&chunk[..n]);
            }
        } else {
            self.reader.read_to_end(&mut resp.body)?;
            self.closed = true;
        }
        Ok(resp)
    }

    /// The raw stream (slow-loris tests write partial requests by hand).
    pub fn stream(&mut self) -> &mut TcpStream {
        self.reader.get_mut()
    }
}

/// What the load generator requests.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Target {
    /// `GET /v/{code}` (JSON) over a seeded registry: `unknown_percent` of the codes are not
    /// registered, the rest drawn uniformly from the `count` seeded ones.
    Lookup {
        /// Seed of the load-test registry.
        seed: u64,
        /// Rows seeded.
        count: u64,
        /// Share of unknown codes (0-100).
        unknown_percent: u64,
    },
    /// `POST /verify` of this PDF.
    Verify {
        /// The PDF.
        pdf: Arc<Vec<u8>>,
    },
}

/// Load options.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Server address.
    pub addr: SocketAddr,
    /// Run time.
    pub duration: Duration,
    /// Concurrent connections (one thread each, closed loop).
    pub connections: usize,
    /// What to request.
    pub target: Target,
}

/// Load results.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    /// Completed requests.
    pub requests: u64,
    /// Responses by status code.
    pub by_status: BTreeMap<u16, u64>,
    /// Connection-level errors (refused, reset, timeouts).
    pub io_errors: u64,
    /// Wall time, seconds.
    pub seconds: f64,
    /// Completed requests per second.
    pub throughput: f64,
    /// Latency percentiles of completed requests, milliseconds.
    pub p50_ms: f64,
    /// 90th percentile, ms.
    pub p90_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Maximum, ms.
    pub max_ms: f64,
}

impl LoadReport {
    /// Responses with a 2xx status.
    pub fn ok(&self) -> u64 {
        self.by_status
            .iter()
            .filter(|(s, _)| (200..300).contains(*s))
            .map(|(_, n)| n)
            .sum()
    }
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i.min(sorted.len() - 1)]) / 1000.0
}

/// Run a closed-loop load for `opts.duration`.
pub fn run_load(opts: &LoadOptions) -> LoadReport {
    let start = Instant::now();
    let deadline = start + opts.duration;
    let handles: Vec<_> = (0..opts.connections.max(1))
        .map(|t| {
            let opts = opts.clone();
            std::thread::spawn(move || worker(&opts, t as u64, deadline))
        })
        .collect();
    let mut lat = Vec::new();
    let mut by_status = BTreeMap::new();
    let mut io_errors = 0;
    for h in handles {
        if let Ok((l, s, e)) = h.join() {
            lat.extend(l);
            for (k, v) in s {
                *by_status.entry(k).or_insert(0) += v;
            }
            io_errors += e;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    lat.sort_unstable();
    LoadReport {
        requests: lat.len() as u64,
        by_status,
        io_errors,
        seconds,
        throughput: lat.len() as f64 / seconds.max(1e-9),
        p50_ms: percentile(&lat, 0.50),
        p90_ms: percentile(&lat, 0.90),
        p99_ms: percentile(&lat, 0.99),
        max_ms: lat.last().map_or(0.0, |m| f64::from(*m) / 1000.0),
    }
}

type WorkerOut = (Vec<u32>, BTreeMap<u16, u64>, u64);

fn worker(opts: &LoadOptions, t: u64, deadline: Instant) -> WorkerOut {
    let mut lat = Vec::with_capacity(100_000);
    let mut by_status = BTreeMap::new();
    let mut errors = 0u64;
    let mut rng = 0x9E37_79B9_7F4A_7C15u64 ^ (t.wrapping_mul(0xD1B5_4A32_D192_ED03)) | 1;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut conn: Option<HttpConn> = None;
    while Instant::now() < deadline {
        if conn.as_ref().is_none_or(|c| c.closed) {
            match HttpConn::connect(opts.addr) {
                Ok(c) => conn = Some(c),
                Err(_) => {
                    errors += 1;
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
            }
        }
        let Some(c) = conn.as_mut() else { continue };
        let t0 = Instant::now();
        let r = match &opts.target {
            Target::Lookup {
                seed,
                count,
                unknown_percent,
            } => {
                let x = next();
                let code = if x % 100 < *unknown_percent {
                    unknown_code(*seed, next() % 1_000_000_000)
                } else {
                    load_code(*seed, next() % (*count).max(1))
                };
                c.request(
                    "GET",
                    &format!("/v/{}", code.compact()),
                    &[("accept", "application/json")],
                    b"",
                )
            }
            Target::Verify { pdf } => c.request(
                "POST",
                "/verify",
                &[("content-type", "application/pdf")],
                pdf,
            ),
        };
        match r {
            Ok(resp) => {
                lat.push(u32::try_from(t0.elapsed().as_micros()).unwrap_or(u32::MAX));
                *by_status.entry(resp.status).or_insert(0) += 1;
            }
            Err(_) => {
                errors += 1;
                conn = None;
            }
        }
    }
    (lat, by_status, errors)
}
