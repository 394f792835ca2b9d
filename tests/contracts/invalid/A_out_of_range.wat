;; invalid: A + 65536 lies beyond 4 GiB (the 32-bit maximum)
(module
  (memory (export "memory") 2)
  (global (export "A") i32 (i32.const 0xffff8000))
  (func (export "noop") (param i32) (result i32) (i32.const 0)))
