namespace Piecrust.Execution;

/// <summary>
/// What a failed inter-contract call did, recorded when it failed, so that re-running the top-level
/// call can short-circuit that call and replay its visible effects: its error code and panic message,
/// its events (as reverted), its debug lines and how many items it fed (delivered already: they are skipped, not kept).
/// </summary>
internal sealed record NestedFailure(
    ContractError Error,
    IReadOnlyList<ContractEvent> Events,
    IReadOnlyList<string> DebugLines,
    int FeedCount);
