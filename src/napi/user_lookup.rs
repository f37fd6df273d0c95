//! `Engine.prototype.userOf` and `Engine.prototype.lookupWords`: the route side of a warm
//! request (`getServerUser` reading the user the auth proxy's engine holds for the cookie).
//!
//! `userOf(cookieHeader, refreshedToken?)` picks the token by the proxy's own rule, looks its
//! judgement up in the cache and answers the user JSON text, or `null` (no token, not cached,
//! not valid). Before, JS built a Map of every cookie, called `validateCached` and got an
//! object of five properties back. The rest of the answer goes into `lookupWords()`, native
//! memory JS reads as typed arrays without a call: where the token is in the cookie header
//! and how many ms the answer may be kept (0 with a refreshed token), plus the epoch that
//! voids every kept answer (`store/watch.rs`). Installed by `fast_calls::install_fast_calls`
//! as a plain Node-API callback, for the reason given there (no borrow table on a hot call).

use std::ffi::{CStr, c_void};
use std::ptr;
use std::sync::Arc;
use std::time::Instant;

use napi::bindgen_prelude::{FromNapiValue, JsError};
use napi::{Result, check_status, sys};

use super::engine::NativeEngine;
use super::fast_calls::{is_engine, js_string};
use crate::store::watch::{Watch, Words};

type RawCallback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// Adds the two methods to `Engine.prototype` (`proto`).
///
/// SAFETY: `env` and `proto` are live values of the running module registration.
pub(crate) unsafe fn install(env: sys::napi_env, proto: sys::napi_value) -> Result<()> {
    let calls: [(&CStr, RawCallback); 2] = [(c"userOf", user_of), (c"lookupWords", lookup_words)];
    for (name, cb) in calls {
        let mut f = ptr::null_mut();
        unsafe {
            check_status!(sys::napi_create_function(
                env,
                name.as_ptr(),
                name.to_bytes().len() as _,
                Some(cb),
                ptr::null_mut(),
                &mut f,
            ))?;
            check_status!(sys::napi_set_named_property(env, proto, name.as_ptr(), f))?;
        }
    }
    Ok(())
}

/// The engine behind `this` and up to two arguments, for `f`; a wrong `this` throws what V8
/// throws for a generated method, an error from `f` is thrown as a JS error.
///
/// SAFETY: `env` and `info` are those of the running callback; `this` is held by the
/// caller's frame for the whole call.
unsafe fn with_engine(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    f: impl FnOnce(&NativeEngine, [sys::napi_value; 2]) -> Result<sys::napi_value>,
) -> sys::napi_value {
    let run = || -> Result<sys::napi_value> {
        let mut argc = 2usize;
        let mut args = [ptr::null_mut(); 2];
        let mut this = ptr::null_mut();
        unsafe {
            check_status!(sys::napi_get_cb_info(
                env,
                info,
                &mut argc,
                args.as_mut_ptr(),
                &mut this,
                ptr::null_mut(),
            ))?;
            if !is_engine(env, this) {
                return Ok(ptr::null_mut());
            }
            // Missing arguments read as undefined.
            for a in args.iter_mut().skip(argc) {
                check_status!(sys::napi_get_undefined(env, a))?;
            }
            let mut raw = ptr::null_mut();
            check_status!(sys::napi_unwrap(env, this, &mut raw))?;
            f(&*(raw as *const NativeEngine), args)
        }
    };
    run().unwrap_or_else(|e| {
        unsafe { JsError::from(e).throw_into(env) };
        ptr::null_mut()
    })
}

unsafe extern "C" fn user_of(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    unsafe {
        with_engine(env, info, |engine, [cookie, refreshed]| {
            let mut buf = [0u8; STACK_STR];
            let cookie = opt_str(env, cookie, &mut buf)?;
            let refreshed = opt_str(env, refreshed, &mut [0u8; 0])?;
            let inner = engine.engine();
            let keep = refreshed.is_none();
            let found = inner.user_of(cookie.as_deref(), refreshed.as_deref(), keep);
            let Some(found) = found else {
                return null(env);
            };
            let watch = inner.watch();
            let span = match cookie.as_deref() {
                Some(h) if keep => utf16_span(h, found.token),
                _ => (0, 0),
            };
            let left = found
                .keep_until
                .map(|d| d.saturating_duration_since(Instant::now()))
                .unwrap_or_default();
            watch.set_lookup(span, left);
            js_string(env, &found.session.user_json)
        })
    }
}

