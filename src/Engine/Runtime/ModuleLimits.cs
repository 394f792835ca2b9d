using Piecrust.Wasm;

namespace Piecrust.Runtime;

/// <summary>
/// The <see cref="VMOptions"/> module limits, checked before a module is validated by the engine or
/// compiled, so that compile time stays bounded (see <see cref="VMOptions.MaxModuleSize"/>).
/// </summary>
internal static class ModuleLimits
{
    /// <summary>Throws when a limit is not positive.</summary>
    public static void Validate(VMOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxModuleSize, "options." + nameof(VMOptions.MaxModuleSize));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxFunctions, "options." + nameof(VMOptions.MaxFunctions));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxFunctionBodySize, "options." + nameof(VMOptions.MaxFunctionBodySize));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxDataSegments, "options." + nameof(VMOptions.MaxDataSegments));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxControlInstructions, "options." + nameof(VMOptions.MaxControlInstructions));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxFunctionControlInstructions, "options." + nameof(VMOptions.MaxFunctionControlInstructions));
    }

    /// <summary>Checks the module's size; cheap, so it comes before anything reads the bytes.</summary>
    /// <exception cref="InvalidModuleException">The module is larger than <see cref="VMOptions.MaxModuleSize"/>.</exception>
    public static void CheckSize(int length, VMOptions options)
    {
        if (length > options.MaxModuleSize)
            throw Over($"it is {length:N0} bytes", options.MaxModuleSize, nameof(VMOptions.MaxModuleSize));
    }

    /// <summary>Checks what parsing found against the count limits.</summary>
    /// <exception cref="InvalidModuleException">The module breaks a limit (the message names it and its option).</exception>
    public static void CheckShape(WasmModuleInfo info, VMOptions options)
    {
        if (info.FunctionBodies.Count > options.MaxFunctions)
            throw Over($"it defines {info.FunctionBodies.Count:N0} functions", options.MaxFunctions, nameof(VMOptions.MaxFunctions));
        if (info.DataSegments.Count > options.MaxDataSegments)
            throw Over($"it has {info.DataSegments.Count:N0} data segments", options.MaxDataSegments, nameof(VMOptions.MaxDataSegments));
        if (info.ControlInstructions > options.MaxControlInstructions)
            throw Over($"it has {info.ControlInstructions:N0} control instructions (blocks, loops, ifs, branches, br_table targets and calls)",
                options.MaxControlInstructions, nameof(VMOptions.MaxControlInstructions));
        foreach (var body in info.FunctionBodies)
        {
            if (body.Length > options.MaxFunctionBodySize)
                throw Over($"the body of function {body.FunctionIndex} is {body.Length:N0} bytes", options.MaxFunctionBodySize, nameof(VMOptions.MaxFunctionBodySize));
            if (body.ControlInstructions > options.MaxFunctionControlInstructions)
                throw Over($"function {body.FunctionIndex} has {body.ControlInstructions:N0} control instructions (blocks, loops, ifs, branches, br_table targets and calls)",
                    options.MaxFunctionControlInstructions, nameof(VMOptions.MaxFunctionControlInstructions));
        }
    }

    private static InvalidModuleException Over(string what, int limit, string option) =>
        new($"Invalid contract module: {what}, over the limit of {limit:N0} ({nameof(VMOptions)}.{option}).", option);
}
