<#
.SYNOPSIS
    Add oemgate.exe to a WinPE boot image (boot.wim).

.DESCRIPTION
    Mounts one index of boot.wim with DISM, copies oemgate.exe to Windows\System32 (so
    it is on PATH in WinPE), optionally appends a command to Windows\System32\startnet.cmd,
    then unmounts and commits. The exe must match the WinPE's architecture (x64 or ARM64,
    read from the image with Get-WindowsImage and from the exe's PE header); a mismatch
    stops before anything is mounted. On any error the image is unmounted with its changes
    discarded, so boot.wim is never left half-changed or mounted.

    Run from an elevated Windows PowerShell 5.1 or PowerShell 7 on Windows with the DISM
    module (Windows 10/11, Windows Server, or the ADK's Deployment and Imaging Tools).
    For MDT or Configuration Manager boot images, prefer adding the exe through their own
    "extra files" mechanisms (see README.md); this script is for plain WinPE media.

.PARAMETER BootWim
    Path of boot.wim (e.g. C:\WinPE_amd64\media\sources\boot.wim).

.PARAMETER Index
    Image index to change. 1 for boot images made with copype, MDT or Configuration
    Manager; the boot.wim of Windows setup media has WinPE at 1 and Setup at 2.

.PARAMETER ExePath
    oemgate.exe to add. Default: the exe for the WinPE's architecture beside this script,
    x64\oemgate.exe or arm64\oemgate.exe, else oemgate.exe beside this script (used only
    when its architecture is the WinPE's).

.PARAMETER StartnetCommand
    A command line to append to startnet.cmd (after wpeinit), e.g. "oemgate.exe firmware".
    Not appended again when the exact line is already there.

.PARAMETER MountDir
    Empty directory to mount to. Default: a new directory under $env:TEMP.

.EXAMPLE
    .\Add-OemGateToWinPE.ps1 -BootWim C:\WinPE_amd64\media\sources\boot.wim

.EXAMPLE
    .\Add-OemGateToWinPE.ps1 -BootWim D:\sources\boot.wim -Index 2 -StartnetCommand "oemgate.exe firmware"

.EXAMPLE
    .\Add-OemGateToWinPE.ps1 -BootWim C:\WinPE_arm64\media\sources\boot.wim -ExePath .\arm64\oemgate.exe
#>
#Requires -RunAsAdministrator
#Requires -Modules Dism
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)]
    [string] $BootWim,

    [ValidateRange(1, 64)]
    [int] $Index = 1,

    [string] $ExePath,

    [ValidatePattern('^[\x20-\x7E]+$')]   # printable ASCII: startnet.cmd is read in the OEM code page
    [string] $StartnetCommand,

    [string] $MountDir
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$BootWim = (Resolve-Path -LiteralPath $BootWim).ProviderPath
if ((Get-Item -LiteralPath $BootWim).IsReadOnly) {
    throw "$BootWim is read-only (copied from a DVD or ISO?): copy it to a writable folder first."
}

# The WinPE's architecture (ImageArchitecture: 9 = x64, 12 = ARM64).
$imageInfo = Get-WindowsImage -ImagePath $BootWim -Index $Index
$peArch = switch ([int]$imageInfo.Architecture) {
    9 { 'x64' }
    12 { 'arm64' }
    default { throw "$BootWim index $Index is neither x64 nor ARM64 (architecture $($imageInfo.Architecture)): oemgate has no exe for it." }
}
Write-Host "WinPE architecture: $peArch"

if (-not $ExePath) {
    $candidates = @((Join-Path (Join-Path $PSScriptRoot $peArch) 'oemgate.exe'), (Join-Path $PSScriptRoot 'oemgate.exe'))
    $ExePath = $candidates | Where-Object { Test-Path -LiteralPath $_ } | Select-Object -First 1
    if (-not $ExePath) {
        throw "No oemgate.exe for $peArch beside this script (looked for $($candidates -join ', ')): give -ExePath."
    }
}
$ExePath = (Resolve-Path -LiteralPath $ExePath).ProviderPath

