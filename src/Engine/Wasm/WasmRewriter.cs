using System.Text;

namespace Piecrust.Wasm;

/// <summary>Small, byte-preserving edits of a module.</summary>
internal static class WasmRewriter
{
    private static readonly UTF8Encoding _strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Returns the module with extra global exports appended to its export section (which is created,
    /// in its proper place, if absent). Every other byte is copied unchanged. Lets the host read and
    /// reset globals the module does not export itself.
    /// </summary>
    /// <exception cref="WasmFormatException">The module is malformed.</exception>
    /// <exception cref="ArgumentException">A global index is out of range, or a name is duplicated or not encodable.</exception>
    public static byte[] ExportGlobals(ReadOnlySpan<byte> module, IReadOnlyList<(uint globalIndex, string exportName)> extra)
    {
        ArgumentNullException.ThrowIfNull(extra);
        var info = WasmModuleInfo.Parse(module);

        var names = new HashSet<string>(info.Exports.Select(e => e.Name), StringComparer.Ordinal);
        var entries = new List<byte>();
        foreach (var (globalIndex, exportName) in extra)
        {
            ArgumentNullException.ThrowIfNull(exportName, nameof(extra));
            if (globalIndex >= (uint)info.Globals.Count)
            {
                throw new ArgumentException($"Global {globalIndex} does not exist (the module has {info.Globals.Count} globals).", nameof(extra));
            }

            if (!names.Add(exportName))
            {
                throw new ArgumentException($"Export name '{exportName}' is already used.", nameof(extra));
            }

            byte[] nameBytes;
            try
            {
                nameBytes = _strictUtf8.GetBytes(exportName);
            }
            catch (EncoderFallbackException e)
            {
                throw new ArgumentException($"Export name '{exportName}' is not valid Unicode.", nameof(extra), e);
            }

            WriteU32(entries, (uint)nameBytes.Length);
            entries.AddRange(nameBytes);
            entries.Add((byte)WasmExternalKind.Global);
            WriteU32(entries, globalIndex);
        }

        ulong total = (ulong)info.Exports.Count + (ulong)extra.Count;
        if (total > uint.MaxValue)
        {
            throw new ArgumentException("Too many exports.", nameof(extra));
        }

        // Old entries are kept byte for byte: only the count in front of them changes.
        var existing = info.Sections.FirstOrDefault(s => s.Id == WasmSectionId.Export);
        ReadOnlySpan<byte> oldEntries = [];
        if (existing is not null)
        {
            var reader = new WasmReader(module);
            reader.Skip((uint)existing.PayloadOffset, "module");
            var payload = reader.Slice((uint)existing.PayloadLength, "export section");
            payload.ReadU32("export count");
            oldEntries = module.Slice(payload.Position, payload.End - payload.Position);
        }

        var payloadBytes = new List<byte>(oldEntries.Length + entries.Count + 5);
        WriteU32(payloadBytes, (uint)total);
        payloadBytes.AddRange(oldEntries);
        payloadBytes.AddRange(entries);
        if ((ulong)payloadBytes.Count > uint.MaxValue)
        {
            throw new ArgumentException("Export section would be too large.", nameof(extra));
        }

        var section = new List<byte>(payloadBytes.Count + 6) { (byte)WasmSectionId.Export };
        WriteU32(section, (uint)payloadBytes.Count);
        section.AddRange(payloadBytes);

        // Where the section goes: in place of the old one, or before the first section that must follow it.
        int replaceStart, replaceEnd;
        if (existing is not null)
        {
            replaceStart = existing.Offset;
            replaceEnd = existing.EndOffset;
        }
        else
        {
            int exportRank = WasmSectionOrder.Rank(WasmSectionId.Export);
            var next = info.Sections.FirstOrDefault(s => s.Id != WasmSectionId.Custom && WasmSectionOrder.Rank(s.Id) > exportRank);
            replaceStart = replaceEnd = next?.Offset ?? module.Length;
        }

        var output = new byte[checked(module.Length - (replaceEnd - replaceStart) + section.Count)];
        module[..replaceStart].CopyTo(output);
        section.CopyTo(output, replaceStart);
        module[replaceEnd..].CopyTo(output.AsSpan(replaceStart + section.Count));
        return output;
    }

    private static void WriteU32(List<byte> to, uint value)
    {
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            to.Add(value != 0 ? (byte)(b | 0x80) : b);
        }
        while (value != 0);
    }
}
