using RocksDbSharp;

namespace Piecrust.Storage;

/// <summary>
/// One pass over a column family in key order that cannot mistake damage for the end of the data.
/// A RocksDB iterator becomes invalid both at the end and when it cannot read a block (a checksum
/// mismatch, an I/O error); only its status tells which, so <see cref="MoveNext"/> checks it and
/// throws <see cref="CorruptStoreException"/> or <see cref="StoreIOException"/>, naming the
/// column and the last key read.
/// </summary>
/// <example><code>using var scan = store.Scan(StoreColumn.Commits);
/// while (scan.MoveNext()) Use(scan.Key, scan.Value);</code></example>
internal sealed class ColumnScan : IDisposable
{
    private readonly Iterator _iterator;
    private readonly StoreColumn _column;
    private byte[] _lastKey = new byte[2 * Hash.Size];
    private int _lastKeyLength = -1; // -1: nothing read yet
    private bool _started, _ended;

    public ColumnScan(RocksDb db, ColumnFamilyHandle handle, StoreColumn column)
    {
        _iterator = db.NewIterator(handle);
        _column = column;
    }

    /// <summary>The current entry's key (valid until the next <see cref="MoveNext"/>).</summary>
    public ReadOnlySpan<byte> Key => _iterator.GetKeySpan();

    /// <summary>The current entry's value (valid until the next <see cref="MoveNext"/>).</summary>
    public ReadOnlySpan<byte> Value => _iterator.GetValueSpan();

    /// <summary>Moves to the first entry, then to each next one; false at the end of the column.</summary>
    /// <exception cref="CorruptStoreException">RocksDB could not read on: the column is damaged.</exception>
    /// <exception cref="StoreIOException">RocksDB could not read on for another reason (an I/O error).</exception>
    public bool MoveNext()
    {
        if (_ended) return false;
        if (_started)
        {
            RememberKey(); // the error, if reading on fails, can only name where it happened
            _iterator.Next();
        }
        else
        {
            _iterator.SeekToFirst();
            _started = true;
        }
        if (_iterator.Valid()) return true;
        _ended = true;
        try
        {
            Native.Instance.rocksdb_iter_get_error(_iterator.Handle);
        }
        catch (RocksDbException e)
        {
            string? last = _lastKeyLength < 0 ? null : StoreErrors.KeyText(_column, _lastKey.AsSpan(0, _lastKeyLength));
            throw StoreErrors.Scan(_column, last, e);
        }
        return false;
    }

    private void RememberKey()
    {
        var key = _iterator.GetKeySpan();
        if (key.Length > _lastKey.Length) _lastKey = new byte[key.Length];
        key.CopyTo(_lastKey);
        _lastKeyLength = key.Length;
    }

    public void Dispose() => _iterator.Dispose();
}
