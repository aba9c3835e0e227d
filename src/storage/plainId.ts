/**
 * A cheap test that an identifier cannot hold anything `redact` (src/storage/redact.ts)
 * replaces, so `safeId` can return it without running the ~25 redaction expressions.
 * Every id of every transcript row (conversation, user, bot, activity, reply-to) goes
 * through `safeId`; on ids with digits the full redaction runs nearly every rule.
 *
 * An id passes only if all of these hold; each rule of redact.ts is ruled out by one:
 *
 *  1. It is ASCII letters, digits and `_ : | -` only: no white space, `@`, `.`, `/`, `,`,
 *     `+`, `#`, `'`, brackets or line breaks. E-mails need `@`, a bracket or spaces; dates
 *     with month names, addresses, ZIP codes after a state, the flat number before
 *     `[address]`, and names after "this is", "my name is", "I'm", "call me", a title or
 *     "Best,"/"Love," need a space, a comma, a line break or `[`.
 *  2. It holds none of the cues the other cue rules need when there is no space (any case):
 *     nhs (NHS number), mrn (record number), born, dob, birthday (date of birth), zip (ZIP
 *     code), regards, thanks, thx, cheers, sincerely (a name after a sign-off, "thanks-Bob").
 *  3. No chain of digit-only runs (a run: letters and digits between other characters; a
 *     chain: runs joined by single characters) has 3 runs or 8 digits. The SSN
 *     (123-45-6789), the numeric dates (1985-03-12, 12-03-85), ZIP+4 (12345-6789) and the
 *     phone / long-number rule (8 digits at least) only match digits that no letter or digit
 *     touches from outside the match, joined by `-` at most here: digit-only runs.
 *  4. No run of letters, digits and `_` (a word, as `\b` sees it) has the shape of a National
 *     Insurance number (2 letters, 6 digits, a letter: AB123456C) or of a UK postcode without
 *     its space (1–2 letters, a digit, a letter or digit or nothing, a digit, 2 letters:
 *     SW1A1AA, M11AE; GIR0AA): both rules only match whole words.
 *
 * A new redaction rule that can match an id of these characters must be ruled out here too:
 * tests/redact.test.ts checks the shortcut against the full redaction on ids built from each
 * rule's pieces.
 */

const PLAIN_CHARS = /^[A-Za-z0-9_:|-]+$/;
const CUES = /nhs|mrn|born|dob|birthday|zip|regards|thanks|thx|cheers|sincerely/i;
/** A whole word shaped like a National Insurance number or a UK postcode (wider letter sets than the rules'). */
const NI_OR_POSTCODE = /(?<![A-Za-z0-9_])(?:[A-Za-z]{2}[0-9]{6}[A-Za-z]|[A-Za-z]{1,2}[0-9][A-Za-z0-9]?[0-9][A-Za-z]{2}|GIR0AA)(?![A-Za-z0-9_])/i;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Condition 3: every chain of digit-only runs has fewer than 3 runs and fewer than 8 digits. */
function shortDigitChains(id: string): boolean {
  let runs = 0;
  let digits = 0;
  let i = 0;
  while (i < id.length) {
    let j = i;
    let runDigits = 0;
    let letters = false;
    for (; j < id.length; j += 1) {
      const c = id.charCodeAt(j);
      if (isDigit(c)) runDigits += 1;
      else if (isLetter(c)) letters = true;
      else break;
    }
    if (j === i) {
      // two separators in a row end a chain
      runs = 0;
      digits = 0;
      i += 1;
      continue;
    }
    if (letters) {
      runs = 0;
      digits = 0;
    } else {
      runs += 1;
      digits += runDigits;
      if (runs >= 3 || digits >= 8) return false;
    }
    i = j + 1; // past the run and the one separator after it
  }
  return true;
}

/** True when `redact(id) === id` is certain without running it (see above); false says nothing. */
export function isPlainId(id: string): boolean {
  return PLAIN_CHARS.test(id) && !CUES.test(id) && !NI_OR_POSTCODE.test(id) && shortDigitChains(id);
}
