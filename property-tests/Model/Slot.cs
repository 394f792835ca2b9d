using System.Text;

namespace Piecrust.PropertyTests.Model;

/// <summary>The contract kinds the model knows (the C test contracts of tests/contracts).</summary>
internal enum Kind { Counter, Box, Stack, Growth, Crossover, Callcenter, Spender }

/// <summary>
/// A named place a contract can be deployed at: a fixed id, kind and pointer width. Sequences use a
/// handful of slots so that deploys, calls and nested calls keep meeting the same contracts.
/// </summary>
internal sealed class Slot
{
    private Slot(string name, Kind kind, bool is64, string? partner = null)
    {
        Name = name;
        Kind = kind;
        Is64 = is64;
        Partner = partner;
        Id = IdOf(name);
    }

    public string Name { get; }
    public Kind Kind { get; }
    public bool Is64 { get; }

    /// <summary>The other half of a crossover pair.</summary>
    public string? Partner { get; }

    public ContractId Id { get; }

    /// <summary>The built contract file (<c>counter</c>, <c>counter64</c>…).</summary>
    public string File => KindFile(Kind) + (Is64 ? "64" : "");

    public override string ToString() => Name;

    public static ContractId IdOf(string name) => new(Hash.Of(Encoding.UTF8.GetBytes("piecrust-model:" + name)));

    /// <summary>A slot never deployed to: calls to it find no contract.</summary>
    public const string Ghost = "ghost";

    public static readonly IReadOnlyList<Slot> All =
    [
        new("ctr", Kind.Counter, false), new("ctr2", Kind.Counter, false), new("ctr64", Kind.Counter, true),
        new("box", Kind.Box, false), new("box64", Kind.Box, true),
        new("stk", Kind.Stack, false), new("stk64", Kind.Stack, true),
        new("grw", Kind.Growth, false), new("grw64", Kind.Growth, true),
        new("xa", Kind.Crossover, false, "xb"), new("xb", Kind.Crossover, false, "xa"),
        new("xa64", Kind.Crossover, true, "xb64"), new("xb64", Kind.Crossover, true, "xa64"),
        new("cc", Kind.Callcenter, false), new("cc64", Kind.Callcenter, true),
        new("spd", Kind.Spender, false), new("spd64", Kind.Spender, true),
    ];

    private static readonly Dictionary<string, Slot> ByName = All.ToDictionary(s => s.Name);
    private static readonly Dictionary<ContractId, string> NameById = All.ToDictionary(s => s.Id, s => s.Name);

    public static Slot Get(string name) => ByName[name];

    /// <summary>The slot name an id belongs to (<see cref="Ghost"/> and strangers give null).</summary>
    public static string? NameOf(ContractId id) => NameById.GetValueOrDefault(id);

    public static string KindFile(Kind kind) => kind switch
    {
        Kind.Counter => "counter",
        Kind.Box => "box",
        Kind.Stack => "stack",
        Kind.Growth => "growth",
        Kind.Crossover => "crossover",
        Kind.Callcenter => "callcenter",
        Kind.Spender => "spender",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Every function the kind's module exports (from its C source), for FunctionNotFound and Unknown.</summary>
    public static IReadOnlySet<string> Exports(Kind kind) => kind switch
    {
        Kind.Counter => new HashSet<string> { "read_value", "increment", "decrement", "write_value", "increment_fallible" },
        Kind.Box => new HashSet<string> { "set", "get" },
        Kind.Stack => new HashSet<string> { "push", "push_n", "pop", "len" },
        Kind.Growth => new HashSet<string> { "grow_by", "grow_and_panic", "len", "read_marker", "append", "append_and_panic", "view", "data_len" },
        Kind.Crossover => new HashSet<string> { "crossover", "set_crossover", "set_back_and_panic", "set_back", "check_consistent_state_on_errors", "check_iccs_dont_rollback", "write_call_read", "write_call_ok" },
        Kind.Callcenter => new HashSet<string> { "query_counter", "increment_counter", "call_init", "delegate_query", "delegate_query_with_event", "delegate_transaction", "panic_after_call", "call_with_limit", "call_spend_with_limit", "calling_self", "return_self_id", "return_caller", "return_callstack", "call_self", "call_self_n_times", "recurse", "panik" },
        Kind.Spender => new HashSet<string> { "get_limit_and_spent", "limit_and_spent", "spend", "spend_panic", "burn", "spend_with_call" },
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
