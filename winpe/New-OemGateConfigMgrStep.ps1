<#
.SYNOPSIS
    Example: add an oemgate check to a Configuration Manager task sequence.

.DESCRIPTION
    Creates a "Run Command Line" step that runs oemgate.exe from a package and accepts only
    exit code 0, inserts it into the task sequence, and adds the condition
    OEMGATE_VERDICT equals "allowed" to the step that applies the operating system image.

    Run on a machine with the Configuration Manager console, from the site drive
    (e.g. PS XYZ:\>). The image must be readable by the step: here a preceding
    "Download Package Content" step saved the OS image package under the variable base
    name OSIMAGE, so its folder is %OSIMAGE01%.

.EXAMPLE
    .\New-OemGateConfigMgrStep.ps1 -TaskSequenceName 'Deploy Windows 11' -PackageId XYZ00042 `
        -ApplyStepName 'Apply Operating System' -ImageIndex 3
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)] [string] $TaskSequenceName,
    # Package that holds oemgate.exe at its root.
    [Parameter(Mandatory = $true)] [string] $PackageId,
    [Parameter(Mandatory = $true)] [string] $ApplyStepName,
    [ValidateRange(1, 64)] [int] $ImageIndex = 1,
    [string] $ImagePath = '%OSIMAGE01%\install.wim',
    # Position of the new step in the task sequence's top level (0 = first).
    [int] $InsertAt = 0
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$ts = Get-CMTaskSequence -Name $TaskSequenceName -Fast
if (-not $ts) { throw "No task sequence named '$TaskSequenceName'." }

$commandLine = "oemgate.exe check --image `"$ImagePath`" --index $ImageIndex"
if ($PSCmdlet.ShouldProcess($TaskSequenceName, "add step: $commandLine")) {
    # Success code 0 only; continue-on-error stays off, so any other exit code
    # (1 blocked, 2 usage, 3 cannot decide, 4 unreadable image) fails the task sequence.
    $step = New-CMTSStepRunCommandLine -Name 'Check licence (oemgate)' `
        -CommandLine $commandLine -PackageId $PackageId -SuccessCode 0
    Add-CMTaskSequenceStep -InputObject $ts -Step $step -InsertStepStartIndex $InsertAt

    # Defence in depth: the apply step runs only when oemgate allowed the image.
    $condition = New-CMTSStepConditionVariable -ConditionVariableName 'OEMGATE_VERDICT' `
        -ConditionVariableValue 'allowed' -OperatorType Equals
    Set-CMTSStepApplyOperatingSystem -InputObject $ts -StepName $ApplyStepName -AddCondition $condition
}
