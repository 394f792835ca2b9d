using Piecrust.Execution;
using Wasmtime;

namespace Piecrust;

// Contracts entering the state (deploy) and changing code (migrate): both make or drop instances.
internal sealed partial class CallRunner
{
    /// <summary>
    /// Adds a contract to the state: compiles and checks <paramref name="bytecode"/>, instantiates it,
    /// takes in what instantiation wrote, and runs its <c>init</c> when it exports one, with the init
    /// argument (empty when none is given), as piecrust ≥ 0.31 does. On any failure the state is as before.
    /// </summary>
    /// <exception cref="InvalidModuleException">The bytecode breaks a module rule or limit, or cannot be instantiated under the engine's limits.</exception>
    /// <exception cref="ContractAlreadyExistsException">A contract with that id exists.</exception>
    /// <exception cref="CallFailedException"><c>init</c> failed.</exception>
    public DeployReceipt Deploy(byte[] bytecode, ContractData data, ulong gasLimit)
    {
        var code = _vm.Modules.ForDeploy(bytecode);
        var id = data.Id ?? new ContractId(code.Bytecode);
        if (_state.TryLoad(id) is not null) throw new ContractAlreadyExistsException(id);

        Checkpoint(); // a deploy is never replayed: nothing before it may need replaying after it
        if (_runtime.NeedsRenewal) RenewRuntime();
        var state = _state.NewContract(id, code, data.Owner.ToArray(), bytecode);
        try
        {
            InstantiateNew(state);
        }
        catch (WasmtimeException e)
        {
            // e.g. a table or initial memory beyond the store's limits: the module can never run here.
            throw new InvalidModuleException($"Invalid contract module: it cannot be instantiated under the engine's limits ({e.Message.Split('\n')[0]}).");
        }
        _state.Add(state);
        state.Memory.AfterCall(state.InstanceMemory!);
        if (state.Memory.NeedsCheckpoints) state.Memory.Checkpoint(state.InstanceMemory);
        if (!code.HasInit) return new DeployReceipt(id, Init: null);
        try
        {
            var receipt = Run(state, "init", data.InitArg.ToArray(), gasLimit, feeder: null);
            Checkpoint();
            return new DeployReceipt(id, receipt);
        }
        catch
        {
            _state.Remove(state);
            Forget(state);
            state.Memory.Dispose();
            throw;
        }
    }

    /// <summary>Gives <paramref name="contract"/> the code <paramref name="bytecode"/> and <paramref name="owner"/> (null: its own), keeping its memory (see <see cref="Session.Migrate"/>).</summary>
    /// <exception cref="ContractNotFoundException">No such contract.</exception>
    /// <exception cref="InvalidModuleException">The bytecode is invalid or does not fit the contract's memory.</exception>
    /// <exception cref="EngineResourceException">The contract's memory is longer than this VM's MaxMemory allows.</exception>
    public void Migrate(ContractId contract, byte[] bytecode, byte[]? owner)
    {
        var old = _state.TryLoad(contract) ?? throw new ContractNotFoundException(contract);
        var code = _vm.Modules.ForDeploy(bytecode);
        SessionState.CheckMigration(old, code);
        Checkpoint();
        Forget(old);
        _state.Migrate(old, code, bytecode, owner ?? old.Owner);
    }
}
