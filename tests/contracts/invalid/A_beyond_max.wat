;; invalid: A + 65536 lies beyond the memory's declared maximum (2 pages)
(module
  (memory (export "memory") 2 2)
  (global (export "A") i32 (i32.const 0x18000))
  (func (export "noop") (param i32) (result i32) (i32.const 0)))
