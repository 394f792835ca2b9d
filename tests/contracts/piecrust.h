/*
 * piecrust.h — freestanding C SDK for Piecrust.Store test contracts.
 *
 * Declares the piecrust-uplink contract ABI (see shared spec ABI.md):
 *   - exported contract functions:  int32_t f(int32_t arg_len) -> result length
 *   - the 64 KiB argument buffer A, exported as the wasm global "A"
 *     (link with -Wl,--export=A; wasm-ld exports a data symbol as an
 *     immutable global holding its address: i32 on wasm32, i64 on wasm64)
 *   - the host imports (module "env"); pointers are C pointers, so they are
 *     i32 on wasm32 and i64 on wasm64 (the ABI's P type)
 *   - small helpers (memcpy & co., little-endian access to A, panic/debug/
 *     emit/call wrappers, memory growth).
 *
 * One .c file per contract. The header *defines* A and memcpy/memset/
 * memmove/memcmp (clang emits calls to those) unless PIECRUST_NO_DEFINITIONS
 * is defined before including it — a multi-file contract defines it in all
 * files but one, so A is defined in exactly one place.
 *
 * Compile: clang-14 --target=wasm32 (or wasm64) -O2 -ffreestanding -nostdlib
 *          -Wl,--no-entry -Wl,--export=A   (see build.sh)
 */
#ifndef PIECRUST_H
#define PIECRUST_H

#include <stddef.h>
#include <stdint.h>

#define PIECRUST_ARGBUF_LEN 65536
#define PIECRUST_ID_LEN 32
#define PIECRUST_PAGE 65536

/* Error codes returned by c() */
#define PIECRUST_ERR_PANIC (-1)
#define PIECRUST_ERR_OUT_OF_GAS (-2)
#define PIECRUST_ERR_DOES_NOT_EXIST (-3)
#define PIECRUST_ERR_UNKNOWN ((int32_t)0x80000000) /* i32::MIN */

/* ---- exports -------------------------------------------------------- */

/* Attribute that exports a C function under `name`. */
#define PIECRUST_EXPORT(name) __attribute__((export_name(#name)))

/* Defines the exported contract function `name`; its parameter is called
 * `arg_len` and it returns the result length. The C symbol is
 * piecrust_fn_<name>, so export names never clash with C identifiers:
 *     PIECRUST_FN(read_value) { write_u64(0, value); return 8; }           */
#define PIECRUST_FN(name)                                                      \
    PIECRUST_EXPORT(name) int32_t piecrust_fn_##name(int32_t arg_len)

/* ---- the argument buffer -------------------------------------------- */

extern uint8_t A[PIECRUST_ARGBUF_LEN];

/* ---- host imports ---------------------------------------------------- */

