/* growth — memory growth and its revert; also piecrust's `grower`
 * (append/view on a growing byte vector). Built for wasm32 and wasm64.
 * Don't mix grow_by with append in one test: the appended data and the
 * pages added by grow_by both live at the end of the memory. */
#include "piecrust.h"

#define MARKER(page) (0xC0DE000000000000ULL | (uint64_t)(page))

static uint32_t data_len;

static uint8_t *data(void) { return piecrust_heap_start(); }

static size_t grow_marked(uint32_t pages) {
    size_t old = piecrust_memory_grow(pages);
    if (old == (size_t)-1) piecrust_panic_str("grow failed");
    for (size_t p = old; p < old + pages; p++) {
        uint64_t m = MARKER(p);
        __builtin_memcpy((uint8_t *)(p * PIECRUST_PAGE), &m, 8);
    }
    return old;
}

/* u32 pages -> u64 old size in pages: memory.grow(pages), then writes the
 * u64 marker 0xC0DE000000000000 | page at the first byte of each new page */
PIECRUST_FN(grow_by) {
    if (arg_len != 4) piecrust_panic_str("expected u32");
    write_u64(0, (uint64_t)grow_marked(read_u32(0)));
    return 8;
}

/* u32 pages -> never returns: grows like grow_by, then panics with
 * "grew and panicked" (the growth must be reverted) */
PIECRUST_FN(grow_and_panic) {
    if (arg_len != 4) piecrust_panic_str("expected u32");
    grow_marked(read_u32(0));
    piecrust_panic_str("grew and panicked");
}

/* () -> u64: current memory size in bytes (memory.size * 65536) */
PIECRUST_FN(len) {
    write_u64(0, (uint64_t)piecrust_memory_bytes());
    return 8;
}

/* u32 page -> u64 LE at byte page * 65536 (traps when outside the memory) */
PIECRUST_FN(read_marker) {
    if (arg_len != 4) piecrust_panic_str("expected u32");
    uint64_t m;
    __builtin_memcpy(&m, (const uint8_t *)((size_t)read_u32(0) * PIECRUST_PAGE), 8);
    write_u64(0, m);
    return 8;
}

static void append_arg(int32_t n) {
    size_t end = (size_t)(uintptr_t)(data() + data_len + (uint32_t)n);
    if (!piecrust_ensure_memory(end)) piecrust_panic_str("out of memory");
    memcpy(data() + data_len, A, (size_t)n);
    data_len += (uint32_t)n;
}

/* bytes -> (): appends the argument to the byte vector (piecrust's grower) */
PIECRUST_FN(append) {
    append_arg(arg_len);
    return 0;
}

/* bytes -> never returns: appends, then panics with "isded" */
PIECRUST_FN(append_and_panic) {
    append_arg(arg_len);
    piecrust_panic_str("isded");
}

/* [u32 offset][u32 len] -> the vector's bytes [offset, offset+len) */
PIECRUST_FN(view) {
    if (arg_len != 8) piecrust_panic_str("Bad arguments");
    uint32_t off = read_u32(0), n = read_u32(4);
    if (n > PIECRUST_ARGBUF_LEN || (uint64_t)off + n > data_len) piecrust_panic_str("out of range");
    memcpy(A, data() + off, n);
    return (int32_t)n;
}

/* () -> u32: the vector's length (piecrust's grower.len) */
PIECRUST_FN(data_len) {
    write_u32(0, data_len);
    return 4;
}
