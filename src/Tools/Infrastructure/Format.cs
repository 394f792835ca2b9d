using System.Globalization;

namespace Piecrust.Tools;

/// <summary>How the CLI prints values.</summary>
internal static class Format
{
    /// <summary>Lowercase hex, at most <paramref name="maxBytes"/> bytes shown (then "… (N bytes)").</summary>
    public static string Hex(ReadOnlySpan<byte> bytes, int maxBytes = 64) =>
        bytes.Length == 0 ? "(empty)"
        : bytes.Length <= maxBytes ? Convert.ToHexStringLower(bytes)
        : $"{Convert.ToHexStringLower(bytes[..maxBytes])}… ({bytes.Length} bytes)";

    /// <summary>The first 12 hex digits of a hash and an ellipsis.</summary>
    public static string Short(Hash hash) => hash.ToString()[..12] + "…";

    /// <summary>A byte count with a binary unit.</summary>
    public static string Size(double bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        int unit = 0;
        while (bytes >= 1024 && unit < units.Length - 1) { bytes /= 1024; unit++; }
        return unit == 0 ? $"{bytes:0} B" : string.Create(CultureInfo.InvariantCulture, $"{bytes:0.##} {units[unit]}");
    }

    /// <summary>An integer with thousands separators.</summary>
    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>An integer with thousands separators.</summary>
    public static string Count(ulong value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A ratio such as 3.70×.</summary>
    public static string Ratio(double value) => string.Create(CultureInfo.InvariantCulture, $"{value:0.00}×");
}
