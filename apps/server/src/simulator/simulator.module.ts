import { Module } from '@nestjs/common';
import { SimulatorController } from './simulator.controller.js';

/** Registered in demo mode only (see AppModule). */
@Module({ controllers: [SimulatorController] })
export class SimulatorModule {}
