namespace Piecrust.Bench.Engine;

/// <summary>
/// The workload of <see cref="BlockBench"/>: which contract each call of a block goes to and with
/// what argument, the same for the engine and the raw baseline. Call i goes to active contract
/// i mod M and moves 1 unit between two of that contract's funded accounts; every 100th call is
/// instead a <c>transfer_and_forward</c> whose sub-call asks the next active contract for a transfer
/// from an account that holds nothing there, so the sub-call fails (1% of calls).
/// </summary>
public static class TokenBlock
{
    /// <summary>Funded accounts per active contract.</summary>
    public const int Accounts = 64;

    /// <summary>Units minted to each funded account: enough for every block a run makes.</summary>
    public const ulong Funding = 1UL << 40;

    /// <summary>Gas per call.</summary>
    public const ulong Gas = 10_000_000;

    /// <summary>Whether call <paramref name="i"/> is one whose sub-call fails.</summary>
    public static bool Fails(int i) => i % 100 == 99;

    /// <summary>The active contract (index into the M active ones) call <paramref name="i"/> goes to.</summary>
    public static int Target(int i, int m) => i % m;

    /// <summary>The active contract the failing sub-call of call <paramref name="i"/> goes to.</summary>
    public static int Other(int i, int m) => (i + 1) % m;

    /// <summary>
    /// Funded account <paramref name="a"/> of active contract <paramref name="contract"/>: each
    /// contract funds its own keys, so a key funded at one contract holds nothing at another.
    /// </summary>
    public static ulong Account(int contract, int a) => ((ulong)contract << 32) | (uint)a;

    /// <summary>[u64 from][u64 to][u64 amount] of call <paramref name="i"/> to active contract <paramref name="contract"/>.</summary>
    public static byte[] Transfer(int i, int contract)
    {
        ulong from = Account(contract, i * 7 % Accounts), to = Account(contract, (i * 7 + 1) % Accounts);
        return [.. BitConverter.GetBytes(from), .. BitConverter.GetBytes(to), .. BitConverter.GetBytes(1UL)];
    }

    /// <summary>
    /// [id32 other][transfer] of failing call <paramref name="i"/>: the transfer succeeds at
    /// <paramref name="contract"/> and fails at <paramref name="other"/>, where its accounts hold nothing.
    /// </summary>
    public static byte[] Forward(int i, int contract, ReadOnlySpan<byte> other) => [.. other, .. Transfer(i, contract)];

    /// <summary>[u64 account][u64 amount] minting <see cref="Funding"/> to funded account <paramref name="a"/> of <paramref name="contract"/>.</summary>
    public static byte[] Mint(int contract, int a) => [.. BitConverter.GetBytes(Account(contract, a)), .. BitConverter.GetBytes(Funding)];
}
