import { Global, Module } from '@nestjs/common';
import { PagesService } from './pages.service.js';

@Global()
@Module({ providers: [PagesService], exports: [PagesService] })
export class PagesModule {}
