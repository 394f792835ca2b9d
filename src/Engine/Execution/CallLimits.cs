namespace Piecrust.Execution;

/// <summary>The ABI's bounds on calls, shared by the session's API and the host imports.</summary>
internal static class CallLimits
{
    /// <summary>Largest argument or result of a call: the size of the argument buffer.</summary>
    public const int MaxArgumentSize = 65536;

    /// <summary>Deepest call stack, top-level frame included.</summary>
    public const int MaxCallDepth = 48;
}
