;; invalid: an exported function of type (i64) -> i64
(module
  (memory (export "memory") 2)
  (global (export "A") i32 (i32.const 65536))
  (func (export "noop") (param i32) (result i32) (i32.const 0))
  (func (export "wide") (param i64) (result i64) (local.get 0)))
