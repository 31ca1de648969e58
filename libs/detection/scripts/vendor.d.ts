// Minimal typings for the untyped packages the model comparison uses.
declare module '@nlpjs/core' {
  export interface Container {
    use(plugin: unknown): void;
    get(name: 'nlp'): NlpInstance;
  }
  export interface NlpInstance {
    settings: Record<string, unknown>;
    addLanguage(locale: string): void;
    addDocument(locale: string, utterance: string, intent: string): void;
    train(): Promise<unknown>;
    process(locale: string, utterance: string): Promise<{ intent: string; score: number; classifications?: { intent: string; score: number }[] }>;
  }
  export function containerBootstrap(settings?: Record<string, unknown>): Promise<Container>;
}
declare module '@nlpjs/nlp' {
  export const Nlp: unknown;
}
declare module '@nlpjs/lang-en-min' {
  export const LangEn: unknown;
}
