;; pastlen — accesses past the current length (32-bit): as piecrust 0.32, a load or
;; store at or past memory.size but inside the maximum size does not trap; it reads the persisted
;; bytes (zero if never written) and its writes persist; growth only moves the length. A = 0.
;; Offsets below are u32, relative to the current length in bytes (memory.size × 65536).
;; poke_past [off][u64 v] -> ()                 writes v at length + off
;; peek_past [off] -> u64                       reads at length + off
;; fill_past [off][u32 len] -> ()               memory.fill 0xCD
;; copy_past [dst off][src off][u32 len] -> ()  memory.copy, both relative to the length
;; grow [u32 pages] -> u64 old pages or all ones
;; poke_past_and_trap [off][u64 v] -> traps after writing
;; poke_top [u32 back][u64 v] -> ()             writes v at the maximum size (4 GiB) - back (traps when back < 8)
(module
  (memory (export "memory") i32 1)
  (global (export "A") i32 (i32.const 0))
  (func $at (param $off i32) (result i32)
    (i32.add (i32.mul (memory.size) (i32.const 65536)) (local.get $off)))
  (func (export "poke_past") (param i32) (result i32)
    (i64.store (call $at (i32.load (i32.const 0))) (i64.load (i32.const 4)))
    i32.const 0)
  (func (export "peek_past") (param i32) (result i32)
    (i64.store (i32.const 0) (i64.load (call $at (i32.load (i32.const 0)))))
    i32.const 8)
  (func (export "fill_past") (param i32) (result i32)
    (memory.fill (call $at (i32.load (i32.const 0))) (i32.const 0xCD) (i32.load (i32.const 4)))
    i32.const 0)
  (func (export "copy_past") (param i32) (result i32)
    (memory.copy (call $at (i32.load (i32.const 0))) (call $at (i32.load (i32.const 4))) (i32.load (i32.const 8)))
    i32.const 0)
  (func (export "grow") (param i32) (result i32)
    (i64.store (i32.const 0) (i64.extend_i32_s (memory.grow (i32.load (i32.const 0)))))
    i32.const 8)
  (func (export "poke_past_and_trap") (param i32) (result i32)
    (i64.store (call $at (i32.load (i32.const 0))) (i64.load (i32.const 4)))
    unreachable)
  (func (export "poke_top") (param i32) (result i32)
    (i64.store (i32.sub (i32.const 0) (i32.load (i32.const 0))) (i64.load (i32.const 4)))
    i32.const 0))
