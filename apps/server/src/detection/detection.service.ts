import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { type DetectionResult, Detector, IntentModel } from '@handoff/detection';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { DetectionSummary } from '../conversations/message.entity.js';

/** The default model shipped with the repository (trained on BANKING77; see libs/detection). */
export const DEFAULT_INTENT_MODEL_PATH = 'libs/detection/models/banking77-en.json';

/**
 * Detection for the whole server: the intent model is read once at start; `detect` is pure and in
 * memory, safe to call inside a request or a transaction.
 */
@Injectable()
export class DetectionService {
  private readonly logger = new Logger(DetectionService.name);
  readonly model: IntentModel;
  private readonly detector: Detector;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const file = path.resolve(config.intentModelPath ?? DEFAULT_INTENT_MODEL_PATH);
    const started = performance.now();
    this.model = IntentModel.fromJSON(JSON.parse(readFileSync(file, 'utf8')) as unknown);
    this.detector = new Detector({ model: this.model });
    this.logger.log({ labels: this.model.labels.length, loadMs: Math.round(performance.now() - started) }, 'intent model loaded');
  }

  detect(text: string): DetectionResult {
    return this.detector.detect(text);
  }

  /** What may be stored about a detection: types with counts and the intent, never values. */
  static summarise(result: DetectionResult): DetectionSummary {
    const counts = new Map<string, number>();
    for (const entity of result.entities) counts.set(entity.type, (counts.get(entity.type) ?? 0) + 1);
    return {
      entities: [...counts].map(([type, count]) => ({ type, count })),
      intent: result.intent
        ? { label: result.intent.label, confidence: Math.round(result.intent.confidence * 1000) / 1000, sensitive: result.intent.sensitive, theme: result.intent.theme }
        : null,
    };
  }
}
