using System.ComponentModel;
using Spectre.Console.Cli;

namespace Piecrust.Tools.Commands;

/// <summary>Settings of the commands that take one commit root.</summary>
public sealed class RootSettings : StoreSettings
{
    /// <summary>The commit root.</summary>
    [CommandArgument(0, "<root>")]
    [Description("Commit root (64 hex digits)")]
    public string Root { get; init; } = "";
}
