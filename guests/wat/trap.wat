;; Hostile guest, memory convention: edge_handle traps (unreachable).
(module
  (memory (export "memory") 1)
  (func (export "edge_alloc") (param $len i32) (result i32)
    (local $old i32)
    (local.set $old
      (memory.grow (i32.shr_u (i32.add (local.get $len) (i32.const 65535)) (i32.const 16))))
    (if (result i32) (i32.eq (local.get $old) (i32.const -1))
      (then (i32.const 0))
      (else (i32.shl (local.get $old) (i32.const 16)))))
  (func (export "edge_handle") (param $ptr i32) (param $len i32) (result i32)
    unreachable))
