import { ENTITY_TYPES, type EntityType } from '@handoff/detection';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { MAX_LINK_TTL_SECONDS } from '../config/app-config.js';
import { MAX_PATTERN_LENGTH } from './safe-pattern.js';
import { ATTACHMENT_TYPES, type AttachmentType } from './trigger.types.js';

export const MAX_EVALUATE_TEXT = 20_000;
const PAGE_ID = /^\d{1,32}$/;

export class IntentConditionDto {
  @ApiPropertyOptional({ type: [String], description: 'intent labels of the model', example: ['lost_or_stolen_card'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  labels?: string[];

  @ApiPropertyOptional({ type: [String], description: 'whole sensitive themes of the model', example: ['credentials_and_security'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  themes?: string[];

  @ApiPropertyOptional({ minimum: 0, maximum: 1, default: 0.5 })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  minConfidence?: number;
}

export class EntityConditionDto {
  @ApiPropertyOptional({ enum: ENTITY_TYPES, isArray: true, description: 'omitted: any type of sensitive data' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(ENTITY_TYPES as unknown as string[], { each: true })
  types?: EntityType[];

  @ApiPropertyOptional({ minimum: 0, maximum: 1, default: 0.5 })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  minScore?: number;
}

export class ConditionsDto {
  @ApiProperty({ enum: ['all', 'any'], description: 'all present conditions, or any of them' })
  @IsIn(['all', 'any'])
  match!: 'all' | 'any';

  @ApiPropertyOptional({ type: IntentConditionDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => IntentConditionDto)
  intents?: IntentConditionDto;

  @ApiPropertyOptional({ type: EntityConditionDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => EntityConditionDto)
  entities?: EntityConditionDto;

  @ApiPropertyOptional({ type: [String], description: 'words or phrases, case-insensitive, whole words', example: ['chargeback'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(100, { each: true })
  keywords?: string[];

  @ApiPropertyOptional({ type: [String], description: 'RE2 regular expressions, case-insensitive (no backreferences or lookarounds)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(MAX_PATTERN_LENGTH, { each: true })
  patterns?: string[];

  @ApiPropertyOptional({ enum: ATTACHMENT_TYPES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(ATTACHMENT_TYPES as unknown as string[], { each: true })
  attachments?: AttachmentType[];

  @ApiPropertyOptional({ description: 'the customer asked for a human' })
  @IsOptional()
  @IsBoolean()
  askedForHuman?: boolean;
}

export class ScopeDto {
  @ApiProperty({ enum: ['all', 'pages'] })
  @IsIn(['all', 'pages'])
  type!: 'all' | 'pages';

  @ApiPropertyOptional({ type: [String], description: 'required when type is pages' })
  @ValidateIf((scope: ScopeDto) => scope.type === 'pages' || scope.pageIds !== undefined)
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(1000)
  @Matches(PAGE_ID, { each: true, message: 'each page id must be a numeric Page id' })
  pageIds?: string[];
}

export class ActionDto {
  @ApiProperty({ enum: ['handoff', 'warn'] })
  @IsIn(['handoff', 'warn'])
  type!: 'handoff' | 'warn';

  @ApiProperty({ description: 'text sent in Messenger (with the secure-chat button for handoff)', maxLength: 640 })
  @IsString()
  @MinLength(1)
  @MaxLength(640)
  messageText!: string;

  @ApiPropertyOptional({ description: 'handoff: routing queue', example: 'general' })
  @ValidateIf((action: ActionDto) => action.type === 'handoff')
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/, { message: 'queue must be lower-case letters, digits, - or _' })
  queue?: string;

  @ApiPropertyOptional({ description: 'handoff: link lifetime in seconds (default LINK_TTL_SECONDS)', minimum: 30, maximum: MAX_LINK_TTL_SECONDS })
  @IsOptional()
  @IsInt()
  @Min(30)
  @Max(MAX_LINK_TTL_SECONDS)
  linkTtlSeconds?: number;

  @ApiPropertyOptional({ description: 'handoff: pass Messenger thread control', default: false })
  @IsOptional()
  @IsBoolean()
  passThreadControl?: boolean;

  @ApiPropertyOptional({ description: 'handoff: app that receives thread control' })
  @IsOptional()
  @Matches(/^\d{1,32}$/, { message: 'targetAppId must be a numeric app id' })
  targetAppId?: string;
}

export class CreateTriggerDto {
  @ApiProperty({ maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string;

  @ApiPropertyOptional({ default: false, description: 'new triggers start disabled unless said otherwise: try them with /evaluate first' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiProperty({ description: 'higher wins', minimum: -10000, maximum: 10000 })
  @IsInt()
  @Min(-10000)
  @Max(10000)
  priority!: number;

  @ApiPropertyOptional({ type: ScopeDto, description: 'default: all Pages' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ScopeDto)
  scope?: ScopeDto;

  @ApiProperty({ type: ConditionsDto })
  @ValidateNested()
  @Type(() => ConditionsDto)
  conditions!: ConditionsDto;

  @ApiProperty({ type: ActionDto })
  @ValidateNested()
  @Type(() => ActionDto)
  action!: ActionDto;
}

export class UpdateTriggerDto {
  @ApiPropertyOptional({ description: 'refuse (409) unless this is still the current version' })
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;

  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ minimum: -10000, maximum: 10000 })
  @IsOptional()
  @IsInt()
  @Min(-10000)
  @Max(10000)
  priority?: number;

  @ApiPropertyOptional({ type: ScopeDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ScopeDto)
  scope?: ScopeDto;

  @ApiPropertyOptional({ type: ConditionsDto, description: 'replaces the conditions as a whole' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ConditionsDto)
  conditions?: ConditionsDto;

  @ApiPropertyOptional({ type: ActionDto, description: 'replaces the action as a whole' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ActionDto)
  action?: ActionDto;
}

export class EvaluateDto {
  @ApiProperty({ description: 'sample customer message; not stored', maxLength: MAX_EVALUATE_TEXT })
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_EVALUATE_TEXT)
  text!: string;

  @ApiPropertyOptional({ description: 'only triggers in scope for this Page; omitted: every scope' })
  @IsOptional()
  @Matches(PAGE_ID, { message: 'pageId must be a numeric Page id' })
  pageId?: string;

  @ApiPropertyOptional({ description: 'test this trigger alone, even while disabled' })
  @IsOptional()
  @IsUUID()
  triggerId?: string;
}

class EvaluateEntityView {
  @ApiProperty({ enum: ENTITY_TYPES }) type!: string;
  @ApiProperty() start!: number;
  @ApiProperty() end!: number;
  @ApiProperty() score!: number;
}

class EvaluateIntentView {
  @ApiProperty() label!: string;
  @ApiProperty() confidence!: number;
  @ApiProperty() sensitive!: boolean;
  @ApiProperty({ type: String, nullable: true }) theme!: string | null;
}

class EvaluateTriggerView {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ type: ActionDto }) action!: unknown;
}

export class EvaluateView {
  @ApiProperty() redactedText!: string;
  @ApiProperty({ description: 'sensitive data or a sensitive intent' }) sensitive!: boolean;
  @ApiProperty({ type: [EvaluateEntityView] }) entities!: EvaluateEntityView[];
  @ApiProperty({ type: EvaluateIntentView, nullable: true }) intent!: EvaluateIntentView | null;
  @ApiProperty({ type: EvaluateTriggerView, nullable: true }) trigger!: EvaluateTriggerView | null;
  @ApiProperty({ type: [String] }) explanation!: string[];
}

export class TriggerView {
  @ApiProperty() id!: string;
  @ApiProperty() version!: number;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty() priority!: number;
  @ApiProperty({ type: ScopeDto }) scope!: unknown;
  @ApiProperty({ type: ConditionsDto }) conditions!: unknown;
  @ApiProperty({ type: ActionDto }) action!: unknown;
  @ApiProperty({ enum: ['created', 'updated', 'restored', 'deleted'] }) change!: string;
  @ApiProperty({ type: Number, nullable: true }) restoredFrom!: number | null;
  @ApiProperty({ type: String, nullable: true }) createdBy!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() deleted!: boolean;
}
