;; invalid: imports a function that is not part of the ABI
(module
  (import "env" "not_a_host_fn" (func $x (param i32)))
  (memory (export "memory") 2)
  (global (export "A") i32 (i32.const 65536))
  (func (export "noop") (param i32) (result i32) (call $x (i32.const 0)) (i32.const 0)))
