/* host — piecrust's `host`: host queries through `hq`. */
#include "piecrust.h"

/* bytes -> the raw result of host query "hash" on the argument */
PIECRUST_FN(host_hash) { return piecrust_hq_str("hash", arg_len); }

/* () -> traps: host query "unknown_query", which no test registers */
PIECRUST_FN(host_unknown) { return piecrust_hq_str("unknown_query", arg_len); }

/* () -> the raw result of host query "very_expensive" with an empty argument */
PIECRUST_FN(host_very_expensive) { return piecrust_hq_str("very_expensive", 0); }

/* [u32 name_len][name][arg...] -> the raw result of host query <name>(arg) */
PIECRUST_FN(host_query) {
    if (arg_len < 4) piecrust_panic_str("expected name length");
    uint32_t nl = read_u32(0);
    if (nl > 256 || 4 + nl > (uint32_t)arg_len) piecrust_panic_str("bad name length");
    char name[256];
    memcpy(name, A + 4, nl);
    int32_t n = arg_len - 4 - (int32_t)nl;
    memmove(A, A + 4 + nl, (size_t)n);
    return host_hq(name, (int32_t)nl, n);
}

/* host id32 -> [i32 code]: calls host_very_expensive of the given contract */
PIECRUST_FN(delegate_host_very_expensive) {
    if (arg_len != 32) piecrust_panic_str("expected a contract id");
    uint8_t id[PIECRUST_ID_LEN];
    read_id(0, id);
    int32_t code = piecrust_call(id, "host_very_expensive", 0, 0);
    write_u32(0, (uint32_t)code);
    return 4;
}
