/* calltree — runs a script of operations, some of them calls to other
 * calltree contracts with scripts of their own, so a test can build any call
 * tree with writes, growth, events, debug lines, fed items and failures at any
 * depth. A failed sub-call's code is folded into the state and reported.
 *
 * run: A[0..arg_len] is a script, a sequence of operations:
 *   'w' [u32 page][u32 value]  store value (as u64) in data page `page` (0..63),
 *                              at slot value % 512, and add it to the sum
 *   'g' [u8 pages]             memory.grow(pages); the old size goes into the sum
 *   'e' [u8 len]               event "tree" with len bytes of the sum's bytes
 *   'd'                        debug line "tree <sum>"
 *   'f'                        feed the 8 bytes of the sum (traps without a feeder)
 *   'b' [u16 n]                a loop of n iterations (gas)
 *   'c' [id32][u64 gas][u16 n][n bytes]
 *                              call run of contract id with the n-byte script
 *                              and gas limit gas (0: the default); the code it
 *                              returns and the first 8 result bytes go into
 *                              the sum, and event "code" reports the code
 *   'p'                        panic "tree panic <sum>"
 *   't'                        trap (unreachable)
 *   's'                        spin until out of gas
 *   'r' [u16 count][u16 n][n bytes]
 *                              run the n-byte script count times (benchmarks:
 *                              many sub-calls from one short script)
 * -> [u64 sum]: the contract's running sum (persistent state) after the script.
 */
#include "piecrust.h"

#define DATA_PAGES 64
#define MAX_SCRIPT 4096

static uint64_t sum;

static uint64_t *data_page(uint32_t page) {
    uintptr_t base = ((uintptr_t)piecrust_heap_start() + 4095) & ~(uintptr_t)4095;
    return (uint64_t *)(base + (uintptr_t)(page % DATA_PAGES) * 4096);
}

static void fold(uint64_t v) { sum = sum * 1099511628211ULL + v + 1; }

static void exec(const uint8_t *script, int32_t arg_len) {
    int32_t at = 0;
    while (at < arg_len) {
        uint8_t op = script[at++];
        switch (op) {
        case 'w': {
            uint32_t page, value;
            __builtin_memcpy(&page, script + at, 4);
            __builtin_memcpy(&value, script + at + 4, 4);
            at += 8;
            data_page(page)[value % 512] = value;
            fold(value);
            break;
        }
        case 'g': {
            uint8_t pages = script[at++];
            fold((uint64_t)piecrust_memory_grow(pages));
            break;
        }
        case 'e': {
            uint8_t len = script[at++];
            uint8_t data[255];
            for (uint32_t i = 0; i < len; i++) data[i] = (uint8_t)(sum >> (8 * (i % 8)));
            piecrust_emit_str("tree", data, len);
            break;
        }
        case 'd': {
            uint8_t line[32];
            memcpy(line, "tree ", 5);
            int32_t n = 5 + piecrust_fmt_u64(line + 5, sum);
            memmove(A, line, (size_t)n);
            host_hdebug(n);
            break;
        }
        case 'f':
            write_u64(0, sum);
            host_feed(8);
            break;
        case 'b': {
            uint16_t n;
            __builtin_memcpy(&n, script + at, 2);
            at += 2;
            for (volatile uint32_t i = 0; i < n; i = i + 1) {}
            break;
        }
        case 'c': {
            uint8_t id[PIECRUST_ID_LEN];
            uint64_t gas;
            uint16_t n;
            __builtin_memcpy(id, script + at, PIECRUST_ID_LEN);
            __builtin_memcpy(&gas, script + at + 32, 8);
            __builtin_memcpy(&n, script + at + 40, 2);
            at += 42;
            memcpy(A, script + at, n);
            at += n;
            int32_t code = piecrust_call(id, "run", n, gas);
            uint64_t first = read_u64(0);
            fold((uint64_t)(uint32_t)code);
            fold(first);
            write_u32(0, (uint32_t)code);
            host_emit("code", 4, 4);
            break;
        }
        case 'p': {
            uint8_t message[40];
            memcpy(message, "tree panic ", 11);
            int32_t n = 11 + piecrust_fmt_u64(message + 11, sum);
            memmove(A, message, (size_t)n);
            host_panic(n);
        }
        case 't':
            __builtin_unreachable();
        case 's': {
            volatile uint64_t x = 0;
            for (;;) x = x + 1;
        }
        case 'r': {
            uint16_t count, n;
            __builtin_memcpy(&count, script + at, 2);
            __builtin_memcpy(&n, script + at + 2, 2);
            at += 4;
            for (uint32_t i = 0; i < count; i++) exec(script + at, n);
            at += n;
            break;
        }
        default:
            piecrust_panic_str("bad op");
        }
    }
}

PIECRUST_FN(run) {
    /* The script on the shadow stack: a re-entrant call overwrites A. */
    uint8_t script[MAX_SCRIPT];
    if (arg_len > MAX_SCRIPT) piecrust_panic_str("script too long");
    memcpy(script, A, (size_t)arg_len);
    exec(script, arg_len);
    write_u64(0, sum);
    return 8;
}
