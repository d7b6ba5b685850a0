//! Per-client-address token buckets. IPv6 clients are keyed by their /64 (one subscriber's
//! prefix), IPv4 by the address. Idle full buckets are swept so the table stays bounded.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Sweep when the table grows past this many addresses.
const SWEEP_AT: usize = 50_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Token-bucket rate limiter keyed by client address.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

/// The key of an address: IPv4 as is, IPv6 truncated to its /64.
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

impl RateLimiter {
    /// `rate` tokens per second, at most `burst` stored; `rate == 0` disables the limit.
    pub fn new(rate: f64, burst: f64) -> Self {
        Self {
            rate,
            burst: burst.max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Take one token for `ip` at `now`: `Ok(())`, or `Err(wait)` until a token is available.
    pub fn check_at(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        let mut map = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= SWEEP_AT {
            let (rate, burst) = (self.rate, self.burst);
            map.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.last).as_secs_f64() * rate < burst
            });
        }
        let b = map.entry(key(ip)).or_insert(Bucket {
            tokens: self.burst,
            last: now,
        });
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.rate).min(self.burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / self.rate))
        }
    }

    /// [`RateLimiter::check_at`] now.
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        self.check_at(ip, Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill_per_address() {
        let rl = RateLimiter::new(10.0, 3.0);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(rl.check_at(a, t0).is_ok());
        }
        let wait = rl.check_at(a, t0).unwrap_err();
        assert!(wait > Duration::from_millis(90) && wait <= Duration::from_millis(100));
        assert!(
            rl.check_at(b, t0).is_ok(),
            "another address has its own bucket"
        );
        assert!(rl.check_at(a, t0 + Duration::from_millis(100)).is_ok());
        assert!(rl.check_at(a, t0 + Duration::from_millis(100)).is_err());
    }

    #[test]
    fn ipv6_shares_a_bucket_per_64_and_zero_rate_disables() {
        let rl = RateLimiter::new(1.0, 1.0);
        let t0 = Instant::now();
        assert!(rl.check_at("2001:db8:1:2::1".parse().unwrap(), t0).is_ok());
        assert!(
            rl.check_at("2001:db8:1:2::ffff".parse().unwrap(), t0)
                .is_err()
        );
        assert!(rl.check_at("2001:db8:1:3::1".parse().unwrap(), t0).is_ok());
        let off = RateLimiter::new(0.0, 1.0);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..1000 {
            assert!(off.check_at(ip, t0).is_ok());
        }
    }
}
