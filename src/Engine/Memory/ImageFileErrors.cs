namespace Piecrust.Memory;

/// <summary>
/// Failures of the engine's own files under the store's <c>images</c> directory (memory images and
/// session overlays): the disk is full, a file cannot be created, read or written. They are the
/// store's I/O failures to a caller (<see cref="StoreIOException"/>), naming the file.
/// </summary>
internal static class ImageFileErrors
{
    /// <summary>True for the exceptions .NET file I/O throws when the file system refuses.</summary>
    public static bool IsIOFailure(Exception e) => e is IOException or UnauthorizedAccessException;

    /// <summary>The error for <paramref name="action"/> (e.g. "writing") on <paramref name="path"/> having failed with <paramref name="e"/>.</summary>
    public static StoreIOException Failed(string action, string path, Exception e) =>
        new($"{action} the engine's memory image file '{path}' failed: {e.Message}", e);
}