#define PIECRUST_IMPORT(name)                                                  \
    __attribute__((import_module("env"), import_name(#name)))

/* c: call `name` of contract `callee` with argument A[0..arg_len]; gas_limit 0
 * (or >= remaining) means 93% of the remaining gas. Returns the result
 * length (result in A) or a negative error code (PIECRUST_ERR_*). */
PIECRUST_IMPORT(c)
int32_t host_c(const uint8_t *callee, const char *name, int32_t name_len,
               int32_t arg_len, uint64_t gas_limit);
/* hq: host query `name` with argument A[0..arg_len]; result in A, length returned. */
PIECRUST_IMPORT(hq)
int32_t host_hq(const char *name, int32_t name_len, int32_t arg_len);
/* hd: session metadata value `name` into A; its length, 0 when absent. */
PIECRUST_IMPORT(hd)
int32_t host_hd(const char *name, int32_t name_len);
/* emit: event {topic, data = A[0..arg_len]}. */
PIECRUST_IMPORT(emit)
void host_emit(const char *topic, int32_t topic_len, int32_t arg_len);
/* feed: stream A[0..arg_len] to the current feeder (traps without one). */
PIECRUST_IMPORT(feed)
void host_feed(int32_t arg_len);
/* caller: calling contract's id into A, returns 1; 0 at top level. */
PIECRUST_IMPORT(caller)
int32_t host_caller(void);
/* callstack: ids of all calling frames (immediate caller first) into A, 32
 * bytes each; returns the count. */
PIECRUST_IMPORT(callstack)
int32_t host_callstack(void);
PIECRUST_IMPORT(limit)
uint64_t host_limit(void);
PIECRUST_IMPORT(spent)
uint64_t host_spent(void);
/* panic: abort the frame with the UTF-8 message A[0..arg_len]. */
PIECRUST_IMPORT(panic)
__attribute__((noreturn)) void host_panic(int32_t arg_len);
/* owner: owner bytes of contract `id` (NULL = self) into A; length, 0 if no
 * such contract. */
PIECRUST_IMPORT(owner)
int32_t host_owner(const uint8_t *id);
/* self_id: this contract's 32-byte id into A. */
PIECRUST_IMPORT(self_id)
void host_self_id(void);
/* hdebug: debug line A[0..msg_len] appended to the session's debug log. */
PIECRUST_IMPORT(hdebug)
void host_hdebug(int32_t msg_len);

/* ---- freestanding libc bits ------------------------------------------ */

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#ifndef PIECRUST_NO_DEFINITIONS
/* The argument buffer: 8-aligned, zero-initialised (.bss). */
__attribute__((aligned(8))) uint8_t A[PIECRUST_ARGBUF_LEN];

/* Byte loops. -ffreestanding keeps clang from turning them into calls to
 * themselves; weak so that a contract may bring its own. */
__attribute__((weak)) void *memcpy(void *dst, const void *src, size_t n) {
    uint8_t *d = (uint8_t *)dst;
    const uint8_t *s = (const uint8_t *)src;
    while (n--) *d++ = *s++;
    return dst;
}
__attribute__((weak)) void *memmove(void *dst, const void *src, size_t n) {
    uint8_t *d = (uint8_t *)dst;
    const uint8_t *s = (const uint8_t *)src;
    if (d == s || n == 0) return dst;
    if (d < s) {
        while (n--) *d++ = *s++;
    } else {
        d += n;
        s += n;
        while (n--) *--d = *--s;
    }
    return dst;
}
__attribute__((weak)) void *memset(void *dst, int c, size_t n) {
    uint8_t *d = (uint8_t *)dst;
    while (n--) *d++ = (uint8_t)c;
    return dst;
}
__attribute__((weak)) int memcmp(const void *a, const void *b, size_t n) {
    const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
    for (; n; n--, x++, y++)
        if (*x != *y) return *x < *y ? -1 : 1;
    return 0;
}
#endif /* PIECRUST_NO_DEFINITIONS */

static inline size_t piecrust_strlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

/* ---- little-endian access to A (wasm is little-endian) --------------- */

static inline uint8_t read_u8(size_t off) { return A[off]; }
static inline uint16_t read_u16(size_t off) {
    uint16_t v;
    __builtin_memcpy(&v, A + off, 2);
    return v;
}
static inline uint32_t read_u32(size_t off) {
    uint32_t v;
    __builtin_memcpy(&v, A + off, 4);
    return v;
}
static inline uint64_t read_u64(size_t off) {
    uint64_t v;
    __builtin_memcpy(&v, A + off, 8);
    return v;
}
static inline void write_u8(size_t off, uint8_t v) { A[off] = v; }
static inline void write_u16(size_t off, uint16_t v) { __builtin_memcpy(A + off, &v, 2); }
static inline void write_u32(size_t off, uint32_t v) { __builtin_memcpy(A + off, &v, 4); }
static inline void write_u64(size_t off, uint64_t v) { __builtin_memcpy(A + off, &v, 8); }
static inline void read_id(size_t off, uint8_t id[PIECRUST_ID_LEN]) {
    __builtin_memcpy(id, A + off, PIECRUST_ID_LEN);
}

/* ---- helpers ---------------------------------------------------------- */

/* Writes the decimal form of v to out (at most 20 bytes); returns its length. */
static inline int32_t piecrust_fmt_u64(uint8_t *out, uint64_t v) {
    uint8_t tmp[20];
    int32_t n = 0;
    do {
        tmp[n++] = (uint8_t)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int32_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    return n;
}

/* Panics with a NUL-terminated message (copied into A). */
__attribute__((noreturn)) static inline void piecrust_panic_str(const char *msg) {
    size_t n = piecrust_strlen(msg);
    memmove(A, msg, n);
    host_panic((int32_t)n);
}

/* Panics with "<msg><decimal code>", e.g. "sub-call failed: -2". */
__attribute__((noreturn)) static inline void piecrust_panic_code(const char *msg, int32_t code) {
    size_t n = piecrust_strlen(msg);
    memmove(A, msg, n);
    uint64_t v = (uint64_t)(int64_t)code;
    if (code < 0) {
        A[n++] = '-';
        v = (uint64_t)(-(int64_t)code);
    }
    n += (size_t)piecrust_fmt_u64(A + n, v);
    host_panic((int32_t)n);
}

/* Appends a NUL-terminated line to the debug log. */
static inline void piecrust_debug_str(const char *msg) {
    size_t n = piecrust_strlen(msg);
    memmove(A, msg, n);
    host_hdebug((int32_t)n);
}

/* Emits an event with the given topic; data (len bytes) is copied into A
 * first (it may already live in A). */
static inline void piecrust_emit_str(const char *topic, const void *data, int32_t len) {
    if (len) memmove(A, data, (size_t)len);
    host_emit(topic, (int32_t)piecrust_strlen(topic), len);
}

/* Calls fn of contract id with argument A[0..arg_len]. `id` must not live in
 * A if the argument is being written there: copy it to a local first. */
static inline int32_t piecrust_call(const uint8_t id[PIECRUST_ID_LEN], const char *fn,
                                    int32_t arg_len, uint64_t gas_limit) {
    return host_c(id, fn, (int32_t)piecrust_strlen(fn), arg_len, gas_limit);
}

/* Host query by NUL-terminated name, argument A[0..arg_len]. */
static inline int32_t piecrust_hq_str(const char *name, int32_t arg_len) {
    return host_hq(name, (int32_t)piecrust_strlen(name), arg_len);
}

/* Metadata by NUL-terminated name. */
static inline int32_t piecrust_hd_str(const char *name) {
    return host_hd(name, (int32_t)piecrust_strlen(name));
}

/* This contract's id, copied out of A. */
static inline void piecrust_self_id(uint8_t out[PIECRUST_ID_LEN]) {
    host_self_id();
    __builtin_memcpy(out, A, PIECRUST_ID_LEN);
}

/* The caller's id, copied out of A; returns 0 at top level. */
static inline int piecrust_caller(uint8_t out[PIECRUST_ID_LEN]) {
    if (!host_caller()) return 0;
    __builtin_memcpy(out, A, PIECRUST_ID_LEN);
    return 1;
}

/* ---- linear memory ------------------------------------------------------ */

/* First byte after the data, bss and stack (set by wasm-ld). */
extern uint8_t __heap_base;

static inline size_t piecrust_memory_pages(void) { return __builtin_wasm_memory_size(0); }
static inline size_t piecrust_memory_bytes(void) {
    return __builtin_wasm_memory_size(0) * (size_t)PIECRUST_PAGE;
}
/* memory.grow; returns the old size in pages or (size_t)-1. */
static inline size_t piecrust_memory_grow(size_t pages) {
    return __builtin_wasm_memory_grow(0, pages);
}
/* Grows the memory (if needed) so that [0, end) is addressable; 0 on failure. */
static inline int piecrust_ensure_memory(size_t end) {
    size_t cur = piecrust_memory_bytes();
    if (end <= cur) return 1;
    size_t need = (end - cur + PIECRUST_PAGE - 1) / PIECRUST_PAGE;
    return piecrust_memory_grow(need) != (size_t)-1;
}
/* First 8-aligned heap address. */
static inline uint8_t *piecrust_heap_start(void) {
    uintptr_t p = (uintptr_t)&__heap_base;
    return (uint8_t *)((p + 7) & ~(uintptr_t)7);
}

/* Bump allocator over the heap, growing the memory as needed; the heap top
 * lives in linear memory (.bss), so it persists with the contract's state.
 * Returns NULL when the memory cannot grow. Nothing is ever freed. */
static inline void *piecrust_alloc(size_t n) {
    static uintptr_t top;
    if (!top) top = (uintptr_t)piecrust_heap_start();
    uintptr_t p = top;
    uintptr_t end = (p + n + 7) & ~(uintptr_t)7;
    if (!piecrust_ensure_memory((size_t)end)) return NULL;
    top = end;
    return (void *)p;
}

#endif /* PIECRUST_H */
