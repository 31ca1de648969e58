import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsEmail, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { STAFF_ROLES, type StaffRole } from './staff-role.js';

export const PASSWORD_MIN_LENGTH = 12;
const SKILL = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export class CreateStaffDto {
  @ApiProperty({ example: 'agent@bank.example' })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'Alex Agent' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  displayName!: string;

  @ApiProperty({ enum: STAFF_ROLES })
  @IsIn(STAFF_ROLES)
  role!: StaffRole;

  @ApiPropertyOptional({ type: [String], example: ['cards', 'fraud'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(SKILL, { each: true, message: 'each skill must be lower-case letters, digits, - or _' })
  skills?: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 50, default: 3 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(50)
  maxConcurrentChats?: number;

  @ApiPropertyOptional({ description: `at least ${PASSWORD_MIN_LENGTH} characters; omitted: one is generated and returned once`, minLength: PASSWORD_MIN_LENGTH })
  @IsOptional()
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(256)
  password?: string;
}

export class UpdateStaffDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  displayName?: string;

  @ApiPropertyOptional({ enum: STAFF_ROLES })
  @IsOptional()
  @IsIn(STAFF_ROLES)
  role?: StaffRole;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(SKILL, { each: true, message: 'each skill must be lower-case letters, digits, - or _' })
  skills?: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 50 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(50)
  maxConcurrentChats?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class ResetPasswordDto {
  @ApiPropertyOptional({ description: 'omitted: one is generated and returned once', minLength: PASSWORD_MIN_LENGTH })
  @IsOptional()
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(256)
  password?: string;
}

export class StaffView {
  @ApiProperty() id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: STAFF_ROLES }) role!: StaffRole;
  @ApiProperty({ type: [String] }) skills!: string[];
  @ApiProperty() maxConcurrentChats!: number;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ description: 'locked after too many failed sign-ins' }) locked!: boolean;
  @ApiProperty({ type: String, nullable: true }) lastLoginAt!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class StaffWithPasswordView extends StaffView {
  @ApiPropertyOptional({ description: 'the generated password, shown only in this answer' })
  temporaryPassword?: string;
}
