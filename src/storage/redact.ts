/**
 * Redaction of personal details before anything is written to a transcript.
 *
 * Replaces e-mail addresses (also "john dot smith at gmail dot com", "(at)", "[at]",
 * unicode domains), phone numbers (UK, US, international, spaced digits), dates of birth
 * / full dates, ID numbers (US SSN, UK National Insurance, NHS, hospital/MRN numbers),
 * street addresses (any case), UK postcodes, US ZIP codes and names (after a cue, after
 * "I'm", in sign-offs and after titles) with typed placeholders:
 * [email] [phone] [dob] [id] [address] [postcode] [zip] [name].
 *
 * Linear time: every pattern either starts at a fixed cue or word boundary and uses only
 * bounded quantifiers (so it backtracks over a constant window at most), or, for digit
 * runs, cannot start inside a run (a look-behind), so each run is scanned and at worst
 * backtracked once. At most three passes run. tests/redact.test.ts pushes 256 KB of
 * adversarial text through it.
 *
 * The rules err on the side of redacting, but leave the numbers people use to talk about
 * exercise and symptoms alone ("30 reps", "20-30 seconds", "37.8 degrees", "ran 5k in 25:30").
 */
import { createHash } from 'node:crypto';
import { isPlainId } from './plainId';
import { redactNames } from './redactNames';

// ---------- e-mail ----------

const L = '\\p{L}\\p{M}\\p{N}';
const LOCAL = `[${L}_%+'-]{1,64}`;
/** jane.doe+calf@example.co.uk, josé@exämple.de */
const EMAIL = new RegExp(`(?<![${L}._%+'-])${LOCAL}(?:\\.${LOCAL}){0,8}@(?:[${L}-]{1,63}\\.){1,8}[\\p{L}\\p{M}]{2,24}(?![${L}])`, 'gu');

const BRACKET_AT = '\\s{0,3}[(\\[{<]\\s{0,2}at\\s{0,2}[)\\]}>]\\s{0,3}';
const BRACKET_DOT = '\\s{0,3}[(\\[{<]\\s{0,2}dot\\s{0,2}[)\\]}>]\\s{0,3}';
const SPOKEN_DOT = '\\s{1,3}dot\\s{1,3}';
const WORD = `[${L}_%+-]{1,64}`;
/** Top-level domains that are not also short words ("it", "me", "co"), so "at night.It" is left alone. */
const COMMON_TLDS = '(?:com|org|net|edu|gov|nhs|uk|ie|io|info|de|fr|es|nl|eu|ca|au|nz|biz)';
/** john(at)gmail(dot)com, jane [at] example [dot] co [dot] uk, sam{at}mail.org */
const EMAIL_BRACKET = new RegExp(
  `(?<![${L}._%+-])${WORD}(?:(?:${BRACKET_DOT}|${SPOKEN_DOT}|\\.)${WORD}){0,4}${BRACKET_AT}${WORD}(?:(?:${BRACKET_DOT}|${SPOKEN_DOT}|\\.)${WORD}){1,5}(?![${L}])`,
  'giu',
);
/** john dot smith at gmail dot com, jane at example.co.uk (needs a common top-level domain) */
const EMAIL_SPOKEN = new RegExp(
  `(?<![${L}._%+-])${WORD}(?:(?:${BRACKET_DOT}|${SPOKEN_DOT}|\\.)${WORD}){0,4}\\s{1,3}at\\s{1,3}${WORD}(?:(?:${BRACKET_DOT}|${SPOKEN_DOT}|\\.)${WORD}){0,4}(?:${BRACKET_DOT}|${SPOKEN_DOT}|\\.)${COMMON_TLDS}(?![${L}])`,
  'giu',
);

// ---------- ID numbers ----------

