namespace Piecrust;

/// <summary>
/// The engine could not get a host resource a call needed, typically address space for another
/// 64-bit contract memory (each spans 4 TiB of the process's 128 TiB, so only a few dozen can be
/// open at once, in all sessions together). Not the contract's fault and not deterministic, so it is
/// never turned into a contract error: the call that needed the resource is undone and this reaches
/// the caller, the session's state exactly as before it. Retry when other sessions have ended.
/// </summary>
public sealed class EngineResourceException : PiecrustException
{
    /// <summary>Creates the exception.</summary>
    public EngineResourceException(string message) : base(message) { }

    /// <summary>Creates the exception with the underlying failure.</summary>
    public EngineResourceException(string message, Exception inner) : base(message, inner) { }
}
