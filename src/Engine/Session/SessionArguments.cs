using Piecrust.Execution;

namespace Piecrust;

/// <summary>What <see cref="Session"/> refuses before any work: arguments over the ABI's sizes, and <c>init</c> as a call.</summary>
internal static class SessionArguments
{
    /// <exception cref="InvalidArgumentException">The owner is over 65,535 bytes or the init argument over the argument buffer.</exception>
    public static void CheckDeploy(ContractData data)
    {
        if (data.Owner.Length > ushort.MaxValue)
            throw new InvalidArgumentException($"An owner is at most {ushort.MaxValue} bytes, got {data.Owner.Length}.");
        if (data.InitArg.Length > CallLimits.MaxArgumentSize)
            throw new InvalidArgumentException($"An init argument is at most {CallLimits.MaxArgumentSize} bytes, got {data.InitArg.Length}.");
    }

    /// <exception cref="InvalidArgumentException">The argument is over the argument buffer, or the function is <c>init</c>.</exception>
    public static void CheckCall(string function, ReadOnlySpan<byte> arg)
    {
        if (arg.Length > CallLimits.MaxArgumentSize)
            throw new InvalidArgumentException($"A call argument is at most {CallLimits.MaxArgumentSize} bytes, got {arg.Length}.");
        if (function == "init")
            throw new InvalidArgumentException("'init' is a contract's constructor: it runs once at deploy and can never be called.");
    }

    /// <exception cref="InvalidArgumentException">The value is over the argument buffer.</exception>
    public static void CheckMetadata(ReadOnlySpan<byte> value)
    {
        if (value.Length > CallLimits.MaxArgumentSize)
            throw new InvalidArgumentException($"A metadata value is at most {CallLimits.MaxArgumentSize} bytes, got {value.Length}.");
    }
}
