/* stack — piecrust's `stack`: a stack of i32 stored in one contiguous array
 * on the heap, growing the linear memory (memory.grow) as needed. */
#include "piecrust.h"

static uint32_t count;
static int32_t *items; /* heap start, set on first use */

static void push_item(int32_t v) {
    if (!items) items = (int32_t *)piecrust_heap_start();
    size_t end = (size_t)(uintptr_t)(items + count + 1);
    if (!piecrust_ensure_memory(end)) piecrust_panic_str("out of memory");
    items[count++] = v;
}

/* i32 LE (4 bytes) -> () */
PIECRUST_FN(push) {
    if (arg_len != 4) piecrust_panic_str("push: expected 4 bytes");
    push_item((int32_t)read_u32(0));
    return 0;
}

/* u32 n -> (): pushes the values 0, 1, ..., n-1 */
PIECRUST_FN(push_n) {
    if (arg_len != 4) piecrust_panic_str("push_n: expected 4 bytes");
    uint32_t n = read_u32(0);
    for (uint32_t i = 0; i < n; i++) push_item((int32_t)i);
    return 0;
}

/* () -> 0 bytes when empty, else the popped i32 LE (4 bytes) */
PIECRUST_FN(pop) {
    if (count == 0) return 0;
    count -= 1;
    write_u32(0, (uint32_t)items[count]);
    return 4;
}

/* () -> u32 LE (4 bytes) */
PIECRUST_FN(len) {
    write_u32(0, count);
    return 4;
}
