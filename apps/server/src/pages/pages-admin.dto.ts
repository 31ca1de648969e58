import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export class AddPageDto {
  @ApiProperty({ description: 'numeric Facebook Page id', example: '100000000000002' })
  @Matches(/^\d{1,32}$/, { message: 'pageId must be a numeric Page id' })
  pageId!: string;

  @ApiProperty({ maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiProperty({ description: 'Page access token; stored encrypted, never returned' })
  @IsString()
  @MinLength(20)
  @MaxLength(1000)
  accessToken!: string;
}

export class RotatePageTokenDto {
  @ApiProperty({ description: 'the new Page access token; stored encrypted, never returned' })
  @IsString()
  @MinLength(20)
  @MaxLength(1000)
  accessToken!: string;
}

export class UpdatePageDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class PageView {
  @ApiProperty() pageId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}
