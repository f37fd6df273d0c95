//! The Lua scripts: each is one atomic round trip (EVALSHA, loaded on first use).

use std::sync::LazyLock;

use redis::Script;

/// A script with its SHA-1 computed once.
pub static UNLOCK: LazyLock<Script> = LazyLock::new(|| Script::new(UNLOCK_LUA));
pub static EXTEND: LazyLock<Script> = LazyLock::new(|| Script::new(EXTEND_LUA));
pub static FINISH: LazyLock<Script> = LazyLock::new(|| Script::new(FINISH_LUA));
pub static GCRA: LazyLock<Script> = LazyLock::new(|| Script::new(GCRA_LUA));
pub static ACQUIRE: LazyLock<Script> = LazyLock::new(|| Script::new(ACQUIRE_LUA));

/// Releases a lock only if we still own it (never a blind DEL: our lock may have expired
/// and been taken by another instance).
const UNLOCK_LUA: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"#;

/// Extends a lock only if we still own it.
const EXTEND_LUA: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"#;

/// Stores a refresh outcome under the old token's key for the grace window, then releases
/// the lock if we still own it. KEYS: lock, outcome. ARGV: owner, record, grace ms.
const FINISH_LUA: &str = r#"
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 1
"#;

/// GCRA (generic cell rate algorithm) on Redis's clock, so instances with skewed clocks
/// agree. KEYS: bucket. ARGV: emission interval T (µs), burst (requests per window).
/// Returns { allowed, remaining, µs until the bucket is full, µs until the next request
/// would be allowed (0 when allowed) }. A denied request does not change the state.
const GCRA_LUA: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local T = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + T
local allow_at = new_tat - T * burst
if now < allow_at then
  return { 0, 0, tat - now, allow_at - now }
end
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1)
return { 1, math.floor((now - allow_at) / T), new_tat - now, 0 }
"#;

/// Takes the refresh lock of a token family, unless its outcome is already known.
/// KEYS: lock, outcome. ARGV: owner, lock ms. Returns { 1, outcome } | { 2, '' } (the lock
/// is ours) | { 0, '' } (another instance holds it).
const ACQUIRE_LUA: &str = r#"
local out = redis.call('GET', KEYS[2])
if out then return { 1, out } end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return { 2, '' } end
return { 0, '' }
"#;
