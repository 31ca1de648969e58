export { ENTITY_TYPES, UNKNOWN_INTENT } from './types.js';
export type { DetectionResult, EntitySpan, EntityType, IntentPrediction, IntentResult, LabelSensitivity, SensitivityMapping } from './types.js';
export { Detector, MAX_DETECT_LENGTH, type DetectorOptions } from './detector.js';
export { redact, placeholder } from './redact.js';
export { normalise, toOriginalRange, type NormalisedText } from './normalise.js';
export { IntentModel, DEFAULT_INTENT_FLOOR, INTENT_MODEL_FORMAT, INTENT_MODEL_VERSION, type IntentModelJSON } from './intent/intent-model.js';
export { trainIntentModel, crossValidate, stratifiedFolds, fitTemperature, DEFAULT_TRAIN_OPTIONS, type TrainOptions, type TrainingRow, type CrossValidation } from './intent/train.js';
export { DEFAULT_FEATURE_OPTIONS, tokenise, type FeatureOptions } from './intent/features.js';
export { parseCsv, parseLabelledCsv } from './csv.js';
export { luhnValid, abaValid, cardIssuer } from './recognisers/digits.js';

/** Path of the default (BANKING77, English) model file, relative to the repository root. */
export const DEFAULT_INTENT_MODEL_PATH = 'libs/detection/models/banking77-en.json';
