/* event_reverter — piecrust's `event_reverter` plus a caller that survives
 * the failure, so that reverted events appear in a successful receipt. */
#include "piecrust.h"

/* eventer id32 -> never returns: calls eventer.emit_and_mutate(42) (must
 * succeed, else panics "eventer call should succeed"), then panics with
 * "event reverter panic". */
PIECRUST_FN(emit_then_panic) {
    if (arg_len != 32) piecrust_panic_str("expected a contract id");
    uint8_t eventer[PIECRUST_ID_LEN];
    read_id(0, eventer);
    write_u32(0, 42);
    if (piecrust_call(eventer, "emit_and_mutate", 4, 0) < 0)
        piecrust_panic_str("eventer call should succeed");
    piecrust_panic_str("event reverter panic");
}

/* eventer id32 -> [i32 code]: emits "before" (empty data), calls its own
 * emit_then_panic(eventer) (fails with -1), emits "after" (data = the code,
 * i32 LE) and returns the code. Events of the receipt, in order:
 * before (kept), number 2a000000 from the eventer (reverted),
 * after ffffffff (kept); the eventer's value stays unchanged. */
PIECRUST_FN(call_failing) {
    if (arg_len != 32) piecrust_panic_str("expected a contract id");
    uint8_t self[PIECRUST_ID_LEN];
    uint8_t eventer[PIECRUST_ID_LEN];
    read_id(0, eventer);
    host_emit("before", 6, 0);
    piecrust_self_id(self);
    memcpy(A, eventer, PIECRUST_ID_LEN);
    int32_t code = piecrust_call(self, "emit_then_panic", PIECRUST_ID_LEN, 0);
    write_u32(0, (uint32_t)code);
    host_emit("after", 5, 4);
    return 4;
}
