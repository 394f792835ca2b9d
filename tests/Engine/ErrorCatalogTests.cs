using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Piecrust.Merkle;
using Piecrust.Storage;
using Xunit;

namespace Piecrust.Tests.Engine;

/// <summary>
/// docs/ERRORS.md states which exceptions each public member of <see cref="VM"/> and
/// <see cref="Session"/> can throw; the members' XML <c>&lt;exception&gt;</c> docs must say the same,
/// every public exception must be a <see cref="PiecrustException"/> in its project's Errors folder,
/// one per file, and the page must name it.
/// </summary>
public sealed partial class ErrorCatalogTests
{
    // Stated once for (nearly) every member in "What holds everywhere", so members need not repeat them.
    private static readonly HashSet<string> General =
        ["CorruptStoreException", "StoreIOException", "EngineResourceException", "SessionBusyException", "ObjectDisposedException"];

    private static readonly Assembly[] Libraries = [typeof(PageStore).Assembly, typeof(MerkleIndex).Assembly, typeof(VM).Assembly];

    private static string Catalog => File.ReadAllText(Path.Combine(Contracts.Root, "docs", "ERRORS.md"));

    public static TheoryData<string> Types => new(["VM", "Session"]);

    [Theory]
    [MemberData(nameof(Types))]
    public void The_catalog_and_the_XML_docs_name_the_same_exceptions_for_every_public_member(string typeName)
    {
        var type = typeName == "VM" ? typeof(VM) : typeof(Session);
        var documented = XmlExceptions(type);
        var catalog = CatalogRows(typeName);
        var members = PublicMembers(type);

        Assert.Empty(members.Except(catalog.Keys)); // every member has a row
        Assert.Empty(catalog.Keys.Except(members)); // and no row names a member that is gone
        foreach (var member in members)
        {
            var inXml = documented.GetValueOrDefault(member, []).Except(General).Order().ToArray();
            var inCatalog = catalog[member].Except(General).Order().ToArray();
            Assert.True(inXml.SequenceEqual(inCatalog),
                $"{typeName}.{member}: XML docs name [{string.Join(", ", inXml)}], docs/ERRORS.md [{string.Join(", ", inCatalog)}].");
        }
    }

    [Fact]
    public void Every_public_exception_is_a_PiecrustException_in_its_projects_Errors_folder_and_in_the_catalog()
    {
        var exceptions = Libraries.SelectMany(a => a.GetExportedTypes()).Where(t => typeof(Exception).IsAssignableFrom(t)).ToArray();
        Assert.Contains(typeof(ReplayDivergedException), exceptions);
        Assert.Contains(typeof(EngineResourceException), exceptions);
        string catalog = Catalog;
        foreach (var type in exceptions)
        {
            Assert.True(type == typeof(PiecrustException) || type.IsSubclassOf(typeof(PiecrustException)), $"{type.Name} is not a PiecrustException.");
            string project = type.Assembly.GetName().Name!["Piecrust.".Length..];
            Assert.True(File.Exists(Path.Combine(Contracts.Root, "src", project, "Errors", type.Name + ".cs")), $"{type.Name} has no file src/{project}/Errors/{type.Name}.cs.");
            Assert.Contains(type.Name, catalog);
        }
        foreach (string project in new[] { "PageStore", "MerkleIndex", "Engine" })
            foreach (string file in Directory.GetFiles(Path.Combine(Contracts.Root, "src", project, "Errors"), "*.cs"))
                Assert.Single(ClassDeclaration().Matches(File.ReadAllText(file)).Cast<Match>());
    }

    [GeneratedRegex(@"^public\s+(sealed\s+|abstract\s+)?class\s", RegexOptions.Multiline)]
    private static partial Regex ClassDeclaration();

    private static HashSet<string> PublicMembers(Type type) =>
        type.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => m is PropertyInfo || m is MethodInfo { IsSpecialName: false })
            .Select(m => m.Name)
            .ToHashSet();

    /// <summary>Member name → the exception types its XML docs name (overloads together).</summary>
    private static Dictionary<string, HashSet<string>> XmlExceptions(Type type)
    {
        var xml = XDocument.Load(Path.ChangeExtension(type.Assembly.Location, ".xml"));
        var result = new Dictionary<string, HashSet<string>>();
        foreach (var member in xml.Descendants("member"))
        {
            string name = member.Attribute("name")!.Value; // e.g. M:Piecrust.Session.Call(Piecrust.ContractId,…)
            if (name.Length < 2 || name[0] is not ('M' or 'P')) continue;
            string path = name[2..].Split('(')[0];
            if (!path.StartsWith(type.FullName + ".", StringComparison.Ordinal)) continue;
            string memberName = path[(type.FullName!.Length + 1)..];
            if (memberName.Contains('.')) continue; // a nested type's member
            var set = result.TryGetValue(memberName, out var existing) ? existing : result[memberName] = [];
            foreach (var exception in member.Elements("exception"))
                set.Add(exception.Attribute("cref")!.Value.Split('.')[^1]);
        }
        return result;
    }

    /// <summary>Member name → the exceptions the catalog's table for <paramref name="typeName"/> lists (a blank member cell continues the row above).</summary>
    private static Dictionary<string, HashSet<string>> CatalogRows(string typeName)
    {
        var lines = Catalog.Split('\n');
        int start = Array.FindIndex(lines, l => l.Trim() == $"## `{typeName}`");
        Assert.True(start >= 0, $"docs/ERRORS.md has no section ## `{typeName}`.");
        var rows = new Dictionary<string, HashSet<string>>();
        string[] current = [];
        foreach (var line in lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal)))
        {
            if (!line.StartsWith('|') || line.StartsWith("|---", StringComparison.Ordinal) || line.StartsWith("| member", StringComparison.Ordinal)) continue;
            var cells = line.Split('|');
            if (cells[1].Trim().Length > 0)
                current = Backticked().Matches(cells[1]).Select(m => m.Groups[1].Value).ToArray();
            foreach (string member in current)
            {
                if (!rows.TryGetValue(member, out var set)) rows[member] = set = [];
                foreach (Match m in Backticked().Matches(cells[2])) set.Add(m.Groups[1].Value);
            }
        }
        return rows;
    }

    [GeneratedRegex("`([A-Za-z]+)`")]
    private static partial Regex Backticked();
}
