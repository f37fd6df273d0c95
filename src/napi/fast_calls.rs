//! `Engine.prototype.decidePacked` and `Engine.prototype.validateCached` as plain Node-API
//! callbacks, put in place of the generated ones when the addon loads.
//!
//! Why: the callback napi-rs generates for a `&self` method registers the borrow in its
//! process-wide borrow table (a mutex, a hash-map insert and remove, a thread-local scope) so
//! that a `&mut self` method cannot run while it is borrowed. In a server, where every call
//! of ours finds the CPU caches cold, a `&self` method that does nothing costs ×3 an empty
//! free function, and going around it took ~12 % off a cache-hit `decidePacked` (cold caches,
//! floor bench). `NativeEngine` has no `&mut self` method and holds its engine in an `Arc`, so
//! a shared borrow has nothing to guard against. The receiver is still checked with the
//! class's type tag before its pointer is used (a wrong `this` throws the `TypeError` V8
//! throws for the generated method); the arguments and `decidePacked`'s answer convert with
//! the same napi-rs traits; `validateCached`'s answer is built by hand, the same object in the
//! same property order (see `AnswerNames`). The generated methods stay, typed, in `engine.rs`.

use std::ffi::{CStr, c_void};
use std::ptr;

use napi::bindgen_prelude::{FromNapiValue, JsError, Object, ToNapiValue, TypeTag};
use napi::{Env, JsValue, Result, check_status, sys};
use napi_derive::napi;

use super::engine::NativeEngine;
use crate::auth::tokens::Validation;

type RawCallback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// Runs when the addon loads in an env, after the classes are defined on `exports`.
#[napi(module_exports)]
pub fn install_fast_calls(exports: Object, env: Env) -> Result<()> {
    let env = env.raw();
    // SAFETY: `env` and `exports` are the live values of this module registration.
    unsafe {
        let names = Box::into_raw(Box::new(AnswerNames::new(env)?));
        check_status!(sys::napi_add_env_cleanup_hook(
            env,
            Some(AnswerNames::drop_at_exit),
            names.cast(),
        ))?;
        let calls: [(&CStr, RawCallback, *mut AnswerNames); 2] = [
            (c"decidePacked", decide_packed, ptr::null_mut()),
            (c"validateCached", validate_cached, names),
        ];
        let class = named(env, exports.raw(), c"Engine")?;
        let proto = named(env, class, c"prototype")?;
        for (name, cb, data) in calls {
            let mut f = ptr::null_mut();
            check_status!(sys::napi_create_function(
                env,
                name.as_ptr(),
                name.to_bytes().len() as _,
                Some(cb),
                data.cast(),
                &mut f,
            ))?;
            check_status!(sys::napi_set_named_property(env, proto, name.as_ptr(), f))?;
        }
        super::user_lookup::install(env, proto)?;
    }
    Ok(())
}

unsafe fn named(env: sys::napi_env, obj: sys::napi_value, key: &CStr) -> Result<sys::napi_value> {
    let mut v = ptr::null_mut();
    check_status!(unsafe { sys::napi_get_named_property(env, obj, key.as_ptr(), &mut v) })?;
    Ok(v)
}

/// Calls `f` with the `NativeEngine` behind `this` and the first argument.
///
/// SAFETY: `env` and `info` are those of the running callback. `this` is held by the caller's
/// frame for the whole call, so the engine cannot be finalized under `f`.
unsafe fn with_engine(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    f: impl FnOnce(&NativeEngine, sys::napi_value, *mut c_void) -> Result<sys::napi_value>,
) -> sys::napi_value {
    let run = || -> Result<sys::napi_value> {
        let mut argc = 1usize;
        let mut arg = ptr::null_mut();
        let mut this = ptr::null_mut();
        let mut data = ptr::null_mut();
        unsafe {
            check_status!(sys::napi_get_cb_info(
                env, info, &mut argc, &mut arg, &mut this, &mut data,
            ))?;
            if !is_engine(env, this) {
                return Ok(ptr::null_mut());
            }
            let mut raw = ptr::null_mut();
            check_status!(sys::napi_unwrap(env, this, &mut raw))?;
            f(&*(raw as *const NativeEngine), arg, data)
        }
    };
    run().unwrap_or_else(|e| {
        unsafe { JsError::from(e).throw_into(env) };
        ptr::null_mut()
    })
}

unsafe extern "C" fn decide_packed(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        with_engine(env, info, |engine, arg, _| {
            let mut buf = [0u8; STACK_STR];
            let facts = read_str(env, arg, &mut buf)?;
            <&str>::to_napi_value(env, &engine.decide_packed_str(&facts))
        })
    }
}

unsafe extern "C" fn validate_cached(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        with_engine(env, info, |engine, arg, data| {
            let mut buf = [0u8; STACK_STR];
            let token = read_str(env, arg, &mut buf)?;
            let names = &*(data as *const AnswerNames);
            match engine.engine().cached_validation(&token) {
                None => ToNapiValue::to_napi_value(env, napi::bindgen_prelude::Null),
                Some(v) => names.answer(env, &v),
            }
        })
    }
}

/// Arguments up to this many bytes are read into a buffer on the stack.
const STACK_STR: usize = 4096;

