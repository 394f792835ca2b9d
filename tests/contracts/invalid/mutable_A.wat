;; invalid: A is a mutable global
(module
  (memory (export "memory") 2)
  (global (export "A") (mut i32) (i32.const 65536))
  (func (export "noop") (param i32) (result i32) (i32.const 0)))
