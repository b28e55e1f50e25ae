/*
 * TEST-ONLY stand-in for the task sequence engine's Microsoft.SMS.TSEnvironment COM
 * object, never shipped. An in-process server with one IDispatch object whose Value(name)
 * property is read and written like the real one (unset variables read as ""). It is
 * strict where the real object's callers can go wrong: a property put must come with
 * exactly two BSTR arguments in reverse order (rgvarg[0] = value, rgvarg[1] = name) and
 * the named argument DISPID_PROPERTYPUT; anything else fails with a DISP_E_ error.
 * The real object's variables outlive the process that set them; this one's live in the
 * process, so after every successful put it writes all of them, UTF-8, one `name<TAB>value`
 * line each, to the file named by the environment variable OEMGATE_FAKETSENV_OUT (when set;
 * a file that cannot be written fails the put with E_FAIL, so a test cannot miss it).
 * tests/wine/run.sh builds it with mingw-w64; tests/it/wine.rs registers it in the test
 * Wine prefix only while one test runs.
 */
#define COBJMACROS
#include <windows.h>
#include <oleauto.h>

/* {6F1A2B3C-4D5E-4F60-8192-A3B4C5D6E7F8}: a private CLSID for this test server */
static const CLSID CLSID_FakeTsEnv = {0x6f1a2b3c, 0x4d5e, 0x4f60, {0x81, 0x92, 0xa3, 0xb4, 0xc5, 0xd6, 0xe7, 0xf8}};

#define MAX_VARS 64
static BSTR var_names[MAX_VARS], var_values[MAX_VARS];
static int var_count;

static void init_vars(void)
{
    if (var_count == 0) {
        var_names[0] = SysAllocString(L"_SMSTSLogPath");
        var_values[0] = SysAllocString(L"C:\\_SMSTaskSequence\\Logs");
        var_count = 1;
    }
}

static int find_var(const WCHAR *name)
{
    for (int i = 0; i < var_count; i++)
        if (lstrcmpiW(var_names[i], name) == 0)
            return i;
    return -1;
}

/* Append `w` as UTF-8 to `f`; FALSE when it cannot be converted or written. */
static BOOL write_utf8(HANDLE f, const WCHAR *w)
{
    int n = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, -1, NULL, 0, NULL, NULL);
    if (n <= 0)
        return FALSE;
    char *buf = HeapAlloc(GetProcessHeap(), 0, (SIZE_T)n);
    if (!buf)
        return FALSE;
    BOOL ok = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, -1, buf, n, NULL, NULL) == n;
    DWORD done = 0;
    if (ok && n > 1)
        ok = WriteFile(f, buf, (DWORD)(n - 1), &done, NULL) && done == (DWORD)(n - 1);
    HeapFree(GetProcessHeap(), 0, buf);
    return ok;
}

/* Every variable to OEMGATE_FAKETSENV_OUT (rewritten whole); S_OK when the variable is unset. */
static HRESULT persist_vars(void)
{
    WCHAR path[MAX_PATH];
    DWORD len = GetEnvironmentVariableW(L"OEMGATE_FAKETSENV_OUT", path, MAX_PATH);
    if (len == 0)
        return S_OK;
    if (len >= MAX_PATH)
        return E_FAIL;
    HANDLE f = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (f == INVALID_HANDLE_VALUE)
        return E_FAIL;
    BOOL ok = TRUE;
    for (int i = 0; ok && i < var_count; i++)
        ok = write_utf8(f, var_names[i]) && write_utf8(f, L"\t") && write_utf8(f, var_values[i]) &&
             write_utf8(f, L"\n");
    ok = CloseHandle(f) && ok;
    return ok ? S_OK : E_FAIL;
}

