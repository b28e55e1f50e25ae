//! Task sequence variables through the `Microsoft.SMS.TSEnvironment` COM object, which
//! the MDT / Configuration Manager task sequence engine registers while a task sequence
//! runs (in WinPE and in the full OS). The object is late-bound only (IDispatch): its
//! `Value(name)` property is read and written with `IDispatch::Invoke`.

use windows::Win32::Foundation::{CO_E_CLASSSTRING, REGDB_E_CLASSNOTREG, RPC_E_CHANGED_MODE};
use windows::Win32::System::Com::{
    CLSCTX_INPROC_SERVER, CLSCTX_LOCAL_SERVER, CLSIDFromProgID, COINIT_APARTMENTTHREADED, CoCreateInstance,
    CoInitializeEx, CoUninitialize, DISPATCH_FLAGS, DISPATCH_PROPERTYGET, DISPATCH_PROPERTYPUT, DISPPARAMS, IDispatch,
};
use windows::Win32::System::Ole::DISPID_PROPERTYPUT;
use windows::Win32::System::Variant::{VARIANT, VT_BSTR};
use windows::core::{BSTR, GUID, HSTRING, PCWSTR, w};

/// ProgID of the task sequence environment object.
pub(crate) const PROG_ID: &str = "Microsoft.SMS.TSEnvironment";

/// Why a call failed, for one error line.
pub(crate) type TsError = String;

/// Set every `(name, value)`; `Ok(false)` (nothing set) when no task sequence engine is
/// registered on this system.
pub(crate) fn set_variables(vars: &[(&str, &str)]) -> Result<bool, TsError> {
    let _com = Apartment::enter()?;
    let Some(env) = environment()? else { return Ok(false) };
    let dispid = value_dispid(&env)?;
    for (name, value) in vars {
        let mut args = [VARIANT::from(*value), VARIANT::from(*name)]; // reverse order: value last
        let mut named = [DISPID_PROPERTYPUT];
        let params =
            DISPPARAMS { rgvarg: args.as_mut_ptr(), rgdispidNamedArgs: named.as_mut_ptr(), cArgs: 2, cNamedArgs: 1 };
        invoke(&env, dispid, DISPATCH_PROPERTYPUT, &params, None)
            .map_err(|e| format!("{PROG_ID}: cannot set {name}: {e}"))?;
    }
    Ok(true)
}

/// Read one variable; `Ok(None)` when no task sequence engine is registered, `Ok(Some(""))`
/// when the variable is not set (the object answers unset variables with "").
pub(crate) fn get_variable(name: &str) -> Result<Option<String>, TsError> {
    let _com = Apartment::enter()?;
    let Some(env) = environment()? else { return Ok(None) };
    let dispid = value_dispid(&env)?;
    let mut args = [VARIANT::from(name)];
    let params =
        DISPPARAMS { rgvarg: args.as_mut_ptr(), rgdispidNamedArgs: std::ptr::null_mut(), cArgs: 1, cNamedArgs: 0 };
    let mut result = VARIANT::default();
    invoke(&env, dispid, DISPATCH_PROPERTYGET, &params, Some(&mut result))
        .map_err(|e| format!("{PROG_ID}: cannot read {name}: {e}"))?;
    if result.is_empty() {
        return Ok(Some(String::new()));
    }
    if result.vt() != VT_BSTR {
        return Err(format!("{PROG_ID}: {name} is not a string (VARTYPE {})", result.vt().0));
    }
    // SAFETY: the VARIANT holds a BSTR (checked above); it stays owned by `result`.
    let value: &BSTR = unsafe { &result.Anonymous.Anonymous.Anonymous.bstrVal };
    Ok(Some(value.to_string()))
}

/// The TSEnvironment object, or `None` when its ProgID or class is not registered.
fn environment() -> Result<Option<IDispatch>, TsError> {
    let prog_id = HSTRING::from(PROG_ID);
    // SAFETY: `prog_id` is a NUL-terminated wide string that outlives the call.
    let clsid: GUID = match unsafe { CLSIDFromProgID(PCWSTR(prog_id.as_ptr())) } {
        Ok(clsid) => clsid,
        Err(e) if e.code() == CO_E_CLASSSTRING || e.code() == REGDB_E_CLASSNOTREG => return Ok(None),
        Err(e) => return Err(format!("{PROG_ID}: cannot look up the ProgID: {e}")),
    };
    // SAFETY: `clsid` is a valid GUID; no aggregation.
    match unsafe { CoCreateInstance::<_, IDispatch>(&clsid, None, CLSCTX_INPROC_SERVER | CLSCTX_LOCAL_SERVER) } {
        Ok(object) => Ok(Some(object)),
        Err(e) if e.code() == REGDB_E_CLASSNOTREG => Ok(None),
        Err(e) => Err(format!("{PROG_ID} is registered but could not be created (is a task sequence running?): {e}")),
    }
}

/// DISPID of the `Value` property.
fn value_dispid(env: &IDispatch) -> Result<i32, TsError> {
    let names = [w!("Value")];
    let mut dispid = 0i32;
    // SAFETY: one name in, one DISPID out; IID_NULL as the spec requires.
    unsafe { env.GetIDsOfNames(&GUID::zeroed(), names.as_ptr(), 1, 0, &mut dispid) }
        .map_err(|e| format!("{PROG_ID}: no Value property: {e}"))?;
    Ok(dispid)
}

fn invoke(
    env: &IDispatch,
    dispid: i32,
    flags: DISPATCH_FLAGS,
    params: &DISPPARAMS,
    result: Option<&mut VARIANT>,
) -> windows::core::Result<()> {
    // SAFETY: `params` points at VARIANTs and DISPIDs that outlive the call; `result`, when
    // given, is an initialised VARIANT the callee may overwrite (it is cleared on drop).
    unsafe { env.Invoke(dispid, &GUID::zeroed(), 0, flags, params, result.map(|r| r as *mut VARIANT), None, None) }
}

/// COM initialised on this thread for the duration of one call.
struct Apartment {
    initialised: bool,
}

impl Apartment {
    fn enter() -> Result<Self, TsError> {
        // SAFETY: reserved pointer is None; balanced by CoUninitialize in Drop on success.
        let hr = unsafe { CoInitializeEx(None, COINIT_APARTMENTTHREADED) };
        if hr.is_ok() {
            Ok(Apartment { initialised: true }) // S_OK or S_FALSE: must be balanced
        } else if hr == RPC_E_CHANGED_MODE {
            Ok(Apartment { initialised: false }) // already multithreaded: usable as is
        } else {
            Err(format!("cannot initialise COM: {}", windows::core::Error::from(hr)))
        }
    }
}

impl Drop for Apartment {
    fn drop(&mut self) {
        if self.initialised {
            // SAFETY: balances the successful CoInitializeEx of `enter`; every COM object
            // of the call has been released before this guard drops (declared first).
            unsafe { CoUninitialize() };
        }
    }
}
