/* box — piecrust's `box`: an optional i16 kept in a heap cell that is
 * allocated on the first `set` (like Rust's Option<Box<i16>>). */
#include "piecrust.h"

static int16_t *cell; /* NULL until the first set */

/* i16 LE (2 bytes) -> () */
PIECRUST_FN(set) {
    if (arg_len != 2) piecrust_panic_str("set: expected 2 bytes");
    int16_t x = (int16_t)read_u16(0);
    if (!cell) {
        cell = (int16_t *)piecrust_alloc(sizeof(int16_t));
        if (!cell) piecrust_panic_str("out of memory");
    }
    *cell = x;
    return 0;
}

/* () -> 0 bytes when unset, else i16 LE (2 bytes) */
PIECRUST_FN(get) {
    if (!cell) return 0;
    write_u16(0, (uint16_t)*cell);
    return 2;
}
