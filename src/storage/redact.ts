/**
 * Redaction of personal details before anything is written to a transcript.
 *
 * Replaces e-mail addresses, phone numbers (UK and US formats), dates of birth / full
 * dates, street addresses, UK postcodes, US ZIP codes and self-introductions
 * ("my name is …") with typed placeholders: [email] [phone] [dob] [address]
 * [postcode] [zip] [name].
 *
 * The rules err on the side of redacting, but leave the numbers people use to talk
 * about exercise and symptoms alone ("30 reps", "20-30 seconds", "2-12 weeks", "3 sets").
 */

const MONTHS = '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const ORD = '(?:st|nd|rd|th)?';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

const DATE_RULES: RegExp[] = [
  // 1985-03-12, 1985/3/12
  /\b(?:19|20)\d{2}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])\b/g,
  // 12/03/1985, 3-12-85, 03.12.85 (day-month-year or month-day-year, 2- or 4-digit year)
  /\b(?:0?[1-9]|[12]\d|3[01])([/.-])(?:0?[1-9]|[12]\d|3[01])\1(?:(?:19|20)\d{2}|\d{2})\b/g,
  // 3 March 1985, 3rd of March, 1985
  new RegExp(`\\b\\d{1,2}${ORD}\\s+(?:of\\s+)?${MONTHS}\\.?,?\\s+(?:19|20)\\d{2}\\b`, 'gi'),
  // March 3, 1985 / March 3rd 1985
  new RegExp(`\\b${MONTHS}\\.?\\s+\\d{1,2}${ORD},?\\s+(?:19|20)\\d{2}\\b`, 'gi'),
];
/** "born in 1985", "DOB: 1985", "date of birth 3 March": keep the keyword, redact what follows. */
const DOB_KEYWORD = new RegExp(
  `\\b(born(?:\\s+(?:on|in))?|d\\.?o\\.?b\\.?|date\\s+of\\s+birth)(\\s*(?:is|:|-)?\\s*)((?:\\d{1,2}${ORD}\\s+(?:of\\s+)?${MONTHS}|${MONTHS}\\s+\\d{1,2}${ORD}|(?:19|20)\\d{2})\\b)`,
  'gi',
);

/**
 * Phone numbers: an optional country code, an optional "(0)", then 2–5 digit groups
 * separated by spaces, dots or hyphens. Accepted only with 10–13 digits in total, which
 * covers UK (07700 900123, +44 7700 900123, 020 7946 0000, (020) 7946 0000) and US
 * ((555) 123-4567, 555-123-4567, +1 555 123 4567) numbers but not "20-30" or "2 x 15".
 */
const PHONE = /(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(0\)\s?)?(?:\(\d{2,5}\)|\d{2,5})(?:[\s.-]?\d{2,4}){1,4}(?![\w])/g;

const STREET_TYPES =
  '(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|court|ct|boulevard|blvd|way|place|pl|crescent|cres|terrace|gardens|gdns|square|sq|parkway|pkwy|highway|hwy|row|mews|grove|walk)';
