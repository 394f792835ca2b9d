/* callcenter — piecrust's `callcenter` (inter-contract calls), with raw
 * little-endian encodings, plus probes for caller/callstack, call depth and
 * gas limits. See README.md for every encoding. */
#include "piecrust.h"

#define MAX_NAME 256

/* A parsed "call request": callee id, function name (copied out of A) and
 * the call argument moved to A[0..fn_arg_len]. */
struct request {
    uint8_t id[PIECRUST_ID_LEN];
    char name[MAX_NAME];
    int32_t name_len;
    int32_t fn_arg_len;
};

/* Parses [id 32][u32 name_len][name][fn arg ...] starting at A[off]. */
static void parse_request(struct request *r, size_t off, int32_t arg_len) {
    if ((size_t)arg_len < off + PIECRUST_ID_LEN + 4) piecrust_panic_str("request too short");
    read_id(off, r->id);
    uint32_t nl = read_u32(off + PIECRUST_ID_LEN);
    size_t name_at = off + PIECRUST_ID_LEN + 4;
    if (nl > MAX_NAME || name_at + nl > (size_t)arg_len) piecrust_panic_str("bad function name length");
    memcpy(r->name, A + name_at, nl);
    r->name_len = (int32_t)nl;
    size_t fn_arg_at = name_at + nl;
    r->fn_arg_len = arg_len - (int32_t)fn_arg_at;
    memmove(A, A + fn_arg_at, (size_t)r->fn_arg_len);
}

static int32_t do_call(const struct request *r, uint64_t gas) {
    return host_c(r->id, r->name, r->name_len, r->fn_arg_len, gas);
}

/* Length of the payload that `c` left in A for return code `code`:
 * the result for code >= 0, [u32 len][message] for a panic, else nothing. */
static size_t payload_len(int32_t code) {
    if (code >= 0) return (size_t)code;
    if (code == PIECRUST_ERR_PANIC) return 4 + (size_t)read_u32(0);
    return 0;
}

/* Prepends `hdr` header bytes in front of the payload of `code` (truncated
 * to fit A); the caller fills the header. Returns the total length. */
static int32_t with_header(int32_t code, size_t hdr) {
    size_t n = payload_len(code);
    if (n > PIECRUST_ARGBUF_LEN - hdr) n = PIECRUST_ARGBUF_LEN - hdr;
    memmove(A + hdr, A, n);
    write_u32(0, (uint32_t)code);
    return (int32_t)(hdr + n);
}

static void call_or_panic(const uint8_t id[PIECRUST_ID_LEN], const char *fn, int32_t arg_len, int32_t want) {
    int32_t r = piecrust_call(id, fn, arg_len, 0);
    if (r < 0 || (want >= 0 && r != want)) piecrust_panic_code("call failed: ", r);
}

/* id32 -> i64 LE: counter.read_value() */
PIECRUST_FN(query_counter) {
    if (arg_len != 32) piecrust_panic_str("expected a contract id");
    uint8_t id[PIECRUST_ID_LEN];
    read_id(0, id);
    call_or_panic(id, "read_value", 0, 8);
    return 8;
}

/* id32 -> (): counter.increment() */
PIECRUST_FN(increment_counter) {
    if (arg_len != 32) piecrust_panic_str("expected a contract id");
    uint8_t id[PIECRUST_ID_LEN];
    read_id(0, id);
    call_or_panic(id, "increment", 0, 0);
    return 0;
}

/* id32 -> [i32 code]: tries to call `init` of a contract (must be refused) */
PIECRUST_FN(call_init) {
    if (arg_len != 32) piecrust_panic_str("expected a contract id");
    uint8_t id[PIECRUST_ID_LEN];
    read_id(0, id);
    int32_t r = piecrust_call(id, "init", 0, 0);
    write_u32(0, (uint32_t)r);
    return 4;
}

/* [id32][u32 name_len][name][arg...] -> [i32 code][payload] */
PIECRUST_FN(delegate_query) {
    struct request r;
    parse_request(&r, 0, arg_len);
    return with_header(do_call(&r, 0), 4);
}

/* like delegate_query, with events "callcenter-before"/"callcenter-after"
 * (empty data) around the call */
PIECRUST_FN(delegate_query_with_event) {
    struct request r;
    parse_request(&r, 0, arg_len);
    host_emit("callcenter-before", 17, 0);
    int32_t code = do_call(&r, 0);
    host_emit("callcenter-after", 16, 0);
    return with_header(code, 4);
}

/* [id32][u32 name_len][name][arg...] -> the callee's raw result; a failed
 * call panics with "delegate_transaction failed: <code>" */
PIECRUST_FN(delegate_transaction) {
    struct request r;
    parse_request(&r, 0, arg_len);
    int32_t code = do_call(&r, 0);
    if (code < 0) piecrust_panic_code("delegate_transaction failed: ", code);
    return code;
}

/* [id32][u32 name_len][name][arg...] -> never returns: makes the call
 * (ignoring its outcome), then panics with "panic after call" */
PIECRUST_FN(panic_after_call) {
    struct request r;
    parse_request(&r, 0, arg_len);
    (void)do_call(&r, 0);
    piecrust_panic_str("panic after call");
}

