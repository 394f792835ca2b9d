/* debugger — piecrust's `debugger`: debug lines through hdebug. */
#include "piecrust.h"

#define PREFIX "What a string! "
#define PREFIX_LEN 15

/* UTF-8 bytes s -> (): debug line "What a string! " + s */
PIECRUST_FN(debug) {
    if (arg_len > PIECRUST_ARGBUF_LEN - PREFIX_LEN) piecrust_panic_str("string too long");
    memmove(A + PREFIX_LEN, A, (size_t)arg_len);
    memcpy(A, PREFIX, PREFIX_LEN);
    host_hdebug(PREFIX_LEN + arg_len);
    return 0;
}

/* u32 n -> (): debug line "What a string! <n in decimal>" */
PIECRUST_FN(debug_num) {
    if (arg_len != 4) piecrust_panic_str("expected u32");
    uint32_t n = read_u32(0);
    memcpy(A, PREFIX, PREFIX_LEN);
    host_hdebug(PREFIX_LEN + piecrust_fmt_u64(A + PREFIX_LEN, n));
    return 0;
}

/* () -> panics with "It's never too late to panic" */
PIECRUST_FN(panic) { piecrust_panic_str("It's never too late to panic"); }
