/**
 * Names: after a cue ("my name is", "I'm", "Regards,", "Dr"), up to three words. Cue-less
 * forms ("I'm John Smith", "Thanks, Sarah") need Capitalised words that are not common
 * English words, so "I'm Sore", "I'm 45" and "Thanks, That helps" stay as they are.
 *
 * Every pattern uses bounded quantifiers only and starts at a fixed cue, so each runs in
 * time linear in the length of the text.
 */

/** Words that follow "I'm", "Thanks," or a title without being a name. Lower case. */
const COMMON = new Set(`
a an the and but or so if as at by for from in into of off on onto out over to up with without about after again all
also always am any are back because been before being below between both can could did do does doing done down during
each even ever every few further get gets getting got had has have having he her here hers him his how i i'd i'll i'm i've
im ive ill id is it it's its just least less let like made make many may me might more most much must my myself never new
no nor not now of often ok okay old on once one only other our ours out over own please quite rather really right same
see she should since so some still such sure than that that's the their them then there these they this those though
through thus till too under until up upon us very was we well were what when where which while who whom why will with
would yes yet you your yours yourself
hi hello hey dear thanks thank cheers regards bye goodbye morning afternoon evening night sorry yeah yep nope
sore fine good great bad better worse worst best worried scared afraid frightened nervous anxious stressed tired
exhausted sick ill unwell poorly pregnant diabetic asthmatic epileptic anaemic arthritic overweight active fit
healthy injured hurt hurting limping struggling confused unsure concerned desperate happy unhappy glad pleased
grateful thankful relieved alright aged age over under nearly almost about around roughly approximately currently
usually normally generally mostly mainly recently already actually honestly probably definitely certainly maybe
perhaps unable able due going coming trying waiting wondering asking writing calling looking hoping getting feeling
having taking using doing walking running standing sitting lying sleeping working training playing cycling
swimming staying living retired unemployed employed student nurse doctor physio physiotherapist runner athlete
patient mum mom dad father mother parent carer wife husband partner son daughter friend male female man woman boy girl
type stage grade level english british scottish welsh irish american european asian african indian chinese
monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september
october november december today tomorrow yesterday tonight week weekend month year
calf leg legs foot feet ankle knee heel achilles shin thigh hip back pain pains swelling swollen cramp cramps
stiff tight tender numb red hot warm cold blue pale not no none nothing something someone anyone everyone
what's where's there's here's how's it's that's let's don't can't won't isn't aren't wasn't weren't didn't doesn't
haven't hasn't hadn't shouldn't wouldn't couldn't
team staff clinic nhs gp gps ae physio support google
`.split(/\s+/).filter(Boolean));

/** After an explicit cue ("my name is …") only these end or cancel the name. */
const FUNCTION_WORDS = new Set([
  'and', 'but', 'or', 'so', 'i', "i'm", 'im', 'my', 'the', 'a', 'an', 'is', 'am', 'have', 'has', 'had', 'with', 'from', 'here',
  'calling', 'speaking', 'please', 'thanks', 'thank', 'hi', 'hello', 'hey', 'in', 'at', 'on', 'to', 'for', 'of', 'who', 'what',
  'can', 'could', 'would', 'will', 'need', 'want', 'got', 'been', 'was', 'it', 'me', 'you', 'your', 'this', 'that', 'just', 'also',
  'back', 'same', 'not', 'now', 'if', 'when', 'because', 'as',
]);

/** Word endings that mark an adjective, adverb or participle ("Worried", "Really", "Running"). */
const NON_NAME_ENDING = /(?:ing|ly|ful|ous|ive|able|ible|less|ness|ment)$/;

function isNameWord(word: string, strict: boolean): boolean {
  const lower = word.toLowerCase();
  const w = lower.includes('’') ? lower.replace(/’/g, "'") : lower;
  if (!strict) return !FUNCTION_WORDS.has(w);
  if (COMMON.has(w)) return false;
  if (NON_NAME_ENDING.test(w) && w.length > 4) return false;
  // Participles ("Worried", "Exhausted"), but keep short names ("Ed", "Ted", "Fred").
  if (w.length > 5 && w.endsWith('ed')) return false;
  return true;
}

const WORD_RE = /\S+/g;

/** Length of the leading name words of `words` (0 if the first word is not a name). */
function takenLength(words: string, strict: boolean): number {
  let end = 0;
  WORD_RE.lastIndex = 0;
  for (let m = WORD_RE.exec(words); m; m = WORD_RE.exec(words)) {
    if (!isNameWord(m[0], strict)) break;
    end = m.index + m[0].length;
  }
  return end;
}

/** A Capitalised word (letters, apostrophes, hyphens), 2–31 characters. */
const CAP = "\\p{Lu}[\\p{Ll}\\p{M}'’-]{1,30}(?![\\p{L}\\p{M}\\p{N}_])";
const CAPS = `${CAP}(?:[ \\t]{1,3}${CAP}){0,2}`;
/** Any word (for cue phrases that are unambiguous: "my name is"). */
const ANYWORD = "[^\\s.,!?;:()\\[\\]]{1,40}(?![^\\s.,!?;:()\\[\\]])";

