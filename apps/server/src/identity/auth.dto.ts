import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { STAFF_ROLES, type StaffRole } from './staff-role.js';

export class LoginDto {
  @ApiProperty({ example: 'admin@bank.example' })
  @IsString()
  @MinLength(3)
  @MaxLength(254)
  email!: string;

  @ApiProperty({ format: 'password' })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  password!: string;
}

export class RefreshDto {
  @ApiProperty()
  @IsString()
  @MaxLength(100)
  refreshToken!: string;
}

class StaffSummary {
  @ApiProperty() id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: STAFF_ROLES }) role!: StaffRole;
}

export class TokenPairView {
  @ApiProperty({ description: 'JWT, audience `staff`; send as `Authorization: Bearer`' }) accessToken!: string;
  @ApiProperty({ enum: ['Bearer'] }) tokenType!: 'Bearer';
  @ApiProperty({ description: 'seconds' }) expiresIn!: number;
  @ApiProperty({ description: 'single use: each refresh returns a new one' }) refreshToken!: string;
  @ApiProperty() refreshExpiresAt!: string;
}

export class LoginView extends TokenPairView {
  @ApiProperty({ type: StaffSummary }) staff!: StaffSummary;
}

export class MeView extends StaffSummary {
  @ApiProperty() sessionId!: string;
}
