;; SOS cascades over interleaved channels, two channels per f64x2 lane pair. Each lane does exactly the scalar
;; double arithmetic of `sosfilt` (transposed direct form II), in the same order and without fused multiply-add,
;; so the results are bit-identical to the JavaScript path:
;;   y = b0*x + z0;  z0 = (b1*x - a1*y) + z1;  z1 = b2*x - a2*y;  x = y   (for each section)
;; Memory (imported): coef = per section 5 splatted f64x2 (b0 b1 b2 a1 a2), 80 bytes; state = per channel pair
;; and section (z0, z1) as two f64x2, 32 bytes. Channels [c0, c1) are processed (c0, c1 even); the lane of a
;; channel ≥ cEnd (the pad of an odd channel count) is computed but never stored. Needs sections ≥ 1.
;; Two exports, differing only in the precision of their input and output: sos_f32 and sos_f64.
(module
  (import "env" "memory" (memory 1))

  ;; Float32 in (interleaved, inStride bytes per frame) → Float32 out at out + c*outC + t*outT (bytes).
  (func (export "sos_f32")
    (param $in i32) (param $inStride i32) (param $out i32) (param $outC i32) (param $outT i32)
    (param $z i32) (param $coef i32) (param $ns i32) (param $c0 i32) (param $c1 i32) (param $cEnd i32)
    (param $frames i32)
    (local $t i32) (local $c i32) (local $inRow i32) (local $outRow i32) (local $y v128) (local $pairBytes i32)
    (local $x v128) (local $z0 v128) (local $z1 v128) (local $zp i32) (local $cp i32) (local $s i32)
    (local.set $pairBytes (i32.shl (local.get $ns) (i32.const 5)))
    (block $tdone
      (loop $tloop
        (br_if $tdone (i32.ge_u (local.get $t) (local.get $frames)))
        (local.set $inRow (i32.add (local.get $in) (i32.mul (local.get $t) (local.get $inStride))))
        (local.set $outRow (i32.add (local.get $out) (i32.mul (local.get $t) (local.get $outT))))
        (local.set $c (local.get $c0))
        (block $cdone
          (loop $cloop
            (br_if $cdone (i32.ge_u (local.get $c) (local.get $c1)))
            (local.set $x
              (f64x2.promote_low_f32x4
                (v128.load64_zero (i32.add (local.get $inRow) (i32.shl (local.get $c) (i32.const 2))))))
            ;; The cascade on one channel pair (inlined: a call per pair costs as much as a section).
            (local.set $zp (i32.add (local.get $z) (i32.mul (i32.shr_u (local.get $c) (i32.const 1)) (local.get $pairBytes))))
            (local.set $cp (local.get $coef))
            (local.set $s (local.get $ns))
            (block $sdone
              (loop $sec
                (local.set $z0 (v128.load (local.get $zp)))
                (local.set $z1 (v128.load offset=16 (local.get $zp)))
                (local.set $y
                  (f64x2.add (f64x2.mul (v128.load (local.get $cp)) (local.get $x)) (local.get $z0)))
                (v128.store (local.get $zp)
                  (f64x2.add
                    (f64x2.sub
                      (f64x2.mul (v128.load offset=16 (local.get $cp)) (local.get $x))
                      (f64x2.mul (v128.load offset=48 (local.get $cp)) (local.get $y)))
                    (local.get $z1)))
                (v128.store offset=16 (local.get $zp)
                  (f64x2.sub
                    (f64x2.mul (v128.load offset=32 (local.get $cp)) (local.get $x))
                    (f64x2.mul (v128.load offset=64 (local.get $cp)) (local.get $y))))
                (local.set $x (local.get $y))
                (local.set $zp (i32.add (local.get $zp) (i32.const 32)))
                (local.set $cp (i32.add (local.get $cp) (i32.const 80)))
                (local.set $s (i32.sub (local.get $s) (i32.const 1)))
                (br_if $sec (local.get $s))))
            (local.set $y (f32x4.demote_f64x2_zero (local.get $x)))
            (f32.store (i32.add (local.get $outRow) (i32.mul (local.get $c) (local.get $outC)))
              (f32x4.extract_lane 0 (local.get $y)))
            (if (i32.lt_u (i32.add (local.get $c) (i32.const 1)) (local.get $cEnd))
              (then
                (f32.store
                  (i32.add (local.get $outRow) (i32.mul (i32.add (local.get $c) (i32.const 1)) (local.get $outC)))
                  (f32x4.extract_lane 1 (local.get $y)))))
            (local.set $c (i32.add (local.get $c) (i32.const 2)))
            (br $cloop)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $tloop))))

  ;; Float64 in (interleaved, inStride bytes per frame) → Float64 out at out + c*outC + t*outT (bytes).
  (func (export "sos_f64")
    (param $in i32) (param $inStride i32) (param $out i32) (param $outC i32) (param $outT i32)
    (param $z i32) (param $coef i32) (param $ns i32) (param $c0 i32) (param $c1 i32) (param $cEnd i32)
    (param $frames i32)
    (local $t i32) (local $c i32) (local $inRow i32) (local $outRow i32) (local $y v128) (local $pairBytes i32)
    (local $x v128) (local $z0 v128) (local $z1 v128) (local $zp i32) (local $cp i32) (local $s i32)
    (local.set $pairBytes (i32.shl (local.get $ns) (i32.const 5)))
    (block $tdone
      (loop $tloop
        (br_if $tdone (i32.ge_u (local.get $t) (local.get $frames)))
        (local.set $inRow (i32.add (local.get $in) (i32.mul (local.get $t) (local.get $inStride))))
        (local.set $outRow (i32.add (local.get $out) (i32.mul (local.get $t) (local.get $outT))))
        (local.set $c (local.get $c0))
        (block $cdone
          (loop $cloop
            (br_if $cdone (i32.ge_u (local.get $c) (local.get $c1)))
            (local.set $x (v128.load (i32.add (local.get $inRow) (i32.shl (local.get $c) (i32.const 3)))))
            ;; The cascade on one channel pair (inlined: a call per pair costs as much as a section).
            (local.set $zp (i32.add (local.get $z) (i32.mul (i32.shr_u (local.get $c) (i32.const 1)) (local.get $pairBytes))))
            (local.set $cp (local.get $coef))
            (local.set $s (local.get $ns))
            (block $sdone
              (loop $sec
                (local.set $z0 (v128.load (local.get $zp)))
                (local.set $z1 (v128.load offset=16 (local.get $zp)))
                (local.set $y
                  (f64x2.add (f64x2.mul (v128.load (local.get $cp)) (local.get $x)) (local.get $z0)))
                (v128.store (local.get $zp)
                  (f64x2.add
                    (f64x2.sub
                      (f64x2.mul (v128.load offset=16 (local.get $cp)) (local.get $x))
                      (f64x2.mul (v128.load offset=48 (local.get $cp)) (local.get $y)))
                    (local.get $z1)))
                (v128.store offset=16 (local.get $zp)
                  (f64x2.sub
                    (f64x2.mul (v128.load offset=32 (local.get $cp)) (local.get $x))
                    (f64x2.mul (v128.load offset=64 (local.get $cp)) (local.get $y))))
                (local.set $x (local.get $y))
                (local.set $zp (i32.add (local.get $zp) (i32.const 32)))
                (local.set $cp (i32.add (local.get $cp) (i32.const 80)))
                (local.set $s (i32.sub (local.get $s) (i32.const 1)))
                (br_if $sec (local.get $s))))
            (local.set $y (local.get $x))
            (f64.store (i32.add (local.get $outRow) (i32.mul (local.get $c) (local.get $outC)))
              (f64x2.extract_lane 0 (local.get $y)))
            (if (i32.lt_u (i32.add (local.get $c) (i32.const 1)) (local.get $cEnd))
              (then
                (f64.store
                  (i32.add (local.get $outRow) (i32.mul (i32.add (local.get $c) (i32.const 1)) (local.get $outC)))
                  (f64x2.extract_lane 1 (local.get $y)))))
            (local.set $c (i32.add (local.get $c) (i32.const 2)))
            (br $cloop)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $tloop)))))
