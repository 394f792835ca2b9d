using Piecrust.Storage;

namespace Piecrust.Merkle;

/// <summary>
/// A sync source sent an object that is not what its hash names (wrong bytes, wrong length), or a
/// state that breaks a rule of what a state may hold. Raised before the object is written: nothing of
/// the commit being synced becomes visible, and a retry (from another source) reuses what was stored.
/// </summary>
public sealed class SyncVerificationException : PiecrustException
{
    /// <summary>Creates the exception for <paramref name="reference"/>.</summary>
    public SyncVerificationException(ObjectRef reference, string message) : base(message) => Object = reference;

    /// <summary>The object that failed verification.</summary>
    public ObjectRef Object { get; }
}
