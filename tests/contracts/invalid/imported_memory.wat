;; invalid: the memory is imported, not defined
(module
  (import "env" "memory" (memory 2))
  (export "memory" (memory 0))
  (global (export "A") i32 (i32.const 65536))
  (func (export "noop") (param i32) (result i32) (i32.const 0)))
