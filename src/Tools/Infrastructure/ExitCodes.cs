namespace Piecrust.Tools;

/// <summary>The process exit codes of the piecrust CLI.</summary>
public static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Ok = 0;

    /// <summary>The command could not run: bad input, unknown root or contract, missing file, locked or missing store, failed call…</summary>
    public const int Error = 1;

    /// <summary>The command ran and found something wrong: fsck found problems, or verify found the proof invalid.</summary>
    public const int CheckFailed = 2;
}