/** Makes letters of a pattern match either case (for use inside a case-sensitive RegExp). */
function caseless(pattern: string): string {
  return pattern.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`);
}
const DIRECTIONS = '(?:\\s+(?:NW|NE|SW|SE|N|S|E|W)\\b)?';
/** "12 Baker Street", "221B Baker St", "1600 Pennsylvania Avenue NW": street names must be Capitalised. */
const ADDRESS = new RegExp(
  `\\b\\d{1,5}[A-Za-z]?,?\\s+(?:(?:[A-Z][A-Za-z'-]*|\\d{1,3}(?:st|nd|rd|th))\\s+){1,3}${caseless(STREET_TYPES)}\\b\\.?${DIRECTIONS}`,
  'g',
);
/** Lower-case addresses are only caught after an explicit cue ("I live at …", "my address is …"). */
const ADDRESS_CUED = new RegExp(
  `\\b((?:live|living|staying)\\s+at|address\\s*(?:is|:))(\\s+)(\\d{1,5}[a-z]?,?\\s+(?:[a-z][a-z'-]*\\s+){1,3}${STREET_TYPES}\\b\\.?)`,
  'gi',
);

/** UK postcodes: SW1A 1AA, M1 1AE, EC1A 1BB (not "x2 3rd"). */
const UK_POSTCODE = /\b[A-Z]{1,2}\d[A-Z\d]?\s*(?!\d(?:st|nd|rd|th)\b)\d[ABD-HJLNP-UW-Z]{2}\b/gi;

const US_STATES =
  'AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR';
const ZIP_AFTER_STATE = new RegExp(`\\b(${US_STATES})(,?\\s+)\\d{5}(?:-\\d{4})?\\b`, 'g');
const ZIP_CUED = /\b(zip(?:\s*code)?|postal\s+code)(\s*(?:is|:|#)?\s*)\d{5}(?:-\d{4})?\b/gi;
const ZIP_PLUS4 = /\b\d{5}-\d{4}\b/g;
/** A 5-digit number right after a redacted address ("[address], Springfield 62704"). */
const ZIP_AFTER_ADDRESS = /(\[address\](?:,?\s+[A-Z][A-Za-z]+){0,3},?\s+)\d{5}(?:-\d{4})?\b/g;

const NAME_STOP = new Set([
  'and', 'but', 'or', 'so', 'i', "i'm", 'im', 'my', 'the', 'a', 'an', 'is', 'am', 'have', 'has', 'had', 'with', 'from', 'here',
  'and,', 'calling', 'speaking', 'please', 'thanks', 'thank', 'hi', 'hello', 'hey', 'in', 'at', 'on', 'to', 'for', 'of', 'who', 'what',
  'can', 'could', 'would', 'will', 'need', 'want', 'got', 'been', 'was', 'it', 'me', 'you', 'your', 'this', 'that', 'just', 'also',
]);
const NAME_CUE = /\b(my\s+name\s+is|my\s+name's|name\s*:|i\s+am\s+called|i'm\s+called|im\s+called)(\s+)([^\s.,!?;:()]+(?:\s+[^\s.,!?;:()]+){0,2})/gi;
const NAME_SPEAKING = /\b(this\s+is\s+)((?:[^\s.,!?;:()]+\s+){1,3})(speaking|calling)\b/gi;

function redactNameWords(words: string): string {
  const parts = words.split(/\s+/);
  let taken = 0;
  for (const part of parts) {
    if (taken > 0 && NAME_STOP.has(part.toLowerCase())) break;
    if (taken === 0 && NAME_STOP.has(part.toLowerCase())) return words; // "call me back", "my name is the same"
    taken += 1;
  }
  if (taken === 0) return words;
  const rest = parts.slice(taken).join(' ');
  return rest ? `[name] ${rest}` : '[name]';
}

function countDigits(s: string): number {
  let n = 0;
  for (const ch of s) if (ch >= '0' && ch <= '9') n += 1;
  return n;
}

/** Returns `text` with personal details replaced by typed placeholders. */
export function redact(text: string): string {
  if (!text) return text;
  let out = text.replace(EMAIL, '[email]');
  for (const rule of DATE_RULES) out = out.replace(rule, '[dob]');
  out = out.replace(DOB_KEYWORD, (_m, kw: string, sep: string) => `${kw}${sep}[dob]`);
  out = out.replace(ZIP_PLUS4, '[zip]');
  out = out.replace(PHONE, (m) => {
    const digits = countDigits(m);
    return digits >= 10 && digits <= 13 ? '[phone]' : m;
  });
  out = out.replace(ADDRESS, '[address]');
  out = out.replace(ADDRESS_CUED, (_m, cue: string, sep: string) => `${cue}${sep}[address]`);
  out = out.replace(ZIP_AFTER_STATE, (_m, state: string, sep: string) => `${state}${sep}[zip]`);
  out = out.replace(ZIP_CUED, (_m, cue: string, sep: string) => `${cue}${sep}[zip]`);
  out = out.replace(ZIP_AFTER_ADDRESS, (_m, prefix: string) => `${prefix}[zip]`);
  out = out.replace(UK_POSTCODE, '[postcode]');
  out = out.replace(NAME_SPEAKING, (_m, cue: string, _name: string, tail: string) => `${cue}[name] ${tail}`);
  out = out.replace(NAME_CUE, (_m, cue: string, sep: string, words: string) => `${cue}${sep}${redactNameWords(words)}`);
  return out;
}

/** Redacts every string inside a JSON-like value (objects, arrays); other values are returned as they are. */
export function redactDeep<T>(value: T): T {
  return walk(value) as T;
}

function walk(value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map(walk);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = walk(v);
    return out;
  }
  return value;
}
