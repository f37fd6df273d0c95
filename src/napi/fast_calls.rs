//! `Engine.prototype.decidePacked` and `Engine.prototype.validateCached` as plain Node-API
//! callbacks, put in place of the generated ones when the addon loads.
//!
//! Why: the callback napi-rs generates for a `&self` method registers the borrow in its
//! process-wide borrow table (a mutex, a hash-map insert and remove, a thread-local scope) so
//! that a `&mut self` method cannot run while it is borrowed. In a server, where every call
//! of ours finds the CPU caches cold, that machinery cost ~4 µs of the ~23 µs of a cache hit
//! (a `&self` method that does nothing costs ×3 an empty free function). `NativeEngine` has
//! no `&mut self` method and holds its engine in an `Arc`, so a shared borrow has nothing to
//! guard against. Everything else stays as the generated code does it: the receiver is
//! checked with the class's type tag before its pointer is used (a wrong `this` throws the
//! `TypeError` V8 throws for the generated method), and
//! the argument and the result convert with the same napi-rs traits, so both calls answer and
//! throw exactly as the generated methods (which stay, typed, in `engine.rs`) do.

use std::ffi::CStr;
use std::ptr;

use napi::bindgen_prelude::{FromNapiValue, JsError, Object, ToNapiValue, TypeTag};
use napi::{Env, JsValue, Result, check_status, sys};
use napi_derive::napi;

use super::engine::NativeEngine;

type RawCallback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// Runs when the addon loads in an env, after the classes are defined on `exports`.
#[napi(module_exports)]
pub fn install_fast_calls(exports: Object, env: Env) -> Result<()> {
    let env = env.raw();
    let calls: [(&CStr, RawCallback); 2] = [
        (c"decidePacked", decide_packed),
        (c"validateCached", validate_cached),
    ];
    // SAFETY: `env` and `exports` are the live values of this module registration.
    unsafe {
        let class = named(env, exports.raw(), c"Engine")?;
        let proto = named(env, class, c"prototype")?;
        for (name, cb) in calls {
            let mut f = ptr::null_mut();
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
    f: impl FnOnce(&NativeEngine, sys::napi_value) -> Result<sys::napi_value>,
) -> sys::napi_value {
    let run = || -> Result<sys::napi_value> {
        let mut argc = 1usize;
        let mut arg = ptr::null_mut();
        let mut this = ptr::null_mut();
        unsafe {
            check_status!(sys::napi_get_cb_info(
                env,
                info,
                &mut argc,
                &mut arg,
                &mut this,
                ptr::null_mut(),
            ))?;
            // Another class's object (or none) must not reach the cast below. Thrown as V8
            // throws for the generated method (its class signature check comes first).
            if napi::bindgen_prelude::validate_type_tag(
                env,
                this,
                &NativeEngine::type_tag(),
                "Engine",
            )
            .is_err()
            {
                sys::napi_throw_type_error(env, ptr::null(), c"Illegal invocation".as_ptr());
                return Ok(ptr::null_mut());
            }
            let mut raw = ptr::null_mut();
            check_status!(sys::napi_unwrap(env, this, &mut raw))?;
            f(&*(raw as *const NativeEngine), arg)
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
        with_engine(env, info, |engine, arg| {
            let facts = String::from_napi_value(env, arg)?;
            String::to_napi_value(env, engine.decide_packed(facts))
        })
    }
}

unsafe extern "C" fn validate_cached(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    unsafe {
        with_engine(env, info, |engine, arg| {
            let token = String::from_napi_value(env, arg)?;
            ToNapiValue::to_napi_value(env, engine.validate_cached(token))
        })
    }
}
