namespace Piecrust.Modules;

/// <summary>The host imports of the ABI, in a fixed order; a contract's imports are matched to these by field name.</summary>
internal enum HostImport
{
    C, Hq, Hd, Emit, Feed, Caller, Callstack, Limit, Spent, Panic, Owner, SelfId, Hdebug,
}
