namespace Piecrust.Wasm;

/// <summary>One section as laid out in the module bytes.</summary>
/// <param name="Id">Section id.</param>
/// <param name="Offset">Offset of the id byte.</param>
/// <param name="PayloadOffset">Offset of the first payload byte (after the size LEB).</param>
/// <param name="PayloadLength">Payload size in bytes.</param>
internal sealed record WasmSection(WasmSectionId Id, int Offset, int PayloadOffset, int PayloadLength)
{
    /// <summary>Offset just past the section.</summary>
    public int EndOffset => PayloadOffset + PayloadLength;
}