/* [id32][u64 gas_limit][u32 name_len][name][arg...] ->
 * [i32 code][u64 limit][u64 spent_before][u64 spent_after][payload]
 * limit = this frame's limit; spent_* = this frame's spent() read just
 * before and just after `c`. */
PIECRUST_FN(call_with_limit) {
    if (arg_len < 44) piecrust_panic_str("request too short");
    uint64_t gas = read_u64(32);
    memmove(A + 32, A + 40, (size_t)arg_len - 40); /* drop the gas field */
    struct request r;
    parse_request(&r, 0, arg_len - 8);
    uint64_t limit = host_limit();
    uint64_t before = host_spent();
    int32_t code = do_call(&r, gas);
    uint64_t after = host_spent();
    int32_t n = with_header(code, 28);
    write_u64(4, limit);
    write_u64(12, before);
    write_u64(20, after);
    return n;
}

/* [id32][u64 gas_limit] -> [i32 code][payload]: calls `spend` of the given
 * contract with the given limit (piecrust's call_spend_with_limit) */
PIECRUST_FN(call_spend_with_limit) {
    if (arg_len != 40) piecrust_panic_str("expected id and gas limit");
    uint8_t id[PIECRUST_ID_LEN];
    read_id(0, id);
    uint64_t gas = read_u64(32);
    return with_header(piecrust_call(id, "spend", 0, gas), 4);
}

/* id32 -> u8 bool: is the argument this contract's id? */
PIECRUST_FN(calling_self) {
    if (arg_len != 32) piecrust_panic_str("expected a contract id");
    uint8_t id[PIECRUST_ID_LEN], self[PIECRUST_ID_LEN];
    read_id(0, id);
    piecrust_self_id(self);
    write_u8(0, memcmp(id, self, PIECRUST_ID_LEN) == 0);
    return 1;
}

/* () -> id32 */
PIECRUST_FN(return_self_id) {
    host_self_id();
    return 32;
}

/* () -> [u8 0] at top level, [u8 1][caller id32] when called by a contract */
PIECRUST_FN(return_caller) {
    int32_t has = host_caller();
    if (!has) {
        write_u8(0, 0);
        return 1;
    }
    memmove(A + 1, A, PIECRUST_ID_LEN);
    write_u8(0, 1);
    return 1 + PIECRUST_ID_LEN;
}

static int32_t callstack_result(void) {
    int32_t n = host_callstack();
    memmove(A + 4, A, (size_t)n * PIECRUST_ID_LEN);
    write_u32(0, (uint32_t)n);
    return 4 + n * PIECRUST_ID_LEN;
}

/* () -> [u32 count][count x id32] (immediate caller first) */
PIECRUST_FN(return_callstack) { return callstack_result(); }

/* () -> u8 bool: at top level calls itself and returns the inner result;
 * when called, returns whether the caller is this contract (so: 01). */
PIECRUST_FN(call_self) {
    uint8_t self[PIECRUST_ID_LEN], caller[PIECRUST_ID_LEN];
    piecrust_self_id(self);
    if (!piecrust_caller(caller)) {
        call_or_panic(self, "call_self", 0, 1);
        return 1;
    }
    write_u8(0, memcmp(caller, self, PIECRUST_ID_LEN) == 0);
    return 1;
}

/* u32 n -> [u32 count][count x id32]: calls itself n times (nested) and
 * returns the callstack seen by the innermost frame (count = n). */
PIECRUST_FN(call_self_n_times) {
    if (arg_len != 4) piecrust_panic_str("expected u32");
    uint32_t n = read_u32(0);
    if (n == 0) return callstack_result();
    uint8_t self[PIECRUST_ID_LEN];
    piecrust_self_id(self);
    write_u32(0, n - 1);
    int32_t r = piecrust_call(self, "call_self_n_times", 4, 0);
    if (r < 0) piecrust_panic_code("calling self failed: ", r);
    return r;
}

/* u32 n -> [i32 code][u32 depth]: calls itself n times nested.
 * The innermost frame (n == 0) returns [0][its depth]; a frame whose
 * self-call fails returns [code][its own depth]; others pass the inner
 * result through. depth = frames on the stack including this one
 * (callstack count + 1). With the 48-frame limit: recurse(47) at top level
 * -> [0][48]; recurse(48) -> [i32::MIN][48]. */
PIECRUST_FN(recurse) {
    if (arg_len != 4) piecrust_panic_str("expected u32");
    uint32_t n = read_u32(0);
    uint32_t depth = (uint32_t)host_callstack() + 1;
    int32_t code = 0;
    if (n > 0) {
        uint8_t self[PIECRUST_ID_LEN];
        piecrust_self_id(self);
        write_u32(0, n - 1);
        code = piecrust_call(self, "recurse", 4, 0);
        if (code >= 0) return code; /* pass the inner result through */
    }
    write_u32(0, (uint32_t)code);
    write_u32(4, depth);
    return 8;
}

/* () -> panics with "panik" */
PIECRUST_FN(panik) { piecrust_panic_str("panik"); }
