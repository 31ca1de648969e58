;; The intent scorer's class-wide row sums (scorer.ts), two classes per SIMD operation.
;;
;; Build: `npm run build:kernel` (wabt) writes kernel.wasm.ts; a test checks the two agree.
;;
;; Every sum is taken in the order the scalar definition takes it, with the same IEEE double
;; operations (no fused multiply-add), so the sums are bit-identical to the scalar loops they replace.
;;
;; Memory (laid out by scorer.ts, all offsets in bytes):
;;   dense   int8 rows of `stride` (an even class count; the pad class is zero), read two at a
;;           time and widened to f64 (8 times less memory than f64 rows; no speed change measured)
;;   packed  int32 entries (class << 8 | int8 weight)
;;   memo    f64 rows of `stride`
;;   lists   int32 / f64 arrays handed over per call
(module
  (memory (export "memory") 1)
  (global $dense (mut i32) (i32.const 0))
  (global $packed (mut i32) (i32.const 0))
  (global $memo (mut i32) (i32.const 0))
  ;; bytes per f64 row (accumulators, memo rows, bias, scores): stride * 8; a dense int8 row has stride bytes
  (global $rowBytes (mut i32) (i32.const 0))

  (func (export "layout") (param $dense i32) (param $packed i32) (param $memo i32) (param $stride i32)
    (global.set $dense (local.get $dense))
    (global.set $packed (local.get $packed))
    (global.set $memo (local.get $memo))
    (global.set $rowBytes (i32.shl (local.get $stride) (i32.const 3))))

  ;; acc = the sum of the memo rows starting at the element offsets offs[0..n), in that order,
  ;; four rows per pass: acc = (((acc + a) + b) + d) + e
  (func (export "sumRows") (param $acc i32) (param $offs i32) (param $n i32)
    (local $r i32) (local $k i32) (local $end i32)
    (local $a i32) (local $b i32) (local $d i32) (local $e i32)
    (local.set $end (global.get $rowBytes))
    (memory.fill (local.get $acc) (i32.const 0) (local.get $end))
    (block $fours_done
      (loop $fours
        (br_if $fours_done (i32.gt_s (i32.add (local.get $r) (i32.const 4)) (local.get $n)))
        (local.set $a (i32.add (global.get $memo) (i32.shl (i32.load (i32.add (local.get $offs) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 3))))
        (local.set $b (i32.add (global.get $memo) (i32.shl (i32.load offset=4 (i32.add (local.get $offs) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 3))))
        (local.set $d (i32.add (global.get $memo) (i32.shl (i32.load offset=8 (i32.add (local.get $offs) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 3))))
        (local.set $e (i32.add (global.get $memo) (i32.shl (i32.load offset=12 (i32.add (local.get $offs) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 3))))
        (local.set $k (i32.const 0))
        (loop $classes
          (v128.store (i32.add (local.get $acc) (local.get $k))
            (f64x2.add
              (f64x2.add
                (f64x2.add
                  (f64x2.add
                    (v128.load (i32.add (local.get $acc) (local.get $k)))
                    (v128.load (i32.add (local.get $a) (local.get $k))))
                  (v128.load (i32.add (local.get $b) (local.get $k))))
                (v128.load (i32.add (local.get $d) (local.get $k))))
              (v128.load (i32.add (local.get $e) (local.get $k)))))
          (local.set $k (i32.add (local.get $k) (i32.const 16)))
          (br_if $classes (i32.lt_u (local.get $k) (local.get $end))))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $fours)))
    (block $rest_done
      (loop $rest
        (br_if $rest_done (i32.ge_s (local.get $r) (local.get $n)))
        (local.set $a (i32.add (global.get $memo) (i32.shl (i32.load (i32.add (local.get $offs) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 3))))
        (local.set $k (i32.const 0))
        (loop $classes
          (v128.store (i32.add (local.get $acc) (local.get $k))
            (f64x2.add
              (v128.load (i32.add (local.get $acc) (local.get $k)))
              (v128.load (i32.add (local.get $a) (local.get $k)))))
          (local.set $k (i32.add (local.get $k) (i32.const 16)))
          (br_if $classes (i32.lt_u (local.get $k) (local.get $end))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rest))))

  ;; acc += coefs[i] * the weight row of feature i, for i in 0..n in that order; a row starts at
  ;; starts[i] (dense: a byte offset into the dense rows, packed: an entry index into the packed
  ;; entries) and has lengths[i] entries (-1: dense). Up to four consecutive dense rows per pass over
  ;; the classes: acc = (((acc + ca * a) + cb * b) + cd * d) + ce * e. The caller reads starts and
  ;; lengths from the table slots it has just looked up; no helper calls in the loops.
  (func (export "addRows") (param $acc i32) (param $starts i32) (param $lengths i32) (param $coefs i32) (param $n i32)
    (local $sp i32) (local $lp i32) (local $cp i32) (local $stop i32) (local $m i32) (local $k i32) (local $end i32)
    (local $len i32) (local $p i32) (local $pend i32) (local $x i32) (local $at i32) (local $coef f64)
    (local $a i32) (local $b i32) (local $d i32) (local $e i32)
    (local $ca v128) (local $cb v128) (local $cd v128) (local $ce v128)
    (local.set $end (global.get $rowBytes))
    (local.set $sp (local.get $starts))
    (local.set $lp (local.get $lengths))
    (local.set $cp (local.get $coefs))
    (local.set $stop (i32.add (local.get $lengths) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $lp) (local.get $stop)))
        (local.set $len (i32.load (local.get $lp)))
        (if (i32.ne (local.get $len) (i32.const -1))
          (then
            ;; packed: one class and int8 weight per entry
            (local.set $coef (f64.load (local.get $cp)))
            (local.set $p (i32.add (global.get $packed) (i32.shl (i32.load (local.get $sp)) (i32.const 2))))
            (local.set $pend (i32.add (local.get $p) (i32.shl (local.get $len) (i32.const 2))))
            (block $entries_done
              (loop $entries
                (br_if $entries_done (i32.ge_u (local.get $p) (local.get $pend)))
                (local.set $x (i32.load (local.get $p)))
                (local.set $at (i32.add (local.get $acc) (i32.shl (i32.shr_u (local.get $x) (i32.const 8)) (i32.const 3))))
                (f64.store (local.get $at)
                  (f64.add (f64.load (local.get $at))
                    (f64.mul (local.get $coef) (f64.convert_i32_s (i32.extend8_s (local.get $x))))))
                (local.set $p (i32.add (local.get $p) (i32.const 4)))
                (br $entries)))
            (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
            (local.set $lp (i32.add (local.get $lp) (i32.const 4)))
            (local.set $cp (i32.add (local.get $cp) (i32.const 8)))
            (br $rows)))
        ;; how many consecutive dense rows, at most four
        (local.set $m (i32.const 1))
        (block $counted
          (loop $count
            (br_if $counted (i32.ge_u (local.get $m) (i32.const 4)))
            (br_if $counted (i32.ge_u (i32.add (local.get $lp) (i32.shl (local.get $m) (i32.const 2))) (local.get $stop)))
            (br_if $counted (i32.ne (i32.load (i32.add (local.get $lp) (i32.shl (local.get $m) (i32.const 2)))) (i32.const -1)))
            (local.set $m (i32.add (local.get $m) (i32.const 1)))
            (br $count)))
        (local.set $a (i32.add (global.get $dense) (i32.load (local.get $sp))))
        (local.set $ca (f64x2.splat (f64.load (local.get $cp))))
        (local.set $k (i32.const 0))
        (if (i32.eq (local.get $m) (i32.const 1))
          (then
            (loop $classes
              (v128.store (i32.add (local.get $acc) (local.get $k)) (f64x2.add (v128.load (i32.add (local.get $acc) (local.get $k))) (f64x2.mul (local.get $ca) (f64x2.convert_low_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load16_splat (i32.add (local.get $a) (i32.shr_u (local.get $k) (i32.const 3))))))))))
              (local.set $k (i32.add (local.get $k) (i32.const 16)))
              (br_if $classes (i32.lt_u (local.get $k) (local.get $end))))))
        (if (i32.eq (local.get $m) (i32.const 2))
          (then
            (local.set $b (i32.add (global.get $dense) (i32.load offset=4 (local.get $sp))))
            (local.set $cb (f64x2.splat (f64.load offset=8 (local.get $cp))))
            (loop $classes
              (v128.store (i32.add (local.get $acc) (local.get $k)) (f64x2.add (f64x2.add (v128.load (i32.add (local.get $acc) (local.get $k))) (f64x2.mul (local.get $ca) (f64x2.convert_low_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load16_splat (i32.add (local.get $a) (i32.shr_u (local.get $k) (i32.const 3))))))))) (f64x2.mul (local.get $cb) (f64x2.convert_low_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load16_splat (i32.add (local.get $b) (i32.shr_u (local.get $k) (i32.const 3))))))))))
              (local.set $k (i32.add (local.get $k) (i32.const 16)))
              (br_if $classes (i32.lt_u (local.get $k) (local.get $end))))))
        (if (i32.eq (local.get $m) (i32.const 3))
          (then
            (local.set $b (i32.add (global.get $dense) (i32.load offset=4 (local.get $sp))))
            (local.set $cb (f64x2.splat (f64.load offset=8 (local.get $cp))))
            (local.set $d (i32.add (global.get $dense) (i32.load offset=8 (local.get $sp))))
            (local.set $cd (f64x2.splat (f64.load offset=16 (local.get $cp))))
            (loop $classes
              (v128.store (i32.add (local.get $acc) (local.get $k)) (f64x2.add (f64x2.add (f64x2.add (v128.load (i32.add (local.get $acc) (local.get $k))) (f64x2.mul (local.get $ca) (f64x2.convert_low_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load16_splat (i32.add (local.get $a) (i32.shr_u (local.get $k) (i32.const 3))))))))) (f64x2.mul (local.get $cb) (f64x2.convert_low_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load16_splat (i32.add (local.get $b) (i32.shr_u (local.get $k) (i32.const 3))))))))) (f64x2.mul (local.get $cd) (f64x2.convert_low_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load16_splat (i32.add (local.get $d) (i32.shr_u (local.get $k) (i32.const 3))))))))))
              (local.set $k (i32.add (local.get $k) (i32.const 16)))
              (br_if $classes (i32.lt_u (local.get $k) (local.get $end))))))
        (if (i32.eq (local.get $m) (i32.const 4))
          (then
            (local.set $b (i32.add (global.get $dense) (i32.load offset=4 (local.get $sp))))
            (local.set $cb (f64x2.splat (f64.load offset=8 (local.get $cp))))
            (local.set $d (i32.add (global.get $dense) (i32.load offset=8 (local.get $sp))))
            (local.set $cd (f64x2.splat (f64.load offset=16 (local.get $cp))))
            (local.set $e (i32.add (global.get $dense) (i32.load offset=12 (local.get $sp))))
            (local.set $ce (f64x2.splat (f64.load offset=24 (local.get $cp))))
            (loop $classes
              (v128.store (i32.add (local.get $acc) (local.get $k)) (f64x2.add (f64x2.add (f64x2.add (f64x2.add (v128.load (i32.add (local.get $acc) (local.get $k))) (f64x2.mul (local.get $ca) (f64x2.convert_low_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load16_splat (i32.add (local.get $a) (i32.shr_u (local.get $k) (i32.const 3))))))))) (f64x2.mul (local.get $cb) (f64x2.convert_low_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load16_splat (i32.add (local.get $b) (i32.shr_u (local.get $k) (i32.const 3))))))))) (f64x2.mul (local.get $cd) (f64x2.convert_low_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load16_splat (i32.add (local.get $d) (i32.shr_u (local.get $k) (i32.const 3))))))))) (f64x2.mul (local.get $ce) (f64x2.convert_low_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load16_splat (i32.add (local.get $e) (i32.shr_u (local.get $k) (i32.const 3))))))))))
              (local.set $k (i32.add (local.get $k) (i32.const 16)))
              (br_if $classes (i32.lt_u (local.get $k) (local.get $end))))))
        (local.set $sp (i32.add (local.get $sp) (i32.shl (local.get $m) (i32.const 2))))
        (local.set $lp (i32.add (local.get $lp) (i32.shl (local.get $m) (i32.const 2))))
        (local.set $cp (i32.add (local.get $cp) (i32.shl (local.get $m) (i32.const 3))))
        (br $rows))))

  ;; out[k] = bias[k] + invWord * wordAcc[k] + invChar * charAcc[k] for the whole row, in that order
  ;; (the bias row is f64; its pad class is -infinity, so the pad never wins); returns the maximum
  (func (export "combine") (param $out i32) (param $bias i32) (param $word i32) (param $char i32) (param $invWord f64) (param $invChar f64) (result f64)
    (local $k i32) (local $end i32) (local $v v128) (local $max v128) (local $iw v128) (local $ic v128)
    (local.set $end (global.get $rowBytes))
    (local.set $iw (f64x2.splat (local.get $invWord)))
    (local.set $ic (f64x2.splat (local.get $invChar)))
    (local.set $max (f64x2.splat (f64.const -inf)))
    (loop $classes
      (local.set $v
        (f64x2.add
          (f64x2.add
            (v128.load (i32.add (local.get $bias) (local.get $k)))
            (f64x2.mul (local.get $iw) (v128.load (i32.add (local.get $word) (local.get $k)))))
          (f64x2.mul (local.get $ic) (v128.load (i32.add (local.get $char) (local.get $k))))))
      (v128.store (i32.add (local.get $out) (local.get $k)) (local.get $v))
      (local.set $max (f64x2.max (local.get $max) (local.get $v)))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br_if $classes (i32.lt_u (local.get $k) (local.get $end))))
    (f64.max (f64x2.extract_lane 0 (local.get $max)) (f64x2.extract_lane 1 (local.get $max))))

  ;; out[k] = exp((out[k] - max) * inv) for the whole row (arguments at most 0). exp(x) = 2^n * e^r
  ;; with n = round(x / ln 2) and r = x - n ln 2 (ln 2 in two parts, |r| <= 0.35), e^r by its Taylor
  ;; polynomial to degree 13 (truncation under 1e-17 relative): within one unit in the last place
  ;; of Math.exp (kernel.spec.ts). Arguments below -700 (weights under 1e-304 beside the maximum's 1) count as -700.
  ;; Returns the sum of the row's exps, taken class by class in order; stores at $sens the sum of
  ;; exp * mask[k] (mask an f64 row of 1 for the classes summed, 0 for the others), in the same order.
  ;; A pad class adds its exp(-700) to the sum after the maximum's 1, which leaves the sum as it was.
  (func (export "expSum") (param $out i32) (param $max f64) (param $inv f64) (param $mask i32) (param $sens i32) (result f64)
    (local $k i32) (local $end i32) (local $x v128) (local $n v128) (local $r v128) (local $scale v128)
    (local $m v128) (local $iv v128) (local $p v128) (local $r2 v128) (local $r4 v128) (local $t v128) (local $v v128) (local $sv v128) (local $sum f64) (local $ssum f64)
    (local.set $end (global.get $rowBytes))
    (local.set $m (f64x2.splat (local.get $max)))
    (local.set $iv (f64x2.splat (local.get $inv)))
    (loop $classes
      (local.set $x
        (f64x2.max
          (f64x2.mul (f64x2.sub (v128.load (i32.add (local.get $out) (local.get $k))) (local.get $m)) (local.get $iv))
          (f64x2.splat (f64.const -700))))
      ;; n = round(x / ln 2), ties to even, by adding and taking away 1.5 * 2^52 (the sum's last
      ;; bits are then n + 2^51: its bits, less the constant's, are n as an integer)
      (local.set $t (f64x2.add (f64x2.mul (local.get $x) (f64x2.splat (f64.const 1.4426950408889634))) (f64x2.splat (f64.const 6755399441055744.0))))
      (local.set $n (f64x2.sub (local.get $t) (f64x2.splat (f64.const 6755399441055744.0))))
      (local.set $r
        (f64x2.sub
          (f64x2.sub (local.get $x) (f64x2.mul (local.get $n) (f64x2.splat (f64.const 0.6931471803691238))))
          (f64x2.mul (local.get $n) (f64x2.splat (f64.const 1.9082149292705877e-10)))))
      ;; 2^n from its bits: (n + 1023) << 52, with n = bits(t) - bits(1.5 * 2^52) = bits(t) - 4843621399236968448
      (local.set $scale (i64x2.shl (i64x2.add (local.get $t) (i64x2.splat (i64.const -4843621399236967425))) (i32.const 52)))
      ;; e^r = sum of r^i / i! for i = 0..13: the terms from r^4 on as h(r) = sum of r^(i-4) / i!,
      ;; by Estrin's scheme (pairs, then r^2, r^4, r^8: a shorter chain of dependent operations,
      ;; the polynomial's latency is what bounds this loop), then 1 + r(1 + r(1/2 + r(1/6 + r h(r))))
      ;; by Horner's rule (h(r) is at most 6e-4 of the result, so its rounding hardly shows)
      (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
      (local.set $r4 (f64x2.mul (local.get $r2) (local.get $r2)))
      (local.set $p
        (f64x2.add
          (f64x2.add
            (f64x2.add
              (f64x2.add (f64x2.splat (f64.const 0.041666666666666664)) (f64x2.mul (local.get $r) (f64x2.splat (f64.const 0.008333333333333333)))) ;; 1/4! + r/5!
              (f64x2.mul (local.get $r2)
                (f64x2.add (f64x2.splat (f64.const 0.001388888888888889)) (f64x2.mul (local.get $r) (f64x2.splat (f64.const 0.0001984126984126984)))))) ;; 1/6! + r/7!
            (f64x2.mul (local.get $r4)
              (f64x2.add
                (f64x2.add (f64x2.splat (f64.const 2.48015873015873e-05)) (f64x2.mul (local.get $r) (f64x2.splat (f64.const 2.7557319223985893e-06)))) ;; 1/8! + r/9!
                (f64x2.mul (local.get $r2)
                  (f64x2.add (f64x2.splat (f64.const 2.755731922398589e-07)) (f64x2.mul (local.get $r) (f64x2.splat (f64.const 2.505210838544172e-08)))))))) ;; 1/10! + r/11!
          (f64x2.mul (f64x2.mul (local.get $r4) (local.get $r4))
            (f64x2.add (f64x2.splat (f64.const 2.08767569878681e-09)) (f64x2.mul (local.get $r) (f64x2.splat (f64.const 1.6059043836821613e-10))))))) ;; 1/12! + r/13!
      (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 0.16666666666666666)))) ;; 1/3!
      (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 0.5)))) ;; 1/2!
      (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 1.0)))) ;; 1/1!
      (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 1.0)))) ;; 1/0!
      (local.set $v (f64x2.mul (local.get $p) (local.get $scale)))
      (v128.store (i32.add (local.get $out) (local.get $k)) (local.get $v))
      (local.set $sum (f64.add (local.get $sum) (f64x2.extract_lane 0 (local.get $v))))
      (local.set $sum (f64.add (local.get $sum) (f64x2.extract_lane 1 (local.get $v))))
      ;; exp * 0 is +0, and adding +0 leaves a sum as it was
      (local.set $sv (f64x2.mul (local.get $v) (v128.load (i32.add (local.get $mask) (local.get $k)))))
      (local.set $ssum (f64.add (local.get $ssum) (f64x2.extract_lane 0 (local.get $sv))))
      (local.set $ssum (f64.add (local.get $ssum) (f64x2.extract_lane 1 (local.get $sv))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br_if $classes (i32.lt_u (local.get $k) (local.get $end))))
    (f64.store (local.get $sens) (local.get $ssum))
    (local.get $sum))

  ;; The k best of the c values at $vals (f64), best first, ties to the lower class: their classes
  ;; into $order (i32) and values into $top (f64), by insertion, a value compared with the k-th best
  ;; once k are kept. Returns the first class holding the largest value among those whose $mask
  ;; (an f64 row of 1 and 0) is 1 and whose value is above -1 (-1: none).
  (func (export "rank") (param $vals i32) (param $c i32) (param $mask i32) (param $k i32) (param $order i32) (param $top i32) (result i32)
    (local $i i32) (local $v f64) (local $filled i32) (local $kth f64) (local $best i32) (local $bestv f64) (local $j i32) (local $at i32)
    (local.set $kth (f64.const -1))
    (local.set $best (i32.const -1))
    (local.set $bestv (f64.const -1))
    (block $done
      (loop $classes
        (br_if $done (i32.ge_u (local.get $i) (local.get $c)))
        (local.set $at (i32.shl (local.get $i) (i32.const 3)))
        (local.set $v (f64.load (i32.add (local.get $vals) (local.get $at))))
        (if (f64.gt (local.get $v) (local.get $bestv))
          (then
            (if (f64.eq (f64.load (i32.add (local.get $mask) (local.get $at))) (f64.const 1))
              (then
                (local.set $best (local.get $i))
                (local.set $bestv (local.get $v))))))
        (block $next
          (br_if $next (i32.and (i32.eq (local.get $filled) (local.get $k)) (i32.eqz (f64.gt (local.get $v) (local.get $kth)))))
          (if (i32.lt_s (local.get $filled) (local.get $k))
            (then
              (local.set $j (local.get $filled))
              (local.set $filled (i32.add (local.get $filled) (i32.const 1))))
            (else (local.set $j (i32.sub (local.get $k) (i32.const 1)))))
          ;; move the smaller kept values down one place
          (block $placed
            (loop $shift
              (br_if $placed (i32.le_s (local.get $j) (i32.const 0)))
              (br_if $placed (i32.eqz (f64.gt (local.get $v) (f64.load offset=0 (i32.add (local.get $top) (i32.shl (i32.sub (local.get $j) (i32.const 1)) (i32.const 3)))))))
              (i32.store (i32.add (local.get $order) (i32.shl (local.get $j) (i32.const 2)))
                (i32.load (i32.add (local.get $order) (i32.shl (i32.sub (local.get $j) (i32.const 1)) (i32.const 2)))))
              (f64.store (i32.add (local.get $top) (i32.shl (local.get $j) (i32.const 3)))
                (f64.load (i32.add (local.get $top) (i32.shl (i32.sub (local.get $j) (i32.const 1)) (i32.const 3)))))
              (local.set $j (i32.sub (local.get $j) (i32.const 1)))
              (br $shift)))
          (i32.store (i32.add (local.get $order) (i32.shl (local.get $j) (i32.const 2))) (local.get $i))
          (f64.store (i32.add (local.get $top) (i32.shl (local.get $j) (i32.const 3))) (local.get $v))
          (if (i32.eq (local.get $filled) (local.get $k))
            (then (local.set $kth (f64.load (i32.add (local.get $top) (i32.shl (i32.sub (local.get $k) (i32.const 1)) (i32.const 3))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $classes)))
    (local.get $best))
)
