;; Hostile guest, memory convention: edge_handle grows memory one page at a time forever, writing to every
;; 4 KiB of each new page so the host has to back it; when memory.grow fails (returns -1) it traps.
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
    (local $page i32)
    (local $off i32)
    (loop $grow
      (local.set $page (memory.grow (i32.const 1)))
      (if (i32.eq (local.get $page) (i32.const -1)) (then unreachable))
      (local.set $off (i32.const 0))
      (loop $touch
        (i32.store
          (i32.add (i32.shl (local.get $page) (i32.const 16)) (local.get $off))
          (i32.const 0x5a5a5a5a))
        (local.set $off (i32.add (local.get $off) (i32.const 4096)))
        (br_if $touch (i32.lt_u (local.get $off) (i32.const 65536))))
      (br $grow))
    unreachable))
