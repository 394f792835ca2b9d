namespace Piecrust.Merkle;

/// <summary>
/// Checks contract bytecode against the deploy-time module rules. The index cannot judge WebAssembly
/// itself, so the engine supplies this when it imports a snapshot or checks a store, as the index
/// supplies <see cref="Storage.INodeLayout"/> to the store. Implementations must be pure and thread-safe.
/// </summary>
public interface IBytecodeValidator
{
    /// <summary>Whether <paramref name="bytecode"/> is a valid contract module and, if so, what memory it declares.</summary>
    BytecodeVerdict Validate(ReadOnlySpan<byte> bytecode);

    /// <summary>
    /// The longest bytecode <see cref="Validate"/> can accept (the engine's module size limit): a
    /// snapshot import refuses a longer bytecode record from its header, before reading it.
    /// </summary>
    int MaxBytecodeLength { get; }
}

/// <summary>What <see cref="IBytecodeValidator"/> says about one bytecode.</summary>
/// <param name="Violation">The module rule the bytecode breaks, or null when it is a valid contract.</param>
/// <param name="Is64">True when its memory is 64-bit (memory64).</param>
/// <param name="InitialMemory">Its memory's initial length in bytes (no contract memory can be shorter).</param>
/// <param name="MaxMemory">The largest length its memory may grow to, in bytes (its declared maximum, capped by the ABI's).</param>
public sealed record BytecodeVerdict(string? Violation, bool Is64, ulong InitialMemory, ulong MaxMemory)
{
    /// <summary>True when the bytecode is a valid contract module.</summary>
    public bool IsValid => Violation is null;

    /// <summary>A valid module with this memory.</summary>
    public static BytecodeVerdict Valid(bool is64, ulong initialMemory, ulong maxMemory) => new(null, is64, initialMemory, maxMemory);

    /// <summary>An invalid module breaking <paramref name="violation"/>.</summary>
    public static BytecodeVerdict Invalid(string violation) => new(violation, false, 0, 0);
}
