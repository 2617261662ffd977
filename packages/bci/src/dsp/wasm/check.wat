;; The streaming signal check's kernels (see src/checks/kernel/): time-major Float32 rows of Cp channels (Cp a
;; multiple of 16, rowBytes = 4·Cp), four channels per f32x4, in single precision without fused multiply-add. The
;; JavaScript reference (src/checks/kernel/checkKernelJs.ts) does the same operations in the same order with
;; Math.fround, so both give the same bits; tests check that.
;;
;; Section forms (coefficients splatted to f32x4, 16 bytes each; state (z0, z1) 32 bytes per group of 4 channels):
;;   band-pass, transposed direct form II (scipy's sosfilt): b0 b1 b2 a1 a2
;;     y = b0·x + z0;  z0 = (b1·x − a1·y) + z1;  z1 = b2·x − a2·y
;;   notch, "delta" form of g·(1 − 2cos w0·z⁻¹ + z⁻²)/(1 + a1·z⁻¹ + a2·z⁻²) with e = 2 − 2cos w0, α = 2 + a1,
;;   β = 1 − a2 (small numbers that single precision holds exactly enough; −2cos w0 itself would shift the notch):
;;     u = g·x;  y = u + z0;  z0 = ((e·u − α·y) + (z0 + z0)) + z1;  z1 = β·y − z0
(module
  (import "env" "memory" (memory 1))

  ;; Spike band of one tile over `rows` rows (rowBytes per row, a multiple of 32; input and output rows inStride and
  ;; outStride apart): box[c] += x and railed[c] += (|x| ≥ railThr) on the raw input; then with `filter` the notch
  ;; and `nbp` band-pass sections to `out`, else a copy of the rows at `copy` (inStride apart: a given band). Every
  ;; `decim` rows (counting on from `boxFill`) a row box·invD goes to `lfp` (rowBytes apart) and the box restarts.
  ;; Returns how many LFP rows were written. The band goes to `out` (whole rows, outStride apart; none when out is
  ;; 0), every step-th block row (block row of the first: row0) to cmp + (row/step)·rowBytes, and with `cand` (f32
  ;; per channel) the groups with a value below it to the candidate entries (see $record; count at cnt). Two
  ;; groups (8 channels) per step share the coefficient loads (four measured no faster). Band-pass sections of kind 1 (b = b0·[1, 2, 1]) and 2 (b = [1, −2, 1]), what Butterworth
  ;; band-passes are made of, skip the products that are exact anyway (same bits as kind 0, the general form).
  (func (export "spike_rows")
    (param $in i32) (param $inStride i32) (param $out i32) (param $outStride i32) (param $rowBytes i32)
    (param $rows i32) (param $z i32) (param $coef i32) (param $nbp i32) (param $box i32) (param $railed i32)
    (param $railThr f32) (param $lfp i32) (param $decim i32) (param $boxFill i32) (param $invD f32)
    (param $filter i32) (param $copy i32) (param $row0 i32) (param $step i32) (param $cmp i32) (param $cand i32)
    (param $keys i32) (param $vals i32) (param $cnt i32) (result i32)
    (local $t i32) (local $g i32) (local $zp i32) (local $cp i32) (local $s i32) (local $rv v128) (local $p i32)
    (local $zStride i32) (local $emitted i32) (local $inv v128) (local $zq i32) (local $kind i32) (local $fast i32)
    (local $row i32) (local $isG i32) (local $crow i32) (local $ma v128) (local $mb v128)
    (local $k0 v128) (local $k1 v128) (local $k2 v128) (local $k3 v128) (local $k4 v128)
    (local $xa v128) (local $ya v128) (local $ua v128) (local $z0a v128) (local $z1a v128)
    (local $xb v128) (local $yb v128) (local $ub v128) (local $z0b v128) (local $z1b v128)
    (local.set $rv (f32x4.splat (local.get $railThr)))
    ;; The usual spike band, notch + [b0·(1, 2, 1)] + [(1, −2, 1)], runs unrolled.
    (local.set $fast
      (i32.and (i32.eq (local.get $nbp) (i32.const 2))
        (i32.and (i32.eq (i32.load offset=144 (local.get $coef)) (i32.const 1))
          (i32.eq (i32.load offset=240 (local.get $coef)) (i32.const 2)))))
    (local.set $inv (f32x4.splat (local.get $invD)))
    (local.set $zStride (i32.shl (i32.add (local.get $nbp) (i32.const 1)) (i32.const 5)))
    (block $tdone
      (loop $tl
        (br_if $tdone (i32.ge_u (local.get $t) (local.get $rows)))
        (local.set $g (i32.const 0))
        (local.set $zp (local.get $z))
        (local.set $row (i32.add (local.get $row0) (local.get $t)))
        (local.set $isG (i32.eqz (i32.rem_u (local.get $row) (local.get $step))))
        (local.set $crow (i32.add (local.get $cmp) (i32.mul (i32.div_u (local.get $row) (local.get $step)) (local.get $rowBytes))))
        (block $gdone
          (loop $gl
            (br_if $gdone (i32.ge_u (local.get $g) (local.get $rowBytes)))
            (local.set $xa (v128.load offset=0 (i32.add (local.get $in) (local.get $g))))
            (local.set $p (i32.add (local.get $box) (local.get $g)))
            (v128.store offset=0 (local.get $p) (f32x4.add (v128.load offset=0 (local.get $p)) (local.get $xa)))
            (local.set $p (i32.add (local.get $railed) (local.get $g)))
            (v128.store offset=0 (local.get $p)
              (i32x4.sub (v128.load offset=0 (local.get $p)) (f32x4.ge (v128.and (local.get $xa) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)) (local.get $rv))))
            (local.set $xb (v128.load offset=16 (i32.add (local.get $in) (local.get $g))))
            (local.set $p (i32.add (local.get $box) (local.get $g)))
            (v128.store offset=16 (local.get $p) (f32x4.add (v128.load offset=16 (local.get $p)) (local.get $xb)))
            (local.set $p (i32.add (local.get $railed) (local.get $g)))
            (v128.store offset=16 (local.get $p)
              (i32x4.sub (v128.load offset=16 (local.get $p)) (f32x4.ge (v128.and (local.get $xb) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)) (local.get $rv))))
            (if (i32.eqz (local.get $filter))
              (then
                (local.set $xa (v128.load (i32.add (local.get $copy) (local.get $g))))
                (local.set $xb (v128.load offset=16 (i32.add (local.get $copy) (local.get $g)))))
              (else
                ;; Notch (delta form).
                (local.set $k0 (v128.load (local.get $coef)))
                (local.set $k1 (v128.load offset=16 (local.get $coef)))
                (local.set $k2 (v128.load offset=32 (local.get $coef)))
                (local.set $k3 (v128.load offset=48 (local.get $coef)))
                (local.set $z0a (v128.load (local.get $zp)))
                (local.set $z1a (v128.load offset=16 (local.get $zp)))
                (local.set $ua (f32x4.mul (local.get $k0) (local.get $xa)))
                (local.set $ya (f32x4.add (local.get $ua) (local.get $z0a)))
                (v128.store (local.get $zp)
                  (f32x4.add
                    (f32x4.add
                      (f32x4.sub (f32x4.mul (local.get $k1) (local.get $ua)) (f32x4.mul (local.get $k2) (local.get $ya)))
                      (f32x4.add (local.get $z0a) (local.get $z0a)))
                    (local.get $z1a)))
                (v128.store offset=16 (local.get $zp) (f32x4.sub (f32x4.mul (local.get $k3) (local.get $ya)) (local.get $z0a)))
                (local.set $xa (local.get $ya))
                (local.set $z0b (v128.load (local.tee $zq (i32.add (local.get $zp) (local.get $zStride)))))
                (local.set $z1b (v128.load offset=16 (local.get $zq)))
                (local.set $ub (f32x4.mul (local.get $k0) (local.get $xb)))
                (local.set $yb (f32x4.add (local.get $ub) (local.get $z0b)))
                (v128.store (local.get $zq)
                  (f32x4.add
                    (f32x4.add
                      (f32x4.sub (f32x4.mul (local.get $k1) (local.get $ub)) (f32x4.mul (local.get $k2) (local.get $yb)))
                      (f32x4.add (local.get $z0b) (local.get $z0b)))
                    (local.get $z1b)))
                (v128.store offset=16 (local.get $zq) (f32x4.sub (f32x4.mul (local.get $k3) (local.get $yb)) (local.get $z0b)))
                (local.set $xb (local.get $yb))
                (if (local.get $fast)
                  (then
                    ;; Section 1, b = b0·[1, 2, 1].
                    (local.set $p (i32.add (local.get $zp) (i32.const 32)))
                    (local.set $k0 (v128.load offset=64 (local.get $coef)))
                    (local.set $k3 (v128.load offset=112 (local.get $coef)))
                    (local.set $k4 (v128.load offset=128 (local.get $coef)))
                    (local.set $ua (f32x4.mul (local.get $k0) (local.get $xa)))
                    (local.set $ya (f32x4.add (local.get $ua) (v128.load (local.get $p))))
                    (v128.store (local.get $p)
                      (f32x4.add
                        (f32x4.sub (f32x4.add (local.get $ua) (local.get $ua)) (f32x4.mul (local.get $k3) (local.get $ya)))
                        (v128.load offset=16 (local.get $p))))
                    (v128.store offset=16 (local.get $p) (f32x4.sub (local.get $ua) (f32x4.mul (local.get $k4) (local.get $ya))))
                    (local.set $ub (f32x4.mul (local.get $k0) (local.get $xb)))
                    (local.set $yb (f32x4.add (local.get $ub) (v128.load (local.tee $zq (i32.add (local.get $p) (local.get $zStride))))))
                    (v128.store (local.get $zq)
                      (f32x4.add
                        (f32x4.sub (f32x4.add (local.get $ub) (local.get $ub)) (f32x4.mul (local.get $k3) (local.get $yb)))
                        (v128.load offset=16 (local.get $zq))))
                    (v128.store offset=16 (local.get $zq) (f32x4.sub (local.get $ub) (f32x4.mul (local.get $k4) (local.get $yb))))
                    ;; Section 2, b = [1, −2, 1].
                    (local.set $p (i32.add (local.get $zp) (i32.const 64)))
                    (local.set $k3 (v128.load offset=208 (local.get $coef)))
                    (local.set $k4 (v128.load offset=224 (local.get $coef)))
                    (local.set $xa (f32x4.add (local.get $ya) (v128.load (local.get $p))))
                    (v128.store (local.get $p)
                      (f32x4.sub
                        (v128.load offset=16 (local.get $p))
                        (f32x4.add (f32x4.add (local.get $ya) (local.get $ya)) (f32x4.mul (local.get $k3) (local.get $xa)))))
                    (v128.store offset=16 (local.get $p) (f32x4.sub (local.get $ya) (f32x4.mul (local.get $k4) (local.get $xa))))
                    (local.set $xb (f32x4.add (local.get $yb) (v128.load (local.tee $zq (i32.add (local.get $p) (local.get $zStride))))))
                    (v128.store (local.get $zq)
                      (f32x4.sub
                        (v128.load offset=16 (local.get $zq))
                        (f32x4.add (f32x4.add (local.get $yb) (local.get $yb)) (f32x4.mul (local.get $k3) (local.get $xb)))))
                    (v128.store offset=16 (local.get $zq) (f32x4.sub (local.get $yb) (f32x4.mul (local.get $k4) (local.get $xb))))
)
                  (else
                ;; Band-pass sections (96-byte coefficients: b0 b1 b2 a1 a2, then the kind as i32).
                (local.set $p (i32.add (local.get $zp) (i32.const 32)))
                (local.set $cp (i32.add (local.get $coef) (i32.const 64)))
                (local.set $s (local.get $nbp))
                (block $sd
                  (loop $sl
                    (br_if $sd (i32.eqz (local.get $s)))
                    (local.set $k3 (v128.load offset=48 (local.get $cp)))
                    (local.set $k4 (v128.load offset=64 (local.get $cp)))
                    (local.set $kind (i32.load offset=80 (local.get $cp)))
                    (if (i32.eqz (local.get $kind))
                      (then
                        (local.set $k0 (v128.load (local.get $cp)))
                        (local.set $k1 (v128.load offset=16 (local.get $cp)))
                        (local.set $k2 (v128.load offset=32 (local.get $cp)))
                        (local.set $ya (f32x4.add (f32x4.mul (local.get $k0) (local.get $xa)) (v128.load (local.get $p))))
                        (v128.store (local.get $p)
                          (f32x4.add
                            (f32x4.sub (f32x4.mul (local.get $k1) (local.get $xa)) (f32x4.mul (local.get $k3) (local.get $ya)))
                            (v128.load offset=16 (local.get $p))))
                        (v128.store offset=16 (local.get $p)
                          (f32x4.sub (f32x4.mul (local.get $k2) (local.get $xa)) (f32x4.mul (local.get $k4) (local.get $ya))))
                        (local.set $xa (local.get $ya))
                        (local.set $yb (f32x4.add (f32x4.mul (local.get $k0) (local.get $xb)) (v128.load (local.tee $zq (i32.add (local.get $p) (local.get $zStride))))))
                        (v128.store (local.get $zq)
                          (f32x4.add
                            (f32x4.sub (f32x4.mul (local.get $k1) (local.get $xb)) (f32x4.mul (local.get $k3) (local.get $yb)))
                            (v128.load offset=16 (local.get $zq))))
                        (v128.store offset=16 (local.get $zq)
                          (f32x4.sub (f32x4.mul (local.get $k2) (local.get $xb)) (f32x4.mul (local.get $k4) (local.get $yb))))
                        (local.set $xb (local.get $yb))
))
                    ;; b = b0·[1, 2, 1]: b1·x = u + u, b2·x = u (u = b0·x), the same bits as the products.
                    (if (i32.eq (local.get $kind) (i32.const 1))
                      (then
                        (local.set $k0 (v128.load (local.get $cp)))
                        (local.set $ua (f32x4.mul (local.get $k0) (local.get $xa)))
                        (local.set $ya (f32x4.add (local.get $ua) (v128.load (local.get $p))))
                        (v128.store (local.get $p)
                          (f32x4.add
                            (f32x4.sub (f32x4.add (local.get $ua) (local.get $ua)) (f32x4.mul (local.get $k3) (local.get $ya)))
                            (v128.load offset=16 (local.get $p))))
                        (v128.store offset=16 (local.get $p) (f32x4.sub (local.get $ua) (f32x4.mul (local.get $k4) (local.get $ya))))
                        (local.set $xa (local.get $ya))
                        (local.set $ub (f32x4.mul (local.get $k0) (local.get $xb)))
                        (local.set $yb (f32x4.add (local.get $ub) (v128.load (local.tee $zq (i32.add (local.get $p) (local.get $zStride))))))
                        (v128.store (local.get $zq)
                          (f32x4.add
                            (f32x4.sub (f32x4.add (local.get $ub) (local.get $ub)) (f32x4.mul (local.get $k3) (local.get $yb)))
                            (v128.load offset=16 (local.get $zq))))
                        (v128.store offset=16 (local.get $zq) (f32x4.sub (local.get $ub) (f32x4.mul (local.get $k4) (local.get $yb))))
                        (local.set $xb (local.get $yb))
))
                    ;; b = [1, −2, 1]: b1·x − a1·y = −((x + x) + a1·y), the same bits.
                    (if (i32.eq (local.get $kind) (i32.const 2))
                      (then
                        (local.set $ya (f32x4.add (local.get $xa) (v128.load (local.get $p))))
                        (v128.store (local.get $p)
                          (f32x4.sub
                            (v128.load offset=16 (local.get $p))
                            (f32x4.add (f32x4.add (local.get $xa) (local.get $xa)) (f32x4.mul (local.get $k3) (local.get $ya)))))
                        (v128.store offset=16 (local.get $p) (f32x4.sub (local.get $xa) (f32x4.mul (local.get $k4) (local.get $ya))))
                        (local.set $xa (local.get $ya))
                        (local.set $yb (f32x4.add (local.get $xb) (v128.load (local.tee $zq (i32.add (local.get $p) (local.get $zStride))))))
                        (v128.store (local.get $zq)
                          (f32x4.sub
                            (v128.load offset=16 (local.get $zq))
                            (f32x4.add (f32x4.add (local.get $xb) (local.get $xb)) (f32x4.mul (local.get $k3) (local.get $yb)))))
                        (v128.store offset=16 (local.get $zq) (f32x4.sub (local.get $xb) (f32x4.mul (local.get $k4) (local.get $yb))))
                        (local.set $xb (local.get $yb))
))
                    (local.set $p (i32.add (local.get $p) (i32.const 32)))
                    (local.set $cp (i32.add (local.get $cp) (i32.const 96)))
                    (local.set $s (i32.sub (local.get $s) (i32.const 1)))
                    (br $sl)))))
))
            ;; The band: whole rows, every step-th row, candidates below candThr.
            (if (local.get $out)
              (then
                (v128.store (i32.add (local.get $out) (local.get $g)) (local.get $xa))
                (v128.store offset=16 (i32.add (local.get $out) (local.get $g)) (local.get $xb))))
            (if (local.get $isG)
              (then
                (v128.store (i32.add (local.get $crow) (local.get $g)) (local.get $xa))
                (v128.store offset=16 (i32.add (local.get $crow) (local.get $g)) (local.get $xb))))
            (if (local.get $cand)
              (then
                (local.set $ma (f32x4.lt (local.get $xa) (v128.load (i32.add (local.get $cand) (local.get $g)))))
                (local.set $mb (f32x4.lt (local.get $xb) (v128.load offset=16 (i32.add (local.get $cand) (local.get $g)))))
                (if (v128.any_true (v128.or (local.get $ma) (local.get $mb)))
                  (then
                    (if (v128.any_true (local.get $ma))
                      (then (call $record (local.get $row) (i32.shr_u (local.get $g) (i32.const 4)) (local.get $xa) (local.get $keys)
                        (local.get $vals) (local.get $cnt))))
                    (if (v128.any_true (local.get $mb))
                      (then (call $record (local.get $row) (i32.add (i32.shr_u (local.get $g) (i32.const 4)) (i32.const 1)) (local.get $xb)
                        (local.get $keys) (local.get $vals) (local.get $cnt))))))))
            (local.set $zp (i32.add (local.get $zp) (i32.shl (local.get $zStride) (i32.const 1))))
            (local.set $g (i32.add (local.get $g) (i32.const 32)))
            (br $gl)))
        (local.set $boxFill (i32.add (local.get $boxFill) (i32.const 1)))
        (if (i32.eq (local.get $boxFill) (local.get $decim))
          (then
            (local.set $boxFill (i32.const 0))
            (local.set $g (i32.const 0))
            (block $bd
              (loop $bl
                (br_if $bd (i32.ge_u (local.get $g) (local.get $rowBytes)))
                (local.set $p (i32.add (local.get $box) (local.get $g)))
                (v128.store (i32.add (local.get $lfp) (local.get $g))
                  (f32x4.mul (v128.load (local.get $p)) (local.get $inv)))
                (v128.store (local.get $p) (v128.const i32x4 0 0 0 0))
                (local.set $g (i32.add (local.get $g) (i32.const 16)))
                (br $bl)))
            (local.set $lfp (i32.add (local.get $lfp) (local.get $rowBytes)))
            (local.set $emitted (i32.add (local.get $emitted) (i32.const 1)))))
        (local.set $in (i32.add (local.get $in) (local.get $inStride)))
        (local.set $copy (i32.add (local.get $copy) (local.get $inStride)))
        (if (local.get $out) (then (local.set $out (i32.add (local.get $out) (local.get $outStride)))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $tl)))
    (local.get $emitted))

  ;; Candidate entry n: keys + 8n = (i32 block row, i32 group of 4 channels), vals + 16n = the group's band values.
  (func $record (param $row i32) (param $gi i32) (param $v v128) (param $keys i32) (param $vals i32) (param $cnt i32)
    (local $n i32)
    (local.set $n (i32.load (local.get $cnt)))
    (i32.store (i32.add (local.get $keys) (i32.shl (local.get $n) (i32.const 3))) (local.get $row))
    (i32.store offset=4 (i32.add (local.get $keys) (i32.shl (local.get $n) (i32.const 3))) (local.get $gi))
    (v128.store (i32.add (local.get $vals) (i32.shl (local.get $n) (i32.const 4))) (local.get $v))
    (i32.store (local.get $cnt) (i32.add (local.get $n) (i32.const 1))))

  ;; Threshold crossings from candidate entries [e0, nEnt) (row order), block row r at absolute index start + r:
  ;; the same state machine as `detect`, told by each channel's last sample index (last, f64) where samples not
  ;; among the candidates lay (they are ≥ candThr ≥ thr: a gap after a spike's last sample ends it there). Lanes
  ;; of channels ≥ C, or in lines (16 channels) marked in skip (i32 per line), are left out. Ended spikes go to ev
  ;; as in `detect`; stops before an entry when fewer than 8 event slots are left and returns the next entry.
  (func (export "detect_cand")
    (param $keys i32) (param $vals i32) (param $e0 i32) (param $nEnt i32) (param $C i32) (param $thr i32)
    (param $active i32) (param $minVal i32) (param $minIdx i32) (param $startIdx i32) (param $dead i32)
    (param $last i32) (param $skip i32) (param $start f64) (param $maxWidth f64) (param $refractory f64)
    (param $ev i32) (param $evCap i32) (param $evCount i32) (result i32)
    (local $e i32) (local $cnt i32) (local $gi i32) (local $i i32) (local $c i32) (local $idx f64) (local $y f32)
    (local $a4 i32) (local $a8 i32) (local $th f32)
    (local.set $cnt (i32.load (local.get $evCount)))
    (local.set $e (local.get $e0))
    (block $done
      (loop $el
        (br_if $done (i32.ge_u (local.get $e) (local.get $nEnt)))
        (br_if $done (i32.gt_u (i32.add (local.get $cnt) (i32.const 8)) (local.get $evCap)))
        (local.set $gi (i32.load offset=4 (i32.add (local.get $keys) (i32.shl (local.get $e) (i32.const 3)))))
        (local.set $idx
          (f64.add (local.get $start) (f64.convert_i32_u (i32.load (i32.add (local.get $keys) (i32.shl (local.get $e) (i32.const 3)))))))
        (if (i32.eqz (i32.load (i32.add (local.get $skip) (i32.shl (i32.shr_u (local.get $gi) (i32.const 2)) (i32.const 2)))))
          (then
            (local.set $i (i32.const 0))
            (block $ld
              (loop $ll
                (br_if $ld (i32.ge_u (local.get $i) (i32.const 4)))
                (local.set $c (i32.add (i32.shl (local.get $gi) (i32.const 2)) (local.get $i)))
                (br_if $ld (i32.ge_u (local.get $c) (local.get $C)))
                (local.set $a4 (i32.shl (local.get $c) (i32.const 2)))
                (local.set $a8 (i32.shl (local.get $c) (i32.const 3)))
                (local.set $y
                  (f32.load (i32.add (i32.add (local.get $vals) (i32.shl (local.get $e) (i32.const 4))) (i32.shl (local.get $i) (i32.const 2)))))
                (local.set $th (f32.load (i32.add (local.get $thr) (local.get $a4))))
                (block $next
                  (if (i32.load (i32.add (local.get $active) (local.get $a4)))
                    (then
                      (if (f64.gt (local.get $idx) (f64.add (f64.load (i32.add (local.get $last) (local.get $a8))) (f64.const 1)))
                        (then
                          ;; The sample after the last one was above threshold: the spike ended there.
                          (local.set $cnt (call $emit (local.get $c) (local.get $minVal) (local.get $minIdx) (local.get $active) (local.get $dead)
                            (local.get $refractory) (local.get $ev) (local.get $cnt))))
                        (else
                          (if (f32.lt (local.get $y) (f32.load (i32.add (local.get $minVal) (local.get $a4))))
                            (then
                              (f32.store (i32.add (local.get $minVal) (local.get $a4)) (local.get $y))
                              (f64.store (i32.add (local.get $minIdx) (local.get $a8)) (local.get $idx))))
                          (if (i32.or
                                (f32.ge (local.get $y) (local.get $th))
                                (f64.ge
                                  (f64.sub (local.get $idx) (f64.load (i32.add (local.get $startIdx) (local.get $a8))))
                                  (local.get $maxWidth)))
                            (then
                              (local.set $cnt (call $emit (local.get $c) (local.get $minVal) (local.get $minIdx) (local.get $active) (local.get $dead)
                                (local.get $refractory) (local.get $ev) (local.get $cnt))))
                            (else (f64.store (i32.add (local.get $last) (local.get $a8)) (local.get $idx))))
                          (br $next)))))
                  (if (i32.and
                        (f32.lt (local.get $y) (local.get $th))
                        (f64.ge (local.get $idx) (f64.load (i32.add (local.get $dead) (local.get $a8)))))
                    (then
                      (i32.store (i32.add (local.get $active) (local.get $a4)) (i32.const -1))
                      (f32.store (i32.add (local.get $minVal) (local.get $a4)) (local.get $y))
                      (f64.store (i32.add (local.get $minIdx) (local.get $a8)) (local.get $idx))
                      (f64.store (i32.add (local.get $startIdx) (local.get $a8)) (local.get $idx))
                      (f64.store (i32.add (local.get $last) (local.get $a8)) (local.get $idx)))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $ll)))))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $el)))
    (i32.store (local.get $evCount) (local.get $cnt))
    (local.get $e))

  ;; Ends channel c's spike: event (c, minVal, minIdx), inactive, dead time from its minimum. Returns cnt + 1.
  (func $emit (param $c i32) (param $minVal i32) (param $minIdx i32) (param $active i32) (param $dead i32)
    (param $refractory f64) (param $ev i32) (param $cnt i32) (result i32)
    (local $e i32) (local $a4 i32) (local $a8 i32)
    (local.set $a4 (i32.shl (local.get $c) (i32.const 2)))
    (local.set $a8 (i32.shl (local.get $c) (i32.const 3)))
    (local.set $e (i32.add (local.get $ev) (i32.shl (local.get $cnt) (i32.const 4))))
    (i32.store (local.get $e) (local.get $c))
    (f32.store offset=4 (local.get $e) (f32.load (i32.add (local.get $minVal) (local.get $a4))))
    (f64.store offset=8 (local.get $e) (f64.load (i32.add (local.get $minIdx) (local.get $a8))))
    (i32.store (i32.add (local.get $active) (local.get $a4)) (i32.const 0))
    (f64.store (i32.add (local.get $dead) (local.get $a8))
      (f64.add (f64.load (i32.add (local.get $minIdx) (local.get $a8))) (local.get $refractory)))
    (i32.add (local.get $cnt) (i32.const 1)))

  ;; Common average reference: each row minus ((l0 + l1) + (l2 + l3)) / C, l = the f32x4 sum over the row's groups
  ;; (pad lanes hold 0 and add nothing).
  (func (export "car_rows") (param $blk i32) (param $rows i32) (param $rowBytes i32) (param $C f32)
    (local $t i32) (local $g i32) (local $acc v128) (local $m v128) (local $a i32)
    (block $tdone
      (loop $tl
        (br_if $tdone (i32.ge_u (local.get $t) (local.get $rows)))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $g (i32.const 0))
        (block $sd
          (loop $sl
            (br_if $sd (i32.ge_u (local.get $g) (local.get $rowBytes)))
            (local.set $acc (f32x4.add (local.get $acc) (v128.load (i32.add (local.get $blk) (local.get $g)))))
            (local.set $g (i32.add (local.get $g) (i32.const 16)))
            (br $sl)))
        (local.set $m
          (f32x4.splat
            (f32.div
              (f32.add
                (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc))))
              (local.get $C))))
        (local.set $g (i32.const 0))
        (block $dd
          (loop $dl
            (br_if $dd (i32.ge_u (local.get $g) (local.get $rowBytes)))
            (local.set $a (i32.add (local.get $blk) (local.get $g)))
            (v128.store (local.get $a) (f32x4.sub (v128.load (local.get $a)) (local.get $m)))
            (local.set $g (i32.add (local.get $g) (i32.const 16)))
            (br $dl)))
        (local.set $blk (i32.add (local.get $blk) (local.get $rowBytes)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $tl))))

  ;; Channel-major copy of every rowStep-th block row: G[c·gStride + 4j] = blk[j·rowStep + 4c] for j < n (rows up
  ;; to the next multiple of 4 read the zero line `zero`, so they hold 0), one 64-byte line of 16 channels × four
  ;; rows per step through 4×4 transposes.
  (func (export "gather")
    (param $blk i32) (param $n i32) (param $rowStep i32) (param $rowBytes i32) (param $G i32) (param $gStride i32)
    (param $zero i32)
    (local $g i32) (local $j i32) (local $src i32) (local $dst i32) (local $d i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (block $gdone
      (loop $gl
        (br_if $gdone (i32.ge_u (local.get $g) (local.get $rowBytes)))
        (local.set $dst (i32.add (local.get $G) (i32.mul (i32.shr_u (local.get $g) (i32.const 2)) (local.get $gStride))))
        (local.set $src (i32.add (local.get $blk) (local.get $g)))
        (local.set $j (i32.const 0))
        (block $jdone
          (loop $jl
            (br_if $jdone (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $p0 (local.get $src))
            (local.set $p1 (select (i32.add (local.get $src) (local.get $rowStep)) (local.get $zero)
              (i32.lt_u (i32.add (local.get $j) (i32.const 1)) (local.get $n))))
            (local.set $p2 (select (i32.add (local.get $src) (i32.shl (local.get $rowStep) (i32.const 1))) (local.get $zero)
              (i32.lt_u (i32.add (local.get $j) (i32.const 2)) (local.get $n))))
            (local.set $p3 (select (i32.add (local.get $src) (i32.mul (local.get $rowStep) (i32.const 3))) (local.get $zero)
              (i32.lt_u (i32.add (local.get $j) (i32.const 3)) (local.get $n))))
            (local.set $d (local.get $dst))
            (local.set $v0 (v128.load offset=0 (local.get $p0)))
            (local.set $v1 (v128.load offset=0 (local.get $p1)))
            (local.set $v2 (v128.load offset=0 (local.get $p2)))
            (local.set $v3 (v128.load offset=0 (local.get $p3)))
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
            (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
            (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
            (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
            (v128.store (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
            (local.set $d (i32.add (local.get $d) (local.get $gStride)))
            (v128.store (local.get $d) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
            (local.set $d (i32.add (local.get $d) (local.get $gStride)))
            (v128.store (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
            (local.set $d (i32.add (local.get $d) (local.get $gStride)))
            (v128.store (local.get $d) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
            (local.set $d (i32.add (local.get $d) (local.get $gStride)))
            (local.set $v0 (v128.load offset=16 (local.get $p0)))
            (local.set $v1 (v128.load offset=16 (local.get $p1)))
            (local.set $v2 (v128.load offset=16 (local.get $p2)))
            (local.set $v3 (v128.load offset=16 (local.get $p3)))
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
            (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
            (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
            (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
            (v128.store (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
            (local.set $d (i32.add (local.get $d) (local.get $gStride)))
            (v128.store (local.get $d) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
            (local.set $d (i32.add (local.get $d) (local.get $gStride)))
            (v128.store (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
            (local.set $d (i32.add (local.get $d) (local.get $gStride)))
            (v128.store (local.get $d) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
            (local.set $d (i32.add (local.get $d) (local.get $gStride)))
            (local.set $v0 (v128.load offset=32 (local.get $p0)))
            (local.set $v1 (v128.load offset=32 (local.get $p1)))
            (local.set $v2 (v128.load offset=32 (local.get $p2)))
            (local.set $v3 (v128.load offset=32 (local.get $p3)))
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
            (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
            (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
            (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
            (v128.store (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
            (local.set $d (i32.add (local.get $d) (local.get $gStride)))
            (v128.store (local.get $d) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
            (local.set $d (i32.add (local.get $d) (local.get $gStride)))
            (v128.store (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
            (local.set $d (i32.add (local.get $d) (local.get $gStride)))
            (v128.store (local.get $d) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
            (local.set $d (i32.add (local.get $d) (local.get $gStride)))
            (local.set $v0 (v128.load offset=48 (local.get $p0)))
            (local.set $v1 (v128.load offset=48 (local.get $p1)))
            (local.set $v2 (v128.load offset=48 (local.get $p2)))
            (local.set $v3 (v128.load offset=48 (local.get $p3)))
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
            (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
            (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
            (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
            (v128.store (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
            (local.set $d (i32.add (local.get $d) (local.get $gStride)))
            (v128.store (local.get $d) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
            (local.set $d (i32.add (local.get $d) (local.get $gStride)))
            (v128.store (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
            (local.set $d (i32.add (local.get $d) (local.get $gStride)))
            (v128.store (local.get $d) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
            (local.set $d (i32.add (local.get $d) (local.get $gStride)))
            (local.set $src (i32.add (local.get $src) (i32.shl (local.get $rowStep) (i32.const 2))))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $jl)))
        (local.set $g (i32.add (local.get $g) (i32.const 64)))
        (br $gl))))

  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; Histogram bin of |x|: min(nb − 1, trunc_sat(|x|·scale)).
  (func $bin (param $x f32) (param $scale f32) (param $nb i32) (result i32)
    (local $k i32)
    (local.set $k (i32.trunc_sat_f32_s (f32.mul (f32.abs (local.get $x)) (local.get $scale))))
    (select (i32.sub (local.get $nb) (i32.const 1)) (local.get $k) (i32.ge_s (local.get $k) (local.get $nb))))

  ;; counts[bin(x[j])] += 1 for j < n. Four sub-histograms (lane k of each vector counts into counts + 4·nb·k, so
  ;; equal bins in one vector never wait on each other's store), added into the first at the end; the caller zeroes
  ;; all four (nb a multiple of 4).
  (func (export "hist") (param $x i32) (param $n i32) (param $scale f32) (param $counts i32) (param $nb i32)
    (local $j i32) (local $k v128) (local $s v128) (local $top v128) (local $a i32) (local $h i32) (local $b i32)
    (local.set $s (f32x4.splat (local.get $scale)))
    (local.set $top (i32x4.splat (i32.sub (local.get $nb) (i32.const 1))))
    (local.set $h (i32.shl (local.get $nb) (i32.const 2)))
    (block $vd
      (loop $vl
        (br_if $vd (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
        (local.set $k
          (i32x4.shl
            (i32x4.min_s
              (i32x4.trunc_sat_f32x4_s
                (f32x4.mul (f32x4.abs (v128.load (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2))))) (local.get $s)))
              (local.get $top))
            (i32.const 2)))
        (local.set $a (i32.add (local.get $counts) (i32x4.extract_lane 0 (local.get $k))))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
        (local.set $a (i32.add (i32.add (local.get $counts) (local.get $h)) (i32x4.extract_lane 1 (local.get $k))))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
        (local.set $a (i32.add (i32.add (local.get $counts) (i32.shl (local.get $h) (i32.const 1))) (i32x4.extract_lane 2 (local.get $k))))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
        (local.set $a (i32.add (i32.add (local.get $counts) (i32.mul (local.get $h) (i32.const 3))) (i32x4.extract_lane 3 (local.get $k))))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $vl)))
    (block $td
      (loop $tl
        (br_if $td (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $a
          (i32.add (local.get $counts)
            (i32.shl
              (call $bin (f32.load (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2)))) (local.get $scale) (local.get $nb))
              (i32.const 2))))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $tl)))
    (block $md
      (loop $ml
        (br_if $md (i32.ge_u (local.get $b) (local.get $h)))
        (local.set $a (i32.add (local.get $counts) (local.get $b)))
        (v128.store (local.get $a)
          (i32x4.add
            (i32x4.add (v128.load (local.get $a)) (v128.load (i32.add (local.get $a) (local.get $h))))
            (i32x4.add
              (v128.load (i32.add (local.get $a) (i32.shl (local.get $h) (i32.const 1))))
              (v128.load (i32.add (local.get $a) (i32.mul (local.get $h) (i32.const 3)))))))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $ml))))

  ;; dst ← |x[j]| (j < n, in order) whose bin is in [bLo, bHi]; returns how many. Four values per test in float:
  ;; ¬(v < bLo ∨ v ≥ bHi + 1) with v = |x|·scale (bHi + 1 → NaN for the open last bin) lets through every value of
  ;; those bins (and NaN); the scalar bin then decides.
  (func (export "collect")
    (param $x i32) (param $n i32) (param $scale f32) (param $nb i32) (param $bLo i32) (param $bHi i32) (param $dst i32)
    (result i32)
    (local $j i32) (local $m i32) (local $s v128) (local $lo v128) (local $hi v128) (local $w v128)
    (local $i i32) (local $end i32) (local $b i32) (local $v f32)
    (local.set $s (f32x4.splat (local.get $scale)))
    (local.set $lo (f32x4.splat (f32.convert_i32_s (local.get $bLo))))
    (local.set $hi
      (f32x4.splat
        (select (f32.const nan) (f32.convert_i32_s (i32.add (local.get $bHi) (i32.const 1)))
          (i32.ge_s (local.get $bHi) (i32.sub (local.get $nb) (i32.const 1))))))
    (block $vd
      (loop $vl
        (br_if $vd (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $w
          (f32x4.mul (f32x4.abs (v128.load (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2))))) (local.get $s)))
        (if (i32.eqz (i32x4.all_true (v128.or (f32x4.lt (local.get $w) (local.get $lo)) (f32x4.ge (local.get $w) (local.get $hi)))))
          (then
            (local.set $i (local.get $j))
            (local.set $end (select (local.get $n) (i32.add (local.get $j) (i32.const 4)) (i32.lt_u (local.get $n) (i32.add (local.get $j) (i32.const 4)))))
            (block $ld
              (loop $ll
                (br_if $ld (i32.ge_u (local.get $i) (local.get $end)))
                (local.set $v (f32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))
                (local.set $b (call $bin (local.get $v) (local.get $scale) (local.get $nb)))
                (if (i32.and (i32.ge_s (local.get $b) (local.get $bLo)) (i32.le_s (local.get $b) (local.get $bHi)))
                  (then
                    (f32.store (i32.add (local.get $dst) (i32.shl (local.get $m) (i32.const 2))) (f32.abs (local.get $v)))
                    (local.set $m (i32.add (local.get $m) (i32.const 1)))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $ll)))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $vl)))
    (local.get $m))

  ;; Threshold crossings over rows [r0, rows) (absolute index of row r: start + r). Per channel c < C: thr[c] (f32),
  ;; trig[c] (f32: thr[c], or NaN inside a spike, so that ¬(y ≥ trig) picks the lanes to look at), active[c]
  ;; (i32: −1 inside a spike), minVal[c] (f32), minIdx/startIdx/dead[c] (f64). A spike starts at a sample below
  ;; thr once idx ≥ dead, follows the minimum, and ends at the first sample ≥ thr or after maxWidth samples; then
  ;; the dead time runs from its minimum. Ended spikes go to ev as (i32 c, f32 minVal, f64 minIdx), 16 bytes.
  ;; Sixteen channels (one 64-byte line) per test. Stops early, before a row, when fewer than C event slots are
  ;; left; returns the next row to do.
  (func (export "detect")
    (param $blk i32) (param $r0 i32) (param $rows i32) (param $rowBytes i32) (param $C i32) (param $thr i32)
    (param $trig i32) (param $active i32) (param $minVal i32) (param $minIdx i32) (param $startIdx i32)
    (param $dead i32) (param $start f64) (param $maxWidth f64) (param $refractory f64) (param $ev i32)
    (param $evCap i32) (param $evCount i32) (result i32)
    (local $r i32) (local $row i32) (local $g i32) (local $cnt i32) (local $idx f64) (local $i i32) (local $c i32)
    (local $y f32) (local $a4 i32) (local $a8 i32) (local $e i32) (local $p i32) (local $q i32)
    (local.set $cnt (i32.load (local.get $evCount)))
    (local.set $r (local.get $r0))
    (block $rdone
      (loop $rl
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
        (br_if $rdone (i32.gt_u (i32.add (local.get $cnt) (local.get $C)) (local.get $evCap)))
        (local.set $row (i32.add (local.get $blk) (i32.mul (local.get $r) (local.get $rowBytes))))
        (local.set $idx (f64.add (local.get $start) (f64.convert_i32_u (local.get $r))))
        (local.set $g (i32.const 0))
        (block $gdone
          (loop $gl
            (br_if $gdone (i32.ge_u (local.get $g) (local.get $rowBytes)))
            (local.set $p (i32.add (local.get $row) (local.get $g)))
            (local.set $q (i32.add (local.get $trig) (local.get $g)))
            (if (i32.eqz
                  (i32x4.all_true
                    (v128.and
                      (v128.and
                        (f32x4.ge (v128.load (local.get $p)) (v128.load (local.get $q)))
                        (f32x4.ge (v128.load offset=16 (local.get $p)) (v128.load offset=16 (local.get $q))))
                      (v128.and
                        (f32x4.ge (v128.load offset=32 (local.get $p)) (v128.load offset=32 (local.get $q)))
                        (f32x4.ge (v128.load offset=48 (local.get $p)) (v128.load offset=48 (local.get $q)))))))
              (then
                (local.set $i (i32.const 0))
                (block $ld
                  (loop $ll
                    (br_if $ld (i32.ge_u (local.get $i) (i32.const 16)))
                    (local.set $c (i32.add (i32.shr_u (local.get $g) (i32.const 2)) (local.get $i)))
                    (br_if $ld (i32.ge_u (local.get $c) (local.get $C)))
                    (local.set $a4 (i32.shl (local.get $c) (i32.const 2)))
                    (local.set $a8 (i32.shl (local.get $c) (i32.const 3)))
                    (local.set $y (f32.load (i32.add (local.get $row) (local.get $a4))))
                    (if (i32.eqz (f32.ge (local.get $y) (f32.load (i32.add (local.get $trig) (local.get $a4)))))
                      (then
                        (if (i32.load (i32.add (local.get $active) (local.get $a4)))
                          (then
                            (if (f32.lt (local.get $y) (f32.load (i32.add (local.get $minVal) (local.get $a4))))
                              (then
                                (f32.store (i32.add (local.get $minVal) (local.get $a4)) (local.get $y))
                                (f64.store (i32.add (local.get $minIdx) (local.get $a8)) (local.get $idx))))
                            (if (i32.or
                                  (f32.ge (local.get $y) (f32.load (i32.add (local.get $thr) (local.get $a4))))
                                  (f64.ge
                                    (f64.sub (local.get $idx) (f64.load (i32.add (local.get $startIdx) (local.get $a8))))
                                    (local.get $maxWidth)))
                              (then
                                (local.set $e (i32.add (local.get $ev) (i32.shl (local.get $cnt) (i32.const 4))))
                                (i32.store (local.get $e) (local.get $c))
                                (f32.store offset=4 (local.get $e) (f32.load (i32.add (local.get $minVal) (local.get $a4))))
                                (f64.store offset=8 (local.get $e) (f64.load (i32.add (local.get $minIdx) (local.get $a8))))
                                (local.set $cnt (i32.add (local.get $cnt) (i32.const 1)))
                                (i32.store (i32.add (local.get $active) (local.get $a4)) (i32.const 0))
                                (f32.store (i32.add (local.get $trig) (local.get $a4))
                                  (f32.load (i32.add (local.get $thr) (local.get $a4))))
                                (f64.store (i32.add (local.get $dead) (local.get $a8))
                                  (f64.add (f64.load (i32.add (local.get $minIdx) (local.get $a8))) (local.get $refractory))))))
                          (else
                            (if (i32.and
                                  (f32.lt (local.get $y) (f32.load (i32.add (local.get $thr) (local.get $a4))))
                                  (f64.ge (local.get $idx) (f64.load (i32.add (local.get $dead) (local.get $a8)))))
                              (then
                                (i32.store (i32.add (local.get $active) (local.get $a4)) (i32.const -1))
                                (f32.store (i32.add (local.get $trig) (local.get $a4)) (f32.const nan))
                                (f32.store (i32.add (local.get $minVal) (local.get $a4)) (local.get $y))
                                (f64.store (i32.add (local.get $minIdx) (local.get $a8)) (local.get $idx))
                                (f64.store (i32.add (local.get $startIdx) (local.get $a8)) (local.get $idx))))))))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $ll)))))
            (local.set $g (i32.add (local.get $g) (i32.const 64)))
            (br $gl)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rl)))
    (i32.store (local.get $evCount) (local.get $cnt))
    (local.get $r))

;; Per channel c < C over the nVec vectors of its G row: abs[c] = Σ|x| over all (f32 lanes, then
  ;; (l0 + l1) + (l2 + l3)), and over every vstep-th vector sums[2c] += Σx, sums[2c + 1] += Σx² (the same, added
  ;; in double).
  (func (export "chan_sums") (param $G i32) (param $gStride i32) (param $nVec i32) (param $vstep i32) (param $C i32)
    (param $sums i32) (param $abs i32)
    (local $c i32) (local $p i32) (local $k i32) (local $v v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $o i32)
    (block $cd
      (loop $cl
        (br_if $cd (i32.ge_u (local.get $c) (local.get $C)))
        (local.set $p (i32.add (local.get $G) (i32.mul (local.get $c) (local.get $gStride))))
        (local.set $s1 (v128.const i32x4 0 0 0 0))
        (local.set $s2 (v128.const i32x4 0 0 0 0))
        (local.set $s3 (v128.const i32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (block $kd
          (loop $kl
            (br_if $kd (i32.ge_u (local.get $k) (local.get $nVec)))
            (local.set $s3 (f32x4.add (local.get $s3) (f32x4.abs (v128.load (i32.add (local.get $p) (i32.shl (local.get $k) (i32.const 4)))))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $kl)))
        (local.set $k (i32.const 0))
        (block $kd2
          (loop $kl2
            (br_if $kd2 (i32.ge_u (local.get $k) (local.get $nVec)))
            (local.set $v (v128.load (i32.add (local.get $p) (i32.shl (local.get $k) (i32.const 4)))))
            (local.set $s1 (f32x4.add (local.get $s1) (local.get $v)))
            (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul (local.get $v) (local.get $v))))
            (local.set $k (i32.add (local.get $k) (local.get $vstep)))
            (br $kl2)))
        (local.set $o (i32.add (local.get $sums) (i32.shl (local.get $c) (i32.const 4))))
        (f64.store (local.get $o) (f64.add (f64.load (local.get $o)) (f64.promote_f32 (call $hsum (local.get $s1)))))
        (f64.store offset=8 (local.get $o)
          (f64.add (f64.load offset=8 (local.get $o)) (f64.promote_f32 (call $hsum (local.get $s2)))))
        (f32.store (i32.add (local.get $abs) (i32.shl (local.get $c) (i32.const 2))) (call $hsum (local.get $s3)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $cl))))

  ;; Products of channel a with four channels b0..b3 (quad q = five i32 channel indices at quads + 20q) over every
  ;; vstep-th of nVec vectors of their G rows: sums[4q + k] += Σ a·bk (f32 lanes, then (l0 + l1) + (l2 + l3), added
  ;; in double).
  (func (export "corr_quads") (param $G i32) (param $gStride i32) (param $nVec i32) (param $vstep i32) (param $quads i32)
    (param $Q i32) (param $sums i32)
    (local $q i32) (local $qp i32) (local $pa i32) (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $k i32) (local $va v128) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $o i32) (local $off i32)
    (block $qd
      (loop $ql
        (br_if $qd (i32.ge_u (local.get $q) (local.get $Q)))
        (local.set $qp (i32.add (local.get $quads) (i32.mul (local.get $q) (i32.const 20))))
        (local.set $pa (i32.add (local.get $G) (i32.mul (i32.load (local.get $qp)) (local.get $gStride))))
        (local.set $p0 (i32.add (local.get $G) (i32.mul (i32.load offset=4 (local.get $qp)) (local.get $gStride))))
        (local.set $p1 (i32.add (local.get $G) (i32.mul (i32.load offset=8 (local.get $qp)) (local.get $gStride))))
        (local.set $p2 (i32.add (local.get $G) (i32.mul (i32.load offset=12 (local.get $qp)) (local.get $gStride))))
        (local.set $p3 (i32.add (local.get $G) (i32.mul (i32.load offset=16 (local.get $qp)) (local.get $gStride))))
        (local.set $s0 (v128.const i32x4 0 0 0 0))
        (local.set $s1 (v128.const i32x4 0 0 0 0))
        (local.set $s2 (v128.const i32x4 0 0 0 0))
        (local.set $s3 (v128.const i32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (local.set $off (i32.const 0))
        (block $kd
          (loop $kl
            (br_if $kd (i32.ge_u (local.get $k) (local.get $nVec)))
            (local.set $va (v128.load (i32.add (local.get $pa) (local.get $off))))
            (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (local.get $va) (v128.load (i32.add (local.get $p0) (local.get $off))))))
            (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul (local.get $va) (v128.load (i32.add (local.get $p1) (local.get $off))))))
            (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul (local.get $va) (v128.load (i32.add (local.get $p2) (local.get $off))))))
            (local.set $s3 (f32x4.add (local.get $s3) (f32x4.mul (local.get $va) (v128.load (i32.add (local.get $p3) (local.get $off))))))
            (local.set $off (i32.add (local.get $off) (i32.shl (local.get $vstep) (i32.const 4))))
            (local.set $k (i32.add (local.get $k) (local.get $vstep)))
            (br $kl)))
        (local.set $o (i32.add (local.get $sums) (i32.shl (local.get $q) (i32.const 5))))
        (f64.store (local.get $o) (f64.add (f64.load (local.get $o)) (f64.promote_f32 (call $hsum (local.get $s0)))))
        (f64.store offset=8 (local.get $o) (f64.add (f64.load offset=8 (local.get $o)) (f64.promote_f32 (call $hsum (local.get $s1)))))
        (f64.store offset=16 (local.get $o) (f64.add (f64.load offset=16 (local.get $o)) (f64.promote_f32 (call $hsum (local.get $s2)))))
        (f64.store offset=24 (local.get $o) (f64.add (f64.load offset=24 (local.get $o)) (f64.promote_f32 (call $hsum (local.get $s3)))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $ql))))

;; LFP rows (the boxcar-decimated signal), rowBytes per row (rows rowBytes apart), per group of 4 channels: mains
  ;; lock-in in double (line + 64g: I of lanes 0–1, I of 2–3, Q of 0–1, Q of 2–3; sc = (sin, cos) f64 per row),
  ;; `nNotch` notches (delta form, 64-byte coefficients), then band-passes of `spb` sections each (80-byte
  ;; coefficients) in three rates: n1 bands on every row, n4 on the mean of 4 rows and n8 on the mean of 8 rows
  ;; (emitted at the rows whose absolute index, phase + t, is 3 mod 4 and 7 mod 8). From row `settle` on, pow (per
  ;; group and band 32 bytes: lanes 0–1, 2–3) += y² (squared in single, added in double). State per group: notches,
  ;; bands (32 bytes per section), then the two running box sums (16 bytes each).
  (func (export "lfp_rows")
    (param $x i32) (param $rows i32) (param $rowBytes i32) (param $z i32) (param $nCoef i32) (param $nNotch i32)
    (param $bCoef i32) (param $n1 i32) (param $n4 i32) (param $n8 i32) (param $spb i32) (param $pow i32)
    (param $settle i32) (param $line i32) (param $sc i32) (param $phase i32)
    (local $t i32) (local $g i32) (local $v v128) (local $y v128) (local $u v128) (local $z0 v128) (local $z1 v128)
    (local $xn v128) (local $lo v128) (local $hi v128) (local $sn v128) (local $cs v128) (local $zp i32) (local $cp i32)
    (local $n i32) (local $pp i32) (local $gi i32) (local $acc i32) (local $p i32) (local $e4 i32) (local $e8 i32)
    (local $zStride i32) (local $sec i32) (local $zb i32)
    (local.set $sec (i32.mul (i32.add (i32.add (local.get $n1) (local.get $n4)) (local.get $n8)) (local.get $spb)))
    (local.set $zStride (i32.add (i32.shl (i32.add (local.get $nNotch) (local.get $sec)) (i32.const 5)) (i32.const 32)))
    (block $tdone
      (loop $tl
        (br_if $tdone (i32.ge_u (local.get $t) (local.get $rows)))
        (local.set $sn (f64x2.splat (f64.load (local.get $sc))))
        (local.set $cs (f64x2.splat (f64.load offset=8 (local.get $sc))))
        (local.set $acc (i32.ge_u (local.get $t) (local.get $settle)))
        (local.set $p (i32.add (local.get $phase) (local.get $t)))
        (local.set $e4 (i32.eq (i32.and (local.get $p) (i32.const 3)) (i32.const 3)))
        (local.set $e8 (i32.eq (i32.and (local.get $p) (i32.const 7)) (i32.const 7)))
        (local.set $g (i32.const 0))
        (local.set $gi (i32.const 0))
        (block $gdone
          (loop $gl
            (br_if $gdone (i32.ge_u (local.get $g) (local.get $rowBytes)))
            (local.set $zp (i32.add (local.get $z) (i32.mul (local.get $gi) (local.get $zStride))))
            (local.set $v (v128.load (i32.add (local.get $x) (local.get $g))))
            (call $lockin (local.get $v) (i32.add (local.get $line) (i32.shl (local.get $gi) (i32.const 6))) (local.get $sn) (local.get $cs))
            ;; Notches.
            (local.set $cp (local.get $nCoef))
            (local.set $n (local.get $nNotch))
            (block $nd
              (loop $nl
                (br_if $nd (i32.eqz (local.get $n)))
                (local.set $z0 (v128.load (local.get $zp)))
                (local.set $z1 (v128.load offset=16 (local.get $zp)))
                (local.set $u (f32x4.mul (v128.load (local.get $cp)) (local.get $v)))
                (local.set $y (f32x4.add (local.get $u) (local.get $z0)))
                (v128.store (local.get $zp)
                  (f32x4.add
                    (f32x4.add
                      (f32x4.sub
                        (f32x4.mul (v128.load offset=16 (local.get $cp)) (local.get $u))
                        (f32x4.mul (v128.load offset=32 (local.get $cp)) (local.get $y)))
                      (f32x4.add (local.get $z0) (local.get $z0)))
                    (local.get $z1)))
                (v128.store offset=16 (local.get $zp)
                  (f32x4.sub (f32x4.mul (v128.load offset=48 (local.get $cp)) (local.get $y)) (local.get $z0)))
                (local.set $v (local.get $y))
                (local.set $zp (i32.add (local.get $zp) (i32.const 32)))
                (local.set $cp (i32.add (local.get $cp) (i32.const 64)))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br $nl)))
            (local.set $xn (local.get $v))
            ;; Box sums for the slower rates (after the band states).
            (local.set $zb (i32.add (local.get $zp) (i32.shl (local.get $sec) (i32.const 5))))
            (local.set $lo (f32x4.add (v128.load (local.get $zb)) (local.get $xn)))
            (local.set $hi (f32x4.add (v128.load offset=16 (local.get $zb)) (local.get $xn)))
            (v128.store (local.get $zb) (select (v128.const i32x4 0 0 0 0) (local.get $lo) (local.get $e4)))
            (v128.store offset=16 (local.get $zb) (select (v128.const i32x4 0 0 0 0) (local.get $hi) (local.get $e8)))
            ;; Bands, rate by rate.
            (local.set $pp (i32.add (local.get $pow) (i32.mul (local.get $gi) (i32.shl (i32.add (i32.add (local.get $n1) (local.get $n4)) (local.get $n8)) (i32.const 5)))))
            (call $bands (local.get $xn) (local.get $zp) (local.get $bCoef) (local.get $pp) (local.get $n1) (local.get $spb) (local.get $acc))
            (local.set $zp (i32.add (local.get $zp) (i32.shl (i32.mul (local.get $n1) (local.get $spb)) (i32.const 5))))
            (local.set $cp (i32.add (local.get $bCoef) (i32.mul (i32.mul (local.get $n1) (local.get $spb)) (i32.const 80))))
            (local.set $pp (i32.add (local.get $pp) (i32.shl (local.get $n1) (i32.const 5))))
            (if (local.get $e4)
              (then
                (call $bands (f32x4.mul (local.get $lo) (v128.const f32x4 0.25 0.25 0.25 0.25)) (local.get $zp) (local.get $cp)
                  (local.get $pp) (local.get $n4) (local.get $spb) (local.get $acc))))
            (local.set $zp (i32.add (local.get $zp) (i32.shl (i32.mul (local.get $n4) (local.get $spb)) (i32.const 5))))
            (local.set $cp (i32.add (local.get $cp) (i32.mul (i32.mul (local.get $n4) (local.get $spb)) (i32.const 80))))
            (local.set $pp (i32.add (local.get $pp) (i32.shl (local.get $n4) (i32.const 5))))
            (if (local.get $e8)
              (then
                (call $bands (f32x4.mul (local.get $hi) (v128.const f32x4 0.125 0.125 0.125 0.125)) (local.get $zp) (local.get $cp)
                  (local.get $pp) (local.get $n8) (local.get $spb) (local.get $acc))))
            (local.set $g (i32.add (local.get $g) (i32.const 16)))
            (local.set $gi (i32.add (local.get $gi) (i32.const 1)))
            (br $gl)))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $sc (i32.add (local.get $sc) (i32.const 16)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $tl))))

;; Lock-in sums in double of 4 channels v at p (I of lanes 0–1, I of 2–3, Q of 0–1, Q of 2–3): I += v·sin, Q += v·cos.
  (func $lockin (param $v v128) (param $p i32) (param $sn v128) (param $cs v128)
    (local $lo v128) (local $hi v128)
    (local.set $lo (f64x2.promote_low_f32x4 (local.get $v)))
    (local.set $hi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
    (v128.store (local.get $p) (f64x2.add (v128.load (local.get $p)) (f64x2.mul (local.get $lo) (local.get $sn))))
    (v128.store offset=16 (local.get $p) (f64x2.add (v128.load offset=16 (local.get $p)) (f64x2.mul (local.get $hi) (local.get $sn))))
    (v128.store offset=32 (local.get $p) (f64x2.add (v128.load offset=32 (local.get $p)) (f64x2.mul (local.get $lo) (local.get $cs))))
    (v128.store offset=48 (local.get $p) (f64x2.add (v128.load offset=48 (local.get $p)) (f64x2.mul (local.get $hi) (local.get $cs)))))

  ;; Lock-in sums over `rows` rows (rowBytes per row and apart; sc = (sin, cos) f64 per row) into acc (64 bytes per
  ;; group of 4 channels, as $lockin): the impedance test's measurement.
  (func (export "lockin_rows") (param $x i32) (param $rows i32) (param $rowBytes i32) (param $acc i32) (param $sc i32)
    (local $t i32) (local $g i32) (local $sn v128) (local $cs v128)
    (block $tdone
      (loop $tl
        (br_if $tdone (i32.ge_u (local.get $t) (local.get $rows)))
        (local.set $sn (f64x2.splat (f64.load (local.get $sc))))
        (local.set $cs (f64x2.splat (f64.load offset=8 (local.get $sc))))
        (local.set $g (i32.const 0))
        (block $gdone
          (loop $gl
            (br_if $gdone (i32.ge_u (local.get $g) (local.get $rowBytes)))
            (call $lockin (v128.load (i32.add (local.get $x) (local.get $g))) (i32.add (local.get $acc) (i32.shl (local.get $g) (i32.const 2)))
              (local.get $sn) (local.get $cs))
            (local.set $g (i32.add (local.get $g) (i32.const 16)))
            (br $gl)))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $sc (i32.add (local.get $sc) (i32.const 16)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $tl))))

  ;; `nb` band-passes of `spb` TDF2 sections from the same input v (states at zp, coefficients at cp, one after the
  ;; other); with `acc`, pow (32 bytes per band) += y² of each band's output.
  (func $bands (param $xn v128) (param $zp i32) (param $cp i32) (param $pp i32) (param $nb i32) (param $spb i32) (param $acc i32)
    (local $v v128) (local $y v128) (local $z0 v128) (local $s i32)
    (block $bd
      (loop $bl
        (br_if $bd (i32.eqz (local.get $nb)))
        (local.set $v (local.get $xn))
        (local.set $s (local.get $spb))
        (block $sd
          (loop $sl
            (br_if $sd (i32.eqz (local.get $s)))
            (local.set $z0 (v128.load (local.get $zp)))
            (local.set $y (f32x4.add (f32x4.mul (v128.load (local.get $cp)) (local.get $v)) (local.get $z0)))
            (v128.store (local.get $zp)
              (f32x4.add
                (f32x4.sub
                  (f32x4.mul (v128.load offset=16 (local.get $cp)) (local.get $v))
                  (f32x4.mul (v128.load offset=48 (local.get $cp)) (local.get $y)))
                (v128.load offset=16 (local.get $zp))))
            (v128.store offset=16 (local.get $zp)
              (f32x4.sub
                (f32x4.mul (v128.load offset=32 (local.get $cp)) (local.get $v))
                (f32x4.mul (v128.load offset=64 (local.get $cp)) (local.get $y))))
            (local.set $v (local.get $y))
            (local.set $zp (i32.add (local.get $zp) (i32.const 32)))
            (local.set $cp (i32.add (local.get $cp) (i32.const 80)))
            (local.set $s (i32.sub (local.get $s) (i32.const 1)))
            (br $sl)))
        (if (local.get $acc)
          (then
            (local.set $v (f32x4.mul (local.get $v) (local.get $v)))
            (v128.store (local.get $pp) (f64x2.add (v128.load (local.get $pp)) (f64x2.promote_low_f32x4 (local.get $v))))
            (v128.store offset=16 (local.get $pp)
              (f64x2.add (v128.load offset=16 (local.get $pp))
                (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))))
        (local.set $pp (i32.add (local.get $pp) (i32.const 32)))
        (local.set $nb (i32.sub (local.get $nb) (i32.const 1)))
        (br $bl))))
)
