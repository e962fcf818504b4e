import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { globMatch } from '../../src/pubsub/glob.js';

/** [pattern, subject, expected] — Redis's own semantics (util.c stringmatchlen), cross-checked against a server in pubsub-glob.test.ts. */
const cases: [string, string, boolean][] = [
  ['*', 'anything', true],
  ['*', 'a', true],
  ['progress:*', 'progress:42', true],
  ['progress:*', 'progress:', true], // * also matches nothing
  ['*', '', false], // … except that Redis never matches an empty subject against a non-empty pattern
  ['progress:*', 'progres', false],
  ['*:42', 'progress:42', true],
  ['a*b*c', 'aXXbYYc', true],
  ['a*b*c', 'aXXbYY', false],
  ['a**b', 'ab', true],
  ['h?llo', 'hello', true],
  ['h?llo', 'hllo', false],
  ['h?llo', 'heello', false],
  ['h[ae]llo', 'hallo', true],
  ['h[ae]llo', 'hillo', false],
  ['h[^e]llo', 'hallo', true],
  ['h[^e]llo', 'hello', false],
  ['h[a-b]llo', 'hbllo', true],
  ['h[a-b]llo', 'hcllo', false],
  ['h[b-a]llo', 'hallo', true], // a reversed range is swapped
  ['h[\\]]llo', 'h]llo', true], // an escaped bracket inside a set
  ['h\\*llo', 'h*llo', true],
  ['h\\*llo', 'hello', false],
  ['h\\?', 'h?', true],
  ['h\\?', 'hx', false],
  ['trailing\\', 'trailing\\', true], // a trailing backslash is literal
  ['h[abc', 'hb', true], // an unterminated set runs to the end
  ['h[abc', 'hd', false],
  ['CaSe', 'case', false],
  ['', '', true],
  ['', 'a', false],
  ['a', '', false],
  ['ü*', 'über', true], // bytes: the UTF-8 sequence matches itself
  ['?ber', 'über', false], // ü is two bytes, ? is one
  ['??ber', 'über', true],
];

describe('pub/sub glob matching (memory mode)', () => {
  for (const [pattern, subject, expected] of cases) {
    it(`${JSON.stringify(pattern)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(subject)}`, () => {
      assert.equal(globMatch(pattern, subject), expected);
    });
  }

  it('stays fast on patterns that backtrack exponentially in a naive matcher', () => {
    const pattern = `${'a*'.repeat(30)}b`;
    const subject = 'a'.repeat(60);
    const started = performance.now();
    assert.equal(globMatch(pattern, subject), false);
    // Not a timing assertion about speed in general: a naive matcher takes hours here, this one microseconds.
    assert.ok(performance.now() - started < 1000);
  });
});