# The exe must be a PE file of the WinPE's architecture (COFF machine 0x8664 = x64,
# 0xAA64 = ARM64); print its hash so the operator can compare it with the release.
$bytes = [System.IO.File]::ReadAllBytes($ExePath)
if ($bytes.Length -lt 64 -or $bytes[0] -ne 0x4D -or $bytes[1] -ne 0x5A) {
    throw "$ExePath is not a Windows executable."
}
$peOffset = [System.BitConverter]::ToInt32($bytes, 0x3C)
if ($peOffset -lt 64 -or $peOffset + 6 -gt $bytes.Length -or
    $bytes[$peOffset] -ne 0x50 -or $bytes[$peOffset + 1] -ne 0x45 -or $bytes[$peOffset + 2] -ne 0 -or $bytes[$peOffset + 3] -ne 0) {
    throw "$ExePath is not a Windows executable (no PE header)."
}
$machine = [System.BitConverter]::ToUInt16($bytes, $peOffset + 4)
$exeArch = switch ($machine) {
    0x8664 { 'x64' }
    0xAA64 { 'arm64' }
    default { 'machine 0x{0:X4}' -f $machine }
}
if ($exeArch -ne $peArch) {
    throw "$ExePath is a $exeArch exe but $BootWim index $Index is $peArch WinPE: use the $peArch oemgate.exe."
}
Write-Host "oemgate.exe architecture: $exeArch"
$hash = (Get-FileHash -LiteralPath $ExePath -Algorithm SHA256).Hash
Write-Host "oemgate.exe SHA256 $hash"

$createdMountDir = $false
if (-not $MountDir) {
    $MountDir = Join-Path $env:TEMP ('oemgate-mount-' + [guid]::NewGuid().ToString('N'))
}
if (-not (Test-Path -LiteralPath $MountDir)) {
    New-Item -ItemType Directory -Path $MountDir | Out-Null
    $createdMountDir = $true
} elseif (Get-ChildItem -LiteralPath $MountDir -Force | Select-Object -First 1) {
    throw "$MountDir is not empty."
}

if (-not $PSCmdlet.ShouldProcess("$BootWim index $Index", 'add oemgate.exe')) {
    if ($createdMountDir) { Remove-Item -LiteralPath $MountDir }
    return
}

$mounted = $false
try {
    Write-Host "Mounting $BootWim index $Index at $MountDir"
    Mount-WindowsImage -ImagePath $BootWim -Index $Index -Path $MountDir | Out-Null
    $mounted = $true

    $system32 = Join-Path $MountDir 'Windows\System32'
    if (-not (Test-Path -LiteralPath (Join-Path $system32 'winpeshl.exe'))) {
        Write-Warning "Index $Index has no Windows\System32\winpeshl.exe: is it a WinPE image?"
    }
    Copy-Item -LiteralPath $ExePath -Destination (Join-Path $system32 'oemgate.exe') -Force
    Write-Host 'Copied oemgate.exe to Windows\System32'

    if ($StartnetCommand) {
        $startnet = Join-Path $system32 'startnet.cmd'
        $lines = @()
        if (Test-Path -LiteralPath $startnet) {
            $lines = @(Get-Content -LiteralPath $startnet)
        } else {
            $lines = @('wpeinit')
        }
        if ($lines -contains $StartnetCommand) {
            Write-Host 'startnet.cmd already has that line'
        } else {
            $lines += $StartnetCommand
            # cmd.exe reads startnet.cmd in the OEM code page: keep it plain ASCII.
            Set-Content -LiteralPath $startnet -Value $lines -Encoding Ascii
            Write-Host "Appended to startnet.cmd: $StartnetCommand"
        }
    }

    Write-Host 'Unmounting and committing'
    Dismount-WindowsImage -Path $MountDir -Save | Out-Null
    $mounted = $false
    Write-Host "Done: $BootWim index $Index now contains oemgate.exe"
}
catch {
    if ($mounted) {
        Write-Warning 'Failed; unmounting and discarding the changes'
        try {
            Dismount-WindowsImage -Path $MountDir -Discard | Out-Null
        } catch {
            Write-Warning "Discarding failed too: run 'dism /Cleanup-Mountpoints' ($($_.Exception.Message))"
        }
    }
    throw
}
finally {
    if ($createdMountDir -and -not $mounted -and (Test-Path -LiteralPath $MountDir)) {
        Remove-Item -LiteralPath $MountDir -Recurse -Force -ErrorAction SilentlyContinue
    }
}
