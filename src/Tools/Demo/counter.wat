;; counter — the demo contract of the piecrust CLI (`piecrust demo`), in WAT so that it needs no
;; toolchain. Also deployable by hand: `piecrust deploy src/Tools/Demo/counter.wat --owner 01`.
;;
;; Layout: the argument buffer A is the first 64 KiB (page 0..15); the counter is a u64 at byte
;; 0x10000, i.e. at the start of storage page 16, and starts at 0xfc (as piecrust's counter does).
;; Every exported function is (arg_len: i32) -> result_len: i32, per the uplink ABI.
(module
  (memory (export "memory") 2)
  (global (export "A") i32 (i32.const 0))
  (data (i32.const 0x10000) "\fc\00\00\00\00\00\00\00")

  ;; () -> u64 LE
  (func (export "read_value") (param i32) (result i32)
    (i64.store (i32.const 0) (i64.load (i32.const 0x10000)))
    (i32.const 8))

  ;; () -> ()
  (func (export "increment") (param i32) (result i32)
    (i64.store (i32.const 0x10000) (i64.add (i64.load (i32.const 0x10000)) (i64.const 1)))
    (i32.const 0))

  ;; () -> ()
  (func (export "decrement") (param i32) (result i32)
    (i64.store (i32.const 0x10000) (i64.sub (i64.load (i32.const 0x10000)) (i64.const 1)))
    (i32.const 0))

  ;; u64 LE -> ()
  (func (export "write_value") (param i32) (result i32)
    (i64.store (i32.const 0x10000) (i64.load (i32.const 0)))
    (i32.const 0)))