/** Case-insensitive letters inside a case-sensitive (`u`) pattern. */
function ci(pattern: string): string {
  return pattern.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`);
}

/**
 * Each rule's pattern has groups 1 (the cue, which stays) and 2 (candidate name words, of
 * which only the leading name words are replaced); group 3 (if any) is a tail kept after
 * the name, and then the match is all-or-nothing.
 */
interface NameRule {
  re: RegExp;
  /** Only words that are not common English words count as a name (cue-less forms). */
  strict: boolean;
}

const SIGN_OFF =
  `(?:${ci('kind')}\\s{1,3}|${ci('best')}\\s{1,3}|${ci('warm')}(?:${ci('est')})?\\s{1,3}|${ci('many')}\\s{1,3})?${ci('regards')}|${ci('best')}\\s{1,3}${ci('wishes')}|${ci('many')}\\s{1,3}${ci('thanks')}` +
  `|${ci('thanks')}(?:\\s{1,3}(?:${ci('again')}|${ci('so')}\\s{1,3}${ci('much')}))?|${ci('thank')}\\s{1,3}${ci('you')}|${ci('thx')}|${ci('cheers')}|${ci('sincerely')}|${ci('yours')}\\s{1,3}(?:${ci('sincerely')}|${ci('faithfully')}|${ci('truly')})`;

const RULES: NameRule[] = [
  // "this is Jane speaking", "this is Dr Jane Foster calling", "this is Sam here"
  {
    re: new RegExp(`\\b(${ci('this')}\\s{1,3}${ci('is')}\\s{1,3})((?:[^\\s.,!?;:()\\[\\]]{1,40}\\s{1,3}){0,2}[^\\s.,!?;:()\\[\\]]{1,40})(\\s{1,3}(?:${ci('speaking')}|${ci('calling')}|${ci('here')}))\\b`, 'gu'),
    strict: true,
  },
  // "my name is sarah", "name: John Smith", "I'm called Bob"
  {
    re: new RegExp(`\\b((?:${ci('my')}\\s{1,3}${ci('name')}\\s{0,3}(?:${ci('is')}|'s|’s)|${ci('name')}\\s{0,3}:|${ci('i')}\\s{1,3}${ci('am')}\\s{1,3}${ci('called')}|${ci('i')}['’]?${ci('m')}\\s{1,3}${ci('called')})\\s{1,3})(${ANYWORD}(?:[ \\t]{1,3}${ANYWORD}){0,2})`, 'gu'),
    strict: false,
  },
  // "I'm John Smith", "I am Priya", "call me Bob" (Capitalised, not a common word: "call me Tomorrow" stays)
  { re: new RegExp(`(?<![\\p{L}\\p{N}])((?:[Ii]['’]?[Mm]|[Ii]\\s{1,3}[Aa][Mm]|${ci('call')}\\s{1,3}${ci('me')})\\s{1,3})(${CAPS})`, 'gu'), strict: true },
  // Sign-offs: "Regards, Jane Doe", "Thanks, Sarah", "Cheers Tom"
  { re: new RegExp(`(?<![\\p{L}\\p{N}])((?:${SIGN_OFF})(?:\\s{0,3}[,:\\-–—]\\s{0,3}|\\s{0,3}\\n\\s{0,3}|[ \\t]{1,3}))(${CAPS})`, 'gu'), strict: true },
  // "Best, Ann", "Love,\nMo" (only with a comma or line break: "best Physio" stays)
  { re: new RegExp(`(?<![\\p{L}\\p{N}])((?:${ci('best')}|${ci('love')}|${ci('ta')})(?:\\s{0,3},\\s{0,3}|\\s{0,3}\\n\\s{0,3}))(${CAPS})`, 'gu'), strict: true },
  // Titles: "Mr Smith", "Dr. Priya Patel", "Mrs Jones" (the title stays)
  { re: new RegExp(`(?<![\\p{L}\\p{N}])((?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\\.?[ \\t]{1,3})(${CAPS})`, 'gu'), strict: true },
];

/**
 * One pass of a rule. Only the cue and the name words taken are consumed, so a cue inside
 * the candidate words that were not taken ("my name is Bo my name is …") is still seen.
 * Each search resumes after the previous cue, which keeps the pass linear.
 */
function applyRule(text: string, { re, strict }: NameRule): string {
  re.lastIndex = 0;
  let out = '';
  let pos = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const keep = m[1] ?? '';
    const words = m[2] ?? '';
    const tail = m[3];
    const taken = takenLength(words, strict);
    const start = m.index + keep.length;
    if (taken === 0 || (tail !== undefined && taken !== words.length)) {
      re.lastIndex = m.index + Math.max(1, keep.length);
      continue;
    }
    out += `${text.slice(pos, start)}[name]`;
    pos = start + taken;
    if (tail !== undefined) {
      out += tail;
      pos += tail.length;
    }
    re.lastIndex = pos;
  }
  return pos === 0 ? text : out + text.slice(pos);
}

/** Replaces names (after cues, or Capitalised after "I'm", sign-offs and titles) with [name]. */
export function redactNames(text: string): string {
  let out = text;
  for (const rule of RULES) out = applyRule(out, rule);
  return out;
}
