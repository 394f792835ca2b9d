using Piecrust.Memory;
using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>Image files removed off the releasing thread: gone once drained, and failures left for the next open.</summary>
public sealed class FileReaperTests
{
    [Fact]
    public void Queued_files_are_gone_once_drained_and_one_that_cannot_be_removed_is_left_quietly()
    {
        var directory = Directory.CreateTempSubdirectory("piecrust-reaper-").FullName;
        try
        {
            var paths = Enumerable.Range(0, 2 * FileReaper.MaxPending).Select(i => Path.Combine(directory, $"layer-{i}")).ToArray();
            foreach (var path in paths) File.WriteAllBytes(path, new byte[4096]);
            foreach (var path in paths) FileReaper.Remove(path); // past MaxPending waiting, the caller removes its own
            FileReaper.Remove(Path.Combine(directory, "missing", "layer")); // a directory that is not there: an I/O error, ignored
            FileReaper.Drain();
            Assert.Empty(Directory.GetFiles(directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
