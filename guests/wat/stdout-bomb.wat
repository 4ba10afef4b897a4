;; Hostile guest, WAGI convention: _start writes a CGI header and then 1,600 x 64 KiB (100 MiB) of 'x' to
;; stdout with wasi_snapshot_preview1.fd_write (errors and short writes ignored), then exits 0.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 64) "Status: 200\nContent-Type: application/json\n\n")
  (func (export "_start")
    (local $i i32)
    ;; fill page 1 with 'x'
    (local.set $i (i32.const 65536))
    (loop $fill
      (i64.store (local.get $i) (i64.const 0x7878787878787878))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 131072))))
    ;; header: iovec at 0 = {64, 44}, nwritten at 8
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 44))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    ;; body: iovec = {65536, 65536}
    (i32.store (i32.const 0) (i32.const 65536))
    (i32.store (i32.const 4) (i32.const 65536))
    (local.set $i (i32.const 0))
    (loop $write
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $write (i32.lt_u (local.get $i) (i32.const 1600))))))
