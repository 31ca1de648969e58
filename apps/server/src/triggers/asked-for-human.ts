/** Only the start of a message is examined: these requests are short. */
const MAX_INPUT = 2000;

const WHO = '(?:person|human|agent|someone|somebody|representative|rep|operator|advis[eo]r|staff|employee|manager|banker|people|humans|agents)';
const PHRASES: readonly RegExp[] = [
  new RegExp(`\\b(?:talk|speak|chat)(?:ing)? (?:to|with) (?:a |an |some |your |the )?(?:real |live |actual |human |customer service |support )?${WHO}\\b`),
  /\b(?:real|live|actual) (?:person|human|agent|people|humans)\b/,
  /\b(?:human|agent|operator|representative|person)s? (?:please|pls|plz|now)\b/,
  /\b(?:connect|transfer|put) me (?:to|through to|with) (?:a |an |the |your )?(?:real |live |human )?(?:person|human|agent|someone|somebody|representative|operator|advis[eo]r|staff)\b/,
  /\b(?:customer (?:service|support|care) (?:agent|representative|rep|team))\b/,
  /\bi (?:want|need|would like|'d like) (?:to talk to |to speak to |to speak with |to talk with )?(?:a |an )?(?:real |live )?(?:human|person|agent|representative)\b/,
  /^\W*(?:human|agent|operator|representative)\W*$/,
  /\b(?:not|stop talking to) (?:a |the )?(?:bot|robot|machine)\b/,
];

/**
 * Whether a message asks for a human. A small phrase matcher on the normalised text; patterns are
 * linear (no nested quantifiers) and the input is capped.
 */
export function askedForHuman(normalisedText: string): boolean {
  const text = normalisedText.slice(0, MAX_INPUT).toLowerCase().replace(/[’`]/g, "'").replace(/\s+/g, ' ').trim();
  return PHRASES.some((phrase) => phrase.test(text));
}
