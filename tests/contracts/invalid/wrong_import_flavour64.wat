;; invalid: a 64-bit module importing `hd` with a 32-bit pointer
(module
  (import "env" "hd" (func $hd (param i32 i32) (result i32)))
  (memory (export "memory") i64 2)
  (global (export "A") i64 (i64.const 65536))
  (func (export "noop") (param i32) (result i32) (i32.const 0)))
