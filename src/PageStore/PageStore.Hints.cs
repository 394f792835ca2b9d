using System.Text;
using RocksDbSharp;

namespace Piecrust.Storage;

// Values an engine keeps between opens to work faster, that no state, root or proof depends on.
public sealed partial class PageStore
{
    private const string HintPrefix = "hint";

    /// <summary>
    /// The hint stored under <paramref name="name"/> (lowercase letters), or null. A hint is a value
    /// the engine keeps between opens only to work faster (e.g. which contracts to warm up); no
    /// state depends on it. Its stored checksum is verified first.
    /// </summary>
    /// <exception cref="CorruptStoreException">The hint does not match its checksum, or RocksDB found its block damaged.</exception>
    /// <exception cref="StoreIOException">Reading it failed for another reason (an I/O error).</exception>
    public byte[]? ReadHint(string name)
    {
        var stored = Get(StoreColumn.Meta, HintKey(name));
        if (stored is null) return null;
        if (!Checksummed.IsIntact(stored))
            throw new CorruptStoreException($"The store's hint '{name}' (key '{HintPrefix}{name}' of the meta column) is damaged. No state depends on it: writing it again (or removing it) loses nothing.");
        return Checksummed.Content(stored);
    }

    /// <summary>Stores (or replaces) the hint <paramref name="name"/> (see <see cref="ReadHint"/>), with a checksum.</summary>
    /// <exception cref="StoreIOException">The write failed (a full disk, an I/O error); nothing is written.</exception>
    public void WriteHint(string name, ReadOnlySpan<byte> value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var batch = new WriteBatch();
        batch.Put(HintKey(name), Checksummed.Seal(value), Column(StoreColumn.Meta));
        Write(batch);
    }

    // Lowercase letters only, so error messages show the key by name (StoreErrors.KeyText).
    private static byte[] HintKey(string name)
    {
        if (name.Length == 0 || name.AsSpan().IndexOfAnyExceptInRange('a', 'z') >= 0)
            throw new ArgumentException($"A hint name is lowercase letters a-z; got '{name}'.", nameof(name));
        return Encoding.ASCII.GetBytes(HintPrefix + name);
    }
}
