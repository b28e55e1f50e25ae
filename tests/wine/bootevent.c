/*
 * TEST-ONLY helper for the arm64 Wine prefix (tests/wine/run.sh, tests/it/wine.rs), never
 * shipped. Every Wine process started from Unix first runs "wineboot --init" behind the
 * named event \KernelObjects\__wineboot_event; a process that finds the event already
 * there waits on it (up to 5 minutes). Under qemu-user without binfmt_misc wineboot
 * cannot be started, so the event of a process whose start failed is never set, and any
 * process started at the same moment hangs. This creates that event permanent and set,
 * once per wineserver: every later process finds it set and goes on at once.
 */
#include <windows.h>
#include <winternl.h>

NTSTATUS NTAPI NtCreateEvent(PHANDLE handle, ACCESS_MASK access, POBJECT_ATTRIBUTES attr,
                             int type, BOOLEAN initial);
NTSTATUS NTAPI NtSetEvent(HANDLE handle, PLONG previous);

#ifndef OBJ_PERMANENT
#define OBJ_PERMANENT 0x10
#endif
#ifndef OBJ_OPENIF
#define OBJ_OPENIF 0x80
#endif

int main(void)
{
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES attr;
    HANDLE event;
    NTSTATUS status;

    RtlInitUnicodeString(&name, L"\\KernelObjects\\__wineboot_event");
    InitializeObjectAttributes(&attr, &name, OBJ_OPENIF | OBJ_PERMANENT, NULL, NULL);
    status = NtCreateEvent(&event, EVENT_ALL_ACCESS, &attr, 0 /* NotificationEvent */, TRUE);
    if (status < 0)
        return 1;
    if (NtSetEvent(event, NULL) < 0)
        return 2;
    return 0;
}
