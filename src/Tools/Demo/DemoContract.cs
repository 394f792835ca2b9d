namespace Piecrust.Tools;

/// <summary>The counter contract the demo deploys, shipped as WAT text (an embedded resource) and converted to binary here.</summary>
public static class DemoContract
{
    /// <summary>Byte offset of the counter in the contract's memory.</summary>
    public const ulong CounterOffset = 0x10000;

    /// <summary>The storage page holding the counter.</summary>
    public const ulong CounterPage = CounterOffset / 4096;

    /// <summary>The counter's initial value.</summary>
    public const ulong InitialValue = 0xfc;

    /// <summary>The WAT source.</summary>
    public static string Wat()
    {
        using var stream = typeof(DemoContract).Assembly.GetManifestResourceStream("Piecrust.Tools.Demo.counter.wat")
            ?? throw new InvalidOperationException("The demo contract resource is missing from the piecrust assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The WebAssembly binary (what the engine deploys).</summary>
    public static byte[] Bytecode() => Input.Wat(Wat(), "counter.wat");
}
