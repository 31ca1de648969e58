import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { HANDOFF_STATES, type HandoffState } from './handoff.types.js';

export class ListHandoffsQueryDto {
  @ApiPropertyOptional({ enum: HANDOFF_STATES })
  @IsOptional()
  @IsIn(HANDOFF_STATES)
  state?: HandoffState;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  conversationId?: string;

  @ApiPropertyOptional({ description: 'the nextCursor of the previous page' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  cursor?: Date;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export class FunnelQueryDto {
  @ApiPropertyOptional({ description: 'only handoffs offered since (ISO 8601)' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  since?: Date;
}

export class RevokeHandoffDto {
  @ApiPropertyOptional({ maxLength: 200, description: 'why; shown in the audit trail (no customer data)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  reason?: string;
}
