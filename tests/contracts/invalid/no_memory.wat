;; invalid: no memory at all
(module
  (global (export "A") i32 (i32.const 65536))
  (func (export "noop") (param i32) (result i32) (i32.const 0)))
