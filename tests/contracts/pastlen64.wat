;; pastlen64 — accesses past the current length (64-bit): as piecrust 0.32, a load or
;; store at or past memory.size but inside the maximum size does not trap; it reads the persisted
;; bytes (zero if never written) and its writes persist; growth only moves the length. A = 0.
;; Offsets below are u32, relative to the current length in bytes (memory.size × 65536).
;; poke_past [off][u64 v] -> ()                 writes v at length + off
;; peek_past [off] -> u64                       reads at length + off
;; fill_past [off][u32 len] -> ()               memory.fill 0xCD
;; copy_past [dst off][src off][u32 len] -> ()  memory.copy, both relative to the length
;; grow [u32 pages] -> u64 old pages or all ones
;; poke_past_and_trap [off][u64 v] -> traps after writing
;; poke_top [u32 back][u64 v] -> ()             writes v at the maximum size (4 TiB) - back (traps when back < 8)
(module
  (memory (export "memory") i64 1)
  (global (export "A") i64 (i64.const 0))
  (func $at (param $off i32) (result i64)
    (i64.add (i64.mul (memory.size) (i64.const 65536)) (i64.extend_i32_u (local.get $off))))
  (func (export "poke_past") (param i32) (result i32)
    (i64.store (call $at (i32.load (i64.const 0))) (i64.load (i64.const 4)))
    i32.const 0)
  (func (export "peek_past") (param i32) (result i32)
    (i64.store (i64.const 0) (i64.load (call $at (i32.load (i64.const 0)))))
    i32.const 8)
  (func (export "fill_past") (param i32) (result i32)
    (memory.fill (call $at (i32.load (i64.const 0))) (i32.const 0xCD) (i64.extend_i32_u (i32.load (i64.const 4))))
    i32.const 0)
  (func (export "copy_past") (param i32) (result i32)
    (memory.copy (call $at (i32.load (i64.const 0))) (call $at (i32.load (i64.const 4))) (i64.extend_i32_u (i32.load (i64.const 8))))
    i32.const 0)
  (func (export "grow") (param i32) (result i32)
    (i64.store (i64.const 0) (memory.grow (i64.extend_i32_u (i32.load (i64.const 0)))))
    i32.const 8)
  (func (export "poke_past_and_trap") (param i32) (result i32)
    (i64.store (call $at (i32.load (i64.const 0))) (i64.load (i64.const 4)))
    unreachable)
  (func (export "poke_top") (param i32) (result i32)
    (i64.store (i64.sub (i64.const 4398046511104) (i64.extend_i32_u (i32.load (i64.const 0)))) (i64.load (i64.const 4)))
    i32.const 0))
