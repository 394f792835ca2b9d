namespace Piecrust.Wasm;

/// <summary>A custom section: its name and where its remaining payload lies in the module bytes.</summary>
internal sealed record WasmCustomSection(string Name, int PayloadOffset, int PayloadLength);
