;; invalid: the memory is not exported
(module
  (memory 2)
  (global (export "A") i32 (i32.const 65536))
  (func (export "noop") (param i32) (result i32) (i32.const 0)))
