;; invalid: not a module at all (unbalanced parentheses)
(module
  (memory (export "memory") 2
