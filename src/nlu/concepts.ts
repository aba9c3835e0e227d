/**
 * Keyword concepts: groups of words that signal the same idea. A message gets one extra
 * feature `#<concept>` per concept it mentions, so a word the training sentences never use
 * next to another still counts ("throbbing" is pain, "jogging" is running, "cya" is a goodbye).
 * Words are stemmed with the same Porter stemmer as the messages.
 */
import { stem } from '../domain/text';

const CONCEPTS: Record<string, string> = {
  pain: 'pain pains hurt hurts hurting ache aches aching achy sore soreness painful agony throb throbbing killing tender burning stabbing niggle niggling discomfort twinge twinges',
  run: 'run runs running runner runners jog jogs jogging jogger marathon 5k 10k c25k parkrun treadmill mileage trail sprint sprinting sprints race racing ultra',
  walk: 'walk walking walks walked stroll hike hiking step steps limp limping wander errands shops stairs',
  night: 'night nights nighttime bed bedtime sleep sleeping asleep nocturnal wake waking woke woken 3am midnight overnight lie lying',
  restless: 'restless fidgety kick kicking jumpy jittery urge',
  twitch: 'twitch twitches twitching twitchy flicker flickers flutter fluttering quiver quivering fasciculation fasciculations jumping',
  nerve: 'nerve nerves numb numbness tingle tingling tingly pins needles sciatica sciatic shooting electric sensation pinched trapped compressed radiating',
  swell: 'swell swelling swollen puffy bulge fluid',
  lump: 'lump lumps bump nodule marble knot knots knotted knotty trigger pea lumpy',
  tight: 'tight tightness tighten tightening stiff stiffness rigid tense inflexible',
  injury: 'pull pulled strain strained strane tear torn tore rupture ruptured snap snapped pop popped twang injury injured',
  cramp: 'cramp cramps cramping crampy cramped spasm spasms charley seize seized',
  greet: 'hi hello hey hiya howdy yo sup greetings heya hallo hii helo morning afternoon evening hola bonjour aloha gday salut ello hullo',
  bye: 'bye goodbye byee cya farewell later laters ttyl cheerio quit leaving off signing adios ciao toodles tara goodnight',
  thank: 'thanks thank ta ty tysm cheers appreciate appreciated grateful thankful merci gracias',
  medicine: 'ibuprofen paracetamol acetaminophen naproxen aspirin codeine cocodamol painkiller painkillers tablet tablets pill pills cream gel drug drugs medication medicine medicines nsaid nsaids diclofenac voltaren tylenol advil nurofen quinine dose balm lidocaine capsaicin prescription',
  clot: 'clot clots clott thrombosis dvt embolism thrombus',
  circulation: 'circulation artery arteries arterial claudication pvd pad vascular atherosclerosis diabetic diabetes smoke smoker smoking cholesterol',
  colour: 'color blue pale white purple discolored discolor',
  travel: 'flight flights plane fly flew journey surgery operation hospital immobile',
  book: 'book booking appointment apointment appointments schedule slot slots consultation reserve contact phone telephone ring call email',
  test: 'test tests testing check assess assessment measure',
  stretch: 'stretch stretches stretching stretchy',
  roll: 'roll rolling roller foam massage rub',
  strength: 'strengthen strengthening strong stronger strength exercise exercises raises drops eccentric alfredson',
  ice: 'ice icing cold frozen compression compress elevate elevation bandage',
  time: 'long weeks months days heal healing recover recovery return',
  worry: 'worry worried worrying serious dangerous emergency urgent concerned concern danger warning',
  weak: 'weak weakness weaker tired tire fatigue endurance imbalance',
  back: 'back lumbar spine backache',
  hip: 'hip hips',
  knee: 'knee kneecap popliteal',
  heel: 'achilles heel tendon tendinopathy tendinitis',
  anatomy: 'gastrocnemius soleus plantaris triceps surae tibial sural fabella muscles anatomy function',
  // the lower limb: any of these makes a message about the bot's subject
  leg: 'calf leg legs shin knee ankle heel achilles foot toe toes thigh hamstring hamstrings',
  // body parts outside the bot's subject (a message about them alone is out of scope)
  body: 'tooth toothache head headache migraine shoulder shoulders elbow wrist hand hands finger fingers thumb arm arms biceps abs chest ribs neck ear earache eye eyes jaw stomach tummy belly throat nose tongue gum gums skin scalp hair',
};

/** Every word of the concept groups (unstemmed): they count as known words for spelling and fallback. */
export const CONCEPT_WORDS: readonly string[] = [...new Set(Object.values(CONCEPTS).flatMap((w) => w.split(/\s+/)))];

const STEM_TO_CONCEPTS = new Map<string, string[]>();
for (const [concept, words] of Object.entries(CONCEPTS)) {
  for (const w of words.split(/\s+/)) {
    const s = stem(w);
    const list = STEM_TO_CONCEPTS.get(s) ?? [];
    if (!list.includes(concept)) list.push(concept);
    STEM_TO_CONCEPTS.set(s, list);
  }
}

/**
 * A message that names a body part outside the bot's subject (tooth, shoulder, finger…) and no
 * part of the leg or calf anatomy is out of scope whatever else it says ("my finger is swollen",
 * "my back tooth aches"): featurize adds `#offbody` for it. Takes the set of features (`#body`, `#leg`…).
 */
export function isOffBody(features: ReadonlySet<string>): boolean {
  return features.has('#body') && !features.has('#leg') && !features.has('#anatomy');
}

/** The concepts a stem belongs to (usually none or one). */
export function conceptsOf(stemmed: string): readonly string[] | undefined {
  return STEM_TO_CONCEPTS.get(stemmed);
}
