/* empty_initializer — piecrust's `empty_initializer`: a u8, 0x00 in the
 * data, set to 0x10 by an `init` that takes no argument. */
#include "piecrust.h"

static uint8_t value = 0x00;

/* constructor: () -> () */
PIECRUST_FN(init) {
    value = 0x10;
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
