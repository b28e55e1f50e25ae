/*
 * TEST-ONLY shim, never shipped: Rust's std seeds its hash maps through ProcessPrng from
 * bcryptprimitives.dll (present on Windows 10 and later, WinPE included); Wine 8 lacks
 * that DLL. This stand-in forwards to RtlGenRandom (advapi32!SystemFunction036), which
 * Wine implements. tests/wine/run.sh builds it with mingw-w64 into target/ and copies it
 * into the test Wine prefix only.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length); /* RtlGenRandom */

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
