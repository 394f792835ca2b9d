using System.ComponentModel;
using Spectre.Console.Cli;

namespace Piecrust.Tools;

/// <summary>Settings every command shares: the store directory (<c>--store</c>, also accepted before the command name).</summary>
public class StoreSettings : CommandSettings
{
    /// <summary>Where the store lives when <c>--store</c> is not given.</summary>
    public const string DefaultDirectory = "./.piecrust";

    /// <summary>The store directory given with <c>--store</c>, or null.</summary>
    [CommandOption("--store <DIR>")]
    [Description("Store directory (default ./.piecrust)")]
    public string? Store { get; init; }

    /// <summary>The store directory to use.</summary>
    public string Directory => Store ?? DefaultDirectory;
}
