import { Module } from '@nestjs/common';
import { PagesAdminController } from './pages-admin.controller.js';

/** The Pages admin API over PagesService (global PagesModule). Kept apart so it can be folded into
 * PagesModule by its owner. */
@Module({ controllers: [PagesAdminController] })
export class PagesAdminModule {}
