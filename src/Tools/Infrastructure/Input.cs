using System.Globalization;

namespace Piecrust.Tools;

/// <summary>Parsing of command-line values; every failure is a <see cref="UsageException"/> naming the option.</summary>
internal static class Input
{
    /// <summary>
    /// The most bytes a module file may hold: WAT text of a module at the default
    /// <see cref="VMOptions.MaxModuleSize"/> is a few times larger than the binary (a data byte
    /// written as an escape takes three or four characters), so sixteen times that.
    /// </summary>
    public static readonly int MaxModuleFile = 16 * new VMOptions().MaxModuleSize;

    /// <summary>
    /// Bytes from hex (optional 0x; empty allowed) or, with a leading '@', from a file, at most
    /// <paramref name="maxBytes"/> of them (<paramref name="why"/> says why, e.g. "a call argument is at most 65536 bytes").
    /// </summary>
    public static byte[] Bytes(string value, string option, int maxBytes, string why)
    {
        if (value.StartsWith('@')) return InputFile.Read(value[1..], option, maxBytes, why);
        var text = value.Trim();
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) text = text[2..];
        if (text.Length % 2 != 0 || !text.All(Uri.IsHexDigit))
            throw new UsageException($"{option}: '{Shorten(value)}' is not hex bytes (an even number of hex digits) or @file.");
        if (text.Length / 2 > maxBytes)
            throw new UsageException($"{option}: {text.Length / 2:N0} bytes are more than {maxBytes:N0}: {why}.");
        return Convert.FromHexString(text);
    }

    /// <summary>A 32-byte root in hex.</summary>
    public static Hash Root(string value, string what = "root") =>
        Hash.TryParse(value, out var hash) ? hash : throw new UsageException($"{what}: '{Shorten(value)}' is not a 32-byte hash (64 hex digits).");

    /// <summary>A contract id in hex.</summary>
    public static ContractId Contract(string value) =>
        ContractId.TryParse(value, out var id) ? id : throw new UsageException($"contract: '{Shorten(value)}' is not a contract id (64 hex digits).");

    /// <summary>An unsigned integer, decimal or 0x-prefixed hex.</summary>
    public static ulong Number(string value, string what)
    {
        var text = value.Trim();
        bool ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong number)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out number);
        return ok ? number : throw new UsageException($"{what}: '{Shorten(value)}' is not a non-negative integer.");
    }

    /// <summary>
    /// Contract bytecode from a file of at most <see cref="MaxModuleFile"/> bytes: WebAssembly binary,
    /// or WAT text (by the .wat extension or by content) converted to binary. Whether the module
    /// is within the engine's limits is for the deploy to say.
    /// </summary>
    public static byte[] Module(string path)
    {
        var bytes = InputFile.Read(path, "module", MaxModuleFile,
            $"a deploy accepts modules of up to {Format.Size(new VMOptions().MaxModuleSize)} (VMOptions.MaxModuleSize)");
        if (bytes.AsSpan().StartsWith("\0asm"u8)) return bytes;
        bool looksLikeText = path.EndsWith(".wat", StringComparison.OrdinalIgnoreCase) || LooksLikeWat(bytes);
        if (!looksLikeText)
            throw new UsageException($"module: '{path}' is neither a WebAssembly binary (no \\0asm header) nor WAT text.");
        return Wat(System.Text.Encoding.UTF8.GetString(bytes), path);
    }

    /// <summary>WAT text compiled to a WebAssembly binary.</summary>
    public static byte[] Wat(string text, string name)
    {
        try
        {
            return Wasmtime.Module.ConvertText(text);
        }
        catch (Wasmtime.WasmtimeException e)
        {
            throw new InvalidModuleException($"Invalid contract module: '{name}' is not valid WAT ({FirstLine(e.Message)}).");
        }
    }

    private static bool LooksLikeWat(byte[] bytes)
    {
        var text = System.Text.Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 4096)).TrimStart();
        return text.StartsWith('(') || text.StartsWith(";;", StringComparison.Ordinal);
    }

    private static string FirstLine(string message) => message.Split('\n', StringSplitOptions.TrimEntries)[0];

    internal static string Shorten(string value) => value.Length <= 80 ? value : value[..77] + "...";
}
