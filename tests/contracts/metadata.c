/* metadata — piecrust's `metadata` and `everest`: owner, id, session metadata. */
#include "piecrust.h"

/* () -> this contract's owner bytes (owner(0)) */
PIECRUST_FN(read_owner) { return host_owner(NULL); }

/* id32 -> that contract's owner bytes, 0 bytes when there is no such contract */
PIECRUST_FN(read_owner_of) {
    if (arg_len != 32) piecrust_panic_str("expected a contract id");
    uint8_t id[PIECRUST_ID_LEN];
    read_id(0, id);
    return host_owner(id);
}

/* () -> id32 (self_id) */
PIECRUST_FN(read_id) {
    host_self_id();
    return 32;
}

/* name bytes -> the metadata value's bytes (hd), 0 bytes when absent */
PIECRUST_FN(read_hd) {
    if (arg_len > 256) piecrust_panic_str("name too long");
    char name[256];
    memcpy(name, A, (size_t)arg_len);
    return host_hd(name, arg_len);
}

/* () -> hd("height") bytes (piecrust's everest.get_height; 0 bytes when absent) */
PIECRUST_FN(read_height) { return piecrust_hd_str("height"); }