static HRESULT STDMETHODCALLTYPE env_QueryInterface(IDispatch *This, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch)) {
        *ppv = This;
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}
static ULONG STDMETHODCALLTYPE env_AddRef(IDispatch *This) { (void)This; return 2; }
static ULONG STDMETHODCALLTYPE env_Release(IDispatch *This) { (void)This; return 1; }
static HRESULT STDMETHODCALLTYPE env_GetTypeInfoCount(IDispatch *This, UINT *n) { (void)This; *n = 0; return S_OK; }
static HRESULT STDMETHODCALLTYPE env_GetTypeInfo(IDispatch *This, UINT i, LCID l, ITypeInfo **t)
{
    (void)This; (void)i; (void)l; *t = NULL;
    return E_NOTIMPL;
}
static HRESULT STDMETHODCALLTYPE env_GetIDsOfNames(IDispatch *This, REFIID riid, LPOLESTR *names, UINT count,
                                                   LCID lcid, DISPID *ids)
{
    (void)This; (void)riid; (void)lcid;
    if (count == 1 && lstrcmpiW(names[0], L"Value") == 0) {
        ids[0] = 0;
        return S_OK;
    }
    for (UINT i = 0; i < count; i++)
        ids[i] = DISPID_UNKNOWN;
    return DISP_E_UNKNOWNNAME;
}
static HRESULT STDMETHODCALLTYPE env_Invoke(IDispatch *This, DISPID id, REFIID riid, LCID lcid, WORD flags,
                                            DISPPARAMS *p, VARIANT *result, EXCEPINFO *ei, UINT *argerr)
{
    (void)This; (void)riid; (void)lcid; (void)ei; (void)argerr;
    if (id != 0)
        return DISP_E_MEMBERNOTFOUND;
    init_vars();
    if (flags == DISPATCH_PROPERTYPUT) {
        if (p->cArgs != 2 || p->cNamedArgs != 1 || p->rgdispidNamedArgs[0] != DISPID_PROPERTYPUT)
            return DISP_E_BADPARAMCOUNT;
        VARIANT *value = &p->rgvarg[0], *name = &p->rgvarg[1];
        if (V_VT(value) != VT_BSTR || V_VT(name) != VT_BSTR || !V_BSTR(name) || !*V_BSTR(name))
            return DISP_E_TYPEMISMATCH;
        int i = find_var(V_BSTR(name));
        if (i < 0) {
            if (var_count == MAX_VARS)
                return E_OUTOFMEMORY;
            i = var_count++;
            var_names[i] = SysAllocString(V_BSTR(name));
        } else {
            SysFreeString(var_values[i]);
        }
        var_values[i] = SysAllocString(V_BSTR(value) ? V_BSTR(value) : L"");
        return persist_vars();
    }
    if (flags & DISPATCH_PROPERTYGET) {
        if (p->cArgs != 1 || p->cNamedArgs != 0)
            return DISP_E_BADPARAMCOUNT;
        if (V_VT(&p->rgvarg[0]) != VT_BSTR)
            return DISP_E_TYPEMISMATCH;
        if (!result)
            return E_INVALIDARG;
        int i = find_var(V_BSTR(&p->rgvarg[0]));
        VariantInit(result);
        V_VT(result) = VT_BSTR;
        V_BSTR(result) = SysAllocString(i >= 0 ? var_values[i] : L"");
        return S_OK;
    }
    return DISP_E_MEMBERNOTFOUND;
}

static IDispatchVtbl env_vtbl = {env_QueryInterface, env_AddRef, env_Release, env_GetTypeInfoCount,
                                 env_GetTypeInfo, env_GetIDsOfNames, env_Invoke};
static IDispatch env_object = {&env_vtbl};

static HRESULT STDMETHODCALLTYPE cf_QueryInterface(IClassFactory *This, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IClassFactory)) {
        *ppv = This;
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}
static ULONG STDMETHODCALLTYPE cf_AddRef(IClassFactory *This) { (void)This; return 2; }
static ULONG STDMETHODCALLTYPE cf_Release(IClassFactory *This) { (void)This; return 1; }
static HRESULT STDMETHODCALLTYPE cf_CreateInstance(IClassFactory *This, IUnknown *outer, REFIID riid, void **ppv)
{
    (void)This;
    if (outer)
        return CLASS_E_NOAGGREGATION;
    return env_QueryInterface(&env_object, riid, ppv);
}
static HRESULT STDMETHODCALLTYPE cf_LockServer(IClassFactory *This, BOOL lock) { (void)This; (void)lock; return S_OK; }

static IClassFactoryVtbl cf_vtbl = {cf_QueryInterface, cf_AddRef, cf_Release, cf_CreateInstance, cf_LockServer};
static IClassFactory class_factory = {&cf_vtbl};

HRESULT WINAPI DllGetClassObject(REFCLSID clsid, REFIID riid, void **ppv)
{
    if (!IsEqualCLSID(clsid, &CLSID_FakeTsEnv)) {
        *ppv = NULL;
        return CLASS_E_CLASSNOTAVAILABLE;
    }
    return cf_QueryInterface(&class_factory, riid, ppv);
}

HRESULT WINAPI DllCanUnloadNow(void) { return S_FALSE; }
