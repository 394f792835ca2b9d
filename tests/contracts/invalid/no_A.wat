;; invalid: no exported global A
(module
  (memory (export "memory") 2)
  (func (export "noop") (param i32) (result i32) (i32.const 0)))