unsafe extern "C" fn lookup_words(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        with_engine(env, info, |engine, _| {
            let watch = engine.engine().watch().clone();
            let words: *const Words = watch.words();
            // The buffer holds the Watch alive; dropped when the buffer is collected.
            let hint = Arc::into_raw(watch) as *mut c_void;
            let mut buf = ptr::null_mut();
            let status = sys::napi_create_external_arraybuffer(
                env,
                words as *mut c_void,
                std::mem::size_of::<Words>(),
                Some(drop_watch),
                hint,
                &mut buf,
            );
            if status != sys::Status::napi_ok {
                drop(Arc::from_raw(hint as *const Watch));
                check_status!(status, "lookupWords: no external ArrayBuffer here")?;
            }
            Ok(buf)
        })
    }
}

unsafe extern "C" fn drop_watch(_env: sys::napi_env, _data: *mut c_void, hint: *mut c_void) {
    drop(unsafe { Arc::from_raw(hint as *const Watch) });
}

/// Where `token` (a slice of `header`) lies in the JS string `header` came from, in UTF-16
/// code units (V8 hands us UTF-8; a cookie header is nearly always ASCII).
fn utf16_span(header: &str, token: &str) -> (u32, u32) {
    let start = (token.as_ptr() as usize).wrapping_sub(header.as_ptr() as usize);
    let inside = start
        .checked_add(token.len())
        .is_some_and(|end| end <= header.len());
    let Some(before) = header.get(..start).filter(|_| inside) else {
        return (0, 0);
    };
    let units = |s: &str| {
        if s.is_ascii() {
            s.len()
        } else {
            s.encode_utf16().count()
        }
    };
    let a = units(before);
    let b = a + units(token);
    (
        u32::try_from(a).unwrap_or(u32::MAX),
        u32::try_from(b).unwrap_or(u32::MAX),
    )
}

/// Arguments up to this many bytes are read into a buffer on the stack.
const STACK_STR: usize = 4096;

/// A string argument (`None` for null / undefined / an empty string), read in one pass into
/// `buf` when it fits; anything else that is not a string throws napi-rs's conversion error.
unsafe fn opt_str<'a>(
    env: sys::napi_env,
    v: sys::napi_value,
    buf: &'a mut [u8],
) -> Result<Option<std::borrow::Cow<'a, str>>> {
    let mut t = 0;
    check_status!(unsafe { sys::napi_typeof(env, v, &mut t) })?;
    if t == sys::ValueType::napi_undefined || t == sys::ValueType::napi_null {
        return Ok(None);
    }
    let mut written = 0usize;
    let status = if buf.is_empty() {
        sys::Status::napi_generic_failure
    } else {
        unsafe {
            sys::napi_get_value_string_utf8(
                env,
                v,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut written,
            )
        }
    };
    // V8 never splits a character, so a cut string leaves at most 3 bytes (plus the NUL) free.
    let s = if status == sys::Status::napi_ok && written + 4 < buf.len() {
        // SAFETY: V8 wrote UTF-8 (lone surrogates replaced).
        std::borrow::Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(&buf[..written]) })
    } else {
        std::borrow::Cow::Owned(unsafe { String::from_napi_value(env, v)? })
    };
    Ok((!s.is_empty()).then_some(s))
}

unsafe fn null(env: sys::napi_env) -> Result<sys::napi_value> {
    let mut v = ptr::null_mut();
    check_status!(unsafe { sys::napi_get_null(env, &mut v) })?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::utf16_span;

    #[test]
    fn span_in_utf16_units() {
        let h = "a=1; userToken=tok; b=2";
        let t = &h[15..18];
        assert_eq!(t, "tok");
        assert_eq!(utf16_span(h, t), (15, 18));
        // a two-byte and a four-byte character before the token: 1 and 2 UTF-16 units
        let h = String::from("x=é😀; userToken=tok");
        let i = h.find("tok").unwrap();
        assert_eq!(utf16_span(&h, &h[i..i + 3]), (17, 20));
        assert_eq!("x=é😀; userToken=".encode_utf16().count(), 17);
        // a token that is not a slice of the header (the refreshed one): nothing
        assert_eq!(utf16_span(&h, &String::from("tok")), (0, 0));
    }
}
