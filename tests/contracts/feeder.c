/* feeder — piecrust's `feeder` (for feeder calls; without a feeder `feed` traps). */
#include "piecrust.h"

static void feed_numbers(uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        write_u32(0, i);
        host_feed(4);
    }
}

/* u32 n -> (): feeds n items, item i = i as u32 LE (4 bytes), i = 0..n-1 */
PIECRUST_FN(feed_num) {
    if (arg_len != 4) piecrust_panic_str("expected u32");
    feed_numbers(read_u32(0));
    return 0;
}

/* same as feed_num */
PIECRUST_FN(feed_num_raw) {
    if (arg_len != 4) piecrust_panic_str("expected u32");
    feed_numbers(read_u32(0));
    return 0;
}
