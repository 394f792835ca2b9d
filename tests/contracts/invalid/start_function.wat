;; invalid: has a start function
(module
  (memory (export "memory") 2)
  (global (export "A") i32 (i32.const 65536))
  (func $s)
  (start $s)
  (func (export "noop") (param i32) (result i32) (i32.const 0)))
