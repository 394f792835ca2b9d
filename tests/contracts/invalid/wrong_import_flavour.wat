;; invalid: a 32-bit module importing `c` with 64-bit pointers
(module
  (import "env" "c" (func $c (param i64 i64 i32 i32 i64) (result i32)))
  (memory (export "memory") 2)
  (global (export "A") i32 (i32.const 65536))
  (func (export "noop") (param i32) (result i32) (i32.const 0)))
