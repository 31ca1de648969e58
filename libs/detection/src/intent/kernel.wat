;; The intent scorer's class-wide sums and its softmax (scorer.ts), four classes per SIMD operation
;; in single precision; and its word walk for plain ASCII text (split, hash, look up, count, sum).
;;
;; Build: `npm run build:kernel` (wabt) writes kernel.wasm.ts; a test checks the two agree.
;;
;; Single precision (f32) throughout: four classes per operation where doubles took two, and half the
;; memory per row, which matters as much (a server's other work pushes the rows out of the caches
;; between messages). The confidences a prediction reports have four decimals; f32 sums of a
;; message's few dozen rows are off by about a millionth of their terms' sizes (intent-model.spec.ts
;; bounds the scores' distance to the double-precision definition). Every row sum is taken in a fixed
;; order with plain IEEE single operations (no fused multiply-add), so kernel.spec.ts checks the sums
;; bit for bit against scalar loops rounding each step with Math.fround.
;;
;; Memory (laid out by scorer.ts, all offsets in bytes):
;;   dense   int8 rows of `stride` (the class count rounded up to a multiple of four; the pad classes
;;           are zero), read four at a time and widened to f32
;;   packed  int32 entries (class << 8 | int8 weight)
;;   memo    entries of `entryBytes`: a word's squared norm (f64), its unigram's table position
;;           (i32), its two hashes (i32), 12 bytes unused, then its row (f32, `stride`)
;;   table   slots of 16 bytes: key (i32), row start (i32), row length (i16, -1: dense), the
;;           feature's count in the current message (u16), idf (f32)
;;   lists   int32 / f32 arrays handed over per call
(module
  (memory (export "memory") 1)
  (global $dense (mut i32) (i32.const 0))
  (global $packed (mut i32) (i32.const 0))
  (global $memo (mut i32) (i32.const 0))
  ;; bytes per f32 row (accumulators, memo rows, bias, scores, mask): stride * 4; a dense int8 row has stride bytes
  (global $rowBytes (mut i32) (i32.const 0))
  ;; the word walk's regions (`setup`)
  (global $text (mut i32) (i32.const 0))
  (global $codes (mut i32) (i32.const 0))
  (global $wHash (mut i32) (i32.const 0))
  (global $wCheck (mut i32) (i32.const 0))
  (global $wStart (mut i32) (i32.const 0))
  (global $wLen (mut i32) (i32.const 0))
  (global $wUni (mut i32) (i32.const 0))
  (global $wPair (mut i32) (i32.const 0))
  (global $wEntry (mut i32) (i32.const 0))
  (global $table (mut i32) (i32.const 0))
  (global $wordMask (mut i32) (i32.const 0))
  (global $memoTable (mut i32) (i32.const 0))
  (global $memoMask (mut i32) (i32.const 0))
  (global $memoCap (mut i32) (i32.const 0))
  (global $memoCount (mut i32) (i32.const 0))
  (global $entryBytes (mut i32) (i32.const 0))
  (global $order (mut i32) (i32.const 0))
  (global $offsets (mut i32) (i32.const 0))
  (global $starts (mut i32) (i32.const 0))
  (global $lengths (mut i32) (i32.const 0))
  (global $coefs (mut i32) (i32.const 0))
  (global $wordAcc (mut i32) (i32.const 0))
  (global $charAcc (mut i32) (i32.const 0))
  (global $bias (mut i32) (i32.const 0))
  (global $scores (mut i32) (i32.const 0))
  (global $logs (mut i32) (i32.const 0))
  (global $useWords (mut i32) (i32.const 0))
  (global $useBigrams (mut i32) (i32.const 0))
  (global $scale (mut f64) (f64.const 0))

  (func (export "layout") (param $dense i32) (param $packed i32) (param $memo i32) (param $stride i32)
    (global.set $dense (local.get $dense))
    (global.set $packed (local.get $packed))
    (global.set $memo (local.get $memo))
    (global.set $rowBytes (i32.shl (local.get $stride) (i32.const 2))))

  ;; acc = the sum of the memo rows starting at the element offsets offs[0..n), in that order,
  ;; four rows per pass: acc = (((acc + a) + b) + d) + e
  (func $sumRows (export "sumRows") (param $acc i32) (param $offs i32) (param $n i32)
    (local $r i32) (local $k i32) (local $end i32)
    (local $a i32) (local $b i32) (local $d i32) (local $e i32)
    (local.set $end (global.get $rowBytes))
    (memory.fill (local.get $acc) (i32.const 0) (local.get $end))
    (block $fours_done
      (loop $fours
        (br_if $fours_done (i32.gt_s (i32.add (local.get $r) (i32.const 4)) (local.get $n)))
        (local.set $a (i32.add (global.get $memo) (i32.shl (i32.load (i32.add (local.get $offs) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2))))
        (local.set $b (i32.add (global.get $memo) (i32.shl (i32.load offset=4 (i32.add (local.get $offs) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2))))
        (local.set $d (i32.add (global.get $memo) (i32.shl (i32.load offset=8 (i32.add (local.get $offs) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2))))
        (local.set $e (i32.add (global.get $memo) (i32.shl (i32.load offset=12 (i32.add (local.get $offs) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2))))
        (local.set $k (i32.const 0))
        (loop $classes
          (v128.store (i32.add (local.get $acc) (local.get $k))
            (f32x4.add
              (f32x4.add
                (f32x4.add
                  (f32x4.add
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
        (local.set $a (i32.add (global.get $memo) (i32.shl (i32.load (i32.add (local.get $offs) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2))))
        (local.set $k (i32.const 0))
        (loop $classes
          (v128.store (i32.add (local.get $acc) (local.get $k))
            (f32x4.add
              (v128.load (i32.add (local.get $acc) (local.get $k)))
              (v128.load (i32.add (local.get $a) (local.get $k)))))
          (local.set $k (i32.add (local.get $k) (i32.const 16)))
          (br_if $classes (i32.lt_u (local.get $k) (local.get $end))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rest))))

  ;; acc += coefs[i] * the weight row of feature i, for i in 0..n in that order (coefs f32); a row
  ;; starts at starts[i] (dense: a byte offset into the dense rows, packed: an entry index into the
  ;; packed entries) and has lengths[i] entries (-1: dense). Up to four consecutive dense rows per
  ;; pass over the classes: acc = (((acc + ca * a) + cb * b) + cd * d) + ce * e. The caller reads
  ;; starts and lengths from the table slots it has just looked up; no helper calls in the loops.
  (func $addRows (export "addRows") (param $acc i32) (param $starts i32) (param $lengths i32) (param $coefs i32) (param $n i32)
    (local $sp i32) (local $lp i32) (local $cp i32) (local $stop i32) (local $m i32) (local $k i32) (local $end i32)
    (local $len i32) (local $p i32) (local $pend i32) (local $x i32) (local $at i32) (local $coef f32)
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
            (local.set $coef (f32.load (local.get $cp)))
            (local.set $p (i32.add (global.get $packed) (i32.shl (i32.load (local.get $sp)) (i32.const 2))))
            (local.set $pend (i32.add (local.get $p) (i32.shl (local.get $len) (i32.const 2))))
            (block $entries_done
              (loop $entries
                (br_if $entries_done (i32.ge_u (local.get $p) (local.get $pend)))
                (local.set $x (i32.load (local.get $p)))
                (local.set $at (i32.add (local.get $acc) (i32.shl (i32.shr_u (local.get $x) (i32.const 8)) (i32.const 2))))
                (f32.store (local.get $at)
                  (f32.add (f32.load (local.get $at))
                    (f32.mul (local.get $coef) (f32.convert_i32_s (i32.extend8_s (local.get $x))))))
                (local.set $p (i32.add (local.get $p) (i32.const 4)))
                (br $entries)))
            (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
            (local.set $lp (i32.add (local.get $lp) (i32.const 4)))
            (local.set $cp (i32.add (local.get $cp) (i32.const 4)))
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
        (local.set $ca (f32x4.splat (f32.load (local.get $cp))))
        (local.set $k (i32.const 0))
        (if (i32.eq (local.get $m) (i32.const 1))
          (then
            (loop $classes
              (v128.store (i32.add (local.get $acc) (local.get $k)) (f32x4.add (v128.load (i32.add (local.get $acc) (local.get $k))) (f32x4.mul (local.get $ca) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load32_zero (i32.add (local.get $a) (i32.shr_u (local.get $k) (i32.const 2))))))))))
              (local.set $k (i32.add (local.get $k) (i32.const 16)))
              (br_if $classes (i32.lt_u (local.get $k) (local.get $end))))))
        (if (i32.eq (local.get $m) (i32.const 2))
          (then
            (local.set $b (i32.add (global.get $dense) (i32.load offset=4 (local.get $sp))))
            (local.set $cb (f32x4.splat (f32.load offset=4 (local.get $cp))))
            (loop $classes
              (v128.store (i32.add (local.get $acc) (local.get $k)) (f32x4.add (f32x4.add (v128.load (i32.add (local.get $acc) (local.get $k))) (f32x4.mul (local.get $ca) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load32_zero (i32.add (local.get $a) (i32.shr_u (local.get $k) (i32.const 2))))))))) (f32x4.mul (local.get $cb) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load32_zero (i32.add (local.get $b) (i32.shr_u (local.get $k) (i32.const 2))))))))))
              (local.set $k (i32.add (local.get $k) (i32.const 16)))
              (br_if $classes (i32.lt_u (local.get $k) (local.get $end))))))
        (if (i32.eq (local.get $m) (i32.const 3))
          (then
            (local.set $b (i32.add (global.get $dense) (i32.load offset=4 (local.get $sp))))
            (local.set $cb (f32x4.splat (f32.load offset=4 (local.get $cp))))
            (local.set $d (i32.add (global.get $dense) (i32.load offset=8 (local.get $sp))))
            (local.set $cd (f32x4.splat (f32.load offset=8 (local.get $cp))))
            (loop $classes
              (v128.store (i32.add (local.get $acc) (local.get $k)) (f32x4.add (f32x4.add (f32x4.add (v128.load (i32.add (local.get $acc) (local.get $k))) (f32x4.mul (local.get $ca) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load32_zero (i32.add (local.get $a) (i32.shr_u (local.get $k) (i32.const 2))))))))) (f32x4.mul (local.get $cb) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load32_zero (i32.add (local.get $b) (i32.shr_u (local.get $k) (i32.const 2))))))))) (f32x4.mul (local.get $cd) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load32_zero (i32.add (local.get $d) (i32.shr_u (local.get $k) (i32.const 2))))))))))
              (local.set $k (i32.add (local.get $k) (i32.const 16)))
              (br_if $classes (i32.lt_u (local.get $k) (local.get $end))))))
        (if (i32.eq (local.get $m) (i32.const 4))
          (then
            (local.set $b (i32.add (global.get $dense) (i32.load offset=4 (local.get $sp))))
            (local.set $cb (f32x4.splat (f32.load offset=4 (local.get $cp))))
            (local.set $d (i32.add (global.get $dense) (i32.load offset=8 (local.get $sp))))
            (local.set $cd (f32x4.splat (f32.load offset=8 (local.get $cp))))
            (local.set $e (i32.add (global.get $dense) (i32.load offset=12 (local.get $sp))))
            (local.set $ce (f32x4.splat (f32.load offset=12 (local.get $cp))))
            (loop $classes
              (v128.store (i32.add (local.get $acc) (local.get $k)) (f32x4.add (f32x4.add (f32x4.add (f32x4.add (v128.load (i32.add (local.get $acc) (local.get $k))) (f32x4.mul (local.get $ca) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load32_zero (i32.add (local.get $a) (i32.shr_u (local.get $k) (i32.const 2))))))))) (f32x4.mul (local.get $cb) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load32_zero (i32.add (local.get $b) (i32.shr_u (local.get $k) (i32.const 2))))))))) (f32x4.mul (local.get $cd) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load32_zero (i32.add (local.get $d) (i32.shr_u (local.get $k) (i32.const 2))))))))) (f32x4.mul (local.get $ce) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load32_zero (i32.add (local.get $e) (i32.shr_u (local.get $k) (i32.const 2))))))))))
              (local.set $k (i32.add (local.get $k) (i32.const 16)))
              (br_if $classes (i32.lt_u (local.get $k) (local.get $end))))))
        (local.set $sp (i32.add (local.get $sp) (i32.shl (local.get $m) (i32.const 2))))
        (local.set $lp (i32.add (local.get $lp) (i32.shl (local.get $m) (i32.const 2))))
        (local.set $cp (i32.add (local.get $cp) (i32.shl (local.get $m) (i32.const 2))))
        (br $rows))))

  ;; out[k] = bias[k] + invWord * wordAcc[k] + invChar * charAcc[k] for the whole row, in that order
  ;; (the pad classes' bias is -infinity, so a pad never wins); returns the maximum
  (func $combine (export "combine") (param $out i32) (param $bias i32) (param $word i32) (param $char i32) (param $invWord f32) (param $invChar f32) (result f32)
    (local $k i32) (local $end i32) (local $v v128) (local $max v128) (local $iw v128) (local $ic v128)
    (local.set $end (global.get $rowBytes))
    (local.set $iw (f32x4.splat (local.get $invWord)))
    (local.set $ic (f32x4.splat (local.get $invChar)))
    (local.set $max (f32x4.splat (f32.const -inf)))
    (loop $classes
      (local.set $v
        (f32x4.add
          (f32x4.add
            (v128.load (i32.add (local.get $bias) (local.get $k)))
            (f32x4.mul (local.get $iw) (v128.load (i32.add (local.get $word) (local.get $k)))))
          (f32x4.mul (local.get $ic) (v128.load (i32.add (local.get $char) (local.get $k))))))
      (v128.store (i32.add (local.get $out) (local.get $k)) (local.get $v))
      (local.set $max (f32x4.max (local.get $max) (local.get $v)))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br_if $classes (i32.lt_u (local.get $k) (local.get $end))))
    (f32.max
      (f32.max (f32x4.extract_lane 0 (local.get $max)) (f32x4.extract_lane 1 (local.get $max)))
      (f32.max (f32x4.extract_lane 2 (local.get $max)) (f32x4.extract_lane 3 (local.get $max)))))

  ;; out[k] = exp((out[k] - max) * inv) for the whole row (arguments at most 0), as Cephes' expf:
  ;; exp(x) = 2^n * e^r with n = round(x / ln 2) and r = x - n ln 2 (ln 2 in two parts, |r| <= 0.35),
  ;; e^r = 1 + r + r^2 p(r) with p of degree 5 (within two units in the last place of the single
  ;; nearest to Math.exp, kernel.spec.ts). Arguments below -87 (weights under 2e-38 beside the
  ;; maximum's 1) count as -87, so 2^n stays a normal single.
  ;; Returns the sum of the row's exps, and stores at $sens (an f64) the sum of exp * mask[k] (mask
  ;; an f32 row of 1 for the classes summed, 0 for the others): each summed in four lanes (class k in
  ;; lane k mod 4, in class order), the lanes then added in double precision, lane 0 first.
  ;; A pad class adds its exp(-87) to a lane, which leaves the sum as it was.
  (func (export "expSum") (param $out i32) (param $max f32) (param $inv f32) (param $mask i32) (param $sens i32) (result f64)
    (local $k i32) (local $end i32) (local $x v128) (local $n v128) (local $r v128) (local $t v128)
    (local $m v128) (local $iv v128) (local $p v128) (local $v v128) (local $sum v128) (local $ssum v128)
    (local.set $end (global.get $rowBytes))
    (local.set $m (f32x4.splat (local.get $max)))
    (local.set $iv (f32x4.splat (local.get $inv)))
    (loop $classes
      (local.set $x
        (f32x4.max
          (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $out) (local.get $k))) (local.get $m)) (local.get $iv))
          (f32x4.splat (f32.const -87))))
      ;; n = round(x / ln 2), ties to even, by adding and taking away 1.5 * 2^23 (the sum's bits, less
      ;; the constant's, are then n as an integer)
      (local.set $t (f32x4.add (f32x4.mul (local.get $x) (f32x4.splat (f32.const 1.44269504088896341))) (f32x4.splat (f32.const 12582912))))
      (local.set $n (f32x4.sub (local.get $t) (f32x4.splat (f32.const 12582912))))
      (local.set $r
        (f32x4.sub
          (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375))))
          (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))
      (local.set $p (f32x4.add (f32x4.mul (f32x4.splat (f32.const 1.9875691500e-4)) (local.get $r)) (f32x4.splat (f32.const 1.3981999507e-3))))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 8.3334519073e-3))))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 4.1665795894e-2))))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.6666665459e-1))))
      (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 5.0000001201e-1))))
      ;; e^r * 2^n; 2^n from its bits: (n + 127) << 23, with n = bits(t) - bits(1.5 * 2^23) = bits(t) - 1262485504
      (local.set $v
        (f32x4.mul
          (f32x4.add (f32x4.add (f32x4.mul (local.get $p) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r)) (f32x4.splat (f32.const 1)))
          (i32x4.shl (i32x4.add (local.get $t) (i32x4.splat (i32.const -1262485377))) (i32.const 23))))
      (v128.store (i32.add (local.get $out) (local.get $k)) (local.get $v))
      (local.set $sum (f32x4.add (local.get $sum) (local.get $v)))
      ;; exp * 0 is +0, and adding +0 leaves a sum as it was
      (local.set $ssum (f32x4.add (local.get $ssum) (f32x4.mul (local.get $v) (v128.load (i32.add (local.get $mask) (local.get $k))))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br_if $classes (i32.lt_u (local.get $k) (local.get $end))))
    (f64.store (local.get $sens)
      (f64.add
        (f64.add
          (f64.add (f64.promote_f32 (f32x4.extract_lane 0 (local.get $ssum))) (f64.promote_f32 (f32x4.extract_lane 1 (local.get $ssum))))
          (f64.promote_f32 (f32x4.extract_lane 2 (local.get $ssum))))
        (f64.promote_f32 (f32x4.extract_lane 3 (local.get $ssum)))))
    (f64.add
      (f64.add
        (f64.add (f64.promote_f32 (f32x4.extract_lane 0 (local.get $sum))) (f64.promote_f32 (f32x4.extract_lane 1 (local.get $sum))))
        (f64.promote_f32 (f32x4.extract_lane 2 (local.get $sum))))
      (f64.promote_f32 (f32x4.extract_lane 3 (local.get $sum)))))

