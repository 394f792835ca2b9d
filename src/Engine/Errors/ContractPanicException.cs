namespace Piecrust;

/// <summary>
/// Contract code called <c>panic</c>; <see cref="Exception.Message"/> holds its message (or says that
/// it gave none), <see cref="PanicMessage"/> the message exactly.
/// </summary>
public sealed class ContractPanicException : CallFailedException
{
    /// <summary>Creates the exception.</summary>
    public ContractPanicException(string panicMessage)
        : base(string.IsNullOrWhiteSpace(panicMessage) ? "The contract panicked without a message." : panicMessage) => PanicMessage = panicMessage;

    /// <summary>The contract's panic message, exactly.</summary>
    public string PanicMessage { get; }
}
