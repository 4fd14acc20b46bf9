// The test suites' own token helpers (test/support/tokens.ts): each property
// a suite relies on holds for every clock value and every random byte, not
// only for most of them.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { letters, mixedCaseToken, type TokenSource, uniqueToken } from "../support/tokens.ts";

/** A clock whose last five base-36 digits are all digits, as for minutes at a time every few hours. */
const ALL_DIGITS_CLOCK = parseInt("mabc12345", 36);

/** A fixed source: that clock and the same byte every time. */
const fixed = (byte: number, now = ALL_DIGITS_CLOCK): TokenSource => ({
  now: () => now,
  random: (size) => new Uint8Array(size).fill(byte),
});

/** The helper the case-folding suites used before: upper-case characters 3–5 of a unique token. */
const formerMixed = (token: string) => `${token.slice(0, 3)}${token.slice(3, 6).toUpperCase()}${token.slice(6)}`;

describe("mixedCaseToken", () => {
  test("the former helper returned the lower-case token at such a clock: the failure this guards against", () => {
    const token = formerMixed(uniqueToken("rel", fixed(0)));
    assert.equal(token, token.toLowerCase());
  });

  test("differs from its lower-case form for every byte value and clock, with letters and digits only", () => {
    const clocks = [ALL_DIGITS_CLOCK, 0, 36 ** 5 - 1, Date.UTC(2026, 0, 1)];
    let checked = 0;
    for (const now of clocks) {
      for (let byte = 0; byte < 256; byte++) {
        const token = mixedCaseToken("rel", fixed(byte, now));
        assert.notEqual(token, token.toLowerCase(), token);
        assert.match(token, /^rel[A-Z]{3}[a-z0-9]{13}$/, token);
        checked++;
      }
    }
    assert.equal(checked, 4 * 256);
  });

  test("two tokens from the real clock and randomness differ", () => {
    assert.notEqual(mixedCaseToken("rel"), mixedCaseToken("rel"));
  });
});

describe("uniqueToken", () => {
  test("the prefix, 5 clock characters and 8 hex digits: lower-case letters and digits", () => {
    assert.equal(uniqueToken("rel", fixed(0)), "rel1234500000000");
    assert.match(uniqueToken("race"), /^race[a-z0-9]{5}[0-9a-f]{8}$/);
    assert.match(uniqueToken(""), /^[a-z0-9]{13}$/);
  });

  test("a long prefix keeps all 8 random hex digits instead of cutting them", () => {
    const token = uniqueToken("tightnextlong", fixed(0xab));
    assert.equal(token, "tightnextlong12345abababab");
  });

  test("a clock shorter than five base-36 digits is padded", () => {
    assert.equal(uniqueToken("t", fixed(0, 35)), "t0000z00000000");
  });
});

describe("letters", () => {
  test("every byte value gives a letter, never a digit", () => {
    for (let byte = 0; byte < 256; byte++) assert.match(letters(fixed(byte), 1), /^[a-z]$/);
  });
});
