@echo off
rem Example Windows\System32\startnet.cmd of a plain WinPE boot image with oemgate.exe
rem in Windows\System32 (winpe\Add-OemGateToWinPE.ps1 puts it there).
rem MDT and Configuration Manager boot images start their task sequence from wpeinit:
rem gate those with a task sequence step instead (see winpe\README.md).
wpeinit

rem Show what this PC's firmware is licensed for (OA3 key masked, SLIC, edition).
oemgate.exe firmware

rem Gate a manual apply: any exit code but 0 stops (1 blocked, 2 usage error,
rem 3 cannot decide, 4 unreadable image). D: is the USB stick, W: the target partition.
set IMAGE=D:\sources\install.wim
set INDEX=3
oemgate.exe check --image "%IMAGE%" --index %INDEX%
if errorlevel 1 goto :blocked
dism /Apply-Image /ImageFile:"%IMAGE%" /Index:%INDEX% /ApplyDir:W:\
goto :eof

:blocked
echo.
echo oemgate: this image may not be applied to this PC (exit code %errorlevel%); nothing was changed.
cmd /k