/// The string `v`, read in one pass into `buf` when it fits, else as napi-rs reads a `String`
/// (which asks V8 for the UTF-8 length first, a second pass, then allocates). A non-string
/// throws napi-rs's own conversion error either way.
unsafe fn read_str<'a>(
    env: sys::napi_env,
    v: sys::napi_value,
    buf: &'a mut [u8; STACK_STR],
) -> Result<std::borrow::Cow<'a, str>> {
    let mut written = 0usize;
    let status = unsafe {
        sys::napi_get_value_string_utf8(env, v, buf.as_mut_ptr().cast(), buf.len(), &mut written)
    };
    // V8 never splits a character, so a cut string leaves at most 3 bytes (plus the NUL) free.
    if status == sys::Status::napi_ok && written + 4 < buf.len() {
        // SAFETY: V8 wrote UTF-8 (lone surrogates replaced), as napi-rs assumes too.
        let s = unsafe { std::str::from_utf8_unchecked(&buf[..written]) };
        return Ok(std::borrow::Cow::Borrowed(s));
    }
    Ok(std::borrow::Cow::Owned(unsafe {
        String::from_napi_value(env, v)?
    }))
}

/// The property names and fixed strings of `validateCached`'s answer, made once per env.
/// The generated conversion copied each value into a Rust `String` first and made each name
/// again from its C string (a lookup in V8's string table): with the CPU caches cold, that
/// object was half the cost of the call.
struct AnswerNames {
    env: sys::napi_env,
    /// A JS array of `NAMES` (Node-API before version 10 refers to objects only).
    names: sys::napi_ref,
}

/// In the order the generated `TokenValidation` conversion set them (its always-present
/// fields first, then the optional ones in declaration order), then the two statuses.
const NAMES: [&CStr; 8] = [
    c"status",
    c"isGuest",
    c"userJson",
    c"xAuthUser",
    c"tokenType",
    c"exp",
    c"valid",
    c"rejected",
];
const VALID: usize = 6;
const REJECTED: usize = 7;

impl AnswerNames {
    unsafe fn new(env: sys::napi_env) -> Result<Self> {
        unsafe {
            let mut array = ptr::null_mut();
            check_status!(sys::napi_create_array_with_length(
                env,
                NAMES.len(),
                &mut array
            ))?;
            for (i, name) in NAMES.iter().enumerate() {
                let v = js_string(env, name.to_str().unwrap_or_default())?;
                check_status!(sys::napi_set_element(env, array, i as u32, v))?;
            }
            let mut names = ptr::null_mut();
            check_status!(sys::napi_create_reference(env, array, 1, &mut names))?;
            Ok(Self { env, names })
        }
    }

    unsafe extern "C" fn drop_at_exit(arg: *mut c_void) {
        let names = unsafe { Box::from_raw(arg.cast::<AnswerNames>()) };
        unsafe { sys::napi_delete_reference(names.env, names.names) };
    }

    /// `{ status, isGuest, userJson?, xAuthUser?, tokenType?, exp? }`, as `TokenValidation`.
    unsafe fn answer(&self, env: sys::napi_env, v: &Validation) -> Result<sys::napi_value> {
        unsafe {
            let mut names = ptr::null_mut();
            check_status!(sys::napi_get_reference_value(env, self.names, &mut names))?;
            let name = |i: usize| -> Result<sys::napi_value> {
                let mut v = ptr::null_mut();
                check_status!(sys::napi_get_element(env, names, i as u32, &mut v))?;
                Ok(v)
            };
            let mut obj = ptr::null_mut();
            check_status!(sys::napi_create_object(env, &mut obj))?;
            let set = |i: usize, value: sys::napi_value| -> Result<()> {
                check_status!(sys::napi_set_property(env, obj, name(i)?, value))
            };
            let session = match v {
                Validation::Valid(s) => Some(s),
                Validation::Rejected { .. } => None,
            };
            let status = if session.is_some() { VALID } else { REJECTED };
            set(0, name(status)?)?;
            let is_guest = session.is_some_and(|s| s.is_guest);
            set(1, ToNapiValue::to_napi_value(env, is_guest)?)?;
            if let Some(s) = session {
                set(2, js_string(env, &s.user_json)?)?;
                set(3, js_string(env, &s.x_auth_user)?)?;
                set(4, js_string(env, &s.user.token_type)?)?;
                if let Some(exp) = s.user.exp {
                    set(5, ToNapiValue::to_napi_value(env, exp)?)?;
                }
            }
            Ok(obj)
        }
    }
}

/// Is `this` an Engine? Another class's object (or none) must not reach the cast to
/// `NativeEngine`; when it is not, throws as V8 throws for a generated method (its class
/// signature check comes first) and answers false.
pub(super) unsafe fn is_engine(env: sys::napi_env, this: sys::napi_value) -> bool {
    let tag = NativeEngine::type_tag();
    if unsafe { napi::bindgen_prelude::validate_type_tag(env, this, &tag, "Engine") }.is_ok() {
        return true;
    }
    unsafe { sys::napi_throw_type_error(env, ptr::null(), c"Illegal invocation".as_ptr()) };
    false
}

/// A JS string of `s`: Latin-1 (a plain copy) when it is ASCII, as base64 and token types
/// always are, else UTF-8.
pub(super) unsafe fn js_string(env: sys::napi_env, s: &str) -> Result<sys::napi_value> {
    let mut v = ptr::null_mut();
    let (p, len) = (s.as_ptr().cast(), s.len() as isize);
    unsafe {
        if s.is_ascii() {
            check_status!(sys::napi_create_string_latin1(env, p, len, &mut v))?;
        } else {
            check_status!(sys::napi_create_string_utf8(env, p, len, &mut v))?;
        }
    }
    Ok(v)
}
