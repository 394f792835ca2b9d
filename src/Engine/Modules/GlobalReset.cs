namespace Piecrust.Modules;

/// <summary>A mutable global the host restores before each top-level call: its injected export name and initial value.</summary>
internal readonly record struct GlobalReset(string ExportName, object InitialValue);
