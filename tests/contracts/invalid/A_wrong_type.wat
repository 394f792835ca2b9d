;; invalid: A is an i64 in a 32-bit module
(module
  (memory (export "memory") 2)
  (global (export "A") i64 (i64.const 65536))
  (func (export "noop") (param i32) (result i32) (i32.const 0)))
