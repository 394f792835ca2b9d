/* big — 64-bit only: memory beyond 4 GiB (memory64). Build: big64.wasm. */
#include "piecrust.h"

#if !defined(__wasm64__)
#error "big.c is a wasm64 contract"
#endif

#define HIGH ((size_t)0x100000000ULL) /* 4 GiB */

static void grow_to(size_t pages) {
    size_t cur = piecrust_memory_pages();
    if (cur < pages && piecrust_memory_grow(pages - cur) == (size_t)-1)
        piecrust_panic_str("grow failed");
}

/* u64 v -> u64 memory size in pages afterwards: grows the memory to at least
 * 65537 pages (4 GiB + 64 KiB) and writes v (LE) at address 0x1_0000_0000 */
PIECRUST_FN(write_high) {
    if (arg_len != 8) piecrust_panic_str("expected u64");
    uint64_t v = read_u64(0);
    grow_to(HIGH / PIECRUST_PAGE + 1);
    __builtin_memcpy((uint8_t *)HIGH, &v, 8);
    write_u64(0, piecrust_memory_pages());
    return 8;
}

/* () -> u64 LE at address 0x1_0000_0000 (traps if the memory is smaller) */
PIECRUST_FN(read_high) {
    uint64_t v;
    __builtin_memcpy(&v, (const uint8_t *)HIGH, 8);
    write_u64(0, v);
    return 8;
}

/* u64 pages -> u64 memory size in pages afterwards: grows to at least pages */
PIECRUST_FN(grow_to) {
    if (arg_len != 8) piecrust_panic_str("expected u64");
    grow_to((size_t)read_u64(0));
    write_u64(0, piecrust_memory_pages());
    return 8;
}

/* [u64 addr][bytes...] -> (): writes the bytes at addr (no growth; traps
 * when outside the memory) */
PIECRUST_FN(write_at) {
    if (arg_len < 8) piecrust_panic_str("expected address");
    size_t addr = (size_t)read_u64(0);
    memcpy((uint8_t *)addr, A + 8, (size_t)arg_len - 8);
    return 0;
}

/* [u64 addr][u32 len] -> len bytes read at addr */
PIECRUST_FN(read_at) {
    if (arg_len != 12) piecrust_panic_str("expected address and length");
    size_t addr = (size_t)read_u64(0);
    uint32_t n = read_u32(8);
    if (n > PIECRUST_ARGBUF_LEN) piecrust_panic_str("too long");
    memmove(A, (const uint8_t *)addr, n);
    return (int32_t)n;
}

/* () -> u64: memory size in bytes */
PIECRUST_FN(len) {
    write_u64(0, (uint64_t)piecrust_memory_bytes());
    return 8;
}
