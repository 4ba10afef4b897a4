;; Probe guest, memory convention: a WASI reactor whose _initialize must run once before edge_handle.
;; edge_handle answers 200 with the body "N", N the number of times _initialize ran (so "1" is right).
(module
  (memory (export "memory") 1)
  (global $inits (mut i32) (i32.const 0))
  (func (export "_initialize")
    (global.set $inits (i32.add (global.get $inits) (i32.const 1))))
  (func (export "edge_alloc") (param $len i32) (result i32)
    (i32.const 1024))
  ;; result at 16: status 200, body pointer 32, length 1; body byte at 32 is '0' + inits
  (func (export "edge_handle") (param $ptr i32) (param $len i32) (result i32)
    (i32.store (i32.const 16) (i32.const 200))
    (i32.store (i32.const 20) (i32.const 32))
    (i32.store (i32.const 24) (i32.const 1))
    (i32.store8 (i32.const 32) (i32.add (i32.const 48) (global.get $inits)))
    (i32.const 16)))
