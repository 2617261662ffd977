;; SOS cascades over interleaved channels, two channels per f64x2 lane pair. Each lane does exactly the scalar
;; double arithmetic of `sosfilt` (transposed direct form II), in the same order and without fused multiply-add,
;; so the results are bit-identical to the JavaScript path:
;;   y = b0*x + z0;  z0 = (b1*x - a1*y) + z1;  z1 = b2*x - a2*y;  x = y   (for each section)
;; Memory (imported): coef = per section 5 splatted f64x2 (b0 b1 b2 a1 a2), 80 bytes; state = per channel pair
;; and section (z0, z1) as two f64x2, 32 bytes. Channels [c0, c1) are processed (c0, c1 even); the lane of a
;; channel ≥ cEnd (the pad of an odd channel count) is computed but never stored. Needs sections ≥ 1.
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
        (br $tloop))))
  ;; Noise-block helpers (Float32 rows in memory; comparisons in double, as the JavaScript they replace).

  ;; First i in [0, n) with f64(x[i]) < thr, or n: the threshold scan outside spikes, four samples per step.
  (func (export "scan_below") (param $p i32) (param $n i32) (param $thr f64) (result i32)
    (local $i i32) (local $v v128) (local $t v128)
    (local.set $t (f64x2.splat (local.get $thr)))
    (block $slow
      (loop $fast
        (br_if $slow (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
        (local.set $v (v128.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))))
        (br_if $slow
          (v128.any_true
            (v128.or
              (f64x2.lt (f64x2.promote_low_f32x4 (local.get $v)) (local.get $t))
              (f64x2.lt
                (f64x2.promote_low_f32x4
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))
                (local.get $t)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $fast)))
    (block $found
      (loop $tail
        (br_if $found (i32.ge_u (local.get $i) (local.get $n)))
        (br_if $found
          (f64.lt
            (f64.promote_f32 (f32.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))))
            (local.get $thr)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail)))
    (local.get $i))

  ;; dst[i] = |src[i·stride]| for i < n (stride in bytes); returns the sum of those in double, in order.
  (func (export "gather_abs") (param $src i32) (param $n i32) (param $stride i32) (param $dst i32) (result f64)
    (local $i i32) (local $v f32) (local $sum f64)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $v (f32.abs (f32.load (local.get $src))))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2))) (local.get $v))
        (local.set $sum (f64.add (local.get $sum) (f64.promote_f32 (local.get $v))))
        (local.set $src (i32.add (local.get $src) (local.get $stride)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $sum))

  ;; counts[min(nb − 1, trunc(x[i]·scale))]++ for i < n (x ≥ 0 and finite; counts zeroed by the caller).
  (func (export "histogram") (param $src i32) (param $n i32) (param $scale f64) (param $counts i32) (param $nb i32)
    (local $i i32) (local $b f64) (local $k i32) (local $a i32) (local $top f64)
    (local.set $top (f64.convert_i32_s (local.get $nb)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $b
          (f64.mul
            (f64.promote_f32 (f32.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2)))))
            (local.get $scale)))
        (local.set $k
          (select
            (i32.sub (local.get $nb) (i32.const 1))
            (i32.trunc_sat_f64_s (local.get $b))
            (f64.ge (local.get $b) (local.get $top))))
        (local.set $a (i32.add (local.get $counts) (i32.shl (local.get $k) (i32.const 2))))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l))))
  ;; Raw-side sums over interleaved Float32 frames (C channels, frameBytes = 4·C): box[c] += x (in double, in
  ;; time order) and railed[c] += 1 where |x| ≥ rail, for channels [0, cPad) two at a time (box and railed hold
  ;; cPad doubles; a pad lane is summed but never read).
  (func (export "box_rail")
    (param $in i32) (param $frameBytes i32) (param $frames i32) (param $cPad i32) (param $box i32)
    (param $railed i32) (param $rail f64)
    (local $t i32) (local $c i32) (local $row i32) (local $v v128) (local $r v128) (local $m v128)
    (local $one v128) (local $off i32)
    (local.set $r (f64x2.splat (local.get $rail)))
    (local.set $one (f64x2.splat (f64.const 1)))
    (block $tdone
      (loop $tloop
        (br_if $tdone (i32.ge_u (local.get $t) (local.get $frames)))
        (local.set $row (i32.add (local.get $in) (i32.mul (local.get $t) (local.get $frameBytes))))
        (local.set $c (i32.const 0))
        (block $cdone
          (loop $cloop
            (br_if $cdone (i32.ge_u (local.get $c) (local.get $cPad)))
            (local.set $v
              (f64x2.promote_low_f32x4
                (v128.load64_zero (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2))))))
            (local.set $off (i32.shl (local.get $c) (i32.const 3)))
            (v128.store (i32.add (local.get $box) (local.get $off))
              (f64x2.add (v128.load (i32.add (local.get $box) (local.get $off))) (local.get $v)))
            (local.set $m (f64x2.ge (f64x2.abs (local.get $v)) (local.get $r)))
            (if (v128.any_true (local.get $m))
              (then
                (v128.store (i32.add (local.get $railed) (local.get $off))
                  (f64x2.add
                    (v128.load (i32.add (local.get $railed) (local.get $off)))
                    (v128.and (local.get $m) (local.get $one))))))
            (local.set $c (i32.add (local.get $c) (i32.const 2)))
            (br $cloop)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $tloop))))
  ;; dst ← the x[i] (i < n) whose bin min(nb − 1, trunc(x[i]·scale)) is in [bLo, bHi], in order; returns how many.
  (func (export "collect_bins")
    (param $src i32) (param $n i32) (param $scale f64) (param $nb i32) (param $bLo i32) (param $bHi i32)
    (param $dst i32) (result i32)
    (local $i i32) (local $m i32) (local $v f32) (local $b f64) (local $k i32) (local $top f64)
    (local.set $top (f64.convert_i32_s (local.get $nb)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $v (f32.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $b (f64.mul (f64.promote_f32 (local.get $v)) (local.get $scale)))
        (local.set $k
          (select
            (i32.sub (local.get $nb) (i32.const 1))
            (i32.trunc_sat_f64_s (local.get $b))
            (f64.ge (local.get $b) (local.get $top))))
        (if (i32.and (i32.ge_s (local.get $k) (local.get $bLo)) (i32.le_s (local.get $k) (local.get $bHi)))
          (then
            (f32.store (i32.add (local.get $dst) (i32.shl (local.get $m) (i32.const 2))) (local.get $v))
            (local.set $m (i32.add (local.get $m) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $m)))
