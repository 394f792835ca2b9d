/* crossover — piecrust's `crossover`: nested-call revert and re-entrancy.
 * State: one i32, initially 0. Typical setup: two instances X and Y. */
#include "piecrust.h"

#define INITIAL_VALUE 0

/* volatile: re-entrant frames (same instance) write it behind a `c` call */
static volatile int32_t value = INITIAL_VALUE;

static int32_t set_value(int32_t to) {
    int32_t old = value;
    value = to;
    return old;
}

/* Calls `fn` of `id` with the two i32 arguments a, b; returns the code. */
static int32_t call2(const uint8_t id[PIECRUST_ID_LEN], const char *fn, int32_t a, int32_t b) {
    write_u32(0, (uint32_t)a);
    write_u32(4, (uint32_t)b);
    return piecrust_call(id, fn, 8, 0);
}

static int32_t read_other(const uint8_t id[PIECRUST_ID_LEN]) {
    int32_t r = piecrust_call(id, "crossover", 0, 0);
    if (r != 4) piecrust_panic_code("crossover query failed: ", r);
    return (int32_t)read_u32(0);
}

/* () -> i32 LE: the value */
PIECRUST_FN(crossover) {
    write_u32(0, (uint32_t)value);
    return 4;
}

/* i32 -> i32 (the old value) */
PIECRUST_FN(set_crossover) {
    if (arg_len != 4) piecrust_panic_str("expected i32");
    write_u32(0, (uint32_t)set_value((int32_t)read_u32(0)));
    return 4;
}

/* [i32 value_to_set][i32 value_to_set_back] -> never returns:
 * sets its own value, calls the caller's set_crossover(value_to_set_back)
 * (which must succeed), then panics with "OH NOES". */
PIECRUST_FN(set_back_and_panic) {
    if (arg_len != 8) piecrust_panic_str("expected 2 x i32");
    int32_t v = (int32_t)read_u32(0), vb = (int32_t)read_u32(4);
    set_value(v);
    uint8_t caller[PIECRUST_ID_LEN];
    if (!piecrust_caller(caller)) piecrust_panic_str("Should be called by another contract");
    write_u32(0, (uint32_t)vb);
    int32_t r = piecrust_call(caller, "set_crossover", 4, 0);
    if (r < 0) piecrust_panic_code("calling back failed: ", r);
    piecrust_panic_str("OH NOES");
}

/* [i32 value_to_set][i32 value_to_set_back] -> (): like set_back_and_panic
 * but returns normally. */
PIECRUST_FN(set_back) {
    if (arg_len != 8) piecrust_panic_str("expected 2 x i32");
    int32_t v = (int32_t)read_u32(0), vb = (int32_t)read_u32(4);
    set_value(v);
    uint8_t caller[PIECRUST_ID_LEN];
    if (!piecrust_caller(caller)) piecrust_panic_str("Should be called by another contract");
    write_u32(0, (uint32_t)vb);
    int32_t r = piecrust_call(caller, "set_crossover", 4, 0);
    if (r < 0) piecrust_panic_code("calling back failed: ", r);
    return 0;
}

/* [id32 other][i32 s][i32 sf][i32 sb] -> () (piecrust's test): calls
 * other.set_back_and_panic(sf, sb), which must fail; then checks that its own
 * value and other's value are still 0; then sets its own value to s.
 * Panics with a message naming the failed check otherwise. */
PIECRUST_FN(check_consistent_state_on_errors) {
    if (arg_len != 44) piecrust_panic_str("expected id and 3 x i32");
    uint8_t other[PIECRUST_ID_LEN];
    read_id(0, other);
    int32_t s = (int32_t)read_u32(32), sf = (int32_t)read_u32(36), sb = (int32_t)read_u32(40);
    if (call2(other, "set_back_and_panic", sf, sb) >= 0)
        piecrust_panic_str("should give an error on a panic");
    if (value != INITIAL_VALUE)
        piecrust_panic_str("Our value should not be set due to the panicked call");
    if (read_other(other) != INITIAL_VALUE)
        piecrust_panic_str("The other contract's value should also not be set due to their panic");
    set_value(s);
    return 0;
}

/* [id32 other][i32 s] -> () (piecrust's test): sets its own value to s,
 * then calls other.set_back_and_panic(5, 6), which must fail. Afterwards
 * this contract's value must be s and other's unchanged. */
PIECRUST_FN(check_iccs_dont_rollback) {
    if (arg_len != 36) piecrust_panic_str("expected id and i32");
    uint8_t other[PIECRUST_ID_LEN];
    read_id(0, other);
    int32_t s = (int32_t)read_u32(32);
    set_value(s);
    if (call2(other, "set_back_and_panic", 5, 6) >= 0)
        piecrust_panic_str("should give an error on a panic");
    return 0;
}

/* [id32 other][i32 v_self][i32 v_fwd][i32 v_back] ->
 * [i32 code][i32 own value after][i32 other's value after]:
 * sets its own value to v_self, calls other.set_back_and_panic(v_fwd,
 * v_back) (other sets v_fwd, writes v_back into *this* contract re-entrantly,
 * then panics), then reads both values. Correct engine: code = -1,
 * own = v_self, other = other's value before the call. */
PIECRUST_FN(write_call_read) {
    if (arg_len != 44) piecrust_panic_str("expected id and 3 x i32");
    uint8_t other[PIECRUST_ID_LEN];
    read_id(0, other);
    int32_t vs = (int32_t)read_u32(32), vf = (int32_t)read_u32(36), vb = (int32_t)read_u32(40);
    set_value(vs);
    int32_t code = call2(other, "set_back_and_panic", vf, vb);
    int32_t own = value;
    int32_t oth = read_other(other);
    write_u32(0, (uint32_t)code);
    write_u32(4, (uint32_t)own);
    write_u32(8, (uint32_t)oth);
    return 12;
}

/* same arguments and result as write_call_read, but calls other.set_back
 * (no panic). Correct engine: code = 0, own = v_back (the re-entrant write
 * is visible: both frames share one instance), other = v_fwd. */
PIECRUST_FN(write_call_ok) {
    if (arg_len != 44) piecrust_panic_str("expected id and 3 x i32");
    uint8_t other[PIECRUST_ID_LEN];
    read_id(0, other);
    int32_t vs = (int32_t)read_u32(32), vf = (int32_t)read_u32(36), vb = (int32_t)read_u32(40);
    set_value(vs);
    int32_t code = call2(other, "set_back", vf, vb);
    int32_t own = value;
    int32_t oth = read_other(other);
    write_u32(0, (uint32_t)code);
    write_u32(4, (uint32_t)own);
    write_u32(8, (uint32_t)oth);
    return 12;
}
