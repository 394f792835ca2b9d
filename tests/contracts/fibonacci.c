/* fibonacci — piecrust's `fibonacci` (nth(0) = nth(1) = 1), in two forms:
 * `nth` recurses through inter-contract self-calls (`c` on its own id, so the
 * call depth is about n frames and the number of calls grows like fib(n)),
 * `nth_local` recurses inside one frame (piecrust's original). */
#include "piecrust.h"

static uint64_t fib_local(uint32_t n) {
    return n < 2 ? 1 : fib_local(n - 1) + fib_local(n - 2);
}

static uint64_t fib_call(const uint8_t self[PIECRUST_ID_LEN], uint32_t n) {
    write_u32(0, n);
    int32_t r = piecrust_call(self, "nth", 4, 0);
    if (r != 8) piecrust_panic_code("nth: sub-call failed: ", r);
    return read_u64(0);
}

/* u32 n -> u64 LE (8 bytes), via self-calls */
PIECRUST_FN(nth) {
    if (arg_len != 4) piecrust_panic_str("nth: expected 4 bytes");
    uint32_t n = read_u32(0);
    uint64_t r = 1;
    if (n >= 2) {
        uint8_t self[PIECRUST_ID_LEN];
        piecrust_self_id(self);
        r = fib_call(self, n - 1) + fib_call(self, n - 2);
    }
    write_u64(0, r);
    return 8;
}

/* u32 n -> u64 LE (8 bytes), no calls */
PIECRUST_FN(nth_local) {
    if (arg_len != 4) piecrust_panic_str("nth_local: expected 4 bytes");
    write_u64(0, fib_local(read_u32(0)));
    return 8;
}
