namespace Piecrust.Bench.Engine;

/// <summary>Categories of the engine benchmarks (<c>--anyCategories Engine</c>).</summary>
public static class EngineCategories
{
    /// <summary>Every engine benchmark (issues B, C, D).</summary>
    public const string Engine = "Engine";
    /// <summary>A warm call against a raw Wasmtime call.</summary>
    public const string WarmCall = "WarmCall";
    /// <summary>The first call of a contract in a new session.</summary>
    public const string FirstCall = "FirstCall";
    /// <summary>Committing dirty pages of a large memory.</summary>
    public const string Commit = "Commit";
    /// <summary>Commit and session-open cost as the state grows.</summary>
    public const string Scaling = "Scaling";
    /// <summary>Bytes a commit adds to the store.</summary>
    public const string Growth = "Growth";
    /// <summary>Commit and session cost as the history of one long-lived VM grows.</summary>
    public const string History = "History";
    /// <summary>The gas transform's run-time and compile-time cost.</summary>
    public const string GasTransform = "GasTransform";
    /// <summary>A block of calls over many contracts, then a commit.</summary>
    public const string Block = "Block";
    /// <summary>A call with many failing sub-calls (issue J, point 1).</summary>
    public const string FailedSubCalls = "FailedSubCalls";
}
