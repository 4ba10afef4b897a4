;; Hostile screening guest, memory convention: answers 200 with a body that is not JSON ({"decision":accept}).
(module
  (memory (export "memory") 1)
  (data (i32.const 64) "{\"decision\":accept}")
  (func (export "edge_alloc") (param $len i32) (result i32)
    (local $old i32)
    (local.set $old
      (memory.grow (i32.shr_u (i32.add (local.get $len) (i32.const 65535)) (i32.const 16))))
    (if (result i32) (i32.eq (local.get $old) (i32.const -1))
      (then (i32.const 0))
      (else (i32.shl (local.get $old) (i32.const 16)))))
  ;; result at 16: status 200, body pointer 64, length 19
  (func (export "edge_handle") (param $ptr i32) (param $len i32) (result i32)
    (i32.store (i32.const 16) (i32.const 200))
    (i32.store (i32.const 20) (i32.const 64))
    (i32.store (i32.const 24) (i32.const 19))
    (i32.const 16)))
