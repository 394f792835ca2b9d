;; everything_import — 32-bit module importing every host import
;; (P = i32) with one exported function per import that takes the import's
;; pointer and length arguments from the call argument, for pointer-check
;; tests. Pointer fields are always u64 LE in the argument (the 32-bit module uses their low 32 bits).
;; A = 0x10000 (page 1); memory: 2 pages initially, no maximum.
;; Encodings (offsets into the argument; results are LE):
;;   call_c        [u64 callee@0][u64 name@8][u32 name_len@16][u32 arg_len@20][u64 gas@24] -> [i32 ret]
;;   call_hq       [u64 name@0][u32 name_len@8][u32 arg_len@12] -> [i32 ret]
;;   call_hd       [u64 name@0][u32 name_len@8]                  -> [i32 ret]
;;   call_emit     [u64 topic@0][u32 topic_len@8][u32 arg_len@12] -> ()
;;   call_feed     [u32 arg_len@0]  -> ()
;;   call_caller   ()               -> [i32 ret]
;;   call_callstack ()              -> [i32 ret]
;;   call_limit    ()               -> [u64 limit]
;;   call_spent    ()               -> [u64 spent]
;;   call_panic    [u32 arg_len@0]  -> panics with message A[0..arg_len]
;;   call_owner    [u64 id@0]       -> [i32 ret]   (result bytes are overwritten)
;;   call_self_id  ()               -> the 32-byte id
;;   call_hdebug   [u32 msg_len@0]  -> ()
;;   store         [u64 addr@0][bytes...] -> ()   writes the bytes at addr
;;   load          [u64 addr@0][u32 len@8] -> len bytes read at addr
;;   grow          [u64 pages@0]    -> [i64 memory.grow result (old pages or -1)]
;;   size          ()               -> [u64 memory size in pages]
;;   noop          ()               -> ()
;; Data passed with arg_len (hq, emit, feed, panic, hdebug) is A[0..arg_len],
;; i.e. starts with the call's own argument bytes.
(module
  (import "env" "c" (func $c (param i32 i32 i32 i32 i64) (result i32)))
  (import "env" "hq" (func $hq (param i32 i32 i32) (result i32)))
  (import "env" "hd" (func $hd (param i32 i32) (result i32)))
  (import "env" "emit" (func $emit (param i32 i32 i32)))
  (import "env" "feed" (func $feed (param i32)))
  (import "env" "caller" (func $caller (result i32)))
  (import "env" "callstack" (func $callstack (result i32)))
  (import "env" "limit" (func $limit (result i64)))
  (import "env" "spent" (func $spent (result i64)))
  (import "env" "panic" (func $panic (param i32)))
  (import "env" "owner" (func $owner (param i32) (result i32)))
  (import "env" "self_id" (func $self_id))
  (import "env" "hdebug" (func $hdebug (param i32)))

  (memory (export "memory") 2)
  (global $A i32 (i32.const 65536))
  (export "A" (global $A))

  ;; argument field readers (offsets into A)
  (func $ptr (param $off i32) (result i32)
    (i32.wrap_i64 (i64.load (i32.add (global.get $A) (local.get $off)))))
  (func $u32 (param $off i32) (result i32)
    (i32.load (i32.add (global.get $A) (local.get $off))))
  (func $u64 (param $off i32) (result i64)
    (i64.load (i32.add (global.get $A) (local.get $off))))
  (func $ret32 (param $v i32) (result i32)
    (i32.store (global.get $A) (local.get $v))
    (i32.const 4))
  (func $ret64 (param $v i64) (result i32)
    (i64.store (global.get $A) (local.get $v))
    (i32.const 8))

  (func (export "call_c") (param i32) (result i32)
    (call $ret32 (call $c
      (call $ptr (i32.const 0)) (call $ptr (i32.const 8))
      (call $u32 (i32.const 16)) (call $u32 (i32.const 20))
      (call $u64 (i32.const 24)))))
  (func (export "call_hq") (param i32) (result i32)
    (call $ret32 (call $hq
      (call $ptr (i32.const 0)) (call $u32 (i32.const 8)) (call $u32 (i32.const 12)))))
  (func (export "call_hd") (param i32) (result i32)
    (call $ret32 (call $hd (call $ptr (i32.const 0)) (call $u32 (i32.const 8)))))
  (func (export "call_emit") (param i32) (result i32)
    (call $emit (call $ptr (i32.const 0)) (call $u32 (i32.const 8)) (call $u32 (i32.const 12)))
    (i32.const 0))
  (func (export "call_feed") (param i32) (result i32)
    (call $feed (call $u32 (i32.const 0)))
    (i32.const 0))
  (func (export "call_caller") (param i32) (result i32)
    (call $ret32 (call $caller)))
  (func (export "call_callstack") (param i32) (result i32)
    (call $ret32 (call $callstack)))
  (func (export "call_limit") (param i32) (result i32)
    (call $ret64 (call $limit)))
  (func (export "call_spent") (param i32) (result i32)
    (call $ret64 (call $spent)))
  (func (export "call_panic") (param i32) (result i32)
    (call $panic (call $u32 (i32.const 0)))
    (unreachable))
  (func (export "call_owner") (param i32) (result i32)
    (call $ret32 (call $owner (call $ptr (i32.const 0)))))
  (func (export "call_self_id") (param i32) (result i32)
    (call $self_id)
    (i32.const 32))
  (func (export "call_hdebug") (param i32) (result i32)
    (call $hdebug (call $u32 (i32.const 0)))
    (i32.const 0))

  (func (export "store") (param $len i32) (result i32)
    (local $addr i32) (local $i i32) (local $n i32)
    (local.set $addr (call $ptr (i32.const 0)))
    (local.set $n (i32.sub (local.get $len) (i32.const 8)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8
          (i32.add (local.get $addr) (local.get $i))
          (i32.load8_u (i32.add (i32.add (global.get $A) (i32.const 8)) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 0))
  (func (export "load") (param i32) (result i32)
    (local $addr i32) (local $i i32) (local $n i32)
    (local.set $addr (call $ptr (i32.const 0)))
    (local.set $n (call $u32 (i32.const 8)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8
          (i32.add (global.get $A) (local.get $i))
          (i32.load8_u (i32.add (local.get $addr) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $n))
  (func (export "grow") (param i32) (result i32)
    (call $ret64 (i64.extend_i32_s (memory.grow (call $ptr (i32.const 0))))))
  (func (export "size") (param i32) (result i32)
    (call $ret64 (i64.extend_i32_u (memory.size))))
  (func (export "noop") (param i32) (result i32)
    (i32.const 0)))
