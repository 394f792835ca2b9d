namespace Piecrust;

/// <summary>
/// A host function contracts reach with the <c>hq</c> import, registered on the VM by name.
/// Must be deterministic: the same argument gives the same price and result on every machine.
/// Called on the session's thread; may be called from several sessions at once.
/// </summary>
public interface IHostQuery
{
    /// <summary>Gas charged for this argument before <see cref="Execute"/> runs.</summary>
    ulong Price(ReadOnlySpan<byte> arg);

    /// <summary>Computes the result into <paramref name="result"/> (64 KiB) and returns its length.</summary>
    int Execute(ReadOnlySpan<byte> arg, Span<byte> result);
}
