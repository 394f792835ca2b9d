namespace Piecrust.Memory;

/// <summary>
/// How an idle instance's memory shows a committed image when it is not a clean mapping of the
/// image's files: the session that left it committed its changes without remapping, so the instance
/// maps <see cref="MappedLayers"/> (a prefix of the image's layers), earlier sessions' overlays still
/// mapped under later pages (<see cref="StaleFiles"/>, <see cref="StaleRuns"/>), and holds the pages
/// it changed as private copies (<see cref="Kept"/>, each with a copy of its committed content). The
/// next session on that image takes all of it over, so its calls find their pages in place instead
/// of faulting the image in again; a revert writes the kept copies back.
/// </summary>
internal sealed record IdleView(KeptPages Kept, ImageLayer[] MappedLayers, int StaleFiles, int StaleRuns)
{
    /// <summary>Mappings the instance holds for it (each counts against vm.max_map_count while idle).</summary>
    public int Runs => MappedLayers.Sum(layer => layer.Runs) + StaleRuns;
}
