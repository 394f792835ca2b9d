using RocksDbSharp;

namespace Piecrust.Storage;

public sealed partial class PageStore
{
    /// <summary>
    /// A cached compiled module for <paramref name="bytecode"/> under engine configuration
    /// <paramref name="fingerprint"/>, or null. The stored checksum is verified first, since a
    /// compiled module must never be loaded from damaged bytes.
    /// </summary>
    /// <exception cref="CorruptStoreException">The cached module does not match its checksum, or RocksDB found its block damaged.</exception>
    /// <exception cref="StoreIOException">Reading it failed for another reason (an I/O error).</exception>
    public byte[]? ReadModule(Hash bytecode, Hash fingerprint)
    {
        var stored = Get(StoreColumn.Modules, ModuleKey(bytecode, fingerprint));
        if (stored is null) return null;
        if (!Checksummed.IsIntact(stored))
            throw new CorruptStoreException($"The compiled module cached for bytecode {bytecode} is corrupt; remove it to recompile.");
        return Checksummed.Content(stored);
    }

    /// <summary>Caches a compiled module (kept until its bytecode is reclaimed or it is removed).</summary>
    /// <exception cref="StoreIOException">The write failed (a full disk, an I/O error); nothing is written.</exception>
    public void WriteModule(Hash bytecode, Hash fingerprint, ReadOnlySpan<byte> compiled)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var batch = new WriteBatch();
        batch.Put(ModuleKey(bytecode, fingerprint), Checksummed.Seal(compiled), Column(StoreColumn.Modules));
        Write(batch);
    }

    /// <summary>Removes every cached compiled module of <paramref name="bytecode"/>.</summary>
    /// <exception cref="StoreIOException">The write failed (a full disk, an I/O error); nothing is removed.</exception>
    public void RemoveModules(Hash bytecode)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var batch = new WriteBatch();
        RemoveModules(batch, bytecode);
        Write(batch);
    }

    internal void RemoveModules(WriteBatch batch, Hash bytecode)
    {
        var start = bytecode.ToArray();
        var end = new byte[Hash.Size * 2 + 1];
        start.CopyTo(end, 0);
        end.AsSpan(Hash.Size).Fill(0xFF);
        batch.DeleteRange(start, (ulong)start.Length, end, (ulong)end.Length, Column(StoreColumn.Modules));
    }

    private static byte[] ModuleKey(Hash bytecode, Hash fingerprint)
    {
        var key = new byte[Hash.Size * 2];
        bytecode.CopyTo(key);
        fingerprint.CopyTo(key.AsSpan(Hash.Size));
        return key;
    }
}
