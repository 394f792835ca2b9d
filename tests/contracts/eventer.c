/* eventer — piecrust's `eventer`. State: one u32, initially 0. */
#include "piecrust.h"

static uint32_t value;

static void emit_numbers(uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        write_u32(0, i);
        host_emit("number", 6, 4);
    }
}

/* u32 n -> (): n events, topic "number", data = i as u32 LE, i = 0..n-1 */
PIECRUST_FN(emit_events) {
    if (arg_len != 4) piecrust_panic_str("expected u32");
    emit_numbers(read_u32(0));
    return 0;
}

/* same as emit_events (piecrust has a raw and an rkyv flavour; with the LE
 * encoding they are identical) */
PIECRUST_FN(emit_events_raw) {
    if (arg_len != 4) piecrust_panic_str("expected u32");
    emit_numbers(read_u32(0));
    return 0;
}

/* bytes -> [u64 spent_before][u64 spent_after]: one event, topic "input",
 * data = the whole argument; spent() is read right before and after emit
 * (the difference includes 4 gas per byte of topic + data). */
PIECRUST_FN(emit_input) {
    uint64_t before = host_spent();
    host_emit("input", 5, arg_len);
    uint64_t after = host_spent();
    write_u64(0, before);
    write_u64(8, after);
    return 16;
}

/* u32 v -> (): emits "number" with data v, then stores v */
PIECRUST_FN(emit_and_mutate) {
    if (arg_len != 4) piecrust_panic_str("expected u32");
    uint32_t v = read_u32(0);
    host_emit("number", 6, 4);
    value = v;
    return 0;
}

/* () -> u32 LE */
PIECRUST_FN(read_value) {
    write_u32(0, value);
    return 4;
}
