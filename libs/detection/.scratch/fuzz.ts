import fc from 'fast-check';
import { Detector } from '/work/main/libs/detection/src/index.js';
const d = new Detector();
const word = fc.constantFrom('hi', 'my', 'card', 'is', 'please', 'pin 4821', 'cvv 123', 'ssn 536-22-8817', 'iban GB29 NWBK 6016 1331 9268 19', 'a.b@c.com', 'call (415) 555-2671', 'password is hunter22', 'dob 12/03/1985', 'routing 021000021', 'account 31926819', 'code 482913', 'order 4111111111111111', '[CARD ****1111]', '[PIN]', '4000 0000 0000 0002', '4.0.0.0.1', '5555-5555-5555-4444');
const msg = fc.array(fc.oneof(word, fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 10 }).map((p) => p.join(' '));
let worst = 0; let worstText = '';
const samples = fc.sample(msg, { numRuns: 3000, seed: 42 });
for (const t of samples) {
  const t0 = performance.now();
  const once = d.detect(t).redactedText;
  const dt = performance.now() - t0;
  if (dt > worst) { worst = dt; worstText = t; }
  const twice = d.detect(once).redactedText;
  if (twice !== once) { console.log('NONIDEMPOTENT', JSON.stringify(t), '\n  ', once, '\n  ', twice); }
}
console.log('worst ms', worst.toFixed(2), JSON.stringify(worstText));