;; rank for k of at most 3, its pass over the classes with no branch on the values: each lane
  ;; keeps its three best values and their classes (a value replaces a kept one only when greater, so the lower class keeps a
  ;; tie), and the best masked value and its class, by SIMD comparisons and selects over every block
  ;; of four; then the k best are taken from the lanes' heads one at a time (the greater value, the
  ;; lower class on a tie, a few branches over four lanes), the lane taken from moving up. Scattered branches that follow the values
  ;; cost more than these operations once other work between messages has left the branch predictor
  ;; no history (see `rank`).
  (func $rankFew (param $vals i32) (param $c i32) (param $mask i32) (param $k i32) (param $order i32) (param $top i32) (result i32)
    (local $b i32) (local $idx v128) (local $valid v128) (local $v v128)
    (local $t1 v128) (local $t2 v128) (local $t3 v128) (local $i1 v128) (local $i2 v128) (local $i3 v128)
    (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $sv v128) (local $si v128) (local $cs v128)
    (local $n i32) (local $lane i32) (local $bestV f32) (local $bestI i32) (local $x f32) (local $xi i32) (local $pick v128)
    (local.set $t1 (f32x4.splat (f32.const -inf)))
    (local.set $t2 (local.get $t1))
    (local.set $t3 (local.get $t1))
    (local.set $sv (local.get $t1))
    (local.set $i1 (i32x4.splat (i32.const -1)))
    (local.set $i2 (local.get $i1))
    (local.set $i3 (local.get $i1))
    (local.set $si (local.get $i1))
    (local.set $idx (v128.const i32x4 0 1 2 3))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_s (local.get $b) (local.get $c)))
        (local.set $valid (i32x4.lt_s (local.get $idx) (i32x4.splat (local.get $c))))
        (local.set $v
          (v128.bitselect (v128.load (i32.add (local.get $vals) (i32.shl (local.get $b) (i32.const 2)))) (f32x4.splat (f32.const -inf)) (local.get $valid)))
        (local.set $c1 (f32x4.gt (local.get $v) (local.get $t1)))
        (local.set $c2 (f32x4.gt (local.get $v) (local.get $t2)))
        (local.set $c3 (f32x4.gt (local.get $v) (local.get $t3)))
        (local.set $t3 (v128.bitselect (local.get $t2) (v128.bitselect (local.get $v) (local.get $t3) (local.get $c3)) (local.get $c2)))
        (local.set $i3 (v128.bitselect (local.get $i2) (v128.bitselect (local.get $idx) (local.get $i3) (local.get $c3)) (local.get $c2)))
        (local.set $t2 (v128.bitselect (local.get $t1) (v128.bitselect (local.get $v) (local.get $t2) (local.get $c2)) (local.get $c1)))
        (local.set $i2 (v128.bitselect (local.get $i1) (v128.bitselect (local.get $idx) (local.get $i2) (local.get $c2)) (local.get $c1)))
        (local.set $t1 (v128.bitselect (local.get $v) (local.get $t1) (local.get $c1)))
        (local.set $i1 (v128.bitselect (local.get $idx) (local.get $i1) (local.get $c1)))
        (local.set $cs
          (v128.and
            (v128.and (local.get $valid) (f32x4.gt (local.get $v) (local.get $sv)))
            (f32x4.ne (v128.load (i32.add (local.get $mask) (i32.shl (local.get $b) (i32.const 2)))) (f32x4.splat (f32.const 0)))))
        (local.set $sv (v128.bitselect (local.get $v) (local.get $sv) (local.get $cs)))
        (local.set $si (v128.bitselect (local.get $idx) (local.get $si) (local.get $cs)))
        (local.set $idx (i32x4.add (local.get $idx) (i32x4.splat (i32.const 4))))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (br $blocks)))
    ;; the k best from the lanes' heads
    (block $taken
      (loop $take
        (br_if $taken (i32.ge_s (local.get $n) (local.get $k)))
        (local.set $lane (i32.const 0))
        (local.set $bestV (f32x4.extract_lane 0 (local.get $t1)))
        (local.set $bestI (i32x4.extract_lane 0 (local.get $i1)))
        (local.set $x (f32x4.extract_lane 1 (local.get $t1)))
        (local.set $xi (i32x4.extract_lane 1 (local.get $i1)))
        (if (i32.or (f32.gt (local.get $x) (local.get $bestV)) (i32.and (f32.eq (local.get $x) (local.get $bestV)) (i32.lt_u (local.get $xi) (local.get $bestI))))
          (then (local.set $lane (i32.const 1)) (local.set $bestV (local.get $x)) (local.set $bestI (local.get $xi))))
        (local.set $x (f32x4.extract_lane 2 (local.get $t1)))
        (local.set $xi (i32x4.extract_lane 2 (local.get $i1)))
        (if (i32.or (f32.gt (local.get $x) (local.get $bestV)) (i32.and (f32.eq (local.get $x) (local.get $bestV)) (i32.lt_u (local.get $xi) (local.get $bestI))))
          (then (local.set $lane (i32.const 2)) (local.set $bestV (local.get $x)) (local.set $bestI (local.get $xi))))
        (local.set $x (f32x4.extract_lane 3 (local.get $t1)))
        (local.set $xi (i32x4.extract_lane 3 (local.get $i1)))
        (if (i32.or (f32.gt (local.get $x) (local.get $bestV)) (i32.and (f32.eq (local.get $x) (local.get $bestV)) (i32.lt_u (local.get $xi) (local.get $bestI))))
          (then (local.set $lane (i32.const 3)) (local.set $bestV (local.get $x)) (local.set $bestI (local.get $xi))))
        (i32.store (i32.add (local.get $order) (i32.shl (local.get $n) (i32.const 2))) (local.get $bestI))
        (f32.store (i32.add (local.get $top) (i32.shl (local.get $n) (i32.const 2))) (local.get $bestV))
        ;; the lane taken from moves up
        (local.set $pick (i32x4.eq (v128.const i32x4 0 1 2 3) (i32x4.splat (local.get $lane))))
        (local.set $t1 (v128.bitselect (local.get $t2) (local.get $t1) (local.get $pick)))
        (local.set $i1 (v128.bitselect (local.get $i2) (local.get $i1) (local.get $pick)))
        (local.set $t2 (v128.bitselect (local.get $t3) (local.get $t2) (local.get $pick)))
        (local.set $i2 (v128.bitselect (local.get $i3) (local.get $i2) (local.get $pick)))
        (local.set $t3 (v128.bitselect (f32x4.splat (f32.const -inf)) (local.get $t3) (local.get $pick)))
        (local.set $i3 (v128.bitselect (i32x4.splat (i32.const -1)) (local.get $i3) (local.get $pick)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $take)))
    ;; the best masked class: the greater value, the lower class on a tie; -1 when none (-1 as an
    ;; unsigned class is the largest, so any class wins a tie with it)
    (local.set $bestV (f32x4.extract_lane 0 (local.get $sv)))
    (local.set $bestI (i32x4.extract_lane 0 (local.get $si)))
    (local.set $x (f32x4.extract_lane 1 (local.get $sv)))
    (local.set $xi (i32x4.extract_lane 1 (local.get $si)))
    (if (i32.or (f32.gt (local.get $x) (local.get $bestV)) (i32.and (f32.eq (local.get $x) (local.get $bestV)) (i32.lt_u (local.get $xi) (local.get $bestI))))
      (then (local.set $bestV (local.get $x)) (local.set $bestI (local.get $xi))))
    (local.set $x (f32x4.extract_lane 2 (local.get $sv)))
    (local.set $xi (i32x4.extract_lane 2 (local.get $si)))
    (if (i32.or (f32.gt (local.get $x) (local.get $bestV)) (i32.and (f32.eq (local.get $x) (local.get $bestV)) (i32.lt_u (local.get $xi) (local.get $bestI))))
      (then (local.set $bestV (local.get $x)) (local.set $bestI (local.get $xi))))
    (local.set $x (f32x4.extract_lane 3 (local.get $sv)))
    (local.set $xi (i32x4.extract_lane 3 (local.get $si)))
    (if (i32.or (f32.gt (local.get $x) (local.get $bestV)) (i32.and (f32.eq (local.get $x) (local.get $bestV)) (i32.lt_u (local.get $xi) (local.get $bestI))))
      (then (local.set $bestV (local.get $x)) (local.set $bestI (local.get $xi))))
    (local.get $bestI))

  ;; The k best of the c values at $vals (f32, above -infinity), best first, ties to the lower class:
  ;; their classes into $order (i32) and values into $top (f32), by insertion, a value compared with
  ;; the k-th best once k are kept. Returns the first class holding the largest value among those
  ;; whose $mask (an f32 row of 1 and 0) is 1 (-1: none).
  ;; Four classes at a time are first compared at once with the k-th best and the best masked value
  ;; (one SIMD comparison each, a branch that soon goes the same way every time): most blocks hold
  ;; neither and are passed over; the others are taken class by class. Reads whole blocks of four
  ;; ($vals and $mask hold at least c rounded up to four; classes past c are never taken).
  (func (export "rank") (param $vals i32) (param $c i32) (param $mask i32) (param $k i32) (param $order i32) (param $top i32) (result i32)
    (local $b i32) (local $i i32) (local $stop i32) (local $v f32) (local $filled i32) (local $kth f32) (local $best i32) (local $bestv f32) (local $j i32) (local $at i32)
    (local $vv v128)
    (if (i32.le_s (local.get $k) (i32.const 3))
      (then (return (call $rankFew (local.get $vals) (local.get $c) (local.get $mask) (local.get $k) (local.get $order) (local.get $top)))))
    (local.set $kth (f32.const -inf))
    (local.set $best (i32.const -1))
    (local.set $bestv (f32.const -inf))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $b) (local.get $c)))
        (local.set $vv (v128.load (i32.add (local.get $vals) (i32.shl (local.get $b) (i32.const 2)))))
        (if (v128.any_true
              (v128.or
                (f32x4.gt (local.get $vv) (f32x4.splat (local.get $kth)))
                (v128.and
                  (f32x4.gt (local.get $vv) (f32x4.splat (local.get $bestv)))
                  (v128.load (i32.add (local.get $mask) (i32.shl (local.get $b) (i32.const 2)))))))
          (then
            (local.set $i (local.get $b))
            (local.set $stop (select (i32.add (local.get $b) (i32.const 4)) (local.get $c) (i32.lt_u (i32.add (local.get $b) (i32.const 4)) (local.get $c))))
            (loop $classes
              (local.set $at (i32.shl (local.get $i) (i32.const 2)))
              (local.set $v (f32.load (i32.add (local.get $vals) (local.get $at))))
              (if (f32.gt (local.get $v) (local.get $bestv))
                (then
                  (if (f32.eq (f32.load (i32.add (local.get $mask) (local.get $at))) (f32.const 1))
                    (then
                      (local.set $best (local.get $i))
                      (local.set $bestv (local.get $v))))))
              (block $next
                (br_if $next (i32.and (i32.eq (local.get $filled) (local.get $k)) (i32.eqz (f32.gt (local.get $v) (local.get $kth)))))
                (if (i32.lt_s (local.get $filled) (local.get $k))
                  (then
                    (local.set $j (local.get $filled))
                    (local.set $filled (i32.add (local.get $filled) (i32.const 1))))
                  (else (local.set $j (i32.sub (local.get $k) (i32.const 1)))))
                ;; move the smaller kept values down one place
                (block $placed
                  (loop $shift
                    (br_if $placed (i32.le_s (local.get $j) (i32.const 0)))
                    (br_if $placed (i32.eqz (f32.gt (local.get $v) (f32.load (i32.add (local.get $top) (i32.shl (i32.sub (local.get $j) (i32.const 1)) (i32.const 2)))))))
                    (i32.store (i32.add (local.get $order) (i32.shl (local.get $j) (i32.const 2)))
                      (i32.load (i32.add (local.get $order) (i32.shl (i32.sub (local.get $j) (i32.const 1)) (i32.const 2)))))
                    (f32.store (i32.add (local.get $top) (i32.shl (local.get $j) (i32.const 2)))
                      (f32.load (i32.add (local.get $top) (i32.shl (i32.sub (local.get $j) (i32.const 1)) (i32.const 2)))))
                    (local.set $j (i32.sub (local.get $j) (i32.const 1)))
                    (br $shift)))
                (i32.store (i32.add (local.get $order) (i32.shl (local.get $j) (i32.const 2))) (local.get $i))
                (f32.store (i32.add (local.get $top) (i32.shl (local.get $j) (i32.const 2))) (local.get $v))
                (if (i32.eq (local.get $filled) (local.get $k))
                  (then (local.set $kth (f32.load (i32.add (local.get $top) (i32.shl (i32.sub (local.get $k) (i32.const 1)) (i32.const 2))))))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $classes (i32.lt_u (local.get $i) (local.get $stop))))))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (br $blocks)))
    (local.get $best))

  ;; ---------------------------------------------------------------------------------------------
  ;; The word walk: the whole of Scorer.score for a plain ASCII text (scorer.ts keeps the same walk in
  ;; JavaScript for any other text, and a test holds the two to the same scores, bit for bit).

  ;; The regions, from a block of int32 at $cfg (scorer.ts writes it in this order; the offsets below
  ;; are its fields, and the scores would differ from the JavaScript walk's should the two disagree): the text's bytes, the words' code units and per-word lists, the word-level feature
  ;; table, the memo (index, entries, count), the lists `addRows` and `sumRows` read, the
  ;; accumulators, bias and scores, and a table of 1 + ln tf (1 for tf = 1).
  (func (export "setup") (param $cfg i32)
    (global.set $text (i32.load offset=0 (local.get $cfg)))
    (global.set $codes (i32.load offset=4 (local.get $cfg)))
    (global.set $wHash (i32.load offset=8 (local.get $cfg)))
    (global.set $wCheck (i32.load offset=12 (local.get $cfg)))
    (global.set $wStart (i32.load offset=16 (local.get $cfg)))
    (global.set $wLen (i32.load offset=20 (local.get $cfg)))
    (global.set $wUni (i32.load offset=24 (local.get $cfg)))
    (global.set $wPair (i32.load offset=28 (local.get $cfg)))
    (global.set $wEntry (i32.load offset=32 (local.get $cfg)))
    (global.set $table (i32.load offset=36 (local.get $cfg)))
    (global.set $wordMask (i32.load offset=40 (local.get $cfg)))
    (global.set $memoTable (i32.load offset=44 (local.get $cfg)))
    (global.set $memoMask (i32.load offset=48 (local.get $cfg)))
    (global.set $memoCap (i32.load offset=52 (local.get $cfg)))
    (global.set $memoCount (i32.load offset=56 (local.get $cfg)))
    (global.set $entryBytes (i32.load offset=60 (local.get $cfg)))
    (global.set $order (i32.load offset=64 (local.get $cfg)))
    (global.set $offsets (i32.load offset=68 (local.get $cfg)))
    (global.set $starts (i32.load offset=72 (local.get $cfg)))
    (global.set $lengths (i32.load offset=76 (local.get $cfg)))
    (global.set $coefs (i32.load offset=80 (local.get $cfg)))
    (global.set $wordAcc (i32.load offset=84 (local.get $cfg)))
    (global.set $charAcc (i32.load offset=88 (local.get $cfg)))
    (global.set $bias (i32.load offset=92 (local.get $cfg)))
    (global.set $scores (i32.load offset=96 (local.get $cfg)))
    (global.set $logs (i32.load offset=100 (local.get $cfg)))
    (global.set $useWords (i32.load offset=104 (local.get $cfg)))
    (global.set $useBigrams (i32.load offset=108 (local.get $cfg)))
    (global.set $scale (f64.load offset=120 (local.get $cfg))))

  ;; Splits the first $n bytes at $text (plain ASCII) into lower-cased words (letters and digits; an
  ;; apostrophe inside a word is dropped; anything else separates; the first 40 code units of a word
  ;; kept), as features.ts's forEachWord does, and lists each word as its FeatureBuffer does: where its
  ;; code units are, its FNV-1a hash, its check hash, and the keys of its unigram and of its pair with
  ;; the word before (murmur3's fmix32 of a seeded hash, the low bit cleared, never 0; 0: none).
  ;; Makes room in the memo for every word (it starts again when it would overflow) and looks each
  ;; word up: its entry, or -1. Returns the number of words, plus 65536 times the number of words not
  ;; found (the caller makes their entries).
  ;; The per-word steps are written in line, one place each (V8 does not inline calls between
  ;; WebAssembly functions by default, and a call per step cost about a tenth of the walk).
  (func (export "words") (param $n i32) (result i32)
    (local $i i32) (local $c i32) (local $len i32) (local $in i32) (local $w i32) (local $at i32)
    (local $start i32) (local $wh i32) (local $prev i32) (local $first i32) (local $misses i32)
    (local $j i32) (local $h i32) (local $check i32) (local $slot i32) (local $p i32) (local $entry i32)
    (local $x i32) (local $end i32) (local $key i32) (local $on i32) (local $to i32)
    (local.set $first (i32.const 1))
    (local.set $at (global.get $codes))
    (block $chars_done
      (loop $chars
        (br_if $chars_done (i32.gt_u (local.get $i) (local.get $n)))
        ;; one more place past the text, a space: it ends the last word
        (local.set $c
          (select (i32.const 32) (i32.load8_u (i32.add (global.get $text) (local.get $i))) (i32.eq (local.get $i) (local.get $n))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (if (i32.lt_u (i32.sub (local.get $c) (i32.const 65)) (i32.const 26))
          (then (local.set $c (i32.add (local.get $c) (i32.const 32)))))
        (if (i32.or
              (i32.lt_u (i32.sub (local.get $c) (i32.const 97)) (i32.const 26))
              (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10)))
          (then
            (if (i32.eqz (local.get $in))
              (then
                (local.set $in (i32.const 1))
                (local.set $len (i32.const 0))
                (local.set $start (local.get $at))
                ;; FNV_OFFSET ^ SEED_WORD
                (local.set $wh (i32.const 0x9a9ba856))))
            (if (i32.lt_u (local.get $len) (i32.const 40))
              (then
                (i32.store16 (local.get $at) (local.get $c))
                (local.set $at (i32.add (local.get $at) (i32.const 2)))
                (local.set $wh (i32.mul (i32.xor (local.get $wh) (local.get $c)) (i32.const 0x01000193)))
                (local.set $len (i32.add (local.get $len) (i32.const 1)))))
            (br $chars)))
        (br_if $chars (i32.eqz (local.get $in)))
        (br_if $chars (i32.eq (local.get $c) (i32.const 39)))
        ;; a word ends: its check hash over its code units
        (local.set $check (i32.xor (i32.const 0x9e3779b9) (local.get $len)))
        (local.set $p (local.get $start))
        (local.set $end (i32.add (local.get $start) (i32.shl (local.get $len) (i32.const 1))))
        (block $units_done
          (loop $units
            (br_if $units_done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $check (i32.mul (i32.xor (local.get $check) (i32.load16_u (local.get $p))) (i32.const 0x5bd1e995)))
            (local.set $p (i32.add (local.get $p) (i32.const 2)))
            (br $units)))
        (local.set $x (i32.shl (local.get $w) (i32.const 2)))
        (i32.store (i32.add (global.get $wHash) (local.get $x)) (local.get $wh))
        (i32.store (i32.add (global.get $wCheck) (local.get $x)) (local.get $check))
        (i32.store (i32.add (global.get $wStart) (local.get $x)) (local.get $start))
        (i32.store (i32.add (global.get $wLen) (local.get $x)) (local.get $len))
        ;; the unigram's key (of mix(wh, 1)), then the pair's (of mix(mix(SEED_BIGRAM, prev), wh))
        (local.set $h (i32.mul (i32.xor (local.get $wh) (i32.const 1)) (i32.const 0x01000193)))
        (local.set $on (global.get $useWords))
        (local.set $to (i32.add (global.get $wUni) (local.get $x)))
        (block $keys_done
          (loop $keys
            (local.set $key (i32.const 0))
            (if (local.get $on)
              (then
                (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))
                (local.set $h (i32.mul (local.get $h) (i32.const 0x85ebca6b)))
                (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 13))))
                (local.set $h (i32.mul (local.get $h) (i32.const 0xc2b2ae35)))
                (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))
                (local.set $key (i32.and (local.get $h) (i32.const -2)))
                (local.set $key (select (local.get $key) (i32.const 2) (local.get $key)))))
            (i32.store (local.get $to) (local.get $key))
            (br_if $keys_done (i32.ne (local.get $to) (i32.add (global.get $wUni) (local.get $x))))
            (local.set $h
              (i32.mul
                (i32.xor (i32.mul (i32.xor (i32.const 0x3c6ef372) (local.get $prev)) (i32.const 0x01000193)) (local.get $wh))
                (i32.const 0x01000193)))
            (local.set $on (i32.and (global.get $useBigrams) (i32.eqz (local.get $first))))
            (local.set $to (i32.add (global.get $wPair) (local.get $x)))
            (br $keys)))
        (local.set $prev (local.get $wh))
        (local.set $first (i32.const 0))
        (local.set $in (i32.const 0))
        (local.set $w (i32.add (local.get $w) (i32.const 1)))
        (br $chars)))
    (if (i32.gt_u (i32.add (i32.load (global.get $memoCount)) (local.get $w)) (global.get $memoCap))
      (then
        (memory.fill (global.get $memoTable) (i32.const 0) (i32.shl (i32.add (global.get $memoMask) (i32.const 1)) (i32.const 1)))
        (i32.store (global.get $memoCount) (i32.const 0))))
    ;; open addressing on the two hashes (u16 slots: entry + 1, 0 empty; the hashes are in the entry), as Scorer.memoEntry
    (block $words_done
      (loop $words
        (br_if $words_done (i32.ge_u (local.get $j) (local.get $w)))
        (local.set $h (i32.load (i32.add (global.get $wHash) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $check (i32.load (i32.add (global.get $wCheck) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $slot (i32.and (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 15))) (global.get $memoMask)))
        (block $found
          (loop $probe
            (local.set $entry (i32.load16_u (i32.add (global.get $memoTable) (i32.shl (local.get $slot) (i32.const 1)))))
            (if (i32.eqz (local.get $entry))
              (then
                (local.set $misses (i32.add (local.get $misses) (i32.const 1)))
                (br $found)))
            (local.set $p (i32.add (global.get $memo) (i32.mul (i32.sub (local.get $entry) (i32.const 1)) (global.get $entryBytes))))
            (br_if $found (i32.and (i32.eq (i32.load offset=12 (local.get $p)) (local.get $h)) (i32.eq (i32.load offset=16 (local.get $p)) (local.get $check))))
            (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (global.get $memoMask)))
            (br $probe)))
        ;; entry + 1, or 0: the entry, or -1
        (i32.store (i32.add (global.get $wEntry) (i32.shl (local.get $j) (i32.const 2))) (i32.sub (local.get $entry) (i32.const 1)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $words)))
    (i32.or (local.get $w) (i32.shl (local.get $misses) (i32.const 16))))

  ;; The scores of the $words words `words` listed (every one with its memo entry), as Scorer.score:
  ;; the memo rows and norms of the character block, the word-level features counted and added in
  ;; order of first occurrence (each word's unigram, then its pair), combined with the bias.
  ;; Returns the maximum.
  (func (export "scoreWords") (param $words i32) (result f32)
    (local $w i32) (local $x i32) (local $e i32) (local $entry i32) (local $norm f64) (local $normChar f64)
    (local $normWord f64) (local $nRows i32) (local $nWord i32) (local $pos i32) (local $key i32)
    (local $i i32) (local $at i32) (local $slot i32) (local $tf i32) (local $v f64)
    (local $invWord f64) (local $invChar f64)
    (block $words_done
      (loop $walk
        (br_if $words_done (i32.ge_u (local.get $w) (local.get $words)))
        (local.set $x (i32.shl (local.get $w) (i32.const 2)))
        (local.set $w (i32.add (local.get $w) (i32.const 1)))
        ;; an entry: its squared norm (f64), its unigram's table position (or -1), ..., then its row
        (local.set $e (i32.mul (i32.load (i32.add (global.get $wEntry) (local.get $x))) (global.get $entryBytes)))
        (local.set $entry (i32.add (global.get $memo) (local.get $e)))
        (local.set $norm (f64.load (local.get $entry)))
        (if (f64.ne (local.get $norm) (f64.const 0))
          (then
            (local.set $normChar (f64.add (local.get $normChar) (local.get $norm)))
            (i32.store (i32.add (global.get $offsets) (i32.shl (local.get $nRows) (i32.const 2)))
              (i32.shr_u (i32.add (local.get $e) (i32.const 32)) (i32.const 2)))
            (local.set $nRows (i32.add (local.get $nRows) (i32.const 1)))))
        ;; the word's unigram (its table position, or -1), then its pair (looked up by its key): each
        ;; counted in its table slot (a u16 beside the row length), and listed at its first
        (local.set $pos (i32.load offset=8 (local.get $entry)))
        (local.set $key (i32.load (i32.add (global.get $wPair) (local.get $x))))
        (loop $features_of_word
          (if (i32.ge_s (local.get $pos) (i32.const 0))
            (then
              (local.set $at (i32.add (global.get $table) (i32.add (i32.shl (local.get $pos) (i32.const 2)) (i32.const 10))))
              (local.set $tf (i32.load16_u (local.get $at)))
              (i32.store16 (local.get $at) (i32.add (local.get $tf) (i32.const 1)))
              (if (i32.eqz (local.get $tf))
                (then
                  (i32.store (i32.add (global.get $order) (i32.shl (local.get $nWord) (i32.const 2))) (local.get $pos))
                  (local.set $nWord (i32.add (local.get $nWord) (i32.const 1)))))))
          (br_if $walk (i32.eqz (local.get $key)))
          ;; open addressing from the key's low bits (Scorer.findWord): its position, or -1
          (local.set $slot (i32.and (local.get $key) (global.get $wordMask)))
          (block $looked_up
            (loop $probe
              (local.set $at (i32.load (i32.add (global.get $table) (i32.shl (local.get $slot) (i32.const 4)))))
              (local.set $pos (i32.shl (local.get $slot) (i32.const 2)))
              (br_if $looked_up (i32.eq (local.get $at) (local.get $key)))
              (local.set $pos (i32.const -1))
              (br_if $looked_up (i32.eqz (local.get $at)))
              (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (global.get $wordMask)))
              (br $probe)))
          (local.set $key (i32.const 0))
          (br $features_of_word))
        (br $walk)))
    (if (i32.eqz (i32.or (local.get $nWord) (local.get $nRows)))
      (then
        (memory.fill (global.get $wordAcc) (i32.const 0) (global.get $rowBytes))
        (memory.fill (global.get $charAcc) (i32.const 0) (global.get $rowBytes))
        (return (call $combine (global.get $scores) (global.get $bias) (global.get $wordAcc) (global.get $charAcc) (f32.const 0) (f32.const 0)))))
    (call $sumRows (global.get $charAcc) (global.get $offsets) (local.get $nRows))
    ;; v = (1 + ln tf) * idf, its square summed in double precision; the rows' starts, lengths and
    ;; coefficients listed for addRows; the counts left at zero
    (block $features_done
      (loop $features
        (br_if $features_done (i32.ge_u (local.get $i) (local.get $nWord)))
        (local.set $x (i32.shl (local.get $i) (i32.const 2)))
        (local.set $pos (i32.load (i32.add (global.get $order) (local.get $x))))
        (local.set $slot (i32.add (global.get $table) (i32.shl (local.get $pos) (i32.const 2))))
        (local.set $tf (i32.load16_u offset=10 (local.get $slot)))
        (i32.store16 offset=10 (local.get $slot) (i32.const 0))
        (local.set $v
          (f64.mul
            (f64.load (i32.add (global.get $logs) (i32.shl (local.get $tf) (i32.const 3))))
            (f64.promote_f32 (f32.load offset=12 (local.get $slot)))))
        (local.set $normWord (f64.add (local.get $normWord) (f64.mul (local.get $v) (local.get $v))))
        (i32.store (i32.add (global.get $starts) (local.get $x)) (i32.load offset=4 (local.get $slot)))
        (i32.store (i32.add (global.get $lengths) (local.get $x)) (i32.load16_s offset=8 (local.get $slot)))
        (f32.store (i32.add (global.get $coefs) (local.get $x)) (f32.demote_f64 (local.get $v)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $features)))
    (memory.fill (global.get $wordAcc) (i32.const 0) (global.get $rowBytes))
    (call $addRows (global.get $wordAcc) (global.get $starts) (global.get $lengths) (global.get $coefs) (local.get $nWord))
    (if (f64.gt (local.get $normWord) (f64.const 0))
      (then (local.set $invWord (f64.div (global.get $scale) (f64.sqrt (local.get $normWord))))))
    (if (f64.gt (local.get $normChar) (f64.const 0))
      (then (local.set $invChar (f64.div (global.get $scale) (f64.sqrt (local.get $normChar))))))
    (call $combine (global.get $scores) (global.get $bias) (global.get $wordAcc) (global.get $charAcc)
      (f32.demote_f64 (local.get $invWord)) (f32.demote_f64 (local.get $invChar))))
)
