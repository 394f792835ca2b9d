using Piecrust.Merkle;

namespace Piecrust.Runtime;

/// <summary>
/// The deploy-time module rules (<see cref="ModuleValidator"/>) as the index asks for them when it
/// imports a snapshot or checks a store: the same validation a deploy runs, without compiling.
/// </summary>
internal sealed class BytecodeRules(Wasmtime.Engine engine, VMOptions limits) : IBytecodeValidator
{
    public int MaxBytecodeLength => limits.MaxModuleSize;

    public BytecodeVerdict Validate(ReadOnlySpan<byte> bytecode)
    {
        try
        {
            var module = ModuleValidator.Check(engine, bytecode, limits);
            return BytecodeVerdict.Valid(module.Is64, module.InitialMemory, module.MaxMemory);
        }
        catch (InvalidModuleException e)
        {
            return BytecodeVerdict.Invalid(e.Message);
        }
    }
}
