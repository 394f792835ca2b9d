/* initializer — piecrust's `initializer`: a u8, 0x50 until `init` sets it. */
#include "piecrust.h"

static uint8_t value = 0x50;

/* constructor: u8 -> () */
PIECRUST_FN(init) {
    if (arg_len != 1) piecrust_panic_str("init: expected 1 byte");
    value = read_u8(0);
    return 0;
}

/* () -> u8 */
PIECRUST_FN(read_value) {
    write_u8(0, value);
    return 1;
}

/* () -> () (wrapping add) */
PIECRUST_FN(increment) {
    value = (uint8_t)(value + 1);
    return 0;
}
