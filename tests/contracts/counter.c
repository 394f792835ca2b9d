/* counter — piecrust's `counter` (plus fallible_counter's panicking increment).
 * State: one i64, initially 0xfc (a data segment). Built for wasm32 and wasm64. */
#include "piecrust.h"

static int64_t value = 0xfc;

/* () -> i64 LE (8 bytes) */
PIECRUST_FN(read_value) {
    write_u64(0, (uint64_t)value);
    return 8;
}

/* () -> () */
PIECRUST_FN(increment) {
    value += 1;
    return 0;
}

/* () -> () */
PIECRUST_FN(decrement) {
    value -= 1;
    return 0;
}

/* i64 LE (8 bytes) -> () */
PIECRUST_FN(write_value) {
    if (arg_len != 8) piecrust_panic_str("write_value: expected 8 bytes");
    value = (int64_t)read_u64(0);
    return 0;
}

/* u8 flag -> (): increments, then panics with "Incremental panic" when the
 * flag is non-zero (piecrust's fallible_counter.increment). */
PIECRUST_FN(increment_fallible) {
    value += 1;
    if (arg_len >= 1 && read_u8(0)) piecrust_panic_str("Incremental panic");
    return 0;
}
