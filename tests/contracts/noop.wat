;; noop — the smallest valid contract (for benchmarks): A = 0, one page.
;; noop: () -> () (returns 0 bytes)
(module
  (memory (export "memory") 1)
  (global (export "A") i32 (i32.const 0))
  (func (export "noop") (param i32) (result i32)
    i32.const 0))
