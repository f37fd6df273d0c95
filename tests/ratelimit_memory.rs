//! The rate limiter's memory stays bounded under a flood of one million distinct keys,
//! measured with a counting global allocator. Also prints the cost of one check (a figure,
//! not an assertion: run with `--release -- --nocapture` to read it).

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

use next_api_layer_native::security::ratelimit::{RateLimitConfig, RateLimiter};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now =
                LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed) + layout.size() as isize;
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            let now = LIVE.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            ) + new_size as isize
                - layout.size() as isize;
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn mib(b: isize) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

fn ip(i: u32) -> String {
    let [a, b, c, d] = i.to_be_bytes();
    format!("ip:{}.{a}.{b}.{c}.{d}", 10)
}

// One test function: the allocator counters are process-wide.
#[test]
fn one_million_distinct_keys_stay_within_the_cap() {
    const KEYS: u32 = 1_000_000;
    let cfg = RateLimitConfig::from_json(Some(&serde_json::json!({}))).unwrap();
    let max_keys = cfg.max_keys as u64;

    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let rl = RateLimiter::new(cfg);
    let start = Instant::now();
    for i in 0..KEYS {
        let o = rl.check("/api/posts", &ip(i)).unwrap();
        assert!(o.allowed);
    }
    let flood = start.elapsed();
    let live = LIVE.load(Ordering::Relaxed) - base;
    let peak = PEAK.load(Ordering::Relaxed) - base;
    let s = rl.stats();
    println!(
        "1,000,000 distinct keys (maxKeys {max_keys}): {} keys held, live {:.2} MiB, peak {:.2} MiB, \
         {} evicted idle, {} evicted active, {:.0} ns per new-key check",
        s.keys,
        mib(live),
        mib(peak),
        s.evicted_idle,
        s.evicted_active,
        flood.as_nanos() as f64 / KEYS as f64
    );
    assert!(s.keys <= max_keys, "{s:?}");
    // 100,000 entries of 16 bytes plus hash-table overhead: a few MiB, never hundreds.
    assert!(live < 8 * 1024 * 1024, "live {live} bytes");
    assert!(peak < 12 * 1024 * 1024, "peak {peak} bytes");

    // Cost of one check on a warm key set (the common case: returning clients).
    let keys: Vec<String> = (0..1000).map(ip).collect();
    let rounds = 200_000usize;
    let start = Instant::now();
    for i in 0..rounds {
        black_box(rl.check("/api/posts", black_box(&keys[i % keys.len()])));
    }
    let per = start.elapsed().as_nanos() as f64 / rounds as f64;
    println!("one rate-limit check (warm key; GCRA update, remaining and reset time): {per:.0} ns");
    drop(rl);

    // For contrast: governor's own unbounded keyed store holds every key ever seen.
    let base = LIVE.load(Ordering::Relaxed);
    let gov = governor::RateLimiter::<String, _, _>::keyed(governor::Quota::per_minute(
        std::num::NonZeroU32::new(100).unwrap(),
    ));
    for i in 0..KEYS {
        let _ = gov.check_key(&ip(i));
    }
    let unbounded = LIVE.load(Ordering::Relaxed) - base;
    println!(
        "for contrast, governor's default DashMap store after the same flood: {} keys, {:.2} MiB",
        gov.len(),
        mib(unbounded)
    );
    assert!(
        unbounded > live,
        "the bounded store must use less than the unbounded one"
    );
}
