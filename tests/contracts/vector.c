/* vector — piecrust's `vector`: a Vec<i16> stored in one contiguous array on
 * the heap, growing the linear memory (memory.grow) as needed. */
#include "piecrust.h"

static uint32_t count;
static int16_t *items; /* heap start, set on first use */

static void push_item(int16_t v) {
    if (!items) items = (int16_t *)piecrust_heap_start();
    size_t end = (size_t)(uintptr_t)(items + count + 1);
    if (!piecrust_ensure_memory(end)) piecrust_panic_str("out of memory");
    items[count++] = v;
}

/* i16 LE (2 bytes) -> () */
PIECRUST_FN(push) {
    if (arg_len != 2) piecrust_panic_str("push: expected 2 bytes");
    push_item((int16_t)read_u16(0));
    return 0;
}

/* u32 n -> (): pushes the values (i16)0, 1, ..., n-1 */
PIECRUST_FN(push_n) {
    if (arg_len != 4) piecrust_panic_str("push_n: expected 4 bytes");
    uint32_t n = read_u32(0);
    for (uint32_t i = 0; i < n; i++) push_item((int16_t)i);
    return 0;
}

/* () -> 0 bytes when empty, else the popped i16 LE (2 bytes) */
PIECRUST_FN(pop) {
    if (count == 0) return 0;
    count -= 1;
    write_u16(0, (uint16_t)items[count]);
    return 2;
}

/* () -> u32 LE (4 bytes) */
PIECRUST_FN(len) {
    write_u32(0, count);
    return 4;
}