/** US SSN: 123-45-6789, 123 45 6789 */
const SSN = /(?<![\p{L}\p{N}-])\d{3}([- ])\d{2}\1\d{4}(?![\p{L}\p{N}]|-\d)/gu;
/** UK National Insurance number: AB123456C, ab 12 34 56 c */
const NI_NUMBER = /\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/gi;
/** "NHS number 943 476 5919": the cue stays, the number goes. */
const NHS_CUED = /\b(NHS(?:\s{1,3}(?:no\.?|number|num|#))?)(\s{0,3}(?:is|:|-|#)?\s{0,3})\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)/gi;
/** "MRN 12345678", "hospital number is RXH 1234567", "patient ID: A12-345" */
const RECORD_CUED = new RegExp(
  '\\b(MRN|m\\.r\\.n\\.?|(?:medical\\s{1,3})?record\\s{1,3}(?:number|no\\.?|#)|(?:hospital|patient|case|chi|unit|clinic)\\s{1,3}(?:number|no\\.?|num|id|#)|(?:reference|ref\\.?)\\s{1,3}(?:number|no\\.?|#))' +
    '(\\s{0,3}(?:is|:|-|#)?\\s{0,3})(?:[A-Z]{1,4}[ -]?)?\\d(?:[\\dA-Z/-]|[ ]\\d){2,24}',
  'gi',
);

// ---------- dates ----------

const MONTHS = '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const ORD = '(?:st|nd|rd|th)?';
const DATE_RULES: RegExp[] = [
  // 1985-03-12, 1985/3/12
  /\b(?:19|20)\d{2}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])\b/g,
  // 12/03/1985, 3-12-85, 03.12.85 (day-month-year or month-day-year, 2- or 4-digit year)
  /\b(?:0?[1-9]|[12]\d|3[01])([/.-])(?:0?[1-9]|[12]\d|3[01])\1(?:(?:19|20)\d{2}|\d{2})\b/g,
  // 3 March 1985, 3rd of March, 1985
  new RegExp(`\\b\\d{1,2}${ORD}\\s{1,3}(?:of\\s{1,3})?${MONTHS}\\.?,?\\s{1,3}(?:19|20)\\d{2}\\b`, 'gi'),
  // March 3, 1985 / March 3rd 1985
  new RegExp(`\\b${MONTHS}\\.?\\s{1,3}\\d{1,2}${ORD},?\\s{1,3}(?:19|20)\\d{2}\\b`, 'gi'),
];
/** "born in March 1985", "DOB: 3 Mar 85", "d.o.b. 1985", "birthday is 3rd of May": the keyword stays. */
const DOB_KEYWORD = new RegExp(
  `\\b(born(?:\\s{1,3}(?:on|in))?|d\\.?o\\.?b\\.?|date\\s{1,3}of\\s{1,3}birth|birthday(?:\\s{1,3}is)?)(\\s{0,3}(?:is|:|-)?\\s{0,3}(?:the\\s{1,3})?)` +
    `(?:${MONTHS}\\.?,?\\s{1,3}(?:19|20)\\d{2}|\\d{1,2}${ORD}\\s{1,3}(?:of\\s{1,3})?${MONTHS}\\.?(?:,?\\s{1,3}(?:(?:19|20)\\d{2}|'?\\d{2}))?|${MONTHS}\\.?\\s{1,3}(?:the\\s{1,3})?\\d{1,2}${ORD}(?!\\d)(?:,?\\s{1,3}(?:(?:19|20)\\d{2}|'?\\d{2}))?|\\d{1,2}[/.-]\\d{1,2}[/.-]\\d{2,4}|(?:19|20)\\d{2}|'\\d{2})\\b`,
  'gi',
);

// ---------- phone numbers and long digit runs ----------

/**
 * A run of at least 8 digits joined by single separators (space, dot, hyphen, brackets,
 * "(0)"), optionally after "+". The look-behinds stop a run from starting inside another
 * run or glued to a word, the look-ahead from ending glued to one (ids such as
 * "a4f-426614174000" or "12345678-1234-5abc-…"), so each run is scanned once.
 */
const DIGIT_RUN = /(?<![\p{L}\p{N}_+])(?<![\p{L}\p{N}_][.-])(?<!\d[ .-])(?:\+\s?)?(?:\(\s?)?\d(?:\d|[ .\-\u00a0]\d|\s?\(0\)\s?\d|\s?\)\s?\d|\s?\(\s?\d|\s-\s\d){7,}(?![\p{L}\p{N}_]|[.-][\p{L}\p{N}])/gu;
/** A decimal with one digit after the point ("37.8 38.1"): a list of measurements, not a number. */
const DECIMAL = /\d\.\d(?!\d)/;

function countDigits(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i += 1) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n += 1;
  }
  return n;
}

