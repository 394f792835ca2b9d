using Spectre.Console;

// Redirected output gets a wide profile, so hashes in tables never wrap for scripts and logs.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 120);
return Piecrust.Tools.PiecrustCli.Run(args, AnsiConsole.Console);
