/**
 * The one clean-up every incoming text gets, at every entry point (HTTP, Direct Line,
 * Teams, the terminal chat, classify, the evaluation), before triage or recognition
 * sees it: invisible formatting characters are removed ("cl\u200Bot" is "clot"),
 * control characters become spaces, and the text is put in Unicode NFC form.
 * Linear in the length of the text.
 */

// Zero-width space/non-joiner, LRM/RLM, word joiner and other invisible operators, BOM,
// soft hyphen, Mongolian vowel separator, variation-selector-free fillers.
// eslint-disable-next-line no-misleading-character-class -- each listed character is removed on its own
const INVISIBLE = /[\u00AD\u180E\u200B\u200C\u200E\u200F\u2060-\u2064\uFEFF\u034F\u115F\u1160\u3164\uFFA0]/g;
// A ZWJ is kept only inside an emoji sequence (👨‍👩‍👧); elsewhere it is removed.
// eslint-disable-next-line no-misleading-character-class -- VS16 and skin-tone modifiers are listed on purpose
const STRAY_ZWJ = /(?<![\p{Extended_Pictographic}\uFE0F\u{1F3FB}-\u{1F3FF}])\u200D|\u200D(?!\p{Extended_Pictographic})/gu;
// C0/C1 controls except tab and newlines, and bidirectional controls.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/** Remove invisible formatting characters (keeps emoji ZWJ sequences intact). */
export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, '').replace(STRAY_ZWJ, '');
}

export function cleanText(text: string): string {
  return stripInvisible(text).replace(CONTROLS, ' ').normalize('NFC');
}

/**
 * The longest message the bot answers, in characters (after clean-up). A longer one is
 * still triaged in full, then gets a polite "too long" notice (src/turn/4-inputGuard.ts).
 */
export const MAX_TEXT_CHARS = 4000;