function digitRun(match: string): string {
  // An opening bracket with no closing one belongs to the sentence: "(07700 900123, …)".
  const lead = match.startsWith('(') && !match.includes(')') ? '(' : '';
  const run = match.slice(lead.length);
  const digits = countDigits(run);
  const international = run.startsWith('+');
  if (digits > 15) return `${lead}[id]`;
  if (digits >= 10 || (international && digits >= 8)) return DECIMAL.test(run) && !international ? match : `${lead}[phone]`;
  return match;
}

// ---------- addresses, postcodes, ZIP codes ----------

const STREET_TYPES =
  '(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|court|ct|boulevard|blvd|way|place|pl|crescent|cres|terrace|gardens|gdns|square|sq|parkway|pkwy|highway|hwy|row|mews|grove|walk)';
/** Street types that are also everyday words ("a 10 minute walk", "all the way") are only taken when Capitalised. */
const STREET_TYPES_ANY_CASE =
  '(?:street|st|road|rd|avenue|ave|lane|ln|drive|close|court|boulevard|blvd|place|crescent|cres|terrace|gardens|gdns|square|parkway|highway|mews|grove)';
/** Makes letters of a pattern match either case (for use inside a case-sensitive RegExp). */
function caseless(pattern: string): string {
  return pattern.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`);
}
/** "Avenue NW", "Ave. NW" (a full stop alone stays: it usually ends the sentence). */
const DIRECTIONS = '(?:\\.?\\s{1,3}(?:NW|NE|SW|SE|N|S|E|W)\\b)?';
/** "12 Baker Street", "221B Baker St", "1600 Pennsylvania Avenue NW": Capitalised street names. */
const ADDRESS = new RegExp(
  `\\b\\d{1,5}[A-Za-z]?,?\\s{1,3}(?:(?:[A-Z][A-Za-z'-]{0,30}|\\d{1,3}(?:st|nd|rd|th))\\s{1,3}){1,3}${caseless(STREET_TYPES)}\\b${DIRECTIONS}`,
  'g',
);
/** "12 baker street", "22 high rd": any case, but not "3 times down the road". */
const ADDRESS_ANY_CASE = new RegExp(`\\b\\d{1,5}[a-z]?,?\\s{1,3}((?:[\\p{L}'-]{2,30}\\s{1,3}){1,3})(${STREET_TYPES_ANY_CASE})\\b`, 'giu');
/** Words that show a number is a quantity, not a house number ("5 miles down the road"). */
const NOT_STREET_NAME = new Set(`
a an the of to down up along on in at by from into across past round around through over towards toward off my our your
his her their this that each every per more other and or x times time minutes minute mins min hours hour hrs hr seconds
secs sec miles mile km k m metres meters metre meter yards yard feet ft steps step laps lap days day weeks week months
month years year reps rep sets set goes go blocks block houses doors stops flights flight stairs floors floor
`.split(/\s+/).filter(Boolean));
/** Street types that follow a bare "the" in addresses ("15 the crescent"). */
const THE_STREET = new Set(['crescent', 'close', 'grove', 'mews', 'avenue', 'drive', 'square', 'gardens', 'terrace', 'lane']);
function isStreetName(words: string, type: string): boolean {
  const list = words.trim().toLowerCase().split(/\s+/);
  if (list.length === 1 && list[0] === 'the') return THE_STREET.has(type.toLowerCase());
  return !list.some((w) => NOT_STREET_NAME.has(w));
}
/** "flat 3, [address]" → "[address]" */
const FLAT_BEFORE_ADDRESS = /\b(?:flat|apartment|apt\.?|unit|suite)\s{0,3}\d{1,4}[a-z]?,?\s{0,3}(?=\[address\])/gi;

/** UK postcodes: SW1A 1AA, M1 1AE, B33 8TH, GIR 0AA (any case). */
const UK_POSTCODE = /\b(?:GIR ?0AA|([A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?) ?(\d[ABD-HJLNP-UW-Z]{2}))\b/gi;
/** "x2 3rd time", "L4 5th": a letter and one digit before a lower-case ordinal is not a postcode. */
function postcode(m: string, outward: string | undefined, inward: string | undefined): string {
  if (outward && inward && /^[A-Za-z]\d$/.test(outward) && /^\d(?:st|nd|rd|th)$/.test(inward)) return m;
  return '[postcode]';
}

const US_STATES =
  'AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR';
const ZIP_AFTER_STATE = new RegExp(`\\b(${US_STATES})(,?\\s{1,3})\\d{5}(?:-\\d{4})?\\b`, 'g');
const ZIP_CUED = /\b(zip(?:\s{0,3}code)?|postal\s{1,3}code)(\s{0,3}(?:is|:|#)?\s{0,3})\d{5}(?:-\d{4})?\b/gi;
const ZIP_PLUS4 = /\b\d{5}-\d{4}\b/g;
/** A 5-digit number right after a redacted address ("[address], Springfield 62704"). */
const ZIP_AFTER_ADDRESS = /(\[address\](?:,?\s{1,3}[A-Z][A-Za-z]{1,30}){0,3},?\s{1,3})\d{5}(?:-\d{4})?\b/g;

/**
 * At most this many passes. A replacement can create a word boundary a rule needs
 * ("1985900123MRN7" → "[phone]MRN7"), so passes repeat until nothing changes; in practice
 * the second pass confirms the first.
 */
const MAX_PASSES = 3;

/** Returns `text` with personal details replaced by typed placeholders. Linear in `text.length`. */
export function redact(text: string): string {
  if (!text) return text;
  let out = text;
  for (let pass = 0; pass < MAX_PASSES; pass += 1) {
    const next = redactOnce(out);
    if (next === out) break;
    out = next;
  }
  return out;
}

type Step = (text: string) => string;
const keepCue = (placeholder: string) => (_m: string, cue: string, sep: string): string => `${cue}${sep}${placeholder}`;
/** Runs `step` only if `needs` (a cheap test for what the rule cannot match without) is found. */
const when = (needs: RegExp, step: Step): Step => (t) => (needs.test(t) ? step(t) : t);
const DIGIT = /\d/;

/**
 * The rules in order: e-mails first (they hold dots and digits), names last (they look at what is left).
 * A rule that can match an id made of letters, digits and `_ : | -` must be ruled out by `isPlainId`
 * (src/storage/plainId.ts) too.
 */
const STEPS: readonly Step[] = [
  when(/@/, (t) => t.replace(EMAIL, '[email]')),
  when(/[([{<]\s{0,2}at/i, (t) => t.replace(EMAIL_BRACKET, '[email]')),
  when(/\sat\s/i, (t) => t.replace(EMAIL_SPOKEN, '[email]')),
  when(DIGIT, (t) => t.replace(NHS_CUED, keepCue('[id]'))),
  when(DIGIT, (t) => t.replace(RECORD_CUED, keepCue('[id]'))),
  when(DIGIT, (t) => t.replace(SSN, '[id]')),
  when(DIGIT, (t) => t.replace(NI_NUMBER, '[id]')),
  ...DATE_RULES.map((rule): Step => when(DIGIT, (t) => t.replace(rule, '[dob]'))),
  when(DIGIT, (t) => t.replace(DOB_KEYWORD, keepCue('[dob]'))),
  when(DIGIT, (t) => t.replace(ZIP_PLUS4, '[zip]')),
  when(DIGIT, (t) => t.replace(DIGIT_RUN, digitRun)),
  when(DIGIT, (t) => t.replace(ADDRESS, '[address]')),
  when(DIGIT, (t) => t.replace(ADDRESS_ANY_CASE, (m, words: string, type: string) => (isStreetName(words, type) ? '[address]' : m))),
  when(/\[address\]/, (t) => t.replace(FLAT_BEFORE_ADDRESS, '')),
  when(DIGIT, (t) => t.replace(ZIP_AFTER_STATE, keepCue('[zip]'))),
  when(DIGIT, (t) => t.replace(ZIP_CUED, keepCue('[zip]'))),
  when(DIGIT, (t) => t.replace(ZIP_AFTER_ADDRESS, (_m, prefix: string) => `${prefix}[zip]`)),
  when(DIGIT, (t) => t.replace(UK_POSTCODE, postcode)),
  redactNames,
];

function redactOnce(text: string): string {
  let out = text;
  for (const step of STEPS) out = step(out);
  return out;
}

/**
 * Redacts every string inside a JSON-like value (objects, arrays), object keys included;
 * other values are returned as they are. Two keys that redact to the same text are kept
 * apart with a numbered suffix. `redactText` is `redact` or a memo's `redact`.
 */
export function redactDeep<T>(value: T, redactText: (text: string) => string = redact): T {
  return walk(value, redactText) as T;
}

function walk(value: unknown, r: (text: string) => string): unknown {
  if (typeof value === 'string') return r(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, r));
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(source)) {
      const redactedKey = r(k);
      let key = redactedKey;
      for (let n = 2; Object.hasOwn(out, key); n += 1) key = `${redactedKey} ${n}`;
      const v = walk(source[k], r);
      // A plain store keeps the copy a fast object (JSON.stringify serialises it several times
      // faster than one built with defineProperty); only a "__proto__" key needs defineProperty
      // to stay an ordinary key.
      if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
    }
    return out;
  }
  return value;
}

/**
 * `redact` through a bounded cache, for the bot's own replies: they come from the content
 * files, so the same few hundred texts (and card and button keys) are redacted on every
 * turn. Never used for what a user wrote (their text would then stay in memory). Texts
 * longer than `maxLength` are redacted every time; the oldest entry goes when it is full.
 */
export class RedactionMemo {
  private readonly cache = new Map<string, string>();
  constructor(
    private readonly maxEntries = 2_000,
    private readonly maxLength = 4_096,
  ) {}

  get size(): number {
    return this.cache.size;
  }

  readonly redact = (text: string): string => {
    if (text.length > this.maxLength) return redact(text);
    const hit = this.cache.get(text);
    if (hit !== undefined) return hit;
    const out = redact(text);
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(text, out);
    return out;
  };
}

/** Letters a–p for the hex digits of a hash, so the suffix can never look like a number, date or postcode. */
function letterHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12).replace(/[0-9a-f]/g, (c) => String.fromCharCode(97 + parseInt(c, 16)));
}

/**
 * An identifier (conversation, user or activity id) safe to store and log: unchanged when
 * it holds no personal details, otherwise its redacted form plus a short hash of the
 * original ("conv-[email][~kdapgmbcoefh]"), so different ids stay different. The suffix is
 * bracketed letters, which no rule matches, so this is idempotent and can be applied again
 * to an id that was already stored. Ids that `isPlainId` clears (most ids channels make:
 * UUIDs, Direct Line and Teams ids) are returned without running the rules.
 */
export function safeId(id: string): string {
  if (isPlainId(id)) return id;
  const redacted = redact(id);
  return redacted === id ? id : `${redacted}[~${letterHash(id)}]`;
}
