/* spender — piecrust's `spender`: gas limits and spending. */
#include "piecrust.h"

/* () -> [u64 limit][u64 spent_before][u64 spent_after][u64 called_limit]
 *       [u64 called_spent]  (40 bytes, piecrust's 5-tuple)
 * At top level it calls its own get_limit_and_spent and reports the inner
 * frame's limit and spent; when called by a contract the last three are 0. */
PIECRUST_FN(get_limit_and_spent) {
    uint8_t self[PIECRUST_ID_LEN];
    piecrust_self_id(self);
    uint64_t limit = host_limit();
    uint64_t before = host_spent();
    uint64_t after = 0, called_limit = 0, called_spent = 0;
    if (!host_caller()) {
        int32_t r = piecrust_call(self, "get_limit_and_spent", 0, 0);
        if (r != 40) piecrust_panic_code("Self query should succeed: ", r);
        called_limit = read_u64(0);
        called_spent = read_u64(8);
        after = host_spent();
    }
    write_u64(0, limit);
    write_u64(8, before);
    write_u64(16, after);
    write_u64(24, called_limit);
    write_u64(32, called_spent);
    return 40;
}

/* () -> [u64 limit][u64 spent] (16 bytes) */
PIECRUST_FN(limit_and_spent) {
    uint64_t limit = host_limit();
    uint64_t spent = host_spent();
    write_u64(0, limit);
    write_u64(8, spent);
    return 16;
}

/* () -> never returns: loops until out of gas */
PIECRUST_FN(spend) {
    volatile uint64_t x = 0;
    for (;;) x = x + 1;
}

/* () -> panics with "I like spending" (piecrust's `spend`) */
PIECRUST_FN(spend_panic) { piecrust_panic_str("I like spending"); }

/* u32 n -> (): a loop of n iterations (gas grows linearly with n) */
PIECRUST_FN(burn) {
    if (arg_len != 4) piecrust_panic_str("expected u32");
    volatile uint32_t n = read_u32(0);
    for (volatile uint32_t i = 0; i < n; i = i + 1) {}
    return 0;
}

/* [id32][u64 gas_limit] -> [i32 code][u64 limit][u64 spent_before][u64 spent_after]:
 * calls `spend` of the given contract with the given gas limit (0 = default
 * 93%) and reports this frame's limit and spent() right before/after. */
PIECRUST_FN(spend_with_call) {
    if (arg_len != 40) piecrust_panic_str("expected id and gas limit");
    uint8_t id[PIECRUST_ID_LEN];
    read_id(0, id);
    uint64_t gas = read_u64(32);
    uint64_t limit = host_limit();
    uint64_t before = host_spent();
    int32_t code = piecrust_call(id, "spend", 0, gas);
    uint64_t after = host_spent();
    write_u32(0, (uint32_t)code);
    write_u64(4, limit);
    write_u64(12, before);
    write_u64(20, after);
    return 28;
}
