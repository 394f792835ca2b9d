/* token — a fungible token with its balances in an open-addressing hash
 * table over 16 MiB of linear memory: the workload of BlockBench (issue J).
 * Accounts are u64 keys; a slot is [u64 key + 1][u64 balance] (0 = empty),
 * 2^20 slots placed right after the heap base, so a transfer touches two
 * scattered pages of a 16 MiB table. Built for wasm32 and wasm64. */
#include "piecrust.h"

#define SLOT_BITS 20
#define SLOTS (1u << SLOT_BITS)
#define SLOT_SIZE 16

struct slot {
    uint64_t key_plus_one;
    uint64_t balance;
};

static struct slot *table(void) {
    uint8_t *base = piecrust_heap_start();
    if (!piecrust_ensure_memory((size_t)base + (size_t)SLOTS * SLOT_SIZE))
        piecrust_panic_str("cannot grow memory for the balance table");
    return (struct slot *)base;
}

/* Fibonacci hashing: multiplicative, spreads sequential keys over the table. */
static uint32_t home(uint64_t key) {
    return (uint32_t)((key * 0x9E3779B97F4A7C15ULL) >> (64 - SLOT_BITS));
}

/* The slot of `key`; with `create`, claims an empty one (else NULL if absent). */
static struct slot *find(uint64_t key, int create) {
    struct slot *t = table();
    uint32_t i = home(key);
    for (uint32_t probes = 0; probes < SLOTS; probes++, i = (i + 1) & (SLOTS - 1)) {
        if (t[i].key_plus_one == key + 1) return &t[i];
        if (t[i].key_plus_one == 0) {
            if (!create) return NULL;
            t[i].key_plus_one = key + 1;
            return &t[i];
        }
    }
    piecrust_panic_str("balance table full");
}

static uint64_t balance_of(uint64_t key) {
    struct slot *s = find(key, 0);
    return s ? s->balance : 0;
}

static void transfer(uint64_t from, uint64_t to, uint64_t amount) {
    struct slot *f = find(from, 0);
    if (!f || f->balance < amount) piecrust_panic_str("insufficient balance");
    f->balance -= amount;
    struct slot *t = find(to, 1);
    if (t->balance + amount < t->balance) piecrust_panic_str("balance overflow");
    t->balance += amount;
}

/* [u64 account][u64 amount] -> (): credits `amount` to `account` */
PIECRUST_FN(mint) {
    if (arg_len != 16) piecrust_panic_str("expected [u64 account][u64 amount]");
    struct slot *s = find(read_u64(0), 1);
    uint64_t amount = read_u64(8);
    if (s->balance + amount < s->balance) piecrust_panic_str("balance overflow");
    s->balance += amount;
    return 0;
}

/* [u64 from][u64 to][u64 amount] -> (): moves `amount`; panics with
 * "insufficient balance" when `from` holds less */
PIECRUST_FN(transfer) {
    if (arg_len != 24) piecrust_panic_str("expected [u64 from][u64 to][u64 amount]");
    transfer(read_u64(0), read_u64(8), read_u64(16));
    return 0;
}

/* u64 account -> u64 balance */
PIECRUST_FN(balance) {
    if (arg_len != 8) piecrust_panic_str("expected u64 account");
    write_u64(0, balance_of(read_u64(0)));
    return 8;
}

/* [id32 other][u64 from][u64 to][u64 amount] -> i32 code: a transfer here,
 * then the same transfer asked of token `other` (a sub-call that fails when
 * `from` holds too little there); the sub-call's failure is returned, not
 * raised, so this call's own transfer stays */
PIECRUST_FN(transfer_and_forward) {
    if (arg_len != 32 + 24) piecrust_panic_str("expected [id32 other][u64 from][u64 to][u64 amount]");
    uint8_t other[PIECRUST_ID_LEN];
    read_id(0, other);
    uint64_t from = read_u64(32), to = read_u64(40), amount = read_u64(48);
    transfer(from, to, amount);
    write_u64(0, from);
    write_u64(8, to);
    write_u64(16, amount);
    int32_t code = piecrust_call(other, "transfer", 24, 0);
    write_u32(0, (uint32_t)code);
    return 4;
}
