import { Global, Module } from '@nestjs/common';
import { DataEncryptionService } from './data-encryption.service.js';

@Global()
@Module({ providers: [DataEncryptionService], exports: [DataEncryptionService] })
export class CryptoModule {}
